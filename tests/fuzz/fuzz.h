/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every fuzz target shares. A target is one LLVMFuzzerTestOneInput();
 * it is linked either with replay.c (make check: the corpus plus a fixed
 * series of mutated inputs) or with libFuzzer (run-libfuzzer.sh).
 *
 * Targets check properties as well as surviving: a broken one calls
 * fuzz_fail(), which aborts so both drivers report the input.
 */
#ifndef VNET_FUZZ_H
#define VNET_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_fail(...) do { \
	fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); \
	abort(); \
} while (0)

#define VNET_FUZZ_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define fuzz_assert(cond) do { if (!(cond)) fuzz_fail("assertion failed: %s", #cond); } while (0)

/*
 * fuzz_known_bug - true when an input would hit a bug that is reported but
 * not fixed yet, so the target steps around it and keeps finding new ones
 * (and make check stays green). Each use names the bug and its reproducer
 * under tests/fuzz/crashes/; delete the use with the fix. With
 * VNET_FUZZ_KNOWN_BUGS=1 in the environment the inputs run anyway, to see
 * whether a bug is still there.
 */
static inline int fuzz_known_bug(int cond)
{
	static int run_anyway = -1;

	if (run_anyway < 0)
		run_anyway = getenv("VNET_FUZZ_KNOWN_BUGS") != NULL;
	return cond && !run_anyway;
}

/* A NUL-terminated copy of the input (NULL when out of memory). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return NULL;
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Is @s NUL-terminated within @size bytes? For fixed buffers a parser filled. */
static inline int fuzz_terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/*
 * The next whole message of a netlink receive buffer at *@off (advanced
 * past it), or NULL: what mnl_cb_run() hands to callbacks. nlmsg_len is
 * compared unsigned here; libmnl's mnl_nlmsg_ok() casts it to int, so a
 * length of 2 GiB or more passes there as negative. The kernel never sends
 * that, so the targets do not feed it to vnet's parsers.
 */
static inline const struct nlmsghdr *fuzz_nlmsg_next(const void *buf, size_t size, size_t *off)
{
	const struct nlmsghdr *nlh;

	if (*off > size || size - *off < sizeof(*nlh))
		return NULL;
	nlh = (const struct nlmsghdr *)((const char *)buf + *off);
	if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > size - *off)
		return NULL;
	*off += NLMSG_ALIGN(nlh->nlmsg_len);
	return nlh;
}

#endif
