/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Contexts bound to namespaces: the caller's, one by path, bad paths. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <vnet/vnet.h>

#include "testlib.h"
#include "internal.h"
#include "link.h"
#include "nl.h"

static void test_own_namespace(void)
{
	struct vnet_ctx *ctx = NULL;
	struct vnet_error err;

	CU_ASSERT_EQUAL_FATAL(vnet_ctx_new(&ctx, NULL, &err), 0);
	CU_ASSERT_PTR_NULL(vnet_ctx_netns(ctx));
	CU_ASSERT_EQUAL(vnet_link_ifindex(ctx, "lo"), 1);
	CU_ASSERT_PTR_EQUAL(vnet_ctx_ref(ctx), ctx);
	CU_ASSERT_PTR_NULL(vnet_ctx_unref(ctx));
	CU_ASSERT_PTR_NULL(vnet_ctx_unref(ctx));
	CU_ASSERT_PTR_NULL(vnet_ctx_unref(NULL));
}

static void test_named_namespace(void)
{
	const char *ns = tl_netns_add("vnt");
	struct vnet_ctx *ctx = NULL;
	struct vnet_error err;
	char path[128];
	int idx;

	/* A link that exists only in the named namespace proves where the context acts. */
	CU_ASSERT_EQUAL_FATAL(tl_run("ip -n %s link add probe0 type veth peer name probe1", ns), 0);
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	CU_ASSERT_EQUAL_FATAL(vnet_ctx_new(&ctx, path, &err), 0);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_netns(ctx), path);
	idx = vnet_link_ifindex(ctx, "probe0");
	CU_ASSERT(idx > 1);
	vnet_ctx_unref(ctx);

	CU_ASSERT_EQUAL_FATAL(vnet_ctx_new(&ctx, NULL, &err), 0);
	CU_ASSERT_EQUAL(vnet_link_ifindex(ctx, "probe0"), -ENODEV);
	CU_ASSERT_STRING_EQUAL(vnet_ctx_errmsg(ctx), "interface 'probe0' does not exist");
	vnet_ctx_unref(ctx);
}

static void test_bad_paths(void)
{
	struct vnet_ctx *ctx = (struct vnet_ctx *)1;
	struct vnet_error err;

	CU_ASSERT_EQUAL(vnet_ctx_new(&ctx, "/run/netns/does-not-exist", &err), -ENOENT);
	CU_ASSERT_PTR_NULL(ctx);
	CU_ASSERT_STRING_EQUAL(err.msg, "network namespace '/run/netns/does-not-exist' does not exist");

	CU_ASSERT_EQUAL(vnet_ctx_new(&ctx, "/etc/hostname", &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "is not a network namespace"));

	/* Another kind of namespace file is refused by setns, not silently used. */
	CU_ASSERT_EQUAL(vnet_ctx_new(&ctx, "/proc/self/ns/uts", &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "is not a network namespace"));
}

static void test_extended_ack(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct vnet_ctx *ctx = NULL;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *linkinfo;
	int r;

	CU_ASSERT_EQUAL_FATAL(vnet_ctx_new(&ctx, NULL, NULL), 0);
	/* A link kind the kernel does not know: it explains in an extended ack. */
	nlh = vnet_nl_msg_start(buf, sizeof(buf), RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "nosuchkind0");
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "nosuchkind");
	mnl_attr_nest_end(nlh, linkinfo);
	r = vnet_nl_talk(ctx, &ctx->rtnl, nlh, NULL, NULL);
	CU_ASSERT_EQUAL(r, -EOPNOTSUPP);
	printf("kernel said: %s\n", vnet_ctx_errmsg(ctx));
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "Unknown device type"));
	vnet_ctx_unref(ctx);
}

static CU_TestInfo ctx_tests[] = {
	{ "context in the caller's namespace", test_own_namespace },
	{ "context bound to a named namespace", test_named_namespace },
	{ "bad namespace paths", test_bad_paths },
	{ "kernel extended ack reaches the caller", test_extended_ack },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "ctx", NULL, NULL, NULL, NULL, ctx_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	tl_init_root();
	return tl_run_suites(suites);
}
