/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Attachments: a tap per VM port, made by vnetd with the bridge's MTU,
 * enslaved and up. A persistent tap belongs to a user and stays until
 * detach; a tap handed over as an open fd lives as long as the hypervisor
 * holds it, and the monitor's link events take it off the registry when it
 * goes. Every entry is also a file RUN/ports/TAP.json, so a restarted vnetd
 * adopts the persistent taps and drops the fd-held ones that vanished.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/random.h>

#include "vnetd.h"
#include "attach.h"

static void ports_dir(struct vnetd *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/ports", d->run_dir);
}

static int lib_fail(struct vnetd *d, int r, struct vnet_error *err, const char *what)
{
	const char *why = vnet_ctx_errmsg(d->ctx);

	snprintf(err->msg, sizeof(err->msg), "%s: %s", what, why && *why ? why : strerror(-r));
	return r;
}

struct vnetd_attach *attach_find(struct vnetd *d, const char *tap)
{
	for (struct vnetd_attach *a = d->attachments; a; a = a->next)
		if (!strcmp(a->tap, tap))
			return a;
	return NULL;
}

static void attach_unlink(struct vnetd *d, struct vnetd_attach *a)
{
	for (struct vnetd_attach **p = &d->attachments; *p; p = &(*p)->next)
		if (*p == a) {
			*p = a->next;
			a->next = NULL;
			d->n_attachments--;
			return;
		}
}

static struct json_object *record_json(const struct vnetd_attach *a)
{
	struct json_object *o = json_object_new_object();
	char mac[VNET_MAC_STRLEN];

	json_object_object_add(o, "tap", json_object_new_string(a->tap));
	json_object_object_add(o, "network", json_object_new_string(a->network));
	json_object_object_add(o, "mac", json_object_new_string(vnet_mac_format(a->mac, mac)));
	json_object_object_add(o, "ifindex", json_object_new_int(a->ifindex));
	json_object_object_add(o, "uid", json_object_new_int64(a->uid));
	json_object_object_add(o, "gid", json_object_new_int64(a->gid));
	json_object_object_add(o, "caller_uid", json_object_new_int64(a->caller_uid));
	json_object_object_add(o, "queues", json_object_new_int(a->queues));
	json_object_object_add(o, "vnet_hdr", json_object_new_boolean(a->vnet_hdr));
	json_object_object_add(o, "isolated", json_object_new_boolean(a->isolated));
	json_object_object_add(o, "persistent", json_object_new_boolean(a->persistent));
	return o;
}

/*
 * Write-temp and rename, so a vnetd killed halfway leaves the old file or
 * the new one. No fsync: the file describes a tap, and a tap does not
 * outlive the machine, so after a power cut there is nothing for it to
 * describe (an unreadable file is dropped at start); and a crash of vnetd
 * alone loses nothing the kernel has accepted. The directory is made at
 * start, again only if it went missing.
 */
static int record_write(const char *dir, const char *file, const char *data)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	size_t len = strlen(data);
	ssize_t n;
	int fd, r = 0;

	if (snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, file) >= (int)sizeof(tmp) ||
	    snprintf(dst, sizeof(dst), "%s/%s", dir, file) >= (int)sizeof(dst))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < len && r == 0; off += (size_t)n) {
		n = write(fd, data + off, len - off);
		if (n == 0)
			r = -EIO;
		else if (n < 0 && errno != EINTR)
			r = -errno;
		if (n < 0)
			n = 0;
	}
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, dst) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

static int record_save(struct vnetd *d, const struct vnetd_attach *a)
{
	struct json_object *o = record_json(a);
	char dir[PATH_MAX], file[VNET_IFNAMSIZ + 8];
	const char *data = json_object_to_json_string(o);
	int r;

	ports_dir(d, dir, sizeof(dir));
	snprintf(file, sizeof(file), "%s.json", a->tap);
	r = record_write(dir, file, data);
	if (r == -ENOENT) {
		r = mkdir_p(dir, 0755);
		if (r == 0)
			r = record_write(dir, file, data);
	}
	json_object_put(o);
	return r;
}

static void record_remove(struct vnetd *d, const char *tap)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/ports/%s.json", d->run_dir, tap);
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("removing %s: %s, ignoring", path, strerror(errno));
}

/* Forget @a everywhere but in the kernel. */
static void forget(struct vnetd *d, struct vnetd_attach *a, const char *why)
{
	struct json_object *x = json_object_new_object();

	attach_unlink(d, a);
	record_remove(d, a->tap);
	log_info("network '%s': port %s %s", a->network, a->tap, why);
	json_object_object_add(x, "tap", json_object_new_string(a->tap));
	json_object_object_add(x, "cause", json_object_new_string(why));
	event_emit(d, "port.detached", a->network, x);
	free(a);
}

/* 52:54:00:xx:xx:xx (QEMU's prefix), not used by another attachment. */
static void pick_mac(struct vnetd *d, uint8_t mac[VNET_ETH_ALEN])
{
	for (;;) {
		bool taken = false;

		mac[0] = 0x52;
		mac[1] = 0x54;
		mac[2] = 0x00;
		if (getrandom(mac + 3, 3, 0) != 3) {
			unsigned long v = (unsigned long)random();

			mac[3] = v >> 16;
			mac[4] = v >> 8;
			mac[5] = v;
		}
		for (struct vnetd_attach *a = d->attachments; a; a = a->next)
			if (!memcmp(a->mac, mac, VNET_ETH_ALEN))
				taken = true;
		if (!taken)
			return;
	}
}

/*
 * Make the tap: vnet0, vnet1, ... when no name is asked. The kernel refuses
 * a name any link has (exclusive), so a taken name costs one failed
 * TUNSETIFF instead of a look-up before every attach.
 */
static int make_tap(struct vnetd *d, struct vnetd_attach *a, struct vnet_tap_spec *spec,
		    bool named, int *fds, struct vnet_error *err)
{
	struct vnet_link_info info;
	int r;

	for (unsigned i = 0; i < 1000000; i++) {
		unsigned n = (d->attach_next + i) % 1000000;

		if (!named) {
			snprintf(a->tap, sizeof(a->tap), "vnet%u", n);
			if (attach_find(d, a->tap))
				continue;
		}
		spec->name = a->tap;
		r = vnet_tap_ensure_ifindex(d->ctx, spec, fds, &a->ifindex);
		if (r == -EEXIST && !named)
			continue;
		if (!named && r == 0)
			d->attach_next = n + 1;
		if (r == -EEXIST) {
			if (vnet_link_get(d->ctx, a->tap, &info) == 0)
				snprintf(err->msg, sizeof(err->msg),
					 "tap '%s': a link of that name already exists (%s)", a->tap,
					 info.kind_name[0] ? info.kind_name : vnet_link_kind_name(info.kind));
			else
				snprintf(err->msg, sizeof(err->msg),
					 "tap '%s': a link of that name already exists", a->tap);
			return r;
		}
		/* checked by libvnet before it made anything */
		if (r == -ENODEV || r == -ENOTTY) {
			snprintf(err->msg, sizeof(err->msg), "network '%s' has no bridge '%s' right now (%s)",
				 a->network, spec->master, vnet_ctx_errmsg(d->ctx));
			return -ENETDOWN;
		}
		if (r < 0)
			return lib_fail(d, r, err, "creating the tap");
		return 0;
	}
	snprintf(err->msg, sizeof(err->msg), "no free tap name vnet0..vnet999999");
	return -ENOSPC;
}

int attach_create(struct vnetd *d, const struct attach_req *req, int64_t caller_uid,
		  struct vnetd_attach **ret, int *fds, struct vnet_error *err)
{
	struct vnetd_network *net = req->net;
	struct vnet_tap_spec spec;
	struct vnetd_attach *a;
	bool made = false;
	int r;

	*ret = NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	snprintf(a->tap, sizeof(a->tap), "%s", req->tap);
	if (req->has_mac)
		memcpy(a->mac, req->mac, VNET_ETH_ALEN);
	else
		pick_mac(d, a->mac);
	snprintf(a->network, sizeof(a->network), "%s", net->name);
	a->uid = req->uid;
	a->gid = req->gid;
	a->caller_uid = caller_uid;
	a->queues = req->queues;
	a->vnet_hdr = req->vnet_hdr;
	a->isolated = req->isolated;
	a->persistent = !req->return_fd;

	/*
	 * One request sets the MAC, the bridge's MTU, the bridge and up. An
	 * isolated port comes up only once it is isolated.
	 */
	vnet_tap_spec_init(&spec, a->tap);
	spec.persistent = a->persistent;
	spec.owner = a->uid;
	spec.group = a->gid;
	spec.queues = a->queues;
	spec.vnet_hdr = a->vnet_hdr;
	spec.has_mac = true;
	memcpy(spec.mac, a->mac, VNET_ETH_ALEN);
	spec.master = net->bridge;
	spec.up = !a->isolated;
	spec.exclusive = true;
	r = make_tap(d, a, &spec, req->tap[0], req->return_fd ? fds : NULL, err);
	if (r < 0)
		goto fail;
	made = true;
	if (a->isolated) {
		struct vnet_port_flags fl = { .isolated = VNET_ON };

		r = vnet_port_set_flags(d->ctx, a->tap, &fl);
		if (r < 0) {
			lib_fail(d, r, err, "isolating the port");
			goto fail;
		}
		r = vnet_link_set_up(d->ctx, a->tap, true);
		if (r < 0) {
			lib_fail(d, r, err, "setting the tap up");
			goto fail;
		}
	}
	r = record_save(d, a);
	if (r < 0) {
		snprintf(err->msg, sizeof(err->msg), "recording the port under %s/ports: %s", d->run_dir,
			 strerror(-r));
		goto fail;
	}
	network_port_note(net, a->tap);
	a->next = d->attachments;
	d->attachments = a;
	d->n_attachments++;
	log_info("network '%s': port %s attached (%s, mac %02x:%02x:%02x:%02x:%02x:%02x)", net->name,
		 a->tap, a->persistent ? "persistent" : "fd", a->mac[0], a->mac[1], a->mac[2], a->mac[3],
		 a->mac[4], a->mac[5]);
	*ret = a;
	return 0;
fail:
	if (made) {
		if (req->return_fd)
			for (unsigned i = 0; i < a->queues; i++) {
				close(fds[i]);
				fds[i] = -1;
			}
		vnet_link_delete(d->ctx, a->tap);
	}
	free(a);
	return r;
}

int attach_destroy(struct vnetd *d, struct vnetd_attach *a, struct vnet_error *err)
{
	struct vnet_link_info info;
	int r;

	/* delete only the link we made: a new one may carry the old name */
	r = vnet_link_get(d->ctx, a->tap, &info);
	if (r == 0 && info.ifindex == a->ifindex) {
		r = vnet_link_delete(d->ctx, a->tap);
		if (r < 0)
			return lib_fail(d, r, err, "deleting the tap");
	} else if (r < 0 && r != -ENODEV) {
		return lib_fail(d, r, err, "reading the tap");
	}
	forget(d, a, "detached");
	return 0;
}

void attach_link_gone(struct vnetd *d, const char *name, int ifindex)
{
	struct vnetd_attach *a = attach_find(d, name);

	if (a && (!ifindex || a->ifindex == ifindex))
		forget(d, a, a->persistent ? "deleted behind vnetd's back" : "closed by its holder");
}

void attach_sweep(struct vnetd *d)
{
	struct vnetd_attach *a, *next;

	for (a = d->attachments; a; a = next) {
		struct vnet_link_info info;
		int r;

		next = a->next;
		r = vnet_link_get(d->ctx, a->tap, &info);
		if (r == -ENODEV || (r == 0 && info.ifindex != a->ifindex))
			forget(d, a, "gone");
	}
}

static int64_t get_i64(struct json_object *o, const char *key, int64_t def)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : def;
}

static bool get_bool(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

/* One RUN/ports file into an entry, if what it names is still there. */
static void load_one(struct vnetd *d, const char *path)
{
	struct json_object *o = json_object_from_file(path), *v;
	struct vnet_error err = { "" };
	struct vnet_link_info info;
	struct vnetd_network *net;
	struct vnetd_attach *a = NULL;
	const char *why = NULL;

	if (!o) {
		log_warn("%s: not valid JSON, dropping it", path);
		unlink(path);
		return;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		goto out;
	if (!json_object_object_get_ex(o, "tap", &v) || vnet_ifname_check("tap", json_object_get_string(v), &err) < 0 ||
	    !json_object_object_get_ex(o, "mac", &v) || vnet_mac_parse("mac", json_object_get_string(v), a->mac, &err) < 0 ||
	    !json_object_object_get_ex(o, "network", &v) || strlen(json_object_get_string(v)) > NETWORK_NAME_MAX) {
		why = "unreadable";
		goto drop;
	}
	snprintf(a->tap, sizeof(a->tap), "%s", json_object_get_string(json_object_object_get(o, "tap")));
	snprintf(a->network, sizeof(a->network), "%s", json_object_get_string(v));
	a->ifindex = (int)get_i64(o, "ifindex", 0);
	a->uid = get_i64(o, "uid", -1);
	a->gid = get_i64(o, "gid", -1);
	a->caller_uid = get_i64(o, "caller_uid", 0);
	a->queues = (unsigned)get_i64(o, "queues", 1);
	a->vnet_hdr = get_bool(o, "vnet_hdr");
	a->isolated = get_bool(o, "isolated");
	a->persistent = get_bool(o, "persistent");
	if (vnet_link_get(d->ctx, a->tap, &info) < 0 || info.kind != VNET_LINK_TAP ||
	    info.ifindex != a->ifindex) {
		why = a->persistent ? "was deleted while vnetd was down" : "was closed while vnetd was down";
		goto drop;
	}
	net = vnetd_find(d, a->network);
	if (net && net->active) {
		network_port_note(net, a->tap);
		/* the bridge may have been recreated meanwhile; put the port back */
		if (strcmp(info.master, net->bridge) && vnet_port_enslave(d->ctx, a->tap, net->bridge) == 0)
			log_info("network '%s': port %s re-attached", net->name, a->tap);
	}
	a->next = d->attachments;
	d->attachments = a;
	d->n_attachments++;
	log_debug("network '%s': port %s adopted", a->network, a->tap);
	a = NULL;
	goto out;
drop:
	log_info("%s: port %s %s; dropped", path, a->tap[0] ? a->tap : "?", why);
	unlink(path);
out:
	free(a);
	json_object_put(o);
}

int attach_load(struct vnetd *d)
{
	char dir[PATH_MAX];
	struct dirent **ents = NULL;
	int n;

	ports_dir(d, dir, sizeof(dir));
	/* made once here, not at every attach */
	n = mkdir_p(dir, 0755);
	if (n < 0)
		return n;
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		const char *f = ents[i]->d_name;
		size_t len = strlen(f);
		char path[PATH_MAX + 256];

		if (f[0] != '.' && len > 5 && !strcmp(f + len - 5, ".json")) {
			snprintf(path, sizeof(path), "%s/%s", dir, f);
			load_one(d, path);
		}
		free(ents[i]);
	}
	free(ents);
	log_info("%u port(s) adopted", d->n_attachments);
	return 0;
}

void attach_free_all(struct vnetd *d)
{
	while (d->attachments) {
		struct vnetd_attach *a = d->attachments;

		d->attachments = a->next;
		free(a);
	}
	d->n_attachments = 0;
}

struct json_object *attach_to_json(struct vnetd *d, const struct vnetd_attach *a,
				   struct json_object *leases)
{
	struct json_object *o = json_object_new_object();
	char mac[VNET_MAC_STRLEN];

	(void)d;
	vnet_mac_format(a->mac, mac);
	json_object_object_add(o, "tap", json_object_new_string(a->tap));
	json_object_object_add(o, "network", json_object_new_string(a->network));
	json_object_object_add(o, "mac", json_object_new_string(mac));
	if (a->uid >= 0) {
		struct passwd *pw = getpwuid((uid_t)a->uid);
		char num[24];

		snprintf(num, sizeof(num), "%lld", (long long)a->uid);
		json_object_object_add(o, "owner", json_object_new_string(pw ? pw->pw_name : num));
		json_object_object_add(o, "uid", json_object_new_int64(a->uid));
	}
	if (a->gid >= 0)
		json_object_object_add(o, "gid", json_object_new_int64(a->gid));
	json_object_object_add(o, "persistent", json_object_new_boolean(a->persistent));
	json_object_object_add(o, "queues", json_object_new_int(a->queues));
	json_object_object_add(o, "vnet_hdr", json_object_new_boolean(a->vnet_hdr));
	json_object_object_add(o, "isolated", json_object_new_boolean(a->isolated));
	for (size_t i = 0; leases && i < json_object_array_length(leases); i++) {
		struct json_object *l = json_object_array_get_idx(leases, i), *m, *ip;

		if (json_object_object_get_ex(l, "mac", &m) && !strcasecmp(json_object_get_string(m), mac) &&
		    json_object_object_get_ex(l, "ip", &ip)) {
			json_object_object_add(o, "ip", json_object_get(ip));
			break;
		}
	}
	return o;
}
