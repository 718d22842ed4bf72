/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON-RPC 2.0 over vnetd's Unix socket: one object per line, fds by SCM_RIGHTS. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

struct client {
	int fd;
	int next_id;
	int timeout_ms;
	char *buf;              /* received bytes not yet consumed */
	size_t len, cap;
	int fds[CLIENT_MAX_FDS]; /* descriptors received, not yet handed out */
	size_t nfds;
	struct json_object *queued; /* notifications read while waiting for a reply */
	char errmsg[256];
};

static int client_fail(struct client *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int client_fail(struct client *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
	return code;
}

void rpc_error_clear(struct rpc_error *err)
{
	if (!err)
		return;
	free(err->message);
	free(err->reason);
	json_object_put(err->data);
	memset(err, 0, sizeof(*err));
}

int client_connect(const char *path, struct client **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct client *c;
	int fd, r;

	*out = NULL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	c->next_id = 1;
	c->timeout_ms = 30000;
	c->queued = json_object_new_array();
	if (!c->queued) {
		client_free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

static void client_close_fds(struct client *c)
{
	for (size_t i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	c->nfds = 0;
}

void client_free(struct client *c)
{
	if (!c)
		return;
	client_close_fds(c);
	if (c->fd >= 0)
		close(c->fd);
	json_object_put(c->queued);
	free(c->buf);
	free(c);
}

void client_set_timeout(struct client *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms;
}

int client_fd(const struct client *c)
{
	return c->fd;
}

const char *client_strerror(const struct client *c)
{
	return c->errmsg;
}

char *client_format_request(int id, const char *method, struct json_object *params)
{
	struct json_object *req;
	const char *s;
	char *line = NULL;

	req = json_object_new_object();
	if (!req)
		return NULL;
	json_object_object_add(req, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(req, "id", json_object_new_int(id));
	json_object_object_add(req, "method", json_object_new_string(method));
	if (params)
		json_object_object_add(req, "params", json_object_get(params));
	s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s && asprintf(&line, "%s\n", s) < 0)
		line = NULL;
	json_object_put(req);
	return line;
}

static int dup_str(char **dst, const char *src)
{
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

int client_parse_error(struct json_object *error, struct rpc_error *err)
{
	struct json_object *code, *message, *data, *reason;

	memset(err, 0, sizeof(*err));
	if (!json_object_is_type(error, json_type_object) ||
	    !json_object_object_get_ex(error, "code", &code) ||
	    !json_object_is_type(code, json_type_int)) {
		dup_str(&err->message, "malformed error object from vnetd (no integer code)");
		return -EBADMSG;
	}
	err->code = json_object_get_int(code);
	if (json_object_object_get_ex(error, "message", &message) &&
	    json_object_is_type(message, json_type_string))
		dup_str(&err->message, json_object_get_string(message));
	else if (asprintf(&err->message, "error %d (no message)", err->code) < 0)
		err->message = NULL;
	if (json_object_object_get_ex(error, "data", &data) && data) {
		err->data = json_object_get(data);
		if (json_object_object_get_ex(data, "reason", &reason) &&
		    json_object_is_type(reason, json_type_string))
			dup_str(&err->reason, json_object_get_string(reason));
	}
	return err->message ? 0 : -ENOMEM;
}

static int client_send(struct client *c, const char *line)
{
	size_t len = strlen(line), off = 0;

	while (off < len) {
		ssize_t n = send(c->fd, line + off, len - off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE || errno == ECONNRESET)
				return client_fail(c, -ECONNRESET, "vnetd closed the connection");
			return client_fail(c, -errno, "cannot send to vnetd: %s", strerror(errno));
		}
		off += (size_t)n;
	}
	return 0;
}

static void client_keep_fds(struct client *c, struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t n;
		int *fds;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		fds = (int *)CMSG_DATA(cm);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, &fds[i], sizeof(fd));
			if (c->nfds < CLIENT_MAX_FDS)
				c->fds[c->nfds++] = fd;
			else
				close(fd);
		}
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read more bytes (and any fds) into the buffer, waiting until @deadline (ms, -1: none). */
static int client_fill(struct client *c, long long deadline)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * CLIENT_MAX_FDS)];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov;
	struct msghdr mh;
	ssize_t n;

	if (c->cap - c->len < 4096) {
		size_t cap = c->cap ? c->cap * 2 : 8192;
		char *b;

		if (c->len >= CLIENT_MAX_LINE)
			return client_fail(c, -EBADMSG, "vnetd sent a line longer than %u bytes",
					   CLIENT_MAX_LINE);
		b = realloc(c->buf, cap);
		if (!b)
			return client_fail(c, -ENOMEM, "out of memory");
		c->buf = b;
		c->cap = cap;
	}

	for (;;) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int timeout = -1, r;

		if (deadline >= 0) {
			long long left = deadline - now_ms();

			timeout = left > 0 ? (int)left : 0;
		}
		r = poll(&pfd, 1, timeout);
		if (r < 0 && errno == EINTR)
			return client_fail(c, -EINTR, "interrupted");
		if (r < 0)
			return client_fail(c, -errno, "poll: %s", strerror(errno));
		if (r == 0)
			return client_fail(c, -ETIMEDOUT, "vnetd did not answer within %d ms",
					   c->timeout_ms);

		iov.iov_base = c->buf + c->len;
		iov.iov_len = c->cap - c->len;
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			return client_fail(c, -EINTR, "interrupted");
		if (n < 0 && errno == ECONNRESET)
			return client_fail(c, -ECONNRESET, "vnetd closed the connection");
		if (n < 0)
			return client_fail(c, -errno, "cannot read from vnetd: %s", strerror(errno));
		client_keep_fds(c, &mh);
		if (n == 0)
			return client_fail(c, -ECONNRESET, "vnetd closed the connection");
		c->len += (size_t)n;
		return 0;
	}
}

/* The next whole message from the socket, parsed. */
static int client_read_msg(struct client *c, long long deadline, struct json_object **msg)
{
	size_t scanned = 0;
	int r;

	*msg = NULL;
	for (;;) {
		char *nl = c->len > scanned ? memchr(c->buf + scanned, '\n', c->len - scanned) : NULL;

		if (nl) {
			size_t linelen = (size_t)(nl - c->buf);
			enum json_tokener_error jerr;
			struct json_object *o;
			struct json_tokener *tok;

			tok = json_tokener_new();
			if (!tok)
				return client_fail(c, -ENOMEM, "out of memory");
			o = json_tokener_parse_ex(tok, c->buf, (int)linelen);
			jerr = json_tokener_get_error(tok);
			if (jerr == json_tokener_success &&
			    (size_t)json_tokener_get_parse_end(tok) < linelen)
				jerr = json_tokener_error_parse_unexpected;
			json_tokener_free(tok);
			memmove(c->buf, nl + 1, c->len - linelen - 1);
			c->len -= linelen + 1;
			scanned = 0;
			if (jerr != json_tokener_success || !json_object_is_type(o, json_type_object)) {
				json_object_put(o);
				/* Blank keep-alive lines are harmless. */
				if (linelen == 0)
					continue;
				return client_fail(c, -EBADMSG, "vnetd sent a line that is not a JSON object");
			}
			*msg = o;
			return 0;
		}
		scanned = c->len;
		r = client_fill(c, deadline);
		if (r < 0)
			return r;
	}
}

static long long client_deadline(const struct client *c)
{
	return c->timeout_ms < 0 ? -1 : now_ms() + c->timeout_ms;
}

static void client_hand_fds(struct client *c, int *fds, size_t max_fds, size_t *nfds)
{
	size_t i;

	if (nfds)
		*nfds = 0;
	for (i = 0; i < c->nfds; i++) {
		if (fds && nfds && i < max_fds) {
			fds[i] = c->fds[i];
			(*nfds)++;
		} else {
			close(c->fds[i]);
		}
	}
	c->nfds = 0;
}

int client_call(struct client *c, const char *method, struct json_object *params,
		struct json_object **result, struct rpc_error *err,
		int *fds, size_t max_fds, size_t *nfds)
{
	long long deadline;
	char *line;
	int id = c->next_id++, r;

	if (result)
		*result = NULL;
	if (nfds)
		*nfds = 0;
	if (err)
		memset(err, 0, sizeof(*err));
	line = client_format_request(id, method, params);
	json_object_put(params);
	if (!line)
		return client_fail(c, -ENOMEM, "out of memory");
	r = client_send(c, line);
	free(line);
	if (r < 0)
		return r;

	deadline = client_deadline(c);
	for (;;) {
		struct json_object *msg, *jid, *v;

		r = client_read_msg(c, deadline, &msg);
		if (r < 0)
			return r;
		if (!json_object_object_get_ex(msg, "id", &jid) || !jid) {
			/*
			 * An error with a null id answers a request the daemon could not
			 * read; with one request in flight, that is ours.
			 */
			if (json_object_object_get_ex(msg, "error", NULL) &&
			    json_object_object_get_ex(msg, "id", NULL)) {
				jid = NULL;
			} else {
				if (json_object_object_get_ex(msg, "method", NULL))
					json_object_array_add(c->queued, msg);
				else
					json_object_put(msg);
				continue;
			}
		} else if (!json_object_is_type(jid, json_type_int) || json_object_get_int(jid) != id) {
			/* An answer to a request we gave up on; not ours. */
			json_object_put(msg);
			continue;
		}
		if (json_object_object_get_ex(msg, "error", &v)) {
			struct rpc_error tmp;

			r = client_parse_error(v, &tmp);
			json_object_put(msg);
			client_hand_fds(c, NULL, 0, NULL);
			if (r < 0) {
				client_fail(c, r, "%s", tmp.message ? tmp.message : "bad error object");
				rpc_error_clear(&tmp);
				return r;
			}
			snprintf(c->errmsg, sizeof(c->errmsg), "%s", tmp.message);
			if (err)
				*err = tmp;
			else
				rpc_error_clear(&tmp);
			return -EREMOTEIO;
		}
		if (!json_object_object_get_ex(msg, "result", &v)) {
			json_object_put(msg);
			client_hand_fds(c, NULL, 0, NULL);
			return client_fail(c, -EBADMSG, "vnetd's reply has neither result nor error");
		}
		if (result)
			*result = json_object_get(v);
		json_object_put(msg);
		client_hand_fds(c, fds, max_fds, nfds);
		return 0;
	}
}

int client_next(struct client *c, struct json_object **msg)
{
	long long deadline;

	*msg = NULL;
	if (json_object_array_length(c->queued) > 0) {
		*msg = json_object_get(json_object_array_get_idx(c->queued, 0));
		json_object_array_del_idx(c->queued, 0, 1);
		return 0;
	}
	deadline = client_deadline(c);
	for (;;) {
		struct json_object *m, *jid;
		int r = client_read_msg(c, deadline, &m);

		if (r < 0)
			return r;
		client_hand_fds(c, NULL, 0, NULL);
		if (json_object_object_get_ex(m, "id", &jid) && jid) {
			json_object_put(m);
			continue;
		}
		if (!json_object_object_get_ex(m, "method", NULL)) {
			json_object_put(m);
			return client_fail(c, -EBADMSG, "vnetd sent a message that is neither a reply nor a notification");
		}
		*msg = m;
		return 0;
	}
}
