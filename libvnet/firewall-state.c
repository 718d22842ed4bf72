/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Table inet vnet as the kernel has it: which chains exist, how many rules
 * each holds and the comment on its first rule (the fingerprint), which sets
 * exist and their elements, which flowtables. Read with nftables dumps.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/flowtable.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "firewall-int.h"
#include "nl.h"

/* The comment (type 0 in every object's userdata) as a string. */
static void udata_comment(const void *ud, uint32_t len, char *out, size_t outlen)
{
	const uint8_t *p = ud, *end = p + len;

	out[0] = '\0';
	while (p && p + 2 <= end && p + 2 + p[1] <= end) {
		if (p[0] == 0 && p[1] > 0) {
			snprintf(out, outlen, "%.*s", (int)p[1], (const char *)p + 2);
			return;
		}
		p += 2 + p[1];
	}
}

struct fw_chain_state *fw_state_chain(struct fw_state *st, const char *name)
{
	size_t lo = 0, hi = st->n_chains;

	if (!st->sorted) {
		for (size_t i = 0; i < st->n_chains; i++) {
			if (!strcmp(st->chains[i].name, name))
				return &st->chains[i];
		}
		return NULL;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(st->chains[mid].name, name);

		if (!c)
			return &st->chains[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int chain_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fw_chain_state *)a)->name, ((const struct fw_chain_state *)b)->name);
}

void fw_state_sort(struct fw_state *st)
{
	if (!st->sorted && st->n_chains)
		qsort(st->chains, st->n_chains, sizeof(*st->chains), chain_cmp);
	st->sorted = true;
}

bool fw_state_has_flowtable(const struct fw_state *st, const char *name)
{
	for (size_t i = 0; i < st->n_flowtables; i++) {
		if (!strcmp(st->flowtables[i], name))
			return true;
	}
	return false;
}

void fw_state_release(struct fw_state *st)
{
	for (size_t i = 0; i < st->n_chains; i++)
		free(st->chains[i].sigs);
	free(st->chains);
	for (int i = 0; i < FW_SET_COUNT; i++)
		fw_elems_release(&st->elems[i]);
	for (size_t i = 0; i < st->n_flowtables; i++)
		free(st->flowtables[i]);
	free(st->flowtables);
	memset(st, 0, sizeof(*st));
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fw_state *st = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct fw_chain_state *v;
	int r = MNL_CB_OK;

	if (!c)
		return -ENOMEM;
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0 ||
	    strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), VNET_FW_TABLE))
		goto out;
	v = realloc(st->chains, (st->n_chains + 1) * sizeof(*v));
	if (!v) {
		r = -ENOMEM;
		goto out;
	}
	st->chains = v;
	st->sorted = false;
	v = &st->chains[st->n_chains++];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
	v->base = nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM);
out:
	nftnl_chain_free(c);
	return r;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fw_state *st = data;
	struct nftnl_rule *rl = nftnl_rule_alloc();
	struct fw_chain_state *c;

	if (!rl)
		return -ENOMEM;
	if (nftnl_rule_nlmsg_parse(nlh, rl) == 0 &&
	    !strcmp(nftnl_rule_get_str(rl, NFTNL_RULE_TABLE), VNET_FW_TABLE)) {
		c = fw_state_chain(st, nftnl_rule_get_str(rl, NFTNL_RULE_CHAIN));
		if (c) {
			uint64_t *v = realloc(c->sigs, (c->rules + 1) * sizeof(*v));

			if (!v) {
				nftnl_rule_free(rl);
				return -ENOMEM;
			}
			c->sigs = v;
			v[c->rules] = fw_rule_sig(rl);
		}
		if (c && c->rules++ == 0 && nftnl_rule_is_set(rl, NFTNL_RULE_USERDATA)) {
			uint32_t len;
			const void *ud = nftnl_rule_get_data(rl, NFTNL_RULE_USERDATA, &len);

			udata_comment(ud, len, c->tag, sizeof(c->tag));
		}
	}
	nftnl_rule_free(rl);
	return MNL_CB_OK;
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fw_state *st = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return -ENOMEM;
	if (nftnl_set_nlmsg_parse(nlh, s) == 0 &&
	    !strcmp(nftnl_set_get_str(s, NFTNL_SET_TABLE), VNET_FW_TABLE)) {
		const char *name = nftnl_set_get_str(s, NFTNL_SET_NAME);
		char buf[FW_SET_NAME_MAX];

		for (int i = 0; i < FW_SET_COUNT; i++) {
			if (!strcmp(name, fw_set_name((enum fw_set)i, buf)))
				st->sets[i] = true;
		}
	}
	nftnl_set_free(s);
	return MNL_CB_OK;
}

struct elem_dump {
	struct fw_elems *out;
	int error;
};

static int elem_one(struct nftnl_set_elem *e, void *data)
{
	struct elem_dump *d = data;
	struct fw_elem x;
	const void *p;
	uint32_t len;

	memset(&x, 0, sizeof(x));
	p = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	if (!p || len > FW_KEY_MAX)
		return 0;
	memcpy(x.key, p, len);
	x.klen = (uint8_t)len;
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_DATA)) {
		p = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &len);
		if (p && len <= FW_DATA_MAX) {
			memcpy(x.data, p, len);
			x.dlen = (uint8_t)len;
		}
	}
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_USERDATA)) {
		p = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len);
		udata_comment(p, len, x.comment, sizeof(x.comment));
	}
	if (fw_elems_push(d->out, &x) < 0)
		d->error = -ENOMEM;
	return 0;
}

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct elem_dump *d = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return -ENOMEM;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) == 0)
		nftnl_set_elem_foreach(s, elem_one, d);
	nftnl_set_free(s);
	return d->error ? d->error : MNL_CB_OK;
}

static int flowtable_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fw_state *st = data;
	struct nftnl_flowtable *ft = nftnl_flowtable_alloc();
	int r = MNL_CB_OK;

	if (!ft)
		return -ENOMEM;
	if (nftnl_flowtable_nlmsg_parse(nlh, ft) == 0 &&
	    !strcmp(nftnl_flowtable_get_str(ft, NFTNL_FLOWTABLE_TABLE), VNET_FW_TABLE)) {
		char **v = realloc(st->flowtables, (st->n_flowtables + 1) * sizeof(*v));

		if (!v) {
			r = -ENOMEM;
		} else {
			st->flowtables = v;
			v[st->n_flowtables] = strdup(nftnl_flowtable_get_str(ft, NFTNL_FLOWTABLE_NAME));
			if (v[st->n_flowtables])
				st->n_flowtables++;
			else
				r = -ENOMEM;
		}
	}
	nftnl_flowtable_free(ft);
	return r;
}

/* One dump (or get) request for objects of table inet vnet. */
static int dump(struct vnet_ctx *ctx, struct vnet_nl *nl, uint16_t type, const char *set,
		mnl_cb_t cb, void *data)
{
	char buf[512];
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET,
				    type == NFT_MSG_GETTABLE ? 0 : NLM_F_DUMP, 0);
	switch (type) {
	case NFT_MSG_GETTABLE:
		mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, VNET_FW_TABLE);
		break;
	case NFT_MSG_GETRULE:
		mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, VNET_FW_TABLE);
		break;
	case NFT_MSG_GETSETELEM:
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, VNET_FW_TABLE);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
		break;
	default:
		break;
	}
	return vnet_nl_talk(ctx, nl, nlh, cb, data);
}

int fw_state_read(struct vnet_ctx *ctx, struct fw_state *st)
{
	struct vnet_nl *nl;
	int r;

	memset(st, 0, sizeof(*st));
	r = vnet_nl_get(ctx, NETLINK_NETFILTER, &nl);
	if (r < 0)
		return r;
	r = dump(ctx, nl, NFT_MSG_GETTABLE, NULL, NULL, NULL);
	if (r == -ENOENT) {
		ctx->err.msg[0] = '\0';
		return 0;
	}
	if (r < 0)
		return vnet_ctx_fail_errno(ctx, r, "reading table inet %s", VNET_FW_TABLE);
	st->table = true;
	r = dump(ctx, nl, NFT_MSG_GETCHAIN, NULL, chain_cb, st);
	/* each rule looks its chain up: with thousands of chains, by binary search */
	fw_state_sort(st);
	if (r >= 0)
		r = dump(ctx, nl, NFT_MSG_GETRULE, NULL, rule_cb, st);
	st->sigs = r >= 0;
	if (r >= 0)
		r = dump(ctx, nl, NFT_MSG_GETSET, NULL, set_cb, st);
	for (int i = 0; i < FW_SET_COUNT && r >= 0; i++) {
		struct elem_dump d = { .out = &st->elems[i] };
		char name[FW_SET_NAME_MAX];

		if (!st->sets[i])
			continue;
		r = dump(ctx, nl, NFT_MSG_GETSETELEM, fw_set_name((enum fw_set)i, name), elem_cb, &d);
		fw_elems_sort(&st->elems[i]);
	}
	if (r >= 0) {
		r = dump(ctx, nl, NFT_MSG_GETFLOWTABLE, NULL, flowtable_cb, st);
		/* Kernels without flowtables may refuse the dump: then there are none. */
		if (r == -EOPNOTSUPP || r == -ENOENT) {
			ctx->err.msg[0] = '\0';
			r = 0;
		}
	}
	if (r < 0) {
		r = vnet_ctx_fail_errno(ctx, r, "reading table inet %s", VNET_FW_TABLE);
		fw_state_release(st);
	}
	return r;
}
