/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Port forwards as map elements: one element per port, keyed
 * l4proto . [listen address .] port, valued target address . port, in one of
 * four maps (IPv4/IPv6, with or without a listen address). Adding or removing
 * a forward is one small batch whatever the map already holds.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "firewall-int.h"

/* Elements per NEWSETELEM message: the element list is one attribute (64 KiB at most). */
#define FW_ELEMS_PER_MSG 256

int fw_elems_push(struct fw_elems *e, const struct fw_elem *x)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		struct fw_elem *v = realloc(e->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = *x;
	return 0;
}

void fw_elems_release(struct fw_elems *e)
{
	free(e->v);
	memset(e, 0, sizeof(*e));
}

int fw_elem_keycmp(const struct fw_elem *a, const struct fw_elem *b)
{
	if (a->klen != b->klen)
		return a->klen < b->klen ? -1 : 1;
	return memcmp(a->key, b->key, a->klen);
}

static int keycmp_q(const void *a, const void *b)
{
	return fw_elem_keycmp(a, b);
}

void fw_elems_sort(struct fw_elems *e)
{
	if (e->n > 1)
		qsort(e->v, e->n, sizeof(*e->v), keycmp_q);
}

bool fw_elem_same(const struct fw_elem *a, const struct fw_elem *b)
{
	return fw_elem_keycmp(a, b) == 0 && a->dlen == b->dlen &&
	       !memcmp(a->data, b->data, a->dlen);
}

enum fw_set fw_forward_set(const struct vnet_fw_forward *f)
{
	if (f->to.family == AF_INET6)
		return f->has_address ? FW_SET_FWD6 : FW_SET_FWD6ANY;
	return f->has_address ? FW_SET_FWD4 : FW_SET_FWD4ANY;
}

/* Concatenation fields are padded to 4 bytes. */
static size_t put(uint8_t *p, const void *v, size_t len)
{
	memcpy(p, v, len);
	return (len + 3u) & ~3u;
}

int fw_forward_elems(const char *network, const struct vnet_fw_forward *f, struct fw_elems *out)
{
	size_t alen = f->to.family == AF_INET6 ? 16 : 4;
	uint16_t last = f->port_end > f->port ? f->port_end : f->port;
	uint16_t to_port = f->to_port ? f->to_port : f->port;

	for (uint32_t p = f->port; p <= last; p++) {
		uint16_t kport = htons((uint16_t)p);
		uint16_t dport = htons((uint16_t)(to_port + (p - f->port)));
		struct fw_elem e;
		size_t k = 0, d = 0;
		int r;

		memset(&e, 0, sizeof(e));
		k += put(e.key + k, &f->proto, 1);
		if (f->has_address)
			k += put(e.key + k, f->address.addr.bytes, alen);
		k += put(e.key + k, &kport, 2);
		d += put(e.data + d, f->to.addr.bytes, alen);
		d += put(e.data + d, &dport, 2);
		e.klen = (uint8_t)k;
		e.dlen = (uint8_t)d;
		snprintf(e.comment, sizeof(e.comment), "%s", network ? network : "");
		r = fw_elems_push(out, &e);
		if (r < 0)
			return r;
	}
	return 0;
}

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : "?";
}

void fw_forward_format(const struct vnet_fw_forward *f, char *buf, size_t len)
{
	char a[VNET_PREFIX_STRLEN], t[VNET_PREFIX_STRLEN], range[16] = "", trange[16] = "";
	uint16_t to_port = f->to_port ? f->to_port : f->port;
	bool v6 = f->to.family == AF_INET6;

	if (f->port_end > f->port) {
		snprintf(range, sizeof(range), "-%u", f->port_end);
		snprintf(trange, sizeof(trange), "-%u", to_port + (f->port_end - f->port));
	}
	if (f->has_address)
		vnet_prefix_format(&f->address, false, a);
	else
		snprintf(a, sizeof(a), "*");
	vnet_prefix_format(&f->to, false, t);
	snprintf(buf, len, "%s %s%s%s:%u%s -> %s%s%s:%u%s", proto_name(f->proto),
		 v6 && f->has_address ? "[" : "", a, v6 && f->has_address ? "]" : "", f->port, range,
		 v6 ? "[" : "", t, v6 ? "]" : "", to_port, trange);
}

void fw_elem_format(enum fw_set set, const struct fw_elem *e, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "*", t[INET6_ADDRSTRLEN] = "?";
	bool v6 = set == FW_SET_FWD6 || set == FW_SET_FWD6ANY;
	bool any = set == FW_SET_FWD4ANY || set == FW_SET_FWD6ANY;
	size_t alen = v6 ? 16 : 4, k = 4;
	uint16_t port, tport;

	if (set < FW_SET_FWD4 || set >= FW_SET_FIXED) {
		const char *name = (const char *)e->key;

		if (e->klen <= VNET_IFNAMSIZ) {
			if (e->dlen == 4)
				inet_ntop(AF_INET, e->data, t, sizeof(t));
			snprintf(buf, len, "\"%.*s\"%s%s", VNET_IFNAMSIZ, name, e->dlen == 4 ? " : " : "",
				 e->dlen == 4 ? t : "");
		} else if (set < FW_SET_FIXED) {
			snprintf(buf, len, "\"%.*s\" . \"%.*s\"", VNET_IFNAMSIZ, name, VNET_IFNAMSIZ,
				 name + VNET_IFNAMSIZ);
		} else {
			size_t al = (size_t)e->klen - VNET_IFNAMSIZ;

			inet_ntop(al == 4 ? AF_INET : AF_INET6, e->key + VNET_IFNAMSIZ, a, sizeof(a));
			snprintf(buf, len, "\"%.*s\" . %s/%u", VNET_IFNAMSIZ, name, a, fw_set_len(set));
		}
		return;
	}
	if (!any) {
		inet_ntop(v6 ? AF_INET6 : AF_INET, e->key + 4, a, sizeof(a));
		k += alen;
	}
	memcpy(&port, e->key + k, 2);
	inet_ntop(v6 ? AF_INET6 : AF_INET, e->data, t, sizeof(t));
	memcpy(&tport, e->data + alen, 2);
	snprintf(buf, len, "%s %s:%u -> %s:%u", proto_name(e->key[0]), a, ntohs(port), t,
		 ntohs(tport));
}

static struct nftnl_set_elem *make_elem(const struct fw_elem *x, bool add)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (!e)
		return NULL;
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, x->key, x->klen);
	if (!add)
		return e;
	if (x->dlen) {
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, x->data, x->dlen);
	}
	if (x->comment[0]) {
		struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAX + 8);

		if (ud && nftnl_udata_put_strz(ud, NFTNL_UDATA_SET_ELEM_COMMENT, x->comment))
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(ud),
					   nftnl_udata_buf_len(ud));
		nftnl_udata_buf_free(ud);
	}
	return e;
}

void fw_batch_elems(struct fw_batch *b, bool add, enum fw_set set, const struct fw_elem *v, size_t n)
{
	for (size_t at = 0; at < n; at += FW_ELEMS_PER_MSG) {
		size_t m = n - at < FW_ELEMS_PER_MSG ? n - at : FW_ELEMS_PER_MSG;
		struct nftnl_set *s = nftnl_set_alloc();
		char what[128], name[FW_SET_NAME_MAX];
		struct nlmsghdr *nlh;

		if (!s) {
			b->error = -ENOMEM;
			return;
		}
		nftnl_set_set_str(s, NFTNL_SET_TABLE, VNET_FW_TABLE);
		nftnl_set_set_str(s, NFTNL_SET_NAME, fw_set_name(set, name));
		nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
		for (size_t i = 0; i < m; i++) {
			struct nftnl_set_elem *e = make_elem(&v[at + i], add);

			if (!e) {
				b->error = -ENOMEM;
				nftnl_set_free(s);
				return;
			}
			nftnl_set_elem_add(s, e);
		}
		if (m == 1)
			fw_elem_format(set, &v[at], what, sizeof(what));
		else
			snprintf(what, sizeof(what), "%zu elements", m);
		nlh = fw_batch_msg(b, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM, NFPROTO_INET,
				   add ? NLM_F_CREATE : 0, 256 + m * 192, "%s %s %s %s",
				   add ? "add" : "delete", what, add ? "to" : "from", name);
		if (nlh) {
			nftnl_set_elems_nlmsg_build_payload(nlh, s);
			fw_batch_commit(b, nlh);
		}
		nftnl_set_free(s);
	}
}

static int forward_change(struct vnet_ctx *ctx, const struct vnet_fw_network *network,
			  const struct vnet_fw_forward *fwd, bool add)
{
	struct fw_elems el = { 0 };
	struct fw_batch b;
	enum fw_set set;
	char desc[160], name[FW_SET_NAME_MAX];
	uint32_t gen;
	bool cached;
	int r;

	vnet_ctx_clear_error(ctx);
	r = fw_validate_network(network, &ctx->err);
	if (r < 0)
		return r;
	r = fw_validate_forward(network, fwd, 0, &ctx->err);
	if (r < 0)
		return r;
	set = fw_forward_set(fwd);
	r = fw_forward_elems(network->name, fwd, &el);
	if (r < 0) {
		fw_elems_release(&el);
		return vnet_ctx_fail(ctx, r, "out of memory");
	}
	/*
	 * With a cache of the last apply the batch is made for its generation:
	 * when the kernel takes it, this is the only commit since and the cache
	 * can follow it; when someone committed in between, the kernel refuses
	 * it (ERESTART), the cache is stale and the batch goes again plainly.
	 */
	cached = fw_cache_genid(ctx, &gen);
	for (;;) {
		fw_batch_init(&b);
		if (cached && fw_batch_genid(&b, gen) < 0)
			b.error = -ENOMEM;
		fw_batch_elems(&b, add, set, el.v, el.n);
		r = fw_batch_send(ctx, &b);
		fw_batch_release(&b);
		if (r != -ERESTART || !cached)
			break;
		fw_cache_drop(ctx);
		cached = false;
		ctx->err.msg[0] = '\0';
	}
	if (r == 0 && cached)
		fw_cache_forward(ctx, network->name, fwd, add, gen);
	fw_forward_format(fwd, desc, sizeof(desc));

	if (r == -ENOENT && !add) {
		/* Already gone; a partly present range goes port by port. */
		ctx->err.msg[0] = '\0';
		r = 0;
		for (size_t i = 0; i < el.n && el.n > 1; i++) {
			int q;

			fw_batch_init(&b);
			fw_batch_elems(&b, false, set, &el.v[i], 1);
			q = fw_batch_send(ctx, &b);
			fw_batch_release(&b);
			if (q < 0 && q != -ENOENT) {
				r = q;
				break;
			}
			ctx->err.msg[0] = '\0';
		}
	} else if (r == -ENOENT) {
		ctx->err.msg[0] = '\0';
		r = vnet_ctx_fail(ctx, r, "cannot add forward %s of network '%s': table inet %s or map %s does not exist (apply the networks first)",
				  desc, network->name, VNET_FW_TABLE, fw_set_name(set, name));
	} else if (r == -EBUSY || r == -EEXIST) {
		ctx->err.msg[0] = '\0';
		r = vnet_ctx_fail(ctx, -EEXIST, "cannot add forward %s of network '%s': its listen port is already forwarded elsewhere",
				  desc, network->name);
	}
	fw_elems_release(&el);
	return r;
}

VNET_EXPORT int vnet_fw_forward_add(struct vnet_ctx *ctx, const struct vnet_fw_network *network,
				    const struct vnet_fw_forward *fwd)
{
	return forward_change(ctx, network, fwd, true);
}

VNET_EXPORT int vnet_fw_forward_remove(struct vnet_ctx *ctx, const struct vnet_fw_network *network,
				       const struct vnet_fw_forward *fwd)
{
	return forward_change(ctx, network, fwd, false);
}
