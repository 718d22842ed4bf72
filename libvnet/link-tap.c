/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Taps, made with the /dev/net/tun ioctls. A tun device belongs to the
 * namespace of whoever opened /dev/net/tun, so the open happens inside the
 * context's namespace. The kernel reports taps as kind "tun".
 */
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>

#include "link.h"
#include "nl.h"

VNET_EXPORT void vnet_tap_spec_init(struct vnet_tap_spec *spec, const char *name)
{
	memset(spec, 0, sizeof(*spec));
	spec->name = name;
	spec->persistent = true;
	spec->owner = -1;
	spec->group = -1;
	spec->queues = 1;
}

/* Does uid (or gid) @id exist? 0, -ENOENT, or another lookup failure. */
static int id_exists(bool group, int64_t id)
{
	char buf[16384];
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	int r;

	if (group)
		r = getgrgid_r((gid_t)id, &gr, buf, sizeof(buf), &grp);
	else
		r = getpwuid_r((uid_t)id, &pw, buf, sizeof(buf), &pwp);
	if (r == 0 && !pwp && !grp)
		return -ENOENT;
	return -r;
}

static int id_check(const char *field, bool group, int64_t id, struct vnet_error *err)
{
	int r;

	if (id == -1)
		return 0;
	if (id < 0 || id >= UINT32_MAX)
		return vnet_error_set(err, -EINVAL, "%s %lld is out of range; allowed 0..%u or -1 (unset)",
				      field, (long long)id, UINT32_MAX - 1);
	r = id_exists(group, id);
	if (r == -ENOENT)
		return vnet_error_set(err, r, "%s %lld does not exist on this host", field,
				      (long long)id);
	if (r < 0)
		return vnet_error_set(err, r, "%s %lld cannot be looked up: %s", field,
				      (long long)id, strerror(-r));
	return 0;
}

static int tap_check(const void *p, struct vnet_error *err)
{
	const struct vnet_tap_spec *spec = p;
	int r;

	r = vnet_ifname_check("tap name", spec->name, err);
	if (r < 0)
		return r;
	if (spec->queues < 1 || spec->queues > VNET_TAP_MAX_QUEUES)
		return vnet_error_set(err, -EINVAL, "tap queues %u is out of range; allowed 1..%u",
				      spec->queues, VNET_TAP_MAX_QUEUES);
	if (spec->has_mac) {
		r = vnet_mac_check_unicast("tap mac", spec->mac, err);
		if (r < 0)
			return r;
	}
	r = vnet_mtu_check("tap mtu", spec->mtu, err);
	if (r < 0)
		return r;
	if (spec->master) {
		r = vnet_ifname_check("tap master", spec->master, err);
		if (r < 0)
			return r;
	}
	r = id_check("tap owner uid", false, spec->owner, err);
	if (r < 0)
		return r;
	return id_check("tap group gid", true, spec->group, err);
}

static void tap_parse(const struct nlattr *data, struct vnet_link_info *info)
{
	const struct nlattr *tb[IFLA_TUN_MAX + 1];
	uint32_t v;
	uint8_t b;

	vnet_attr_parse_nested(data, tb, IFLA_TUN_MAX);
	info->u.tap.owner = info->u.tap.group = -1;
	/* "tun" covers both; only a tap (layer 2) is ours. */
	if (!vnet_attr_u8(tb[IFLA_TUN_TYPE], &b) || b != IFF_TAP) {
		info->kind = VNET_LINK_OTHER;
		return;
	}
	if (vnet_attr_u32(tb[IFLA_TUN_OWNER], &v))
		info->u.tap.owner = v;
	if (vnet_attr_u32(tb[IFLA_TUN_GROUP], &v))
		info->u.tap.group = v;
	if (vnet_attr_u8(tb[IFLA_TUN_PERSIST], &b))
		info->u.tap.persistent = b;
	if (vnet_attr_u8(tb[IFLA_TUN_MULTI_QUEUE], &b))
		info->u.tap.multi_queue = b;
	if (vnet_attr_u8(tb[IFLA_TUN_VNET_HDR], &b))
		info->u.tap.vnet_hdr = b;
	/* The kernel counts attached queues only for a multi-queue tap. */
	info->u.tap.queues = 1;
	if (info->u.tap.multi_queue && vnet_attr_u32(tb[IFLA_TUN_NUM_QUEUES], &v))
		info->u.tap.queues = v;
}

const struct vnet_link_ops vnet_tap_ops = {
	.kind = "tun",
	.type = VNET_LINK_TAP,
	.check = tap_check,
	.parse_info_data = tap_parse,
};

int vnet_tap_build_ifreq(const struct vnet_tap_spec *spec, struct ifreq *ifr,
			 struct vnet_error *err)
{
	int r;

	r = tap_check(spec, err);
	if (r < 0)
		return r;
	memset(ifr, 0, sizeof(*ifr));
	memcpy(ifr->ifr_name, spec->name, strlen(spec->name));
	ifr->ifr_flags = IFF_TAP | IFF_NO_PI;
	if (spec->queues > 1)
		ifr->ifr_flags |= IFF_MULTI_QUEUE;
	if (spec->vnet_hdr)
		ifr->ifr_flags |= IFF_VNET_HDR;
	/* The kernel refuses any existing link of the name: no look-up first. */
	if (spec->exclusive)
		ifr->ifr_flags |= IFF_TUN_EXCL;
	return 0;
}

/* Open @n queues of the tap inside the context's namespace. */
static int open_queues(struct vnet_ctx *ctx, const struct vnet_tap_spec *spec,
		       const struct ifreq *ifr, int *q, unsigned n)
{
	int saved, r;
	unsigned i;

	r = vnet_netns_enter(ctx, &saved);
	if (r < 0)
		return r;
	for (i = 0; i < n; i++) {
		struct ifreq req = *ifr;

		/* Exclusive is for making the tap; the other queues join it. */
		if (i > 0)
			req.ifr_flags &= ~IFF_TUN_EXCL;

		q[i] = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
		if (q[i] < 0) {
			r = vnet_ctx_fail(ctx, -errno, "cannot open /dev/net/tun: %s", strerror(errno));
			break;
		}
		if (ioctl(q[i], TUNSETIFF, &req) < 0) {
			r = -errno;
			if (r == -EBUSY && (req.ifr_flags & IFF_TUN_EXCL))
				r = vnet_ctx_fail(ctx, -EEXIST, "link '%s' already exists", spec->name);
			else if (r == -EBUSY)
				vnet_ctx_fail(ctx, r, "tap '%s' is busy: another process holds its queue",
					      spec->name);
			else
				vnet_ctx_fail(ctx, r, "cannot attach to tap '%s': %s", spec->name,
					      strerror(-r));
			close(q[i]);
			break;
		}
	}
	if (r < 0)
		while (i > 0)
			close(q[--i]);
	vnet_netns_leave(saved);
	return r;
}

static int tap_ioctl(struct vnet_ctx *ctx, int fd, unsigned long req, unsigned long arg,
		     const char *what, const char *name)
{
	if (ioctl(fd, req, arg) < 0)
		return vnet_ctx_fail(ctx, -errno, "cannot set %s of tap '%s': %s", what, name,
				     strerror(errno));
	return 0;
}

/*
 * The master must be a bridge, checked before anything is made: the kernel
 * would also enslave to a bond or a VRF. Its ifindex (and MTU) are what the
 * tap's one RTM_NEWLINK needs.
 */
static int master_lookup(struct vnet_ctx *ctx, const char *name, struct vnet_link_info *br)
{
	int r;

	r = vnet_link_query(ctx, name, br);
	if (r == -ENODEV)
		return vnet_ctx_fail(ctx, r, "tap master '%s' does not exist", name);
	if (r < 0)
		return r;
	if (br->kind != VNET_LINK_BRIDGE)
		return vnet_ctx_fail(ctx, -ENOTTY, "tap master '%s' is a %s, not a bridge", name,
				     vnet_link_info_kind(br));
	return 0;
}

/* ifindex of a tap just made: asked of the rtnetlink socket, no round trip. */
static int new_ifindex(struct vnet_ctx *ctx, const char *name)
{
	struct vnet_nl *nl;
	struct ifreq ifr;
	int r;

	r = vnet_nl_get(ctx, NETLINK_ROUTE, &nl);
	if (r < 0)
		return r;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(mnl_socket_get_fd(nl->sock), SIOCGIFINDEX, &ifr) < 0)
		return vnet_ctx_fail(ctx, -errno, "reading the ifindex of tap '%s': %s", name,
				     strerror(errno));
	return ifr.ifr_ifindex;
}

/* "mac 52:54:00:00:00:01, mtu 1500, master br0, up" for a message. */
static void describe_change(const struct vnet_link_change *c, const char *master, char *buf,
			    size_t len)
{
	char mac[VNET_MAC_STRLEN];
	size_t n = 0;

	buf[0] = '\0';
	if (c->mac)
		n += snprintf(buf + n, len - n, "mac %s, ", vnet_mac_format(c->mac, mac));
	if (c->mtu && n < len)
		n += snprintf(buf + n, len - n, "mtu %u, ", c->mtu);
	if (c->master_ifindex && n < len)
		n += snprintf(buf + n, len - n, "master %s, ", master);
	if (c->up && n < len)
		n += snprintf(buf + n, len - n, "up, ");
	if (n >= 2 && n < len)
		buf[n - 2] = '\0';
}

VNET_EXPORT int vnet_tap_ensure(struct vnet_ctx *ctx, const struct vnet_tap_spec *spec, int *fds)
{
	return vnet_tap_ensure_ifindex(ctx, spec, fds, NULL);
}

VNET_EXPORT int vnet_tap_ensure_ifindex(struct vnet_ctx *ctx, const struct vnet_tap_spec *spec,
					int *fds, int *ifindex)
{
	int q[VNET_TAP_MAX_QUEUES];
	struct vnet_link_info info, br;
	struct vnet_link_change c = { .name = spec->name };
	struct ifreq ifr;
	bool existed = false, opened = false;
	char buf[256], what[128];
	int r;

	vnet_ctx_clear_error(ctx);
	r = vnet_tap_build_ifreq(spec, &ifr, &ctx->err);
	if (r < 0)
		return r;
	if (!spec->persistent && !fds)
		return vnet_ctx_fail(ctx, -EINVAL,
				     "tap '%s' is not persistent, so it lives only as long as its fds; fds must not be NULL",
				     spec->name);
	if (spec->master) {
		r = master_lookup(ctx, spec->master, &br);
		if (r < 0)
			return r;
	}

	/* Exclusive: the kernel says whether the name is free, when TUNSETIFF runs. */
	if (!spec->exclusive) {
		r = vnet_link_query(ctx, spec->name, &info);
		existed = r == 0;
		if (r < 0 && r != -ENODEV)
			return r;
	}
	if (existed) {
		r = vnet_link_expect_kind(ctx, &info, VNET_LINK_TAP);
		if (r < 0)
			return r;
		if (info.u.tap.multi_queue != (spec->queues > 1))
			return vnet_ctx_fail(ctx, -EEXIST,
					     "tap '%s' exists %s multi-queue; %u queue(s) asked for: delete it first",
					     spec->name, info.u.tap.multi_queue ? "with" : "without",
					     spec->queues);
	}

	/*
	 * A tap in use (a VM holds its queue) refuses another attach with
	 * EBUSY: when nothing tun-level needs changing and no fds are wanted,
	 * leave the queues alone and fix MAC/MTU/master/up only.
	 */
	if (existed && !fds && info.u.tap.persistent == spec->persistent &&
	    info.u.tap.vnet_hdr == spec->vnet_hdr &&
	    (spec->owner == -1 || info.u.tap.owner == spec->owner) &&
	    (spec->group == -1 || info.u.tap.group == spec->group))
		goto netlink;

	r = open_queues(ctx, spec, &ifr, q, spec->queues);
	if (r == -EEXIST) {
		/* name what is in the way; a look-up only on this path */
		if (vnet_link_query(ctx, spec->name, &info) == 0)
			vnet_ctx_fail(ctx, r, "link '%s' already exists (a %s)", spec->name,
				      vnet_link_info_kind(&info));
		else
			vnet_ctx_fail(ctx, r, "link '%s' already exists", spec->name);
	}
	if (r < 0)
		goto out;
	opened = true;
	/* a new tap is not persistent until told */
	if (existed ? info.u.tap.persistent != spec->persistent : spec->persistent) {
		r = tap_ioctl(ctx, q[0], TUNSETPERSIST, spec->persistent, "persistence", spec->name);
		if (r < 0)
			goto out;
	}
	if (spec->owner != -1 && (!existed || info.u.tap.owner != spec->owner)) {
		r = tap_ioctl(ctx, q[0], TUNSETOWNER, (unsigned long)spec->owner, "owner", spec->name);
		if (r < 0)
			goto out;
	}
	if (spec->group != -1 && (!existed || info.u.tap.group != spec->group)) {
		r = tap_ioctl(ctx, q[0], TUNSETGROUP, (unsigned long)spec->group, "group", spec->name);
		if (r < 0)
			goto out;
	}

netlink:
	/* Reopening queues changes none of these: the first look is still true. */
	if (spec->has_mac && (!existed || memcmp(spec->mac, info.mac, VNET_ETH_ALEN)))
		c.mac = spec->mac;
	c.mtu = spec->mtu ? spec->mtu : spec->master ? br.mtu : 0;
	if (existed && c.mtu == info.mtu)
		c.mtu = 0;
	if (spec->master && (!existed || info.master_ifindex != br.ifindex))
		c.master_ifindex = br.ifindex;
	c.up = spec->up && (!existed || !info.up);
	if (existed)
		c.ifindex = info.ifindex;
	if (c.mac || c.mtu || c.master_ifindex || c.up) {
		r = vnet_link_build_set(buf, sizeof(buf), &c);
		if (r == 0)
			r = vnet_link_talk(ctx, buf);
		if (r < 0) {
			describe_change(&c, spec->master, what, sizeof(what));
			vnet_ctx_fail_errno(ctx, r, "setting tap '%s' (%s)", spec->name, what);
			goto out;
		}
	}
	r = 0;
	if (ifindex) {
		r = existed ? info.ifindex : new_ifindex(ctx, spec->name);
		if (r > 0)
			*ifindex = r;
		r = r < 0 ? r : 0;
	}
out:
	if (opened && r < 0 && !existed && spec->persistent)
		ioctl(q[0], TUNSETPERSIST, 0); /* undo: closing the queues then removes it */
	if (opened && (r < 0 || !fds))
		for (unsigned i = 0; i < spec->queues; i++)
			close(q[i]);
	else if (opened)
		memcpy(fds, q, spec->queues * sizeof(*fds));
	return r;
}
