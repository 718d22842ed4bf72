/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Links of any kind: look up, read back, list, delete, up/down, MTU. */
#include <string.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "link.h"
#include "nl.h"

static int ifindex_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	*(int *)data = ifi->ifi_index;
	return MNL_CB_OK;
}

int vnet_link_ifindex(struct vnet_ctx *ctx, const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int ifindex = 0, r;

	r = vnet_ifname_check("interface name", name, &ctx->err);
	if (r < 0)
		return r;
	nlh = vnet_nl_msg_start(buf, sizeof(buf), RTM_GETLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = vnet_nl_talk(ctx, &ctx->rtnl, nlh, ifindex_cb, &ifindex);
	if (r == -ENODEV) {
		ctx->err.msg[0] = '\0';
		return vnet_ctx_fail(ctx, -ENODEV, "interface '%s' does not exist", name);
	}
	if (r < 0)
		return r;
	return ifindex;
}
