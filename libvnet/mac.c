/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Ethernet addresses: parse, check, print, and derive from a name. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

VNET_EXPORT int vnet_mac_parse(const char *field, const char *s, uint8_t mac[VNET_ETH_ALEN],
			       struct vnet_error *err)
{
	const char *p = s;
	char sep = 0;

	if (!s)
		return vnet_error_set(err, -EINVAL, "%s is missing", field);
	for (int i = 0; i < VNET_ETH_ALEN; i++) {
		int hi = hexval(p[0]), lo = hi < 0 ? -1 : hexval(p[1]);

		if (hi < 0 || lo < 0)
			goto bad;
		mac[i] = (uint8_t)(hi << 4 | lo);
		p += 2;
		if (i == VNET_ETH_ALEN - 1)
			break;
		if (*p != ':' && *p != '-')
			goto bad;
		if (sep && *p != sep)
			goto bad;
		sep = *p++;
	}
	if (*p == '\0')
		return 0;
bad:
	return vnet_error_set(err, -EINVAL,
			      "%s '%s' is not a MAC address (expected six hex pairs like 52:54:00:12:34:56)",
			      field, s);
}

VNET_EXPORT int vnet_mac_check_unicast(const char *field, const uint8_t mac[VNET_ETH_ALEN],
				       struct vnet_error *err)
{
	static const uint8_t zero[VNET_ETH_ALEN];
	char buf[VNET_MAC_STRLEN];

	if (mac[0] & 0x01)
		return vnet_error_set(err, -EINVAL,
				      "%s %s is a multicast address; an interface needs a unicast MAC (first byte even)",
				      field, vnet_mac_format(mac, buf));
	if (!memcmp(mac, zero, sizeof(zero)))
		return vnet_error_set(err, -EINVAL, "%s 00:00:00:00:00:00 is not a usable address",
				      field);
	return 0;
}

VNET_EXPORT char *vnet_mac_format(const uint8_t mac[VNET_ETH_ALEN], char buf[VNET_MAC_STRLEN])
{
	snprintf(buf, VNET_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

/*
 * FNV-1a over the name, spread into five bytes behind a fixed first byte.
 * 0x52 keeps it locally administered (bit 1) and unicast (bit 0 clear) and
 * matches the 52: prefix people already recognise from QEMU and libvirt.
 */
VNET_EXPORT void vnet_mac_from_name(const char *name, uint8_t mac[VNET_ETH_ALEN])
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
	}
	mac[0] = 0x52;
	for (int i = 1; i < VNET_ETH_ALEN; i++) {
		mac[i] = (uint8_t)(h >> (8 * (i - 1)));
	}
	/* 52:54:00 is QEMU's guest prefix; never collide with a VM's address. */
	if (mac[1] == 0x54 && mac[2] == 0x00)
		mac[1] = 0x55;
}
