/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The context's libnl-route socket: opened inside its namespace, with
 * extended acks on, and a request/reply loop that keeps what libnl would
 * lose — the kernel's own errno and its reason in words.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "nl.h"
#include "rtnl-objs.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

int vnet_ctx_nlroute(struct vnet_ctx *ctx, struct nl_sock **ret)
{
	struct nl_sock *sk;
	int one = 1, saved, leave, r;

	if (ctx->nlroute) {
		*ret = ctx->nlroute;
		return 0;
	}
	sk = nl_socket_alloc();
	if (!sk)
		return vnet_ctx_fail(ctx, -ENOMEM, "cannot allocate a netlink socket: out of memory");
	/* The socket belongs to the namespace it is created in, whatever happens later. */
	r = vnet_netns_enter(ctx, &saved);
	if (r < 0)
		goto fail;
	r = nl_connect(sk, NETLINK_ROUTE);
	leave = vnet_netns_leave(saved);
	if (leave < 0) {
		r = vnet_ctx_fail(ctx, leave, "cannot return to the caller's network namespace: %s",
				  strerror(-leave));
		goto fail;
	}
	if (r < 0) {
		r = vnet_ctx_fail(ctx, vnet_nlerr_errno(r), "cannot open a netlink socket: %s",
				  nl_geterror(r));
		goto fail;
	}
	/*
	 * The kernel's reasons, and no copy of our request echoed back in
	 * errors. Best effort, as in nl.c: a kernel without them still works.
	 */
	(void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/*
	 * Strict checking (Linux 4.20) lets a dump ask the kernel for one
	 * link's addresses or one table's routes, so reading one bridge costs
	 * the same with a thousand others. Without it the kernel sends all
	 * and the callers' own filters keep what they asked for.
	 */
	ctx->nlroute_strict = setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_GET_STRICT_CHK,
					 &one, sizeof(one)) == 0;
	ctx->nlroute = sk;
	*ret = sk;
	return 0;
fail:
	nl_socket_free(sk);
	return r;
}

/* After a transport failure the socket may hold stray replies: start afresh next time. */
static void nlroute_drop(struct vnet_ctx *ctx)
{
	nl_socket_free(ctx->nlroute);
	ctx->nlroute = NULL;
}

int vnet_nlerr_errno(int nlerr)
{
	static const int map[NLE_MAX + 1] = {
		[NLE_SUCCESS] = 0,
		[NLE_FAILURE] = EIO,
		[NLE_INTR] = EINTR,
		[NLE_BAD_SOCK] = EBADF,
		[NLE_AGAIN] = EAGAIN,
		[NLE_NOMEM] = ENOMEM,
		[NLE_EXIST] = EEXIST,
		[NLE_INVAL] = EINVAL,
		[NLE_RANGE] = ERANGE,
		[NLE_MSGSIZE] = EMSGSIZE,
		[NLE_OPNOTSUPP] = EOPNOTSUPP,
		[NLE_AF_NOSUPPORT] = EAFNOSUPPORT,
		[NLE_OBJ_NOTFOUND] = ENOENT,
		[NLE_NOATTR] = ENODATA,
		[NLE_MISSING_ATTR] = EINVAL,
		[NLE_AF_MISMATCH] = EINVAL,
		[NLE_SEQ_MISMATCH] = EPROTO,
		[NLE_MSG_OVERFLOW] = EOVERFLOW,
		[NLE_MSG_TRUNC] = EMSGSIZE,
		[NLE_NOADDR] = EADDRNOTAVAIL,
		[NLE_SRCRT_NOSUPPORT] = EOPNOTSUPP,
		[NLE_MSG_TOOSHORT] = EBADMSG,
		[NLE_MSGTYPE_NOSUPPORT] = EOPNOTSUPP,
		[NLE_OBJ_MISMATCH] = EINVAL,
		[NLE_NOCACHE] = ENOENT,
		[NLE_BUSY] = EBUSY,
		[NLE_PROTO_MISMATCH] = EPROTONOSUPPORT,
		[NLE_NOACCESS] = EACCES,
		[NLE_PERM] = EPERM,
		[NLE_PKTLOC_FILE] = ENOENT,
		[NLE_PARSE_ERR] = EBADMSG,
		[NLE_NODEV] = ENODEV,
		[NLE_IMMUTABLE] = EROFS,
		[NLE_DUMP_INTR] = EAGAIN,
		[NLE_ATTRSIZE] = ERANGE,
	};

	if (nlerr < -NLE_MAX || nlerr > NLE_MAX)
		return -EIO;
	if (nlerr < 0)
		nlerr = -nlerr;
	if (nlerr == 0)
		return 0;
	/* A code libnl added after this table was written: still a failure. */
	return map[nlerr] ? -map[nlerr] : -EIO;
}

int vnet_nlroute_error_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct vnet_nlroute_reply *reply = arg;
	/* libnl hands us the payload; the header it belongs to sits just before it. */
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	int r;

	r = vnet_nl_parse_error(reply->ctx, nlh);
	if (r > 0)
		r = -r;
	if (r == 0)
		r = -EIO;   /* libnl only calls here for a non-zero error */
	reply->error = r;
	return NL_STOP;
}

struct talk {
	struct vnet_nlroute_reply reply;
	vnet_nlroute_msg_fn fn;
	void *data;
	int fn_error;
};

static int talk_valid(struct nl_msg *msg, void *arg)
{
	struct talk *t = arg;
	int r;

	/* Keep reading after a failure so no reply is left behind on the socket. */
	if (!t->fn || t->fn_error)
		return NL_OK;
	r = t->fn(msg, t->data);
	if (r < 0)
		t->fn_error = r;
	return NL_OK;
}

static int talk_ack(struct nl_msg *msg, void *arg)
{
	return NL_STOP;
}

int vnet_nlroute_talk(struct vnet_ctx *ctx, struct nl_msg *req, vnet_nlroute_msg_fn fn,
		      void *data)
{
	struct talk t = { .reply = { .ctx = ctx }, .fn = fn, .data = data };
	struct nl_cb *base, *cb;
	struct nl_sock *sk;
	int r;

	r = vnet_ctx_nlroute(ctx, &sk);
	if (r < 0)
		return r;
	base = nl_socket_get_cb(sk);
	cb = nl_cb_clone(base);
	nl_cb_put(base);
	if (!cb)
		return vnet_ctx_fail(ctx, -ENOMEM, "out of memory");
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, talk_valid, &t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, talk_ack, &t);
	nl_cb_err(cb, NL_CB_CUSTOM, vnet_nlroute_error_cb, &t.reply);

	r = nl_send_auto(sk, req);
	if (r >= 0)
		r = nl_recvmsgs(sk, cb);
	nl_cb_put(cb);

	if (t.reply.error)
		return t.reply.error;
	if (r == -NLE_DUMP_INTR)
		return vnet_ctx_fail(ctx, -EAGAIN,
				     "the kernel's list changed while it was being read; try again");
	if (r < 0) {
		nlroute_drop(ctx);
		return vnet_ctx_fail(ctx, vnet_nlerr_errno(r), "netlink: %s", nl_geterror(r));
	}
	return t.fn_error;
}

int vnet_nlroute_dump(struct vnet_ctx *ctx, int type, int family, uint32_t filter,
		      vnet_nlroute_msg_fn fn, void *data)
{
	struct nl_sock *sk;
	struct nl_msg *msg;
	int r;

	/* the socket first: whether the kernel filters is known once it is open */
	r = vnet_ctx_nlroute(ctx, &sk);
	if (r < 0)
		return r;
	if (!ctx->nlroute_strict)
		filter = 0;
	msg = nlmsg_alloc_simple(type, NLM_F_DUMP);
	if (!msg)
		return vnet_ctx_fail(ctx, -ENOMEM, "out of memory");
	/* Each dump takes its own family header; only the family is filled. */
	switch (type) {
	case RTM_GETLINK: {
		struct ifinfomsg ifi = { .ifi_family = (unsigned char)family };

		r = nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
		if (r == 0)
			r = nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
		break;
	}
	case RTM_GETADDR: {
		struct ifaddrmsg ifa = { .ifa_family = (unsigned char)family, .ifa_index = filter };

		r = nlmsg_append(msg, &ifa, sizeof(ifa), NLMSG_ALIGNTO);
		break;
	}
	case RTM_GETROUTE: {
		struct rtmsg rtm = { .rtm_family = (unsigned char)family };

		r = nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO);
		if (r == 0 && filter)
			r = nla_put_u32(msg, RTA_TABLE, filter);
		break;
	}
	default:
		r = -NLE_INVAL;
		break;
	}
	if (r < 0) {
		nlmsg_free(msg);
		return vnet_ctx_fail(ctx, vnet_nlerr_errno(r), "cannot build a dump request: %s",
				     nl_geterror(r));
	}
	r = vnet_nlroute_talk(ctx, msg, fn, data);
	nlmsg_free(msg);
	return r;
}

int vnet_nlroute_fail(struct vnet_ctx *ctx, int code, const char *what, ...)
{
	char prefix[160], reason[sizeof(ctx->err.msg)];
	va_list ap;

	va_start(ap, what);
	vsnprintf(prefix, sizeof(prefix), what, ap);
	va_end(ap);
	if (ctx->err.msg[0])
		snprintf(reason, sizeof(reason), "%s", ctx->err.msg);
	else
		snprintf(reason, sizeof(reason), "%s", strerror(-code));
	return vnet_ctx_fail(ctx, code, "%s: %s", prefix, reason);
}

struct nl_addr *vnet_prefix_nladdr(const struct vnet_prefix *p)
{
	struct nl_addr *a;

	a = nl_addr_build(p->family, p->addr.bytes, p->family == AF_INET ? 4 : 16);
	if (a)
		nl_addr_set_prefixlen(a, p->len);
	return a;
}

int vnet_nladdr_prefix(struct nl_addr *a, uint8_t len, struct vnet_prefix *p)
{
	unsigned int n = nl_addr_get_len(a);

	memset(p, 0, sizeof(*p));
	p->family = nl_addr_get_family(a);
	p->len = len;
	if ((p->family == AF_INET && len <= 32 && (n == 4 || n == 0)) ||
	    (p->family == AF_INET6 && len <= 128 && (n == 16 || n == 0))) {
		/* A default route comes without an address: all zero. */
		memcpy(p->addr.bytes, nl_addr_get_binary_addr(a), n);
		return 0;
	}
	return -EAFNOSUPPORT;
}

static int ifnames_add(struct nl_msg *msg, void *data)
{
	struct vnet_ifnames *names = data;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	const struct ifinfomsg *ifi;
	struct nlattr *name;
	void *v;

	if (nlh->nlmsg_type != RTM_NEWLINK || !nlmsg_valid_hdr(nlh, sizeof(*ifi)))
		return 0;
	ifi = nlmsg_data(nlh);
	name = nlmsg_find_attr(nlh, sizeof(*ifi), IFLA_IFNAME);
	if (!name)
		return 0;
	v = realloc(names->v, (names->n + 1) * sizeof(*names->v));
	if (!v)
		return -ENOMEM;
	names->v = v;
	names->v[names->n].ifindex = ifi->ifi_index;
	nla_strlcpy(names->v[names->n].name, name, sizeof(names->v[0].name));
	names->n++;
	return 0;
}

int vnet_ifnames_load(struct vnet_ctx *ctx, struct vnet_ifnames *names)
{
	int r = -EAGAIN;

	for (int tries = 0; tries < 3 && r == -EAGAIN; tries++) {
		vnet_ifnames_free(names);
		r = vnet_nlroute_dump(ctx, RTM_GETLINK, AF_UNSPEC, 0, ifnames_add, names);
	}
	if (r == -ENOMEM)
		return vnet_ctx_fail(ctx, r, "out of memory");
	return r;
}

const char *vnet_ifnames_get(const struct vnet_ifnames *names, int ifindex)
{
	for (size_t i = 0; i < names->n; i++)
		if (names->v[i].ifindex == ifindex)
			return names->v[i].name;
	return "";
}

void vnet_ifnames_free(struct vnet_ifnames *names)
{
	free(names->v);
	names->v = NULL;
	names->n = 0;
}
