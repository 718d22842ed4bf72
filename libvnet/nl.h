/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Netlink transport over libmnl: open a socket with extended acks, send one
 * request and run its replies, turn an error reply into -errno plus the
 * kernel's text in ctx->err. Message building stays in the callers so it can
 * be tested without a socket.
 */
#ifndef VNET_NL_H
#define VNET_NL_H

#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "internal.h"

int vnet_nl_open(struct vnet_nl *nl, int bus);
void vnet_nl_close(struct vnet_nl *nl);

/* The context's socket for @bus (NETLINK_ROUTE or NETLINK_NETFILTER), opened on first use. */
int vnet_nl_get(struct vnet_ctx *ctx, int bus, struct vnet_nl **nl);

/* Start a request of @type in @buf (zeroed first); NLM_F_REQUEST is added to @flags. */
struct nlmsghdr *vnet_nl_msg_start(void *buf, size_t len, uint16_t type, uint16_t flags);

/* The next sequence number of the context. */
unsigned int vnet_nl_seq(struct vnet_ctx *ctx);

/*
 * vnet_nl_talk - send @req and process the replies until the kernel's ack
 * (or the end of a dump). @cb (may be NULL) sees each data message. A request
 * without NLM_F_DUMP gets NLM_F_ACK. Returns 0, the callback's failure, or the
 * kernel's -errno with its extended-ack text in ctx->err.
 */
int vnet_nl_talk(struct vnet_ctx *ctx, struct vnet_nl *nl, struct nlmsghdr *req,
		 mnl_cb_t cb, void *data);

/*
 * vnet_nl_parse_error - an NLMSG_ERROR message: 0 for an ack, else -errno;
 * the extended-ack message text (and offending attribute offset) goes to
 * ctx->err.
 */
int vnet_nl_parse_error(struct vnet_ctx *ctx, const struct nlmsghdr *nlh);

#endif
