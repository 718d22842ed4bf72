/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvnet: virtual networks for hypervisors and containers.
 *
 * Every call acts in the network namespace its struct vnet_ctx is bound to.
 * Fallible calls return 0 or a negative errno; the reason in words (a
 * validation message naming the field and value, or the kernel's extended
 * acknowledgement) is then readable with vnet_ctx_errmsg().
 */
#ifndef VNET_VNET_H
#define VNET_VNET_H

#include <vnet/ctx.h>
#include <vnet/util.h>
#include <vnet/link.h>
#include <vnet/addr.h>
#include <vnet/sysctl.h>
#include <vnet/firewall.h>

#endif
