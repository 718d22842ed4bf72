/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reconciler: turns the desired state (active definitions) into kernel
 * state through libvnet. Every step reads first and changes only what
 * differs, so running it twice is a no-op, a restarted vnetd adopts what it
 * finds without tearing anything down, and the events our own changes cause
 * do not loop.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "vnetd.h"

struct repair {
	bool any;
	char what[512];
};

__attribute__((format(printf, 2, 3)))
static void repaired(struct repair *rp, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!rp)
		return;
	n = strlen(rp->what);
	if (n && n + 2 < sizeof(rp->what)) {
		strcat(rp->what, "; ");
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(rp->what + n, sizeof(rp->what) - n, fmt, ap);
	va_end(ap);
	rp->any = true;
}

/* The library's reason, prefixed with what vnetd was doing. */
__attribute__((format(printf, 4, 5)))
static int lib_fail(struct vnetd *d, int r, struct vnet_error *err, const char *fmt, ...)
{
	char what[200];
	const char *why = vnet_ctx_errmsg(d->ctx);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err->msg, sizeof(err->msg), "%s: %s", what, why && *why ? why : strerror(-r));
	return r;
}

static bool has_prefix(const struct vnet_addr_entry *e, size_t n, const struct vnet_prefix *p)
{
	for (size_t i = 0; i < n; i++)
		if (vnet_prefix_equal(&e[i].prefix, p))
			return true;
	return false;
}

/*
 * A recreated bridge gets back the ports the old one lost (VM taps and
 * veths the kernel released when it was deleted), where they still exist
 * and nobody else took them.
 */
static void reattach_ports(struct vnetd *d, struct vnetd_network *net, struct repair *rp)
{
	log_debug("network '%s': bridge recreated, %zu known ports", net->name, net->n_ports);
	for (size_t i = 0; i < net->n_ports; i++) {
		struct vnet_link_info port;

		if (vnet_link_get(d->ctx, net->ports[i], &port) < 0 || port.master_ifindex)
			continue;
		if (vnet_port_enslave(d->ctx, net->ports[i], net->bridge) < 0) {
			log_warn("network '%s': re-attaching port %s: %s, ignoring", net->name,
				 net->ports[i], vnet_ctx_errmsg(d->ctx));
			continue;
		}
		repaired(rp, "port %s re-attached", net->ports[i]);
	}
}

/* What is on the bridge now: the ports to remember (at adoption), from one list of all links. */
static void note_ports(struct vnetd_network *net, const struct vnet_link_info *links, size_t n)
{
	int br = 0;

	for (size_t i = 0; i < n && !br; i++)
		if (!strcmp(links[i].name, net->bridge))
			br = links[i].ifindex;
	for (size_t i = 0; br && i < n; i++)
		if (links[i].master_ifindex == br && strcmp(links[i].name, net->uplink))
			network_port_note(net, links[i].name);
}

/* The bridge itself: exists, is a bridge, has its MAC and MTU, is up. */
static int ensure_bridge(struct vnetd *d, struct vnetd_network *net, const uint8_t *mac,
			 uint32_t mtu, struct repair *rp, struct vnet_error *err)
{
	struct vnet_bridge_spec spec;
	struct vnet_link_info info;
	bool present;
	int r;

	r = vnet_link_get(d->ctx, net->bridge, &info);
	if (r < 0 && r != -ENODEV)
		return lib_fail(d, r, err, "reading bridge '%s'", net->bridge);
	present = r == 0;
	if (present && info.kind != VNET_LINK_BRIDGE) {
		snprintf(err->msg, sizeof(err->msg), "bridge '%s' exists as a %s link vnet does not manage",
			 net->bridge, info.kind_name[0] ? info.kind_name : vnet_link_kind_name(info.kind));
		return -EBUSY;
	}
	if (!present || (mac && memcmp(info.mac, mac, VNET_ETH_ALEN)) || (mtu && info.mtu != mtu)) {
		vnet_bridge_spec_init(&spec, net->bridge);
		if (mac) {
			spec.has_mac = true;
			memcpy(spec.mac, mac, VNET_ETH_ALEN);
		}
		spec.mtu = mtu;
		r = vnet_bridge_ensure(d->ctx, &spec);
		if (r < 0)
			return lib_fail(d, r, err, "bridge '%s'", net->bridge);
		repaired(rp, present ? "bridge %s settings restored" : "bridge %s created", net->bridge);
		present = false;
	}
	if (!present || !info.up) {
		r = vnet_link_set_up(d->ctx, net->bridge, true);
		if (r < 0)
			return lib_fail(d, r, err, "setting bridge '%s' up", net->bridge);
		if (present)
			repaired(rp, "bridge %s set up", net->bridge);
	}
	if (!present)
		reattach_ports(d, net, rp);
	return 0;
}

static int ensure_addresses(struct vnetd *d, const char *dev, const struct vnet_prefix *want,
			    size_t n_want, struct repair *rp, struct vnet_error *err)
{
	struct vnet_addr_entry *have = NULL;
	char buf[VNET_PREFIX_STRLEN];
	size_t n_have = 0;
	int r;

	r = vnet_addr_list(d->ctx, dev, AF_UNSPEC, &have, &n_have);
	if (r < 0)
		return lib_fail(d, r, err, "reading addresses of '%s'", dev);
	for (size_t i = 0; i < n_want; i++) {
		if (has_prefix(have, n_have, &want[i]))
			continue;
		/* no DAD: the gateway must answer at once, and it is ours by definition */
		r = vnet_addr_add_flags(d->ctx, dev, &want[i],
					want[i].family == AF_INET6 ? IFA_F_NODAD : 0);
		if (r < 0) {
			lib_fail(d, r, err, "adding %s to '%s'", vnet_prefix_format(&want[i], true, buf), dev);
			goto out;
		}
		repaired(rp, "address %s on %s", vnet_prefix_format(&want[i], true, buf), dev);
	}
	r = 0;
out:
	free(have);
	return r;
}

/* @absent_ok: a sysctl this kernel does not have counts as in place. */
static int ensure_sysctl(struct vnetd *d, enum vnet_sysctl which, const char *ifname, int value,
			 const char *name, bool absent_ok, struct repair *rp, struct vnet_error *err)
{
	int cur = -1, r;

	r = vnet_sysctl_get(d->ctx, which, ifname, &cur);
	if ((r >= 0 && cur == value) || (r == -ENOENT && absent_ok))
		return 0;
	r = vnet_sysctl_set(d->ctx, which, ifname, value);
	if (r < 0)
		return lib_fail(d, r, err, "setting %s=%d", name, value);
	repaired(rp, "%s=%d", name, value);
	return 0;
}

/*
 * A network without IPv6 has none on its bridge, as with libvirt: no
 * link-local address for guests to reach the host by, and none of the
 * address and route events that would wake every dnsmasq on the host.
 */
static int ensure_ipv6(struct vnetd *d, struct vnetd_network *net, struct repair *rp,
		       struct vnet_error *err)
{
	char name[64 + VNET_IFNAMSIZ];

	snprintf(name, sizeof(name), "net.ipv6.conf.%s.disable_ipv6", net->bridge);
	/* a kernel without IPv6 has nothing to disable */
	return ensure_sysctl(d, VNET_SYSCTL_IPV6_DISABLE, net->bridge, net->has_v6 ? 0 : 1, name,
			     !net->has_v6, rp, err);
}

/* ---- bridge mode: the uplink's addresses and routes move to the bridge ---- */

static struct json_object *route_to_json(const struct vnet_route *rt)
{
	struct json_object *o = json_object_new_object();
	char buf[VNET_PREFIX_STRLEN];

	json_object_object_add(o, "dst", json_object_new_string(vnet_prefix_format(&rt->dst, true, buf)));
	if (rt->has_gateway)
		json_object_object_add(o, "gateway", json_object_new_string(vnet_prefix_format(&rt->gateway, false, buf)));
	if (rt->has_prefsrc)
		json_object_object_add(o, "prefsrc", json_object_new_string(vnet_prefix_format(&rt->prefsrc, false, buf)));
	json_object_object_add(o, "metric", json_object_new_int64(rt->metric));
	json_object_object_add(o, "table", json_object_new_int64(rt->table));
	json_object_object_add(o, "protocol", json_object_new_int(rt->protocol));
	json_object_object_add(o, "scope", json_object_new_int(rt->scope));
	return o;
}

static int route_from_json(struct json_object *o, const char *dev, struct vnet_route *rt)
{
	struct json_object *v;

	memset(rt, 0, sizeof(*rt));
	if (!json_object_object_get_ex(o, "dst", &v) ||
	    vnet_prefix_parse("dst", json_object_get_string(v), &rt->dst, NULL) < 0)
		return -EINVAL;
	if (json_object_object_get_ex(o, "gateway", &v)) {
		if (vnet_addr_parse("gateway", json_object_get_string(v), &rt->gateway, NULL) < 0)
			return -EINVAL;
		rt->has_gateway = true;
	}
	if (json_object_object_get_ex(o, "prefsrc", &v)) {
		if (vnet_addr_parse("prefsrc", json_object_get_string(v), &rt->prefsrc, NULL) < 0)
			return -EINVAL;
		rt->has_prefsrc = true;
	}
	if (json_object_object_get_ex(o, "metric", &v))
		rt->metric = json_object_get_int64(v);
	if (json_object_object_get_ex(o, "table", &v))
		rt->table = json_object_get_int64(v);
	if (json_object_object_get_ex(o, "protocol", &v))
		rt->protocol = json_object_get_int(v);
	if (json_object_object_get_ex(o, "scope", &v))
		rt->scope = json_object_get_int(v);
	snprintf(rt->dev, sizeof(rt->dev), "%s", dev);
	return 0;
}

/* Addresses worth moving: not IPv6 link-local (each link keeps its own). */
static bool movable_addr(const struct vnet_addr_entry *e)
{
	if (e->prefix.family != AF_INET6)
		return true;
	if (e->prefix.addr.bytes[0] == 0xfe && (e->prefix.addr.bytes[1] & 0xc0) == 0x80)
		return false;
	/* SLAAC addresses come back on the bridge by themselves, with their lifetimes */
	return e->flags & IFA_F_PERMANENT;
}

/* Routes worth moving: what someone added, not the kernel's own prefix routes. */
static bool movable_route(const struct vnet_route *rt, const char *dev)
{
	if (strcmp(rt->dev, dev) || rt->protocol == RTPROT_KERNEL)
		return false;
	/* router advertisements are learnt again on the bridge; a copy would never expire */
	if (rt->protocol == RTPROT_RA)
		return false;
	/* fe80::/64 and multicast routes come with the link itself */
	if (rt->dst.family == AF_INET6 && rt->dst.addr.bytes[0] == 0xfe &&
	    (rt->dst.addr.bytes[1] & 0xc0) == 0x80)
		return false;
	if (rt->dst.family == AF_INET6 && rt->dst.addr.bytes[0] == 0xff)
		return false;
	return true;
}

/* Record what the uplink has now, before anything moves. */
static int save_uplink(struct vnetd *d, struct vnetd_network *net, struct vnet_error *err)
{
	struct vnet_addr_entry *addrs = NULL;
	struct vnet_route *routes = NULL;
	size_t n_addrs = 0, n_routes = 0;
	struct json_object *saved, *a, *rts;
	char buf[VNET_PREFIX_STRLEN];
	int r;

	r = vnet_addr_list(d->ctx, net->uplink, AF_UNSPEC, &addrs, &n_addrs);
	if (r < 0)
		return lib_fail(d, r, err, "reading addresses of uplink '%s'", net->uplink);
	r = vnet_route_list(d->ctx, AF_UNSPEC, 0, &routes, &n_routes);
	if (r < 0) {
		lib_fail(d, r, err, "reading routes");
		goto out;
	}
	saved = json_object_new_object();
	a = json_object_new_array();
	rts = json_object_new_array();
	for (size_t i = 0; i < n_addrs; i++)
		if (movable_addr(&addrs[i]))
			json_object_array_add(a, json_object_new_string(vnet_prefix_format(&addrs[i].prefix, true, buf)));
	for (size_t i = 0; i < n_routes; i++)
		if (movable_route(&routes[i], net->uplink))
			json_object_array_add(rts, route_to_json(&routes[i]));
	json_object_object_add(saved, "uplink", json_object_new_string(net->uplink));
	json_object_object_add(saved, "addresses", a);
	json_object_object_add(saved, "routes", rts);
	json_object_put(net->saved_uplink);
	net->saved_uplink = saved;
	r = store_save_runtime(d, net);
	if (r < 0)
		snprintf(err->msg, sizeof(err->msg), "saving the state of uplink '%s': %s", net->uplink, strerror(-r));
out:
	free(addrs);
	free(routes);
	return r;
}

static size_t saved_prefixes(struct vnetd_network *net, struct vnet_prefix **out)
{
	struct json_object *a;
	size_t n = 0, len;

	*out = NULL;
	if (!net->saved_uplink || !json_object_object_get_ex(net->saved_uplink, "addresses", &a))
		return 0;
	len = json_object_array_length(a);
	*out = calloc(len ? len : 1, sizeof(**out));
	if (!*out)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (vnet_prefix_parse("address", json_object_get_string(json_object_array_get_idx(a, i)),
				      &(*out)[n], NULL) == 0)
			n++;
	return n;
}

static bool route_present(const struct vnet_route *have, size_t n, const struct vnet_route *want)
{
	for (size_t i = 0; i < n; i++) {
		const struct vnet_route *h = &have[i];

		if (!strcmp(h->dev, want->dev) && vnet_prefix_equal(&h->dst, &want->dst) &&
		    h->has_gateway == want->has_gateway &&
		    (!h->has_gateway || vnet_prefix_equal(&h->gateway, &want->gateway)) &&
		    h->metric == want->metric)
			return true;
	}
	return false;
}

/* Put the saved routes on @dev, where missing. */
static int ensure_routes(struct vnetd *d, struct vnetd_network *net, const char *dev,
			 struct repair *rp, struct vnet_error *err)
{
	struct vnet_route *have = NULL;
	struct json_object *rts;
	size_t n_have = 0;
	char buf[VNET_PREFIX_STRLEN];
	int r;

	if (!net->saved_uplink || !json_object_object_get_ex(net->saved_uplink, "routes", &rts))
		return 0;
	r = vnet_route_list(d->ctx, AF_UNSPEC, 0, &have, &n_have);
	if (r < 0)
		return lib_fail(d, r, err, "reading routes");
	for (size_t i = 0; i < json_object_array_length(rts); i++) {
		struct vnet_route rt;

		if (route_from_json(json_object_array_get_idx(rts, i), dev, &rt) < 0)
			continue;
		if (route_present(have, n_have, &rt))
			continue;
		r = vnet_route_add(d->ctx, &rt);
		if (r < 0) {
			lib_fail(d, r, err, "route %s on '%s'", vnet_prefix_format(&rt.dst, true, buf), dev);
			goto out;
		}
		repaired(rp, "route %s on %s", vnet_prefix_format(&rt.dst, true, buf), dev);
	}
	r = 0;
out:
	free(have);
	return r;
}

static int del_addresses(struct vnetd *d, const char *dev, const struct vnet_prefix *p, size_t n,
			 struct vnet_error *err)
{
	char buf[VNET_PREFIX_STRLEN];

	for (size_t i = 0; i < n; i++) {
		int r = vnet_addr_del(d->ctx, dev, &p[i]);

		if (r < 0 && r != -ENODEV)
			return lib_fail(d, r, err, "removing %s from '%s'", vnet_prefix_format(&p[i], true, buf), dev);
	}
	return 0;
}

static int reconcile_bridge_mode(struct vnetd *d, struct vnetd_network *net, struct repair *rp,
				 struct vnet_error *err)
{
	struct vnet_link_info up;
	struct vnet_prefix *addrs = NULL;
	size_t n;
	int r;

	r = vnet_link_get(d->ctx, net->uplink, &up);
	if (r == -ENODEV) {
		snprintf(err->msg, sizeof(err->msg), "uplink '%s' does not exist", net->uplink);
		return -ENODEV;
	}
	if (r < 0)
		return lib_fail(d, r, err, "reading uplink '%s'", net->uplink);
	if (up.master_ifindex && strcmp(up.master, net->bridge)) {
		snprintf(err->msg, sizeof(err->msg), "uplink '%s' is already a port of '%s'", net->uplink,
			 up.master[0] ? up.master : "another master");
		return -EBUSY;
	}
	/* the uplink's routes move to the bridge: what collides is read again */
	hostroutes_invalidate(d);
	/* first time (not adoption): remember what is to move, before moving it */
	if (!net->saved_uplink) {
		r = save_uplink(d, net, err);
		if (r < 0)
			return r;
	}
	/* the bridge takes the uplink's MAC, so the LAN's ARP caches stay right */
	r = ensure_bridge(d, net, net->has_mac ? net->mac : up.mac, net->mtu ? net->mtu : up.mtu, rp, err);
	if (r < 0)
		return r;
	n = saved_prefixes(net, &addrs);
	/* addresses on the bridge first, then the port: no moment without either */
	r = ensure_addresses(d, net->bridge, addrs, n, rp, err);
	if (r < 0)
		goto out;
	if (strcmp(up.master, net->bridge)) {
		r = vnet_port_enslave(d->ctx, net->uplink, net->bridge);
		if (r < 0) {
			lib_fail(d, r, err, "making '%s' a port of '%s'", net->uplink, net->bridge);
			goto out;
		}
		repaired(rp, "uplink %s enslaved to %s", net->uplink, net->bridge);
	}
	if (!up.up) {
		r = vnet_link_set_up(d->ctx, net->uplink, true);
		if (r < 0) {
			lib_fail(d, r, err, "setting uplink '%s' up", net->uplink);
			goto out;
		}
	}
	r = ensure_routes(d, net, net->bridge, rp, err);
	if (r < 0)
		goto out;
	/* a port holds no addresses of its own */
	{
		struct vnet_addr_entry *have = NULL;
		size_t n_have = 0;

		if (vnet_addr_list(d->ctx, net->uplink, AF_UNSPEC, &have, &n_have) == 0) {
			for (size_t i = 0; i < n_have; i++) {
				if (!movable_addr(&have[i]))
					continue;
				r = del_addresses(d, net->uplink, &have[i].prefix, 1, err);
				if (r < 0) {
					free(have);
					goto out;
				}
			}
			free(have);
		}
	}
	r = 0;
out:
	free(addrs);
	return r;
}

/* network.stop in bridge mode: the addresses and routes go back to the uplink. */
static int restore_uplink(struct vnetd *d, struct vnetd_network *net, struct vnet_error *err)
{
	struct vnet_prefix *addrs = NULL;
	size_t n;
	int r;

	r = vnet_port_release(d->ctx, net->uplink);
	if (r < 0 && r != -ENODEV)
		return lib_fail(d, r, err, "releasing '%s' from '%s'", net->uplink, net->bridge);
	if (r == -ENODEV)
		return 0;
	n = saved_prefixes(net, &addrs);
	r = ensure_addresses(d, net->uplink, addrs, n, NULL, err);
	if (r < 0)
		goto out;
	/* the bridge's copies go, so the kernel does not keep two routes to the LAN */
	r = del_addresses(d, net->bridge, addrs, n, err);
	if (r < 0)
		goto out;
	r = ensure_routes(d, net, net->uplink, NULL, err);
out:
	free(addrs);
	return r;
}

int reconcile_network(struct vnetd *d, struct vnetd_network *net, bool *did_repair,
		      struct vnet_error *err)
{
	struct repair rp = { false, "" };
	struct vnet_prefix want[2];
	size_t n = 0;
	int r;

	if (net->mode == NETWORK_BRIDGE) {
		r = reconcile_bridge_mode(d, net, &rp, err);
		goto out;
	}
	r = ensure_bridge(d, net, net->has_mac ? net->mac : NULL, net->mtu, &rp, err);
	if (r < 0)
		goto out;
	r = ensure_ipv6(d, net, &rp, err);
	if (r < 0)
		goto out;
	if (net->has_v4)
		want[n++] = net->v4;
	if (net->has_v6)
		want[n++] = net->v6;
	r = ensure_addresses(d, net->bridge, want, n, &rp, err);
	if (r < 0)
		goto out;
	if (net->mode == NETWORK_NAT || net->mode == NETWORK_ROUTED) {
		/* namespace wide, and never turned off again: other networks and the host may rely on it */
		if (net->has_v4) {
			r = ensure_sysctl(d, VNET_SYSCTL_IPV4_FORWARD, NULL, 1, "net.ipv4.ip_forward", false, &rp, err);
			if (r < 0)
				goto out;
		}
		if (net->has_v6) {
			r = ensure_sysctl(d, VNET_SYSCTL_IPV6_FORWARDING, "all", 1,
					  "net.ipv6.conf.all.forwarding", false, &rp, err);
			if (r < 0)
				goto out;
		}
	}
out:
	if (did_repair)
		*did_repair = rp.any;
	if (rp.any)
		log_info("network '%s': %s", net->name, rp.what);
	if (r >= 0 && rp.any && did_repair && err)
		snprintf(err->msg, sizeof(err->msg), "%s", rp.what);
	return r;
}

struct fw_spec {
	struct vnet_fw_network *nets;
	struct vnet_prefix (*subnets)[2];
	struct vnet_fw_spec spec;
};

/* The whole table: every active network, the one truth vnet_fw_apply wants. */
static int fw_spec_build(struct vnetd *d, struct fw_spec *fs)
{
	size_t n = 0, count = 0;

	memset(fs, 0, sizeof(*fs));
	for (struct vnetd_network *net = d->networks; net; net = net->next)
		if (net->active)
			count++;
	fs->nets = calloc(count ? count : 1, sizeof(*fs->nets));
	fs->subnets = calloc(count ? count : 1, sizeof(*fs->subnets));
	if (!fs->nets || !fs->subnets) {
		free(fs->nets);
		free(fs->subnets);
		return -ENOMEM;
	}
	for (struct vnetd_network *net = d->networks; net; net = net->next)
		if (net->active) {
			network_fw(net, &fs->nets[n], fs->subnets[n]);
			n++;
		}
	fs->spec.networks = fs->nets;
	fs->spec.n_networks = n;
	return 0;
}

static void fw_spec_free(struct fw_spec *fs)
{
	free(fs->nets);
	free(fs->subnets);
}

int reconcile_firewall(struct vnetd *d, bool verify_first, bool *did_repair, struct vnet_error *err)
{
	struct fw_spec fs;
	bool matches = false;
	int r;

	if (did_repair)
		*did_repair = false;
	r = fw_spec_build(d, &fs);
	if (r < 0)
		return r;
	if (verify_first) {
		r = vnet_fw_verify(d->ctx, &fs.spec, &matches);
		if (r == 0 && matches)
			goto out;
		if (r == 0)
			log_info("firewall drifted: %s", vnet_ctx_errmsg(d->ctx));
	}
	r = vnet_fw_apply(d->ctx, &fs.spec);
	if (r < 0) {
		lib_fail(d, r, err, "firewall table inet %s", VNET_FW_TABLE);
		goto out;
	}
	if (did_repair)
		*did_repair = true;
out:
	fw_spec_free(&fs);
	return r;
}

static int fw_verify_all(struct vnetd *d, bool *matches)
{
	struct fw_spec fs;
	int r;

	r = fw_spec_build(d, &fs);
	if (r < 0)
		return r;
	r = vnet_fw_verify(d->ctx, &fs.spec, matches);
	fw_spec_free(&fs);
	return r;
}

/*
 * One network of a pass: kernel state, then its dnsmasq; events for what
 * was repaired. @links: every link, for the ports to adopt (vnetd's start).
 */
static int reconcile_one(struct vnetd *d, struct vnetd_network *net, const char *why, bool drift,
			 const struct vnet_link_info *links, size_t n_links)
{
	struct vnet_error err = { "" };
	bool fixed;
	int r;

	net->dirty = false;
	if (links)
		note_ports(net, links, n_links);
	r = reconcile_network(d, net, &fixed, &err);
	if (r < 0) {
		log_err("network '%s': %s", net->name, err.msg);
		return r;
	}
	if (fixed) {
		struct json_object *x = json_object_new_object();

		json_object_object_add(x, "what", json_object_new_string(err.msg));
		json_object_object_add(x, "cause", json_object_new_string(why));
		if (drift)
			d->drift_repairs++;
		event_emit(d, drift ? "drift.repaired" : "network.adopted", net->name, x);
	}
	/* a vnetd start adopts a running dnsmasq; only a repaired bridge restarts it */
	dhcp_network_ensure(d, net, drift && fixed);
	return 0;
}

static int reconcile_table(struct vnetd *d, const char *why, bool drift)
{
	struct vnet_error err = { "" };
	bool fixed;
	int r;

	d->reconcile_table = false;
	/*
	 * With nothing active the table is left alone: network.stop already
	 * emptied it, and a fresh vnetd must not wipe what it does not know.
	 */
	for (struct vnetd_network *net = d->networks; net; net = net->next)
		if (net->active)
			goto firewall;
	return 0;
firewall:
	r = reconcile_firewall(d, true, &fixed, &err);
	if (r < 0) {
		log_err("%s", err.msg);
		return r;
	}
	if (fixed) {
		struct json_object *x = json_object_new_object();

		json_object_object_add(x, "what", json_object_new_string("firewall table restored"));
		json_object_object_add(x, "cause", json_object_new_string(why));
		if (drift)
			d->drift_repairs++;
		event_emit(d, drift ? "drift.repaired" : "firewall.adopted", NULL, x);
	}
	return 0;
}

int reconcile_all(struct vnetd *d, const char *why)
{
	bool drift = strcmp(why, "start") != 0;
	struct vnet_link_info *links = NULL;
	size_t n_links = 0;
	int ret = 0, r;

	d->reconciles++;
	d->reconcile_everything = false;
	/* adoption: one list of links for every network's ports, not one per network */
	if (!drift && vnet_link_list(d->ctx, &links, &n_links) < 0) {
		log_warn("listing links for the ports to adopt: %s; ports are learnt from events",
			 vnet_ctx_errmsg(d->ctx));
		links = NULL;
	}
	for (struct vnetd_network *net = d->networks; net; net = net->next) {
		if (!net->active) {
			net->dirty = false;
			continue;
		}
		r = reconcile_one(d, net, why, drift, links, n_links);
		if (r < 0)
			ret = r;
	}
	free(links);
	r = reconcile_table(d, why, drift);
	if (r < 0)
		ret = r;
	return ret;
}

/*
 * What events asked for: the networks they named and, when nftables
 * reported a change by someone else, the table. A start or stop of one
 * network thus costs a look at that network, not at all of them.
 */
static void reconcile_some(struct vnetd *d, const char *why)
{
	d->reconciles++;
	for (struct vnetd_network *net = d->networks; net; net = net->next) {
		if (!net->dirty)
			continue;
		if (net->active)
			reconcile_one(d, net, why, true, NULL, 0);
		net->dirty = false;
	}
	if (d->reconcile_table)
		reconcile_table(d, why, true);
}

static int reconcile_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct vnetd *d = userdata;

	if (d->reconcile_everything)
		reconcile_all(d, "monitor");
	else
		reconcile_some(d, "monitor");
	return 0;
}

static void schedule(struct vnetd *d)
{
	int r;

	/* a burst of events (a flushed table is many) makes one pass */
	if (!d->reconcile_source) {
		r = sd_event_add_time_relative(d->event, &d->reconcile_source, CLOCK_MONOTONIC,
					       20 * 1000, 1000, reconcile_timer, d);
		if (r < 0)
			log_warn("scheduling a reconcile: %s, ignoring", strerror(-r));
		return;
	}
	if (sd_event_source_get_enabled(d->reconcile_source, NULL) > 0)
		return;
	sd_event_source_set_time_relative(d->reconcile_source, 20 * 1000);
	sd_event_source_set_enabled(d->reconcile_source, SD_EVENT_ONESHOT);
}

void reconcile_schedule(struct vnetd *d)
{
	d->reconcile_everything = true;
	schedule(d);
}

void reconcile_schedule_network(struct vnetd *d, struct vnetd_network *net)
{
	net->dirty = true;
	schedule(d);
}

void reconcile_schedule_firewall(struct vnetd *d)
{
	d->reconcile_table = true;
	schedule(d);
}

int network_check_host(struct vnetd *d, const struct vnetd_network *net, bool starting,
		       struct vnet_error *err)
{
	const struct vnet_route *routes;
	size_t n = 0;
	int r;

	if (net->has_v4 || net->has_v6) {
		r = hostroutes_get(d, &routes, &n);
		if (r < 0)
			return lib_fail(d, r, err, "reading the host's routes");
		for (size_t i = 0; i < n; i++) {
			const struct vnet_route *rt = &routes[i];
			const struct vnet_prefix *mine = NULL;
			char a[VNET_PREFIX_STRLEN], b[VNET_PREFIX_STRLEN];
			bool managed = false;

			if (rt->dst.len == 0)
				continue;
			if (net->has_v4 && vnet_prefix_overlaps(&rt->dst, &net->v4))
				mine = &net->v4;
			else if (net->has_v6 && vnet_prefix_overlaps(&rt->dst, &net->v6))
				mine = &net->v6;
			if (!mine)
				continue;
			/* only for the few routes that overlap: with N networks there are N routes */
			for (struct vnetd_network *o = d->networks; o; o = o->next)
				if (o->active && !strcmp(rt->dev, o->bridge))
					managed = true;
			if (managed)
				continue;
			snprintf(err->msg, sizeof(err->msg),
				 "%s '%s' collides with the host's route %s%s%s; pick another subnet",
				 mine->family == AF_INET ? "ipv4.address" : "ipv6.address",
				 vnet_prefix_format(mine, true, a), vnet_prefix_format(&rt->dst, true, b),
				 rt->dev[0] ? " dev " : "", rt->dev);
			return -EBUSY;
		}
	}
	if (starting && !net->active) {
		struct vnet_link_info info;

		r = vnet_link_get(d->ctx, net->bridge, &info);
		if (r == 0) {
			snprintf(err->msg, sizeof(err->msg),
				 "bridge '%s' already exists as a %s link that vnet does not manage",
				 net->bridge, info.kind_name[0] ? info.kind_name : vnet_link_kind_name(info.kind));
			return -EBUSY;
		}
		if (r != -ENODEV)
			return lib_fail(d, r, err, "reading link '%s'", net->bridge);
		if (net->mode == NETWORK_BRIDGE) {
			r = vnet_link_get(d->ctx, net->uplink, &info);
			if (r == -ENODEV) {
				snprintf(err->msg, sizeof(err->msg), "uplink '%s' does not exist", net->uplink);
				return -ENODEV;
			}
			if (r < 0)
				return lib_fail(d, r, err, "reading uplink '%s'", net->uplink);
			if (info.master_ifindex) {
				snprintf(err->msg, sizeof(err->msg), "uplink '%s' is already a port of '%s'",
					 net->uplink, info.master);
				return -EBUSY;
			}
			if (info.kind == VNET_LINK_BRIDGE) {
				snprintf(err->msg, sizeof(err->msg), "uplink '%s' is a bridge; a bridge cannot be a port",
					 net->uplink);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int teardown(struct vnetd *d, struct vnetd_network *net, struct vnet_error *err)
{
	int r;

	/* its routes go (and in bridge mode come back to the uplink) before the monitor hears it */
	hostroutes_invalidate(d);

	if (net->mode == NETWORK_BRIDGE) {
		r = restore_uplink(d, net, err);
		if (r < 0)
			return r;
	}
	r = vnet_link_delete(d->ctx, net->bridge);
	if (r < 0)
		return lib_fail(d, r, err, "deleting bridge '%s'", net->bridge);
	return 0;
}

int network_start(struct vnetd *d, struct vnetd_network *net, struct vnet_error *err)
{
	struct vnet_error ignored;
	int r;

	r = network_check_host(d, net, true, err);
	if (r < 0)
		return r;
	/* recorded first, so a vnetd that dies half-way adopts and finishes */
	net->active = true;
	json_object_put(net->saved_uplink);
	net->saved_uplink = NULL;
	r = store_save_runtime(d, net);
	if (r < 0) {
		snprintf(err->msg, sizeof(err->msg), "writing runtime state of '%s' under %s: %s",
			 net->name, d->run_dir, strerror(-r));
		goto fail;
	}
	r = reconcile_network(d, net, NULL, err);
	if (r < 0)
		goto fail;
	/*
	 * After the bridge has its addresses: dnsmasq binds those present at
	 * its start. It starts (some ms, mostly its own) while the firewall is
	 * applied, on the other CPU where there is one.
	 */
	r = dhcp_network_start_begin(d, net, err);
	if (r < 0)
		goto fail;
	r = reconcile_firewall(d, false, NULL, err);
	if (r < 0)
		goto fail;
	r = dhcp_network_start_finish(d, net, err);
	if (r < 0)
		goto fail;
	log_info("network '%s': started (%s, bridge %s)", net->name, network_mode_name(net->mode), net->bridge);
	return 0;
fail:
	log_err("network '%s': start failed: %s", net->name, err->msg);
	dhcp_network_stop(d, net);
	net->active = false;
	teardown(d, net, &ignored);
	reconcile_firewall(d, false, NULL, &ignored);
	json_object_put(net->saved_uplink);
	net->saved_uplink = NULL;
	store_remove_runtime(d, net->name);
	return r;
}

int network_stop(struct vnetd *d, struct vnetd_network *net, struct vnet_error *err)
{
	int r;

	dhcp_network_stop(d, net);
	r = teardown(d, net, err);
	if (r < 0)
		return r;
	net->active = false;
	r = reconcile_firewall(d, false, NULL, err);
	if (r < 0)
		log_err("network '%s': %s", net->name, err->msg);
	json_object_put(net->saved_uplink);
	net->saved_uplink = NULL;
	store_remove_runtime(d, net->name);
	log_info("network '%s': stopped", net->name);
	return 0;
}

struct json_object *network_status(struct vnetd *d, struct vnetd_network *net)
{
	struct json_object *st = json_object_new_object();
	struct vnet_link_info info, *links = NULL;
	struct vnet_addr_entry *addrs = NULL;
	size_t n_addrs = 0, n_links = 0;
	char buf[VNET_PREFIX_STRLEN];
	bool present;

	json_object_object_add(st, "active", json_object_new_boolean(net->active));
	present = vnet_link_get(d->ctx, net->bridge, &info) == 0 && info.kind == VNET_LINK_BRIDGE;
	json_object_object_add(st, "bridge_present", json_object_new_boolean(present));
	json_object_object_add(st, "bridge_up", json_object_new_boolean(present && info.up));
	{
		struct json_object *a = json_object_new_array();

		if (present && vnet_addr_list(d->ctx, net->bridge, AF_UNSPEC, &addrs, &n_addrs) == 0)
			for (size_t i = 0; i < n_addrs; i++)
				json_object_array_add(a, json_object_new_string(vnet_prefix_format(&addrs[i].prefix, true, buf)));
		json_object_object_add(st, "addresses", a);
	}
	{
		struct json_object *p = json_object_new_array();

		if (present && vnet_link_list(d->ctx, &links, &n_links) == 0)
			for (size_t i = 0; i < n_links; i++)
				if (links[i].master_ifindex == info.ifindex)
					json_object_array_add(p, json_object_new_string(links[i].name));
		json_object_object_add(st, "ports", p);
	}
	if (net->active) {
		bool matches = false;

		/* the table is one batch for every network: in place means all of it matches */
		if (fw_verify_all(d, &matches) == 0)
			json_object_object_add(st, "firewall_in_place", json_object_new_boolean(matches));
	} else {
		json_object_object_add(st, "firewall_in_place", json_object_new_boolean(false));
	}
	json_object_object_add(st, "dnsmasq", dhcp_network_status(d, net));
	free(addrs);
	free(links);
	return st;
}
