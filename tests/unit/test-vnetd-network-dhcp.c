/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The network object with DHCP and DNS: the issue's JSON is parsed into the
 * network's dhcp_spec and written back exactly (beside ipv4.nat and the
 * forwards), a live change shows in the canonical JSON, and bad DHCP/DNS
 * input fails network_parse with the spec's message.
 */
#include <string.h>

#include "testlib.h"
#include "../../vnetd/network.h"

static const char *issue_json =
	"{ \"name\": \"default\", \"mode\": \"nat\", \"bridge\": \"vnetbr0\", \"mac\": \"02:00:00:12:20:01\", \"mtu\": 1500,"
	"  \"autostart\": true,"
	"  \"ipv4\": { \"address\": \"192.168.122.1/24\", \"nat\": { \"uplink\": \"eth0\" },"
	"            \"dhcp\": { \"ranges\": [ { \"start\": \"192.168.122.2\", \"end\": \"192.168.122.254\" } ],"
	"                      \"lease\": \"1h\","
	"                      \"hosts\": [ { \"mac\": \"52:54:00:00:00:10\", \"ip\": \"192.168.122.10\", \"name\": \"web\" } ] } },"
	"  \"ipv6\": { \"address\": \"fd00:122::1/64\" },"
	"  \"forwards\": [],"
	"  \"dns\": { \"domain\": \"default.vnet\", \"hosts\": [ { \"ip\": \"192.168.122.20\", \"names\": [\"db\"] } ],"
	"           \"forwarders\": [ \"192.0.2.53\" ] } }";

static struct vnetd_network *parse(const char *json, struct vnet_error *err)
{
	struct json_object *o = json_tokener_parse(json);
	struct vnetd_network *net = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	if (network_parse(o, NULL, &net, err) < 0)
		net = NULL;
	json_object_put(o);
	return net;
}

static void test_round_trip(void)
{
	struct vnet_error err = { "" };
	struct vnetd_network *net = parse(issue_json, &err);
	struct json_object *in = json_tokener_parse(issue_json), *out;

	if (!net)
		printf("\n%s\n", err.msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(net);
	CU_ASSERT_TRUE(net->dhcp.dhcp4.enabled);
	CU_ASSERT_EQUAL(net->dhcp.n_hosts, 1);
	CU_ASSERT_STRING_EQUAL(net->dhcp.domain, "default.vnet");
	CU_ASSERT_TRUE(dhcp_spec_needs_dnsmasq(&net->dhcp));
	CU_ASSERT_TRUE(dhcp_spec_has_ra(&net->dhcp));
	out = network_to_json(net);
	if (!json_object_equal(in, out))
		printf("\n%s\n", json_object_to_json_string(out));
	CU_ASSERT_TRUE(json_object_equal(in, out));
	json_object_put(out);

	/* a live change is what the canonical JSON (and so the stored file) says */
	CU_ASSERT_EQUAL(dhcp_spec_host_add(&net->dhcp, "52:54:00:00:00:11", "192.168.122.11", "api", &err), 0);
	out = network_to_json(net);
	CU_ASSERT_STRING_EQUAL(tl_jstr(out, "ipv4.nat.uplink"), "eth0");
	CU_ASSERT_PTR_NOT_NULL(strstr(json_object_to_json_string(out), "\"192.168.122.11\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(json_object_to_json_string(out), "\"api\""));
	json_object_put(out);
	json_object_put(in);
	network_free(net);
}

static void test_no_dhcp(void)
{
	struct vnet_error err = { "" };
	struct vnetd_network *net = parse("{\"name\":\"plain\",\"ipv4\":{\"address\":\"10.1.0.1/24\"}}", &err);
	struct json_object *out;

	CU_ASSERT_PTR_NOT_NULL_FATAL(net);
	CU_ASSERT_FALSE(dhcp_spec_needs_dnsmasq(&net->dhcp));
	out = network_to_json(net);
	CU_ASSERT_FALSE(json_object_object_get_ex(json_object_object_get(out, "ipv4"), "dhcp", NULL));
	CU_ASSERT_FALSE(json_object_object_get_ex(out, "dns", NULL));
	json_object_put(out);
	network_free(net);
}

static void test_errors(void)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{ "{\"name\":\"b\",\"ipv4\":{\"address\":\"10.1.0.1/24\",\"dhcp\":{\"ranges\":[{\"start\":\"10.2.0.2\",\"end\":\"10.2.0.9\"}]}}}",
		  "ipv4.dhcp.ranges[0].start '10.2.0.2' is outside the subnet" },
		{ "{\"name\":\"b\",\"ipv4\":{\"address\":\"10.1.0.1/24\",\"dhcp\":{\"ranges\":[{\"start\":\"10.1.0.9\",\"end\":\"10.1.0.2\"}]}}}",
		  "ipv4.dhcp.ranges[0] is reversed" },
		{ "{\"name\":\"b\",\"ipv4\":{\"address\":\"10.1.0.1/24\",\"dhcp\":{\"hosts\":[{\"mac\":\"52:54:00:00:00:01\",\"ip\":\"10.1.0.1\"}]}}}",
		  "10.1.0.1" },
		{ "{\"name\":\"b\",\"ipv4\":{\"address\":\"10.1.0.1/24\",\"dhcp\":{\"lease\":\"soon\"}}}", "soon" },
		{ "{\"name\":\"b\",\"ipv4\":{\"address\":\"10.1.0.1/24\"},\"dns\":{\"domain\":\"a..b\"}}", "a..b" },
		{ "{\"name\":\"b\",\"mode\":\"bridge\",\"uplink\":\"eth0\",\"dns\":{\"domain\":\"lan\"}}",
		  "dns is set but mode is 'bridge'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vnet_error err = { "" };
		struct vnetd_network *net = parse(cases[i].json, &err);

		CU_ASSERT_PTR_NULL(net);
		if (!strstr(err.msg, cases[i].msg))
			printf("\ncase %zu: '%s' does not contain '%s'\n", i, err.msg, cases[i].msg);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, cases[i].msg));
		network_free(net);
	}
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "the issue's JSON round-trips", test_round_trip },
		{ "no DHCP, no members", test_no_dhcp },
		{ "bad DHCP/DNS input", test_errors },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "vnetd network with DHCP", NULL, NULL, NULL, NULL, tests },
		CU_SUITE_INFO_NULL,
	};

	return tl_run_suites(suites);
}
