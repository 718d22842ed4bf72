/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What goes into table inet vnet: the skeleton (sets, maps, base chains that
 * dispatch through `ifname : verdict` maps) and each network's chains, built
 * as libnftnl expressions in the same shape nft(8) produces, so that
 * `nft list table inet vnet` reads back as ordinary nft syntax.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <netinet/in.h>
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

/* Bumped whenever the shape of any rule changes: every chain is rebuilt. */
#define FW_LAYOUT 1

const char *const fw_set_names[FW_SET_COUNT] = {
	[FW_SET_FROM_IF] = "from_if",
	[FW_SET_TO_IF] = "to_if",
	[FW_SET_IN_IF] = "in_if",
	[FW_SET_POST_IF] = "post_if",
	[FW_SET_BRIDGES] = "bridges",
	[FW_SET_NONROUTED] = "nonrouted",
	[FW_SET_FWD4] = "fwd4",
	[FW_SET_FWD4ANY] = "fwd4any",
	[FW_SET_FWD6] = "fwd6",
	[FW_SET_FWD6ANY] = "fwd6any",
};

const char *const fw_nchain_suffix[FW_NCHAIN_COUNT] = {
	[FW_NCHAIN_FROM] = "from",
	[FW_NCHAIN_TO] = "to",
	[FW_NCHAIN_IN] = "in",
	[FW_NCHAIN_POST] = "post",
};

/* nft's datatype numbers (src/datatype.h), concatenated 6 bits apart. */
enum {
	DT_VERDICT = 1,
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
static const uint8_t udata_ifname_map[] = {
	0x00, 0x04, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
	0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t udata_ifname_set[] = { 0x00, 0x04, 0x01, 0x00, 0x00, 0x00 };
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

static const struct set_def set_defs[FW_SET_COUNT] = {
	[FW_SET_FROM_IF] = { NFT_SET_MAP, DT_IFNAME, 16, NFT_DATA_VERDICT, 0, udata_ifname_map, sizeof(udata_ifname_map) },
	[FW_SET_TO_IF] = { NFT_SET_MAP, DT_IFNAME, 16, NFT_DATA_VERDICT, 0, udata_ifname_map, sizeof(udata_ifname_map) },
	[FW_SET_IN_IF] = { NFT_SET_MAP, DT_IFNAME, 16, NFT_DATA_VERDICT, 0, udata_ifname_map, sizeof(udata_ifname_map) },
	[FW_SET_POST_IF] = { NFT_SET_MAP, DT_IFNAME, 16, NFT_DATA_VERDICT, 0, udata_ifname_map, sizeof(udata_ifname_map) },
	[FW_SET_BRIDGES] = { 0, DT_IFNAME, 16, 0, 0, udata_ifname_set, sizeof(udata_ifname_set) },
	[FW_SET_NONROUTED] = { 0, DT_IFNAME, 16, 0, 0, udata_ifname_set, sizeof(udata_ifname_set) },
	[FW_SET_FWD4] = { NFT_SET_MAP, DT3(DT_INET_PROTOCOL, DT_IPADDR, DT_INET_SERVICE), 12,
			  DT2(DT_IPADDR, DT_INET_SERVICE), 8, udata_fwd_map, sizeof(udata_fwd_map) },
	[FW_SET_FWD4ANY] = { NFT_SET_MAP, DT2(DT_INET_PROTOCOL, DT_INET_SERVICE), 8,
			     DT2(DT_IPADDR, DT_INET_SERVICE), 8, udata_fwd_map, sizeof(udata_fwd_map) },
	[FW_SET_FWD6] = { NFT_SET_MAP, DT3(DT_INET_PROTOCOL, DT_IP6ADDR, DT_INET_SERVICE), 24,
			  DT2(DT_IP6ADDR, DT_INET_SERVICE), 20, udata_fwd_map, sizeof(udata_fwd_map) },
	[FW_SET_FWD6ANY] = { NFT_SET_MAP, DT2(DT_INET_PROTOCOL, DT_INET_SERVICE), 8,
			     DT2(DT_IP6ADDR, DT_INET_SERVICE), 20, udata_fwd_map, sizeof(udata_fwd_map) },
};

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

static void e_bitwise(struct rb *rb, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = ex(rb, "bitwise");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
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

static void e_lookup(struct rb *rb, enum fw_set set, bool vmap)
{
	struct nftnl_expr *e = ex(rb, "lookup");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	if (vmap || set >= FW_SET_FWD4)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, vmap ? NFT_REG_VERDICT : NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, fw_set_names[set]);
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
	e_bitwise(rb, &mask, sizeof(mask));
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

/* ip/ip6 saddr/daddr in @p: load the bytes the prefix covers, mask a partial one. */
static void m_prefix(struct rb *rb, bool src, const struct vnet_prefix *p)
{
	struct vnet_prefix net = vnet_prefix_network(p);
	bool v4 = p->family == AF_INET;
	uint32_t off = v4 ? (src ? 12 : 16) : (src ? 8 : 24);
	uint32_t n = (p->len + 7u) / 8u;

	m_nfproto(rb, p->family);
	if (n == 0)
		return;
	e_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, off, n, NFT_REG_1);
	if (p->len % 8) {
		uint8_t mask[16] = { 0 };

		for (uint32_t i = 0; i < n; i++)
			mask[i] = 0xff;
		mask[n - 1] = (uint8_t)(0xff00u >> (p->len % 8));
		e_bitwise(rb, mask, n);
	}
	e_cmp(rb, NFT_CMP_EQ, net.addr.bytes, n);
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

/* Where built rules go: into a batch, or only counted. */
struct sink {
	struct fw_batch *b;
	const char *network;
	unsigned int counts[FW_NCHAIN_COUNT];
};

static void rb_start(struct rb *rb)
{
	rb->r = nftnl_rule_alloc();
	rb->oom = rb->r == NULL;
}

static void emit(struct sink *s, struct rb *rb, enum fw_nchain c, const char *comment)
{
	char chain[FW_CHAIN_NAME_MAX];

	s->counts[c]++;
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
	fw_chain_name(chain, s->network, c);
	fw_batch_rule(s->b, rb->r, chain);
}

/* net_<network>_<suffix>, cut at FW_CHAIN_NAME_MAX - 1; without printf: it runs per network per apply */
void fw_chain_name(char *buf, const char *network, enum fw_nchain c)
{
	const char *parts[] = { "net_", network, "_", fw_nchain_suffix[c] };
	size_t used = 0;

	for (size_t i = 0; i < VNET_ARRAY_SIZE(parts); i++) {
		size_t len = strlen(parts[i]);

		if (len > FW_CHAIN_NAME_MAX - 1 - used)
			len = FW_CHAIN_NAME_MAX - 1 - used;
		memcpy(buf + used, parts[i], len);
		used += len;
	}
	buf[used] = '\0';
}

static void flowtable_name(char *buf, size_t len, const char *network)
{
	snprintf(buf, len, "ft_%s", network);
}

/* ---- fingerprint ---- */

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

void fw_network_tag(const struct vnet_fw_network *n, char *buf, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint32_t v = FW_LAYOUT;

	h = fnv(h, &v, sizeof(v));
	h = fnv_str(h, n->name);
	h = fnv_str(h, n->bridge);
	v = (uint32_t)n->mode;
	h = fnv(h, &v, sizeof(v));
	for (size_t i = 0; i < n->n_subnets; i++) {
		struct vnet_prefix p = n->subnets[i];

		h = fnv(h, &p.family, sizeof(p.family));
		h = fnv(h, &p.len, sizeof(p.len));
		h = fnv(h, p.addr.bytes, p.family == AF_INET ? 4 : 16);
	}
	h = fnv_str(h, n->nat_uplink);
	v = n->has_snat4;
	h = fnv(h, &v, sizeof(v));
	if (n->has_snat4)
		h = fnv(h, &n->snat4.addr.v4, 4);
	v = n->flowtable;
	h = fnv(h, &v, sizeof(v));
	snprintf(buf, len, "vnet %016llx", (unsigned long long)h);
}

/* ---- one network ---- */

static void rules_from(struct sink *s, const struct vnet_fw_network *n, const char *tag)
{
	char ft[FW_CHAIN_NAME_MAX];
	struct rb rb;

	/* Frames between two ports of the bridge (br_netfilter) and hairpin. */
	rb_start(&rb);
	m_ifname(&rb, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge);
	e_verdict(&rb, NF_ACCEPT);
	emit(s, &rb, FW_NCHAIN_FROM, tag);

	if (n->flowtable) {
		static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };

		flowtable_name(ft, sizeof(ft), n->name);
		for (size_t i = 0; i < sizeof(protos); i++) {
			struct nftnl_expr *e;

			rb_start(&rb);
			m_l4proto(&rb, protos[i]);
			e = ex(&rb, "flow_offload");
			if (e)
				nftnl_expr_set_str(e, NFTNL_EXPR_FLOW_TABLE_NAME, ft);
			emit(s, &rb, FW_NCHAIN_FROM, NULL);
		}
	}

	if (n->mode == VNET_FW_ISOLATED) {
		rb_start(&rb);
		e_reject(&rb);
		emit(s, &rb, FW_NCHAIN_FROM, NULL);
		return;
	}

	/* Between two managed networks only routed <-> routed passes. */
	rb_start(&rb);
	e_meta(&rb, NFT_META_OIFNAME, NFT_REG_1);
	e_lookup(&rb, n->mode == VNET_FW_ROUTED ? FW_SET_NONROUTED : FW_SET_BRIDGES, false);
	e_reject(&rb);
	emit(s, &rb, FW_NCHAIN_FROM, NULL);

	if (n->mode == VNET_FW_NAT && n->nat_uplink) {
		rb_start(&rb);
		m_ifname(&rb, NFT_META_OIFNAME, NFT_CMP_NEQ, n->nat_uplink);
		e_reject(&rb);
		emit(s, &rb, FW_NCHAIN_FROM, NULL);
	}

	/* Only the network's own addresses leave it. */
	for (size_t i = 0; i < n->n_subnets; i++) {
		rb_start(&rb);
		m_prefix(&rb, true, &n->subnets[i]);
		e_verdict(&rb, NF_ACCEPT);
		emit(s, &rb, FW_NCHAIN_FROM, NULL);
	}
	rb_start(&rb);
	e_reject(&rb);
	emit(s, &rb, FW_NCHAIN_FROM, NULL);
}

static void rules_to(struct sink *s, const struct vnet_fw_network *n)
{
	struct rb rb;

	if (n->mode == VNET_FW_NAT) {
		rb_start(&rb);
		m_ct_bits(&rb, NFT_CT_STATE, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) |
			  NF_CT_STATE_BIT(IP_CT_RELATED));
		e_verdict(&rb, NF_ACCEPT);
		emit(s, &rb, FW_NCHAIN_TO, NULL);
	}
	if (n->mode != VNET_FW_ISOLATED) {
		for (size_t i = 0; i < n->n_subnets; i++) {
			rb_start(&rb);
			m_prefix(&rb, false, &n->subnets[i]);
			/* nat: IPv4 comes in only when a forward sent it; IPv6 is routed (libvirt). */
			if (n->mode == VNET_FW_NAT && n->subnets[i].family == AF_INET)
				m_ct_bits(&rb, NFT_CT_STATUS, IPS_DST_NAT);
			e_verdict(&rb, NF_ACCEPT);
			emit(s, &rb, FW_NCHAIN_TO, NULL);
		}
	}
	rb_start(&rb);
	e_reject(&rb);
	emit(s, &rb, FW_NCHAIN_TO, NULL);
}

static void rules_in(struct sink *s, const struct vnet_fw_network *n)
{
	static const struct { uint8_t proto; uint16_t port; } svc[] = {
		{ IPPROTO_UDP, 67 }, { IPPROTO_UDP, 53 }, { IPPROTO_TCP, 53 }, { IPPROTO_UDP, 547 },
	};
	bool v6 = false;
	struct rb rb;

	for (size_t i = 0; i < n->n_subnets; i++)
		v6 |= n->subnets[i].family == AF_INET6;
	for (size_t i = 0; i < VNET_ARRAY_SIZE(svc); i++) {
		if (svc[i].port == 547 && !v6)
			continue;
		rb_start(&rb);
		m_dport(&rb, svc[i].proto, svc[i].port);
		e_verdict(&rb, NF_ACCEPT);
		emit(s, &rb, FW_NCHAIN_IN, NULL);
	}
}

static void rules_post(struct sink *s, const struct vnet_fw_network *n)
{
	static const uint8_t mcast[] = { 224, 0, 0 }, bcast[] = { 255, 255, 255, 255 };
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	uint16_t pmin = htons(1024), pmax = htons(65535);
	struct nftnl_expr *e;
	struct rb rb;

	if (n->mode != VNET_FW_NAT)
		return;

	/*
	 * Hairpin: a VM reaching a forward that lands on its own network. Reached
	 * through the oifname lookup too, because br_netfilter bridges such a
	 * packet and postrouting then has no input interface.
	 */
	for (size_t i = 0; i < n->n_subnets; i++) {
		rb_start(&rb);
		m_ifname(&rb, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge);
		m_ct_bits(&rb, NFT_CT_STATUS, IPS_DST_NAT);
		m_prefix(&rb, true, &n->subnets[i]);
		ex(&rb, "masq");
		emit(s, &rb, FW_NCHAIN_POST, NULL);
	}

	rb_start(&rb);
	m_ifname(&rb, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge);
	e_verdict(&rb, NFT_RETURN);
	emit(s, &rb, FW_NCHAIN_POST, NULL);

	rb_start(&rb);
	m_nfproto(&rb, AF_INET);
	e_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, 16, 3, NFT_REG_1);
	e_cmp(&rb, NFT_CMP_EQ, mcast, sizeof(mcast));
	e_verdict(&rb, NFT_RETURN);
	emit(s, &rb, FW_NCHAIN_POST, NULL);

	rb_start(&rb);
	m_nfproto(&rb, AF_INET);
	e_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, NFT_REG_1);
	e_cmp(&rb, NFT_CMP_EQ, bcast, sizeof(bcast));
	e_verdict(&rb, NFT_RETURN);
	emit(s, &rb, FW_NCHAIN_POST, NULL);

	if (n->nat_uplink) {
		rb_start(&rb);
		m_ifname(&rb, NFT_META_OIFNAME, NFT_CMP_NEQ, n->nat_uplink);
		e_verdict(&rb, NFT_RETURN);
		emit(s, &rb, FW_NCHAIN_POST, NULL);
	}

	for (size_t i = 0; i < n->n_subnets; i++) {
		const struct vnet_prefix *p = &n->subnets[i];

		if (p->family != AF_INET)
			continue;
		if (n->has_snat4) {
			rb_start(&rb);
			m_prefix(&rb, true, p);
			e_imm(&rb, NFT_REG_1, &n->snat4.addr.v4, 4);
			e = ex(&rb, "nat");
			if (e) {
				nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_SNAT);
				nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
				nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
			}
			emit(s, &rb, FW_NCHAIN_POST, NULL);
			continue;
		}
		/* libvirt's source ports: 1024-65535 for TCP and UDP. */
		for (size_t j = 0; j < sizeof(protos); j++) {
			rb_start(&rb);
			m_prefix(&rb, true, p);
			m_l4proto(&rb, protos[j]);
			e_imm(&rb, NFT_REG_1, &pmin, sizeof(pmin));
			e_imm(&rb, NFT_REG_2, &pmax, sizeof(pmax));
			e = ex(&rb, "masq");
			if (e) {
				nftnl_expr_set_u32(e, NFTNL_EXPR_MASQ_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
				nftnl_expr_set_u32(e, NFTNL_EXPR_MASQ_REG_PROTO_MIN, NFT_REG_1);
				nftnl_expr_set_u32(e, NFTNL_EXPR_MASQ_REG_PROTO_MAX, NFT_REG_2);
			}
			emit(s, &rb, FW_NCHAIN_POST, NULL);
		}
		rb_start(&rb);
		m_prefix(&rb, true, p);
		ex(&rb, "masq");
		emit(s, &rb, FW_NCHAIN_POST, NULL);
	}
}

static void network_rules(struct sink *s, const struct vnet_fw_network *n)
{
	char tag[64];

	if (n->mode == VNET_FW_OPEN)
		return;
	fw_network_tag(n, tag, sizeof(tag));
	rules_from(s, n, tag);
	rules_to(s, n);
	rules_in(s, n);
	rules_post(s, n);
}

void fw_network_rule_counts(const struct vnet_fw_network *n, unsigned int counts[FW_NCHAIN_COUNT])
{
	struct sink s = { .network = n->name };

	network_rules(&s, n);
	memcpy(counts, s.counts, sizeof(s.counts));
}

static void build_flowtable(struct fw_batch *b, const struct vnet_fw_network *n, bool add)
{
	struct nftnl_flowtable *ft = nftnl_flowtable_alloc();
	const char *devs[3] = { n->bridge, n->nat_uplink, NULL };
	struct nlmsghdr *nlh;
	char name[FW_CHAIN_NAME_MAX];

	if (!ft) {
		b->error = -ENOMEM;
		return;
	}
	flowtable_name(name, sizeof(name), n->name);
	nftnl_flowtable_set_str(ft, NFTNL_FLOWTABLE_TABLE, VNET_FW_TABLE);
	nftnl_flowtable_set_str(ft, NFTNL_FLOWTABLE_NAME, name);
	nftnl_flowtable_set_u32(ft, NFTNL_FLOWTABLE_FAMILY, NFPROTO_INET);
	if (add) {
		nftnl_flowtable_set_u32(ft, NFTNL_FLOWTABLE_HOOKNUM, NF_NETDEV_INGRESS);
		nftnl_flowtable_set_u32(ft, NFTNL_FLOWTABLE_PRIO, 0);
		nftnl_flowtable_set_array(ft, NFTNL_FLOWTABLE_DEVICES, devs);
	}
	nlh = fw_batch_msg(b, add ? NFT_MSG_NEWFLOWTABLE : NFT_MSG_DELFLOWTABLE, NFPROTO_INET,
			   add ? NLM_F_CREATE : 0, 1024, "%s flowtable %s",
			   add ? "add" : "delete", name);
	if (nlh) {
		nftnl_flowtable_nlmsg_build_payload(nlh, ft);
		fw_batch_commit(b, nlh);
	}
	nftnl_flowtable_free(ft);
}

static void build_chain(struct fw_batch *b, const char *name, const char *hook_type,
			int hook, int prio)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c) {
		b->error = -ENOMEM;
		return;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, VNET_FW_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	if (hook_type) {
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, hook_type);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nlh = fw_batch_msg(b, NFT_MSG_NEWCHAIN, NFPROTO_INET, NLM_F_CREATE, 1024,
			   "add chain %s", name);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		fw_batch_commit(b, nlh);
	}
	nftnl_chain_free(c);
}

void fw_build_network(struct fw_batch *b, const struct vnet_fw_network *n, bool fresh,
		      bool drop_flowtable)
{
	struct sink s = { .b = b, .network = n->name };
	char chain[FW_CHAIN_NAME_MAX];

	if (n->mode == VNET_FW_OPEN)
		return;
	/* NEWCHAIN on an existing chain changes nothing; flushing empties it in the same batch. */
	for (int c = 0; c < FW_NCHAIN_COUNT; c++) {
		fw_chain_name(chain, n->name, (enum fw_nchain)c);
		build_chain(b, chain, NULL, 0, 0);
		if (!fresh)
			fw_batch_flush_chain(b, chain);
	}
	if (drop_flowtable)
		fw_build_flowtable_delete(b, n->name);
	if (n->flowtable)
		build_flowtable(b, n, true);
	network_rules(&s, n);
}

void fw_build_flowtable_delete(struct fw_batch *b, const char *name)
{
	struct vnet_fw_network n = { .name = name, .bridge = "" };

	build_flowtable(b, &n, false);
}

/* ---- skeleton ---- */

static const char layout_tag[] = "vnet layout 1";

const char *fw_skeleton_tag(void)
{
	return layout_tag;
}

static void base_rule(struct fw_batch *b, struct rb *rb, const char *chain, bool first)
{
	if (rb->oom) {
		b->error = -ENOMEM;
		nftnl_rule_free(rb->r);
		return;
	}
	if (first)
		set_comment(rb->r, layout_tag);
	fw_batch_rule(b, rb->r, chain);
}

static void vmap_rule(struct fw_batch *b, const char *chain, uint32_t key, enum fw_set set,
		      bool first)
{
	struct rb rb;

	rb_start(&rb);
	e_meta(&rb, key, NFT_REG_1);
	e_lookup(&rb, set, true);
	base_rule(b, &rb, chain, first);
}

/* fib daddr type local dnat ip(6) to meta l4proto [. ip daddr] . th dport map @set */
static void dnat_rule(struct fw_batch *b, const char *chain, enum fw_set set, bool first)
{
	bool v6 = set == FW_SET_FWD6 || set == FW_SET_FWD6ANY;
	bool any = set == FW_SET_FWD4ANY || set == FW_SET_FWD6ANY;
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
	m_nfproto(&rb, v6 ? AF_INET6 : AF_INET);
	e_meta(&rb, NFT_META_L4PROTO, NFT_REG_1);
	if (!any)
		e_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 24 : 16, v6 ? 16 : 4, NFT_REG32_01);
	e_payload(&rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2,
		  any ? NFT_REG32_01 : v6 ? NFT_REG32_05 : NFT_REG32_02);
	e_lookup(&rb, set, false);
	e = ex(&rb, "nat");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
		/* The port follows the address in the map's value: 4 or 16 bytes on. */
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, v6 ? NFT_REG_2 : NFT_REG32_01);
	}
	base_rule(b, &rb, chain, first);
}

static void loopback_return(struct fw_batch *b, const char *chain, int family, bool first)
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
	base_rule(b, &rb, chain, first);
}

unsigned int fw_skeleton_rule_count(const char *chain)
{
	if (!strcmp(chain, FW_CHAIN_FORWARD) || !strcmp(chain, FW_CHAIN_POSTROUTING))
		return 2;
	if (!strcmp(chain, FW_CHAIN_INPUT))
		return 1;
	if (!strcmp(chain, FW_CHAIN_PREROUTING))
		return 4;
	if (!strcmp(chain, FW_CHAIN_OUTPUT))
		return 6;
	return 0;
}

static void build_set(struct fw_batch *b, enum fw_set i)
{
	const struct set_def *d = &set_defs[i];
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!s) {
		b->error = -ENOMEM;
		return;
	}
	nftnl_set_set_str(s, NFTNL_SET_TABLE, VNET_FW_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, fw_set_names[i]);
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
			   "add %s %s", d->flags & NFT_SET_MAP ? "map" : "set", fw_set_names[i]);
	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		fw_batch_commit(b, nlh);
	}
	nftnl_set_free(s);
}

void fw_build_skeleton(struct fw_batch *b, bool create_table)
{
	static const struct {
		const char *name, *type;
		int hook, prio;
	} base[] = {
		{ FW_CHAIN_FORWARD, "filter", NF_INET_FORWARD, 0 },
		{ FW_CHAIN_INPUT, "filter", NF_INET_LOCAL_IN, 0 },
		{ FW_CHAIN_PREROUTING, "nat", NF_INET_PRE_ROUTING, -100 },
		{ FW_CHAIN_OUTPUT, "nat", NF_INET_LOCAL_OUT, -100 },
		{ FW_CHAIN_POSTROUTING, "nat", NF_INET_POST_ROUTING, 100 },
	};

	if (create_table) {
		struct nftnl_table *t = nftnl_table_alloc();
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
	}
	for (int i = 0; i < FW_SET_COUNT; i++)
		build_set(b, (enum fw_set)i);
	for (size_t i = 0; i < VNET_ARRAY_SIZE(base); i++) {
		build_chain(b, base[i].name, base[i].type, base[i].hook, base[i].prio);
		if (!create_table)
			fw_batch_flush_chain(b, base[i].name);
	}

	vmap_rule(b, FW_CHAIN_FORWARD, NFT_META_IIFNAME, FW_SET_FROM_IF, true);
	vmap_rule(b, FW_CHAIN_FORWARD, NFT_META_OIFNAME, FW_SET_TO_IF, false);
	vmap_rule(b, FW_CHAIN_INPUT, NFT_META_IIFNAME, FW_SET_IN_IF, true);
	vmap_rule(b, FW_CHAIN_POSTROUTING, NFT_META_IIFNAME, FW_SET_POST_IF, true);
	vmap_rule(b, FW_CHAIN_POSTROUTING, NFT_META_OIFNAME, FW_SET_POST_IF, false);
	/* Specific listen addresses first, then forwards on any local address. */
	dnat_rule(b, FW_CHAIN_PREROUTING, FW_SET_FWD4, true);
	dnat_rule(b, FW_CHAIN_PREROUTING, FW_SET_FWD4ANY, false);
	dnat_rule(b, FW_CHAIN_PREROUTING, FW_SET_FWD6, false);
	dnat_rule(b, FW_CHAIN_PREROUTING, FW_SET_FWD6ANY, false);
	/* The host's own loopback connections stay local: 127/8 cannot be routed to a VM. */
	loopback_return(b, FW_CHAIN_OUTPUT, AF_INET, true);
	loopback_return(b, FW_CHAIN_OUTPUT, AF_INET6, false);
	dnat_rule(b, FW_CHAIN_OUTPUT, FW_SET_FWD4, false);
	dnat_rule(b, FW_CHAIN_OUTPUT, FW_SET_FWD4ANY, false);
	dnat_rule(b, FW_CHAIN_OUTPUT, FW_SET_FWD6, false);
	dnat_rule(b, FW_CHAIN_OUTPUT, FW_SET_FWD6ANY, false);
}

/* ---- desired elements ---- */

static int ifname_elem(struct fw_elems *out, const char *bridge, const char *network,
		       enum fw_nchain c)
{
	struct fw_elem e;

	memset(&e, 0, sizeof(e));
	memcpy(e.key, bridge, strnlen(bridge, VNET_IFNAMSIZ - 1));
	e.klen = VNET_IFNAMSIZ;
	if (network)
		fw_chain_name(e.chain, network, c);
	return fw_elems_push(out, &e);
}

int fw_network_elems(const struct vnet_fw_network *n, struct fw_elems out[FW_SET_COUNT])
{
	int r;

	r = ifname_elem(&out[FW_SET_BRIDGES], n->bridge, NULL, 0);
	if (r >= 0 && n->mode != VNET_FW_ROUTED)
		r = ifname_elem(&out[FW_SET_NONROUTED], n->bridge, NULL, 0);
	if (n->mode != VNET_FW_OPEN) {
		if (r >= 0)
			r = ifname_elem(&out[FW_SET_FROM_IF], n->bridge, n->name, FW_NCHAIN_FROM);
		if (r >= 0)
			r = ifname_elem(&out[FW_SET_TO_IF], n->bridge, n->name, FW_NCHAIN_TO);
		if (r >= 0)
			r = ifname_elem(&out[FW_SET_IN_IF], n->bridge, n->name, FW_NCHAIN_IN);
	}
	if (r >= 0 && n->mode == VNET_FW_NAT)
		r = ifname_elem(&out[FW_SET_POST_IF], n->bridge, n->name, FW_NCHAIN_POST);
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
