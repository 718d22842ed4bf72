/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What this context last made table inet vnet hold, keyed by the nftables
 * generation id. Every commit in the namespace, by anyone, bumps the id; so
 * while it still has the value our own last commit left, nobody else has
 * touched any table and the state can be taken from the spec we applied
 * instead of dumping thousands of rules and elements back. A batch sent on
 * the strength of the cache carries the id (NFNL_BATCH_GENID), so a change
 * that slips in between is refused by the kernel (ERESTART) rather than
 * overwritten blindly, and apply starts again from a real read.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "firewall-int.h"
#include "nl.h"

struct fw_cache {
	uint32_t genid;
	struct fw_state st;
};

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();
	int r = MNL_CB_OK;

	if (!g)
		return -ENOMEM;
	if (nftnl_gen_nlmsg_parse(nlh, g) < 0 || !nftnl_gen_is_set(g, NFTNL_GEN_ID))
		r = -EPROTO;
	else
		*(uint32_t *)data = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return r;
}

int fw_gen_get(struct vnet_ctx *ctx, uint32_t *genid)
{
	char buf[MNL_NLMSG_HDRLEN + 64];
	struct nlmsghdr *nlh;
	struct vnet_nl *nl;
	int r;

	r = vnet_nl_get(ctx, NETLINK_NETFILTER, &nl);
	if (r < 0)
		return r;
	memset(buf, 0, sizeof(buf));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, 0, 0);
	r = vnet_nl_talk(ctx, nl, nlh, gen_cb, genid);
	if (r < 0)
		ctx->err.msg[0] = '\0';
	return r;
}

void fw_cache_drop(struct vnet_ctx *ctx)
{
	if (!ctx->fw_cache)
		return;
	fw_state_release(&ctx->fw_cache->st);
	free(ctx->fw_cache);
	ctx->fw_cache = NULL;
}

void vnet_fw_cache_free(struct vnet_ctx *ctx)
{
	fw_cache_drop(ctx);
}

struct fw_state *fw_cache_state(struct vnet_ctx *ctx, uint32_t genid)
{
	if (!ctx->fw_cache || ctx->fw_cache->genid != genid)
		return NULL;
	return &ctx->fw_cache->st;
}

static int add_chain(struct fw_state *st, size_t *cap, const char *name, bool base,
		     unsigned int rules, const char *tag)
{
	struct fw_chain_state *c;

	if (st->n_chains == *cap) {
		size_t n = *cap ? *cap * 2 : 16;

		c = realloc(st->chains, n * sizeof(*c));
		if (!c)
			return -ENOMEM;
		st->chains = c;
		*cap = n;
	}
	c = &st->chains[st->n_chains++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->base = base;
	c->rules = rules;
	if (rules && tag)
		snprintf(c->tag, sizeof(c->tag), "%s", tag);
	return 0;
}

int fw_state_from_spec(const struct vnet_fw_spec *spec, struct fw_state *st)
{
	return fw_state_from_spec_elems(spec, NULL, st);
}

int fw_state_from_spec_elems(const struct vnet_fw_spec *spec, struct fw_elems elems[FW_SET_COUNT],
			     struct fw_state *st)
{
	char tag[64];
	size_t cap = 0;
	int r;

	memset(st, 0, sizeof(*st));
	st->table = true;
	fw_sets_wanted(spec, st->sets);
	for (size_t i = 0; i < fw_skeleton_chain_count(); i++) {
		const char *name = fw_skeleton_chain(i);

		if (!strcmp(name, FW_CHAIN_FLOW)) {
			fw_flow_tag(spec, tag, sizeof(tag));
			r = add_chain(st, &cap, name, false, fw_flow_rule_count(spec), tag);
		} else if (fw_prefix_chain(name)) {
			/* the fingerprint is on src_ok's first rule only */
			fw_prefix_tag(spec, tag, sizeof(tag));
			r = add_chain(st, &cap, name, false, fw_prefix_rule_count(spec, name),
				      !strcmp(name, "src_ok") ? tag : NULL);
		} else {
			r = add_chain(st, &cap, name, fw_skeleton_base(name), fw_skeleton_rule_count(name),
				      fw_skeleton_tag());
		}
		if (r < 0)
			goto fail;
	}
	for (size_t i = 0; i < spec->n_networks; i++) {
		const struct vnet_fw_network *n = &spec->networks[i];
		char **v;

		if (!n->flowtable || n->mode == VNET_FW_OPEN)
			continue;
		v = realloc(st->flowtables, (st->n_flowtables + 1) * sizeof(*v));
		if (!v) {
			r = -ENOMEM;
			goto fail;
		}
		st->flowtables = v;
		if (asprintf(&v[st->n_flowtables], "ft_%s", n->name) < 0) {
			r = -ENOMEM;
			goto fail;
		}
		st->n_flowtables++;
	}
	if (elems) {
		memcpy(st->elems, elems, sizeof(st->elems));
		memset(elems, 0, FW_SET_COUNT * sizeof(*elems));
	} else {
		r = fw_desired_elems(spec, st->elems);
		if (r < 0)
			goto fail;
	}
	fw_state_sort(st);
	st->derived = true;
	return 0;
fail:
	fw_state_release(st);
	return r;
}

void fw_cache_store(struct vnet_ctx *ctx, const struct vnet_fw_spec *spec,
		    struct fw_elems elems[FW_SET_COUNT], uint32_t genid)
{
	struct fw_cache *c = calloc(1, sizeof(*c));

	if (!c || fw_state_from_spec_elems(spec, elems, &c->st) < 0) {
		free(c);
		fw_cache_drop(ctx);
		return;
	}
	fw_cache_drop(ctx);
	c->genid = genid;
	ctx->fw_cache = c;
}

int fw_batch_genid(struct fw_batch *b, uint32_t genid)
{
	struct nlmsghdr *begin = (struct nlmsghdr *)b->buf;

	/* only right after fw_batch_init: BEGIN is the last message so far */
	if (!b->buf || b->n || b->len != NLMSG_ALIGN(begin->nlmsg_len) ||
	    b->cap < b->len + MNL_ATTR_HDRLEN + sizeof(uint32_t))
		return -EINVAL;
	mnl_attr_put_u32(begin, NFNL_BATCH_GENID, htonl(genid));
	b->len = NLMSG_ALIGN(begin->nlmsg_len);
	return 0;
}
