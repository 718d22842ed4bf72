/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bridge VLAN filtering against the real kernel; skipped (naming the
 * feature) where the kernel lacks it, after checking libvnet reports the
 * refusal and leaves no half-made bridge behind.
 */
#include <stdio.h>
#include <string.h>
#include <vnet/vnet.h>

#include "testlib.h"

static char ns_path[128];
static const char *ns;
static struct vnet_ctx *ctx;

static bool link_exists(const char *netns, const char *dev)
{
	struct json_object *o = tl_ip_link(netns, dev);

	json_object_put(o);
	return o != NULL;
}

static void test_vlan_filtering(void)
{
	struct vnet_bridge_spec spec;
	struct vnet_link_info info;
	struct json_object *o;
	char name[32];
	int ifindex;

	snprintf(name, sizeof(name), "%s", tl_name("bf"));
	vnet_bridge_spec_init(&spec, name);
	spec.vlan_filtering = VNET_ON;
	CU_ASSERT_EQUAL_FATAL(vnet_bridge_ensure(ctx, &spec), 0);
	CU_ASSERT_EQUAL(vnet_link_get(ctx, name, &info), 0);
	CU_ASSERT_TRUE(info.u.bridge.vlan_filtering);
	ifindex = info.ifindex;
	o = tl_ip_link(ns, name);
	CU_ASSERT_EQUAL(tl_jint(o, "linkinfo.info_data.vlan_filtering"), 1);
	json_object_put(o);
	CU_ASSERT_EQUAL(vnet_bridge_ensure(ctx, &spec), 0);

	spec.vlan_filtering = VNET_OFF;
	CU_ASSERT_EQUAL(vnet_bridge_ensure(ctx, &spec), 0);
	CU_ASSERT_EQUAL(vnet_link_get(ctx, name, &info), 0);
	CU_ASSERT_FALSE(info.u.bridge.vlan_filtering);
	CU_ASSERT_EQUAL(info.ifindex, ifindex);
	o = tl_ip_link(ns, name);
	CU_ASSERT_EQUAL(tl_jint(o, "linkinfo.info_data.vlan_filtering"), 0);
	json_object_put(o);
	CU_ASSERT_EQUAL(vnet_link_delete(ctx, name), 0);
}

static CU_TestInfo tests[] = {
	{ "bridge vlan_filtering on, read back, off", test_vlan_filtering },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "vlan-filtering", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	struct vnet_bridge_spec spec;
	int r;

	tl_init_root();
	ns = tl_netns_add("vf");
	snprintf(ns_path, sizeof(ns_path), "/run/netns/%s", ns);
	ns = strrchr(ns_path, '/') + 1;
	if (vnet_ctx_new(&ctx, ns_path, NULL) < 0)
		return 99;

	if (!tl_kernel_can("ip link add vnetprobe0 type bridge vlan_filtering 1")) {
		vnet_bridge_spec_init(&spec, "vfprobe");
		spec.vlan_filtering = VNET_ON;
		r = vnet_bridge_ensure(ctx, &spec);
		printf("vnet_bridge_ensure: %d (%s)\n", r, vnet_ctx_errmsg(ctx));
		if (r != -EOPNOTSUPP ||
		    !strstr(vnet_ctx_errmsg(ctx), "this kernel has no bridge VLAN filtering") ||
		    link_exists(ns, "vfprobe")) {
			printf("FAIL: refused vlan_filtering not reported, or a bridge was left\n");
			return 1;
		}
		tl_skip_feature("BRIDGE_VLAN_FILTERING", "the kernel refuses vlan_filtering 1");
	}
	tl_run("ip link del vnetprobe0");
	r = tl_run_suites(suites);
	vnet_ctx_unref(ctx);
	return r;
}
