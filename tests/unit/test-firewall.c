/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The firewall without root: validation messages, the batch built for a
 * representative set of networks and forwards (parsed back message by
 * message with libnftnl, plus golden bytes for a forward's element), and
 * the minimal-change plan against a table state that is given, not read.
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/flowtable.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <vnet/vnet.h>

#include "firewall-int.h"
#include "testlib.h"

static struct vnet_prefix pfx(const char *s)
{
	struct vnet_prefix p;

	if (vnet_prefix_parse("test", s, &p, NULL) < 0)
		abort();
	return p;
}

/* ---- a representative spec ---- */

static struct vnet_prefix sub_a[2], sub_b, sub_c;
static struct vnet_fw_forward fwd_a[3];
static struct vnet_fw_network nets[4];
static struct vnet_fw_spec spec = { nets, 4 };

static void make_spec(void)
{
	sub_a[0] = pfx("192.168.100.1/24");
	sub_a[1] = pfx("fd00:a::1/64");
	sub_b = pfx("10.20.0.1/20");
	sub_c = pfx("192.168.102.1/24");
	fwd_a[0] = (struct vnet_fw_forward){ .proto = IPPROTO_TCP, .port = 8080,
					     .to = pfx("192.168.100.11"), .to_port = 80 };
	fwd_a[1] = (struct vnet_fw_forward){ .proto = IPPROTO_UDP, .port = 5000, .port_end = 5002,
					     .has_address = true, .address = pfx("203.0.113.1"),
					     .to = pfx("192.168.100.12") };
	fwd_a[2] = (struct vnet_fw_forward){ .proto = IPPROTO_TCP, .port = 2222,
					     .to = pfx("fd00:a::11"), .to_port = 22 };
	nets[0] = (struct vnet_fw_network){ .name = "a", .bridge = "vbra", .mode = VNET_FW_NAT,
					    .subnets = sub_a, .n_subnets = 2, .nat_uplink = "eth0",
					    .forwards = fwd_a, .n_forwards = 3, .flowtable = true };
	nets[1] = (struct vnet_fw_network){ .name = "b", .bridge = "vbrb", .mode = VNET_FW_ROUTED,
					    .subnets = &sub_b, .n_subnets = 1 };
	nets[2] = (struct vnet_fw_network){ .name = "c", .bridge = "vbrc", .mode = VNET_FW_ISOLATED,
					    .subnets = &sub_c, .n_subnets = 1 };
	nets[3] = (struct vnet_fw_network){ .name = "d", .bridge = "vbrd", .mode = VNET_FW_NAT,
					    .subnets = &sub_c, .n_subnets = 0, .has_snat4 = true,
					    .snat4 = pfx("198.51.100.7") };
}

/* ---- validation ---- */

static void expect_invalid(const char *needle)
{
	struct vnet_error err;
	int r = vnet_fw_validate(&spec, &err);

	CU_ASSERT_EQUAL(r, -EINVAL);
	if (!strstr(err.msg, needle))
		printf("\n  expected '%s' in: %s\n", needle, err.msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, needle));
	make_spec();
}

static void test_validate(void)
{
	struct vnet_error err;

	make_spec();
	CU_ASSERT_EQUAL(vnet_fw_validate(&spec, &err), 0);

	sub_b.len = 33;
	expect_invalid("prefix length 33");
	sub_b.family = 0;
	expect_invalid("address family 0");
	sub_b.len = 0;
	expect_invalid("a subnet needs 1 to 31");
	fwd_a[0].port = 0;
	expect_invalid("has port 0");
	fwd_a[1].port_end = 4000;
	expect_invalid("reversed port range 5000-4000");
	fwd_a[0].port = 65000;
	fwd_a[0].port_end = 65500;
	fwd_a[0].to_port = 65400;
	expect_invalid("ports end at 65535");
	fwd_a[0].port_end = 8080 + VNET_FW_RANGE_MAX;
	expect_invalid("at most 1024 are allowed");
	fwd_a[0].to = pfx("192.168.101.11");
	expect_invalid("outside the network's subnets");
	fwd_a[0].proto = IPPROTO_ICMP;
	expect_invalid("has protocol 1; only tcp (6) and udp (17)");
	fwd_a[1].address = pfx("2001:db8::1");
	expect_invalid("both must be IPv4 or both IPv6");
	fwd_a[0].to = pfx("192.168.100.0/25");
	expect_invalid("must be a plain address");
	nets[1].mode = (enum vnet_fw_mode)7;
	expect_invalid("mode 7 is unknown");
	nets[1].bridge = "averyveryverylongname";
	expect_invalid("bridge name 'averyveryverylongname' is 21 bytes; Linux allows at most 15");
	nets[1].bridge = "a/b";
	expect_invalid("contains '/'");
	nets[1].bridge = "vbra";
	expect_invalid("both use bridge 'vbra'");
	nets[1].name = "a";
	expect_invalid("network 'a' is listed twice");
	nets[1].name = "b c";
	expect_invalid("may only contain letters");
	nets[2].subnets = &sub_b;
	expect_invalid("overlaps subnet '10.20.0.1/20' of network 'b'");
	nets[1].has_snat4 = true;
	nets[1].snat4 = pfx("198.51.100.1");
	expect_invalid("snat4 needs mode nat");
	nets[2].flowtable = true;
	expect_invalid("a flowtable needs mode nat or routed");
	nets[1].nat_uplink = "eth0";
	expect_invalid("needs mode nat");

	/* Duplicates: the same port twice, and ranges that overlap, across networks. */
	{
		struct vnet_fw_forward dup[2] = { fwd_a[0], fwd_a[0] };
		struct vnet_fw_forward other = { .proto = IPPROTO_UDP, .port = 5002,
						 .has_address = true, .address = pfx("203.0.113.1"),
						 .to = pfx("10.20.0.9") };

		nets[0].forwards = dup;
		nets[0].n_forwards = 2;
		expect_invalid("already uses");
		nets[1].forwards = &other;
		nets[1].n_forwards = 1;
		expect_invalid("forward 1 of network 'a' (udp 203.0.113.1:5000-5002");
		/* Same port on another listen address or protocol is fine. */
		other.address = pfx("203.0.113.2");
		nets[1].forwards = &other;
		nets[1].n_forwards = 1;
		CU_ASSERT_EQUAL(vnet_fw_validate(&spec, &err), 0);
		make_spec();
	}
}

/* ---- the batch, parsed back ---- */

static uint16_t msg_type(const struct nlmsghdr *nlh)
{
	return NFNL_MSG_TYPE(nlh->nlmsg_type);
}

static char *rule_text(const struct nlmsghdr *nlh, char *chain, size_t len)
{
	static char buf[4096];
	struct nftnl_rule *r = nftnl_rule_alloc();

	buf[0] = '\0';
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0) {
		char raw[4096], *line, *save = NULL;

		/* libnftnl prints one "[ expr ]" per line: keep those, on one line. */
		nftnl_rule_snprintf(raw, sizeof(raw), r, NFTNL_OUTPUT_DEFAULT, 0);
		for (line = strtok_r(raw, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			line += strspn(line, " ");
			if (line[0] != '[')
				continue;
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
				 buf[0] ? " " : "", line);
		}
		snprintf(chain, len, "%s", nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	}
	nftnl_rule_free(r);
	return buf;
}

/* The text of every rule of @chain in @b, joined by '|'. */
static void chain_rules(const struct fw_batch *b, const char *chain, char *out, size_t len)
{
	const struct nlmsghdr *nlh;
	char c[128];

	out[0] = '\0';
	for (nlh = fw_batch_first(b); nlh; nlh = fw_batch_next(b, nlh)) {
		const char *t;

		if (msg_type(nlh) != NFT_MSG_NEWRULE)
			continue;
		t = rule_text(nlh, c, sizeof(c));
		if (strcmp(c, chain))
			continue;
		snprintf(out + strlen(out), len - strlen(out), "%s|", t);
	}
}

static void build_fresh(struct fw_batch *b)
{
	struct fw_state st;
	unsigned int changes;

	memset(&st, 0, sizeof(st));
	fw_batch_init(b);
	CU_ASSERT_EQUAL(fw_plan(&spec, &st, b, &changes, NULL, 0), 0);
	CU_ASSERT_TRUE(changes > 0);
	CU_ASSERT_EQUAL(fw_batch_end(b), 0);
}

static void test_batch_frame(void)
{
	const struct nlmsghdr *nlh, *last = NULL;
	struct fw_batch b;
	unsigned int n = 0, n4_24 = 0, r4_20 = 0, a6_64 = 0, other = 0;

	make_spec();
	build_fresh(&b);
	nlh = fw_batch_first(&b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nlh);
	CU_ASSERT_EQUAL(nlh->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
	CU_ASSERT_EQUAL(ntohs(((const struct nfgenmsg *)mnl_nlmsg_get_payload(nlh))->res_id),
			NFNL_SUBSYS_NFTABLES);
	for (nlh = fw_batch_next(&b, nlh); nlh; nlh = fw_batch_next(&b, nlh)) {
		last = nlh;
		if (nlh->nlmsg_type == NFNL_MSG_BATCH_END)
			break;
		n++;
		/* Every message asks for its own ack. */
		CU_ASSERT_EQUAL(nlh->nlmsg_flags & (NLM_F_REQUEST | NLM_F_ACK), NLM_F_REQUEST | NLM_F_ACK);
		CU_ASSERT_EQUAL(NFNL_SUBSYS_ID(nlh->nlmsg_type), NFNL_SUBSYS_NFTABLES);
		CU_ASSERT_EQUAL(((const struct nfgenmsg *)mnl_nlmsg_get_payload(nlh))->nfgen_family,
				NFPROTO_INET);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(last);
	CU_ASSERT_EQUAL(last->nlmsg_type, NFNL_MSG_BATCH_END);
	CU_ASSERT_EQUAL(n, b.n);
	/* The table comes first, then the fixed sets, then the chains. */
	nlh = fw_batch_next(&b, fw_batch_first(&b));
	CU_ASSERT_EQUAL(msg_type(nlh), NFT_MSG_NEWTABLE);
	for (int i = 0; i < FW_SET_FIXED; i++) {
		struct nftnl_set *s = nftnl_set_alloc();
		char name[FW_SET_NAME_MAX];

		nlh = fw_batch_next(&b, nlh);
		CU_ASSERT_EQUAL(msg_type(nlh), NFT_MSG_NEWSET);
		CU_ASSERT_EQUAL(nftnl_set_nlmsg_parse(nlh, s), 0);
		CU_ASSERT_STRING_EQUAL(nftnl_set_get_str(s, NFTNL_SET_NAME), fw_set_name((enum fw_set)i, name));
		if (i == FW_SET_FWD4) {
			/* inet_proto . ipv4_addr . inet_service : ipv4_addr . inet_service */
			CU_ASSERT_EQUAL(nftnl_set_get_u32(s, NFTNL_SET_FLAGS), NFT_SET_MAP);
			CU_ASSERT_EQUAL(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE), 0xc1cd);
			CU_ASSERT_EQUAL(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), 12);
			CU_ASSERT_EQUAL(nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE), 0x1cd);
			CU_ASSERT_EQUAL(nftnl_set_get_u32(s, NFTNL_SET_DATA_LEN), 8);
		}
		if (i == FW_SET_SNAT4) {
			/* ifname : ipv4_addr */
			CU_ASSERT_EQUAL(nftnl_set_get_u32(s, NFTNL_SET_FLAGS), NFT_SET_MAP);
			CU_ASSERT_EQUAL(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE), 41);
			CU_ASSERT_EQUAL(nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE), 7);
		}
		if (i == FW_SET_SAME) {
			/* ifname . ifname, a plain hash: no map, no interval, no verdicts anywhere */
			CU_ASSERT_EQUAL(nftnl_set_get_u32(s, NFTNL_SET_FLAGS), 0);
			CU_ASSERT_EQUAL(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE), (41 << 6) | 41);
			CU_ASSERT_EQUAL(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), 32);
		}
		nftnl_set_free(s);
	}
	/* The per-length sets: the lengths nat and routed subnets use (not isolated c's). */
	for (nlh = fw_batch_first(&b); nlh; nlh = fw_batch_next(&b, nlh)) {
		struct nftnl_set *s;
		const char *name;

		if (msg_type(nlh) != NFT_MSG_NEWSET)
			continue;
		s = nftnl_set_alloc();
		CU_ASSERT_EQUAL(nftnl_set_nlmsg_parse(nlh, s), 0);
		name = nftnl_set_get_str(s, NFTNL_SET_NAME);
		if (!strcmp(name, "n4_24")) {
			n4_24++;
			CU_ASSERT_EQUAL(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE), (41 << 6) | 7);
			CU_ASSERT_EQUAL(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), 20);
			CU_ASSERT_EQUAL(nftnl_set_get_u32(s, NFTNL_SET_FLAGS), 0);
		} else if (!strcmp(name, "r4_20")) {
			r4_20++;
		} else if (!strcmp(name, "a6_64")) {
			a6_64++;
			CU_ASSERT_EQUAL(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), 32);
		}
		/* n4, r4 for /24 and /20, a6 for /64: nothing else */
		other += strchr(name, '_') != NULL;
		nftnl_set_free(s);
	}
	CU_ASSERT_EQUAL(n4_24, 1);
	CU_ASSERT_EQUAL(r4_20, 1);
	CU_ASSERT_EQUAL(a6_64, 1);
	CU_ASSERT_EQUAL(other, 5);
	/* Nothing in the batch is a map element with a verdict (jumps make the kernel validate it all). */
	for (unsigned int i = 0; i < b.n; i++)
		CU_ASSERT_PTR_NULL(strstr(b.what[i], "jump"));
	fw_batch_release(&b);
}

static void test_rules(void)
{
	struct fw_batch b;
	char text[16384];

	make_spec();
	build_fresh(&b);

	/* Base chains: one lookup, then the shared chain. */
	chain_rules(&b, "forward", text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text,
		"[ meta load iifname => reg 1 ] [ lookup reg 1 set filtered ] [ immediate reg 0 jump -> fwd_from ]|"
		"[ meta load oifname => reg 1 ] [ lookup reg 1 set filtered ] [ immediate reg 0 jump -> fwd_to ]|");
	chain_rules(&b, "postrouting", text, sizeof(text));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ meta load iifname => reg 1 ] [ lookup reg 1 set natbr ] [ immediate reg 0 jump -> post_from ]"));
	/* Forwards: one route lookup (fib daddr type local), then the concatenated lookups and dnat. */
	chain_rules(&b, "prerouting", text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "[ fib daddr type => reg 1 ] [ cmp eq reg 1 0x00000002 ] [ immediate reg 0 jump -> dnat_fwd ]|");
	chain_rules(&b, "dnat_fwd", text, sizeof(text));
	CU_ASSERT_PTR_NOT_NULL(strstr(text,
		"[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ] "
		"[ meta load l4proto => reg 1 ] [ payload load 4b @ network header + 16 => reg 9 ] "
		"[ payload load 2b @ transport header + 2 => reg 10 ] [ lookup reg 1 set fwd4 dreg 1 ] "
		"[ nat dnat ip addr_min reg 1 proto_min reg 9 ]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ lookup reg 1 set fwd6any dreg 1 ] [ nat dnat ip6 addr_min reg 1 proto_min reg 2 ]"));
	chain_rules(&b, "output", text, sizeof(text));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ fib daddr type => reg 1 ] [ cmp eq reg 1 0x00000002 ] [ immediate reg 0 jump -> dnat_fwd ]"));

	/* Out of a bridge into a managed one: the same bridge, or only routed <-> routed. */
	chain_rules(&b, "fwd_from_br", text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text,
		"[ meta load iifname => reg 1 ] [ meta load oifname => reg 2 ] [ lookup reg 1 set same ] [ immediate reg 0 accept ]|"
		"[ meta load iifname => reg 1 ] [ lookup reg 1 set natbr ] [ reject type 2 code 3 ]|"
		"[ meta load iifname => reg 1 ] [ lookup reg 1 set routedbr ] [ meta load oifname => reg 1 ] [ lookup reg 1 set nonrouted ] [ reject type 2 code 3 ]|");
	/* The uplink only, the flowtables, the own subnets, else reject. */
	chain_rules(&b, "fwd_from", text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text,
		"[ meta load oifname => reg 1 ] [ lookup reg 1 set bridges ] [ immediate reg 0 jump -> fwd_from_br ]|"
		"[ meta load iifname => reg 1 ] [ lookup reg 1 set uplinked ] [ meta load iifname => reg 1 ] [ meta load oifname => reg 2 ] [ lookup reg 1 set uplink 0x1 ] [ reject type 2 code 3 ]|"
		"[ immediate reg 0 jump -> fwd_flow ]|"
		"[ immediate reg 0 jump -> src_ok ]|"
		"[ reject type 2 code 3 ]|");
	chain_rules(&b, "fwd_flow", text, sizeof(text));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ meta load iifname => reg 1 ] [ cmp eq reg 1 0x61726276 0x00000000 0x00000000 0x00000000 ] [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000006 ] [ flow_offload flowtable ft_a ]"));
	/* A subnet: bridge . address & mask, in the set of its prefix length (a /20 of routed b). */
	chain_rules(&b, "src_ok", text, sizeof(text));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ] [ meta load iifname => reg 1 ] [ payload load 4b @ network header + 12 => reg 2 ] [ bitwise reg 2 = ( reg 2 & 0x00ffffff ) ^ 0x00000000 ] [ lookup reg 1 set n4_24 ] [ immediate reg 0 accept ]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ bitwise reg 2 = ( reg 2 & 0x00f0ffff ) ^ 0x00000000 ] [ lookup reg 1 set r4_20 ] [ immediate reg 0 accept ]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ payload load 16b @ network header + 8 => reg 2 ] [ bitwise reg 2 = ( reg 2 & 0xffffffff 0xffffffff 0x00000000 0x00000000 ) ^ 0x00000000 0x00000000 0x00000000 0x00000000 ] [ lookup reg 1 set a6_64 ] [ immediate reg 0 accept ]"));
	CU_ASSERT_PTR_NULL(strstr(text, "n4_16"));
	/* Inbound: nat only established/related or DNAT'd to the IPv4 subnet; routed and IPv6 to the subnet. */
	chain_rules(&b, "fwd_to", text, sizeof(text));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ meta load oifname => reg 1 ] [ lookup reg 1 set natbr ] [ ct load state => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0x00000006 ) ^ 0x00000000 ] [ cmp neq reg 1 0x00000000 ] [ immediate reg 0 accept ]|"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "|[ reject type 2 code 3 ]|"));
	chain_rules(&b, "dst_ok", text, sizeof(text));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ meta load oifname => reg 1 ] [ payload load 4b @ network header + 16 => reg 2 ] [ bitwise reg 2 = ( reg 2 & 0x00ffffff ) ^ 0x00000000 ] [ lookup reg 1 set n4_24 ] [ ct load status => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0x00000020 ) ^ 0x00000000 ] [ cmp neq reg 1 0x00000000 ] [ immediate reg 0 accept ]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ lookup reg 1 set r4_20 ] [ immediate reg 0 accept ]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ lookup reg 1 set a6_64 ] [ immediate reg 0 accept ]"));
	/* Masquerade with libvirt's ports, not for multicast/broadcast, only via the uplink. */
	chain_rules(&b, "post_from", text, sizeof(text));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ payload load 3b @ network header + 16 => reg 1 ] [ cmp eq reg 1 0x000000e0 ] [ immediate reg 0 return ]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ payload load 4b @ network header + 16 => reg 1 ] [ cmp eq reg 1 0xffffffff ] [ immediate reg 0 return ]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ lookup reg 1 set uplink 0x1 ] [ immediate reg 0 return ]"));
	chain_rules(&b, "nat_src", text, sizeof(text));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ lookup reg 1 set n4_24 ] [ meta load iifname => reg 1 ] [ lookup reg 1 set snat4 dreg 1 ] [ nat snat ip addr_min reg 1 ]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ lookup reg 1 set n4_24 ] [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000006 ] [ immediate reg 1 0x00000004 ] [ immediate reg 2 0x0000ffff ] [ masq proto_min reg 1 proto_max reg 2 flags 0x2 ]"));
	/* the snat map is tried before masquerade */
	CU_ASSERT_TRUE(strstr(text, "snat4") < strstr(text, "masq"));
	/* routed subnets are not NATed */
	CU_ASSERT_PTR_NULL(strstr(text, "r4_"));
	/* Hairpin masquerade for DNAT'd traffic from the subnet back into the bridge. */
	chain_rules(&b, "post_to", text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "[ ct load status => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0x00000020 ) ^ 0x00000000 ] [ cmp neq reg 1 0x00000000 ] [ immediate reg 0 jump -> hairpin_to ]|");
	chain_rules(&b, "hairpin_to", text, sizeof(text));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ meta load oifname => reg 1 ] [ payload load 4b @ network header + 12 => reg 2 ] [ bitwise reg 2 = ( reg 2 & 0x00ffffff ) ^ 0x00000000 ] [ lookup reg 1 set n4_24 ] [ masq ]"));
	/* DHCP and DNS to the host. */
	chain_rules(&b, "in_br", text, sizeof(text));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ cmp eq reg 1 0x00000011 ] [ payload load 2b @ transport header + 2 => reg 1 ] [ cmp eq reg 1 0x00004300 ] [ immediate reg 0 accept ]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ cmp eq reg 1 0x00000006 ] [ payload load 2b @ transport header + 2 => reg 1 ] [ cmp eq reg 1 0x00003500 ] [ immediate reg 0 accept ]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[ lookup reg 1 set v6br ]"));
	fw_batch_release(&b);
	make_spec();
}

/* The value inside an NFTA_SET_ELEM_KEY/DATA nest (NFTA_DATA_VALUE); a verdict counts in @verdicts. */
static void data_value(const struct nlattr *nest, uint8_t *out, uint8_t *len, unsigned int *verdicts)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == NFTA_DATA_VALUE) {
			*len = (uint8_t)mnl_attr_get_payload_len(a);
			memcpy(out, mnl_attr_get_payload(a), *len);
		} else if (mnl_attr_get_type(a) == NFTA_DATA_VERDICT && verdicts) {
			(*verdicts)++;
		}
	}
}

/*
 * The elements added to @set in @b, parsed back attribute by attribute with
 * libmnl (independently of the libnftnl code that built them).
 */
static unsigned int verdicts;

static int set_elems(const struct fw_batch *b, const char *set, struct fw_elems *out)
{
	const struct nlmsghdr *nlh;

	for (nlh = fw_batch_first(b); nlh; nlh = fw_batch_next(b, nlh)) {
		const struct nlattr *a, *el, *f;
		bool ours = false;

		if (msg_type(nlh) != NFT_MSG_NEWSETELEM)
			continue;
		mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
			if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_SET)
				ours = !strcmp(mnl_attr_get_str(a), set);
			if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS || !ours)
				continue;
			mnl_attr_for_each_nested(el, a) {
				struct fw_elem x;

				/* (libnftnl numbers the list's entries 1, 2, ...; the kernel ignores it) */
				memset(&x, 0, sizeof(x));
				mnl_attr_for_each_nested(f, el) {
					if (mnl_attr_get_type(f) == NFTA_SET_ELEM_KEY)
						data_value(f, x.key, &x.klen, NULL);
					else if (mnl_attr_get_type(f) == NFTA_SET_ELEM_DATA)
						data_value(f, x.data, &x.dlen, &verdicts);
				}
				fw_elems_push(out, &x);
			}
		}
	}
	return (int)out->n;
}

static void test_elements(void)
{
	struct fw_elems e = { 0 };
	struct fw_batch b;
	char text[160];

	make_spec();
	build_fresh(&b);
	/* tcp . 8080 : 192.168.100.11 . 80 */
	CU_ASSERT_EQUAL(set_elems(&b, "fwd4any", &e), 1);
	{
		static const uint8_t key[] = { 6, 0, 0, 0, 0x1f, 0x90, 0, 0 };
		static const uint8_t data[] = { 192, 168, 100, 11, 0, 80, 0, 0 };

		CU_ASSERT_EQUAL(e.v[0].klen, sizeof(key));
		CU_ASSERT_EQUAL(memcmp(e.v[0].key, key, sizeof(key)), 0);
		CU_ASSERT_EQUAL(e.v[0].dlen, sizeof(data));
		CU_ASSERT_EQUAL(memcmp(e.v[0].data, data, sizeof(data)), 0);
	}
	fw_elems_release(&e);
	/* A range is one element per port, the target ports following along. */
	CU_ASSERT_EQUAL(set_elems(&b, "fwd4", &e), 3);
	fw_elem_format(FW_SET_FWD4, &e.v[2], text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "udp 203.0.113.1:5002 -> 192.168.100.12:5002");
	fw_elems_release(&e);
	CU_ASSERT_EQUAL(set_elems(&b, "fwd6any", &e), 1);
	fw_elem_format(FW_SET_FWD6ANY, &e.v[0], text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "tcp *:2222 -> fd00:a::11:22");
	fw_elems_release(&e);
	/* A network is elements: isolated c is filtered, but not a source anywhere. */
	CU_ASSERT_EQUAL(set_elems(&b, "nonrouted", &e), 3);
	fw_elems_release(&e);
	CU_ASSERT_EQUAL(set_elems(&b, "filtered", &e), 4);
	fw_elems_release(&e);
	CU_ASSERT_EQUAL(set_elems(&b, "natbr", &e), 2);
	fw_elems_release(&e);
	CU_ASSERT_EQUAL(set_elems(&b, "same", &e), 4);
	CU_ASSERT_EQUAL(e.v[0].klen, 32);
	CU_ASSERT_EQUAL(memcmp(e.v[0].key, "vbra", 5), 0);
	CU_ASSERT_EQUAL(memcmp(e.v[0].key + 16, "vbra", 5), 0);
	fw_elems_release(&e);
	CU_ASSERT_EQUAL(set_elems(&b, "uplink", &e), 1);
	fw_elem_format(FW_SET_UPLINK, &e.v[0], text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "\"vbra\" . \"eth0\"");
	fw_elems_release(&e);
	/* "vbrb" . 10.20.0.0 in the set of /20s: the network address, host bits clear */
	CU_ASSERT_EQUAL(set_elems(&b, "r4_20", &e), 1);
	{
		static const uint8_t key[] = { 'v', 'b', 'r', 'b', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					       10, 20, 0, 0 };

		CU_ASSERT_EQUAL(e.v[0].klen, sizeof(key));
		CU_ASSERT_EQUAL(memcmp(e.v[0].key, key, sizeof(key)), 0);
		CU_ASSERT_EQUAL(e.v[0].dlen, 0);
	}
	fw_elem_format(FW_SET_R4 + 20, &e.v[0], text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "\"vbrb\" . 10.20.0.0/20");
	fw_elems_release(&e);
	CU_ASSERT_EQUAL(set_elems(&b, "n4_24", &e), 1);
	fw_elems_release(&e);
	CU_ASSERT_EQUAL(set_elems(&b, "a6_64", &e), 1);
	fw_elems_release(&e);
	/* d's SNAT address, by its bridge (used only for packets from its nat subnets) */
	CU_ASSERT_EQUAL(set_elems(&b, "snat4", &e), 1);
	fw_elem_format(FW_SET_SNAT4, &e.v[0], text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "\"vbrd\" : 198.51.100.7");
	fw_elems_release(&e);
	CU_ASSERT_EQUAL(verdicts, 0);
	fw_batch_release(&b);

	/* With a subnet, d's network is in n4_24 like a's, and keeps its SNAT address. */
	nets[3].subnets = &sub_c;
	nets[3].n_subnets = 1;
	nets[2].subnets = &sub_b;
	nets[2].n_subnets = 0;
	build_fresh(&b);
	CU_ASSERT_EQUAL(set_elems(&b, "n4_24", &e), 2);
	fw_elems_release(&e);
	CU_ASSERT_EQUAL(set_elems(&b, "snat4", &e), 1);
	fw_elems_release(&e);
	fw_batch_release(&b);
	make_spec();
}

/* One forward_add batch, byte for byte. */
static void test_golden_forward(void)
{
	static const uint8_t golden[] = {
#include "firewall-golden.h"
	};
	struct vnet_fw_forward f = { .proto = IPPROTO_TCP, .port = 8080,
				     .to = pfx("192.168.100.11"), .to_port = 80 };
	struct fw_elems e = { 0 };
	struct fw_batch b;

	CU_ASSERT_EQUAL(fw_forward_elems("a", &f, &e), 0);
	fw_batch_init(&b);
	fw_batch_elems(&b, true, fw_forward_set(&f), e.v, e.n);
	CU_ASSERT_EQUAL(fw_batch_end(&b), 0);
	if (getenv("VNET_PRINT_GOLDEN")) {
		for (size_t i = 0; i < b.len; i++)
			printf("0x%02x,%s", (uint8_t)b.buf[i], i % 12 == 11 ? "\n" : " ");
		printf("\n");
	}
	CU_ASSERT_EQUAL(b.len, sizeof(golden));
	CU_ASSERT_EQUAL(memcmp(b.buf, golden, b.len < sizeof(golden) ? b.len : sizeof(golden)), 0);
	CU_ASSERT_STRING_EQUAL(b.what[0], "add tcp *:8080 -> 192.168.100.11:80 to fwd4any");
	fw_batch_release(&b);
	fw_elems_release(&e);
}

/* ---- minimal change: plan against a given state ---- */

/* Does any message of @b change a chain, a rule, a set or a flowtable (not only elements)? */
static bool touches_rules(const struct fw_batch *b)
{
	for (unsigned int i = 0; i < b->n; i++) {
		if (strstr(b->what[i], "chain") || strstr(b->what[i], "rule") ||
		    strstr(b->what[i], "flowtable") || strstr(b->what[i], "table") ||
		    !strncmp(b->what[i], "add set", 7) || !strncmp(b->what[i], "delete set", 10) ||
		    !strncmp(b->what[i], "add map", 7))
			return true;
	}
	return false;
}

static bool has_what(const struct fw_batch *b, const char *what)
{
	for (unsigned int i = 0; i < b->n; i++)
		if (!strcmp(b->what[i], what))
			return true;
	return false;
}

static void test_plan_minimal(void)
{
	struct fw_state st;
	struct fw_batch b;
	unsigned int changes = 99;
	char why[512];

	make_spec();
	CU_ASSERT_EQUAL_FATAL(fw_state_from_spec(&spec, &st), 0);
	fw_batch_init(&b);
	CU_ASSERT_EQUAL(fw_plan(&spec, &st, &b, &changes, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(changes, 0);
	CU_ASSERT_EQUAL(b.n, 0);
	CU_ASSERT_STRING_EQUAL(why, "");
	fw_batch_release(&b);

	/* A network starts, c is dropped, a forward is added to a: elements only. */
	{
		struct vnet_fw_forward more[4] = { fwd_a[0], fwd_a[1], fwd_a[2],
			{ .proto = IPPROTO_TCP, .port = 9000, .to = pfx("192.168.100.13") } };
		struct vnet_prefix sub_e = pfx("192.168.105.1/24");
		struct vnet_fw_network changed[4] = { nets[0], nets[1], nets[3],
			{ .name = "e", .bridge = "vbre", .mode = VNET_FW_NAT, .subnets = &sub_e, .n_subnets = 1 } };
		struct vnet_fw_spec s2 = { changed, 4 };

		changed[0].forwards = more;
		changed[0].n_forwards = 4;
		fw_batch_init(&b);
		CU_ASSERT_EQUAL(fw_plan(&s2, &st, &b, &changes, why, sizeof(why)), 0);
		CU_ASSERT_TRUE(changes > 0);
		CU_ASSERT_FALSE(touches_rules(&b));
		CU_ASSERT_TRUE(has_what(&b, "add tcp *:9000 -> 192.168.100.13:9000 to fwd4any"));
		CU_ASSERT_TRUE(has_what(&b, "add \"vbre\" . 192.168.105.0/24 to n4_24"));
		CU_ASSERT_TRUE(has_what(&b, "add \"vbre\" to filtered"));
		CU_ASSERT_TRUE(has_what(&b, "delete \"vbrc\" to filtered") || has_what(&b, "delete \"vbrc\" from filtered"));
		fw_batch_release(&b);

		/* b turns isolated: /20 is no longer used, its sets and rules go; the rest stays. */
		changed[1].mode = VNET_FW_ISOLATED;
		fw_batch_init(&b);
		CU_ASSERT_EQUAL(fw_plan(&s2, &st, &b, &changes, why, sizeof(why)), 0);
		CU_ASSERT_TRUE(has_what(&b, "flush chain src_ok"));
		CU_ASSERT_TRUE(has_what(&b, "delete set r4_20"));
		CU_ASSERT_TRUE(has_what(&b, "delete set n4_20"));
		CU_ASSERT_FALSE(has_what(&b, "delete set n4_24"));
		CU_ASSERT_FALSE(has_what(&b, "flush chain fwd_from"));
		CU_ASSERT_FALSE(has_what(&b, "delete table inet vnet"));
		/* the sets go after the rules that use them */
		for (unsigned int i = 0, flushed = 0; i < b.n; i++) {
			flushed |= !strcmp(b.what[i], "flush chain src_ok");
			if (!strncmp(b.what[i], "delete set", 10))
				CU_ASSERT_TRUE(flushed);
		}
		fw_batch_release(&b);
	}
	fw_state_release(&st);

	/* With rule signatures: equal ones match; a changed one in the skeleton rebuilds the table. */
	CU_ASSERT_EQUAL_FATAL(fw_state_from_spec(&spec, &st), 0);
	{
		struct fw_batch ref;

		fw_batch_init(&ref);
		fw_build_skeleton(&ref);
		fw_build_prefixes(&ref, &spec, true, NULL);
		fw_build_flow(&ref, &spec, true, NULL, 0);
		CU_ASSERT_EQUAL(fw_batch_end(&ref), 0);
		for (size_t i = 0; i < st.n_chains; i++) {
			unsigned int n;

			CU_ASSERT_EQUAL(fw_batch_chain_sigs(&ref, st.chains[i].name, &st.chains[i].sigs, &n), 0);
			CU_ASSERT_EQUAL(n, st.chains[i].rules);
		}
		fw_batch_release(&ref);
	}
	st.sigs = true;
	fw_batch_init(&b);
	CU_ASSERT_EQUAL(fw_plan(&spec, &st, &b, &changes, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(changes, 0);
	fw_batch_release(&b);
	fw_state_chain(&st, "src_ok")->sigs[1] ^= 1;
	fw_batch_init(&b);
	CU_ASSERT_EQUAL(fw_plan(&spec, &st, &b, &changes, why, sizeof(why)), 0);
	CU_ASSERT_STRING_EQUAL(why, "chain src_ok has rules that were changed");
	CU_ASSERT_TRUE(has_what(&b, "flush chain src_ok"));
	CU_ASSERT_FALSE(has_what(&b, "delete table inet vnet"));
	fw_batch_release(&b);
	fw_state_chain(&st, "src_ok")->sigs[1] ^= 1;
	fw_state_chain(&st, "fwd_to")->sigs[0] ^= 1;
	fw_batch_init(&b);
	CU_ASSERT_EQUAL(fw_plan(&spec, &st, &b, &changes, why, sizeof(why)), 0);
	CU_ASSERT_STRING_EQUAL(why, "chain fwd_to has rules that were changed");
	/* the skeleton is made again whole, in the same batch */
	CU_ASSERT_STRING_EQUAL(b.what[0], "delete table inet vnet");
	CU_ASSERT_STRING_EQUAL(b.what[1], "add table inet vnet");
	fw_batch_release(&b);
	fw_state_release(&st);

	/* A table of the old layout (per-network chains) is replaced. */
	CU_ASSERT_EQUAL_FATAL(fw_state_from_spec(&spec, &st), 0);
	snprintf(fw_state_chain(&st, "forward")->tag, sizeof(st.chains[0].tag), "vnet layout 1");
	fw_batch_init(&b);
	CU_ASSERT_EQUAL(fw_plan(&spec, &st, &b, &changes, why, sizeof(why)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "of another layout"));
	CU_ASSERT_STRING_EQUAL(b.what[0], "delete table inet vnet");
	fw_batch_release(&b);
	fw_state_release(&st);
}

/*
 * The 1,001st network's start is elements only, as the first one's: no
 * rule, chain, set or jump (any of which makes the kernel validate the
 * whole table on commit), and no more messages than with one network.
 */
static void test_start_is_elements(void)
{
	enum { N = 1000 };
	struct vnet_fw_network *many = calloc(N + 1, sizeof(*many));
	struct vnet_prefix *subs = calloc(N + 1, sizeof(*subs));
	char (*names)[16] = calloc(N + 1, 16);
	unsigned int msgs[2] = { 0, 0 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(many);
	for (int i = 0; i <= N; i++) {
		char a[32];

		snprintf(names[i], 16, "vb%d", i);
		snprintf(a, sizeof(a), "10.%d.%d.1/24", i / 256, i % 256);
		subs[i] = pfx(a);
		many[i] = (struct vnet_fw_network){ .name = names[i], .bridge = names[i],
						    .mode = i % 3 == 1 ? VNET_FW_ROUTED : VNET_FW_NAT,
						    .subnets = &subs[i], .n_subnets = 1 };
	}
	for (int k = 0; k < 2; k++) {
		/* a table holding 1 (then N) networks, and one more started */
		size_t have = k ? N : 1;
		struct vnet_fw_network *v = many + (k ? 0 : N - 1);
		struct vnet_fw_spec before = { v, have }, after = { v, have + 1 };
		struct fw_state st;
		struct fw_batch b;
		unsigned int changes;

		CU_ASSERT_EQUAL_FATAL(fw_state_from_spec(&before, &st), 0);
		fw_batch_init(&b);
		CU_ASSERT_EQUAL(fw_plan(&after, &st, &b, &changes, NULL, 0), 0);
		CU_ASSERT_TRUE(changes > 0);
		CU_ASSERT_FALSE(touches_rules(&b));
		for (const struct nlmsghdr *nlh = fw_batch_first(&b); nlh; nlh = fw_batch_next(&b, nlh)) {
			if (nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN || nlh->nlmsg_type == NFNL_MSG_BATCH_END)
				continue;
			CU_ASSERT_EQUAL(msg_type(nlh), NFT_MSG_NEWSETELEM);
		}
		msgs[k] = b.n;
		verdicts = 0;
		for (int s = 0; s < FW_SET_COUNT; s++) {
			struct fw_elems e = { 0 };
			char name[FW_SET_NAME_MAX];

			set_elems(&b, fw_set_name((enum fw_set)s, name), &e);
			fw_elems_release(&e);
		}
		CU_ASSERT_EQUAL(verdicts, 0);
		fw_batch_release(&b);
		fw_state_release(&st);
	}
	CU_ASSERT_EQUAL(msgs[0], msgs[1]);
	free(many);
	free(subs);
	free(names);
}

/* The flowtable of network a: ingress hook, priority 0, the bridge and the NAT uplink. */
static void test_flowtable(void)
{
	const struct nlmsghdr *nlh;
	struct fw_batch b;
	int found = 0;

	make_spec();
	build_fresh(&b);
	for (nlh = fw_batch_first(&b); nlh; nlh = fw_batch_next(&b, nlh)) {
		struct nftnl_flowtable *ft;
		const char *const *devs;

		if (msg_type(nlh) != NFT_MSG_NEWFLOWTABLE)
			continue;
		found++;
		ft = nftnl_flowtable_alloc();
		CU_ASSERT_EQUAL(nftnl_flowtable_nlmsg_parse(nlh, ft), 0);
		CU_ASSERT_STRING_EQUAL(nftnl_flowtable_get_str(ft, NFTNL_FLOWTABLE_NAME), "ft_a");
		CU_ASSERT_STRING_EQUAL(nftnl_flowtable_get_str(ft, NFTNL_FLOWTABLE_TABLE), "vnet");
		CU_ASSERT_EQUAL(nftnl_flowtable_get_u32(ft, NFTNL_FLOWTABLE_HOOKNUM), NF_NETDEV_INGRESS);
		CU_ASSERT_EQUAL(nftnl_flowtable_get_s32(ft, NFTNL_FLOWTABLE_PRIO), 0);
		devs = nftnl_flowtable_get_array(ft, NFTNL_FLOWTABLE_DEVICES);
		CU_ASSERT_PTR_NOT_NULL_FATAL(devs);
		CU_ASSERT_STRING_EQUAL(devs[0], "vbra");
		CU_ASSERT_STRING_EQUAL(devs[1], "eth0");
		CU_ASSERT_PTR_NULL(devs[2]);
		nftnl_flowtable_free(ft);
	}
	CU_ASSERT_EQUAL(found, 1);
	fw_batch_release(&b);

	/* Turning it off: the rules go first (flush), then the flowtable; nothing else changes. */
	{
		struct fw_state st;
		unsigned int changes, flush_at = 0, del_at = 0;

		CU_ASSERT_EQUAL_FATAL(fw_state_from_spec(&spec, &st), 0);
		nets[0].flowtable = false;
		fw_batch_init(&b);
		CU_ASSERT_EQUAL(fw_plan(&spec, &st, &b, &changes, NULL, 0), 0);
		for (unsigned int i = 0; i < b.n; i++) {
			if (!strcmp(b.what[i], "flush chain fwd_flow"))
				flush_at = i + 1;
			if (!strcmp(b.what[i], "delete flowtable ft_a")) {
				/* Once: deleting it twice in one batch is refused. */
				CU_ASSERT_EQUAL(del_at, 0);
				del_at = i + 1;
			}
			CU_ASSERT_PTR_NULL(strstr(b.what[i], "add flowtable"));
			CU_ASSERT_PTR_NULL(strstr(b.what[i], "add rule"));
		}
		CU_ASSERT_TRUE(flush_at > 0 && del_at > flush_at);
		CU_ASSERT_EQUAL(b.n, 2);
		fw_batch_release(&b);
		fw_state_release(&st);
		make_spec();
	}
}

static CU_TestInfo tests[] = {
	{ "validation messages", test_validate },
	{ "batch framing and sets", test_batch_frame },
	{ "rules per mode", test_rules },
	{ "map elements", test_elements },
	{ "flowtable", test_flowtable },
	{ "golden forward batch", test_golden_forward },
	{ "minimal change plan", test_plan_minimal },
	{ "a start is elements, with 1 or 1000 networks", test_start_is_elements },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "firewall", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return tl_run_suites(suites);
}
