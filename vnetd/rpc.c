/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The control socket: JSON-RPC 2.0, one object per line, on a Unix stream
 * socket. Every client has its own input and output buffer and a
 * non-blocking fd, so a client that sends half a line or stops reading
 * never holds up the loop; lines and pending output are bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "vnetd.h"

#define RPC_LINE_MAX (1024 * 1024)
#define RPC_OUT_MAX (16 * 1024 * 1024)
/* a client whose answers back up this far is not read until it catches up */
#define RPC_OUT_PAUSE (256 * 1024)
#define RPC_READ_CHUNK 65536
#define RPC_CLIENTS_MAX 1024
#define RPC_FDS_MAX 16

/* fds that go out with the reply starting at byte @off of the output */
struct rpc_fds {
	size_t off;
	int fds[RPC_FDS_MAX];
	size_t n;
};

/* JSON-RPC 2.0 codes */
#define RPC_PARSE_ERROR -32700
#define RPC_INVALID_REQUEST -32600
#define RPC_METHOD_NOT_FOUND -32601
#define RPC_INVALID_PARAMS -32602
#define RPC_SERVER_ERROR -32000

struct rpc_client {
	struct vnetd *d;
	int fd;
	sd_event_source *src;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_off, out_cap;
	struct rpc_fds *fdq;       /* in output order */
	size_t n_fdq;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	bool may_write;
	bool subscribed;
	bool closing;              /* drop once the output is flushed */
	bool eof;                  /* the peer sent all it will send */
	bool dead;                 /* drop from the loop, never mid-call */
	struct rpc_client *next;
};

struct rpc_server {
	int fd;
	sd_event_source *src;
	gid_t vnet_gid;
	bool have_vnet_gid;
	struct rpc_client *clients;
	unsigned int n_clients;
	sd_event_source *reap_src;
};

static int reap_dead(sd_event_source *src, void *userdata);

static void close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* The first pending fds have gone out (or never will): close our copies. */
static void fdq_pop(struct rpc_client *c)
{
	close_fds(c->fdq[0].fds, c->fdq[0].n);
	memmove(c->fdq, c->fdq + 1, (c->n_fdq - 1) * sizeof(*c->fdq));
	c->n_fdq--;
}

static void client_free(struct rpc_client *c)
{
	struct rpc_server *s = c->d->rpc;

	for (struct rpc_client **p = &s->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	s->n_clients--;
	log_debug("client pid %d uid %u: disconnected", (int)c->pid, (unsigned)c->uid);
	sd_event_source_disable_unref(c->src);
	close(c->fd);
	/* taps never handed over vanish with these */
	while (c->n_fdq)
		fdq_pop(c);
	free(c->fdq);
	free(c->in);
	free(c->out);
	free(c);
}

static int reap_dead(sd_event_source *src, void *userdata)
{
	struct rpc_server *s = userdata;
	struct rpc_client *c, *next;

	for (c = s->clients; c; c = next) {
		next = c->next;
		if (c->dead)
			client_free(c);
	}
	return 0;
}

/*
 * client_kill - drop a client from outside its own handler (a broadcast may
 * run while another client's request is being served): freed from the loop.
 */
static void client_kill(struct rpc_client *c)
{
	struct rpc_server *s = c->d->rpc;

	c->dead = true;
	c->closing = true;
	sd_event_source_set_enabled(c->src, SD_EVENT_OFF);
	if (!s->reap_src)
		sd_event_add_defer(c->d->event, &s->reap_src, reap_dead, s);
	if (s->reap_src)
		sd_event_source_set_enabled(s->reap_src, SD_EVENT_ONESHOT);
}

static size_t client_backlog(const struct rpc_client *c)
{
	return c->out_len - c->out_off;
}

static int client_update_events(struct rpc_client *c)
{
	uint32_t ev = c->closing || c->eof || client_backlog(c) > RPC_OUT_PAUSE ? 0 : EPOLLIN;

	if (c->out_len > c->out_off)
		ev |= EPOLLOUT;
	return sd_event_source_set_io_events(c->src, ev);
}

/* Send from out_off, with the fds that start there; never past the next fds. */
static ssize_t client_send(struct rpc_client *c)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * RPC_FDS_MAX)];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { c->out + c->out_off, c->out_len - c->out_off };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct rpc_fds *q = c->n_fdq ? &c->fdq[0] : NULL;
	ssize_t w;

	if (q && q->off > c->out_off) {
		iov.iov_len = q->off - c->out_off;
		q = NULL;
	} else if (q && c->n_fdq > 1) {
		iov.iov_len = c->fdq[1].off - c->out_off;
	}
	if (q) {
		struct cmsghdr *cm;

		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * q->n);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * q->n);
		memcpy(CMSG_DATA(cm), q->fds, sizeof(int) * q->n);
	}
	w = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	/* the fds travel with the first byte; ours are copies now */
	if (w > 0 && q)
		fdq_pop(c);
	return w;
}

/* Write what the socket takes now; the rest waits for EPOLLOUT. */
static int client_flush(struct rpc_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t w = client_send(c);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		c->out_off += w;
	}
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
		if (c->closing)
			return -ECONNRESET;
	}
	return client_update_events(c);
}

static int client_queue_fds(struct rpc_client *c, struct json_object *msg, const int *fds, size_t nfds)
{
	const char *s = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t n = strlen(s);

	if (c->out_len - c->out_off + n + 1 > RPC_OUT_MAX) {
		log_warn("client pid %d: more than %d bytes unread, dropping it", (int)c->pid, RPC_OUT_MAX);
		return -ENOBUFS;
	}
	if (c->out_off > 0 && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + n + 1 > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *p;

		/* compact before growing */
		if (c->out_off) {
			memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
			for (size_t i = 0; i < c->n_fdq; i++)
				c->fdq[i].off -= c->out_off;
			c->out_len -= c->out_off;
			c->out_off = 0;
		}
		while (cap < c->out_len + n + 1)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p)
			return -ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	if (nfds) {
		struct rpc_fds *q = realloc(c->fdq, (c->n_fdq + 1) * sizeof(*q));

		if (!q || nfds > RPC_FDS_MAX) {
			c->fdq = q ? q : c->fdq;
			return -ENOMEM;
		}
		c->fdq = q;
		q[c->n_fdq].off = c->out_len;
		memcpy(q[c->n_fdq].fds, fds, nfds * sizeof(int));
		q[c->n_fdq].n = nfds;
		c->n_fdq++;
	}
	memcpy(c->out + c->out_len, s, n);
	c->out[c->out_len + n] = '\n';
	c->out_len += n + 1;
	return 0;
}

static int client_queue(struct rpc_client *c, struct json_object *msg)
{
	return client_queue_fds(c, msg, NULL, 0);
}

static const char *errno_reason(int code)
{
	const char *s = strerrorname_np(code);

	return s ? s : "EIO";
}

static struct json_object *make_error_data(struct json_object *id, int code, const char *message,
					   int err, struct json_object *extra)
{
	struct json_object *msg = json_object_new_object();
	struct json_object *e = json_object_new_object();

	json_object_object_add(msg, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(e, "code", json_object_new_int(code));
	json_object_object_add(e, "message", json_object_new_string(message));
	if (err) {
		struct json_object *data = json_object_new_object();

		json_object_object_add(data, "reason", json_object_new_string(errno_reason(err)));
		json_object_object_add(data, "errno", json_object_new_int(err));
		if (extra) {
			json_object_object_foreach(extra, k, v)
				json_object_object_add(data, k, json_object_get(v));
		}
		json_object_object_add(e, "data", data);
	}
	json_object_put(extra);
	json_object_object_add(msg, "error", e);
	json_object_object_add(msg, "id", id ? json_object_get(id) : NULL);
	return msg;
}

static struct json_object *make_error(struct json_object *id, int code, const char *message,
				      int err)
{
	return make_error_data(id, code, message, err, NULL);
}

static int send_and_put(struct rpc_client *c, struct json_object *msg)
{
	int r = client_queue(c, msg);

	json_object_put(msg);
	return r;
}

static int handle_request(struct rpc_client *c, const char *line, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *req = NULL, *id = NULL, *v, *params = NULL;
	struct rpc_call call = { .d = c->d, .client = c };
	const char *method;
	bool has_id;
	int r;

	req = json_tokener_parse_ex(tok, line, len);
	if (!req || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) < len) {
		char m[160];

		snprintf(m, sizeof(m), "parse error: %s",
			 req ? "trailing data after the JSON object"
			     : json_tokener_error_desc(json_tokener_get_error(tok)));
		if (!req && json_tokener_get_error(tok) == json_tokener_continue)
			snprintf(m, sizeof(m), "parse error: the line ends inside a JSON value");
		r = send_and_put(c, make_error(NULL, RPC_PARSE_ERROR, m, EINVAL));
		goto out;
	}
	if (!json_object_is_type(req, json_type_object)) {
		r = send_and_put(c, make_error(NULL, RPC_INVALID_REQUEST,
					       "invalid request: a request must be a JSON object", EINVAL));
		goto out;
	}
	has_id = json_object_object_get_ex(req, "id", &id);
	if (has_id && id && !json_object_is_type(id, json_type_int) &&
	    !json_object_is_type(id, json_type_string) && !json_object_is_type(id, json_type_double)) {
		r = send_and_put(c, make_error(NULL, RPC_INVALID_REQUEST,
					       "invalid request: id must be a number, a string or null", EINVAL));
		goto out;
	}
	if (!json_object_object_get_ex(req, "jsonrpc", &v) || !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "2.0")) {
		r = send_and_put(c, make_error(id, RPC_INVALID_REQUEST,
					       "invalid request: jsonrpc must be \"2.0\"", EINVAL));
		goto out;
	}
	if (!json_object_object_get_ex(req, "method", &v) || !json_object_is_type(v, json_type_string)) {
		r = send_and_put(c, make_error(id, RPC_INVALID_REQUEST,
					       "invalid request: method is missing or not a string", EINVAL));
		goto out;
	}
	method = json_object_get_string(v);
	if (json_object_object_get_ex(req, "params", &params) && params &&
	    !json_object_is_type(params, json_type_object)) {
		r = send_and_put(c, make_error(id, RPC_INVALID_PARAMS,
					       "invalid params: params must be an object (named parameters)", EINVAL));
		goto out;
	}
	call.params = params;
	r = methods_dispatch(&call, method, c->may_write);
	if (!has_id || r < 0) {
		/* nobody will receive them: a tap made for a notification vanishes */
		close_fds(call.fds, call.n_fds);
		call.n_fds = 0;
	}
	if (!has_id) {
		/* a notification: no reply, even for an error */
		json_object_put(call.result);
		json_object_put(call.err_data);
		r = 0;
		goto out;
	}
	if (r < 0) {
		int code = r == -ENOSYS ? RPC_METHOD_NOT_FOUND :
			   r == -EINVAL ? RPC_INVALID_PARAMS : RPC_SERVER_ERROR;

		if (!call.err.msg[0])
			snprintf(call.err.msg, sizeof(call.err.msg), "%s: %s", method, strerror(-r));
		log_debug("client pid %d: %s: %s", (int)c->pid, method, call.err.msg);
		r = send_and_put(c, make_error_data(id, code, call.err.msg, -r, call.err_data));
	} else {
		struct json_object *msg = json_object_new_object();

		json_object_object_add(msg, "jsonrpc", json_object_new_string("2.0"));
		json_object_object_add(msg, "result", call.result ? call.result : json_object_new_object());
		json_object_object_add(msg, "id", json_object_get(id));
		json_object_put(call.err_data);
		r = client_queue_fds(c, msg, call.fds, call.n_fds);
		json_object_put(msg);
		if (r < 0)
			close_fds(call.fds, call.n_fds);
	}
out:
	json_object_put(req);
	json_tokener_free(tok);
	return r;
}

/* Serve every complete line in the buffer, in order. */
static int client_process(struct rpc_client *c)
{
	size_t start = 0;
	int r = 0;

	while (start < c->in_len && !c->closing && client_backlog(c) <= RPC_OUT_PAUSE) {
		char *nl = memchr(c->in + start, '\n', c->in_len - start);
		size_t len;

		if (!nl)
			break;
		len = nl - (c->in + start);
		if (len > 0 && c->in[start + len - 1] == '\r')
			len--;
		if (len > 0) {
			r = handle_request(c, c->in + start, len);
			if (r < 0)
				return r;
		}
		start = nl - c->in + 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	if (c->in_len > RPC_LINE_MAX && !memchr(c->in, '\n', c->in_len)) {
		char m[128];

		snprintf(m, sizeof(m), "invalid request: line longer than %d bytes", RPC_LINE_MAX);
		r = send_and_put(c, make_error(NULL, RPC_INVALID_REQUEST, m, EMSGSIZE));
		c->closing = true;
		c->in_len = 0;
	}
	return r;
}

static int client_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct rpc_client *c = userdata;
	int r = 0;

	if (c->dead)
		return 0;
	if (revents & EPOLLIN && !c->closing) {
		ssize_t n;

		if (c->in_cap - c->in_len < RPC_READ_CHUNK) {
			char *p = realloc(c->in, c->in_len + RPC_READ_CHUNK + 1);

			if (!p) {
				r = -ENOMEM;
				goto out;
			}
			c->in = p;
			c->in_cap = c->in_len + RPC_READ_CHUNK + 1;
		}
		/* one chunk per wake-up: a client with a lot to say cannot starve the others */
		n = recv(fd, c->in + c->in_len, RPC_READ_CHUNK, MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				r = -errno;
			goto out;
		}
		if (n == 0) {
			/* the peer is done sending; answer what it sent, then close */
			if (c->in_len > 0 && c->in[c->in_len - 1] != '\n')
				c->in[c->in_len++] = '\n';
			c->eof = true;
		} else {
			c->in_len += n;
		}
		r = client_process(c);
		if (r < 0)
			goto out;
	} else if (revents & (EPOLLHUP | EPOLLERR) && !(revents & EPOLLOUT)) {
		r = -ECONNRESET;
		goto out;
	}
	r = client_flush(c);
	/* caught up after a pause: serve the lines that waited in the buffer */
	if (r >= 0 && !c->closing && c->in_len && client_backlog(c) <= RPC_OUT_PAUSE &&
	    memchr(c->in, '\n', c->in_len)) {
		r = client_process(c);
		if (r >= 0)
			r = client_flush(c);
	}
	/* everything the peer sent is answered: close once it is written */
	if (r >= 0 && c->eof && !c->closing && !(c->in_len && memchr(c->in, '\n', c->in_len))) {
		c->closing = true;
		r = client_flush(c);
	}
out:
	if (r < 0)
		client_free(c);
	return 0;
}

static bool in_group(pid_t pid, gid_t gid)
{
	char path[64], line[4096];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (strncmp(line, "Groups:", 7))
			continue;
		for (p = line + 7;; p = end) {
			unsigned long g = strtoul(p, &end, 10);

			if (end == p)
				break;
			if (g == gid)
				found = true;
		}
		break;
	}
	fclose(f);
	return found;
}

static int listen_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct vnetd *d = userdata;
	struct rpc_server *s = d->rpc;
	struct rpc_client *c;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int cfd, r;

	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("accept: %s, ignoring", strerror(errno));
		return 0;
	}
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log_warn("SO_PEERCRED: %s, refusing the client", strerror(errno));
		close(cfd);
		return 0;
	}
	if (s->n_clients >= RPC_CLIENTS_MAX) {
		log_warn("client pid %d: already %d clients, refusing it", (int)cred.pid, RPC_CLIENTS_MAX);
		close(cfd);
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(cfd);
		return 0;
	}
	c->d = d;
	c->fd = cfd;
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->pid = cred.pid;
	c->may_write = cred.uid == 0 || cred.gid == 0 ||
		       (s->have_vnet_gid && (cred.gid == s->vnet_gid || in_group(cred.pid, s->vnet_gid)));
	r = sd_event_add_io(d->event, &c->src, cfd, EPOLLIN, client_io, c);
	if (r < 0) {
		log_warn("client pid %d: %s, refusing it", (int)cred.pid, strerror(-r));
		close(cfd);
		free(c);
		return 0;
	}
	c->next = s->clients;
	s->clients = c;
	s->n_clients++;
	log_debug("client pid %d uid %u gid %u: connected (%s)", (int)c->pid, (unsigned)c->uid,
		  (unsigned)c->gid, c->may_write ? "read-write" : "read-only");
	return 0;
}

/* A socket file whose listener still answers belongs to a running vnetd. */
static bool socket_alive(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	alive = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	return alive;
}

/*
 * The gid of group @name: 1, 0 when there is no such group, or a negative
 * errno. Looked up in a child: a name /etc/group lacks makes glibc load the
 * next NSS module (libnss_systemd and libm, 630 KiB resident), which would
 * then stay in vnetd for its whole life to answer this one question.
 */
static int group_gid(const char *name, gid_t *gid)
{
	int p[2], status, r = 0;
	ssize_t n;
	pid_t pid;
	gid_t g;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (pid == 0) {
		struct group *gr = getgrnam(name);

		if (gr && write(p[1], &gr->gr_gid, sizeof(gr->gr_gid)) != sizeof(gr->gr_gid))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	do
		n = read(p[0], &g, sizeof(g));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		r = -errno;
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return r;
	if (n != sizeof(g))
		return 0;
	*gid = g;
	return 1;
}

int rpc_listen(struct vnetd *d)
{
	struct rpc_server *s;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[PATH_MAX], *slash;
	mode_t old;
	int fd = -1, r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	d->rpc = s;
	r = group_gid("vnet", &s->vnet_gid);
	if (r < 0)
		log_warn("looking up group vnet: %s; only root may change anything", strerror(-r));
	s->have_vnet_gid = r > 0;

	if (sd_listen_fds(1) == 1) {
		fd = SD_LISTEN_FDS_START;
		log_info("listening on the socket systemd passed");
		goto listen;
	}
	if (strlen(d->socket_path) >= sizeof(sa.sun_path)) {
		log_err("socket path '%s' is longer than %zu bytes", d->socket_path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, d->socket_path);
	snprintf(dir, sizeof(dir), "%s", d->socket_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		r = mkdir_p(dir, 0755);
		if (r < 0) {
			log_err("creating %s: %s", dir, strerror(-r));
			return r;
		}
	}
	if (socket_alive(&sa)) {
		log_err("%s: another vnetd is listening there", d->socket_path);
		return -EADDRINUSE;
	}
	unlink(d->socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* never world-accessible, not even between bind and chmod */
	old = umask(0117);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0) {
		r = -errno;
		log_err("bind %s: %s", d->socket_path, strerror(-r));
		goto fail;
	}
	if (chown(d->socket_path, 0, s->have_vnet_gid ? s->vnet_gid : 0) < 0)
		log_warn("chown %s: %s, ignoring", d->socket_path, strerror(errno));
	if (chmod(d->socket_path, d->socket_mode) < 0)
		log_warn("chmod %s: %s, ignoring", d->socket_path, strerror(errno));
	if (listen(fd, 128) < 0) {
		r = -errno;
		goto fail;
	}
listen:
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	s->fd = fd;
	r = sd_event_add_io(d->event, &s->src, fd, EPOLLIN, listen_io, d);
	if (r < 0)
		return r;
	log_info("listening on %s (mode %04o, group %s)", d->socket_path, (unsigned)d->socket_mode,
		 s->have_vnet_gid ? "vnet" : "root");
	return 0;
fail:
	close(fd);
	return r;
}

void rpc_free(struct vnetd *d)
{
	struct rpc_server *s = d->rpc;

	if (!s)
		return;
	while (s->clients)
		client_free(s->clients);
	sd_event_source_disable_unref(s->reap_src);
	sd_event_source_disable_unref(s->src);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	d->rpc = NULL;
}

unsigned int rpc_client_count(struct vnetd *d)
{
	return d->rpc ? d->rpc->n_clients : 0;
}

bool rpc_client_may_write(const struct rpc_client *c)
{
	return c->may_write;
}

uid_t rpc_client_uid(const struct rpc_client *c)
{
	return c ? c->uid : 0;
}

gid_t rpc_client_gid(const struct rpc_client *c)
{
	return c ? c->gid : 0;
}

void rpc_client_subscribe(struct rpc_client *c)
{
	c->subscribed = true;
}

void rpc_broadcast(struct vnetd *d, const char *method, struct json_object *params)
{
	struct rpc_client *c, *next;
	struct json_object *msg;

	if (!d->rpc) {
		json_object_put(params);
		return;
	}
	msg = json_object_new_object();
	json_object_object_add(msg, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(msg, "method", json_object_new_string(method));
	json_object_object_add(msg, "params", params);
	for (c = d->rpc->clients; c; c = next) {
		next = c->next;
		if (!c->subscribed || c->closing)
			continue;
		if (c->dead)
			continue;
		if (client_queue(c, msg) < 0 || client_flush(c) < 0)
			client_kill(c);
	}
	json_object_put(msg);
}
