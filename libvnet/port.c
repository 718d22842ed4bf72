/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bridge ports: enslave, release, and per-port flags. */
#include <string.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "link.h"
#include "nl.h"

/* RTM_NEWLINK setting IFLA_MASTER (0 releases). */
static int set_master(struct vnet_ctx *ctx, int ifindex, int master)
{
	char buf[128];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	nlh = vnet_nl_msg_start(buf, sizeof(buf), RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	return vnet_link_talk(ctx, nlh);
}

static int query_existing(struct vnet_ctx *ctx, const char *what, const char *name,
			  struct vnet_link_info *info)
{
	int r;

	r = vnet_ifname_check(what, name, &ctx->err);
	if (r < 0)
		return r;
	r = vnet_link_query(ctx, name, info);
	if (r == -ENODEV)
		return vnet_ctx_fail(ctx, r, "%s '%s' does not exist", what, name);
	return r;
}

VNET_EXPORT int vnet_port_enslave(struct vnet_ctx *ctx, const char *port, const char *bridge)
{
	struct vnet_link_info p, br;
	int r;

	vnet_ctx_clear_error(ctx);
	r = vnet_ifname_check("port", port, &ctx->err);
	if (r < 0)
		return r;
	r = query_existing(ctx, "bridge", bridge, &br);
	if (r < 0)
		return r;
	if (br.kind != VNET_LINK_BRIDGE)
		return vnet_ctx_fail(ctx, -ENOTTY, "link '%s' is a %s, not a bridge", bridge,
				     vnet_link_info_kind(&br));
	r = query_existing(ctx, "port", port, &p);
	if (r < 0)
		return r;
	if (p.master_ifindex == br.ifindex)
		return 0;
	r = set_master(ctx, p.ifindex, br.ifindex);
	if (r < 0)
		return vnet_ctx_fail_errno(ctx, r, "adding port '%s' to bridge '%s'", port, bridge);
	return 0;
}

VNET_EXPORT int vnet_port_release(struct vnet_ctx *ctx, const char *port)
{
	struct vnet_link_info p;
	int r;

	vnet_ctx_clear_error(ctx);
	r = query_existing(ctx, "port", port, &p);
	if (r < 0)
		return r;
	if (!p.master_ifindex)
		return 0;
	r = set_master(ctx, p.ifindex, 0);
	if (r < 0)
		return vnet_ctx_fail_errno(ctx, r, "releasing port '%s'", port);
	return 0;
}

static void put_flag(struct vnet_msg *m, uint16_t type, enum vnet_tristate v)
{
	if (v != VNET_UNSET)
		vnet_msg_put_u8(m, type, v == VNET_ON);
}

int vnet_port_build_flags(void *buf, size_t len, int ifindex, const struct vnet_port_flags *flags)
{
	struct vnet_msg m = { .size = len };
	struct ifinfomsg *ifi;
	struct nlattr *nest;

	if (len < mnl_nlmsg_size(sizeof(*ifi)))
		return -EMSGSIZE;
	m.nlh = vnet_nl_msg_start(buf, len, RTM_SETLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(m.nlh, sizeof(*ifi));
	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = ifindex;
	nest = vnet_msg_nest_start(&m, IFLA_PROTINFO | NLA_F_NESTED);
	put_flag(&m, IFLA_BRPORT_ISOLATED, flags->isolated);
	put_flag(&m, IFLA_BRPORT_LEARNING, flags->learning);
	put_flag(&m, IFLA_BRPORT_MODE, flags->hairpin);
	vnet_msg_nest_end(&m, nest);
	return m.full ? -EMSGSIZE : 0;
}

static bool flag_differs(enum vnet_tristate want, bool have)
{
	return want != VNET_UNSET && (want == VNET_ON) != have;
}

VNET_EXPORT int vnet_port_set_flags(struct vnet_ctx *ctx, const char *port,
				    const struct vnet_port_flags *flags)
{
	const enum vnet_tristate *f[] = { &flags->isolated, &flags->learning, &flags->hairpin };
	static const char *const names[] = { "isolated", "learning", "hairpin" };
	struct vnet_link_info p;
	char buf[256];
	int r;

	vnet_ctx_clear_error(ctx);
	for (size_t i = 0; i < VNET_ARRAY_SIZE(f); i++)
		if (*f[i] != VNET_UNSET && *f[i] != VNET_OFF && *f[i] != VNET_ON)
			return vnet_ctx_fail(ctx, -EINVAL,
					     "port flag %s %d is not one of unset (0), off (1), on (2)",
					     names[i], (int)*f[i]);
	r = query_existing(ctx, "port", port, &p);
	if (r < 0)
		return r;
	if (!p.is_bridge_port)
		return vnet_ctx_fail(ctx, -ENOTCONN, "link '%s' is not a bridge port", port);
	if (!flag_differs(flags->isolated, p.port.isolated) &&
	    !flag_differs(flags->learning, p.port.learning) &&
	    !flag_differs(flags->hairpin, p.port.hairpin))
		return 0;
	r = vnet_port_build_flags(buf, sizeof(buf), p.ifindex, flags);
	if (r == 0)
		r = vnet_link_talk(ctx, buf);
	if (r < 0)
		return vnet_ctx_fail_errno(ctx, r, "setting flags of port '%s'", port);
	return 0;
}
