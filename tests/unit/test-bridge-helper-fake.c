/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A fake vnetd: JSON-RPC on a Unix socket, answers decided by the test. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "test-bridge-helper-fake.h"

struct fake {
	char dir[64], path[96];
	int lfd, stop[2];
	pthread_t thread;
	pthread_mutex_t lock;
	struct json_object *requests; /* array of {"method","params"} */
	fake_answer_fn answer;
	void *user;
};

static int send_line(int fd, const char *line, const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * FAKE_MAX_FDS)];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = (void *)line, .iov_len = strlen(line) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds > 0) {
		struct cmsghdr *cm;

		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
	}
	return sendmsg(fd, &mh, MSG_NOSIGNAL) == (ssize_t)iov.iov_len ? 0 : -1;
}

/* One line from the client, or NULL at its end. */
static char *read_line(int fd)
{
	size_t len = 0, cap = 256;
	char *buf = malloc(cap), c;

	while (buf) {
		ssize_t n = read(fd, &c, 1);

		if (n <= 0) {
			free(buf);
			return NULL;
		}
		if (c == '\n') {
			buf[len] = '\0';
			return buf;
		}
		if (len + 1 >= cap) {
			char *b = realloc(buf, cap *= 2);

			if (!b)
				free(buf);
			buf = b;
			if (!buf)
				return NULL;
		}
		buf[len++] = c;
	}
	return NULL;
}

static char *reply_line(struct json_object *id, struct fake_reply *r)
{
	struct json_object *msg = json_object_new_object();
	char *line = NULL;

	json_object_object_add(msg, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(msg, "id", json_object_get(id));
	if (r->code) {
		struct json_object *e = json_object_new_object();
		struct json_object *data = r->data ? r->data : json_object_new_object();

		json_object_object_add(e, "code", json_object_new_int(r->code));
		json_object_object_add(e, "message", json_object_new_string(r->message));
		if (r->reason)
			json_object_object_add(data, "reason", json_object_new_string(r->reason));
		json_object_object_add(e, "data", data);
		json_object_object_add(msg, "error", e);
		r->data = NULL;
		json_object_put(r->result);
	} else {
		json_object_object_add(msg, "result", r->result ? r->result : json_object_new_object());
	}
	r->result = NULL;
	if (asprintf(&line, "%s\n", json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN)) < 0)
		line = NULL;
	json_object_put(msg);
	return line;
}

static void serve(struct fake *f, int cfd)
{
	char *req;

	while ((req = read_line(cfd))) {
		struct json_object *o = json_tokener_parse(req), *method = NULL, *params = NULL, *id = NULL;
		struct json_object *rec = json_object_new_object();
		struct fake_reply r = { .nfds = 0 };
		char *line;

		free(req);
		json_object_object_get_ex(o, "method", &method);
		json_object_object_get_ex(o, "params", &params);
		json_object_object_get_ex(o, "id", &id);
		json_object_object_add(rec, "method", json_object_get(method));
		json_object_object_add(rec, "params", json_object_get(params));
		pthread_mutex_lock(&f->lock);
		json_object_array_add(f->requests, rec);
		pthread_mutex_unlock(&f->lock);

		f->answer(f, json_object_get_string(method), params, &r);
		if (r.hangup) {
			json_object_put(r.result);
			json_object_put(r.data);
			for (int i = 0; i < r.nfds; i++)
				close(r.fds[i]);
			json_object_put(o);
			return;
		}
		line = reply_line(id, &r);
		if (line)
			send_line(cfd, line, r.fds, r.nfds);
		free(line);
		for (int i = 0; i < r.nfds; i++)
			close(r.fds[i]);
		json_object_put(o);
	}
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = f->lfd, .events = POLLIN },
			{ .fd = f->stop[0], .events = POLLIN },
		};
		int cfd;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		cfd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0)
			continue;
		serve(f, cfd);
		close(cfd);
	}
	return NULL;
}

struct fake *fake_start(fake_answer_fn answer, void *user)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct fake *f = calloc(1, sizeof(*f));

	if (!f)
		abort();
	snprintf(f->dir, sizeof(f->dir), "/tmp/vnet-bh-XXXXXX");
	if (!mkdtemp(f->dir))
		abort();
	snprintf(f->path, sizeof(f->path), "%s/vnetd.sock", f->dir);
	memcpy(sa.sun_path, f->path, strlen(f->path) + 1);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(f->lfd, 16) < 0 || pipe2(f->stop, O_CLOEXEC) < 0)
		abort();
	f->answer = answer;
	f->user = user;
	f->requests = json_object_new_array();
	pthread_mutex_init(&f->lock, NULL);
	if (pthread_create(&f->thread, NULL, fake_main, f))
		abort();
	return f;
}

void fake_stop(struct fake *f)
{
	char cmd[128];

	if (!f)
		return;
	if (write(f->stop[1], "x", 1) != 1)
		abort();
	pthread_join(f->thread, NULL);
	close(f->lfd);
	close(f->stop[0]);
	close(f->stop[1]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
	json_object_put(f->requests);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

const char *fake_socket(const struct fake *f)
{
	return f->path;
}

const char *fake_dir(const struct fake *f)
{
	return f->dir;
}

void *fake_user(const struct fake *f)
{
	return f->user;
}

int fake_nrequests(struct fake *f)
{
	int n;

	pthread_mutex_lock(&f->lock);
	n = (int)json_object_array_length(f->requests);
	pthread_mutex_unlock(&f->lock);
	return n;
}

struct json_object *fake_request(struct fake *f, int i)
{
	struct json_object *o = NULL;

	pthread_mutex_lock(&f->lock);
	if (i >= 0 && (size_t)i < json_object_array_length(f->requests))
		o = json_object_get(json_object_array_get_idx(f->requests, (size_t)i));
	pthread_mutex_unlock(&f->lock);
	return o;
}
