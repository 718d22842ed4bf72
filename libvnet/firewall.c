/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Apply: read table inet vnet back, work out the smallest change that makes
 * it match the spec (only the chains of networks whose fingerprint or rule
 * counts differ are rebuilt; map elements are added and removed one by one)
 * and send that as one batch. A network that did not change is not touched.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "firewall-int.h"

static void note(char *why, size_t len, const char *fmt, ...) VNET_PRINTF(3, 4);
static void note(char *why, size_t len, const char *fmt, ...)
{
	size_t used;
	va_list ap;

	if (!why || !len)
		return;
	used = strlen(why);
	if (used + 8 >= len)
		return;
	if (used)
		used += (size_t)snprintf(why + used, len - used, "; ");
	va_start(ap, fmt);
	vsnprintf(why + used, len - used, fmt, ap);
	va_end(ap);
}

/* Do @c's rules have the signatures of the rules @built has for it? */
static int same_rules(const struct fw_sig_index *built, const struct fw_chain_state *c)
{
	const struct fw_chain_sigs *want = fw_sig_index_find(built, c->name);
	unsigned int n = want ? want->n : 0;

	return n == c->rules && (n == 0 || !memcmp(want->sigs, c->sigs, n * sizeof(*want->sigs)));
}

static bool skeleton_ok(struct fw_state *st, const struct fw_sig_index *built, char *why,
			size_t whylen)
{
	static const char *const base[] = {
		FW_CHAIN_FORWARD, FW_CHAIN_INPUT, FW_CHAIN_PREROUTING, FW_CHAIN_OUTPUT,
		FW_CHAIN_POSTROUTING,
	};
	bool ok = true;

	if (!st->table) {
		note(why, whylen, "table inet %s does not exist", VNET_FW_TABLE);
		return false;
	}
	for (int i = 0; i < FW_SET_COUNT; i++) {
		if (!st->sets[i]) {
			note(why, whylen, "map/set %s is missing", fw_set_names[i]);
			ok = false;
		}
	}
	for (size_t i = 0; i < VNET_ARRAY_SIZE(base); i++) {
		struct fw_chain_state *c = fw_state_chain(st, base[i]);
		unsigned int want = fw_skeleton_rule_count(base[i]);

		if (!c || !c->base) {
			note(why, whylen, "base chain %s is missing", base[i]);
			ok = false;
		} else if (c->rules != want || strcmp(c->tag, fw_skeleton_tag())) {
			note(why, whylen, "base chain %s has %u rules (expected %u)%s", base[i],
			     c->rules, want, strcmp(c->tag, fw_skeleton_tag()) ? " of another layout" : "");
			ok = false;
		} else if (st->sigs && built && same_rules(built, c) == 0) {
			note(why, whylen, "base chain %s has rules that were changed", base[i]);
			ok = false;
		}
	}
	return ok;
}

static bool is_base(const char *name)
{
	return fw_skeleton_rule_count(name) > 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names of the networks that have chains, sorted (the strings are @spec's). */
static const char **chain_owners(const struct vnet_fw_spec *spec, size_t *n)
{
	const char **v = calloc(spec->n_networks ? spec->n_networks : 1, sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < spec->n_networks; i++)
		if (spec->networks[i].mode != VNET_FW_OPEN)
			v[(*n)++] = spec->networks[i].name;
	qsort(v, *n, sizeof(*v), name_cmp);
	return v;
}

/* Is @chain one of the chains a network in @owners wants? */
static bool wanted_chain(const char *const *owners, size_t n, const char *chain)
{
	char net[FW_CHAIN_NAME_MAX], name[FW_CHAIN_NAME_MAX];
	const char *key = net;

	/* net_<name>_<suffix>: try the name before the last '_' */
	const char *us = strrchr(chain, '_');

	if (strncmp(chain, "net_", 4) || !us || us < chain + 4 ||
	    (size_t)(us - chain - 4) >= sizeof(net))
		return false;
	snprintf(net, sizeof(net), "%.*s", (int)(us - chain - 4), chain + 4);
	if (!bsearch(&key, owners, n, sizeof(*owners), name_cmp))
		return false;
	for (int c = 0; c < FW_NCHAIN_COUNT; c++) {
		fw_chain_name(name, net, (enum fw_nchain)c);
		if (!strcmp(name, chain))
			return true;
	}
	return false;
}

/*
 * Is flowtable @ft left to its network's rebuild? A managed network's own
 * flowtable is kept or dropped there (after its rules), never twice.
 */
static bool network_flowtable(const struct vnet_fw_spec *spec, const char *ft)
{
	for (size_t i = 0; i < spec->n_networks; i++) {
		if (spec->networks[i].mode != VNET_FW_OPEN && !strncmp(ft, "ft_", 3) &&
		    !strcmp(ft + 3, spec->networks[i].name))
			return true;
	}
	return false;
}

/* 1: rebuild, 0: matches. @fresh is set when none of its chains exist. */
static int network_differs(struct fw_state *st, const struct vnet_fw_network *n,
			   const struct fw_sig_index *built, bool *fresh, char *why, size_t whylen)
{
	unsigned int counts[FW_NCHAIN_COUNT];
	char tag[64], name[FW_CHAIN_NAME_MAX], ft[FW_CHAIN_NAME_MAX + 4];
	int missing = 0, differs = 0;

	fw_network_tag(n, tag, sizeof(tag));
	if (st->derived) {
		/*
		 * A state made from a spec holds all four chains of a network or
		 * none, with the counts its fingerprint gives: comparing the
		 * fingerprint is enough, and building the rules to count them is not needed.
		 */
		struct fw_chain_state *cs;

		fw_chain_name(name, n->name, FW_NCHAIN_FROM);
		cs = fw_state_chain(st, name);
		*fresh = !cs;
		if (cs && !strcmp(cs->tag, tag))
			return 0;
		note(why, whylen, "network '%s': %s", n->name,
		     cs ? "was built from other settings" : "its chains are missing");
		return 1;
	}
	fw_network_rule_counts(n, counts);
	for (int c = 0; c < FW_NCHAIN_COUNT; c++) {
		struct fw_chain_state *cs;

		fw_chain_name(name, n->name, (enum fw_nchain)c);
		cs = fw_state_chain(st, name);
		if (!cs) {
			missing++;
			continue;
		}
		if (cs->rules != counts[c]) {
			note(why, whylen, "network '%s': chain %s has %u rules, expected %u",
			     n->name, name, cs->rules, counts[c]);
			differs = 1;
		} else if (c == FW_NCHAIN_FROM && strcmp(cs->tag, tag)) {
			note(why, whylen, "network '%s': chain %s was built from other settings",
			     n->name, name);
			differs = 1;
		} else if (st->sigs && built && same_rules(built, cs) == 0) {
			note(why, whylen, "network '%s': chain %s has rules that were changed",
			     n->name, name);
			differs = 1;
		}
	}
	*fresh = missing == FW_NCHAIN_COUNT;
	if (*fresh) {
		note(why, whylen, "network '%s': its chains are missing", n->name);
		return 1;
	}
	if (missing) {
		note(why, whylen, "network '%s': %d of its chains are missing", n->name, missing);
		differs = 1;
	}
	snprintf(ft, sizeof(ft), "ft_%s", n->name);
	if (n->flowtable != fw_state_has_flowtable(st, ft)) {
		note(why, whylen, "network '%s': flowtable %s is %s", n->name, ft,
		     n->flowtable ? "missing" : "unexpected");
		differs = 1;
	}
	return differs;
}

static void diff_elems(struct fw_batch *b, enum fw_set set, const struct fw_elems *want,
		       const struct fw_elems *have, bool add, unsigned int *changes,
		       char *why, size_t whylen)
{
	struct fw_elems out = { 0 };
	size_t i = 0, j = 0, missing = 0, extra = 0;
	char first[160] = "";

	/* Both sorted by key: a merge finds what to delete (add=false) or add (add=true). */
	while (i < want->n || j < have->n) {
		int c = i == want->n ? 1 : j == have->n ? -1 : fw_elem_keycmp(&want->v[i], &have->v[j]);

		if (c == 0) {
			if (!fw_elem_same(&want->v[i], &have->v[j])) {
				if (fw_elems_push(&out, add ? &want->v[i] : &have->v[j]) < 0)
					b->error = -ENOMEM;
				if (!missing++ && !first[0])
					fw_elem_format(set, &want->v[i], first, sizeof(first));
			}
			i++;
			j++;
		} else if (c < 0) {
			if (add && fw_elems_push(&out, &want->v[i]) < 0)
				b->error = -ENOMEM;
			if (!missing++ && !first[0])
				fw_elem_format(set, &want->v[i], first, sizeof(first));
			i++;
		} else {
			if (!add && fw_elems_push(&out, &have->v[j]) < 0)
				b->error = -ENOMEM;
			if (!extra++ && !first[0])
				fw_elem_format(set, &have->v[j], first, sizeof(first));
			j++;
		}
	}
	if (out.n) {
		fw_batch_elems(b, add, set, out.v, out.n);
		(*changes)++;
	}
	if (!add && (missing || extra))
		note(why, whylen, "%s: %zu elements missing or different, %zu unexpected (e.g. %s)",
		     fw_set_names[set], missing, extra, first);
	fw_elems_release(&out);
}

/* fw_plan with the desired elements already made (sorted; left to the caller). */
static int plan(const struct vnet_fw_spec *spec, struct fw_state *st, struct fw_batch *b,
		unsigned int *changes, char *why, size_t whylen, struct fw_elems want[FW_SET_COUNT])
{
	struct fw_sig_index sigs = { NULL, 0 };
	const char **owners = NULL;
	size_t n_owners = 0;
	struct fw_batch ref;
	int r;

	memset(&ref, 0, sizeof(ref));
	fw_state_sort(st);
	*changes = 0;
	if (why && whylen)
		why[0] = '\0';

	/* What the kernel should hold, built once to compare rule by rule. */
	if (st->sigs) {
		fw_batch_init(&ref);
		fw_build_skeleton(&ref, true);
		for (size_t i = 0; i < spec->n_networks; i++)
			fw_build_network(&ref, &spec->networks[i], true, false);
		r = fw_batch_end(&ref);
		if (r >= 0)
			r = fw_batch_sig_index(&ref, &sigs);
		if (r < 0)
			goto out;
	}
	owners = chain_owners(spec, &n_owners);
	if (!owners) {
		r = -ENOMEM;
		goto out;
	}
	if (!skeleton_ok(st, st->sigs ? &sigs : NULL, why, whylen)) {
		fw_build_skeleton(b, !st->table);
		(*changes)++;
	}
	for (size_t i = 0; i < spec->n_networks; i++) {
		const struct vnet_fw_network *n = &spec->networks[i];
		char ft[FW_CHAIN_NAME_MAX + 4];
		bool fresh;

		if (n->mode == VNET_FW_OPEN)
			continue;
		if (!network_differs(st, n, st->sigs ? &sigs : NULL, &fresh, why, whylen))
			continue;
		(*changes)++;
		snprintf(ft, sizeof(ft), "ft_%s", n->name);
		fw_build_network(b, n, fresh, fw_state_has_flowtable(st, ft));
	}
	for (int s = 0; s < FW_SET_COUNT; s++)
		diff_elems(b, (enum fw_set)s, &want[s], &st->elems[s], false, changes, why, whylen);
	for (int s = 0; s < FW_SET_COUNT; s++)
		diff_elems(b, (enum fw_set)s, &want[s], &st->elems[s], true, changes, NULL, 0);
	/* Chains of networks that are gone (their map elements were deleted above). */
	for (size_t i = 0; i < st->n_chains; i++) {
		const char *name = st->chains[i].name;

		if (is_base(name) || wanted_chain(owners, n_owners, name))
			continue;
		note(why, whylen, "chain %s is not wanted", name);
		fw_batch_del_chain(b, name);
		(*changes)++;
	}
	for (size_t i = 0; i < st->n_flowtables; i++) {
		if (network_flowtable(spec, st->flowtables[i]))
			continue;
		note(why, whylen, "flowtable %s is not wanted", st->flowtables[i]);
		if (!strncmp(st->flowtables[i], "ft_", 3))
			fw_build_flowtable_delete(b, st->flowtables[i] + 3);
		(*changes)++;
	}
	r = b->error;
out:
	free(owners);
	fw_sig_index_release(&sigs);
	fw_batch_release(&ref);
	return r;
}

int fw_plan(const struct vnet_fw_spec *spec, struct fw_state *st, struct fw_batch *b,
	    unsigned int *changes, char *why, size_t whylen)
{
	struct fw_elems want[FW_SET_COUNT];
	int r;

	memset(want, 0, sizeof(want));
	*changes = 0;
	r = fw_desired_elems(spec, want);
	if (r >= 0)
		r = plan(spec, st, b, changes, why, whylen, want);
	for (int s = 0; s < FW_SET_COUNT; s++)
		fw_elems_release(&want[s]);
	return r;
}

/*
 * The plan of a delta: only the networks whose input changed, came or went.
 * The cache says the table is what it holds, so a dirty network whose
 * fingerprint is unchanged (only its forwards differ) keeps its chains.
 * The order is fw_plan's: chains first (elements jump to them), elements
 * out, elements in, then the chains and flowtables nothing uses any more.
 */
int fw_plan_delta(const struct fw_delta *d, struct fw_batch *b, unsigned int *changes)
{
	*changes = 0;
	for (size_t i = 0; i < d->n_dirty; i++) {
		const struct fw_dirty *dn = &d->dirty[i];
		bool had = dn->old && dn->old->in.mode != VNET_FW_OPEN;

		if (dn->n->mode == VNET_FW_OPEN || (had && !strcmp(dn->old->tag, dn->tag)))
			continue;
		fw_build_network(b, dn->n, !had, dn->old && dn->old->in.flowtable);
		(*changes)++;
	}
	for (int s = 0; s < FW_SET_COUNT; s++)
		diff_elems(b, (enum fw_set)s, &d->now[s], &d->old[s], false, changes, NULL, 0);
	for (int s = 0; s < FW_SET_COUNT; s++)
		diff_elems(b, (enum fw_set)s, &d->now[s], &d->old[s], true, changes, NULL, 0);
	for (size_t i = 0; i < d->n_dirty + d->n_gone; i++) {
		const struct fw_cnet *old = i < d->n_dirty ? d->dirty[i].old : d->gone[i - d->n_dirty];
		bool open_now = i < d->n_dirty && d->dirty[i].n->mode == VNET_FW_OPEN;
		char name[FW_CHAIN_NAME_MAX];

		/* gone, or open now: its chains and flowtable are not wanted */
		if (!old || old->in.mode == VNET_FW_OPEN || (i < d->n_dirty && !open_now))
			continue;
		for (int c = 0; c < FW_NCHAIN_COUNT; c++) {
			fw_chain_name(name, old->in.name, (enum fw_nchain)c);
			fw_batch_del_chain(b, name);
		}
		(*changes)++;
	}
	for (size_t i = 0; i < d->n_dirty + d->n_gone; i++) {
		const struct fw_cnet *old = i < d->n_dirty ? d->dirty[i].old : d->gone[i - d->n_dirty];
		bool open_now = i < d->n_dirty && d->dirty[i].n->mode == VNET_FW_OPEN;

		if (!old || !old->in.flowtable || (i < d->n_dirty && !open_now))
			continue;
		fw_build_flowtable_delete(b, old->in.name);
		(*changes)++;
	}
	return b->error;
}

/*
 * Apply from the cache (the generation is still @gen, ours): plan the
 * delta, send it conditional on @gen, take it into the cache. -EAGAIN:
 * apply without the cache (the spec needs a full check, or someone
 * committed in between and the kernel refused the batch).
 */
static int apply_cached(struct vnet_ctx *ctx, const struct vnet_fw_spec *spec, uint32_t gen)
{
	struct fw_delta d;
	struct fw_batch b;
	unsigned int changes = 0;
	uint32_t after;
	bool sent = false;
	int r;

	r = fw_cache_delta(ctx, spec, &d);
	if (r == -EAGAIN)
		return r;
	if (r < 0) {
		fw_cache_drop(ctx);
		return vnet_ctx_fail(ctx, r, "out of memory planning the nftables batch");
	}
	fw_batch_init(&b);
	if (fw_batch_genid(&b, gen) < 0)
		b.error = -ENOMEM;
	r = fw_plan_delta(&d, &b, &changes);
	if (r < 0) {
		r = vnet_ctx_fail(ctx, r, "out of memory planning the nftables batch");
	} else if (changes) {
		r = fw_batch_send(ctx, &b);
		sent = r == 0;
	}
	fw_batch_release(&b);
	if (r == 0 && !sent) {
		fw_cache_commit(ctx, &d, gen);
	} else if (r == 0) {
		/* the generation moved by exactly our commit: nobody else's change is in between */
		if (fw_gen_get(ctx, &after) == 0 && after == gen + 1)
			fw_cache_commit(ctx, &d, after);
		else
			fw_cache_drop(ctx);
	} else {
		fw_cache_drop(ctx);
		if (r == -ERESTART) {
			vnet_ctx_clear_error(ctx);
			r = -EAGAIN;
		}
	}
	fw_delta_release(&d);
	return r;
}

/* Validate the whole spec, read the whole table, plan, send; then cache what it left. */
static int apply_full(struct vnet_ctx *ctx, const struct vnet_fw_spec *spec)
{
	struct fw_elems want[FW_SET_COUNT];
	struct fw_state st;
	struct fw_batch b;
	unsigned int changes = 0;
	uint32_t gen = 0, after;
	bool have_gen, sent = false;
	int r;

	r = vnet_fw_validate(spec, &ctx->err);
	if (r < 0)
		return r;
	memset(want, 0, sizeof(want));
	fw_cache_drop(ctx);
	have_gen = fw_gen_get(ctx, &gen) == 0;
	r = fw_state_read(ctx, &st);
	if (r < 0)
		return r;
	fw_batch_init(&b);
	r = fw_desired_elems(spec, want);
	if (r >= 0)
		r = plan(spec, &st, &b, &changes, NULL, 0, want);
	if (r < 0) {
		r = vnet_ctx_fail(ctx, r, "out of memory planning the nftables batch");
	} else if (changes) {
		r = fw_batch_send(ctx, &b);
		sent = r == 0;
	}
	fw_batch_release(&b);
	fw_state_release(&st);
	for (int s = 0; s < FW_SET_COUNT; s++)
		fw_elems_release(&want[s]);
	/* nobody committed since @gen but us: the table is what @spec says */
	if (r == 0 && have_gen && fw_gen_get(ctx, &after) == 0 && after == gen + (sent ? 1u : 0u))
		fw_cache_store(ctx, spec, after);
	return r;
}

VNET_EXPORT int vnet_fw_apply(struct vnet_ctx *ctx, const struct vnet_fw_spec *spec)
{
	uint32_t gen;
	int r;

	vnet_ctx_clear_error(ctx);
	/* nobody committed since our last apply: plan from what we left, network by network */
	if (ctx->fw_cache && fw_gen_get(ctx, &gen) == 0 && fw_cache_valid(ctx, gen)) {
		r = apply_cached(ctx, spec, gen);
		if (r != -EAGAIN)
			return r;
	}
	return apply_full(ctx, spec);
}

VNET_EXPORT int vnet_fw_delete(struct vnet_ctx *ctx)
{
	struct nftnl_table *t;
	struct nlmsghdr *nlh;
	struct fw_batch b;
	int r;

	vnet_ctx_clear_error(ctx);
	t = nftnl_table_alloc();
	if (!t)
		return vnet_ctx_fail(ctx, -ENOMEM, "out of memory");
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, VNET_FW_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	fw_batch_init(&b);
	nlh = fw_batch_msg(&b, NFT_MSG_DELTABLE, NFPROTO_INET, 0, 256, "delete table inet %s",
			   VNET_FW_TABLE);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		fw_batch_commit(&b, nlh);
	}
	nftnl_table_free(t);
	r = fw_batch_send(ctx, &b);
	fw_batch_release(&b);
	if (r == -ENOENT) {
		ctx->err.msg[0] = '\0';
		r = 0;
	}
	return r;
}
