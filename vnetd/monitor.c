/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Drift detection: rtnetlink link/address/route events and nftables events
 * schedule a reconcile pass. The pass itself reads before it writes, so the
 * events our own repairs cause end in a no-op instead of a loop.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <vnet/firewall.h>

#include "vnetd.h"
#include "attach.h"

struct vnetd_monitor {
	struct mnl_socket *rtnl;
	sd_event_source *rtnl_src;
	struct vnet_fw_monitor *fw;
	sd_event_source *fw_src;
};

/*
 * The name of link @ifindex, asked of the monitor's own socket:
 * if_indextoname() opens and closes a socket on every call, and a tap's
 * attach alone brings half a dozen events that want a name.
 */
static bool index_name(struct vnetd *d, uint32_t ifindex, char name[IF_NAMESIZE])
{
	struct ifreq ifr;

	if (!ifindex || ifindex > INT_MAX)
		return false;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = (int)ifindex;
	if (ioctl(mnl_socket_get_fd(d->monitor->rtnl), SIOCGIFNAME, &ifr) < 0)
		return false;
	memcpy(name, ifr.ifr_name, IF_NAMESIZE);
	name[IF_NAMESIZE - 1] = '\0';
	return true;
}

/* The active network whose bridge (or bridge-mode uplink) is @name, or NULL. */
static struct vnetd_network *managed_name(struct vnetd *d, const char *name)
{
	for (struct vnetd_network *net = d->networks; net; net = net->next) {
		if (!net->active)
			continue;
		if (!strcmp(name, net->bridge) || (net->mode == NETWORK_BRIDGE && !strcmp(name, net->uplink)))
			return net;
	}
	return NULL;
}

/*
 * An address or route went from link @ifindex: the network it belongs to
 * is looked at. A link that is gone already sent its own RTM_DELLINK (a
 * managed one is reconciled for that); a link of nobody's concerns nobody.
 */
static void removed_from(struct vnetd *d, uint32_t ifindex)
{
	char name[IF_NAMESIZE];
	struct vnetd_network *net;

	if (!index_name(d, ifindex, name))
		return;
	net = managed_name(d, name);
	if (net) {
		log_debug("address or route removed from %s", name);
		reconcile_schedule_network(d, net);
	}
}

/* Is @ifindex the bridge of an active network? */
static bool on_active_bridge(struct vnetd *d, uint32_t ifindex)
{
	char name[IF_NAMESIZE];
	struct vnetd_network *net;

	if (!index_name(d, ifindex, name))
		return false;
	net = managed_name(d, name);
	return net && !strcmp(name, net->bridge);
}

static int route_oif_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == RTA_OIF && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
		*(uint32_t *)data = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

struct link_attrs {
	const char *name;
	uint32_t master;
};

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	struct link_attrs *la = data;

	if (mnl_attr_get_type(attr) == IFLA_IFNAME && mnl_attr_validate(attr, MNL_TYPE_STRING) >= 0)
		la->name = mnl_attr_get_str(attr);
	if (mnl_attr_get_type(attr) == IFLA_MASTER && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
		la->master = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

/* Keep each network's list of bridge ports true, for re-attaching them. */
static void track_ports(struct vnetd *d, uint16_t type, const struct link_attrs *la)
{
	char master[IF_NAMESIZE];

	if (!la->name)
		return;
	if (type == RTM_DELLINK) {
		for (struct vnetd_network *net = d->networks; net; net = net->next)
			network_port_forget(net, la->name);
		return;
	}
	if (!index_name(d, la->master, master))
		return;
	for (struct vnetd_network *net = d->networks; net; net = net->next)
		if (net->active && !strcmp(net->bridge, master) && strcmp(la->name, net->uplink))
			network_port_note(net, la->name);
}

static int rtnl_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vnetd *d = data;
	struct link_attrs la = { NULL, 0 };

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr_cb, &la);
		/* an AF_BRIDGE "delete" says a port left its bridge, not that the link is gone */
		if (((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_family != AF_BRIDGE ||
		    nlh->nlmsg_type == RTM_NEWLINK)
			track_ports(d, nlh->nlmsg_type, &la);
		/* a tap deleted, or closed by the hypervisor that held it */
		if (nlh->nlmsg_type == RTM_DELLINK && la.name &&
		    ((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_family != AF_BRIDGE)
			attach_link_gone(d, la.name, ((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index);
		if (la.name) {
			struct vnetd_network *net = managed_name(d, la.name);

			if (net) {
				log_debug("link event on %s", la.name);
				reconcile_schedule_network(d, net);
			}
		}
		break;
	/* removals are what can hurt */
	case RTM_DELADDR:
		removed_from(d, ((const struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_index);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE: {
		uint32_t oif = 0;

		mnl_attr_parse(nlh, sizeof(struct rtmsg), route_oif_cb, &oif);
		/* a network's own new routes do not change what collides with the host */
		if (nlh->nlmsg_type == RTM_DELROUTE || !on_active_bridge(d, oif))
			hostroutes_invalidate(d);
		if (nlh->nlmsg_type == RTM_DELROUTE)
			removed_from(d, oif);
		break;
	}
	}
	return MNL_CB_OK;
}

static int rtnl_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct vnetd *d = userdata;
	struct vnetd_monitor *m = d->monitor;
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];

	for (int i = 0; i < 64; i++) {
		ssize_t n = mnl_socket_recvfrom(m->rtnl, buf, sizeof(buf));

		if (n < 0) {
			if (errno == ENOBUFS) {
				/* events were lost: look at everything */
				log_warn("rtnetlink monitor overrun, reconciling everything");
				hostroutes_invalidate(d);
				reconcile_schedule(d);
				attach_sweep(d);
				continue;
			}
			break;
		}
		mnl_cb_run(buf, n, 0, 0, rtnl_msg_cb, d);
	}
	return 0;
}

static int fw_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct vnetd *d = userdata;
	bool touched = false;
	int r;

	r = vnet_fw_monitor_read(d->monitor->fw, &touched);
	if (r < 0 && r != -EAGAIN)
		touched = true;  /* lost events: check */
	if (touched)
		reconcile_schedule_firewall(d);
	return 0;
}

int monitor_start(struct vnetd *d)
{
	struct vnetd_monitor *m;
	int bufsize = 4 * 1024 * 1024, r;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	d->monitor = m;
	m->rtnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!m->rtnl)
		return -errno;
	setsockopt(mnl_socket_get_fd(m->rtnl), SOL_SOCKET, SO_RCVBUFFORCE, &bufsize, sizeof(bufsize));
	if (mnl_socket_bind(m->rtnl, RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR |
			    RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	r = sd_event_add_io(d->event, &m->rtnl_src, mnl_socket_get_fd(m->rtnl), EPOLLIN, rtnl_io, d);
	if (r < 0)
		return r;
	/*
	 * Before any request that is ready at the same time: a change made
	 * before a client asks (its events are queued by then) is known when
	 * the request is handled — the host-route view relies on it.
	 */
	r = sd_event_source_set_priority(m->rtnl_src, SD_EVENT_PRIORITY_IMPORTANT);
	if (r < 0)
		return r;

	r = vnet_fw_monitor_new(d->ctx, &m->fw);
	if (r < 0) {
		log_warn("nftables monitor: %s; table drift is found only on the next reconcile, ignoring",
			 strerror(-r));
		return 0;
	}
	r = sd_event_add_io(d->event, &m->fw_src, vnet_fw_monitor_fd(m->fw), EPOLLIN, fw_io, d);
	if (r < 0)
		return r;
	return 0;
}

void monitor_free(struct vnetd *d)
{
	struct vnetd_monitor *m = d->monitor;

	if (!m)
		return;
	sd_event_source_disable_unref(m->rtnl_src);
	sd_event_source_disable_unref(m->fw_src);
	if (m->rtnl)
		mnl_socket_close(m->rtnl);
	vnet_fw_monitor_free(m->fw);
	free(m);
	d->monitor = NULL;
}
