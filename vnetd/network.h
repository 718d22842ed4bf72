/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The network object: parsing and validating the JSON a client sends,
 * filling defaults, and turning it back into the canonical JSON that is
 * stored and returned. Pure: no I/O, so unit tests reach all of it.
 */
#ifndef VNETD_NETWORK_H
#define VNETD_NETWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>
#include <vnet/vnet.h>
#include <vnet/firewall.h>

#include "dhcp-spec.h"

#define NETWORK_NAME_MAX 32
#define NETWORK_MAX_FORWARDS 65536

struct forward_index;

enum network_mode {
	NETWORK_NAT = 0,
	NETWORK_ROUTED,
	NETWORK_ISOLATED,
	NETWORK_BRIDGE,
};

struct vnetd_network {
	char name[NETWORK_NAME_MAX + 1];
	enum network_mode mode;
	char bridge[VNET_IFNAMSIZ];
	uint8_t mac[VNET_ETH_ALEN];
	bool has_mac;                 /* bridge mode without "mac": the uplink's */
	uint32_t mtu;                 /* 0: leave as the kernel has it */
	bool autostart;
	bool has_v4, has_v6;
	struct vnet_prefix v4, v6;    /* gateway address with prefix length */
	char nat_uplink[VNET_IFNAMSIZ];   /* "" : masquerade out of any interface */
	char uplink[VNET_IFNAMSIZ];       /* bridge mode: the port */
	struct vnet_fw_forward *forwards;
	size_t n_forwards;
	size_t cap_forwards;          /* room in @forwards: appends are amortised O(1) */
	struct forward_index *fwd_index;  /* @forwards by listening port (forward-index.c) */
	/* keys later features own ("dns", "ipv4.dhcp", ...), kept verbatim */
	struct json_object *extra;
	struct json_object *extra_v4, *extra_v6;
	/* ipv4.dhcp, ipv6.dhcp and dns, parsed and validated (dhcp-spec.h) */
	struct dhcp_spec dhcp;

	/* runtime, not part of the definition */
	bool active;
	bool dirty;                   /* an event concerned it: reconcile it soon */
	struct json_object *saved_uplink; /* bridge mode: addresses and routes moved */
	char (*ports)[VNET_IFNAMSIZ];     /* links seen as the bridge's ports, re-attached
					     when a deleted bridge is recreated */
	size_t n_ports;
	/*
	 * store.c: the forward journal beside the definition file. @ok: the
	 * journal on disk belongs to the definition as last written, so a
	 * change may be appended; otherwise the next change rewrites both.
	 */
	struct {
		bool ok;
		uint64_t journal_bytes;   /* the journal's size, header included */
		uint64_t base_bytes;      /* the definition file's size */
	} store;
	struct vnetd_network *next;
};

const char *network_mode_name(enum network_mode mode);

/*
 * network_parse - validate @obj and build a network with defaults filled.
 * @taken_bridges: NULL-terminated bridge names other networks use, to pick a
 * free default "vnetbrN". Returns 0 or -EINVAL with the field and value in @err.
 */
int network_parse(struct json_object *obj, const char *const *taken_bridges,
		  struct vnetd_network **ret, struct vnet_error *err);

/* network_to_json - the canonical definition (a new object). */
struct json_object *network_to_json(const struct vnetd_network *net);

void network_free(struct vnetd_network *net);

/* network_conflict - a clash of @a with an existing network @b (bridge, subnets). */
int network_conflict(const struct vnetd_network *a, const struct vnetd_network *b,
		     struct vnet_error *err);

/*
 * forward_parse - {proto, port or "lo-hi", to, to_port, address} into @fwd,
 * checked against @net's subnets; ignores "network".
 */
int forward_parse(const struct vnetd_network *net, struct json_object *obj,
		  struct vnet_fw_forward *fwd, struct vnet_error *err);
struct json_object *forward_to_json(const struct vnet_fw_forward *fwd);
bool forward_equal(const struct vnet_fw_forward *a, const struct vnet_fw_forward *b);
/* forward_find - index of an equal forward in @net, or -1 (a scan: for removing it). */
ssize_t forward_find(const struct vnetd_network *net, const struct vnet_fw_forward *fwd);
/* forward_lookup - an equal forward of @net, or NULL; O(1). */
const struct vnet_fw_forward *forward_lookup(const struct vnetd_network *net,
					     const struct vnet_fw_forward *fwd);
/*
 * forward_overlaps - a forward of @net listening on a port @fwd would listen
 * on (same protocol and family; listen addresses equal or either "any"), or
 * NULL; O(ports of @fwd).
 */
const struct vnet_fw_forward *forward_overlaps(const struct vnetd_network *net,
					       const struct vnet_fw_forward *fwd);
int network_forward_append(struct vnetd_network *net, const struct vnet_fw_forward *fwd);
/* network_forward_insert - put @fwd back at index @i (undoing a delete). */
int network_forward_insert(struct vnetd_network *net, size_t i, const struct vnet_fw_forward *fwd);
void network_forward_delete(struct vnetd_network *net, size_t i);

/* forward-index.c: the hash behind forward_lookup and forward_overlaps */
int forward_index_add(struct forward_index **x, const struct vnet_fw_forward *fwd);
void forward_index_remove(struct forward_index *x, const struct vnet_fw_forward *fwd);
void forward_index_free(struct forward_index *x);
const struct vnet_fw_forward *forward_index_equal(const struct forward_index *x,
						  const struct vnet_fw_forward *fwd);
const struct vnet_fw_forward *forward_index_overlap(const struct forward_index *x,
						    const struct vnet_fw_forward *fwd);

/* network_fw - the firewall description of @net; @subnets needs room for 2. */
void network_fw(const struct vnetd_network *net, struct vnet_fw_network *out,
		struct vnet_prefix subnets[2]);

/* network_port_note / _forget - remember or forget a port of the bridge. */
int network_port_note(struct vnetd_network *net, const char *port);
void network_port_forget(struct vnetd_network *net, const char *port);

/* network_name_check - names are file names and chain names: [A-Za-z0-9_.-], 1..32. */
int network_name_check(const char *name, struct vnet_error *err);

#endif
