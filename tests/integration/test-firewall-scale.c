/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * 10,000 port forwards: each added as one map element, the 10,000th costing
 * what the first did; the map holds them all, one of them still carries
 * traffic, verify and nft(8) still read the table, and a fresh apply of all
 * of them in one batch works.
 */
#include <netinet/in.h>
#include <time.h>
#include <vnet/vnet.h>

#include "fwlab.h"

#define N_FWD 10000
#define FIRST_PORT 20000

static struct lab lab;
static struct vnet_ctx *ctx;
static char vm1[32];
static struct vnet_prefix sub_a;
static struct vnet_fw_network net;
static struct vnet_fw_forward *fwds;

static struct vnet_prefix pfx(const char *s)
{
	struct vnet_prefix p;

	if (vnet_prefix_parse("test", s, &p, NULL) < 0)
		exit(99);
	return p;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long map_count(const char *map)
{
	char *out = tl_capture(NULL, "nft -j list map inet vnet %s | jq '[.nftables[].map.elem // empty | .[]] | length'",
			       map);
	long n = out ? atol(out) : -1;

	free(out);
	return n;
}

static void test_ten_thousand(void)
{
	struct vnet_fw_spec spec = { &net, 1 };
	double t0, t_all, t_first = 0, t_last = 0;
	bool matches = false;
	char seen[64];

	CU_ASSERT_EQUAL_FATAL(vnet_fw_apply(ctx, &spec), 0);
	t_all = now();
	for (int i = 0; i < N_FWD; i++) {
		t0 = now();
		if (vnet_fw_forward_add(ctx, &net, &fwds[i]) < 0) {
			fprintf(stderr, "forward %d: %s\n", i, vnet_ctx_errmsg(ctx));
			CU_FAIL_FATAL("forward_add");
		}
		if (i < 500)
			t_first += now() - t0;
		else if (i >= N_FWD - 500)
			t_last += now() - t0;
	}
	printf("10,000 adds %.3fs: first 500 %.3fs, last 500 %.3fs\n", now() - t_all, t_first, t_last);
	/* Flat cost: a hash map element, not a rule list that grows. */
	CU_ASSERT_TRUE(t_last < t_first * 4 + 0.2);
	t0 = now();
	CU_ASSERT_EQUAL(map_count("fwd4any"), N_FWD);
	printf("nft -j list map: %.3fs\n", now() - t0);
	CU_ASSERT_EQUAL(lab_get(lab.outside, LAB_HOST_IP, FIRST_PORT + 7777, seen, sizeof(seen)), 0);
	CU_ASSERT_STRING_EQUAL(seen, LAB_OUTSIDE_IP);
	CU_ASSERT_EQUAL(tl_run("nft list table inet vnet >/dev/null"), 0);

	/* The same 10,000 as a spec: verify reads them all back and finds them equal. */
	net.forwards = fwds;
	net.n_forwards = N_FWD;
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &spec, &matches), 0);
	CU_ASSERT_TRUE(matches);
	if (!matches)
		printf("drift: %s\n", vnet_ctx_errmsg(ctx));

	/* Removing one is one element. */
	CU_ASSERT_EQUAL(vnet_fw_forward_remove(ctx, &net, &fwds[7777]), 0);
	CU_ASSERT_EQUAL(map_count("fwd4any"), N_FWD - 1);
	CU_ASSERT_NOT_EQUAL(lab_get(lab.outside, LAB_HOST_IP, FIRST_PORT + 7777, NULL, 0), 0);
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &spec, &matches), 0);
	CU_ASSERT_FALSE(matches);
}

static void test_fresh_apply(void)
{
	struct vnet_fw_spec spec = { &net, 1 };
	bool matches = false;
	double t0;

	CU_ASSERT_EQUAL(vnet_fw_delete(ctx), 0);
	t0 = now();
	CU_ASSERT_EQUAL(vnet_fw_apply(ctx, &spec), 0);
	printf("apply with %d forwards: %.3fs\n", N_FWD, now() - t0);
	CU_ASSERT_EQUAL(map_count("fwd4any"), N_FWD);
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &spec, &matches), 0);
	CU_ASSERT_TRUE(matches);
	CU_ASSERT_EQUAL(lab_get(lab.outside, LAB_HOST_IP, FIRST_PORT + 9999, NULL, 0), 0);
}

static int setup(void)
{
	lab_init(&lab);
	lab_bridge("vbra", "192.168.100.1/24", 1);
	snprintf(vm1, sizeof(vm1), "%s", lab_vm("vbra", "192.168.100.11/24", "192.168.100.1"));
	lab_httpd(&lab, vm1, 80);
	sub_a = pfx("192.168.100.1/24");
	fwds = calloc(N_FWD, sizeof(*fwds));
	if (!fwds)
		return 1;
	for (int i = 0; i < N_FWD; i++)
		fwds[i] = (struct vnet_fw_forward){ .proto = IPPROTO_TCP,
						    .port = (uint16_t)(FIRST_PORT + i),
						    .to = pfx("192.168.100.11"), .to_port = 80 };
	net = (struct vnet_fw_network){ .name = "a", .bridge = "vbra", .mode = VNET_FW_NAT,
					.subnets = &sub_a, .n_subnets = 1 };
	return vnet_ctx_new(&ctx, NULL, NULL) < 0;
}

static int teardown(void)
{
	vnet_ctx_unref(ctx);
	free(fwds);
	lab_fini(&lab);
	return 0;
}

static CU_TestInfo tests[] = {
	{ "10,000 forwards one by one", test_ten_thousand },
	{ "10,000 forwards in one apply", test_fresh_apply },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "firewall scale", setup, teardown, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	tl_init_root();
	return tl_run_suites(suites);
}
