/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Persistence. Definitions live in CONFIG/networks/NAME.json; which networks
 * are active (and what bridge mode moved off an uplink) lives in
 * RUN/networks/NAME.json, so a restarted vnetd knows what to adopt. Every
 * file is written to a temporary name, fsynced, renamed over the old one and
 * the directory fsynced: a crash leaves the old file or the new one.
 * Forward changes go to a journal beside the definition instead
 * (store-journal.c), which is folded into it now and then.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vnetd.h"

int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, data, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += w;
		len -= w;
	}
	return 0;
}

int store_write_atomic(const char *dir, const char *file, const char *data)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	int fd = -1, dfd = -1, r;

	r = mkdir_p(dir, 0755);
	if (r < 0)
		return r;
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, file) >= (int)sizeof(tmp) ||
	    snprintf(dst, sizeof(dst), "%s/%s", dir, file) >= (int)sizeof(dst))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, strlen(data));
	if (r < 0)
		goto out;
	if (fsync(fd) < 0) {
		r = -errno;
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, dst) < 0) {
		r = -errno;
		goto out;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		r = -errno;
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (r < 0)
		unlink(tmp);
	return r;
}

static int remove_file(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int dfd;

	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

static void subdir(char *buf, size_t len, const char *base)
{
	snprintf(buf, len, "%s/networks", base);
}

int store_save_network_journal(struct vnetd *d, struct vnetd_network *net, bool journal)
{
	struct json_object *o = network_to_json(net);
	char dir[PATH_MAX], file[NETWORK_NAME_MAX + 8];
	const char *text;
	uint64_t h;
	size_t len;
	int r;

	net->store.ok = false;
	subdir(dir, sizeof(dir), d->config_dir);
	snprintf(file, sizeof(file), "%s.json", net->name);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
	len = strlen(text);
	h = store_hash(text, len);
	/* the old journal says first that this file supersedes it (store-journal.c) */
	r = store_journal_seal(d, net->name, h);
	if (r > 0)
		journal = true;
	if (r >= 0)
		r = store_write_atomic(dir, file, text);
	json_object_put(o);
	if (r < 0)
		return r;
	/* a network whose forwards never changed has no journal (one file fewer to write) */
	if (!journal)
		return 0;
	r = store_journal_start(d, net, h, len);
	if (r < 0)
		/* the definition holds everything; the next change tries again */
		log_warn("network '%s': starting its forward journal: %s, ignoring", net->name, strerror(-r));
	return 0;
}

int store_save_network(struct vnetd *d, struct vnetd_network *net)
{
	return store_save_network_journal(d, net, false);
}

int store_remove_network(struct vnetd *d, const char *name)
{
	char dir[PATH_MAX];
	int r;

	subdir(dir, sizeof(dir), d->config_dir);
	r = remove_file(dir, name);
	if (r < 0)
		return r;
	/* without its definition a journal is never read; a later define seals it */
	r = store_journal_remove(d, name);
	if (r < 0)
		log_warn("network '%s': removing its forward journal: %s, ignoring", name, strerror(-r));
	return 0;
}

int store_save_runtime(struct vnetd *d, const struct vnetd_network *net)
{
	struct json_object *o = json_object_new_object();
	char dir[PATH_MAX], file[NETWORK_NAME_MAX + 8];
	int r;

	json_object_object_add(o, "active", json_object_new_boolean(net->active));
	json_object_object_add(o, "bridge", json_object_new_string(net->bridge));
	if (net->saved_uplink)
		json_object_object_add(o, "saved_uplink", json_object_get(net->saved_uplink));
	subdir(dir, sizeof(dir), d->run_dir);
	snprintf(file, sizeof(file), "%s.json", net->name);
	r = store_write_atomic(dir, file, json_object_to_json_string(o));
	json_object_put(o);
	return r;
}

int store_remove_runtime(struct vnetd *d, const char *name)
{
	char dir[PATH_MAX];

	subdir(dir, sizeof(dir), d->run_dir);
	return remove_file(dir, name);
}

static bool is_json_name(const char *f, char *name, size_t len)
{
	size_t n = strlen(f);

	if (f[0] == '.' || n <= 5 || strcmp(f + n - 5, ".json") || n - 5 >= len)
		return false;
	memcpy(name, f, n - 5);
	name[n - 5] = '\0';
	return true;
}

static void load_runtime(struct vnetd *d, struct vnetd_network *net)
{
	char path[PATH_MAX];
	struct json_object *o, *v;

	snprintf(path, sizeof(path), "%s/networks/%s.json", d->run_dir, net->name);
	o = json_object_from_file(path);
	if (!o)
		return;
	if (json_object_object_get_ex(o, "active", &v))
		net->active = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "saved_uplink", &v))
		net->saved_uplink = json_object_get(v);
	json_object_put(o);
}

int store_load(struct vnetd *d)
{
	char dir[PATH_MAX], name[NETWORK_NAME_MAX + 1];
	const char *taken[1024];
	size_t n_taken = 0;
	struct dirent **ents = NULL;
	char *text = NULL;
	size_t len = 0;
	int n, r = 0;

	subdir(dir, sizeof(dir), d->config_dir);
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct vnetd_network *net = NULL;
		struct vnet_error err = { "" };
		char path[PATH_MAX + 256];
		struct json_object *o;

		if (!is_json_name(ents[i]->d_name, name, sizeof(name)))
			goto next;
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		free(text);
		text = NULL;
		r = store_read_file(path, &text, &len);
		if (r < 0) {
			log_err("%s: %s, ignoring", path, strerror(-r));
			goto next;
		}
		o = json_tokener_parse(text);
		if (!o) {
			log_err("%s: not valid JSON, ignoring", path);
			goto next;
		}
		taken[n_taken] = NULL;
		r = network_parse(o, taken, &net, &err);
		json_object_put(o);
		if (r < 0) {
			log_err("%s: %s, ignoring", path, err.msg);
			goto next;
		}
		if (strcmp(net->name, name)) {
			log_err("%s: names network '%s', not '%s', ignoring", path, net->name, name);
			network_free(net);
			goto next;
		}
		/* the forwards changed since, folded in at once */
		if (store_journal_replay(d, net, store_hash(text, len), len) > 0) {
			r = store_save_network(d, net);
			if (r < 0)
				log_err("network '%s': folding its journal into %s: %s; it stays as it is",
					net->name, path, strerror(-r));
		}
		load_runtime(d, net);
		vnetd_add(d, net);
		if (n_taken < sizeof(taken) / sizeof(taken[0]) - 1)
			taken[n_taken++] = net->bridge;
		log_debug("network '%s': loaded (%s, bridge %s%s)", net->name,
			  network_mode_name(net->mode), net->bridge, net->active ? ", active" : "");
next:
		free(ents[i]);
	}
	free(ents);
	free(text);
	return 0;
}
