/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The few sysctls networks need, in the context's namespace. */
#ifndef VNET_SYSCTL_H
#define VNET_SYSCTL_H

#include <vnet/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

enum vnet_sysctl {
	VNET_SYSCTL_IPV4_FORWARD,     /* net.ipv4.ip_forward (namespace wide) */
	VNET_SYSCTL_IPV6_FORWARDING,  /* net.ipv6.conf.IF.forwarding */
	VNET_SYSCTL_IPV6_ACCEPT_RA,   /* net.ipv6.conf.IF.accept_ra */
	VNET_SYSCTL_IPV6_DISABLE,     /* net.ipv6.conf.IF.disable_ipv6 */
};

/**
 * vnet_sysctl_set - write @value
 * @ifname: the interface for per-interface settings ("all" and "default"
 *          work too); ignored (may be NULL) for namespace-wide ones
 */
int vnet_sysctl_set(struct vnet_ctx *ctx, enum vnet_sysctl which, const char *ifname, int value);

/** vnet_sysctl_get - read the value into @value. */
int vnet_sysctl_get(struct vnet_ctx *ctx, enum vnet_sysctl which, const char *ifname, int *value);

#ifdef __cplusplus
}
#endif
#endif
