/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The methods of the control protocol, dispatched from one table. Each
 * handler validates everything before it changes anything, and says in
 * call->err which field and value it refused.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "vnetd.h"
#include "attach.h"

/* ---- parameters ------------------------------------------------------- */

/* ---- network.* ------------------------------------------------------- */

static struct json_object *network_summary(const struct vnetd_network *net)
{
	struct json_object *o = json_object_new_object();
	char buf[VNET_PREFIX_STRLEN];

	json_object_object_add(o, "name", json_object_new_string(net->name));
	json_object_object_add(o, "mode", json_object_new_string(network_mode_name(net->mode)));
	json_object_object_add(o, "bridge", json_object_new_string(net->bridge));
	json_object_object_add(o, "active", json_object_new_boolean(net->active));
	json_object_object_add(o, "autostart", json_object_new_boolean(net->autostart));
	if (net->has_v4)
		json_object_object_add(o, "ipv4", json_object_new_string(vnet_prefix_format(&net->v4, true, buf)));
	if (net->has_v6)
		json_object_object_add(o, "ipv6", json_object_new_string(vnet_prefix_format(&net->v6, true, buf)));
	if (net->uplink[0])
		json_object_object_add(o, "uplink", json_object_new_string(net->uplink));
	json_object_object_add(o, "forwards", json_object_new_int64(net->n_forwards));
	return o;
}

/* Parse @obj as a network that is to replace (or join) the registry. */
static int parse_candidate(struct rpc_call *call, struct json_object *obj, struct vnetd_network **ret)
{
	struct vnetd *d = call->d;
	const char **taken;
	const char *name = NULL;
	struct json_object *v;
	size_t n = 0, count = 0;
	int r;

	if (obj && json_object_object_get_ex(obj, "name", &v) && json_object_is_type(v, json_type_string))
		name = json_object_get_string(v);
	/* Every other network's bridge, however many there are. */
	for (struct vnetd_network *o = d->networks; o; o = o->next)
		count++;
	taken = calloc(count + 1, sizeof(*taken));
	if (!taken)
		return -ENOMEM;
	for (struct vnetd_network *o = d->networks; o; o = o->next)
		if (!name || strcmp(o->name, name))
			taken[n++] = o->bridge;
	r = network_parse(obj, taken, ret, &call->err);
	free(taken);
	if (r < 0)
		return r;
	for (struct vnetd_network *o = d->networks; o; o = o->next) {
		if (!strcmp(o->name, (*ret)->name))
			continue;
		r = network_conflict(*ret, o, &call->err);
		if (r < 0)
			goto fail;
		for (size_t i = 0; i < (*ret)->n_forwards; i++)
			if (forward_overlaps(o, &(*ret)->forwards[i])) {
				r = rpc_fail(call, -EBUSY, "forwards[%zu]: port %u is already forwarded by network '%s'",
					 i, (*ret)->forwards[i].port, o->name);
				goto fail;
			}
	}
	/* the firewall's own rules (range sizes, targets) say the last word */
	{
		struct vnet_fw_network fw;
		struct vnet_prefix subnets[2];
		struct vnet_fw_spec spec = { &fw, 1 };

		network_fw(*ret, &fw, subnets);
		r = vnet_fw_validate(&spec, &call->err);
		if (r < 0)
			goto fail;
	}
	r = network_check_host(d, *ret, false, &call->err);
	if (r < 0)
		goto fail;
	return 0;
fail:
	network_free(*ret);
	*ret = NULL;
	return r;
}

/*
 * What an active network can change without a stop: everything but its
 * mode, bridge, uplink and addresses (those would need a teardown).
 */
static bool live_change_ok(const struct vnetd_network *a, const struct vnetd_network *b)
{
	return a->mode == b->mode && !strcmp(a->bridge, b->bridge) && !strcmp(a->uplink, b->uplink) &&
	       a->has_v4 == b->has_v4 && a->has_v6 == b->has_v6 &&
	       (!a->has_v4 || vnet_prefix_equal(&a->v4, &b->v4)) &&
	       (!a->has_v6 || vnet_prefix_equal(&a->v6, &b->v6));
}

static int m_network_define(struct rpc_call *call)
{
	struct vnetd *d = call->d;
	struct json_object *obj = call->params, *v;
	struct vnetd_network *net = NULL, *old;
	int r;

	/* {network object} or {"network": {...}} */
	if (obj && !json_object_object_get_ex(obj, "name", NULL) &&
	    json_object_object_get_ex(obj, "network", &v) && json_object_is_type(v, json_type_object))
		obj = v;
	if (!obj)
		return rpc_fail(call, -EINVAL, "params must be the network object");
	r = parse_candidate(call, obj, &net);
	if (r < 0)
		return r;
	old = vnetd_find(d, net->name);
	if (old && old->active && !live_change_ok(old, net)) {
		r = rpc_fail(call, -EBUSY, "network '%s' is active; stop it before changing its mode, bridge, uplink or addresses",
			 net->name);
		goto out;
	}
	r = store_save_network(d, net);
	if (r < 0) {
		rpc_fail(call, r, "writing the definition of '%s' under %s: %s", net->name, d->config_dir, strerror(-r));
		goto out;
	}
	if (old) {
		net->active = old->active;
		net->saved_uplink = json_object_get(old->saved_uplink);
		vnetd_remove(d, old);
		network_free(old);
	}
	vnetd_add(d, net);
	if (net->active) {
		/* MAC, MTU, NAT uplink and forwards follow at once */
		r = reconcile_network(d, net, NULL, &call->err);
		if (r >= 0)
			r = reconcile_firewall(d, false, NULL, &call->err);
		if (r >= 0)
			r = dhcp_network_apply(d, net, &call->err);
		if (r < 0)
			log_err("network '%s': applying the new definition: %s", net->name, call->err.msg);
	}
	call->result = network_to_json(net);
	event_emit(d, old ? "network.changed" : "network.defined", net->name, NULL);
	net = NULL;
	r = 0;
out:
	network_free(net);
	return r;
}

static int m_network_undefine(struct rpc_call *call)
{
	static const char *const known[] = { "name", NULL };
	struct vnetd_network *net;
	char name[NETWORK_NAME_MAX + 1];
	int r;

	r = rpc_params_only(call, known);
	if (r < 0)
		return r;
	r = rpc_param_network(call, "name", &net);
	if (r < 0)
		return r;
	if (net->active)
		return rpc_fail(call, -EBUSY, "network '%s' is active; stop it first", net->name);
	r = store_remove_network(call->d, net->name);
	if (r < 0)
		return rpc_fail(call, r, "removing the definition of '%s': %s", net->name, strerror(-r));
	store_remove_runtime(call->d, net->name);
	dhcp_network_forget(call->d, net->name);
	snprintf(name, sizeof(name), "%s", net->name);
	vnetd_remove(call->d, net);
	network_free(net);
	call->result = json_object_new_object();
	json_object_object_add(call->result, "name", json_object_new_string(name));
	event_emit(call->d, "network.undefined", name, NULL);
	return 0;
}

static int m_network_start(struct rpc_call *call)
{
	static const char *const known[] = { "name", NULL };
	struct vnetd_network *net;
	int r;

	r = rpc_params_only(call, known);
	if (r < 0)
		return r;
	r = rpc_param_network(call, "name", &net);
	if (r < 0)
		return r;
	if (net->active)
		return rpc_fail(call, -EALREADY, "network '%s' is already active", net->name);
	r = network_start(call->d, net, &call->err);
	if (r < 0)
		return r;
	call->result = network_summary(net);
	event_emit(call->d, "network.started", net->name, NULL);
	return 0;
}

static int m_network_stop(struct rpc_call *call)
{
	static const char *const known[] = { "name", NULL };
	struct vnetd_network *net;
	int r;

	r = rpc_params_only(call, known);
	if (r < 0)
		return r;
	r = rpc_param_network(call, "name", &net);
	if (r < 0)
		return r;
	if (!net->active)
		return rpc_fail(call, -EALREADY, "network '%s' is not active", net->name);
	r = network_stop(call->d, net, &call->err);
	if (r < 0)
		return r;
	call->result = network_summary(net);
	event_emit(call->d, "network.stopped", net->name, NULL);
	return 0;
}

static int m_network_list(struct rpc_call *call)
{
	static const char *const known[] = { NULL };
	int r;

	r = rpc_params_only(call, known);
	if (r < 0)
		return r;
	call->result = json_object_new_array();
	for (struct vnetd_network *net = call->d->networks; net; net = net->next)
		json_object_array_add(call->result, network_summary(net));
	return 0;
}

static int m_network_get(struct rpc_call *call)
{
	static const char *const known[] = { "name", NULL };
	struct vnetd_network *net;
	int r;

	r = rpc_params_only(call, known);
	if (r < 0)
		return r;
	r = rpc_param_network(call, "name", &net);
	if (r < 0)
		return r;
	call->result = json_object_new_object();
	json_object_object_add(call->result, "definition", network_to_json(net));
	json_object_object_add(call->result, "status", network_status(call->d, net));
	return 0;
}

/* libvirt's default: DHCP over .2-.254, names under NAME.vnet (when NAME is a DNS label). */
static void default_dhcp(struct json_object *def, const char *name, int n)
{
	struct json_object *dhcp = json_object_new_object(), *ranges = json_object_new_array();
	struct json_object *range = json_object_new_object(), *dns;
	char a[32], domain[NETWORK_NAME_MAX + 8];

	snprintf(a, sizeof(a), "192.168.%d.2", n);
	json_object_object_add(range, "start", json_object_new_string(a));
	snprintf(a, sizeof(a), "192.168.%d.254", n);
	json_object_object_add(range, "end", json_object_new_string(a));
	json_object_array_add(ranges, range);
	json_object_object_add(dhcp, "ranges", ranges);
	json_object_object_add(json_object_object_get(def, "ipv4"), "dhcp", dhcp);
	snprintf(domain, sizeof(domain), "%s.vnet", name);
	if (dhcp_dns_name_check("dns.domain", domain, false, NULL) == 0) {
		dns = json_object_new_object();
		json_object_object_add(dns, "domain", json_object_new_string(domain));
		json_object_object_add(def, "dns", dns);
	}
}

/* The first free 192.168.N.0/24 from 122 on: not routed here, not another network's. */
static int m_network_create_default(struct rpc_call *call)
{
	static const char *const known[] = { "name", "bridge", "start", NULL };
	struct vnetd *d = call->d;
	struct vnetd_network *net = NULL;
	struct json_object *def = NULL, *note = NULL;
	const char *name, *bridge;
	bool start;
	char addr[32], first_err[256] = "";
	int r, n;

	r = rpc_params_only(call, known);
	if (r < 0)
		return r;
	if ((r = rpc_param_string(call, "name", false, &name)) < 0 ||
	    (r = rpc_param_string(call, "bridge", false, &bridge)) < 0 ||
	    (r = rpc_param_bool(call, "start", true, &start)) < 0)
		return r;
	if (!name)
		name = "default";
	if (!bridge)
		bridge = "vnetbr0";
	if (vnetd_find(d, name))
		return rpc_fail(call, -EEXIST, "network '%s' already exists", name);
	for (n = 122; n < 256; n++) {
		struct vnet_error keep = call->err;

		snprintf(addr, sizeof(addr), "192.168.%d.1/24", n);
		def = json_object_new_object();
		json_object_object_add(def, "name", json_object_new_string(name));
		json_object_object_add(def, "mode", json_object_new_string("nat"));
		json_object_object_add(def, "bridge", json_object_new_string(bridge));
		json_object_object_add(def, "autostart", json_object_new_boolean(true));
		json_object_object_add(def, "ipv4", json_object_new_object());
		json_object_object_add(json_object_object_get(def, "ipv4"), "address", json_object_new_string(addr));
		default_dhcp(def, name, n);
		r = parse_candidate(call, def, &net);
		json_object_put(def);
		if (r == 0)
			break;
		if (r != -EBUSY || strstr(call->err.msg, "bridge '"))
			return r;
		if (!first_err[0])
			snprintf(first_err, sizeof(first_err), "%s", call->err.msg);
		call->err = keep;
	}
	if (!net)
		return rpc_fail(call, -EBUSY, "no free subnet 192.168.122.0/24..192.168.255.0/24: %s", first_err);
	/* a bridge name taken by a foreign link: say so before defining anything */
	if (start) {
		r = network_check_host(d, net, true, &call->err);
		if (r < 0) {
			network_free(net);
			return r;
		}
	}
	r = store_save_network(d, net);
	if (r < 0) {
		rpc_fail(call, r, "writing the definition of '%s': %s", net->name, strerror(-r));
		network_free(net);
		return r;
	}
	vnetd_add(d, net);
	event_emit(d, "network.defined", net->name, NULL);
	if (n != 122) {
		char msg[400];

		snprintf(msg, sizeof(msg), "192.168.122.0/24 is taken (%s); using 192.168.%d.0/24", first_err, n);
		note = json_object_new_string(msg);
	}
	if (start) {
		r = network_start(d, net, &call->err);
		if (r < 0) {
			json_object_put(note);
			return r;
		}
		event_emit(d, "network.started", net->name, NULL);
	}
	call->result = json_object_new_object();
	json_object_object_add(call->result, "definition", network_to_json(net));
	json_object_object_add(call->result, "active", json_object_new_boolean(net->active));
	if (note)
		json_object_object_add(call->result, "note", note);
	return 0;
}

/* ---- forward.* ------------------------------------------------------- */

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

static int m_forward_add(struct rpc_call *call)
{
	struct vnetd *d = call->d;
	struct vnetd_network *net;
	struct vnet_fw_forward fwd;
	struct vnet_fw_network fw;
	struct vnet_prefix subnets[2];
	const struct vnet_fw_forward *f;
	int r;

	r = rpc_param_network(call, "network", &net);
	if (r < 0)
		return r;
	r = forward_parse(net, call->params, &fwd, &call->err);
	if (r < 0)
		return r;
	/* hash look-ups: the same cost with ten thousand forwards as with none */
	if (forward_lookup(net, &fwd))
		return rpc_fail(call, -EEXIST, "network '%s' already has this forward", net->name);
	for (struct vnetd_network *o = d->networks; o; o = o->next) {
		f = forward_overlaps(o, &fwd);
		if (f)
			return rpc_fail(call, -EBUSY, "%s port %u is already forwarded by network '%s' (to port %u)",
				    proto_name(fwd.proto), fwd.port, o->name, f->to_port);
	}
	if (net->n_forwards >= NETWORK_MAX_FORWARDS)
		return rpc_fail(call, -ENOSPC, "network '%s' has %zu forwards; at most %d are allowed",
				net->name, net->n_forwards, NETWORK_MAX_FORWARDS);
	/*
	 * The firewall's own rules on this one forward: the others passed
	 * them when they were added, and overlaps were refused just above.
	 */
	{
		struct vnet_fw_spec spec = { &fw, 1 };

		network_fw(net, &fw, subnets);
		fw.forwards = &fwd;
		fw.n_forwards = 1;
		r = vnet_fw_validate(&spec, &call->err);
		if (r < 0)
			return r;
	}
	r = network_forward_append(net, &fwd);
	if (r < 0)
		return rpc_fail(call, r, "network '%s': adding a forward: %s", net->name, strerror(-r));
	if (net->active) {
		network_fw(net, &fw, subnets);
		r = vnet_fw_forward_add(d->ctx, &fw, &fwd);
		if (r < 0) {
			const char *why = vnet_ctx_errmsg(d->ctx);

			network_forward_delete(net, net->n_forwards - 1);
			return rpc_fail(call, r, "forward on network '%s': %s", net->name, why && *why ? why : strerror(-r));
		}
	}
	/* acknowledged means on disk: a change that cannot be stored is undone */
	r = store_forward_log(d, net, true, &fwd);
	if (r < 0) {
		network_forward_delete(net, net->n_forwards - 1);
		if (net->active && vnet_fw_forward_remove(d->ctx, &fw, &fwd) < 0)
			log_err("network '%s': taking back forward of %s port %u: %s", net->name,
				proto_name(fwd.proto), fwd.port, vnet_ctx_errmsg(d->ctx));
		return rpc_fail(call, r, "network '%s': storing the forward under %s: %s", net->name,
				d->config_dir, strerror(-r));
	}
	call->result = forward_to_json(&fwd);
	json_object_object_add(call->result, "network", json_object_new_string(net->name));
	event_emit(d, "network.changed", net->name, NULL);
	return 0;
}

static int m_forward_remove(struct rpc_call *call)
{
	struct vnetd *d = call->d;
	struct vnetd_network *net;
	struct vnet_fw_forward fwd, removed;
	struct vnet_fw_network fw;
	struct vnet_prefix subnets[2];
	struct json_object *v;
	bool any_to_port;
	ssize_t i = -1;
	int r;

	r = rpc_param_network(call, "network", &net);
	if (r < 0)
		return r;
	r = forward_parse(net, call->params, &fwd, &call->err);
	if (r < 0)
		return r;
	/* to_port may be left out: the listening side and target say which */
	any_to_port = !json_object_object_get_ex(call->params, "to_port", &v);
	for (size_t k = 0; k < net->n_forwards; k++) {
		struct vnet_fw_forward f = net->forwards[k];

		if (any_to_port)
			f.to_port = fwd.to_port;
		if (forward_equal(&f, &fwd)) {
			i = k;
			break;
		}
	}
	if (i < 0)
		return rpc_fail(call, -ENOENT, "network '%s' has no %s forward of port %u to %s",
			    net->name, proto_name(fwd.proto), fwd.port,
			    json_object_get_string(json_object_object_get(call->params, "to")));
	removed = net->forwards[i];
	network_fw(net, &fw, subnets);
	if (net->active) {
		r = vnet_fw_forward_remove(d->ctx, &fw, &removed);
		if (r < 0) {
			const char *why = vnet_ctx_errmsg(d->ctx);

			return rpc_fail(call, r, "forward on network '%s': %s", net->name, why && *why ? why : strerror(-r));
		}
	}
	network_forward_delete(net, i);
	r = store_forward_log(d, net, false, &removed);
	if (r < 0) {
		/* not stored, so not removed: back where it was, in the kernel too */
		if (network_forward_insert(net, i, &removed) < 0)
			log_err("network '%s': out of memory putting a forward back", net->name);
		network_fw(net, &fw, subnets);
		if (net->active && vnet_fw_forward_add(d->ctx, &fw, &removed) < 0)
			log_err("network '%s': putting back forward of %s port %u: %s", net->name,
				proto_name(removed.proto), removed.port, vnet_ctx_errmsg(d->ctx));
		return rpc_fail(call, r, "network '%s': storing the removal under %s: %s", net->name,
				d->config_dir, strerror(-r));
	}
	call->result = forward_to_json(&removed);
	json_object_object_add(call->result, "network", json_object_new_string(net->name));
	event_emit(d, "network.changed", net->name, NULL);
	return 0;
}

static int m_forward_list(struct rpc_call *call)
{
	static const char *const known[] = { "network", NULL };
	struct vnetd_network *net;
	int r;

	r = rpc_params_only(call, known);
	if (r < 0)
		return r;
	r = rpc_param_network(call, "network", &net);
	if (r < 0)
		return r;
	call->result = json_object_new_array();
	for (size_t i = 0; i < net->n_forwards; i++)
		json_object_array_add(call->result, forward_to_json(&net->forwards[i]));
	return 0;
}

/* ---- daemon.*, events.* ---------------------------------------------- */

static int m_daemon_status(struct rpc_call *call)
{
	static const char *const known[] = { NULL };
	struct vnetd *d = call->d;
	struct json_object *o;
	unsigned int total = 0, active = 0;
	uint64_t now = 0;
	int r;

	r = rpc_params_only(call, known);
	if (r < 0)
		return r;
	for (struct vnetd_network *net = d->networks; net; net = net->next) {
		total++;
		active += net->active;
	}
	sd_event_now(d->event, CLOCK_MONOTONIC, &now);
	o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_string(VNETD_VERSION));
	json_object_object_add(o, "pid", json_object_new_int(getpid()));
	json_object_object_add(o, "uptime_s", json_object_new_double((now - d->started_usec) / 1e6));
	json_object_object_add(o, "networks", json_object_new_int(total));
	json_object_object_add(o, "active", json_object_new_int(active));
	json_object_object_add(o, "clients", json_object_new_int(rpc_client_count(d)));
	json_object_object_add(o, "reconciles", json_object_new_int64(d->reconciles));
	json_object_object_add(o, "drift_repairs", json_object_new_int64(d->drift_repairs));
	json_object_object_add(o, "socket", json_object_new_string(d->socket_path));
	json_object_object_add(o, "config_dir", json_object_new_string(d->config_dir));
	json_object_object_add(o, "run_dir", json_object_new_string(d->run_dir));
	json_object_object_add(o, "state_dir", json_object_new_string(d->state_dir));
	json_object_object_add(o, "may_write", json_object_new_boolean(call->client ? rpc_client_may_write(call->client) : false));
	call->result = o;
	return 0;
}

static int m_events_subscribe(struct rpc_call *call)
{
	static const char *const known[] = { NULL };
	static const char *const names[] = {
		"network.defined", "network.undefined", "network.changed", "network.started",
		"network.stopped", "network.adopted", "firewall.adopted", "drift.repaired",
		"dnsmasq.exited", "dnsmasq.restarted", "dhcp.host.added", "dhcp.host.removed",
		"dns.host.added", "dns.host.removed", "port.attached", "port.detached", NULL,
	};
	struct json_object *a;
	int r;

	r = rpc_params_only(call, known);
	if (r < 0)
		return r;
	rpc_client_subscribe(call->client);
	call->result = json_object_new_object();
	json_object_object_add(call->result, "subscribed", json_object_new_boolean(true));
	a = json_object_new_array();
	for (const char *const *n = names; *n; n++)
		json_object_array_add(a, json_object_new_string(*n));
	json_object_object_add(call->result, "events", a);
	return 0;
}

static const struct method {
	const char *name;
	int (*handler)(struct rpc_call *call);
	bool needs_write;
} methods[] = {
	{ "network.define", m_network_define, true },
	{ "network.undefine", m_network_undefine, true },
	{ "network.start", m_network_start, true },
	{ "network.stop", m_network_stop, true },
	{ "network.list", m_network_list, false },
	{ "network.get", m_network_get, false },
	{ "network.create-default", m_network_create_default, true },
	{ "forward.add", m_forward_add, true },
	{ "forward.remove", m_forward_remove, true },
	{ "forward.list", m_forward_list, false },
	{ "dhcp.host.add", m_dhcp_host_add, true },
	{ "dhcp.host.remove", m_dhcp_host_remove, true },
	{ "dns.host.add", m_dns_host_add, true },
	{ "dns.host.remove", m_dns_host_remove, true },
	{ "lease.list", m_lease_list, false },
	/* others than root and 'vnet' may attach where bridge.conf allows: checked inside */
	{ "attach", m_attach, false },
	{ "detach", m_detach, false },
	{ "port.list", m_port_list, false },
	{ "daemon.status", m_daemon_status, false },
	{ "events.subscribe", m_events_subscribe, false },
};

int methods_dispatch(struct rpc_call *call, const char *method, bool may_write)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (strcmp(methods[i].name, method))
			continue;
		if (methods[i].needs_write && !may_write)
			return rpc_fail(call, -EPERM, "%s changes state; only root and the group 'vnet' may call it",
				    method);
		return methods[i].handler(call);
	}
	return rpc_fail(call, -ENOSYS, "method '%s' does not exist", method);
}
