/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bridge mode: a veth stands in for the physical NIC, a namespace for the
 * LAN. network.start makes the NIC a bridge port and moves its addresses
 * and routes (the default route too) to the bridge; network.stop moves them
 * back. The host pings the LAN all along; lost pings are counted.
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
static char lan_ns[32], vm_ns[32];

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

static bool can_ping(const char *ns, const char *dst)
{
	if (!ns)
		return tl_run("busybox ping -c 2 -W 1 -q %s >/dev/null 2>&1", dst) == 0;
	return tl_run("ip netns exec %s busybox ping -c 2 -W 1 -q %s >/dev/null 2>&1", ns, dst) == 0;
}

static pid_t ping_start(const char *dst, int count, const char *file)
{
	pid_t pid = fork();

	if (pid == 0) {
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "exec busybox ping -i 0.01 -W 1 -c %d -q %s >%s 2>&1", count, dst, file);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int ping_lost(pid_t pid, const char *file)
{
	int st, tx = -1, rx = -1;
	char *out, *p;

	waitpid(pid, &st, 0);
	out = tl_capture(NULL, "cat %s", file);
	p = out ? strstr(out, "packets transmitted") : NULL;
	if (p) {
		while (p > out && p[-1] != '\n')
			p--;
		sscanf(p, "%d packets transmitted, %d packets received", &tx, &rx);
	}
	free(out);
	return tx < 0 || rx < 0 ? -1 : tx - rx;
}

/* Where the host's addresses and default route are. */
static void expect_on(const char *dev, const char *not_dev)
{
	CU_ASSERT_EQUAL(tl_run("ip -j addr show dev %s | jq -e '[.[0].addr_info[].local] | index(\"192.0.2.10\") != null' >/dev/null", dev), 0);
	CU_ASSERT_EQUAL(tl_run("ip -j addr show dev %s | jq -e '[.[0].addr_info[].local] | index(\"fd00:2::10\") != null' >/dev/null", dev), 0);
	CU_ASSERT_EQUAL(tl_run("ip -j addr show dev %s | jq -e '[.[0].addr_info[] | select(.family == \"inet\")] | length == 0' >/dev/null", not_dev), 0);
	CU_ASSERT_EQUAL(tl_run("ip -j route show default | jq -e '.[0].dev == \"%s\" and .[0].gateway == \"192.0.2.1\"' >/dev/null", dev), 0);
	CU_ASSERT_EQUAL(tl_run("ip -j route show 198.51.100.0/24 | jq -e '.[0].dev == \"%s\"' >/dev/null", dev), 0);
	CU_ASSERT_EQUAL(tl_run("ip -6 -j route show default | jq -e '.[0].dev == \"%s\"' >/dev/null", dev), 0);
}

static void test_bridge_mode(void)
{
	char file[160];
	pid_t ping;
	int lost;
	struct json_object *r;

	/* the LAN: a router at 192.0.2.1 that also answers for 198.51.100.1 */
	snprintf(lan_ns, sizeof(lan_ns), "%s", tl_netns_add("lan"));
	CU_ASSERT_EQUAL_FATAL(tl_run(
		"ip link add nic0 address 52:54:00:aa:bb:01 type veth peer name eth0 netns %s && "
		"ip -n %s addr add 192.0.2.1/24 dev eth0 && ip -n %s addr add 198.51.100.1/24 dev eth0 && "
		"ip -n %s addr add fd00:2::1/64 dev eth0 nodad && ip -n %s link set eth0 up && "
		"ip addr add 192.0.2.10/24 dev nic0 && ip addr add fd00:2::10/64 dev nic0 nodad && ip link set nic0 up && "
		"ip route add default via 192.0.2.1 dev nic0 && ip route add 198.51.100.0/24 via 192.0.2.1 && "
		"ip -6 route add default via fd00:2::1 dev nic0",
		lan_ns, lan_ns, lan_ns, lan_ns, lan_ns), 0);
	CU_ASSERT_TRUE(can_ping(NULL, "192.0.2.1"));
	CU_ASSERT_TRUE(can_ping(NULL, "198.51.100.1"));

	expect_ok("network.define", "{\"name\":\"lan\",\"mode\":\"bridge\",\"bridge\":\"vbr-lan\",\"uplink\":\"nic0\"}");
	snprintf(file, sizeof(file), "%s/ping-start.txt", vd.dir);
	ping = ping_start("198.51.100.1", 200, file);
	usleep(300 * 1000);
	expect_ok("network.start", "{\"name\":\"lan\"}");
	lost = ping_lost(ping, file);
	printf("bridge mode start: %d of 200 pings lost\n", lost);
	CU_ASSERT_TRUE(lost >= 0 && lost <= 5);

	/* the uplink is a port; its addresses and routes are the bridge's now */
	CU_ASSERT_EQUAL(tl_run("ip -j link show dev nic0 | jq -e '.[0].master == \"vbr-lan\"' >/dev/null"), 0);
	expect_on("vbr-lan", "nic0");
	/* the bridge took the NIC's MAC: the LAN's neighbour caches stay right */
	CU_ASSERT_EQUAL(tl_run("ip -j link show dev vbr-lan | jq -e '.[0].address == \"52:54:00:aa:bb:01\"' >/dev/null"), 0);
	CU_ASSERT_TRUE(can_ping(NULL, "198.51.100.1"));
	CU_ASSERT_TRUE(can_ping(NULL, "fd00:2::1"));

	/* a VM on the bridge is on the LAN itself */
	snprintf(vm_ns, sizeof(vm_ns), "%s", tl_netns_add("vm"));
	CU_ASSERT_EQUAL(tl_run("ip link add vm-port type veth peer name eth0 netns %s && "
			       "ip link set vm-port master vbr-lan up && ip -n %s addr add 192.0.2.50/24 dev eth0 && "
			       "ip -n %s link set eth0 up", vm_ns, vm_ns, vm_ns), 0);
	CU_ASSERT_TRUE(can_ping(vm_ns, "192.0.2.1"));
	CU_ASSERT_TRUE(can_ping(lan_ns, "192.0.2.50"));

	/* a crash and a restart: adopted, and what moved is still remembered */
	CU_ASSERT_TRUE(WIFSIGNALED(vd_stop(&vd, SIGKILL)));
	CU_ASSERT_TRUE_FATAL(vd_start(&vd));
	expect_on("vbr-lan", "nic0");
	r = vd_call(&vd, "network.get", "{\"name\":\"lan\"}");
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(ok(r), "status.active")));
	put(r);

	/* stop: everything goes back to the NIC */
	snprintf(file, sizeof(file), "%s/ping-stop.txt", vd.dir);
	ping = ping_start("198.51.100.1", 200, file);
	usleep(300 * 1000);
	expect_ok("network.stop", "{\"name\":\"lan\"}");
	lost = ping_lost(ping, file);
	printf("bridge mode stop: %d of 200 pings lost\n", lost);
	CU_ASSERT_TRUE(lost >= 0 && lost <= 5);
	CU_ASSERT_NOT_EQUAL(tl_run("ip link show dev vbr-lan >/dev/null 2>&1"), 0);
	CU_ASSERT_EQUAL(tl_run("ip -j link show dev nic0 | jq -e '.[0].master == null' >/dev/null"), 0);
	CU_ASSERT_EQUAL(tl_run("ip -j addr show dev nic0 | jq -e '[.[0].addr_info[].local] | index(\"192.0.2.10\") != null' >/dev/null"), 0);
	CU_ASSERT_EQUAL(tl_run("ip -j route show default | jq -e '.[0].dev == \"nic0\"' >/dev/null"), 0);
	CU_ASSERT_EQUAL(tl_run("ip -j route show 198.51.100.0/24 | jq -e '.[0].dev == \"nic0\"' >/dev/null"), 0);
	CU_ASSERT_TRUE(can_ping(NULL, "198.51.100.1"));
	CU_ASSERT_TRUE(can_ping(NULL, "fd00:2::1"));
}

static void test_bridge_errors(void)
{
	struct json_object *r;

	expect_ok("network.define", "{\"name\":\"ghost\",\"mode\":\"bridge\",\"bridge\":\"vbr-ghost\",\"uplink\":\"nosuch0\"}");
	r = vd_call(&vd, "network.start", "{\"name\":\"ghost\"}");
	err_is(r, "ENODEV", "uplink 'nosuch0' does not exist");
	put(r);
	CU_ASSERT_NOT_EQUAL(tl_run("ip link show dev vbr-ghost >/dev/null 2>&1"), 0);
	/* a NIC that is already some bridge's port */
	CU_ASSERT_EQUAL(tl_run("ip link add other-br type bridge && ip link add nic9 type veth peer name nic9p && "
			       "ip link set nic9 master other-br"), 0);
	expect_ok("network.define", "{\"name\":\"busy\",\"mode\":\"bridge\",\"bridge\":\"vbr-busy\",\"uplink\":\"nic9\"}");
	r = vd_call(&vd, "network.start", "{\"name\":\"busy\"}");
	err_is(r, "EBUSY", "uplink 'nic9' is already a port of 'other-br'");
	put(r);
	/* two networks cannot share an uplink */
	r = vd_call(&vd, "network.define", "{\"name\":\"busy2\",\"mode\":\"bridge\",\"bridge\":\"vbr-busy2\",\"uplink\":\"nic9\"}");
	err_is(r, "EBUSY", "uplink 'nic9' is already the uplink of network 'busy'");
	put(r);
}

static int suite_init(void)
{
	vd_setup(&vd);
	return vd_start(&vd) ? 0 : -1;
}

static int suite_clean(void)
{
	int st = vd_stop(&vd, SIGTERM);

	/* a clean exit (and, under the sanitizers, no leaks) */
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		vd_dump_log(&vd);
		return -1;
	}
	return 0;
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "bridge mode", test_bridge_mode },
		{ "bridge mode errors", test_bridge_errors },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "vnetd bridge mode", suite_init, suite_clean, NULL, NULL, tests },
		CU_SUITE_INFO_NULL,
	};

	tl_init_root();
	return tl_run_suites(suites);
}
