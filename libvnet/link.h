/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside the link layer: each kind (link-*.c) supplies an ops table; link.c
 * does the generic RTM_NEWLINK/GETLINK/DELLINK work around it.
 */
#ifndef VNET_LINK_PRIVATE_H
#define VNET_LINK_PRIVATE_H

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "internal.h"

/* ifindex of @name in the context's namespace; -ENODEV when there is none. */
int vnet_link_ifindex(struct vnet_ctx *ctx, const char *name);

#endif
