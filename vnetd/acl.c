/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The attach ACL, in the syntax of QEMU's /etc/qemu/bridge.conf so that one
 * habit serves both: "allow NAME", "deny NAME", "all" for every network,
 * "include PATH", '#' comments. A matching deny wins over any allow; what no
 * rule allows is denied. NAME is a network's name or its bridge's name.
 * Read at every check: an edit takes effect without a reload.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vnetd.h"
#include "attach.h"

#define ACL_INCLUDE_DEPTH 8

struct acl_result {
	bool allowed, denied;
	char rule[PATH_MAX + 64];   /* the deciding rule, "FILE:LINE: deny x" */
};

/* Messages may be cut at the buffer's end; that is fine for a reason. */
__attribute__((format(printf, 2, 3)))
static void say(struct vnet_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static bool matches(const char *word, const struct vnetd_network *net)
{
	return !strcmp(word, "all") || !strcmp(word, net->name) || !strcmp(word, net->bridge);
}

static int acl_read(const char *path, const struct vnetd_network *net, int depth,
		    struct acl_result *res, struct vnet_error *err)
{
	char line[1024];
	unsigned lineno = 0;
	FILE *f;
	int r = 0;

	if (depth > ACL_INCLUDE_DEPTH) {
		snprintf(err->msg, sizeof(err->msg), "%s: includes nested deeper than %d", path,
			 ACL_INCLUDE_DEPTH);
		return -ELOOP;
	}
	f = fopen(path, "re");
	if (!f) {
		/* no file: nothing is allowed */
		if (errno == ENOENT && depth == 0)
			return 0;
		r = -errno;
		snprintf(err->msg, sizeof(err->msg), "cannot read ACL %s: %s", path, strerror(errno));
		return r;
	}
	while (fgets(line, sizeof(line), f)) {
		char *cmd, *arg, *extra, *save = NULL, *hash;

		lineno++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		cmd = strtok_r(line, " \t\r\n", &save);
		if (!cmd)
			continue;
		arg = strtok_r(NULL, " \t\r\n", &save);
		extra = strtok_r(NULL, " \t\r\n", &save);
		if (!arg || extra || (strcmp(cmd, "allow") && strcmp(cmd, "deny") && strcmp(cmd, "include"))) {
			/* a broken ACL denies rather than guesses */
			snprintf(err->msg, sizeof(err->msg),
				 "%s:%u: not understood; lines are 'allow NAME|all', 'deny NAME|all' or 'include PATH'",
				 path, lineno);
			r = -EINVAL;
			break;
		}
		if (!strcmp(cmd, "include")) {
			r = acl_read(arg, net, depth + 1, res, err);
			if (r < 0)
				break;
			continue;
		}
		if (!matches(arg, net))
			continue;
		if (!strcmp(cmd, "deny")) {
			if (!res->denied)
				snprintf(res->rule, sizeof(res->rule), "%s:%u: deny %s", path, lineno, arg);
			res->denied = true;
		} else {
			res->allowed = true;
		}
	}
	fclose(f);
	return r;
}

int acl_check(struct vnetd *d, const struct vnetd_network *net, char *path, size_t pathlen,
	      struct vnet_error *err)
{
	struct acl_result res = { false, false, "" };
	int r;

	snprintf(path, pathlen, "%s/bridge.conf", d->config_dir);
	r = acl_read(path, net, 0, &res, err);
	if (r < 0) {
		char why[sizeof(err->msg)];

		memcpy(why, err->msg, sizeof(why));
		say(err, "attaching to network '%s' is denied: %s", net->name, why);
		return -EACCES;
	}
	if (res.denied) {
		say(err, "attaching to network '%s' is denied by %s", net->name, res.rule);
		return -EACCES;
	}
	if (!res.allowed) {
		say(err, "attaching to network '%s' is not allowed: no 'allow %s', 'allow %s' or 'allow all' in %s "
		    "(only root and the group 'vnet' may attach anywhere)",
		    net->name, net->name, net->bridge, path);
		return -EACCES;
	}
	return 0;
}
