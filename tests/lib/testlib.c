/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <CUnit/Basic.h>

#include "testlib.h"

void tl_skip_feature(const char *feature, const char *why)
{
	printf("SKIP: kernel feature missing: %s (%s)\n", feature, why);
	fflush(stdout);
	exit(TL_EXIT_SKIP);
}

void tl_init_root(void)
{
	if (geteuid() != 0) {
		printf("SKIP: needs root (network namespaces)\n");
		exit(TL_EXIT_SKIP);
	}
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) {
		fprintf(stderr, "unshare: %s\n", strerror(errno));
		exit(99);
	}
	/* Without this, mounts below would propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(stderr, "make / private: %s\n", strerror(errno));
		exit(99);
	}
	mkdir("/run/netns", 0755);
	if (mount("tmpfs", "/run/netns", "tmpfs", 0, "mode=0755,size=1m") < 0) {
		fprintf(stderr, "tmpfs on /run/netns: %s\n", strerror(errno));
		exit(99);
	}
	if (tl_run("ip link set lo up") != 0)
		exit(99);
	setvbuf(stdout, NULL, _IOLBF, 0);
}

const char *tl_name(const char *prefix)
{
	static char bufs[8][32];
	static unsigned int next;
	char *b = bufs[next++ % 8];
	unsigned char r[3];

	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		memset(r, 0x5a, sizeof(r));
	snprintf(b, sizeof(bufs[0]), "%s%02x%02x%02x", prefix, r[0], r[1], r[2]);
	return b;
}

const char *tl_netns_add(const char *prefix)
{
	const char *name = tl_name(prefix);

	if (tl_run("ip netns add %s && ip -n %s link set lo up", name, name) != 0) {
		fprintf(stderr, "cannot create namespace %s\n", name);
		exit(99);
	}
	return name;
}

static int wait_status(int st)
{
	if (st == -1)
		return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return -1;
}

int tl_run(const char *fmt, ...)
{
	char *cmd;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	fflush(stdout);
	r = wait_status(system(cmd));
	free(cmd);
	return r;
}

static char *vcapture(int *status, const char *fmt, va_list ap)
{
	char *cmd, *out = NULL;
	size_t len = 0, cap = 0;
	char chunk[4096];
	size_t n;
	FILE *f;

	if (vasprintf(&cmd, fmt, ap) < 0)
		return NULL;
	fflush(stdout);
	f = popen(cmd, "r");
	free(cmd);
	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			out = realloc(out, cap);
			if (!out)
				abort();
		}
		memcpy(out + len, chunk, n);
		len += n;
	}
	if (!out)
		out = calloc(1, 1);
	else
		out[len] = '\0';
	n = (size_t)wait_status(pclose(f));
	if (status)
		*status = (int)n;
	return out;
}

char *tl_capture(int *status, const char *fmt, ...)
{
	va_list ap;
	char *out;

	va_start(ap, fmt);
	out = vcapture(status, fmt, ap);
	va_end(ap);
	return out;
}

struct json_object *tl_json(const char *fmt, ...)
{
	struct json_object *o;
	va_list ap;
	char *out;
	int st;

	va_start(ap, fmt);
	out = vcapture(&st, fmt, ap);
	va_end(ap);
	if (!out)
		return NULL;
	o = st == 0 ? json_tokener_parse(out) : NULL;
	free(out);
	return o;
}

struct json_object *tl_ip_link(const char *ns, const char *dev)
{
	struct json_object *arr, *one;

	if (ns)
		arr = tl_json("ip -n %s -d -j link show dev %s 2>/dev/null", ns, dev);
	else
		arr = tl_json("ip -d -j link show dev %s 2>/dev/null", dev);
	if (!arr)
		return NULL;
	if (!json_object_is_type(arr, json_type_array) || json_object_array_length(arr) != 1) {
		json_object_put(arr);
		return NULL;
	}
	one = json_object_get(json_object_array_get_idx(arr, 0));
	json_object_put(arr);
	return one;
}

struct json_object *tl_jget(struct json_object *o, const char *path)
{
	char key[128];
	const char *p = path;

	while (o && *p) {
		size_t n = strcspn(p, ".");

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		p += n;
		if (*p == '.')
			p++;
	}
	return o;
}

const char *tl_jstr(struct json_object *o, const char *path)
{
	struct json_object *v = tl_jget(o, path);

	return v ? json_object_get_string(v) : "";
}

long long tl_jint(struct json_object *o, const char *path)
{
	struct json_object *v = tl_jget(o, path);

	return v ? json_object_get_int64(v) : 0;
}

bool tl_kernel_can(const char *cmd)
{
	return tl_run("%s >/dev/null 2>&1", cmd) == 0;
}

int tl_run_suites(CU_SuiteInfo *suites)
{
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 99;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		CU_cleanup_registry();
		return 99;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_tests_failed() + CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
