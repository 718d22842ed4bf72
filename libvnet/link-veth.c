/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* veth pairs; the peer may be created straight into another namespace. */
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "link.h"

VNET_EXPORT void vnet_veth_spec_init(struct vnet_veth_spec *spec, const char *name,
				     const char *peer)
{
	memset(spec, 0, sizeof(*spec));
	spec->name = name;
	spec->peer = peer;
}

static int veth_check(const void *p, struct vnet_error *err)
{
	const struct vnet_veth_spec *spec = p;
	int r;

	r = vnet_ifname_check("veth name", spec->name, err);
	if (r < 0)
		return r;
	r = vnet_ifname_check("veth peer name", spec->peer, err);
	if (r < 0)
		return r;
	if (!spec->peer_netns && !strcmp(spec->name, spec->peer))
		return vnet_error_set(err, -EINVAL,
				      "veth peer name '%s' is the veth's own name; both ends live in one namespace",
				      spec->peer);
	if (spec->has_mac) {
		r = vnet_mac_check_unicast("veth mac", spec->mac, err);
		if (r < 0)
			return r;
	}
	if (spec->has_peer_mac) {
		r = vnet_mac_check_unicast("veth peer mac", spec->peer_mac, err);
		if (r < 0)
			return r;
	}
	return vnet_mtu_check("veth mtu", spec->mtu, err);
}

static void veth_fill(struct vnet_msg *m, const void *p, const struct vnet_link_refs *refs,
		      bool create)
{
	const struct vnet_veth_spec *spec = p;
	struct ifinfomsg peer_ifi = { .ifi_family = AF_UNSPEC };
	struct nlattr *peer;

	if (!create)
		return;
	/* VETH_INFO_PEER holds an ifinfomsg followed by the peer's own IFLA_*. */
	peer = vnet_msg_nest_start(m, VETH_INFO_PEER);
	if (!peer)
		return;
	if (m->nlh->nlmsg_len + MNL_ALIGN(sizeof(peer_ifi)) > m->size) {
		m->full = true;
		return;
	}
	memcpy(mnl_nlmsg_get_payload_tail(m->nlh), &peer_ifi, sizeof(peer_ifi));
	m->nlh->nlmsg_len += MNL_ALIGN(sizeof(peer_ifi));
	vnet_msg_put_strz(m, IFLA_IFNAME, spec->peer);
	if (spec->has_peer_mac)
		vnet_msg_put(m, IFLA_ADDRESS, VNET_ETH_ALEN, spec->peer_mac);
	if (spec->mtu)
		vnet_msg_put_u32(m, IFLA_MTU, spec->mtu);
	if (refs && refs->peer_netns_fd >= 0)
		vnet_msg_put_u32(m, IFLA_NET_NS_FD, (uint32_t)refs->peer_netns_fd);
	vnet_msg_nest_end(m, peer);
}

const struct vnet_link_ops vnet_veth_ops = {
	.kind = "veth",
	.type = VNET_LINK_VETH,
	.check = veth_check,
	.fill_info_data = veth_fill,
};

int vnet_veth_build_newlink(void *buf, size_t len, const struct vnet_veth_spec *spec,
			    int peer_netns_fd, struct vnet_error *err)
{
	struct vnet_link_refs refs = { .peer_netns_fd = peer_netns_fd };
	int r;

	r = veth_check(spec, err);
	if (r < 0)
		return r;
	return vnet_link_build_newlink(buf, len, &vnet_veth_ops, spec->name, 0,
				       spec->has_mac ? spec->mac : NULL, spec->mtu, spec, &refs);
}

/* Bring one end's MAC/MTU in line; @ctx is the end's namespace. */
static int veth_end_apply(struct vnet_ctx *ctx, const struct vnet_link_info *info,
			  const uint8_t *want_mac, uint32_t mtu)
{
	const uint8_t *mac = NULL;
	char buf[256];
	int r;

	if (want_mac && memcmp(want_mac, info->mac, VNET_ETH_ALEN))
		mac = want_mac;
	if (mtu == info->mtu)
		mtu = 0;
	if (!mac && !mtu)
		return 0;
	r = vnet_link_build_change(buf, sizeof(buf), info->ifindex, mac, mtu);
	if (r == 0)
		r = vnet_link_talk(ctx, buf);
	if (r < 0)
		return vnet_ctx_fail_errno(ctx, r, "changing veth '%s'", info->name);
	return 0;
}

/* The pair exists: check its peer is the one asked for, then fix MACs and MTUs. */
static int veth_update(struct vnet_ctx *ctx, const struct vnet_veth_spec *spec)
{
	struct vnet_ctx *pctx = ctx;
	struct vnet_link_info info, peer;
	int r;

	r = vnet_link_query(ctx, spec->name, &info);
	if (r == -ENODEV)
		return vnet_ctx_fail(ctx, -EEXIST, "cannot create veth '%s': its peer name '%s' is taken",
				     spec->name, spec->peer);
	if (r < 0)
		return vnet_ctx_fail_errno(ctx, r, "reading veth '%s'", spec->name);
	r = vnet_link_expect_kind(ctx, &info, VNET_LINK_VETH);
	if (r < 0)
		return r;
	if (spec->peer_netns) {
		r = vnet_ctx_new(&pctx, spec->peer_netns, &ctx->err);
		if (r < 0)
			return r;
	}
	r = vnet_link_query(pctx, spec->peer, &peer);
	if (r == -ENODEV || (r == 0 && (peer.kind != VNET_LINK_VETH ||
					peer.link_ifindex != info.ifindex ||
					(!spec->peer_netns && info.link_ifindex != peer.ifindex)))) {
		r = vnet_ctx_fail(ctx, -EEXIST, "veth '%s' exists but its peer is not '%s'%s%s",
				  spec->name, spec->peer, spec->peer_netns ? " in " : "",
				  spec->peer_netns ? spec->peer_netns : "");
		goto out;
	}
	if (r < 0) {
		if (pctx != ctx)
			vnet_error_set(&ctx->err, r, "%s", pctx->err.msg);
		goto out;
	}
	r = veth_end_apply(ctx, &info, spec->has_mac ? spec->mac : NULL, spec->mtu);
	if (r < 0)
		goto out;
	r = veth_end_apply(pctx, &peer, spec->has_peer_mac ? spec->peer_mac : NULL, spec->mtu);
	if (r < 0 && pctx != ctx)
		vnet_error_set(&ctx->err, r, "%s", pctx->err.msg);
out:
	if (pctx != ctx)
		vnet_ctx_unref(pctx);
	return r;
}

VNET_EXPORT int vnet_veth_ensure(struct vnet_ctx *ctx, const struct vnet_veth_spec *spec)
{
	char buf[1024];
	int nsfd = -1, r;

	vnet_ctx_clear_error(ctx);
	r = veth_check(spec, &ctx->err);
	if (r < 0)
		return r;
	if (spec->peer_netns) {
		nsfd = vnet_netns_open(spec->peer_netns, &ctx->err);
		if (nsfd < 0)
			return nsfd;
	}
	r = vnet_veth_build_newlink(buf, sizeof(buf), spec, nsfd, &ctx->err);
	if (r < 0)
		goto out;
	r = vnet_link_talk(ctx, buf);
	if (r == -EEXIST) {
		ctx->err.msg[0] = '\0';
		r = veth_update(ctx, spec);
	} else if (r < 0) {
		r = vnet_link_create_failed(ctx, r, "veth", spec->name);
	}
out:
	if (nsfd >= 0)
		close(nsfd);
	return r;
}
