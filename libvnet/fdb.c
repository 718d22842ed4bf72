/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The forwarding database of a VXLAN device (or any bridge-like device) as
 * NTF_SELF entries: all-zero MAC entries to several remotes are head-end
 * replication of broadcast, unknown-unicast and multicast frames.
 */
#include <string.h>
#include <sys/socket.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "link.h"
#include "nl.h"

static int dst_check(const struct vnet_prefix *dst, struct vnet_error *err)
{
	if (dst && dst->family != AF_INET && dst->family != AF_INET6)
		return vnet_error_set(err, -EINVAL, "fdb dst address family %d is not IPv4 or IPv6",
				      dst->family);
	return 0;
}

int vnet_fdb_build(void *buf, size_t len, uint16_t type, int ifindex,
		   const uint8_t mac[VNET_ETH_ALEN], const struct vnet_prefix *dst,
		   struct vnet_error *err)
{
	struct vnet_msg m = { .size = len };
	struct ndmsg *ndm;
	int r;

	r = dst_check(dst, err);
	if (r < 0)
		return r;
	if (len < mnl_nlmsg_size(sizeof(*ndm)))
		return -EMSGSIZE;
	m.nlh = vnet_nl_msg_start(buf, len, type,
				  type == RTM_NEWNEIGH ? NLM_F_CREATE | NLM_F_APPEND : 0);
	ndm = mnl_nlmsg_put_extra_header(m.nlh, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = NUD_PERMANENT;
	ndm->ndm_flags = NTF_SELF;
	vnet_msg_put(&m, NDA_LLADDR, VNET_ETH_ALEN, mac);
	if (dst)
		vnet_msg_put(&m, NDA_DST, dst->family == AF_INET ? 4 : 16, dst->addr.bytes);
	return m.full ? -EMSGSIZE : 0;
}

static int fdb_change(struct vnet_ctx *ctx, uint16_t type, const char *dev,
		      const uint8_t mac[VNET_ETH_ALEN], const struct vnet_prefix *dst)
{
	char buf[256], macs[VNET_MAC_STRLEN];
	int ifindex, r;

	vnet_ctx_clear_error(ctx);
	r = vnet_ifname_check("fdb dev", dev, &ctx->err);
	if (r < 0)
		return r;
	r = dst_check(dst, &ctx->err);
	if (r < 0)
		return r;
	ifindex = vnet_link_ifindex(ctx, dev);
	if (ifindex < 0)
		return ifindex;
	r = vnet_fdb_build(buf, sizeof(buf), type, ifindex, mac, dst, &ctx->err);
	if (r < 0)
		return r;
	r = vnet_link_talk(ctx, buf);
	if (type == RTM_DELNEIGH && r == -ENOENT) {
		ctx->err.msg[0] = '\0';
		return 0;
	}
	if (r < 0)
		return vnet_ctx_fail_errno(ctx, r, "%s fdb entry %s on '%s'",
					   type == RTM_NEWNEIGH ? "adding" : "deleting",
					   vnet_mac_format(mac, macs), dev);
	return 0;
}

VNET_EXPORT int vnet_fdb_append(struct vnet_ctx *ctx, const char *dev,
				const uint8_t mac[VNET_ETH_ALEN], const struct vnet_prefix *dst)
{
	return fdb_change(ctx, RTM_NEWNEIGH, dev, mac, dst);
}

VNET_EXPORT int vnet_fdb_delete(struct vnet_ctx *ctx, const char *dev,
				const uint8_t mac[VNET_ETH_ALEN], const struct vnet_prefix *dst)
{
	return fdb_change(ctx, RTM_DELNEIGH, dev, mac, dst);
}

struct fdb_list {
	int ifindex;
	struct vnet_fdb_entry *v;
	size_t n, cap;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_get_type(a) <= NDA_MAX)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int fdb_list_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NDA_MAX + 1] = { NULL };
	struct fdb_list *l = data;
	const struct ndmsg *ndm;
	struct vnet_fdb_entry *e;
	size_t dlen;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ndm)))
		return -EBADMSG;
	ndm = mnl_nlmsg_get_payload(nlh);
	if (ndm->ndm_family != AF_BRIDGE || ndm->ndm_ifindex != l->ifindex)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*ndm), attr_cb, tb) < 0)
		return -EBADMSG;
	if (!tb[NDA_LLADDR] || mnl_attr_get_payload_len(tb[NDA_LLADDR]) != VNET_ETH_ALEN)
		return MNL_CB_OK;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;

		e = realloc(l->v, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		l->v = e;
		l->cap = cap;
	}
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->mac, mnl_attr_get_payload(tb[NDA_LLADDR]), VNET_ETH_ALEN);
	e->ifindex = ndm->ndm_ifindex;
	e->permanent = ndm->ndm_state & NUD_PERMANENT;
	if (tb[NDA_DST]) {
		dlen = mnl_attr_get_payload_len(tb[NDA_DST]);
		if (dlen == 4 || dlen == 16) {
			e->has_dst = true;
			e->dst.family = dlen == 4 ? AF_INET : AF_INET6;
			e->dst.len = (uint8_t)(dlen * 8);
			memcpy(e->dst.addr.bytes, mnl_attr_get_payload(tb[NDA_DST]), dlen);
		}
	}
	return MNL_CB_OK;
}

VNET_EXPORT int vnet_fdb_list(struct vnet_ctx *ctx, const char *dev,
			      struct vnet_fdb_entry **entries, size_t *n)
{
	struct fdb_list l = { 0 };
	char buf[128];
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;
	int r;

	vnet_ctx_clear_error(ctx);
	*entries = NULL;
	*n = 0;
	r = vnet_ifname_check("fdb dev", dev, &ctx->err);
	if (r < 0)
		return r;
	l.ifindex = vnet_link_ifindex(ctx, dev);
	if (l.ifindex < 0)
		return l.ifindex;
	/* Dump everything and keep @dev's: filtering in the kernel depends on strict checking. */
	nlh = vnet_nl_msg_start(buf, sizeof(buf), RTM_GETNEIGH, NLM_F_DUMP);
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	r = vnet_nl_talk(ctx, &ctx->rtnl, nlh, fdb_list_cb, &l);
	if (r < 0) {
		free(l.v);
		return vnet_ctx_fail_errno(ctx, r, "listing the fdb of '%s'", dev);
	}
	*entries = l.v;
	*n = l.n;
	return 0;
}
