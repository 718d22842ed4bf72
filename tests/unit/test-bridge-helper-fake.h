/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A fake vnetd for the bridge helper's tests: a JSON-RPC server on a socket
 * in a temporary directory, on a thread of the test, that records every
 * request and lets the test decide each answer, with fds passed back as
 * SCM_RIGHTS the way vnetd returns taps.
 */
#ifndef VNET_TEST_BRIDGE_HELPER_FAKE_H
#define VNET_TEST_BRIDGE_HELPER_FAKE_H

#include <stdbool.h>
#include <json-c/json.h>

#define FAKE_MAX_FDS 16

/* One answer, filled by the test's callback. */
struct fake_reply {
	struct json_object *result;  /* taken; the answer when code is 0 */
	int code;                    /* JSON-RPC error code, 0 for a result */
	char message[256];
	const char *reason;          /* data.reason ("ENOENT"), or NULL */
	struct json_object *data;    /* taken; more members of data, or NULL */
	int fds[FAKE_MAX_FDS];       /* sent with the answer, then closed by the fake */
	int nfds;
	bool hangup;                 /* close the connection instead of answering */
};

struct fake;

/* The test's answer to @method with @params (may be NULL). */
typedef void (*fake_answer_fn)(struct fake *f, const char *method, struct json_object *params,
			       struct fake_reply *reply);

/* fake_start - listen on DIR/vnetd.sock in a new temporary directory. */
struct fake *fake_start(fake_answer_fn answer, void *user);
/* fake_stop - stop the thread, remove the directory, free. */
void fake_stop(struct fake *f);

const char *fake_socket(const struct fake *f);
const char *fake_dir(const struct fake *f);
void *fake_user(const struct fake *f);

/* fake_nrequests - how many requests arrived so far. */
int fake_nrequests(struct fake *f);
/* fake_request - request @i as {"method":..,"params":..} (caller puts), or NULL. */
struct json_object *fake_request(struct fake *f, int i);

#endif
