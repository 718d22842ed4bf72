/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's error replies: vnet_nl_parse_error() as libmnl's talk loop
 * calls it for NLMSG_ERROR, and vnet_nlroute_error_cb() as libnl calls it
 * (with a pointer to the payload). Both only touch ctx->err, so a zeroed
 * context without sockets is enough.
 */
#include <limits.h>
#include <libmnl/libmnl.h>
#include <netlink/errno.h>

#include "nl.h"
#include "rtnl-objs.h"
#include "fuzz.h"

static void check_err(const struct vnet_ctx *ctx)
{
	fuzz_assert(fuzz_terminated(ctx->err.msg, sizeof(ctx->err.msg)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vnet_ctx ctx;
	const struct nlmsghdr *nlh;
	void *buf;
	size_t off = 0;
	int r;

	if (size > 65536)
		return 0;
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	while ((nlh = fuzz_nlmsg_next(buf, size, &off))) {
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			memset(&ctx, 0, sizeof(ctx));
			r = vnet_nl_parse_error(&ctx, nlh);
			check_err(&ctx);
			fuzz_assert(r <= 0 || r == (int)((const struct nlmsgerr *)NLMSG_DATA(nlh))->error);

			/* libnl hands over the payload only when a whole nlmsgerr is there. */
			if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr)) &&
			    ((const struct nlmsgerr *)NLMSG_DATA(nlh))->error != 0) {
				struct vnet_nlroute_reply reply = { .ctx = &ctx };

				memset(&ctx, 0, sizeof(ctx));
				fuzz_assert(vnet_nlroute_error_cb(NULL, NLMSG_DATA(nlh), &reply) == NL_STOP);
				fuzz_assert(reply.error < 0);
				check_err(&ctx);
			}
		}
	}
	/*
	 * libnl's own codes, whatever the sign or size. Known bug
	 * (crashes/nl-error/nlerr-int-min): vnet_nlerr_errno(INT_MIN) negates
	 * INT_MIN.
	 */
	if (size >= sizeof(int)) {
		int code;

		memcpy(&code, data, sizeof(code));
		r = vnet_nlerr_errno(code);
		fuzz_assert(r <= 0);
		fuzz_assert(r == 0 || -r < 4096);
	}
	free(buf);
	return 0;
}
