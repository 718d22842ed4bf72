/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Verify: the table matches the spec exactly when apply would have nothing
 * to send. The plan's notes say what drifted.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "firewall-int.h"

VNET_EXPORT int vnet_fw_verify(struct vnet_ctx *ctx, const struct vnet_fw_spec *spec, bool *matches)
{
	char why[sizeof(ctx->err.msg)];
	struct fw_state st;
	struct fw_batch b;
	unsigned int changes;
	int r;

	vnet_ctx_clear_error(ctx);
	*matches = false;
	r = vnet_fw_validate(spec, &ctx->err);
	if (r < 0)
		return r;
	r = fw_state_read(ctx, &st);
	if (r < 0)
		return r;
	fw_batch_init(&b);
	r = fw_plan(spec, &st, &b, &changes, why, sizeof(why));
	fw_batch_release(&b);
	fw_state_release(&st);
	if (r < 0)
		return vnet_ctx_fail(ctx, r, "out of memory comparing table inet %s", VNET_FW_TABLE);
	*matches = changes == 0;
	if (!*matches)
		vnet_ctx_fail(ctx, 0, "%s", why[0] ? why : "table inet vnet differs");
	return 0;
}
