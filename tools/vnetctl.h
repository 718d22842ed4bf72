/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vnetctl: the command table, the shared state of one run, helpers for commands. */
#ifndef VNET_TOOLS_VNETCTL_H
#define VNET_TOOLS_VNETCTL_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

#include "client.h"
#include "print.h"

/* Exit codes, documented in docs/vnetctl.md. */
enum {
	VNETCTL_EXIT_OK = 0,
	VNETCTL_EXIT_FAIL = 1,    /* vnetd refused, or a local failure (file, reply) */
	VNETCTL_EXIT_USAGE = 2,   /* bad command line; nothing was sent */
	VNETCTL_EXIT_NOCONN = 3,  /* cannot connect to vnetd */
};

#define VNET_TOOLS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define VNETCTL_MAX_OPTS 8
#define VNETCTL_MAX_ARGS 8

/* A command's option: --name [ARG] or -s [ARG]; a flag when arg is NULL. */
struct cmd_opt {
	const char *name;
	char short_name;
	const char *arg;
	const char *help;
};

/* What the command line gave a command, checked against its table entry. */
struct cmd_args {
	const char *pos[VNETCTL_MAX_ARGS];
	int npos;
	const char *val[VNETCTL_MAX_OPTS]; /* parallel to the command's opts; "" for a flag given */
};

struct vnetctl;

struct command {
	const char *words;      /* "network list", "dhcp host add" */
	const char *synopsis;   /* positional arguments, "NETWORK PROTO PORT[-PORT] TO[:TOPORT]" */
	int min_args, max_args;
	const struct cmd_opt *opts; /* terminated by a NULL name; may be NULL */
	int (*fn)(struct vnetctl *ctl, const struct cmd_args *a);
	const char *help;
};

struct vnetctl {
	FILE *out, *err;
	const char *socket;
	bool json, pretty;
	int timeout_ms;
	struct printer *p;
	struct client *client;  /* connected on first call */
	const struct command *cmd;
};

/*
 * vnetctl_main - run one command line (argv[0] is the program) printing to
 * @out and @err; returns the exit code. main() and the tests call this.
 */
int vnetctl_main(int argc, char **argv, FILE *out, FILE *err);

/* vnetctl_usage - "vnetctl: WORDS: why" and the command's usage on err; returns 2. */
int vnetctl_usage(struct vnetctl *ctl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* vnetctl_fail - "vnetctl: SUBJECT: why" on err; returns 1. @subject may be NULL. */
int vnetctl_fail(struct vnetctl *ctl, const char *subject, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * vnetctl_call - call @method with @params (taken), connecting first if
 * needed. On success returns 0 and *result (caller puts; may be NULL). On
 * failure prints "vnetctl: SUBJECT: <vnetd's message>" and returns the exit
 * code (1, or 3 when vnetd cannot be reached).
 */
int vnetctl_call(struct vnetctl *ctl, const char *subject, const char *method,
		 struct json_object *params, struct json_object **result);

/* vnetctl_params - a params object from key/string pairs, NULL-terminated; NULL values skipped. */
struct json_object *vnetctl_params(const char *key, ...) __attribute__((sentinel));

/* vnetctl_subject - "network 'NAME'" in a static buffer (one at a time is enough). */
const char *vnetctl_subject(const char *noun, const char *name);

/* The list a reply carries: @result itself when an array, else its member @key. */
struct json_object *vnetctl_result_list(struct json_object *result, const char *key);

/* A column of a listing: a member path ("ipv4.address") and its header. */
enum column_kind {
	COLUMN_PLAIN,
	COLUMN_TIME,            /* seconds since the epoch, shown as UTC date and time */
	COLUMN_ADDRESS,         /* a string, or an object whose "address" is shown */
};

struct column {
	const char *path;
	const char *header;
	enum column_kind kind;
};

/*
 * vnetctl_print_table - one table from a list of objects: text shows @cols
 * (NULL-path terminated); JSON shows every member the daemon sent.
 */
void vnetctl_print_table(struct vnetctl *ctl, const char *key, struct json_object *list,
			 const struct column *cols);

/* vnetctl_print_result - JSON: the daemon's result as is (nothing if null). */
void vnetctl_print_result(struct vnetctl *ctl, struct json_object *result);

/* Parsers shared by commands and tests. Return 0, or -EINVAL with @why filled. */
int vnetctl_parse_port(const char *s, struct json_object **port, char *why, size_t len);
int vnetctl_parse_target(const char *s, char **addr, struct json_object **port, char *why,
			 size_t len);

/* The table, the commands and their options (indices into cmd_args.val). */
extern const struct command vnetctl_commands[];

extern const struct cmd_opt network_list_opts[];   /* 0: --names */
extern const struct cmd_opt create_default_opts[]; /* 0: --name, 1: --bridge, 2: --no-start */
extern const struct cmd_opt forward_opts[];        /* 0: --address */
extern const struct cmd_opt dhcp_host_opts[];      /* 0: --name */
extern const struct cmd_opt attach_opts[];         /* see vnetctl-port.c */
extern const struct cmd_opt events_opts[];         /* 0: --count */

int cmd_network_list(struct vnetctl *ctl, const struct cmd_args *a);
int cmd_network_info(struct vnetctl *ctl, const struct cmd_args *a);
int cmd_network_define(struct vnetctl *ctl, const struct cmd_args *a);
int cmd_network_undefine(struct vnetctl *ctl, const struct cmd_args *a);
int cmd_network_start(struct vnetctl *ctl, const struct cmd_args *a);
int cmd_network_stop(struct vnetctl *ctl, const struct cmd_args *a);
int cmd_network_create_default(struct vnetctl *ctl, const struct cmd_args *a);
int cmd_forward_add(struct vnetctl *ctl, const struct cmd_args *a);
int cmd_forward_remove(struct vnetctl *ctl, const struct cmd_args *a);
int cmd_forward_list(struct vnetctl *ctl, const struct cmd_args *a);
int cmd_dhcp_host_add(struct vnetctl *ctl, const struct cmd_args *a);
int cmd_dhcp_host_remove(struct vnetctl *ctl, const struct cmd_args *a);
int cmd_dns_host_add(struct vnetctl *ctl, const struct cmd_args *a);
int cmd_dns_host_remove(struct vnetctl *ctl, const struct cmd_args *a);
int cmd_lease_list(struct vnetctl *ctl, const struct cmd_args *a);
int cmd_attach(struct vnetctl *ctl, const struct cmd_args *a);
int cmd_detach(struct vnetctl *ctl, const struct cmd_args *a);
int cmd_port_list(struct vnetctl *ctl, const struct cmd_args *a);
int cmd_status(struct vnetctl *ctl, const struct cmd_args *a);
int cmd_events(struct vnetctl *ctl, const struct cmd_args *a);

#endif
