/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * table inet vnet with real traffic: NAT out, forwards in, hairpin, the host
 * using a forward, isolation, NAT networks kept apart, VMs on one bridge,
 * and changing one network without disturbing another (an established TCP
 * connection included). State is read back with nft(8) as well.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/wait.h>
#include <vnet/vnet.h>

#include "fwlab.h"

static struct lab lab;
static char out2[32];
static struct vnet_ctx *ctx;
static const char *vm1, *vm2, *vm3, *vm4, *vm5, *vm6;

static struct vnet_prefix sub_a[2], sub_b, sub_c, sub_d, sub_e;
static struct vnet_fw_forward fwd_a[3];
static struct vnet_fw_network nets[5];
static struct vnet_fw_spec spec = { nets, 5 };

static struct vnet_prefix pfx(const char *s)
{
	struct vnet_prefix p;

	if (vnet_prefix_parse("test", s, &p, NULL) < 0)
		exit(99);
	return p;
}

static int setup(void)
{
	char vm1buf[32], vm2buf[32], vm3buf[32], vm4buf[32], vm5buf[32], vm6buf[32];
	struct vnet_error err;

	lab_init(&lab);
	lab_bridge("vbra", "192.168.100.1/24", 1);
	lab_bridge("vbrb", "192.168.101.1/24", 2);
	lab_bridge("vbrc", "192.168.102.1/24", 3);
	lab_bridge("vbrd", "192.168.103.1/24", 4);
	lab_bridge("vbre", "192.168.104.1/24", 5);
	/* A second address on the uplink for SNAT, and a second uplink nobody may NAT out of. */
	lab_must(tl_run("ip addr add 203.0.113.5/24 dev " LAB_UPLINK), "snat address");
	snprintf(out2, sizeof(out2), "%s", tl_netns_add("out"));
	lab_must(tl_run("ip link add up1 type veth peer name eth0 netns %s && "
			"ip addr add 198.51.100.1/24 dev up1 && ip link set up1 up && "
			"ip -n %s addr add 198.51.100.2/24 dev eth0 && ip -n %s link set eth0 up && "
			"ip -n %s route add default via 198.51.100.1",
			out2, out2, out2, out2), "second uplink");
	snprintf(vm1buf, sizeof(vm1buf), "%s", lab_vm("vbra", "192.168.100.11/24", "192.168.100.1"));
	snprintf(vm2buf, sizeof(vm2buf), "%s", lab_vm("vbra", "192.168.100.12/24", "192.168.100.1"));
	snprintf(vm3buf, sizeof(vm3buf), "%s", lab_vm("vbrb", "192.168.101.11/24", "192.168.101.1"));
	snprintf(vm4buf, sizeof(vm4buf), "%s", lab_vm("vbrc", "192.168.102.11/24", "192.168.102.1"));
	snprintf(vm5buf, sizeof(vm5buf), "%s", lab_vm("vbrd", "192.168.103.11/24", "192.168.103.1"));
	snprintf(vm6buf, sizeof(vm6buf), "%s", lab_vm("vbre", "192.168.104.11/24", "192.168.104.1"));
	vm1 = strdup(vm1buf);
	/* IPv6 on network a and the uplink (nodad: usable at once). */
	lab_must(tl_run("sysctl -qw net.ipv6.conf.all.forwarding=1 && "
			"ip addr add fd00:a::1/64 dev vbra nodad && "
			"ip addr add 2001:db8:1::1/64 dev " LAB_UPLINK " nodad && "
			"ip -n %s addr add 2001:db8:1::2/64 dev eth0 nodad && "
			"ip -n %s route add fd00::/8 via 2001:db8:1::1 && "
			"ip -n %s addr add fd00:a::11/64 dev eth0 nodad && "
			"ip -n %s route add default via fd00:a::1",
			lab.outside, lab.outside, vm1buf, vm1buf), "ipv6");
	vm2 = strdup(vm2buf);
	vm3 = strdup(vm3buf);
	vm4 = strdup(vm4buf);
	vm5 = strdup(vm5buf);
	vm6 = strdup(vm6buf);
	lab_httpd(&lab, lab.outside, 8000);
	lab_httpd(&lab, out2, 8000);
	lab_httpd(&lab, vm1, 80);
	lab_httpd(&lab, vm2, 80);
	lab_httpd(&lab, vm3, 80);
	lab_httpd(&lab, vm4, 80);
	lab_httpd(&lab, vm5, 80);

	sub_a[0] = pfx("192.168.100.1/24");
	sub_a[1] = pfx("fd00:a::1/64");
	sub_b = pfx("192.168.101.1/24");
	sub_c = pfx("192.168.102.1/24");
	sub_d = pfx("192.168.103.1/24");
	sub_e = pfx("192.168.104.1/24");
	/* Any local address :8080 -> vm1:80; 203.0.113.1:8081 -> vm2:80. */
	fwd_a[0] = (struct vnet_fw_forward){ .proto = IPPROTO_TCP, .port = 8080,
					     .to = pfx("192.168.100.11"), .to_port = 80 };
	fwd_a[1] = (struct vnet_fw_forward){ .proto = IPPROTO_TCP, .port = 8081, .has_address = true,
					     .address = pfx(LAB_HOST_IP), .to = pfx("192.168.100.12"),
					     .to_port = 80 };
	/* IPv6: any local address :8086 -> [fd00:a::11]:80. */
	fwd_a[2] = (struct vnet_fw_forward){ .proto = IPPROTO_TCP, .port = 8086,
					     .to = pfx("fd00:a::11"), .to_port = 80 };
	nets[0] = (struct vnet_fw_network){ .name = "a", .bridge = "vbra", .mode = VNET_FW_NAT,
					    .subnets = sub_a, .n_subnets = 2, .forwards = fwd_a,
					    .n_forwards = 3 };
	nets[1] = (struct vnet_fw_network){ .name = "b", .bridge = "vbrb", .mode = VNET_FW_NAT,
					    .subnets = &sub_b, .n_subnets = 1 };
	nets[2] = (struct vnet_fw_network){ .name = "c", .bridge = "vbrc", .mode = VNET_FW_ISOLATED,
					    .subnets = &sub_c, .n_subnets = 1 };
	nets[3] = (struct vnet_fw_network){ .name = "d", .bridge = "vbrd", .mode = VNET_FW_ROUTED,
					    .subnets = &sub_d, .n_subnets = 1 };
	/* nat out of one uplink only, to a fixed address. */
	nets[4] = (struct vnet_fw_network){ .name = "e", .bridge = "vbre", .mode = VNET_FW_NAT,
					    .subnets = &sub_e, .n_subnets = 1, .nat_uplink = LAB_UPLINK,
					    .has_snat4 = true, .snat4 = pfx("203.0.113.5") };
	if (vnet_ctx_new(&ctx, NULL, &err) < 0) {
		fprintf(stderr, "ctx: %s\n", err.msg);
		return 1;
	}
	if (vnet_fw_apply(ctx, &spec) < 0) {
		fprintf(stderr, "apply: %s\n", vnet_ctx_errmsg(ctx));
		return 1;
	}
	return 0;
}

static int teardown(void)
{
	free((char *)vm1);
	free((char *)vm2);
	free((char *)vm3);
	free((char *)vm4);
	free((char *)vm5);
	free((char *)vm6);
	vnet_ctx_unref(ctx);
	lab_fini(&lab);
	return 0;
}

static void test_listed(void)
{
	bool matches = false;

	CU_ASSERT_EQUAL(tl_run("nft list table inet vnet >/dev/null"), 0);
	/* What nft lists, nft reads back (nft -c: parsed and checked by the kernel, not applied). */
	CU_ASSERT_EQUAL(tl_run("nft list table inet vnet | nft -c -f -"), 0);
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &spec, &matches), 0);
	CU_ASSERT_TRUE(matches);
	/* Applying again changes nothing and is not an error. */
	CU_ASSERT_EQUAL(vnet_fw_apply(ctx, &spec), 0);
}

static void test_nat_out(void)
{
	char seen[64];

	CU_ASSERT_EQUAL(lab_get(vm1, LAB_OUTSIDE_IP, 8000, seen, sizeof(seen)), 0);
	/* The outside host sees the host's uplink address, not the VM's. */
	CU_ASSERT_STRING_EQUAL(seen, LAB_HOST_IP);
	CU_ASSERT_EQUAL(lab_get(vm3, LAB_OUTSIDE_IP, 8000, seen, sizeof(seen)), 0);
	CU_ASSERT_STRING_EQUAL(seen, LAB_HOST_IP);
	/* Nothing comes in to a NAT network that a forward did not send. */
	CU_ASSERT_NOT_EQUAL(lab_get(lab.outside, "192.168.100.11", 80, NULL, 0), 0);
}

static void test_forward_in(void)
{
	char seen[64];

	/* The VM sees the real client. */
	CU_ASSERT_EQUAL(lab_get(lab.outside, LAB_HOST_IP, 8080, seen, sizeof(seen)), 0);
	CU_ASSERT_STRING_EQUAL(seen, LAB_OUTSIDE_IP);
	CU_ASSERT_EQUAL(lab_get(lab.outside, LAB_HOST_IP, 8081, seen, sizeof(seen)), 0);
	CU_ASSERT_STRING_EQUAL(seen, LAB_OUTSIDE_IP);
	/* A forward bound to one address does not answer on another local address. */
	CU_ASSERT_NOT_EQUAL(lab_get(vm3, "192.168.101.1", 8081, NULL, 0), 0);
}

static void test_ipv6(void)
{
	char seen[64];

	/* A forward to an IPv6 target keeps the client address. */
	CU_ASSERT_EQUAL(lab_get(lab.outside, "[2001:db8:1::1]", 8086, seen, sizeof(seen)), 0);
	CU_ASSERT_STRING_EQUAL(seen, "2001:db8:1::2");
	/* IPv6 of a nat network is routed both ways (libvirt), not masqueraded. */
	CU_ASSERT_EQUAL(lab_get(vm1, "[2001:db8:1::2]", 8000, seen, sizeof(seen)), 0);
	CU_ASSERT_STRING_EQUAL(seen, "fd00:a::11");
	CU_ASSERT_EQUAL(lab_get(lab.outside, "[fd00:a::11]", 80, seen, sizeof(seen)), 0);
	CU_ASSERT_STRING_EQUAL(seen, "2001:db8:1::2");
}

static void test_hairpin(void)
{
	char seen[64];

	/* vm2 reaches vm1 through the host's address; vm1 answers via the host. */
	CU_ASSERT_EQUAL(lab_get(vm2, LAB_HOST_IP, 8080, seen, sizeof(seen)), 0);
	CU_ASSERT_STRING_EQUAL(seen, "192.168.100.1");
	/*
	 * (A VM reaching a forward to itself also needs hairpin mode on its
	 * bridge port: br_netfilter bridges the DNAT'd frame back out the port it
	 * came in on. That is the link layer's setting, not the firewall's.)
	 */
}

static void test_host_uses_forward(void)
{
	char seen[64];

	CU_ASSERT_EQUAL(lab_get(NULL, LAB_HOST_IP, 8080, seen, sizeof(seen)), 0);
	CU_ASSERT_STRING_EQUAL(seen, LAB_HOST_IP);
	CU_ASSERT_EQUAL(lab_get(NULL, "192.168.101.1", 8080, seen, sizeof(seen)), 0);
	CU_ASSERT_STRING_EQUAL(seen, "192.168.101.1");
}

static void test_snat_uplink(void)
{
	char seen[64];

	CU_ASSERT_EQUAL(lab_get(vm6, LAB_OUTSIDE_IP, 8000, seen, sizeof(seen)), 0);
	CU_ASSERT_STRING_EQUAL(seen, "203.0.113.5");
	/* Restricted to its uplink: the second uplink is no way out for e, but is for a. */
	CU_ASSERT_NOT_EQUAL(lab_get(vm6, "198.51.100.2", 8000, NULL, 0), 0);
	CU_ASSERT_EQUAL(lab_get(vm1, "198.51.100.2", 8000, seen, sizeof(seen)), 0);
	CU_ASSERT_STRING_EQUAL(seen, "198.51.100.1");
}

static void test_isolated(void)
{
	char seen[64];

	CU_ASSERT_NOT_EQUAL(lab_get(vm4, LAB_OUTSIDE_IP, 8000, NULL, 0), 0);
	CU_ASSERT_NOT_EQUAL(lab_get(lab.outside, "192.168.102.11", 80, NULL, 0), 0);
	CU_ASSERT_NOT_EQUAL(lab_get(vm1, "192.168.102.11", 80, NULL, 0), 0);
	CU_ASSERT_NOT_EQUAL(lab_get(vm4, "192.168.100.11", 80, NULL, 0), 0);
	/* The host itself still talks to the isolated network. */
	CU_ASSERT_EQUAL(lab_get(NULL, "192.168.102.11", 80, seen, sizeof(seen)), 0);
	CU_ASSERT_STRING_EQUAL(seen, "192.168.102.1");
}

static void test_networks_apart(void)
{
	char seen[64];

	CU_ASSERT_NOT_EQUAL(lab_get(vm1, "192.168.101.11", 80, NULL, 0), 0);
	CU_ASSERT_NOT_EQUAL(lab_get(vm3, "192.168.100.11", 80, NULL, 0), 0);
	/* routed <-> nat: rejected too (only routed <-> routed passes). */
	CU_ASSERT_NOT_EQUAL(lab_get(vm5, "192.168.100.11", 80, NULL, 0), 0);
	CU_ASSERT_NOT_EQUAL(lab_get(vm1, "192.168.103.11", 80, NULL, 0), 0);
	/* routed: reachable from outside without NAT, and it sees the real client. */
	CU_ASSERT_EQUAL(lab_get(lab.outside, "192.168.103.11", 80, seen, sizeof(seen)), 0);
	CU_ASSERT_STRING_EQUAL(seen, LAB_OUTSIDE_IP);
	CU_ASSERT_EQUAL(lab_get(vm5, LAB_OUTSIDE_IP, 8000, seen, sizeof(seen)), 0);
	CU_ASSERT_STRING_EQUAL(seen, "192.168.103.11");
}

static void test_same_bridge(void)
{
	char seen[64];

	CU_ASSERT_EQUAL(lab_get(vm1, "192.168.100.12", 80, seen, sizeof(seen)), 0);
	CU_ASSERT_STRING_EQUAL(seen, "192.168.100.11");
	CU_ASSERT_EQUAL(lab_get(vm2, "192.168.100.11", 80, seen, sizeof(seen)), 0);
	CU_ASSERT_STRING_EQUAL(seen, "192.168.100.12");
}

/* The handles of the rules of @chains: the same handles mean the rules were not rebuilt. */
static char *chain_handles(const char *chains)
{
	return tl_capture(NULL, "for c in %s; do nft -j list chain inet vnet $c | "
			  "jq -c '[.nftables[].rule.handle | select(. != null)]'; done", chains);
}

/* Run @cmd with sh in a child; returns its pid. */
static pid_t spawn(const char *cmd)
{
	pid_t pid = fork();

	if (pid == 0) {
		execlp("sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void test_change_one_network(void)
{
	char *before_a, *after_a, *got;
	char cmd[512], out[128];
	bool matches = false;
	pid_t cli;
	int st;

	/* A TCP connection from vm1 to outside (through NAT) that lives across the change. */
	snprintf(out, sizeof(out), "%s/stream", lab.www);
	snprintf(cmd, sizeof(cmd),
		 "timeout 10 ip netns exec %s busybox wget -q -O %s http://%s:8000/cgi-bin/slow",
		 vm1, out, LAB_OUTSIDE_IP);
	cli = spawn(cmd);
	CU_ASSERT_FATAL(cli > 0);
	usleep(1000000);
	/* Mid-stream: some lines are in, not all. */
	got = tl_capture(NULL, "grep -c '^line' %s", out);
	CU_ASSERT_TRUE(got && atoi(got) > 0 && atoi(got) < 30);
	free(got);

	CU_ASSERT_EQUAL(tl_run("nft list table inet vnet | grep -q '\"%s\" \\. [0-9]'", nets[3].bridge), 0);
	before_a = chain_handles("forward fwd_from fwd_to src_ok dst_ok post_from nat_src");
	/* b stops being managed (open: no rules), d changes mode: only elements change, no rule. */
	nets[1].mode = VNET_FW_OPEN;
	nets[3].mode = VNET_FW_ISOLATED;
	CU_ASSERT_EQUAL(vnet_fw_apply(ctx, &spec), 0);
	after_a = chain_handles("forward fwd_from fwd_to src_ok dst_ok post_from nat_src");
	CU_ASSERT_PTR_NOT_NULL(before_a);
	CU_ASSERT_PTR_NOT_NULL(after_a);
	if (before_a && after_a) {
		CU_ASSERT_STRING_EQUAL(before_a, after_a);
		CU_ASSERT_TRUE(strlen(before_a) > 4);
	}
	free(before_a);
	free(after_a);
	/* b is no longer filtered; d is isolated: its subnet is no source any more. */
	CU_ASSERT_NOT_EQUAL(tl_run("nft list set inet vnet filtered | grep -q '\"%s\"'", nets[1].bridge), 0);
	CU_ASSERT_EQUAL(tl_run("nft list set inet vnet bridges | grep -q '\"%s\"'", nets[1].bridge), 0);
	CU_ASSERT_NOT_EQUAL(tl_run("nft list table inet vnet | grep -q '\"%s\" \\. [0-9]'", nets[3].bridge), 0);

	CU_ASSERT_EQUAL(waitpid(cli, &st, 0), cli);
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	usleep(300000);
	got = tl_capture(NULL, "grep -c '^line' %s", out);
	/* Every line made it: the connection was never cut. */
	CU_ASSERT_PTR_NOT_NULL(got);
	if (got)
		CU_ASSERT_EQUAL(atoi(got), 30);
	free(got);

	/* New connections through a still work; d is now isolated. */
	CU_ASSERT_EQUAL(lab_get(vm1, LAB_OUTSIDE_IP, 8000, NULL, 0), 0);
	CU_ASSERT_EQUAL(lab_get(lab.outside, LAB_HOST_IP, 8080, NULL, 0), 0);
	CU_ASSERT_NOT_EQUAL(lab_get(vm5, LAB_OUTSIDE_IP, 8000, NULL, 0), 0);
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &spec, &matches), 0);
	CU_ASSERT_TRUE(matches);
	CU_ASSERT_EQUAL(tl_run("nft list table inet vnet >/dev/null"), 0);
}

static void test_drift_and_monitor(void)
{
	struct vnet_fw_monitor *mon = NULL;
	bool matches = true, touched = true;

	CU_ASSERT_EQUAL_FATAL(vnet_fw_monitor_new(ctx, &mon), 0);
	/* Our own changes are not reported. */
	nets[3].mode = VNET_FW_ROUTED;
	CU_ASSERT_EQUAL(vnet_fw_apply(ctx, &spec), 0);
	CU_ASSERT_EQUAL(vnet_fw_monitor_read(mon, &touched), 0);
	CU_ASSERT_FALSE(touched);

	/* Someone else removes a forward and an element of a network. */
	CU_ASSERT_EQUAL(tl_run("nft delete element inet vnet fwd4any '{ tcp . 8080 }' && "
			       "nft delete element inet vnet filtered '{ \"%s\" }'", nets[0].bridge), 0);
	CU_ASSERT_EQUAL(vnet_fw_monitor_read(mon, &touched), 0);
	CU_ASSERT_TRUE(touched);
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &spec, &matches), 0);
	CU_ASSERT_FALSE(matches);
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "fwd4any"));
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "filtered"));
	/* Elements only: put back one by one, the rules untouched. */
	CU_ASSERT_EQUAL(vnet_fw_apply(ctx, &spec), 0);
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &spec, &matches), 0);
	CU_ASSERT_TRUE(matches);

	/* Someone flushes a chain. */
	CU_ASSERT_EQUAL(tl_run("nft flush chain inet vnet fwd_to"), 0);
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &spec, &matches), 0);
	CU_ASSERT_FALSE(matches);
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "fwd_to"));

	/* A rule replaced in place (same count, not the first with its tag) is drift too. */
	CU_ASSERT_EQUAL(tl_run("h=$(nft -a -j list chain inet vnet in_br | jq '[.nftables[].rule.handle | select(. != null)][1]') && "
			       "nft replace rule inet vnet in_br handle $h udp dport 68 accept"), 0);
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &spec, &matches), 0);
	CU_ASSERT_FALSE(matches);
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "in_br has rules that were changed"));
	CU_ASSERT_EQUAL(vnet_fw_monitor_read(mon, &touched), 0);
	CU_ASSERT_TRUE(touched);

	/* A change to another table does not count. */
	CU_ASSERT_EQUAL(tl_run("nft add table inet other && nft delete table inet other"), 0);
	CU_ASSERT_EQUAL(vnet_fw_monitor_read(mon, &touched), 0);
	CU_ASSERT_FALSE(touched);

	/* Repair. */
	CU_ASSERT_EQUAL(vnet_fw_apply(ctx, &spec), 0);
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &spec, &matches), 0);
	CU_ASSERT_TRUE(matches);
	CU_ASSERT_EQUAL(lab_get(lab.outside, LAB_HOST_IP, 8080, NULL, 0), 0);
	vnet_fw_monitor_free(mon);
}

static void test_forward_add_remove(void)
{
	/* 9100-9102 -> 79-81: 9101 lands on vm2's web server. */
	struct vnet_fw_forward f = { .proto = IPPROTO_TCP, .port = 9100, .port_end = 9102,
				     .to = pfx("192.168.100.12"), .to_port = 79 };
	char seen[64];

	CU_ASSERT_EQUAL(vnet_fw_forward_add(ctx, &nets[0], &f), 0);
	CU_ASSERT_EQUAL(lab_get(lab.outside, LAB_HOST_IP, 9101, seen, sizeof(seen)), 0);
	CU_ASSERT_STRING_EQUAL(seen, LAB_OUTSIDE_IP);
	/* Adding the same again is fine; a conflicting target is refused by the kernel. */
	CU_ASSERT_EQUAL(vnet_fw_forward_add(ctx, &nets[0], &f), 0);
	f.to = pfx("192.168.100.11");
	CU_ASSERT_EQUAL(vnet_fw_forward_add(ctx, &nets[0], &f), -EEXIST);
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "already forwarded"));
	CU_ASSERT_EQUAL(vnet_fw_forward_remove(ctx, &nets[0], &f), 0);
	CU_ASSERT_NOT_EQUAL(lab_get(lab.outside, LAB_HOST_IP, 9101, NULL, 0), 0);
	CU_ASSERT_EQUAL(vnet_fw_forward_remove(ctx, &nets[0], &f), 0);
}

static void test_delete(void)
{
	CU_ASSERT_EQUAL(vnet_fw_delete(ctx), 0);
	CU_ASSERT_NOT_EQUAL(tl_run("nft list table inet vnet >/dev/null 2>&1"), 0);
	CU_ASSERT_EQUAL(vnet_fw_delete(ctx), 0);
	/* Without the table a forward has nowhere to go, and says so. */
	CU_ASSERT_EQUAL(vnet_fw_forward_add(ctx, &nets[0], &fwd_a[0]), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "apply the networks first"));
	CU_ASSERT_EQUAL(vnet_fw_forward_remove(ctx, &nets[0], &fwd_a[0]), 0);
}

static CU_TestInfo tests[] = {
	{ "nft lists the table; verify matches", test_listed },
	{ "NAT out shows the host's address", test_nat_out },
	{ "forward from outside keeps the client address", test_forward_in },
	{ "IPv6 forward and routing", test_ipv6 },
	{ "hairpin through the host's address", test_hairpin },
	{ "the host itself uses a forward", test_host_uses_forward },
	{ "SNAT to a fixed address via one uplink", test_snat_uplink },
	{ "isolated network", test_isolated },
	{ "managed networks kept apart", test_networks_apart },
	{ "two VMs on one bridge", test_same_bridge },
	{ "changing one network leaves another alone", test_change_one_network },
	{ "drift is seen and repaired", test_drift_and_monitor },
	{ "forward add/remove", test_forward_add_remove },
	{ "delete the table", test_delete },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "firewall", setup, teardown, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	tl_init_root();
	return tl_run_suites(suites);
}
