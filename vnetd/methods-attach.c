/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * attach, detach and port.list. Root and the group 'vnet' may attach
 * anywhere; any other user who can reach the socket only where bridge.conf
 * allows, only taps owned by themselves, and may detach only their own.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vnetd.h"
#include "attach.h"

/* A user outside root/vnet cannot fill the host with taps. */
#define ATTACH_USER_MAX 256

/* A network by its name or by its bridge's name (what QEMU's br= gives). */
static int find_network(struct rpc_call *call, const char *key, struct vnetd_network **ret)
{
	const char *name;
	int r;

	r = rpc_param_string(call, key, true, &name);
	if (r < 0)
		return r;
	*ret = vnetd_find(call->d, name);
	for (struct vnetd_network *n = call->d->networks; !*ret && n; n = n->next)
		if (!strcmp(n->bridge, name))
			*ret = n;
	if (!*ret)
		return rpc_fail(call, -ENOENT, "no network with name or bridge '%s'", name);
	return 0;
}

static int parse_attach(struct rpc_call *call, struct attach_req *req)
{
	static const char *const known[] = {
		"network", "tap", "mac", "uid", "gid", "queues", "vnet_hdr", "isolated", "return_fd", NULL,
	};
	const char *tap, *mac;
	int64_t q;
	int r;

	memset(req, 0, sizeof(*req));
	if ((r = rpc_params_only(call, known)) < 0 || (r = find_network(call, "network", &req->net)) < 0 ||
	    (r = rpc_param_string(call, "tap", false, &tap)) < 0 || (r = rpc_param_string(call, "mac", false, &mac)) < 0 ||
	    (r = rpc_param_int(call, "uid", 0, UINT32_MAX - 1, -1, &req->uid)) < 0 ||
	    (r = rpc_param_int(call, "gid", 0, UINT32_MAX - 1, -1, &req->gid)) < 0 ||
	    (r = rpc_param_int(call, "queues", 1, ATTACH_MAX_QUEUES, 1, &q)) < 0 ||
	    (r = rpc_param_bool(call, "vnet_hdr", false, &req->vnet_hdr)) < 0 ||
	    (r = rpc_param_bool(call, "isolated", false, &req->isolated)) < 0 ||
	    (r = rpc_param_bool(call, "return_fd", false, &req->return_fd)) < 0)
		return r;
	req->queues = (unsigned)q;
	if (tap) {
		r = vnet_ifname_check("tap", tap, &call->err);
		if (r < 0)
			return r;
		snprintf(req->tap, sizeof(req->tap), "%s", tap);
	}
	if (mac) {
		r = vnet_mac_parse("mac", mac, req->mac, &call->err);
		if (r == 0)
			r = vnet_mac_check_unicast("mac", req->mac, &call->err);
		if (r < 0)
			return r;
		req->has_mac = true;
		for (struct vnetd_attach *a = call->d->attachments; a; a = a->next)
			if (!memcmp(a->mac, req->mac, VNET_ETH_ALEN))
				return rpc_fail(call, -EEXIST, "mac %s is already tap '%s''s on network '%s'",
					    mac, a->tap, a->network);
	}
	/* an unknown user is the caller's mistake, not a missing network */
	if (req->uid >= 0 && !getpwuid((uid_t)req->uid))
		return rpc_fail(call, -EINVAL, "parameter 'uid': user %lld does not exist on this host",
			    (long long)req->uid);
	if (req->gid >= 0 && !getgrgid((gid_t)req->gid))
		return rpc_fail(call, -EINVAL, "parameter 'gid': group %lld does not exist on this host",
			    (long long)req->gid);
	if (req->tap[0] && attach_find(call->d, req->tap))
		return rpc_fail(call, -EEXIST, "tap '%s' is already attached to network '%s'", req->tap,
			    attach_find(call->d, req->tap)->network);
	return 0;
}

/* What a caller outside root/vnet may ask: the ACL's networks, taps of their own. */
static int unprivileged(struct rpc_call *call, struct attach_req *req)
{
	uid_t uid = rpc_client_uid(call->client);
	gid_t gid = rpc_client_gid(call->client);
	char path[512];
	unsigned n = 0;
	int r;

	r = acl_check(call->d, req->net, path, sizeof(path), &call->err);
	if (r < 0) {
		call->err_data = json_object_new_object();
		json_object_object_add(call->err_data, "acl", json_object_new_string(path));
		return r;
	}
	if (req->uid >= 0 && req->uid != uid)
		return rpc_fail(call, -EPERM, "uid %lld: only root and the group 'vnet' may make taps for other users",
			    (long long)req->uid);
	if (req->gid >= 0 && req->gid != gid)
		return rpc_fail(call, -EPERM, "gid %lld: only root and the group 'vnet' may make taps for other groups",
			    (long long)req->gid);
	for (struct vnetd_attach *a = call->d->attachments; a; a = a->next)
		n += a->caller_uid == (int64_t)uid;
	if (n >= ATTACH_USER_MAX)
		return rpc_fail(call, -EDQUOT, "user %u already has %u taps attached, the most a user outside root and 'vnet' may have",
			    (unsigned)uid, n);
	/* a persistent tap of theirs: only they may open it */
	if (!req->return_fd)
		req->uid = uid;
	return 0;
}

int m_attach(struct rpc_call *call)
{
	struct vnetd *d = call->d;
	struct attach_req req;
	struct vnetd_attach *a;
	int fds[ATTACH_MAX_QUEUES], r;

	r = parse_attach(call, &req);
	if (r < 0)
		return r;
	if (!rpc_client_may_write(call->client)) {
		r = unprivileged(call, &req);
		if (r < 0)
			return r;
	}
	if (!req.net->active)
		return rpc_fail(call, -ENETDOWN, "network '%s' is not active; start it first", req.net->name);
	r = attach_create(d, &req, rpc_client_uid(call->client), &a, fds, &call->err);
	if (r < 0)
		return r;
	call->result = attach_to_json(d, a, NULL);
	json_object_object_add(call->result, "bridge", json_object_new_string(req.net->bridge));
	if (req.return_fd) {
		memcpy(call->fds, fds, a->queues * sizeof(int));
		call->n_fds = a->queues;
	}
	{
		struct json_object *x = json_object_new_object();

		json_object_object_add(x, "tap", json_object_new_string(a->tap));
		event_emit(d, "port.attached", a->network, x);
	}
	return 0;
}

int m_detach(struct rpc_call *call)
{
	static const char *const known[] = { "tap", NULL };
	struct vnetd_attach *a;
	const char *tap;
	char name[VNET_IFNAMSIZ];
	bool was;
	int r;

	if ((r = rpc_params_only(call, known)) < 0 || (r = rpc_param_string(call, "tap", true, &tap)) < 0)
		return r;
	r = vnet_ifname_check("tap", tap, &call->err);
	if (r < 0)
		return r;
	snprintf(name, sizeof(name), "%s", tap);
	a = attach_find(call->d, name);
	was = a != NULL;
	if (a && !rpc_client_may_write(call->client) && a->caller_uid != (int64_t)rpc_client_uid(call->client))
		return rpc_fail(call, -EPERM, "tap '%s' was attached by another user; only they, root and the group 'vnet' may detach it",
			    name);
	if (a) {
		r = attach_destroy(call->d, a, &call->err);
		if (r < 0)
			return r;
	}
	/* detaching what is not (or no longer) attached is success: detach is idempotent */
	call->result = json_object_new_object();
	json_object_object_add(call->result, "tap", json_object_new_string(name));
	json_object_object_add(call->result, "detached", json_object_new_boolean(was));
	return 0;
}

int m_port_list(struct rpc_call *call)
{
	static const char *const known[] = { "network", NULL };
	struct vnetd_network *net;
	struct json_object *leases = NULL;
	int r;

	if ((r = rpc_params_only(call, known)) < 0 || (r = find_network(call, "network", &net)) < 0)
		return r;
	/* the lease IP when dnsmasq has one; a network without DHCP has none */
	if (dhcp_network_leases(call->d, net, &leases) < 0)
		leases = NULL;
	call->result = json_object_new_array();
	for (struct vnetd_attach *a = call->d->attachments; a; a = a->next)
		if (!strcmp(a->network, net->name))
			json_object_array_add(call->result, attach_to_json(call->d, a, leases));
	json_object_put(leases);
	return 0;
}
