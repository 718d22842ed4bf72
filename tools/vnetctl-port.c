/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vnetctl attach|detach|port list, dhcp host add|remove, dns host add|remove, lease list */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "vnetctl.h"

const struct cmd_opt dhcp_host_opts[] = {
	{ "name", 'n', "NAME", "the host's name in the network's DNS" },
	{ NULL, 0, NULL, NULL },
};

const struct cmd_opt attach_opts[] = {
	{ "tap", 0, "NAME", "the tap's name (default: vnetd picks one)" },
	{ "mac", 0, "MAC", "the guest's MAC (default: generated under 52:54:00)" },
	{ "owner", 0, "USER[:GROUP]", "who may open the tap (name or number)" },
	{ "queues", 0, "N", "number of queues (multi-queue tap)" },
	{ "vnet-hdr", 0, NULL, "enable the virtio-net header" },
	{ "isolated", 0, NULL, "isolate the port from the bridge's other isolated ports" },
	{ NULL, 0, NULL, NULL },
};

enum { A_TAP, A_MAC, A_OWNER, A_QUEUES, A_VNET_HDR, A_ISOLATED };

int cmd_dhcp_host_add(struct vnetctl *ctl, const struct cmd_args *a)
{
	struct json_object *result;
	int r;

	r = vnetctl_call(ctl, vnetctl_subject("network", a->pos[0]), "dhcp.host.add",
			 vnetctl_params("network", a->pos[0], "mac", a->pos[1], "ip", a->pos[2],
					"name", a->val[0], NULL),
			 &result);
	if (r)
		return r;
	print_text(ctl->p, "network '%s': %s gets %s%s%s\n", a->pos[0], a->pos[1], a->pos[2],
		   a->val[0] ? " as " : "", a->val[0] ? a->val[0] : "");
	vnetctl_print_result(ctl, result);
	json_object_put(result);
	return 0;
}

int cmd_dhcp_host_remove(struct vnetctl *ctl, const struct cmd_args *a)
{
	struct json_object *result;
	int r;

	r = vnetctl_call(ctl, vnetctl_subject("network", a->pos[0]), "dhcp.host.remove",
			 vnetctl_params("network", a->pos[0], "mac", a->pos[1], NULL), &result);
	if (r)
		return r;
	print_text(ctl->p, "network '%s': removed DHCP host %s\n", a->pos[0], a->pos[1]);
	vnetctl_print_result(ctl, result);
	json_object_put(result);
	return 0;
}

int cmd_dns_host_add(struct vnetctl *ctl, const struct cmd_args *a)
{
	struct json_object *params, *names, *result;
	int r;

	params = vnetctl_params("network", a->pos[0], "ip", a->pos[1], NULL);
	names = json_object_new_array();
	for (int i = 2; i < a->npos; i++)
		json_object_array_add(names, json_object_new_string(a->pos[i]));
	json_object_object_add(params, "names", names);
	r = vnetctl_call(ctl, vnetctl_subject("network", a->pos[0]), "dns.host.add", params, &result);
	if (r)
		return r;
	print_text(ctl->p, "network '%s': %s has %d name%s in DNS\n", a->pos[0], a->pos[1], a->npos - 2,
		   a->npos - 2 == 1 ? "" : "s");
	vnetctl_print_result(ctl, result);
	json_object_put(result);
	return 0;
}

int cmd_dns_host_remove(struct vnetctl *ctl, const struct cmd_args *a)
{
	struct json_object *result;
	int r;

	r = vnetctl_call(ctl, vnetctl_subject("network", a->pos[0]), "dns.host.remove",
			 vnetctl_params("network", a->pos[0], "ip", a->pos[1], NULL), &result);
	if (r)
		return r;
	print_text(ctl->p, "network '%s': removed the DNS names of %s\n", a->pos[0], a->pos[1]);
	vnetctl_print_result(ctl, result);
	json_object_put(result);
	return 0;
}

static const struct column lease_columns[] = {
	{ "mac", "MAC", COLUMN_PLAIN },
	{ "ip", "IP", COLUMN_PLAIN },
	{ "hostname", "HOSTNAME", COLUMN_PLAIN },
	{ "expires", "EXPIRES (UTC)", COLUMN_TIME },
	{ NULL, NULL, COLUMN_PLAIN },
};

/* Lists that all take {network} and print one table. */
static int list_call(struct vnetctl *ctl, const char *network, const char *method,
		     const char *key, const struct column *cols)
{
	struct json_object *result, *list;
	int r;

	r = vnetctl_call(ctl, vnetctl_subject("network", network), method,
			 vnetctl_params("network", network, NULL), &result);
	if (r)
		return r;
	list = vnetctl_result_list(result, key);
	if (list)
		vnetctl_print_table(ctl, NULL, list, cols);
	else
		r = vnetctl_fail(ctl, NULL, "%s: vnetd's answer is not a list of %s", method, key);
	json_object_put(result);
	return r;
}

int cmd_lease_list(struct vnetctl *ctl, const struct cmd_args *a)
{
	return list_call(ctl, a->pos[0], "lease.list", "leases", lease_columns);
}

static const struct column port_columns[] = {
	{ "tap", "TAP", COLUMN_PLAIN },
	{ "mac", "MAC", COLUMN_PLAIN },
	{ "owner", "OWNER", COLUMN_PLAIN },
	{ "ip", "IP", COLUMN_PLAIN },
	{ NULL, NULL, COLUMN_PLAIN },
};

int cmd_port_list(struct vnetctl *ctl, const struct cmd_args *a)
{
	return list_call(ctl, a->pos[0], "port.list", "ports", port_columns);
}

static int parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	*v = strtoul(s, &end, 10);
	return errno || *end || *v > max ? -EINVAL : 0;
}

/* USER[:GROUP] by name or number into params uid (and gid). */
static int owner_params(struct vnetctl *ctl, const char *owner, struct json_object *params)
{
	char *user = strdup(owner), *group;
	unsigned long id;
	int r = 0;

	if (!user)
		return vnetctl_fail(ctl, NULL, "out of memory");
	group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	if (parse_uint(user, 0xfffffffeUL, &id) == 0) {
		json_object_object_add(params, "uid", json_object_new_int64((int64_t)id));
	} else {
		struct passwd *pw = getpwnam(user);

		if (!pw) {
			r = vnetctl_usage(ctl, "no user '%s' on this host", user);
			goto out;
		}
		json_object_object_add(params, "uid", json_object_new_int64(pw->pw_uid));
	}
	if (!group)
		goto out;
	if (parse_uint(group, 0xfffffffeUL, &id) == 0) {
		json_object_object_add(params, "gid", json_object_new_int64((int64_t)id));
	} else {
		struct group *gr = getgrnam(group);

		if (!gr) {
			r = vnetctl_usage(ctl, "no group '%s' on this host", group);
			goto out;
		}
		json_object_object_add(params, "gid", json_object_new_int64(gr->gr_gid));
	}
out:
	free(user);
	return r;
}

int cmd_attach(struct vnetctl *ctl, const struct cmd_args *a)
{
	struct json_object *params, *result, *v;
	const char *tap = a->val[A_TAP], *mac = a->val[A_MAC];
	int r;

	params = vnetctl_params("network", a->pos[0], "tap", tap, "mac", mac, NULL);
	if (a->val[A_OWNER]) {
		r = owner_params(ctl, a->val[A_OWNER], params);
		if (r) {
			json_object_put(params);
			return r;
		}
	}
	if (a->val[A_QUEUES]) {
		unsigned long q;

		if (parse_uint(a->val[A_QUEUES], 256, &q) < 0 || q == 0) {
			json_object_put(params);
			return vnetctl_usage(ctl, "queues '%s' is not a number from 1 to 256",
					     a->val[A_QUEUES]);
		}
		json_object_object_add(params, "queues", json_object_new_int((int)q));
	}
	if (a->val[A_VNET_HDR])
		json_object_object_add(params, "vnet_hdr", json_object_new_boolean(1));
	if (a->val[A_ISOLATED])
		json_object_object_add(params, "isolated", json_object_new_boolean(1));

	r = vnetctl_call(ctl, vnetctl_subject("network", a->pos[0]), "attach", params, &result);
	if (r)
		return r;
	if (json_object_object_get_ex(result, "tap", &v))
		tap = json_object_get_string(v);
	if (json_object_object_get_ex(result, "mac", &v))
		mac = json_object_get_string(v);
	print_text(ctl->p, "attached tap '%s' (mac %s) to network '%s'\n", tap ? tap : "?",
		   mac ? mac : "?", a->pos[0]);
	vnetctl_print_result(ctl, result);
	json_object_put(result);
	return 0;
}

int cmd_detach(struct vnetctl *ctl, const struct cmd_args *a)
{
	struct json_object *result;
	int r;

	r = vnetctl_call(ctl, vnetctl_subject("tap", a->pos[0]), "detach",
			 vnetctl_params("tap", a->pos[0], NULL), &result);
	if (r)
		return r;
	print_text(ctl->p, "detached tap '%s'\n", a->pos[0]);
	vnetctl_print_result(ctl, result);
	json_object_put(result);
	return 0;
}
