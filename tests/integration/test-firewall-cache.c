/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The apply cache: while the nftables generation is the one our own last
 * commit left, apply plans from the spec it applied instead of dumping the
 * table. That is only right if the state derived from a spec is exactly the
 * state read back after applying it, if a change by anyone else moves the
 * generation, and if the kernel refuses a batch made for a stale generation.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <vnet/vnet.h>

#include "firewall-int.h"
#include "testlib.h"

static struct vnet_ctx *ctx;
static struct vnet_prefix subs[4][2];
static struct vnet_fw_forward fwds[3];
static struct vnet_fw_network nets[4];

static struct vnet_prefix pfx(const char *s)
{
	struct vnet_prefix p;

	if (vnet_prefix_parse("test", s, &p, NULL) < 0)
		exit(99);
	return p;
}

/*
 * Derived (from @spec, or from the cache when @spec is NULL) and read-back
 * states agree on everything fw_plan looks at.
 */
static void same_state(const struct vnet_fw_spec *spec)
{
	struct fw_state got, want;
	uint32_t gen;

	CU_ASSERT_EQUAL_FATAL(fw_gen_get(ctx, &gen), 0);
	CU_ASSERT_EQUAL_FATAL(spec ? fw_state_from_spec(spec, &want) : fw_cache_state(ctx, gen, &want), 0);
	CU_ASSERT_EQUAL_FATAL(fw_state_read(ctx, &got), 0);
	fw_state_sort(&got);
	CU_ASSERT_TRUE(got.table);
	CU_ASSERT_EQUAL(got.n_chains, want.n_chains);
	for (size_t i = 0; i < want.n_chains && i < got.n_chains; i++) {
		const struct fw_chain_state *g = &got.chains[i], *w = &want.chains[i];

		CU_ASSERT_STRING_EQUAL(g->name, w->name);
		CU_ASSERT_EQUAL(g->base, w->base);
		CU_ASSERT_EQUAL(g->rules, w->rules);
		if (w->tag[0])
			CU_ASSERT_STRING_EQUAL(g->tag, w->tag);
		if (g->rules != w->rules)
			printf("chain %s: %u rules read, %u derived\n", g->name, g->rules, w->rules);
	}
	for (int s = 0; s < FW_SET_COUNT; s++) {
		CU_ASSERT_EQUAL(got.sets[s], want.sets[s]);
		CU_ASSERT_EQUAL(got.elems[s].n, want.elems[s].n);
		for (size_t i = 0; i < want.elems[s].n && i < got.elems[s].n; i++)
			CU_ASSERT_TRUE(fw_elem_same(&got.elems[s].v[i], &want.elems[s].v[i]));
	}
	CU_ASSERT_EQUAL(got.n_flowtables, want.n_flowtables);
	fw_state_release(&got);
	fw_state_release(&want);
}

static void test_derived_equals_read(void)
{
	for (size_t n = 1; n <= VNET_ARRAY_SIZE(nets); n++) {
		struct vnet_fw_spec spec = { nets, n };

		CU_ASSERT_EQUAL_FATAL(vnet_fw_apply(ctx, &spec), 0);
		same_state(&spec);
	}
}

/* Applies in a row use the cache and still leave exactly the spec. */
static void test_cached_applies(void)
{
	struct vnet_fw_spec spec = { nets, 1 };
	bool matches = false;
	uint32_t gen;

	CU_ASSERT_EQUAL_FATAL(vnet_fw_delete(ctx), 0);
	CU_ASSERT_EQUAL_FATAL(vnet_fw_apply(ctx, &spec), 0);
	for (size_t n = 2; n <= VNET_ARRAY_SIZE(nets); n++) {
		spec.n_networks = n;
		CU_ASSERT_EQUAL(fw_gen_get(ctx, &gen), 0);
		CU_ASSERT_TRUE(fw_cache_valid(ctx, gen));
		CU_ASSERT_EQUAL(vnet_fw_apply(ctx, &spec), 0);
		CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &spec, &matches), 0);
		CU_ASSERT_TRUE(matches);
		/* what the cache holds is what the kernel has */
		CU_ASSERT_EQUAL(fw_gen_get(ctx, &gen), 0);
		CU_ASSERT_TRUE_FATAL(fw_cache_valid(ctx, gen));
		same_state(NULL);
	}
	/* and back down: networks removed from a cached state */
	spec.n_networks = 1;
	CU_ASSERT_EQUAL(vnet_fw_apply(ctx, &spec), 0);
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &spec, &matches), 0);
	CU_ASSERT_TRUE(matches);
	CU_ASSERT_NOT_EQUAL(tl_run("nft list set inet vnet filtered | grep -q '\"%s\"'", nets[2].bridge), 0);
	/* nothing to change: nothing committed, the cache stays */
	CU_ASSERT_EQUAL(fw_gen_get(ctx, &gen), 0);
	CU_ASSERT_EQUAL(vnet_fw_apply(ctx, &spec), 0);
	CU_ASSERT_TRUE(fw_cache_valid(ctx, gen));
}

/* Someone else's change moves the generation: apply reads and repairs. */
static void test_foreign_change(void)
{
	static const char *const cmds[] = {
		"nft flush chain inet vnet fwd_from",
		"nft add rule inet vnet fwd_to accept",
		"nft flush set inet vnet filtered",
		"nft flush chain inet vnet src_ok",
		"nft add chain inet vnet stray",
		"nft flush map inet vnet fwd4any",
		"nft flush table inet vnet",
		"nft delete table inet vnet",
	};
	struct vnet_fw_spec spec = { nets, 3 };
	bool matches = false;

	for (size_t i = 0; i < VNET_ARRAY_SIZE(cmds); i++) {
		uint32_t gen;

		CU_ASSERT_EQUAL_FATAL(vnet_fw_apply(ctx, &spec), 0);
		CU_ASSERT_EQUAL_FATAL(tl_run("%s", cmds[i]), 0);
		CU_ASSERT_EQUAL(fw_gen_get(ctx, &gen), 0);
		CU_ASSERT_FALSE(fw_cache_valid(ctx, gen));
		CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &spec, &matches), 0);
		CU_ASSERT_FALSE(matches);
		CU_ASSERT_EQUAL(vnet_fw_apply(ctx, &spec), 0);
		CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &spec, &matches), 0);
		CU_ASSERT_TRUE(matches);
		if (!matches)
			printf("after '%s': %s\n", cmds[i], vnet_ctx_errmsg(ctx));
	}
	/* another context of ours counts as someone else too */
	{
		struct vnet_ctx *other;
		struct vnet_fw_spec two = { nets, 2 };
		uint32_t gen;

		CU_ASSERT_EQUAL_FATAL(vnet_ctx_new(&other, NULL, NULL), 0);
		CU_ASSERT_EQUAL(vnet_fw_apply(other, &two), 0);
		CU_ASSERT_EQUAL(fw_gen_get(ctx, &gen), 0);
		CU_ASSERT_FALSE(fw_cache_valid(ctx, gen));
		CU_ASSERT_EQUAL(vnet_fw_apply(ctx, &spec), 0);
		CU_ASSERT_EQUAL(vnet_fw_verify(other, &spec, &matches), 0);
		CU_ASSERT_TRUE(matches);
		vnet_ctx_unref(other);
	}
}

/* A batch made for an older generation is refused whole (ERESTART). */
static void test_stale_generation_refused(void)
{
	struct vnet_fw_spec one = { nets, 1 }, two = { nets, 2 };
	struct fw_state st;
	struct fw_batch b;
	unsigned int changes;
	bool matches = false;
	uint32_t gen;

	CU_ASSERT_EQUAL_FATAL(vnet_fw_apply(ctx, &one), 0);
	CU_ASSERT_EQUAL_FATAL(fw_gen_get(ctx, &gen), 0);
	CU_ASSERT_EQUAL_FATAL(fw_state_read(ctx, &st), 0);
	/* the table changes after we looked */
	CU_ASSERT_EQUAL_FATAL(tl_run("nft add table ip other"), 0);
	fw_batch_init(&b);
	CU_ASSERT_EQUAL(fw_batch_genid(&b, gen), 0);
	CU_ASSERT_EQUAL(fw_plan(&two, &st, &b, &changes, NULL, 0), 0);
	CU_ASSERT_TRUE(changes > 0);
	CU_ASSERT_EQUAL(fw_batch_send(ctx, &b), -ERESTART);
	fw_batch_release(&b);
	fw_state_release(&st);
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &one, &matches), 0);
	CU_ASSERT_TRUE(matches);
	/* the same batch for the current generation goes through */
	CU_ASSERT_EQUAL_FATAL(fw_gen_get(ctx, &gen), 0);
	CU_ASSERT_EQUAL_FATAL(fw_state_read(ctx, &st), 0);
	fw_batch_init(&b);
	CU_ASSERT_EQUAL(fw_batch_genid(&b, gen), 0);
	CU_ASSERT_EQUAL(fw_plan(&two, &st, &b, &changes, NULL, 0), 0);
	CU_ASSERT_EQUAL(fw_batch_send(ctx, &b), 0);
	fw_batch_release(&b);
	fw_state_release(&st);
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &two, &matches), 0);
	CU_ASSERT_TRUE(matches);
	CU_ASSERT_EQUAL(tl_run("nft delete table ip other"), 0);
}

static int setup(void)
{
	subs[0][0] = pfx("192.168.100.1/24");
	subs[0][1] = pfx("fd00:100::1/64");
	/* other prefix lengths: their sets and rules come and go with the networks */
	subs[1][0] = pfx("10.101.0.1/16");
	subs[2][0] = pfx("192.168.102.1/25");
	subs[3][0] = pfx("192.168.103.1/24");
	fwds[0] = (struct vnet_fw_forward){ .proto = IPPROTO_TCP, .port = 8080,
					    .to = pfx("192.168.100.11"), .to_port = 80 };
	fwds[1] = (struct vnet_fw_forward){ .proto = IPPROTO_UDP, .port = 5000, .port_end = 5003,
					    .to = pfx("192.168.100.12"), .to_port = 6000 };
	fwds[2] = (struct vnet_fw_forward){ .proto = IPPROTO_TCP, .port = 2222, .has_address = true,
					    .address = pfx("203.0.113.1"), .to = pfx("fd00:100::22"),
					    .to_port = 22 };
	fwds[2].to = pfx("192.168.100.22");
	nets[0] = (struct vnet_fw_network){ .name = "a", .bridge = "vbra", .mode = VNET_FW_NAT,
					    .subnets = subs[0], .n_subnets = 2, .forwards = fwds,
					    .n_forwards = 3 };
	nets[1] = (struct vnet_fw_network){ .name = "b", .bridge = "vbrb", .mode = VNET_FW_ROUTED,
					    .subnets = subs[1], .n_subnets = 1 };
	nets[2] = (struct vnet_fw_network){ .name = "c", .bridge = "vbrc", .mode = VNET_FW_NAT,
					    .subnets = subs[2], .n_subnets = 1, .nat_uplink = "up0",
					    .has_snat4 = true, .snat4 = pfx("203.0.113.1") };
	nets[3] = (struct vnet_fw_network){ .name = "d", .bridge = "vbrd", .mode = VNET_FW_ISOLATED,
					    .subnets = subs[3], .n_subnets = 1 };
	return vnet_ctx_new(&ctx, NULL, NULL) < 0;
}

static int teardown(void)
{
	vnet_ctx_unref(ctx);
	return 0;
}

static CU_TestInfo tests[] = {
	{ "the state derived from a spec is the state read back", test_derived_equals_read },
	{ "applies in a row use the cache and leave the spec", test_cached_applies },
	{ "a change by anyone else is read and repaired", test_foreign_change },
	{ "a batch for a stale generation is refused whole", test_stale_generation_refused },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "firewall cache", setup, teardown, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	tl_init_root();
	return tl_run_suites(suites);
}
