/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pure helpers: names, MAC addresses, IP addresses and prefixes. No I/O, no
 * root; each validator explains a refusal in @err when it is not NULL.
 */
#ifndef VNET_UTIL_H
#define VNET_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Interface names: at most 15 bytes plus the terminating NUL. */
#define VNET_IFNAMSIZ 16
#define VNET_ETH_ALEN 6
/* "aa:bb:cc:dd:ee:ff" plus NUL */
#define VNET_MAC_STRLEN 18
/* An IPv6 address with a /128 plus NUL fits. */
#define VNET_PREFIX_STRLEN 64

/* A refusal in words, written by validators and by failed calls. */
struct vnet_error {
	char msg[256];
};

/**
 * vnet_ifname_check - is @name a name Linux accepts for an interface?
 * @field: how the caller calls it in messages ("bridge name", "tap name")
 *
 * Refuses empty names, names over 15 bytes, "." and "..", and names with
 * '/', ':' or whitespace. Returns 0 or -EINVAL.
 */
int vnet_ifname_check(const char *field, const char *name, struct vnet_error *err);

/** vnet_mac_parse - parse "aa:bb:cc:dd:ee:ff" (or '-' separated). 0 or -EINVAL. */
int vnet_mac_parse(const char *field, const char *s, uint8_t mac[VNET_ETH_ALEN],
		   struct vnet_error *err);

/**
 * vnet_mac_check_unicast - refuse multicast/broadcast and all-zero MACs for
 * an interface address. 0 or -EINVAL.
 */
int vnet_mac_check_unicast(const char *field, const uint8_t mac[VNET_ETH_ALEN],
			   struct vnet_error *err);

/** vnet_mac_format - lower-case colon form into @buf. Returns @buf. */
char *vnet_mac_format(const uint8_t mac[VNET_ETH_ALEN], char buf[VNET_MAC_STRLEN]);

/**
 * vnet_mac_from_name - a stable MAC derived from @name: locally administered,
 * unicast, the same for the same name on every host and every run.
 */
void vnet_mac_from_name(const char *name, uint8_t mac[VNET_ETH_ALEN]);

/** An IPv4 or IPv6 address with a prefix length. */
struct vnet_prefix {
	int family;          /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	} addr;
	uint8_t len;         /* prefix length; 32/128 for a plain address */
};

/**
 * vnet_prefix_parse - parse "192.0.2.1/24", "2001:db8::1/64", or a plain
 * address (full length). Host bits are kept (an interface address is a
 * prefix with its host part). 0 or -EINVAL.
 */
int vnet_prefix_parse(const char *field, const char *s, struct vnet_prefix *p,
		      struct vnet_error *err);

/** vnet_addr_parse - a plain address, no "/len" allowed. 0 or -EINVAL. */
int vnet_addr_parse(const char *field, const char *s, struct vnet_prefix *p,
		    struct vnet_error *err);

/** vnet_prefix_format - "addr/len" into @buf (or "addr" when @with_len is false). */
char *vnet_prefix_format(const struct vnet_prefix *p, bool with_len,
			 char buf[VNET_PREFIX_STRLEN]);

/** vnet_prefix_network - @p with its host bits cleared. */
struct vnet_prefix vnet_prefix_network(const struct vnet_prefix *p);

/** vnet_prefix_contains - does prefix @net contain address @addr? */
bool vnet_prefix_contains(const struct vnet_prefix *net, const struct vnet_prefix *addr);

/** vnet_prefix_overlaps - do two prefixes share any address? */
bool vnet_prefix_overlaps(const struct vnet_prefix *a, const struct vnet_prefix *b);

/** vnet_prefix_equal - same family, length and address bits. */
bool vnet_prefix_equal(const struct vnet_prefix *a, const struct vnet_prefix *b);

#ifdef __cplusplus
}
#endif
#endif
