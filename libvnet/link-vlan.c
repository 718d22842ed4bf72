/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* 802.1Q / 802.1ad VLAN sub-interfaces of a parent link. */
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "link.h"

#define VLAN_ID_MAX 4094

VNET_EXPORT void vnet_vlan_spec_init(struct vnet_vlan_spec *spec, const char *name,
				     const char *parent, uint16_t id)
{
	memset(spec, 0, sizeof(*spec));
	spec->name = name;
	spec->parent = parent;
	spec->id = id;
	spec->proto = VNET_VLAN_8021Q;
}

static int vlan_check(const void *p, struct vnet_error *err)
{
	const struct vnet_vlan_spec *spec = p;
	int r;

	r = vnet_ifname_check("vlan name", spec->name, err);
	if (r < 0)
		return r;
	r = vnet_ifname_check("vlan parent", spec->parent, err);
	if (r < 0)
		return r;
	/* 0 means "priority tag only" and 4095 is reserved. */
	if (spec->id < 1 || spec->id > VLAN_ID_MAX)
		return vnet_error_set(err, -EINVAL, "vlan id %u is out of range; allowed 1..%u",
				      spec->id, VLAN_ID_MAX);
	if (spec->proto != VNET_VLAN_8021Q && spec->proto != VNET_VLAN_8021AD)
		return vnet_error_set(err, -EINVAL,
				      "vlan proto %d is unknown; allowed 802.1Q (%d) or 802.1ad (%d)",
				      (int)spec->proto, VNET_VLAN_8021Q, VNET_VLAN_8021AD);
	return vnet_mtu_check("vlan mtu", spec->mtu, err);
}

static void vlan_fill(struct vnet_msg *m, const void *p, const struct vnet_link_refs *refs,
		      bool create)
{
	const struct vnet_vlan_spec *spec = p;
	uint16_t proto = htons(spec->proto == VNET_VLAN_8021AD ? ETH_P_8021AD : ETH_P_8021Q);

	vnet_msg_put_u16(m, IFLA_VLAN_ID, spec->id);
	vnet_msg_put_u16(m, IFLA_VLAN_PROTOCOL, proto);
}

static void vlan_parse(const struct nlattr *data, struct vnet_link_info *info)
{
	const struct nlattr *tb[IFLA_VLAN_MAX + 1];
	uint16_t v;

	vnet_attr_parse_nested(data, tb, IFLA_VLAN_MAX);
	if (vnet_attr_u16(tb[IFLA_VLAN_ID], &v))
		info->u.vlan.id = v;
	if (vnet_attr_u16(tb[IFLA_VLAN_PROTOCOL], &v))
		info->u.vlan.proto = ntohs(v) == ETH_P_8021AD ? VNET_VLAN_8021AD : VNET_VLAN_8021Q;
}

const struct vnet_link_ops vnet_vlan_ops = {
	.kind = "vlan",
	.type = VNET_LINK_VLAN,
	.check = vlan_check,
	.fill_info_data = vlan_fill,
	.parse_info_data = vlan_parse,
};

int vnet_vlan_build_newlink(void *buf, size_t len, const struct vnet_vlan_spec *spec,
			    int parent_ifindex, int ifindex, struct vnet_error *err)
{
	struct vnet_link_refs refs = { .link_ifindex = parent_ifindex, .peer_netns_fd = -1 };
	int r;

	r = vlan_check(spec, err);
	if (r < 0)
		return r;
	return vnet_link_build_newlink(buf, len, &vnet_vlan_ops, spec->name, ifindex, NULL,
				       spec->mtu, spec, &refs);
}

VNET_EXPORT int vnet_vlan_ensure(struct vnet_ctx *ctx, const struct vnet_vlan_spec *spec)
{
	struct vnet_link_info info;
	char buf[512];
	int parent, r;

	vnet_ctx_clear_error(ctx);
	r = vlan_check(spec, &ctx->err);
	if (r < 0)
		return r;
	parent = vnet_link_ifindex(ctx, spec->parent);
	if (parent == -ENODEV)
		return vnet_ctx_fail(ctx, parent, "vlan parent '%s' does not exist", spec->parent);
	if (parent < 0)
		return parent;
	r = vnet_vlan_build_newlink(buf, sizeof(buf), spec, parent, 0, &ctx->err);
	if (r < 0)
		return r;
	r = vnet_link_talk(ctx, buf);
	if (r != -EEXIST) {
		if (r < 0)
			return vnet_link_create_failed(ctx, r, "vlan", spec->name);
		return 0;
	}

	ctx->err.msg[0] = '\0';
	r = vnet_link_query(ctx, spec->name, &info);
	if (r < 0)
		return vnet_ctx_fail_errno(ctx, r, "reading vlan '%s'", spec->name);
	r = vnet_link_expect_kind(ctx, &info, VNET_LINK_VLAN);
	if (r < 0)
		return r;
	/* Parent, id and protocol are fixed for a vlan's life. */
	if (info.link_ifindex != parent || info.u.vlan.id != spec->id ||
	    info.u.vlan.proto != spec->proto)
		return vnet_ctx_fail(ctx, -EEXIST,
				     "vlan '%s' exists with id %u on ifindex %d; id %u on '%s' asked for: delete it first",
				     spec->name, info.u.vlan.id, info.link_ifindex, spec->id,
				     spec->parent);
	if (!spec->mtu || spec->mtu == info.mtu)
		return 0;
	r = vnet_link_build_change(buf, sizeof(buf), info.ifindex, NULL, spec->mtu);
	if (r == 0)
		r = vnet_link_talk(ctx, buf);
	if (r < 0)
		return vnet_ctx_fail_errno(ctx, r, "changing vlan '%s'", spec->name);
	return 0;
}
