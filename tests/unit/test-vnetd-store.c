/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vnetd's store: atomic files, definitions and runtime state loaded back. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testlib.h"
#include "../../vnetd/vnetd.h"

static char base[64];

static int setup(void)
{
	snprintf(base, sizeof(base), "/tmp/vnetd-store-XXXXXX");
	return mkdtemp(base) ? 0 : -1;
}

static int teardown_dirs(void)
{
	return tl_run("rm -rf %s", base) == 0 ? 0 : -1;
}

static int count_entries(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_atomic(void)
{
	char dir[128], path[160], *s;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/a/b", base);
	CU_ASSERT_EQUAL(store_write_atomic(dir, "f.json", "{\"x\":1}"), 0);
	CU_ASSERT_EQUAL(store_write_atomic(dir, "f.json", "{\"x\":2}"), 0);
	snprintf(path, sizeof(path), "%s/f.json", dir);
	s = tl_capture(NULL, "cat %s", path);
	CU_ASSERT_STRING_EQUAL(s, "{\"x\":2}");
	free(s);
	/* no temporary file left behind */
	CU_ASSERT_EQUAL(count_entries(dir), 1);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0644);
}

static struct vnetd_network *net_from(const char *json)
{
	struct json_object *o = json_tokener_parse(json);
	struct vnetd_network *net = NULL;
	struct vnet_error err;

	CU_ASSERT_EQUAL(network_parse(o, NULL, &net, &err), 0);
	json_object_put(o);
	return net;
}

static void test_save_load(void)
{
	struct vnetd d = { 0 }, d2 = { 0 };
	struct vnetd_network *a, *b, *x;
	char cfg[128], run[128], path[200];
	struct json_object *saved;

	snprintf(cfg, sizeof(cfg), "%s/etc", base);
	snprintf(run, sizeof(run), "%s/run", base);
	d.config_dir = d2.config_dir = cfg;
	d.run_dir = d2.run_dir = run;

	a = net_from("{\"name\":\"alpha\",\"bridge\":\"br-a\",\"ipv4\":{\"address\":\"10.1.0.1/24\"},"
		     "\"forwards\":[{\"proto\":\"tcp\",\"port\":2222,\"to\":\"10.1.0.5\",\"to_port\":22}]}");
	b = net_from("{\"name\":\"beta\",\"mode\":\"bridge\",\"uplink\":\"eth9\"}");
	CU_ASSERT_EQUAL(store_save_network(&d, a), 0);
	CU_ASSERT_EQUAL(store_save_network(&d, b), 0);
	b->active = true;
	saved = json_tokener_parse("{\"uplink\":\"eth9\",\"addresses\":[\"192.0.2.5/24\"],\"routes\":[]}");
	b->saved_uplink = saved;
	CU_ASSERT_EQUAL(store_save_runtime(&d, b), 0);

	/* junk is ignored, not fatal */
	snprintf(path, sizeof(path), "%s/networks/broken.json", cfg);
	CU_ASSERT_EQUAL(tl_run("echo '{not json' > %s", path), 0);
	snprintf(path, sizeof(path), "%s/networks/wrongname.json", cfg);
	CU_ASSERT_EQUAL(tl_run("cp %s/networks/alpha.json %s", cfg, path), 0);

	CU_ASSERT_EQUAL(store_load(&d2), 0);
	x = vnetd_find(&d2, "alpha");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_FALSE(x->active);
	CU_ASSERT_EQUAL(x->n_forwards, 1);
	CU_ASSERT_EQUAL(x->forwards[0].to_port, 22);
	x = vnetd_find(&d2, "beta");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_TRUE(x->active);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_array_get_idx(
		json_object_object_get(x->saved_uplink, "addresses"), 0)), "192.0.2.5/24");
	CU_ASSERT_PTR_NULL(vnetd_find(&d2, "broken"));
	CU_ASSERT_PTR_NULL(vnetd_find(&d2, "wrongname"));

	/* removal of both files */
	CU_ASSERT_EQUAL(store_remove_network(&d, "beta"), 0);
	CU_ASSERT_EQUAL(store_remove_runtime(&d, "beta"), 0);
	CU_ASSERT_EQUAL(store_remove_runtime(&d, "beta"), 0);
	snprintf(path, sizeof(path), "%s/networks/beta.json", run);
	CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);

	while (d2.networks) {
		x = d2.networks;
		vnetd_remove(&d2, x);
		network_free(x);
	}
	network_free(a);
	network_free(b);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "atomic write", test_atomic },
		{ "save and load", test_save_load },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "vnetd store", setup, teardown_dirs, NULL, NULL, tests },
		CU_SUITE_INFO_NULL,
	};

	log_open(true, LOG_ERR);
	return tl_run_suites(suites);
}
