/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checks on a firewall spec before anything is sent: each refusal names the
 * network, the field, the value and what is allowed.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "firewall-int.h"

static bool name_ok(const char *s)
{
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	}
	return true;
}

static int check_prefix(const char *net, const char *field, const struct vnet_prefix *p,
			struct vnet_error *err)
{
	if (p->family != AF_INET && p->family != AF_INET6)
		return vnet_error_set(err, -EINVAL,
				      "network '%s': %s has address family %d; only IPv4 (%d) and IPv6 (%d) are allowed",
				      net, field, p->family, AF_INET, AF_INET6);
	if (p->len > (p->family == AF_INET ? 32 : 128))
		return vnet_error_set(err, -EINVAL, "network '%s': %s has prefix length %u; %s allows 0 to %d",
				      net, field, p->len, p->family == AF_INET ? "IPv4" : "IPv6",
				      p->family == AF_INET ? 32 : 128);
	return 0;
}

static int check_subnet(const struct vnet_fw_network *n, size_t i, struct vnet_error *err)
{
	const struct vnet_prefix *p = &n->subnets[i];
	char field[32], s[VNET_PREFIX_STRLEN];
	int max = p->family == AF_INET ? 32 : 128, r;

	/* the field's name is printed only when the prefix is refused */
	if ((p->family != AF_INET && p->family != AF_INET6) || p->len > max) {
		snprintf(field, sizeof(field), "subnet %zu", i);
		r = check_prefix(n->name, field, p, err);
		if (r < 0)
			return r;
	}
	if (p->len == 0 || p->len >= max)
		return vnet_error_set(err, -EINVAL,
				      "network '%s': subnet '%s' has prefix length %u; a subnet needs 1 to %d",
				      n->name, vnet_prefix_format(p, true, s), p->len, max - 1);
	for (size_t j = 0; j < i; j++) {
		if (vnet_prefix_overlaps(&n->subnets[j], p))
			return vnet_error_set(err, -EINVAL, "network '%s': subnet '%s' overlaps subnet %zu",
					      n->name, vnet_prefix_format(p, true, s), j);
	}
	return 0;
}

int fw_validate_network(const struct vnet_fw_network *n, struct vnet_error *err)
{
	char s[VNET_PREFIX_STRLEN];
	struct vnet_error e;
	int r;

	if (!n->name || !*n->name)
		return vnet_error_set(err, -EINVAL, "network name is empty");
	if (strlen(n->name) > FW_NAME_MAX)
		return vnet_error_set(err, -EINVAL, "network name '%.20s...' is %zu bytes; at most %d are allowed",
				      n->name, strlen(n->name), FW_NAME_MAX);
	if (!name_ok(n->name))
		return vnet_error_set(err, -EINVAL,
				      "network name '%s' may only contain letters, digits, '-', '_' and '.'",
				      n->name);
	r = vnet_ifname_check("bridge name", n->bridge, &e);
	if (r < 0)
		return vnet_error_set(err, r, "network '%s': %s", n->name, e.msg);
	if ((unsigned int)n->mode > VNET_FW_OPEN)
		return vnet_error_set(err, -EINVAL,
				      "network '%s': mode %d is unknown; allowed are nat (%d), routed (%d), isolated (%d), open (%d)",
				      n->name, (int)n->mode, VNET_FW_NAT, VNET_FW_ROUTED,
				      VNET_FW_ISOLATED, VNET_FW_OPEN);
	if (n->n_subnets && !n->subnets)
		return vnet_error_set(err, -EINVAL, "network '%s': %zu subnets but no array",
				      n->name, n->n_subnets);
	for (size_t i = 0; i < n->n_subnets; i++) {
		r = check_subnet(n, i, err);
		if (r < 0)
			return r;
	}
	if (n->nat_uplink) {
		if (n->mode != VNET_FW_NAT)
			return vnet_error_set(err, -EINVAL, "network '%s': nat_uplink '%s' needs mode nat",
					      n->name, n->nat_uplink);
		r = vnet_ifname_check("nat uplink", n->nat_uplink, &e);
		if (r < 0)
			return vnet_error_set(err, r, "network '%s': %s", n->name, e.msg);
		if (!strcmp(n->nat_uplink, n->bridge))
			return vnet_error_set(err, -EINVAL, "network '%s': nat uplink '%s' is its own bridge",
					      n->name, n->nat_uplink);
	}
	if (n->has_snat4) {
		if (n->mode != VNET_FW_NAT)
			return vnet_error_set(err, -EINVAL, "network '%s': snat4 needs mode nat", n->name);
		if (n->snat4.family != AF_INET || n->snat4.len != 32)
			return vnet_error_set(err, -EINVAL,
					      "network '%s': snat4 '%s' must be a plain IPv4 address",
					      n->name, vnet_prefix_format(&n->snat4, true, s));
	}
	if (n->flowtable && n->mode != VNET_FW_NAT && n->mode != VNET_FW_ROUTED)
		return vnet_error_set(err, -EINVAL,
				      "network '%s': a flowtable needs mode nat or routed (nothing is forwarded otherwise)",
				      n->name);
	if (n->n_forwards && !n->forwards)
		return vnet_error_set(err, -EINVAL, "network '%s': %zu forwards but no array",
				      n->name, n->n_forwards);
	return 0;
}

int fw_validate_forward(const struct vnet_fw_network *n, const struct vnet_fw_forward *f,
			size_t index, struct vnet_error *err)
{
	char desc[160], s[VNET_PREFIX_STRLEN];
	bool inside = false;
	uint16_t to_port;
	int r;

	if (f->proto != IPPROTO_TCP && f->proto != IPPROTO_UDP)
		return vnet_error_set(err, -EINVAL,
				      "network '%s': forward %zu has protocol %u; only tcp (%d) and udp (%d) are allowed",
				      n->name, index, f->proto, IPPROTO_TCP, IPPROTO_UDP);
	if (f->port == 0)
		return vnet_error_set(err, -EINVAL, "network '%s': forward %zu has port 0; ports are 1 to 65535",
				      n->name, index);
	if (f->port_end && f->port_end < f->port)
		return vnet_error_set(err, -EINVAL,
				      "network '%s': forward %zu has the reversed port range %u-%u",
				      n->name, index, f->port, f->port_end);
	if (f->port_end > f->port && (unsigned int)(f->port_end - f->port) >= FW_RANGE_MAX)
		return vnet_error_set(err, -EINVAL,
				      "network '%s': forward %zu covers %u ports (%u-%u); at most %d are allowed",
				      n->name, index, f->port_end - f->port + 1u, f->port, f->port_end,
				      FW_RANGE_MAX);
	to_port = f->to_port ? f->to_port : f->port;
	if (f->port_end > f->port && (unsigned int)to_port + (f->port_end - f->port) > 65535u)
		return vnet_error_set(err, -EINVAL,
				      "network '%s': forward %zu maps %u-%u onto %u-%u; ports end at 65535",
				      n->name, index, f->port, f->port_end, to_port,
				      to_port + (f->port_end - f->port));
	r = check_prefix(n->name, "forward target", &f->to, err);
	if (r < 0)
		return r;
	if (f->to.len != (f->to.family == AF_INET ? 32 : 128))
		return vnet_error_set(err, -EINVAL,
				      "network '%s': forward %zu target '%s' must be a plain address",
				      n->name, index, vnet_prefix_format(&f->to, true, s));
	if (f->has_address) {
		r = check_prefix(n->name, "forward address", &f->address, err);
		if (r < 0)
			return r;
		if (f->address.len != (f->address.family == AF_INET ? 32 : 128))
			return vnet_error_set(err, -EINVAL,
					      "network '%s': forward %zu listen address '%s' must be a plain address",
					      n->name, index, vnet_prefix_format(&f->address, true, s));
		if (f->address.family != f->to.family)
			return vnet_error_set(err, -EINVAL,
					      "network '%s': forward %zu listens on %s but targets %s; both must be IPv4 or both IPv6",
					      n->name, index, f->address.family == AF_INET ? "IPv4" : "IPv6",
					      f->to.family == AF_INET ? "IPv4" : "IPv6");
	}
	for (size_t i = 0; i < n->n_subnets; i++)
		inside |= vnet_prefix_contains(&n->subnets[i], &f->to) &&
			  n->subnets[i].family == f->to.family;
	if (!inside) {
		fw_forward_format(f, desc, sizeof(desc));
		return vnet_error_set(err, -EINVAL,
				      "network '%s': forward %zu (%s) targets %s, outside the network's subnets",
				      n->name, index, desc, vnet_prefix_format(&f->to, false, s));
	}
	return 0;
}

/* One listening key of a forward, for the duplicate check. */
struct fkey {
	const struct vnet_fw_network *net;
	const struct vnet_fw_forward *f;
	size_t index;
};

static size_t alen(const struct vnet_fw_forward *f)
{
	return f->to.family == AF_INET6 ? 16 : 4;
}

static int fkey_cmp(const void *pa, const void *pb)
{
	const struct vnet_fw_forward *a = ((const struct fkey *)pa)->f;
	const struct vnet_fw_forward *b = ((const struct fkey *)pb)->f;
	int c;

	if (fw_forward_set(a) != fw_forward_set(b))
		return fw_forward_set(a) < fw_forward_set(b) ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->has_address) {
		c = memcmp(a->address.addr.bytes, b->address.addr.bytes, alen(a));
		if (c)
			return c;
	}
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return 0;
}

static bool same_listener(const struct vnet_fw_forward *a, const struct vnet_fw_forward *b)
{
	return fw_forward_set(a) == fw_forward_set(b) && a->proto == b->proto &&
	       (!a->has_address || !memcmp(a->address.addr.bytes, b->address.addr.bytes, alen(a)));
}

static uint16_t last_port(const struct vnet_fw_forward *f)
{
	return f->port_end > f->port ? f->port_end : f->port;
}

static int check_duplicates(const struct vnet_fw_spec *spec, struct vnet_error *err)
{
	struct fkey *keys;
	size_t n = 0, k = 0;
	int r = 0;

	for (size_t i = 0; i < spec->n_networks; i++)
		n += spec->networks[i].n_forwards;
	if (n < 2)
		return 0;
	keys = calloc(n, sizeof(*keys));
	if (!keys)
		return vnet_error_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < spec->n_networks; i++) {
		for (size_t j = 0; j < spec->networks[i].n_forwards; j++)
			keys[k++] = (struct fkey){ &spec->networks[i], &spec->networks[i].forwards[j], j };
	}
	qsort(keys, n, sizeof(*keys), fkey_cmp);
	/* Sorted by first port: a range overlaps the one with the highest end so far. */
	for (size_t i = 1, widest = 0; i < n; i++) {
		if (!same_listener(keys[i].f, keys[widest].f)) {
			widest = i;
			continue;
		}
		if (keys[i].f->port <= last_port(keys[widest].f)) {
			char a[160], b[160];

			fw_forward_format(keys[widest].f, a, sizeof(a));
			fw_forward_format(keys[i].f, b, sizeof(b));
			r = vnet_error_set(err, -EINVAL,
					   "network '%s': forward %zu (%s) listens on a port that forward %zu of network '%s' (%s) already uses",
					   keys[i].net->name, keys[i].index, b, keys[widest].index,
					   keys[widest].net->name, a);
			break;
		}
		if (last_port(keys[i].f) > last_port(keys[widest].f))
			widest = i;
	}
	free(keys);
	return r;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A subnet as the range of addresses it covers, for sorting. */
struct span {
	int family;
	uint8_t lo[16], hi[16];
};

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->lo, y->lo, sizeof(x->lo));
}

static bool sorted_dup(const char **v, size_t n)
{
	qsort(v, n, sizeof(*v), str_cmp);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(v[i - 1], v[i]))
			return true;
	return false;
}

/*
 * Could two networks share a name or bridge, or overlap? Sorting answers
 * in O(n log n); only then is the pairwise search run, which names the
 * same pair in the same words as always. Out of memory: "maybe".
 */
static bool maybe_clash(const struct vnet_fw_spec *spec)
{
	size_t n = spec->n_networks, n_spans = 0;
	const char **names = calloc(n, sizeof(*names));
	struct span *spans = NULL;
	bool clash = true;

	if (!names)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct vnet_fw_network *x = &spec->networks[i];

		/* not yet validated: let the pairwise search, after fw_validate_network, see it */
		if (!x->name || !x->bridge || (x->n_subnets && !x->subnets))
			goto out;
		for (size_t j = 0; j < x->n_subnets; j++)
			if (x->subnets[j].family != AF_INET && x->subnets[j].family != AF_INET6)
				goto out;
	}
	for (size_t i = 0; i < n; i++) {
		names[i] = spec->networks[i].name;
		n_spans += spec->networks[i].n_subnets;
	}
	if (sorted_dup(names, n))
		goto out;
	for (size_t i = 0; i < n; i++)
		names[i] = spec->networks[i].bridge;
	if (sorted_dup(names, n))
		goto out;
	spans = calloc(n_spans ? n_spans : 1, sizeof(*spans));
	if (!spans)
		goto out;
	n_spans = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < spec->networks[i].n_subnets; j++) {
			const struct vnet_prefix *p = &spec->networks[i].subnets[j];
			struct span *sp = &spans[n_spans++];
			unsigned int bytes = p->family == AF_INET ? 4 : 16;

			sp->family = p->family;
			for (unsigned int b = 0; b < bytes; b++) {
				unsigned int bits = p->len > b * 8 ? p->len - b * 8 : 0;
				uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

				sp->lo[b] = p->addr.bytes[b] & mask;
				sp->hi[b] = p->addr.bytes[b] | (uint8_t)~mask;
			}
		}
	}
	qsort(spans, n_spans, sizeof(*spans), span_cmp);
	/* sorted by first address: one overlaps an earlier one iff it starts before the furthest end so far */
	for (size_t i = 1, far = 0; i < n_spans; i++) {
		if (spans[i].family != spans[far].family) {
			far = i;
			continue;
		}
		if (memcmp(spans[i].lo, spans[far].hi, sizeof(spans[i].lo)) <= 0)
			goto out;
		if (memcmp(spans[i].hi, spans[far].hi, sizeof(spans[i].hi)) > 0)
			far = i;
	}
	clash = false;
out:
	free(names);
	free(spans);
	return clash;
}

VNET_EXPORT int vnet_fw_validate(const struct vnet_fw_spec *spec, struct vnet_error *err)
{
	bool clash;
	int r;

	if (err)
		err->msg[0] = '\0';
	if (!spec)
		return vnet_error_set(err, -EINVAL, "firewall spec is missing");
	if (spec->n_networks && !spec->networks)
		return vnet_error_set(err, -EINVAL, "firewall spec has %zu networks but no array",
				      spec->n_networks);
	clash = spec->n_networks > 1 && maybe_clash(spec);
	for (size_t i = 0; i < spec->n_networks; i++) {
		const struct vnet_fw_network *n = &spec->networks[i];

		r = fw_validate_network(n, err);
		if (r < 0)
			return r;
		for (size_t j = 0; clash && j < i; j++) {
			const struct vnet_fw_network *o = &spec->networks[j];

			if (!strcmp(o->name, n->name))
				return vnet_error_set(err, -EINVAL, "network '%s' is listed twice", n->name);
			if (!strcmp(o->bridge, n->bridge))
				return vnet_error_set(err, -EINVAL,
						      "networks '%s' and '%s' both use bridge '%s'",
						      o->name, n->name, n->bridge);
			for (size_t a = 0; a < n->n_subnets; a++) {
				for (size_t b = 0; b < o->n_subnets; b++) {
					char s1[VNET_PREFIX_STRLEN], s2[VNET_PREFIX_STRLEN];

					if (!vnet_prefix_overlaps(&n->subnets[a], &o->subnets[b]))
						continue;
					return vnet_error_set(err, -EINVAL,
							      "network '%s': subnet '%s' overlaps subnet '%s' of network '%s'",
							      n->name,
							      vnet_prefix_format(&n->subnets[a], true, s1),
							      vnet_prefix_format(&o->subnets[b], true, s2),
							      o->name);
				}
			}
		}
		for (size_t j = 0; j < n->n_forwards; j++) {
			r = fw_validate_forward(n, &n->forwards[j], j, err);
			if (r < 0)
				return r;
		}
	}
	return check_duplicates(spec, err);
}
