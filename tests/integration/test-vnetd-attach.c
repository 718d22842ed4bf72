/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vnetd's attach, detach and port.list against the real daemon in this
 * test's namespace: a tap handed over as an fd carries frames onto the
 * bridge and vanishes with its fd; persistent taps have their owner; the ACL
 * decides for a user outside root and 'vnet'; 1,000 taps come and go across
 * vnetd restarts with nothing left behind.
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>

#include "testlib.h"
#include "test-vnetd-harness.h"

#define BR "vbr-att"
#define NET "att"

static struct vd vd;

static void put(struct json_object *o)
{
	json_object_put(o);
}

/*
 * One request on a fresh connection, collecting any fds that come with the
 * reply (SCM_RIGHTS). Returns the parsed reply or NULL.
 */
static struct json_object *call_fds(const char *method, const char *params, int *fds, size_t max,
				    size_t *nfds)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char line[8192], buf[65536];
	size_t len = 0;
	int fd;

	*nfds = 0;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (strlen(vd.sock) >= sizeof(sa.sun_path))
		return NULL;
	memcpy(sa.sun_path, vd.sock, strlen(vd.sock) + 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}\n", method,
		 params ? params : "{}");
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		close(fd);
		return NULL;
	}
	while (len < sizeof(buf) - 1 && !memchr(buf, '\n', len)) {
		union {
			char b[CMSG_SPACE(sizeof(int) * 16)];
			struct cmsghdr align;
		} cbuf;
		struct iovec iov = { buf + len, sizeof(buf) - 1 - len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.b,
				     .msg_controllen = sizeof(cbuf.b) };
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 30000) <= 0)
			break;
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (n <= 0)
			break;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
				size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

				for (size_t i = 0; i < k; i++) {
					int f;

					memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
					if (*nfds < max)
						fds[(*nfds)++] = f;
					else
						close(f);
				}
			}
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return json_tokener_parse(buf);
}

static struct json_object *call(const char *method, const char *params)
{
	size_t n;
	int fds[16];
	struct json_object *r = call_fds(method, params, fds, 16, &n);

	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	return r;
}

static void expect_ok(const char *method, const char *params)
{
	struct json_object *r = call(method, params);

	CU_ASSERT_PTR_NOT_NULL(ok(r));
	put(r);
}

static bool link_exists(const char *name)
{
	return tl_run("ip link show dev %s >/dev/null 2>&1", name) == 0;
}

/* How many entries port.list has, and whether @tap is one of them. */
static int port_count(const char *network, const char *tap, bool *has)
{
	struct json_object *r = vd_call(&vd, "port.list", "{\"network\":\"%s\"}", network), *res;
	int n = -1;

	if (has)
		*has = false;
	res = r ? tl_jget(r, "result") : NULL;
	if (res && json_object_is_type(res, json_type_array)) {
		n = (int)json_object_array_length(res);
		for (int i = 0; tap && i < n; i++)
			if (!strcmp(tl_jstr(json_object_array_get_idx(res, i), "tap"), tap) && has)
				*has = true;
	}
	put(r);
	return n;
}

static bool wait_port_gone(const char *tap, int ms)
{
	for (int i = 0; i < ms / 20; i++) {
		bool has;

		if (port_count(NET, tap, &has) >= 0 && !has)
			return true;
		usleep(20 * 1000);
	}
	return false;
}

static int count_taps(void)
{
	char *out = tl_capture(NULL, "ip -d -j link show type tun | jq length");
	int n = out ? atoi(out) : -1;

	free(out);
	return n;
}

/* outside a test: no assertions */
static bool setup_ok(const char *method, const char *params)
{
	struct json_object *r = call(method, params);
	bool good = r && tl_jget(r, "result");

	if (!good)
		fprintf(stderr, "%s: %s\n", method, r ? json_object_to_json_string(r) : "no answer");
	put(r);
	return good;
}

static int suite_init(void)
{
	vd_setup(&vd);
	/* every user may connect: what they may do is vnetd's decision */
	vd.extra_args = "--socket-mode 0666";
	if (!vd_start(&vd))
		return 1;
	return !setup_ok("network.define", "{\"name\":\"" NET "\",\"mode\":\"isolated\",\"bridge\":\"" BR "\","
			 "\"mtu\":1400,\"ipv4\":{\"address\":\"10.77.0.1/24\"}}") ||
	       !setup_ok("network.start", "{\"name\":\"" NET "\"}") ||
	       !setup_ok("network.define", "{\"name\":\"down\",\"mode\":\"isolated\",\"bridge\":\"vbr-down\"}");
}

static int suite_clean(void)
{
	vd_stop(&vd, SIGTERM);
	return 0;
}

/*
 * A frame written to the fd comes out of the bridge. A vnet_hdr tap wants
 * the virtio-net header (10 bytes; zeros: no offloads) before the frame.
 */
static bool frame_to_bridge(int tapfd, size_t hdr)
{
	unsigned char buf[80] = { 0 }, *frame = buf + hdr;
	static const unsigned char head[14] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x77,
						0x77, 0x01, 0x88, 0xb5 };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(0x88b5) };
	bool seen = false;
	int s;

	memcpy(frame, head, sizeof(head));
	memcpy(frame + 14, "vnet-attach-test", 16);
	s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(0x88b5));
	sll.sll_ifindex = (int)if_nametoindex(BR);
	if (s < 0 || bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto out;
	if (write(tapfd, buf, hdr + 64) != (ssize_t)(hdr + 64))
		goto out;
	for (int i = 0; i < 20 && !seen; i++) {
		struct pollfd p = { s, POLLIN, 0 };
		unsigned char got[2048];
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(s, got, sizeof(got), 0);
		seen = n >= 30 && !memcmp(got + 14, "vnet-attach-test", 16);
	}
out:
	if (s >= 0)
		close(s);
	return seen;
}

static bool frame_reaches_bridge(int tapfd)
{
	return frame_to_bridge(tapfd, 0);
}

static void test_attach_fd(void)
{
	struct json_object *r, *l;
	const char *tap;
	char name[IFNAMSIZ] = "", mac[32] = "";
	int fds[16];
	size_t n;
	bool has;

	r = call_fds("attach", "{\"network\":\"" NET "\",\"return_fd\":true,\"vnet_hdr\":false}", fds, 16, &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ok(r));
	CU_ASSERT_EQUAL_FATAL(n, 1);
	tap = tl_jstr(r, "result.tap");
	snprintf(name, sizeof(name), "%s", tap);
	snprintf(mac, sizeof(mac), "%s", tl_jstr(r, "result.mac"));
	CU_ASSERT_EQUAL(strncmp(name, "vnet", 4), 0);
	CU_ASSERT_EQUAL(strncmp(mac, "52:54:00:", 9), 0);
	CU_ASSERT_STRING_EQUAL(tl_jstr(r, "result.network"), NET);
	CU_ASSERT_FALSE(json_object_get_boolean(tl_jget(r, "result.persistent")));
	put(r);

	/* the kernel's view: a non-persistent tap with the bridge's MTU, enslaved, up */
	l = tl_ip_link(NULL, name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(tl_jint(l, "mtu"), 1400);
	CU_ASSERT_STRING_EQUAL(tl_jstr(l, "master"), BR);
	CU_ASSERT_EQUAL(tl_run("ip -j link show dev %s | jq -e '.[0].flags | index(\"UP\")' >/dev/null", name), 0);
	CU_ASSERT_STRING_EQUAL(tl_jstr(l, "address"), mac);
	CU_ASSERT_STRING_EQUAL(tl_jstr(l, "linkinfo.info_kind"), "tun");
	CU_ASSERT_STRING_EQUAL(tl_jstr(l, "linkinfo.info_data.type"), "tap");
	CU_ASSERT_FALSE(json_object_get_boolean(tl_jget(l, "linkinfo.info_data.persist")));
	put(l);

	/* the fd is the tap: what is written comes out on the bridge */
	CU_ASSERT_TRUE(frame_reaches_bridge(fds[0]));
	CU_ASSERT_EQUAL(port_count(NET, name, &has), 1);
	CU_ASSERT_TRUE(has);
	/* by the bridge's name too (QEMU's br=) */
	CU_ASSERT_EQUAL(port_count(BR, name, &has), 1);

	/* the hypervisor goes away: the tap and its entry go with it */
	close(fds[0]);
	CU_ASSERT_TRUE(wait_until(3000, "! ip link show dev %s >/dev/null 2>&1", name));
	CU_ASSERT_TRUE(wait_port_gone(name, 3000));
	CU_ASSERT_EQUAL(tl_run("test -z \"$(ls %s/run/ports)\"", vd.dir), 0);

	/* several queues: as many fds */
	r = call_fds("attach", "{\"network\":\"" BR "\",\"return_fd\":true,\"vnet_hdr\":true,\"queues\":4}", fds, 16,
		     &n);
	CU_ASSERT_PTR_NOT_NULL(ok(r));
	CU_ASSERT_EQUAL(n, 4);
	snprintf(name, sizeof(name), "%s", tl_jstr(r, "result.tap"));
	put(r);
	l = tl_ip_link(NULL, name);
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(l, "linkinfo.info_data.multi_queue")));
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(l, "linkinfo.info_data.vnet_hdr")));
	put(l);
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	CU_ASSERT_TRUE(wait_until(3000, "! ip link show dev %s >/dev/null 2>&1", name));
	CU_ASSERT_TRUE(wait_port_gone(name, 3000));
}

static void test_attach_persistent(void)
{
	struct json_object *r, *l;
	bool has;

	r = call("attach", "{\"network\":\"" NET "\",\"tap\":\"pt0\",\"mac\":\"52:54:00:AA:BB:CC\","
		 "\"uid\":65534,\"gid\":65534,\"vnet_hdr\":true,\"isolated\":true}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ok(r));
	CU_ASSERT_STRING_EQUAL(tl_jstr(r, "result.tap"), "pt0");
	CU_ASSERT_STRING_EQUAL(tl_jstr(r, "result.mac"), "52:54:00:aa:bb:cc");
	CU_ASSERT_STRING_EQUAL(tl_jstr(r, "result.owner"), "nobody");
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(r, "result.persistent")));
	put(r);

	l = tl_ip_link(NULL, "pt0");
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_STRING_EQUAL(tl_jstr(l, "linkinfo.info_data.user"), "nobody");
	CU_ASSERT_STRING_EQUAL(tl_jstr(l, "linkinfo.info_data.group"), "nogroup");
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(l, "linkinfo.info_data.persist")));
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(l, "linkinfo.info_data.vnet_hdr")));
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(l, "linkinfo.info_slave_data.isolated")));
	CU_ASSERT_STRING_EQUAL(tl_jstr(l, "master"), BR);
	CU_ASSERT_EQUAL(tl_jint(l, "mtu"), 1400);
	CU_ASSERT_STRING_EQUAL(tl_jstr(l, "address"), "52:54:00:aa:bb:cc");
	/* isolated first, then up */
	CU_ASSERT_EQUAL(tl_run("ip -j link show dev pt0 | jq -e '.[0].flags | index(\"UP\")' >/dev/null"), 0);
	put(l);
	CU_ASSERT_EQUAL(port_count(NET, "pt0", &has), 1);
	CU_ASSERT_TRUE(has);
	CU_ASSERT_EQUAL(tl_run("test -s %s/run/ports/pt0.json", vd.dir), 0);
	/* the record names the very link the kernel has */
	CU_ASSERT_EQUAL(tl_run("test \"$(jq .ifindex %s/run/ports/pt0.json)\" = \"$(ip -j link show dev pt0 | jq '.[0].ifindex')\"",
			       vd.dir), 0);
	CU_ASSERT_EQUAL(tl_run("test -z \"$(ls -A %s/run/ports | grep -v '[.]json$')\"", vd.dir), 0);

	/* the same name again, or the same MAC: refused */
	r = call("attach", "{\"network\":\"" NET "\",\"tap\":\"pt0\"}");
	CU_ASSERT_TRUE(err_is(r, "EEXIST", "pt0"));
	put(r);
	r = call("attach", "{\"network\":\"" NET "\",\"mac\":\"52:54:00:aa:bb:cc\"}");
	CU_ASSERT_TRUE(err_is(r, "EEXIST", "52:54:00:aa:bb:cc"));
	put(r);

	/* detach, and detach again: both succeed */
	r = call("detach", "{\"tap\":\"pt0\"}");
	CU_ASSERT_PTR_NOT_NULL(ok(r));
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(r, "result.detached")));
	put(r);
	r = call("detach", "{\"tap\":\"pt0\"}");
	CU_ASSERT_PTR_NOT_NULL(ok(r));
	CU_ASSERT_FALSE(json_object_get_boolean(tl_jget(r, "result.detached")));
	put(r);
	CU_ASSERT_FALSE(link_exists("pt0"));
	CU_ASSERT_EQUAL(port_count(NET, NULL, NULL), 0);

	/* deleted behind vnetd's back: the registry follows */
	expect_ok("attach", "{\"network\":\"" NET "\",\"tap\":\"pt1\"}");
	CU_ASSERT_EQUAL(tl_run("ip link del pt1"), 0);
	CU_ASSERT_TRUE(wait_port_gone("pt1", 3000));
	CU_ASSERT_EQUAL(tl_run("test ! -e %s/run/ports/pt1.json", vd.dir), 0);
	/* detach does not touch links it did not make */
	CU_ASSERT_EQUAL(tl_run("ip tuntap add dev foreign0 mode tap"), 0);
	expect_ok("detach", "{\"tap\":\"foreign0\"}");
	CU_ASSERT_TRUE(link_exists("foreign0"));
	tl_run("ip link del foreign0");
}

/*
 * Generated names skip every name a link has, whatever its kind: a tap
 * vnetd did not make is neither taken over nor changed.
 */
static void test_attach_names(void)
{
	struct json_object *r, *l;
	char first[IFNAMSIZ], veth[IFNAMSIZ], foreign[IFNAMSIZ], next[IFNAMSIZ], p[128];
	unsigned k;

	r = call("attach", "{\"network\":\"" NET "\"}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ok(r));
	snprintf(first, sizeof(first), "%s", tl_jstr(r, "result.tap"));
	put(r);
	CU_ASSERT_EQUAL_FATAL(sscanf(first, "vnet%u", &k), 1);
	snprintf(veth, sizeof(veth), "vnet%u", k + 1);
	snprintf(foreign, sizeof(foreign), "vnet%u", k + 2);
	snprintf(next, sizeof(next), "vnet%u", k + 3);
	CU_ASSERT_EQUAL_FATAL(tl_run("ip link add %s type veth peer name %sp", veth, veth), 0);
	CU_ASSERT_EQUAL_FATAL(tl_run("ip tuntap add dev %s mode tap && ip link set %s mtu 1280", foreign,
				     foreign), 0);

	r = call("attach", "{\"network\":\"" NET "\"}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ok(r));
	CU_ASSERT_STRING_EQUAL(tl_jstr(r, "result.tap"), next);
	put(r);
	l = tl_ip_link(NULL, next);
	CU_ASSERT_PTR_NOT_NULL(l);
	CU_ASSERT_STRING_EQUAL(tl_jstr(l, "master"), BR);
	put(l);
	/* the foreign tap: no master, its own MTU, not persistent-changed */
	l = tl_ip_link(NULL, foreign);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_PTR_NULL(tl_jget(l, "master"));
	CU_ASSERT_EQUAL(tl_jint(l, "mtu"), 1280);
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(l, "linkinfo.info_data.persist")));
	put(l);
	CU_ASSERT_EQUAL(tl_run("ip link show dev %s | grep -q master", veth), 1);

	/* asked by name: refused, naming what is there */
	snprintf(p, sizeof(p), "{\"network\":\"%s\",\"tap\":\"%s\"}", NET, foreign);
	r = call("attach", p);
	CU_ASSERT_TRUE(err_is(r, "EEXIST", "(tun)"));
	put(r);
	CU_ASSERT_EQUAL(tl_run("test ! -e %s/run/ports/%s.json", vd.dir, foreign), 0);

	snprintf(p, sizeof(p), "{\"tap\":\"%s\"}", first);
	expect_ok("detach", p);
	snprintf(p, sizeof(p), "{\"tap\":\"%s\"}", next);
	expect_ok("detach", p);
	CU_ASSERT_TRUE(link_exists(foreign));
	tl_run("ip link del %s; ip link del %s", veth, foreign);
}

static void test_attach_errors(void)
{
	static const struct {
		const char *params, *reason, *part;
	} bad[] = {
		{ "{\"network\":\"nosuch\"}", "ENOENT", "nosuch" },
		{ "{\"network\":\"down\"}", "ENETDOWN", "not active" },
		{ "{}", "EINVAL", "'network' is missing" },
		{ "{\"network\":\"" NET "\",\"mac\":\"52:54:00:zz:00:01\"}", "EINVAL", "52:54:00:zz:00:01" },
		{ "{\"network\":\"" NET "\",\"mac\":\"01:00:5e:00:00:01\"}", "EINVAL", "01:00:5e:00:00:01" },
		{ "{\"network\":\"" NET "\",\"tap\":\"a-tap-name-far-too-long\"}", "EINVAL", "a-tap-name-far-too-long" },
		{ "{\"network\":\"" NET "\",\"tap\":\"bad/name\"}", "EINVAL", "bad/name" },
		{ "{\"network\":\"" NET "\",\"tap\":\"" BR "\"}", "EEXIST", BR },
		{ "{\"network\":\"" NET "\",\"uid\":3999999}", "EINVAL", "3999999" },
		{ "{\"network\":\"" NET "\",\"gid\":3999999}", "EINVAL", "3999999" },
		{ "{\"network\":\"" NET "\",\"uid\":-1}", "EINVAL", "uid" },
		{ "{\"network\":\"" NET "\",\"queues\":17}", "EINVAL", "queues" },
		{ "{\"network\":\"" NET "\",\"return_fd\":\"yes\"}", "EINVAL", "return_fd" },
		{ "{\"network\":\"" NET "\",\"colour\":\"red\"}", "EINVAL", "colour" },
	};
	struct json_object *r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = call("attach", bad[i].params);
		if (!err_is(r, bad[i].reason, bad[i].part)) {
			fprintf(stderr, "attach %s\n", bad[i].params);
			CU_FAIL("wrong error");
		}
		put(r);
	}
	r = call("detach", "{\"tap\":\"bad/name\"}");
	CU_ASSERT_TRUE(err_is(r, "EINVAL", "bad/name"));
	put(r);
	r = call("port.list", "{\"network\":\"nosuch\"}");
	CU_ASSERT_TRUE(err_is(r, "ENOENT", "nosuch"));
	put(r);
	/* nothing was made */
	CU_ASSERT_EQUAL(count_taps(), 0);
	CU_ASSERT_EQUAL(port_count(NET, NULL, NULL), 0);
}

/*
 * In a child as nobody: attach (fd when @want_fd, else persistent) and
 * return 0 when it went as @expect_reason says ("" for success).
 */
static int as_nobody(const char *params, const char *expect_reason, const char *part, bool want_fd)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		gid_t g = 65534;
		struct json_object *r;
		int fds[16];
		size_t n;

		if (setgroups(1, &g) < 0 || setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0)
			_exit(10);
		r = call_fds("attach", params, fds, 16, &n);
		if (!r)
			_exit(11);
		if (!*expect_reason) {
			if (!tl_jget(r, "result")) {
				fprintf(stderr, "%s\n", json_object_to_json_string(r));
				_exit(12);
			}
			/* the fd is the tap vnetd named (no privilege needed to ask) */
			if (want_fd) {
				struct ifreq ifr = { 0 };

				if (n != 1 || ioctl(fds[0], TUNGETIFF, &ifr) < 0 ||
				    strcmp(ifr.ifr_name, tl_jstr(r, "result.tap")))
					_exit(13);
			}
			if (!want_fd && n != 0)
				_exit(14);
			/* its own tap it may detach */
			if (!want_fd) {
				struct json_object *d;
				char p[128];

				snprintf(p, sizeof(p), "{\"tap\":\"%s\"}", tl_jstr(r, "result.tap"));
				d = call("detach", p);
				if (!d || !tl_jget(d, "result"))
					_exit(15);
			}
			_exit(0);
		}
		if (!err_is(r, expect_reason, part))
			_exit(16);
		if (!strcmp(expect_reason, "EACCES") &&
		    strcmp(tl_jstr(r, "error.data.acl"), "") == 0)
			_exit(17);
		_exit(n == 0 ? 0 : 18);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_acl(void)
{
	char acl[256], inc[256];
	struct json_object *r;

	snprintf(acl, sizeof(acl), "%s/etc/bridge.conf", vd.dir);
	snprintf(inc, sizeof(inc), "%s/etc/more.conf", vd.dir);

	/* no bridge.conf: nobody may attach anywhere */
	CU_ASSERT_EQUAL(as_nobody("{\"network\":\"" BR "\",\"return_fd\":true}", "EACCES", "is not allowed", true), 0);
	/* allowed by network name: an fd that works */
	tl_run("echo 'allow " NET "' >%s", acl);
	CU_ASSERT_EQUAL(as_nobody("{\"network\":\"" BR "\",\"return_fd\":true}", "", NULL, true), 0);
	/* a persistent tap is theirs (owner nobody) and they may detach it */
	CU_ASSERT_EQUAL(as_nobody("{\"network\":\"" NET "\"}", "", NULL, false), 0);
	/* not for someone else */
	CU_ASSERT_EQUAL(as_nobody("{\"network\":\"" NET "\",\"uid\":0}", "EPERM", "other users", false), 0);
	/* a deny wins wherever it stands */
	tl_run("printf '# lab\\nallow " NET "\\ndeny all\\n' >%s", acl);
	CU_ASSERT_EQUAL(as_nobody("{\"network\":\"" NET "\",\"return_fd\":true}", "EACCES", "deny all", true), 0);
	/* include, by the bridge's name */
	tl_run("echo 'include %s' >%s; echo 'allow " BR "' >%s", inc, acl, inc);
	CU_ASSERT_EQUAL(as_nobody("{\"network\":\"" NET "\",\"return_fd\":true}", "", NULL, true), 0);
	/* a line the ACL does not understand denies */
	tl_run("echo 'permit all' >%s", acl);
	CU_ASSERT_EQUAL(as_nobody("{\"network\":\"" NET "\",\"return_fd\":true}", "EACCES", "not understood", true), 0);
	/* at most 256 taps per such user */
	tl_run("echo 'allow all' >%s", acl);
	{
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			gid_t g = 65534;
			int made = 0, refused = 0;

			if (setgroups(1, &g) < 0 || setresgid(65534, 65534, 65534) < 0 ||
			    setresuid(65534, 65534, 65534) < 0)
				_exit(10);
			for (int i = 0; i < 257; i++) {
				char p[64];

				snprintf(p, sizeof(p), "{\"network\":\"" NET "\",\"tap\":\"q%d\"}", i);
				r = call("attach", p);
				if (r && tl_jget(r, "result"))
					made++;
				else if (i == 256 && err_is(r, "EDQUOT", "256 taps"))
					refused++;
				put(r);
			}
			for (int i = 0; i < 256; i++) {
				char p[64];

				snprintf(p, sizeof(p), "{\"tap\":\"q%d\"}", i);
				put(call("detach", p));
			}
			_exit(made == 256 && refused == 1 ? 0 : 1);
		}
		waitpid(pid, &st, 0);
		CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		CU_ASSERT_EQUAL(count_taps(), 0);
	}
	tl_run("rm -f %s %s", acl, inc);

	/* a tap root made: nobody may not detach it */
	expect_ok("attach", "{\"network\":\"" NET "\",\"tap\":\"rootp0\"}");
	{
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			gid_t g = 65534;

			if (setgroups(1, &g) < 0 || setresgid(65534, 65534, 65534) < 0 ||
			    setresuid(65534, 65534, 65534) < 0)
				_exit(10);
			r = call("detach", "{\"tap\":\"rootp0\"}");
			_exit(err_is(r, "EPERM", "another user") ? 0 : 1);
		}
		waitpid(pid, &st, 0);
		CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	CU_ASSERT_TRUE(link_exists("rootp0"));
	expect_ok("detach", "{\"tap\":\"rootp0\"}");
	CU_ASSERT_TRUE(wait_port_gone("rootp0", 3000));
	CU_ASSERT_EQUAL(count_taps(), 0);
}

/* vnetctl's attach, port list and detach against the real vnetd */
static void test_vnetctl(void)
{
	const char *b = getenv("VNET_TOP_BUILDDIR");
	char ctl[512];
	char *out;
	int st;

	snprintf(ctl, sizeof(ctl), "%s/tools/vnetctl --socket %s", b ? b : ".", vd.sock);
	out = tl_capture(&st, "%s attach " NET " --tap vc0 --mac 52:54:00:0c:0c:01 --owner nobody:nogroup "
			 "--vnet-hdr --isolated", ctl);
	CU_ASSERT_EQUAL(st, 0);
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "attached tap 'vc0' (mac 52:54:00:0c:0c:01) to network '" NET "'"));
	free(out);
	CU_ASSERT_EQUAL(tl_run("ip -d -j link show dev vc0 | jq -e '.[0].linkinfo.info_data.user == \"nobody\" and "
			       ".[0].linkinfo.info_slave_data.isolated == true' >/dev/null"), 0);
	out = tl_capture(&st, "%s port list " NET, ctl);
	CU_ASSERT_EQUAL(st, 0);
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "vc0") && strstr(out, "52:54:00:0c:0c:01") && strstr(out, "nobody"));
	free(out);
	CU_ASSERT_EQUAL(tl_run("%s detach vc0 >/dev/null && %s detach vc0 >/dev/null", ctl, ctl), 0);
	CU_ASSERT_FALSE(link_exists("vc0"));
	/* refusals come back as vnetctl's exit 1 with vnetd's words */
	out = tl_capture(&st, "%s attach nosuch 2>&1", ctl);
	CU_ASSERT_EQUAL(st, 1);
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "no network with name or bridge 'nosuch'"));
	free(out);
}

/*
 * vnet-bridge-helper as QEMU runs it, as nobody: returns the helper's exit
 * status, its stderr in @err, and the fd it handed over (or -1) in @tapfd.
 */
static int helper_as_nobody(const char *br, char *err, size_t errlen, int *tapfd)
{
	const char *b = getenv("VNET_TOP_BUILDDIR");
	int sp[2], ep[2], st;
	pid_t pid;
	ssize_t n;

	*tapfd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0 || pipe(ep) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char helper[512], fdarg[32], brarg[64], sockarg[160];
		gid_t g = 65534;

		close(sp[0]);
		close(ep[0]);
		dup2(ep[1], 2);
		if (setgroups(1, &g) < 0 || setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0)
			_exit(10);
		snprintf(helper, sizeof(helper), "%s/tools/vnet-bridge-helper", b ? b : ".");
		snprintf(fdarg, sizeof(fdarg), "--fd=%d", sp[1]);
		snprintf(brarg, sizeof(brarg), "--br=%s", br);
		snprintf(sockarg, sizeof(sockarg), "--socket=%s", vd.sock);
		execl(helper, helper, "--use-vnet", fdarg, brarg, sockarg, (char *)NULL);
		_exit(127);
	}
	close(sp[1]);
	close(ep[1]);
	{
		union {
			char b[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} cbuf;
		char byte;
		struct iovec iov = { &byte, 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.b,
				     .msg_controllen = sizeof(cbuf.b) };

		if (recvmsg(sp[0], &mh, MSG_CMSG_CLOEXEC) > 0) {
			struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

			if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
				memcpy(tapfd, CMSG_DATA(cm), sizeof(int));
		}
	}
	n = read(ep[0], err, errlen - 1);
	err[n > 0 ? n : 0] = '\0';
	close(ep[0]);
	close(sp[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_helper_unprivileged(void)
{
	char acl[256], err[1024], want[512];
	struct ifreq ifr = { 0 };
	int fd, st;

	snprintf(acl, sizeof(acl), "%s/etc/bridge.conf", vd.dir);
	tl_run("rm -f %s", acl);
	/* refused: the one line QEMU shows names the ACL file */
	st = helper_as_nobody(BR, err, sizeof(err), &fd);
	CU_ASSERT_EQUAL(st, 1);
	CU_ASSERT_EQUAL(fd, -1);
	snprintf(want, sizeof(want), "vnet-bridge-helper: access denied by %s: attaching to network '" NET "' is not allowed",
		 acl);
	if (!strstr(err, want))
		fprintf(stderr, "helper said: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));

	/* allowed: the fd QEMU would get is a vnet_hdr tap on the bridge */
	tl_run("echo 'allow " BR "' >%s", acl);
	st = helper_as_nobody(BR, err, sizeof(err), &fd);
	CU_ASSERT_EQUAL(st, 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(ioctl(fd, TUNGETIFF, &ifr), 0);
	CU_ASSERT_TRUE((ifr.ifr_flags & IFF_VNET_HDR) != 0);
	CU_ASSERT_EQUAL(tl_run("test \"$(ip -j link show dev %s | jq -r '.[0].master')\" = " BR, ifr.ifr_name), 0);
	CU_ASSERT_TRUE(frame_to_bridge(fd, 10));
	close(fd);
	CU_ASSERT_TRUE(wait_port_gone(ifr.ifr_name, 3000));

	/* no such network */
	st = helper_as_nobody("br9", err, sizeof(err), &fd);
	CU_ASSERT_EQUAL(st, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "vnet-bridge-helper: no network with bridge or name 'br9'"));
	tl_run("rm -f %s", acl);
}

static bool restart(void)
{
	vd_stop(&vd, SIGTERM);
	return vd_start(&vd);
}

/* 1,000 taps through the API, a restart in the middle of each half. */
static void test_thousand(void)
{
	enum { N = 1000, HELD = 10 };
	static char names[N][IFNAMSIZ];
	int fds[HELD], held_fd[16];
	char held[HELD][IFNAMSIZ];
	struct json_object *r;
	size_t n;
	int bad = 0;

	for (int i = 0; i < N; i++) {
		if (i == N / 2)
			CU_ASSERT_TRUE_FATAL(restart());
		r = call("attach", "{\"network\":\"" NET "\"}");
		if (!r || !tl_jget(r, "result")) {
			if (bad++ < 3)
				fprintf(stderr, "attach %d: %s\n", i, r ? json_object_to_json_string(r) : "no answer");
		} else {
			snprintf(names[i], IFNAMSIZ, "%s", tl_jstr(r, "result.tap"));
		}
		put(r);
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* some held by fds, as a hypervisor would */
	for (int i = 0; i < HELD; i++) {
		r = call_fds("attach", "{\"network\":\"" NET "\",\"return_fd\":true}", held_fd, 16, &n);
		CU_ASSERT_PTR_NOT_NULL(ok(r));
		CU_ASSERT_EQUAL(n, 1);
		fds[i] = n ? held_fd[0] : -1;
		snprintf(held[i], IFNAMSIZ, "%s", r ? tl_jstr(r, "result.tap") : "");
		put(r);
	}
	CU_ASSERT_EQUAL(port_count(NET, NULL, NULL), N + HELD);
	CU_ASSERT_EQUAL(count_taps(), N + HELD);
	CU_ASSERT_EQUAL(tl_run("test \"$(ip -j link show master " BR " type tun | jq length)\" = %d", N + HELD), 0);

	/* vnetd down; half the hypervisors quit meanwhile, one tap is deleted by hand */
	vd_stop(&vd, SIGTERM);
	for (int i = 0; i < HELD / 2; i++)
		close(fds[i]);
	CU_ASSERT_EQUAL(tl_run("ip link del %s", names[7]), 0);
	CU_ASSERT_TRUE_FATAL(vd_start(&vd));
	CU_ASSERT_EQUAL(port_count(NET, NULL, NULL), N - 1 + HELD / 2);
	{
		bool has;

		port_count(NET, held[0], &has);
		CU_ASSERT_FALSE(has);
		port_count(NET, held[HELD - 1], &has);
		CU_ASSERT_TRUE(has);
		port_count(NET, names[7], &has);
		CU_ASSERT_FALSE(has);
	}

	/* detach them all, a restart half-way */
	bad = 0;
	for (int i = 0; i < N; i++) {
		char p[64];

		if (i == N / 2)
			CU_ASSERT_TRUE_FATAL(restart());
		snprintf(p, sizeof(p), "{\"tap\":\"%s\"}", names[i]);
		r = call("detach", p);
		if (!r || !tl_jget(r, "result") ||
		    json_object_get_boolean(tl_jget(r, "result.detached")) != (i != 7))
			bad++;
		put(r);
	}
	CU_ASSERT_EQUAL(bad, 0);
	for (int i = HELD / 2; i < HELD; i++)
		close(fds[i]);
	CU_ASSERT_TRUE(wait_until(5000, "test \"$(ip -j link show type tun | jq length)\" = 0"));
	for (int i = 0; i < 100 && port_count(NET, NULL, NULL) != 0; i++)
		usleep(20 * 1000);
	CU_ASSERT_EQUAL(port_count(NET, NULL, NULL), 0);
	CU_ASSERT_EQUAL(count_taps(), 0);
	CU_ASSERT_EQUAL(tl_run("test -z \"$(ls %s/run/ports)\"", vd.dir), 0);
	/* and the daemon is fine */
	CU_ASSERT_TRUE(restart());
	CU_ASSERT_EQUAL(port_count(NET, NULL, NULL), 0);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "attach with return_fd", test_attach_fd },
		{ "attach persistent, detach", test_attach_persistent },
		{ "generated names skip links of any kind", test_attach_names },
		{ "attach refusals", test_attach_errors },
		{ "ACL for other users", test_acl },
		{ "vnetctl attach, port list, detach", test_vnetctl },
		{ "vnet-bridge-helper as another user", test_helper_unprivileged },
		{ "1000 taps across restarts", test_thousand },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "vnetd attach", suite_init, suite_clean, NULL, NULL, tests },
		CU_SUITE_INFO_NULL,
	};

	tl_init_root();
	return tl_run_suites(suites);
}
