/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A rule's signature: a hash over its expressions and the attributes the
 * kernel hands back exactly as they were sent (names, keys, offsets, compared
 * data, set and chain names, verdicts). Attributes the kernel fills in on its
 * own (lookup flags, NAT register ranges, ...) are left out, so a rule read
 * back from the kernel has the signature of the rule that was built.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "firewall-int.h"

struct sig {
	uint64_t h;
};

static void mix(struct sig *s, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		s->h ^= b[i];
		s->h *= 0x100000001b3ull;
	}
}

static void mix_u32(struct sig *s, const struct nftnl_expr *e, uint16_t attr)
{
	uint32_t v = nftnl_expr_is_set(e, attr) ? nftnl_expr_get_u32(e, attr) : 0xffffffffu;

	mix(s, &v, sizeof(v));
}

static void mix_data(struct sig *s, const struct nftnl_expr *e, uint16_t attr)
{
	uint32_t len = 0;
	const void *p = nftnl_expr_is_set(e, attr) ? nftnl_expr_get(e, attr, &len) : NULL;

	mix(s, &len, sizeof(len));
	if (p)
		mix(s, p, len);
}

static void mix_str(struct sig *s, const struct nftnl_expr *e, uint16_t attr)
{
	const char *p = nftnl_expr_is_set(e, attr) ? nftnl_expr_get_str(e, attr) : "";

	mix(s, p, strlen(p) + 1);
}

static int one_expr(struct nftnl_expr *e, void *data)
{
	struct sig *s = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	mix(s, name, strlen(name) + 1);
	if (!strcmp(name, "meta")) {
		mix_u32(s, e, NFTNL_EXPR_META_KEY);
	} else if (!strcmp(name, "cmp")) {
		mix_u32(s, e, NFTNL_EXPR_CMP_OP);
		mix_data(s, e, NFTNL_EXPR_CMP_DATA);
	} else if (!strcmp(name, "payload")) {
		mix_u32(s, e, NFTNL_EXPR_PAYLOAD_BASE);
		mix_u32(s, e, NFTNL_EXPR_PAYLOAD_OFFSET);
		mix_u32(s, e, NFTNL_EXPR_PAYLOAD_LEN);
		mix_u32(s, e, NFTNL_EXPR_PAYLOAD_DREG);
	} else if (!strcmp(name, "bitwise")) {
		mix_data(s, e, NFTNL_EXPR_BITWISE_MASK);
	} else if (!strcmp(name, "lookup")) {
		mix_str(s, e, NFTNL_EXPR_LOOKUP_SET);
	} else if (!strcmp(name, "immediate")) {
		if (nftnl_expr_is_set(e, NFTNL_EXPR_IMM_VERDICT)) {
			mix_u32(s, e, NFTNL_EXPR_IMM_VERDICT);
			mix_str(s, e, NFTNL_EXPR_IMM_CHAIN);
		} else {
			mix_u32(s, e, NFTNL_EXPR_IMM_DREG);
			mix_data(s, e, NFTNL_EXPR_IMM_DATA);
		}
	} else if (!strcmp(name, "ct")) {
		mix_u32(s, e, NFTNL_EXPR_CT_KEY);
	} else if (!strcmp(name, "nat")) {
		mix_u32(s, e, NFTNL_EXPR_NAT_TYPE);
		mix_u32(s, e, NFTNL_EXPR_NAT_FAMILY);
	} else if (!strcmp(name, "reject")) {
		mix_u32(s, e, NFTNL_EXPR_REJECT_TYPE);
	} else if (!strcmp(name, "fib")) {
		mix_u32(s, e, NFTNL_EXPR_FIB_RESULT);
		mix_u32(s, e, NFTNL_EXPR_FIB_FLAGS);
	} else if (!strcmp(name, "flow_offload")) {
		mix_str(s, e, NFTNL_EXPR_FLOW_TABLE_NAME);
	}
	return 0;
}

uint64_t fw_rule_sig(struct nftnl_rule *r)
{
	struct sig s = { 0xcbf29ce484222325ull };

	nftnl_expr_foreach(r, one_expr, &s);
	return s.h;
}

int fw_batch_chain_sigs(const struct fw_batch *b, const char *chain, uint64_t **out,
			unsigned int *n)
{
	const struct nlmsghdr *nlh;

	*out = NULL;
	*n = 0;
	for (nlh = fw_batch_first(b); nlh; nlh = fw_batch_next(b, nlh)) {
		struct nftnl_rule *r;
		uint64_t *v;

		if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
		    NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWRULE)
			continue;
		r = nftnl_rule_alloc();
		if (!r)
			goto oom;
		if (nftnl_rule_nlmsg_parse(nlh, r) < 0 ||
		    strcmp(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), chain)) {
			nftnl_rule_free(r);
			continue;
		}
		v = realloc(*out, (*n + 1) * sizeof(*v));
		if (!v) {
			nftnl_rule_free(r);
			goto oom;
		}
		*out = v;
		v[(*n)++] = fw_rule_sig(r);
		nftnl_rule_free(r);
	}
	return 0;
oom:
	free(*out);
	*out = NULL;
	*n = 0;
	return -ENOMEM;
}

static int chain_sigs_cmp(const void *a, const void *b)
{
	const struct fw_chain_sigs *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->ord > y->ord) - (x->ord < y->ord);
}

void fw_sig_index_release(struct fw_sig_index *idx)
{
	for (size_t i = 0; i < idx->n; i++)
		free(idx->v[i].sigs);
	free(idx->v);
	idx->v = NULL;
	idx->n = 0;
}

const struct fw_chain_sigs *fw_sig_index_find(const struct fw_sig_index *idx, const char *chain)
{
	size_t lo = 0, hi = idx->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(idx->v[mid].name, chain);

		if (!c)
			return &idx->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Fold entries of the same chain (adjacent after sorting) into the first, in batch order. */
static int merge_runs(struct fw_sig_index *idx)
{
	size_t w = 0;

	for (size_t i = 0; i < idx->n; i++) {
		struct fw_chain_sigs *e = &idx->v[i];

		if (w && !strcmp(idx->v[w - 1].name, e->name)) {
			struct fw_chain_sigs *d = &idx->v[w - 1];
			uint64_t *v = realloc(d->sigs, (d->n + e->n) * sizeof(*v));

			if (!v)
				return -ENOMEM;
			memcpy(v + d->n, e->sigs, e->n * sizeof(*v));
			d->sigs = v;
			d->n += e->n;
			free(e->sigs);
			e->sigs = NULL;
			continue;
		}
		idx->v[w++] = *e;
	}
	idx->n = w;
	return 0;
}

/*
 * One pass over the batch, so comparing thousands of chains costs one parse
 * of each rule rather than one per chain: a new entry starts whenever the
 * chain name changes (the builders emit a chain's rules together), and
 * entries of the same chain are folded after sorting.
 */
int fw_batch_sig_index(const struct fw_batch *b, struct fw_sig_index *out)
{
	const struct nlmsghdr *nlh;
	struct fw_chain_sigs *cur = NULL;
	size_t cap = 0;

	out->v = NULL;
	out->n = 0;
	for (nlh = fw_batch_first(b); nlh; nlh = fw_batch_next(b, nlh)) {
		struct nftnl_rule *r;
		const char *chain;
		uint64_t *v;

		if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
		    NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWRULE)
			continue;
		r = nftnl_rule_alloc();
		if (!r)
			goto oom;
		if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
			nftnl_rule_free(r);
			continue;
		}
		chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
		if (!cur || strcmp(cur->name, chain)) {
			if (out->n == cap) {
				struct fw_chain_sigs *nv;

				cap = cap ? cap * 2 : 64;
				nv = realloc(out->v, cap * sizeof(*nv));
				if (!nv) {
					nftnl_rule_free(r);
					goto oom;
				}
				out->v = nv;
			}
			cur = &out->v[out->n];
			memset(cur, 0, sizeof(*cur));
			cur->ord = out->n++;
			snprintf(cur->name, sizeof(cur->name), "%s", chain);
		}
		v = realloc(cur->sigs, (cur->n + 1) * sizeof(*v));
		if (!v) {
			nftnl_rule_free(r);
			goto oom;
		}
		cur->sigs = v;
		cur->sigs[cur->n++] = fw_rule_sig(r);
		nftnl_rule_free(r);
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), chain_sigs_cmp);
	if (merge_runs(out) < 0)
		goto oom;
	return 0;
oom:
	fw_sig_index_release(out);
	return -ENOMEM;
}
