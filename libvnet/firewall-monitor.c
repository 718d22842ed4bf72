/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Change notifications: a NETLINK_NETFILTER socket in the context's
 * namespace, subscribed to NFNLGRP_NFTABLES. An event counts when it concerns
 * table inet vnet and was not sent by this context's own socket (the kernel
 * stamps each notification with the requester's port id).
 */
#include <netinet/in.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "firewall-int.h"
#include "nl.h"

struct vnet_fw_monitor {
	struct vnet_ctx *ctx;
	struct vnet_nl nl;
	unsigned int own_portid;    /* the ctx's NETLINK_NETFILTER socket: our own changes */
	char buf[65536];
};

VNET_EXPORT int vnet_fw_monitor_new(struct vnet_ctx *ctx, struct vnet_fw_monitor **ret)
{
	struct vnet_fw_monitor *mon;
	struct vnet_nl *own;
	unsigned int group = NFNLGRP_NFTABLES;
	int saved, r, fd;

	vnet_ctx_clear_error(ctx);
	*ret = NULL;
	r = vnet_nl_get(ctx, NETLINK_NETFILTER, &own);
	if (r < 0)
		return r;
	mon = calloc(1, sizeof(*mon));
	if (!mon)
		return vnet_ctx_fail(ctx, -ENOMEM, "out of memory");
	mon->ctx = vnet_ctx_ref(ctx);
	mon->own_portid = own->portid;
	r = vnet_netns_enter(ctx, &saved);
	if (r < 0)
		goto fail;
	r = vnet_nl_open(&mon->nl, NETLINK_NETFILTER);
	vnet_netns_leave(saved);
	if (r < 0) {
		vnet_ctx_fail(ctx, r, "cannot open a netfilter netlink socket: %s", strerror(-r));
		goto fail;
	}
	fd = mnl_socket_get_fd(mon->nl.sock);
	if (mnl_socket_setsockopt(mon->nl.sock, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
		r = vnet_ctx_fail_errno(ctx, -errno, "subscribing to nftables events");
		goto fail;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	*ret = mon;
	return 0;
fail:
	vnet_fw_monitor_free(mon);
	return r;
}

VNET_EXPORT struct vnet_fw_monitor *vnet_fw_monitor_free(struct vnet_fw_monitor *mon)
{
	if (!mon)
		return NULL;
	vnet_nl_close(&mon->nl);
	vnet_ctx_unref(mon->ctx);
	free(mon);
	return NULL;
}

VNET_EXPORT int vnet_fw_monitor_fd(const struct vnet_fw_monitor *mon)
{
	return mnl_socket_get_fd(mon->nl.sock);
}

/* The table name every nftables object message carries first (NFTA_*_TABLE == 1). */
static bool about_vnet(const struct nlmsghdr *nlh)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	uint16_t type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	const struct nlattr *a;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES || type == NFT_MSG_NEWGEN)
		return false;
	if (g->nfgen_family != NFPROTO_INET)
		return false;
	mnl_attr_for_each(a, nlh, sizeof(*g)) {
		/* NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE, ... are all 1. */
		if (mnl_attr_get_type(a) == 1 && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			return !strcmp(mnl_attr_get_str(a), VNET_FW_TABLE);
	}
	return false;
}

VNET_EXPORT int vnet_fw_monitor_read(struct vnet_fw_monitor *mon, bool *touched)
{
	vnet_ctx_clear_error(mon->ctx);
	*touched = false;
	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(mon->nl.sock), mon->buf, sizeof(mon->buf), 0);
		const struct nlmsghdr *nlh;
		int rest;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			if (errno == ENOBUFS) {
				/* Events were lost: assume the worst. */
				*touched = true;
				continue;
			}
			return vnet_ctx_fail_errno(mon->ctx, -errno, "reading nftables events");
		}
		rest = (int)n;
		for (nlh = (const struct nlmsghdr *)mon->buf; mnl_nlmsg_ok(nlh, rest);
		     nlh = mnl_nlmsg_next(nlh, &rest)) {
			if (nlh->nlmsg_pid == mon->own_portid && mon->own_portid)
				continue;
			if (about_vnet(nlh))
				*touched = true;
		}
	}
}
