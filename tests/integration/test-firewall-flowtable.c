/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A NAT network with a flowtable (software fast path): traffic still flows
 * and the flowtable holds the bridge and the uplink. Kernels built without
 * CONFIG_NF_FLOW_TABLE cannot create flowtables; there the test is skipped.
 */
#include <netinet/in.h>
#include <vnet/vnet.h>

#include "fwlab.h"

static struct lab lab;
static struct vnet_ctx *ctx;

static void test_flowtable_traffic(void)
{
	struct vnet_prefix sub;
	struct vnet_fw_network net = { .name = "a", .bridge = "vbra", .mode = VNET_FW_NAT,
				       .subnets = &sub, .n_subnets = 1, .nat_uplink = LAB_UPLINK,
				       .flowtable = true };
	struct vnet_fw_spec spec = { &net, 1 };
	char seen[64];
	const char *vm;
	bool matches = false;

	CU_ASSERT_EQUAL_FATAL(vnet_prefix_parse("subnet", "192.168.100.1/24", &sub, NULL), 0);
	lab_bridge("vbra", "192.168.100.1/24", 1);
	vm = lab_vm("vbra", "192.168.100.11/24", "192.168.100.1");
	CU_ASSERT_EQUAL_FATAL(vnet_fw_apply(ctx, &spec), 0);
	CU_ASSERT_EQUAL(tl_run("nft list flowtable inet vnet ft_a | grep -q vbra"), 0);
	CU_ASSERT_EQUAL(tl_run("nft list table inet vnet >/dev/null"), 0);
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &spec, &matches), 0);
	CU_ASSERT_TRUE(matches);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(lab_get(vm, LAB_OUTSIDE_IP, 8000, seen, sizeof(seen)), 0);
		CU_ASSERT_STRING_EQUAL(seen, LAB_HOST_IP);
	}
	/* Turning it off removes the flowtable and keeps traffic flowing. */
	net.flowtable = false;
	if (vnet_fw_apply(ctx, &spec) < 0)
		CU_FAIL(vnet_ctx_errmsg(ctx));
	CU_ASSERT_NOT_EQUAL(tl_run("nft list flowtable inet vnet ft_a >/dev/null 2>&1"), 0);
	CU_ASSERT_EQUAL(lab_get(vm, LAB_OUTSIDE_IP, 8000, NULL, 0), 0);
}

static int setup(void)
{
	lab_init(&lab);
	lab_httpd(&lab, lab.outside, 8000);
	return vnet_ctx_new(&ctx, NULL, NULL) < 0;
}

static int teardown(void)
{
	vnet_ctx_unref(ctx);
	lab_fini(&lab);
	return 0;
}

static CU_TestInfo tests[] = {
	{ "traffic through a network with a flowtable", test_flowtable_traffic },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "firewall flowtable", setup, teardown, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	tl_init_root();
	if (!tl_kernel_can("{ nft add table inet probe && "
			   "nft add flowtable inet probe f '{ hook ingress priority 0; devices = { lo }; }' && "
			   "nft delete table inet probe; }"))
		tl_skip_feature("NF_FLOW_TABLE", "cannot create an nftables flowtable (CONFIG_NF_FLOW_TABLE)");
	return tl_run_suites(suites);
}
