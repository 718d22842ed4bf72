/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by vnet's tests: a private namespace per test program, throwaway
 * named namespaces, running commands, reading `ip -j` output, and skips that
 * say which kernel feature is missing.
 */
#ifndef VNET_TESTLIB_H
#define VNET_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>
#include <CUnit/CUnit.h>

/* automake's code for a skipped test */
#define TL_EXIT_SKIP 77

/*
 * tl_init_root - for integration tests: skip unless root, then move this
 * process into a new network and mount namespace of its own (mounts made
 * private, a tmpfs over /run/netns), so nothing the test does is visible
 * on the host and every namespace it names vanishes when it exits.
 */
void tl_init_root(void);

/* tl_skip_feature - exit 77 saying which kernel feature is missing. */
void tl_skip_feature(const char *feature, const char *why) __attribute__((noreturn));

/* tl_name - "<prefix><6 random hex digits>" in a static rotating buffer. */
const char *tl_name(const char *prefix);

/*
 * tl_netns_add - create /run/netns/<name> (random name from @prefix) with lo
 * up; returns the name (static rotating buffer; copy it if kept).
 */
const char *tl_netns_add(const char *prefix);

/* tl_run - run a shell command (printf-style); returns its exit status, -1 on signal. */
int tl_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* tl_capture - run a shell command and return its stdout (malloc'd, caller frees). */
char *tl_capture(int *status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* tl_json - run a command whose stdout is JSON and parse it (caller puts it). */
struct json_object *tl_json(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* tl_ip_link - `ip -d -j link show DEV` in namespace @ns (NULL: ours): the one object, or NULL. */
struct json_object *tl_ip_link(const char *ns, const char *dev);

/* Small accessors on json objects: NULL/0/"" when the path is absent. */
struct json_object *tl_jget(struct json_object *o, const char *path);   /* "a.b.c" */
const char *tl_jstr(struct json_object *o, const char *path);
long long tl_jint(struct json_object *o, const char *path);

/* tl_kernel_can - probe a feature inside this test's namespace by running a command. */
bool tl_kernel_can(const char *cmd);

/* tl_run_suite - run a CUnit suite table; exit code 0 when every assertion passed. */
int tl_run_suites(CU_SuiteInfo *suites);

#endif
