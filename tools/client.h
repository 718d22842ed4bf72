/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small JSON-RPC 2.0 client for vnetd's control socket: one JSON object per
 * line on a Unix stream socket, with open file descriptors (taps) passed back
 * as SCM_RIGHTS. Shared by vnetctl and vnet-bridge-helper.
 *
 * Every fallible call returns 0 or a negative errno:
 *   -EREMOTEIO  the daemon answered with a JSON-RPC error (see struct rpc_error)
 *   -EBADMSG    the daemon sent something that is not a JSON-RPC message
 *   -ECONNRESET the daemon closed the connection
 *   -ETIMEDOUT  no answer within the client's timeout
 * and client_strerror() says in words what went wrong locally.
 */
#ifndef VNET_TOOLS_CLIENT_H
#define VNET_TOOLS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#define CLIENT_DEFAULT_SOCKET "/run/vnet/vnetd.sock"
/* Lines longer than this are refused rather than buffered without end. */
#define CLIENT_MAX_LINE (16u << 20)
/* Descriptors kept from one reply; more are closed. */
#define CLIENT_MAX_FDS 16

struct client;

/* A JSON-RPC error object as the daemon sent it. */
struct rpc_error {
	int code;               /* JSON-RPC code (-32601, ...) */
	char *message;          /* the daemon's message, never NULL after an error */
	char *reason;           /* data.reason ("EEXIST", ...), or NULL */
	struct json_object *data; /* the whole data member, or NULL */
};

/* rpc_error_clear - free what an error holds; safe on a zeroed or cleared one. */
void rpc_error_clear(struct rpc_error *err);

/*
 * client_connect - connect to the daemon's socket at @path.
 * Returns 0 and *out, or a negative errno from socket()/connect() (the
 * caller decides how to word "not running"); no client is allocated then.
 */
int client_connect(const char *path, struct client **out);

/* client_free - close the socket, any unclaimed fds, and free; NULL is fine. */
void client_free(struct client *c);

/* client_set_timeout - milliseconds to wait for each reply; -1 waits forever (default 30000). */
void client_set_timeout(struct client *c, int timeout_ms);

/* client_fd - the socket, for poll(). */
int client_fd(const struct client *c);

/* client_strerror - words for the last local failure ("vnetd closed the connection"). */
const char *client_strerror(const struct client *c);

/*
 * client_call - send request @method with @params (taken, may be NULL for
 * no params) and wait for its reply.
 * On success *result holds the result (caller puts it; may be NULL for a
 * JSON null). On -EREMOTEIO @err is filled (if not NULL).
 * Descriptors that came with the reply are stored in @fds (up to @max_fds,
 * the rest closed) and counted in *nfds; pass NULL/0/NULL to close them all.
 * Notifications that arrive before the reply are queued for client_next().
 */
int client_call(struct client *c, const char *method, struct json_object *params,
		struct json_object **result, struct rpc_error *err,
		int *fds, size_t max_fds, size_t *nfds);

/*
 * client_next - the next notification ({"method":..,"params":..}); waits
 * for it (with the client's timeout). *msg is the whole message, caller puts it.
 */
int client_next(struct client *c, struct json_object **msg);

/* Building blocks, exposed for tests and for the bridge helper. */

/* client_format_request - the request line (with '\n') for @id; caller frees. */
char *client_format_request(int id, const char *method, struct json_object *params);

/*
 * client_parse_error - fill @err from a JSON-RPC error object; returns
 * -EBADMSG (with err->message saying why) when it is not one.
 */
int client_parse_error(struct json_object *error, struct rpc_error *err);

#endif
