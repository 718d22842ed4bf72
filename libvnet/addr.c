/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IPv4/IPv6 addresses of links, through libnl-route. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/object.h>
#include <netlink/route/addr.h>

#include "link.h"
#include "rtnl-objs.h"

int vnet_addr_prefix_check(const char *field, const struct vnet_prefix *p, struct vnet_error *err)
{
	char buf[VNET_PREFIX_STRLEN];
	int max;

	if (!p)
		return vnet_error_set(err, -EINVAL, "%s is missing", field);
	if (p->family != AF_INET && p->family != AF_INET6)
		return vnet_error_set(err, -EINVAL,
				      "%s has address family %d; expected AF_INET (%d) or AF_INET6 (%d)",
				      field, p->family, AF_INET, AF_INET6);
	max = p->family == AF_INET ? 32 : 128;
	if (p->len > max)
		return vnet_error_set(err, -EINVAL, "%s '%s/%u' has prefix length %u; %s allows 0 to %d",
				      field, vnet_prefix_format(p, false, buf), p->len, p->len,
				      p->family == AF_INET ? "IPv4" : "IPv6", max);
	return 0;
}

/* An interface address must be one a host can have. */
static int addr_check(const struct vnet_prefix *p, struct vnet_error *err)
{
	static const uint8_t zero[16];
	char buf[VNET_PREFIX_STRLEN];
	int r;

	r = vnet_addr_prefix_check("address", p, err);
	if (r < 0)
		return r;
	vnet_prefix_format(p, true, buf);
	if (!memcmp(p->addr.bytes, zero, p->family == AF_INET ? 4 : 16))
		return vnet_error_set(err, -EINVAL,
				      "address '%s' is the unspecified address; an interface needs a unicast address",
				      buf);
	if ((p->family == AF_INET && (p->addr.bytes[0] & 0xf0) == 0xe0) ||
	    (p->family == AF_INET6 && p->addr.bytes[0] == 0xff))
		return vnet_error_set(err, -EINVAL,
				      "address '%s' is multicast; an interface needs a unicast address",
				      buf);
	return 0;
}

/* The all-ones host part of an IPv4 prefix. */
static struct vnet_prefix broadcast_of(const struct vnet_prefix *p)
{
	struct vnet_prefix b = *p;
	uint32_t host = p->len ? (0xffffffffu >> p->len) : 0xffffffffu;

	b.addr.v4.s_addr |= htonl(host);
	b.len = 32;
	return b;
}

int vnet_addr_build_request(bool add, int ifindex, const struct vnet_prefix *prefix,
			    uint32_t flags, struct nl_msg **msg, struct vnet_error *err)
{
	struct nl_addr *local = NULL, *bcast = NULL;
	struct rtnl_addr *addr;
	int r;

	*msg = NULL;
	r = vnet_addr_prefix_check("address", prefix, err);
	if (r < 0)
		return r;
	addr = rtnl_addr_alloc();
	local = vnet_prefix_nladdr(prefix);
	if (!addr || !local) {
		r = -NLE_NOMEM;
		goto out;
	}
	rtnl_addr_set_ifindex(addr, ifindex);
	/* Sets the family and the prefix length too. */
	r = rtnl_addr_set_local(addr, local);
	if (r < 0)
		goto out;
	if (add && prefix->family == AF_INET && prefix->len < 31) {
		struct vnet_prefix b = broadcast_of(prefix);

		bcast = vnet_prefix_nladdr(&b);
		if (!bcast) {
			r = -NLE_NOMEM;
			goto out;
		}
		r = rtnl_addr_set_broadcast(addr, bcast);
		if (r < 0)
			goto out;
	}
	if (add && flags)
		rtnl_addr_set_flags(addr, flags);
	if (add)
		r = rtnl_addr_build_add_request(addr, 0, msg);
	else
		r = rtnl_addr_build_delete_request(addr, 0, msg);
out:
	nl_addr_put(bcast);
	nl_addr_put(local);
	rtnl_addr_put(addr);
	if (r < 0)
		return vnet_error_set(err, vnet_nlerr_errno(r), "cannot build the address request: %s",
				      nl_geterror(r));
	return 0;
}

static int addr_change(struct vnet_ctx *ctx, bool add, const char *ifname,
		       const struct vnet_prefix *prefix, uint32_t flags)
{
	char buf[VNET_PREFIX_STRLEN];
	struct nl_msg *msg;
	int ifindex, r;

	r = add ? addr_check(prefix, &ctx->err) : vnet_addr_prefix_check("address", prefix, &ctx->err);
	if (r < 0)
		return r;
	if (flags & ~(uint32_t)VNET_ADDR_FLAGS_ALLOWED)
		return vnet_ctx_fail(ctx, -EINVAL,
				     "address flags 0x%x include 0x%x; only IFA_F_NODAD (0x%x) and IFA_F_NOPREFIXROUTE (0x%x) are supported",
				     flags, flags & ~(uint32_t)VNET_ADDR_FLAGS_ALLOWED, IFA_F_NODAD,
				     IFA_F_NOPREFIXROUTE);
	ifindex = vnet_link_ifindex(ctx, ifname);
	if (ifindex == -ENODEV && !add) {
		/* The link took its addresses with it. */
		vnet_ctx_clear_error(ctx);
		return 0;
	}
	if (ifindex < 0)
		return ifindex;

	r = vnet_addr_build_request(add, ifindex, prefix, flags, &msg, &ctx->err);
	if (r < 0)
		return r;
	r = vnet_nlroute_talk(ctx, msg, NULL, NULL);
	nlmsg_free(msg);
	if (add && r == -EEXIST)
		r = 0;
	if (!add && (r == -EADDRNOTAVAIL || r == -ESRCH || r == -ENOENT || r == -ENODEV))
		r = 0;
	if (r == 0) {
		vnet_ctx_clear_error(ctx);
		return 0;
	}
	vnet_prefix_format(prefix, true, buf);
	if (add)
		return vnet_nlroute_fail(ctx, r, "adding address %s to '%s'", buf, ifname);
	return vnet_nlroute_fail(ctx, r, "removing address %s from '%s'", buf, ifname);
}

VNET_EXPORT int vnet_addr_add(struct vnet_ctx *ctx, const char *ifname,
			      const struct vnet_prefix *prefix)
{
	vnet_ctx_clear_error(ctx);
	return addr_change(ctx, true, ifname, prefix, 0);
}

VNET_EXPORT int vnet_addr_add_flags(struct vnet_ctx *ctx, const char *ifname,
				    const struct vnet_prefix *prefix, uint32_t flags)
{
	vnet_ctx_clear_error(ctx);
	return addr_change(ctx, true, ifname, prefix, flags);
}

VNET_EXPORT int vnet_addr_del(struct vnet_ctx *ctx, const char *ifname,
			      const struct vnet_prefix *prefix)
{
	vnet_ctx_clear_error(ctx);
	return addr_change(ctx, false, ifname, prefix, 0);
}

struct addr_list {
	int ifindex;    /* 0: any */
	int family;     /* AF_UNSPEC: any */
	struct vnet_addr_entry *v;
	size_t n;
	int error;
};

static void addr_collect_obj(struct nl_object *obj, void *data)
{
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct addr_list *l = data;
	struct vnet_addr_entry *e, *v;
	struct nl_addr *local;

	local = rtnl_addr_get_local(a);
	if (l->error || !local)
		return;
	if (l->ifindex && rtnl_addr_get_ifindex(a) != l->ifindex)
		return;
	if (l->family != AF_UNSPEC && rtnl_addr_get_family(a) != l->family)
		return;
	v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	if (!v) {
		l->error = -ENOMEM;
		return;
	}
	l->v = v;
	e = &l->v[l->n];
	memset(e, 0, sizeof(*e));
	if (vnet_nladdr_prefix(local, (uint8_t)rtnl_addr_get_prefixlen(a), &e->prefix) < 0)
		return;     /* neither IPv4 nor IPv6 */
	e->ifindex = rtnl_addr_get_ifindex(a);
	e->scope = (uint8_t)rtnl_addr_get_scope(a);
	e->flags = rtnl_addr_get_flags(a);
	l->n++;
}

static int addr_collect(struct nl_msg *msg, void *data)
{
	struct addr_list *l = data;
	int r;

	if (nlmsg_hdr(msg)->nlmsg_type != RTM_NEWADDR)
		return 0;
	r = nl_msg_parse(msg, addr_collect_obj, l);
	if (l->error)
		return l->error;
	return r < 0 ? vnet_nlerr_errno(r) : 0;
}

VNET_EXPORT int vnet_addr_list(struct vnet_ctx *ctx, const char *ifname, int family,
			       struct vnet_addr_entry **entries, size_t *n)
{
	struct addr_list l = { .family = family };
	struct vnet_ifnames names = { 0 };
	int r = -EAGAIN;

	vnet_ctx_clear_error(ctx);
	*entries = NULL;
	*n = 0;
	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
		return vnet_ctx_fail(ctx, -EINVAL,
				     "address family %d is not AF_UNSPEC (%d), AF_INET (%d) or AF_INET6 (%d)",
				     family, AF_UNSPEC, AF_INET, AF_INET6);
	if (ifname) {
		l.ifindex = vnet_link_ifindex(ctx, ifname);
		if (l.ifindex < 0)
			return l.ifindex;
	}

	for (int tries = 0; tries < 3 && r == -EAGAIN; tries++) {
		free(l.v);
		l.v = NULL;
		l.n = 0;
		l.error = 0;
		r = vnet_nlroute_dump(ctx, RTM_GETADDR, family, (uint32_t)l.ifindex, addr_collect, &l);
	}
	if (r < 0)
		goto fail;

	if (ifname) {
		for (size_t i = 0; i < l.n; i++)
			snprintf(l.v[i].ifname, sizeof(l.v[i].ifname), "%s", ifname);
	} else if (l.n) {
		r = vnet_ifnames_load(ctx, &names);
		if (r < 0)
			goto fail;
		for (size_t i = 0; i < l.n; i++)
			snprintf(l.v[i].ifname, sizeof(l.v[i].ifname), "%s",
				 vnet_ifnames_get(&names, l.v[i].ifindex));
		vnet_ifnames_free(&names);
	}
	*entries = l.v;
	*n = l.n;
	return 0;
fail:
	free(l.v);
	return vnet_nlroute_fail(ctx, r, "listing addresses");
}
