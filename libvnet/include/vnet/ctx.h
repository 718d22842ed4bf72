/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VNET_CTX_H
#define VNET_CTX_H

#include <vnet/util.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A library context bound to one network namespace. Opaque, reference
 * counted; not thread safe (use one per thread).
 */
struct vnet_ctx;

/**
 * vnet_ctx_new - open a context
 * @ret: receives the new context (one reference, owned by the caller)
 * @netns_path: a network namespace file (/run/netns/NAME, /proc/PID/ns/net),
 *              or NULL for the caller's own namespace
 * @err: NULL, or receives why opening failed (there is no context to ask)
 *
 * Returns 0, -ENOENT when the namespace path does not exist, -EINVAL when it
 * is not a network namespace, or another negative errno.
 */
int vnet_ctx_new(struct vnet_ctx **ret, const char *netns_path, struct vnet_error *err);

/** vnet_ctx_ref - take a reference; returns @ctx. */
struct vnet_ctx *vnet_ctx_ref(struct vnet_ctx *ctx);

/** vnet_ctx_unref - drop a reference (NULL is fine); always returns NULL. */
struct vnet_ctx *vnet_ctx_unref(struct vnet_ctx *ctx);

/**
 * vnet_ctx_errmsg - why the last failed call on @ctx failed
 *
 * A validation message ("bridge name 'x...' is 21 bytes; Linux allows at
 * most 15") or the kernel's extended-ack text, or "" when there is none.
 * The string belongs to @ctx and is valid until the next call on it.
 */
const char *vnet_ctx_errmsg(const struct vnet_ctx *ctx);

/** vnet_ctx_netns - the namespace path the context was opened with, or NULL. */
const char *vnet_ctx_netns(const struct vnet_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
