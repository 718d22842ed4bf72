/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

int vnet_nl_open(struct vnet_nl *nl, int bus)
{
	int one = 1, r;

	nl->sock = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!nl->sock)
		return -errno;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return r;
	}
	/* The kernel's reasons, and no copy of our request echoed back in errors. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	return 0;
}

void vnet_nl_close(struct vnet_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

int vnet_nl_get(struct vnet_ctx *ctx, int bus, struct vnet_nl **ret)
{
	struct vnet_nl *nl;
	int saved, r;

	switch (bus) {
	case NETLINK_ROUTE:
		nl = &ctx->rtnl;
		break;
	case NETLINK_NETFILTER:
		nl = &ctx->nfnl;
		break;
	default:
		return -EPROTONOSUPPORT;
	}
	if (!nl->sock) {
		r = vnet_netns_enter(ctx, &saved);
		if (r < 0)
			return r;
		r = vnet_nl_open(nl, bus);
		vnet_netns_leave(saved);
		if (r < 0)
			return vnet_ctx_fail(ctx, r, "cannot open a netlink socket: %s", strerror(-r));
	}
	*ret = nl;
	return 0;
}

struct nlmsghdr *vnet_nl_msg_start(void *buf, size_t len, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, len);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

unsigned int vnet_nl_seq(struct vnet_ctx *ctx)
{
	if (ctx->seq == 0)
		ctx->seq = (unsigned int)time(NULL);
	return ++ctx->seq;
}

int vnet_nl_parse_error(struct vnet_ctx *ctx, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t offset;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return vnet_ctx_fail(ctx, -EBADMSG, "truncated netlink error message");
	if (e->error == 0)
		return 0;
	/* Only negative errnos are errors; anything else would read as success. */
	if (e->error > 0)
		return vnet_ctx_fail(ctx, -EPROTO, "netlink error message with positive code %d",
				     e->error);
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return e->error;

	offset = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		/* The echoed request's length is the sender's word: keep it inside the message. */
		if (e->msg.nlmsg_len < sizeof(e->msg) ||
		    e->msg.nlmsg_len - sizeof(e->msg) > mnl_nlmsg_get_payload_len(nlh) - sizeof(*e))
			return e->error;
		offset += e->msg.nlmsg_len - sizeof(e->msg);
	}
	mnl_attr_for_each(attr, nlh, offset) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			vnet_ctx_fail(ctx, e->error, "%s", mnl_attr_get_str(attr));
	}
	return e->error;
}

struct talk {
	struct vnet_ctx *ctx;
	mnl_cb_t cb;
	void *data;
	int error;
};

static int talk_data(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;
	int r;

	if (!t->cb)
		return MNL_CB_OK;
	r = t->cb(nlh, t->data);
	if (r < 0) {
		/* Callbacks report failures as -errno; keep the first. */
		if (!t->error)
			t->error = r;
		return MNL_CB_ERROR;
	}
	return r;
}

static int talk_noop(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_OK;
}

static int talk_error(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;
	int r = vnet_nl_parse_error(t->ctx, nlh);

	if (r == 0)
		return MNL_CB_STOP;
	if (!t->error)
		t->error = r;
	return MNL_CB_ERROR;
}

static int talk_done(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;

	/* A dump that failed half-way ends with a negative errno in NLMSG_DONE. */
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		int e = *(const int *)mnl_nlmsg_get_payload(nlh);

		if (e < 0) {
			t->error = e;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

static int talk_overrun(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;

	t->error = -ENOBUFS;
	return MNL_CB_ERROR;
}

static mnl_cb_t talk_ctl[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = talk_noop,
	[NLMSG_ERROR] = talk_error,
	[NLMSG_DONE] = talk_done,
	[NLMSG_OVERRUN] = talk_overrun,
};

static int recv_replies(struct talk *t, struct vnet_nl *nl, unsigned int seq)
{
	ssize_t n;
	int r;

	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, t->ctx->buf, t->ctx->buflen);
		if (n < 0)
			return vnet_ctx_fail_errno(t->ctx, -errno, "netlink receive");
		r = mnl_cb_run2(t->ctx->buf, (size_t)n, seq, nl->portid, talk_data, t,
				talk_ctl, VNET_ARRAY_SIZE(talk_ctl));
		if (r == MNL_CB_STOP)
			return 0;
		if (r < 0) {
			if (t->error)
				return t->error;
			/* libmnl's own checks: wrong sequence, port or a truncated message. */
			return vnet_ctx_fail_errno(t->ctx, -errno, "netlink reply");
		}
	}
}

int vnet_nl_talk(struct vnet_ctx *ctx, struct vnet_nl *nl, struct nlmsghdr *req,
		 mnl_cb_t cb, void *data)
{
	struct talk t = { .ctx = ctx, .cb = cb, .data = data };

	/* NLM_F_DUMP is two bits; NLM_F_EXCL alone shares one of them. */
	if ((req->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		req->nlmsg_flags |= NLM_F_ACK;
	req->nlmsg_seq = vnet_nl_seq(ctx);
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return vnet_ctx_fail_errno(ctx, -errno, "netlink send");
	return recv_replies(&t, nl, req->nlmsg_seq);
}
