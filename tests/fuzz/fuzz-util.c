/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The string checkers every user-supplied value passes: prefixes and
 * addresses, MACs, interface names (libvnet), lease times and DNS names
 * (vnetd). The whole input is tried as each; what one accepts must format
 * and parse back to the same value.
 */
#include <ctype.h>
#include <errno.h>
#include <vnet/util.h>

#include "dhcp-spec.h"
#include "fuzz.h"

static void check_err(int r, const struct vnet_error *err)
{
	fuzz_assert(r == 0 || r == -EINVAL);
	fuzz_assert(fuzz_terminated(err->msg, sizeof(err->msg)));
	if (r < 0)
		fuzz_assert(err->msg[0] != '\0');
}

static bool same_prefix(const struct vnet_prefix *a, const struct vnet_prefix *b)
{
	size_t n = a->family == AF_INET ? 4 : 16;

	return a->family == b->family && a->len == b->len && !memcmp(a->addr.bytes, b->addr.bytes, n);
}

static void check_prefix(const char *s)
{
	struct vnet_error err = { "" };
	struct vnet_prefix p, q, net;
	char buf[VNET_PREFIX_STRLEN];
	int r;

	r = vnet_prefix_parse("address", s, &p, &err);
	check_err(r, &err);
	if (r == 0) {
		fuzz_assert(p.family == AF_INET || p.family == AF_INET6);
		fuzz_assert(p.len <= (p.family == AF_INET ? 32 : 128));
		vnet_prefix_format(&p, true, buf);
		fuzz_assert(vnet_prefix_parse("again", buf, &q, &err) == 0);
		fuzz_assert(same_prefix(&p, &q));
		net = vnet_prefix_network(&p);
		fuzz_assert(net.family == p.family && net.len == p.len);
	}

	err.msg[0] = '\0';
	r = vnet_addr_parse("address", s, &p, &err);
	check_err(r, &err);
	if (r == 0) {
		fuzz_assert(p.len == (p.family == AF_INET ? 32 : 128));
		vnet_prefix_format(&p, false, buf);
		fuzz_assert(vnet_addr_parse("again", buf, &q, &err) == 0);
		fuzz_assert(same_prefix(&p, &q));
	}
}

static void check_mac(const char *s)
{
	struct vnet_error err = { "" };
	uint8_t mac[VNET_ETH_ALEN], again[VNET_ETH_ALEN];
	char buf[VNET_MAC_STRLEN];
	int r;

	r = vnet_mac_parse("mac", s, mac, &err);
	check_err(r, &err);
	if (r == 0) {
		vnet_mac_format(mac, buf);
		fuzz_assert(strlen(buf) == VNET_MAC_STRLEN - 1);
		fuzz_assert(vnet_mac_parse("again", buf, again, &err) == 0);
		fuzz_assert(!memcmp(mac, again, sizeof(mac)));
	}
}

static void check_ifname(const char *s)
{
	struct vnet_error err = { "" };
	int r = vnet_ifname_check("name", s, &err);

	check_err(r, &err);
	if (r == 0) {
		size_t n = strlen(s);

		fuzz_assert(n >= 1 && n < VNET_IFNAMSIZ);
		fuzz_assert(strcmp(s, ".") && strcmp(s, ".."));
		for (size_t i = 0; i < n; i++)
			fuzz_assert(s[i] != '/' && s[i] != ':' && !isspace((unsigned char)s[i]));
	}
}

static void check_lease_time(const char *s)
{
	struct vnet_error err = { "" };
	uint32_t secs, again;
	char buf[16];
	int r;

	r = dhcp_lease_parse("lease", s, &secs, &err);
	check_err(r, &err);
	if (r == 0) {
		fuzz_assert(secs >= DHCP_LEASE_MIN);
		dhcp_lease_format(secs, buf);
		fuzz_assert(fuzz_terminated(buf, sizeof(buf)));
		if (dhcp_lease_parse("again", buf, &again, &err) != 0 || again != secs)
			fuzz_fail("lease '%s' is %u s, written '%s', read back differently", s, secs, buf);
	}
}

static void check_dns_name(const char *s)
{
	struct vnet_error err = { "" };
	int one, many;

	one = dhcp_dns_name_check("name", s, true, &err);
	check_err(one, &err);
	err.msg[0] = '\0';
	many = dhcp_dns_name_check("name", s, false, &err);
	check_err(many, &err);
	/* One label is a name too. */
	if (one == 0)
		fuzz_assert(many == 0 && !strchr(s, '.'));
	if (many == 0) {
		fuzz_assert(strlen(s) <= DHCP_DNS_NAME_MAX);
		for (const char *p = s; *p; p++)
			fuzz_assert(isalnum((unsigned char)*p) || *p == '-' || *p == '.');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 4096)
		return 0;
	s = fuzz_strndup(data, size);
	if (!s)
		return 0;
	check_prefix(s);
	check_mac(s);
	check_ifname(s);
	check_lease_time(s);
	check_dns_name(s);
	free(s);
	return 0;
}
