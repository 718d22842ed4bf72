/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fw-commit N REPS — what one network's start and stop cost in table inet
 * vnet when N networks are already there (issue 5). Applies N NAT networks
 * (10.A.B.1/24), then REPS times starts and stops network N+1 through
 * vnet_fw_apply, and prints the median and minimum wall and CPU time of
 * each. Run it in a namespace of its own; the kernel's share (the commit)
 * is the batch's sendto under strace -T:
 *
 *   cc -O2 -Ilibvnet/include -o /tmp/fw-commit tests/bench/fw-commit.c \
 *      -Llibvnet/.libs -lvnet -Wl,-rpath,$PWD/libvnet/.libs
 *   unshare -n /tmp/fw-commit 1000 41
 *   unshare -n strace -f -T -e trace=sendto -o /tmp/st /tmp/fw-commit 1000 41
 *   grep BATCH_BEGIN /tmp/st | tail -82     # odd lines: starts, even: stops
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vnet/vnet.h>

static double us(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Apply @spec; its wall and CPU time into @w and @c. */
static int timed(struct vnet_ctx *ctx, const struct vnet_fw_spec *spec, double *w, double *c)
{
	double w0 = us(CLOCK_MONOTONIC), c0 = us(CLOCK_PROCESS_CPUTIME_ID);

	if (vnet_fw_apply(ctx, spec) < 0) {
		fprintf(stderr, "fw-commit: %s\n", vnet_ctx_errmsg(ctx));
		return -1;
	}
	*w = us(CLOCK_MONOTONIC) - w0;
	*c = us(CLOCK_PROCESS_CPUTIME_ID) - c0;
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000, reps = argc > 2 ? atoi(argv[2]) : 21;
	struct vnet_fw_network *nets;
	struct vnet_prefix *subs;
	char (*names)[16];
	double *t[4];
	struct vnet_fw_spec spec;
	struct vnet_ctx *ctx;
	double w, c;

	if (n < 1 || reps < 1 || n > 65000) {
		fprintf(stderr, "usage: fw-commit N REPS (1 <= N <= 65000)\n");
		return 64;
	}
	nets = calloc((size_t)n + 1, sizeof(*nets));
	subs = calloc((size_t)n + 1, sizeof(*subs));
	names = calloc((size_t)n + 1, sizeof(*names));
	for (int i = 0; i < 4; i++)
		t[i] = calloc((size_t)reps, sizeof(double));
	if (!nets || !subs || !names || !t[0] || !t[1] || !t[2] || !t[3] ||
	    vnet_ctx_new(&ctx, NULL, NULL) < 0)
		return 1;
	for (int i = 0; i <= n; i++) {
		char a[32];

		snprintf(names[i], sizeof(names[i]), "vb%d", i);
		snprintf(a, sizeof(a), "10.%d.%d.1/24", i / 256, i % 256);
		if (vnet_prefix_parse("subnet", a, &subs[i], NULL) < 0)
			return 1;
		nets[i] = (struct vnet_fw_network){ .name = names[i], .bridge = names[i],
						    .mode = VNET_FW_NAT, .subnets = &subs[i],
						    .n_subnets = 1 };
	}
	spec = (struct vnet_fw_spec){ nets, (size_t)n };
	if (timed(ctx, &spec, &w, &c) < 0)
		return 1;
	printf("apply of %d networks: %.1f ms\n", n, w / 1e3);
	for (int r = 0; r < reps; r++) {
		spec.n_networks = (size_t)n + 1;
		if (timed(ctx, &spec, &t[0][r], &t[1][r]) < 0)
			return 1;
		spec.n_networks = (size_t)n;
		if (timed(ctx, &spec, &t[2][r], &t[3][r]) < 0)
			return 1;
	}
	for (int i = 0; i < 4; i++)
		qsort(t[i], (size_t)reps, sizeof(double), cmp);
	printf("with %d networks: start wall %.0f us (min %.0f), cpu %.0f us; stop wall %.0f us (min %.0f), cpu %.0f us\n",
	       n, t[0][reps / 2], t[0][0], t[1][reps / 2], t[2][reps / 2], t[2][0], t[3][reps / 2]);
	vnet_ctx_unref(ctx);
	return 0;
}
