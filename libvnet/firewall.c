/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Apply: read table inet vnet back (or take it from the cache), work out the
 * smallest change that makes it match the spec and send that as one batch.
 * The chains are fixed (the skeleton): a network is elements of its sets,
 * added and removed one by one, so a network that did not change is not
 * touched and one that starts adds elements only.
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

/* Everything but fwd_flow's rules and the elements: the table, sets, chains and their rules. */
static bool skeleton_ok(struct fw_state *st, const struct fw_sig_index *built, char *why,
			size_t whylen)
{
	char sname[FW_SET_NAME_MAX];
	bool ok = true;

	if (!st->table) {
		note(why, whylen, "table inet %s does not exist", VNET_FW_TABLE);
		return false;
	}
	for (int i = 0; i < FW_SET_FIXED; i++) {
		if (!st->sets[i]) {
			note(why, whylen, "map/set %s is missing", fw_set_name((enum fw_set)i, sname));
			ok = false;
		}
	}
	for (size_t i = 0; i < fw_skeleton_chain_count(); i++) {
		const char *name = fw_skeleton_chain(i);
		struct fw_chain_state *c = fw_state_chain(st, name);
		unsigned int want = fw_skeleton_rule_count(name);
		bool tag_ok;

		if (!c || c->base != fw_skeleton_base(name)) {
			note(why, whylen, "chain %s is missing", name);
			ok = false;
			continue;
		}
		if (!strcmp(name, FW_CHAIN_FLOW) || fw_prefix_chain(name))
			continue;
		tag_ok = !strcmp(c->tag, fw_skeleton_tag());
		if (c->rules != want || !tag_ok) {
			note(why, whylen, "chain %s has %u rules (expected %u)%s", name, c->rules, want,
			     tag_ok ? "" : " of another layout");
			ok = false;
		} else if (st->sigs && built && same_rules(built, c) == 0) {
			note(why, whylen, "chain %s has rules that were changed", name);
			ok = false;
		}
	}
	return ok;
}

static bool is_skeleton(const char *name)
{
	for (size_t i = 0; i < fw_skeleton_chain_count(); i++)
		if (!strcmp(name, fw_skeleton_chain(i)))
			return true;
	return false;
}

/* Do the prefix chains and the per-length sets match the prefix lengths @spec uses? */
static bool prefixes_ok(const struct vnet_fw_spec *spec, struct fw_state *st,
			const bool want[FW_SET_COUNT], const struct fw_sig_index *built,
			char *why, size_t whylen)
{
	char tag[64], name[FW_SET_NAME_MAX];
	bool ok = true;

	fw_prefix_tag(spec, tag, sizeof(tag));
	for (size_t i = 0; i < fw_skeleton_chain_count(); i++) {
		const char *chain = fw_skeleton_chain(i);
		struct fw_chain_state *c;
		unsigned int n;

		if (!fw_prefix_chain(chain))
			continue;
		c = fw_state_chain(st, chain);
		n = fw_prefix_rule_count(spec, chain);
		if (!c) {
			ok = false;
		} else if (c->rules != n) {
			note(why, whylen, "chain %s has %u rules (expected %u)", chain, c->rules, n);
			ok = false;
		} else if (!strcmp(chain, "src_ok") && n && strcmp(c->tag, tag)) {
			note(why, whylen, "chain %s was built for other prefix lengths", chain);
			ok = false;
		} else if (st->sigs && built && same_rules(built, c) == 0) {
			note(why, whylen, "chain %s has rules that were changed", chain);
			ok = false;
		}
	}
	for (int i = FW_SET_FIXED; i < FW_SET_COUNT; i++) {
		if (want[i] && !st->sets[i]) {
			note(why, whylen, "set %s is missing", fw_set_name((enum fw_set)i, name));
			ok = false;
		}
	}
	return ok;
}

/* Do fwd_flow and the flowtables match the flowtable networks of @spec? */
static bool flow_ok(const struct vnet_fw_spec *spec, struct fw_state *st,
		    const struct fw_sig_index *built, char *why, size_t whylen)
{
	struct fw_chain_state *c = fw_state_chain(st, FW_CHAIN_FLOW);
	unsigned int want = fw_flow_rule_count(spec), n_ft = 0;
	char tag[64], ft[FW_CHAIN_NAME_MAX + 4];
	bool ok = true;

	fw_flow_tag(spec, tag, sizeof(tag));
	if (!c) {
		note(why, whylen, "chain %s is missing", FW_CHAIN_FLOW);
		return false;
	}
	if (c->rules != want || (want && strcmp(c->tag, tag))) {
		note(why, whylen, "chain %s has %u rules (expected %u)%s", FW_CHAIN_FLOW, c->rules,
		     want, c->rules == want ? " for other flowtables" : "");
		ok = false;
	} else if (st->sigs && built && same_rules(built, c) == 0) {
		note(why, whylen, "chain %s has rules that were changed", FW_CHAIN_FLOW);
		ok = false;
	}
	for (size_t i = 0; i < spec->n_networks; i++) {
		const struct vnet_fw_network *n = &spec->networks[i];

		if (!n->flowtable || n->mode == VNET_FW_OPEN)
			continue;
		n_ft++;
		snprintf(ft, sizeof(ft), "ft_%s", n->name);
		if (!fw_state_has_flowtable(st, ft)) {
			note(why, whylen, "network '%s': flowtable %s is missing", n->name, ft);
			ok = false;
		}
	}
	if (st->n_flowtables != n_ft) {
		note(why, whylen, "%zu flowtables exist, %u are wanted", st->n_flowtables, n_ft);
		ok = false;
	}
	return ok;
}

static void diff_elems(struct fw_batch *b, enum fw_set set, const struct fw_elems *want,
		       const struct fw_elems *have, bool add, unsigned int *changes,
		       char *why, size_t whylen)
{
	struct fw_elems out = { 0 };
	size_t i = 0, j = 0, missing = 0, extra = 0;
	char first[160] = "", name[FW_SET_NAME_MAX];

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
		     fw_set_name(set, name), missing, extra, first);
	fw_elems_release(&out);
}

/* Does @spec use any prefix length (so the prefix chains have rules)? */
static bool fw_prefix_tag_any(const struct vnet_fw_spec *spec)
{
	char tag[64];

	fw_prefix_tag(spec, tag, sizeof(tag));
	return tag[0] != '\0';
}

/* fw_plan with the desired elements already made (sorted; left to the caller). */
static int plan(const struct vnet_fw_spec *spec, struct fw_state *st, struct fw_batch *b,
		unsigned int *changes, char *why, size_t whylen, struct fw_elems want[FW_SET_COUNT])
{
	static const struct fw_elems none[FW_SET_COUNT];
	static const bool no_sets[FW_SET_COUNT];
	const struct fw_elems *have = st->elems;
	const bool *have_sets = st->sets;
	struct fw_sig_index sigs = { NULL, 0 };
	bool want_sets[FW_SET_COUNT];
	struct fw_batch ref;
	char sname[FW_SET_NAME_MAX];
	bool fresh = false;
	int r;

	memset(&ref, 0, sizeof(ref));
	fw_state_sort(st);
	*changes = 0;
	if (why && whylen)
		why[0] = '\0';

	/* What the kernel should hold, built once to compare rule by rule. */
	if (st->sigs) {
		fw_batch_init(&ref);
		fw_build_skeleton(&ref);
		fw_build_prefixes(&ref, spec, true, NULL);
		fw_build_flow(&ref, spec, true, NULL, 0);
		r = fw_batch_end(&ref);
		if (r >= 0)
			r = fw_batch_sig_index(&ref, &sigs);
		if (r < 0)
			goto out;
	}
	if (!skeleton_ok(st, st->sigs ? &sigs : NULL, why, whylen)) {
		/*
		 * Another layout, or a chain or set someone changed: make the
		 * whole table again, in the same batch, so nothing is ever half
		 * there. Rare (an upgrade, a repair), so simple beats small.
		 */
		if (st->table)
			fw_build_table_delete(b);
		fw_build_skeleton(b);
		(*changes)++;
		fresh = true;
		have = none;
		have_sets = no_sets;
	}
	fw_sets_wanted(spec, want_sets);
	if (fresh ? fw_prefix_tag_any(spec) :
		    !prefixes_ok(spec, st, want_sets, st->sigs ? &sigs : NULL, why, whylen)) {
		/* rare: the first subnet of a prefix length, or the last one gone */
		fw_build_prefixes(b, spec, fresh, have_sets);
		(*changes)++;
	}
	if (fresh ? fw_flow_rule_count(spec) > 0 : !flow_ok(spec, st, st->sigs ? &sigs : NULL, why, whylen)) {
		/* rare: a network with a flowtable came, went or changed */
		fw_build_flow(b, spec, fresh, st->flowtables, fresh ? 0 : st->n_flowtables);
		(*changes)++;
	}
	/* sets that go (no longer wanted) go as a whole, below, not element by element */
	for (int s = 0; s < FW_SET_COUNT; s++)
		if (want_sets[s] && have_sets[s])
			diff_elems(b, (enum fw_set)s, &want[s], &have[s], false, changes, why, whylen);
	for (int s = 0; s < FW_SET_COUNT; s++)
		if (want_sets[s])
			diff_elems(b, (enum fw_set)s, &want[s], have_sets[s] ? &have[s] : &none[s], true,
				   changes, NULL, 0);
	for (int s = FW_SET_FIXED; s < FW_SET_COUNT; s++) {
		if (have_sets[s] && !want_sets[s]) {
			fw_build_prefix_sets_delete(b, want_sets, have_sets);
			note(why, whylen, "set %s is not wanted", fw_set_name((enum fw_set)s, sname));
			(*changes)++;
			break;
		}
	}
	/* Chains that are not vnet's (e.g. of an older layout, or added by hand). */
	for (size_t i = 0; i < st->n_chains && !fresh; i++) {
		const char *name = st->chains[i].name;

		if (is_skeleton(name))
			continue;
		note(why, whylen, "chain %s is not wanted", name);
		fw_batch_del_chain(b, name);
		(*changes)++;
	}
	r = b->error;
out:
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
 * The plan of a delta: only the elements of the networks whose input
 * changed, came or went; the prefix chains and fwd_flow only when what they
 * are made from (the lengths in use, the flowtable networks) changed. The
 * order is plan's: sets and chains first, elements out, elements in, then
 * the sets no length uses any more.
 */
int fw_plan_delta(const struct fw_delta *d, struct fw_batch *b, unsigned int *changes)
{
	static const struct fw_elems none;

	*changes = 0;
	if (d->prefixes) {
		/* rare: the first subnet of a prefix length, or the last one gone */
		fw_build_prefixes(b, d->spec, false, d->have_sets);
		(*changes)++;
	}
	if (d->flow) {
		fw_build_flow(b, d->spec, false, d->flowtables, d->n_flowtables);
		(*changes)++;
	}
	/* sets that go (no longer wanted) go as a whole, below, not element by element */
	for (int s = 0; s < FW_SET_COUNT; s++)
		if (d->want_sets[s] && d->have_sets[s])
			diff_elems(b, (enum fw_set)s, &d->now[s], &d->old[s], false, changes, NULL, 0);
	for (int s = 0; s < FW_SET_COUNT; s++)
		if (d->want_sets[s])
			diff_elems(b, (enum fw_set)s, &d->now[s], d->have_sets[s] ? &d->old[s] : &none,
				   true, changes, NULL, 0);
	for (int s = FW_SET_FIXED; s < FW_SET_COUNT; s++) {
		if (d->have_sets[s] && !d->want_sets[s]) {
			fw_build_prefix_sets_delete(b, d->want_sets, d->have_sets);
			(*changes)++;
			break;
		}
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

void fw_build_table_delete(struct fw_batch *b)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t) {
		b->error = -ENOMEM;
		return;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, VNET_FW_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nlh = fw_batch_msg(b, NFT_MSG_DELTABLE, NFPROTO_INET, 0, 256, "delete table inet %s",
			   VNET_FW_TABLE);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		fw_batch_commit(b, nlh);
	}
	nftnl_table_free(t);
}

VNET_EXPORT int vnet_fw_delete(struct vnet_ctx *ctx)
{
	struct fw_batch b;
	int r;

	vnet_ctx_clear_error(ctx);
	fw_batch_init(&b);
	fw_build_table_delete(&b);
	r = fw_batch_send(ctx, &b);
	fw_batch_release(&b);
	if (r == -ENOENT) {
		ctx->err.msg[0] = '\0';
		r = 0;
	}
	return r;
}
