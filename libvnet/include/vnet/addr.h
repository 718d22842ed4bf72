/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IPv4/IPv6 addresses and routes in the context's namespace. */
#ifndef VNET_ADDR_H
#define VNET_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vnet/ctx.h>
#include <vnet/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vnet_addr_entry {
	char ifname[VNET_IFNAMSIZ];
	int ifindex;
	struct vnet_prefix prefix;  /* address with its prefix length */
	uint8_t scope;              /* RT_SCOPE_* */
	uint32_t flags;             /* IFA_F_* */
};

/**
 * vnet_addr_add - add @prefix (address and prefix length, host bits kept) to
 * @ifname; already present is success. IPv4 addresses shorter than /31 get
 * their broadcast address. -ENODEV when @ifname does not exist, -EINVAL for
 * a malformed prefix; nothing is changed then.
 */
int vnet_addr_add(struct vnet_ctx *ctx, const char *ifname, const struct vnet_prefix *prefix);

/**
 * vnet_addr_add_flags - vnet_addr_add() with IFA_F_* @flags: IFA_F_NODAD
 * (usable at once, e.g. for a server on a bridge without ports yet) and
 * IFA_F_NOPREFIXROUTE (no route for the prefix); others are refused.
 */
int vnet_addr_add_flags(struct vnet_ctx *ctx, const char *ifname,
			const struct vnet_prefix *prefix, uint32_t flags);

/**
 * vnet_addr_del - remove @prefix (same address and prefix length) from
 * @ifname; already gone is success, and so is a missing @ifname (its
 * addresses went with it).
 */
int vnet_addr_del(struct vnet_ctx *ctx, const char *ifname, const struct vnet_prefix *prefix);

/**
 * vnet_addr_list - addresses of @ifname (NULL: every link), of @family
 * (AF_UNSPEC: both). @entries is freed by the caller with free().
 */
int vnet_addr_list(struct vnet_ctx *ctx, const char *ifname, int family,
		   struct vnet_addr_entry **entries, size_t *n);

struct vnet_route {
	struct vnet_prefix dst;        /* 0.0.0.0/0 or ::/0 for a default route */
	bool has_gateway;
	struct vnet_prefix gateway;
	char dev[VNET_IFNAMSIZ];       /* "" when none */
	bool has_prefsrc;
	struct vnet_prefix prefsrc;
	uint32_t metric;               /* priority */
	uint32_t table;                /* 0: main */
	uint8_t protocol;              /* RTPROT_*; 0: RTPROT_STATIC on add */
	uint8_t scope;                 /* RT_SCOPE_*; add picks link or universe when 0 */
	bool onlink;                   /* the gateway is on the link even outside its prefixes */
};

/**
 * vnet_route_add - add a unicast route, or replace the one with the same
 * destination and metric in the table. @dst must have no host bits; a
 * gateway or a device (or both) is required; gateway and prefsrc must be
 * of @dst's family. -ENODEV when @dev does not exist.
 */
int vnet_route_add(struct vnet_ctx *ctx, const struct vnet_route *route);

/**
 * vnet_route_del - delete a unicast route matching dst and table, and also
 * dev, gateway, prefsrc, metric, protocol and scope where given (not
 * zero/empty). Already gone is success, and so is a missing @dev.
 */
int vnet_route_del(struct vnet_ctx *ctx, const struct vnet_route *route);

/**
 * vnet_route_list - unicast routes of the main table (or @table when not 0)
 * of @family (AF_UNSPEC: both). @routes is freed by the caller with free().
 * A multipath route is reported with its first nexthop.
 */
int vnet_route_list(struct vnet_ctx *ctx, int family, uint32_t table,
		    struct vnet_route **routes, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
