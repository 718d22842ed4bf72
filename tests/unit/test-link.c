/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The link layer without a kernel: every kind's request is built into a
 * buffer and read back attribute by attribute (through the same parser that
 * reads the kernel's replies, and by hand); every refusal is checked for its
 * code and its words.
 */
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_bridge.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "link.h"
#include "nl.h"
#include "testlib.h"

static char buf[4096];
static struct vnet_error err;

/* The attribute @type among those from @offset of @nlh (top level), or NULL. */
static const struct nlattr *top_attr(const struct nlmsghdr *nlh, size_t offset, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, offset)
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

static const struct nlattr *nested_attr(const struct nlattr *nest, uint16_t type)
{
	const struct nlattr *a;

	if (!nest)
		return NULL;
	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

static const struct nlattr *info_data(const struct nlmsghdr *nlh)
{
	const struct nlattr *li = top_attr(nlh, sizeof(struct ifinfomsg), IFLA_LINKINFO);

	return nested_attr(li, IFLA_INFO_DATA);
}

static void check_kind(const struct nlmsghdr *nlh, const char *kind)
{
	const struct nlattr *li = top_attr(nlh, sizeof(struct ifinfomsg), IFLA_LINKINFO);
	const struct nlattr *k = nested_attr(li, IFLA_INFO_KIND);

	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_STRING_EQUAL(mnl_attr_get_str(k), kind);
}

/* ---- bridge ---------------------------------------------------------- */

static void test_bridge_build(void)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct ifinfomsg *ifi;
	struct vnet_bridge_spec spec;
	struct vnet_link_info info;
	uint8_t mac[6];

	vnet_bridge_spec_init(&spec, "vnetbr0");
	spec.stp = VNET_ON;
	spec.forward_delay_ms = 15000;
	spec.ageing_time_s = 300;
	spec.vlan_filtering = VNET_OFF;
	spec.mtu = 9000;
	CU_ASSERT_EQUAL_FATAL(vnet_bridge_build_newlink(buf, sizeof(buf), &spec, 0, &err), 0);

	CU_ASSERT_EQUAL(nlh->nlmsg_type, RTM_NEWLINK);
	CU_ASSERT_EQUAL(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	ifi = mnl_nlmsg_get_payload(nlh);
	CU_ASSERT_EQUAL(ifi->ifi_family, AF_UNSPEC);
	CU_ASSERT_EQUAL(ifi->ifi_index, 0);
	check_kind(nlh, "bridge");
	/* Wire units: centiseconds. */
	CU_ASSERT_EQUAL(mnl_attr_get_u32(nested_attr(info_data(nlh), IFLA_BR_FORWARD_DELAY)), 1500);
	CU_ASSERT_EQUAL(mnl_attr_get_u32(nested_attr(info_data(nlh), IFLA_BR_AGEING_TIME)), 30000);
	CU_ASSERT_EQUAL(mnl_attr_get_u32(nested_attr(info_data(nlh), IFLA_BR_STP_STATE)), 1);
	CU_ASSERT_EQUAL(mnl_attr_get_u8(nested_attr(info_data(nlh), IFLA_BR_VLAN_FILTERING)), 0);

	CU_ASSERT_EQUAL_FATAL(vnet_link_parse(nlh, &info), 0);
	CU_ASSERT_STRING_EQUAL(info.name, "vnetbr0");
	CU_ASSERT_EQUAL(info.kind, VNET_LINK_BRIDGE);
	CU_ASSERT_STRING_EQUAL(info.kind_name, "bridge");
	CU_ASSERT_EQUAL(info.mtu, 9000);
	vnet_mac_from_name("vnetbr0", mac);
	CU_ASSERT_EQUAL(memcmp(info.mac, mac, 6), 0);
	CU_ASSERT_TRUE(info.u.bridge.stp);
	CU_ASSERT_EQUAL(info.u.bridge.forward_delay_ms, 15000);
	CU_ASSERT_EQUAL(info.u.bridge.ageing_time_s, 300);
	CU_ASSERT_FALSE(info.u.bridge.vlan_filtering);

	/* Unset fields stay out of the message; a given MAC wins; changes name the ifindex. */
	vnet_bridge_spec_init(&spec, "vnetbr0");
	spec.has_mac = true;
	memcpy(spec.mac, "\x52\x54\x00\x01\x02\x03", 6);
	CU_ASSERT_EQUAL_FATAL(vnet_bridge_build_newlink(buf, sizeof(buf), &spec, 7, &err), 0);
	CU_ASSERT_EQUAL(nlh->nlmsg_flags, NLM_F_REQUEST);
	CU_ASSERT_EQUAL(((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index, 7);
	CU_ASSERT_PTR_NULL(top_attr(nlh, sizeof(struct ifinfomsg), IFLA_MTU));
	CU_ASSERT_PTR_NULL(top_attr(nlh, sizeof(struct ifinfomsg), IFLA_IFNAME));
	CU_ASSERT_PTR_NULL(nested_attr(info_data(nlh), IFLA_BR_STP_STATE));
	CU_ASSERT_PTR_NULL(nested_attr(info_data(nlh), IFLA_BR_FORWARD_DELAY));
	CU_ASSERT_EQUAL(vnet_link_parse(nlh, &info), 0);
	CU_ASSERT_EQUAL(memcmp(info.mac, "\x52\x54\x00\x01\x02\x03", 6), 0);
}

/* The whole request, byte for byte: catches any change of layout. */
static void test_bridge_golden(void)
{
	static const uint8_t golden[] = {
		0x58, 0x00, 0x00, 0x00, 0x10, 0x00, 0x01, 0x06, /* len 88, RTM_NEWLINK, REQ|EXCL|CREATE */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* seq, pid */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* ifinfomsg */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x08, 0x00, 0x03, 0x00, 'b', 'r', '0', 0x00,    /* IFLA_IFNAME "br0" */
		0x0a, 0x00, 0x01, 0x00, 0x52, 0x54, 0x00, 0x00, /* IFLA_ADDRESS */
		0x00, 0x01, 0x00, 0x00,
		0x24, 0x00, 0x12, 0x80,                         /* IFLA_LINKINFO (NLA_F_NESTED) */
		0x0b, 0x00, 0x01, 0x00, 'b', 'r', 'i', 'd',     /* IFLA_INFO_KIND "bridge" */
		'g', 'e', 0x00, 0x00,
		0x14, 0x00, 0x02, 0x80,                         /* IFLA_INFO_DATA (NLA_F_NESTED) */
		0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, /* FORWARD_DELAY 0 */
		0x08, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, /* STP_STATE 0 */
	};
	struct vnet_bridge_spec spec;

	vnet_bridge_spec_init(&spec, "br0");
	spec.has_mac = true;
	memcpy(spec.mac, "\x52\x54\x00\x00\x00\x01", 6);
	spec.stp = VNET_OFF;
	spec.forward_delay_ms = 0;
	CU_ASSERT_EQUAL_FATAL(vnet_bridge_build_newlink(buf, sizeof(buf), &spec, 0, &err), 0);
	CU_ASSERT_EQUAL_FATAL(((struct nlmsghdr *)buf)->nlmsg_len, sizeof(golden));
	CU_ASSERT_EQUAL(memcmp(buf, golden, sizeof(golden)), 0);
}

static void test_bridge_bad(void)
{
	struct vnet_bridge_spec spec;

	vnet_bridge_spec_init(&spec, "averyveryverylongname");
	CU_ASSERT_EQUAL(vnet_bridge_build_newlink(buf, sizeof(buf), &spec, 0, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg,
			       "bridge name 'averyveryverylongname' is 21 bytes; Linux allows at most 15");
	vnet_bridge_spec_init(&spec, "br0");
	spec.has_mac = true;
	memcpy(spec.mac, "\x01\x00\x5e\x00\x00\x01", 6);
	CU_ASSERT_EQUAL(vnet_bridge_build_newlink(buf, sizeof(buf), &spec, 0, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg,
			       "bridge mac 01:00:5e:00:00:01 is a multicast address; an interface needs a unicast MAC (first byte even)");
	vnet_bridge_spec_init(&spec, "br0");
	spec.mtu = 67;
	CU_ASSERT_EQUAL(vnet_bridge_build_newlink(buf, sizeof(buf), &spec, 0, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "bridge mtu 67 is out of range; allowed 68..65535");
	spec.mtu = 65536;
	CU_ASSERT_EQUAL(vnet_bridge_build_newlink(buf, sizeof(buf), &spec, 0, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "bridge mtu 65536 is out of range; allowed 68..65535");
	vnet_bridge_spec_init(&spec, "br0");
	spec.stp = VNET_ON;
	spec.forward_delay_ms = 1000;
	CU_ASSERT_EQUAL(vnet_bridge_build_newlink(buf, sizeof(buf), &spec, 0, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg,
			       "bridge forward_delay_ms 1000 is out of range; allowed 2000..30000 with STP");
	spec.stp = VNET_OFF;
	spec.forward_delay_ms = 30001;
	CU_ASSERT_EQUAL(vnet_bridge_build_newlink(buf, sizeof(buf), &spec, 0, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "bridge forward_delay_ms 30001 is out of range; allowed 0..30000");
	vnet_bridge_spec_init(&spec, "br0");
	spec.ageing_time_s = -5;
	CU_ASSERT_EQUAL(vnet_bridge_build_newlink(buf, sizeof(buf), &spec, 0, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "bridge ageing_time_s -5 is out of range; allowed 0..1000000");
	/* A buffer too small is refused, never overrun. */
	vnet_bridge_spec_init(&spec, "br0");
	CU_ASSERT_EQUAL(vnet_bridge_build_newlink(buf, 40, &spec, 0, &err), -EMSGSIZE);
	CU_ASSERT_EQUAL(vnet_bridge_build_newlink(buf, 8, &spec, 0, &err), -EMSGSIZE);
}

/* ---- veth ------------------------------------------------------------ */

static void test_veth_build(void)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct nlattr *peer, *a;
	struct vnet_veth_spec spec;
	struct vnet_link_info info;
	const struct ifinfomsg *pifi;
	bool name = false, mac = false, mtu = false, nsfd = false;

	vnet_veth_spec_init(&spec, "veth0", "veth0p");
	spec.has_mac = spec.has_peer_mac = true;
	memcpy(spec.mac, "\x52\x54\x00\x00\x00\x0a", 6);
	memcpy(spec.peer_mac, "\x52\x54\x00\x00\x00\x0b", 6);
	spec.mtu = 1400;
	CU_ASSERT_EQUAL_FATAL(vnet_veth_build_newlink(buf, sizeof(buf), &spec, 42, &err), 0);
	CU_ASSERT_EQUAL(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	check_kind(nlh, "veth");
	CU_ASSERT_EQUAL(vnet_link_parse(nlh, &info), 0);
	CU_ASSERT_STRING_EQUAL(info.name, "veth0");
	CU_ASSERT_EQUAL(info.kind, VNET_LINK_VETH);
	CU_ASSERT_EQUAL(info.mtu, 1400);
	CU_ASSERT_EQUAL(memcmp(info.mac, spec.mac, 6), 0);

	/* VETH_INFO_PEER: an ifinfomsg, then the peer's attributes. */
	peer = nested_attr(info_data(nlh), VETH_INFO_PEER);
	CU_ASSERT_PTR_NOT_NULL_FATAL(peer);
	CU_ASSERT_TRUE_FATAL(mnl_attr_get_payload_len(peer) >= sizeof(struct ifinfomsg));
	pifi = mnl_attr_get_payload(peer);
	CU_ASSERT_EQUAL(pifi->ifi_family, AF_UNSPEC);
	for (a = (const void *)((const char *)pifi + MNL_ALIGN(sizeof(*pifi)));
	     mnl_attr_ok(a, (int)((const char *)mnl_attr_get_payload(peer) +
				  mnl_attr_get_payload_len(peer) - (const char *)a));
	     a = mnl_attr_next(a)) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			name = !strcmp(mnl_attr_get_str(a), "veth0p");
			break;
		case IFLA_ADDRESS:
			mac = !memcmp(mnl_attr_get_payload(a), spec.peer_mac, 6);
			break;
		case IFLA_MTU:
			mtu = mnl_attr_get_u32(a) == 1400;
			break;
		case IFLA_NET_NS_FD:
			nsfd = mnl_attr_get_u32(a) == 42;
			break;
		}
	}
	CU_ASSERT_TRUE(name);
	CU_ASSERT_TRUE(mac);
	CU_ASSERT_TRUE(mtu);
	CU_ASSERT_TRUE(nsfd);

	/* No namespace: no IFLA_NET_NS_FD. */
	CU_ASSERT_EQUAL_FATAL(vnet_veth_build_newlink(buf, sizeof(buf), &spec, -1, &err), 0);
	peer = nested_attr(info_data(nlh), VETH_INFO_PEER);
	CU_ASSERT_PTR_NULL(memmem(mnl_attr_get_payload(peer), mnl_attr_get_payload_len(peer),
				  "\x08\x00\x1c\x00", 4));
}

static void test_veth_bad(void)
{
	struct vnet_veth_spec spec;

	vnet_veth_spec_init(&spec, "veth0", "veth0");
	CU_ASSERT_EQUAL(vnet_veth_build_newlink(buf, sizeof(buf), &spec, -1, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg,
			       "veth peer name 'veth0' is the veth's own name; both ends live in one namespace");
	vnet_veth_spec_init(&spec, "veth0", "a/b");
	CU_ASSERT_EQUAL(vnet_veth_build_newlink(buf, sizeof(buf), &spec, -1, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "veth peer name 'a/b'"));
	vnet_veth_spec_init(&spec, "veth0", "veth1");
	spec.has_peer_mac = true;
	CU_ASSERT_EQUAL(vnet_veth_build_newlink(buf, sizeof(buf), &spec, -1, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "veth peer mac 00:00:00:00:00:00 is not a usable address");
	vnet_veth_spec_init(&spec, "veth0", "veth1");
	spec.mtu = 10;
	CU_ASSERT_EQUAL(vnet_veth_build_newlink(buf, sizeof(buf), &spec, -1, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "veth mtu 10 is out of range; allowed 68..65535");
	vnet_veth_spec_init(&spec, "", "veth1");
	CU_ASSERT_EQUAL(vnet_veth_build_newlink(buf, sizeof(buf), &spec, -1, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "veth name is empty");
	/* Same names are fine when the peer lives in another namespace. */
	vnet_veth_spec_init(&spec, "eth0", "eth0");
	spec.peer_netns = "/run/netns/guest";
	CU_ASSERT_EQUAL(vnet_veth_build_newlink(buf, sizeof(buf), &spec, 3, &err), 0);
}

/* ---- vlan ------------------------------------------------------------ */

static void test_vlan_build(void)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct nlattr *proto;
	struct vnet_vlan_spec spec;
	struct vnet_link_info info;

	vnet_vlan_spec_init(&spec, "eth0.100", "eth0", 100);
	spec.proto = VNET_VLAN_8021AD;
	spec.mtu = 1496;
	CU_ASSERT_EQUAL_FATAL(vnet_vlan_build_newlink(buf, sizeof(buf), &spec, 3, 0, &err), 0);
	check_kind(nlh, "vlan");
	CU_ASSERT_EQUAL(mnl_attr_get_u32(top_attr(nlh, sizeof(struct ifinfomsg), IFLA_LINK)), 3);
	CU_ASSERT_EQUAL(mnl_attr_get_u16(nested_attr(info_data(nlh), IFLA_VLAN_ID)), 100);
	/* The protocol travels big-endian: 88 a8. */
	proto = nested_attr(info_data(nlh), IFLA_VLAN_PROTOCOL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(proto);
	CU_ASSERT_EQUAL(memcmp(mnl_attr_get_payload(proto), "\x88\xa8", 2), 0);
	CU_ASSERT_EQUAL(vnet_link_parse(nlh, &info), 0);
	CU_ASSERT_EQUAL(info.kind, VNET_LINK_VLAN);
	CU_ASSERT_EQUAL(info.u.vlan.id, 100);
	CU_ASSERT_EQUAL(info.u.vlan.proto, VNET_VLAN_8021AD);
	CU_ASSERT_EQUAL(info.link_ifindex, 3);
	CU_ASSERT_EQUAL(info.mtu, 1496);

	vnet_vlan_spec_init(&spec, "eth0.4094", "eth0", 4094);
	CU_ASSERT_EQUAL_FATAL(vnet_vlan_build_newlink(buf, sizeof(buf), &spec, 3, 0, &err), 0);
	proto = nested_attr(info_data(nlh), IFLA_VLAN_PROTOCOL);
	CU_ASSERT_EQUAL(memcmp(mnl_attr_get_payload(proto), "\x81\x00", 2), 0);
	CU_ASSERT_EQUAL(vnet_link_parse(nlh, &info), 0);
	CU_ASSERT_EQUAL(info.u.vlan.proto, VNET_VLAN_8021Q);
	CU_ASSERT_EQUAL(info.u.vlan.id, 4094);
}

static void test_vlan_bad(void)
{
	struct vnet_vlan_spec spec;

	vnet_vlan_spec_init(&spec, "v0", "eth0", 0);
	CU_ASSERT_EQUAL(vnet_vlan_build_newlink(buf, sizeof(buf), &spec, 3, 0, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "vlan id 0 is out of range; allowed 1..4094");
	vnet_vlan_spec_init(&spec, "v0", "eth0", 4095);
	CU_ASSERT_EQUAL(vnet_vlan_build_newlink(buf, sizeof(buf), &spec, 3, 0, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "vlan id 4095 is out of range; allowed 1..4094");
	vnet_vlan_spec_init(&spec, "v0", "", 5);
	CU_ASSERT_EQUAL(vnet_vlan_build_newlink(buf, sizeof(buf), &spec, 3, 0, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "vlan parent is empty");
	vnet_vlan_spec_init(&spec, "v0", "eth0", 5);
	spec.proto = 7;
	CU_ASSERT_EQUAL(vnet_vlan_build_newlink(buf, sizeof(buf), &spec, 3, 0, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "vlan proto 7 is unknown; allowed 802.1Q (0) or 802.1ad (1)");
}

/*
 * A kernel without 8021q answers "Unknown device type" with EOPNOTSUPP; the
 * caller is told which link type is missing, with the kernel's words.
 */
static void test_vlan_unsupported_message(void)
{
	struct vnet_ctx *ctx;
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	char reply[256];

	CU_ASSERT_EQUAL_FATAL(vnet_ctx_new(&ctx, NULL, NULL), 0);
	memset(reply, 0, sizeof(reply));
	nlh = mnl_nlmsg_put_header(reply);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -EOPNOTSUPP;
	e->msg.nlmsg_len = sizeof(e->msg);
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "Unknown device type");
	CU_ASSERT_EQUAL(vnet_nl_parse_error(ctx, nlh), -EOPNOTSUPP);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "Unknown device type");
	CU_ASSERT_EQUAL(vnet_link_create_failed(ctx, -EOPNOTSUPP, "vlan", "eth0.100"), -EOPNOTSUPP);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx),
			       "cannot create vlan 'eth0.100': this kernel has no 'vlan' link type (Unknown device type)");
	/* Without kernel text, strerror stands in. */
	ctx->err.msg[0] = '\0';
	CU_ASSERT_EQUAL(vnet_link_create_failed(ctx, -EPERM, "bridge", "br0"), -EPERM);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "cannot create bridge 'br0': Operation not permitted");
	vnet_ctx_unref(ctx);
}

/* ---- vxlan ----------------------------------------------------------- */

static void test_vxlan_build(void)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	struct vnet_vxlan_spec spec;
	struct vnet_link_info info;
	const struct nlattr *port;

	vnet_vxlan_spec_init(&spec, "vx100", 100);
	spec.has_local = true;
	CU_ASSERT_EQUAL(vnet_addr_parse("local", "192.0.2.1", &spec.local, NULL), 0);
	spec.has_remote = true;
	CU_ASSERT_EQUAL(vnet_addr_parse("remote", "239.1.1.1", &spec.remote, NULL), 0);
	spec.dev = "eth0";
	spec.learning = VNET_OFF;
	spec.ttl = 16;
	spec.mtu = 1450;
	CU_ASSERT_EQUAL_FATAL(vnet_vxlan_build_newlink(buf, sizeof(buf), &spec, 5, 0, &err), 0);
	check_kind(nlh, "vxlan");
	port = nested_attr(info_data(nlh), IFLA_VXLAN_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(port);
	CU_ASSERT_EQUAL(memcmp(mnl_attr_get_payload(port), "\x12\xb5", 2), 0); /* 4789, network order */
	CU_ASSERT_EQUAL(mnl_attr_get_u32(nested_attr(info_data(nlh), IFLA_VXLAN_LINK)), 5);
	CU_ASSERT_PTR_NULL(nested_attr(info_data(nlh), IFLA_VXLAN_GROUP6));
	CU_ASSERT_EQUAL(vnet_link_parse(nlh, &info), 0);
	CU_ASSERT_EQUAL(info.kind, VNET_LINK_VXLAN);
	CU_ASSERT_EQUAL(info.u.vxlan.vni, 100);
	CU_ASSERT_TRUE(info.u.vxlan.has_local);
	CU_ASSERT_TRUE(vnet_prefix_equal(&info.u.vxlan.local, &spec.local));
	CU_ASSERT_TRUE(info.u.vxlan.has_remote);
	CU_ASSERT_TRUE(vnet_prefix_equal(&info.u.vxlan.remote, &spec.remote));
	CU_ASSERT_EQUAL(info.u.vxlan.dev_ifindex, 5);
	CU_ASSERT_EQUAL(info.u.vxlan.dstport, 4789);
	CU_ASSERT_FALSE(info.u.vxlan.learning);
	CU_ASSERT_EQUAL(info.u.vxlan.ttl, 16);
	CU_ASSERT_EQUAL(info.mtu, 1450);

	/* IPv6, another port, ttl and learning left to the kernel. */
	vnet_vxlan_spec_init(&spec, "vx6", VNET_VXLAN_VNI_MAX);
	spec.has_local = spec.has_remote = true;
	CU_ASSERT_EQUAL(vnet_addr_parse("local", "2001:db8::1", &spec.local, NULL), 0);
	CU_ASSERT_EQUAL(vnet_addr_parse("remote", "2001:db8::2", &spec.remote, NULL), 0);
	spec.dstport = 8472;
	CU_ASSERT_EQUAL_FATAL(vnet_vxlan_build_newlink(buf, sizeof(buf), &spec, 0, 0, &err), 0);
	CU_ASSERT_PTR_NULL(nested_attr(info_data(nlh), IFLA_VXLAN_LOCAL));
	CU_ASSERT_PTR_NULL(nested_attr(info_data(nlh), IFLA_VXLAN_TTL));
	CU_ASSERT_PTR_NULL(nested_attr(info_data(nlh), IFLA_VXLAN_LEARNING));
	CU_ASSERT_PTR_NULL(nested_attr(info_data(nlh), IFLA_VXLAN_LINK));
	CU_ASSERT_EQUAL(vnet_link_parse(nlh, &info), 0);
	CU_ASSERT_EQUAL(info.u.vxlan.vni, 16777215);
	CU_ASSERT_EQUAL(info.u.vxlan.local.family, AF_INET6);
	CU_ASSERT_TRUE(vnet_prefix_equal(&info.u.vxlan.local, &spec.local));
	CU_ASSERT_TRUE(vnet_prefix_equal(&info.u.vxlan.remote, &spec.remote));
	CU_ASSERT_EQUAL(info.u.vxlan.dstport, 8472);
}

static void test_vxlan_bad(void)
{
	struct vnet_vxlan_spec spec;

	vnet_vxlan_spec_init(&spec, "vx0", 16777216);
	CU_ASSERT_EQUAL(vnet_vxlan_build_newlink(buf, sizeof(buf), &spec, 0, 0, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "vxlan vni 16777216 is out of range; allowed 0..16777215");
	vnet_vxlan_spec_init(&spec, "vx0", 1);
	spec.ttl = 0;
	CU_ASSERT_EQUAL(vnet_vxlan_build_newlink(buf, sizeof(buf), &spec, 0, 0, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "vxlan ttl 0 is out of range; allowed 1..255 or -1 (inherit)");
	spec.ttl = 256;
	CU_ASSERT_EQUAL(vnet_vxlan_build_newlink(buf, sizeof(buf), &spec, 0, 0, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "vxlan ttl 256 is out of range; allowed 1..255 or -1 (inherit)");
	vnet_vxlan_spec_init(&spec, "vx0", 1);
	spec.has_remote = true;
	CU_ASSERT_EQUAL(vnet_addr_parse("remote", "239.1.1.1", &spec.remote, NULL), 0);
	CU_ASSERT_EQUAL(vnet_vxlan_build_newlink(buf, sizeof(buf), &spec, 0, 0, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "vxlan remote is a multicast group; it needs an underlay dev");
	vnet_vxlan_spec_init(&spec, "vx0", 1);
	spec.has_local = spec.has_remote = true;
	CU_ASSERT_EQUAL(vnet_addr_parse("local", "192.0.2.1", &spec.local, NULL), 0);
	CU_ASSERT_EQUAL(vnet_addr_parse("remote", "2001:db8::2", &spec.remote, NULL), 0);
	CU_ASSERT_EQUAL(vnet_vxlan_build_newlink(buf, sizeof(buf), &spec, 0, 0, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg,
			       "vxlan local and remote addresses must be of one family (IPv4 or IPv6)");
	vnet_vxlan_spec_init(&spec, "vx0", 1);
	spec.mtu = 70000;
	CU_ASSERT_EQUAL(vnet_vxlan_build_newlink(buf, sizeof(buf), &spec, 0, 0, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "vxlan mtu 70000 is out of range; allowed 68..65535");
	vnet_vxlan_spec_init(&spec, "vx0", 1);
	spec.has_local = true;
	spec.local.family = 0;
	CU_ASSERT_EQUAL(vnet_vxlan_build_newlink(buf, sizeof(buf), &spec, 0, 0, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "vxlan local address family 0 is not IPv4 or IPv6");
	vnet_vxlan_spec_init(&spec, "vx0:1", 1);
	CU_ASSERT_EQUAL(vnet_vxlan_build_newlink(buf, sizeof(buf), &spec, 0, 0, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "vxlan name 'vx0:1'"));
	vnet_vxlan_spec_init(&spec, "vx0", 1);
	spec.dev = "a b";
	CU_ASSERT_EQUAL(vnet_vxlan_build_newlink(buf, sizeof(buf), &spec, 0, 0, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "vxlan dev 'a b'"));
}

/* ---- tap ------------------------------------------------------------- */

static void test_tap_ifreq(void)
{
	struct vnet_tap_spec spec;
	struct ifreq ifr;

	vnet_tap_spec_init(&spec, "tap0");
	CU_ASSERT_TRUE(spec.persistent);
	CU_ASSERT_EQUAL(spec.queues, 1);
	CU_ASSERT_EQUAL(spec.owner, -1);
	CU_ASSERT_EQUAL(vnet_tap_build_ifreq(&spec, &ifr, &err), 0);
	CU_ASSERT_STRING_EQUAL(ifr.ifr_name, "tap0");
	CU_ASSERT_EQUAL(ifr.ifr_flags, IFF_TAP | IFF_NO_PI);
	spec.queues = 4;
	spec.vnet_hdr = true;
	spec.owner = 0;
	spec.group = 0;
	CU_ASSERT_EQUAL(vnet_tap_build_ifreq(&spec, &ifr, &err), 0);
	CU_ASSERT_EQUAL(ifr.ifr_flags, IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE | IFF_VNET_HDR);
	/* exclusive: the kernel refuses a name any link has */
	spec.exclusive = true;
	CU_ASSERT_EQUAL(vnet_tap_build_ifreq(&spec, &ifr, &err), 0);
	CU_ASSERT_EQUAL((unsigned short)ifr.ifr_flags,
			IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE | IFF_VNET_HDR | IFF_TUN_EXCL);
	/* what init leaves alone */
	vnet_tap_spec_init(&spec, "tap0");
	CU_ASSERT_PTR_NULL(spec.master);
	CU_ASSERT_FALSE(spec.up);
	CU_ASSERT_FALSE(spec.exclusive);
	CU_ASSERT_EQUAL(spec.mtu, 0);
	spec.master = "br0";
	spec.up = true;
	CU_ASSERT_EQUAL(vnet_tap_build_ifreq(&spec, &ifr, &err), 0);
	CU_ASSERT_EQUAL(ifr.ifr_flags, IFF_TAP | IFF_NO_PI);
}

/* One change of a tap: by name, MAC, MTU, master and up, byte for byte, then read back. */
static void test_link_set_golden(void)
{
	static const uint8_t golden[] = {
		0x48, 0x00, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00, /* len 72, RTM_NEWLINK, REQUEST */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* seq, pid */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* ifinfomsg: AF_UNSPEC, index 0 */
		0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* flags IFF_UP, change IFF_UP */
		0x09, 0x00, 0x03, 0x00, 't', 'a', 'p', '0',     /* IFLA_IFNAME "tap0" */
		0x00, 0x00, 0x00, 0x00,
		0x0a, 0x00, 0x01, 0x00, 0x52, 0x54, 0x00, 0x12, /* IFLA_ADDRESS */
		0x34, 0x56, 0x00, 0x00,
		0x08, 0x00, 0x04, 0x00, 0x78, 0x05, 0x00, 0x00, /* IFLA_MTU 1400 */
		0x08, 0x00, 0x0a, 0x00, 0x07, 0x00, 0x00, 0x00, /* IFLA_MASTER 7 */
	};
	const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	struct vnet_link_change c = {
		.name = "tap0", .mac = mac, .mtu = 1400, .master_ifindex = 7, .up = true,
	};
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	const struct ifinfomsg *ifi;
	struct vnet_link_info info;

	CU_ASSERT_EQUAL_FATAL(vnet_link_build_set(buf, sizeof(buf), &c), 0);
	CU_ASSERT_EQUAL_FATAL(nlh->nlmsg_len, sizeof(golden));
	CU_ASSERT_EQUAL(memcmp(buf, golden, sizeof(golden)), 0);
	CU_ASSERT_EQUAL_FATAL(vnet_link_parse(nlh, &info), 0);
	CU_ASSERT_STRING_EQUAL(info.name, "tap0");
	CU_ASSERT_EQUAL(info.ifindex, 0);
	CU_ASSERT_EQUAL(memcmp(info.mac, mac, 6), 0);
	CU_ASSERT_EQUAL(info.mtu, 1400);
	CU_ASSERT_EQUAL(info.master_ifindex, 7);
	CU_ASSERT_TRUE(info.up);

	/* by ifindex: no name; only what is asked */
	memset(&c, 0, sizeof(c));
	c.ifindex = 12;
	c.name = "tap0";
	c.master_ifindex = 3;
	CU_ASSERT_EQUAL_FATAL(vnet_link_build_set(buf, sizeof(buf), &c), 0);
	ifi = mnl_nlmsg_get_payload(nlh);
	CU_ASSERT_EQUAL(ifi->ifi_index, 12);
	CU_ASSERT_EQUAL(ifi->ifi_flags, 0);
	CU_ASSERT_EQUAL(ifi->ifi_change, 0);
	CU_ASSERT_PTR_NULL(top_attr(nlh, sizeof(*ifi), IFLA_IFNAME));
	CU_ASSERT_PTR_NULL(top_attr(nlh, sizeof(*ifi), IFLA_ADDRESS));
	CU_ASSERT_PTR_NULL(top_attr(nlh, sizeof(*ifi), IFLA_MTU));
	CU_ASSERT_PTR_NOT_NULL_FATAL(top_attr(nlh, sizeof(*ifi), IFLA_MASTER));
	CU_ASSERT_EQUAL(mnl_attr_get_u32(top_attr(nlh, sizeof(*ifi), IFLA_MASTER)), 3);
	CU_ASSERT_EQUAL(nlh->nlmsg_len, mnl_nlmsg_size(sizeof(*ifi)) + 8);

	/* the old MAC/MTU builder is the same request */
	CU_ASSERT_EQUAL_FATAL(vnet_link_build_change(buf, sizeof(buf), 5, mac, 9000), 0);
	CU_ASSERT_EQUAL_FATAL(vnet_link_parse(nlh, &info), 0);
	CU_ASSERT_EQUAL(info.ifindex, 5);
	CU_ASSERT_EQUAL(info.mtu, 9000);
	CU_ASSERT_EQUAL(memcmp(info.mac, mac, 6), 0);
	CU_ASSERT_FALSE(info.up);
	CU_ASSERT_EQUAL(info.master_ifindex, 0);

	/* too small a buffer is refused, not overrun */
	c.name = "tap0";
	c.ifindex = 0;
	c.mac = mac;
	CU_ASSERT_EQUAL(vnet_link_build_set(buf, 40, &c), -EMSGSIZE);
}

static void test_tap_bad(void)
{
	struct vnet_tap_spec spec;
	struct ifreq ifr;

	vnet_tap_spec_init(&spec, "tap0");
	spec.owner = 3999999;
	CU_ASSERT_EQUAL(vnet_tap_build_ifreq(&spec, &ifr, &err), -ENOENT);
	CU_ASSERT_STRING_EQUAL(err.msg, "tap owner uid 3999999 does not exist on this host");
	vnet_tap_spec_init(&spec, "tap0");
	spec.group = 3999999;
	CU_ASSERT_EQUAL(vnet_tap_build_ifreq(&spec, &ifr, &err), -ENOENT);
	CU_ASSERT_STRING_EQUAL(err.msg, "tap group gid 3999999 does not exist on this host");
	vnet_tap_spec_init(&spec, "tap0");
	spec.owner = -2;
	CU_ASSERT_EQUAL(vnet_tap_build_ifreq(&spec, &ifr, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "tap owner uid -2 is out of range; allowed 0..4294967294 or -1 (unset)");
	vnet_tap_spec_init(&spec, "tap0");
	spec.queues = 0;
	CU_ASSERT_EQUAL(vnet_tap_build_ifreq(&spec, &ifr, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "tap queues 0 is out of range; allowed 1..16");
	spec.queues = 17;
	CU_ASSERT_EQUAL(vnet_tap_build_ifreq(&spec, &ifr, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "tap queues 17 is out of range; allowed 1..16");
	vnet_tap_spec_init(&spec, "");
	CU_ASSERT_EQUAL(vnet_tap_build_ifreq(&spec, &ifr, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "tap name is empty");
	vnet_tap_spec_init(&spec, "tap0");
	spec.has_mac = true;
	memcpy(spec.mac, "\xff\xff\xff\xff\xff\xff", 6);
	CU_ASSERT_EQUAL(vnet_tap_build_ifreq(&spec, &ifr, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg,
			       "tap mac ff:ff:ff:ff:ff:ff is a multicast address; an interface needs a unicast MAC (first byte even)");
	vnet_tap_spec_init(&spec, "tap0");
	spec.mtu = 1;
	CU_ASSERT_EQUAL(vnet_tap_build_ifreq(&spec, &ifr, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "tap mtu 1 is out of range; allowed 68..65535");
	vnet_tap_spec_init(&spec, "tap0");
	spec.master = "averyveryverylongname";
	CU_ASSERT_EQUAL(vnet_tap_build_ifreq(&spec, &ifr, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "tap master 'averyveryverylongname' is 21 bytes; Linux allows at most 15");
	spec.master = "";
	CU_ASSERT_EQUAL(vnet_tap_build_ifreq(&spec, &ifr, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "tap master is empty");
}

/* The kernel reports a tap as kind "tun" with IFLA_TUN_TYPE = IFF_TAP; a tun is not ours. */
static void test_tap_parse(void)
{
	struct vnet_link_info info;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *li, *data;

	for (int type = IFF_TUN; type <= IFF_TAP; type++) {
		nlh = vnet_nl_msg_start(buf, sizeof(buf), RTM_NEWLINK, 0);
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_index = 9;
		ifi->ifi_flags = IFF_UP;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, "tap9");
		li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "tun");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u32(nlh, IFLA_TUN_OWNER, 1000);
		mnl_attr_put_u8(nlh, IFLA_TUN_TYPE, (uint8_t)type);
		mnl_attr_put_u8(nlh, IFLA_TUN_PI, 0);
		mnl_attr_put_u8(nlh, IFLA_TUN_VNET_HDR, 1);
		mnl_attr_put_u8(nlh, IFLA_TUN_PERSIST, 1);
		mnl_attr_put_u8(nlh, IFLA_TUN_MULTI_QUEUE, 1);
		mnl_attr_put_u32(nlh, IFLA_TUN_NUM_QUEUES, 3);
		mnl_attr_nest_end(nlh, data);
		mnl_attr_nest_end(nlh, li);
		CU_ASSERT_EQUAL_FATAL(vnet_link_parse(nlh, &info), 0);
		CU_ASSERT_STRING_EQUAL(info.kind_name, "tun");
		CU_ASSERT_TRUE(info.up);
		CU_ASSERT_EQUAL(info.ifindex, 9);
		if (type == IFF_TUN) {
			CU_ASSERT_EQUAL(info.kind, VNET_LINK_OTHER);
			continue;
		}
		CU_ASSERT_EQUAL(info.kind, VNET_LINK_TAP);
		CU_ASSERT_EQUAL(info.u.tap.owner, 1000);
		CU_ASSERT_EQUAL(info.u.tap.group, -1);
		CU_ASSERT_TRUE(info.u.tap.vnet_hdr);
		CU_ASSERT_TRUE(info.u.tap.persistent);
		CU_ASSERT_TRUE(info.u.tap.multi_queue);
		CU_ASSERT_EQUAL(info.u.tap.queues, 3);
	}
}

/* ---- ports and fdb --------------------------------------------------- */

static void test_port_flags_build(void)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct ifinfomsg *ifi;
	const struct nlattr *prot;
	struct vnet_port_flags fl = { .isolated = VNET_ON, .learning = VNET_OFF };

	CU_ASSERT_EQUAL_FATAL(vnet_port_build_flags(buf, sizeof(buf), 12, &fl), 0);
	CU_ASSERT_EQUAL(nlh->nlmsg_type, RTM_SETLINK);
	ifi = mnl_nlmsg_get_payload(nlh);
	CU_ASSERT_EQUAL(ifi->ifi_family, AF_BRIDGE);
	CU_ASSERT_EQUAL(ifi->ifi_index, 12);
	prot = top_attr(nlh, sizeof(*ifi), IFLA_PROTINFO);
	CU_ASSERT_PTR_NOT_NULL_FATAL(prot);
	CU_ASSERT_TRUE(prot->nla_type & NLA_F_NESTED);
	CU_ASSERT_EQUAL(mnl_attr_get_u8(nested_attr(prot, IFLA_BRPORT_ISOLATED)), 1);
	CU_ASSERT_EQUAL(mnl_attr_get_u8(nested_attr(prot, IFLA_BRPORT_LEARNING)), 0);
	CU_ASSERT_PTR_NULL(nested_attr(prot, IFLA_BRPORT_MODE));
	fl = (struct vnet_port_flags){ .hairpin = VNET_ON };
	CU_ASSERT_EQUAL_FATAL(vnet_port_build_flags(buf, sizeof(buf), 12, &fl), 0);
	prot = top_attr(nlh, sizeof(*ifi), IFLA_PROTINFO);
	CU_ASSERT_EQUAL(mnl_attr_get_u8(nested_attr(prot, IFLA_BRPORT_MODE)), 1);
	CU_ASSERT_PTR_NULL(nested_attr(prot, IFLA_BRPORT_ISOLATED));
}

/* A link read back as a bridge port: IFLA_INFO_SLAVE_DATA carries the flags. */
static void test_port_parse(void)
{
	struct vnet_link_info info;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *li, *sd;

	nlh = vnet_nl_msg_start(buf, sizeof(buf), RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 4;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "veth4");
	mnl_attr_put_u32(nlh, IFLA_MASTER, 2);
	mnl_attr_put_u32(nlh, IFLA_LINK, 5);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	mnl_attr_put_strz(nlh, IFLA_INFO_SLAVE_KIND, "bridge");
	sd = mnl_attr_nest_start(nlh, IFLA_INFO_SLAVE_DATA);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, 1);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_LEARNING, 1);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_ISOLATED, 1);
	mnl_attr_nest_end(nlh, sd);
	mnl_attr_nest_end(nlh, li);
	CU_ASSERT_EQUAL_FATAL(vnet_link_parse(nlh, &info), 0);
	CU_ASSERT_EQUAL(info.kind, VNET_LINK_VETH);
	CU_ASSERT_EQUAL(info.master_ifindex, 2);
	CU_ASSERT_EQUAL(info.link_ifindex, 5);
	CU_ASSERT_TRUE(info.is_bridge_port);
	CU_ASSERT_TRUE(info.port.hairpin);
	CU_ASSERT_TRUE(info.port.learning);
	CU_ASSERT_TRUE(info.port.isolated);

	/* Malformed: a message shorter than its header. */
	nlh->nlmsg_len = 10;
	CU_ASSERT_EQUAL(vnet_link_parse(nlh, &info), -EBADMSG);
}

static void test_fdb_build(void)
{
	static const uint8_t zero[6];
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct ndmsg *ndm;
	const struct nlattr *dst;
	struct vnet_prefix p;

	CU_ASSERT_EQUAL(vnet_addr_parse("dst", "192.0.2.7", &p, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(vnet_fdb_build(buf, sizeof(buf), RTM_NEWNEIGH, 6, zero, &p, &err), 0);
	CU_ASSERT_EQUAL(nlh->nlmsg_type, RTM_NEWNEIGH);
	CU_ASSERT_EQUAL(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_APPEND);
	ndm = mnl_nlmsg_get_payload(nlh);
	CU_ASSERT_EQUAL(ndm->ndm_family, AF_BRIDGE);
	CU_ASSERT_EQUAL(ndm->ndm_ifindex, 6);
	CU_ASSERT_EQUAL(ndm->ndm_state, NUD_PERMANENT);
	CU_ASSERT_EQUAL(ndm->ndm_flags, NTF_SELF);
	CU_ASSERT_EQUAL(memcmp(mnl_attr_get_payload(top_attr(nlh, sizeof(*ndm), NDA_LLADDR)), zero, 6), 0);
	dst = top_attr(nlh, sizeof(*ndm), NDA_DST);
	CU_ASSERT_EQUAL(mnl_attr_get_payload_len(dst), 4);
	CU_ASSERT_EQUAL(memcmp(mnl_attr_get_payload(dst), "\xc0\x00\x02\x07", 4), 0);

	CU_ASSERT_EQUAL(vnet_addr_parse("dst", "2001:db8::7", &p, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(vnet_fdb_build(buf, sizeof(buf), RTM_DELNEIGH, 6, zero, &p, &err), 0);
	CU_ASSERT_EQUAL(nlh->nlmsg_flags, NLM_F_REQUEST);
	CU_ASSERT_EQUAL(mnl_attr_get_payload_len(top_attr(nlh, sizeof(*ndm), NDA_DST)), 16);

	CU_ASSERT_EQUAL_FATAL(vnet_fdb_build(buf, sizeof(buf), RTM_NEWNEIGH, 6, zero, NULL, &err), 0);
	CU_ASSERT_PTR_NULL(top_attr(nlh, sizeof(*ndm), NDA_DST));

	p.family = 99;
	CU_ASSERT_EQUAL(vnet_fdb_build(buf, sizeof(buf), RTM_NEWNEIGH, 6, zero, &p, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "fdb dst address family 99 is not IPv4 or IPv6");
}

static void test_kind_names(void)
{
	CU_ASSERT_STRING_EQUAL(vnet_link_kind_name(VNET_LINK_BRIDGE), "bridge");
	CU_ASSERT_STRING_EQUAL(vnet_link_kind_name(VNET_LINK_TAP), "tap");
	CU_ASSERT_STRING_EQUAL(vnet_link_kind_name(VNET_LINK_VETH), "veth");
	CU_ASSERT_STRING_EQUAL(vnet_link_kind_name(VNET_LINK_VLAN), "vlan");
	CU_ASSERT_STRING_EQUAL(vnet_link_kind_name(VNET_LINK_VXLAN), "vxlan");
	CU_ASSERT_STRING_EQUAL(vnet_link_kind_name(VNET_LINK_OTHER), "other");
	CU_ASSERT_PTR_EQUAL(vnet_link_ops_find("tun"), &vnet_tap_ops);
	CU_ASSERT_PTR_NULL(vnet_link_ops_find("dummy"));
}

/* Public calls refuse bad input before touching the kernel (no root needed to see it). */
static void test_public_refusals(void)
{
	struct vnet_vlan_spec vlan;
	struct vnet_tap_spec tap;
	struct vnet_link_info info;
	struct vnet_ctx *ctx;

	CU_ASSERT_EQUAL_FATAL(vnet_ctx_new(&ctx, NULL, NULL), 0);
	vnet_vlan_spec_init(&vlan, "v0", "lo", 4095);
	CU_ASSERT_EQUAL(vnet_vlan_ensure(ctx, &vlan), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "vlan id 4095 is out of range; allowed 1..4094");
	vnet_tap_spec_init(&tap, "tap0");
	tap.persistent = false;
	CU_ASSERT_EQUAL(vnet_tap_ensure(ctx, &tap, NULL), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx),
			       "tap 'tap0' is not persistent, so it lives only as long as its fds; fds must not be NULL");
	CU_ASSERT_EQUAL(vnet_link_set_mtu(ctx, "lo", 0), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "mtu 0 is out of range; allowed 68..65535");
	CU_ASSERT_EQUAL(vnet_link_delete(ctx, "x/y"), -EINVAL);
	CU_ASSERT_EQUAL(vnet_link_get(ctx, "averyveryverylongname", &info), -EINVAL);
	CU_ASSERT_EQUAL(vnet_port_enslave(ctx, "", "br0"), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "port is empty");
	{
		struct vnet_port_flags fl = { .hairpin = 7 };

		CU_ASSERT_EQUAL(vnet_port_set_flags(ctx, "lo", &fl), -EINVAL);
		CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx),
				       "port flag hairpin 7 is not one of unset (0), off (1), on (2)");
	}
	CU_ASSERT_EQUAL(vnet_fdb_append(ctx, "", (const uint8_t *)"\0\0\0\0\0\0", NULL), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "fdb dev is empty");
	vnet_ctx_unref(ctx);
}

static CU_TestInfo tests[] = {
	{ "bridge request and read-back", test_bridge_build },
	{ "bridge golden bytes", test_bridge_golden },
	{ "bridge refusals", test_bridge_bad },
	{ "veth request with peer", test_veth_build },
	{ "veth refusals", test_veth_bad },
	{ "vlan request", test_vlan_build },
	{ "vlan refusals", test_vlan_bad },
	{ "vlan on a kernel without 8021q", test_vlan_unsupported_message },
	{ "vxlan request", test_vxlan_build },
	{ "vxlan refusals", test_vxlan_bad },
	{ "tap ifreq", test_tap_ifreq },
	{ "tap refusals", test_tap_bad },
	{ "link change (mac, mtu, master, up) golden bytes", test_link_set_golden },
	{ "tap read-back from kind tun", test_tap_parse },
	{ "bridge port flags request", test_port_flags_build },
	{ "bridge port read-back", test_port_parse },
	{ "fdb requests", test_fdb_build },
	{ "kind names and ops", test_kind_names },
	{ "public calls refuse before the kernel", test_public_refusals },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "link", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return tl_run_suites(suites);
}
