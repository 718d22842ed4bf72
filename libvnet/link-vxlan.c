/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VXLAN devices. The remote is either one unicast peer or a multicast group;
 * several unicast peers are all-zero fdb entries (see fdb.c).
 */
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "link.h"

VNET_EXPORT void vnet_vxlan_spec_init(struct vnet_vxlan_spec *spec, const char *name, uint32_t vni)
{
	memset(spec, 0, sizeof(*spec));
	spec->name = name;
	spec->vni = vni;
	spec->ttl = -1;
}

static bool is_multicast(const struct vnet_prefix *p)
{
	if (p->family == AF_INET)
		return IN_MULTICAST(ntohl(p->addr.v4.s_addr));
	return p->addr.v6.s6_addr[0] == 0xff;
}

static int vxlan_check(const void *p, struct vnet_error *err)
{
	const struct vnet_vxlan_spec *spec = p;
	int r;

	r = vnet_ifname_check("vxlan name", spec->name, err);
	if (r < 0)
		return r;
	if (spec->vni > VNET_VXLAN_VNI_MAX)
		return vnet_error_set(err, -EINVAL, "vxlan vni %u is out of range; allowed 0..%u",
				      spec->vni, VNET_VXLAN_VNI_MAX);
	if (spec->has_local && spec->local.family != AF_INET && spec->local.family != AF_INET6)
		return vnet_error_set(err, -EINVAL, "vxlan local address family %d is not IPv4 or IPv6",
				      spec->local.family);
	if (spec->has_remote && spec->remote.family != AF_INET && spec->remote.family != AF_INET6)
		return vnet_error_set(err, -EINVAL, "vxlan remote address family %d is not IPv4 or IPv6",
				      spec->remote.family);
	if (spec->has_local && spec->has_remote && spec->local.family != spec->remote.family)
		return vnet_error_set(err, -EINVAL,
				      "vxlan local and remote addresses must be of one family (IPv4 or IPv6)");
	if (spec->has_remote && is_multicast(&spec->remote) && !spec->dev)
		return vnet_error_set(err, -EINVAL,
				      "vxlan remote is a multicast group; it needs an underlay dev");
	if (spec->dev) {
		r = vnet_ifname_check("vxlan dev", spec->dev, err);
		if (r < 0)
			return r;
	}
	if (spec->ttl != -1 && (spec->ttl < 1 || spec->ttl > 255))
		return vnet_error_set(err, -EINVAL,
				      "vxlan ttl %d is out of range; allowed 1..255 or -1 (inherit)",
				      spec->ttl);
	return vnet_mtu_check("vxlan mtu", spec->mtu, err);
}

static void put_addr(struct vnet_msg *m, uint16_t type4, uint16_t type6, const struct vnet_prefix *p)
{
	if (p->family == AF_INET)
		vnet_msg_put(m, type4, sizeof(p->addr.v4), &p->addr.v4);
	else
		vnet_msg_put(m, type6, sizeof(p->addr.v6), &p->addr.v6);
}

static void vxlan_fill(struct vnet_msg *m, const void *p, const struct vnet_link_refs *refs,
		       bool create)
{
	const struct vnet_vxlan_spec *spec = p;

	vnet_msg_put_u32(m, IFLA_VXLAN_ID, spec->vni);
	if (spec->has_local)
		put_addr(m, IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6, &spec->local);
	if (spec->has_remote)
		put_addr(m, IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6, &spec->remote);
	if (refs && refs->dev_ifindex)
		vnet_msg_put_u32(m, IFLA_VXLAN_LINK, (uint32_t)refs->dev_ifindex);
	vnet_msg_put_u16(m, IFLA_VXLAN_PORT, htons(spec->dstport ? spec->dstport : VNET_VXLAN_PORT));
	if (spec->learning != VNET_UNSET)
		vnet_msg_put_u8(m, IFLA_VXLAN_LEARNING, spec->learning == VNET_ON);
	if (spec->ttl != -1)
		vnet_msg_put_u8(m, IFLA_VXLAN_TTL, (uint8_t)spec->ttl);
}

static bool get_addr(const struct nlattr *a, int family, struct vnet_prefix *p)
{
	size_t n = family == AF_INET ? 4 : 16;

	if (!a || mnl_attr_get_payload_len(a) != n)
		return false;
	memset(p, 0, sizeof(*p));
	p->family = family;
	p->len = (uint8_t)(n * 8);
	memcpy(p->addr.bytes, mnl_attr_get_payload(a), n);
	return true;
}

static void vxlan_parse(const struct nlattr *data, struct vnet_link_info *info)
{
	const struct nlattr *tb[IFLA_VXLAN_MAX + 1];
	uint32_t v;
	uint16_t port;
	uint8_t b;

	vnet_attr_parse_nested(data, tb, IFLA_VXLAN_MAX);
	vnet_attr_u32(tb[IFLA_VXLAN_ID], &info->u.vxlan.vni);
	info->u.vxlan.has_local = get_addr(tb[IFLA_VXLAN_LOCAL], AF_INET, &info->u.vxlan.local) ||
				  get_addr(tb[IFLA_VXLAN_LOCAL6], AF_INET6, &info->u.vxlan.local);
	info->u.vxlan.has_remote = get_addr(tb[IFLA_VXLAN_GROUP], AF_INET, &info->u.vxlan.remote) ||
				   get_addr(tb[IFLA_VXLAN_GROUP6], AF_INET6, &info->u.vxlan.remote);
	if (vnet_attr_u32(tb[IFLA_VXLAN_LINK], &v))
		info->u.vxlan.dev_ifindex = (int)v;
	if (vnet_attr_u16(tb[IFLA_VXLAN_PORT], &port))
		info->u.vxlan.dstport = ntohs(port);
	if (vnet_attr_u8(tb[IFLA_VXLAN_LEARNING], &b))
		info->u.vxlan.learning = b;
	if (vnet_attr_u8(tb[IFLA_VXLAN_TTL], &b))
		info->u.vxlan.ttl = b;
}

const struct vnet_link_ops vnet_vxlan_ops = {
	.kind = "vxlan",
	.type = VNET_LINK_VXLAN,
	.check = vxlan_check,
	.fill_info_data = vxlan_fill,
	.parse_info_data = vxlan_parse,
};

int vnet_vxlan_build_newlink(void *buf, size_t len, const struct vnet_vxlan_spec *spec,
			     int dev_ifindex, int ifindex, struct vnet_error *err)
{
	struct vnet_link_refs refs = { .dev_ifindex = dev_ifindex, .peer_netns_fd = -1 };
	int r;

	r = vxlan_check(spec, err);
	if (r < 0)
		return r;
	return vnet_link_build_newlink(buf, len, &vnet_vxlan_ops, spec->name, ifindex, NULL,
				       spec->mtu, spec, &refs);
}

static bool addr_differs(bool want, const struct vnet_prefix *w, bool have,
			 const struct vnet_prefix *h)
{
	size_t n = w->family == AF_INET ? 4 : 16;

	if (!want)
		return false;
	return !have || w->family != h->family || memcmp(w->addr.bytes, h->addr.bytes, n);
}

static bool vxlan_differs(const struct vnet_vxlan_spec *spec, int dev,
			  const struct vnet_link_info *info)
{
	return spec->vni != info->u.vxlan.vni ||
	       addr_differs(spec->has_local, &spec->local, info->u.vxlan.has_local,
			    &info->u.vxlan.local) ||
	       addr_differs(spec->has_remote, &spec->remote, info->u.vxlan.has_remote,
			    &info->u.vxlan.remote) ||
	       (dev && dev != info->u.vxlan.dev_ifindex) ||
	       (spec->dstport ? spec->dstport : VNET_VXLAN_PORT) != info->u.vxlan.dstport ||
	       (spec->learning != VNET_UNSET && (spec->learning == VNET_ON) != info->u.vxlan.learning) ||
	       (spec->ttl != -1 && spec->ttl != info->u.vxlan.ttl) ||
	       (spec->mtu && spec->mtu != info->mtu);
}

VNET_EXPORT int vnet_vxlan_ensure(struct vnet_ctx *ctx, const struct vnet_vxlan_spec *spec)
{
	struct vnet_link_info info;
	char buf[1024];
	int dev = 0, r;

	vnet_ctx_clear_error(ctx);
	r = vxlan_check(spec, &ctx->err);
	if (r < 0)
		return r;
	if (spec->dev) {
		dev = vnet_link_ifindex(ctx, spec->dev);
		if (dev == -ENODEV)
			return vnet_ctx_fail(ctx, dev, "vxlan dev '%s' does not exist", spec->dev);
		if (dev < 0)
			return dev;
	}
	r = vnet_vxlan_build_newlink(buf, sizeof(buf), spec, dev, 0, &ctx->err);
	if (r < 0)
		return r;
	r = vnet_link_talk(ctx, buf);
	if (r != -EEXIST) {
		if (r < 0)
			return vnet_link_create_failed(ctx, r, "vxlan", spec->name);
		return 0;
	}

	ctx->err.msg[0] = '\0';
	r = vnet_link_query(ctx, spec->name, &info);
	if (r < 0)
		return vnet_ctx_fail_errno(ctx, r, "reading vxlan '%s'", spec->name);
	r = vnet_link_expect_kind(ctx, &info, VNET_LINK_VXLAN);
	if (r < 0)
		return r;
	if (!vxlan_differs(spec, dev, &info))
		return 0;
	/* The kernel refuses what cannot change in place (VNI, port) in its own words. */
	r = vnet_vxlan_build_newlink(buf, sizeof(buf), spec, dev, info.ifindex, &ctx->err);
	if (r < 0)
		return r;
	r = vnet_link_talk(ctx, buf);
	if (r < 0)
		return vnet_ctx_fail_errno(ctx, r, "changing vxlan '%s'", spec->name);
	return 0;
}
