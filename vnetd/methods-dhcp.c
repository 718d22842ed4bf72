/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dhcp.host.add/remove, dns.host.add/remove and lease.list. A live change is
 * made on a copy of the network's DHCP spec, checked, stored, and only then
 * put in place and handed to the network's dnsmasq (a SIGHUP: hosts files
 * are re-read without a restart). A refused change leaves everything as it was.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vnetd.h"

enum live_op { DHCP_ADD, DHCP_REMOVE, DNS_ADD, DNS_REMOVE };

/*
 * Make @op on a copy, store the definition with it, then keep it and tell
 * dnsmasq. The spec functions check everything first, so a refusal has
 * touched neither the copy's original nor the disk.
 */
static int live_change(struct rpc_call *call, struct vnetd_network *net, enum live_op op,
		       const char *mac, const char *ip, const char *name,
		       const char *const *names, size_t n_names)
{
	struct dhcp_spec next = { 0 }, prev;
	struct vnet_error err = { "" };
	const char *what;
	int r;

	r = dhcp_spec_copy(&next, &net->dhcp);
	if (r < 0)
		return rpc_fail(call, r, "out of memory");
	switch (op) {
	case DHCP_ADD:
		r = dhcp_spec_host_add(&next, mac, ip, name, &err);
		break;
	case DHCP_REMOVE:
		r = dhcp_spec_host_remove(&next, mac, &err);
		break;
	case DNS_ADD:
		r = dhcp_spec_dns_host_add(&next, ip, names, n_names, &err);
		break;
	default:
		r = dhcp_spec_dns_host_remove(&next, ip, &err);
		break;
	}
	if (r < 0) {
		dhcp_spec_clear(&next);
		call->err = err;
		return r;
	}
	prev = net->dhcp;
	net->dhcp = next;
	r = store_save_network(call->d, net);
	if (r < 0) {
		net->dhcp = prev;
		dhcp_spec_clear(&next);
		return rpc_fail(call, r, "writing the definition of '%s' under %s: %s", net->name,
			    call->d->config_dir, strerror(-r));
	}
	dhcp_spec_clear(&prev);
	r = dhcp_network_apply(call->d, net, &err);
	if (r < 0)
		log_err("network '%s': dnsmasq did not take the change: %s", net->name, err.msg);
	what = op == DHCP_ADD ? "dhcp.host.added" : op == DHCP_REMOVE ? "dhcp.host.removed" :
	       op == DNS_ADD ? "dns.host.added" : "dns.host.removed";
	event_emit(call->d, "network.changed", net->name, NULL);
	{
		struct json_object *x = json_object_new_object();

		if (mac)
			json_object_object_add(x, "mac", json_object_new_string(mac));
		if (ip)
			json_object_object_add(x, "ip", json_object_new_string(ip));
		event_emit(call->d, what, net->name, x);
	}
	/* the network's canonical DHCP/DNS members, as network.get shows them */
	{
		struct json_object *def = network_to_json(net), *v, *o = json_object_new_object();

		json_object_object_add(o, "network", json_object_new_string(net->name));
		if ((op == DHCP_ADD || op == DHCP_REMOVE) && json_object_object_get_ex(def, "ipv4", &v) &&
		    json_object_object_get_ex(v, "dhcp", &v))
			json_object_object_add(o, "dhcp", json_object_get(v));
		if ((op == DNS_ADD || op == DNS_REMOVE) && json_object_object_get_ex(def, "dns", &v))
			json_object_object_add(o, "dns", json_object_get(v));
		json_object_put(def);
		call->result = o;
	}
	return 0;
}

int m_dhcp_host_add(struct rpc_call *call)
{
	static const char *const known[] = { "network", "mac", "ip", "name", NULL };
	struct vnetd_network *net;
	const char *mac, *ip, *name;
	int r;

	r = rpc_params_only(call, known);
	if (r == 0)
		r = rpc_param_network(call, "network", &net);
	if (r == 0)
		r = rpc_param_string(call, "mac", true, &mac);
	if (r == 0)
		r = rpc_param_string(call, "ip", true, &ip);
	if (r == 0)
		r = rpc_param_string(call, "name", false, &name);
	if (r < 0)
		return r;
	return live_change(call, net, DHCP_ADD, mac, ip, name, NULL, 0);
}

int m_dhcp_host_remove(struct rpc_call *call)
{
	static const char *const known[] = { "network", "mac", NULL };
	struct vnetd_network *net;
	const char *mac;
	int r;

	r = rpc_params_only(call, known);
	if (r == 0)
		r = rpc_param_network(call, "network", &net);
	if (r == 0)
		r = rpc_param_string(call, "mac", true, &mac);
	if (r < 0)
		return r;
	return live_change(call, net, DHCP_REMOVE, mac, NULL, NULL, NULL, 0);
}

int m_dns_host_add(struct rpc_call *call)
{
	static const char *const known[] = { "network", "ip", "names", NULL };
	struct vnetd_network *net;
	struct json_object *v;
	const char *ip, *names[64];
	size_t n = 0;
	int r;

	r = rpc_params_only(call, known);
	if (r == 0)
		r = rpc_param_network(call, "network", &net);
	if (r == 0)
		r = rpc_param_string(call, "ip", true, &ip);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(call->params, "names", &v) || json_object_is_type(v, json_type_null))
		return rpc_fail(call, -EINVAL, "parameter 'names' is missing");
	if (json_object_is_type(v, json_type_string)) {
		names[n++] = json_object_get_string(v);
	} else if (json_object_is_type(v, json_type_array)) {
		size_t len = json_object_array_length(v);

		if (len == 0)
			return rpc_fail(call, -EINVAL, "parameter 'names' is empty; at least one name is needed");
		if (len > sizeof(names) / sizeof(names[0]))
			return rpc_fail(call, -EINVAL, "parameter 'names' has %zu names; at most %zu are allowed",
				    len, sizeof(names) / sizeof(names[0]));
		for (; n < len; n++) {
			struct json_object *it = json_object_array_get_idx(v, n);

			if (!json_object_is_type(it, json_type_string))
				return rpc_fail(call, -EINVAL, "names[%zu] is a %s; a string is expected", n,
					    json_type_to_name(json_object_get_type(it)));
			names[n] = json_object_get_string(it);
		}
	} else {
		return rpc_fail(call, -EINVAL, "parameter 'names' is a %s; an array of names is expected",
			    json_type_to_name(json_object_get_type(v)));
	}
	return live_change(call, net, DNS_ADD, NULL, ip, NULL, names, n);
}

int m_dns_host_remove(struct rpc_call *call)
{
	static const char *const known[] = { "network", "ip", NULL };
	struct vnetd_network *net;
	const char *ip;
	int r;

	r = rpc_params_only(call, known);
	if (r == 0)
		r = rpc_param_network(call, "network", &net);
	if (r == 0)
		r = rpc_param_string(call, "ip", true, &ip);
	if (r < 0)
		return r;
	return live_change(call, net, DNS_REMOVE, NULL, ip, NULL, NULL, 0);
}

int m_lease_list(struct rpc_call *call)
{
	static const char *const known[] = { "network", NULL };
	struct vnetd_network *net;
	int r;

	r = rpc_params_only(call, known);
	if (r == 0)
		r = rpc_param_network(call, "network", &net);
	if (r < 0)
		return r;
	r = dhcp_network_leases(call->d, net, &call->result);
	if (r < 0)
		return rpc_fail(call, r, "reading the leases of '%s': %s", net->name, strerror(-r));
	return 0;
}
