/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Addresses, routes and sysctls inside libvnet. Addresses and routes go
 * through libnl-route on the context's own libnl socket (nlroute.c), which
 * keeps the kernel's errno and extended-ack text. Requests are built apart
 * from the socket so unit tests can read them back without root.
 */
#ifndef VNET_RTNL_OBJS_H
#define VNET_RTNL_OBJS_H

#include <stddef.h>
#include <stdint.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <netlink/addr.h>
#include <netlink/msg.h>
#include <vnet/addr.h>
#include <vnet/sysctl.h>

#include "internal.h"

/* nlroute.c: the context's libnl-route socket. */

/*
 * vnet_ctx_nlroute - ctx->nlroute, connected inside the context's namespace
 * on first use, with NETLINK_EXT_ACK (and NETLINK_CAP_ACK) turned on.
 */
int vnet_ctx_nlroute(struct vnet_ctx *ctx, struct nl_sock **sk);

/* vnet_nlerr_errno - a libnl error code (NLE_*, either sign) as a negative errno. */
int vnet_nlerr_errno(int nlerr);

/* What the error callback leaves behind: the kernel's own -errno. */
struct vnet_nlroute_reply {
	struct vnet_ctx *ctx;
	int error;
};

/*
 * vnet_nlroute_error_cb - libnl error callback (nl_cb_err, NL_CB_CUSTOM,
 * @arg a struct vnet_nlroute_reply): keeps the kernel's errno, which libnl
 * would turn into a lossy NLE_* code, and its extended-ack text, which goes
 * to ctx->err. Returns NL_STOP.
 */
int vnet_nlroute_error_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg);

/* Called for each reply of a dump; returns 0 or -errno (the dump still drains). */
typedef int (*vnet_nlroute_msg_fn)(struct nl_msg *msg, void *data);

/*
 * vnet_nlroute_talk - send @req (still owned by the caller) and read replies
 * up to the ack, or to the end of a dump, passing each data message to @fn
 * (may be NULL). Returns 0, the kernel's -errno (text in ctx->err when it
 * gave one), @fn's first failure, -EAGAIN for a dump interrupted by a
 * concurrent change, or another -errno for a transport failure.
 */
int vnet_nlroute_talk(struct vnet_ctx *ctx, struct nl_msg *req, vnet_nlroute_msg_fn fn,
		      void *data);

/* vnet_prefix_nladdr - @p as a libnl address with its prefix length (NULL: no memory). */
struct nl_addr *vnet_prefix_nladdr(const struct vnet_prefix *p);

/* vnet_nladdr_prefix - back from libnl; -EAFNOSUPPORT unless IPv4 or IPv6. */
int vnet_nladdr_prefix(struct nl_addr *a, uint8_t len, struct vnet_prefix *p);

/*
 * vnet_nlroute_dump - dump @type (RTM_GETADDR, RTM_GETROUTE, RTM_GETLINK) of
 * @family. @filter, where the kernel can apply it: the link index of
 * RTM_GETADDR, the table of RTM_GETROUTE; 0 for everything. It is a hint:
 * a kernel without strict checking sends everything, so @fn filters too.
 */
int vnet_nlroute_dump(struct vnet_ctx *ctx, int type, int family, uint32_t filter,
		      vnet_nlroute_msg_fn fn, void *data);

/*
 * vnet_nlroute_fail - after a failed request: "@what: <kernel text>" when
 * the kernel explained itself, else "@what: <strerror>". Returns @code.
 */
int vnet_nlroute_fail(struct vnet_ctx *ctx, int code, const char *what, ...) VNET_PRINTF(3, 4);

/* Interface names by index, from one link dump (so lists cost one round trip, not N). */
struct vnet_ifnames {
	struct {
		int ifindex;
		char name[VNET_IFNAMSIZ];
	} *v;
	size_t n;
};

int vnet_ifnames_load(struct vnet_ctx *ctx, struct vnet_ifnames *names);
/* The name of @ifindex, "" when unknown. */
const char *vnet_ifnames_get(const struct vnet_ifnames *names, int ifindex);
void vnet_ifnames_free(struct vnet_ifnames *names);

/* addr.c */

/* vnet_addr_prefix_check - family known, length in range. 0 or -EINVAL. */
int vnet_addr_prefix_check(const char *field, const struct vnet_prefix *p, struct vnet_error *err);

/* Flags vnet_addr_add_flags() accepts. */
#define VNET_ADDR_FLAGS_ALLOWED (IFA_F_NODAD | IFA_F_NOPREFIXROUTE)

/*
 * vnet_addr_build_request - RTM_NEWADDR (@add) or RTM_DELADDR for @prefix on
 * @ifindex, with IFA_F_* @flags on add. IPv4 addresses shorter than /31 get
 * their broadcast address, as `ip addr add ... brd +` gives. The message is
 * freed with nlmsg_free(). Returns 0 or -errno (message in @err).
 */
int vnet_addr_build_request(bool add, int ifindex, const struct vnet_prefix *prefix,
			    uint32_t flags, struct nl_msg **msg, struct vnet_error *err);

/* route.c */

/* vnet_route_check - refuse a malformed route before anything is sent. 0 or -EINVAL. */
int vnet_route_check(const struct vnet_route *route, bool add, struct vnet_error *err);

/*
 * vnet_route_build_request - RTM_NEWROUTE with NLM_F_CREATE|NLM_F_REPLACE
 * (@add) or RTM_DELROUTE for @route leaving through @oif (0: none). Freed
 * with nlmsg_free(). Returns 0 or -errno (message in @err).
 */
int vnet_route_build_request(bool add, const struct vnet_route *route, int oif,
			     struct nl_msg **msg, struct vnet_error *err);

/* sysctl.c */

/*
 * vnet_sysctl_path - the /proc/sys file of @which for @ifname into @buf,
 * checking @which and @ifname. 0 or -EINVAL (message in @err).
 */
int vnet_sysctl_path(enum vnet_sysctl which, const char *ifname, char *buf, size_t len,
		     struct vnet_error *err);

/* vnet_sysctl_check_value - is @value one @which accepts? 0 or -EINVAL. */
int vnet_sysctl_check_value(enum vnet_sysctl which, const char *ifname, int value,
			    struct vnet_error *err);

#endif
