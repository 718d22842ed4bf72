/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Batch semantics: when the kernel refuses one message, nothing of the batch
 * is applied, and the error names the message. Uses libvnet's internals to
 * append a message the kernel must refuse to an otherwise good batch.
 */
#include <netinet/in.h>
#include <libnftnl/rule.h>
#include <linux/netfilter/nf_tables.h>
#include <vnet/vnet.h>

#include "firewall-int.h"
#include "testlib.h"

static struct vnet_ctx *ctx;
static struct vnet_prefix sub_a, sub_b;
static struct vnet_fw_forward fwd = { .proto = IPPROTO_TCP, .port = 8080, .to_port = 80 };
static struct vnet_fw_network nets[2];

static struct vnet_prefix pfx(const char *s)
{
	struct vnet_prefix p;

	if (vnet_prefix_parse("test", s, &p, NULL) < 0)
		exit(99);
	return p;
}

/* The plan for @spec against the kernel's table, plus a rule into a chain that does not exist. */
static int send_with_bad_tail(const struct vnet_fw_spec *spec)
{
	struct fw_state st;
	struct fw_batch b;
	unsigned int changes;
	int r;

	CU_ASSERT_EQUAL_FATAL(fw_state_read(ctx, &st), 0);
	fw_batch_init(&b);
	CU_ASSERT_EQUAL(fw_plan(spec, &st, &b, &changes, NULL, 0), 0);
	CU_ASSERT_TRUE(changes > 0);
	fw_batch_rule(&b, nftnl_rule_alloc(), "nonexistent");
	r = fw_batch_send(ctx, &b);
	fw_batch_release(&b);
	fw_state_release(&st);
	return r;
}

static void test_refused_create(void)
{
	struct vnet_fw_spec spec = { nets, 1 };
	const char *msg;

	CU_ASSERT_EQUAL(send_with_bad_tail(&spec), -ENOENT);
	msg = vnet_ctx_errmsg(ctx);
	printf("refused: %s\n", msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "add rule to chain nonexistent"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "nothing was changed"));
	/* Not even the table was created. */
	CU_ASSERT_NOT_EQUAL(tl_run("nft list table inet vnet >/dev/null 2>&1"), 0);
	CU_ASSERT_EQUAL(tl_run("test -z \"$(nft list ruleset)\""), 0);
}

static void test_refused_change(void)
{
	struct vnet_fw_spec one = { nets, 1 }, two = { nets, 2 };
	bool matches = false;

	CU_ASSERT_EQUAL_FATAL(vnet_fw_apply(ctx, &one), 0);
	CU_ASSERT_EQUAL(send_with_bad_tail(&two), -ENOENT);
	/* The table is exactly as before: b's elements never appeared. */
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &one, &matches), 0);
	CU_ASSERT_TRUE(matches);
	CU_ASSERT_NOT_EQUAL(tl_run("nft list set inet vnet bridges | grep -q '\"%s\"'", nets[1].bridge), 0);
	CU_ASSERT_EQUAL(tl_run("nft list table inet vnet >/dev/null"), 0);
}

static void test_refused_by_kernel(void)
{
	struct vnet_fw_network bad = nets[1];
	struct vnet_fw_network set[2] = { nets[0], bad };
	struct vnet_fw_spec spec = { set, 2 };
	bool matches = false;
	int r;

	/* A flowtable on a bridge that does not exist: the kernel refuses it. */
	set[1].bridge = "nosuchbr0";
	set[1].flowtable = true;
	r = vnet_fw_apply(ctx, &spec);
	CU_ASSERT_TRUE(r < 0);
	printf("refused: %s\n", vnet_ctx_errmsg(ctx));
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "flowtable ft_b"));
	spec.n_networks = 1;
	CU_ASSERT_EQUAL(vnet_fw_verify(ctx, &spec, &matches), 0);
	CU_ASSERT_TRUE(matches);
}

static void test_bad_input_sends_nothing(void)
{
	struct vnet_fw_forward f = fwd;
	struct vnet_fw_network n = nets[0];
	struct vnet_fw_spec spec = { &n, 1 };
	struct vnet_fw_monitor *mon;
	bool touched = true;

	/* Our own socket's events are filtered; watch from a second context. */
	struct vnet_ctx *other;

	CU_ASSERT_EQUAL_FATAL(vnet_ctx_new(&other, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(vnet_fw_monitor_new(other, &mon), 0);
	f.port = 0;
	n.forwards = &f;
	n.n_forwards = 1;
	CU_ASSERT_EQUAL(vnet_fw_apply(ctx, &spec), -EINVAL);
	CU_ASSERT_EQUAL(vnet_fw_forward_add(ctx, &nets[0], &f), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(vnet_ctx_errmsg(ctx), "port 0"));
	CU_ASSERT_EQUAL(vnet_fw_monitor_read(mon, &touched), 0);
	CU_ASSERT_FALSE(touched);
	/* A change by another context is seen. */
	f = fwd;
	f.port = 8090;
	CU_ASSERT_EQUAL(vnet_fw_forward_add(ctx, &nets[0], &f), 0);
	CU_ASSERT_EQUAL(vnet_fw_monitor_read(mon, &touched), 0);
	CU_ASSERT_TRUE(touched);
	vnet_fw_monitor_free(mon);
	vnet_ctx_unref(other);
}

static int setup(void)
{
	sub_a = pfx("192.168.100.1/24");
	sub_b = pfx("192.168.101.1/24");
	fwd.to = pfx("192.168.100.11");
	nets[0] = (struct vnet_fw_network){ .name = "a", .bridge = "vbra", .mode = VNET_FW_NAT,
					    .subnets = &sub_a, .n_subnets = 1, .forwards = &fwd,
					    .n_forwards = 1 };
	nets[1] = (struct vnet_fw_network){ .name = "b", .bridge = "vbrb", .mode = VNET_FW_ROUTED,
					    .subnets = &sub_b, .n_subnets = 1 };
	return vnet_ctx_new(&ctx, NULL, NULL) < 0;
}

static int teardown(void)
{
	vnet_ctx_unref(ctx);
	return 0;
}

static CU_TestInfo tests[] = {
	{ "refused batch creates nothing", test_refused_create },
	{ "refused batch changes nothing", test_refused_change },
	{ "kernel refusal reaches the caller", test_refused_by_kernel },
	{ "bad input sends nothing", test_bad_input_sends_nothing },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "firewall batch", setup, teardown, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	tl_init_root();
	return tl_run_suites(suites);
}
