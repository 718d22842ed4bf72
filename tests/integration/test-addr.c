/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Addresses, routes and sysctls against the real kernel, each test in a
 * namespace of its own reached through a context opened on /run/netns/NAME.
 * Everything is read back both through libvnet and through `ip -j` or
 * `sysctl`, and the test's own namespace is checked to be untouched.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <vnet/vnet.h>

#include "testlib.h"

static struct vnet_prefix P(const char *s)
{
	struct vnet_prefix p;

	CU_ASSERT_EQUAL(vnet_prefix_parse("test", s, &p, NULL), 0);
	return p;
}

/* A namespace with veth pair @a/@b up, and a context bound to it. */
static struct vnet_ctx *lab(char ns[32], const char *a, const char *b)
{
	char path[64];
	struct vnet_error err;
	struct vnet_ctx *ctx = NULL;

	snprintf(ns, 32, "%s", tl_netns_add("vaddr"));
	CU_ASSERT_EQUAL_FATAL(tl_run("ip -n %s link add %s type veth peer name %s && "
				     "ip -n %s link set %s up && ip -n %s link set %s up",
				     ns, a, b, ns, a, ns, b), 0);
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	CU_ASSERT_EQUAL_FATAL(vnet_ctx_new(&ctx, path, &err), 0);
	return ctx;
}

static void lab_end(const char *ns, struct vnet_ctx *ctx)
{
	vnet_ctx_unref(ctx);
	tl_run("ip netns del %s", ns);
}

/* The addr_info entry of @dev with @local, per `ip -j addr show`; NULL when absent. */
static struct json_object *ip_addr(const char *ns, const char *dev, const char *local)
{
	struct json_object *arr, *infos, *found = NULL;

	arr = tl_json("ip -n %s -j addr show dev %s", ns, dev);
	if (!arr || json_object_array_length(arr) != 1) {
		json_object_put(arr);
		return NULL;
	}
	infos = tl_jget(json_object_array_get_idx(arr, 0), "addr_info");
	for (size_t i = 0; infos && i < json_object_array_length(infos); i++) {
		struct json_object *o = json_object_array_get_idx(infos, i);

		if (!strcmp(tl_jstr(o, "local"), local))
			found = json_object_get(o);
	}
	json_object_put(arr);
	return found;
}

/* The route to @dst ("default" for the default route) per `ip -j route`. */
static struct json_object *ip_route(const char *ns, int family, const char *table, const char *dst,
				    int *count)
{
	struct json_object *arr, *found = NULL;

	*count = 0;
	arr = tl_json("ip -n %s %s -j route show table %s", ns, family == AF_INET6 ? "-6" : "-4",
		      table);
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);

		if (!strcmp(tl_jstr(o, "dst"), dst)) {
			(*count)++;
			if (!found)
				found = json_object_get(o);
		}
	}
	json_object_put(arr);
	return found;
}

static const struct vnet_addr_entry *find_entry(const struct vnet_addr_entry *v, size_t n,
						const char *prefix)
{
	struct vnet_prefix p = P(prefix);

	for (size_t i = 0; i < n; i++)
		if (vnet_prefix_equal(&v[i].prefix, &p))
			return &v[i];
	return NULL;
}

static int ifindex_of(const char *ns, const char *dev)
{
	struct json_object *o = tl_json("ip -n %s -j link show dev %s", ns, dev);
	int r = o ? (int)tl_jint(json_object_array_get_idx(o, 0), "ifindex") : 0;

	json_object_put(o);
	return r;
}

static void test_addresses(void)
{
	char ns[32];
	struct vnet_ctx *ctx = lab(ns, "va0", "vb0");
	struct vnet_prefix v4 = P("10.20.0.1/24"), v6 = P("fd00:20::1/64");
	const struct vnet_addr_entry *e;
	struct vnet_addr_entry *list;
	struct json_object *o;
	size_t n;

	CU_ASSERT_EQUAL(vnet_addr_add(ctx, "va0", &v4), 0);
	CU_ASSERT_EQUAL(vnet_addr_add(ctx, "va0", &v4), 0);     /* already there */
	CU_ASSERT_EQUAL(vnet_addr_add_flags(ctx, "va0", &v6, IFA_F_NODAD), 0);
	CU_ASSERT_EQUAL(vnet_addr_add_flags(ctx, "va0", &v6, IFA_F_NODAD), 0);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "");

	o = ip_addr(ns, "va0", "10.20.0.1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(tl_jint(o, "prefixlen"), 24);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "broadcast"), "10.20.0.255");
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "scope"), "global");
	json_object_put(o);
	o = ip_addr(ns, "va0", "fd00:20::1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(tl_jint(o, "prefixlen"), 64);
	CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(o, "nodad")));
	CU_ASSERT_PTR_NULL(tl_jget(o, "tentative"));
	json_object_put(o);

	/* Read back through libvnet: one link, both families. */
	CU_ASSERT_EQUAL_FATAL(vnet_addr_list(ctx, "va0", AF_UNSPEC, &list, &n), 0);
	e = find_entry(list, n, "10.20.0.1/24");
	CU_ASSERT_PTR_NOT_NULL(e);
	if (e) {
		CU_ASSERT_STRING_EQUAL(e->ifname, "va0");
		CU_ASSERT_EQUAL(e->ifindex, ifindex_of(ns, "va0"));
		CU_ASSERT_EQUAL(e->scope, RT_SCOPE_UNIVERSE);
		CU_ASSERT_TRUE(e->flags & IFA_F_PERMANENT);
	}
	e = find_entry(list, n, "fd00:20::1/64");
	CU_ASSERT_PTR_NOT_NULL(e);
	if (e) {
		CU_ASSERT_STRING_EQUAL(e->ifname, "va0");
		CU_ASSERT_TRUE(e->flags & IFA_F_NODAD);
	}
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_STRING_EQUAL(list[i].ifname, "va0");
	free(list);

	/* Every link, IPv4 only: lo's address is named too, and no IPv6 comes along. */
	CU_ASSERT_EQUAL_FATAL(vnet_addr_list(ctx, NULL, AF_INET, &list, &n), 0);
	e = find_entry(list, n, "127.0.0.1/8");
	CU_ASSERT_PTR_NOT_NULL(e);
	if (e) {
		CU_ASSERT_STRING_EQUAL(e->ifname, "lo");
		CU_ASSERT_EQUAL(e->scope, RT_SCOPE_HOST);
	}
	CU_ASSERT_PTR_NOT_NULL(find_entry(list, n, "10.20.0.1/24"));
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(list[i].prefix.family, AF_INET);
	free(list);
	CU_ASSERT_EQUAL_FATAL(vnet_addr_list(ctx, "vb0", AF_INET6, &list, &n), 0);
	CU_ASSERT_PTR_NULL(find_entry(list, n, "fd00:20::1/64"));
	free(list);

	/* No prefix route: the flag reaches the kernel and comes back in the list. */
	{
		struct vnet_prefix np = P("fd00:21::1/64");
		int count;

		CU_ASSERT_EQUAL(vnet_addr_add_flags(ctx, "va0", &np, IFA_F_NODAD | IFA_F_NOPREFIXROUTE), 0);
		o = ip_addr(ns, "va0", "fd00:21::1");
		CU_ASSERT_PTR_NOT_NULL(o);
		CU_ASSERT_TRUE(json_object_get_boolean(tl_jget(o, "noprefixroute")));
		json_object_put(o);
		CU_ASSERT_PTR_NULL(o = ip_route(ns, AF_INET6, "main", "fd00:21::/64", &count));
		CU_ASSERT_PTR_NOT_NULL(o = ip_route(ns, AF_INET6, "main", "fd00:20::/64", &count));
		json_object_put(o);
		CU_ASSERT_EQUAL_FATAL(vnet_addr_list(ctx, "va0", AF_INET6, &list, &n), 0);
		e = find_entry(list, n, "fd00:21::1/64");
		CU_ASSERT_PTR_NOT_NULL(e);
		if (e)
			CU_ASSERT_EQUAL(e->flags & (IFA_F_NODAD | IFA_F_NOPREFIXROUTE),
					IFA_F_NODAD | IFA_F_NOPREFIXROUTE);
		free(list);
		CU_ASSERT_EQUAL(vnet_addr_del(ctx, "va0", &np), 0);
	}

	/* The test's own namespace saw none of it. */
	CU_ASSERT_NOT_EQUAL(tl_run("ip link show dev va0 >/dev/null 2>&1"), 0);
	CU_ASSERT_EQUAL(tl_run("ip -j addr | grep -q 10.20.0.1"), 1);

	/* Delete, and delete again. */
	CU_ASSERT_EQUAL(vnet_addr_del(ctx, "va0", &v4), 0);
	CU_ASSERT_EQUAL(vnet_addr_del(ctx, "va0", &v4), 0);
	CU_ASSERT_EQUAL(vnet_addr_del(ctx, "va0", &v6), 0);
	CU_ASSERT_EQUAL(vnet_addr_del(ctx, "va0", &v6), 0);
	CU_ASSERT_PTR_NULL(ip_addr(ns, "va0", "10.20.0.1"));
	CU_ASSERT_PTR_NULL(ip_addr(ns, "va0", "fd00:20::1"));
	CU_ASSERT_EQUAL_FATAL(vnet_addr_list(ctx, "va0", AF_UNSPEC, &list, &n), 0);
	CU_ASSERT_PTR_NULL(find_entry(list, n, "10.20.0.1/24"));
	CU_ASSERT_PTR_NULL(find_entry(list, n, "fd00:20::1/64"));
	free(list);
	/* A link that is gone took its addresses with it. */
	CU_ASSERT_EQUAL(vnet_addr_del(ctx, "nosuch0", &v4), 0);
	lab_end(ns, ctx);
}

static void test_address_on_bridge(void)
{
	char ns[32];
	struct vnet_ctx *ctx = lab(ns, "va1", "vb1");
	struct vnet_prefix p = P("192.168.150.1/24");
	struct vnet_addr_entry *list;
	struct json_object *o;
	size_t n;

	CU_ASSERT_EQUAL_FATAL(tl_run("ip -n %s link add vbr1 type bridge && ip -n %s link set vbr1 up",
				     ns, ns), 0);
	CU_ASSERT_EQUAL(vnet_addr_add(ctx, "vbr1", &p), 0);
	o = ip_addr(ns, "vbr1", "192.168.150.1");
	CU_ASSERT_PTR_NOT_NULL(o);
	CU_ASSERT_EQUAL(tl_jint(o, "prefixlen"), 24);
	json_object_put(o);
	CU_ASSERT_EQUAL_FATAL(vnet_addr_list(ctx, "vbr1", AF_INET, &list, &n), 0);
	CU_ASSERT_EQUAL(n, 1);
	if (n == 1) {
		CU_ASSERT_TRUE(vnet_prefix_equal(&list[0].prefix, &p));
		CU_ASSERT_STRING_EQUAL(list[0].ifname, "vbr1");
	}
	free(list);
	/* Same address, other length: a different address to the kernel, so still there. */
	p.len = 16;
	CU_ASSERT_EQUAL(vnet_addr_del(ctx, "vbr1", &p), 0);
	CU_ASSERT_PTR_NOT_NULL(o = ip_addr(ns, "vbr1", "192.168.150.1"));
	json_object_put(o);
	lab_end(ns, ctx);
}

static void test_address_refused(void)
{
	char ns[32];
	struct vnet_ctx *ctx = lab(ns, "va2", "vb2");
	struct vnet_prefix p = P("10.40.0.1/24");
	struct vnet_addr_entry *list = NULL;
	size_t n = 0;

	CU_ASSERT_EQUAL(vnet_addr_add(ctx, "nosuch0", &p), -ENODEV);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "interface 'nosuch0' does not exist");
	CU_ASSERT_EQUAL(vnet_addr_list(ctx, "nosuch0", AF_UNSPEC, &list, &n), -ENODEV);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "interface 'nosuch0' does not exist");
	CU_ASSERT_EQUAL(vnet_addr_add(ctx, "va2:x", &p), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "contains ':'"));
	p.len = 40;
	CU_ASSERT_EQUAL(vnet_addr_add(ctx, "va2", &p), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx),
			       "address '10.40.0.1/40' has prefix length 40; IPv4 allows 0 to 32");
	/* Nothing reached the link. */
	CU_ASSERT_EQUAL(tl_run("ip -n %s -j addr show dev va2 | grep -q 10.40.0.1", ns), 1);
	lab_end(ns, ctx);
}

static const struct vnet_route *find_route(const struct vnet_route *v, size_t n, const char *dst)
{
	struct vnet_prefix p = P(dst);

	for (size_t i = 0; i < n; i++)
		if (vnet_prefix_equal(&v[i].dst, &p))
			return &v[i];
	return NULL;
}

static struct vnet_route route(const char *dst, const char *gw, const char *dev)
{
	struct vnet_route r;

	memset(&r, 0, sizeof(r));
	r.dst = P(dst);
	if (gw) {
		r.has_gateway = true;
		r.gateway = P(gw);
	}
	if (dev)
		snprintf(r.dev, sizeof(r.dev), "%s", dev);
	return r;
}

static void test_routes_ipv4(void)
{
	char ns[32];
	struct vnet_ctx *ctx = lab(ns, "va3", "vb3");
	struct vnet_prefix a = P("10.30.0.1/24");
	struct vnet_route r, def, saved;
	const struct vnet_route *f;
	struct vnet_route *list;
	struct json_object *o;
	size_t n;
	int count;

	CU_ASSERT_EQUAL_FATAL(vnet_addr_add(ctx, "va3", &a), 0);
	saved = route("0.0.0.0/0", "10.30.0.254", "va3");

	r = route("10.31.0.0/24", "10.30.0.254", "va3");
	r.metric = 50;
	CU_ASSERT_EQUAL(vnet_route_add(ctx, &r), 0);
	CU_ASSERT_EQUAL(vnet_route_add(ctx, &r), 0);    /* replaced, not doubled */
	o = ip_route(ns, AF_INET, "main", "10.31.0.0/24", &count);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(count, 1);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "gateway"), "10.30.0.254");
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "dev"), "va3");
	CU_ASSERT_EQUAL(tl_jint(o, "metric"), 50);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "protocol"), "static");
	json_object_put(o);

	/* A default route via a gateway, no device named. */
	def = route("0.0.0.0/0", "10.30.0.254", NULL);
	CU_ASSERT_EQUAL(vnet_route_add(ctx, &def), 0);
	o = ip_route(ns, AF_INET, "main", "default", &count);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "gateway"), "10.30.0.254");
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "dev"), "va3");
	json_object_put(o);

	/* Device only, with a preferred source: link scope. */
	r = route("10.32.0.0/24", NULL, "va3");
	r.has_prefsrc = true;
	r.prefsrc = P("10.30.0.1");
	CU_ASSERT_EQUAL(vnet_route_add(ctx, &r), 0);
	o = ip_route(ns, AF_INET, "main", "10.32.0.0/24", &count);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "scope"), "link");
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "prefsrc"), "10.30.0.1");
	CU_ASSERT_PTR_NULL(tl_jget(o, "gateway"));
	json_object_put(o);

	/* Another table. */
	r = route("10.33.0.0/24", NULL, "va3");
	r.table = 100;
	CU_ASSERT_EQUAL(vnet_route_add(ctx, &r), 0);
	o = ip_route(ns, AF_INET, "100", "10.33.0.0/24", &count);
	CU_ASSERT_PTR_NOT_NULL(o);
	json_object_put(o);
	CU_ASSERT_PTR_NULL(o = ip_route(ns, AF_INET, "main", "10.33.0.0/24", &count));

	/* Read back through libvnet. */
	CU_ASSERT_EQUAL_FATAL(vnet_route_list(ctx, AF_INET, 0, &list, &n), 0);
	f = find_route(list, n, "10.31.0.0/24");
	CU_ASSERT_PTR_NOT_NULL(f);
	if (f) {
		struct vnet_prefix gw = P("10.30.0.254");

		CU_ASSERT_TRUE(f->has_gateway && vnet_prefix_equal(&f->gateway, &gw));
		CU_ASSERT_STRING_EQUAL(f->dev, "va3");
		CU_ASSERT_EQUAL(f->metric, 50);
		CU_ASSERT_EQUAL(f->table, RT_TABLE_MAIN);
		CU_ASSERT_EQUAL(f->protocol, RTPROT_STATIC);
		CU_ASSERT_EQUAL(f->scope, RT_SCOPE_UNIVERSE);
	}
	f = find_route(list, n, "0.0.0.0/0");
	CU_ASSERT_PTR_NOT_NULL(f);
	if (f) {
		struct vnet_prefix gw = P("10.30.0.254");

		CU_ASSERT_EQUAL(f->dst.family, AF_INET);
		CU_ASSERT_TRUE(f->has_gateway && vnet_prefix_equal(&f->gateway, &gw));
		CU_ASSERT_STRING_EQUAL(f->dev, "va3");
		saved = *f;
	}
	f = find_route(list, n, "10.30.0.0/24");     /* the kernel's own connected route */
	CU_ASSERT_PTR_NOT_NULL(f);
	if (f) {
		struct vnet_prefix src = P("10.30.0.1");

		CU_ASSERT_EQUAL(f->protocol, RTPROT_KERNEL);
		CU_ASSERT_EQUAL(f->scope, RT_SCOPE_LINK);
		CU_ASSERT_FALSE(f->has_gateway);
		CU_ASSERT_TRUE(f->has_prefsrc && vnet_prefix_equal(&f->prefsrc, &src));
	}
	CU_ASSERT_PTR_NOT_NULL(find_route(list, n, "10.32.0.0/24"));
	CU_ASSERT_PTR_NULL(find_route(list, n, "10.33.0.0/24"));
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(list[i].dst.family, AF_INET);
	free(list);
	CU_ASSERT_EQUAL_FATAL(vnet_route_list(ctx, AF_UNSPEC, 100, &list, &n), 0);
	CU_ASSERT_EQUAL(n, 1);
	if (n == 1) {
		CU_ASSERT_TRUE(vnet_prefix_equal(&list[0].dst, &(struct vnet_prefix){
			.family = AF_INET, .addr.bytes = { 10, 33, 0, 0 }, .len = 24 }));
		CU_ASSERT_EQUAL(list[0].table, 100);
	}
	free(list);

	/* What the list gives can be deleted and put back as it was. */
	CU_ASSERT_EQUAL(vnet_route_del(ctx, &saved), 0);
	CU_ASSERT_PTR_NULL(o = ip_route(ns, AF_INET, "main", "default", &count));
	CU_ASSERT_EQUAL(vnet_route_add(ctx, &saved), 0);
	o = ip_route(ns, AF_INET, "main", "default", &count);
	CU_ASSERT_PTR_NOT_NULL(o);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "gateway"), "10.30.0.254");
	json_object_put(o);

	/* Delete, and delete again. */
	CU_ASSERT_EQUAL(vnet_route_del(ctx, &def), 0);
	CU_ASSERT_EQUAL(vnet_route_del(ctx, &def), 0);
	CU_ASSERT_PTR_NULL(o = ip_route(ns, AF_INET, "main", "default", &count));
	r = route("10.31.0.0/24", NULL, NULL);          /* by destination alone */
	CU_ASSERT_EQUAL(vnet_route_del(ctx, &r), 0);
	CU_ASSERT_EQUAL(vnet_route_del(ctx, &r), 0);
	CU_ASSERT_PTR_NULL(o = ip_route(ns, AF_INET, "main", "10.31.0.0/24", &count));
	r = route("10.33.0.0/24", NULL, "va3");
	r.table = 100;
	CU_ASSERT_EQUAL(vnet_route_del(ctx, &r), 0);
	CU_ASSERT_EQUAL(vnet_route_del(ctx, &r), 0);
	r = route("10.32.0.0/24", NULL, "nosuch0");    /* a gone device took its routes */
	CU_ASSERT_EQUAL(vnet_route_del(ctx, &r), 0);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "");

	/* The test's own namespace has no default route. */
	CU_ASSERT_EQUAL(tl_run("ip -4 route show default | grep -q ."), 1);
	lab_end(ns, ctx);
}

static void test_routes_ipv6(void)
{
	char ns[32];
	struct vnet_ctx *ctx = lab(ns, "va4", "vb4");
	struct vnet_prefix a = P("fd00:30::1/64"), gw = P("fd00:30::fe");
	struct vnet_route r, def;
	const struct vnet_route *f;
	struct vnet_route *list;
	struct json_object *o;
	size_t n;
	int count;

	CU_ASSERT_EQUAL_FATAL(vnet_addr_add_flags(ctx, "va4", &a, IFA_F_NODAD), 0);
	r = route("fd00:31::/64", "fd00:30::fe", "va4");
	CU_ASSERT_EQUAL(vnet_route_add(ctx, &r), 0);
	def = route("::/0", "fd00:30::fe", "va4");
	def.metric = 200;
	CU_ASSERT_EQUAL(vnet_route_add(ctx, &def), 0);
	CU_ASSERT_EQUAL(vnet_route_add(ctx, &def), 0);

	o = ip_route(ns, AF_INET6, "main", "fd00:31::/64", &count);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "gateway"), "fd00:30::fe");
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "dev"), "va4");
	CU_ASSERT_EQUAL(tl_jint(o, "metric"), 1024);    /* the kernel's default for IPv6 */
	json_object_put(o);
	o = ip_route(ns, AF_INET6, "main", "default", &count);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(count, 1);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "gateway"), "fd00:30::fe");
	CU_ASSERT_EQUAL(tl_jint(o, "metric"), 200);
	json_object_put(o);

	CU_ASSERT_EQUAL_FATAL(vnet_route_list(ctx, AF_INET6, 0, &list, &n), 0);
	f = find_route(list, n, "::/0");
	CU_ASSERT_PTR_NOT_NULL(f);
	if (f) {
		CU_ASSERT_TRUE(f->has_gateway && vnet_prefix_equal(&f->gateway, &gw));
		CU_ASSERT_STRING_EQUAL(f->dev, "va4");
		CU_ASSERT_EQUAL(f->metric, 200);
	}
	f = find_route(list, n, "fd00:31::/64");
	CU_ASSERT_PTR_NOT_NULL(f);
	if (f)
		CU_ASSERT_EQUAL(f->protocol, RTPROT_STATIC);
	CU_ASSERT_PTR_NOT_NULL(find_route(list, n, "fd00:30::/64"));
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(list[i].dst.family, AF_INET6);
	free(list);

	CU_ASSERT_EQUAL(vnet_route_del(ctx, &def), 0);
	CU_ASSERT_EQUAL(vnet_route_del(ctx, &def), 0);
	CU_ASSERT_EQUAL(vnet_route_del(ctx, &r), 0);
	CU_ASSERT_EQUAL(vnet_route_del(ctx, &r), 0);
	CU_ASSERT_PTR_NULL(o = ip_route(ns, AF_INET6, "main", "default", &count));
	CU_ASSERT_PTR_NULL(o = ip_route(ns, AF_INET6, "main", "fd00:31::/64", &count));
	lab_end(ns, ctx);
}

static void test_route_refused(void)
{
	char ns[32];
	struct vnet_ctx *ctx = lab(ns, "va5", "vb5");
	struct vnet_prefix a = P("10.50.0.1/24");
	struct vnet_route r;
	struct json_object *o;
	int count, ret;

	CU_ASSERT_EQUAL_FATAL(vnet_addr_add(ctx, "va5", &a), 0);
	/* The kernel refuses and says why in its extended ack. */
	r = route("10.51.0.0/24", "192.0.2.1", NULL);
	ret = vnet_route_add(ctx, &r);
	CU_ASSERT_TRUE(ret < 0);
	printf("\n    kernel said (%d): %s\n", ret, vnet_ctx_errmsg(ctx));
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "Nexthop has invalid gateway"));
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "adding route 10.51.0.0/24 via 192.0.2.1"));
	CU_ASSERT_PTR_NULL(o = ip_route(ns, AF_INET, "main", "10.51.0.0/24", &count));

	r = route("10.51.0.0/24", "10.50.0.254", "nosuch0");
	CU_ASSERT_EQUAL(vnet_route_add(ctx, &r), -ENODEV);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "interface 'nosuch0' does not exist");
	r = route("10.51.0.0/24", "fd00::1", "va5");
	CU_ASSERT_EQUAL(vnet_route_add(ctx, &r), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx),
			       "route gateway 'fd00::1' is IPv6 but the destination '10.51.0.0/24' is IPv4");
	CU_ASSERT_PTR_NULL(o = ip_route(ns, AF_INET, "main", "10.51.0.0/24", &count));
	/* A later success clears the message. */
	r = route("10.51.0.0/24", "10.50.0.254", "va5");
	CU_ASSERT_EQUAL(vnet_route_add(ctx, &r), 0);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "");
	lab_end(ns, ctx);
}

static int sysctl_in(const char *ns, const char *name)
{
	char *out = tl_capture(NULL, "ip netns exec %s sysctl -n %s", ns, name);
	int v = out && *out ? atoi(out) : -1;

	free(out);
	return v;
}

static int own_ip_forward(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_forward", "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void test_sysctls(void)
{
	char ns[32];
	struct vnet_ctx *ctx = lab(ns, "va6", "vb6"), *own;
	int v = -1, before = own_ip_forward();

	CU_ASSERT_EQUAL(before, 0);
	CU_ASSERT_EQUAL(vnet_sysctl_set(ctx, VNET_SYSCTL_IPV4_FORWARD, NULL, 1), 0);
	CU_ASSERT_EQUAL(sysctl_in(ns, "net.ipv4.ip_forward"), 1);
	CU_ASSERT_EQUAL(vnet_sysctl_get(ctx, VNET_SYSCTL_IPV4_FORWARD, NULL, &v), 0);
	CU_ASSERT_EQUAL(v, 1);
	/* Bound to the context's namespace: ours is unchanged, read both ways. */
	CU_ASSERT_EQUAL(own_ip_forward(), before);
	CU_ASSERT_EQUAL_FATAL(vnet_ctx_new(&own, NULL, NULL), 0);
	CU_ASSERT_EQUAL(vnet_sysctl_get(own, VNET_SYSCTL_IPV4_FORWARD, NULL, &v), 0);
	CU_ASSERT_EQUAL(v, before);
	vnet_ctx_unref(own);

	CU_ASSERT_EQUAL(vnet_sysctl_set(ctx, VNET_SYSCTL_IPV6_FORWARDING, "va6", 1), 0);
	CU_ASSERT_EQUAL(sysctl_in(ns, "net.ipv6.conf.va6.forwarding"), 1);
	CU_ASSERT_EQUAL(sysctl_in(ns, "net.ipv6.conf.vb6.forwarding"), 0);
	CU_ASSERT_EQUAL(vnet_sysctl_set(ctx, VNET_SYSCTL_IPV6_ACCEPT_RA, "va6", 2), 0);
	CU_ASSERT_EQUAL(sysctl_in(ns, "net.ipv6.conf.va6.accept_ra"), 2);
	CU_ASSERT_EQUAL(vnet_sysctl_get(ctx, VNET_SYSCTL_IPV6_ACCEPT_RA, "va6", &v), 0);
	CU_ASSERT_EQUAL(v, 2);
	CU_ASSERT_EQUAL(vnet_sysctl_set(ctx, VNET_SYSCTL_IPV6_DISABLE, "vb6", 1), 0);
	CU_ASSERT_EQUAL(sysctl_in(ns, "net.ipv6.conf.vb6.disable_ipv6"), 1);
	CU_ASSERT_EQUAL(vnet_sysctl_set(ctx, VNET_SYSCTL_IPV6_DISABLE, "vb6", 0), 0);
	CU_ASSERT_EQUAL(sysctl_in(ns, "net.ipv6.conf.vb6.disable_ipv6"), 0);
	CU_ASSERT_EQUAL(vnet_sysctl_set(ctx, VNET_SYSCTL_IPV6_ACCEPT_RA, "default", 0), 0);
	CU_ASSERT_EQUAL(sysctl_in(ns, "net.ipv6.conf.default.accept_ra"), 0);
	CU_ASSERT_EQUAL(vnet_sysctl_set(ctx, VNET_SYSCTL_IPV6_FORWARDING, "all", 1), 0);
	CU_ASSERT_EQUAL(sysctl_in(ns, "net.ipv6.conf.all.forwarding"), 1);
	CU_ASSERT_EQUAL(vnet_sysctl_get(ctx, VNET_SYSCTL_IPV6_FORWARDING, "all", &v), 0);
	CU_ASSERT_EQUAL(v, 1);

	/* Refused, and nothing changed. */
	CU_ASSERT_EQUAL(vnet_sysctl_set(ctx, VNET_SYSCTL_IPV6_ACCEPT_RA, "va6", 3), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx),
			       "net.ipv6.conf.va6.accept_ra cannot be 3; it allows 0, 1 or 2");
	CU_ASSERT_EQUAL(sysctl_in(ns, "net.ipv6.conf.va6.accept_ra"), 2);
	CU_ASSERT_EQUAL(vnet_sysctl_set(ctx, VNET_SYSCTL_IPV4_FORWARD, NULL, 2), -EINVAL);
	CU_ASSERT_EQUAL(sysctl_in(ns, "net.ipv4.ip_forward"), 1);
	CU_ASSERT_EQUAL(vnet_sysctl_set(ctx, VNET_SYSCTL_IPV6_FORWARDING, "nosuch0", 1), -ENODEV);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "interface 'nosuch0' does not exist");
	CU_ASSERT_EQUAL(vnet_sysctl_get(ctx, VNET_SYSCTL_IPV6_FORWARDING, "nosuch0", &v), -ENODEV);
	CU_ASSERT_EQUAL(vnet_sysctl_set(ctx, VNET_SYSCTL_IPV6_FORWARDING, "../all", 1), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "contains '/'"));
	CU_ASSERT_EQUAL(vnet_sysctl_set(ctx, VNET_SYSCTL_IPV6_FORWARDING, NULL, 1), -EINVAL);

	/* A link without IPv6 (MTU below 1280) says so. */
	CU_ASSERT_EQUAL_FATAL(tl_run("ip -n %s link set vb6 mtu 1000", ns), 0);
	CU_ASSERT_EQUAL(vnet_sysctl_set(ctx, VNET_SYSCTL_IPV6_FORWARDING, "vb6", 1), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "IPv6 is not available on 'vb6'"));

	CU_ASSERT_EQUAL(own_ip_forward(), before);
	lab_end(ns, ctx);
}

static CU_TestInfo addr_tests[] = {
	{ "IPv4 and IPv6 addresses on a veth", test_addresses },
	{ "an address on a bridge", test_address_on_bridge },
	{ "bad address requests change nothing", test_address_refused },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo route_tests[] = {
	{ "IPv4 routes, default route, tables", test_routes_ipv4 },
	{ "IPv6 routes and default route", test_routes_ipv6 },
	{ "refused routes and the kernel's words", test_route_refused },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo sysctl_tests[] = {
	{ "forwarding, accept_ra, disable_ipv6 in a namespace", test_sysctls },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "addresses", NULL, NULL, NULL, NULL, addr_tests },
	{ "routes", NULL, NULL, NULL, NULL, route_tests },
	{ "sysctls", NULL, NULL, NULL, NULL, sysctl_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	tl_init_root();
	return tl_run_suites(suites);
}
