/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The apply cache's hash map (firewall-index.c), without root: thousands of
 * keys put, replaced and deleted in a random order, checked after every
 * step against a plain array; deleting from the middle of a probe run keeps
 * every other key reachable (the back shift), including runs that wrap
 * around the end of the table.
 */
#include <stdio.h>
#include <string.h>

#include "firewall-int.h"
#include "testlib.h"

#define N_KEYS 3000

static char keys[N_KEYS][16];
static void *vals[N_KEYS];    /* what the map should say: NULL for absent */
static unsigned int seed = 7;

static unsigned int rnd(unsigned int n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 16) % n;
}

static void *val(size_t i, unsigned int version)
{
	return (void *)(uintptr_t)((i + 1) * 16 + version);
}

static bool all_match(const struct fw_map *m)
{
	size_t n = 0;

	for (size_t i = 0; i < N_KEYS; i++) {
		if (fw_map_get(m, keys[i], strlen(keys[i])) != vals[i])
			return false;
		n += vals[i] != NULL;
	}
	return n == m->n;
}

static void test_random_ops(void)
{
	struct fw_map m = { 0 };

	for (size_t i = 0; i < N_KEYS; i++)
		snprintf(keys[i], sizeof(keys[i]), "net%zu", i);
	for (int step = 0; step < 20000; step++) {
		size_t i = rnd(N_KEYS);

		switch (rnd(3)) {
		case 0:
		case 1:
			vals[i] = val(i, rnd(8));
			CU_ASSERT_EQUAL_FATAL(fw_map_put(&m, keys[i], strlen(keys[i]), vals[i]), 0);
			break;
		default:
			fw_map_del(&m, keys[i], strlen(keys[i]));
			vals[i] = NULL;
			break;
		}
		/* every 97th step, the whole map (a full check each step would be slow) */
		if (step % 97 == 0)
			CU_ASSERT_TRUE_FATAL(all_match(&m));
	}
	CU_ASSERT_TRUE(all_match(&m));
	/* everything out again: the map is empty and finds nothing */
	for (size_t i = 0; i < N_KEYS; i++) {
		fw_map_del(&m, keys[i], strlen(keys[i]));
		vals[i] = NULL;
	}
	CU_ASSERT_EQUAL(m.n, 0);
	CU_ASSERT_TRUE(all_match(&m));
	fw_map_release(&m);
}

/* Keys of the same length that differ in a byte, and binary keys with zeros. */
static void test_binary_keys(void)
{
	struct fw_map m = { 0 };
	uint8_t k[3][4] = { { 0, 0, 0, 1 }, { 0, 0, 0, 2 }, { 0, 0, 0, 0 } };
	int a = 1, b = 2, c = 3;

	CU_ASSERT_EQUAL(fw_map_put(&m, k[0], 4, &a), 0);
	CU_ASSERT_EQUAL(fw_map_put(&m, k[1], 4, &b), 0);
	CU_ASSERT_EQUAL(fw_map_put(&m, k[2], 3, &c), 0);
	CU_ASSERT_PTR_EQUAL(fw_map_get(&m, k[0], 4), &a);
	CU_ASSERT_PTR_EQUAL(fw_map_get(&m, k[1], 4), &b);
	CU_ASSERT_PTR_EQUAL(fw_map_get(&m, k[2], 3), &c);
	CU_ASSERT_PTR_NULL(fw_map_get(&m, k[2], 4));
	fw_map_del(&m, k[0], 4);
	CU_ASSERT_PTR_NULL(fw_map_get(&m, k[0], 4));
	CU_ASSERT_PTR_EQUAL(fw_map_get(&m, k[1], 4), &b);
	CU_ASSERT_EQUAL(m.n, 2);
	fw_map_release(&m);
	CU_ASSERT_PTR_NULL(fw_map_get(&m, k[1], 4));
}

static CU_TestInfo tests[] = {
	{ "random puts, replacements and deletions", test_random_ops },
	{ "binary keys", test_binary_keys },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "firewall hash map", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return tl_run_suites(suites);
}
