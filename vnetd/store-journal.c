/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The forward journal. A network may have ten thousand forwards, and they
 * change one at a time; rewriting NAME.json for each change would cost
 * O(forwards) per change. So each forward.add and forward.remove is appended
 * to CONFIG/networks/NAME.journal as one JSON line, written with one write()
 * and made durable with fdatasync() before the reply:
 *
 *   {"journal":1,"base":"<FNV-1a 64 of NAME.json's bytes, hex>"}  header
 *   {"add":{"proto":"tcp","port":8080,"to":"10.0.0.2",...}}          added
 *   {"remove":{"proto":"tcp","port":8080,"to":"10.0.0.2",...}}       removed
 *   {"replaced-by":"<hash>"}             NAME.json is about to be rewritten
 *
 * The state is NAME.json with its journal replayed over it. When the journal
 * outgrows NAME.json, or the definition changes, both are rewritten
 * (store_save_network): first a seal naming the new NAME.json's hash is
 * appended to the old journal, then NAME.json is replaced atomically, then a
 * fresh journal naming it is. A crash at any point leaves the old state or the
 * new one:
 *  - up to the seal: the old NAME.json and its journal (old state);
 *  - after the seal, before the rename: replay stops at the seal (old state);
 *  - after the rename: the journal's header names another NAME.json and its
 *    seal names this one, so its changes are already in it (new state).
 * A torn last line (a crash inside write()) was never acknowledged and is
 * ignored. A NAME.json that neither the header nor a seal names was edited by
 * hand: the journal is replayed over it, change by change, and a warning says
 * so. Whatever the journal held, vnetd folds it in when it loads it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vnetd.h"

/* The journal is folded in once it is larger than this or than NAME.json. */
#define JOURNAL_MIN_COMPACT (64 * 1024)

uint64_t store_hash(const char *data, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)data[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int journal_path(struct vnetd *d, const char *name, char *buf, size_t len)
{
	if (snprintf(buf, len, "%s/networks/%s.journal", d->config_dir, name) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/* One write() of @len bytes: all of it or an error (a short write is -EIO). */
static int write_once(int fd, const char *data, size_t len)
{
	ssize_t w;

	do
		w = write(fd, data, len);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	return (size_t)w == len ? 0 : -EIO;
}

int store_journal_seal(struct vnetd *d, const char *name, uint64_t new_base)
{
	struct vnetd_network *cur = vnetd_find(d, name);
	char path[PATH_MAX], line[64];
	int fd, r, n;

	/*
	 * Nothing may follow a seal (replay stops there): if the rewrite it
	 * announces fails, the next change rewrites again instead of appending.
	 */
	if (cur)
		cur->store.ok = false;
	r = journal_path(d, name, path, sizeof(path));
	if (r < 0)
		return r;
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* the leading newline ends a torn line a failed write may have left */
	n = snprintf(line, sizeof(line), "\n{\"replaced-by\":\"%016" PRIx64 "\"}\n", new_base);
	r = write_once(fd, line, n);
	if (r == 0 && fdatasync(fd) < 0)
		r = -errno;
	close(fd);
	return r < 0 ? r : 1;
}

int store_journal_start(struct vnetd *d, struct vnetd_network *net, uint64_t base, size_t base_bytes)
{
	char dir[PATH_MAX], file[NETWORK_NAME_MAX + 16], line[64];
	int r, n;

	net->store.ok = false;
	if (snprintf(dir, sizeof(dir), "%s/networks", d->config_dir) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	snprintf(file, sizeof(file), "%s.journal", net->name);
	n = snprintf(line, sizeof(line), "{\"journal\":1,\"base\":\"%016" PRIx64 "\"}\n", base);
	r = store_write_atomic(dir, file, line);
	if (r < 0)
		return r;
	net->store.ok = true;
	net->store.journal_bytes = n;
	net->store.base_bytes = base_bytes;
	return 0;
}

int store_journal_remove(struct vnetd *d, const char *name)
{
	char path[PATH_MAX];
	int r;

	r = journal_path(d, name, path, sizeof(path));
	if (r < 0)
		return r;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Append one change; -EAGAIN when the definition should be rewritten instead. */
static int journal_append(struct vnetd *d, struct vnetd_network *net, bool add,
			  const struct vnet_fw_forward *fwd)
{
	struct json_object *o = json_object_new_object();
	char path[PATH_MAX], *line = NULL;
	uint64_t limit;
	size_t len;
	int fd = -1, r;

	json_object_object_add(o, add ? "add" : "remove", forward_to_json(fwd));
	r = asprintf(&line, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	if (r < 0)
		return -ENOMEM;
	len = r;
	/* amortised O(1): the rewrite that empties the journal comes after as many bytes */
	limit = net->store.base_bytes > JOURNAL_MIN_COMPACT ? net->store.base_bytes : JOURNAL_MIN_COMPACT;
	if (!net->store.ok || net->store.journal_bytes + len > limit) {
		r = -EAGAIN;
		goto out;
	}
	r = journal_path(d, net->name, path, sizeof(path));
	if (r < 0)
		goto out;
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = write_once(fd, line, len);
	if (r == 0 && fdatasync(fd) < 0)
		r = -errno;
	if (r < 0)
		goto out;
	net->store.journal_bytes += len;
out:
	if (r < 0 && r != -EAGAIN) {
		/* whatever reached the file, the rewrite that follows supersedes it */
		log_warn("network '%s': appending to %s: %s; rewriting the definition instead",
			 net->name, path, strerror(-r));
		net->store.ok = false;
	}
	if (fd >= 0)
		close(fd);
	free(line);
	return r;
}

int store_forward_log(struct vnetd *d, struct vnetd_network *net, bool add,
		      const struct vnet_fw_forward *fwd)
{
	int r = journal_append(d, net, add, fwd);

	if (r == 0)
		return 0;
	/* full, not yet there, or failing: the definition with every forward, and a fresh journal */
	return store_save_network_journal(d, net, true);
}

/* ---- loading ----------------------------------------------------------- */

struct replay {
	const char *path;
	struct vnetd_network *net;
	bool hand_edited;              /* replayed over a NAME.json it does not name */
	unsigned int changes, skipped;
};

static void replay_one(struct replay *rp, unsigned int lineno, struct json_object *o)
{
	struct vnetd_network *net = rp->net;
	struct vnet_error err = { "" };
	struct vnet_fw_forward fwd;
	struct json_object *v;
	bool add = json_object_object_get_ex(o, "add", &v);
	const struct vnet_fw_forward *f;
	ssize_t i;

	if (!add && !json_object_object_get_ex(o, "remove", &v)) {
		log_err("%s:%u: neither \"add\" nor \"remove\", ignoring the line", rp->path, lineno);
		rp->skipped++;
		return;
	}
	rp->changes++;
	if (forward_parse(net, v, &fwd, &err) < 0) {
		log_err("%s:%u: %s, ignoring the line", rp->path, lineno, err.msg);
		rp->skipped++;
		return;
	}
	if (!add) {
		/* found in O(1); where it is in the array, by a scan */
		i = forward_lookup(net, &fwd) ? forward_find(net, &fwd) : -1;
		if (i >= 0)
			network_forward_delete(net, i);
		else if (!rp->hand_edited)
			log_warn("%s:%u: removes a forward the network does not have, ignoring", rp->path, lineno);
		return;
	}
	if (forward_lookup(net, &fwd)) {
		if (!rp->hand_edited)
			log_warn("%s:%u: adds a forward the network already has, ignoring", rp->path, lineno);
		return;
	}
	f = forward_overlaps(net, &fwd);
	if (f) {
		log_err("%s:%u: %s port %u is already forwarded (to port %u), ignoring the line",
			rp->path, lineno, fwd.proto == IPPROTO_UDP ? "udp" : "tcp", fwd.port, f->to_port);
		rp->skipped++;
		return;
	}
	if (network_forward_append(net, &fwd) < 0) {
		log_err("%s:%u: network '%s' has too many forwards, ignoring the line", rp->path, lineno,
			net->name);
		rp->skipped++;
	}
}

static bool hash_member(struct json_object *o, const char *key, uint64_t *h)
{
	struct json_object *v;
	const char *s;
	char *end;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return false;
	s = json_object_get_string(v);
	errno = 0;
	*h = strtoull(s, &end, 16);
	return !errno && *s && !*end;
}

/* Does a line from @p on seal the journal in favour of the NAME.json hashed @base? */
static bool sealed_for(const char *p, const char *end, uint64_t base)
{
	static const char seal[] = "{\"replaced-by\":\"";
	const char *e;
	uint64_t h;
	char *stop;

	for (; p < end; p = e + 1) {
		e = memchr(p, '\n', end - p);
		if (!e)
			return false;
		if ((size_t)(e - p) < sizeof(seal) - 1 || memcmp(p, seal, sizeof(seal) - 1))
			continue;
		errno = 0;
		h = strtoull(p + sizeof(seal) - 1, &stop, 16);
		if (!errno && !strncmp(stop, "\"}", 2) && h == base)
			return true;
	}
	return false;
}

int store_read_file(const char *path, char **data, size_t *len)
{
	struct stat st;
	size_t got = 0;
	char *buf;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	buf = malloc(st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return 0;
}

int store_journal_replay(struct vnetd *d, struct vnetd_network *net, uint64_t base, size_t base_bytes)
{
	char path[PATH_MAX], *data = NULL, *p, *e, *end;
	struct replay rp = { path, net, false, 0, 0 };
	struct json_object *o = NULL;
	unsigned int lineno = 0;
	bool torn = false, sealed = false, fold = true;
	uint64_t h;
	size_t len;
	int r;

	net->store.ok = false;
	r = journal_path(d, net->name, path, sizeof(path));
	if (r < 0)
		return r;
	r = store_read_file(path, &data, &len);
	if (r == -ENOENT)
		return 0;        /* the first change writes one */
	if (r < 0) {
		log_err("%s: %s; the definition is loaded without it", path, strerror(-r));
		return r;
	}
	end = data + len;
	/* the header */
	p = memchr(data, '\n', len);
	if (p)
		*p = '\0';
	o = json_tokener_parse(data);
	if (!p || !o || !json_object_object_get_ex(o, "journal", NULL) || !hash_member(o, "base", &h)) {
		log_err("%s: no valid header line, ignoring the journal", path);
		goto out;
	}
	json_object_put(o);
	o = NULL;
	lineno = 1;
	if (h != base) {
		if (sealed_for(p + 1, end, base)) {
			log_info("%s: already folded into %s.json (its rewrite was cut short), ignoring it",
				 path, net->name);
			goto out;
		}
		log_warn("%s: was written for another %s.json (edited by hand?); replaying its changes over this one",
			 path, net->name);
		rp.hand_edited = true;
	}
	for (p = p + 1; p < end; p = e + 1) {
		struct json_object *x;

		lineno++;
		e = memchr(p, '\n', end - p);
		if (!e) {
			/* no newline: a write() a crash cut short, never acknowledged */
			torn = true;
			log_warn("%s:%u: the last line is incomplete (%zu bytes, a write cut short), ignoring it",
				 path, lineno, (size_t)(end - p));
			break;
		}
		*e = '\0';
		if (e == p)
			continue;
		x = json_tokener_parse(p);
		if (!x || !json_object_is_type(x, json_type_object)) {
			log_err("%s:%u: not a JSON object, ignoring the line", path, lineno);
			rp.skipped++;
		} else if (json_object_object_get_ex(x, "replaced-by", NULL)) {
			/* the rewrite it announced never happened: nothing follows a seal */
			sealed = true;
			json_object_put(x);
			break;
		} else {
			replay_one(&rp, lineno, x);
		}
		json_object_put(x);
	}
	if (rp.changes || rp.skipped || torn || rp.hand_edited)
		log_info("%s: %u changes replayed over %s.json (%u ignored)%s", path, rp.changes,
			 net->name, rp.skipped, torn ? ", a torn last line dropped" : "");
	/* a clean journal that changed nothing can simply go on (not after a seal) */
	if (!rp.changes && !rp.skipped && !torn && !rp.hand_edited && !sealed) {
		net->store.ok = true;
		net->store.journal_bytes = len;
		net->store.base_bytes = base_bytes;
		fold = false;
	}
out:
	json_object_put(o);
	free(data);
	return fold ? 1 : 0;
}
