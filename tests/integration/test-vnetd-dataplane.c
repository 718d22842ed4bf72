/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vnetd and real traffic: a NAT network between a "VM" namespace and an
 * "outside" namespace, a port forward, restarts under continuous pings
 * (SIGKILL included: not one ping may be lost), drift repaired (a flushed or
 * deleted table, a deleted bridge), autostart, and isolation between modes.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"
#include "test-vnetd-harness.h"

static struct vd vd;
static char out_ns[32], vm_ns[32], iso_ns[32], rt_ns[32];

static void put(struct json_object *o)
{
	json_object_put(o);
}

static void expect_ok(const char *method, const char *params)
{
	struct json_object *r = vd_call(&vd, method, "%s", params);

	CU_ASSERT_PTR_NOT_NULL(ok(r));
	put(r);
}

/* A namespace with one veth to this (the host's) namespace. */
static void add_host(char *ns, size_t len, const char *prefix, const char *host_end, const char *addr,
		     const char *gw)
{
	snprintf(ns, len, "%s", tl_netns_add(prefix));
	CU_ASSERT_EQUAL_FATAL(tl_run("ip link add %s type veth peer name eth0 netns %s && "
				     "ip link set %s up && ip -n %s addr add %s dev eth0 && "
				     "ip -n %s link set eth0 up", host_end, ns, host_end, ns, addr, ns), 0);
	if (gw)
		CU_ASSERT_EQUAL_FATAL(tl_run("ip -n %s route add default via %s", ns, gw), 0);
}

static bool can_ping(const char *ns, const char *dst)
{
	return tl_run("ip netns exec %s busybox ping -c 2 -W 1 -q %s >/dev/null 2>&1", ns, dst) == 0;
}

/* Background pings every 10 ms; returns the pid, output in @file. */
static pid_t ping_start(const char *ns, const char *dst, int count, const char *file)
{
	pid_t pid = fork();

	if (pid == 0) {
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "exec ip netns exec %s busybox ping -i 0.01 -W 1 -c %d -q %s >%s 2>&1",
			 ns, count, dst, file);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Lost pings, or -1 when the summary is missing. */
static int ping_lost(pid_t pid, const char *file)
{
	int st, tx = -1, rx = -1;
	char *out;

	waitpid(pid, &st, 0);
	out = tl_capture(NULL, "cat %s", file);
	if (out) {
		const char *p = strstr(out, "packets transmitted");

		if (p) {
			while (p > out && p[-1] != '\n')
				p--;
			sscanf(p, "%d packets transmitted, %d packets received", &tx, &rx);
		}
	}
	printf("pings: %s", out ? out : "(none)\n");
	free(out);
	return tx < 0 || rx < 0 ? -1 : tx - rx;
}

static int suite_init(void)
{
	vd_setup(&vd);
	return vd_start(&vd) ? 0 : -1;
}

static int suite_clean(void)
{
	int st;

	tl_run("kill $(cat %s/httpd.pid) 2>/dev/null", vd.dir);
	st = vd_stop(&vd, SIGTERM);
	/* a clean exit (and, under the sanitizers, no leaks) */
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		vd_dump_log(&vd);
		return -1;
	}
	return 0;
}

static void test_nat_and_forward(void)
{
	/* outside: 203.0.113.2, no route back to any VM subnet */
	add_host(out_ns, sizeof(out_ns), "out", "up0", "203.0.113.2/24", NULL);
	CU_ASSERT_EQUAL_FATAL(tl_run("ip addr add 203.0.113.1/24 dev up0"), 0);
	expect_ok("network.define",
		  "{\"name\":\"nat\",\"bridge\":\"vbr-nat\",\"ipv4\":{\"address\":\"10.77.0.1/24\"},"
		  "\"forwards\":[{\"proto\":\"tcp\",\"port\":8080,\"to\":\"10.77.0.10\",\"to_port\":80}]}");
	expect_ok("network.start", "{\"name\":\"nat\"}");
	add_host(vm_ns, sizeof(vm_ns), "vm", "vm-port", "10.77.0.10/24", "10.77.0.1");
	CU_ASSERT_EQUAL(tl_run("ip link set vm-port master vbr-nat"), 0);

	/* out through NAT: the outside host has no route to 10.77.0.0/24 */
	CU_ASSERT_TRUE(can_ping(vm_ns, "10.77.0.1"));
	CU_ASSERT_TRUE(can_ping(vm_ns, "203.0.113.2"));
	/* and not in without a forward, even with a route */
	CU_ASSERT_EQUAL(tl_run("ip -n %s route add 10.77.0.0/24 via 203.0.113.1", out_ns), 0);
	CU_ASSERT_FALSE(can_ping(out_ns, "10.77.0.10"));

	/* in through the forward: 203.0.113.1:8080 -> 10.77.0.10:80 */
	CU_ASSERT_EQUAL(tl_run("mkdir -p %s/www && echo hello-from-vm > %s/www/index.html && "
			       "(ip netns exec %s busybox httpd -f -p 80 -h %s/www </dev/null >/dev/null 2>&1 & "
			       "echo $! > %s/httpd.pid)", vd.dir, vd.dir, vm_ns, vd.dir, vd.dir), 0);
	CU_ASSERT_TRUE(wait_until(3000, "ip netns exec %s timeout 3 busybox wget -q -O - http://203.0.113.1:8080/ "
				  "2>/dev/null | grep -q hello-from-vm", out_ns));
}

static void test_restart_under_traffic(void)
{
	char file[160];
	int ifindex_before, ifindex_after;
	pid_t ping;
	int lost;
	struct json_object *link;

	snprintf(file, sizeof(file), "%s/ping-restart.txt", vd.dir);
	link = tl_ip_link(NULL, "vbr-nat");
	ifindex_before = tl_jint(link, "ifindex");
	json_object_put(link);
	ping = ping_start(vm_ns, "203.0.113.2", 500, file);
	usleep(500 * 1000);
	/* crash, restart, crash again mid-way through start-up, restart */
	CU_ASSERT_TRUE(WIFSIGNALED(vd_stop(&vd, SIGKILL)));
	CU_ASSERT_TRUE_FATAL(vd_start(&vd));
	usleep(500 * 1000);
	CU_ASSERT_TRUE(WIFSIGNALED(vd_stop(&vd, SIGKILL)));
	usleep(300 * 1000);
	CU_ASSERT_TRUE_FATAL(vd_start(&vd));
	usleep(300 * 1000);
	/* a clean stop removes nothing either */
	CU_ASSERT_EQUAL(vd_stop(&vd, SIGTERM), 0);
	CU_ASSERT_TRUE_FATAL(vd_start(&vd));
	lost = ping_lost(ping, file);
	CU_ASSERT_EQUAL(lost, 0);
	/* adopted, not recreated */
	link = tl_ip_link(NULL, "vbr-nat");
	ifindex_after = tl_jint(link, "ifindex");
	json_object_put(link);
	CU_ASSERT_EQUAL(ifindex_before, ifindex_after);
	{
		struct json_object *r = vd_call(&vd, "network.get", "{\"name\":\"nat\"}");

		CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(ok(r), "status.active")));
		CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(ok(r), "status.firewall_in_place")));
		put(r);
	}
	CU_ASSERT_TRUE(wait_until(3000, "ip netns exec %s timeout 3 busybox wget -q -O - http://203.0.113.1:8080/ "
				  "2>/dev/null | grep -q hello-from-vm", out_ns));
}

static void drift_case(const char *what, const char *cmd, bool reattach)
{
	struct vc *sub = vc_connect(vd.sock);
	struct json_object *r, *e;
	char file[160];
	pid_t ping;
	int lost;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sub);
	r = vc_call(sub, "events.subscribe", NULL);
	put(r);
	snprintf(file, sizeof(file), "%s/ping-drift.txt", vd.dir);
	ping = ping_start(vm_ns, "203.0.113.2", 300, file);
	usleep(300 * 1000);
	CU_ASSERT_EQUAL(tl_run("%s", cmd), 0);
	e = vc_wait_event(sub, "drift.repaired", 5000);
	CU_ASSERT_PTR_NOT_NULL(e);
	printf("%s: repaired: %s\n", what, e ? json_object_to_json_string(tl_jget(e, "params")) : "(no event)");
	put(e);
	if (reattach)  /* the VM's port is back on the recreated bridge */
		CU_ASSERT_TRUE(wait_until(2000, "ip -j link show dev vm-port | jq -e '.[0].master == \"vbr-nat\"' >/dev/null"));
	lost = ping_lost(ping, file);
	printf("%s: %d of 300 pings lost\n", what, lost);
	/* repaired within tens of milliseconds: a handful of the 10 ms pings at most */
	CU_ASSERT_TRUE(lost >= 0 && lost <= 20);
	CU_ASSERT_TRUE(can_ping(vm_ns, "203.0.113.2"));
	CU_ASSERT_EQUAL(tl_run("nft list table inet vnet | grep -q 8080"), 0);
	CU_ASSERT_EQUAL(tl_run("ip -j addr show dev vbr-nat | jq -e '.[0].addr_info[0].local == \"10.77.0.1\"' >/dev/null"), 0);
	CU_ASSERT_EQUAL(tl_run("ip -j link show dev vbr-nat | jq -e '.[0].operstate != null' >/dev/null"), 0);
	vc_close(sub);
}

static void test_drift(void)
{
	drift_case("table flushed", "nft flush table inet vnet", false);
	drift_case("table deleted", "nft delete table inet vnet", false);
	drift_case("address removed", "ip addr del 10.77.0.1/24 dev vbr-nat", false);
	drift_case("bridge deleted", "ip link del vbr-nat", true);
	{
		struct json_object *r = vd_call(&vd, "daemon.status", NULL);

		CU_ASSERT_TRUE(tl_jint(ok(r), "drift_repairs") >= 4);
		put(r);
	}
}

static void test_autostart(void)
{
	expect_ok("network.define", "{\"name\":\"auto\",\"mode\":\"isolated\",\"bridge\":\"vbr-auto\",\"autostart\":true}");
	CU_ASSERT_NOT_EQUAL(tl_run("ip link show vbr-auto >/dev/null 2>&1"), 0);
	CU_ASSERT_EQUAL(vd_stop(&vd, SIGTERM), 0);
	CU_ASSERT_TRUE_FATAL(vd_start(&vd));
	CU_ASSERT_EQUAL(tl_run("ip link show vbr-auto >/dev/null 2>&1"), 0);
	expect_ok("network.stop", "{\"name\":\"auto\"}");
	/* stopped by hand: a restart leaves it stopped? No: autostart means start at launch. */
	expect_ok("network.undefine", "{\"name\":\"auto\"}");
}

static void test_isolation(void)
{
	expect_ok("network.define", "{\"name\":\"iso\",\"mode\":\"isolated\",\"bridge\":\"vbr-iso\","
				    "\"ipv4\":{\"address\":\"10.78.0.1/24\"}}");
	expect_ok("network.start", "{\"name\":\"iso\"}");
	expect_ok("network.define", "{\"name\":\"rt\",\"mode\":\"routed\",\"bridge\":\"vbr-rt\","
				    "\"ipv4\":{\"address\":\"10.79.0.1/24\"}}");
	expect_ok("network.start", "{\"name\":\"rt\"}");
	add_host(iso_ns, sizeof(iso_ns), "iso", "iso-port", "10.78.0.10/24", "10.78.0.1");
	CU_ASSERT_EQUAL(tl_run("ip link set iso-port master vbr-iso"), 0);
	add_host(rt_ns, sizeof(rt_ns), "rt", "rt-port", "10.79.0.10/24", "10.79.0.1");
	CU_ASSERT_EQUAL(tl_run("ip link set rt-port master vbr-rt"), 0);
	CU_ASSERT_EQUAL(tl_run("ip -n %s route add 10.79.0.0/24 via 203.0.113.1", out_ns), 0);
	CU_ASSERT_EQUAL(tl_run("ip -n %s route add 10.78.0.0/24 via 203.0.113.1", out_ns), 0);

	/* isolated: the host only */
	CU_ASSERT_TRUE(can_ping(iso_ns, "10.78.0.1"));
	CU_ASSERT_FALSE(can_ping(iso_ns, "203.0.113.2"));
	CU_ASSERT_FALSE(can_ping(iso_ns, "10.77.0.10"));
	CU_ASSERT_FALSE(can_ping(vm_ns, "10.78.0.10"));
	CU_ASSERT_FALSE(can_ping(out_ns, "10.78.0.10"));
	/* routed: both ways, without NAT */
	CU_ASSERT_TRUE(can_ping(rt_ns, "203.0.113.2"));
	CU_ASSERT_TRUE(can_ping(out_ns, "10.79.0.10"));
	/* the NAT network stays closed from outside */
	CU_ASSERT_FALSE(can_ping(out_ns, "10.77.0.10"));
	CU_ASSERT_TRUE(can_ping(vm_ns, "203.0.113.2"));
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "nat and forward", test_nat_and_forward },
		{ "restart under traffic", test_restart_under_traffic },
		{ "drift repaired", test_drift },
		{ "autostart", test_autostart },
		{ "isolation between modes", test_isolation },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "vnetd data plane", suite_init, suite_clean, NULL, NULL, tests },
		CU_SUITE_INFO_NULL,
	};

	tl_init_root();
	return tl_run_suites(suites);
}
