/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What goes into table inet vnet: a fixed skeleton of sets, maps and
 * chains, built as libnftnl expressions in the same shape nft(8) produces
 * (so `nft list table inet vnet` reads back as ordinary nft syntax), and the
 * elements that make each network what it is. A network has no chain of
 * its own: its bridge, subnets and uplink are elements of the skeleton's
 * sets. Starting or stopping one therefore adds or removes elements only,
 * none of them a jump verdict, and the kernel does not walk every chain of
 * the table again on commit (it does whenever a batch adds a rule or a
 * jump), so a start costs what the first one did.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/flowtable.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/rtnetlink.h>

#include "firewall-int.h"

static const char *const fixed_names[FW_SET_FIXED] = {
	[FW_SET_BRIDGES] = "bridges",
	[FW_SET_NONROUTED] = "nonrouted",
	[FW_SET_FILTERED] = "filtered",
	[FW_SET_NATBR] = "natbr",
	[FW_SET_ROUTEDBR] = "routedbr",
	[FW_SET_V6BR] = "v6br",
	[FW_SET_UPLINKED] = "uplinked",
	[FW_SET_SAME] = "same",
	[FW_SET_UPLINK] = "uplink",
	[FW_SET_SNAT4] = "snat4",
	[FW_SET_FWD4] = "fwd4",
	[FW_SET_FWD4ANY] = "fwd4any",
	[FW_SET_FWD6] = "fwd6",
	[FW_SET_FWD6ANY] = "fwd6any",
};

unsigned int fw_set_len(enum fw_set s)
{
	if (s >= FW_SET_A6)
		return (unsigned int)(s - FW_SET_A6);
	if (s >= FW_SET_R4)
		return (unsigned int)(s - FW_SET_R4);
	if (s >= FW_SET_N4)
		return (unsigned int)(s - FW_SET_N4);
	return 0;
}

const char *fw_set_name(enum fw_set s, char buf[FW_SET_NAME_MAX])
{
	if (s < FW_SET_FIXED)
		snprintf(buf, FW_SET_NAME_MAX, "%s", fixed_names[s]);
	else
		snprintf(buf, FW_SET_NAME_MAX, "%s_%u",
			 s >= FW_SET_A6 ? "a6" : s >= FW_SET_R4 ? "r4" : "n4",
			 fw_set_len(s));
	return buf;
}

/* nft's datatype numbers (src/datatype.h), concatenated 6 bits apart. */
enum {
	DT_IPADDR = 7,
	DT_IP6ADDR = 8,
	DT_INET_PROTOCOL = 12,
	DT_INET_SERVICE = 13,
	DT_IFNAME = 41,
};
#define DT2(a, b) (((a) << 6) | (b))
#define DT3(a, b, c) (((a) << 12) | ((b) << 6) | (c))

/*
 * Set userdata exactly as nft 1.0.6 writes it for these types (key and data
 * byte order), so `nft list` prints the keys as nft would.
 */
static const uint8_t udata_ifname_set[] = { 0x00, 0x04, 0x01, 0x00, 0x00, 0x00 };
static const uint8_t udata_concat_set[] = {
	0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x03, 0x08, 0x00, 0x04, 0x0d, 0x00, 0x00, 0x00,
	0x01, 0x00,
};
static const uint8_t udata_snat_map[] = {
	0x00, 0x04, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x02, 0x00, 0x00, 0x00, 0x06, 0x04,
	0x00, 0x00, 0x00, 0x00,
};
static const uint8_t udata_fwd_map[] = {
	0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x08, 0x00, 0x04, 0x0d, 0x00, 0x00, 0x00, 0x01, 0x00, 0x04, 0x08,
	0x00, 0x04, 0x0d, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x04, 0x00, 0x00,
	0x00, 0x00,
};

struct set_def {
	uint32_t flags, ktype, klen, dtype, dlen;
	const uint8_t *udata;
	size_t udlen;
};

#define IFSET { 0, DT_IFNAME, 16, 0, 0, udata_ifname_set, sizeof(udata_ifname_set) }
#define PAIRSET { 0, DT2(DT_IFNAME, DT_IFNAME), 32, 0, 0, udata_concat_set, sizeof(udata_concat_set) }

static const struct set_def fixed_defs[FW_SET_FIXED] = {
	[FW_SET_BRIDGES] = IFSET,
	[FW_SET_NONROUTED] = IFSET,
	[FW_SET_FILTERED] = IFSET,
	[FW_SET_NATBR] = IFSET,
	[FW_SET_ROUTEDBR] = IFSET,
	[FW_SET_V6BR] = IFSET,
	[FW_SET_UPLINKED] = IFSET,
	[FW_SET_SAME] = PAIRSET,
	[FW_SET_UPLINK] = PAIRSET,
	[FW_SET_SNAT4] = { NFT_SET_MAP, DT_IFNAME, 16, DT_IPADDR, 4, udata_snat_map, sizeof(udata_snat_map) },
	[FW_SET_FWD4] = { NFT_SET_MAP, DT3(DT_INET_PROTOCOL, DT_IPADDR, DT_INET_SERVICE), 12,
			  DT2(DT_IPADDR, DT_INET_SERVICE), 8, udata_fwd_map, sizeof(udata_fwd_map) },
	[FW_SET_FWD4ANY] = { NFT_SET_MAP, DT2(DT_INET_PROTOCOL, DT_INET_SERVICE), 8,
			     DT2(DT_IPADDR, DT_INET_SERVICE), 8, udata_fwd_map, sizeof(udata_fwd_map) },
	[FW_SET_FWD6] = { NFT_SET_MAP, DT3(DT_INET_PROTOCOL, DT_IP6ADDR, DT_INET_SERVICE), 24,
			  DT2(DT_IP6ADDR, DT_INET_SERVICE), 20, udata_fwd_map, sizeof(udata_fwd_map) },
	[FW_SET_FWD6ANY] = { NFT_SET_MAP, DT2(DT_INET_PROTOCOL, DT_INET_SERVICE), 8,
			     DT2(DT_IP6ADDR, DT_INET_SERVICE), 20, udata_fwd_map, sizeof(udata_fwd_map) },
};

static const struct set_def net4_def = {
	0, DT2(DT_IFNAME, DT_IPADDR), 20, 0, 0, udata_concat_set, sizeof(udata_concat_set),
};
static const struct set_def net6_def = {
	0, DT2(DT_IFNAME, DT_IP6ADDR), 32, 0, 0, udata_concat_set, sizeof(udata_concat_set),
};

static const struct set_def *set_def(enum fw_set s)
{
	if (s < FW_SET_FIXED)
		return &fixed_defs[s];
	return s >= FW_SET_A6 ? &net6_def : &net4_def;
}

/* ---- expressions ---- */

/* A rule being built; a failed allocation is remembered and reported once. */
struct rb {
	struct nftnl_rule *r;
	bool oom;
};

static struct nftnl_expr *ex(struct rb *rb, const char *name)
{
	struct nftnl_expr *e;

	if (!rb->r) {
		rb->oom = true;
		return NULL;
	}
	e = nftnl_expr_alloc(name);
	if (!e) {
		rb->oom = true;
		return NULL;
	}
	nftnl_rule_add_expr(rb->r, e);
	return e;
}

static void e_meta(struct rb *rb, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = ex(rb, "meta");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
}

static void e_cmp(struct rb *rb, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = ex(rb, "cmp");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

static void e_payload(struct rb *rb, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = ex(rb, "payload");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
}

static void e_bitwise(struct rb *rb, uint32_t reg, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = ex(rb, "bitwise");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
}

static void e_verdict(struct rb *rb, int verdict)
{
	struct nftnl_expr *e = ex(rb, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
}

static void e_imm(struct rb *rb, uint32_t dreg, const void *data, uint32_t len)
{
	struct nftnl_expr *e = ex(rb, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, dreg);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
}

/* lookup sreg @sreg in @set; @dreg: 0 or the register for a map's value; @inv: "!= @set" */
static void e_lookup(struct rb *rb, uint32_t sreg, enum fw_set set, uint32_t dreg, bool inv)
{
	struct nftnl_expr *e = ex(rb, "lookup");
	char name[FW_SET_NAME_MAX];

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
	if (dreg)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, dreg);
	if (inv)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, fw_set_name(set, name));
}

static void e_jump(struct rb *rb, const char *chain)
{
	struct nftnl_expr *e = ex(rb, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)NFT_JUMP);
	nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
}

static void e_reject(struct rb *rb)
{
	struct nftnl_expr *e = ex(rb, "reject");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_ICMPX_UNREACH);
	nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
}

static void e_ct(struct rb *rb, uint32_t key)
{
	struct nftnl_expr *e = ex(rb, "ct");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
}

/* ct KEY & mask != 0 */
static void m_ct_bits(struct rb *rb, uint32_t key, uint32_t mask)
{
	uint32_t zero = 0;

	e_ct(rb, key);
	e_bitwise(rb, NFT_REG_1, &mask, sizeof(mask));
	e_cmp(rb, NFT_CMP_NEQ, &zero, sizeof(zero));
}

static void m_ifname(struct rb *rb, uint32_t key, uint32_t op, const char *name)
{
	char buf[VNET_IFNAMSIZ] = { 0 };

	snprintf(buf, sizeof(buf), "%s", name);
	e_meta(rb, key, NFT_REG_1);
	e_cmp(rb, op, buf, sizeof(buf));
}

static void m_nfproto(struct rb *rb, int family)
{
	uint8_t p = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;

	e_meta(rb, NFT_META_NFPROTO, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, &p, sizeof(p));
}

static void m_l4proto(struct rb *rb, uint8_t proto)
{
	e_meta(rb, NFT_META_L4PROTO, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, &proto, sizeof(proto));
}

/* iifname/oifname in @set (or not in it) */
static void m_if_in(struct rb *rb, uint32_t key, enum fw_set set)
{
	e_meta(rb, key, NFT_REG_1);
	e_lookup(rb, NFT_REG_1, set, 0, false);
}

/* iifname . oifname in (or not in) @set */
static void m_pair_in(struct rb *rb, enum fw_set set, bool inv)
{
	e_meta(rb, NFT_META_IIFNAME, NFT_REG_1);
	e_meta(rb, NFT_META_OIFNAME, NFT_REG_2);
	e_lookup(rb, NFT_REG_1, set, 0, inv);
}

/*
 * iifname/oifname . (ip(6) saddr/daddr & the mask of /@len) in @set: the
 * address in one of the subnets of the bridge (the set holds "bridge .
 * network" of the subnets of that length). @dreg: a map's value goes there.
 */
static void m_if_net_in(struct rb *rb, uint32_t key, int family, bool src, unsigned int len,
			enum fw_set set, uint32_t dreg)
{
	bool v4 = family == AF_INET;
	uint32_t alen = v4 ? 4 : 16;

	m_nfproto(rb, family);
	e_meta(rb, key, NFT_REG_1);
	e_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, v4 ? (src ? 12 : 16) : (src ? 8 : 24), alen,
		  NFT_REG_2);
	if (len < alen * 8) {
		uint8_t mask[16] = { 0 };

		for (unsigned int bit = 0; bit < len; bit++)
			mask[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
		e_bitwise(rb, NFT_REG_2, mask, alen);
	}
	e_lookup(rb, NFT_REG_1, set, dreg, false);
}

static void m_dport(struct rb *rb, uint8_t proto, uint16_t port)
{
	uint16_t be = htons(port);

	m_l4proto(rb, proto);
	e_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, &be, sizeof(be));
}

static void set_comment(struct nftnl_rule *r, const char *comment)
{
	struct nftnl_udata_buf *ud;

	if (!r || !comment)
		return;
	ud = nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAX + 8);
	if (!ud)
		return;
	if (nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, comment))
		nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
				    nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
}

/* Where built rules go: into a batch, or nowhere (only counted). */
struct sink {
	struct fw_batch *b;
	const char *only;      /* counting: only the rules of this chain (NULL: all) */
	unsigned int n;
};

static void rb_start(struct rb *rb)
{
	rb->r = nftnl_rule_alloc();
	rb->oom = rb->r == NULL;
}

static void emit(struct sink *s, struct rb *rb, const char *chain, const char *comment)
{
	if (!s->only || !strcmp(s->only, chain))
		s->n++;
	if (!s->b) {
		nftnl_rule_free(rb->r);
		return;
	}
	if (rb->oom) {
		s->b->error = -ENOMEM;
		nftnl_rule_free(rb->r);
		return;
	}
	set_comment(rb->r, comment);
	fw_batch_rule(s->b, rb->r, chain);
}

/* ---- skeleton ---- */

/* Bumped whenever the shape of any rule or set changes: the table is rebuilt. */
static const char layout_tag[] = "vnet layout 2";

const char *fw_skeleton_tag(void)
{
	return layout_tag;
}

#define CH_FROM_BR "fwd_from_br"
#define CH_SRC_OK "src_ok"
#define CH_DST_OK "dst_ok"
#define CH_HAIRPIN_FROM "hairpin_from"
#define CH_HAIRPIN_TO "hairpin_to"
#define CH_NAT_SRC "nat_src"
#define CH_FROM "fwd_from"
#define CH_TO "fwd_to"
#define CH_IN "in_br"
#define CH_POST_FROM "post_from"
#define CH_POST_TO "post_to"
#define CH_DNAT "dnat_fwd"

static const struct chain_def {
	const char *name, *type;
	int hook, prio;
	unsigned int rules;
} chain_defs[] = {
	/* jump targets first: a jump needs its chain to exist */
	{ CH_FROM_BR, NULL, 0, 0, 3 },
	{ FW_CHAIN_FLOW, NULL, 0, 0, 0 },
	{ CH_SRC_OK, NULL, 0, 0, 0 },
	{ CH_DST_OK, NULL, 0, 0, 0 },
	{ CH_HAIRPIN_FROM, NULL, 0, 0, 0 },
	{ CH_HAIRPIN_TO, NULL, 0, 0, 0 },
	{ CH_NAT_SRC, NULL, 0, 0, 0 },
	{ CH_FROM, NULL, 0, 0, 5 },
	{ CH_TO, NULL, 0, 0, 3 },
	{ CH_IN, NULL, 0, 0, 4 },
	{ CH_POST_FROM, NULL, 0, 0, 6 },
	{ CH_POST_TO, NULL, 0, 0, 1 },
	{ CH_DNAT, NULL, 0, 0, 4 },
	{ FW_CHAIN_FORWARD, "filter", NF_INET_FORWARD, 0, 2 },
	{ FW_CHAIN_INPUT, "filter", NF_INET_LOCAL_IN, 0, 1 },
	{ FW_CHAIN_PREROUTING, "nat", NF_INET_PRE_ROUTING, -100, 1 },
	{ FW_CHAIN_OUTPUT, "nat", NF_INET_LOCAL_OUT, -100, 3 },
	{ FW_CHAIN_POSTROUTING, "nat", NF_INET_POST_ROUTING, 100, 2 },
};

size_t fw_skeleton_chain_count(void)
{
	return VNET_ARRAY_SIZE(chain_defs);
}

const char *fw_skeleton_chain(size_t i)
{
	return i < VNET_ARRAY_SIZE(chain_defs) ? chain_defs[i].name : NULL;
}

static const struct chain_def *chain_def(const char *chain)
{
	for (size_t i = 0; i < VNET_ARRAY_SIZE(chain_defs); i++)
		if (!strcmp(chain, chain_defs[i].name))
			return &chain_defs[i];
	return NULL;
}

unsigned int fw_skeleton_rule_count(const char *chain)
{
	const struct chain_def *d = chain_def(chain);

	return d ? d->rules : 0;
}

bool fw_prefix_chain(const char *chain)
{
	return !strcmp(chain, CH_SRC_OK) || !strcmp(chain, CH_DST_OK) ||
	       !strcmp(chain, CH_HAIRPIN_FROM) || !strcmp(chain, CH_HAIRPIN_TO) ||
	       !strcmp(chain, CH_NAT_SRC);
}

bool fw_skeleton_base(const char *chain)
{
	const struct chain_def *d = chain_def(chain);

	return d && d->type;
}

static void build_chain(struct fw_batch *b, const struct chain_def *d)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c) {
		b->error = -ENOMEM;
		return;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, VNET_FW_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, d->name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	if (d->type) {
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, d->type);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)d->hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, d->prio);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nlh = fw_batch_msg(b, NFT_MSG_NEWCHAIN, NFPROTO_INET, NLM_F_CREATE, 1024,
			   "add chain %s", d->name);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		fw_batch_commit(b, nlh);
	}
	nftnl_chain_free(c);
}

static void build_set(struct fw_batch *b, enum fw_set i)
{
	const struct set_def *d = set_def(i);
	char name[FW_SET_NAME_MAX];
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!s) {
		b->error = -ENOMEM;
		return;
	}
	nftnl_set_set_str(s, NFTNL_SET_TABLE, VNET_FW_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, fw_set_name(i, name));
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, d->flags);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, d->ktype);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, d->klen);
	if (d->flags & NFT_SET_MAP) {
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, d->dtype);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, d->dlen);
	}
	nftnl_set_set_u32(s, NFTNL_SET_ID, (uint32_t)i + 1);
	nftnl_set_set_data(s, NFTNL_SET_USERDATA, d->udata, (uint32_t)d->udlen);
	nlh = fw_batch_msg(b, NFT_MSG_NEWSET, NFPROTO_INET, NLM_F_CREATE, 1024,
			   "add %s %s", d->flags & NFT_SET_MAP ? "map" : "set", name);
	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		fw_batch_commit(b, nlh);
	}
	nftnl_set_free(s);
}

/* Rule @rb into skeleton chain @chain; the first rule of each chain carries the layout tag. */
static void skel(struct sink *s, struct rb *rb, const char *chain, bool first)
{
	emit(s, rb, chain, first ? layout_tag : NULL);
}

/* "iifname/oifname @set jump target" */
static void if_in_jump(struct sink *s, const char *chain, bool first, uint32_t key,
		       enum fw_set set, const char *target)
{
	struct rb rb;

	rb_start(&rb);
	m_if_in(&rb, key, set);
	e_jump(&rb, target);
	skel(s, &rb, chain, first);
}

/* meta nfproto ipv4 meta l4proto . [ip daddr .] th dport  dnat to map @set */
static void dnat_rule(struct sink *s, enum fw_set set, bool first)
{
	bool v6 = set == FW_SET_FWD6 || set == FW_SET_FWD6ANY;
	bool any = set == FW_SET_FWD4ANY || set == FW_SET_FWD6ANY;
	struct nftnl_expr *e;
	struct rb rb;

	rb_start(&rb);
	m_nfproto(&rb, v6 ? AF_INET6 : AF_INET);
	e_meta(&rb, NFT_META_L4PROTO, NFT_REG_1);
	if (!any)
		e_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 24 : 16, v6 ? 16 : 4, NFT_REG32_01);
	e_payload(&rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2,
		  any ? NFT_REG32_01 : v6 ? NFT_REG32_05 : NFT_REG32_02);
	e_lookup(&rb, NFT_REG_1, set, NFT_REG_1, false);
	e = ex(&rb, "nat");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
		/* The port follows the address in the map's value: 4 or 16 bytes on. */
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, v6 ? NFT_REG_2 : NFT_REG32_01);
	}
	skel(s, &rb, CH_DNAT, first);
}

/* fib daddr type local jump dnat_fwd: one route lookup per new connection */
static void local_jump(struct sink *s, const char *chain, bool first)
{
	uint32_t local = RTN_LOCAL;
	struct nftnl_expr *e;
	struct rb rb;

	rb_start(&rb);
	e = ex(&rb, "fib");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	}
	e_cmp(&rb, NFT_CMP_EQ, &local, sizeof(local));
	e_jump(&rb, CH_DNAT);
	skel(s, &rb, chain, first);
}

static void loopback_return(struct sink *s, int family, bool first)
{
	static const uint8_t lo4[] = { 127 };
	static const uint8_t lo6[16] = { [15] = 1 };
	struct rb rb;

	rb_start(&rb);
	m_nfproto(&rb, family);
	if (family == AF_INET) {
		e_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, 16, 1, NFT_REG_1);
		e_cmp(&rb, NFT_CMP_EQ, lo4, sizeof(lo4));
	} else {
		e_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, 24, 16, NFT_REG_1);
		e_cmp(&rb, NFT_CMP_EQ, lo6, sizeof(lo6));
	}
	e_verdict(&rb, NFT_RETURN);
	skel(s, &rb, FW_CHAIN_OUTPUT, first);
}

/* forward, out of a filtered bridge: what may leave it */
static void rules_from(struct sink *s)
{
	struct rb rb;

	/* Into a managed bridge: the same bridge (br_netfilter, hairpin) or another network. */
	rb_start(&rb);
	m_pair_in(&rb, FW_SET_SAME, false);
	e_verdict(&rb, NF_ACCEPT);
	skel(s, &rb, CH_FROM_BR, true);
	/* Between two managed networks only routed <-> routed passes. */
	rb_start(&rb);
	m_if_in(&rb, NFT_META_IIFNAME, FW_SET_NATBR);
	e_reject(&rb);
	skel(s, &rb, CH_FROM_BR, false);
	rb_start(&rb);
	m_if_in(&rb, NFT_META_IIFNAME, FW_SET_ROUTEDBR);
	m_if_in(&rb, NFT_META_OIFNAME, FW_SET_NONROUTED);
	e_reject(&rb);
	skel(s, &rb, CH_FROM_BR, false);

	if_in_jump(s, CH_FROM, true, NFT_META_OIFNAME, FW_SET_BRIDGES, CH_FROM_BR);
	/* A nat network tied to one uplink leaves through it only. */
	rb_start(&rb);
	m_if_in(&rb, NFT_META_IIFNAME, FW_SET_UPLINKED);
	m_pair_in(&rb, FW_SET_UPLINK, true);
	e_reject(&rb);
	skel(s, &rb, CH_FROM, false);
	rb_start(&rb);
	e_jump(&rb, FW_CHAIN_FLOW);
	skel(s, &rb, CH_FROM, false);
	/* Only the network's own addresses leave it (isolated networks have none). */
	rb_start(&rb);
	e_jump(&rb, CH_SRC_OK);
	skel(s, &rb, CH_FROM, false);
	rb_start(&rb);
	e_reject(&rb);
	skel(s, &rb, CH_FROM, false);
}

/* forward, into a filtered bridge from elsewhere */
static void rules_to(struct sink *s)
{
	struct rb rb;

	rb_start(&rb);
	m_if_in(&rb, NFT_META_OIFNAME, FW_SET_NATBR);
	m_ct_bits(&rb, NFT_CT_STATE, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) |
		  NF_CT_STATE_BIT(IP_CT_RELATED));
	e_verdict(&rb, NF_ACCEPT);
	skel(s, &rb, CH_TO, true);
	/* To the bridge's subnets (nat IPv4: only what a forward sent). */
	rb_start(&rb);
	e_jump(&rb, CH_DST_OK);
	skel(s, &rb, CH_TO, false);
	rb_start(&rb);
	e_reject(&rb);
	skel(s, &rb, CH_TO, false);
}

/* input from a filtered bridge: DHCP and DNS (the input policy stays accept) */
static void rules_in(struct sink *s)
{
	static const struct { uint8_t proto; uint16_t port; } svc[] = {
		{ IPPROTO_UDP, 67 }, { IPPROTO_UDP, 53 }, { IPPROTO_TCP, 53 },
	};
	struct rb rb;

	for (size_t i = 0; i < VNET_ARRAY_SIZE(svc); i++) {
		rb_start(&rb);
		m_dport(&rb, svc[i].proto, svc[i].port);
		e_verdict(&rb, NF_ACCEPT);
		skel(s, &rb, CH_IN, i == 0);
	}
	rb_start(&rb);
	m_if_in(&rb, NFT_META_IIFNAME, FW_SET_V6BR);
	m_dport(&rb, IPPROTO_UDP, 547);
	e_verdict(&rb, NF_ACCEPT);
	skel(s, &rb, CH_IN, false);
}

static void masq(struct rb *rb, bool ports)
{
	uint16_t pmin = htons(1024), pmax = htons(65535);
	struct nftnl_expr *e;

	if (ports) {
		e_imm(rb, NFT_REG_1, &pmin, sizeof(pmin));
		e_imm(rb, NFT_REG_2, &pmax, sizeof(pmax));
	}
	e = ex(rb, "masq");
	if (e && ports) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_MASQ_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
		nftnl_expr_set_u32(e, NFTNL_EXPR_MASQ_REG_PROTO_MIN, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_MASQ_REG_PROTO_MAX, NFT_REG_2);
	}
}

/* postrouting of nat networks */
static void rules_post(struct sink *s)
{
	static const uint8_t mcast[] = { 224, 0, 0 }, bcast[] = { 255, 255, 255, 255 };
	struct rb rb;

	/*
	 * Hairpin: a VM reaching a forward that lands on its own network. Also
	 * by the output interface (post_to), because br_netfilter bridges such
	 * a packet and postrouting then has no input interface.
	 */
	rb_start(&rb);
	m_pair_in(&rb, FW_SET_SAME, false);
	m_ct_bits(&rb, NFT_CT_STATUS, IPS_DST_NAT);
	e_jump(&rb, CH_HAIRPIN_FROM);
	skel(s, &rb, CH_POST_FROM, true);
	rb_start(&rb);
	m_pair_in(&rb, FW_SET_SAME, false);
	e_verdict(&rb, NFT_RETURN);
	skel(s, &rb, CH_POST_FROM, false);

	rb_start(&rb);
	m_nfproto(&rb, AF_INET);
	e_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, 16, 3, NFT_REG_1);
	e_cmp(&rb, NFT_CMP_EQ, mcast, sizeof(mcast));
	e_verdict(&rb, NFT_RETURN);
	skel(s, &rb, CH_POST_FROM, false);

	rb_start(&rb);
	m_nfproto(&rb, AF_INET);
	e_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, NFT_REG_1);
	e_cmp(&rb, NFT_CMP_EQ, bcast, sizeof(bcast));
	e_verdict(&rb, NFT_RETURN);
	skel(s, &rb, CH_POST_FROM, false);

	rb_start(&rb);
	m_if_in(&rb, NFT_META_IIFNAME, FW_SET_UPLINKED);
	m_pair_in(&rb, FW_SET_UPLINK, true);
	e_verdict(&rb, NFT_RETURN);
	skel(s, &rb, CH_POST_FROM, false);

	rb_start(&rb);
	e_jump(&rb, CH_NAT_SRC);
	skel(s, &rb, CH_POST_FROM, false);

	rb_start(&rb);
	m_ct_bits(&rb, NFT_CT_STATUS, IPS_DST_NAT);
	e_jump(&rb, CH_HAIRPIN_TO);
	skel(s, &rb, CH_POST_TO, true);
}

static void skeleton_rules(struct sink *s)
{
	rules_from(s);
	rules_to(s);
	rules_in(s);
	rules_post(s);
	/* Specific listen addresses first, then forwards on any local address. */
	dnat_rule(s, FW_SET_FWD4, true);
	dnat_rule(s, FW_SET_FWD4ANY, false);
	dnat_rule(s, FW_SET_FWD6, false);
	dnat_rule(s, FW_SET_FWD6ANY, false);

	if_in_jump(s, FW_CHAIN_FORWARD, true, NFT_META_IIFNAME, FW_SET_FILTERED, CH_FROM);
	if_in_jump(s, FW_CHAIN_FORWARD, false, NFT_META_OIFNAME, FW_SET_FILTERED, CH_TO);
	if_in_jump(s, FW_CHAIN_INPUT, true, NFT_META_IIFNAME, FW_SET_FILTERED, CH_IN);
	local_jump(s, FW_CHAIN_PREROUTING, true);
	/* The host's own loopback connections stay local: 127/8 cannot be routed to a VM. */
	loopback_return(s, AF_INET, true);
	loopback_return(s, AF_INET6, false);
	local_jump(s, FW_CHAIN_OUTPUT, false);
	if_in_jump(s, FW_CHAIN_POSTROUTING, true, NFT_META_IIFNAME, FW_SET_NATBR, CH_POST_FROM);
	if_in_jump(s, FW_CHAIN_POSTROUTING, false, NFT_META_OIFNAME, FW_SET_NATBR, CH_POST_TO);
}

void fw_build_skeleton(struct fw_batch *b)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct sink s = { .b = b };
	struct nlmsghdr *nlh;

	if (!t) {
		b->error = -ENOMEM;
		return;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, VNET_FW_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nlh = fw_batch_msg(b, NFT_MSG_NEWTABLE, NFPROTO_INET, NLM_F_CREATE, 256,
			   "add table inet %s", VNET_FW_TABLE);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		fw_batch_commit(b, nlh);
	}
	nftnl_table_free(t);
	for (int i = 0; i < FW_SET_FIXED; i++)
		build_set(b, (enum fw_set)i);
	for (size_t i = 0; i < VNET_ARRAY_SIZE(chain_defs); i++)
		build_chain(b, &chain_defs[i]);
	skeleton_rules(&s);
}

/* ---- flowtables ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	return fnv(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

void fw_flow_tag(const struct vnet_fw_spec *spec, char *buf, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	bool any = false;

	for (size_t i = 0; i < spec->n_networks; i++) {
		const struct vnet_fw_network *n = &spec->networks[i];

		if (!n->flowtable || n->mode == VNET_FW_OPEN)
			continue;
		any = true;
		h = fnv_str(h, n->name);
		h = fnv_str(h, n->bridge);
		h = fnv_str(h, n->nat_uplink);
	}
	if (any)
		snprintf(buf, len, "vnet flow %016llx", (unsigned long long)h);
	else if (len)
		buf[0] = '\0';
}

static void build_flowtable(struct fw_batch *b, const char *name, const struct vnet_fw_network *n)
{
	struct nftnl_flowtable *ft = nftnl_flowtable_alloc();
	struct nlmsghdr *nlh;

	if (!ft) {
		b->error = -ENOMEM;
		return;
	}
	nftnl_flowtable_set_str(ft, NFTNL_FLOWTABLE_TABLE, VNET_FW_TABLE);
	nftnl_flowtable_set_str(ft, NFTNL_FLOWTABLE_NAME, name);
	nftnl_flowtable_set_u32(ft, NFTNL_FLOWTABLE_FAMILY, NFPROTO_INET);
	if (n) {
		const char *devs[3] = { n->bridge, n->nat_uplink, NULL };

		nftnl_flowtable_set_u32(ft, NFTNL_FLOWTABLE_HOOKNUM, NF_NETDEV_INGRESS);
		nftnl_flowtable_set_u32(ft, NFTNL_FLOWTABLE_PRIO, 0);
		nftnl_flowtable_set_array(ft, NFTNL_FLOWTABLE_DEVICES, devs);
	}
	nlh = fw_batch_msg(b, n ? NFT_MSG_NEWFLOWTABLE : NFT_MSG_DELFLOWTABLE, NFPROTO_INET,
			   n ? NLM_F_CREATE : 0, 1024, "%s flowtable %s", n ? "add" : "delete", name);
	if (nlh) {
		nftnl_flowtable_nlmsg_build_payload(nlh, ft);
		fw_batch_commit(b, nlh);
	}
	nftnl_flowtable_free(ft);
}

void fw_build_flowtable_delete(struct fw_batch *b, const char *name)
{
	build_flowtable(b, name, NULL);
}

static void flow_rules(struct sink *s, const struct vnet_fw_spec *spec)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	char tag[64], ft[FW_CHAIN_NAME_MAX];
	bool first = true;

	fw_flow_tag(spec, tag, sizeof(tag));
	for (size_t i = 0; i < spec->n_networks; i++) {
		const struct vnet_fw_network *n = &spec->networks[i];

		if (!n->flowtable || n->mode == VNET_FW_OPEN)
			continue;
		snprintf(ft, sizeof(ft), "ft_%s", n->name);
		for (size_t j = 0; j < sizeof(protos); j++) {
			struct nftnl_expr *e;
			struct rb rb;

			rb_start(&rb);
			m_ifname(&rb, NFT_META_IIFNAME, NFT_CMP_EQ, n->bridge);
			m_l4proto(&rb, protos[j]);
			e = ex(&rb, "flow_offload");
			if (e)
				nftnl_expr_set_str(e, NFTNL_EXPR_FLOW_TABLE_NAME, ft);
			emit(s, &rb, FW_CHAIN_FLOW, first ? tag : NULL);
			first = false;
		}
	}
}

unsigned int fw_flow_rule_count(const struct vnet_fw_spec *spec)
{
	struct sink s = { 0 };

	flow_rules(&s, spec);
	return s.n;
}

void fw_build_flow(struct fw_batch *b, const struct vnet_fw_spec *spec, bool fresh,
		   char *const *have, size_t n_have)
{
	struct sink s = { .b = b };
	char ft[FW_CHAIN_NAME_MAX];

	/* no rule may use a flowtable that is deleted: flush first */
	if (!fresh) {
		fw_batch_flush_chain(b, FW_CHAIN_FLOW);
		for (size_t i = 0; i < n_have; i++)
			build_flowtable(b, have[i], NULL);
	}
	for (size_t i = 0; i < spec->n_networks; i++) {
		const struct vnet_fw_network *n = &spec->networks[i];

		if (!n->flowtable || n->mode == VNET_FW_OPEN)
			continue;
		snprintf(ft, sizeof(ft), "ft_%s", n->name);
		build_flowtable(b, ft, n);
	}
	flow_rules(&s, spec);
}

/* ---- prefix lengths ---- */

/* The prefix lengths the subnets of nat and routed networks use, per family. */
struct lens {
	bool v4[33], v6[129];
};

static void lengths(const struct vnet_fw_spec *spec, struct lens *l)
{
	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < spec->n_networks; i++) {
		const struct vnet_fw_network *n = &spec->networks[i];

		if (n->mode != VNET_FW_NAT && n->mode != VNET_FW_ROUTED)
			continue;
		for (size_t j = 0; j < n->n_subnets; j++) {
			const struct vnet_prefix *p = &n->subnets[j];

			if (p->family == AF_INET && p->len < 32)
				l->v4[p->len] = true;
			else if (p->family == AF_INET6 && p->len < 128)
				l->v6[p->len] = true;
		}
	}
}

void fw_sets_wanted(const struct vnet_fw_spec *spec, bool out[FW_SET_COUNT])
{
	struct lens l;

	lengths(spec, &l);
	memset(out, 0, FW_SET_COUNT * sizeof(*out));
	for (int i = 0; i < FW_SET_FIXED; i++)
		out[i] = true;
	for (unsigned int len = 0; len < 32; len++)
		out[FW_SET_N4 + len] = out[FW_SET_R4 + len] = l.v4[len];
	for (unsigned int len = 0; len < 128; len++)
		out[FW_SET_A6 + len] = l.v6[len];
}

void fw_prefix_tag(const struct vnet_fw_spec *spec, char *buf, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	bool any = false;
	struct lens l;

	lengths(spec, &l);
	for (unsigned int i = 0; i < 33; i++)
		any |= l.v4[i];
	for (unsigned int i = 0; i < 129; i++)
		any |= l.v6[i];
	h = fnv(h, &l, sizeof(l));
	if (any)
		snprintf(buf, len, "vnet prefixes %016llx", (unsigned long long)h);
	else if (len)
		buf[0] = '\0';
}

/* "KEY . ADDR & mask @set VERDICT" rules of the prefix chains, for every length in use. */
static void prefix_rules(struct sink *s, const struct vnet_fw_spec *spec)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	char tag[64];
	struct nftnl_expr *e;
	struct lens l;
	struct rb rb;
	bool first = true;

	lengths(spec, &l);
	fw_prefix_tag(spec, tag, sizeof(tag));
	/* out of a bridge: from one of its subnets */
	for (unsigned int len = 0; len < 32; len++) {
		if (!l.v4[len])
			continue;
		for (int routed = 0; routed < 2; routed++) {
			rb_start(&rb);
			m_if_net_in(&rb, NFT_META_IIFNAME, AF_INET, true, len,
				    (enum fw_set)((routed ? FW_SET_R4 : FW_SET_N4) + len), 0);
			e_verdict(&rb, NF_ACCEPT);
			emit(s, &rb, CH_SRC_OK, first ? tag : NULL);
			first = false;
		}
	}
	for (unsigned int len = 0; len < 128; len++) {
		if (!l.v6[len])
			continue;
		rb_start(&rb);
		m_if_net_in(&rb, NFT_META_IIFNAME, AF_INET6, true, len, (enum fw_set)(FW_SET_A6 + len), 0);
		e_verdict(&rb, NF_ACCEPT);
		emit(s, &rb, CH_SRC_OK, first ? tag : NULL);
		first = false;
	}
	/* into a bridge: to its subnets; nat IPv4 only when a forward sent it, IPv6 is routed (libvirt) */
	for (unsigned int len = 0; len < 32; len++) {
		if (!l.v4[len])
			continue;
		for (int routed = 0; routed < 2; routed++) {
			rb_start(&rb);
			m_if_net_in(&rb, NFT_META_OIFNAME, AF_INET, false, len,
				    (enum fw_set)((routed ? FW_SET_R4 : FW_SET_N4) + len), 0);
			if (!routed)
				m_ct_bits(&rb, NFT_CT_STATUS, IPS_DST_NAT);
			e_verdict(&rb, NF_ACCEPT);
			emit(s, &rb, CH_DST_OK, NULL);
		}
	}
	for (unsigned int len = 0; len < 128; len++) {
		if (!l.v6[len])
			continue;
		rb_start(&rb);
		m_if_net_in(&rb, NFT_META_OIFNAME, AF_INET6, false, len, (enum fw_set)(FW_SET_A6 + len), 0);
		e_verdict(&rb, NF_ACCEPT);
		emit(s, &rb, CH_DST_OK, NULL);
	}
	/* hairpin: from the subnet of the bridge the packet came from (or goes to) */
	for (int to = 0; to < 2; to++) {
		uint32_t key = to ? NFT_META_OIFNAME : NFT_META_IIFNAME;
		const char *chain = to ? CH_HAIRPIN_TO : CH_HAIRPIN_FROM;

		for (unsigned int len = 0; len < 32; len++) {
			if (!l.v4[len])
				continue;
			rb_start(&rb);
			m_if_net_in(&rb, key, AF_INET, true, len, (enum fw_set)(FW_SET_N4 + len), 0);
			masq(&rb, false);
			emit(s, &rb, chain, NULL);
		}
		for (unsigned int len = 0; len < 128; len++) {
			if (!l.v6[len])
				continue;
			rb_start(&rb);
			m_if_net_in(&rb, key, AF_INET6, true, len, (enum fw_set)(FW_SET_A6 + len), 0);
			masq(&rb, false);
			emit(s, &rb, chain, NULL);
		}
	}
	/* from the bridge's IPv4 subnet: its fixed SNAT address (the map's value), before masquerade */
	for (unsigned int len = 0; len < 32; len++) {
		if (!l.v4[len])
			continue;
		rb_start(&rb);
		m_if_net_in(&rb, NFT_META_IIFNAME, AF_INET, true, len, (enum fw_set)(FW_SET_N4 + len), 0);
		e_meta(&rb, NFT_META_IIFNAME, NFT_REG_1);
		e_lookup(&rb, NFT_REG_1, FW_SET_SNAT4, NFT_REG_1, false);
		e = ex(&rb, "nat");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_SNAT);
			nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
			nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
		}
		emit(s, &rb, CH_NAT_SRC, NULL);
	}
	/* libvirt's source ports: 1024-65535 for TCP and UDP */
	for (unsigned int len = 0; len < 32; len++) {
		if (!l.v4[len])
			continue;
		for (size_t j = 0; j <= sizeof(protos); j++) {
			rb_start(&rb);
			m_if_net_in(&rb, NFT_META_IIFNAME, AF_INET, true, len,
				    (enum fw_set)(FW_SET_N4 + len), 0);
			if (j < sizeof(protos))
				m_l4proto(&rb, protos[j]);
			masq(&rb, j < sizeof(protos));
			emit(s, &rb, CH_NAT_SRC, NULL);
		}
	}
}

unsigned int fw_prefix_rule_count(const struct vnet_fw_spec *spec, const char *chain)
{
	struct sink s = { .only = chain };

	prefix_rules(&s, spec);
	return s.n;
}

void fw_build_prefixes(struct fw_batch *b, const struct vnet_fw_spec *spec, bool fresh,
		       const bool have[FW_SET_COUNT])
{
	static const char *const chains[] = {
		CH_SRC_OK, CH_DST_OK, CH_HAIRPIN_FROM, CH_HAIRPIN_TO, CH_NAT_SRC,
	};
	struct sink s = { .b = b };
	bool want[FW_SET_COUNT];

	fw_sets_wanted(spec, want);
	if (!fresh)
		for (size_t i = 0; i < VNET_ARRAY_SIZE(chains); i++)
			fw_batch_flush_chain(b, chains[i]);
	for (int i = FW_SET_FIXED; i < FW_SET_COUNT; i++)
		if (want[i] && (fresh || !have[i]))
			build_set(b, (enum fw_set)i);
	prefix_rules(&s, spec);
}

void fw_build_prefix_sets_delete(struct fw_batch *b, const bool want[FW_SET_COUNT],
				 const bool have[FW_SET_COUNT])
{
	char name[FW_SET_NAME_MAX];

	for (int i = FW_SET_FIXED; i < FW_SET_COUNT; i++) {
		struct nftnl_set *s;
		struct nlmsghdr *nlh;

		if (!have[i] || want[i])
			continue;
		s = nftnl_set_alloc();
		if (!s) {
			b->error = -ENOMEM;
			return;
		}
		nftnl_set_set_str(s, NFTNL_SET_TABLE, VNET_FW_TABLE);
		nftnl_set_set_str(s, NFTNL_SET_NAME, fw_set_name((enum fw_set)i, name));
		nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
		nlh = fw_batch_msg(b, NFT_MSG_DELSET, NFPROTO_INET, 0, 512, "delete set %s", name);
		if (nlh) {
			nftnl_set_nlmsg_build_payload(nlh, s);
			fw_batch_commit(b, nlh);
		}
		nftnl_set_free(s);
	}
}

/* ---- desired elements ---- */

static void put_ifname(uint8_t *p, const char *name)
{
	memset(p, 0, VNET_IFNAMSIZ);
	memcpy(p, name, strnlen(name, VNET_IFNAMSIZ - 1));
}

/* "bridge" or "bridge . other" */
static int if_elem(struct fw_elems *out, const char *a, const char *b)
{
	struct fw_elem e;

	memset(&e, 0, sizeof(e));
	put_ifname(e.key, a);
	e.klen = VNET_IFNAMSIZ;
	if (b) {
		put_ifname(e.key + VNET_IFNAMSIZ, b);
		e.klen = 2 * VNET_IFNAMSIZ;
	}
	return fw_elems_push(out, &e);
}

/* "bridge . network of @p" */
static int net_elem(struct fw_elems *out, const char *bridge, const struct vnet_prefix *p)
{
	struct vnet_prefix net = vnet_prefix_network(p);
	size_t alen = p->family == AF_INET ? 4 : 16;
	struct fw_elem e;

	memset(&e, 0, sizeof(e));
	put_ifname(e.key, bridge);
	memcpy(e.key + VNET_IFNAMSIZ, net.addr.bytes, alen);
	e.klen = (uint8_t)(VNET_IFNAMSIZ + alen);
	return fw_elems_push(out, &e);
}

static int network_elems(const struct vnet_fw_network *n, struct fw_elems out[FW_SET_COUNT])
{
	bool nat = n->mode == VNET_FW_NAT, routed = n->mode == VNET_FW_ROUTED, v6 = false;
	int r;

	r = if_elem(&out[FW_SET_BRIDGES], n->bridge, NULL);
	if (r >= 0 && !routed)
		r = if_elem(&out[FW_SET_NONROUTED], n->bridge, NULL);
	if (r < 0 || n->mode == VNET_FW_OPEN)
		return r;
	r = if_elem(&out[FW_SET_FILTERED], n->bridge, NULL);
	if (r >= 0)
		r = if_elem(&out[FW_SET_SAME], n->bridge, n->bridge);
	if (r >= 0 && (nat || routed))
		r = if_elem(&out[nat ? FW_SET_NATBR : FW_SET_ROUTEDBR], n->bridge, NULL);
	if (r >= 0 && nat && n->nat_uplink) {
		r = if_elem(&out[FW_SET_UPLINKED], n->bridge, NULL);
		if (r >= 0)
			r = if_elem(&out[FW_SET_UPLINK], n->bridge, n->nat_uplink);
	}
	for (size_t i = 0; i < n->n_subnets && r >= 0; i++) {
		const struct vnet_prefix *p = &n->subnets[i];

		v6 |= p->family == AF_INET6;
		if (!nat && !routed)
			continue;
		if (p->family == AF_INET6) {
			r = net_elem(&out[FW_SET_A6 + p->len], n->bridge, p);
			continue;
		}
		r = net_elem(&out[(nat ? FW_SET_N4 : FW_SET_R4) + p->len], n->bridge, p);
	}
	if (r >= 0 && nat && n->has_snat4) {
		struct fw_elem e;

		memset(&e, 0, sizeof(e));
		put_ifname(e.key, n->bridge);
		e.klen = VNET_IFNAMSIZ;
		memcpy(e.data, n->snat4.addr.bytes, 4);
		e.dlen = 4;
		r = fw_elems_push(&out[FW_SET_SNAT4], &e);
	}
	if (r >= 0 && v6)
		r = if_elem(&out[FW_SET_V6BR], n->bridge, NULL);
	return r;
}

int fw_network_elems(const struct vnet_fw_network *n, struct fw_elems out[FW_SET_COUNT])
{
	int r = network_elems(n, out);

	for (size_t j = 0; j < n->n_forwards && r >= 0; j++)
		r = fw_forward_elems(n->name, &n->forwards[j], &out[fw_forward_set(&n->forwards[j])]);
	return r;
}

int fw_desired_elems(const struct vnet_fw_spec *spec, struct fw_elems out[FW_SET_COUNT])
{
	int r = 0;

	for (size_t i = 0; i < spec->n_networks && r >= 0; i++)
		r = fw_network_elems(&spec->networks[i], out);
	for (int i = 0; i < FW_SET_COUNT; i++)
		fw_elems_sort(&out[i]);
	return r;
}
