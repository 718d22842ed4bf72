/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Asking vnetd for a tap as an open fd, and wording its refusals in one line. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bridge-helper.h"
#include "client.h"

static int say(char *why, size_t whylen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int say(char *why, size_t whylen, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return code;
}

static bool reason_is(const struct rpc_error *err, const char *reason)
{
	return err->reason && !strcmp(err->reason, reason);
}

/* A string member of @o, or NULL. */
static const char *member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* vnetd's refusal of attach, in the words QEMU will show. */
static int say_refusal(const struct rpc_error *err, const char *network, char *why, size_t whylen)
{
	const char *msg = err->message ? err->message : "no reason given";

	/* JSON-RPC's "method not found": a vnetd from before attachments. */
	if (err->code == -32601)
		return say(why, whylen, BH_EXIT_FAIL, "vnetd does not support attach (%s)", msg);
	if (reason_is(err, "ENOENT") || reason_is(err, "ENODEV"))
		return say(why, whylen, BH_EXIT_FAIL, "no network with bridge or name '%s'", network);
	if (reason_is(err, "EACCES") || reason_is(err, "EPERM")) {
		const char *acl = err->data ? member(err->data, "acl") : NULL;

		return say(why, whylen, BH_EXIT_FAIL, "access denied by %s: %s",
			   acl ? acl : BH_DEFAULT_ACL, msg);
	}
	return say(why, whylen, BH_EXIT_FAIL, "vnetd refused a tap on '%s': %s", network, msg);
}

static void copy_member(struct json_object *o, const char *key, char *dst, size_t len)
{
	const char *s = member(o, key);

	snprintf(dst, len, "%s", s ? s : "");
}

/* A tap vnetd made but did not hand over would outlive us; give it back. */
static void detach_unsent(struct client *c, const char *tap)
{
	struct json_object *params = json_object_new_object();

	if (!params)
		return;
	json_object_object_add(params, "tap", json_object_new_string(tap));
	client_call(c, "detach", params, NULL, NULL, NULL, 0, NULL);
}

static struct json_object *attach_params(const struct bh_request *req)
{
	struct json_object *p = json_object_new_object();

	if (!p)
		return NULL;
	/* "network" takes a network's name or its bridge's name. */
	json_object_object_add(p, "network", json_object_new_string(req->network));
	json_object_object_add(p, "vnet_hdr", json_object_new_boolean(req->vnet_hdr));
	json_object_object_add(p, "return_fd", json_object_new_boolean(1));
	if (req->queues)
		json_object_object_add(p, "queues", json_object_new_int((int)req->queues));
	if (req->mac)
		json_object_object_add(p, "mac", json_object_new_string(req->mac));
	return p;
}

int bh_attach(const char *socket, const struct bh_request *req, struct bh_tap *tap,
	      char *why, size_t whylen)
{
	struct json_object *params, *result = NULL;
	struct rpc_error err = { 0 };
	struct client *c = NULL;
	size_t want = req->queues ? req->queues : 1;
	int r, ret;

	memset(tap, 0, sizeof(*tap));
	for (size_t i = 0; i < BH_MAX_QUEUES; i++)
		tap->fds[i] = -1;

	r = client_connect(socket, &c);
	if (r == -ENOENT || r == -ECONNREFUSED)
		return say(why, whylen, BH_EXIT_NOCONN, "vnetd is not running (socket %s)", socket);
	if (r < 0)
		return say(why, whylen, BH_EXIT_NOCONN, "cannot connect to vnetd (socket %s: %s)",
			   socket, strerror(-r));

	params = attach_params(req);
	if (!params) {
		ret = say(why, whylen, BH_EXIT_FAIL, "out of memory");
		goto out;
	}
	r = client_call(c, "attach", params, &result, &err, tap->fds, BH_MAX_QUEUES, &tap->nfds);
	if (r == -EREMOTEIO) {
		ret = say_refusal(&err, req->network, why, whylen);
		goto out;
	}
	if (r < 0) {
		ret = say(why, whylen, BH_EXIT_FAIL, "%s", client_strerror(c));
		goto out;
	}
	if (json_object_is_type(result, json_type_object)) {
		copy_member(result, "tap", tap->tap, sizeof(tap->tap));
		copy_member(result, "mac", tap->mac, sizeof(tap->mac));
		copy_member(result, "network", tap->network, sizeof(tap->network));
	}
	if (tap->nfds < want) {
		ret = say(why, whylen, BH_EXIT_FAIL,
			  "vnetd attached tap '%s' to '%s' but sent %zu of %zu fds; detached it again",
			  *tap->tap ? tap->tap : "?", req->network, tap->nfds, want);
		bh_tap_close(tap);
		if (*tap->tap)
			detach_unsent(c, tap->tap);
		goto out;
	}
	/* More than asked for is vnetd's mistake; ours to close. */
	for (size_t i = want; i < tap->nfds; i++) {
		close(tap->fds[i]);
		tap->fds[i] = -1;
	}
	tap->nfds = want;
	ret = BH_EXIT_OK;
out:
	if (ret != BH_EXIT_OK)
		bh_tap_close(tap);
	json_object_put(result);
	rpc_error_clear(&err);
	client_free(c);
	return ret;
}

void bh_tap_close(struct bh_tap *tap)
{
	for (size_t i = 0; i < tap->nfds; i++) {
		if (tap->fds[i] >= 0)
			close(tap->fds[i]);
		tap->fds[i] = -1;
	}
	tap->nfds = 0;
}
