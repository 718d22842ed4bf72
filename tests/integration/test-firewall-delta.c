/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Apply from the cache, network by network: after each change (one network
 * added, changed, renamed, removed, keys passing from one network to
 * another, a foreign change in between) the table, as `nft -j list table
 * inet vnet` prints it, is the table a fresh apply of the same spec makes in
 * a namespace of its own; only the networks that changed are dirty, and
 * the chains keep their rules (same handles) unless the prefix lengths in
 * use change; a spec
 * that clashes with a network that did not change is refused with
 * vnet_fw_validate's words and changes nothing, the cache included;
 * forwards added and removed through the API keep the cache right; verify
 * answers from the cache and names what differs; the per-length sets and
 * the prefix chains are made again only when the first subnet of a length
 * comes or the last goes, fwd_flow only when the flowtable networks change.
 */
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <vnet/vnet.h>

#include "firewall-int.h"
#include "testlib.h"

#define MAX_NETS 64
#define MAX_FWDS 400

/* A network the test can change field by field; nets[] points into it. */
struct mnet {
	char name[24], bridge[16];
	enum vnet_fw_mode mode;
	struct vnet_prefix subs[2];
	size_t n_subs;
	struct vnet_fw_forward fwds[MAX_FWDS];
	size_t n_fwds;
	bool uplink, snat;
	struct vnet_prefix snat4;
};

static struct mnet model[MAX_NETS];
static size_t n_model;
static struct vnet_fw_network nets[MAX_NETS];
static struct vnet_ctx *ctx, *fresh;
static char fresh_ns[64];
static unsigned int seed = 12345;

static struct vnet_prefix pfx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static struct vnet_prefix pfx(const char *fmt, ...)
{
	struct vnet_prefix p;
	va_list ap;
	char s[64];

	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	if (vnet_prefix_parse("test", s, &p, NULL) < 0)
		exit(99);
	return p;
}

static struct vnet_fw_forward fwd(uint8_t proto, unsigned int port, struct vnet_prefix to)
{
	return (struct vnet_fw_forward){ .proto = proto, .port = (uint16_t)port, .to = to,
					 .to_port = 22 };
}

/* Network @i of the model: the mode follows i % 5, so every kind is there. */
static void make(struct mnet *m, unsigned int i)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "n%u", i);
	snprintf(m->bridge, sizeof(m->bridge), "vd%u", i);
	m->subs[0] = pfx("10.50.%u.1/24", i);
	m->n_subs = 1;
	switch (i % 5) {
	case 0:
		m->mode = VNET_FW_NAT;
		m->fwds[m->n_fwds++] = fwd(IPPROTO_TCP, 20000 + i, pfx("10.50.%u.10", i));
		m->fwds[m->n_fwds] = fwd(IPPROTO_UDP, 30000 + i, pfx("10.50.%u.11", i));
		m->fwds[m->n_fwds].has_address = true;
		m->fwds[m->n_fwds++].address = pfx("203.0.113.%u", 1 + i % 200);
		break;
	case 1:
		m->mode = VNET_FW_ROUTED;
		break;
	case 2:
		m->mode = VNET_FW_ISOLATED;
		break;
	case 3:
		m->mode = VNET_FW_OPEN;
		break;
	default:
		m->mode = VNET_FW_NAT;
		m->uplink = true;
		m->snat = true;
		m->snat4 = pfx("198.51.100.%u", 1 + i % 200);
		m->subs[m->n_subs++] = pfx("fd00:50:%x::1/64", i);
		m->fwds[m->n_fwds] = fwd(IPPROTO_TCP, 40000 + i, pfx("fd00:50:%x::10", i));
		m->fwds[m->n_fwds++].port_end = (uint16_t)(40000 + i + 3);
		break;
	}
}

static struct vnet_fw_spec spec(void)
{
	for (size_t i = 0; i < n_model; i++) {
		const struct mnet *m = &model[i];

		nets[i] = (struct vnet_fw_network){
			.name = m->name, .bridge = m->bridge, .mode = m->mode,
			.subnets = m->subs, .n_subnets = m->n_subs,
			.nat_uplink = m->uplink ? "up0" : NULL,
			.has_snat4 = m->snat, .snat4 = m->snat4,
			.forwards = m->fwds, .n_forwards = m->n_fwds,
		};
	}
	return (struct vnet_fw_spec){ nets, n_model };
}

static uint32_t gen(void)
{
	uint32_t g = 0;

	CU_ASSERT_EQUAL(fw_gen_get(ctx, &g), 0);
	return g;
}

/* The table as nft prints it, without handles, elements and chains in a fixed order. */
static char *listing(const char *ns)
{
	char *out = tl_capture(NULL, "%s%s nft -j list table inet vnet | jq -cS '"
			       "[.nftables[] | select(has(\"metainfo\") | not) | del(.. | .handle?)"
			       " | if .set then .set.elem |= ((. // []) | sort)"
			       " elif .map then .map.elem |= ((. // []) | sort) else . end]"
			       " | {rest: (map(select(has(\"rule\") | not)) | sort),"
			       " rules: (map(select(has(\"rule\"))) | group_by(.rule.chain))}'",
			       ns ? "ip netns exec " : "", ns ? ns : "");

	CU_ASSERT_PTR_NOT_NULL(out);
	return out;
}

/* The cache, as a state, is what the kernel has: chains, rule counts, tags, elements. */
static void cache_is_kernel(void)
{
	struct fw_state got, want;

	CU_ASSERT_EQUAL_FATAL(fw_cache_state(ctx, gen(), &want), 0);
	CU_ASSERT_EQUAL_FATAL(fw_state_read(ctx, &got), 0);
	fw_state_sort(&got);
	CU_ASSERT_EQUAL(got.n_chains, want.n_chains);
	for (size_t i = 0; i < want.n_chains && i < got.n_chains; i++) {
		CU_ASSERT_STRING_EQUAL(got.chains[i].name, want.chains[i].name);
		CU_ASSERT_EQUAL(got.chains[i].rules, want.chains[i].rules);
		if (want.chains[i].tag[0])
			CU_ASSERT_STRING_EQUAL(got.chains[i].tag, want.chains[i].tag);
	}
	for (int s = 0; s < FW_SET_COUNT; s++) {
		CU_ASSERT_EQUAL(got.elems[s].n, want.elems[s].n);
		for (size_t i = 0; i < want.elems[s].n && i < got.elems[s].n; i++)
			CU_ASSERT_TRUE(fw_elem_same(&got.elems[s].v[i], &want.elems[s].v[i]));
	}
	fw_state_release(&got);
	fw_state_release(&want);
}

/* Apply the model; the table equals a fresh apply's, the cache equals the table. */
static void apply_and_compare(const char *what)
{
	struct vnet_fw_spec s = spec();
	char *mine, *theirs;
	bool matches = false;
	uint32_t before = gen();

	if (vnet_fw_apply(ctx, &s) < 0) {
		printf("%s: %s\n", what, vnet_ctx_errmsg(ctx));
		CU_FAIL_FATAL("apply");
	}
	/* one commit at most, and the cache holds it */
	CU_ASSERT_TRUE(gen() - before <= 1);
	CU_ASSERT_TRUE(fw_cache_valid(ctx, gen()));
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &s, &matches), 0);
	CU_ASSERT_TRUE(matches);
	if (!matches)
		printf("%s: %s\n", what, vnet_ctx_errmsg(ctx));
	CU_ASSERT_EQUAL_FATAL(vnet_fw_delete(fresh), 0);
	CU_ASSERT_EQUAL_FATAL(vnet_fw_apply(fresh, &s), 0);
	mine = listing(NULL);
	theirs = listing(fresh_ns);
	if (mine && theirs && strcmp(mine, theirs)) {
		printf("%s: the table differs from a fresh apply's\n", what);
		CU_FAIL("table differs from a fresh apply");
	}
	free(mine);
	free(theirs);
	cache_is_kernel();
}

/* The delta of the model against the cache has @dirty changed or new networks and @gone gone ones. */
static void delta_is(size_t dirty, size_t gone)
{
	struct vnet_fw_spec s = spec();
	struct fw_delta d;

	CU_ASSERT_EQUAL_FATAL(fw_cache_delta(ctx, &s, &d), 0);
	CU_ASSERT_EQUAL(d.n_dirty, dirty);
	CU_ASSERT_EQUAL(d.n_gone, gone);
	fw_delta_release(&d);
}

static char *handles(const char *chain)
{
	return tl_capture(NULL, "nft -j list chain inet vnet %s | jq -c '[.nftables[].rule.handle // empty]'",
			  chain);
}

static void test_build_up_one_by_one(void)
{
	CU_ASSERT_EQUAL_FATAL(vnet_fw_delete(ctx), 0);
	n_model = 0;
	for (unsigned int i = 0; i < 12; i++) {
		char what[32];

		make(&model[n_model++], i);
		snprintf(what, sizeof(what), "add n%u", i);
		if (i >= 2)
			delta_is(1, 0);
		apply_and_compare(what);
	}
}

static void test_change_one(void)
{
	char *before = handles("fwd_from"), *after, *prefixes = handles("src_ok"), *now;

	/* a forward only: map elements, no chain touched */
	model[5].fwds[0].to_port = 2222;
	delta_is(1, 0);
	apply_and_compare("change a forward");
	now = handles("src_ok");
	CU_ASSERT_STRING_EQUAL(prefixes ? prefixes : "", now ? now : "-");
	free(now);
	/* a subnet of a new prefix length: that network's elements and the prefix chains */
	model[1].subs[0].len = 25;
	delta_is(1, 0);
	apply_and_compare("change a subnet");
	now = handles("src_ok");
	CU_ASSERT_STRING_NOT_EQUAL(prefixes ? prefixes : "", now ? now : "");
	free(prefixes);
	prefixes = now;
	/* modes: nat -> routed, routed -> open, open -> isolated, isolated -> nat */
	model[10].mode = VNET_FW_ROUTED;
	model[10].n_fwds = 0;
	apply_and_compare("nat -> routed");
	model[6].mode = VNET_FW_OPEN;
	apply_and_compare("routed -> open");
	model[8].mode = VNET_FW_ISOLATED;
	apply_and_compare("open -> isolated");
	model[7].mode = VNET_FW_NAT;
	apply_and_compare("isolated -> nat");
	model[9].uplink = false;
	model[9].snat = false;
	apply_and_compare("nat without uplink and snat");
	/* the fixed chains were never touched; the prefix chains not since the new length */
	after = handles("fwd_from");
	CU_ASSERT_PTR_NOT_NULL(before);
	CU_ASSERT_STRING_EQUAL(before ? before : "", after ? after : "-");
	free(after);
	now = handles("src_ok");
	CU_ASSERT_STRING_EQUAL(prefixes ? prefixes : "", now ? now : "-");
	free(now);
	free(before);
	free(prefixes);
}

static void test_remove_and_rename(void)
{
	uint32_t g;

	/* the one in the middle */
	memmove(&model[4], &model[5], (n_model - 5) * sizeof(model[0]));
	n_model--;
	delta_is(0, 1);
	apply_and_compare("remove the middle one");
	CU_ASSERT_NOT_EQUAL(tl_run("nft -j list set inet vnet bridges | grep -q '\"vd4\"'"), 0);
	CU_ASSERT_EQUAL(tl_run("nft -j list set inet vnet bridges | grep -q '\"vd5\"'"), 0);
	/* the same bridge under another name: its keys pass to the new one */
	snprintf(model[2].name, sizeof(model[2].name), "renamed");
	delta_is(1, 1);
	apply_and_compare("rename");
	/* a forward's listen port passes from one network to another in one apply */
	model[4].fwds[model[4].n_fwds] = model[0].fwds[1];
	model[4].fwds[model[4].n_fwds++].to = pfx("10.50.%u.12", 5);
	model[0].n_fwds = 1;
	delta_is(2, 0);
	apply_and_compare("a forward passes to another network");
	/* two networks swap bridges */
	snprintf(model[1].bridge, sizeof(model[1].bridge), "vd3");
	snprintf(model[3].bridge, sizeof(model[3].bridge), "vd1");
	delta_is(2, 0);
	apply_and_compare("swap bridges");
	/* another order of the same networks: nothing to send */
	for (size_t i = 0; i < n_model / 2; i++) {
		struct mnet t = model[i];

		model[i] = model[n_model - 1 - i];
		model[n_model - 1 - i] = t;
	}
	delta_is(0, 0);
	g = gen();
	apply_and_compare("reversed");
	CU_ASSERT_EQUAL(gen(), g);
	/* and everything gone */
	n_model = 0;
	apply_and_compare("none");
}

/* A spec that clashes with a network that did not change: refused with the validator's words. */
static void refused(const char *what)
{
	struct vnet_fw_spec s = spec();
	struct vnet_error err;
	uint32_t g = gen();
	int r;

	CU_ASSERT_TRUE_FATAL(fw_cache_valid(ctx, g));
	r = vnet_fw_apply(ctx, &s);
	CU_ASSERT_EQUAL(r, -EINVAL);
	CU_ASSERT_EQUAL(vnet_fw_validate(&s, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), err.msg);
	if (r != -EINVAL || strcmp(vnet_ctx_errmsg(ctx), err.msg))
		printf("%s: got %d '%s', validate says '%s'\n", what, r, vnet_ctx_errmsg(ctx), err.msg);
	/* nothing sent, the cache still right */
	CU_ASSERT_EQUAL(gen(), g);
	CU_ASSERT_TRUE(fw_cache_valid(ctx, g));
}

static void test_refused(void)
{
	struct mnet keep;

	CU_ASSERT_EQUAL_FATAL(vnet_fw_delete(ctx), 0);
	n_model = 0;
	for (unsigned int i = 0; i < 10; i++)
		make(&model[n_model++], i);
	apply_and_compare("ten");

	keep = model[3];
	/* a new network with a name, a bridge, a subnet or a listen port that one that stays has */
	make(&model[n_model++], 20);
	snprintf(model[n_model - 1].name, sizeof(model[0].name), "n7");
	refused("name of a network that stays");
	make(&model[n_model - 1], 20);
	snprintf(model[n_model - 1].bridge, sizeof(model[0].bridge), "vd7");
	refused("bridge of a network that stays");
	make(&model[n_model - 1], 20);
	model[n_model - 1].subs[0] = pfx("10.50.%u.128/25", 7);
	model[n_model - 1].n_fwds = 0;
	refused("subnet inside one of a network that stays");
	make(&model[n_model - 1], 20);
	model[n_model - 1].subs[0] = pfx("10.50.0.1/%u", 16);
	model[n_model - 1].n_fwds = 0;
	refused("subnet around those of networks that stay");
	make(&model[n_model - 1], 20);
	model[n_model - 1].fwds[0].port = 20005;
	model[n_model - 1].fwds[0].port_end = 20006;
	refused("listen port of a network that stays");
	/* two new ones that clash with each other */
	make(&model[n_model - 1], 20);
	make(&model[n_model++], 21);
	snprintf(model[n_model - 1].bridge, sizeof(model[0].bridge), "vd20");
	refused("two new networks, one bridge");
	snprintf(model[n_model - 1].bridge, sizeof(model[0].bridge), "vd21");
	model[n_model - 1].subs[0] = pfx("10.50.20.%u/26", 64);
	model[n_model - 1].n_fwds = 0;
	refused("two new networks, overlapping subnets");
	make(&model[n_model - 1], 21);
	model[n_model - 1].fwds[0] = fwd(IPPROTO_TCP, 20020, pfx("10.50.%u.10", 21));
	model[n_model - 1].n_fwds = 1;
	refused("two new networks, one listen port");
	make(&model[n_model - 1], 21);
	snprintf(model[n_model - 1].bridge, sizeof(model[0].bridge), "vd21");
	snprintf(model[n_model - 1].name, sizeof(model[0].name), "n20");
	refused("two new networks, one name");
	n_model -= 2;
	/* a changed network: invalid alone, or clashing */
	model[3].subs[0].len = 33;
	refused("changed network with a bad prefix");
	model[3] = keep;
	snprintf(model[3].bridge, sizeof(model[3].bridge), "vd0");
	refused("changed network takes a bridge");
	model[3] = keep;
	model[3].fwds[0] = fwd(IPPROTO_TCP, 20000, pfx("10.50.%u.10", 3));
	model[3].n_fwds = 1;
	refused("changed network takes a listen port");
	model[3] = keep;
	/* the same network twice */
	model[n_model++] = model[2];
	refused("listed twice");
	n_model--;
	/* still all fine, and cached: nothing to send */
	delta_is(0, 0);
	apply_and_compare("unchanged after refusals");
}

/* Someone else changes the table between two applies: the next apply reads it and repairs. */
static void test_foreign_changes(void)
{
	static const char *const cmds[] = {
		"nft delete element inet vnet bridges '{ \"vd1\" }'",
		"nft flush chain inet vnet src_ok",
		"nft add element inet vnet fwd4any '{ tcp . 9999 : 10.50.0.99 . 22 }'",
		"nft add rule inet vnet post_to accept",
	};

	for (size_t i = 0; i < VNET_ARRAY_SIZE(cmds); i++) {
		CU_ASSERT_EQUAL_FATAL(tl_run("%s", cmds[i]), 0);
		CU_ASSERT_FALSE(fw_cache_valid(ctx, gen()));
		/* and one network changes too */
		model[i].subs[0].len = 26;
		apply_and_compare(cmds[i]);
	}
	/* the cache is back: one more change goes network by network */
	model[5].mode = VNET_FW_ISOLATED;
	model[5].n_fwds = 0;
	delta_is(1, 0);
	apply_and_compare("after repairs");
}

static unsigned int rnd(unsigned int n);

/* Verify while the cache holds: answered from it, and it names what differs. */
static void test_verify_from_cache(void)
{
	struct vnet_fw_spec s;
	struct mnet keep = model[2];
	bool matches = false;
	uint32_t g;

	apply_and_compare("before verify");
	g = gen();
	CU_ASSERT_TRUE_FATAL(fw_cache_valid(ctx, g));
	s = spec();
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &s, &matches), 0);
	CU_ASSERT_TRUE(matches);
	model[2].subs[0].len = 25;
	model[n_model++] = model[0];
	snprintf(model[n_model - 1].name, sizeof(model[0].name), "extra");
	snprintf(model[n_model - 1].bridge, sizeof(model[0].bridge), "vdextra");
	model[n_model - 1].subs[0] = pfx("10.60.%u.1/24", 0);
	model[n_model - 1].n_fwds = 0;
	memmove(&model[3], &model[4], (n_model - 4) * sizeof(model[0]));
	n_model--;
	s = spec();
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &s, &matches), 0);
	CU_ASSERT_FALSE(matches);
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "network 'n2' was applied with other settings"));
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "network 'extra' is not in the table"));
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "network 'n3' is in the table but not in the spec"));
	/* only looked: nothing sent, the cache still what it was */
	CU_ASSERT_EQUAL(gen(), g);
	CU_ASSERT_TRUE(fw_cache_valid(ctx, g));
	cache_is_kernel();
	/* an invalid spec: the validator's words, as without the cache */
	model[2].subs[0].len = 33;
	s = spec();
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &s, &matches), -EINVAL);
	CU_ASSERT_FALSE(matches);
	model[2] = keep;
	apply_and_compare("after verify");
}

/* Forwards added and removed one by one through the API keep the cache right. */
static void test_forward_add_remove(void)
{
	struct mnet *m = &model[0];
	struct vnet_fw_forward f = fwd(IPPROTO_TCP, 25000, pfx("10.50.%u.20", 0));
	struct vnet_fw_forward clash = fwd(IPPROTO_TCP, 25000, pfx("10.50.%u.20", 7));
	struct vnet_fw_spec s;
	uint32_t g;

	apply_and_compare("before the forwards");
	s = spec();
	CU_ASSERT_EQUAL_FATAL(vnet_fw_forward_add(ctx, &s.networks[0], &f), 0);
	m->fwds[m->n_fwds++] = f;
	CU_ASSERT_TRUE(fw_cache_valid(ctx, gen()));
	delta_is(0, 0);
	apply_and_compare("a forward added through the API");
	/* again: nothing changes, the cache stays */
	CU_ASSERT_EQUAL(vnet_fw_forward_add(ctx, &s.networks[0], &f), 0);
	CU_ASSERT_TRUE(fw_cache_valid(ctx, gen()));
	delta_is(0, 0);
	/* its listen port on another network: the kernel refuses, nothing moves */
	g = gen();
	CU_ASSERT_EQUAL(vnet_fw_forward_add(ctx, &s.networks[7], &clash), -EEXIST);
	CU_ASSERT_EQUAL(gen(), g);
	CU_ASSERT_TRUE(fw_cache_valid(ctx, g));
	/* the first forward of n0 removed */
	s = spec();
	CU_ASSERT_EQUAL_FATAL(vnet_fw_forward_remove(ctx, &s.networks[0], &m->fwds[0]), 0);
	memmove(&m->fwds[0], &m->fwds[1], (m->n_fwds - 1) * sizeof(m->fwds[0]));
	m->n_fwds--;
	CU_ASSERT_TRUE(fw_cache_valid(ctx, gen()));
	delta_is(0, 0);
	apply_and_compare("a forward removed through the API");

	/* hundreds, with ranges, then half of them removed in another order */
	for (unsigned int i = 0; m->n_fwds < MAX_FWDS; i++) {
		struct vnet_fw_forward x = fwd(i % 2 ? IPPROTO_UDP : IPPROTO_TCP, 26000 + 4 * i,
					       pfx("10.50.0.%u", 30 + i % 30)); /* n0 is a /26 now */

		x.port_end = i % 3 ? 0 : (uint16_t)(x.port + 2);
		s = spec();
		CU_ASSERT_EQUAL_FATAL(vnet_fw_forward_add(ctx, &s.networks[0], &x), 0);
		m->fwds[m->n_fwds++] = x;
	}
	CU_ASSERT_TRUE(fw_cache_valid(ctx, gen()));
	delta_is(0, 0);
	apply_and_compare("hundreds of forwards added through the API");
	for (unsigned int k = 0; k < MAX_FWDS / 2; k++) {
		size_t at = rnd((unsigned int)m->n_fwds);

		s = spec();
		CU_ASSERT_EQUAL_FATAL(vnet_fw_forward_remove(ctx, &s.networks[0], &m->fwds[at]), 0);
		memmove(&m->fwds[at], &m->fwds[at + 1], (m->n_fwds - at - 1) * sizeof(m->fwds[0]));
		m->n_fwds--;
	}
	CU_ASSERT_TRUE(fw_cache_valid(ctx, gen()));
	delta_is(0, 0);
	apply_and_compare("half of them removed through the API");
	/* someone else commits first: the batch made for the cache's generation is refused, sent again */
	CU_ASSERT_EQUAL_FATAL(tl_run("nft add table ip other && nft delete table ip other"), 0);
	f = fwd(IPPROTO_TCP, 25001, pfx("10.50.%u.21", 0));
	s = spec();
	CU_ASSERT_EQUAL(vnet_fw_forward_add(ctx, &s.networks[0], &f), 0);
	CU_ASSERT_FALSE(fw_cache_valid(ctx, gen()));
	m->fwds[m->n_fwds++] = f;
	apply_and_compare("a forward added after someone else's commit");
	/* n0's listen key removed through n1, which has no such forward: the cache is dropped */
	s = spec();
	f = m->fwds[0];
	f.to = pfx("10.50.%u.20", 1);
	CU_ASSERT_EQUAL(vnet_fw_forward_remove(ctx, &s.networks[1], &f), 0);
	CU_ASSERT_FALSE(fw_cache_valid(ctx, gen()));
	apply_and_compare("after a removal through another network");
	m->n_fwds = 2;
	apply_and_compare("fewer forwards");
}

/* Does @b have a message that does @what? */
static bool batch_does(const struct fw_batch *b, const char *what)
{
	for (unsigned int i = 0; i < b->n_what; i++)
		if (b->what[i] && !strcmp(b->what[i], what))
			return true;
	return false;
}

/*
 * What all networks share follows the networks that change: the per-length
 * sets and the prefix chains come and go with the first and last subnet of
 * a length, fwd_flow with the networks that have a flowtable (this kernel
 * may have no flowtables: that delta is planned, not sent).
 */
static void test_shared(void)
{
	struct vnet_fw_spec s;
	struct fw_delta d;
	struct fw_batch b;
	unsigned int changes;

	CU_ASSERT_EQUAL_FATAL(vnet_fw_delete(ctx), 0);
	n_model = 0;
	for (unsigned int i = 0; i < 10; i++)
		make(&model[n_model++], i);
	apply_and_compare("ten for the shared parts");
	CU_ASSERT_NOT_EQUAL(tl_run("nft list set inet vnet n4_27 >/dev/null 2>&1"), 0);

	/* a length nobody had: its sets and rules come */
	model[0].subs[0].len = 27;
	s = spec();
	CU_ASSERT_EQUAL_FATAL(fw_cache_delta(ctx, &s, &d), 0);
	CU_ASSERT_TRUE(d.prefixes);
	CU_ASSERT_FALSE(d.flow);
	CU_ASSERT_TRUE(d.want_sets[FW_SET_N4 + 27] && !d.have_sets[FW_SET_N4 + 27]);
	fw_delta_release(&d);
	apply_and_compare("a new prefix length");
	CU_ASSERT_EQUAL(tl_run("nft list set inet vnet n4_27 >/dev/null 2>&1"), 0);
	CU_ASSERT_EQUAL(tl_run("nft list set inet vnet r4_27 >/dev/null 2>&1"), 0);

	/* another network of that length: elements only */
	model[1].subs[0].len = 27;
	s = spec();
	CU_ASSERT_EQUAL_FATAL(fw_cache_delta(ctx, &s, &d), 0);
	CU_ASSERT_FALSE(d.prefixes);
	fw_delta_release(&d);
	apply_and_compare("a second network of that length");

	/* the last of that length gone (one changes, one goes): its sets and rules go */
	model[0].subs[0].len = 24;
	memmove(&model[1], &model[2], (n_model - 2) * sizeof(model[0]));
	n_model--;
	s = spec();
	CU_ASSERT_EQUAL_FATAL(fw_cache_delta(ctx, &s, &d), 0);
	CU_ASSERT_TRUE(d.prefixes);
	CU_ASSERT_TRUE(!d.want_sets[FW_SET_N4 + 27] && d.have_sets[FW_SET_N4 + 27]);
	fw_delta_release(&d);
	apply_and_compare("the last of a prefix length gone");
	CU_ASSERT_NOT_EQUAL(tl_run("nft list set inet vnet n4_27 >/dev/null 2>&1"), 0);

	/* the IPv6 length of the nat networks with an uplink: goes with the last of them */
	for (size_t i = 0; i < n_model; i++) {
		if (model[i].n_subs == 2)
			model[i].n_fwds = 0; /* its forward targets the IPv6 subnet */
		model[i].n_subs = 1;
	}
	apply_and_compare("no IPv6 subnet left");
	CU_ASSERT_NOT_EQUAL(tl_run("nft list set inet vnet a6_64 >/dev/null 2>&1"), 0);

	/* a flowtable: fwd_flow made again with it, no prefix chain touched */
	s = spec();
	nets[0].flowtable = true;
	CU_ASSERT_EQUAL_FATAL(fw_cache_delta(ctx, &s, &d), 0);
	CU_ASSERT_EQUAL(d.n_dirty, 1);
	CU_ASSERT_TRUE(d.flow);
	CU_ASSERT_FALSE(d.prefixes);
	CU_ASSERT_EQUAL(d.n_flowtables, 0);
	fw_batch_init(&b);
	CU_ASSERT_EQUAL(fw_plan_delta(&d, &b, &changes), 0);
	CU_ASSERT_TRUE(changes > 0);
	CU_ASSERT_TRUE(batch_does(&b, "flush chain fwd_flow"));
	CU_ASSERT_TRUE(batch_does(&b, "add flowtable ft_n0"));
	CU_ASSERT_FALSE(batch_does(&b, "flush chain src_ok"));
	fw_batch_release(&b);
	fw_delta_release(&d);
	/* the same spec without it: nothing shared changes */
	s = spec();
	CU_ASSERT_EQUAL_FATAL(fw_cache_delta(ctx, &s, &d), 0);
	CU_ASSERT_EQUAL(d.n_dirty, 0);
	CU_ASSERT_FALSE(d.flow || d.prefixes);
	fw_delta_release(&d);
}

/* Random changes, each compared with a fresh apply. */
static unsigned int rnd(unsigned int n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 16) % n;
}

static void test_random_changes(void)
{
	unsigned int next = 100;

	for (int step = 0; step < 40; step++) {
		unsigned int op = n_model < 3 ? 0 : rnd(5), k = n_model ? rnd((unsigned int)n_model) : 0;
		char what[64];

		switch (op) {
		case 0: /* add */
			if (n_model < MAX_NETS)
				make(&model[n_model++], next++);
			break;
		case 1: /* remove */
			memmove(&model[k], &model[k + 1], (n_model - k - 1) * sizeof(model[0]));
			n_model--;
			break;
		case 2: /* a forward's target port */
			if (model[k].n_fwds)
				model[k].fwds[0].to_port = (uint16_t)(1 + rnd(60000));
			break;
		case 3: /* the prefix length of the first subnet */
			model[k].subs[0].len = (uint8_t)(24 + rnd(3));
			break;
		default: /* the mode, between those that need nothing else */
			model[k].mode = (enum vnet_fw_mode)rnd(4);
			if (model[k].mode != VNET_FW_NAT)
				model[k].uplink = model[k].snat = false;
			break;
		}
		snprintf(what, sizeof(what), "step %d: op %u on %u of %zu", step, op, k, n_model);
		apply_and_compare(what);
	}
}

static int setup(void)
{
	char path[128];

	snprintf(fresh_ns, sizeof(fresh_ns), "%s", tl_netns_add("fwfresh"));
	snprintf(path, sizeof(path), "/run/netns/%s", fresh_ns);
	return vnet_ctx_new(&ctx, NULL, NULL) < 0 || vnet_ctx_new(&fresh, path, NULL) < 0;
}

static int teardown(void)
{
	vnet_ctx_unref(ctx);
	vnet_ctx_unref(fresh);
	return 0;
}

static CU_TestInfo tests[] = {
	{ "networks added one by one", test_build_up_one_by_one },
	{ "one network changes, the chains keep their rules", test_change_one },
	{ "removed, renamed, keys passing between networks, reordered", test_remove_and_rename },
	{ "clashes with networks that stay are refused, nothing changes", test_refused },
	{ "foreign changes are read and repaired", test_foreign_changes },
	{ "forwards added and removed through the API keep the cache", test_forward_add_remove },
	{ "verify answers from the cache", test_verify_from_cache },
	{ "random changes", test_random_changes },
	{ "prefix lengths and flowtables follow the networks that change", test_shared },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "firewall apply from the cache", setup, teardown, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	tl_init_root();
	return tl_run_suites(suites);
}
