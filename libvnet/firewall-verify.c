/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Verify: the table matches the spec exactly when apply would have nothing
 * to send. The plan's notes say what drifted. While the nftables generation
 * is the one this context's own last commit left, nobody has changed the
 * table since, so the cache is compared instead of reading the table back.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "firewall-int.h"

/* Add "network 'X' ..." to @why, while there is room. */
static void say(char *why, size_t len, const char *name, const char *what)
{
	size_t used = strlen(why);

	if (used + 8 < len)
		snprintf(why + used, len - used, "%snetwork '%s' %s", used ? "; " : "", name, what);
}

/* 0: answered from the cache; -EAGAIN: read the table. */
static int verify_cached(struct vnet_ctx *ctx, const struct vnet_fw_spec *spec, bool *matches,
			 char *why, size_t whylen)
{
	struct fw_delta d;
	struct fw_batch b;
	unsigned int changes = 0;
	uint32_t gen;
	int r;

	if (!ctx->fw_cache || fw_gen_get(ctx, &gen) < 0 || !fw_cache_valid(ctx, gen))
		return -EAGAIN;
	r = fw_cache_delta(ctx, spec, &d);
	if (r < 0)
		return r;
	fw_batch_init(&b);
	r = fw_plan_delta(&d, &b, &changes);
	fw_batch_release(&b);
	*matches = changes == 0;
	for (size_t i = 0; i < d.n_dirty && changes; i++)
		say(why, whylen, d.dirty[i].n->name,
		    d.dirty[i].old ? "was applied with other settings" : "is not in the table");
	for (size_t i = 0; i < d.n_gone && changes; i++)
		say(why, whylen, d.gone[i]->in.name, "is in the table but not in the spec");
	fw_delta_release(&d);
	return r;
}

VNET_EXPORT int vnet_fw_verify(struct vnet_ctx *ctx, const struct vnet_fw_spec *spec, bool *matches)
{
	char why[sizeof(ctx->err.msg)];
	struct fw_state st;
	struct fw_batch b;
	unsigned int changes;
	int r;

	vnet_ctx_clear_error(ctx);
	*matches = false;
	why[0] = '\0';
	r = verify_cached(ctx, spec, matches, why, sizeof(why));
	if (r == 0) {
		if (!*matches)
			vnet_ctx_fail(ctx, 0, "%s", why[0] ? why : "table inet vnet differs");
		return 0;
	}
	if (r != -EAGAIN)
		return vnet_ctx_fail(ctx, r, "out of memory comparing table inet %s", VNET_FW_TABLE);
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
