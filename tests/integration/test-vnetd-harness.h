/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What vnetd's integration tests share: a real vnetd started in the test's
 * private namespace with tmpfs directories, and a small JSON-RPC client.
 */
#ifndef VNET_TEST_VNETD_HARNESS_H
#define VNET_TEST_VNETD_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>
#include <json-c/json.h>

struct vd {
	pid_t pid;
	char dir[64];          /* tmpfs: etc/ run/ state/ vnetd.sock vnetd.log */
	char sock[128];
	char log[128];
	const char *extra_args;  /* appended to the command line, or NULL */
	const char *netns;       /* run it in this named namespace, NULL: the test's */
};

/* vd_setup - a tmpfs under /tmp (private mount namespace) with the dirs. */
void vd_setup(struct vd *vd);
/* vd_start - start vnetd and wait until its socket answers; false on failure. */
bool vd_start(struct vd *vd);
/* vd_stop - send @sig and reap it; returns the wait status. */
int vd_stop(struct vd *vd, int sig);
/* vd_dump_log - print the daemon's log (on failure). */
void vd_dump_log(const struct vd *vd);

struct vc;

/* vc_connect - connect to @path; NULL (errno set) on failure. */
struct vc *vc_connect(const char *path);
void vc_close(struct vc *c);
int vc_fd(const struct vc *c);
/* vc_send_raw - send bytes as they are. */
bool vc_send_raw(struct vc *c, const char *data, size_t len);
/* vc_read_msg - the next JSON line within @timeout_ms, or NULL. */
struct json_object *vc_read_msg(struct vc *c, int timeout_ms);
/*
 * vc_call - send a request with a fresh id and return the response with that
 * id (notifications that arrive meanwhile are kept for vc_next_event).
 * @params is a JSON text or NULL.
 */
struct json_object *vc_call(struct vc *c, const char *method, const char *params);
/* vc_callf - vc_call with a printf-style params text. */
struct json_object *vc_callf(struct vc *c, const char *method, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* vc_next_event - the next notification within @timeout_ms, or NULL. */
struct json_object *vc_next_event(struct vc *c, int timeout_ms);
/* vc_wait_event - skip notifications until one whose params.event is @event. */
struct json_object *vc_wait_event(struct vc *c, const char *event, int timeout_ms);

/*
 * ok - assert a response carries a result and return it (borrowed from @resp);
 * err_is - assert an error with data.reason @reason whose message contains
 * @part (NULL: anything). Both print the response when it is not as expected.
 */
struct json_object *ok(struct json_object *resp);
bool err_is(struct json_object *resp, const char *reason, const char *part);

/* One-shot helpers on a fresh connection to @vd. */
struct json_object *vd_call(struct vd *vd, const char *method, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* wait_until - run a shell command every 50 ms until it exits 0; false after @ms. */
bool wait_until(int ms, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
