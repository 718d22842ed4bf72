/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The DHCP/DNS part of a network: JSON in and out, and validation. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "dhcp-spec.h"

#define FIELD_MAX 128

int dhcp_err(struct vnet_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

/* ---- small pieces ---------------------------------------------------- */

static size_t addr_len(const struct vnet_prefix *p)
{
	return p->family == AF_INET ? 4 : 16;
}

/* Order of two addresses of the same family. */
static int addr_cmp(const struct vnet_prefix *a, const struct vnet_prefix *b)
{
	return memcmp(a->addr.bytes, b->addr.bytes, addr_len(a));
}

static bool addr_equal(const struct vnet_prefix *a, const struct vnet_prefix *b)
{
	return a->family == b->family && addr_cmp(a, b) == 0;
}

static char *addr_str(const struct vnet_prefix *p, char buf[VNET_PREFIX_STRLEN])
{
	return vnet_prefix_format(p, false, buf);
}

/* The subnet's last address (IPv4 broadcast). */
static struct vnet_prefix prefix_last(const struct vnet_prefix *p)
{
	struct vnet_prefix l = vnet_prefix_network(p);
	size_t n = addr_len(p) * 8, i;

	for (i = p->len; i < n; i++)
		l.addr.bytes[i / 8] |= 0x80 >> (i % 8);
	return l;
}

/* Is @a usable as a host address in IPv4 subnet @net (not network/broadcast)? */
static const char *v4_special(const struct vnet_prefix *net, const struct vnet_prefix *a)
{
	struct vnet_prefix first, last;

	if (net->family != AF_INET || net->len >= 31)
		return NULL;
	first = vnet_prefix_network(net);
	last = prefix_last(net);
	if (addr_cmp(a, &first) == 0)
		return "the subnet's network address";
	if (addr_cmp(a, &last) == 0)
		return "the subnet's broadcast address";
	return NULL;
}

int dhcp_dns_name_check(const char *field, const char *name, bool single_label,
			struct vnet_error *err)
{
	const char *label = name, *p;
	size_t len = strlen(name);

	if (len == 0)
		return dhcp_err(err, -EINVAL, "%s is empty; a DNS name needs at least one letter or digit",
				field);
	if (len > DHCP_DNS_NAME_MAX)
		return dhcp_err(err, -EINVAL, "%s '%.40s...' is %zu bytes; a DNS name is at most %d",
				field, name, len, DHCP_DNS_NAME_MAX);
	for (p = name;; p++) {
		if (*p == '.' || *p == '\0') {
			size_t l = (size_t)(p - label);

			if (*p == '.' && single_label)
				return dhcp_err(err, -EINVAL,
						"%s '%s' must be a single DNS label (no '.'); the domain is added from dns.domain",
						field, name);
			if (l == 0)
				return dhcp_err(err, -EINVAL, "%s '%s' has an empty label%s", field, name,
						*p == '\0' ? " (no trailing dot, please)" : "");
			if (l > DHCP_DNS_LABEL_MAX)
				return dhcp_err(err, -EINVAL,
						"%s '%s' has a label of %zu bytes; a DNS label is at most %d",
						field, name, l, DHCP_DNS_LABEL_MAX);
			if (label[0] == '-' || p[-1] == '-')
				return dhcp_err(err, -EINVAL,
						"%s '%s': a DNS label may not start or end with '-'", field, name);
			if (*p == '\0')
				break;
			label = p + 1;
			continue;
		}
		if (!isascii((unsigned char)*p) || !(isalnum((unsigned char)*p) || *p == '-'))
			return dhcp_err(err, -EINVAL,
					"%s '%s' is not a valid DNS name: '%c' is not allowed (letters, digits and '-' only)",
					field, name, isprint((unsigned char)*p) ? *p : '?');
	}
	return 0;
}

int dhcp_lease_parse(const char *field, const char *s, uint32_t *secs, struct vnet_error *err)
{
	unsigned long long v, mult = 1;
	char *end;

	if (strcmp(s, "infinite") == 0) {
		*secs = DHCP_LEASE_INFINITE;
		return 0;
	}
	if (!isdigit((unsigned char)s[0]))
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		goto bad;
	switch (*end) {
	case '\0': case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	case 'w': mult = 7 * 86400ULL; break;
	default: goto bad;
	}
	if (*end && end[1])
		goto bad;
	if (v > (DHCP_LEASE_INFINITE - 1) / mult)
		return dhcp_err(err, -EINVAL, "%s '%s' is too long; at most %u seconds, or 'infinite'",
				field, s, DHCP_LEASE_INFINITE - 1);
	if (v * mult < DHCP_LEASE_MIN)
		return dhcp_err(err, -EINVAL,
				"%s '%s' is %llu seconds; dnsmasq needs at least %d (2m)",
				field, s, v * mult, DHCP_LEASE_MIN);
	*secs = (uint32_t)(v * mult);
	return 0;
bad:
	return dhcp_err(err, -EINVAL,
			"%s '%s' does not parse; use seconds ('3600'), '30m', '1h', '2d', '1w' or 'infinite'",
			field, s);
}

char *dhcp_lease_format(uint32_t secs, char buf[16])
{
	if (secs == DHCP_LEASE_INFINITE)
		snprintf(buf, 16, "infinite");
	else if (secs % 3600 == 0)
		snprintf(buf, 16, "%uh", secs / 3600);
	else if (secs % 60 == 0)
		snprintf(buf, 16, "%um", secs / 60);
	else
		snprintf(buf, 16, "%u", secs);
	return buf;
}

/* ---- memory ---------------------------------------------------------- */

static void dns_host_clear(struct dns_host *h)
{
	size_t i;

	for (i = 0; i < h->n_names; i++)
		free(h->names[i]);
	free(h->names);
	h->names = NULL;
	h->n_names = 0;
}

void dhcp_spec_clear(struct dhcp_spec *s)
{
	size_t i;

	free(s->dhcp4.ranges);
	free(s->dhcp6.ranges);
	for (i = 0; i < s->n_hosts; i++)
		free(s->hosts[i].name);
	free(s->hosts);
	free(s->domain);
	for (i = 0; i < s->n_dns_hosts; i++)
		dns_host_clear(&s->dns_hosts[i]);
	free(s->dns_hosts);
	free(s->forwarders);
	memset(s, 0, sizeof(*s));
}

static void *dup_array(const void *src, size_t n, size_t size)
{
	void *p;

	if (n == 0)
		return NULL;
	p = calloc(n, size);
	if (p)
		memcpy(p, src, n * size);
	return p;
}

static int dns_host_copy(struct dns_host *dst, const struct dns_host *src)
{
	size_t i;

	dst->ip = src->ip;
	dst->names = calloc(src->n_names ? src->n_names : 1, sizeof(char *));
	if (!dst->names)
		return -ENOMEM;
	for (i = 0; i < src->n_names; i++) {
		dst->names[i] = strdup(src->names[i]);
		if (!dst->names[i]) {
			dst->n_names = i;
			return -ENOMEM;
		}
	}
	dst->n_names = src->n_names;
	return 0;
}

int dhcp_spec_copy(struct dhcp_spec *dst, const struct dhcp_spec *src)
{
	size_t i;

	*dst = *src;
	dst->dhcp4.ranges = dup_array(src->dhcp4.ranges, src->dhcp4.n_ranges, sizeof(struct dhcp_range));
	dst->dhcp6.ranges = dup_array(src->dhcp6.ranges, src->dhcp6.n_ranges, sizeof(struct dhcp_range));
	dst->hosts = dup_array(src->hosts, src->n_hosts, sizeof(struct dhcp_host));
	dst->dns_hosts = src->n_dns_hosts ? calloc(src->n_dns_hosts, sizeof(struct dns_host)) : NULL;
	dst->forwarders = dup_array(src->forwarders, src->n_forwarders, sizeof(struct vnet_prefix));
	dst->domain = src->domain ? strdup(src->domain) : NULL;
	/* counts stay only for what was really copied, so clear() is always safe */
	dst->n_hosts = dst->hosts ? src->n_hosts : 0;
	dst->n_dns_hosts = 0;
	for (i = 0; i < dst->n_hosts; i++)
		dst->hosts[i].name = NULL;
	if ((src->dhcp4.n_ranges && !dst->dhcp4.ranges) || (src->dhcp6.n_ranges && !dst->dhcp6.ranges) ||
	    (src->n_hosts && !dst->hosts) || (src->n_dns_hosts && !dst->dns_hosts) ||
	    (src->n_forwarders && !dst->forwarders) || (src->domain && !dst->domain))
		goto nomem;
	for (i = 0; i < src->n_hosts; i++)
		if (src->hosts[i].name && !(dst->hosts[i].name = strdup(src->hosts[i].name)))
			goto nomem;
	for (i = 0; i < src->n_dns_hosts; i++) {
		dst->n_dns_hosts = i + 1;
		if (dns_host_copy(&dst->dns_hosts[i], &src->dns_hosts[i]) < 0)
			goto nomem;
	}
	return 0;
nomem:
	if (!dst->dhcp4.ranges)
		dst->dhcp4.n_ranges = 0;
	if (!dst->dhcp6.ranges)
		dst->dhcp6.n_ranges = 0;
	if (!dst->forwarders)
		dst->n_forwarders = 0;
	dhcp_spec_clear(dst);
	return -ENOMEM;
}

bool dhcp_spec_has_ra(const struct dhcp_spec *s)
{
	return s->has_ipv6 && s->ipv6.family == AF_INET6 && s->ipv6.len == 64;
}

bool dhcp_spec_needs_dnsmasq(const struct dhcp_spec *s)
{
	return (s->has_ipv4 && s->dhcp4.enabled) || dhcp_spec_has_ra(s) || s->has_dns;
}

/* ---- validation -------------------------------------------------------- */

static int check_ranges(const char *fam, const struct vnet_prefix *net, const struct dhcp_family *f,
			struct vnet_error *err)
{
	char a[VNET_PREFIX_STRLEN], b[VNET_PREFIX_STRLEN], n[VNET_PREFIX_STRLEN];
	struct vnet_prefix netw = vnet_prefix_network(net);
	size_t i, j;

	vnet_prefix_format(&netw, true, n);
	for (i = 0; i < f->n_ranges; i++) {
		const struct dhcp_range *r = &f->ranges[i];
		const struct vnet_prefix *ends[2] = { &r->start, &r->end };
		const char *names[2] = { "start", "end" };
		const char *special;
		int k;

		for (k = 0; k < 2; k++) {
			if (ends[k]->family != net->family)
				return dhcp_err(err, -EINVAL, "%s.dhcp.ranges[%zu].%s '%s' is not an %s address",
						fam, i, names[k], addr_str(ends[k], a), fam);
			if (!vnet_prefix_contains(net, ends[k]))
				return dhcp_err(err, -EINVAL,
						"%s.dhcp.ranges[%zu].%s '%s' is outside the subnet %s of %s.address",
						fam, i, names[k], addr_str(ends[k], a), n, fam);
			special = v4_special(net, ends[k]);
			if (special)
				return dhcp_err(err, -EINVAL, "%s.dhcp.ranges[%zu].%s '%s' is %s",
						fam, i, names[k], addr_str(ends[k], a), special);
		}
		if (addr_cmp(&r->start, &r->end) > 0)
			return dhcp_err(err, -EINVAL,
					"%s.dhcp.ranges[%zu] is reversed: start '%s' comes after end '%s'",
					fam, i, addr_str(&r->start, a), addr_str(&r->end, b));
		/* dnsmasq would offer its own address to a client */
		if (addr_cmp(&r->start, net) <= 0 && addr_cmp(net, &r->end) <= 0)
			return dhcp_err(err, -EINVAL,
					"%s.dhcp.ranges[%zu] '%s'-'%s' contains the gateway's own address %s (%s.address)",
					fam, i, addr_str(&r->start, a), addr_str(&r->end, b), addr_str(net, n), fam);
		for (j = 0; j < i; j++) {
			const struct dhcp_range *o = &f->ranges[j];

			if (addr_cmp(&r->start, &o->end) <= 0 && addr_cmp(&o->start, &r->end) <= 0)
				return dhcp_err(err, -EINVAL,
						"%s.dhcp.ranges[%zu] '%s'-'%s' overlaps ranges[%zu]",
						fam, i, addr_str(&r->start, a), addr_str(&r->end, b), j);
		}
	}
	return 0;
}

static int check_host(const struct dhcp_spec *s, size_t i, struct vnet_error *err)
{
	const struct dhcp_host *h = &s->hosts[i];
	char a[VNET_PREFIX_STRLEN], n[VNET_PREFIX_STRLEN], m[VNET_MAC_STRLEN], field[FIELD_MAX];
	struct vnet_prefix netw = vnet_prefix_network(&s->ipv4);
	const char *special;
	size_t j;
	int r;

	snprintf(field, sizeof(field), "ipv4.dhcp.hosts[%zu].mac", i);
	r = vnet_mac_check_unicast(field, h->mac, err);
	if (r < 0)
		return r;
	if (h->ip.family != AF_INET)
		return dhcp_err(err, -EINVAL, "ipv4.dhcp.hosts[%zu].ip '%s' is not an IPv4 address",
				i, addr_str(&h->ip, a));
	if (!vnet_prefix_contains(&s->ipv4, &h->ip))
		return dhcp_err(err, -EINVAL,
				"ipv4.dhcp.hosts[%zu].ip '%s' is outside the subnet %s of ipv4.address",
				i, addr_str(&h->ip, a), vnet_prefix_format(&netw, true, n));
	if (addr_equal(&h->ip, &s->ipv4))
		return dhcp_err(err, -EINVAL,
				"ipv4.dhcp.hosts[%zu].ip '%s' is the gateway's own address (ipv4.address)",
				i, addr_str(&h->ip, a));
	special = v4_special(&s->ipv4, &h->ip);
	if (special)
		return dhcp_err(err, -EINVAL, "ipv4.dhcp.hosts[%zu].ip '%s' is %s",
				i, addr_str(&h->ip, a), special);
	if (h->name) {
		snprintf(field, sizeof(field), "ipv4.dhcp.hosts[%zu].name", i);
		r = dhcp_dns_name_check(field, h->name, true, err);
		if (r < 0)
			return r;
	}
	for (j = 0; j < i; j++) {
		const struct dhcp_host *o = &s->hosts[j];

		if (memcmp(o->mac, h->mac, VNET_ETH_ALEN) == 0)
			return dhcp_err(err, -EINVAL,
					"ipv4.dhcp.hosts[%zu].mac '%s' is already used by hosts[%zu]",
					i, vnet_mac_format(h->mac, m), j);
		if (addr_equal(&o->ip, &h->ip))
			return dhcp_err(err, -EINVAL,
					"ipv4.dhcp.hosts[%zu].ip '%s' is already used by hosts[%zu]",
					i, addr_str(&h->ip, a), j);
		if (h->name && o->name && strcasecmp(h->name, o->name) == 0)
			return dhcp_err(err, -EINVAL,
					"ipv4.dhcp.hosts[%zu].name '%s' is already used by hosts[%zu]",
					i, h->name, j);
	}
	return 0;
}

static int check_dns_host(const struct dhcp_spec *s, size_t i, struct vnet_error *err)
{
	const struct dns_host *h = &s->dns_hosts[i];
	char a[VNET_PREFIX_STRLEN], field[FIELD_MAX];
	size_t j, k;
	int r;

	if (h->n_names == 0)
		return dhcp_err(err, -EINVAL, "dns.hosts[%zu].names is empty; give at least one name", i);
	for (k = 0; k < h->n_names; k++) {
		snprintf(field, sizeof(field), "dns.hosts[%zu].names[%zu]", i, k);
		r = dhcp_dns_name_check(field, h->names[k], false, err);
		if (r < 0)
			return r;
	}
	for (j = 0; j < i; j++)
		if (addr_equal(&s->dns_hosts[j].ip, &h->ip))
			return dhcp_err(err, -EINVAL,
					"dns.hosts[%zu].ip '%s' is already used by dns.hosts[%zu]; list all its names there",
					i, addr_str(&h->ip, a), j);
	return 0;
}

int dhcp_spec_validate(const struct dhcp_spec *s, struct vnet_error *err)
{
	char a[VNET_PREFIX_STRLEN];
	size_t i, j;
	int r;

	if (s->dhcp4.enabled && !s->has_ipv4)
		return dhcp_err(err, -EINVAL, "ipv4.dhcp needs ipv4.address (the gateway dnsmasq serves from)");
	if (s->has_ipv4) {
		if (s->ipv4.family != AF_INET)
			return dhcp_err(err, -EINVAL, "ipv4.address '%s' is not an IPv4 address",
					vnet_prefix_format(&s->ipv4, true, a));
		if (s->dhcp4.enabled && s->ipv4.len > 30)
			return dhcp_err(err, -EINVAL,
					"ipv4.address '%s' has no room for DHCP clients; use a prefix of /30 or shorter",
					vnet_prefix_format(&s->ipv4, true, a));
		if (v4_special(&s->ipv4, &s->ipv4))
			return dhcp_err(err, -EINVAL, "ipv4.address '%s' is %s",
					vnet_prefix_format(&s->ipv4, true, a), v4_special(&s->ipv4, &s->ipv4));
		r = check_ranges("ipv4", &s->ipv4, &s->dhcp4, err);
		if (r < 0)
			return r;
		for (i = 0; i < s->n_hosts; i++) {
			r = check_host(s, i, err);
			if (r < 0)
				return r;
		}
	} else if (s->n_hosts) {
		return dhcp_err(err, -EINVAL, "ipv4.dhcp.hosts needs ipv4.address");
	}
	if (s->dhcp6.enabled && !s->has_ipv6)
		return dhcp_err(err, -EINVAL, "ipv6.dhcp needs ipv6.address");
	if (s->has_ipv6) {
		if (s->ipv6.family != AF_INET6)
			return dhcp_err(err, -EINVAL, "ipv6.address '%s' is not an IPv6 address",
					vnet_prefix_format(&s->ipv6, true, a));
		if (s->ipv6.len != 64 && s->dhcp6.enabled)
			return dhcp_err(err, -EINVAL,
					"ipv6.address '%s' has a /%u prefix; ipv6.dhcp goes with router advertisements (SLAAC), which need /64",
					vnet_prefix_format(&s->ipv6, true, a), s->ipv6.len);
		r = check_ranges("ipv6", &s->ipv6, &s->dhcp6, err);
		if (r < 0)
			return r;
	}
	if (s->domain) {
		r = dhcp_dns_name_check("dns.domain", s->domain, false, err);
		if (r < 0)
			return r;
	}
	for (i = 0; i < s->n_dns_hosts; i++) {
		r = check_dns_host(s, i, err);
		if (r < 0)
			return r;
	}
	for (i = 0; i < s->n_forwarders; i++)
		for (j = 0; j < i; j++)
			if (addr_equal(&s->forwarders[i], &s->forwarders[j]))
				return dhcp_err(err, -EINVAL, "dns.forwarders[%zu] '%s' is listed twice",
						i, addr_str(&s->forwarders[i], a));
	return 0;
}

/* ---- JSON in ---------------------------------------------------------- */

static int want_type(struct json_object *o, json_type t, const char *field, struct vnet_error *err)
{
	if (!json_object_is_type(o, t))
		return dhcp_err(err, -EINVAL, "%s must be %s", field,
				t == json_type_object ? "an object" :
				t == json_type_array ? "an array" : "a string");
	return 0;
}

/* Refuse members that are not in @allowed (NULL-terminated): typos would be silently lost. */
static int only_members(struct json_object *o, const char *field, const char *const *allowed,
			struct vnet_error *err)
{
	json_object_object_foreach(o, key, val) {
		const char *const *a;

		(void)val;
		for (a = allowed; *a; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (!*a)
			return dhcp_err(err, -EINVAL, "%s has an unknown member '%s'", field, key);
	}
	return 0;
}

static int get_str(struct json_object *o, const char *key, const char *field, bool required,
		   const char **out, struct vnet_error *err)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
		if (required)
			return dhcp_err(err, -EINVAL, "%s is missing", field);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return dhcp_err(err, -EINVAL, "%s must be a string", field);
	*out = json_object_get_string(v);
	return 0;
}

static int get_addr(struct json_object *o, const char *key, const char *field,
		    struct vnet_prefix *p, struct vnet_error *err)
{
	const char *s;
	int r = get_str(o, key, field, true, &s, err);

	if (r < 0)
		return r;
	return vnet_addr_parse(field, s, p, err);
}

static int parse_family(struct json_object *d, const char *fam, struct dhcp_family *f,
			struct vnet_error *err)
{
	static const char *const range_keys[] = { "start", "end", NULL };
	struct json_object *ranges;
	char field[FIELD_MAX];
	const char *lease;
	size_t i, n;
	int r;

	f->enabled = true;
	f->lease = DHCP_LEASE_DEFAULT;
	snprintf(field, sizeof(field), "%s.dhcp.lease", fam);
	r = get_str(d, "lease", field, false, &lease, err);
	if (r < 0)
		return r;
	if (lease) {
		r = dhcp_lease_parse(field, lease, &f->lease, err);
		if (r < 0)
			return r;
	}
	if (!json_object_object_get_ex(d, "ranges", &ranges))
		return 0;
	snprintf(field, sizeof(field), "%s.dhcp.ranges", fam);
	r = want_type(ranges, json_type_array, field, err);
	if (r < 0)
		return r;
	n = json_object_array_length(ranges);
	f->ranges = n ? calloc(n, sizeof(*f->ranges)) : NULL;
	if (n && !f->ranges)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct json_object *it = json_object_array_get_idx(ranges, i);

		snprintf(field, sizeof(field), "%s.dhcp.ranges[%zu]", fam, i);
		r = want_type(it, json_type_object, field, err);
		if (r == 0)
			r = only_members(it, field, range_keys, err);
		if (r < 0)
			return r;
		f->n_ranges = i + 1;
		snprintf(field, sizeof(field), "%s.dhcp.ranges[%zu].start", fam, i);
		r = get_addr(it, "start", field, &f->ranges[i].start, err);
		if (r < 0)
			return r;
		snprintf(field, sizeof(field), "%s.dhcp.ranges[%zu].end", fam, i);
		r = get_addr(it, "end", field, &f->ranges[i].end, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_hosts(struct dhcp_spec *s, struct json_object *hosts, struct vnet_error *err)
{
	static const char *const host_keys[] = { "mac", "ip", "name", NULL };
	char field[FIELD_MAX];
	size_t i, n;
	int r;

	r = want_type(hosts, json_type_array, "ipv4.dhcp.hosts", err);
	if (r < 0)
		return r;
	n = json_object_array_length(hosts);
	s->hosts = n ? calloc(n, sizeof(*s->hosts)) : NULL;
	if (n && !s->hosts)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct json_object *it = json_object_array_get_idx(hosts, i);
		struct dhcp_host *h = &s->hosts[i];
		const char *str;

		snprintf(field, sizeof(field), "ipv4.dhcp.hosts[%zu]", i);
		r = want_type(it, json_type_object, field, err);
		if (r == 0)
			r = only_members(it, field, host_keys, err);
		if (r < 0)
			return r;
		s->n_hosts = i + 1;
		snprintf(field, sizeof(field), "ipv4.dhcp.hosts[%zu].mac", i);
		r = get_str(it, "mac", field, true, &str, err);
		if (r == 0)
			r = vnet_mac_parse(field, str, h->mac, err);
		if (r < 0)
			return r;
		snprintf(field, sizeof(field), "ipv4.dhcp.hosts[%zu].ip", i);
		r = get_addr(it, "ip", field, &h->ip, err);
		if (r < 0)
			return r;
		snprintf(field, sizeof(field), "ipv4.dhcp.hosts[%zu].name", i);
		r = get_str(it, "name", field, false, &str, err);
		if (r < 0)
			return r;
		if (str && !(h->name = strdup(str)))
			return -ENOMEM;
	}
	return 0;
}

static int parse_ip_member(struct dhcp_spec *s, struct json_object *net, int family,
			   struct vnet_error *err)
{
	static const char *const dhcp4_keys[] = { "ranges", "lease", "hosts", NULL };
	static const char *const dhcp6_keys[] = { "ranges", "lease", NULL };
	const char *fam = family == AF_INET ? "ipv4" : "ipv6";
	struct json_object *o, *d, *hosts;
	char field[FIELD_MAX];
	const char *addr;
	int r;

	if (!json_object_object_get_ex(net, fam, &o) || json_object_is_type(o, json_type_null))
		return 0;
	r = want_type(o, json_type_object, fam, err);
	if (r < 0)
		return r;
	snprintf(field, sizeof(field), "%s.address", fam);
	r = get_str(o, "address", field, false, &addr, err);
	if (r < 0)
		return r;
	if (addr) {
		struct vnet_prefix *p = family == AF_INET ? &s->ipv4 : &s->ipv6;

		r = vnet_prefix_parse(field, addr, p, err);
		if (r < 0)
			return r;
		if (family == AF_INET)
			s->has_ipv4 = true;
		else
			s->has_ipv6 = true;
	}
	if (!json_object_object_get_ex(o, "dhcp", &d) || json_object_is_type(d, json_type_null))
		return 0;
	snprintf(field, sizeof(field), "%s.dhcp", fam);
	r = want_type(d, json_type_object, field, err);
	if (r == 0)
		r = only_members(d, field, family == AF_INET ? dhcp4_keys : dhcp6_keys, err);
	if (r < 0)
		return r;
	r = parse_family(d, fam, family == AF_INET ? &s->dhcp4 : &s->dhcp6, err);
	if (r < 0)
		return r;
	if (family == AF_INET && json_object_object_get_ex(d, "hosts", &hosts))
		return parse_hosts(s, hosts, err);
	return 0;
}

static int parse_names(struct dns_host *h, struct json_object *names, const char *field,
		       struct vnet_error *err)
{
	char f[FIELD_MAX];
	size_t i, n;
	int r;

	r = want_type(names, json_type_array, field, err);
	if (r < 0)
		return r;
	n = json_object_array_length(names);
	h->names = calloc(n ? n : 1, sizeof(char *));
	if (!h->names)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct json_object *it = json_object_array_get_idx(names, i);

		snprintf(f, sizeof(f), "%.64s[%zu]", field, i);
		r = want_type(it, json_type_string, f, err);
		if (r < 0)
			return r;
		h->names[i] = strdup(json_object_get_string(it));
		if (!h->names[i])
			return -ENOMEM;
		h->n_names = i + 1;
	}
	return 0;
}

static int parse_dns(struct dhcp_spec *s, struct json_object *net, struct vnet_error *err)
{
	static const char *const dns_keys[] = { "domain", "hosts", "forwarders", NULL };
	static const char *const host_keys[] = { "ip", "names", NULL };
	struct json_object *o, *hosts, *fw;
	char field[FIELD_MAX];
	const char *domain;
	size_t i, n;
	int r;

	if (!json_object_object_get_ex(net, "dns", &o) || json_object_is_type(o, json_type_null))
		return 0;
	r = want_type(o, json_type_object, "dns", err);
	if (r == 0)
		r = only_members(o, "dns", dns_keys, err);
	if (r < 0)
		return r;
	s->has_dns = true;
	r = get_str(o, "domain", "dns.domain", false, &domain, err);
	if (r < 0)
		return r;
	if (domain && !(s->domain = strdup(domain)))
		return -ENOMEM;
	if (json_object_object_get_ex(o, "hosts", &hosts)) {
		r = want_type(hosts, json_type_array, "dns.hosts", err);
		if (r < 0)
			return r;
		n = json_object_array_length(hosts);
		s->dns_hosts = n ? calloc(n, sizeof(*s->dns_hosts)) : NULL;
		if (n && !s->dns_hosts)
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			struct json_object *it = json_object_array_get_idx(hosts, i), *names;

			snprintf(field, sizeof(field), "dns.hosts[%zu]", i);
			r = want_type(it, json_type_object, field, err);
			if (r == 0)
				r = only_members(it, field, host_keys, err);
			if (r < 0)
				return r;
			s->n_dns_hosts = i + 1;
			snprintf(field, sizeof(field), "dns.hosts[%zu].ip", i);
			r = get_addr(it, "ip", field, &s->dns_hosts[i].ip, err);
			if (r < 0)
				return r;
			snprintf(field, sizeof(field), "dns.hosts[%zu].names", i);
			if (!json_object_object_get_ex(it, "names", &names))
				return dhcp_err(err, -EINVAL, "%s is missing", field);
			r = parse_names(&s->dns_hosts[i], names, field, err);
			if (r < 0)
				return r;
		}
	}
	if (json_object_object_get_ex(o, "forwarders", &fw)) {
		r = want_type(fw, json_type_array, "dns.forwarders", err);
		if (r < 0)
			return r;
		n = json_object_array_length(fw);
		s->forwarders = n ? calloc(n, sizeof(*s->forwarders)) : NULL;
		if (n && !s->forwarders)
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			struct json_object *it = json_object_array_get_idx(fw, i);

			snprintf(field, sizeof(field), "dns.forwarders[%zu]", i);
			r = want_type(it, json_type_string, field, err);
			if (r == 0)
				r = vnet_addr_parse(field, json_object_get_string(it), &s->forwarders[i], err);
			if (r < 0)
				return r;
			s->n_forwarders = i + 1;
		}
	}
	return 0;
}

int dhcp_spec_from_json(struct dhcp_spec *s, struct json_object *net, struct vnet_error *err)
{
	int r;

	memset(s, 0, sizeof(*s));
	r = want_type(net, json_type_object, "network", err);
	if (r == 0)
		r = parse_ip_member(s, net, AF_INET, err);
	if (r == 0)
		r = parse_ip_member(s, net, AF_INET6, err);
	if (r == 0)
		r = parse_dns(s, net, err);
	if (r == 0)
		r = dhcp_spec_validate(s, err);
	if (r == -ENOMEM)
		dhcp_err(err, r, "out of memory reading the network's DHCP/DNS settings");
	if (r < 0)
		dhcp_spec_clear(s);
	return r;
}

/* ---- JSON out ---------------------------------------------------------- */

static int add(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static struct json_object *addr_json(const struct vnet_prefix *p, bool with_len)
{
	char buf[VNET_PREFIX_STRLEN];

	return json_object_new_string(vnet_prefix_format(p, with_len, buf));
}

static int append(struct json_object *a, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_array_add(a, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static struct json_object *family_json(const struct dhcp_family *f)
{
	struct json_object *d = json_object_new_object(), *ranges = json_object_new_array();
	char lease[16];
	size_t i;
	int r = 0;

	if (!d || !ranges)
		goto fail;
	for (i = 0; i < f->n_ranges && r == 0; i++) {
		struct json_object *it = json_object_new_object();

		r = append(ranges, it);
		if (r == 0)
			r = add(it, "start", addr_json(&f->ranges[i].start, false));
		if (r == 0)
			r = add(it, "end", addr_json(&f->ranges[i].end, false));
	}
	if (r == 0)
		r = add(d, "ranges", ranges);
	ranges = NULL;
	if (r == 0)
		r = add(d, "lease", json_object_new_string(dhcp_lease_format(f->lease, lease)));
	if (r == 0)
		return d;
fail:
	json_object_put(ranges);
	json_object_put(d);
	return NULL;
}

static struct json_object *ipv4_json(const struct dhcp_spec *s)
{
	struct json_object *o = json_object_new_object(), *d = NULL, *hosts;
	char mac[VNET_MAC_STRLEN];
	size_t i;
	int r;

	if (!o)
		return NULL;
	r = add(o, "address", addr_json(&s->ipv4, true));
	if (r == 0 && s->dhcp4.enabled) {
		d = family_json(&s->dhcp4);
		r = add(o, "dhcp", d);
	}
	if (r == 0 && d) {
		hosts = json_object_new_array();
		r = add(d, "hosts", hosts);
		for (i = 0; i < s->n_hosts && r == 0; i++) {
			struct json_object *it = json_object_new_object();

			r = append(hosts, it);
			if (r == 0)
				r = add(it, "mac", json_object_new_string(vnet_mac_format(s->hosts[i].mac, mac)));
			if (r == 0)
				r = add(it, "ip", addr_json(&s->hosts[i].ip, false));
			if (r == 0 && s->hosts[i].name)
				r = add(it, "name", json_object_new_string(s->hosts[i].name));
		}
	}
	if (r == 0)
		return o;
	json_object_put(o);
	return NULL;
}

static struct json_object *ipv6_json(const struct dhcp_spec *s)
{
	struct json_object *o = json_object_new_object();
	int r;

	if (!o)
		return NULL;
	r = add(o, "address", addr_json(&s->ipv6, true));
	if (r == 0 && s->dhcp6.enabled)
		r = add(o, "dhcp", family_json(&s->dhcp6));
	if (r == 0)
		return o;
	json_object_put(o);
	return NULL;
}

static struct json_object *dns_json(const struct dhcp_spec *s)
{
	struct json_object *o = json_object_new_object(), *hosts, *fw;
	size_t i, k;
	int r = 0;

	if (!o)
		return NULL;
	if (s->domain)
		r = add(o, "domain", json_object_new_string(s->domain));
	hosts = json_object_new_array();
	if (r == 0)
		r = add(o, "hosts", hosts);
	else
		json_object_put(hosts);
	for (i = 0; i < s->n_dns_hosts && r == 0; i++) {
		struct json_object *it = json_object_new_object(), *names;

		r = append(hosts, it);
		if (r == 0)
			r = add(it, "ip", addr_json(&s->dns_hosts[i].ip, false));
		names = json_object_new_array();
		if (r == 0)
			r = add(it, "names", names);
		else
			json_object_put(names);
		for (k = 0; k < s->dns_hosts[i].n_names && r == 0; k++)
			r = append(names, json_object_new_string(s->dns_hosts[i].names[k]));
	}
	fw = json_object_new_array();
	if (r == 0)
		r = add(o, "forwarders", fw);
	else
		json_object_put(fw);
	for (i = 0; i < s->n_forwarders && r == 0; i++)
		r = append(fw, addr_json(&s->forwarders[i], false));
	if (r == 0)
		return o;
	json_object_put(o);
	return NULL;
}

int dhcp_spec_to_json(const struct dhcp_spec *s, struct json_object *net)
{
	int r = 0;

	json_object_object_del(net, "ipv4");
	json_object_object_del(net, "ipv6");
	json_object_object_del(net, "dns");
	if (s->has_ipv4)
		r = add(net, "ipv4", ipv4_json(s));
	if (r == 0 && s->has_ipv6)
		r = add(net, "ipv6", ipv6_json(s));
	if (r == 0 && s->has_dns)
		r = add(net, "dns", dns_json(s));
	return r;
}

/* ---- live changes ------------------------------------------------------- */

int dhcp_spec_host_add(struct dhcp_spec *s, const char *mac, const char *ip, const char *name,
		       struct vnet_error *err)
{
	struct dhcp_host h = { 0 }, *hosts;
	size_t n = s->n_hosts;
	int r;

	if (!s->has_ipv4 || !s->dhcp4.enabled)
		return dhcp_err(err, -EINVAL, "this network has no IPv4 DHCP (ipv4.dhcp) to add a host to");
	r = vnet_mac_parse("mac", mac, h.mac, err);
	if (r == 0)
		r = vnet_addr_parse("ip", ip, &h.ip, err);
	if (r < 0)
		return r;
	if (name && !(h.name = strdup(name)))
		return -ENOMEM;
	hosts = realloc(s->hosts, (n + 1) * sizeof(*hosts));
	if (!hosts) {
		free(h.name);
		return -ENOMEM;
	}
	s->hosts = hosts;
	hosts[n] = h;
	s->n_hosts = n + 1;
	r = check_host(s, n, err);
	if (r < 0) {
		/* leave the spec as it was */
		s->n_hosts = n;
		free(h.name);
	}
	return r;
}

int dhcp_spec_host_remove(struct dhcp_spec *s, const char *mac, struct vnet_error *err)
{
	uint8_t m[VNET_ETH_ALEN];
	size_t i;
	int r;

	r = vnet_mac_parse("mac", mac, m, err);
	if (r < 0)
		return r;
	for (i = 0; i < s->n_hosts; i++) {
		if (memcmp(s->hosts[i].mac, m, VNET_ETH_ALEN) != 0)
			continue;
		free(s->hosts[i].name);
		memmove(&s->hosts[i], &s->hosts[i + 1], (s->n_hosts - i - 1) * sizeof(*s->hosts));
		s->n_hosts--;
		return 0;
	}
	return dhcp_err(err, -ENOENT, "no static DHCP host has mac '%s'", mac);
}

int dhcp_spec_dns_host_add(struct dhcp_spec *s, const char *ip, const char *const *names,
			   size_t n_names, struct vnet_error *err)
{
	struct dns_host h = { 0 }, *hosts;
	size_t n = s->n_dns_hosts, i;
	int r;

	r = vnet_addr_parse("ip", ip, &h.ip, err);
	if (r < 0)
		return r;
	h.names = calloc(n_names ? n_names : 1, sizeof(char *));
	if (!h.names)
		return -ENOMEM;
	for (i = 0; i < n_names; i++) {
		h.names[i] = strdup(names[i]);
		if (!h.names[i]) {
			dns_host_clear(&h);
			return -ENOMEM;
		}
		h.n_names = i + 1;
	}
	hosts = realloc(s->dns_hosts, (n + 1) * sizeof(*hosts));
	if (!hosts) {
		dns_host_clear(&h);
		return -ENOMEM;
	}
	s->dns_hosts = hosts;
	hosts[n] = h;
	s->n_dns_hosts = n + 1;
	r = check_dns_host(s, n, err);
	if (r < 0) {
		s->n_dns_hosts = n;
		dns_host_clear(&h);
		return r;
	}
	s->has_dns = true;
	return 0;
}

int dhcp_spec_dns_host_remove(struct dhcp_spec *s, const char *ip, struct vnet_error *err)
{
	struct vnet_prefix a;
	size_t i;
	int r;

	r = vnet_addr_parse("ip", ip, &a, err);
	if (r < 0)
		return r;
	for (i = 0; i < s->n_dns_hosts; i++) {
		if (!addr_equal(&s->dns_hosts[i].ip, &a))
			continue;
		dns_host_clear(&s->dns_hosts[i]);
		memmove(&s->dns_hosts[i], &s->dns_hosts[i + 1],
			(s->n_dns_hosts - i - 1) * sizeof(*s->dns_hosts));
		s->n_dns_hosts--;
		return 0;
	}
	return dhcp_err(err, -ENOENT, "no DNS host has ip '%s'", ip);
}
