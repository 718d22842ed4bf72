/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pure helpers: interface names, MACs, addresses and prefixes. */
#include <string.h>
#include <sys/socket.h>
#include <vnet/vnet.h>

#include "testlib.h"

static void test_ifname(void)
{
	struct vnet_error err;

	CU_ASSERT_EQUAL(vnet_ifname_check("bridge name", "vnetbr0", &err), 0);
	CU_ASSERT_EQUAL(vnet_ifname_check("bridge name", "abcdefghijklmno", &err), 0);
	CU_ASSERT_EQUAL(vnet_ifname_check("bridge name", "averyveryverylongname", &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg,
			       "bridge name 'averyveryverylongname' is 21 bytes; Linux allows at most 15");
	CU_ASSERT_EQUAL(vnet_ifname_check("tap name", "a/b", &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'/'"));
	CU_ASSERT_EQUAL(vnet_ifname_check("tap name", "a b", &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "whitespace"));
	CU_ASSERT_EQUAL(vnet_ifname_check("tap name", "a:b", &err), -EINVAL);
	CU_ASSERT_EQUAL(vnet_ifname_check("tap name", "", &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "tap name is empty");
	CU_ASSERT_EQUAL(vnet_ifname_check("tap name", "..", &err), -EINVAL);
	CU_ASSERT_EQUAL(vnet_ifname_check("tap name", "x", NULL), 0);
}

static void test_mac(void)
{
	struct vnet_error err;
	uint8_t mac[6], mac2[6];
	char buf[VNET_MAC_STRLEN];

	CU_ASSERT_EQUAL(vnet_mac_parse("mac", "52:54:00:AB:cd:0f", mac, &err), 0);
	CU_ASSERT_STRING_EQUAL(vnet_mac_format(mac, buf), "52:54:00:ab:cd:0f");
	CU_ASSERT_EQUAL(vnet_mac_parse("mac", "52-54-00-ab-cd-0f", mac2, &err), 0);
	CU_ASSERT_EQUAL(memcmp(mac, mac2, 6), 0);
	CU_ASSERT_EQUAL(vnet_mac_parse("mac", "52:54:00-ab:cd:0f", mac, &err), -EINVAL);
	CU_ASSERT_EQUAL(vnet_mac_parse("mac", "52:54:00:ab:cd", mac, &err), -EINVAL);
	CU_ASSERT_EQUAL(vnet_mac_parse("mac", "52:54:00:ab:cd:0f:11", mac, &err), -EINVAL);
	CU_ASSERT_EQUAL(vnet_mac_parse("mac", "zz:54:00:ab:cd:0f", mac, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'zz:54:00:ab:cd:0f' is not a MAC address"));

	CU_ASSERT_EQUAL(vnet_mac_parse("mac", "01:00:5e:00:00:01", mac, &err), 0);
	CU_ASSERT_EQUAL(vnet_mac_check_unicast("mac", mac, &err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "multicast"));
	memset(mac, 0, 6);
	CU_ASSERT_EQUAL(vnet_mac_check_unicast("mac", mac, &err), -EINVAL);
	mac[0] = 0x52;
	CU_ASSERT_EQUAL(vnet_mac_check_unicast("mac", mac, &err), 0);
}

static void test_mac_from_name(void)
{
	uint8_t a[6], b[6], c[6];

	vnet_mac_from_name("vnetbr0", a);
	vnet_mac_from_name("vnetbr0", b);
	vnet_mac_from_name("vnetbr1", c);
	CU_ASSERT_EQUAL(memcmp(a, b, 6), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(a, c, 6), 0);
	CU_ASSERT_EQUAL(a[0] & 0x01, 0);      /* unicast */
	CU_ASSERT_EQUAL(a[0] & 0x02, 0x02);   /* locally administered */
	CU_ASSERT_EQUAL(vnet_mac_check_unicast("mac", a, NULL), 0);
}

static void test_prefix(void)
{
	struct vnet_prefix p, q, n;
	struct vnet_error err;
	char buf[VNET_PREFIX_STRLEN];

	CU_ASSERT_EQUAL(vnet_prefix_parse("address", "192.168.122.1/24", &p, &err), 0);
	CU_ASSERT_EQUAL(p.family, AF_INET);
	CU_ASSERT_EQUAL(p.len, 24);
	CU_ASSERT_STRING_EQUAL(vnet_prefix_format(&p, true, buf), "192.168.122.1/24");
	n = vnet_prefix_network(&p);
	CU_ASSERT_STRING_EQUAL(vnet_prefix_format(&n, true, buf), "192.168.122.0/24");

	CU_ASSERT_EQUAL(vnet_prefix_parse("address", "fd00:122::1/64", &q, &err), 0);
	CU_ASSERT_EQUAL(q.family, AF_INET6);
	CU_ASSERT_STRING_EQUAL(vnet_prefix_format(&q, false, buf), "fd00:122::1");

	CU_ASSERT_EQUAL(vnet_prefix_parse("address", "10.0.0.1", &p, &err), 0);
	CU_ASSERT_EQUAL(p.len, 32);

	CU_ASSERT_EQUAL(vnet_prefix_parse("address", "10.0.0.1/33", &p, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg,
			       "address '10.0.0.1/33' has prefix length '33'; IPv4 allows 0 to 32");
	CU_ASSERT_EQUAL(vnet_prefix_parse("address", "10.0.0.1/", &p, &err), -EINVAL);
	CU_ASSERT_EQUAL(vnet_prefix_parse("address", "10.0.0.1/-1", &p, &err), -EINVAL);
	CU_ASSERT_EQUAL(vnet_prefix_parse("address", "10.0.0/24", &p, &err), -EINVAL);
	CU_ASSERT_EQUAL(vnet_prefix_parse("address", "fd00::1/129", &p, &err), -EINVAL);
	CU_ASSERT_EQUAL(vnet_addr_parse("to", "10.0.0.1/24", &p, &err), -EINVAL);
	CU_ASSERT_EQUAL(vnet_addr_parse("to", "10.0.0.1", &p, &err), 0);
}

static void test_prefix_relations(void)
{
	struct vnet_prefix net, a, b, other, v6;

	vnet_prefix_parse("n", "192.168.122.1/24", &net, NULL);
	vnet_addr_parse("a", "192.168.122.77", &a, NULL);
	vnet_addr_parse("b", "192.168.123.1", &b, NULL);
	vnet_prefix_parse("o", "192.168.0.0/16", &other, NULL);
	vnet_prefix_parse("v6", "fd00::/8", &v6, NULL);
	CU_ASSERT_TRUE(vnet_prefix_contains(&net, &a));
	CU_ASSERT_FALSE(vnet_prefix_contains(&net, &b));
	CU_ASSERT_FALSE(vnet_prefix_contains(&net, &other));
	CU_ASSERT_TRUE(vnet_prefix_contains(&other, &net));
	CU_ASSERT_TRUE(vnet_prefix_overlaps(&net, &other));
	CU_ASSERT_TRUE(vnet_prefix_overlaps(&other, &net));
	CU_ASSERT_FALSE(vnet_prefix_overlaps(&net, &v6));
	vnet_prefix_parse("b", "192.168.123.0/24", &b, NULL);
	CU_ASSERT_FALSE(vnet_prefix_overlaps(&net, &b));
	CU_ASSERT_TRUE(vnet_prefix_equal(&net, &net));
	CU_ASSERT_FALSE(vnet_prefix_equal(&net, &b));
}

static CU_TestInfo util_tests[] = {
	{ "interface names", test_ifname },
	{ "MAC parse, format, unicast", test_mac },
	{ "MAC derived from a name", test_mac_from_name },
	{ "prefix parse and format", test_prefix },
	{ "prefix containment and overlap", test_prefix_relations },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "util", NULL, NULL, NULL, NULL, util_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return tl_run_suites(suites);
}
