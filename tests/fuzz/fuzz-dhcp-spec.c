/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A network's DHCP/DNS JSON, as vnetd reads it from a client or from its
 * state directory: dhcp_spec_from_json() and everything a spec it accepted
 * goes through next. Properties checked:
 *  - a refusal says why and leaves the spec cleared;
 *  - an accepted spec validates, copies, and survives to_json -> from_json
 *    unchanged;
 *  - dnsmasq's files render for it whenever it needs a dnsmasq;
 *  - live host changes (from an optional "fuzz-ops" member, which the
 *    parser itself ignores) never leave an invalid spec behind.
 */
#include <errno.h>
#include <json-c/json.h>

#include "dhcp-spec.h"
#include "dnsmasq-config.h"
#include "fuzz.h"

static const struct dnsmasq_paths paths = {
	.network = "fuzz",
	.bridge = "vnetbr0",
	.conf_file = "/run/vnet/dnsmasq/fuzz.conf",
	.pid_file = "/run/vnet/dnsmasq/fuzz.pid",
	.dhcp_hosts_file = "/run/vnet/dnsmasq/fuzz.hosts",
	.addn_hosts_file = "/run/vnet/dnsmasq/fuzz.addnhosts",
	.servers_file = "/run/vnet/dnsmasq/fuzz.servers",
	.lease_file = "/var/lib/vnet/dnsmasq/fuzz.leases",
};

static void check_err(int r, const struct vnet_error *err)
{
	fuzz_assert(fuzz_terminated(err->msg, sizeof(err->msg)));
	if (r == -EINVAL || r == -ENOENT)
		fuzz_assert(err->msg[0] != '\0');
}

static bool is_cleared(const struct dhcp_spec *s)
{
	static const struct dhcp_spec zero;

	return memcmp(s, &zero, sizeof(zero)) == 0;
}

/* Every line the renderer wrote is a line: no NUL, the text ends in '\n'. */
static void check_text(const char *t)
{
	size_t n;

	if (!t)
		return;
	n = strlen(t);
	fuzz_assert(n == 0 || t[n - 1] == '\n');
}

static void check_render(const struct dhcp_spec *s)
{
	struct dnsmasq_files f = { 0 };
	struct dnsmasq_paths p = paths;
	struct dnsmasq_ra_net net = { .bridge = "vnetbr0", .spec = s };
	struct vnet_error err = { "" };
	char *ra = NULL;
	int r;

	r = dnsmasq_config_render(s, &p, "nameserver 192.0.2.53\nnameserver 2001:db8::53\n", &f, &err);
	check_err(r, &err);
	if (dhcp_spec_needs_dnsmasq(s))
		fuzz_assert(r == 0 || r == -ENOMEM);
	if (r == 0) {
		check_text(f.conf);
		check_text(f.dhcp_hosts);
		check_text(f.addn_hosts);
		check_text(f.servers);
	}
	dnsmasq_files_clear(&f);

	if (dhcp_spec_has_ra(s)) {
		r = dnsmasq_ra_render(&net, 1, &p, &ra, &err);
		check_err(r, &err);
		fuzz_assert(r == 0 || r == -ENOMEM);
		if (r == 0)
			check_text(ra);
		free(ra);
	}
}

/* to_json, then from_json again: the same spec (compared as JSON). */
static void check_round_trip(const struct dhcp_spec *s)
{
	struct json_object *a = json_object_new_object(), *b = json_object_new_object();
	struct dhcp_spec again = { 0 };
	struct vnet_error err = { "" };
	int r;

	if (!a || !b || dhcp_spec_to_json(s, a) < 0)
		goto out;
	r = dhcp_spec_from_json(&again, a, &err);
	if (r == -ENOMEM)
		goto out;
	if (r != 0)
		fuzz_fail("spec written as %s is refused: %s",
			  json_object_to_json_string(a), err.msg);
	if (dhcp_spec_to_json(&again, b) < 0)
		goto out;
	if (!json_object_equal(a, b))
		fuzz_fail("round trip changed the spec:\n%s\n%s",
			  json_object_to_json_string(a), json_object_to_json_string(b));
out:
	dhcp_spec_clear(&again);
	json_object_put(a);
	json_object_put(b);
}

static const char *arg(struct json_object *op, size_t i)
{
	struct json_object *v;

	if (!json_object_is_type(op, json_type_array))
		return NULL;
	v = json_object_array_get_idx(op, i);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* ["host.add", MAC, IP, NAME|null], ["host.remove", MAC], ["dns.add", IP, NAME...], ["dns.remove", IP] */
static void run_ops(struct dhcp_spec *s, struct json_object *ops)
{
	size_t n = json_object_array_length(ops);

	for (size_t i = 0; i < n && i < 32; i++) {
		struct json_object *op = json_object_array_get_idx(ops, i);
		const char *what = arg(op, 0), *a = arg(op, 1), *b = arg(op, 2);
		struct vnet_error err = { "" };
		int r;

		if (!what || !a)
			continue;
		if (!strcmp(what, "host.add") && b) {
			r = dhcp_spec_host_add(s, a, b, arg(op, 3), &err);
		} else if (!strcmp(what, "host.remove")) {
			r = dhcp_spec_host_remove(s, a, &err);
		} else if (!strcmp(what, "dns.add")) {
			const char *names[8];
			size_t k = 0;

			for (size_t j = 2; j < json_object_array_length(op) && k < 8; j++)
				if (arg(op, j))
					names[k++] = arg(op, j);
			r = dhcp_spec_dns_host_add(s, a, names, k, &err);
		} else if (!strcmp(what, "dns.remove")) {
			r = dhcp_spec_dns_host_remove(s, a, &err);
		} else {
			continue;
		}
		check_err(r, &err);
		err.msg[0] = '\0';
		if (dhcp_spec_validate(s, &err) != 0)
			fuzz_fail("%s left an invalid spec: %s", what, err.msg);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok;
	struct json_object *net, *ops;
	struct dhcp_spec s = { 0 }, copy = { 0 };
	struct vnet_error err = { "" };
	int r;

	if (size > 65536)
		return 0;
	tok = json_tokener_new();
	if (!tok)
		return 0;
	net = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	if (!json_object_is_type(net, json_type_object))
		goto out;

	r = dhcp_spec_from_json(&s, net, &err);
	check_err(r, &err);
	if (r < 0) {
		fuzz_assert(r == -EINVAL || r == -ENOMEM);
		fuzz_assert(is_cleared(&s));
		goto out;
	}
	err.msg[0] = '\0';
	if (dhcp_spec_validate(&s, &err) != 0)
		fuzz_fail("accepted spec does not validate: %s", err.msg);
	check_round_trip(&s);
	check_render(&s);
	if (dhcp_spec_copy(&copy, &s) == 0) {
		fuzz_assert(dhcp_spec_validate(&copy, NULL) == 0);
		check_round_trip(&copy);
	}
	if (json_object_object_get_ex(net, "fuzz-ops", &ops) &&
	    json_object_is_type(ops, json_type_array)) {
		run_ops(&s, ops);
		check_round_trip(&s);
		check_render(&s);
	}
out:
	dhcp_spec_clear(&copy);
	dhcp_spec_clear(&s);
	json_object_put(net);
	return 0;
}
