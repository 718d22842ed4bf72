/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vnet-bridge-helper under a real QEMU (-netdev bridge,helper=...), with a
 * fake vnetd that makes real taps, in a private network namespace. No guest
 * boots (-M none): what is checked is QEMU's half of the contract. QEMU
 * takes the fd and runs (its monitor lists the netdev); while it runs, QEMU
 * and only QEMU holds the tap (its fdinfo names it, and the tap exists
 * though the fake closed its copy); when QEMU quits, the tap is gone. A
 * refused attach makes QEMU fail with the helper's one line.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"
#include "test-bridge-helper-fake.h"

static char tap_name[IFNAMSIZ];

/* The fake vnetd: a real, non-persistent tap on "qnet", nothing else. */
static void answer(struct fake *f, const char *method, struct json_object *params,
		   struct fake_reply *r)
{
	struct json_object *v;
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	const char *net = "";
	int fd;

	(void)f;
	if (json_object_object_get_ex(params, "network", &v))
		net = json_object_get_string(v);
	if (strcmp(method, "attach") || strcmp(net, "qnet")) {
		r->code = -32000;
		r->reason = "ENOENT";
		snprintf(r->message, sizeof(r->message), "network '%s' does not exist", net);
		return;
	}
	if (json_object_object_get_ex(params, "vnet_hdr", &v) && json_object_get_boolean(v))
		ifr.ifr_flags |= IFF_VNET_HDR;
	snprintf(tap_name, sizeof(tap_name), "%s", tl_name("bh"));
	memcpy(ifr.ifr_name, tap_name, strlen(tap_name) + 1);
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) {
		r->code = -32000;
		r->reason = "EIO";
		snprintf(r->message, sizeof(r->message), "tap: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	r->fds[0] = fd;
	r->nfds = 1;
	r->result = json_object_new_object();
	json_object_object_add(r->result, "tap", json_object_new_string(tap_name));
	json_object_object_add(r->result, "mac", json_object_new_string("52:54:00:aa:bb:cc"));
	json_object_object_add(r->result, "network", json_object_new_string("qnet"));
}

struct qemu {
	pid_t pid;
	int in, out, err;
	char buf[16384];
	size_t len;
};

static char *helper_path(void)
{
	const char *top = getenv("VNET_TOP_BUILDDIR");
	char *p;

	if (asprintf(&p, "%s/tools/vnet-bridge-helper", top ? top : ".") < 0)
		abort();
	return p;
}

/* Run @argv (a QEMU, or a script that runs one) with its monitor on pipes; @env is NAME=VALUE... */
static void qemu_spawn(struct qemu *q, char *const *argv, char *const *env)
{
	int in[2], out[2], err[2];

	memset(q, 0, sizeof(*q));
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
		abort();
	q->pid = fork();
	if (q->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		unsetenv("VNET_SOCKET");
		for (; env && *env; env++)
			putenv(*env);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	q->in = in[1];
	q->out = out[0];
	q->err = err[0];
}

/* qemu-system-x86_64 -M none with one -netdev @netdev; @sock in $VNET_SOCKET. */
static void qemu_start(struct qemu *q, const char *netdev, const char *sock)
{
	char *argv[] = { "qemu-system-x86_64", "-M", "none", "-nodefaults", "-display", "none",
			 "-monitor", "stdio", "-netdev", (char *)netdev, NULL };
	char *env[2] = { NULL, NULL }, *s = NULL;

	if (sock && asprintf(&s, "VNET_SOCKET=%s", sock) < 0)
		abort();
	env[0] = s;
	qemu_spawn(q, argv, env);
	free(s);
}

/* Read the monitor until its prompt; returns what came before it, or NULL at EOF/timeout. */
static char *qemu_until_prompt(struct qemu *q)
{
	static const char prompt[] = "(qemu) ";

	for (;;) {
		struct pollfd p = { .fd = q->out, .events = POLLIN };
		char *at;
		ssize_t n;

		q->buf[q->len] = '\0';
		at = strstr(q->buf, prompt);
		if (at) {
			char *s = strndup(q->buf, (size_t)(at - q->buf));

			q->len -= (size_t)(at - q->buf) + strlen(prompt);
			memmove(q->buf, at + strlen(prompt), q->len + 1);
			return s;
		}
		if (poll(&p, 1, 20000) <= 0)
			return NULL;
		n = read(q->out, q->buf + q->len, sizeof(q->buf) - 1 - q->len);
		if (n <= 0)
			return NULL;
		q->len += (size_t)n;
	}
}

static void qemu_send(struct qemu *q, const char *cmd)
{
	CU_ASSERT_EQUAL(write(q->in, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
}

/* Wait for QEMU; its exit status and (in *err) what it wrote on stderr. */
static int qemu_wait(struct qemu *q, char **err)
{
	FILE *e;
	size_t len = 0;
	char buf[4096];
	ssize_t n;
	int status;

	close(q->in);
	e = open_memstream(err, &len);
	while ((n = read(q->err, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, e);
	fclose(e);
	close(q->err);
	close(q->out);
	waitpid(q->pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Does process @pid hold an fd on tap @name? tun's fdinfo says "iff:\tNAME". */
static bool holds_tap(pid_t pid, const char *name)
{
	char dir[64], want[64], line[256];
	struct dirent *de;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", (int)pid);
	snprintf(want, sizeof(want), "iff:\t%s\n", name);
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		char path[384];
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "r");
		while (f && !found && fgets(line, sizeof(line), f))
			found = !strcmp(line, want);
		if (f)
			fclose(f);
	}
	closedir(d);
	return found;
}

static bool tap_exists(const char *name)
{
	struct json_object *link = tl_ip_link(NULL, name);
	bool yes = link != NULL;

	json_object_put(link);
	return yes;
}

/* QEMU runs on the tap vnetd made, holds it alone, and lets it go on quit. */
static void run_attached(const char *netdev, const char *sock, struct fake *f)
{
	struct json_object *req, *params = NULL, *want;
	struct qemu q;
	char *banner, *info, *err = NULL;

	tap_name[0] = '\0';
	qemu_start(&q, netdev, sock);
	banner = qemu_until_prompt(&q);
	CU_ASSERT_PTR_NOT_NULL_FATAL(banner);
	CU_ASSERT_NOT_EQUAL_FATAL(tap_name[0], '\0');

	CU_ASSERT_TRUE(tap_exists(tap_name));
	CU_ASSERT_TRUE(holds_tap(q.pid, tap_name));
	CU_ASSERT_FALSE(holds_tap(getpid(), tap_name));

	qemu_send(&q, "info network\n");
	info = qemu_until_prompt(&q);
	CU_ASSERT_PTR_NOT_NULL(info);
	CU_ASSERT_PTR_NOT_NULL(info ? strstr(info, "n0: index=0,type=tap,helper=") : NULL);
	CU_ASSERT_PTR_NOT_NULL(info ? strstr(info, ",br=qnet") : NULL);

	qemu_send(&q, "quit\n");
	CU_ASSERT_EQUAL(qemu_wait(&q, &err), 0);
	/* Nothing from the helper; QEMU warns only that no NIC uses n0 (-M none). */
	CU_ASSERT_PTR_NULL(strstr(err, "vnet-bridge-helper"));
	CU_ASSERT_PTR_NULL(strstr(err, "error"));
	/* A tap nobody holds any more is gone: it was QEMU's. */
	CU_ASSERT_FALSE(tap_exists(tap_name));

	req = fake_request(f, fake_nrequests(f) - 1);
	json_object_object_get_ex(req, "params", &params);
	want = json_tokener_parse("{\"network\":\"qnet\",\"vnet_hdr\":true,\"return_fd\":true}");
	CU_ASSERT_TRUE(json_object_equal(params, want));
	json_object_put(want);
	json_object_put(req);
	free(banner);
	free(info);
	free(err);
}

static void test_qemu_gets_the_tap(void)
{
	struct fake *f = fake_start(answer, NULL);
	char *helper = helper_path(), *netdev;

	if (asprintf(&netdev, "bridge,id=n0,br=qnet,helper=%s", helper) < 0)
		abort();
	run_attached(netdev, fake_socket(f), f);
	free(netdev);
	free(helper);
	fake_stop(f);
}

static void test_helper_as_command(void)
{
	struct fake *f = fake_start(answer, NULL);
	char *helper = helper_path(), *netdev;

	/* QEMU runs a helper with spaces through sh, its words first. */
	if (asprintf(&netdev, "bridge,id=n0,br=qnet,helper=%s --socket=%s", helper,
		     fake_socket(f)) < 0)
		abort();
	run_attached(netdev, NULL, f);
	free(netdev);
	free(helper);
	fake_stop(f);
}

static void test_qemu_shows_the_refusal(void)
{
	struct fake *f = fake_start(answer, NULL);
	char *helper = helper_path(), *netdev, *err = NULL;
	struct qemu q;
	int status;

	if (asprintf(&netdev, "bridge,id=n0,br=nosuch,helper=%s", helper) < 0)
		abort();
	qemu_start(&q, netdev, fake_socket(f));
	status = qemu_wait(&q, &err);
	CU_ASSERT_NOT_EQUAL(status, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "vnet-bridge-helper: no network with bridge or name 'nosuch'\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bridge helper failed"));
	if (!strstr(err, "vnet-bridge-helper: no network"))
		fprintf(stderr, "QEMU said: %s\n", err);
	free(err);
	free(netdev);
	free(helper);
	fake_stop(f);
}

/*
 * An example script starts a whole PC (CPUs stopped, -S) whose NIC is on the
 * fake's tap: the NIC has the MAC @mac and the netdev says @netdev.
 */
static void run_example(const char *script, char *const *env, const char *netdev, const char *mac)
{
	const char *top = getenv("VNET_TOP_SRCDIR");
	char *path = NULL, *info, *banner, *err = NULL, *nic = NULL;
	char *argv[] = { NULL, "qnet", "-M", "pc", "-accel", "tcg", "-S", "-nodefaults",
			 "-display", "none", "-monitor", "stdio", NULL };
	struct qemu q;

	if (asprintf(&path, "%s/examples/%s", top ? top : ".", script) < 0 ||
	    asprintf(&nic, "type=nic,model=virtio-net-pci,macaddr=%s", mac) < 0)
		abort();
	argv[0] = path;
	tap_name[0] = '\0';
	qemu_spawn(&q, argv, env);
	banner = qemu_until_prompt(&q);
	if (!banner) {
		qemu_wait(&q, &err);
		fprintf(stderr, "%s: %s\n", script, err);
		free(err);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(banner);
	CU_ASSERT_TRUE(tap_exists(tap_name));
	/* The script exec'd its way to QEMU: same pid, and QEMU holds the tap. */
	CU_ASSERT_TRUE(holds_tap(q.pid, tap_name));

	qemu_send(&q, "info network\n");
	info = qemu_until_prompt(&q);
	CU_ASSERT_PTR_NOT_NULL_FATAL(info);
	CU_ASSERT_PTR_NOT_NULL(strstr(info, netdev));
	CU_ASSERT_PTR_NOT_NULL(strstr(info, nic));
	if (!strstr(info, netdev) || !strstr(info, nic))
		fprintf(stderr, "%s: info network: %s\n", script, info);
	qemu_send(&q, "quit\n");
	CU_ASSERT_EQUAL(qemu_wait(&q, &err), 0);
	CU_ASSERT_FALSE(tap_exists(tap_name));
	free(banner);
	free(info);
	free(err);
	free(nic);
	free(path);
}

static void test_example_bridge_helper(void)
{
	struct fake *f = fake_start(answer, NULL);
	char *helper = helper_path(), *env[4] = { NULL };

	if (asprintf(&env[0], "VNET_BRIDGE_HELPER=%s", helper) < 0 ||
	    asprintf(&env[1], "VNET_SOCKET=%s", fake_socket(f)) < 0 ||
	    asprintf(&env[2], "MAC=52:54:00:01:02:03") < 0)
		abort();
	run_example("qemu-bridge-helper.sh", env, "net0: index=0,type=tap,helper=", "52:54:00:01:02:03");
	for (int i = 0; i < 3; i++)
		free(env[i]);
	free(helper);
	fake_stop(f);
}

static void test_example_tap_fd(void)
{
	const char *top = getenv("VNET_TOP_BUILDDIR");
	struct fake *f = fake_start(answer, NULL);
	char *env[3] = { NULL };

	if (asprintf(&env[0], "VNET_TAP_FD_TOOL=%s/examples/vnet-tap-fd", top ? top : ".") < 0 ||
	    asprintf(&env[1], "VNET_SOCKET=%s", fake_socket(f)) < 0)
		abort();
	/* The MAC is the one vnetd chose. */
	run_example("qemu-tap-fd.sh", env, "net0: index=0,type=tap,fd=3", "52:54:00:aa:bb:cc");
	free(env[0]);
	free(env[1]);
	fake_stop(f);
}

/*
 * Made setuid (here: to nobody, by root), the helper would lend its owner's
 * credentials to vnetd's ACL check; it refuses to run at all. The copy sits
 * on a tmpfs of our own, as /tmp may be mounted nosuid.
 */
static void test_refuses_setuid(void)
{
	struct fake *f = fake_start(answer, NULL);
	static const char refusal[] = "vnet-bridge-helper: refusing to run setuid, setgid or with "
		"file capabilities: vnetd decides by the caller's own user and groups\n";
	char dir[] = "/tmp/vnet-suid-XXXXXX", *helper = helper_path(), *out;
	int status;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	CU_ASSERT_EQUAL_FATAL(tl_run("mount -t tmpfs -o mode=0755,size=16m tmpfs %s", dir), 0);
	CU_ASSERT_EQUAL_FATAL(tl_run("cp '%s' %s/h && chown nobody %s/h && chmod 4755 %s/h",
				     helper, dir, dir, dir), 0);
	out = tl_capture(&status, "VNET_SOCKET='%s' %s/h --use-vnet --fd=1 --br=qnet 2>&1",
			 fake_socket(f), dir);
	CU_ASSERT_EQUAL(status, 1);
	/*
	 * The first line: a sanitizer build's LeakSanitizer, which cannot run in
	 * a setuid process (and ignores ASAN_OPTIONS there), adds its own.
	 */
	CU_ASSERT_EQUAL(strncmp(out, refusal, strlen(refusal)), 0);
	CU_ASSERT_EQUAL(fake_nrequests(f), 0);
	tl_run("umount %s && rmdir %s", dir, dir);
	free(out);
	free(helper);
	fake_stop(f);
}

int main(void)
{
	static CU_TestInfo tests[] = {
		{ "QEMU gets the tap and holds it alone", test_qemu_gets_the_tap },
		{ "helper given as a command", test_helper_as_command },
		{ "QEMU shows the helper's refusal", test_qemu_shows_the_refusal },
		{ "examples/qemu-bridge-helper.sh", test_example_bridge_helper },
		{ "examples/qemu-tap-fd.sh", test_example_tap_fd },
		CU_TEST_INFO_NULL,
	};
	static CU_TestInfo privilege_tests[] = {
		{ "a setuid helper refuses to run", test_refuses_setuid },
		CU_TEST_INFO_NULL,
	};
	static CU_SuiteInfo suites[] = {
		{ "vnet-bridge-helper under QEMU", NULL, NULL, NULL, NULL, tests },
		{ "vnet-bridge-helper has no privileges", NULL, NULL, NULL, NULL, privilege_tests },
		CU_SUITE_INFO_NULL,
	};

	tl_init_root();
	if (tl_run("command -v qemu-system-x86_64 >/dev/null") != 0) {
		printf("SKIP: qemu-system-x86_64 is not installed (package qemu-system-x86)\n");
		return TL_EXIT_SKIP;
	}
	signal(SIGPIPE, SIG_IGN);
	alarm(120);
	return tl_run_suites(suites);
}
