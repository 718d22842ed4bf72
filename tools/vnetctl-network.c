/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vnetctl network list|info|define|undefine|start|stop|create-default */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vnetctl.h"

const struct cmd_opt network_list_opts[] = {
	{ "names", 0, NULL, "print only the names, one a line" },
	{ NULL, 0, NULL, NULL },
};

static const struct column network_columns[] = {
	{ "name", "NAME", COLUMN_PLAIN },
	{ "mode", "MODE", COLUMN_PLAIN },
	{ "bridge", "BRIDGE", COLUMN_PLAIN },
	{ "ipv4", "IPV4", COLUMN_ADDRESS },
	{ "active", "ACTIVE", COLUMN_PLAIN },
	{ "autostart", "AUTOSTART", COLUMN_PLAIN },
	{ NULL, NULL, COLUMN_PLAIN },
};

int cmd_network_list(struct vnetctl *ctl, const struct cmd_args *a)
{
	struct json_object *result, *list;
	int r;

	r = vnetctl_call(ctl, NULL, "network.list", json_object_new_object(), &result);
	if (r)
		return r;
	list = vnetctl_result_list(result, "networks");
	if (!list) {
		r = vnetctl_fail(ctl, NULL, "network.list: vnetd's answer is not a list of networks");
		goto out;
	}
	if (a->val[0]) {
		print_open_array(ctl->p, NULL);
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			struct json_object *name;

			if (json_object_object_get_ex(json_object_array_get_idx(list, i), "name", &name))
				print_string(ctl->p, PRINT_ANY, NULL, "%s\n", json_object_get_string(name));
		}
		print_close_array(ctl->p);
	} else {
		vnetctl_print_table(ctl, NULL, list, network_columns);
	}
out:
	json_object_put(result);
	return r;
}

int cmd_network_info(struct vnetctl *ctl, const struct cmd_args *a)
{
	struct json_object *result;
	int r;

	r = vnetctl_call(ctl, vnetctl_subject("network", a->pos[0]), "network.get",
			 vnetctl_params("name", a->pos[0], NULL), &result);
	if (r)
		return r;
	/* Everything vnetd knows, as an outline in text and as is in JSON. */
	if (result)
		print_value(ctl->p, PRINT_ANY, NULL, NULL, result);
	json_object_put(result);
	return 0;
}

/* Read all of @path ("-": standard input). */
static int slurp(const char *path, char **data, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	size_t cap = 0, n = 0;
	char *buf = NULL;
	int r = 0;

	if (!f)
		return -errno;
	for (;;) {
		size_t got;

		if (cap - n < 4096) {
			char *b;

			if (cap >= (64u << 20)) {
				r = -EFBIG;
				break;
			}
			b = realloc(buf, cap ? cap * 2 : 8192);
			if (!b) {
				r = -ENOMEM;
				break;
			}
			buf = b;
			cap = cap ? cap * 2 : 8192;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				r = -EIO;
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

/* Where in @data offset @off is, as "line L, column C". */
static void locate(const char *data, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && data[i]; i++) {
		if (data[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int cmd_network_define(struct vnetctl *ctl, const struct cmd_args *a)
{
	const char *file = a->pos[0];
	struct json_object *def, *result, *name;
	struct json_tokener *tok;
	char *data = NULL;
	size_t len = 0;
	int r;

	r = slurp(file, &data, &len);
	if (r < 0)
		return vnetctl_fail(ctl, file, "%s", strerror(-r));
	tok = json_tokener_new();
	if (!tok) {
		free(data);
		return vnetctl_fail(ctl, NULL, "out of memory");
	}
	def = json_tokener_parse_ex(tok, data, (int)len);
	if (json_tokener_get_error(tok) == json_tokener_continue) {
		/* A lone number or an unterminated document: ask for the end. */
		json_object_put(def);
		def = json_tokener_parse_ex(tok, "", -1);
	}
	if (!def || json_tokener_get_error(tok) != json_tokener_success) {
		int line, col;

		locate(data, json_tokener_get_parse_end(tok), &line, &col);
		r = vnetctl_fail(ctl, file, "not valid JSON (line %d, column %d): %s", line, col,
				 json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(def);
		json_tokener_free(tok);
		free(data);
		return r;
	}
	json_tokener_free(tok);
	free(data);
	if (!json_object_is_type(def, json_type_object)) {
		json_object_put(def);
		return vnetctl_fail(ctl, file, "a network definition is a JSON object");
	}

	name = NULL;
	json_object_object_get_ex(def, "name", &name);
	r = vnetctl_call(ctl, name ? vnetctl_subject("network", json_object_get_string(name)) : file,
			 "network.define", json_object_get(def), &result);
	if (r == 0) {
		struct json_object *n = NULL;

		if (!json_object_object_get_ex(result, "name", &n))
			n = name;
		print_text(ctl->p, "defined network '%s'\n", n ? json_object_get_string(n) : "?");
		vnetctl_print_result(ctl, result);
		json_object_put(result);
	}
	json_object_put(def);
	return r;
}

/* The verbs that take a name and return nothing worth a table. */
static int network_action(struct vnetctl *ctl, const char *name, const char *method,
			  const char *done)
{
	struct json_object *result;
	int r;

	r = vnetctl_call(ctl, vnetctl_subject("network", name), method,
			 vnetctl_params("name", name, NULL), &result);
	if (r)
		return r;
	print_text(ctl->p, "%s network '%s'\n", done, name);
	vnetctl_print_result(ctl, result);
	json_object_put(result);
	return 0;
}

int cmd_network_undefine(struct vnetctl *ctl, const struct cmd_args *a)
{
	return network_action(ctl, a->pos[0], "network.undefine", "undefined");
}

int cmd_network_start(struct vnetctl *ctl, const struct cmd_args *a)
{
	return network_action(ctl, a->pos[0], "network.start", "started");
}

int cmd_network_stop(struct vnetctl *ctl, const struct cmd_args *a)
{
	return network_action(ctl, a->pos[0], "network.stop", "stopped");
}

const struct cmd_opt create_default_opts[] = {
	{ "name", 0, "NAME", "the network's name (default: default)" },
	{ "bridge", 0, "BRIDGE", "its bridge (default: vnetbr0)" },
	{ "no-start", 0, NULL, "define it only; do not start it" },
	{ NULL, 0, NULL, NULL },
};

#define DEFAULT_IPV4 "192.168.122.1/24"

int cmd_network_create_default(struct vnetctl *ctl, const struct cmd_args *a)
{
	struct json_object *params, *result, *def, *v;
	const char *name = a->val[0] ? a->val[0] : "default", *mode = "?", *bridge = "?", *addr = NULL;
	bool active = false;
	int r;

	params = vnetctl_params("name", a->val[0], "bridge", a->val[1], NULL);
	if (a->val[2])
		json_object_object_add(params, "start", json_object_new_boolean(0));
	r = vnetctl_call(ctl, vnetctl_subject("network", name), "network.create-default", params,
			 &result);
	if (r)
		return r;
	/* The answer is {definition, active, note} (or just the definition). */
	def = result;
	if (json_object_object_get_ex(result, "definition", &v))
		def = v;
	if (json_object_object_get_ex(result, "active", &v))
		active = json_object_get_boolean(v);
	if (json_object_object_get_ex(def, "name", &v))
		name = json_object_get_string(v);
	if (json_object_object_get_ex(def, "mode", &v))
		mode = json_object_get_string(v);
	if (json_object_object_get_ex(def, "bridge", &v))
		bridge = json_object_get_string(v);
	if (json_object_object_get_ex(def, "ipv4", &v)) {
		if (json_object_is_type(v, json_type_object))
			json_object_object_get_ex(v, "address", &v);
		addr = json_object_get_string(v);
	}

	print_text(ctl->p, "%s network '%s': %s, bridge %s, %s\n", active ? "started" : "defined",
		   name, mode, bridge, addr ? addr : "no IPv4 address");
	/* vnetd says why it chose another subnet; say it ourselves if it did not. */
	if (json_object_object_get_ex(result, "note", &v) && json_object_is_type(v, json_type_string))
		print_text(ctl->p, "note: %s\n", json_object_get_string(v));
	else if (addr && strcmp(addr, DEFAULT_IPV4) != 0)
		print_text(ctl->p, "note: 192.168.122.0/24 is taken on this host; '%s' uses %s\n",
			   name, addr);
	vnetctl_print_result(ctl, result);
	json_object_put(result);
	return 0;
}
