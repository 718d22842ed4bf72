/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bridges. A bridge always gets a fixed MAC (given, or derived from its
 * name): without one it takes its lowest port's address, which changes as
 * ports come and go.
 */
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "link.h"

/* Bridge timers are clock_t in USER_HZ (100) ticks on the wire. */
#define USER_HZ 100
#define BR_FORWARD_DELAY_MAX_MS 30000
#define BR_FORWARD_DELAY_STP_MIN_MS 2000
#define BR_AGEING_TIME_MAX_S 1000000

VNET_EXPORT void vnet_bridge_spec_init(struct vnet_bridge_spec *spec, const char *name)
{
	memset(spec, 0, sizeof(*spec));
	spec->name = name;
	spec->forward_delay_ms = -1;
	spec->ageing_time_s = -1;
}

static int bridge_check(const void *p, struct vnet_error *err)
{
	const struct vnet_bridge_spec *spec = p;
	int r;

	r = vnet_ifname_check("bridge name", spec->name, err);
	if (r < 0)
		return r;
	if (spec->has_mac) {
		r = vnet_mac_check_unicast("bridge mac", spec->mac, err);
		if (r < 0)
			return r;
	}
	r = vnet_mtu_check("bridge mtu", spec->mtu, err);
	if (r < 0)
		return r;
	if (spec->forward_delay_ms != -1) {
		int min = spec->stp == VNET_ON ? BR_FORWARD_DELAY_STP_MIN_MS : 0;

		if (spec->forward_delay_ms < min || spec->forward_delay_ms > BR_FORWARD_DELAY_MAX_MS)
			return vnet_error_set(err, -EINVAL,
					      "bridge forward_delay_ms %d is out of range; allowed %d..%d%s",
					      spec->forward_delay_ms, min, BR_FORWARD_DELAY_MAX_MS,
					      spec->stp == VNET_ON ? " with STP" : "");
	}
	if (spec->ageing_time_s != -1 &&
	    (spec->ageing_time_s < 0 || spec->ageing_time_s > BR_AGEING_TIME_MAX_S))
		return vnet_error_set(err, -EINVAL,
				      "bridge ageing_time_s %d is out of range; allowed 0..%d",
				      spec->ageing_time_s, BR_AGEING_TIME_MAX_S);
	return 0;
}

static void bridge_fill(struct vnet_msg *m, const void *p, const struct vnet_link_refs *refs,
			bool create)
{
	const struct vnet_bridge_spec *spec = p;

	/* USER_HZ ticks: 10 ms each for the delay, 1/100 s for ageing. */
	if (spec->forward_delay_ms != -1)
		vnet_msg_put_u32(m, IFLA_BR_FORWARD_DELAY,
				 (uint32_t)spec->forward_delay_ms / (1000 / USER_HZ));
	if (spec->ageing_time_s != -1)
		vnet_msg_put_u32(m, IFLA_BR_AGEING_TIME, (uint32_t)spec->ageing_time_s * USER_HZ);
	if (spec->stp != VNET_UNSET)
		vnet_msg_put_u32(m, IFLA_BR_STP_STATE, spec->stp == VNET_ON);
	if (spec->vlan_filtering != VNET_UNSET)
		vnet_msg_put_u8(m, IFLA_BR_VLAN_FILTERING, spec->vlan_filtering == VNET_ON);
}

static void bridge_parse(const struct nlattr *data, struct vnet_link_info *info)
{
	const struct nlattr *tb[IFLA_BR_MAX + 1];
	uint32_t v;
	uint8_t b;

	vnet_attr_parse_nested(data, tb, IFLA_BR_MAX);
	if (vnet_attr_u32(tb[IFLA_BR_STP_STATE], &v))
		info->u.bridge.stp = v != 0;
	if (vnet_attr_u32(tb[IFLA_BR_FORWARD_DELAY], &v))
		info->u.bridge.forward_delay_ms = v * (1000 / USER_HZ);
	if (vnet_attr_u32(tb[IFLA_BR_AGEING_TIME], &v))
		info->u.bridge.ageing_time_s = v / USER_HZ;
	if (vnet_attr_u8(tb[IFLA_BR_VLAN_FILTERING], &b))
		info->u.bridge.vlan_filtering = b;
}

const struct vnet_link_ops vnet_bridge_ops = {
	.kind = "bridge",
	.type = VNET_LINK_BRIDGE,
	.check = bridge_check,
	.fill_info_data = bridge_fill,
	.parse_info_data = bridge_parse,
};

static void bridge_mac(const struct vnet_bridge_spec *spec, uint8_t mac[VNET_ETH_ALEN])
{
	if (spec->has_mac)
		memcpy(mac, spec->mac, VNET_ETH_ALEN);
	else
		vnet_mac_from_name(spec->name, mac);
}

int vnet_bridge_build_newlink(void *buf, size_t len, const struct vnet_bridge_spec *spec,
			      int ifindex, struct vnet_error *err)
{
	uint8_t mac[VNET_ETH_ALEN];
	int r;

	r = bridge_check(spec, err);
	if (r < 0)
		return r;
	bridge_mac(spec, mac);
	return vnet_link_build_newlink(buf, len, &vnet_bridge_ops, spec->name, ifindex, mac,
				       spec->mtu, spec, NULL);
}

static bool tristate_differs(enum vnet_tristate want, bool have)
{
	return want != VNET_UNSET && (want == VNET_ON) != have;
}

static bool bridge_differs(const struct vnet_bridge_spec *spec, const struct vnet_link_info *info)
{
	uint8_t mac[VNET_ETH_ALEN];

	bridge_mac(spec, mac);
	return memcmp(mac, info->mac, VNET_ETH_ALEN) ||
	       (spec->mtu && spec->mtu != info->mtu) ||
	       tristate_differs(spec->stp, info->u.bridge.stp) ||
	       tristate_differs(spec->vlan_filtering, info->u.bridge.vlan_filtering) ||
	       (spec->forward_delay_ms != -1 &&
		(uint32_t)spec->forward_delay_ms / 10 * 10 != info->u.bridge.forward_delay_ms) ||
	       (spec->ageing_time_s != -1 &&
		(uint32_t)spec->ageing_time_s != info->u.bridge.ageing_time_s);
}

/* Kernels without CONFIG_BRIDGE_VLAN_FILTERING refuse the attribute with a bare EOPNOTSUPP. */
static int bridge_failed(struct vnet_ctx *ctx, int r, const struct vnet_bridge_spec *spec,
			 const char *what)
{
	char kernel[sizeof(ctx->err.msg)];

	if (r == -EOPNOTSUPP && spec->vlan_filtering == VNET_ON &&
	    !strstr(ctx->err.msg, "Unknown device type")) {
		snprintf(kernel, sizeof(kernel), "%s", ctx->err.msg[0] ? ctx->err.msg : strerror(-r));
		return vnet_ctx_fail(ctx, r,
				     "%s bridge '%s' with vlan_filtering on: this kernel has no bridge VLAN filtering (%s)",
				     what, spec->name, kernel);
	}
	if (!strcmp(what, "cannot create"))
		return vnet_link_create_failed(ctx, r, "bridge", spec->name);
	return vnet_ctx_fail_errno(ctx, r, "changing bridge '%s'", spec->name);
}

VNET_EXPORT int vnet_bridge_ensure(struct vnet_ctx *ctx, const struct vnet_bridge_spec *spec)
{
	char buf[1024];
	struct vnet_link_info info;
	int r;

	vnet_ctx_clear_error(ctx);
	r = vnet_bridge_build_newlink(buf, sizeof(buf), spec, 0, &ctx->err);
	if (r < 0)
		return r;
	r = vnet_link_talk(ctx, buf);
	if (r != -EEXIST) {
		if (r < 0)
			return bridge_failed(ctx, r, spec, "cannot create");
		return 0;
	}

	ctx->err.msg[0] = '\0';
	r = vnet_link_query(ctx, spec->name, &info);
	if (r < 0)
		return vnet_ctx_fail_errno(ctx, r, "reading bridge '%s'", spec->name);
	r = vnet_link_expect_kind(ctx, &info, VNET_LINK_BRIDGE);
	if (r < 0)
		return r;
	if (!bridge_differs(spec, &info))
		return 0;
	r = vnet_bridge_build_newlink(buf, sizeof(buf), spec, info.ifindex, &ctx->err);
	if (r < 0)
		return r;
	r = vnet_link_talk(ctx, buf);
	if (r < 0)
		return bridge_failed(ctx, r, spec, "cannot change");
	return 0;
}
