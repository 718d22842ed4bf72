/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <CUnit/CUnit.h>

#include "testlib.h"
#include "test-vnetd-harness.h"

#define MAX_EVENTS 256

struct vc {
	int fd;
	char *buf;
	size_t len, cap;
	int next_id;
	struct json_object *events[MAX_EVENTS];
	size_t n_events;
};

/*
 * The dnsmasqs vnetd started: they outlive vnetd by design (a restart keeps
 * DHCP running), so at the test's exit they are killed by their pid files,
 * each checked to be a dnsmasq with a config under that vnetd's dir.
 */
static char dnsmasq_dirs[8][64];

static void kill_dnsmasqs(void)
{
	for (size_t i = 0; i < sizeof(dnsmasq_dirs) / sizeof(dnsmasq_dirs[0]); i++) {
		char *out;

		if (!dnsmasq_dirs[i][0])
			continue;
		out = tl_capture(NULL, "for f in %s/run/dnsmasq/*.pid; do [ -s \"$f\" ] || continue; p=$(cat \"$f\"); "
				 "tr '\\0' ' ' </proc/$p/cmdline 2>/dev/null | grep -q -- '--conf-file=%s/' && "
				 "kill -9 $p; done; true", dnsmasq_dirs[i], dnsmasq_dirs[i]);
		free(out);
	}
}

static void note_dnsmasq_dir(const char *dir)
{
	static bool registered;

	if (!registered) {
		atexit(kill_dnsmasqs);
		registered = true;
	}
	for (size_t i = 0; i < sizeof(dnsmasq_dirs) / sizeof(dnsmasq_dirs[0]); i++)
		if (!dnsmasq_dirs[i][0]) {
			snprintf(dnsmasq_dirs[i], sizeof(dnsmasq_dirs[i]), "%s", dir);
			return;
		}
}

void vd_setup(struct vd *vd)
{
	memset(vd, 0, sizeof(*vd));
	snprintf(vd->dir, sizeof(vd->dir), "/tmp/vnetd-test-XXXXXX");
	if (!mkdtemp(vd->dir) || mount("tmpfs", vd->dir, "tmpfs", 0, "mode=0755,size=16m") < 0) {
		fprintf(stderr, "tmpfs for vnetd: %s\n", strerror(errno));
		exit(99);
	}
	snprintf(vd->sock, sizeof(vd->sock), "%s/vnetd.sock", vd->dir);
	snprintf(vd->log, sizeof(vd->log), "%s/vnetd.log", vd->dir);
	note_dnsmasq_dir(vd->dir);
}

static const char *vnetd_path(void)
{
	static char path[512];
	const char *b = getenv("VNET_TOP_BUILDDIR");

	snprintf(path, sizeof(path), "%s/vnetd/vnetd", b ? b : ".");
	return path;
}

/* Daemons still running when the test exits (a failed assertion) die with it. */
static pid_t running[8];

static void kill_running(void)
{
	for (size_t i = 0; i < sizeof(running) / sizeof(running[0]); i++)
		if (running[i] > 0) {
			kill(running[i], SIGKILL);
			waitpid(running[i], NULL, 0);
		}
}

static void track(pid_t pid, bool add)
{
	static bool registered;

	if (!registered) {
		atexit(kill_running);
		registered = true;
	}
	for (size_t i = 0; i < sizeof(running) / sizeof(running[0]); i++) {
		if (add && running[i] <= 0) {
			running[i] = pid;
			return;
		}
		if (!add && running[i] == pid) {
			running[i] = 0;
			return;
		}
	}
}

bool vd_start(struct vd *vd)
{
	char cmd[2048];
	int i;

	snprintf(cmd, sizeof(cmd),
		 "exec %s%s%s%s --foreground --log-level debug --socket %s --config-dir %s/etc "
		 "--run-dir %s/run --state-dir %s/state %s >>%s 2>&1",
		 vd->netns ? "ip netns exec " : "", vd->netns ? vd->netns : "",
		 vd->netns ? " " : "", vnetd_path(), vd->sock, vd->dir, vd->dir, vd->dir,
		 vd->extra_args ? vd->extra_args : "", vd->log);
	vd->pid = fork();
	if (vd->pid < 0)
		return false;
	if (vd->pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	track(vd->pid, true);
	for (i = 0; i < 200; i++) {
		struct vc *c = vc_connect(vd->sock);
		int st;

		if (c) {
			vc_close(c);
			return true;
		}
		if (waitpid(vd->pid, &st, WNOHANG) == vd->pid) {
			track(vd->pid, false);
			vd->pid = 0;
			vd_dump_log(vd);
			return false;
		}
		usleep(25 * 1000);
	}
	vd_dump_log(vd);
	return false;
}

int vd_stop(struct vd *vd, int sig)
{
	int st = -1;

	if (vd->pid <= 0)
		return -1;
	kill(vd->pid, sig);
	waitpid(vd->pid, &st, 0);
	track(vd->pid, false);
	vd->pid = 0;
	return st;
}

void vd_dump_log(const struct vd *vd)
{
	tl_run("echo '--- vnetd log:'; tail -n 60 %s", vd->log);
}

struct vc *vc_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vc *c;
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	c->fd = fd;
	c->next_id = 1;
	return c;
}

void vc_close(struct vc *c)
{
	if (!c)
		return;
	close(c->fd);
	for (size_t i = 0; i < c->n_events; i++)
		json_object_put(c->events[i]);
	free(c->buf);
	free(c);
}

int vc_fd(const struct vc *c)
{
	return c->fd;
}

bool vc_send_raw(struct vc *c, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t w = send(c->fd, data, len, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		data += w;
		len -= w;
	}
	return true;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

struct json_object *vc_read_msg(struct vc *c, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		long long left;
		ssize_t n;

		if (nl) {
			struct json_object *o;

			*nl = '\0';
			o = json_tokener_parse(c->buf);
			if (!o)
				fprintf(stderr, "client: unparsable line: %s\n", c->buf);
			memmove(c->buf, nl + 1, c->len - (nl + 1 - c->buf));
			c->len -= nl + 1 - c->buf;
			return o;
		}
		left = end - now_ms();
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return NULL;
		if (c->cap - c->len < 65536) {
			c->cap = c->len + 65536 * 2;
			c->buf = realloc(c->buf, c->cap);
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
		if (n <= 0)
			return NULL;
		c->len += n;
	}
}

struct json_object *vc_call(struct vc *c, const char *method, const char *params)
{
	char *line;
	int id = c->next_id++;
	int n;

	n = asprintf(&line, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\"%s%s}\n", id, method,
		     params ? ",\"params\":" : "", params ? params : "");
	if (n < 0)
		return NULL;
	if (!vc_send_raw(c, line, n)) {
		free(line);
		return NULL;
	}
	free(line);
	for (;;) {
		struct json_object *m = vc_read_msg(c, 20000), *v;

		if (!m)
			return NULL;
		if (json_object_object_get_ex(m, "id", &v) && json_object_get_int(v) == id)
			return m;
		if (json_object_object_get_ex(m, "method", NULL) && c->n_events < MAX_EVENTS) {
			c->events[c->n_events++] = m;
			continue;
		}
		json_object_put(m);
	}
}

struct json_object *vc_callf(struct vc *c, const char *method, const char *fmt, ...)
{
	struct json_object *r;
	va_list ap;
	char *p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		p = NULL;
	va_end(ap);
	r = vc_call(c, method, p);
	free(p);
	return r;
}

struct json_object *vc_next_event(struct vc *c, int timeout_ms)
{
	if (c->n_events) {
		struct json_object *e = c->events[0];

		memmove(c->events, c->events + 1, (c->n_events - 1) * sizeof(c->events[0]));
		c->n_events--;
		return e;
	}
	return vc_read_msg(c, timeout_ms);
}

struct json_object *vc_wait_event(struct vc *c, const char *event, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	for (;;) {
		long long left = end - now_ms();
		struct json_object *e = vc_next_event(c, left > 0 ? left : 0);
		const char *name;

		if (!e)
			return NULL;
		name = tl_jstr(e, "params.event");
		if (name && !strcmp(name, event))
			return e;
		json_object_put(e);
		if (left <= 0)
			return NULL;
	}
}

struct json_object *ok(struct json_object *resp)
{
	struct json_object *r = NULL;

	if (!resp || !json_object_object_get_ex(resp, "result", &r)) {
		printf("expected a result, got: %s\n", resp ? json_object_to_json_string(resp) : "(nothing)");
		CU_FAIL("no result");
		return NULL;
	}
	return r;
}

bool err_is(struct json_object *resp, const char *reason, const char *part)
{
	const char *got = tl_jstr(resp, "error.data.reason");
	const char *msg = tl_jstr(resp, "error.message");
	bool good = resp && got && !strcmp(got, reason) && (!part || (msg && strstr(msg, part)));

	if (!good)
		printf("expected error %s '%s', got: %s\n", reason, part ? part : "",
		       resp ? json_object_to_json_string(resp) : "(nothing)");
	CU_ASSERT_TRUE(good);
	return good;
}

struct json_object *vd_call(struct vd *vd, const char *method, const char *fmt, ...)
{
	struct vc *c = vc_connect(vd->sock);
	struct json_object *r;
	va_list ap;
	char *p = NULL;

	if (!c) {
		printf("cannot connect to vnetd for %s: %s\n", method, strerror(errno));
		vd_dump_log(vd);
		return NULL;
	}
	if (fmt) {
		va_start(ap, fmt);
		if (vasprintf(&p, fmt, ap) < 0)
			p = NULL;
		va_end(ap);
	}
	r = vc_call(c, method, p);
	free(p);
	vc_close(c);
	if (!r) {
		printf("no answer to %s from vnetd\n", method);
		vd_dump_log(vd);
	}
	return r;
}

bool wait_until(int ms, const char *fmt, ...)
{
	long long end = now_ms() + ms;
	char *cmd;
	va_list ap;
	bool good = false;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		cmd = NULL;
	va_end(ap);
	if (!cmd)
		return false;
	do {
		if (tl_run("%s", cmd) == 0) {
			good = true;
			break;
		}
		usleep(50 * 1000);
	} while (now_ms() < end);
	free(cmd);
	return good;
}
