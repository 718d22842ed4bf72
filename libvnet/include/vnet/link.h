/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Links: bridges, taps, veth pairs, VLANs and VXLANs; bridge ports; the
 * bridge forwarding database.
 *
 * Specs are plain structs owned by the caller. Initialise one with its
 * *_spec_init() (every optional field "unset"), fill what matters, and pass
 * it to *_ensure(): the link is created, or an existing one of the same kind
 * is brought in line. Ensuring twice changes nothing; deleting a link that is
 * already gone succeeds.
 */
#ifndef VNET_LINK_H
#define VNET_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <vnet/ctx.h>
#include <vnet/util.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A boolean setting that may be left as the kernel (or the link) has it. */
enum vnet_tristate {
	VNET_UNSET = 0,
	VNET_OFF,
	VNET_ON,
};

enum vnet_link_kind {
	VNET_LINK_OTHER = 0, /* a kind libvnet does not manage (see kind_name) */
	VNET_LINK_BRIDGE,
	VNET_LINK_TAP,
	VNET_LINK_VETH,
	VNET_LINK_VLAN,
	VNET_LINK_VXLAN,
};

/** vnet_link_kind_name - "bridge", "tap", "veth", "vlan", "vxlan" or "other". */
const char *vnet_link_kind_name(enum vnet_link_kind kind);

/* Valid MTU range for links vnet creates (Ethernet minimum to jumbo). */
#define VNET_MTU_MIN 68
#define VNET_MTU_MAX 65535

/* ---- bridge ---------------------------------------------------------- */

struct vnet_bridge_spec {
	const char *name;
	bool has_mac;              /* false: derived from the name (stable) */
	uint8_t mac[VNET_ETH_ALEN];
	uint32_t mtu;              /* 0: unset */
	enum vnet_tristate stp;
	int32_t forward_delay_ms;  /* -1: unset; kernel allows 2000..30000 with STP, 0 without */
	int32_t ageing_time_s;     /* -1: unset */
	enum vnet_tristate vlan_filtering;
};

void vnet_bridge_spec_init(struct vnet_bridge_spec *spec, const char *name);

/**
 * vnet_bridge_ensure - create the bridge, or change one that exists in place
 *
 * -EEXIST (with a message) when a link of that name is not a bridge;
 * -EOPNOTSUPP when vlan_filtering is asked of a kernel without it.
 */
int vnet_bridge_ensure(struct vnet_ctx *ctx, const struct vnet_bridge_spec *spec);

/* ---- tap ------------------------------------------------------------- */

#define VNET_TAP_MAX_QUEUES 16

struct vnet_tap_spec {
	const char *name;
	bool persistent;   /* true: outlives its fds (Firecracker, -netdev tap,ifname=) */
	int64_t owner;     /* uid allowed to open it, -1: unset */
	int64_t group;     /* gid allowed to open it, -1: unset */
	unsigned queues;   /* 1 (default) or more: IFF_MULTI_QUEUE */
	bool vnet_hdr;     /* IFF_VNET_HDR */
	bool has_mac;
	uint8_t mac[VNET_ETH_ALEN];
	uint32_t mtu;      /* 0: unset; with a master, the master's MTU (a smaller port
			      would shrink the bridge) */
	const char *master; /* bridge to make it a port of, NULL: leave as it is */
	bool up;           /* true: set it up; false: leave as it is */
	bool exclusive;    /* only create: -EEXIST, and nothing changed, when a link
			      of that name exists (the kernel checks, atomically) */
};

void vnet_tap_spec_init(struct vnet_tap_spec *spec, const char *name);

/**
 * vnet_tap_ensure - create (or reopen) a tap and apply the spec
 * @fds: NULL, or room for spec->queues file descriptors that receive the open
 *       queues (the caller owns and closes them). A non-persistent tap lives
 *       only as long as these fds, so @fds must not be NULL for one.
 *
 * MAC, MTU, master and up go to the kernel in one request. Returns 0 or a
 * negative errno; -ENOENT when the owner or group does not exist; -ENODEV
 * when the master does not exist, -ENOTTY when it is not a bridge (both
 * before anything is made); -EEXIST for an exclusive spec whose name is taken.
 */
int vnet_tap_ensure(struct vnet_ctx *ctx, const struct vnet_tap_spec *spec, int *fds);

/**
 * vnet_tap_ensure_ifindex - vnet_tap_ensure(), and say which link it is
 * @ifindex: receives the tap's ifindex on success (NULL: not wanted)
 *
 * For a tap it makes, this costs no extra netlink request.
 */
int vnet_tap_ensure_ifindex(struct vnet_ctx *ctx, const struct vnet_tap_spec *spec, int *fds,
			    int *ifindex);

/* ---- veth ------------------------------------------------------------ */

struct vnet_veth_spec {
	const char *name;
	const char *peer;
	const char *peer_netns;  /* namespace path for the peer, NULL: the context's */
	bool has_mac, has_peer_mac;
	uint8_t mac[VNET_ETH_ALEN], peer_mac[VNET_ETH_ALEN];
	uint32_t mtu;            /* 0: unset; applies to both ends */
};

void vnet_veth_spec_init(struct vnet_veth_spec *spec, const char *name, const char *peer);

/**
 * vnet_veth_ensure - create the pair (the peer straight in peer_netns), or
 * bring the MACs and MTU of an existing pair in line. -EEXIST when a link of
 * that name exists but is not a veth, or its peer is not @spec->peer.
 */
int vnet_veth_ensure(struct vnet_ctx *ctx, const struct vnet_veth_spec *spec);

/* ---- vlan ------------------------------------------------------------ */

enum vnet_vlan_proto {
	VNET_VLAN_8021Q = 0,
	VNET_VLAN_8021AD,
};

struct vnet_vlan_spec {
	const char *name;
	const char *parent;
	uint16_t id;                 /* 1..4094 */
	enum vnet_vlan_proto proto;
	uint32_t mtu;                /* 0: unset */
};

void vnet_vlan_spec_init(struct vnet_vlan_spec *spec, const char *name,
			 const char *parent, uint16_t id);

/**
 * vnet_vlan_ensure - create the VLAN link, or fix the MTU of one that exists
 *
 * Parent, id and protocol cannot change: -EEXIST when an existing link
 * differs. -ENODEV when the parent does not exist; -EOPNOTSUPP when the
 * kernel has no 802.1Q support.
 */
int vnet_vlan_ensure(struct vnet_ctx *ctx, const struct vnet_vlan_spec *spec);

/* ---- vxlan ----------------------------------------------------------- */

#define VNET_VXLAN_VNI_MAX 16777215u
#define VNET_VXLAN_PORT 4789

struct vnet_vxlan_spec {
	const char *name;
	uint32_t vni;                 /* 0..16777215 */
	bool has_local;
	struct vnet_prefix local;     /* source address of the tunnel */
	bool has_remote;
	struct vnet_prefix remote;    /* unicast peer, or a multicast group */
	const char *dev;              /* underlay device, NULL: any (required for a group) */
	uint16_t dstport;             /* 0: 4789 */
	enum vnet_tristate learning;
	int ttl;                      /* -1: unset (inherit), 1..255 */
	uint32_t mtu;                 /* 0: unset */
};

void vnet_vxlan_spec_init(struct vnet_vxlan_spec *spec, const char *name, uint32_t vni);

/**
 * vnet_vxlan_ensure - create the VXLAN device, or change one that exists
 *
 * What the kernel cannot change in place (the VNI, the port) is refused
 * with the kernel's own message; delete and recreate instead.
 */
int vnet_vxlan_ensure(struct vnet_ctx *ctx, const struct vnet_vxlan_spec *spec);

/* ---- any link -------------------------------------------------------- */

struct vnet_link_info {
	char name[VNET_IFNAMSIZ];
	int ifindex;
	enum vnet_link_kind kind;
	char kind_name[VNET_IFNAMSIZ]; /* IFLA_INFO_KIND as the kernel says it ("tun" for a tap) */
	uint8_t mac[VNET_ETH_ALEN];
	uint32_t mtu;
	unsigned int flags;            /* IFF_* */
	bool up;                       /* IFF_UP */
	int master_ifindex;            /* 0: none */
	char master[VNET_IFNAMSIZ];    /* "" when none or not resolvable */
	int link_ifindex;              /* IFLA_LINK: parent of a vlan, peer of a veth */
	bool is_bridge_port;
	struct {                       /* valid when is_bridge_port */
		bool isolated, learning, hairpin;
	} port;
	union {
		struct {
			bool stp;
			uint32_t forward_delay_ms;
			uint32_t ageing_time_s;
			bool vlan_filtering;
		} bridge;
		struct {
			bool persistent, multi_queue, vnet_hdr;
			int64_t owner, group;  /* -1: none */
			unsigned queues;       /* 1 for a single-queue tap; attached queues of a multi-queue one */
		} tap;
		struct {
			uint16_t id;
			enum vnet_vlan_proto proto;
		} vlan;
		struct {
			uint32_t vni;
			bool has_local, has_remote;
			struct vnet_prefix local, remote;
			int dev_ifindex;
			uint16_t dstport;
			bool learning;
			uint8_t ttl;           /* 0: inherit */
		} vxlan;
	} u;
};

/** vnet_link_get - read a link back by name. -ENODEV when there is none. */
int vnet_link_get(struct vnet_ctx *ctx, const char *name, struct vnet_link_info *info);

/**
 * vnet_link_list - every link in the namespace
 * @links: receives an array the caller frees with free()
 */
int vnet_link_list(struct vnet_ctx *ctx, struct vnet_link_info **links, size_t *n);

/** vnet_link_delete - delete a link; one already gone is success. */
int vnet_link_delete(struct vnet_ctx *ctx, const char *name);

/** vnet_link_set_up - administratively up (true) or down. */
int vnet_link_set_up(struct vnet_ctx *ctx, const char *name, bool up);

/** vnet_link_set_mtu - change a link's MTU. */
int vnet_link_set_mtu(struct vnet_ctx *ctx, const char *name, uint32_t mtu);

/* ---- bridge ports ---------------------------------------------------- */

/**
 * vnet_port_enslave - make @port a port of @bridge. -ENOTTY (with a message)
 * when @bridge exists but is not a bridge. Enslaving twice is success.
 */
int vnet_port_enslave(struct vnet_ctx *ctx, const char *port, const char *bridge);

/** vnet_port_release - take @port off its bridge; a free port is success. */
int vnet_port_release(struct vnet_ctx *ctx, const char *port);

struct vnet_port_flags {
	enum vnet_tristate isolated;  /* no traffic to other isolated ports */
	enum vnet_tristate learning;  /* learn source MACs */
	enum vnet_tristate hairpin;   /* send frames back out the port they came in */
};

/** vnet_port_set_flags - change the flags that are set; -ENOTCONN when not a port. */
int vnet_port_set_flags(struct vnet_ctx *ctx, const char *port,
			const struct vnet_port_flags *flags);

/* ---- forwarding database (VXLAN head-end replication) ---------------- */

struct vnet_fdb_entry {
	uint8_t mac[VNET_ETH_ALEN];
	bool has_dst;
	struct vnet_prefix dst;   /* remote VTEP for a VXLAN entry */
	int ifindex;
	bool permanent;
};

/**
 * vnet_fdb_append - add an entry (NLM_F_APPEND, so one MAC may point at many
 * remotes: all-zero MAC to each peer is head-end replication). Idempotent.
 */
int vnet_fdb_append(struct vnet_ctx *ctx, const char *dev, const uint8_t mac[VNET_ETH_ALEN],
		    const struct vnet_prefix *dst);

/** vnet_fdb_delete - remove an entry; one already gone is success. */
int vnet_fdb_delete(struct vnet_ctx *ctx, const char *dev, const uint8_t mac[VNET_ETH_ALEN],
		    const struct vnet_prefix *dst);

/** vnet_fdb_list - entries of @dev; @entries freed by the caller with free(). */
int vnet_fdb_list(struct vnet_ctx *ctx, const char *dev, struct vnet_fdb_entry **entries,
		  size_t *n);

#ifdef __cplusplus
}
#endif
#endif
