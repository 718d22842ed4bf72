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

/* A subnet as the range of addresses it covers, with its network. */
struct fw_span {
	int family;
	uint8_t lo[16], hi[16];
	struct fw_cnet *owner;         /* NULL: dropped, compacted away soon */
};

struct fw_cache {
	uint32_t genid;
	uint32_t epoch;                /* one per delta: which networks it saw */
	size_t first;                  /* hint: where the spec's first network is in @nets */
	struct fw_cnet **nets;
	size_t n_nets, cap_nets;
	struct fw_map names;           /* network name -> fw_cnet */
	struct fw_map keys;            /* fw_ekey -> the fw_cnet whose element it is */
	struct fw_span *spans;         /* every subnet: sorted by (family, lo), disjoint */
	size_t n_spans, cap_spans;
	struct fw_shared shared;       /* what depends on all networks together */
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

/* ---- a network's input: copied, compared ---- */

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Runs for every subnet and forward of every network on each apply: constant-size compares only. */
static bool prefix_eq(const struct vnet_prefix *a, const struct vnet_prefix *b)
{
	if (a->family != b->family || a->len != b->len)
		return false;
	if (a->family == AF_INET)
		return a->addr.v4.s_addr == b->addr.v4.s_addr;
	return !memcmp(a->addr.bytes, b->addr.bytes, sizeof(a->addr.bytes));
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool forward_eq(const struct vnet_fw_forward *a, const struct vnet_fw_forward *b)
{
	return a->proto == b->proto && a->has_address == b->has_address &&
	       (!a->has_address || prefix_eq(&a->address, &b->address)) && a->port == b->port &&
	       a->port_end == b->port_end && prefix_eq(&a->to, &b->to) && a->to_port == b->to_port;
}

/*
 * Is @b the input @a (a copy, once validated) was? Every field that the
 * rules, the elements and the checks read; the names are equal already.
 */
static bool same_input(const struct vnet_fw_network *a, const struct vnet_fw_network *b)
{
	if (a->mode != b->mode || a->n_subnets != b->n_subnets || a->n_forwards != b->n_forwards ||
	    a->has_snat4 != b->has_snat4 || a->flowtable != b->flowtable ||
	    !str_eq(a->bridge, b->bridge) || !str_eq(a->nat_uplink, b->nat_uplink) ||
	    (a->has_snat4 && !prefix_eq(&a->snat4, &b->snat4)) ||
	    (a->n_subnets && !b->subnets) || (a->n_forwards && !b->forwards))
		return false;
	for (size_t i = 0; i < a->n_subnets; i++)
		if (!prefix_eq(&a->subnets[i], &b->subnets[i]))
			return false;
	for (size_t i = 0; i < a->n_forwards; i++)
		if (!forward_eq(&a->forwards[i], &b->forwards[i]))
			return false;
	return true;
}

static void free_input(struct vnet_fw_network *n)
{
	free((void *)n->name);
	free((void *)n->bridge);
	free((void *)n->nat_uplink);
	free((void *)n->subnets);
	free((void *)n->forwards);
	memset(n, 0, sizeof(*n));
}

static void *memdup(const void *p, size_t len)
{
	void *q = len ? malloc(len) : NULL;

	if (q)
		memcpy(q, p, len);
	return q;
}

static int copy_input(struct vnet_fw_network *to, const struct vnet_fw_network *from)
{
	*to = *from;
	to->name = strdup(from->name);
	to->bridge = strdup(from->bridge);
	to->nat_uplink = from->nat_uplink ? strdup(from->nat_uplink) : NULL;
	to->subnets = memdup(from->subnets, from->n_subnets * sizeof(*from->subnets));
	to->forwards = memdup(from->forwards, from->n_forwards * sizeof(*from->forwards));
	if (!to->name || !to->bridge || (from->nat_uplink && !to->nat_uplink) ||
	    (from->n_subnets && !to->subnets) || (from->n_forwards && !to->forwards)) {
		free_input(to);
		return -ENOMEM;
	}
	return 0;
}

/* ---- the indexes: keys and subnets, each with its network ---- */

static size_t ekey_len(const struct fw_ekey *k)
{
	return 2u + k->klen;
}

static void ekey_of(struct fw_ekey *k, enum fw_set set, const struct fw_elem *e)
{
	k->set = (uint8_t)set;
	k->klen = e->klen;
	memcpy(k->key, e->key, e->klen);
}

/* The keys of @el's elements, in one array. */
static int keys_of(const struct fw_elems el[FW_SET_COUNT], struct fw_ekey **out, size_t *n)
{
	size_t total = 0, k = 0;

	*out = NULL;
	*n = 0;
	for (int s = 0; s < FW_SET_COUNT; s++)
		total += el[s].n;
	if (!total)
		return 0;
	*out = malloc(total * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (int s = 0; s < FW_SET_COUNT; s++)
		for (size_t i = 0; i < el[s].n; i++)
			ekey_of(&(*out)[k++], (enum fw_set)s, &el[s].v[i]);
	*n = total;
	return 0;
}

static void span_of(const struct vnet_prefix *p, struct fw_cnet *owner, struct fw_span *sp)
{
	size_t bytes = addr_len(p->family);

	memset(sp, 0, sizeof(*sp));
	sp->family = p->family;
	sp->owner = owner;
	for (size_t b = 0; b < bytes; b++) {
		unsigned int bits = p->len > b * 8 ? p->len - (unsigned int)b * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

		sp->lo[b] = p->addr.bytes[b] & mask;
		sp->hi[b] = p->addr.bytes[b] | (uint8_t)~mask;
	}
}

static int span_cmp(const struct fw_span *x, const struct fw_span *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->lo, y->lo, sizeof(x->lo));
}

static int span_qcmp(const void *a, const void *b)
{
	return span_cmp(a, b);
}

/* The first span that starts after @x. */
static size_t span_upper(const struct fw_cache *c, const struct fw_span *x)
{
	size_t lo = 0, hi = c->n_spans;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (span_cmp(&c->spans[mid], x) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* In the spec of this delta, with the input it was applied with. */
static bool stable(const struct fw_cache *c, const struct fw_cnet *e)
{
	return e && e->seen == c->epoch && !e->dirty;
}

/*
 * Does @x overlap a subnet of a network that stays? The index's spans come
 * from one valid spec, so they are disjoint: of those starting at or before
 * @x only the last can reach into it, and every later one that starts
 * inside it overlaps.
 */
static bool span_clash(const struct fw_cache *c, const struct fw_span *x)
{
	size_t i = span_upper(c, x);

	if (i > 0) {
		const struct fw_span *p = &c->spans[i - 1];

		if (p->family == x->family && memcmp(p->hi, x->lo, sizeof(x->lo)) >= 0 &&
		    stable(c, p->owner))
			return true;
	}
	for (; i < c->n_spans; i++) {
		const struct fw_span *q = &c->spans[i];

		if (q->family != x->family || memcmp(q->lo, x->hi, sizeof(x->lo)) > 0)
			break;
		if (stable(c, q->owner))
			return true;
	}
	return false;
}

/* Sorted by first address: does any span overlap another? */
static bool spans_overlap(struct fw_span *v, size_t n)
{
	qsort(v, n, sizeof(*v), span_qcmp);
	for (size_t i = 1, far = 0; i < n; i++) {
		if (v[i].family != v[far].family) {
			far = i;
			continue;
		}
		if (memcmp(v[i].lo, v[far].hi, sizeof(v[i].lo)) <= 0)
			return true;
		if (memcmp(v[i].hi, v[far].hi, sizeof(v[i].hi)) > 0)
			far = i;
	}
	return false;
}

static int spans_push(struct fw_cache *c, const struct fw_span *sp)
{
	if (c->n_spans == c->cap_spans) {
		size_t cap = c->cap_spans ? c->cap_spans * 2 : 64;
		struct fw_span *v = realloc(c->spans, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->spans = v;
		c->cap_spans = cap;
	}
	c->spans[c->n_spans++] = *sp;
	return 0;
}

/* Put the spans appended since @from in their places: one by one when few. */
static void spans_settle(struct fw_cache *c, size_t from)
{
	if (c->n_spans - from > 16) {
		qsort(c->spans, c->n_spans, sizeof(*c->spans), span_qcmp);
		return;
	}
	for (size_t i = from; i < c->n_spans; i++) {
		struct fw_span x = c->spans[i];
		size_t at, n = c->n_spans;

		c->n_spans = i;
		at = span_upper(c, &x);
		c->n_spans = n;
		memmove(&c->spans[at + 1], &c->spans[at], (i - at) * sizeof(x));
		c->spans[at] = x;
	}
}

static void spans_compact(struct fw_cache *c)
{
	size_t w = 0;

	for (size_t i = 0; i < c->n_spans; i++)
		if (c->spans[i].owner)
			c->spans[w++] = c->spans[i];
	c->n_spans = w;
}

/* Take @e's keys and subnets out of the indexes (its spans are compacted away later). */
static void unindex(struct fw_cache *c, struct fw_cnet *e, bool *dropped)
{
	*dropped = true;
	for (size_t k = 0; k < e->n_keys; k++)
		if (fw_map_get(&c->keys, &e->keys[k], ekey_len(&e->keys[k])) == e)
			fw_map_del(&c->keys, &e->keys[k], ekey_len(&e->keys[k]));
	for (size_t i = 0; i < e->in.n_subnets; i++) {
		struct fw_span x;
		size_t at;

		span_of(&e->in.subnets[i], e, &x);
		at = span_upper(c, &x);
		if (at > 0 && !span_cmp(&c->spans[at - 1], &x) && c->spans[at - 1].owner == e)
			c->spans[at - 1].owner = NULL;
	}
}

/* Put @e's keys in the index and append its spans (spans_settle sorts them in). */
static int index_net(struct fw_cache *c, struct fw_cnet *e)
{
	for (size_t k = 0; k < e->n_keys; k++) {
		int r = fw_map_put(&c->keys, &e->keys[k], ekey_len(&e->keys[k]), e);

		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < e->in.n_subnets; i++) {
		struct fw_span x;

		span_of(&e->in.subnets[i], e, &x);
		if (spans_push(c, &x) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* ---- what depends on all networks together ---- */

/* Count @n's prefix lengths and flowtable in (@sign 1) or out (-1). */
static void shared_count(struct fw_shared *sh, const struct vnet_fw_network *n, int sign)
{
	if (n->mode != VNET_FW_NAT && n->mode != VNET_FW_ROUTED)
		return;
	for (size_t i = 0; i < n->n_subnets; i++) {
		const struct vnet_prefix *p = &n->subnets[i];

		if (p->family == AF_INET && p->len < 32)
			sh->len4[p->len] += (unsigned int)sign;
		else if (p->family == AF_INET6 && p->len < 128)
			sh->len6[p->len] += (unsigned int)sign;
	}
	if (n->flowtable && sign > 0)
		sh->n_flow++;
	else if (n->flowtable)
		sh->n_flow--;
}

/* The sets that exist for @sh: fw_sets_wanted without looking at every network. */
static void shared_sets(const struct fw_shared *sh, bool out[FW_SET_COUNT])
{
	memset(out, 0, FW_SET_COUNT * sizeof(*out));
	for (int i = 0; i < FW_SET_FIXED; i++)
		out[i] = true;
	for (unsigned int len = 0; len < 32; len++)
		out[FW_SET_N4 + len] = out[FW_SET_R4 + len] = sh->len4[len] > 0;
	for (unsigned int len = 0; len < 128; len++)
		out[FW_SET_A6 + len] = sh->len6[len] > 0;
}

/*
 * The shared parts after the delta: counted from the networks that change
 * only. The prefix chains are made again when the lengths in use change;
 * fwd_flow when its fingerprint does, which only a spec with flowtables
 * (before or after) needs the whole spec for.
 */
static int shared_delta(struct fw_cache *c, struct fw_delta *d)
{
	struct fw_shared *sh = &d->shared;

	*sh = c->shared;
	for (size_t i = 0; i < d->n_gone; i++)
		shared_count(sh, &d->gone[i]->in, -1);
	for (size_t i = 0; i < d->n_dirty; i++) {
		if (d->dirty[i].old)
			shared_count(sh, &d->dirty[i].old->in, -1);
		shared_count(sh, d->dirty[i].n, 1);
	}
	shared_sets(&c->shared, d->have_sets);
	shared_sets(sh, d->want_sets);
	d->prefixes = memcmp(d->have_sets, d->want_sets, sizeof(d->have_sets)) != 0;
	if (!c->shared.n_flow && !sh->n_flow)
		return 0;
	fw_flow_tag(d->spec, sh->flow_tag, sizeof(sh->flow_tag));
	d->flow = strcmp(sh->flow_tag, c->shared.flow_tag) != 0;
	if (!d->flow || !c->shared.n_flow)
		return 0;
	/* the flowtables there are now: fwd_flow is made again with all of them */
	d->flowtables = calloc(c->shared.n_flow, sizeof(*d->flowtables));
	if (!d->flowtables)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_nets; i++) {
		const struct vnet_fw_network *n = &c->nets[i]->in;

		if (!n->flowtable || n->mode == VNET_FW_OPEN || d->n_flowtables == c->shared.n_flow)
			continue;
		if (asprintf(&d->flowtables[d->n_flowtables], "ft_%s", n->name) < 0)
			return -ENOMEM;
		d->n_flowtables++;
	}
	return 0;
}

/* ---- the cache ---- */

static void cnet_free(struct fw_cnet *e)
{
	if (!e)
		return;
	free_input(&e->in);
	free(e->keys);
	free(e);
}

static int nets_push(struct fw_cache *c, struct fw_cnet *e)
{
	if (c->n_nets == c->cap_nets) {
		size_t cap = c->cap_nets ? c->cap_nets * 2 : 16;
		struct fw_cnet **v = realloc(c->nets, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->nets = v;
		c->cap_nets = cap;
	}
	e->at = c->n_nets;
	c->nets[c->n_nets++] = e;
	return 0;
}

static void nets_remove(struct fw_cache *c, struct fw_cnet *e)
{
	struct fw_cnet *last = c->nets[--c->n_nets];

	c->nets[e->at] = last;
	last->at = e->at;
}

static void cache_free(struct fw_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_nets; i++)
		cnet_free(c->nets[i]);
	free(c->nets);
	fw_map_release(&c->names);
	fw_map_release(&c->keys);
	free(c->spans);
	free(c);
}

void fw_cache_drop(struct vnet_ctx *ctx)
{
	cache_free(ctx->fw_cache);
	ctx->fw_cache = NULL;
}

void vnet_fw_cache_free(struct vnet_ctx *ctx)
{
	fw_cache_drop(ctx);
}

bool fw_cache_genid(struct vnet_ctx *ctx, uint32_t *genid)
{
	if (ctx->fw_cache)
		*genid = ctx->fw_cache->genid;
	return ctx->fw_cache != NULL;
}

bool fw_cache_valid(struct vnet_ctx *ctx, uint32_t genid)
{
	return ctx->fw_cache && ctx->fw_cache->genid == genid;
}

static void elems_clear(struct fw_elems el[FW_SET_COUNT])
{
	for (int s = 0; s < FW_SET_COUNT; s++)
		el[s].n = 0;
}

static void elems_release(struct fw_elems el[FW_SET_COUNT])
{
	for (int s = 0; s < FW_SET_COUNT; s++)
		fw_elems_release(&el[s]);
}

void fw_cache_store(struct vnet_ctx *ctx, const struct vnet_fw_spec *spec, uint32_t genid)
{
	struct fw_cache *c = calloc(1, sizeof(*c));
	struct fw_elems el[FW_SET_COUNT];
	int r = c ? 0 : -ENOMEM;

	memset(el, 0, sizeof(el));
	fw_cache_drop(ctx);
	for (size_t i = 0; i < spec->n_networks && r >= 0; i++) {
		const struct vnet_fw_network *n = &spec->networks[i];
		struct fw_cnet *e = calloc(1, sizeof(*e));

		if (!e || copy_input(&e->in, n) < 0) {
			free(e);
			r = -ENOMEM;
			break;
		}
		r = nets_push(c, e);
		if (r < 0) {
			cnet_free(e);
			break;
		}
		e->next = e->at + 1;
		shared_count(&c->shared, n, 1);
		elems_clear(el);
		r = fw_network_elems(n, el);
		if (r >= 0)
			r = keys_of(el, &e->keys, &e->n_keys);
		e->cap_keys = e->n_keys;
		e->cap_forwards = e->in.n_forwards;
		if (r >= 0)
			r = fw_map_put(&c->names, e->in.name, strlen(e->in.name), e);
		if (r >= 0)
			r = index_net(c, e);
	}
	elems_release(el);
	if (r < 0) {
		cache_free(c);
		return;
	}
	if (c->n_spans > 1)
		qsort(c->spans, c->n_spans, sizeof(*c->spans), span_qcmp);
	fw_flow_tag(spec, c->shared.flow_tag, sizeof(c->shared.flow_tag));
	c->genid = genid;
	ctx->fw_cache = c;
}

void fw_delta_release(struct fw_delta *d)
{
	for (size_t i = 0; i < d->n_dirty; i++)
		free(d->dirty[i].keys);
	free(d->dirty);
	free(d->gone);
	for (size_t i = 0; i < d->n_flowtables; i++)
		free(d->flowtables[i]);
	free(d->flowtables);
	elems_release(d->old);
	elems_release(d->now);
	memset(d, 0, sizeof(*d));
}

static int push_dirty(struct fw_delta *d, size_t *cap, const struct vnet_fw_network *n,
		      struct fw_cnet *old)
{
	if (d->n_dirty == *cap) {
		size_t m = *cap ? *cap * 2 : 4;
		struct fw_dirty *v = realloc(d->dirty, m * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->dirty = v;
		*cap = m;
	}
	memset(&d->dirty[d->n_dirty], 0, sizeof(*d->dirty));
	d->dirty[d->n_dirty].n = n;
	d->dirty[d->n_dirty++].old = old;
	return 0;
}

static int push_elems(struct fw_elems to[FW_SET_COUNT], const struct fw_elems from[FW_SET_COUNT])
{
	for (int s = 0; s < FW_SET_COUNT; s++)
		for (size_t i = 0; i < from[s].n; i++)
			if (fw_elems_push(&to[s], &from[s].v[i]) < 0)
				return -ENOMEM;
	return 0;
}

static int str_qcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One dirty network: valid alone, clashing with no network that stays; its elements and subnets. */
static int take_dirty(struct fw_cache *c, struct fw_delta *d, struct fw_dirty *dn,
		      struct fw_elems el[FW_SET_COUNT], struct fw_span *spans, size_t *n_spans)
{
	const struct vnet_fw_network *n = dn->n;
	struct vnet_error scratch;
	int r;

	if (fw_validate_network(n, &scratch) < 0)
		return -EAGAIN;
	for (size_t j = 0; j < n->n_forwards; j++)
		if (fw_validate_forward(n, &n->forwards[j], j, &scratch) < 0)
			return -EAGAIN;
	elems_clear(el);
	r = fw_network_elems(n, el);
	if (r >= 0)
		r = keys_of(el, &dn->keys, &dn->n_keys);
	if (r < 0)
		return r;
	/* a bridge or a forward's listen port that a network which stays has */
	for (size_t k = 0; k < dn->n_keys; k++)
		if (stable(c, fw_map_get(&c->keys, &dn->keys[k], ekey_len(&dn->keys[k]))))
			return -EAGAIN;
	for (size_t i = 0; i < n->n_subnets; i++) {
		span_of(&n->subnets[i], NULL, &spans[*n_spans]);
		if (span_clash(c, &spans[(*n_spans)++]))
			return -EAGAIN;
	}
	return push_elems(d->now, el);
}

int fw_cache_delta(struct vnet_ctx *ctx, const struct vnet_fw_spec *spec, struct fw_delta *d)
{
	struct fw_cache *c = ctx->fw_cache;
	struct fw_elems el[FW_SET_COUNT];
	struct fw_span *spans = NULL;
	const char **fresh = NULL;
	size_t cap = 0, matched = 0, n_spans = 0, n_fresh = 0;
	struct fw_cnet *prev = NULL;
	int r = -EAGAIN;

	memset(d, 0, sizeof(*d));
	memset(el, 0, sizeof(el));
	d->spec = spec;
	if (!c || !spec || (spec->n_networks && !spec->networks))
		return -EAGAIN;
	c->epoch++;
	/* each network against what it was: a look-up and a comparison */
	for (size_t i = 0, hint = c->first; i < spec->n_networks; i++) {
		const struct vnet_fw_network *n = &spec->networks[i];
		struct fw_cnet *e;

		if (!n->name)
			goto out;
		/* the spec lists the networks in the order it did last time, mostly */
		if (hint < c->n_nets && !strcmp(c->nets[hint]->in.name, n->name))
			e = c->nets[hint];
		else
			e = fw_map_get(&c->names, n->name, strlen(n->name));
		/* hints only, checked by name: where the spec's next network was in @nets */
		if (i == 0)
			c->first = e ? e->at : SIZE_MAX;
		else if (prev && e)
			prev->next = e->at;
		hint = e ? e->next : SIZE_MAX;
		prev = e;
		if (e) {
			if (e->seen == c->epoch)
				goto out; /* listed twice */
			e->seen = c->epoch;
			matched++;
			e->dirty = !same_input(&e->in, n);
			if (!e->dirty)
				continue;
		}
		r = push_dirty(d, &cap, n, e);
		if (r < 0)
			goto out;
		r = -EAGAIN;
	}
	if (matched < c->n_nets) {
		d->gone = calloc(c->n_nets - matched, sizeof(*d->gone));
		if (!d->gone) {
			r = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < c->n_nets; i++)
			if (c->nets[i]->seen != c->epoch)
				d->gone[d->n_gone++] = c->nets[i];
	}

	/* the dirty ones: alone, against the networks that stay, among themselves */
	for (size_t i = 0; i < d->n_dirty; i++)
		n_spans += d->dirty[i].n->n_subnets;
	spans = calloc(n_spans ? n_spans : 1, sizeof(*spans));
	fresh = calloc(d->n_dirty ? d->n_dirty : 1, sizeof(*fresh));
	if (!spans || !fresh) {
		r = -ENOMEM;
		goto out;
	}
	n_spans = 0;
	for (size_t i = 0; i < d->n_dirty; i++) {
		r = take_dirty(c, d, &d->dirty[i], el, spans, &n_spans);
		if (r < 0)
			goto out;
		if (!d->dirty[i].old)
			fresh[n_fresh++] = d->dirty[i].n->name;
	}
	r = -EAGAIN;
	qsort(fresh, n_fresh, sizeof(*fresh), str_qcmp);
	for (size_t i = 1; i < n_fresh; i++)
		if (!strcmp(fresh[i - 1], fresh[i]))
			goto out;
	if (spans_overlap(spans, n_spans))
		goto out;
	for (int s = 0; s < FW_SET_COUNT; s++) {
		fw_elems_sort(&d->now[s]);
		for (size_t i = 1; i < d->now[s].n; i++)
			if (!fw_elem_keycmp(&d->now[s].v[i - 1], &d->now[s].v[i]))
				goto out;
	}

	/* what the dirty and gone networks have in the table now */
	r = 0;
	for (size_t i = 0; i < d->n_dirty && r >= 0; i++)
		if (d->dirty[i].old)
			r = fw_network_elems(&d->dirty[i].old->in, d->old);
	for (size_t i = 0; i < d->n_gone && r >= 0; i++)
		r = fw_network_elems(&d->gone[i]->in, d->old);
	for (int s = 0; s < FW_SET_COUNT; s++)
		fw_elems_sort(&d->old[s]);
	if (r >= 0)
		r = shared_delta(c, d);
out:
	elems_release(el);
	free(spans);
	free(fresh);
	if (r < 0)
		fw_delta_release(d);
	return r;
}

void fw_cache_commit(struct vnet_ctx *ctx, struct fw_delta *d, uint32_t genid)
{
	struct fw_cache *c = ctx->fw_cache;
	bool dropped = false;
	size_t from;
	int r = 0;

	if (!c)
		return;
	/* everything that goes leaves the indexes first: a key may pass to another network */
	for (size_t i = 0; i < d->n_gone; i++) {
		struct fw_cnet *g = d->gone[i];

		unindex(c, g, &dropped);
		fw_map_del(&c->names, g->in.name, strlen(g->in.name));
		nets_remove(c, g);
		cnet_free(g);
	}
	d->n_gone = 0;
	for (size_t i = 0; i < d->n_dirty; i++)
		if (d->dirty[i].old)
			unindex(c, d->dirty[i].old, &dropped);
	if (dropped)
		spans_compact(c);
	from = c->n_spans;
	for (size_t i = 0; i < d->n_dirty && r >= 0; i++) {
		struct fw_dirty *dn = &d->dirty[i];
		struct fw_cnet *e = dn->old;
		struct vnet_fw_network in;

		r = copy_input(&in, dn->n);
		if (r < 0)
			break;
		if (e) {
			fw_map_del(&c->names, e->in.name, strlen(e->in.name));
			free_input(&e->in);
			free(e->keys);
		} else {
			e = calloc(1, sizeof(*e));
			if (!e || nets_push(c, e) < 0) {
				free(e);
				free_input(&in);
				r = -ENOMEM;
				break;
			}
		}
		e->in = in;
		e->keys = dn->keys;
		e->n_keys = e->cap_keys = dn->n_keys;
		e->cap_forwards = e->in.n_forwards;
		dn->keys = NULL;
		r = fw_map_put(&c->names, e->in.name, strlen(e->in.name), e);
		if (r >= 0)
			r = index_net(c, e);
	}
	if (r < 0) {
		fw_cache_drop(ctx);
		return;
	}
	spans_settle(c, from);
	c->shared = d->shared;
	c->genid = genid;
}

/* Do @a and @b listen on the same key: map, protocol, address, ports? */
static bool same_listener(const struct vnet_fw_forward *a, const struct vnet_fw_forward *b)
{
	uint16_t a_end = a->port_end > a->port ? a->port_end : a->port;
	uint16_t b_end = b->port_end > b->port ? b->port_end : b->port;

	return fw_forward_set(a) == fw_forward_set(b) && a->proto == b->proto &&
	       a->has_address == b->has_address &&
	       (!a->has_address || prefix_eq(&a->address, &b->address)) && a->port == b->port &&
	       a_end == b_end;
}

/* Room for @more keys in @e's array; the index follows the keys when they move. */
static int keys_reserve(struct fw_cache *c, struct fw_cnet *e, size_t more)
{
	size_t cap = e->cap_keys ? e->cap_keys * 2 : 16;
	struct fw_ekey *v;

	if (e->n_keys + more <= e->cap_keys)
		return 0;
	if (cap < e->n_keys + more)
		cap = e->n_keys + more;
	v = malloc(cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (e->n_keys)
		memcpy(v, e->keys, e->n_keys * sizeof(*v));
	for (size_t k = 0; k < e->n_keys; k++)
		fw_map_put(&c->keys, &v[k], ekey_len(&v[k]), e);
	free(e->keys);
	e->keys = v;
	e->cap_keys = cap;
	return 0;
}

/* The keys of forward @f of network @network. */
static int forward_keys(const char *network, const struct vnet_fw_forward *f,
			struct fw_ekey **keys, size_t *n)
{
	struct fw_elems el[FW_SET_COUNT];
	int r;

	memset(el, 0, sizeof(el));
	r = fw_forward_elems(network, f, &el[fw_forward_set(f)]);
	if (r >= 0)
		r = keys_of(el, keys, n);
	elems_release(el);
	return r;
}

static int forward_added(struct fw_cache *c, struct fw_cnet *e, const struct vnet_fw_forward *f)
{
	struct fw_ekey *keys;
	size_t n_keys;
	int r;

	r = forward_keys(e->in.name, f, &keys, &n_keys);
	if (r < 0)
		return r;
	/* a key another network has: the kernel's element is not this forward's */
	for (size_t k = 0; k < n_keys; k++)
		if (fw_map_get(&c->keys, &keys[k], ekey_len(&keys[k]))) {
			r = -EEXIST;
			goto out;
		}
	if (e->in.n_forwards == e->cap_forwards) {
		size_t cap = e->cap_forwards ? e->cap_forwards * 2 : 4;
		struct vnet_fw_forward *v = realloc((void *)e->in.forwards, cap * sizeof(*v));

		if (!v) {
			r = -ENOMEM;
			goto out;
		}
		e->in.forwards = v;
		e->cap_forwards = cap;
	}
	r = keys_reserve(c, e, n_keys);
	if (r < 0)
		goto out;
	((struct vnet_fw_forward *)e->in.forwards)[e->in.n_forwards++] = *f;
	for (size_t k = 0; k < n_keys && r >= 0; k++) {
		e->keys[e->n_keys] = keys[k];
		r = fw_map_put(&c->keys, &e->keys[e->n_keys], ekey_len(&keys[k]), e);
		e->n_keys++;
	}
out:
	free(keys);
	return r;
}

static int forward_removed(struct fw_cache *c, struct fw_cnet *e, size_t at)
{
	struct vnet_fw_forward *v = (struct vnet_fw_forward *)e->in.forwards;
	struct fw_ekey *keys;
	size_t n_keys;
	int r;

	r = forward_keys(e->in.name, &v[at], &keys, &n_keys);
	if (r < 0)
		return r;
	for (size_t k = 0; k < n_keys; k++) {
		const struct fw_ekey *in = fw_map_key(&c->keys, &keys[k], ekey_len(&keys[k]));
		size_t i = SIZE_MAX;

		if (in && fw_map_get(&c->keys, &keys[k], ekey_len(&keys[k])) == e)
			i = (size_t)(in - e->keys);
		if (i >= e->n_keys) {
			r = -ENOENT;
			break;
		}
		/* the last key takes the place of the one that goes */
		fw_map_del(&c->keys, &keys[k], ekey_len(&keys[k]));
		e->keys[i] = e->keys[--e->n_keys];
		if (i < e->n_keys)
			fw_map_put(&c->keys, &e->keys[i], ekey_len(&e->keys[i]), e);
	}
	free(keys);
	if (r < 0)
		return r;
	memmove(&v[at], &v[at + 1], (e->in.n_forwards - at - 1) * sizeof(*v));
	e->in.n_forwards--;
	return 0;
}

/* Where @e has a forward listening where @f does; SIZE_MAX: nowhere. */
static size_t find_listener(const struct fw_cnet *e, const struct vnet_fw_forward *f)
{
	for (size_t i = 0; i < e->in.n_forwards; i++)
		if (same_listener(&e->in.forwards[i], f))
			return i;
	return SIZE_MAX;
}

void fw_cache_forward(struct vnet_ctx *ctx, const char *network, const struct vnet_fw_forward *f,
		      bool add, uint32_t before)
{
	struct fw_cache *c = ctx->fw_cache;
	struct fw_cnet *e = c ? fw_map_get(&c->names, network, strlen(network)) : NULL;
	size_t at;

	if (!e)
		goto drop;
	if (add) {
		struct vnet_fw_forward port = *f;
		struct fw_elems one = { NULL, 0, 0 };
		struct fw_ekey k;
		bool known;

		/* its first port in no network's keys: a new forward, found without a scan */
		port.port_end = 0;
		if (fw_forward_elems(network, &port, &one) < 0 || one.n != 1) {
			fw_elems_release(&one);
			goto drop;
		}
		ekey_of(&k, fw_forward_set(f), &one.v[0]);
		fw_elems_release(&one);
		known = fw_map_get(&c->keys, &k, ekey_len(&k)) != NULL;
		if (!known) {
			if (forward_added(c, e, f) < 0)
				goto drop;
		} else {
			uint32_t now;

			/*
			 * Added again: the kernel kept what it had, when that was
			 * this very forward, and may have committed nothing at all.
			 */
			at = find_listener(e, f);
			if (at == SIZE_MAX || !forward_eq(&e->in.forwards[at], f) ||
			    fw_gen_get(ctx, &now) < 0 || (now != before && now != before + 1))
				goto drop;
			c->genid = now;
			return;
		}
	} else {
		at = find_listener(e, f);
		if (at == SIZE_MAX || forward_removed(c, e, at) < 0)
			goto drop;
	}
	/* a batch that changed something: exactly one commit */
	c->genid = before + 1;
	return;
drop:
	fw_cache_drop(ctx);
}

/* ---- the cache as a state, to compare with what is read back ---- */

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
	r = fw_desired_elems(spec, st->elems);
	if (r < 0)
		goto fail;
	fw_state_sort(st);
	st->derived = true;
	return 0;
fail:
	fw_state_release(st);
	return r;
}

int fw_cache_state(struct vnet_ctx *ctx, uint32_t genid, struct fw_state *st)
{
	struct fw_cache *c = ctx->fw_cache;
	struct vnet_fw_network *v;
	struct vnet_fw_spec spec;
	int r;

	memset(st, 0, sizeof(*st));
	if (!fw_cache_valid(ctx, genid))
		return -ENOENT;
	v = calloc(c->n_nets ? c->n_nets : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_nets; i++)
		v[i] = c->nets[i]->in;
	spec = (struct vnet_fw_spec){ v, c->n_nets };
	r = fw_state_from_spec(&spec, st);
	free(v);
	if (r >= 0) {
		/* the cache's order is not the spec's: fwd_flow has the fingerprint it was made with */
		struct fw_chain_state *flow = fw_state_chain(st, FW_CHAIN_FLOW);

		if (flow && flow->rules)
			snprintf(flow->tag, sizeof(flow->tag), "%s", c->shared.flow_tag);
	}
	return r;
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
