/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fw-apply-bench [MAX] - the cost of one vnet_fw_apply as networks add up,
 * the way vnetd calls it: the whole table each time, one network more.
 *
 * In a private network namespace (root), applies 1, 2, ..., MAX NAT networks
 * (10.A.B.1/24, one forward each) one after another and prints, at
 * N = 10, 100, 1000 (and MAX), the mean wall time of the applies that took
 * the table to N (the 5 up to N), then the cost at MAX of: an apply that
 * changes nothing, one that changes one network's forward (map elements
 * only), one that changes its subnet (its elements), one that removes a
 * network in the middle and one that adds it back.
 *
 * Under valgrind --tool=callgrind --collect-atstart=no each of those
 * applies is collected on its own and dumped as "apply ..." (the count that
 * does not depend on load): callgrind_annotate per dump, or
 * tests/bench/fw-apply-bench.sh, which runs it and prints instructions per
 * apply.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vnet/vnet.h>

#include "testlib.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_DUMP_STATS_AT(s) ((void)(s))
#endif

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

struct net {
	char name[16], bridge[16];
	struct vnet_prefix sub;
	struct vnet_fw_forward fwd;
};

static void make(struct net *m, struct vnet_fw_network *n, int i)
{
	char s[32];

	snprintf(m->name, sizeof(m->name), "n%d", i);
	snprintf(m->bridge, sizeof(m->bridge), "vs%d", i);
	snprintf(s, sizeof(s), "10.%d.%d.1/24", i / 250 + 100, i % 250);
	vnet_prefix_parse("bench", s, &m->sub, NULL);
	snprintf(s, sizeof(s), "10.%d.%d.10", i / 250 + 100, i % 250);
	m->fwd = (struct vnet_fw_forward){ .proto = IPPROTO_TCP, .port = (uint16_t)(10000 + i),
					   .to_port = 22 };
	vnet_prefix_parse("bench", s, &m->fwd.to, NULL);
	*n = (struct vnet_fw_network){ .name = m->name, .bridge = m->bridge, .mode = VNET_FW_NAT,
				       .subnets = &m->sub, .n_subnets = 1, .forwards = &m->fwd,
				       .n_forwards = 1 };
}

/* One apply, timed, collected by callgrind on its own when @label is set. */
static double apply(struct vnet_ctx *ctx, const struct vnet_fw_network *v, size_t n,
		    const char *label)
{
	struct vnet_fw_spec spec = { v, n };
	double t0, t;
	int r;

	if (label)
		CALLGRIND_TOGGLE_COLLECT;
	t0 = now_us();
	r = vnet_fw_apply(ctx, &spec);
	t = now_us() - t0;
	if (label) {
		CALLGRIND_TOGGLE_COLLECT;
		CALLGRIND_DUMP_STATS_AT(label);
	}
	if (r < 0) {
		fprintf(stderr, "apply of %zu networks: %s\n", n, vnet_ctx_errmsg(ctx));
		exit(1);
	}
	return t;
}

static bool point(size_t n, size_t max)
{
	return n == 10 || n == 100 || n == 1000 || n == max;
}

int main(int argc, char **argv)
{
	size_t max = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
	struct vnet_fw_network *v, keep;
	struct vnet_ctx *ctx;
	struct net *m;
	double window = 0, t;
	char label[64];

	if (max < 10 || max > 60000) {
		fprintf(stderr, "usage: fw-apply-bench [MAX (10..60000)]\n");
		return 2;
	}
	tl_init_root();
	m = calloc(max, sizeof(*m));
	v = calloc(max, sizeof(*v));
	if (!m || !v || vnet_ctx_new(&ctx, NULL, NULL) < 0)
		return 1;
	for (size_t i = 0; i < max; i++)
		make(&m[i], &v[i], (int)i + 1);

	printf("%8s %14s %14s\n", "networks", "apply to N", "mean N-4..N");
	for (size_t n = 1; n <= max; n++) {
		bool at = point(n, max);

		if (at)
			snprintf(label, sizeof(label), "apply add N=%zu", n);
		t = apply(ctx, v, n, at ? label : NULL);
		/* mean of the 5 applies up to N: less noise than one */
		window = n % 5 == 1 || n < 5 ? t : window + t;
		if (at)
			printf("%8zu %11.1f us %11.1f us\n", n, t, window / (double)((n - 1) % 5 + 1));
	}

	t = apply(ctx, v, max, "apply nothing");
	printf("at %zu: apply that changes nothing %.1f us\n", max, t);
	m[max / 2].fwd.to_port = 23;
	t = apply(ctx, v, max, "apply change one forward");
	printf("at %zu: apply that changes one forward %.1f us\n", max, t);
	m[max / 2].sub.len = 25;
	t = apply(ctx, v, max, "apply change one subnet");
	printf("at %zu: apply that changes one subnet %.1f us\n", max, t);
	/* remove the network in the middle: the spec without it, then with it again */
	keep = v[max / 2];
	memmove(&v[max / 2], &v[max / 2 + 1], (max - max / 2 - 1) * sizeof(*v));
	t = apply(ctx, v, max - 1, "apply remove middle");
	printf("at %zu: apply that removes the middle network %.1f us\n", max, t);
	memmove(&v[max / 2 + 1], &v[max / 2], (max - max / 2 - 1) * sizeof(*v));
	v[max / 2] = keep;
	t = apply(ctx, v, max, "apply add middle");
	printf("at %zu: apply that adds it back %.1f us\n", max, t);

	vnet_fw_delete(ctx);
	vnet_ctx_unref(ctx);
	free(m);
	free(v);
	return 0;
}
