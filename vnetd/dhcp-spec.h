/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The DHCP/DNS part of a network definition as plain structs: parsed from
 * and written back to the network's JSON ("ipv4", "ipv6", "dns" members),
 * and validated with messages that name the field and the value. Pure: no
 * I/O, so everything here is unit-tested without root.
 *
 * Ownership: a struct dhcp_spec owns every array and string it points to;
 * dhcp_spec_clear() frees them. Setters copy their arguments.
 */
#ifndef VNETD_DHCP_SPEC_H
#define VNETD_DHCP_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include <vnet/util.h>

/* "infinite" lease; dnsmasq writes 0 as the expiry of such leases */
#define DHCP_LEASE_INFINITE UINT32_MAX
/* dnsmasq silently raises shorter leases to two minutes; we refuse them */
#define DHCP_LEASE_MIN 120
#define DHCP_LEASE_DEFAULT 3600
/* RFC 1035/1123 */
#define DHCP_DNS_LABEL_MAX 63
#define DHCP_DNS_NAME_MAX 253

struct dhcp_range {
	struct vnet_prefix start;
	struct vnet_prefix end;
};

/* A static lease: this MAC always gets this address (and name, if set). */
struct dhcp_host {
	uint8_t mac[VNET_ETH_ALEN];
	struct vnet_prefix ip;
	char *name;                 /* one DNS label, or NULL */
};

/* An extra DNS record set: these names resolve to @ip. */
struct dns_host {
	struct vnet_prefix ip;
	char **names;               /* domain names (one or more labels) */
	size_t n_names;
};

/* One address family's DHCP server. */
struct dhcp_family {
	bool enabled;               /* the "dhcp" object is present */
	struct dhcp_range *ranges;
	size_t n_ranges;
	uint32_t lease;             /* seconds, or DHCP_LEASE_INFINITE */
};

struct dhcp_spec {
	/* "ipv4": {"address": "192.168.122.1/24", "dhcp": {...}} */
	bool has_ipv4;
	struct vnet_prefix ipv4;    /* the gateway address with the subnet's length */
	struct dhcp_family dhcp4;
	struct dhcp_host *hosts;    /* ipv4.dhcp.hosts */
	size_t n_hosts;

	/* "ipv6": {"address": "fd00::1/64", "dhcp": {"ranges": [...], "lease": "1h"}} */
	bool has_ipv6;              /* router advertisements are sent when set and /64 */
	struct vnet_prefix ipv6;
	struct dhcp_family dhcp6;   /* optional stateful DHCPv6 */

	/* "dns": {"domain": ..., "hosts": [...], "forwarders": [...]} */
	bool has_dns;
	char *domain;               /* NULL: no local domain */
	struct dns_host *dns_hosts;
	size_t n_dns_hosts;
	struct vnet_prefix *forwarders; /* none: the host's resolvers */
	size_t n_forwarders;
};

/* dhcp_spec_clear - free what @s owns and zero it (ready for reuse). */
void dhcp_spec_clear(struct dhcp_spec *s);

/* dhcp_spec_copy - deep copy of @src into the zeroed @dst. 0 or -ENOMEM. */
int dhcp_spec_copy(struct dhcp_spec *dst, const struct dhcp_spec *src);

/*
 * dhcp_spec_from_json - read the "ipv4", "ipv6" and "dns" members of the
 * network object @net into @s and validate the result. @s is overwritten
 * without being freed: pass a new or dhcp_spec_clear()ed one. Other members are ignored. On failure @s is left
 * cleared and @err says what is wrong. 0, -EINVAL or -ENOMEM.
 */
int dhcp_spec_from_json(struct dhcp_spec *s, struct json_object *net, struct vnet_error *err);

/*
 * dhcp_spec_to_json - set the "ipv4", "ipv6" and "dns" members of @net from
 * @s (members that @s does not have are removed). 0 or -ENOMEM.
 */
int dhcp_spec_to_json(const struct dhcp_spec *s, struct json_object *net);

/*
 * dhcp_spec_needs_dnsmasq - does this network need a dnsmasq at all
 * (DHCPv4, IPv6 router advertisements or DNS)?
 */
bool dhcp_spec_needs_dnsmasq(const struct dhcp_spec *s);

/*
 * dhcp_spec_has_ra - does the network send router advertisements? Only a
 * /64 IPv6 gateway does (SLAAC needs /64); another prefix length is a plain
 * routed IPv6 subnet without RA or DHCPv6.
 */
bool dhcp_spec_has_ra(const struct dhcp_spec *s);

/* dhcp_spec_validate - every semantic check; 0 or -EINVAL with @err filled. */
int dhcp_spec_validate(const struct dhcp_spec *s, struct vnet_error *err);

/*
 * Live changes for dhcp.host.add/remove and dns.host.add/remove: each
 * validates against the whole spec first and changes nothing on failure.
 * @name may be NULL. Removing matches by MAC (DHCP) or by IP (DNS); -ENOENT
 * when there is nothing to remove.
 */
int dhcp_spec_host_add(struct dhcp_spec *s, const char *mac, const char *ip, const char *name,
		       struct vnet_error *err);
int dhcp_spec_host_remove(struct dhcp_spec *s, const char *mac, struct vnet_error *err);
int dhcp_spec_dns_host_add(struct dhcp_spec *s, const char *ip, const char *const *names,
			   size_t n_names, struct vnet_error *err);
int dhcp_spec_dns_host_remove(struct dhcp_spec *s, const char *ip, struct vnet_error *err);

/*
 * dhcp_lease_parse - "1h", "30m", "45s", "2d", "1w", "3600" or "infinite"
 * into seconds (DHCP_LEASE_INFINITE for "infinite"). Refuses less than
 * DHCP_LEASE_MIN. 0 or -EINVAL.
 */
int dhcp_lease_parse(const char *field, const char *s, uint32_t *secs, struct vnet_error *err);

/* dhcp_lease_format - the shortest exact form ("1h", "90m", "100s"... "infinite"). */
char *dhcp_lease_format(uint32_t secs, char buf[16]);

/*
 * dhcp_dns_name_check - a domain name of RFC 1123 labels (letters, digits,
 * '-' not at either end, 1..63 bytes each, 253 in all, no trailing dot).
 * With @single_label only one label is allowed. 0 or -EINVAL.
 */
int dhcp_dns_name_check(const char *field, const char *name, bool single_label,
			struct vnet_error *err);

/* dhcp_err - fill @err (when not NULL) and return @code. */
int dhcp_err(struct vnet_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
