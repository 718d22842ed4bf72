/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vnetctl forward add|remove|list */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vnetctl.h"

const struct cmd_opt forward_opts[] = {
	{ "address", 'a', "ADDR", "listen only on this host address (default: all)" },
	{ NULL, 0, NULL, NULL },
};

static int parse_one_port(const char *s, size_t len, unsigned *port)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -EINVAL;
	*port = (unsigned)v;
	return 0;
}

int vnetctl_parse_port(const char *s, struct json_object **port, char *why, size_t len)
{
	const char *dash = strchr(s, '-');
	unsigned lo, hi;

	*port = NULL;
	if (!dash) {
		if (parse_one_port(s, strlen(s), &lo) < 0)
			goto bad;
		*port = json_object_new_int((int)lo);
		return 0;
	}
	if (parse_one_port(s, (size_t)(dash - s), &lo) < 0 ||
	    parse_one_port(dash + 1, strlen(dash + 1), &hi) < 0)
		goto bad;
	if (lo > hi) {
		snprintf(why, len, "port range '%s' runs backwards (%u > %u)", s, lo, hi);
		return -EINVAL;
	}
	/* The protocol's form for a range is the string "lo-hi"; one port is a number. */
	if (lo == hi)
		*port = json_object_new_int((int)lo);
	else
		*port = json_object_new_string(s);
	return 0;
bad:
	snprintf(why, len, "port '%s' is not a port (1-65535) or a range LO-HI", s);
	return -EINVAL;
}

int vnetctl_parse_target(const char *s, char **addr, struct json_object **port, char *why,
			 size_t len)
{
	const char *colon, *end;

	*addr = NULL;
	*port = NULL;
	if (s[0] == '[') {
		/* [v6addr] or [v6addr]:port */
		end = strchr(s, ']');
		if (!end || end == s + 1 || (end[1] && end[1] != ':')) {
			snprintf(why, len, "target '%s' should be [IPV6] or [IPV6]:PORT", s);
			return -EINVAL;
		}
		*addr = strndup(s + 1, (size_t)(end - s - 1));
		colon = end[1] ? end + 1 : NULL;
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':')) {
			/* More than one colon: a bare IPv6 address without a port. */
			colon = NULL;
		}
		*addr = colon ? strndup(s, (size_t)(colon - s)) : strdup(s);
	}
	if (!*addr || !**addr) {
		snprintf(why, len, "target '%s' has no address", s);
		goto fail;
	}
	if (colon) {
		unsigned p;

		if (parse_one_port(colon + 1, strlen(colon + 1), &p) < 0) {
			snprintf(why, len, "target port '%s' is not a port (1-65535)", colon + 1);
			goto fail;
		}
		*port = json_object_new_int((int)p);
	}
	return 0;
fail:
	free(*addr);
	*addr = NULL;
	return -EINVAL;
}

/* Build {network, proto, port, [address], [to, to_port]} from the command line. */
static int forward_params(struct vnetctl *ctl, const struct cmd_args *a,
			  struct json_object **params)
{
	struct json_object *o, *port, *to_port = NULL;
	char why[256], *to = NULL;
	const char *proto = a->pos[1];

	*params = NULL;
	if (strcmp(proto, "tcp") && strcmp(proto, "udp"))
		return vnetctl_usage(ctl, "protocol '%s' is not tcp or udp", proto);
	if (vnetctl_parse_port(a->pos[2], &port, why, sizeof(why)) < 0)
		return vnetctl_usage(ctl, "%s", why);
	if (vnetctl_parse_target(a->pos[3], &to, &to_port, why, sizeof(why)) < 0) {
		json_object_put(port);
		return vnetctl_usage(ctl, "%s", why);
	}

	o = json_object_new_object();
	json_object_object_add(o, "network", json_object_new_string(a->pos[0]));
	json_object_object_add(o, "proto", json_object_new_string(proto));
	json_object_object_add(o, "port", port);
	if (to)
		json_object_object_add(o, "to", json_object_new_string(to));
	if (to_port)
		json_object_object_add(o, "to_port", to_port);
	if (a->val[0])
		json_object_object_add(o, "address", json_object_new_string(a->val[0]));
	free(to);
	*params = o;
	return 0;
}

int cmd_forward_add(struct vnetctl *ctl, const struct cmd_args *a)
{
	struct json_object *params, *result;
	int r;

	r = forward_params(ctl, a, &params);
	if (r)
		return r;
	r = vnetctl_call(ctl, vnetctl_subject("network", a->pos[0]), "forward.add", params, &result);
	if (r)
		return r;
	print_text(ctl->p, "added forward %s %s%s%s -> %s on network '%s'\n", a->pos[1],
		   a->val[0] ? a->val[0] : "", a->val[0] ? ":" : "", a->pos[2], a->pos[3], a->pos[0]);
	vnetctl_print_result(ctl, result);
	json_object_put(result);
	return 0;
}

int cmd_forward_remove(struct vnetctl *ctl, const struct cmd_args *a)
{
	struct json_object *params, *result;
	int r;

	r = forward_params(ctl, a, &params);
	if (r)
		return r;
	r = vnetctl_call(ctl, vnetctl_subject("network", a->pos[0]), "forward.remove", params,
			 &result);
	if (r)
		return r;
	print_text(ctl->p, "removed forward %s %s%s%s -> %s on network '%s'\n", a->pos[1],
		   a->val[0] ? a->val[0] : "", a->val[0] ? ":" : "", a->pos[2], a->pos[3], a->pos[0]);
	vnetctl_print_result(ctl, result);
	json_object_put(result);
	return 0;
}

static const struct column forward_columns[] = {
	{ "proto", "PROTO", COLUMN_PLAIN },
	{ "address", "ADDRESS", COLUMN_PLAIN },
	{ "port", "PORT", COLUMN_PLAIN },
	{ "to", "TO", COLUMN_PLAIN },
	{ "to_port", "TO_PORT", COLUMN_PLAIN },
	{ NULL, NULL, COLUMN_PLAIN },
};

int cmd_forward_list(struct vnetctl *ctl, const struct cmd_args *a)
{
	struct json_object *result, *list;
	int r;

	r = vnetctl_call(ctl, vnetctl_subject("network", a->pos[0]), "forward.list",
			 vnetctl_params("network", a->pos[0], NULL), &result);
	if (r)
		return r;
	list = vnetctl_result_list(result, "forwards");
	if (list)
		vnetctl_print_table(ctl, NULL, list, forward_columns);
	else
		r = vnetctl_fail(ctl, NULL, "forward.list: vnetd's answer is not a list of forwards");
	json_object_put(result);
	return r;
}
