/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The library context: a namespace, its netlink sockets and the last error. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netlink/socket.h>

#include "internal.h"
#include "nl.h"

#define VNET_RECV_BUFLEN (64u * 1024u)

int vnet_error_set(struct vnet_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

int vnet_ctx_fail_errno(struct vnet_ctx *ctx, int code, const char *what, ...)
{
	char prefix[192];
	va_list ap;

	/* A kernel extended ack, when there was one, says more than strerror. */
	if (ctx->err.msg[0])
		return code;
	va_start(ap, what);
	vsnprintf(prefix, sizeof(prefix), what, ap);
	va_end(ap);
	return vnet_ctx_fail(ctx, code, "%s: %s", prefix, strerror(-code));
}

VNET_EXPORT int vnet_ctx_new(struct vnet_ctx **ret, const char *netns_path,
			     struct vnet_error *err)
{
	struct vnet_ctx *ctx;
	int saved = -1, r;

	*ret = NULL;
	if (err)
		err->msg[0] = '\0';
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->refs = 1;
	ctx->netns_fd = -1;
	ctx->buflen = VNET_RECV_BUFLEN;
	ctx->buf = malloc(ctx->buflen);
	if (!ctx->buf) {
		r = -ENOMEM;
		goto fail;
	}
	if (netns_path) {
		ctx->netns_path = strdup(netns_path);
		if (!ctx->netns_path) {
			r = -ENOMEM;
			goto fail;
		}
		r = vnet_netns_open(netns_path, err);
		if (r < 0)
			goto fail;
		ctx->netns_fd = r;
	}

	r = vnet_netns_enter(ctx, &saved);
	if (r < 0) {
		vnet_error_set(err, r, "%s", ctx->err.msg);
		goto fail;
	}
	r = vnet_nl_open(&ctx->rtnl, NETLINK_ROUTE);
	vnet_netns_leave(saved);
	if (r < 0) {
		vnet_error_set(err, r, "cannot open a netlink socket: %s", strerror(-r));
		goto fail;
	}

	*ret = ctx;
	return 0;
fail:
	vnet_ctx_unref(ctx);
	return r;
}

VNET_EXPORT struct vnet_ctx *vnet_ctx_ref(struct vnet_ctx *ctx)
{
	if (ctx)
		ctx->refs++;
	return ctx;
}

VNET_EXPORT struct vnet_ctx *vnet_ctx_unref(struct vnet_ctx *ctx)
{
	if (!ctx || --ctx->refs > 0)
		return NULL;
	vnet_fw_cache_free(ctx);
	vnet_nl_close(&ctx->rtnl);
	vnet_nl_close(&ctx->nfnl);
	if (ctx->nlroute)
		nl_socket_free(ctx->nlroute);
	if (ctx->netns_fd >= 0)
		close(ctx->netns_fd);
	free(ctx->netns_path);
	free(ctx->buf);
	free(ctx);
	return NULL;
}

VNET_EXPORT const char *vnet_ctx_errmsg(const struct vnet_ctx *ctx)
{
	return ctx ? ctx->err.msg : "";
}

VNET_EXPORT const char *vnet_ctx_netns(const struct vnet_ctx *ctx)
{
	return ctx->netns_path;
}
