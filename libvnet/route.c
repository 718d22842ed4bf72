/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IPv4/IPv6 unicast routes, through libnl-route. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include "link.h"
#include "rtnl-objs.h"

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* @field's address must be of @dst's family. */
static int check_same_family(const char *field, const struct vnet_prefix *p,
			     const struct vnet_prefix *dst, struct vnet_error *err)
{
	static const uint8_t zero[16];
	char a[VNET_PREFIX_STRLEN], d[VNET_PREFIX_STRLEN];
	int r;

	r = vnet_addr_prefix_check(field, p, err);
	if (r < 0)
		return r;
	vnet_prefix_format(p, false, a);
	if (p->family != dst->family)
		return vnet_error_set(err, -EINVAL, "%s '%s' is %s but the destination '%s' is %s",
				      field, a, family_name(p->family),
				      vnet_prefix_format(dst, true, d), family_name(dst->family));
	if (!memcmp(p->addr.bytes, zero, p->family == AF_INET ? 4 : 16))
		return vnet_error_set(err, -EINVAL, "%s '%s' is the unspecified address", field, a);
	return 0;
}

int vnet_route_check(const struct vnet_route *route, bool add, struct vnet_error *err)
{
	char d[VNET_PREFIX_STRLEN], n[VNET_PREFIX_STRLEN];
	struct vnet_prefix net;
	int r;

	if (!route)
		return vnet_error_set(err, -EINVAL, "route is missing");
	r = vnet_addr_prefix_check("route destination", &route->dst, err);
	if (r < 0)
		return r;
	/* The kernel refuses these for IPv4 but silently masks IPv6: refuse both alike. */
	net = vnet_prefix_network(&route->dst);
	if (memcmp(net.addr.bytes, route->dst.addr.bytes, sizeof(net.addr.bytes)))
		return vnet_error_set(err, -EINVAL,
				      "route destination '%s' has host bits set; the network is %s",
				      vnet_prefix_format(&route->dst, true, d),
				      vnet_prefix_format(&net, true, n));
	if (route->has_gateway) {
		r = check_same_family("route gateway", &route->gateway, &route->dst, err);
		if (r < 0)
			return r;
	}
	if (route->has_prefsrc) {
		r = check_same_family("route source address", &route->prefsrc, &route->dst, err);
		if (r < 0)
			return r;
	}
	if (!memchr(route->dev, '\0', sizeof(route->dev)))
		return vnet_error_set(err, -EINVAL,
				      "route device is not terminated within %zu bytes; Linux allows at most %d",
				      sizeof(route->dev), VNET_IFNAMSIZ - 1);
	if (route->dev[0]) {
		r = vnet_ifname_check("route device", route->dev, err);
		if (r < 0)
			return r;
	}
	if (add && !route->has_gateway && !route->dev[0])
		return vnet_error_set(err, -EINVAL, "route to %s needs a gateway or a device (dev)",
				      vnet_prefix_format(&route->dst, true, d));
	if (route->onlink && !route->has_gateway)
		return vnet_error_set(err, -EINVAL, "route to %s is onlink but has no gateway",
				      vnet_prefix_format(&route->dst, true, d));
	return 0;
}

int vnet_route_build_request(bool add, const struct vnet_route *route, int oif,
			     struct nl_msg **msg, struct vnet_error *err)
{
	struct nl_addr *dst = NULL, *gw = NULL, *src = NULL;
	struct rtnl_nexthop *nh = NULL;
	struct rtnl_route *rt;
	uint32_t table = route->table ? route->table : RT_TABLE_MAIN;
	uint8_t scope, protocol;
	struct rtmsg *rtm;
	int r;

	*msg = NULL;
	rt = rtnl_route_alloc();
	dst = vnet_prefix_nladdr(&route->dst);
	if (!rt || !dst) {
		r = -NLE_NOMEM;
		goto out;
	}
	r = rtnl_route_set_dst(rt, dst);
	if (r < 0)
		goto out;
	rtnl_route_set_table(rt, table);
	rtnl_route_set_type(rt, RTN_UNICAST);
	/* On delete, zero means "any": the kernel matches only what is given. */
	protocol = route->protocol;
	if (add && !protocol)
		protocol = RTPROT_STATIC;
	rtnl_route_set_protocol(rt, protocol);
	scope = route->scope;
	if (add && !scope)
		scope = route->has_gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	else if (!add && !scope)
		scope = RT_SCOPE_NOWHERE;
	rtnl_route_set_scope(rt, scope);
	rtnl_route_set_priority(rt, route->metric);
	if (route->has_prefsrc) {
		src = vnet_prefix_nladdr(&route->prefsrc);
		if (!src) {
			r = -NLE_NOMEM;
			goto out;
		}
		nl_addr_set_prefixlen(src, route->prefsrc.family == AF_INET ? 32 : 128);
		r = rtnl_route_set_pref_src(rt, src);
		if (r < 0)
			goto out;
	}
	if (route->has_gateway || oif > 0) {
		nh = rtnl_route_nh_alloc();
		if (!nh) {
			r = -NLE_NOMEM;
			goto out;
		}
		if (oif > 0)
			rtnl_route_nh_set_ifindex(nh, oif);
		if (route->has_gateway) {
			gw = vnet_prefix_nladdr(&route->gateway);
			if (!gw) {
				r = -NLE_NOMEM;
				goto out;
			}
			nl_addr_set_prefixlen(gw, route->gateway.family == AF_INET ? 32 : 128);
			rtnl_route_nh_set_gateway(nh, gw);
		}
		if (route->onlink)
			rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
		rtnl_route_add_nexthop(rt, nh);
		nh = NULL;  /* the route owns it now */
	}
	if (add)
		r = rtnl_route_build_add_request(rt, NLM_F_REPLACE, msg);
	else
		r = rtnl_route_build_del_request(rt, 0, msg);
	if (r < 0)
		goto out;
	rtm = nlmsg_data(nlmsg_hdr(*msg));
	/* libnl guesses a scope for RT_SCOPE_NOWHERE; a delete wants "any". */
	rtm->rtm_scope = scope;
	/* Tables above 255 live in RTA_TABLE alone; the header byte says so. */
	if (table > 255)
		rtm->rtm_table = RT_TABLE_UNSPEC;
out:
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(src);
	nl_addr_put(gw);
	nl_addr_put(dst);
	rtnl_route_put(rt);
	if (r < 0) {
		if (*msg)
			nlmsg_free(*msg);
		*msg = NULL;
		return vnet_error_set(err, vnet_nlerr_errno(r), "cannot build the route request: %s",
				      nl_geterror(r));
	}
	return 0;
}

/* "10.0.0.0/24 via 192.0.2.1 dev br0" for messages. */
static char *route_describe(const struct vnet_route *route, char *buf, size_t len)
{
	char d[VNET_PREFIX_STRLEN], g[VNET_PREFIX_STRLEN];

	snprintf(buf, len, "%s%s%s%s%s", vnet_prefix_format(&route->dst, true, d),
		 route->has_gateway ? " via " : "",
		 route->has_gateway ? vnet_prefix_format(&route->gateway, false, g) : "",
		 route->dev[0] ? " dev " : "", route->dev);
	return buf;
}

static int route_change(struct vnet_ctx *ctx, bool add, const struct vnet_route *route)
{
	char what[128];
	struct nl_msg *msg;
	int oif = 0, r;

	r = vnet_route_check(route, add, &ctx->err);
	if (r < 0)
		return r;
	if (route->dev[0]) {
		oif = vnet_link_ifindex(ctx, route->dev);
		if (oif == -ENODEV && !add) {
			/* Routes through a link go away with it. */
			vnet_ctx_clear_error(ctx);
			return 0;
		}
		if (oif < 0)
			return oif;
	}
	r = vnet_route_build_request(add, route, oif, &msg, &ctx->err);
	if (r < 0)
		return r;
	r = vnet_nlroute_talk(ctx, msg, NULL, NULL);
	nlmsg_free(msg);
	if (!add && (r == -ESRCH || r == -ENOENT))
		r = 0;
	if (r == 0) {
		vnet_ctx_clear_error(ctx);
		return 0;
	}
	return vnet_nlroute_fail(ctx, r, "%s route %s", add ? "adding" : "deleting",
				 route_describe(route, what, sizeof(what)));
}

VNET_EXPORT int vnet_route_add(struct vnet_ctx *ctx, const struct vnet_route *route)
{
	vnet_ctx_clear_error(ctx);
	return route_change(ctx, true, route);
}

VNET_EXPORT int vnet_route_del(struct vnet_ctx *ctx, const struct vnet_route *route)
{
	vnet_ctx_clear_error(ctx);
	return route_change(ctx, false, route);
}

struct route_list {
	int family;
	uint32_t table;
	struct vnet_route *v;
	int *oif;       /* beside v: device names are filled in at the end */
	size_t n;
};

static int route_fill(struct rtnl_route *rt, struct vnet_route *out, int *oif)
{
	struct rtnl_nexthop *nh;
	struct nl_addr *a;

	memset(out, 0, sizeof(*out));
	*oif = 0;
	a = rtnl_route_get_dst(rt);
	if (!a || vnet_nladdr_prefix(a, (uint8_t)nl_addr_get_prefixlen(a), &out->dst) < 0)
		return -EAFNOSUPPORT;
	/* The dump's family decides; an address-less default route has none of its own. */
	out->dst.family = rtnl_route_get_family(rt);
	a = rtnl_route_get_pref_src(rt);
	if (a && vnet_nladdr_prefix(a, out->dst.family == AF_INET ? 32 : 128, &out->prefsrc) == 0)
		out->has_prefsrc = true;
	out->metric = rtnl_route_get_priority(rt);
	out->table = rtnl_route_get_table(rt);
	out->protocol = rtnl_route_get_protocol(rt);
	out->scope = rtnl_route_get_scope(rt);
	nh = rtnl_route_nexthop_n(rt, 0);
	if (nh) {
		*oif = rtnl_route_nh_get_ifindex(nh);
		a = rtnl_route_nh_get_gateway(nh);
		if (a && vnet_nladdr_prefix(a, out->dst.family == AF_INET ? 32 : 128,
					    &out->gateway) == 0)
			out->has_gateway = true;
		out->onlink = !!(rtnl_route_nh_get_flags(nh) & RTNH_F_ONLINK);
	}
	return 0;
}

static int route_collect(struct nl_msg *msg, void *data)
{
	struct route_list *l = data;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct rtnl_route *rt = NULL;
	struct vnet_route *v;
	int family, *oif, r;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	r = rtnl_route_parse(nlh, &rt);
	if (r < 0)
		return vnet_nlerr_errno(r);
	family = rtnl_route_get_family(rt);
	/* Unicast routes of the table; not IPv6's per-destination cache clones. */
	if ((family != AF_INET && family != AF_INET6) ||
	    (l->family != AF_UNSPEC && family != l->family) ||
	    rtnl_route_get_type(rt) != RTN_UNICAST || rtnl_route_get_table(rt) != l->table ||
	    (rtnl_route_get_flags(rt) & RTM_F_CLONED)) {
		r = 0;
		goto out;
	}
	v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	if (v)
		l->v = v;
	oif = realloc(l->oif, (l->n + 1) * sizeof(*l->oif));
	if (oif)
		l->oif = oif;
	if (!v || !oif) {
		r = -ENOMEM;
		goto out;
	}
	r = route_fill(rt, &l->v[l->n], &l->oif[l->n]);
	if (r == 0)
		l->n++;
	r = 0;
out:
	rtnl_route_put(rt);
	return r;
}

VNET_EXPORT int vnet_route_list(struct vnet_ctx *ctx, int family, uint32_t table,
				struct vnet_route **routes, size_t *n)
{
	struct route_list l = { .family = family, .table = table ? table : RT_TABLE_MAIN };
	struct vnet_ifnames names = { 0 };
	int r = -EAGAIN;

	vnet_ctx_clear_error(ctx);
	*routes = NULL;
	*n = 0;
	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
		return vnet_ctx_fail(ctx, -EINVAL,
				     "address family %d is not AF_UNSPEC (%d), AF_INET (%d) or AF_INET6 (%d)",
				     family, AF_UNSPEC, AF_INET, AF_INET6);
	for (int tries = 0; tries < 3 && r == -EAGAIN; tries++) {
		free(l.v);
		free(l.oif);
		l.v = NULL;
		l.oif = NULL;
		l.n = 0;
		r = vnet_nlroute_dump(ctx, RTM_GETROUTE, family, l.table, route_collect, &l);
	}
	if (r == 0 && l.n)
		r = vnet_ifnames_load(ctx, &names);
	if (r < 0) {
		free(l.v);
		free(l.oif);
		return vnet_nlroute_fail(ctx, r, "listing routes");
	}
	for (size_t i = 0; i < l.n; i++)
		snprintf(l.v[i].dev, sizeof(l.v[i].dev), "%s", vnet_ifnames_get(&names, l.oif[i]));
	vnet_ifnames_free(&names);
	free(l.oif);
	*routes = l.v;
	*n = l.n;
	return 0;
}
