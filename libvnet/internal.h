/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every part of libvnet shares; never installed. */
#ifndef VNET_INTERNAL_H
#define VNET_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <vnet/vnet.h>

#define VNET_EXPORT __attribute__((visibility("default")))
#define VNET_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define VNET_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct mnl_socket;
struct nl_sock;
struct fw_cache;

/* One netlink socket of the context, opened inside its namespace. */
struct vnet_nl {
	struct mnl_socket *sock;
	unsigned int portid;
};

struct vnet_ctx {
	unsigned int refs;
	char *netns_path;           /* as given, NULL: caller's namespace */
	int netns_fd;               /* -1: caller's namespace */
	unsigned int seq;           /* netlink sequence numbers, shared by all sockets */
	struct vnet_nl rtnl;        /* NETLINK_ROUTE through libmnl */
	struct vnet_nl nfnl;        /* NETLINK_NETFILTER, opened on first use */
	struct nl_sock *nlroute;    /* libnl-route, opened on first use (addresses, routes) */
	bool nlroute_strict;        /* the kernel filters its dumps (NETLINK_GET_STRICT_CHK) */
	char *buf;                  /* receive buffer for dumps */
	size_t buflen;
	struct vnet_error err;
	struct fw_cache *fw_cache;  /* firewall-cache.c: what the last apply left, by generation */
};

/* firewall-cache.c: drop the context's firewall cache (at unref). */
void vnet_fw_cache_free(struct vnet_ctx *ctx);

/*
 * vnet_error_set - write a message into @err (when not NULL) and return
 * @code, so a validator can `return vnet_error_set(err, -EINVAL, ...)`.
 */
int vnet_error_set(struct vnet_error *err, int code, const char *fmt, ...) VNET_PRINTF(3, 4);

/* Failures on a context: the message goes to ctx->err. */
#define vnet_ctx_fail(ctx, code, ...) vnet_error_set(&(ctx)->err, (code), __VA_ARGS__)

/* Every public call on a context starts by forgetting the last failure. */
static inline void vnet_ctx_clear_error(struct vnet_ctx *ctx)
{
	ctx->err.msg[0] = '\0';
}

/*
 * Fill the message from errno-style @code when nothing more specific was
 * said ("Operation not permitted"), prefixed with what was being done.
 */
int vnet_ctx_fail_errno(struct vnet_ctx *ctx, int code, const char *what, ...) VNET_PRINTF(3, 4);

/*
 * netns.c: run code inside the context's namespace. Sockets, taps and
 * /proc/sys files opened inside stay bound to it after leaving.
 * vnet_netns_enter() stores the caller's namespace in *saved (-1 when
 * nothing had to change); vnet_netns_leave() returns to it.
 */
int vnet_netns_enter(struct vnet_ctx *ctx, int *saved);
int vnet_netns_leave(int saved);
int vnet_netns_open(const char *path, struct vnet_error *err);

#endif
