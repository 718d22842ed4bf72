/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vnetd through its socket: every method and its error paths, the protocol's
 * own errors, events, several clients at once (a stalled one among them) and
 * who may do what. The daemon is the real one, in this test's namespace.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"
#include "test-vnetd-harness.h"

#define VNET_GID 5999

static struct vd vd;

static void send_str(struct vc *c, const char *s)
{
	CU_ASSERT_TRUE(vc_send_raw(c, s, strlen(s)));
}

static void put(struct json_object *o)
{
	json_object_put(o);
}

static struct json_object *call(const char *method, const char *params)
{
	struct vc *c = vc_connect(vd.sock);
	struct json_object *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	r = vc_call(c, method, params);
	vc_close(c);
	return r;
}

static void expect_ok(const char *method, const char *params)
{
	struct json_object *r = call(method, params);

	CU_ASSERT_PTR_NOT_NULL(ok(r));
	put(r);
}

static void expect_err(const char *method, const char *params, const char *reason, const char *part)
{
	struct json_object *r = call(method, params);

	err_is(r, reason, part);
	put(r);
}

static void test_protocol_errors(void)
{
	struct vc *c = vc_connect(vd.sock);
	struct json_object *m;
	const char *big_head = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"network.list\",\"x\":\"";
	char *big;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	send_str(c, "this is not json\n");
	m = vc_read_msg(c, 5000);
	CU_ASSERT_EQUAL(tl_jint(m, "error.code"), -32700);
	CU_ASSERT_PTR_NULL(tl_jget(m, "id") ? json_object_get(tl_jget(m, "id")) : NULL);
	put(m);
	send_str(c, "[1,2]\n");
	m = vc_read_msg(c, 5000);
	CU_ASSERT_EQUAL(tl_jint(m, "error.code"), -32600);
	put(m);
	send_str(c, "{\"id\":7,\"method\":\"network.list\"}\n");
	m = vc_read_msg(c, 5000);
	CU_ASSERT_EQUAL(tl_jint(m, "error.code"), -32600);
	CU_ASSERT_EQUAL(tl_jint(m, "id"), 7);
	CU_ASSERT_PTR_NOT_NULL(strstr(tl_jstr(m, "error.message"), "jsonrpc"));
	put(m);
	send_str(c, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":5}\n");
	m = vc_read_msg(c, 5000);
	CU_ASSERT_EQUAL(tl_jint(m, "error.code"), -32600);
	put(m);
	/* a notification (no id) gets no reply; the next request's does come */
	send_str(c, "{\"jsonrpc\":\"2.0\",\"method\":\"network.list\"}\n");
	m = vc_call(c, "no.such", NULL);
	CU_ASSERT_EQUAL(tl_jint(m, "error.code"), -32601);
	err_is(m, "ENOSYS", "method 'no.such' does not exist");
	put(m);
	m = vc_call(c, "network.list", "[1]");
	CU_ASSERT_EQUAL(tl_jint(m, "error.code"), -32602);
	put(m);
	m = vc_call(c, "network.list", "{\"bogus\":1}");
	err_is(m, "EINVAL", "unknown parameter 'bogus'");
	put(m);
	/* two requests in one write, answered in order */
	send_str(c, "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"daemon.status\"}\r\n"
		       "{\"jsonrpc\":\"2.0\",\"id\":\"b\",\"method\":\"network.list\"}\n");
	m = vc_read_msg(c, 5000);
	CU_ASSERT_STRING_EQUAL(tl_jstr(m, "id"), "a");
	put(m);
	m = vc_read_msg(c, 5000);
	CU_ASSERT_STRING_EQUAL(tl_jstr(m, "id"), "b");
	put(m);
	vc_close(c);

	/* requests followed by a half-close are answered, then the connection is closed */
	c = vc_connect(vd.sock);
	send_str(c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"network.list\"}\n"
		    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"daemon.status\"}");
	shutdown(vc_fd(c), SHUT_WR);
	m = vc_read_msg(c, 5000);
	CU_ASSERT_EQUAL(tl_jint(m, "id"), 1);
	put(m);
	m = vc_read_msg(c, 5000);
	CU_ASSERT_EQUAL(tl_jint(m, "id"), 2);
	CU_ASSERT_PTR_NOT_NULL(tl_jget(m, "result"));
	put(m);
	CU_ASSERT_PTR_NULL(vc_read_msg(c, 2000));
	vc_close(c);

	/* a line over the limit: an error, then the connection is closed */
	c = vc_connect(vd.sock);
	big = malloc(2 * 1024 * 1024 + 1);
	memset(big, 'x', 2 * 1024 * 1024);
	memcpy(big, big_head, strlen(big_head));
	vc_send_raw(c, big, 2 * 1024 * 1024);
	m = vc_read_msg(c, 5000);
	err_is(m, "EMSGSIZE", "longer than");
	put(m);
	CU_ASSERT_PTR_NULL(vc_read_msg(c, 2000));
	free(big);
	vc_close(c);
	/* the daemon is still there */
	expect_ok("daemon.status", NULL);
}

static void test_define_get_list(void)
{
	struct json_object *r, *res;

	r = call("network.define",
		 "{\"name\":\"n1\",\"bridge\":\"vbr-n1\",\"ipv4\":{\"address\":\"10.50.0.1/24\"},"
		 "\"ipv6\":{\"address\":\"fd00:50::1/64\"}}");
	res = ok(r);
	CU_ASSERT_STRING_EQUAL(tl_jstr(res, "mode"), "nat");
	CU_ASSERT_EQUAL(tl_jint(res, "mtu"), 1500);
	CU_ASSERT_PTR_NOT_NULL(tl_jget(res, "mac"));
	put(r);
	/* stored as a file, in canonical form */
	CU_ASSERT_EQUAL(tl_run("jq -e '.name == \"n1\" and .bridge == \"vbr-n1\"' %s/etc/networks/n1.json >/dev/null", vd.dir), 0);

	/* the {"network": {...}} form works too */
	expect_ok("network.define", "{\"network\":{\"name\":\"iso\",\"mode\":\"isolated\",\"bridge\":\"vbr-iso\"}}");

	/* an inactive network may be redefined */
	r = call("network.define", "{\"name\":\"iso\",\"mode\":\"isolated\",\"bridge\":\"vbr-iso\",\"mtu\":1400}");
	CU_ASSERT_EQUAL(tl_jint(ok(r), "mtu"), 1400);
	put(r);

	r = call("network.list", NULL);
	res = ok(r);
	CU_ASSERT_TRUE(json_object_is_type(res, json_type_array));
	CU_ASSERT_EQUAL(json_object_array_length(res), 2);
	CU_ASSERT_STRING_EQUAL(tl_jstr(json_object_array_get_idx(res, 0), "name"), "n1");
	CU_ASSERT_FALSE(json_object_get_boolean(tl_jget(json_object_array_get_idx(res, 0), "active")));
	put(r);

	r = call("network.get", "{\"name\":\"n1\"}");
	res = ok(r);
	CU_ASSERT_STRING_EQUAL(tl_jstr(res, "definition.ipv4.address"), "10.50.0.1/24");
	CU_ASSERT_FALSE(json_object_get_boolean(tl_jget(res, "status.active")));
	CU_ASSERT_FALSE(json_object_get_boolean(tl_jget(res, "status.bridge_present")));
	put(r);

	expect_err("network.get", "{\"name\":\"nope\"}", "ENOENT", "network 'nope' does not exist");
	expect_err("network.get", "{}", "EINVAL", "parameter 'name' is missing");
	expect_err("network.get", "{\"name\":5}", "EINVAL", "parameter 'name' is a int");
}

static void test_define_errors(void)
{
	expect_err("network.define", NULL, "EINVAL", "params must be the network object");
	expect_err("network.define", "{\"name\":\"bad\",\"mode\":\"wild\"}", "EINVAL", "mode 'wild' is not allowed");
	expect_err("network.define", "{\"name\":\"bad\",\"ipv4\":{\"address\":\"10.0.0.300/24\"}}", "EINVAL",
		   "10.0.0.300/24");
	/* overlapping another network */
	expect_err("network.define", "{\"name\":\"ov\",\"bridge\":\"vbr-ov\",\"ipv4\":{\"address\":\"10.50.0.129/25\"}}",
		   "EBUSY", "overlaps network 'n1''s subnet 10.50.0.0/24");
	expect_err("network.define", "{\"name\":\"ov6\",\"mode\":\"routed\",\"bridge\":\"vbr-ov6\",\"ipv6\":{\"address\":\"fd00:50::2/48\"}}",
		   "EBUSY", "ipv6.address 'fd00:50::2/48' overlaps network 'n1'");
	/* the same bridge as another network */
	expect_err("network.define", "{\"name\":\"dupbr\",\"bridge\":\"vbr-n1\",\"ipv4\":{\"address\":\"10.51.0.1/24\"}}",
		   "EBUSY", "bridge 'vbr-n1' is already the bridge of network 'n1'");
	/* a subnet the host already routes */
	CU_ASSERT_EQUAL(tl_run("ip link add hx0 type veth peer name hx1 && ip addr add 10.60.1.1/24 dev hx0 && "
			       "ip link set hx0 up && ip link set hx1 up"), 0);
	expect_err("network.define", "{\"name\":\"routed\",\"bridge\":\"vbr-r\",\"ipv4\":{\"address\":\"10.60.0.1/16\"}}",
		   "EBUSY", "collides with the host's route 10.60.1.0/24 dev hx0");
	/* nothing was written for any of them */
	CU_ASSERT_EQUAL(tl_run("test $(ls %s/etc/networks | wc -l) -eq 2", vd.dir), 0);
}

static void test_start_stop(void)
{
	struct json_object *r, *res;

	expect_err("network.start", "{\"name\":\"nope\"}", "ENOENT", "network 'nope' does not exist");
	expect_ok("network.start", "{\"name\":\"n1\"}");
	expect_err("network.start", "{\"name\":\"n1\"}", "EALREADY", "network 'n1' is already active");

	/* read back independently */
	CU_ASSERT_EQUAL(tl_run("ip -j -d link show dev vbr-n1 | jq -e '.[0].linkinfo.info_kind == \"bridge\"' >/dev/null"), 0);
	CU_ASSERT_EQUAL(tl_run("ip -j addr show dev vbr-n1 | jq -e '[.[0].addr_info[].local] | index(\"10.50.0.1\") != null' >/dev/null"), 0);
	CU_ASSERT_EQUAL(tl_run("test $(cat /proc/sys/net/ipv4/ip_forward) = 1"), 0);
	CU_ASSERT_EQUAL(tl_run("nft list table inet vnet >/dev/null"), 0);

	r = call("network.get", "{\"name\":\"n1\"}");
	res = ok(r);
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(res, "status.active")));
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(res, "status.bridge_present")));
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(res, "status.firewall_in_place")));
	CU_ASSERT_TRUE(json_object_array_length(tl_jget(res, "status.addresses")) >= 2);
	put(r);
	/* runtime state says what is active */
	CU_ASSERT_EQUAL(tl_run("jq -e '.active' %s/run/networks/n1.json >/dev/null", vd.dir), 0);

	/* an active network can't be changed or undefined */
	expect_err("network.define", "{\"name\":\"n1\",\"bridge\":\"vbr-n1\",\"ipv4\":{\"address\":\"10.50.0.2/24\"},"
		   "\"ipv6\":{\"address\":\"fd00:50::1/64\"}}",
		   "EBUSY", "network 'n1' is active; stop it before changing its mode, bridge, uplink or addresses");
	/* what can change live does, at once */
	expect_ok("network.define", "{\"name\":\"n1\",\"bridge\":\"vbr-n1\",\"mtu\":1400,\"autostart\":true,"
		  "\"ipv4\":{\"address\":\"10.50.0.1/24\"},\"ipv6\":{\"address\":\"fd00:50::1/64\"}}");
	CU_ASSERT_EQUAL(tl_run("ip -j link show dev vbr-n1 | jq -e '.[0].mtu == 1400' >/dev/null"), 0);
	CU_ASSERT_EQUAL(tl_run("jq -e '.autostart' %s/etc/networks/n1.json >/dev/null", vd.dir), 0);
	expect_err("network.undefine", "{\"name\":\"n1\"}", "EBUSY", "network 'n1' is active; stop it first");

	/* a bridge name taken by a link vnet does not manage */
	CU_ASSERT_EQUAL(tl_run("ip link add vbr-taken type veth peer name vbr-taken1"), 0);
	expect_ok("network.define", "{\"name\":\"taken\",\"mode\":\"isolated\",\"bridge\":\"vbr-taken\"}");
	expect_err("network.start", "{\"name\":\"taken\"}", "EBUSY",
		   "bridge 'vbr-taken' already exists as a veth link that vnet does not manage");
	CU_ASSERT_EQUAL(tl_run("ip -j -d link show dev vbr-taken | jq -e '.[0].linkinfo.info_kind == \"veth\"' >/dev/null"), 0);
	expect_ok("network.undefine", "{\"name\":\"taken\"}");

	expect_ok("network.start", "{\"name\":\"iso\"}");
	expect_ok("network.stop", "{\"name\":\"iso\"}");
	expect_err("network.stop", "{\"name\":\"iso\"}", "EALREADY", "network 'iso' is not active");
	expect_err("network.stop", "{\"name\":\"nope\"}", "ENOENT", NULL);
	CU_ASSERT_NOT_EQUAL(tl_run("ip link show dev vbr-iso >/dev/null 2>&1"), 0);
}

static void test_forwards(void)
{
	struct json_object *r, *res;

	expect_ok("forward.add", "{\"network\":\"n1\",\"proto\":\"tcp\",\"port\":8080,\"to\":\"10.50.0.10\",\"to_port\":80}");
	expect_ok("forward.add", "{\"network\":\"n1\",\"proto\":\"udp\",\"port\":\"6000-6009\",\"to\":\"10.50.0.11\"}");
	expect_err("forward.add", "{\"network\":\"n1\",\"proto\":\"tcp\",\"port\":8080,\"to\":\"10.50.0.10\",\"to_port\":80}",
		   "EEXIST", "network 'n1' already has this forward");
	expect_err("forward.add", "{\"network\":\"n1\",\"proto\":\"udp\",\"port\":6005,\"to\":\"10.50.0.12\"}",
		   "EBUSY", "udp port 6005 is already forwarded by network 'n1'");
	expect_err("forward.add", "{\"network\":\"n1\",\"proto\":\"tcp\",\"port\":81,\"to\":\"10.9.9.9\"}",
		   "EINVAL", "forward to '10.9.9.9' is outside network 'n1''s subnets");
	expect_err("forward.add", "{\"network\":\"n1\",\"proto\":\"sctp\",\"port\":81,\"to\":\"10.50.0.10\"}",
		   "EINVAL", "forward proto 'sctp'");
	expect_err("forward.add", "{\"network\":\"zz\",\"proto\":\"tcp\",\"port\":81,\"to\":\"10.50.0.10\"}",
		   "ENOENT", "network 'zz' does not exist");
	expect_err("forward.add", "{\"network\":\"iso\",\"proto\":\"tcp\",\"port\":81,\"to\":\"10.50.0.10\"}",
		   "EINVAL", "port forwards need mode 'nat'");

	/* the firewall's limits are checked before anything changes */
	expect_err("forward.add", "{\"network\":\"n1\",\"proto\":\"tcp\",\"port\":\"10000-12000\",\"to\":\"10.50.0.10\"}",
		   "EINVAL", NULL);

	r = call("forward.list", "{\"network\":\"n1\"}");
	res = ok(r);
	CU_ASSERT_EQUAL(json_object_array_length(res), 2);
	CU_ASSERT_EQUAL(tl_jint(json_object_array_get_idx(res, 0), "to_port"), 80);
	CU_ASSERT_STRING_EQUAL(tl_jstr(json_object_array_get_idx(res, 1), "port"), "6000-6009");
	put(r);
	/* the kernel has them: one map element per port */
	CU_ASSERT_EQUAL(tl_run("nft list table inet vnet | grep -q 8080"), 0);
	/* persisted: the first in the definition (which starts a journal), the next in the journal */
	CU_ASSERT_EQUAL(tl_run("jq -e '.forwards | length == 1' %s/etc/networks/n1.json >/dev/null", vd.dir), 0);
	CU_ASSERT_EQUAL(tl_run("test $(grep -c '^{\"add\":' %s/etc/networks/n1.journal) = 1", vd.dir), 0);

	expect_ok("forward.remove", "{\"network\":\"n1\",\"proto\":\"tcp\",\"port\":8080,\"to\":\"10.50.0.10\"}");
	expect_err("forward.remove", "{\"network\":\"n1\",\"proto\":\"tcp\",\"port\":8080,\"to\":\"10.50.0.10\"}",
		   "ENOENT", "network 'n1' has no tcp forward of port 8080");
	CU_ASSERT_NOT_EQUAL(tl_run("nft list table inet vnet | grep -q 8080"), 0);
	expect_err("forward.list", "{\"network\":\"zz\"}", "ENOENT", NULL);
	/* forwards on an inactive network are stored, applied on start */
	expect_ok("network.define", "{\"name\":\"n2\",\"bridge\":\"vbr-n2\",\"ipv4\":{\"address\":\"10.52.0.1/24\"}}");
	expect_ok("forward.add", "{\"network\":\"n2\",\"proto\":\"tcp\",\"port\":9090,\"to\":\"10.52.0.10\"}");
	expect_err("forward.add", "{\"network\":\"n1\",\"proto\":\"tcp\",\"port\":9090,\"to\":\"10.50.0.10\"}",
		   "EBUSY", "tcp port 9090 is already forwarded by network 'n2'");
	expect_ok("network.start", "{\"name\":\"n2\"}");
	CU_ASSERT_EQUAL(tl_run("nft list table inet vnet | grep -q 9090"), 0);
	expect_ok("network.stop", "{\"name\":\"n2\"}");
	expect_ok("network.undefine", "{\"name\":\"n2\"}");
	CU_ASSERT_NOT_EQUAL(tl_run("test -e %s/etc/networks/n2.json", vd.dir), 0);
	CU_ASSERT_NOT_EQUAL(tl_run("test -e %s/etc/networks/n2.journal", vd.dir), 0);
	expect_err("network.undefine", "{\"name\":\"n2\"}", "ENOENT", NULL);
}

static void test_events(void)
{
	struct vc *sub = vc_connect(vd.sock), *other = vc_connect(vd.sock);
	struct json_object *r, *e;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sub);
	r = vc_call(sub, "events.subscribe", NULL);
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(ok(r), "subscribed")));
	put(r);
	put(vc_call(other, "network.define", "{\"name\":\"ev\",\"mode\":\"isolated\",\"bridge\":\"vbr-ev\"}"));
	put(vc_call(other, "network.start", "{\"name\":\"ev\"}"));
	put(vc_call(other, "network.stop", "{\"name\":\"ev\"}"));
	put(vc_call(other, "network.undefine", "{\"name\":\"ev\"}"));
	e = vc_wait_event(sub, "network.defined", 3000);
	CU_ASSERT_STRING_EQUAL(tl_jstr(e, "method"), "event");
	CU_ASSERT_STRING_EQUAL(tl_jstr(e, "params.network"), "ev");
	put(e);
	e = vc_wait_event(sub, "network.started", 3000);
	CU_ASSERT_PTR_NOT_NULL(e);
	put(e);
	e = vc_wait_event(sub, "network.stopped", 3000);
	CU_ASSERT_PTR_NOT_NULL(e);
	put(e);
	e = vc_wait_event(sub, "network.undefined", 3000);
	CU_ASSERT_PTR_NOT_NULL(e);
	put(e);
	/* the one who did not subscribe hears nothing */
	CU_ASSERT_PTR_NULL(vc_next_event(other, 300));
	vc_close(sub);
	vc_close(other);
}

static void test_create_default(void)
{
	struct json_object *r, *res;

	/* 192.168.122.0/24 is routed here already: the next free one is used, and said */
	CU_ASSERT_EQUAL(tl_run("ip addr add 192.168.122.254/24 dev hx0"), 0);
	r = call("network.create-default", NULL);
	res = ok(r);
	CU_ASSERT_STRING_EQUAL(tl_jstr(res, "definition.ipv4.address"), "192.168.123.1/24");
	CU_ASSERT_STRING_EQUAL(tl_jstr(res, "definition.bridge"), "vnetbr0");
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(res, "definition.autostart")));
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(res, "active")));
	CU_ASSERT_PTR_NOT_NULL(strstr(tl_jstr(res, "note") ? tl_jstr(res, "note") : "", "using 192.168.123.0/24"));
	put(r);
	expect_err("network.create-default", NULL, "EEXIST", "network 'default' already exists");
	/* a bridge name some other link has: refused, nothing defined */
	expect_err("network.create-default", "{\"name\":\"dflt2\",\"bridge\":\"hx1\"}", "EBUSY",
		   "bridge 'hx1' already exists as a veth link that vnet does not manage");
	expect_err("network.get", "{\"name\":\"dflt2\"}", "ENOENT", NULL);
	CU_ASSERT_EQUAL(tl_run("ip -j addr show dev vnetbr0 | jq -e '.[0].addr_info[0].local == \"192.168.123.1\"' >/dev/null"), 0);
	expect_ok("network.stop", "{\"name\":\"default\"}");
	expect_ok("network.undefine", "{\"name\":\"default\"}");
}

static void test_status(void)
{
	struct json_object *r = call("daemon.status", NULL), *res = ok(r);

	CU_ASSERT_EQUAL(tl_jint(res, "pid"), vd.pid);
	CU_ASSERT_STRING_EQUAL(tl_jstr(res, "socket"), vd.sock);
	CU_ASSERT_TRUE(tl_jint(res, "networks") >= 1);
	CU_ASSERT_TRUE(tl_jint(res, "active") >= 1);
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(res, "may_write")));
	put(r);
}

static void test_concurrent_clients(void)
{
	struct vc *silent = vc_connect(vd.sock), *half = vc_connect(vd.sock), *many[20];
	char *burst;
	size_t len = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(silent);
	CU_ASSERT_PTR_NOT_NULL_FATAL(half);
	send_str(half, "{\"jsonrpc\":\"2.0\",\"id\":1,\"meth");
	for (int i = 0; i < 20; i++)
		many[i] = vc_connect(vd.sock);
	/* everyone else is served while those two sit there */
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 20; i++) {
			struct json_object *r = vc_call(many[i], "network.list", NULL);

			CU_ASSERT_PTR_NOT_NULL(ok(r));
			put(r);
		}
	/* one client pipelines 500 requests; all answers come, in order */
	burst = malloc(500 * 80);
	for (int i = 0; i < 500; i++)
		len += sprintf(burst + len, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"daemon.status\"}\n", 1000 + i);
	vc_send_raw(many[0], burst, len);
	for (int i = 0; i < 500; i++) {
		struct json_object *m = vc_read_msg(many[0], 5000);

		CU_ASSERT_EQUAL(tl_jint(m, "id"), 1000 + i);
		put(m);
	}
	free(burst);
	/* the half line is finished later and answered */
	send_str(half, "od\":\"network.list\"}\n");
	{
		struct json_object *m = vc_read_msg(half, 5000);

		CU_ASSERT_EQUAL(tl_jint(m, "id"), 1);
		CU_ASSERT_PTR_NOT_NULL(tl_jget(m, "result"));
		put(m);
	}
	{
		struct json_object *r = call("daemon.status", NULL);

		CU_ASSERT_TRUE(tl_jint(ok(r), "clients") >= 22);
		put(r);
	}
	/* a client that sends a flood and never reads its answers stalls nobody */
	{
		struct vc *flood = vc_connect(vd.sock);
		const char *req = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.status\"}\n";
		size_t n = strlen(req), total = 20000 * n;
		char *buf = malloc(total);
		pid_t pid;

		for (int i = 0; i < 20000; i++)
			memcpy(buf + i * n, req, n);
		/* a child writes it: the daemon stops reading once its answers back up */
		pid = fork();
		if (pid == 0) {
			vc_send_raw(flood, buf, total);
			_exit(0);
		}
		usleep(300 * 1000);
		for (int i = 0; i < 20; i++) {
			struct json_object *r = vc_call(many[i], "network.list", NULL);

			CU_ASSERT_PTR_NOT_NULL(ok(r));
			put(r);
		}
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		vc_close(flood);
		free(buf);
	}
	for (int i = 0; i < 20; i++)
		vc_close(many[i]);
	vc_close(silent);
	vc_close(half);
}

/* In a child with other credentials: 0 when reads work and writes are refused (or allowed, @writer). */
static int as_user(uid_t uid, gid_t gid, const gid_t *groups, int n_groups, bool writer)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		struct json_object *r;
		struct vc *c;

		if (setgroups(n_groups, groups) < 0 || setresgid(gid, gid, gid) < 0 ||
		    setresuid(uid, uid, uid) < 0)
			_exit(10);
		c = vc_connect(vd.sock);
		if (!c)
			_exit(errno == EACCES ? 20 : 11);
		r = vc_call(c, "network.list", NULL);
		if (!r || !tl_jget(r, "result"))
			_exit(12);
		put(r);
		r = vc_call(c, "network.define", "{\"name\":\"perm\",\"mode\":\"isolated\",\"bridge\":\"vbr-perm\"}");
		if (writer) {
			if (!r || !tl_jget(r, "result"))
				_exit(13);
			put(r);
			r = vc_call(c, "network.undefine", "{\"name\":\"perm\"}");
			_exit(r && tl_jget(r, "result") ? 0 : 14);
		}
		if (!r || !tl_jstr(r, "error.data.reason") || strcmp(tl_jstr(r, "error.data.reason"), "EPERM") ||
		    !strstr(tl_jstr(r, "error.message"), "network.define changes state"))
			_exit(15);
		put(r);
		r = vc_call(c, "network.stop", "{\"name\":\"n1\"}");
		if (!r || strcmp(tl_jstr(r, "error.data.reason") ?: "", "EPERM"))
			_exit(16);
		r = vc_call(c, "daemon.status", NULL);
		_exit(r && tl_jget(r, "result.may_write") &&
		      !json_object_get_boolean(tl_jget(r, "result.may_write")) ? 0 : 17);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_permissions(void)
{
	gid_t vnet = VNET_GID, nog = 65534;
	struct vd open_vd;

	/* 0660 root:vnet */
	CU_ASSERT_EQUAL(tl_run("stat -c '%%a %%U %%g' %s | grep -qx '660 root %d'", vd.sock, VNET_GID), 0);
	/* nobody, not in the group: the socket itself refuses */
	CU_ASSERT_EQUAL(as_user(65534, 65534, &nog, 1, false), 20);
	/* nobody with the vnet group as primary or supplementary group may write */
	CU_ASSERT_EQUAL(as_user(65534, VNET_GID, &vnet, 1, true), 0);
	CU_ASSERT_EQUAL(as_user(65534, 65534, &vnet, 1, true), 0);

	/* a socket opened to every user: others may read, not write */
	/* one vnetd per namespace: a second one here refuses to start */
	vd_setup(&open_vd);
	CU_ASSERT_FALSE(vd_start(&open_vd));
	CU_ASSERT_EQUAL(tl_run("grep -q 'another vnetd already manages this network namespace' %s", open_vd.log), 0);
	/* so it runs in a namespace of its own; its socket is a file all the same */
	open_vd.netns = tl_netns_add("vd2");
	open_vd.extra_args = "--socket-mode 0666";
	CU_ASSERT_TRUE_FATAL(vd_start(&open_vd));
	{
		struct vd saved = vd;

		vd = open_vd;
		int code = as_user(65534, 65534, &nog, 1, false);

		if (code)
			printf("read-only user: exit code %d\n", code);
		CU_ASSERT_EQUAL(code, 0);
		vd = saved;
	}
	vd_stop(&open_vd, SIGTERM);
}

static int suite_init(void)
{
	vd_setup(&vd);
	return vd_start(&vd) ? 0 : -1;
}

static int suite_clean(void)
{
	int st = vd_stop(&vd, SIGTERM);

	/* a clean exit on SIGTERM, and nothing torn down */
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		vd_dump_log(&vd);
		return -1;
	}
	if (tl_run("ip link show dev vbr-n1 >/dev/null") != 0)
		return -1;
	return 0;
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "protocol errors", test_protocol_errors },
		{ "define, get, list", test_define_get_list },
		{ "define errors", test_define_errors },
		{ "start and stop", test_start_stop },
		{ "forwards", test_forwards },
		{ "events", test_events },
		{ "create-default", test_create_default },
		{ "daemon.status", test_status },
		{ "concurrent clients", test_concurrent_clients },
		{ "permissions", test_permissions },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "vnetd api", suite_init, suite_clean, NULL, NULL, tests },
		CU_SUITE_INFO_NULL,
	};
	char group[] = "/tmp/vnetd-group-XXXXXX";
	int fd;

	tl_init_root();
	/* a "vnet" group that exists only in this test's mount namespace */
	fd = mkstemp(group);
	if (fd < 0 || tl_run("cat /etc/group > %s && echo 'vnet:x:%d:' >> %s", group, VNET_GID, group) != 0 ||
	    mount(group, "/etc/group", NULL, MS_BIND, NULL) < 0) {
		fprintf(stderr, "private /etc/group: %s\n", strerror(errno));
		return 99;
	}
	unlink(group);
	return tl_run_suites(suites);
}
