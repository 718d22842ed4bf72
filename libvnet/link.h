/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside the link layer: each kind (link-*.c) supplies an ops table; link.c
 * does the generic RTM_NEWLINK/GETLINK/DELLINK work around it.
 *
 * Building a message and parsing one never touch a socket, so the unit tests
 * build requests into a buffer and read them back without root. Builders
 * return 0, -EINVAL (with a message in @err) for a bad spec, or -EMSGSIZE
 * when the buffer is too small.
 */
#ifndef VNET_LINK_PRIVATE_H
#define VNET_LINK_PRIVATE_H

#include <stdbool.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <net/if.h>

#include "internal.h"

/*
 * A request under construction. Appends that do not fit set @full instead of
 * writing past @size, so a builder checks once at the end.
 */
struct vnet_msg {
	struct nlmsghdr *nlh;
	size_t size;
	bool full;
};

void vnet_msg_put(struct vnet_msg *m, uint16_t type, size_t len, const void *data);
void vnet_msg_put_u8(struct vnet_msg *m, uint16_t type, uint8_t v);
void vnet_msg_put_u16(struct vnet_msg *m, uint16_t type, uint16_t v);
void vnet_msg_put_u32(struct vnet_msg *m, uint16_t type, uint32_t v);
void vnet_msg_put_strz(struct vnet_msg *m, uint16_t type, const char *s);
/* NULL when full; vnet_msg_nest_end() accepts NULL. */
struct nlattr *vnet_msg_nest_start(struct vnet_msg *m, uint16_t type);
void vnet_msg_nest_end(struct vnet_msg *m, struct nlattr *nest);

/* Attribute getters that check the payload length: false when it does not fit. */
bool vnet_attr_u8(const struct nlattr *a, uint8_t *v);
bool vnet_attr_u16(const struct nlattr *a, uint16_t *v);
bool vnet_attr_u32(const struct nlattr *a, uint32_t *v);
/* Copy a NUL-terminated string attribute into @buf (truncating); false if malformed. */
bool vnet_attr_str(const struct nlattr *a, char *buf, size_t size);
/* Fill @tb[0..max] with the attributes nested in @nest (later duplicates win). */
void vnet_attr_parse_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned max);

/* What a kind's builder may need beyond its spec: looked up by the caller. */
struct vnet_link_refs {
	int link_ifindex;   /* IFLA_LINK: vlan parent; 0 none */
	int dev_ifindex;    /* vxlan underlay device; 0 none */
	int peer_netns_fd;  /* veth peer namespace; -1 the same */
};

struct vnet_link_ops {
	const char *kind;                /* IFLA_INFO_KIND */
	enum vnet_link_kind type;
	/* Refuse a bad spec before anything touches the kernel. */
	int (*check)(const void *spec, struct vnet_error *err);
	/* Append IFLA_INFO_DATA for @spec (NULL: the kind has none, or is not made by netlink). */
	void (*fill_info_data)(struct vnet_msg *m, const void *spec,
			       const struct vnet_link_refs *refs, bool create);
	/* Read IFLA_INFO_DATA into info->u; may set info->kind (tun: tap or other). */
	void (*parse_info_data)(const struct nlattr *data, struct vnet_link_info *info);
};

extern const struct vnet_link_ops vnet_bridge_ops;
extern const struct vnet_link_ops vnet_tap_ops;
extern const struct vnet_link_ops vnet_veth_ops;
extern const struct vnet_link_ops vnet_vlan_ops;
extern const struct vnet_link_ops vnet_vxlan_ops;

/* The ops for IFLA_INFO_KIND @kind, or NULL. */
const struct vnet_link_ops *vnet_link_ops_find(const char *kind);

/*
 * vnet_link_build_newlink - RTM_NEWLINK for a link of @ops' kind
 * @ifindex: 0 creates @name (NLM_F_CREATE|NLM_F_EXCL); else changes that link
 * @mac, @mtu: NULL / 0 leave them out
 */
int vnet_link_build_newlink(void *buf, size_t len, const struct vnet_link_ops *ops,
			    const char *name, int ifindex, const uint8_t *mac, uint32_t mtu,
			    const void *spec, const struct vnet_link_refs *refs);

/* RTM_NEWLINK changing only the MAC and/or MTU of link @ifindex. */
int vnet_link_build_change(void *buf, size_t len, int ifindex, const uint8_t *mac, uint32_t mtu);

/*
 * What one RTM_NEWLINK changes on an existing link: NULL, 0 or false leave
 * a thing as it is. The kernel applies MAC and MTU, then the master, then
 * the flags, so a port comes up already on its bridge.
 */
struct vnet_link_change {
	int ifindex;         /* the link, or 0: the link named @name */
	const char *name;
	const uint8_t *mac;
	uint32_t mtu;
	int master_ifindex;  /* IFLA_MASTER */
	bool up;             /* IFF_UP */
};

int vnet_link_build_set(void *buf, size_t len, const struct vnet_link_change *c);

/* Builders used by the *_ensure() calls; exposed for the unit tests. */
int vnet_bridge_build_newlink(void *buf, size_t len, const struct vnet_bridge_spec *spec,
			      int ifindex, struct vnet_error *err);
int vnet_veth_build_newlink(void *buf, size_t len, const struct vnet_veth_spec *spec,
			    int peer_netns_fd, struct vnet_error *err);
int vnet_vlan_build_newlink(void *buf, size_t len, const struct vnet_vlan_spec *spec,
			    int parent_ifindex, int ifindex, struct vnet_error *err);
int vnet_vxlan_build_newlink(void *buf, size_t len, const struct vnet_vxlan_spec *spec,
			     int dev_ifindex, int ifindex, struct vnet_error *err);
/* struct ifreq for TUNSETIFF; checks the spec (owner/group must exist). */
int vnet_tap_build_ifreq(const struct vnet_tap_spec *spec, struct ifreq *ifr,
			 struct vnet_error *err);
/* Bridge port flags as AF_BRIDGE RTM_SETLINK with IFLA_PROTINFO (what `bridge link set` sends). */
int vnet_port_build_flags(void *buf, size_t len, int ifindex, const struct vnet_port_flags *flags);
/* RTM_NEWNEIGH (or RTM_DELNEIGH) for a VXLAN/bridge fdb entry. */
int vnet_fdb_build(void *buf, size_t len, uint16_t type, int ifindex,
		   const uint8_t mac[VNET_ETH_ALEN], const struct vnet_prefix *dst,
		   struct vnet_error *err);

/* Shared checks; each names @field, the value and what is allowed. */
int vnet_mtu_check(const char *field, uint32_t mtu, struct vnet_error *err);

/* Parse one RTM_NEWLINK message (reply or request) into @info; -EBADMSG when malformed. */
int vnet_link_parse(const struct nlmsghdr *nlh, struct vnet_link_info *info);

/* ifindex of @name in the context's namespace; -ENODEV when there is none. */
int vnet_link_ifindex(struct vnet_ctx *ctx, const char *name);

/* vnet_link_get() without clearing the error: -ENODEV quietly (no message) when absent. */
int vnet_link_query(struct vnet_ctx *ctx, const char *name, struct vnet_link_info *info);

/* Send a built request on the context's rtnetlink socket. */
int vnet_link_talk(struct vnet_ctx *ctx, void *buf);

/*
 * After a create failed: explain -EOPNOTSUPP with "Unknown device type" as
 * a kernel without @kind support, keep other kernel text, prefix @name.
 */
int vnet_link_create_failed(struct vnet_ctx *ctx, int r, const char *kind, const char *name);

/*
 * The link exists: is it of @type? -EEXIST with "link 'x' exists and is a
 * veth, not a bridge" when not.
 */
int vnet_link_expect_kind(struct vnet_ctx *ctx, const struct vnet_link_info *info,
			  enum vnet_link_kind type);

/* What to call @info's kind in messages: "veth", "tun", "device without a kind"... */
const char *vnet_link_info_kind(const struct vnet_link_info *info);

#endif
