/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A rule's signature: a hash over its expressions and the attributes the
 * kernel hands back exactly as they were sent (names, keys, offsets, compared
 * data, set and chain names, verdicts). Attributes the kernel fills in on its
 * own (lookup flags, NAT register ranges, ...) are left out, so a rule read
 * back from the kernel has the signature of the rule that was built.
 */
#include <netinet/in.h>
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
