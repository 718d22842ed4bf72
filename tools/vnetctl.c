/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vnetctl: global options, the command table and its dispatch, help, and the
 * one way every command talks to vnetd and reports failure.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vnetctl.h"

const struct command vnetctl_commands[] = {
	{ "network list", "", 0, 0, network_list_opts, cmd_network_list,
	  "List the defined networks." },
	{ "network info", "NAME", 1, 1, NULL, cmd_network_info,
	  "Show a network's definition and live status." },
	{ "network define", "FILE", 1, 1, NULL, cmd_network_define,
	  "Define or redefine a network from a JSON file ('-': stdin)." },
	{ "network undefine", "NAME", 1, 1, NULL, cmd_network_undefine,
	  "Remove a network's definition." },
	{ "network start", "NAME", 1, 1, NULL, cmd_network_start,
	  "Start a network: bridge, addresses, firewall, DHCP/DNS." },
	{ "network stop", "NAME", 1, 1, NULL, cmd_network_stop,
	  "Stop a network and remove what it put on the host." },
	{ "network create-default", "", 0, 0, create_default_opts, cmd_network_create_default,
	  "Define the 'default' NAT network (vnetbr0, 192.168.122.0/24).\n"
	  "When 192.168.122.0/24 is taken on the host, vnetd picks the next free 192.168.N.0/24." },
	{ "forward add", "NETWORK PROTO PORT[-PORT] TO[:TOPORT]", 4, 4, forward_opts, cmd_forward_add,
	  "Forward a host port (or range) to a guest.\n"
	  "PROTO is tcp or udp. TOPORT defaults to PORT; with a range it is where the range\n"
	  "starts on the guest.\n"
	  "Write an IPv6 TO in brackets: [fd00::10]:80." },
	{ "forward remove", "NETWORK PROTO PORT[-PORT] TO[:TOPORT]", 4, 4, forward_opts,
	  cmd_forward_remove, "Remove a port forward.\n"
	  "Without TOPORT, the forward of PORT to TO is removed whatever its target port." },
	{ "forward list", "NETWORK", 1, 1, NULL, cmd_forward_list,
	  "List a network's port forwards." },
	{ "dhcp host add", "NETWORK MAC IP", 3, 3, dhcp_host_opts, cmd_dhcp_host_add,
	  "Give the host with MAC a fixed address (and a name)." },
	{ "dhcp host remove", "NETWORK MAC", 2, 2, NULL, cmd_dhcp_host_remove,
	  "Remove a fixed DHCP host." },
	{ "dns host add", "NETWORK IP NAME...", 3, VNETCTL_MAX_ARGS, NULL, cmd_dns_host_add,
	  "Make NAME (and further names) resolve to IP in the network's DNS." },
	{ "dns host remove", "NETWORK IP", 2, 2, NULL, cmd_dns_host_remove,
	  "Remove the DNS names of IP." },
	{ "lease list", "NETWORK", 1, 1, NULL, cmd_lease_list,
	  "List a network's DHCP leases." },
	{ "attach", "NETWORK", 1, 1, attach_opts, cmd_attach,
	  "Create a persistent tap on NETWORK's bridge.\n"
	  "For QEMU -netdev tap,ifname=TAP,script=no,downscript=no and Firecracker." },
	{ "detach", "TAP", 1, 1, NULL, cmd_detach,
	  "Remove a tap made by attach." },
	{ "port list", "NETWORK", 1, 1, NULL, cmd_port_list,
	  "List the taps attached to a network." },
	{ "events", "", 0, 0, events_opts, cmd_events,
	  "Print vnetd's events as they happen.\n"
	  "One line per event, or one JSON object per line with --json." },
	{ "status", "", 0, 0, NULL, cmd_status,
	  "Show vnetd's status." },
	{ NULL, NULL, 0, 0, NULL, NULL, NULL },
};

static const struct cmd_opt global_opts[] = {
	{ "socket", 's', "PATH", "vnetd's socket (default $VNET_SOCKET, else " CLIENT_DEFAULT_SOCKET ")" },
	{ "json", 'j', NULL, "print JSON instead of text" },
	{ "pretty", 'p', NULL, "print indented JSON (implies --json)" },
	{ "timeout", 't', "SECONDS", "wait at most this long for each answer (default 30; 0: forever)" },
	{ "help", 'h', NULL, "show help; after a command, that command's help" },
	{ "version", 'V', NULL, "show the version" },
	{ NULL, 0, NULL, NULL },
};

enum { G_SOCKET, G_JSON, G_PRETTY, G_TIMEOUT, G_HELP, G_VERSION };

int vnetctl_fail(struct vnetctl *ctl, const char *subject, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* vnetd's messages often name the object already; say it once. */
	if (subject && strncmp(msg, subject, strlen(subject)) != 0)
		fprintf(ctl->err, "vnetctl: %s: %s\n", subject, msg);
	else
		fprintf(ctl->err, "vnetctl: %s\n", msg);
	return VNETCTL_EXIT_FAIL;
}

static void opt_synopsis(FILE *f, const struct cmd_opt *opts)
{
	for (const struct cmd_opt *o = opts; o && o->name; o++) {
		if (o->arg)
			fprintf(f, " [--%s %s]", o->name, o->arg);
		else
			fprintf(f, " [--%s]", o->name);
	}
}

static void opt_help(FILE *f, const struct cmd_opt *opts)
{
	for (const struct cmd_opt *o = opts; o && o->name; o++) {
		char left[64];

		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		fprintf(f, "  %-24s %s\n", left, o->help);
	}
}

static void command_usage(FILE *f, const struct command *cmd)
{
	fprintf(f, "Usage: vnetctl [OPTIONS] %s", cmd->words);
	opt_synopsis(f, cmd->opts);
	fprintf(f, "%s%s\n", *cmd->synopsis ? " " : "", cmd->synopsis);
}

static void command_help(FILE *f, const struct command *cmd)
{
	command_usage(f, cmd);
	fprintf(f, "\n%s\n", cmd->help);
	if (cmd->opts && cmd->opts->name) {
		fprintf(f, "\nOptions:\n");
		opt_help(f, cmd->opts);
	}
}

/* Words of @cmd that match the start of @words; -1 when one differs. */
static int words_match(const char *cmdwords, char **words, int n)
{
	const char *s = cmdwords;
	int i = 0;

	while (*s) {
		size_t len = strcspn(s, " ");

		if (i >= n || strlen(words[i]) != len || strncmp(words[i], s, len) != 0)
			return i;
		i++;
		s += len;
		s += strspn(s, " ");
	}
	return i;
}

static int count_words(const char *s)
{
	int n = 1;

	for (; *s; s++)
		n += *s == ' ';
	return n;
}

/* List the commands whose words begin with @n of @words (all when n == 0). */
static void list_commands(FILE *f, char **words, int n)
{
	for (const struct command *c = vnetctl_commands; c->words; c++) {
		char line[256];
		size_t len;

		if (words_match(c->words, words, n) < n)
			continue;
		len = (size_t)snprintf(line, sizeof(line), "%s", c->words);
		if (c->opts && c->opts[0].name && c->opts[1].name && c->opts[2].name)
			len += (size_t)snprintf(line + len, sizeof(line) - len, " [OPTIONS]");
		else for (const struct cmd_opt *o = c->opts; o && o->name && len < sizeof(line); o++)
			len += (size_t)snprintf(line + len, sizeof(line) - len, " [--%s%s%s]", o->name,
						o->arg ? " " : "", o->arg ? o->arg : "");
		if (*c->synopsis && len < sizeof(line))
			snprintf(line + len, sizeof(line) - len, " %s", c->synopsis);
		/* Long synopses get the help on a line of its own. */
		if (strlen(line) <= 38)
			fprintf(f, "  %-38s  %.*s\n", line, (int)strcspn(c->help, "\n"), c->help);
		else
			fprintf(f, "  %s\n  %-38s  %.*s\n", line, "", (int)strcspn(c->help, "\n"),
				c->help);
	}
}

static void general_help(FILE *f)
{
	fprintf(f, "Usage: vnetctl [OPTIONS] COMMAND [ARGS]\n\n"
		   "Manage vnet's virtual networks through vnetd.\n\nCommands:\n");
	list_commands(f, NULL, 0);
	fprintf(f, "\nOptions (anywhere on the line):\n");
	opt_help(f, global_opts);
	fprintf(f, "\nExit status: 0 done, 1 vnetd refused (or another failure), 2 bad usage,\n"
		   "3 vnetd cannot be reached.\n");
}

int vnetctl_usage(struct vnetctl *ctl, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ctl->cmd) {
		fprintf(ctl->err, "vnetctl: %s: %s\n", ctl->cmd->words, msg);
		command_usage(ctl->err, ctl->cmd);
	} else {
		fprintf(ctl->err, "vnetctl: %s\n", msg);
	}
	return VNETCTL_EXIT_USAGE;
}

/*
 * Take option @arg (argv[*i]) if it is one of @opts: its index, with its
 * value in *val; -1 when it is not one of them; -2 (after a usage message)
 * when its value is missing or it takes none but got one.
 */
static int take_opt(struct vnetctl *ctl, const struct cmd_opt *opts, int argc, char **argv, int *i,
		    const char **val)
{
	const char *arg = argv[*i], *eq = NULL;
	int idx = -1;

	if (!opts)
		return -1;
	if (arg[0] == '-' && arg[1] == '-') {
		size_t len;

		eq = strchr(arg + 2, '=');
		len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		for (int k = 0; opts[k].name; k++)
			if (strlen(opts[k].name) == len && !strncmp(opts[k].name, arg + 2, len))
				idx = k;
	} else if (arg[0] == '-' && arg[1] && !arg[2]) {
		for (int k = 0; opts[k].name; k++)
			if (opts[k].short_name == arg[1])
				idx = k;
	}
	if (idx < 0)
		return -1;
	if (!opts[idx].arg) {
		if (eq) {
			vnetctl_usage(ctl, "option --%s takes no value", opts[idx].name);
			return -2;
		}
		*val = "";
		return idx;
	}
	if (eq) {
		*val = eq + 1;
		return idx;
	}
	if (*i + 1 >= argc) {
		vnetctl_usage(ctl, "option %s needs a value (%s)", arg, opts[idx].arg);
		return -2;
	}
	*val = argv[++*i];
	return idx;
}

static int parse_command_args(struct vnetctl *ctl, int argc, char **argv, struct cmd_args *a)
{
	const struct command *cmd = ctl->cmd;
	bool dashdash = false;

	memset(a, 0, sizeof(*a));
	for (int i = 0; i < argc; i++) {
		const char *val = NULL;
		int idx;

		if (!dashdash && !strcmp(argv[i], "--")) {
			dashdash = true;
			continue;
		}
		if (!dashdash && argv[i][0] == '-' && argv[i][1]) {
			idx = take_opt(ctl, cmd->opts, argc, argv, &i, &val);
			if (idx == -2)
				return VNETCTL_EXIT_USAGE;
			if (idx < 0)
				return vnetctl_usage(ctl, "unknown option '%s'", argv[i]);
			a->val[idx] = val;
			continue;
		}
		if (a->npos >= cmd->max_args || a->npos >= VNETCTL_MAX_ARGS)
			return vnetctl_usage(ctl, "unexpected argument '%s'", argv[i]);
		a->pos[a->npos++] = argv[i];
	}
	if (a->npos < cmd->min_args)
		return vnetctl_usage(ctl, "expected %s", cmd->synopsis);
	return 0;
}

static int parse_timeout(const char *s, int *ms)
{
	char *end;
	double sec;

	errno = 0;
	sec = strtod(s, &end);
	if (errno || end == s || *end || sec < 0 || sec > 86400)
		return -EINVAL;
	*ms = sec == 0 ? -1 : (int)(sec * 1000);
	if (*ms == 0)
		*ms = 1;
	return 0;
}

static int run(struct vnetctl *ctl, int argc, char **argv)
{
	const char *gval[VNETCTL_MAX_OPTS] = { 0 };
	const struct command *best = NULL;
	struct cmd_args a;
	char **rest;
	int nrest = 0, bestn = 0, r;
	bool dashdash = false;

	rest = calloc((size_t)argc + 1, sizeof(*rest));
	if (!rest)
		return vnetctl_fail(ctl, NULL, "out of memory");

	/* Global options may stand anywhere before "--"; the rest is the command. */
	for (int i = 1; i < argc; i++) {
		const char *val = NULL;
		int idx = -1;

		if (!strcmp(argv[i], "--"))
			dashdash = true;
		if (!dashdash && argv[i][0] == '-' && argv[i][1])
			idx = take_opt(ctl, global_opts, argc, argv, &i, &val);
		if (idx == -2) {
			r = VNETCTL_EXIT_USAGE;
			goto out;
		}
		if (idx >= 0)
			gval[idx] = val;
		else
			rest[nrest++] = argv[i];
	}

	if (gval[G_VERSION]) {
		fprintf(ctl->out, "vnetctl %s\n", PACKAGE_VERSION);
		r = 0;
		goto out;
	}
	ctl->socket = gval[G_SOCKET] ? gval[G_SOCKET] : getenv("VNET_SOCKET");
	if (!ctl->socket || !*ctl->socket)
		ctl->socket = CLIENT_DEFAULT_SOCKET;
	ctl->json = gval[G_JSON] || gval[G_PRETTY];
	ctl->pretty = gval[G_PRETTY];
	ctl->timeout_ms = 30000;
	if (gval[G_TIMEOUT] && parse_timeout(gval[G_TIMEOUT], &ctl->timeout_ms) < 0) {
		r = vnetctl_usage(ctl, "timeout '%s' is not a number of seconds (0 to 86400)",
				  gval[G_TIMEOUT]);
		goto out;
	}

	if (nrest > 0 && !strcmp(rest[0], "help")) {
		memmove(rest, rest + 1, (size_t)nrest * sizeof(*rest));
		nrest--;
		gval[G_HELP] = "";
	}

	for (const struct command *c = vnetctl_commands; c->words; c++) {
		int n = count_words(c->words);

		if (words_match(c->words, rest, nrest) == n && n > bestn) {
			best = c;
			bestn = n;
		}
	}

	if (!best) {
		int known = 0;

		/* How many leading words name a group of commands ("network", "dhcp host")? */
		for (const struct command *c = vnetctl_commands; c->words; c++) {
			int n = words_match(c->words, rest, nrest);

			if (n > known)
				known = n;
		}
		if (nrest == 0 || (known == nrest && gval[G_HELP])) {
			if (nrest == 0 && gval[G_HELP]) {
				general_help(ctl->out);
				r = 0;
			} else if (nrest == 0) {
				general_help(ctl->err);
				r = VNETCTL_EXIT_USAGE;
			} else {
				fprintf(ctl->out, "Commands:\n");
				list_commands(ctl->out, rest, known);
				r = 0;
			}
			goto out;
		}
		if (known == 0) {
			r = vnetctl_usage(ctl, "unknown command '%s'; see 'vnetctl --help'", rest[0]);
			goto out;
		}
		if (known == nrest)
			fprintf(ctl->err, "vnetctl: '%s%s%s' needs a command:\n", rest[0],
				known > 1 ? " " : "", known > 1 ? rest[1] : "");
		else
			fprintf(ctl->err, "vnetctl: unknown command '%s' after '%s%s%s'; one of:\n",
				rest[known], rest[0], known > 1 ? " " : "", known > 1 ? rest[1] : "");
		list_commands(ctl->err, rest, known);
		r = VNETCTL_EXIT_USAGE;
		goto out;
	}

	ctl->cmd = best;
	if (gval[G_HELP]) {
		command_help(ctl->out, best);
		r = 0;
		goto out;
	}
	r = parse_command_args(ctl, nrest - bestn, rest + bestn, &a);
	if (r)
		goto out;

	ctl->p = printer_new(ctl->out, ctl->json, ctl->pretty);
	if (!ctl->p) {
		r = vnetctl_fail(ctl, NULL, "out of memory");
		goto out;
	}
	r = best->fn(ctl, &a);
out:
	free(rest);
	return r;
}

int vnetctl_main(int argc, char **argv, FILE *out, FILE *err)
{
	struct vnetctl ctl = { .out = out, .err = err };
	int r;

	r = run(&ctl, argc, argv);
	printer_free(ctl.p);
	client_free(ctl.client);
	fflush(out);
	fflush(err);
	return r;
}

static int vnetctl_connect(struct vnetctl *ctl)
{
	int r;

	if (ctl->client)
		return 0;
	r = client_connect(ctl->socket, &ctl->client);
	if (r == -ENOENT || r == -ECONNREFUSED) {
		fprintf(ctl->err, "vnetctl: vnetd is not running (socket %s: %s)\n", ctl->socket,
			strerror(-r));
		return VNETCTL_EXIT_NOCONN;
	}
	if (r < 0) {
		fprintf(ctl->err, "vnetctl: cannot connect to vnetd (socket %s: %s)\n", ctl->socket,
			strerror(-r));
		return VNETCTL_EXIT_NOCONN;
	}
	client_set_timeout(ctl->client, ctl->timeout_ms);
	return 0;
}

int vnetctl_call(struct vnetctl *ctl, const char *subject, const char *method,
		 struct json_object *params, struct json_object **result)
{
	struct rpc_error err = { 0 };
	int r;

	*result = NULL;
	r = vnetctl_connect(ctl);
	if (r) {
		json_object_put(params);
		return r;
	}
	r = client_call(ctl->client, method, params, result, &err, NULL, 0, NULL);
	if (r == -EREMOTEIO) {
		const char *msg = err.message && *err.message ? err.message : err.reason;

		vnetctl_fail(ctl, subject, "%s", msg ? msg : "failed");
		rpc_error_clear(&err);
		return VNETCTL_EXIT_FAIL;
	}
	if (r < 0)
		return vnetctl_fail(ctl, subject ? subject : method, "%s", client_strerror(ctl->client));
	return 0;
}

struct json_object *vnetctl_params(const char *key, ...)
{
	struct json_object *o = json_object_new_object();
	va_list ap;

	va_start(ap, key);
	for (const char *k = key; k; k = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);

		if (v)
			json_object_object_add(o, k, json_object_new_string(v));
	}
	va_end(ap);
	return o;
}

const char *vnetctl_subject(const char *noun, const char *name)
{
	static char buf[320];

	snprintf(buf, sizeof(buf), "%s '%s'", noun, name);
	return buf;
}

struct json_object *vnetctl_result_list(struct json_object *result, const char *key)
{
	struct json_object *v;

	if (json_object_is_type(result, json_type_array))
		return result;
	if (json_object_is_type(result, json_type_object) &&
	    json_object_object_get_ex(result, key, &v) && json_object_is_type(v, json_type_array))
		return v;
	return NULL;
}

void vnetctl_print_result(struct vnetctl *ctl, struct json_object *result)
{
	if (result)
		print_value(ctl->p, PRINT_JSON, NULL, NULL, result);
}

static struct json_object *member_path(struct json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		size_t len = strcspn(path, ".");

		if (len >= sizeof(key) || !json_object_is_type(o, json_type_object))
			return NULL;
		memcpy(key, path, len);
		key[len] = '\0';
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += len;
		path += *path == '.';
	}
	return o;
}

static bool is_column_key(const struct column *cols, const char *key)
{
	for (const struct column *c = cols; c->path; c++)
		if (!strcmp(c->path, key) && c->kind == COLUMN_PLAIN)
			return true;
	return false;
}

static void print_cell(struct printer *p, const struct column *c, struct json_object *v)
{
	/* A top-level member shown as is prints once for both; the rest are text-only cells. */
	bool plain = !strchr(c->path, '.') && c->kind == COLUMN_PLAIN;
	char buf[64];

	if (!v) {
		print_null(p, PRINT_TEXT, c->path, NULL);
		return;
	}
	if (c->kind == COLUMN_ADDRESS && json_object_is_type(v, json_type_object) &&
	    !json_object_object_get_ex(v, "address", &v)) {
		print_null(p, PRINT_TEXT, c->path, NULL);
		return;
	}
	if (c->kind == COLUMN_TIME && json_object_is_type(v, json_type_int)) {
		time_t t = (time_t)json_object_get_int64(v);
		struct tm tm;

		if (gmtime_r(&t, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm)) {
			print_string(p, PRINT_TEXT, c->path, NULL, buf);
			return;
		}
	}
	print_value(p, plain ? PRINT_ANY : PRINT_TEXT, c->path, NULL, v);
}

void vnetctl_print_table(struct vnetctl *ctl, const char *key, struct json_object *list,
			 const struct column *cols)
{
	const char *headers[16];
	size_t n = 0;

	for (const struct column *c = cols; c->path && n + 1 < VNET_TOOLS_ARRAY_SIZE(headers); c++)
		headers[n++] = c->header;
	headers[n] = NULL;

	print_table_open(ctl->p, key, headers);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *row = json_object_array_get_idx(list, i);

		print_row_open(ctl->p);
		for (const struct column *c = cols; c->path; c++)
			print_cell(ctl->p, c, member_path(row, c->path));
		/* JSON keeps everything vnetd sent, not only what fits in columns. */
		if (json_object_is_type(row, json_type_object)) {
			json_object_object_foreach(row, k, v) {
				if (!is_column_key(cols, k))
					print_value(ctl->p, PRINT_JSON, k, NULL, v);
			}
		}
		print_row_close(ctl->p);
	}
	print_table_close(ctl->p);
}
