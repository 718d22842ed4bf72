/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IPv4/IPv6 addresses and prefixes. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

static int parse_plain(const char *s, struct vnet_prefix *p)
{
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, s, &p->addr.v4) == 1) {
		p->family = AF_INET;
		p->len = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &p->addr.v6) == 1) {
		p->family = AF_INET6;
		p->len = 128;
		return 0;
	}
	return -EINVAL;
}

VNET_EXPORT int vnet_addr_parse(const char *field, const char *s, struct vnet_prefix *p,
				struct vnet_error *err)
{
	if (!s)
		return vnet_error_set(err, -EINVAL, "%s is missing", field);
	if (parse_plain(s, p) < 0)
		return vnet_error_set(err, -EINVAL, "%s '%s' is not an IPv4 or IPv6 address",
				      field, s);
	return 0;
}

VNET_EXPORT int vnet_prefix_parse(const char *field, const char *s, struct vnet_prefix *p,
				  struct vnet_error *err)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash;
	unsigned long len;
	char *end;
	size_t n;
	int max;

	if (!s)
		return vnet_error_set(err, -EINVAL, "%s is missing", field);
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n >= sizeof(host))
		goto bad;
	memcpy(host, s, n);
	host[n] = '\0';
	if (parse_plain(host, p) < 0)
		goto bad;
	if (!slash)
		return 0;

	max = p->family == AF_INET ? 32 : 128;
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (slash[1] == '\0' || *end != '\0' || errno || len > (unsigned long)max ||
	    slash[1] == '-' || slash[1] == '+' || slash[1] == ' ')
		return vnet_error_set(err, -EINVAL, "%s '%s' has prefix length '%s'; %s allows 0 to %d",
				      field, s, slash + 1, p->family == AF_INET ? "IPv4" : "IPv6", max);
	p->len = (uint8_t)len;
	return 0;
bad:
	return vnet_error_set(err, -EINVAL,
			      "%s '%s' is not an address or prefix (expected like 192.168.122.1/24 or fd00::1/64)",
			      field, s);
}

VNET_EXPORT char *vnet_prefix_format(const struct vnet_prefix *p, bool with_len,
				     char buf[VNET_PREFIX_STRLEN])
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, p->addr.bytes, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (with_len)
		snprintf(buf, VNET_PREFIX_STRLEN, "%s/%u", a, p->len);
	else
		snprintf(buf, VNET_PREFIX_STRLEN, "%s", a);
	return buf;
}

static size_t addr_bytes(int family)
{
	return family == AF_INET ? 4 : 16;
}

static void mask_to(uint8_t *bytes, size_t nbytes, unsigned len)
{
	for (size_t i = 0; i < nbytes; i++) {
		unsigned bits = len >= 8 * (i + 1) ? 8 : len > 8 * i ? len - 8 * i : 0;

		bytes[i] &= (uint8_t)(0xff00u >> bits);
	}
}

VNET_EXPORT struct vnet_prefix vnet_prefix_network(const struct vnet_prefix *p)
{
	struct vnet_prefix n = *p;

	mask_to(n.addr.bytes, addr_bytes(p->family), p->len);
	return n;
}

static bool same_under(const struct vnet_prefix *a, const struct vnet_prefix *b, unsigned len)
{
	struct vnet_prefix x = *a, y = *b;

	mask_to(x.addr.bytes, addr_bytes(a->family), len);
	mask_to(y.addr.bytes, addr_bytes(b->family), len);
	return !memcmp(x.addr.bytes, y.addr.bytes, addr_bytes(a->family));
}

VNET_EXPORT bool vnet_prefix_contains(const struct vnet_prefix *net, const struct vnet_prefix *addr)
{
	if (net->family != addr->family || addr->len < net->len)
		return false;
	return same_under(net, addr, net->len);
}

VNET_EXPORT bool vnet_prefix_overlaps(const struct vnet_prefix *a, const struct vnet_prefix *b)
{
	if (a->family != b->family)
		return false;
	return same_under(a, b, a->len < b->len ? a->len : b->len);
}

VNET_EXPORT bool vnet_prefix_equal(const struct vnet_prefix *a, const struct vnet_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       !memcmp(a->addr.bytes, b->addr.bytes, addr_bytes(a->family));
}
