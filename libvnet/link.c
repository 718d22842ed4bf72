/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Links of any kind: build and parse messages, look up, list, delete, up/down, MTU. */
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "link.h"
#include "nl.h"

/* ---- message building ------------------------------------------------ */

void vnet_msg_put(struct vnet_msg *m, uint16_t type, size_t len, const void *data)
{
	if (!m->full && !mnl_attr_put_check(m->nlh, m->size, type, len, data))
		m->full = true;
}

void vnet_msg_put_u8(struct vnet_msg *m, uint16_t type, uint8_t v)
{
	vnet_msg_put(m, type, sizeof(v), &v);
}

void vnet_msg_put_u16(struct vnet_msg *m, uint16_t type, uint16_t v)
{
	vnet_msg_put(m, type, sizeof(v), &v);
}

void vnet_msg_put_u32(struct vnet_msg *m, uint16_t type, uint32_t v)
{
	vnet_msg_put(m, type, sizeof(v), &v);
}

void vnet_msg_put_strz(struct vnet_msg *m, uint16_t type, const char *s)
{
	vnet_msg_put(m, type, strlen(s) + 1, s);
}

struct nlattr *vnet_msg_nest_start(struct vnet_msg *m, uint16_t type)
{
	struct nlattr *nest = NULL;

	if (!m->full)
		nest = mnl_attr_nest_start_check(m->nlh, m->size, type);
	if (!nest)
		m->full = true;
	return nest;
}

void vnet_msg_nest_end(struct vnet_msg *m, struct nlattr *nest)
{
	if (nest)
		mnl_attr_nest_end(m->nlh, nest);
}

/* ---- attribute getters ----------------------------------------------- */

bool vnet_attr_u8(const struct nlattr *a, uint8_t *v)
{
	if (!a || mnl_attr_get_payload_len(a) < sizeof(*v))
		return false;
	*v = mnl_attr_get_u8(a);
	return true;
}

bool vnet_attr_u16(const struct nlattr *a, uint16_t *v)
{
	if (!a || mnl_attr_get_payload_len(a) < sizeof(*v))
		return false;
	*v = mnl_attr_get_u16(a);
	return true;
}

bool vnet_attr_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || mnl_attr_get_payload_len(a) < sizeof(*v))
		return false;
	*v = mnl_attr_get_u32(a);
	return true;
}

bool vnet_attr_str(const struct nlattr *a, char *buf, size_t size)
{
	size_t n;

	if (!a || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return false;
	n = strnlen(mnl_attr_get_str(a), size - 1);
	memcpy(buf, mnl_attr_get_str(a), n);
	buf[n] = '\0';
	return true;
}

struct parse_tb {
	const struct nlattr **tb;
	unsigned max;
};

static int parse_tb_cb(const struct nlattr *a, void *data)
{
	struct parse_tb *p = data;
	unsigned type = mnl_attr_get_type(a);

	if (type <= p->max)
		p->tb[type] = a;
	return MNL_CB_OK;
}

void vnet_attr_parse_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned max)
{
	struct parse_tb p = { tb, max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (nest)
		mnl_attr_parse_nested(nest, parse_tb_cb, &p);
}

/* ---- kinds ----------------------------------------------------------- */

static const struct vnet_link_ops *const link_ops[] = {
	&vnet_bridge_ops, &vnet_tap_ops, &vnet_veth_ops, &vnet_vlan_ops, &vnet_vxlan_ops,
};

const struct vnet_link_ops *vnet_link_ops_find(const char *kind)
{
	for (size_t i = 0; i < VNET_ARRAY_SIZE(link_ops); i++)
		if (!strcmp(link_ops[i]->kind, kind))
			return link_ops[i];
	return NULL;
}

VNET_EXPORT const char *vnet_link_kind_name(enum vnet_link_kind kind)
{
	switch (kind) {
	case VNET_LINK_BRIDGE: return "bridge";
	case VNET_LINK_TAP: return "tap";
	case VNET_LINK_VETH: return "veth";
	case VNET_LINK_VLAN: return "vlan";
	case VNET_LINK_VXLAN: return "vxlan";
	case VNET_LINK_OTHER: break;
	}
	return "other";
}

int vnet_mtu_check(const char *field, uint32_t mtu, struct vnet_error *err)
{
	if (mtu != 0 && (mtu < VNET_MTU_MIN || mtu > VNET_MTU_MAX))
		return vnet_error_set(err, -EINVAL, "%s %u is out of range; allowed %u..%u",
				      field, mtu, VNET_MTU_MIN, VNET_MTU_MAX);
	return 0;
}

int vnet_link_build_newlink(void *buf, size_t len, const struct vnet_link_ops *ops,
			    const char *name, int ifindex, const uint8_t *mac, uint32_t mtu,
			    const void *spec, const struct vnet_link_refs *refs)
{
	struct vnet_msg m = { .size = len };
	struct nlattr *linkinfo;
	struct ifinfomsg *ifi;

	if (len < mnl_nlmsg_size(sizeof(*ifi)))
		return -EMSGSIZE;
	m.nlh = vnet_nl_msg_start(buf, len, RTM_NEWLINK,
				  ifindex ? 0 : NLM_F_CREATE | NLM_F_EXCL);
	ifi = mnl_nlmsg_put_extra_header(m.nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (!ifindex)
		vnet_msg_put_strz(&m, IFLA_IFNAME, name);
	if (mac)
		vnet_msg_put(&m, IFLA_ADDRESS, VNET_ETH_ALEN, mac);
	if (mtu)
		vnet_msg_put_u32(&m, IFLA_MTU, mtu);
	/* A vlan's parent is fixed at creation. */
	if (refs && refs->link_ifindex && !ifindex)
		vnet_msg_put_u32(&m, IFLA_LINK, (uint32_t)refs->link_ifindex);
	linkinfo = vnet_msg_nest_start(&m, IFLA_LINKINFO);
	vnet_msg_put_strz(&m, IFLA_INFO_KIND, ops->kind);
	if (ops->fill_info_data) {
		struct nlattr *data = vnet_msg_nest_start(&m, IFLA_INFO_DATA);

		ops->fill_info_data(&m, spec, refs, !ifindex);
		vnet_msg_nest_end(&m, data);
	}
	vnet_msg_nest_end(&m, linkinfo);
	return m.full ? -EMSGSIZE : 0;
}

int vnet_link_build_change(void *buf, size_t len, int ifindex, const uint8_t *mac, uint32_t mtu)
{
	const struct vnet_link_change c = { .ifindex = ifindex, .mac = mac, .mtu = mtu };

	return vnet_link_build_set(buf, len, &c);
}

int vnet_link_build_set(void *buf, size_t len, const struct vnet_link_change *c)
{
	struct vnet_msg m = { .size = len };
	struct ifinfomsg *ifi;

	if (len < mnl_nlmsg_size(sizeof(*ifi)))
		return -EMSGSIZE;
	m.nlh = vnet_nl_msg_start(buf, len, RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(m.nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = c->ifindex;
	if (c->up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	if (!c->ifindex && c->name)
		vnet_msg_put_strz(&m, IFLA_IFNAME, c->name);
	if (c->mac)
		vnet_msg_put(&m, IFLA_ADDRESS, VNET_ETH_ALEN, c->mac);
	if (c->mtu)
		vnet_msg_put_u32(&m, IFLA_MTU, c->mtu);
	if (c->master_ifindex)
		vnet_msg_put_u32(&m, IFLA_MASTER, (uint32_t)c->master_ifindex);
	return m.full ? -EMSGSIZE : 0;
}

/* ---- parsing --------------------------------------------------------- */

static void parse_port(const struct nlattr *slave_data, struct vnet_link_info *info)
{
	const struct nlattr *tb[IFLA_BRPORT_MAX + 1];
	uint8_t v;

	vnet_attr_parse_nested(slave_data, tb, IFLA_BRPORT_MAX);
	if (vnet_attr_u8(tb[IFLA_BRPORT_ISOLATED], &v))
		info->port.isolated = v;
	if (vnet_attr_u8(tb[IFLA_BRPORT_LEARNING], &v))
		info->port.learning = v;
	if (vnet_attr_u8(tb[IFLA_BRPORT_MODE], &v))
		info->port.hairpin = v;
}

static void parse_linkinfo(const struct nlattr *linkinfo, struct vnet_link_info *info)
{
	const struct nlattr *tb[IFLA_INFO_MAX + 1];
	const struct vnet_link_ops *ops;
	char slave_kind[VNET_IFNAMSIZ];

	vnet_attr_parse_nested(linkinfo, tb, IFLA_INFO_MAX);
	if (vnet_attr_str(tb[IFLA_INFO_KIND], info->kind_name, sizeof(info->kind_name))) {
		ops = vnet_link_ops_find(info->kind_name);
		if (ops) {
			info->kind = ops->type;
			if (ops->parse_info_data)
				ops->parse_info_data(tb[IFLA_INFO_DATA], info);
		}
	}
	if (vnet_attr_str(tb[IFLA_INFO_SLAVE_KIND], slave_kind, sizeof(slave_kind)) &&
	    !strcmp(slave_kind, "bridge")) {
		info->is_bridge_port = true;
		parse_port(tb[IFLA_INFO_SLAVE_DATA], info);
	}
}

int vnet_link_parse(const struct nlmsghdr *nlh, struct vnet_link_info *info)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { NULL };
	const struct ifinfomsg *ifi;
	struct parse_tb p = { tb, IFLA_MAX };
	uint32_t v;

	memset(info, 0, sizeof(*info));
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)))
		return -EBADMSG;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*ifi), parse_tb_cb, &p) < 0)
		return -EBADMSG;
	info->ifindex = ifi->ifi_index;
	info->flags = ifi->ifi_flags;
	info->up = ifi->ifi_flags & IFF_UP;
	vnet_attr_str(tb[IFLA_IFNAME], info->name, sizeof(info->name));
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == VNET_ETH_ALEN)
		memcpy(info->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), VNET_ETH_ALEN);
	vnet_attr_u32(tb[IFLA_MTU], &info->mtu);
	if (vnet_attr_u32(tb[IFLA_MASTER], &v))
		info->master_ifindex = (int)v;
	if (vnet_attr_u32(tb[IFLA_LINK], &v) && (int)v != info->ifindex)
		info->link_ifindex = (int)v;
	if (tb[IFLA_LINKINFO])
		parse_linkinfo(tb[IFLA_LINKINFO], info);
	return 0;
}

/* ---- talking --------------------------------------------------------- */

int vnet_link_talk(struct vnet_ctx *ctx, void *buf)
{
	struct nlmsghdr *nlh = buf;

	/* Changes are never dumps: ask for the ack even when flags alias NLM_F_DUMP. */
	nlh->nlmsg_flags |= NLM_F_ACK;
	return vnet_nl_talk(ctx, &ctx->rtnl, nlh, NULL, NULL);
}

static int ifindex_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	*(int *)data = ifi->ifi_index;
	return MNL_CB_OK;
}

int vnet_link_ifindex(struct vnet_ctx *ctx, const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int ifindex = 0, r;

	r = vnet_ifname_check("interface name", name, &ctx->err);
	if (r < 0)
		return r;
	nlh = vnet_nl_msg_start(buf, sizeof(buf), RTM_GETLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = vnet_nl_talk(ctx, &ctx->rtnl, nlh, ifindex_cb, &ifindex);
	if (r == -ENODEV) {
		ctx->err.msg[0] = '\0';
		return vnet_ctx_fail(ctx, -ENODEV, "interface '%s' does not exist", name);
	}
	if (r < 0)
		return r;
	return ifindex;
}

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	return vnet_link_parse(nlh, data) < 0 ? -EBADMSG : MNL_CB_OK;
}

static int get_by(struct vnet_ctx *ctx, const char *name, int ifindex,
		  struct vnet_link_info *info)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	nlh = vnet_nl_msg_start(buf, sizeof(buf), RTM_GETLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return vnet_nl_talk(ctx, &ctx->rtnl, nlh, get_cb, info);
}

int vnet_link_query(struct vnet_ctx *ctx, const char *name, struct vnet_link_info *info)
{
	struct vnet_link_info master;
	int r;

	r = get_by(ctx, name, 0, info);
	if (r == -ENODEV) {
		ctx->err.msg[0] = '\0';
		return r;
	}
	if (r < 0)
		return vnet_ctx_fail_errno(ctx, r, "reading link '%s'", name);
	if (info->master_ifindex && get_by(ctx, NULL, info->master_ifindex, &master) == 0)
		memcpy(info->master, master.name, sizeof(info->master));
	ctx->err.msg[0] = '\0';
	return 0;
}

VNET_EXPORT int vnet_link_get(struct vnet_ctx *ctx, const char *name, struct vnet_link_info *info)
{
	int r;

	vnet_ctx_clear_error(ctx);
	r = vnet_ifname_check("link name", name, &ctx->err);
	if (r < 0)
		return r;
	r = vnet_link_query(ctx, name, info);
	if (r == -ENODEV)
		return vnet_ctx_fail(ctx, r, "link '%s' does not exist", name);
	return r;
}

struct list {
	struct vnet_link_info *v;
	size_t n, cap;
};

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct list *l = data;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct vnet_link_info *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (vnet_link_parse(nlh, &l->v[l->n]) < 0)
		return -EBADMSG;
	l->n++;
	return MNL_CB_OK;
}

VNET_EXPORT int vnet_link_list(struct vnet_ctx *ctx, struct vnet_link_info **links, size_t *n)
{
	char buf[256];
	struct list l = { NULL, 0, 0 };
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int r;

	vnet_ctx_clear_error(ctx);
	*links = NULL;
	*n = 0;
	nlh = vnet_nl_msg_start(buf, sizeof(buf), RTM_GETLINK, NLM_F_DUMP);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = vnet_nl_talk(ctx, &ctx->rtnl, nlh, list_cb, &l);
	if (r < 0) {
		free(l.v);
		if (r == -ENOMEM)
			return vnet_ctx_fail(ctx, r, "out of memory listing links");
		return vnet_ctx_fail_errno(ctx, r, "listing links");
	}
	/* Masters are in the same dump: name them without asking again. */
	for (size_t i = 0; i < l.n; i++)
		for (size_t j = 0; l.v[i].master_ifindex && j < l.n; j++)
			if (l.v[j].ifindex == l.v[i].master_ifindex)
				memcpy(l.v[i].master, l.v[j].name, sizeof(l.v[i].master));
	*links = l.v;
	*n = l.n;
	return 0;
}

VNET_EXPORT int vnet_link_delete(struct vnet_ctx *ctx, const char *name)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int r;

	vnet_ctx_clear_error(ctx);
	r = vnet_ifname_check("link name", name, &ctx->err);
	if (r < 0)
		return r;
	nlh = vnet_nl_msg_start(buf, sizeof(buf), RTM_DELLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	r = vnet_link_talk(ctx, nlh);
	if (r == -ENODEV) {
		ctx->err.msg[0] = '\0';
		return 0;
	}
	if (r < 0)
		return vnet_ctx_fail_errno(ctx, r, "deleting link '%s'", name);
	return 0;
}

/* RTM_NEWLINK on an existing link named @name, with the flags/attributes given. */
static int change_link(struct vnet_ctx *ctx, const char *name, unsigned flags,
		       unsigned change, uint32_t mtu)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int r;

	nlh = vnet_nl_msg_start(buf, sizeof(buf), RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = flags;
	ifi->ifi_change = change;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	r = vnet_link_talk(ctx, nlh);
	if (r == -ENODEV) {
		ctx->err.msg[0] = '\0';
		return vnet_ctx_fail(ctx, r, "link '%s' does not exist", name);
	}
	return r;
}

VNET_EXPORT int vnet_link_set_up(struct vnet_ctx *ctx, const char *name, bool up)
{
	int r;

	vnet_ctx_clear_error(ctx);
	r = vnet_ifname_check("link name", name, &ctx->err);
	if (r < 0)
		return r;
	r = change_link(ctx, name, up ? IFF_UP : 0, IFF_UP, 0);
	if (r < 0)
		return vnet_ctx_fail_errno(ctx, r, "setting link '%s' %s", name, up ? "up" : "down");
	return 0;
}

VNET_EXPORT int vnet_link_set_mtu(struct vnet_ctx *ctx, const char *name, uint32_t mtu)
{
	int r;

	vnet_ctx_clear_error(ctx);
	r = vnet_ifname_check("link name", name, &ctx->err);
	if (r < 0)
		return r;
	if (mtu == 0)
		return vnet_ctx_fail(ctx, -EINVAL, "mtu 0 is out of range; allowed %u..%u",
				     VNET_MTU_MIN, VNET_MTU_MAX);
	r = vnet_mtu_check("mtu", mtu, &ctx->err);
	if (r < 0)
		return r;
	r = change_link(ctx, name, 0, 0, mtu);
	if (r < 0)
		return vnet_ctx_fail_errno(ctx, r, "setting the mtu of link '%s' to %u", name, mtu);
	return 0;
}

/* ---- helpers for the kinds ------------------------------------------- */

int vnet_link_create_failed(struct vnet_ctx *ctx, int r, const char *kind, const char *name)
{
	char kernel[sizeof(ctx->err.msg)];

	snprintf(kernel, sizeof(kernel), "%s", ctx->err.msg[0] ? ctx->err.msg : strerror(-r));
	if (r == -EOPNOTSUPP && strstr(kernel, "Unknown device type"))
		return vnet_ctx_fail(ctx, r,
				     "cannot create %s '%s': this kernel has no '%s' link type (%s)",
				     kind, name, kind, kernel);
	return vnet_ctx_fail(ctx, r, "cannot create %s '%s': %s", kind, name, kernel);
}

int vnet_link_expect_kind(struct vnet_ctx *ctx, const struct vnet_link_info *info,
			  enum vnet_link_kind type)
{
	if (info->kind == type)
		return 0;
	return vnet_ctx_fail(ctx, -EEXIST, "link '%s' exists and is a %s, not a %s", info->name,
			     vnet_link_info_kind(info), vnet_link_kind_name(type));
}

const char *vnet_link_info_kind(const struct vnet_link_info *info)
{
	if (info->kind != VNET_LINK_OTHER)
		return vnet_link_kind_name(info->kind);
	return info->kind_name[0] ? info->kind_name : "device without a kind";
}
