/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Attachments: the taps vnetd made for hypervisors, one registry entry per
 * tap, each also recorded in RUN/ports/TAP.json so a restarted vnetd knows
 * them again. The ACL (bridge.conf) says which networks users outside root
 * and the group 'vnet' may attach to.
 */
#ifndef VNETD_ATTACH_H
#define VNETD_ATTACH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>
#include <vnet/vnet.h>

#include "network.h"

struct vnetd;
struct rpc_call;

#define ATTACH_MAX_QUEUES VNET_TAP_MAX_QUEUES

struct vnetd_attach {
	char tap[VNET_IFNAMSIZ];
	char network[NETWORK_NAME_MAX + 1];
	uint8_t mac[VNET_ETH_ALEN];
	int ifindex;
	int64_t uid, gid;         /* the tap's owner and group, -1: none */
	int64_t caller_uid;       /* who asked for it: may detach it without privileges */
	unsigned queues;
	bool vnet_hdr, isolated;
	bool persistent;          /* false: lives while the hypervisor holds its fd */
	struct vnetd_attach *next;
};

/* What attach asks for, parsed and checked. */
struct attach_req {
	struct vnetd_network *net;
	char tap[VNET_IFNAMSIZ];  /* "" : generated */
	bool has_mac;
	uint8_t mac[VNET_ETH_ALEN];
	int64_t uid, gid;
	unsigned queues;
	bool vnet_hdr, isolated, return_fd;
};

/* ---- attach.c: the registry and the taps ------------------------------ */

struct vnetd_attach *attach_find(struct vnetd *d, const char *tap);
/*
 * attach_create - make the tap of @req on its network's bridge (MTU, port,
 * flags, up), register and record it. With return_fd the open queues go to
 * @fds (the caller sends and closes them). 0 or -errno with @err.
 */
int attach_create(struct vnetd *d, const struct attach_req *req, int64_t caller_uid,
		  struct vnetd_attach **ret, int *fds, struct vnet_error *err);
/* attach_destroy - delete the tap (if it is still ours) and forget it. */
int attach_destroy(struct vnetd *d, struct vnetd_attach *a, struct vnet_error *err);
/* attach_link_gone - the monitor saw link @ifindex named @name deleted. */
void attach_link_gone(struct vnetd *d, const char *name, int ifindex);
/*
 * attach_load - at start: read RUN/ports, keep what still exists (re-enslaving
 * persistent taps whose bridge lost them), drop what vanished.
 */
int attach_load(struct vnetd *d);
/* attach_sweep - drop entries whose tap is gone (after lost netlink events). */
void attach_sweep(struct vnetd *d);
void attach_free_all(struct vnetd *d);
struct json_object *attach_to_json(struct vnetd *d, const struct vnetd_attach *a,
				   struct json_object *leases);

/* ---- acl.c: bridge.conf ----------------------------------------------- */

/*
 * acl_check - may a user outside root/vnet attach to @net? Reads
 * CONFIG/bridge.conf (QEMU's syntax: allow NAME|all, deny NAME|all,
 * include PATH; a matching deny wins; default deny; NAME is the network's
 * or its bridge's name). 0 allowed, -EACCES with the reason in @err.
 * @path receives the file consulted.
 */
int acl_check(struct vnetd *d, const struct vnetd_network *net, char *path, size_t pathlen,
	      struct vnet_error *err);

/* ---- methods-attach.c -------------------------------------------------- */

int m_attach(struct rpc_call *call);
int m_detach(struct rpc_call *call);
int m_port_list(struct rpc_call *call);

#endif
