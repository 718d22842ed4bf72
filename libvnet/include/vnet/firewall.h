/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vnet's firewall: one nftables table, "inet vnet", and nothing else on the
 * host. The caller describes every managed network; vnet_fw_apply() makes the
 * table match in one atomic nfnetlink batch.
 */
#ifndef VNET_FIREWALL_H
#define VNET_FIREWALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vnet/ctx.h>
#include <vnet/util.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VNET_FW_TABLE "vnet"
/* The most ports one forward's range may cover (each port is one map element). */
#define VNET_FW_RANGE_MAX 1024

enum vnet_fw_mode {
	VNET_FW_NAT = 0,  /* masquerade out, inbound only established/related or DNAT'd */
	VNET_FW_ROUTED,   /* forwarded both ways, no NAT */
	VNET_FW_ISOLATED, /* nothing forwarded to or from the bridge */
	VNET_FW_OPEN,     /* vnet adds no forwarding rules at all */
};

/* One port forward: proto . [address] . port(s) -> to . to_port(s). */
struct vnet_fw_forward {
	uint8_t proto;                /* IPPROTO_TCP or IPPROTO_UDP */
	bool has_address;
	struct vnet_prefix address;   /* listen address (a plain address); unset: any local address */
	uint16_t port;                /* 1..65535 */
	uint16_t port_end;            /* 0 or == port: a single port; else the range's last port */
	struct vnet_prefix to;        /* target address inside a managed subnet */
	uint16_t to_port;             /* 0: same as port; a range maps onto to_port.. */
};

struct vnet_fw_network {
	const char *name;             /* the network's name (used in chain names) */
	const char *bridge;           /* its bridge */
	enum vnet_fw_mode mode;
	const struct vnet_prefix *subnets;  /* gateway address with prefix length, v4 and/or v6 */
	size_t n_subnets;
	const char *nat_uplink;       /* NULL: masquerade out of any interface */
	bool has_snat4;
	struct vnet_prefix snat4;     /* SNAT to this address instead of masquerade */
	const struct vnet_fw_forward *forwards;
	size_t n_forwards;
	bool flowtable;               /* software fast path for established flows */
};

struct vnet_fw_spec {
	const struct vnet_fw_network *networks;
	size_t n_networks;
};

/**
 * vnet_fw_validate - check a spec without touching the kernel: prefixes,
 * ports and ranges, forward targets inside a managed subnet, duplicates,
 * protocols. 0 or -EINVAL with the field and value named in @err.
 */
int vnet_fw_validate(const struct vnet_fw_spec *spec, struct vnet_error *err);

/**
 * vnet_fw_apply - make table inet vnet match @spec in one atomic batch.
 * Networks whose rules already match are left as they are (their chains,
 * counters and connections untouched). On a kernel refusal nothing of the
 * batch is applied and the kernel's text is in vnet_ctx_errmsg().
 */
int vnet_fw_apply(struct vnet_ctx *ctx, const struct vnet_fw_spec *spec);

/**
 * vnet_fw_verify - read the table back and compare it with @spec.
 * *@matches is false when anything drifted; vnet_ctx_errmsg() then says what.
 */
int vnet_fw_verify(struct vnet_ctx *ctx, const struct vnet_fw_spec *spec, bool *matches);

/**
 * vnet_fw_forward_add - add one forward of @network: one map element per
 * port, one small batch. Adding it again is success; a listen key already
 * forwarded elsewhere is -EEXIST. The table must exist (vnet_fw_apply).
 */
int vnet_fw_forward_add(struct vnet_ctx *ctx, const struct vnet_fw_network *network,
			const struct vnet_fw_forward *fwd);

/**
 * vnet_fw_forward_remove - remove one forward (by its listen key: protocol,
 * address, ports); one already gone is success.
 */
int vnet_fw_forward_remove(struct vnet_ctx *ctx, const struct vnet_fw_network *network,
			   const struct vnet_fw_forward *fwd);

/** vnet_fw_delete - remove the whole table; an absent table is success. */
int vnet_fw_delete(struct vnet_ctx *ctx);

/*
 * Change notifications: a netfilter netlink socket subscribed to nftables
 * events, so a caller can repair the table when someone else changes it.
 * Changes made through the same @ctx (its own netlink socket) are not
 * reported; changes made through another context are.
 */
struct vnet_fw_monitor;

int vnet_fw_monitor_new(struct vnet_ctx *ctx, struct vnet_fw_monitor **ret);
struct vnet_fw_monitor *vnet_fw_monitor_free(struct vnet_fw_monitor *mon);
/** The fd to poll for readability. */
int vnet_fw_monitor_fd(const struct vnet_fw_monitor *mon);
/**
 * vnet_fw_monitor_read - drain pending events; *@touched is true when any
 * of them changed table inet vnet.
 */
int vnet_fw_monitor_read(struct vnet_fw_monitor *mon, bool *touched);

#ifdef __cplusplus
}
#endif
#endif
