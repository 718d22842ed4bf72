/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Addresses, routes and sysctls without root: the requests libnl builds for
 * us, read back attribute by attribute with libmnl; the extended-ack error
 * callback on hand-made NLMSG_ERROR messages; validation messages; the
 * sysctl path builder.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/socket.h>
#include <vnet/vnet.h>

#include "internal.h"
#include "rtnl-objs.h"
#include "testlib.h"

#define ATTR_MAX 64

struct parsed {
	const struct nlattr *tb[ATTR_MAX + 1];
	int count;
};

static int collect_attr(const struct nlattr *attr, void *data)
{
	struct parsed *p = data;
	int type = mnl_attr_get_type(attr);

	/* Each attribute once, inside the message. */
	CU_ASSERT_TRUE(type <= ATTR_MAX);
	if (type <= ATTR_MAX) {
		CU_ASSERT_PTR_NULL(p->tb[type]);
		p->tb[type] = attr;
	}
	p->count++;
	return MNL_CB_OK;
}

static const struct nlmsghdr *parse(struct nl_msg *msg, size_t hdrlen, struct parsed *p)
{
	const struct nlmsghdr *nlh = nlmsg_hdr(msg);

	memset(p, 0, sizeof(*p));
	CU_ASSERT_EQUAL(mnl_attr_parse(nlh, (unsigned int)hdrlen, collect_attr, p), MNL_CB_OK);
	return nlh;
}

static void assert_addr(const struct nlattr *a, int family, const char *want)
{
	uint8_t bin[16];

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(inet_pton(family, want, bin), 1);
	CU_ASSERT_EQUAL(mnl_attr_get_payload_len(a), family == AF_INET ? 4 : 16);
	CU_ASSERT_EQUAL(memcmp(mnl_attr_get_payload(a), bin, family == AF_INET ? 4 : 16), 0);
}

static struct vnet_prefix P(const char *s)
{
	struct vnet_prefix p;

	CU_ASSERT_EQUAL(vnet_prefix_parse("test", s, &p, NULL), 0);
	return p;
}

static void test_addr_add_ipv4(void)
{
	struct vnet_prefix p = P("192.168.122.1/24");
	const struct ifaddrmsg *ifa;
	const struct nlmsghdr *nlh;
	struct vnet_error err = { "" };
	struct nl_msg *msg;
	struct parsed a;

	CU_ASSERT_EQUAL_FATAL(vnet_addr_build_request(true, 7, &p, 0, &msg, &err), 0);
	nlh = parse(msg, sizeof(*ifa), &a);
	/* NLM_F_REQUEST and NLM_F_ACK are added when the message is sent. */
	CU_ASSERT_EQUAL(nlh->nlmsg_type, RTM_NEWADDR);
	CU_ASSERT_TRUE(nlh->nlmsg_flags & NLM_F_CREATE);
	/* An address already there is success, not a replacement. */
	CU_ASSERT_FALSE(nlh->nlmsg_flags & (NLM_F_EXCL | NLM_F_REPLACE));
	ifa = mnl_nlmsg_get_payload(nlh);
	CU_ASSERT_EQUAL(ifa->ifa_family, AF_INET);
	CU_ASSERT_EQUAL(ifa->ifa_prefixlen, 24);
	CU_ASSERT_EQUAL(ifa->ifa_index, 7);
	CU_ASSERT_EQUAL(ifa->ifa_scope, RT_SCOPE_UNIVERSE);
	CU_ASSERT_EQUAL(ifa->ifa_flags, 0);
	assert_addr(a.tb[IFA_LOCAL], AF_INET, "192.168.122.1");
	assert_addr(a.tb[IFA_ADDRESS], AF_INET, "192.168.122.1");
	assert_addr(a.tb[IFA_BROADCAST], AF_INET, "192.168.122.255");
	CU_ASSERT_PTR_NULL(a.tb[IFA_FLAGS]);
	CU_ASSERT_EQUAL(a.count, 3);
	nlmsg_free(msg);

	/* Point-to-point sized prefixes have no broadcast address. */
	p = P("10.0.0.0/31");
	CU_ASSERT_EQUAL_FATAL(vnet_addr_build_request(true, 7, &p, 0, &msg, &err), 0);
	parse(msg, sizeof(*ifa), &a);
	CU_ASSERT_PTR_NULL(a.tb[IFA_BROADCAST]);
	CU_ASSERT_EQUAL(a.count, 2);
	nlmsg_free(msg);

	p = P("10.1.2.3/8");
	CU_ASSERT_EQUAL_FATAL(vnet_addr_build_request(true, 7, &p, 0, &msg, &err), 0);
	parse(msg, sizeof(*ifa), &a);
	assert_addr(a.tb[IFA_BROADCAST], AF_INET, "10.255.255.255");
	nlmsg_free(msg);
}

static void test_addr_add_ipv6_flags(void)
{
	struct vnet_prefix p = P("fd00:1::1/64");
	const struct ifaddrmsg *ifa;
	const struct nlmsghdr *nlh;
	struct vnet_error err = { "" };
	struct nl_msg *msg;
	struct parsed a;

	CU_ASSERT_EQUAL_FATAL(vnet_addr_build_request(true, 12, &p, IFA_F_NODAD | IFA_F_NOPREFIXROUTE,
						      &msg, &err), 0);
	nlh = parse(msg, sizeof(*ifa), &a);
	CU_ASSERT_EQUAL(nlh->nlmsg_type, RTM_NEWADDR);
	ifa = mnl_nlmsg_get_payload(nlh);
	CU_ASSERT_EQUAL(ifa->ifa_family, AF_INET6);
	CU_ASSERT_EQUAL(ifa->ifa_prefixlen, 64);
	CU_ASSERT_EQUAL(ifa->ifa_index, 12);
	/* The old 8-bit field carries what fits; IFA_FLAGS all of it. */
	CU_ASSERT_EQUAL(ifa->ifa_flags, IFA_F_NODAD);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a.tb[IFA_FLAGS]);
	CU_ASSERT_EQUAL(mnl_attr_get_u32(a.tb[IFA_FLAGS]), IFA_F_NODAD | IFA_F_NOPREFIXROUTE);
	assert_addr(a.tb[IFA_LOCAL], AF_INET6, "fd00:1::1");
	assert_addr(a.tb[IFA_ADDRESS], AF_INET6, "fd00:1::1");
	CU_ASSERT_PTR_NULL(a.tb[IFA_BROADCAST]);
	nlmsg_free(msg);
}

static void test_addr_del(void)
{
	struct vnet_prefix p = P("2001:db8::5/48");
	const struct ifaddrmsg *ifa;
	const struct nlmsghdr *nlh;
	struct vnet_error err = { "" };
	struct nl_msg *msg;
	struct parsed a;

	CU_ASSERT_EQUAL_FATAL(vnet_addr_build_request(false, 3, &p, 0, &msg, &err), 0);
	nlh = parse(msg, sizeof(*ifa), &a);
	CU_ASSERT_EQUAL(nlh->nlmsg_type, RTM_DELADDR);
	CU_ASSERT_FALSE(nlh->nlmsg_flags & NLM_F_CREATE);
	ifa = mnl_nlmsg_get_payload(nlh);
	CU_ASSERT_EQUAL(ifa->ifa_family, AF_INET6);
	CU_ASSERT_EQUAL(ifa->ifa_prefixlen, 48);
	CU_ASSERT_EQUAL(ifa->ifa_index, 3);
	assert_addr(a.tb[IFA_LOCAL], AF_INET6, "2001:db8::5");
	nlmsg_free(msg);
}

static void test_addr_refused(void)
{
	struct vnet_prefix p = P("192.0.2.1/24");
	struct vnet_error err = { "" };
	struct vnet_ctx *ctx;
	struct nl_msg *msg;

	p.len = 33;
	CU_ASSERT_EQUAL(vnet_addr_build_request(true, 1, &p, 0, &msg, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "address '192.0.2.1/33' has prefix length 33; IPv4 allows 0 to 32");
	CU_ASSERT_PTR_NULL(msg);
	p.family = 99;
	CU_ASSERT_EQUAL(vnet_addr_prefix_check("address", &p, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "address has address family 99; expected AF_INET (2) or AF_INET6 (10)");

	/* The public calls refuse before any netlink traffic (no root needed to see it). */
	CU_ASSERT_EQUAL_FATAL(vnet_ctx_new(&ctx, NULL, NULL), 0);
	p = P("0.0.0.0/8");
	CU_ASSERT_EQUAL(vnet_addr_add(ctx, "lo", &p), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "'0.0.0.0/8' is the unspecified address"));
	p = P("ff02::1/64");
	CU_ASSERT_EQUAL(vnet_addr_add(ctx, "lo", &p), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "'ff02::1/64' is multicast"));
	p = P("10.0.0.1/24");
	CU_ASSERT_EQUAL(vnet_addr_add(ctx, "averyveryverylongname", &p), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx),
			       "interface name 'averyveryverylongname' is 21 bytes; Linux allows at most 15");
	CU_ASSERT_EQUAL(vnet_addr_add_flags(ctx, "lo", &p, IFA_F_PERMANENT), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "include 0x80"));
	CU_ASSERT_EQUAL(vnet_addr_add(ctx, "lo", NULL), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "address is missing");
	{
		struct vnet_addr_entry *entries = (void *)1;
		size_t n = 5;

		CU_ASSERT_EQUAL(vnet_addr_list(ctx, NULL, AF_UNIX, &entries, &n), -EINVAL);
		CU_ASSERT_PTR_NULL(entries);
		CU_ASSERT_EQUAL(n, 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "address family 1 is not"));
	}
	vnet_ctx_unref(ctx);
}

static struct vnet_route R(const char *dst, const char *gw, const char *dev)
{
	struct vnet_route r;

	memset(&r, 0, sizeof(r));
	r.dst = P(dst);
	if (gw) {
		r.has_gateway = true;
		r.gateway = P(gw);
	}
	if (dev)
		snprintf(r.dev, sizeof(r.dev), "%s", dev);
	return r;
}

static void test_route_add_ipv4(void)
{
	struct vnet_route r = R("10.9.0.0/24", "192.0.2.1", "eth0");
	struct vnet_error err = { "" };
	const struct nlmsghdr *nlh;
	const struct rtmsg *rtm;
	struct nl_msg *msg;
	struct parsed a;

	r.metric = 300;
	r.has_prefsrc = true;
	r.prefsrc = P("192.0.2.7");
	CU_ASSERT_EQUAL(vnet_route_check(&r, true, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vnet_route_build_request(true, &r, 4, &msg, &err), 0);
	nlh = parse(msg, sizeof(*rtm), &a);
	CU_ASSERT_EQUAL(nlh->nlmsg_type, RTM_NEWROUTE);
	CU_ASSERT_EQUAL(nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_REPLACE | NLM_F_EXCL),
			NLM_F_CREATE | NLM_F_REPLACE);
	rtm = mnl_nlmsg_get_payload(nlh);
	CU_ASSERT_EQUAL(rtm->rtm_family, AF_INET);
	CU_ASSERT_EQUAL(rtm->rtm_dst_len, 24);
	CU_ASSERT_EQUAL(rtm->rtm_src_len, 0);
	CU_ASSERT_EQUAL(rtm->rtm_table, RT_TABLE_MAIN);
	CU_ASSERT_EQUAL(rtm->rtm_protocol, RTPROT_STATIC);
	CU_ASSERT_EQUAL(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
	CU_ASSERT_EQUAL(rtm->rtm_type, RTN_UNICAST);
	CU_ASSERT_EQUAL(rtm->rtm_flags, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a.tb[RTA_TABLE]);
	CU_ASSERT_EQUAL(mnl_attr_get_u32(a.tb[RTA_TABLE]), RT_TABLE_MAIN);
	assert_addr(a.tb[RTA_DST], AF_INET, "10.9.0.0");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a.tb[RTA_PRIORITY]);
	CU_ASSERT_EQUAL(mnl_attr_get_u32(a.tb[RTA_PRIORITY]), 300);
	assert_addr(a.tb[RTA_PREFSRC], AF_INET, "192.0.2.7");
	assert_addr(a.tb[RTA_GATEWAY], AF_INET, "192.0.2.1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a.tb[RTA_OIF]);
	CU_ASSERT_EQUAL(mnl_attr_get_u32(a.tb[RTA_OIF]), 4);
	CU_ASSERT_PTR_NULL(a.tb[RTA_MULTIPATH]);
	CU_ASSERT_EQUAL(a.count, 6);
	nlmsg_free(msg);
}

static void test_route_default_ipv6(void)
{
	struct vnet_route r = R("::/0", "fe80::1", "br0");
	struct vnet_error err = { "" };
	const struct nlmsghdr *nlh;
	const struct rtmsg *rtm;
	static const uint8_t zero[16];
	struct nl_msg *msg;
	struct parsed a;

	r.protocol = RTPROT_DHCP;
	r.table = 1000;
	r.onlink = true;
	CU_ASSERT_EQUAL(vnet_route_check(&r, true, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vnet_route_build_request(true, &r, 9, &msg, &err), 0);
	nlh = parse(msg, sizeof(*rtm), &a);
	rtm = mnl_nlmsg_get_payload(nlh);
	CU_ASSERT_EQUAL(rtm->rtm_family, AF_INET6);
	CU_ASSERT_EQUAL(rtm->rtm_dst_len, 0);
	CU_ASSERT_EQUAL(rtm->rtm_protocol, RTPROT_DHCP);
	CU_ASSERT_TRUE(rtm->rtm_flags & RTNH_F_ONLINK);
	/* Table 1000 does not fit the header byte: RTA_TABLE carries it. */
	CU_ASSERT_EQUAL(rtm->rtm_table, RT_TABLE_UNSPEC);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a.tb[RTA_TABLE]);
	CU_ASSERT_EQUAL(mnl_attr_get_u32(a.tb[RTA_TABLE]), 1000);
	/* ::/0 - either no RTA_DST or an all-zero one. */
	if (a.tb[RTA_DST]) {
		CU_ASSERT_EQUAL(mnl_attr_get_payload_len(a.tb[RTA_DST]), 16);
		CU_ASSERT_EQUAL(memcmp(mnl_attr_get_payload(a.tb[RTA_DST]), zero, 16), 0);
	}
	assert_addr(a.tb[RTA_GATEWAY], AF_INET6, "fe80::1");
	CU_ASSERT_EQUAL(mnl_attr_get_u32(a.tb[RTA_OIF]), 9);
	CU_ASSERT_EQUAL(mnl_attr_get_u32(a.tb[RTA_PRIORITY]), 0);
	nlmsg_free(msg);

	/* IPv4 default route, device only: link scope. */
	r = R("0.0.0.0/0", NULL, "eth1");
	CU_ASSERT_EQUAL(vnet_route_check(&r, true, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vnet_route_build_request(true, &r, 2, &msg, &err), 0);
	nlh = parse(msg, sizeof(*rtm), &a);
	rtm = mnl_nlmsg_get_payload(nlh);
	CU_ASSERT_EQUAL(rtm->rtm_family, AF_INET);
	CU_ASSERT_EQUAL(rtm->rtm_dst_len, 0);
	CU_ASSERT_EQUAL(rtm->rtm_scope, RT_SCOPE_LINK);
	CU_ASSERT_PTR_NULL(a.tb[RTA_GATEWAY]);
	CU_ASSERT_EQUAL(mnl_attr_get_u32(a.tb[RTA_OIF]), 2);
	nlmsg_free(msg);
}

static void test_route_del(void)
{
	struct vnet_route r = R("198.51.100.0/24", "192.0.2.1", NULL);
	struct vnet_error err = { "" };
	const struct nlmsghdr *nlh;
	const struct rtmsg *rtm;
	struct nl_msg *msg;
	struct parsed a;

	CU_ASSERT_EQUAL(vnet_route_check(&r, false, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vnet_route_build_request(false, &r, 0, &msg, &err), 0);
	nlh = parse(msg, sizeof(*rtm), &a);
	CU_ASSERT_EQUAL(nlh->nlmsg_type, RTM_DELROUTE);
	CU_ASSERT_FALSE(nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_REPLACE));
	rtm = mnl_nlmsg_get_payload(nlh);
	/* Zero means "any" for the kernel's match; scope "nowhere" matches every scope. */
	CU_ASSERT_EQUAL(rtm->rtm_protocol, 0);
	CU_ASSERT_EQUAL(rtm->rtm_scope, RT_SCOPE_NOWHERE);
	CU_ASSERT_EQUAL(rtm->rtm_table, RT_TABLE_MAIN);
	CU_ASSERT_EQUAL(rtm->rtm_dst_len, 24);
	assert_addr(a.tb[RTA_DST], AF_INET, "198.51.100.0");
	assert_addr(a.tb[RTA_GATEWAY], AF_INET, "192.0.2.1");
	CU_ASSERT_PTR_NULL(a.tb[RTA_OIF]);
	CU_ASSERT_EQUAL(mnl_attr_get_u32(a.tb[RTA_PRIORITY]), 0);
	nlmsg_free(msg);
}

static void test_route_refused(void)
{
	struct vnet_route r;
	struct vnet_error err = { "" };
	struct vnet_ctx *ctx;

	r = R("10.0.0.0/24", "2001:db8::1", "eth0");
	CU_ASSERT_EQUAL(vnet_route_check(&r, true, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg,
			       "route gateway '2001:db8::1' is IPv6 but the destination '10.0.0.0/24' is IPv4");
	r = R("10.0.0.0/24", "192.0.2.1", NULL);
	r.has_prefsrc = true;
	r.prefsrc = P("fd00::1");
	CU_ASSERT_EQUAL(vnet_route_check(&r, true, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "route source address 'fd00::1' is IPv6"));
	r = R("10.0.0.1/24", "192.0.2.1", NULL);
	CU_ASSERT_EQUAL(vnet_route_check(&r, true, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg,
			       "route destination '10.0.0.1/24' has host bits set; the network is 10.0.0.0/24");
	r = R("fd00::1/64", NULL, "eth0");
	CU_ASSERT_EQUAL(vnet_route_check(&r, true, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "the network is fd00::/64"));
	r = R("10.0.0.0/24", NULL, NULL);
	CU_ASSERT_EQUAL(vnet_route_check(&r, true, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "route to 10.0.0.0/24 needs a gateway or a device (dev)");
	/* Deleting by destination alone is fine. */
	CU_ASSERT_EQUAL(vnet_route_check(&r, false, &err), 0);
	r = R("10.0.0.0/24", NULL, "a/b");
	CU_ASSERT_EQUAL(vnet_route_check(&r, true, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "route device 'a/b' contains '/'"));
	r = R("10.0.0.0/24", NULL, "eth0");
	memset(r.dev, 'x', sizeof(r.dev));
	CU_ASSERT_EQUAL(vnet_route_check(&r, true, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "route device is not terminated"));
	r = R("10.0.0.0/24", "0.0.0.0", NULL);
	CU_ASSERT_EQUAL(vnet_route_check(&r, true, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "route gateway '0.0.0.0' is the unspecified address");
	r = R("10.0.0.0/24", NULL, "eth0");
	r.onlink = true;
	CU_ASSERT_EQUAL(vnet_route_check(&r, true, &err), -EINVAL);
	r = R("10.0.0.0/24", NULL, "eth0");
	r.dst.family = AF_UNIX;
	CU_ASSERT_EQUAL(vnet_route_check(&r, true, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "route destination has address family 1"));
	CU_ASSERT_EQUAL(vnet_route_check(NULL, true, &err), -EINVAL);

	/* Through the public call: refused before anything is sent. */
	CU_ASSERT_EQUAL_FATAL(vnet_ctx_new(&ctx, NULL, NULL), 0);
	r = R("10.0.0.0/24", "2001:db8::1", "lo");
	CU_ASSERT_EQUAL(vnet_route_add(ctx, &r), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "is IPv6 but the destination"));
	CU_ASSERT_EQUAL(vnet_route_del(ctx, &r), -EINVAL);
	vnet_ctx_unref(ctx);
}

/* An NLMSG_ERROR as the kernel sends it, optionally echoing a request of @echo bytes. */
static size_t build_error(void *buf, size_t len, int error, const char *text, size_t echo,
			  bool tlvs)
{
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;

	memset(buf, 0, len);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = 42;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e) + MNL_ALIGN(echo));
	e->error = error;
	e->msg.nlmsg_len = (uint32_t)(sizeof(struct nlmsghdr) + echo);
	e->msg.nlmsg_type = RTM_NEWROUTE;
	e->msg.nlmsg_seq = 42;
	if (!echo)
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	else
		memset((char *)(e + 1), 0xab, echo);    /* the echoed payload */
	if (tlvs) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 36);
	}
	return nlh->nlmsg_len;
}

static void test_error_callback(void)
{
	struct vnet_ctx ctx = { .netns_fd = -1 };
	struct vnet_nlroute_reply reply = { .ctx = &ctx };
	char buf[512];
	struct nlmsgerr *e = (struct nlmsgerr *)(buf + NLMSG_HDRLEN);

	/* Capped, with the kernel's text. */
	build_error(buf, sizeof(buf), -EINVAL, "Nexthop has invalid gateway", 0, true);
	CU_ASSERT_EQUAL(vnet_nlroute_error_cb(NULL, e, &reply), NL_STOP);
	CU_ASSERT_EQUAL(reply.error, -EINVAL);
	CU_ASSERT_STRING_EQUAL(ctx.err.msg, "Nexthop has invalid gateway");

	/* Not capped: the request comes back first and the TLVs follow it. */
	ctx.err.msg[0] = '\0';
	reply.error = 0;
	build_error(buf, sizeof(buf), -ENETUNREACH, "Network is unreachable here", 22, true);
	CU_ASSERT_EQUAL(vnet_nlroute_error_cb(NULL, e, &reply), NL_STOP);
	CU_ASSERT_EQUAL(reply.error, -ENETUNREACH);
	CU_ASSERT_STRING_EQUAL(ctx.err.msg, "Network is unreachable here");

	/* No extended ack: the errno alone, and no invented text. */
	ctx.err.msg[0] = '\0';
	reply.error = 0;
	build_error(buf, sizeof(buf), -EEXIST, "", 0, false);
	CU_ASSERT_EQUAL(vnet_nlroute_error_cb(NULL, e, &reply), NL_STOP);
	CU_ASSERT_EQUAL(reply.error, -EEXIST);
	CU_ASSERT_STRING_EQUAL(ctx.err.msg, "");

	/* vnet_nlroute_fail puts what was being done in front of the kernel's words. */
	snprintf(ctx.err.msg, sizeof(ctx.err.msg), "Nexthop has invalid gateway");
	CU_ASSERT_EQUAL(vnet_nlroute_fail(&ctx, -EINVAL, "adding route %s", "10.0.0.0/8"), -EINVAL);
	CU_ASSERT_STRING_EQUAL(ctx.err.msg, "adding route 10.0.0.0/8: Nexthop has invalid gateway");
	ctx.err.msg[0] = '\0';
	vnet_nlroute_fail(&ctx, -EPERM, "adding route %s", "10.0.0.0/8");
	CU_ASSERT_STRING_EQUAL(ctx.err.msg, "adding route 10.0.0.0/8: Operation not permitted");
}

static void test_nlerr_errno(void)
{
	CU_ASSERT_EQUAL(vnet_nlerr_errno(0), 0);
	CU_ASSERT_EQUAL(vnet_nlerr_errno(-NLE_EXIST), -EEXIST);
	CU_ASSERT_EQUAL(vnet_nlerr_errno(NLE_EXIST), -EEXIST);
	CU_ASSERT_EQUAL(vnet_nlerr_errno(-NLE_NOMEM), -ENOMEM);
	CU_ASSERT_EQUAL(vnet_nlerr_errno(-NLE_NOADDR), -EADDRNOTAVAIL);
	CU_ASSERT_EQUAL(vnet_nlerr_errno(-NLE_OBJ_NOTFOUND), -ENOENT);
	CU_ASSERT_EQUAL(vnet_nlerr_errno(-NLE_NODEV), -ENODEV);
	CU_ASSERT_EQUAL(vnet_nlerr_errno(-NLE_PERM), -EPERM);
	CU_ASSERT_EQUAL(vnet_nlerr_errno(-NLE_DUMP_INTR), -EAGAIN);
	CU_ASSERT_EQUAL(vnet_nlerr_errno(-10000), -EIO);
	/* Every code maps to some errno. */
	for (int i = 1; i <= NLE_MAX; i++)
		CU_ASSERT_TRUE(vnet_nlerr_errno(-i) < 0);
}

static void test_nladdr_roundtrip(void)
{
	struct vnet_prefix p = P("2001:db8:1::7/56"), q;
	struct nl_addr *a = vnet_prefix_nladdr(&p);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(nl_addr_get_prefixlen(a), 56);
	CU_ASSERT_EQUAL(vnet_nladdr_prefix(a, 56, &q), 0);
	CU_ASSERT_TRUE(vnet_prefix_equal(&p, &q));
	nl_addr_put(a);
}

static void test_sysctl_path(void)
{
	struct vnet_error err = { "" };
	char buf[128];

	CU_ASSERT_EQUAL(vnet_sysctl_path(VNET_SYSCTL_IPV4_FORWARD, NULL, buf, sizeof(buf), &err), 0);
	CU_ASSERT_STRING_EQUAL(buf, "/proc/sys/net/ipv4/ip_forward");
	CU_ASSERT_EQUAL(vnet_sysctl_path(VNET_SYSCTL_IPV4_FORWARD, "ignored", buf, sizeof(buf), &err), 0);
	CU_ASSERT_STRING_EQUAL(buf, "/proc/sys/net/ipv4/ip_forward");
	CU_ASSERT_EQUAL(vnet_sysctl_path(VNET_SYSCTL_IPV6_FORWARDING, "br0", buf, sizeof(buf), &err), 0);
	CU_ASSERT_STRING_EQUAL(buf, "/proc/sys/net/ipv6/conf/br0/forwarding");
	CU_ASSERT_EQUAL(vnet_sysctl_path(VNET_SYSCTL_IPV6_ACCEPT_RA, "all", buf, sizeof(buf), &err), 0);
	CU_ASSERT_STRING_EQUAL(buf, "/proc/sys/net/ipv6/conf/all/accept_ra");
	CU_ASSERT_EQUAL(vnet_sysctl_path(VNET_SYSCTL_IPV6_DISABLE, "default", buf, sizeof(buf), &err), 0);
	CU_ASSERT_STRING_EQUAL(buf, "/proc/sys/net/ipv6/conf/default/disable_ipv6");
	CU_ASSERT_EQUAL(vnet_sysctl_path(VNET_SYSCTL_IPV6_DISABLE, "abcdefghijklmno", buf, sizeof(buf),
					 &err), 0);
	CU_ASSERT_STRING_EQUAL(buf, "/proc/sys/net/ipv6/conf/abcdefghijklmno/disable_ipv6");

	CU_ASSERT_EQUAL(vnet_sysctl_path(VNET_SYSCTL_IPV6_FORWARDING, NULL, buf, sizeof(buf), &err),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg,
			       "net.ipv6.conf.IF.forwarding needs an interface name (or 'all' or 'default')");
	CU_ASSERT_EQUAL(vnet_sysctl_path(VNET_SYSCTL_IPV6_FORWARDING, "../../ipv4", buf, sizeof(buf),
					 &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "contains '/'"));
	CU_ASSERT_EQUAL(vnet_sysctl_path(VNET_SYSCTL_IPV6_FORWARDING, "..", buf, sizeof(buf), &err),
			-EINVAL);
	CU_ASSERT_EQUAL(vnet_sysctl_path(VNET_SYSCTL_IPV6_FORWARDING, "averyveryverylongname", buf,
					 sizeof(buf), &err), -EINVAL);
	CU_ASSERT_EQUAL(vnet_sysctl_path((enum vnet_sysctl)7, "br0", buf, sizeof(buf), &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "sysctl 7 is unknown; expected one of enum vnet_sysctl (0 to 3)");
	CU_ASSERT_EQUAL(vnet_sysctl_path(VNET_SYSCTL_IPV6_FORWARDING, "br0", buf, 20, &err),
			-ENAMETOOLONG);

	CU_ASSERT_EQUAL(vnet_sysctl_check_value(VNET_SYSCTL_IPV4_FORWARD, NULL, 1, &err), 0);
	CU_ASSERT_EQUAL(vnet_sysctl_check_value(VNET_SYSCTL_IPV4_FORWARD, NULL, 2, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "net.ipv4.ip_forward cannot be 2; it allows 0 or 1");
	CU_ASSERT_EQUAL(vnet_sysctl_check_value(VNET_SYSCTL_IPV6_ACCEPT_RA, "br0", 2, &err), 0);
	CU_ASSERT_EQUAL(vnet_sysctl_check_value(VNET_SYSCTL_IPV6_ACCEPT_RA, "br0", 3, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "net.ipv6.conf.br0.accept_ra cannot be 3; it allows 0, 1 or 2");
	CU_ASSERT_EQUAL(vnet_sysctl_check_value(VNET_SYSCTL_IPV6_DISABLE, "br0", -1, &err), -EINVAL);
}

/* The libnl socket is opened lazily, unprivileged dumps work, and it does not leak into children. */
static void test_socket(void)
{
	struct vnet_addr_entry *list = NULL;
	struct vnet_ctx *ctx;
	struct nl_sock *sk;
	size_t n;
	int flags;

	CU_ASSERT_EQUAL_FATAL(vnet_ctx_new(&ctx, NULL, NULL), 0);
	CU_ASSERT_PTR_NULL(ctx->nlroute);
	CU_ASSERT_EQUAL(vnet_addr_list(ctx, NULL, AF_UNSPEC, &list, &n), 0);
	free(list);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx->nlroute);
	CU_ASSERT_EQUAL(vnet_ctx_nlroute(ctx, &sk), 0);
	CU_ASSERT_PTR_EQUAL(sk, ctx->nlroute);
	flags = fcntl(nl_socket_get_fd(sk), F_GETFD);
	CU_ASSERT_TRUE(flags >= 0 && (flags & FD_CLOEXEC));
	vnet_ctx_unref(ctx);
}

static CU_TestInfo build_tests[] = {
	{ "IPv4 address add request", test_addr_add_ipv4 },
	{ "IPv6 address add request with flags", test_addr_add_ipv6_flags },
	{ "address delete request", test_addr_del },
	{ "bad addresses refused", test_addr_refused },
	{ "IPv4 route add request", test_route_add_ipv4 },
	{ "default routes", test_route_default_ipv6 },
	{ "route delete request", test_route_del },
	{ "bad routes refused", test_route_refused },
	{ "libnl address round trip", test_nladdr_roundtrip },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo error_tests[] = {
	{ "extended ack in the error callback", test_error_callback },
	{ "libnl codes to errno", test_nlerr_errno },
	{ "the libnl socket", test_socket },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo sysctl_tests[] = {
	{ "paths and values", test_sysctl_path },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "requests", NULL, NULL, NULL, NULL, build_tests },
	{ "errors", NULL, NULL, NULL, NULL, error_tests },
	{ "sysctl", NULL, NULL, NULL, NULL, sysctl_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return tl_run_suites(suites);
}
