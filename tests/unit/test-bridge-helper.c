/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vnet-bridge-helper (and examples/vnet-tap-fd) as QEMU and libvirt run
 * them, with neither QEMU nor vnetd: the test plays QEMU's side (a
 * socketpair whose one end the helper gets as --fd=N, a one-byte message
 * with the fd awaited on the other, then the exit status), and a fake vnetd
 * answers attach with memfds. That the fd arrived is proved by identity (the
 * same inode) and by use (bytes written through the received fd are read
 * back through the fake's own copy).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"
#include "test-bridge-helper-fake.h"

/* ---- the fake vnetd's answers ---- */

/* What the fake handed out in the last attach: its own copies of the memfds. */
struct handed {
	int fds[FAKE_MAX_FDS];
	int n;
};

static struct handed handed;

static void handed_reset(void)
{
	for (int i = 0; i < handed.n; i++)
		close(handed.fds[i]);
	handed.n = 0;
}

static void answer(struct fake *f, const char *method, struct json_object *params,
		   struct fake_reply *r)
{
	struct json_object *v;
	const char *net = "";
	int queues = 1;

	if (json_object_object_get_ex(params, "network", &v))
		net = json_object_get_string(v);
	if (json_object_object_get_ex(params, "queues", &v))
		queues = json_object_get_int(v);

	if (!strcmp(method, "detach")) {
		r->result = json_object_new_object();
		return;
	}
	if (strcmp(method, "attach")) {
		r->code = -32601;
		snprintf(r->message, sizeof(r->message), "method '%s' does not exist", method);
		return;
	}
	if (!strcmp(net, "slow"))
		usleep(300 * 1000);
	if (!strcmp(net, "net0") || !strcmp(net, "vnetbr0") || !strcmp(net, "slow")) {
		handed_reset();
		for (int i = 0; i < queues && i < FAKE_MAX_FDS; i++) {
			r->fds[i] = memfd_create("fake-tap", MFD_CLOEXEC);
			handed.fds[i] = fcntl(r->fds[i], F_DUPFD_CLOEXEC, 3);
			r->nfds = ++handed.n;
		}
		r->result = json_tokener_parse("{\"tap\":\"tap-test0\",\"mac\":\"52:54:00:12:34:56\","
					       "\"network\":\"net0\"}");
	} else if (!strcmp(net, "nofd")) {
		r->result = json_tokener_parse("{\"tap\":\"tap-nofd\",\"mac\":\"52:54:00:00:00:01\","
					       "\"network\":\"nofd\"}");
	} else if (!strcmp(net, "lab")) {
		r->code = -32000;
		r->reason = "EACCES";
		snprintf(r->message, sizeof(r->message),
			 "uid 1000 may not attach to network 'lab' (deny all)");
	} else if (!strcmp(net, "lab2")) {
		r->code = -32000;
		r->reason = "EPERM";
		r->data = json_tokener_parse("{\"acl\":\"/srv/vnet/bridge.conf\"}");
		snprintf(r->message, sizeof(r->message), "uid 1000 is not allowed 'lab2'");
	} else if (!strcmp(net, "bad")) {
		r->code = -32000;
		r->reason = "EINVAL";
		snprintf(r->message, sizeof(r->message), "network 'bad' is not started");
	} else if (!strcmp(net, "old")) {
		r->code = -32601;
		snprintf(r->message, sizeof(r->message), "method 'attach' does not exist");
	} else if (!strcmp(net, "hangup")) {
		r->hangup = true;
	} else {
		r->code = -32000;
		r->reason = "ENOENT";
		snprintf(r->message, sizeof(r->message), "network '%s' does not exist", net);
	}
	(void)f;
}

/* ---- QEMU's side ---- */

struct run {
	int status;     /* exit status, or 128 + signal */
	char *out, *err;
	ssize_t n;      /* what the one-byte read returned */
	char byte;
	int fd;         /* the fd that came with it, or -1 */
};

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	if (r->fd >= 0)
		close(r->fd);
}

static char *prog_path(const char *rel)
{
	const char *top = getenv("VNET_TOP_BUILDDIR");
	char *p;

	if (rel[0] == '/')
		p = strdup(rel);
	else if (asprintf(&p, "%s/%s", top ? top : ".", rel) < 0)
		abort();
	return p;
}

/* Read both pipes to their ends. */
static void slurp2(int ofd, int efd, char **out, char **err)
{
	FILE *o, *e;
	size_t ol = 0, el = 0;
	struct pollfd p[2] = { { .fd = ofd, .events = POLLIN }, { .fd = efd, .events = POLLIN } };
	int open_ = 2;

	o = open_memstream(out, &ol);
	e = open_memstream(err, &el);
	while (open_ > 0) {
		char buf[4096];

		if (poll(p, 2, -1) < 0)
			break;
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				open_--;
				continue;
			}
			fwrite(buf, 1, (size_t)n, i ? e : o);
		}
	}
	fclose(o);
	fclose(e);
}

/* One fd and one byte, the way QEMU's net_bridge_run_helper() reads them. */
static ssize_t recv_fd(int sock, char *byte, int *fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.buf,
			     .msg_controllen = sizeof(cbuf.buf) };
	ssize_t n;

	*fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); n >= 0 && cm; cm = CMSG_NXTHDR(&mh, cm)) {
		int nfds = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));

		CU_ASSERT_EQUAL(nfds, 1);
		if (cm->cmsg_type == SCM_RIGHTS && nfds >= 1)
			memcpy(fd, CMSG_DATA(cm), sizeof(int));
	}
	return n;
}

/*
 * Run build-tree program @prog with the space-separated @args, where the word
 * FD becomes --fd=N of our socketpair's other end and PIPEFD --fd= of a pipe;
 * VNET_SOCKET is @sock (NULL: unset). With @hang_up, QEMU's end is closed at
 * once, as if QEMU had died.
 */
static struct run run_prog(const char *prog, const char *sock, const char *args, bool hang_up)
{
	struct run r = { .fd = -1 };
	char *path = prog_path(prog), *copy = strdup(args), *argv[32], *save = NULL;
	char *env[64], *sockenv = NULL, fdarg[32], pipearg[32];
	int sv[2], outp[2], errp[2], pip[2], kid_fd = -1, argc = 0, envc = 0, status;
	extern char **environ;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe(pip) < 0)
		abort();
	/* The helper's end, open across exec, at whatever number QEMU's would be. */
	kid_fd = fcntl(sv[1], F_DUPFD, 3);
	snprintf(fdarg, sizeof(fdarg), "--fd=%d", kid_fd);
	snprintf(pipearg, sizeof(pipearg), "--fd=%d", pip[0]);

	argv[argc++] = path;
	for (char *w = strtok_r(copy, " ", &save); w && argc < 31; w = strtok_r(NULL, " ", &save))
		argv[argc++] = !strcmp(w, "FD") ? fdarg : !strcmp(w, "PIPEFD") ? pipearg : w;
	argv[argc] = NULL;
	for (char **e = environ; *e && envc < 62; e++)
		if (strncmp(*e, "VNET_SOCKET=", 12))
			env[envc++] = *e;
	if (sock) {
		if (asprintf(&sockenv, "VNET_SOCKET=%s", sock) < 0)
			abort();
		env[envc++] = sockenv;
	}
	env[envc] = NULL;

	pid = fork();
	if (pid == 0) {
		dup2(outp[1], 1);
		dup2(errp[1], 2);
		execve(path, argv, env);
		_exit(127);
	}
	close(kid_fd);
	close(sv[1]);
	close(outp[1]);
	close(errp[1]);
	close(pip[0]);
	close(pip[1]);
	if (hang_up) {
		close(sv[0]);
		r.n = -1;
	} else {
		r.n = recv_fd(sv[0], &r.byte, &r.fd);
		close(sv[0]);
	}
	slurp2(outp[0], errp[0], &r.out, &r.err);
	waitpid(pid, &status, 0);
	r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	free(sockenv);
	free(copy);
	free(path);
	return r;
}

static struct run helper(const char *sock, const char *args)
{
	return run_prog("tools/vnet-bridge-helper", sock, args, false);
}

/* The fd QEMU got is the fake's memfd: same inode, and bytes go through. */
static void assert_same_object(int got, int mine)
{
	struct stat a, b;
	char buf[16] = "";

	CU_ASSERT_FATAL(got >= 0 && mine >= 0);
	CU_ASSERT_EQUAL(fstat(got, &a), 0);
	CU_ASSERT_EQUAL(fstat(mine, &b), 0);
	CU_ASSERT_EQUAL(a.st_ino, b.st_ino);
	CU_ASSERT_EQUAL(a.st_dev, b.st_dev);
	CU_ASSERT_EQUAL(pwrite(got, "frame", 5, 0), 5);
	CU_ASSERT_EQUAL(pread(mine, buf, sizeof(buf) - 1, 0), 5);
	CU_ASSERT_STRING_EQUAL(buf, "frame");
}

/* Request @i's params equal @expect (JSON text). */
static void assert_request(struct fake *f, int i, const char *method, const char *expect)
{
	struct json_object *req = fake_request(f, i), *want = json_tokener_parse(expect);
	struct json_object *m = NULL, *p = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	json_object_object_get_ex(req, "method", &m);
	json_object_object_get_ex(req, "params", &p);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(m), method);
	CU_ASSERT_TRUE(json_object_equal(p, want));
	if (!json_object_equal(p, want))
		fprintf(stderr, "request %d: %s\nwanted: %s\n", i, json_object_get_string(p), expect);
	json_object_put(want);
	json_object_put(req);
}

/* A successful hand-over: exit 0, nothing said, one byte with the memfd. */
static void assert_handed(struct run *r)
{
	CU_ASSERT_EQUAL(r->status, 0);
	CU_ASSERT_STRING_EQUAL(r->err, "");
	CU_ASSERT_STRING_EQUAL(r->out, "");
	CU_ASSERT_EQUAL(r->n, 1);
	CU_ASSERT_EQUAL(r->byte, 0);
	CU_ASSERT_EQUAL(handed.n, 1);
	assert_same_object(r->fd, handed.fds[0]);
}

/* A failure: @status, exactly the line @line, and no fd (QEMU reads EOF). */
static void assert_failed(struct run *r, int status, const char *line)
{
	CU_ASSERT_EQUAL(r->status, status);
	CU_ASSERT_STRING_EQUAL(r->err, line);
	if (strcmp(r->err, line))
		fprintf(stderr, "got:    %swanted: %s", r->err, line);
	CU_ASSERT_EQUAL(r->n, 0);
	CU_ASSERT_EQUAL(r->fd, -1);
}

/* ---- the tests ---- */

static void test_qemu_order(void)
{
	struct fake *f = fake_start(answer, NULL);
	struct run r = helper(fake_socket(f), "--use-vnet FD --br=net0");

	assert_handed(&r);
	CU_ASSERT_EQUAL(fake_nrequests(f), 1);
	assert_request(f, 0, "attach", "{\"network\":\"net0\",\"vnet_hdr\":true,\"return_fd\":true}");
	run_free(&r);
	fake_stop(f);
}

static void test_libvirt_order(void)
{
	struct fake *f = fake_start(answer, NULL);
	struct run r;

	/* libvirt: --br before --fd, --use-vnet only for virtio models. */
	r = helper(fake_socket(f), "--br=vnetbr0 FD");
	assert_handed(&r);
	assert_request(f, 0, "attach",
		       "{\"network\":\"vnetbr0\",\"vnet_hdr\":false,\"return_fd\":true}");
	run_free(&r);

	r = helper(fake_socket(f), "--use-vnet --br=vnetbr0 FD");
	assert_handed(&r);
	assert_request(f, 1, "attach",
		       "{\"network\":\"vnetbr0\",\"vnet_hdr\":true,\"return_fd\":true}");
	run_free(&r);
	fake_stop(f);
}

static void test_helper_as_command(void)
{
	struct fake *f = fake_start(answer, NULL);
	char *args = NULL;
	struct run r;

	/*
	 * helper="vnet-bridge-helper --br=net0 --socket=PATH" makes QEMU run
	 * it through sh with its own words first; --socket beats $VNET_SOCKET.
	 */
	if (asprintf(&args, "--br=net0 --socket=%s --use-vnet FD", fake_socket(f)) < 0)
		abort();
	r = helper("/nonexistent/vnetd.sock", args);
	assert_handed(&r);
	run_free(&r);
	free(args);

	if (asprintf(&args, "--socket %s --br net0 FD", fake_socket(f)) < 0)
		abort();
	r = helper(NULL, args);
	assert_handed(&r);
	assert_request(f, 1, "attach", "{\"network\":\"net0\",\"vnet_hdr\":false,\"return_fd\":true}");
	run_free(&r);
	free(args);
	fake_stop(f);
}

static void test_no_such_network(void)
{
	struct fake *f = fake_start(answer, NULL);
	struct run r = helper(fake_socket(f), "--use-vnet FD --br=br9");

	assert_failed(&r, 1, "vnet-bridge-helper: no network with bridge or name 'br9'\n");
	run_free(&r);
	fake_stop(f);
}

static void test_acl_denied(void)
{
	struct fake *f = fake_start(answer, NULL);
	struct run r;

	r = helper(fake_socket(f), "--use-vnet FD --br=lab");
	assert_failed(&r, 1, "vnet-bridge-helper: access denied by /etc/vnet/bridge.conf: "
		      "uid 1000 may not attach to network 'lab' (deny all)\n");
	run_free(&r);

	/* vnetd may say which file decided. */
	r = helper(fake_socket(f), "--use-vnet FD --br=lab2");
	assert_failed(&r, 1, "vnet-bridge-helper: access denied by /srv/vnet/bridge.conf: "
		      "uid 1000 is not allowed 'lab2'\n");
	run_free(&r);
	fake_stop(f);
}

static void test_not_running(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct fake *f = fake_start(answer, NULL);
	char *none = NULL, *stale = NULL, *line = NULL;
	struct run r;
	int fd;

	if (asprintf(&none, "%s/none.sock", fake_dir(f)) < 0 ||
	    asprintf(&stale, "%s/stale.sock", fake_dir(f)) < 0)
		abort();
	r = helper(none, "--use-vnet FD --br=net0");
	if (asprintf(&line, "vnet-bridge-helper: vnetd is not running (socket %s)\n", none) < 0)
		abort();
	assert_failed(&r, 3, line);
	run_free(&r);
	free(line);

	/* A socket file left behind by a vnetd that died: nobody listens. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", stale);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_EQUAL(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	r = helper(stale, "--use-vnet FD --br=net0");
	if (asprintf(&line, "vnet-bridge-helper: vnetd is not running (socket %s)\n", stale) < 0)
		abort();
	assert_failed(&r, 3, line);
	run_free(&r);
	free(line);

	CU_ASSERT_EQUAL(fake_nrequests(f), 0);
	free(none);
	free(stale);
	fake_stop(f);
}

static void test_other_refusals(void)
{
	struct fake *f = fake_start(answer, NULL);
	struct run r;

	r = helper(fake_socket(f), "--use-vnet FD --br=bad");
	assert_failed(&r, 1, "vnet-bridge-helper: vnetd refused a tap on 'bad': "
		      "network 'bad' is not started\n");
	run_free(&r);

	r = helper(fake_socket(f), "--use-vnet FD --br=old");
	assert_failed(&r, 1, "vnet-bridge-helper: vnetd does not support attach "
		      "(method 'attach' does not exist)\n");
	run_free(&r);

	r = helper(fake_socket(f), "--use-vnet FD --br=hangup");
	assert_failed(&r, 1, "vnet-bridge-helper: vnetd closed the connection\n");
	run_free(&r);
	fake_stop(f);
}

static void test_reply_without_fd(void)
{
	struct fake *f = fake_start(answer, NULL);
	struct run r = helper(fake_socket(f), "--use-vnet FD --br=nofd");

	assert_failed(&r, 1, "vnet-bridge-helper: vnetd attached tap 'tap-nofd' to 'nofd' "
		      "but sent 0 of 1 fds; detached it again\n");
	/* The tap nobody holds is given back rather than left behind. */
	CU_ASSERT_EQUAL(fake_nrequests(f), 2);
	assert_request(f, 1, "detach", "{\"tap\":\"tap-nofd\"}");
	run_free(&r);
	fake_stop(f);
}

static void test_qemu_gone(void)
{
	struct fake *f = fake_start(answer, NULL);
	/* The fake answers "slow" late, so QEMU's end is surely closed by then. */
	struct run r = run_prog("tools/vnet-bridge-helper", fake_socket(f),
				"--use-vnet FD --br=slow", true);

	CU_ASSERT_EQUAL(r.status, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "vnet-bridge-helper: cannot send tap 'tap-test0' over --fd="));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, ": Broken pipe\n"));
	run_free(&r);
	fake_stop(f);
}

static void test_bad_command_lines(void)
{
	static const struct {
		const char *args, *line;
	} cases[] = {
		{ "--use-vnet FD", "vnet-bridge-helper: missing --br=BRIDGE; usage: " },
		{ "--use-vnet --br= FD", "vnet-bridge-helper: missing --br=BRIDGE; usage: " },
		{ "--use-vnet --br=net0", "vnet-bridge-helper: missing --fd=UNIXFD; usage: " },
		{ "--use-vnet --br=net0 FD --vhost", "vnet-bridge-helper: unknown argument '--vhost'; usage: " },
		{ "--br=net0 --br=net1 FD", "vnet-bridge-helper: --br given twice ('net0' and 'net1'); usage: " },
		{ "--br=net0 --fd=abc", "vnet-bridge-helper: --fd='abc' is not a file descriptor number; usage: " },
		{ "--br=net0 --fd=-3", "vnet-bridge-helper: --fd='-3' is not a file descriptor number; usage: " },
		{ "--br=net0 --fd=999", "vnet-bridge-helper: --fd=999 is not open (it must be the socket the caller waits on for the tap)\n" },
		{ "--br=net0 PIPEFD", "vnet-bridge-helper: --fd=" },
		{ "--br=net0 FD --socket", "vnet-bridge-helper: --socket needs a value; usage: " },
	};
	struct fake *f = fake_start(answer, NULL);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r = helper(fake_socket(f), cases[i].args);

		CU_ASSERT_EQUAL(r.status, 2);
		CU_ASSERT_EQUAL(strncmp(r.err, cases[i].line, strlen(cases[i].line)), 0);
		if (strncmp(r.err, cases[i].line, strlen(cases[i].line)))
			fprintf(stderr, "%s: got %s", cases[i].args, r.err);
		/* One line, for QEMU to show. */
		CU_ASSERT_PTR_NOT_NULL(strchr(r.err, '\n'));
		CU_ASSERT_PTR_EQUAL(strchr(r.err, '\n'), r.err + strlen(r.err) - 1);
		CU_ASSERT_EQUAL(r.n, 0);
		run_free(&r);
	}
	{
		struct run r = helper(fake_socket(f), "--br=net0 PIPEFD");

		CU_ASSERT_PTR_NOT_NULL(strstr(r.err, " is not a socket (it must be the socket the caller waits on for the tap)\n"));
		run_free(&r);
	}
	/* Nothing was asked of vnetd. */
	CU_ASSERT_EQUAL(fake_nrequests(f), 0);

	{
		struct run r = helper(fake_socket(f), "--help");

		CU_ASSERT_EQUAL(r.status, 0);
		CU_ASSERT_EQUAL(strncmp(r.out, "usage: vnet-bridge-helper [--use-vnet] --br=BRIDGE "
					"--fd=UNIXFD [--socket=PATH]\n", 74), 0);
		run_free(&r);
	}
	fake_stop(f);
}

/* ---- examples/vnet-tap-fd ---- */

static void test_tap_fd_example(void)
{
	struct fake *f = fake_start(answer, NULL);
	char buf[16] = "", *script = NULL, *args = NULL;
	struct run r;
	FILE *sf;

	/* The command finds the fds at 3 and 4 and says what it was told. */
	if (asprintf(&script, "%s/hypervisor.sh", fake_dir(f)) < 0 ||
	    asprintf(&args, "--vnet-hdr --queues=2 net0 -- sh %s", script) < 0)
		abort();
	sf = fopen(script, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sf);
	fputs("printf 'one ' >&3\nprintf 'two ' >&4\n"
	      "echo \"$VNET_TAP $VNET_MAC $VNET_TAP_FD $VNET_TAP_FDS\"\n", sf);
	fclose(sf);
	r = run_prog("examples/vnet-tap-fd", fake_socket(f), args, false);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.err, "");
	CU_ASSERT_STRING_EQUAL(r.out, "tap-test0 52:54:00:12:34:56 3 3:4\n");
	assert_request(f, 0, "attach", "{\"network\":\"net0\",\"vnet_hdr\":true,\"return_fd\":true,"
		       "\"queues\":2}");
	CU_ASSERT_EQUAL_FATAL(handed.n, 2);
	CU_ASSERT_EQUAL(pread(handed.fds[0], buf, sizeof(buf) - 1, 0), 4);
	CU_ASSERT_STRING_EQUAL(buf, "one ");
	CU_ASSERT_EQUAL(pread(handed.fds[1], buf, sizeof(buf) - 1, 0), 4);
	CU_ASSERT_STRING_EQUAL(buf, "two ");
	run_free(&r);

	r = run_prog("examples/vnet-tap-fd", fake_socket(f), "br9 -- true", false);
	CU_ASSERT_EQUAL(r.status, 1);
	CU_ASSERT_STRING_EQUAL(r.err, "vnet-tap-fd: no network with bridge or name 'br9'\n");
	run_free(&r);
	free(script);
	free(args);
	fake_stop(f);
}

static void test_cloud_hypervisor_example(void)
{
	const char *src = getenv("VNET_TOP_SRCDIR"), *top = getenv("VNET_TOP_BUILDDIR");
	struct fake *f = fake_start(answer, NULL);
	char *ch = NULL, *tool = NULL, *script = NULL, buf[16] = "";
	struct run r;
	FILE *sf;

	/* A stand-in for cloud-hypervisor: writes through fd 3, prints its arguments. */
	if (asprintf(&ch, "%s/cloud-hypervisor", fake_dir(f)) < 0 ||
	    asprintf(&tool, "%s/examples/vnet-tap-fd", top ? top : ".") < 0 ||
	    asprintf(&script, "%s/examples/cloud-hypervisor.sh", src ? src : ".") < 0)
		abort();
	sf = fopen(ch, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sf);
	fputs("#!/bin/sh\nprintf 'virtio ' >&3\necho \"$*\"\n", sf);
	fclose(sf);
	chmod(ch, 0755);
	setenv("CH", ch, 1);
	setenv("VNET_TAP_FD_TOOL", tool, 1);
	r = run_prog(script, fake_socket(f), "net0 vmlinux disk.raw --serial tty", false);
	unsetenv("CH");
	unsetenv("VNET_TAP_FD_TOOL");
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.err, "tap tap-test0, mac 52:54:00:12:34:56, fds 3\n");
	CU_ASSERT_STRING_EQUAL(r.out, "--kernel vmlinux --disk path=disk.raw "
			       "--cmdline console=ttyS0 root=/dev/vda1 rw --cpus boot=1 --memory size=512M "
			       "--net fd=[3],mac=52:54:00:12:34:56,num_queues=2 --serial tty\n");
	assert_request(f, 0, "attach", "{\"network\":\"net0\",\"vnet_hdr\":true,\"return_fd\":true,"
		       "\"queues\":1}");
	CU_ASSERT_EQUAL_FATAL(handed.n, 1);
	CU_ASSERT_EQUAL(pread(handed.fds[0], buf, sizeof(buf) - 1, 0), 7);
	CU_ASSERT_STRING_EQUAL(buf, "virtio ");
	run_free(&r);
	free(ch);
	free(tool);
	free(script);
	fake_stop(f);
}

int main(void)
{
	static CU_TestInfo helper_tests[] = {
		{ "QEMU's order: --use-vnet --fd=N --br=BR", test_qemu_order },
		{ "libvirt's order: [--use-vnet] --br=BR --fd=N", test_libvirt_order },
		{ "helper given as a command with its own options", test_helper_as_command },
		{ "no such network", test_no_such_network },
		{ "access denied by the ACL", test_acl_denied },
		{ "vnetd not running", test_not_running },
		{ "other refusals and a hang-up", test_other_refusals },
		{ "a reply without an fd is detached", test_reply_without_fd },
		{ "QEMU gone before the fd is sent", test_qemu_gone },
		{ "bad command lines ask nothing", test_bad_command_lines },
		CU_TEST_INFO_NULL,
	};
	static CU_TestInfo example_tests[] = {
		{ "vnet-tap-fd places the fds and runs the command", test_tap_fd_example },
		{ "cloud-hypervisor.sh hands Cloud Hypervisor fd=[3]", test_cloud_hypervisor_example },
		CU_TEST_INFO_NULL,
	};
	static CU_SuiteInfo suites[] = {
		{ "vnet-bridge-helper", NULL, NULL, NULL, NULL, helper_tests },
		{ "examples/vnet-tap-fd", NULL, NULL, NULL, NULL, example_tests },
		CU_SUITE_INFO_NULL,
	};

	signal(SIGPIPE, SIG_IGN);
	alarm(120);
	return tl_run_suites(suites);
}
