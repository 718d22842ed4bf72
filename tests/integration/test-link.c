/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Links against the real kernel, each test in namespaces of its own: create
 * every kind, read it back through libvnet and through `ip -d -j` /
 * `bridge -j`, ensure twice, delete twice, and send real traffic.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <vnet/vnet.h>

#include "testlib.h"

static char ns_path[128];
static const char *ns;   /* the namespace the main context works in */
static struct vnet_ctx *ctx;

static struct vnet_ctx *ctx_for(const char *name)
{
	struct vnet_ctx *c = NULL;
	char path[128];

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	CU_ASSERT_FATAL(vnet_ctx_new(&c, path, NULL) == 0);
	return c;
}

static bool link_exists(const char *netns, const char *dev)
{
	struct json_object *o = tl_ip_link(netns, dev);

	json_object_put(o);
	return o != NULL;
}

/* Count RTM_NEWLINK/DELLINK events in @netns while @fn runs. */
static int link_events_during(const char *netns, void (*fn)(void *), void *arg)
{
	char file[] = "/tmp/vnet-monXXXXXX", pidfile[64];
	int fd = mkstemp(file), n;
	char *out;

	close(fd);
	snprintf(pidfile, sizeof(pidfile), "%s.pid", file);
	/* Give the monitor time to subscribe (slow under emulation), then stop it by its pid. */
	tl_run("timeout 30 ip -n %s -o monitor link > %s 2>/dev/null & echo $! > %s; sleep 1",
	       netns, file, pidfile);
	fn(arg);
	tl_run("sleep 1; kill $(cat %s); sleep 0.2", pidfile);
	out = tl_capture(NULL, "grep -c . %s", file);
	n = out ? atoi(out) : -1;
	free(out);
	unlink(file);
	unlink(pidfile);
	return n;
}

/* ---- bridge ---------------------------------------------------------- */

static void ensure_bridge(void *arg)
{
	CU_ASSERT_EQUAL(vnet_bridge_ensure(ctx, arg), 0);
}

static void test_bridge(void)
{
	char name[32], macs[VNET_MAC_STRLEN];
	struct vnet_bridge_spec spec;
	struct vnet_link_info info;
	struct json_object *o;
	uint8_t mac[6];
	int ifindex;

	snprintf(name, sizeof(name), "%s", tl_name("br"));
	vnet_bridge_spec_init(&spec, name);
	spec.stp = VNET_OFF;
	spec.forward_delay_ms = 0;
	spec.ageing_time_s = 120;
	spec.mtu = 1400;
	CU_ASSERT_EQUAL_FATAL(vnet_bridge_ensure(ctx, &spec), 0);

	CU_ASSERT_EQUAL_FATAL(vnet_link_get(ctx, name, &info), 0);
	vnet_mac_from_name(name, mac);
	CU_ASSERT_EQUAL(info.kind, VNET_LINK_BRIDGE);
	CU_ASSERT_STRING_EQUAL(info.kind_name, "bridge");
	CU_ASSERT_EQUAL(memcmp(info.mac, mac, 6), 0);
	CU_ASSERT_EQUAL(info.mtu, 1400);
	CU_ASSERT_FALSE(info.u.bridge.stp);
	CU_ASSERT_EQUAL(info.u.bridge.forward_delay_ms, 0);
	CU_ASSERT_EQUAL(info.u.bridge.ageing_time_s, 120);
	ifindex = info.ifindex;

	o = tl_ip_link(ns, name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "linkinfo.info_kind"), "bridge");
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "address"), vnet_mac_format(mac, macs));
	CU_ASSERT_EQUAL(tl_jint(o, "mtu"), 1400);
	CU_ASSERT_EQUAL(tl_jint(o, "linkinfo.info_data.stp_state"), 0);
	CU_ASSERT_EQUAL(tl_jint(o, "linkinfo.info_data.forward_delay"), 0);
	CU_ASSERT_EQUAL(tl_jint(o, "linkinfo.info_data.ageing_time"), 12000);
	CU_ASSERT_EQUAL(tl_jint(o, "ifindex"), ifindex);
	json_object_put(o);

	/* Ensuring again sends nothing: no link event at all. */
	CU_ASSERT_EQUAL(link_events_during(ns, ensure_bridge, &spec), 0);
	CU_ASSERT_EQUAL(vnet_link_get(ctx, name, &info), 0);
	CU_ASSERT_EQUAL(info.ifindex, ifindex);

	/* A different spec changes the same link in place. */
	spec.mtu = 1300;
	spec.stp = VNET_ON;
	spec.forward_delay_ms = 4000;
	spec.has_mac = true;
	memcpy(spec.mac, "\x52\x54\x00\x12\x34\x56", 6);
	/* The monitor does see a real change (so the 0 above means something). */
	CU_ASSERT(link_events_during(ns, ensure_bridge, &spec) > 0);
	o = tl_ip_link(ns, name);
	CU_ASSERT_EQUAL(tl_jint(o, "ifindex"), ifindex);
	CU_ASSERT_EQUAL(tl_jint(o, "mtu"), 1300);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "address"), "52:54:00:12:34:56");
	CU_ASSERT_EQUAL(tl_jint(o, "linkinfo.info_data.stp_state"), 1);
	CU_ASSERT_EQUAL(tl_jint(o, "linkinfo.info_data.forward_delay"), 400);
	json_object_put(o);
	CU_ASSERT_EQUAL(vnet_link_get(ctx, name, &info), 0);
	CU_ASSERT_TRUE(info.u.bridge.stp);
	CU_ASSERT_EQUAL(info.u.bridge.forward_delay_ms, 4000);

	CU_ASSERT_EQUAL(vnet_link_delete(ctx, name), 0);
	CU_ASSERT_FALSE(link_exists(ns, name));
	CU_ASSERT_EQUAL(vnet_link_delete(ctx, name), 0);
	CU_ASSERT_EQUAL(vnet_link_get(ctx, name, &info), -ENODEV);
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "does not exist"));
}

static void test_bridge_mac_fixed(void)
{
	char br[32], port[32], peer[32], macs[VNET_MAC_STRLEN];
	struct vnet_bridge_spec spec;
	struct vnet_veth_spec veth;
	struct json_object *o;
	uint8_t mac[6];

	snprintf(br, sizeof(br), "%s", tl_name("br"));
	snprintf(port, sizeof(port), "%s", tl_name("vp"));
	snprintf(peer, sizeof(peer), "%s", tl_name("vq"));
	vnet_bridge_spec_init(&spec, br);
	CU_ASSERT_EQUAL_FATAL(vnet_bridge_ensure(ctx, &spec), 0);
	vnet_veth_spec_init(&veth, port, peer);
	veth.has_mac = true;
	memcpy(veth.mac, "\x02\x00\x00\x00\x00\x01", 6); /* lower than the bridge's 52: */
	CU_ASSERT_EQUAL_FATAL(vnet_veth_ensure(ctx, &veth), 0);
	CU_ASSERT_EQUAL(vnet_port_enslave(ctx, port, br), 0);
	o = tl_ip_link(ns, br);
	vnet_mac_from_name(br, mac);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "address"), vnet_mac_format(mac, macs));
	json_object_put(o);
	vnet_link_delete(ctx, port);
	vnet_link_delete(ctx, br);
}

static void test_wrong_kind(void)
{
	char name[32], peer[32], want[128];
	struct vnet_bridge_spec spec;
	struct vnet_veth_spec veth;
	struct vnet_link_info info;

	snprintf(name, sizeof(name), "%s", tl_name("vw"));
	snprintf(peer, sizeof(peer), "%s", tl_name("vx"));
	vnet_veth_spec_init(&veth, name, peer);
	CU_ASSERT_EQUAL_FATAL(vnet_veth_ensure(ctx, &veth), 0);
	vnet_bridge_spec_init(&spec, name);
	CU_ASSERT_EQUAL(vnet_bridge_ensure(ctx, &spec), -EEXIST);
	snprintf(want, sizeof(want), "link '%s' exists and is a veth, not a bridge", name);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), want);
	CU_ASSERT_EQUAL(vnet_link_get(ctx, name, &info), 0);
	CU_ASSERT_EQUAL(info.kind, VNET_LINK_VETH);

	/* Enslaving to a veth is refused. */
	CU_ASSERT_EQUAL(vnet_port_enslave(ctx, peer, name), -ENOTTY);
	snprintf(want, sizeof(want), "link '%s' is a veth, not a bridge", name);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), want);
	CU_ASSERT_EQUAL(vnet_port_enslave(ctx, peer, "lo"), -ENOTTY);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "link 'lo' is a device without a kind, not a bridge");
	/* And flags on a link that is no port. */
	struct vnet_port_flags fl = { .isolated = VNET_ON };
	CU_ASSERT_EQUAL(vnet_port_set_flags(ctx, peer, &fl), -ENOTCONN);
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "not a bridge port"));
	vnet_link_delete(ctx, name);
}

/* ---- veth ------------------------------------------------------------ */

static void test_veth(void)
{
	char name[32], peer[32], peer_path[128], macs[VNET_MAC_STRLEN];
	const char *ns2 = NULL;
	struct vnet_veth_spec spec;
	struct vnet_link_info info;
	struct json_object *o;
	char ns2b[32];
	int ifindex;

	snprintf(ns2b, sizeof(ns2b), "%s", tl_netns_add("lp"));
	ns2 = ns2b;
	snprintf(peer_path, sizeof(peer_path), "/run/netns/%s", ns2);
	snprintf(name, sizeof(name), "%s", tl_name("ve"));
	snprintf(peer, sizeof(peer), "%s", tl_name("vf"));
	vnet_veth_spec_init(&spec, name, peer);
	spec.peer_netns = peer_path;
	spec.has_mac = spec.has_peer_mac = true;
	memcpy(spec.mac, "\x52\x54\x00\x00\x00\x0a", 6);
	memcpy(spec.peer_mac, "\x52\x54\x00\x00\x00\x0b", 6);
	spec.mtu = 9000;
	CU_ASSERT_EQUAL_FATAL(vnet_veth_ensure(ctx, &spec), 0);

	CU_ASSERT_EQUAL_FATAL(vnet_link_get(ctx, name, &info), 0);
	CU_ASSERT_EQUAL(info.kind, VNET_LINK_VETH);
	CU_ASSERT_EQUAL(info.mtu, 9000);
	CU_ASSERT_STRING_EQUAL(vnet_mac_format(info.mac, macs), "52:54:00:00:00:0a");
	ifindex = info.ifindex;
	CU_ASSERT_FALSE(link_exists(ns, peer));
	o = tl_ip_link(ns2, peer);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "linkinfo.info_kind"), "veth");
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "address"), "52:54:00:00:00:0b");
	CU_ASSERT_EQUAL(tl_jint(o, "mtu"), 9000);
	CU_ASSERT_EQUAL(tl_jint(o, "link_index"), ifindex);
	json_object_put(o);

	/* Twice: same link, no error; then a change of MTU reaches both ends. */
	CU_ASSERT_EQUAL(vnet_veth_ensure(ctx, &spec), 0);
	CU_ASSERT_EQUAL(vnet_link_get(ctx, name, &info), 0);
	CU_ASSERT_EQUAL(info.ifindex, ifindex);
	spec.mtu = 1450;
	CU_ASSERT_EQUAL(vnet_veth_ensure(ctx, &spec), 0);
	o = tl_ip_link(ns2, peer);
	CU_ASSERT_EQUAL(tl_jint(o, "mtu"), 1450);
	json_object_put(o);
	o = tl_ip_link(ns, name);
	CU_ASSERT_EQUAL(tl_jint(o, "mtu"), 1450);
	json_object_put(o);

	/* The same name with another peer is refused. */
	spec.peer = "nosuchpeer";
	CU_ASSERT_EQUAL(vnet_veth_ensure(ctx, &spec), -EEXIST);
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "its peer is not 'nosuchpeer'"));

	CU_ASSERT_EQUAL(vnet_link_delete(ctx, name), 0);
	CU_ASSERT_EQUAL(vnet_link_delete(ctx, name), 0);
	CU_ASSERT_FALSE(link_exists(ns2, peer));
}

/* ---- tap ------------------------------------------------------------- */

static void test_tap_persistent(void)
{
	char name[32], macs[VNET_MAC_STRLEN];
	struct vnet_tap_spec spec;
	struct vnet_link_info info;
	struct json_object *o;
	int ifindex, fd, fd2;

	snprintf(name, sizeof(name), "%s", tl_name("tp"));
	vnet_tap_spec_init(&spec, name);
	spec.owner = 65534;
	spec.group = 65534;
	spec.vnet_hdr = true;
	spec.has_mac = true;
	memcpy(spec.mac, "\x52\x54\x00\xaa\x00\x01", 6);
	spec.mtu = 1280;
	CU_ASSERT_EQUAL_FATAL(vnet_tap_ensure(ctx, &spec, NULL), 0);

	CU_ASSERT_EQUAL_FATAL(vnet_link_get(ctx, name, &info), 0);
	CU_ASSERT_EQUAL(info.kind, VNET_LINK_TAP);
	CU_ASSERT_STRING_EQUAL(info.kind_name, "tun");
	CU_ASSERT_TRUE(info.u.tap.persistent);
	CU_ASSERT_TRUE(info.u.tap.vnet_hdr);
	CU_ASSERT_FALSE(info.u.tap.multi_queue);
	CU_ASSERT_EQUAL(info.u.tap.owner, 65534);
	CU_ASSERT_EQUAL(info.u.tap.group, 65534);
	CU_ASSERT_EQUAL(info.mtu, 1280);
	CU_ASSERT_STRING_EQUAL(vnet_mac_format(info.mac, macs), "52:54:00:aa:00:01");
	ifindex = info.ifindex;

	o = tl_ip_link(ns, name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "linkinfo.info_kind"), "tun");
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "linkinfo.info_data.type"), "tap");
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(o, "linkinfo.info_data.persist")));
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(o, "linkinfo.info_data.vnet_hdr")));
	CU_ASSERT_FALSE(json_object_get_boolean(tl_jget(o, "linkinfo.info_data.pi")));
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "linkinfo.info_data.user"), "nobody");
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "address"), "52:54:00:aa:00:01");
	CU_ASSERT_EQUAL(tl_jint(o, "mtu"), 1280);
	json_object_put(o);

	CU_ASSERT_EQUAL(vnet_tap_ensure(ctx, &spec, NULL), 0);
	CU_ASSERT_EQUAL(vnet_link_get(ctx, name, &info), 0);
	CU_ASSERT_EQUAL(info.ifindex, ifindex);

	/* A "VM" holds the queue; ensuring again (without fds) still works and fixes the MTU. */
	CU_ASSERT_EQUAL_FATAL(vnet_tap_ensure(ctx, &spec, &fd), 0);
	spec.mtu = 1400;
	CU_ASSERT_EQUAL(vnet_tap_ensure(ctx, &spec, NULL), 0);
	CU_ASSERT_EQUAL(vnet_link_get(ctx, name, &info), 0);
	CU_ASSERT_EQUAL(info.mtu, 1400);
	CU_ASSERT_EQUAL(info.u.tap.queues, 1);
	/* But a second holder of a single-queue tap is refused plainly. */
	CU_ASSERT_EQUAL(vnet_tap_ensure(ctx, &spec, &fd2), -EBUSY);
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "is busy"));
	close(fd);

	CU_ASSERT_EQUAL(vnet_link_delete(ctx, name), 0);
	CU_ASSERT_EQUAL(vnet_link_delete(ctx, name), 0);
	CU_ASSERT_FALSE(link_exists(ns, name));
}

static void test_tap_multiqueue(void)
{
	struct vnet_tap_spec spec;
	struct vnet_link_info info;
	struct json_object *o;
	int fds[4];
	char name[32];

	snprintf(name, sizeof(name), "%s", tl_name("tq"));
	vnet_tap_spec_init(&spec, name);
	spec.persistent = false;
	spec.queues = 4;
	CU_ASSERT_EQUAL_FATAL(vnet_tap_ensure(ctx, &spec, fds), 0);
	CU_ASSERT_EQUAL(vnet_link_get(ctx, name, &info), 0);
	CU_ASSERT_TRUE(info.u.tap.multi_queue);
	CU_ASSERT_FALSE(info.u.tap.persistent);
	CU_ASSERT_EQUAL(info.u.tap.queues, 4);
	o = tl_ip_link(ns, name);
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(o, "linkinfo.info_data.multi_queue")));
	CU_ASSERT_EQUAL(tl_jint(o, "linkinfo.info_data.numqueues"), 4);
	json_object_put(o);
	/* Not persistent: it lives as long as its queues. */
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	CU_ASSERT_FALSE(link_exists(ns, name));
}

/* A message to compare against, printf-style (one at a time). */
static const char *msgf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *msgf(const char *fmt, ...)
{
	static char b[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	return b;
}

static bool has_flag(struct json_object *o, const char *flag)
{
	struct json_object *f = tl_jget(o, "flags");

	for (size_t i = 0; f && i < json_object_array_length(f); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(f, i)), flag))
			return true;
	return false;
}

static void ensure_persistent_tap(void *arg)
{
	CU_ASSERT_EQUAL(vnet_tap_ensure(ctx, arg, NULL), 0);
}

/* One request makes the tap a port of its bridge, up, with the bridge's MTU. */
static void test_tap_master_up(void)
{
	char tap[32], tap2[32], br[32], macs[VNET_MAC_STRLEN];
	struct vnet_bridge_spec brs;
	struct vnet_tap_spec spec;
	struct vnet_link_info info;
	struct json_object *o;
	int fds[2], fds2[2] = { -1, -1 }, ifindex = 0, again = 0;

	snprintf(tap, sizeof(tap), "%s", tl_name("tm"));
	snprintf(tap2, sizeof(tap2), "%s", tl_name("tm"));
	snprintf(br, sizeof(br), "%s", tl_name("bm"));
	vnet_bridge_spec_init(&brs, br);
	brs.mtu = 1450;
	CU_ASSERT_EQUAL_FATAL(vnet_bridge_ensure(ctx, &brs), 0);

	vnet_tap_spec_init(&spec, tap);
	spec.persistent = false;
	spec.queues = 2;
	spec.has_mac = true;
	memcpy(spec.mac, "\x52\x54\x00\xbb\x00\x01", 6);
	spec.master = br;
	spec.up = true;
	spec.exclusive = true;
	CU_ASSERT_EQUAL_FATAL(vnet_tap_ensure_ifindex(ctx, &spec, fds, &ifindex), 0);

	/* read back through libvnet and through ip */
	CU_ASSERT_EQUAL_FATAL(vnet_link_get(ctx, tap, &info), 0);
	CU_ASSERT_EQUAL(info.ifindex, ifindex);
	CU_ASSERT_EQUAL(info.kind, VNET_LINK_TAP);
	CU_ASSERT_STRING_EQUAL(info.master, br);
	CU_ASSERT_TRUE(info.up);
	CU_ASSERT_TRUE(info.is_bridge_port);
	CU_ASSERT_EQUAL(info.mtu, 1450);  /* mtu 0 with a master: the master's */
	CU_ASSERT_EQUAL(info.u.tap.queues, 2);
	CU_ASSERT_STRING_EQUAL(vnet_mac_format(info.mac, macs), "52:54:00:bb:00:01");
	o = tl_ip_link(ns, tap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(tl_jint(o, "ifindex"), ifindex);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "master"), br);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "linkinfo.info_slave_kind"), "bridge");
	CU_ASSERT_TRUE(has_flag(o, "UP"));
	CU_ASSERT_EQUAL(tl_jint(o, "mtu"), 1450);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "address"), "52:54:00:bb:00:01");
	CU_ASSERT_FALSE(json_object_get_boolean(tl_jget(o, "linkinfo.info_data.persist")));
	CU_ASSERT_EQUAL(tl_jint(o, "linkinfo.info_data.numqueues"), 2);
	json_object_put(o);

	/* exclusive: a name any link has is refused, and nothing changes */
	spec.has_mac = false;
	spec.mtu = 1300;
	CU_ASSERT_EQUAL(vnet_tap_ensure_ifindex(ctx, &spec, fds2, &again), -EEXIST);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), msgf("link '%s' already exists (a tap)", tap));
	CU_ASSERT_EQUAL(again, 0);
	CU_ASSERT_EQUAL(fds2[0], -1);
	CU_ASSERT_EQUAL(vnet_link_get(ctx, tap, &info), 0);
	CU_ASSERT_EQUAL(info.mtu, 1450);
	CU_ASSERT_EQUAL(info.u.tap.queues, 2);
	spec.name = br;
	CU_ASSERT_EQUAL(vnet_tap_ensure(ctx, &spec, fds2), -EEXIST);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), msgf("link '%s' already exists (a bridge)", br));
	for (int i = 0; i < 2; i++)
		close(fds[i]);
	CU_ASSERT_FALSE(link_exists(ns, tap));

	/* persistent and not exclusive: ensuring twice changes nothing, and says the same ifindex */
	vnet_tap_spec_init(&spec, tap2);
	spec.master = br;
	spec.up = true;
	CU_ASSERT_EQUAL_FATAL(vnet_tap_ensure_ifindex(ctx, &spec, NULL, &ifindex), 0);
	/* the kernel's own late events of a new port (link watch, up to 1 s) are not ours */
	tl_run("sleep 1.5");
	CU_ASSERT_EQUAL(link_events_during(ns, ensure_persistent_tap, &spec), 0);
	CU_ASSERT_EQUAL(vnet_tap_ensure_ifindex(ctx, &spec, NULL, &again), 0);
	CU_ASSERT_EQUAL(again, ifindex);
	/* taken off its bridge and down behind our back: one ensure puts it back */
	CU_ASSERT_EQUAL(tl_run("ip -n %s link set %s nomaster down", ns, tap2), 0);
	CU_ASSERT_EQUAL(vnet_tap_ensure(ctx, &spec, NULL), 0);
	o = tl_ip_link(ns, tap2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "master"), br);
	CU_ASSERT_TRUE(has_flag(o, "UP"));
	json_object_put(o);
	CU_ASSERT_EQUAL(vnet_link_delete(ctx, tap2), 0);
	CU_ASSERT_EQUAL(vnet_link_delete(ctx, br), 0);
}

/* A master that is missing or not a bridge is refused before a tap is made. */
static void test_tap_bad_master(void)
{
	char tap[32], other[32];
	struct vnet_tap_spec spec;
	int fd = -1;

	snprintf(tap, sizeof(tap), "%s", tl_name("tb"));
	snprintf(other, sizeof(other), "%s", tl_name("to"));
	vnet_tap_spec_init(&spec, tap);
	spec.master = "nosuchbr0";
	spec.up = true;
	CU_ASSERT_EQUAL(vnet_tap_ensure(ctx, &spec, NULL), -ENODEV);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "tap master 'nosuchbr0' does not exist");
	CU_ASSERT_FALSE(link_exists(ns, tap));

	/* a tap is no bridge, and the kernel would not say so in these words */
	vnet_tap_spec_init(&spec, other);
	CU_ASSERT_EQUAL_FATAL(vnet_tap_ensure(ctx, &spec, NULL), 0);
	vnet_tap_spec_init(&spec, tap);
	spec.persistent = false;
	spec.exclusive = true;
	spec.master = other;
	CU_ASSERT_EQUAL(vnet_tap_ensure(ctx, &spec, &fd), -ENOTTY);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), msgf("tap master '%s' is a tap, not a bridge", other));
	CU_ASSERT_EQUAL(fd, -1);
	CU_ASSERT_FALSE(link_exists(ns, tap));
	CU_ASSERT_EQUAL(vnet_link_delete(ctx, other), 0);
}

/* An ARP request for @tpa from @sha/@spa, as a tap would receive it from a guest. */
static size_t arp_request(uint8_t *f, const uint8_t sha[6], uint32_t spa, uint32_t tpa)
{
	memset(f, 0xff, 6);
	memcpy(f + 6, sha, 6);
	f[12] = 0x08, f[13] = 0x06;
	f[14] = 0, f[15] = 1, f[16] = 0x08, f[17] = 0, f[18] = 6, f[19] = 4, f[20] = 0, f[21] = 1;
	memcpy(f + 22, sha, 6);
	memcpy(f + 28, &spa, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, &tpa, 4);
	return 42;
}

static void test_tap_traffic(void)
{
	static const uint8_t guest[6] = { 0x52, 0x54, 0x00, 0x77, 0x00, 0x01 };
	char tap[32], br[32], va[32], vb[32], peer_path[128], nsb[32];
	struct vnet_bridge_spec brs;
	struct vnet_veth_spec veth;
	struct vnet_tap_spec spec;
	uint8_t frame[1600];
	bool replied = false;
	int fd;

	snprintf(nsb, sizeof(nsb), "%s", tl_netns_add("lt"));
	snprintf(peer_path, sizeof(peer_path), "/run/netns/%s", nsb);
	snprintf(tap, sizeof(tap), "%s", tl_name("tt"));
	snprintf(br, sizeof(br), "%s", tl_name("bt"));
	snprintf(va, sizeof(va), "%s", tl_name("va"));
	snprintf(vb, sizeof(vb), "%s", tl_name("vb"));

	vnet_bridge_spec_init(&brs, br);
	CU_ASSERT_EQUAL_FATAL(vnet_bridge_ensure(ctx, &brs), 0);
	vnet_tap_spec_init(&spec, tap);
	spec.persistent = false;
	CU_ASSERT_EQUAL_FATAL(vnet_tap_ensure(ctx, &spec, &fd), 0);
	vnet_veth_spec_init(&veth, va, vb);
	veth.peer_netns = peer_path;
	CU_ASSERT_EQUAL_FATAL(vnet_veth_ensure(ctx, &veth), 0);
	CU_ASSERT_EQUAL(vnet_port_enslave(ctx, tap, br), 0);
	CU_ASSERT_EQUAL(vnet_port_enslave(ctx, va, br), 0);
	CU_ASSERT_EQUAL(vnet_port_enslave(ctx, va, br), 0); /* twice is fine */
	CU_ASSERT_EQUAL(vnet_link_set_up(ctx, br, true), 0);
	CU_ASSERT_EQUAL(vnet_link_set_up(ctx, tap, true), 0);
	CU_ASSERT_EQUAL(vnet_link_set_up(ctx, va, true), 0);
	CU_ASSERT_EQUAL(tl_run("ip -n %s addr add 10.77.0.2/24 dev %s && ip -n %s link set %s up",
			       nsb, vb, nsb, vb), 0);

	/* The "guest" behind the tap asks who has 10.77.0.2; the host in nsb must answer. */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (int attempt = 0; attempt < 30 && !replied; attempt++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		size_t n = arp_request(frame, guest, inet_addr("10.77.0.1"), inet_addr("10.77.0.2"));

		CU_ASSERT_EQUAL((size_t)write(fd, frame, n), n);
		while (poll(&p, 1, 200) > 0) {
			ssize_t got = read(fd, frame, sizeof(frame));

			if (got >= 42 && !memcmp(frame, guest, 6) && frame[12] == 0x08 &&
			    frame[13] == 0x06 && frame[21] == 2 &&
			    !memcmp(frame + 28, &(uint32_t){ inet_addr("10.77.0.2") }, 4))
				replied = true;
		}
	}
	CU_ASSERT_TRUE(replied);
	/* The bridge learnt the guest's MAC on the tap port. */
	CU_ASSERT_EQUAL(tl_run("bridge -n %s fdb show dev %s | grep -q 52:54:00:77:00:01", ns, tap), 0);
	close(fd);
	CU_ASSERT_FALSE(link_exists(ns, tap));
	vnet_link_delete(ctx, va);
	vnet_link_delete(ctx, br);
}

/* ---- bridge ports and traffic ---------------------------------------- */

static void test_bridge_ping_and_flags(void)
{
	char br[32], a[32], ap[32], b[32], bp[32], nsa[32], nsb[32], path[128];
	struct vnet_bridge_spec brs;
	struct vnet_veth_spec veth;
	struct vnet_port_flags fl;
	struct vnet_link_info info;
	struct json_object *o;

	snprintf(nsa, sizeof(nsa), "%s", tl_netns_add("la"));
	snprintf(nsb, sizeof(nsb), "%s", tl_netns_add("lb"));
	snprintf(br, sizeof(br), "%s", tl_name("bp"));
	snprintf(a, sizeof(a), "%s", tl_name("pa"));
	snprintf(ap, sizeof(ap), "%s", tl_name("qa"));
	snprintf(b, sizeof(b), "%s", tl_name("pb"));
	snprintf(bp, sizeof(bp), "%s", tl_name("qb"));

	vnet_bridge_spec_init(&brs, br);
	CU_ASSERT_EQUAL_FATAL(vnet_bridge_ensure(ctx, &brs), 0);
	vnet_veth_spec_init(&veth, a, ap);
	snprintf(path, sizeof(path), "/run/netns/%s", nsa);
	veth.peer_netns = path;
	CU_ASSERT_EQUAL_FATAL(vnet_veth_ensure(ctx, &veth), 0);
	vnet_veth_spec_init(&veth, b, bp);
	snprintf(path, sizeof(path), "/run/netns/%s", nsb);
	veth.peer_netns = path;
	CU_ASSERT_EQUAL_FATAL(vnet_veth_ensure(ctx, &veth), 0);
	CU_ASSERT_EQUAL(vnet_port_enslave(ctx, a, br), 0);
	CU_ASSERT_EQUAL(vnet_port_enslave(ctx, b, br), 0);
	CU_ASSERT_EQUAL(vnet_link_set_up(ctx, br, true), 0);
	CU_ASSERT_EQUAL(vnet_link_set_up(ctx, a, true), 0);
	CU_ASSERT_EQUAL(vnet_link_set_up(ctx, b, true), 0);
	CU_ASSERT_EQUAL(vnet_link_get(ctx, a, &info), 0);
	CU_ASSERT_TRUE(info.up);
	CU_ASSERT_TRUE(info.is_bridge_port);
	CU_ASSERT_STRING_EQUAL(info.master, br);
	CU_ASSERT_TRUE(info.port.learning);
	CU_ASSERT_FALSE(info.port.isolated);
	CU_ASSERT_EQUAL(tl_run("ip -n %s addr add 10.78.0.1/24 dev %s && ip -n %s link set %s up && "
			       "ip -n %s addr add 10.78.0.2/24 dev %s && ip -n %s link set %s up",
			       nsa, ap, nsa, ap, nsb, bp, nsb, bp), 0);
	CU_ASSERT_EQUAL(tl_run("ip netns exec %s busybox ping -c 2 -W 2 10.78.0.2 >/dev/null", nsa), 0);

	/* Flags read back both ways. */
	fl = (struct vnet_port_flags){ .isolated = VNET_ON, .learning = VNET_OFF, .hairpin = VNET_ON };
	CU_ASSERT_EQUAL(vnet_port_set_flags(ctx, a, &fl), 0);
	CU_ASSERT_EQUAL(vnet_link_get(ctx, a, &info), 0);
	CU_ASSERT_TRUE(info.port.isolated);
	CU_ASSERT_FALSE(info.port.learning);
	CU_ASSERT_TRUE(info.port.hairpin);
	o = tl_ip_link(ns, a);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "linkinfo.info_slave_kind"), "bridge");
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(o, "linkinfo.info_slave_data.isolated")));
	CU_ASSERT_FALSE(json_object_get_boolean(tl_jget(o, "linkinfo.info_slave_data.learning")));
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(o, "linkinfo.info_slave_data.hairpin")));
	json_object_put(o);

	/* Two isolated ports cannot talk. */
	fl = (struct vnet_port_flags){ .isolated = VNET_ON };
	CU_ASSERT_EQUAL(vnet_port_set_flags(ctx, b, &fl), 0);
	CU_ASSERT_EQUAL(vnet_port_set_flags(ctx, b, &fl), 0);
	CU_ASSERT_NOT_EQUAL(tl_run("ip -n %s neigh flush all; ip netns exec %s busybox ping -c 2 -W 1 10.78.0.2 >/dev/null 2>&1",
				   nsa, nsa), 0);
	fl.isolated = VNET_OFF;
	CU_ASSERT_EQUAL(vnet_port_set_flags(ctx, b, &fl), 0);
	CU_ASSERT_EQUAL(tl_run("ip netns exec %s busybox ping -c 2 -W 2 10.78.0.2 >/dev/null", nsa), 0);

	/* Release: no master any more; twice is fine. */
	CU_ASSERT_EQUAL(vnet_port_release(ctx, a), 0);
	CU_ASSERT_EQUAL(vnet_port_release(ctx, a), 0);
	CU_ASSERT_EQUAL(vnet_link_get(ctx, a, &info), 0);
	CU_ASSERT_EQUAL(info.master_ifindex, 0);
	CU_ASSERT_FALSE(info.is_bridge_port);
	o = tl_ip_link(ns, a);
	CU_ASSERT_PTR_NULL(tl_jget(o, "master"));
	json_object_put(o);

	vnet_link_delete(ctx, a);
	vnet_link_delete(ctx, b);
	vnet_link_delete(ctx, br);
}

/* ---- vxlan ----------------------------------------------------------- */

static void vxlan_side(struct vnet_ctx *c, const char *netns, const char *vx, const char *under,
		       const char *local, const char *remote, const char *overlay)
{
	struct vnet_vxlan_spec spec;
	struct vnet_link_info info;
	struct vnet_fdb_entry *e;
	struct vnet_prefix dst;
	static const uint8_t zero[6];
	struct json_object *o;
	size_t n, n2;

	vnet_vxlan_spec_init(&spec, vx, 4242);
	spec.has_local = true;
	CU_ASSERT_EQUAL(vnet_addr_parse("local", local, &spec.local, NULL), 0);
	spec.dev = under;
	spec.learning = VNET_OFF;
	spec.ttl = 64;
	spec.mtu = 1450;
	CU_ASSERT_EQUAL_FATAL(vnet_vxlan_ensure(c, &spec), 0);
	CU_ASSERT_EQUAL(vnet_vxlan_ensure(c, &spec), 0);
	CU_ASSERT_EQUAL(vnet_addr_parse("dst", remote, &dst, NULL), 0);
	CU_ASSERT_EQUAL(vnet_fdb_append(c, vx, zero, &dst), 0);
	CU_ASSERT_EQUAL(vnet_fdb_list(c, vx, &e, &n), 0);
	free(e);
	CU_ASSERT_EQUAL(vnet_fdb_append(c, vx, zero, &dst), 0);
	CU_ASSERT_EQUAL(vnet_fdb_list(c, vx, &e, &n2), 0);
	CU_ASSERT_EQUAL(n, n2);
	{
		bool found = false;

		for (size_t i = 0; i < n2; i++)
			if (!memcmp(e[i].mac, zero, 6) && e[i].has_dst &&
			    vnet_prefix_equal(&e[i].dst, &dst) && e[i].permanent)
				found = true;
		CU_ASSERT_TRUE(found);
	}
	free(e);

	CU_ASSERT_EQUAL(vnet_link_get(c, vx, &info), 0);
	CU_ASSERT_EQUAL(info.kind, VNET_LINK_VXLAN);
	CU_ASSERT_EQUAL(info.u.vxlan.vni, 4242);
	CU_ASSERT_EQUAL(info.u.vxlan.dstport, 4789);
	CU_ASSERT_FALSE(info.u.vxlan.learning);
	CU_ASSERT_EQUAL(info.u.vxlan.ttl, 64);
	CU_ASSERT_TRUE(info.u.vxlan.has_local);
	CU_ASSERT_TRUE(vnet_prefix_equal(&info.u.vxlan.local, &spec.local));
	CU_ASSERT_EQUAL(info.u.vxlan.dev_ifindex, vnet_link_get(c, under, &info) == 0 ? info.ifindex : -1);

	o = tl_ip_link(netns, vx);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "linkinfo.info_kind"), "vxlan");
	CU_ASSERT_EQUAL(tl_jint(o, "linkinfo.info_data.id"), 4242);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "linkinfo.info_data.local"), local);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "linkinfo.info_data.link"), under);
	CU_ASSERT_EQUAL(tl_jint(o, "linkinfo.info_data.port"), 4789);
	CU_ASSERT_EQUAL(tl_jint(o, "linkinfo.info_data.ttl"), 64);
	CU_ASSERT_FALSE(json_object_get_boolean(tl_jget(o, "linkinfo.info_data.learning")));
	CU_ASSERT_EQUAL(tl_jint(o, "mtu"), 1450);
	json_object_put(o);
	CU_ASSERT_EQUAL(tl_run("bridge -n %s -j fdb show dev %s | jq -e '.[] | select(.mac == \"00:00:00:00:00:00\" and .dst == \"%s\")' >/dev/null",
			       netns, vx, remote), 0);

	CU_ASSERT_EQUAL(vnet_link_set_up(c, vx, true), 0);
	CU_ASSERT_EQUAL(tl_run("ip -n %s addr add %s dev %s", netns, overlay, vx), 0);
}

static void test_vxlan_overlay(void)
{
	char n1[32], n2[32], u1[32], u2[32], vx[32], path[128];
	struct vnet_veth_spec veth;
	struct vnet_ctx *c1, *c2;
	struct vnet_prefix dst;
	static const uint8_t zero[6];

	snprintf(n1, sizeof(n1), "%s", tl_netns_add("x1"));
	snprintf(n2, sizeof(n2), "%s", tl_netns_add("x2"));
	snprintf(u1, sizeof(u1), "%s", tl_name("u1"));
	snprintf(u2, sizeof(u2), "%s", tl_name("u2"));
	snprintf(vx, sizeof(vx), "%s", tl_name("vx"));
	c1 = ctx_for(n1);
	c2 = ctx_for(n2);

	/* The underlay: one veth between the two namespaces. */
	vnet_veth_spec_init(&veth, u1, u2);
	snprintf(path, sizeof(path), "/run/netns/%s", n2);
	veth.peer_netns = path;
	CU_ASSERT_EQUAL_FATAL(vnet_veth_ensure(c1, &veth), 0);
	CU_ASSERT_EQUAL(tl_run("ip -n %s addr add 192.168.77.1/24 dev %s && ip -n %s link set %s up && "
			       "ip -n %s addr add 192.168.77.2/24 dev %s && ip -n %s link set %s up",
			       n1, u1, n1, u1, n2, u2, n2, u2), 0);

	vxlan_side(c1, n1, vx, u1, "192.168.77.1", "192.168.77.2", "10.42.0.1/24");
	vxlan_side(c2, n2, vx, u2, "192.168.77.2", "192.168.77.1", "10.42.0.2/24");
	CU_ASSERT_EQUAL(tl_run("ip netns exec %s busybox ping -c 2 -W 2 10.42.0.2 >/dev/null", n1), 0);

	/* Without the flood entry, nothing reaches the peer. */
	CU_ASSERT_EQUAL(vnet_addr_parse("dst", "192.168.77.2", &dst, NULL), 0);
	CU_ASSERT_EQUAL(vnet_fdb_delete(c1, vx, zero, &dst), 0);
	CU_ASSERT_EQUAL(vnet_fdb_delete(c1, vx, zero, &dst), 0);
	CU_ASSERT_NOT_EQUAL(tl_run("ip -n %s neigh flush all; ip netns exec %s busybox ping -c 1 -W 1 10.42.0.2 >/dev/null 2>&1",
				   n1, n1), 0);
	CU_ASSERT_NOT_EQUAL(tl_run("bridge -n %s fdb show dev %s | grep -q 192.168.77.2", n1, vx), 0);

	CU_ASSERT_EQUAL(vnet_link_delete(c1, vx), 0);
	CU_ASSERT_EQUAL(vnet_link_delete(c1, vx), 0);
	vnet_ctx_unref(c1);
	vnet_ctx_unref(c2);
}

static void test_vxlan_remote(void)
{
	struct vnet_vxlan_spec spec;
	struct vnet_link_info info;
	struct json_object *o;
	char name[32];

	snprintf(name, sizeof(name), "%s", tl_name("vr"));
	vnet_vxlan_spec_init(&spec, name, 16777215);
	spec.has_remote = true;
	CU_ASSERT_EQUAL(vnet_addr_parse("remote", "2001:db8::2", &spec.remote, NULL), 0);
	spec.dstport = 8472;
	CU_ASSERT_EQUAL_FATAL(vnet_vxlan_ensure(ctx, &spec), 0);
	CU_ASSERT_EQUAL(vnet_link_get(ctx, name, &info), 0);
	CU_ASSERT_EQUAL(info.u.vxlan.vni, 16777215);
	CU_ASSERT_TRUE(info.u.vxlan.has_remote);
	CU_ASSERT_TRUE(vnet_prefix_equal(&info.u.vxlan.remote, &spec.remote));
	CU_ASSERT_EQUAL(info.u.vxlan.dstport, 8472);
	CU_ASSERT_TRUE(info.u.vxlan.learning);
	o = tl_ip_link(ns, name);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "linkinfo.info_data.remote6"), "2001:db8::2");
	CU_ASSERT_EQUAL(tl_jint(o, "linkinfo.info_data.port"), 8472);
	json_object_put(o);
	CU_ASSERT_EQUAL(vnet_vxlan_ensure(ctx, &spec), 0);
	/* What the kernel cannot change in place, it refuses in its own words. */
	spec.vni = 7;
	CU_ASSERT_NOT_EQUAL(vnet_vxlan_ensure(ctx, &spec), 0);
	CU_ASSERT_NOT_EQUAL(vnet_ctx_errmsg(ctx)[0], '\0');
	vnet_link_delete(ctx, name);
}

/* ---- bad input ------------------------------------------------------- */

static int count_links(char *names, size_t size)
{
	struct vnet_link_info *links;
	size_t n;

	CU_ASSERT_FATAL(vnet_link_list(ctx, &links, &n) == 0);
	names[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		strncat(names, links[i].name, size - strlen(names) - 2);
		strncat(names, " ", size - strlen(names) - 1);
	}
	free(links);
	return (int)n;
}

static void test_bad_input_creates_nothing(void)
{
	char before[4096], after[4096], peer[32];
	struct vnet_bridge_spec br;
	struct vnet_tap_spec tap;
	struct vnet_veth_spec veth;
	struct vnet_vlan_spec vlan;
	struct vnet_vxlan_spec vx;
	int nb, fd;

	nb = count_links(before, sizeof(before));

	vnet_bridge_spec_init(&br, "averyveryverylongname");
	CU_ASSERT_EQUAL(vnet_bridge_ensure(ctx, &br), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx),
			       "bridge name 'averyveryverylongname' is 21 bytes; Linux allows at most 15");
	vnet_bridge_spec_init(&br, "badbr0");
	br.mtu = 20;
	CU_ASSERT_EQUAL(vnet_bridge_ensure(ctx, &br), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "bridge mtu 20 is out of range; allowed 68..65535");
	vnet_bridge_spec_init(&br, "badbr0");
	br.has_mac = true;
	memcpy(br.mac, "\x01\x00\x5e\x00\x00\x01", 6);
	CU_ASSERT_EQUAL(vnet_bridge_ensure(ctx, &br), -EINVAL);

	vnet_tap_spec_init(&tap, "badtap0");
	tap.owner = 3999999;
	CU_ASSERT_EQUAL(vnet_tap_ensure(ctx, &tap, NULL), -ENOENT);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "tap owner uid 3999999 does not exist on this host");
	vnet_tap_spec_init(&tap, "badtap0");
	tap.group = 3999999;
	CU_ASSERT_EQUAL(vnet_tap_ensure(ctx, &tap, &fd), -ENOENT);
	vnet_tap_spec_init(&tap, "badtap0");
	tap.persistent = false;
	CU_ASSERT_EQUAL(vnet_tap_ensure(ctx, &tap, NULL), -EINVAL);
	vnet_tap_spec_init(&tap, "badtap0");
	tap.queues = 17;
	CU_ASSERT_EQUAL(vnet_tap_ensure(ctx, &tap, NULL), -EINVAL);

	snprintf(peer, sizeof(peer), "%s", tl_name("bp"));
	vnet_veth_spec_init(&veth, "badveth0", "badveth0");
	CU_ASSERT_EQUAL(vnet_veth_ensure(ctx, &veth), -EINVAL);
	vnet_veth_spec_init(&veth, "badveth0", peer);
	veth.peer_netns = "/run/netns/doesnotexist";
	CU_ASSERT_EQUAL(vnet_veth_ensure(ctx, &veth), -ENOENT);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx),
			       "network namespace '/run/netns/doesnotexist' does not exist");

	vnet_vlan_spec_init(&vlan, "badvlan0", "lo", 0);
	CU_ASSERT_EQUAL(vnet_vlan_ensure(ctx, &vlan), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "vlan id 0 is out of range; allowed 1..4094");
	vnet_vlan_spec_init(&vlan, "badvlan0", "lo", 4095);
	CU_ASSERT_EQUAL(vnet_vlan_ensure(ctx, &vlan), -EINVAL);
	vnet_vlan_spec_init(&vlan, "badvlan0", "nosuchparent", 5);
	CU_ASSERT_EQUAL(vnet_vlan_ensure(ctx, &vlan), -ENODEV);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "vlan parent 'nosuchparent' does not exist");

	vnet_vxlan_spec_init(&vx, "badvx0", 16777216);
	CU_ASSERT_EQUAL(vnet_vxlan_ensure(ctx, &vx), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "vxlan vni 16777216 is out of range; allowed 0..16777215");
	vnet_vxlan_spec_init(&vx, "badvx0", 5);
	vx.ttl = 0;
	CU_ASSERT_EQUAL(vnet_vxlan_ensure(ctx, &vx), -EINVAL);
	vnet_vxlan_spec_init(&vx, "badvx0", 5);
	vx.dev = "nosuchdev";
	CU_ASSERT_EQUAL(vnet_vxlan_ensure(ctx, &vx), -ENODEV);

	CU_ASSERT_EQUAL(vnet_link_set_mtu(ctx, "lo", 5), -EINVAL);
	CU_ASSERT_EQUAL(vnet_link_set_up(ctx, "nosuchlink", true), -ENODEV);
	CU_ASSERT_EQUAL(vnet_port_enslave(ctx, "lo", "nosuchbridge"), -ENODEV);

	CU_ASSERT_EQUAL(count_links(after, sizeof(after)), nb);
	CU_ASSERT_STRING_EQUAL(before, after);
}

static void test_set_mtu_and_list(void)
{
	struct vnet_bridge_spec br;
	struct vnet_link_info *links;
	char name[32];
	bool found = false;
	size_t n;

	snprintf(name, sizeof(name), "%s", tl_name("bm"));
	vnet_bridge_spec_init(&br, name);
	CU_ASSERT_EQUAL_FATAL(vnet_bridge_ensure(ctx, &br), 0);
	CU_ASSERT_EQUAL(vnet_link_set_mtu(ctx, name, 1234), 0);
	CU_ASSERT_EQUAL(vnet_link_list(ctx, &links, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(links[i].name, name)) {
			found = true;
			CU_ASSERT_EQUAL(links[i].mtu, 1234);
			CU_ASSERT_EQUAL(links[i].kind, VNET_LINK_BRIDGE);
		}
	free(links);
	CU_ASSERT_TRUE(found);
	CU_ASSERT_EQUAL(vnet_link_set_up(ctx, name, true), 0);
	CU_ASSERT_EQUAL(tl_run("ip -n %s link show %s | grep -q ',UP'", ns, name), 0);
	CU_ASSERT_EQUAL(vnet_link_set_up(ctx, name, false), 0);
	CU_ASSERT_NOT_EQUAL(tl_run("ip -n %s link show %s | grep -q ',UP'", ns, name), 0);
	vnet_link_delete(ctx, name);
}

static CU_TestInfo tests[] = {
	{ "bridge: create, read back, ensure twice, change, delete twice", test_bridge },
	{ "bridge: fixed MAC does not follow a lower port MAC", test_bridge_mac_fixed },
	{ "existing link of another kind", test_wrong_kind },
	{ "veth: peer in another namespace", test_veth },
	{ "tap: persistent, owner, group, vnet_hdr, mac, mtu", test_tap_persistent },
	{ "tap: multi-queue, not persistent", test_tap_multiqueue },
	{ "tap: frames through the fd", test_tap_traffic },
	{ "tap: master, up and the master's MTU in one request; exclusive", test_tap_master_up },
	{ "tap: a bad master makes nothing", test_tap_bad_master },
	{ "bridge: ping through it, port flags, isolation", test_bridge_ping_and_flags },
	{ "vxlan: overlay ping over a veth underlay, fdb", test_vxlan_overlay },
	{ "vxlan: unicast IPv6 remote, port", test_vxlan_remote },
	{ "set_mtu, set_up, list", test_set_mtu_and_list },
	{ "bad input creates nothing", test_bad_input_creates_nothing },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "links", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	struct vnet_error err;
	int r;

	tl_init_root();
	ns = tl_netns_add("lk");
	snprintf(ns_path, sizeof(ns_path), "/run/netns/%s", ns);
	ns = strrchr(ns_path, '/') + 1;
	if (vnet_ctx_new(&ctx, ns_path, &err) < 0) {
		fprintf(stderr, "vnet_ctx_new: %s\n", err.msg);
		return 99;
	}
	r = tl_run_suites(suites);
	vnet_ctx_unref(ctx);
	return r;
}
