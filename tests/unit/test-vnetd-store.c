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

static struct vnet_fw_forward fwd_of(const struct vnetd_network *net, unsigned int port)
{
	struct vnet_fw_forward f;
	struct vnet_error err;
	char json[128];
	struct json_object *o;

	snprintf(json, sizeof(json), "{\"proto\":\"tcp\",\"port\":%u,\"to\":\"10.2.0.9\"}", port);
	o = json_tokener_parse(json);
	CU_ASSERT_EQUAL(forward_parse(net, o, &f, &err), 0);
	json_object_put(o);
	return f;
}

static void add_logged(struct vnetd *d, struct vnetd_network *net, unsigned int port)
{
	struct vnet_fw_forward f = fwd_of(net, port);

	CU_ASSERT_EQUAL(network_forward_append(net, &f), 0);
	CU_ASSERT_EQUAL(store_forward_log(d, net, true, &f), 0);
}

static void remove_logged(struct vnetd *d, struct vnetd_network *net, unsigned int port)
{
	struct vnet_fw_forward f = fwd_of(net, port);
	ssize_t i = forward_find(net, &f);

	CU_ASSERT_FATAL(i >= 0);
	network_forward_delete(net, i);
	CU_ASSERT_EQUAL(store_forward_log(d, net, false, &f), 0);
}

static void free_all(struct vnetd *d)
{
	while (d->networks) {
		struct vnetd_network *x = d->networks;

		vnetd_remove(d, x);
		network_free(x);
	}
}

/* Load @cfg afresh: the ports of network gamma, "p1,p2," */
static char *loaded_ports(const char *cfg)
{
	struct vnetd d = { 0 };
	struct vnetd_network *x;
	char *s = calloc(1, 4096);
	size_t len = 0;

	d.config_dir = (char *)cfg;
	d.run_dir = (char *)cfg;
	CU_ASSERT_EQUAL(store_load(&d), 0);
	x = vnetd_find(&d, "gamma");
	for (size_t i = 0; x && i < x->n_forwards && len < 4000; i++)
		len += snprintf(s + len, 4096 - len, "%u,", x->forwards[i].port);
	free_all(&d);
	return s;
}

static long size_of(const char *cfg, const char *file)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/networks/%s", cfg, file);
	return stat(path, &st) < 0 ? -1 : (long)st.st_size;
}

static void test_journal(void)
{
	struct vnetd d = { 0 };
	struct vnetd_network *g;
	char cfg[128], *s;
	long max = 0;

	snprintf(cfg, sizeof(cfg), "%s/j", base);
	d.config_dir = d.run_dir = cfg;
	g = net_from("{\"name\":\"gamma\",\"bridge\":\"br-g\",\"ipv4\":{\"address\":\"10.2.0.1/24\"}}");
	CU_ASSERT_EQUAL(store_save_network(&d, g), 0);
	/* no journal until a forward changes */
	CU_ASSERT_EQUAL(size_of(cfg, "gamma.journal"), -1);
	add_logged(&d, g, 1001);
	add_logged(&d, g, 1002);
	add_logged(&d, g, 1003);
	remove_logged(&d, g, 1001);
	s = tl_capture(NULL, "grep -c . %s/networks/gamma.journal", cfg);
	CU_ASSERT_STRING_EQUAL(s, "4\n");   /* header, 2 adds, 1 remove */
	free(s);
	s = loaded_ports(cfg);
	CU_ASSERT_STRING_EQUAL(s, "1002,1003,");
	free(s);
	/* the load folded it in: the definition has both, the journal is a header */
	CU_ASSERT_EQUAL(tl_run("jq -e '.forwards | length == 2' %s/networks/gamma.json >/dev/null", cfg), 0);
	s = tl_capture(NULL, "grep -c . %s/networks/gamma.journal", cfg);
	CU_ASSERT_STRING_EQUAL(s, "1\n");
	free(s);

	/* an unparsable line in the middle and a torn last one are skipped, the rest kept */
	CU_ASSERT_EQUAL(tl_run("cd %s/networks && echo 'garbage' >> gamma.journal && "
			       "echo '{\"add\":{\"proto\":\"tcp\",\"port\":1004,\"to\":\"10.2.0.9\"}}' >> gamma.journal && "
			       "printf '{\"add\":{\"proto\":\"tcp\",\"po' >> gamma.journal", cfg), 0);
	s = loaded_ports(cfg);
	CU_ASSERT_STRING_EQUAL(s, "1002,1003,1004,");
	free(s);

	/* churn: folded in whenever the journal passes 64 KiB; both files stay small */
	network_free(g);
	g = net_from("{\"name\":\"gamma\",\"bridge\":\"br-g\",\"ipv4\":{\"address\":\"10.2.0.1/24\"}}");
	CU_ASSERT_EQUAL(store_save_network(&d, g), 0);
	for (int i = 0; i < 3000; i++) {
		long n;

		add_logged(&d, g, 2000);
		remove_logged(&d, g, 2000);
		n = size_of(cfg, "gamma.journal");
		if (n > max)
			max = n;
	}
	CU_ASSERT_TRUE(max > 60 * 1024 && max <= 64 * 1024);
	CU_ASSERT_TRUE(size_of(cfg, "gamma.json") < 1024);
	add_logged(&d, g, 2001);
	s = loaded_ports(cfg);
	CU_ASSERT_STRING_EQUAL(s, "2001,");
	free(s);
	network_free(g);

	/*
	 * A seal whose rewrite failed (then a crash): whatever vnetd loads it
	 * with must not append after it, or replay would stop before the change.
	 */
	CU_ASSERT_EQUAL(tl_run("printf '\\n{\"replaced-by\":\"0000000000000001\"}\\n' >> %s/networks/gamma.journal",
			       cfg), 0);
	{
		struct vnetd d2 = { 0 };

		d2.config_dir = d2.run_dir = cfg;
		CU_ASSERT_EQUAL(store_load(&d2), 0);
		g = vnetd_find(&d2, "gamma");
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		add_logged(&d2, g, 2002);
		free_all(&d2);
	}
	s = loaded_ports(cfg);
	CU_ASSERT_STRING_EQUAL(s, "2001,2002,");
	free(s);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "atomic write", test_atomic },
		{ "save and load", test_save_load },
		{ "forward journal", test_journal },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "vnetd store", setup, teardown_dirs, NULL, NULL, tests },
		CU_SUITE_INFO_NULL,
	};

	log_open(true, LOG_ERR);
	return tl_run_suites(suites);
}
