/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The network object: validate, fill defaults, serialise. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "network.h"

static const char *const mode_names[] = {
	[NETWORK_NAT] = "nat",
	[NETWORK_ROUTED] = "routed",
	[NETWORK_ISOLATED] = "isolated",
	[NETWORK_BRIDGE] = "bridge",
};

/*
 * Keys that later features own; kept as they are so nothing is lost. "dns"
 * and ipv4/ipv6 "dhcp" are not among them: dhcp-spec.c parses those into
 * net->dhcp and network_to_json writes them from there, so a copy of their
 * JSON (some 7 KiB per network in json-c objects) would be dead weight.
 */
static const char *const extra_top[] = { "description", "vlan", "vxlan", "dhcp", NULL };
static const char *const extra_ip[] = { "ra", NULL };

static void network_dhcp_to_json(const struct vnetd_network *net, struct json_object *o);

__attribute__((format(printf, 3, 4)))
static int fail(struct vnet_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *network_mode_name(enum network_mode mode)
{
	if ((size_t)mode < sizeof(mode_names) / sizeof(mode_names[0]))
		return mode_names[mode];
	return "?";
}

static bool in_list(const char *const *list, const char *key)
{
	for (; *list; list++)
		if (!strcmp(*list, key))
			return true;
	return false;
}

int network_name_check(const char *name, struct vnet_error *err)
{
	size_t n = strlen(name);

	if (n == 0)
		return fail(err, -EINVAL, "network name is empty");
	if (n > NETWORK_NAME_MAX)
		return fail(err, -EINVAL, "network name '%s' is %zu bytes; at most %d are allowed",
			    name, n, NETWORK_NAME_MAX);
	if (name[0] == '.' || name[0] == '-')
		return fail(err, -EINVAL, "network name '%s' starts with '%c'; it must start with a letter, digit or '_'",
			    name, name[0]);
	for (const char *p = name; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return fail(err, -EINVAL, "network name '%s' contains '%c'; allowed are letters, digits, '_', '-' and '.'",
				    name, c);
	}
	return 0;
}

static const char *type_name(struct json_object *v)
{
	return json_type_to_name(json_object_get_type(v));
}

static int get_string(struct json_object *obj, const char *field, const char *key,
		      const char **out, struct vnet_error *err)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return fail(err, -EINVAL, "%s is a %s; a string is expected", field, type_name(v));
	*out = json_object_get_string(v);
	return 0;
}

static int get_uint(struct json_object *v, const char *field, long long min, long long max,
		    long long *out, struct vnet_error *err)
{
	long long x;

	if (!json_object_is_type(v, json_type_int))
		return fail(err, -EINVAL, "%s '%s' is not an integer", field,
			    json_object_to_json_string(v));
	errno = 0;
	x = json_object_get_int64(v);
	if (x < min || x > max)
		return fail(err, -EINVAL, "%s %lld is out of range; allowed are %lld..%lld",
			    field, x, min, max);
	*out = x;
	return 0;
}

/* Every key of @obj must be in @known or @extra (which are copied to @keep). */
static int check_keys(struct json_object *obj, const char *where, const char *const *known,
		      const char *const *extra, struct json_object **keep, struct vnet_error *err)
{
	json_object_object_foreach(obj, key, val) {
		if (in_list(known, key))
			continue;
		if (extra && in_list(extra, key)) {
			if (!*keep)
				*keep = json_object_new_object();
			json_object_object_add(*keep, key, json_object_get(val));
			continue;
		}
		return fail(err, -EINVAL, "%s has an unknown field '%s'", where, key);
	}
	return 0;
}

static bool prefix_host_is_zero_or_bcast(const struct vnet_prefix *p, bool *bcast)
{
	int bits = p->family == AF_INET ? 32 : 128;
	bool zero = true, ones = true;

	for (int i = p->len; i < bits; i++) {
		bool set = p->addr.bytes[i / 8] & (0x80 >> (i % 8));

		if (set)
			zero = false;
		else
			ones = false;
	}
	*bcast = p->family == AF_INET && ones && p->len < bits;
	return zero && p->len < bits;
}

static int parse_gateway(const char *field, const char *s, int family, struct vnet_prefix *p,
			 struct vnet_error *err)
{
	char buf[VNET_PREFIX_STRLEN];
	bool bcast;
	int r;

	r = vnet_prefix_parse(field, s, p, err);
	if (r < 0)
		return r;
	if (p->family != family)
		return fail(err, -EINVAL, "%s '%s' is not an %s address", field, s,
			    family == AF_INET ? "IPv4" : "IPv6");
	if (!strchr(s, '/'))
		return fail(err, -EINVAL, "%s '%s' has no prefix length; write it as e.g. '%s/%d'",
			    field, s, s, family == AF_INET ? 24 : 64);
	if ((family == AF_INET && (p->len < 8 || p->len > 30)) ||
	    (family == AF_INET6 && (p->len < 8 || p->len > 126)))
		return fail(err, -EINVAL, "%s '%s' has prefix length %u; allowed are %s",
			    field, s, p->len, family == AF_INET ? "8..30" : "8..126");
	if (prefix_host_is_zero_or_bcast(p, &bcast))
		return fail(err, -EINVAL, "%s '%s' is the subnet's own address (%s); the gateway needs a host address",
			    field, s, vnet_prefix_format(p, true, buf));
	if (bcast)
		return fail(err, -EINVAL, "%s '%s' is the subnet's broadcast address; the gateway needs a host address",
			    field, s);
	return 0;
}

static int parse_ip(struct json_object *obj, const char *where, int family,
		    struct vnetd_network *net, struct vnet_error *err)
{
	static const char *const known4[] = { "address", "nat", "dhcp", NULL };
	static const char *const known6[] = { "address", "dhcp", NULL };
	char field[32];
	const char *s;
	int r;

	if (!json_object_is_type(obj, json_type_object))
		return fail(err, -EINVAL, "%s is a %s; an object is expected", where, type_name(obj));
	r = check_keys(obj, where, family == AF_INET ? known4 : known6, extra_ip,
		       family == AF_INET ? &net->extra_v4 : &net->extra_v6, err);
	if (r < 0)
		return r;
	snprintf(field, sizeof(field), "%s.address", where);
	r = get_string(obj, field, "address", &s, err);
	if (r < 0)
		return r;
	if (!s)
		return fail(err, -EINVAL, "%s is missing (the gateway, e.g. '%s')", field,
			    family == AF_INET ? "192.168.122.1/24" : "fd00:122::1/64");
	r = parse_gateway(field, s, family, family == AF_INET ? &net->v4 : &net->v6, err);
	if (r < 0)
		return r;
	if (family == AF_INET)
		net->has_v4 = true;
	else
		net->has_v6 = true;

	if (family == AF_INET) {
		static const char *const known_nat[] = { "uplink", NULL };
		struct json_object *nat;

		if (json_object_object_get_ex(obj, "nat", &nat) && !json_object_is_type(nat, json_type_null)) {
			if (net->mode != NETWORK_NAT)
				return fail(err, -EINVAL, "ipv4.nat is set but mode is '%s'; NAT needs mode 'nat'",
					    network_mode_name(net->mode));
			if (!json_object_is_type(nat, json_type_object))
				return fail(err, -EINVAL, "ipv4.nat is a %s; an object is expected", type_name(nat));
			r = check_keys(nat, "ipv4.nat", known_nat, NULL, NULL, err);
			if (r < 0)
				return r;
			r = get_string(nat, "ipv4.nat.uplink", "uplink", &s, err);
			if (r < 0)
				return r;
			if (s) {
				r = vnet_ifname_check("ipv4.nat.uplink", s, err);
				if (r < 0)
					return r;
				snprintf(net->nat_uplink, sizeof(net->nat_uplink), "%s", s);
			}
		}
	}
	return 0;
}

static int parse_port(struct json_object *v, uint16_t *lo, uint16_t *hi, struct vnet_error *err)
{
	long long x;
	int r;

	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		unsigned long a, b;
		char *end;

		errno = 0;
		a = strtoul(s, &end, 10);
		if (end == s || errno)
			goto bad;
		b = a;
		if (*end == '-') {
			const char *s2 = end + 1;

			b = strtoul(s2, &end, 10);
			if (end == s2 || errno)
				goto bad;
		}
		if (*end)
			goto bad;
		if (a < 1 || a > 65535 || b < 1 || b > 65535)
			return fail(err, -EINVAL, "forward port '%s' is out of range; ports are 1..65535", s);
		if (b < a)
			return fail(err, -EINVAL, "forward port range '%s' is reversed; write it as 'low-high'", s);
		*lo = a;
		*hi = b == a ? 0 : b;
		return 0;
bad:
		return fail(err, -EINVAL, "forward port '%s' is neither a port nor a range 'low-high'", s);
	}
	r = get_uint(v, "forward port", 1, 65535, &x, err);
	if (r < 0)
		return r;
	*lo = x;
	*hi = 0;
	return 0;
}

int forward_parse(const struct vnetd_network *net, struct json_object *obj,
		  struct vnet_fw_forward *fwd, struct vnet_error *err)
{
	static const char *const known[] = { "proto", "port", "to", "to_port", "address", "network", NULL };
	struct json_object *v;
	const char *s;
	bool inside;
	long long x;
	int r;

	memset(fwd, 0, sizeof(*fwd));
	if (!json_object_is_type(obj, json_type_object))
		return fail(err, -EINVAL, "forward is a %s; an object is expected", type_name(obj));
	r = check_keys(obj, "forward", known, NULL, NULL, err);
	if (r < 0)
		return r;
	if (net->mode != NETWORK_NAT)
		return fail(err, -EINVAL, "network '%s' has mode '%s'; port forwards need mode 'nat'",
			    net->name, network_mode_name(net->mode));

	r = get_string(obj, "forward proto", "proto", &s, err);
	if (r < 0)
		return r;
	if (!s)
		return fail(err, -EINVAL, "forward proto is missing; allowed are tcp, udp");
	if (!strcmp(s, "tcp"))
		fwd->proto = IPPROTO_TCP;
	else if (!strcmp(s, "udp"))
		fwd->proto = IPPROTO_UDP;
	else
		return fail(err, -EINVAL, "forward proto '%s' is not allowed; allowed are tcp, udp", s);

	if (!json_object_object_get_ex(obj, "port", &v))
		return fail(err, -EINVAL, "forward port is missing");
	r = parse_port(v, &fwd->port, &fwd->port_end, err);
	if (r < 0)
		return r;

	r = get_string(obj, "forward to", "to", &s, err);
	if (r < 0)
		return r;
	if (!s)
		return fail(err, -EINVAL, "forward to is missing (the VM's address)");
	r = vnet_addr_parse("forward to", s, &fwd->to, err);
	if (r < 0)
		return r;
	inside = (net->has_v4 && vnet_prefix_contains(&net->v4, &fwd->to)) ||
		 (net->has_v6 && vnet_prefix_contains(&net->v6, &fwd->to));
	if (!inside)
		return fail(err, -EINVAL, "forward to '%s' is outside network '%s''s subnets", s, net->name);
	if ((net->has_v4 && vnet_prefix_equal(&(struct vnet_prefix){ .family = AF_INET, .addr = net->v4.addr, .len = 32 }, &fwd->to)) ||
	    (net->has_v6 && vnet_prefix_equal(&(struct vnet_prefix){ .family = AF_INET6, .addr = net->v6.addr, .len = 128 }, &fwd->to)))
		return fail(err, -EINVAL, "forward to '%s' is the gateway itself; forward to a VM", s);

	fwd->to_port = fwd->port;
	if (json_object_object_get_ex(obj, "to_port", &v) && !json_object_is_type(v, json_type_null)) {
		r = get_uint(v, "forward to_port", 1, 65535, &x, err);
		if (r < 0)
			return r;
		fwd->to_port = x;
	}
	if (fwd->port_end && fwd->to_port + (fwd->port_end - fwd->port) > 65535)
		return fail(err, -EINVAL, "forward to_port %u with a range of %u ports runs past 65535",
			    fwd->to_port, fwd->port_end - fwd->port + 1);

	r = get_string(obj, "forward address", "address", &s, err);
	if (r < 0)
		return r;
	if (s) {
		r = vnet_addr_parse("forward address", s, &fwd->address, err);
		if (r < 0)
			return r;
		if (fwd->address.family != fwd->to.family)
			return fail(err, -EINVAL, "forward address '%s' and to are of different families", s);
		fwd->has_address = true;
	}
	return 0;
}

struct json_object *forward_to_json(const struct vnet_fw_forward *fwd)
{
	struct json_object *o = json_object_new_object();
	char buf[VNET_PREFIX_STRLEN];

	json_object_object_add(o, "proto", json_object_new_string(fwd->proto == IPPROTO_UDP ? "udp" : "tcp"));
	if (fwd->port_end) {
		snprintf(buf, sizeof(buf), "%u-%u", fwd->port, fwd->port_end);
		json_object_object_add(o, "port", json_object_new_string(buf));
	} else {
		json_object_object_add(o, "port", json_object_new_int(fwd->port));
	}
	json_object_object_add(o, "to", json_object_new_string(vnet_prefix_format(&fwd->to, false, buf)));
	json_object_object_add(o, "to_port", json_object_new_int(fwd->to_port));
	if (fwd->has_address)
		json_object_object_add(o, "address",
				       json_object_new_string(vnet_prefix_format(&fwd->address, false, buf)));
	return o;
}

bool forward_equal(const struct vnet_fw_forward *a, const struct vnet_fw_forward *b)
{
	return a->proto == b->proto && a->port == b->port && a->port_end == b->port_end &&
	       a->to_port == b->to_port && vnet_prefix_equal(&a->to, &b->to) &&
	       a->has_address == b->has_address &&
	       (!a->has_address || vnet_prefix_equal(&a->address, &b->address));
}

ssize_t forward_find(const struct vnetd_network *net, const struct vnet_fw_forward *fwd)
{
	for (size_t i = 0; i < net->n_forwards; i++)
		if (forward_equal(&net->forwards[i], fwd))
			return i;
	return -1;
}

const struct vnet_fw_forward *forward_lookup(const struct vnetd_network *net,
					     const struct vnet_fw_forward *fwd)
{
	return forward_index_equal(net->fwd_index, fwd);
}

const struct vnet_fw_forward *forward_overlaps(const struct vnetd_network *net,
					       const struct vnet_fw_forward *fwd)
{
	return forward_index_overlap(net->fwd_index, fwd);
}

static int forwards_reserve(struct vnetd_network *net, size_t n)
{
	struct vnet_fw_forward *v;
	size_t cap;

	if (n <= net->cap_forwards)
		return 0;
	if (n > NETWORK_MAX_FORWARDS)
		return -ENOSPC;
	/* doubling: ten thousand appends copy the array a dozen times, not ten thousand */
	cap = net->cap_forwards ? net->cap_forwards * 2 : 16;
	if (cap < n)
		cap = n;
	if (cap > NETWORK_MAX_FORWARDS)
		cap = NETWORK_MAX_FORWARDS;
	v = realloc(net->forwards, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	net->forwards = v;
	net->cap_forwards = cap;
	return 0;
}

int network_forward_append(struct vnetd_network *net, const struct vnet_fw_forward *fwd)
{
	int r = forwards_reserve(net, net->n_forwards + 1);

	if (r >= 0)
		r = forward_index_add(&net->fwd_index, fwd);
	if (r < 0)
		return r;
	net->forwards[net->n_forwards++] = *fwd;
	return 0;
}

int network_forward_insert(struct vnetd_network *net, size_t i, const struct vnet_fw_forward *fwd)
{
	int r;

	if (i > net->n_forwards)
		return -EINVAL;
	r = forwards_reserve(net, net->n_forwards + 1);
	if (r >= 0)
		r = forward_index_add(&net->fwd_index, fwd);
	if (r < 0)
		return r;
	memmove(&net->forwards[i + 1], &net->forwards[i],
		(net->n_forwards - i) * sizeof(net->forwards[0]));
	net->forwards[i] = *fwd;
	net->n_forwards++;
	return 0;
}

void network_forward_delete(struct vnetd_network *net, size_t i)
{
	if (i >= net->n_forwards)
		return;
	forward_index_remove(net->fwd_index, &net->forwards[i]);
	memmove(&net->forwards[i], &net->forwards[i + 1],
		(net->n_forwards - i - 1) * sizeof(net->forwards[0]));
	net->n_forwards--;
}

static bool name_taken(const char *const *taken, const char *name)
{
	return taken && in_list(taken, name);
}

int network_parse(struct json_object *obj, const char *const *taken_bridges,
		  struct vnetd_network **ret, struct vnet_error *err)
{
	static const char *const known[] = { "name", "mode", "bridge", "mac", "mtu", "autostart",
					     "ipv4", "ipv6", "uplink", "forwards", "dns", NULL };
	struct vnetd_network *net;
	struct json_object *v;
	const char *s;
	long long x;
	int r;

	*ret = NULL;
	if (!obj || !json_object_is_type(obj, json_type_object))
		return fail(err, -EINVAL, "a network must be a JSON object");
	net = calloc(1, sizeof(*net));
	if (!net)
		return -ENOMEM;

	r = check_keys(obj, "network", known, extra_top, &net->extra, err);
	if (r < 0)
		goto out;

	r = get_string(obj, "network name", "name", &s, err);
	if (r < 0)
		goto out;
	if (!s) {
		r = fail(err, -EINVAL, "network name is missing");
		goto out;
	}
	r = network_name_check(s, err);
	if (r < 0)
		goto out;
	snprintf(net->name, sizeof(net->name), "%s", s);

	r = get_string(obj, "mode", "mode", &s, err);
	if (r < 0)
		goto out;
	net->mode = NETWORK_NAT;
	if (s) {
		size_t i;

		for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
			if (!strcmp(s, mode_names[i]))
				break;
		if (i == sizeof(mode_names) / sizeof(mode_names[0])) {
			r = fail(err, -EINVAL, "mode '%s' is not allowed; allowed are nat, routed, isolated, bridge", s);
			goto out;
		}
		net->mode = i;
	}

	r = get_string(obj, "bridge", "bridge", &s, err);
	if (r < 0)
		goto out;
	if (s) {
		r = vnet_ifname_check("bridge", s, err);
		if (r < 0)
			goto out;
		snprintf(net->bridge, sizeof(net->bridge), "%s", s);
	} else {
		for (int i = 0; i < 10000; i++) {
			snprintf(net->bridge, sizeof(net->bridge), "vnetbr%d", i);
			if (!name_taken(taken_bridges, net->bridge))
				break;
		}
	}

	r = get_string(obj, "mac", "mac", &s, err);
	if (r < 0)
		goto out;
	if (s) {
		r = vnet_mac_parse("mac", s, net->mac, err);
		if (r < 0)
			goto out;
		r = vnet_mac_check_unicast("mac", net->mac, err);
		if (r < 0)
			goto out;
		net->has_mac = true;
	} else if (net->mode != NETWORK_BRIDGE) {
		/* A fixed MAC: without one the bridge takes its lowest port's. */
		vnet_mac_from_name(net->bridge, net->mac);
		net->has_mac = true;
	}

	net->mtu = net->mode == NETWORK_BRIDGE ? 0 : 1500;
	if (json_object_object_get_ex(obj, "mtu", &v) && !json_object_is_type(v, json_type_null)) {
		r = get_uint(v, "mtu", VNET_MTU_MIN, VNET_MTU_MAX, &x, err);
		if (r < 0)
			goto out;
		net->mtu = x;
	}

	if (json_object_object_get_ex(obj, "autostart", &v) && !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_boolean)) {
			r = fail(err, -EINVAL, "autostart is a %s; true or false is expected", type_name(v));
			goto out;
		}
		net->autostart = json_object_get_boolean(v);
	}

	r = get_string(obj, "uplink", "uplink", &s, err);
	if (r < 0)
		goto out;
	if (s) {
		r = vnet_ifname_check("uplink", s, err);
		if (r < 0)
			goto out;
		if (!strcmp(s, net->bridge)) {
			r = fail(err, -EINVAL, "uplink '%s' is the network's own bridge", s);
			goto out;
		}
		if (net->mode == NETWORK_ISOLATED || net->mode == NETWORK_ROUTED) {
			r = fail(err, -EINVAL, "uplink '%s' is set but mode is '%s'; an uplink port needs mode 'bridge' (or 'nat' to masquerade through it)",
				 s, network_mode_name(net->mode));
			goto out;
		}
		snprintf(net->uplink, sizeof(net->uplink), "%s", s);
	}

	if (json_object_object_get_ex(obj, "ipv4", &v) && !json_object_is_type(v, json_type_null)) {
		if (net->mode == NETWORK_BRIDGE) {
			r = fail(err, -EINVAL, "ipv4 is set but mode is 'bridge'; a bridged network uses the LAN's addresses (the uplink's move to the bridge)");
			goto out;
		}
		r = parse_ip(v, "ipv4", AF_INET, net, err);
		if (r < 0)
			goto out;
	}
	if (json_object_object_get_ex(obj, "ipv6", &v) && !json_object_is_type(v, json_type_null)) {
		if (net->mode == NETWORK_BRIDGE) {
			r = fail(err, -EINVAL, "ipv6 is set but mode is 'bridge'; a bridged network uses the LAN's addresses (the uplink's move to the bridge)");
			goto out;
		}
		r = parse_ip(v, "ipv6", AF_INET6, net, err);
		if (r < 0)
			goto out;
	}
	if (net->mode == NETWORK_NAT && !net->has_v4) {
		r = fail(err, -EINVAL, "ipv4.address is missing; mode 'nat' needs an IPv4 gateway such as '192.168.122.1/24'");
		goto out;
	}
	if (net->mode == NETWORK_ROUTED && !net->has_v4 && !net->has_v6) {
		r = fail(err, -EINVAL, "ipv4.address and ipv6.address are both missing; mode 'routed' needs a gateway");
		goto out;
	}
	if (net->mode == NETWORK_BRIDGE && !net->uplink[0]) {
		r = fail(err, -EINVAL, "uplink is missing; mode 'bridge' needs the physical interface that becomes a bridge port");
		goto out;
	}
	if (net->mode == NETWORK_NAT && !net->nat_uplink[0] && net->uplink[0])
		snprintf(net->nat_uplink, sizeof(net->nat_uplink), "%s", net->uplink);

	if (json_object_object_get_ex(obj, "forwards", &v) && !json_object_is_type(v, json_type_null)) {
		size_t n;

		if (!json_object_is_type(v, json_type_array)) {
			r = fail(err, -EINVAL, "forwards is a %s; an array is expected", type_name(v));
			goto out;
		}
		n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++) {
			struct vnet_fw_forward fwd;
			char pre[64];

			r = forward_parse(net, json_object_array_get_idx(v, i), &fwd, err);
			if (r < 0) {
				snprintf(pre, sizeof(pre), "forwards[%zu]: ", i);
				if (err && strlen(pre) + strlen(err->msg) < sizeof(err->msg)) {
					memmove(err->msg + strlen(pre), err->msg, strlen(err->msg) + 1);
					memcpy(err->msg, pre, strlen(pre));
				}
				goto out;
			}
			if (forward_overlaps(net, &fwd)) {
				r = fail(err, -EINVAL, "forwards[%zu]: %s port %s overlaps an earlier forward",
					 i, fwd.proto == IPPROTO_UDP ? "udp" : "tcp",
					 json_object_to_json_string(json_object_object_get(json_object_array_get_idx(v, i), "port")));
				goto out;
			}
			r = network_forward_append(net, &fwd);
			if (r < 0)
				goto out;
		}
	}
	/* DHCP and DNS: ipv4.dhcp, ipv6.dhcp, dns (the ranges, hosts, names) */
	if (net->mode == NETWORK_BRIDGE && json_object_object_get_ex(obj, "dns", &v) &&
	    !json_object_is_type(v, json_type_null)) {
		r = fail(err, -EINVAL, "dns is set but mode is 'bridge'; a bridged network uses the LAN's DHCP and DNS");
		goto out;
	}
	r = dhcp_spec_from_json(&net->dhcp, obj, err);
	if (r < 0)
		goto out;
	*ret = net;
	net = NULL;
	r = 0;
out:
	network_free(net);
	return r;
}

static void add_extra(struct json_object *o, struct json_object *extra)
{
	if (!extra)
		return;
	json_object_object_foreach(extra, key, val)
		json_object_object_add(o, key, json_object_get(val));
}

struct json_object *network_to_json(const struct vnetd_network *net)
{
	struct json_object *o = json_object_new_object();
	char buf[VNET_PREFIX_STRLEN];

	json_object_object_add(o, "name", json_object_new_string(net->name));
	json_object_object_add(o, "mode", json_object_new_string(network_mode_name(net->mode)));
	json_object_object_add(o, "bridge", json_object_new_string(net->bridge));
	if (net->has_mac)
		json_object_object_add(o, "mac", json_object_new_string(vnet_mac_format(net->mac, buf)));
	if (net->mtu)
		json_object_object_add(o, "mtu", json_object_new_int(net->mtu));
	json_object_object_add(o, "autostart", json_object_new_boolean(net->autostart));
	if (net->uplink[0])
		json_object_object_add(o, "uplink", json_object_new_string(net->uplink));
	if (net->has_v4) {
		struct json_object *ip = json_object_new_object();

		json_object_object_add(ip, "address", json_object_new_string(vnet_prefix_format(&net->v4, true, buf)));
		if (net->mode == NETWORK_NAT) {
			struct json_object *nat = json_object_new_object();

			if (net->nat_uplink[0])
				json_object_object_add(nat, "uplink", json_object_new_string(net->nat_uplink));
			json_object_object_add(ip, "nat", nat);
		}
		add_extra(ip, net->extra_v4);
		json_object_object_add(o, "ipv4", ip);
	}
	if (net->has_v6) {
		struct json_object *ip = json_object_new_object();

		json_object_object_add(ip, "address", json_object_new_string(vnet_prefix_format(&net->v6, true, buf)));
		add_extra(ip, net->extra_v6);
		json_object_object_add(o, "ipv6", ip);
	}
	if (net->mode == NETWORK_NAT) {
		struct json_object *fw = json_object_new_array();

		for (size_t i = 0; i < net->n_forwards; i++)
			json_object_array_add(fw, forward_to_json(&net->forwards[i]));
		json_object_object_add(o, "forwards", fw);
	}
	add_extra(o, net->extra);
	network_dhcp_to_json(net, o);
	return o;
}

/* The canonical ipv4.dhcp, ipv6.dhcp and dns members, which live changes (dhcp.host.add...) update. */
static void network_dhcp_to_json(const struct vnetd_network *net, struct json_object *o)
{
	static const char *const fams[] = { "ipv4", "ipv6" };
	struct json_object *tmp = json_object_new_object(), *from, *to, *v;

	if (!tmp || dhcp_spec_to_json(&net->dhcp, tmp) < 0)
		goto out;
	for (size_t i = 0; i < 2; i++) {
		if (!json_object_object_get_ex(o, fams[i], &to))
			continue;
		json_object_object_del(to, "dhcp");
		if (json_object_object_get_ex(tmp, fams[i], &from) &&
		    json_object_object_get_ex(from, "dhcp", &v))
			json_object_object_add(to, "dhcp", json_object_get(v));
	}
	json_object_object_del(o, "dns");
	if (json_object_object_get_ex(tmp, "dns", &v))
		json_object_object_add(o, "dns", json_object_get(v));
out:
	json_object_put(tmp);
}

void network_free(struct vnetd_network *net)
{
	if (!net)
		return;
	free(net->forwards);
	forward_index_free(net->fwd_index);
	json_object_put(net->extra);
	json_object_put(net->extra_v4);
	json_object_put(net->extra_v6);
	json_object_put(net->saved_uplink);
	dhcp_spec_clear(&net->dhcp);
	free(net->ports);
	free(net);
}

int network_port_note(struct vnetd_network *net, const char *port)
{
	char (*p)[VNET_IFNAMSIZ];

	for (size_t i = 0; i < net->n_ports; i++)
		if (!strcmp(net->ports[i], port))
			return 0;
	p = realloc(net->ports, (net->n_ports + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	net->ports = p;
	snprintf(net->ports[net->n_ports++], VNET_IFNAMSIZ, "%s", port);
	return 0;
}

void network_port_forget(struct vnetd_network *net, const char *port)
{
	for (size_t i = 0; i < net->n_ports; i++)
		if (!strcmp(net->ports[i], port)) {
			memmove(&net->ports[i], &net->ports[i + 1], (net->n_ports - i - 1) * sizeof(net->ports[0]));
			net->n_ports--;
			return;
		}
}

int network_conflict(const struct vnetd_network *a, const struct vnetd_network *b,
		     struct vnet_error *err)
{
	char x[VNET_PREFIX_STRLEN], y[VNET_PREFIX_STRLEN];

	if (!strcmp(a->name, b->name))
		return fail(err, -EEXIST, "network '%s' already exists", a->name);
	if (!strcmp(a->bridge, b->bridge))
		return fail(err, -EBUSY, "bridge '%s' is already the bridge of network '%s'", a->bridge, b->name);
	if (a->uplink[0] && a->mode == NETWORK_BRIDGE && !strcmp(a->uplink, b->bridge))
		return fail(err, -EBUSY, "uplink '%s' is the bridge of network '%s'", a->uplink, b->name);
	if (b->uplink[0] && b->mode == NETWORK_BRIDGE && !strcmp(a->bridge, b->uplink))
		return fail(err, -EBUSY, "bridge '%s' is the uplink of network '%s'", a->bridge, b->name);
	if (a->mode == NETWORK_BRIDGE && b->mode == NETWORK_BRIDGE && !strcmp(a->uplink, b->uplink))
		return fail(err, -EBUSY, "uplink '%s' is already the uplink of network '%s'", a->uplink, b->name);
	if (a->has_v4 && b->has_v4 && vnet_prefix_overlaps(&a->v4, &b->v4)) {
		struct vnet_prefix n = vnet_prefix_network(&b->v4);

		return fail(err, -EBUSY, "ipv4.address '%s' overlaps network '%s''s subnet %s",
			    vnet_prefix_format(&a->v4, true, x), b->name, vnet_prefix_format(&n, true, y));
	}
	if (a->has_v6 && b->has_v6 && vnet_prefix_overlaps(&a->v6, &b->v6)) {
		struct vnet_prefix n = vnet_prefix_network(&b->v6);

		return fail(err, -EBUSY, "ipv6.address '%s' overlaps network '%s''s subnet %s",
			    vnet_prefix_format(&a->v6, true, x), b->name, vnet_prefix_format(&n, true, y));
	}
	return 0;
}

void network_fw(const struct vnetd_network *net, struct vnet_fw_network *out,
		struct vnet_prefix subnets[2])
{
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	out->name = net->name;
	out->bridge = net->bridge;
	switch (net->mode) {
	case NETWORK_NAT:
		out->mode = VNET_FW_NAT;
		break;
	case NETWORK_ROUTED:
		out->mode = VNET_FW_ROUTED;
		break;
	case NETWORK_ISOLATED:
		out->mode = VNET_FW_ISOLATED;
		break;
	case NETWORK_BRIDGE:
		/* the LAN's own traffic, bridged: vnet adds no rules but must let it pass */
		out->mode = VNET_FW_OPEN;
		break;
	}
	if (net->has_v4)
		subnets[n++] = net->v4;
	if (net->has_v6)
		subnets[n++] = net->v6;
	out->subnets = subnets;
	out->n_subnets = n;
	out->nat_uplink = net->nat_uplink[0] ? net->nat_uplink : NULL;
	out->forwards = net->forwards;
	out->n_forwards = net->n_forwards;
}
