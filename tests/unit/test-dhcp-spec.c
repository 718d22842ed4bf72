/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The DHCP/DNS part of a network: JSON round trip, every refusal, live host changes. */
#include <string.h>
#include <sys/socket.h>

#include "testlib.h"
#include "dhcp-spec.h"

/* The example, verbatim. */
static const char *good_json =
	"{ \"name\": \"default\", \"mode\": \"nat\","
	"  \"ipv4\": { \"address\": \"192.168.122.1/24\","
	"            \"dhcp\": { \"ranges\": [ { \"start\": \"192.168.122.2\", \"end\": \"192.168.122.254\" } ],"
	"                      \"lease\": \"1h\","
	"                      \"hosts\": [ { \"mac\": \"52:54:00:00:00:10\", \"ip\": \"192.168.122.10\", \"name\": \"web\" } ] } },"
	"  \"dns\": { \"domain\": \"default.vnet\", \"hosts\": [ { \"ip\": \"192.168.122.20\", \"names\": [\"db\"] } ],"
	"           \"forwarders\": [ \"192.0.2.53\" ] } }";

static int parse(const char *text, struct dhcp_spec *s, struct vnet_error *err)
{
	struct json_object *o = json_tokener_parse(text);
	int r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	err->msg[0] = '\0';
	r = dhcp_spec_from_json(s, o, err);
	json_object_put(o);
	return r;
}

static void test_good(void)
{
	struct dhcp_spec s;
	struct vnet_error err;
	struct json_object *in, *out;
	char buf[VNET_PREFIX_STRLEN];

	CU_ASSERT_EQUAL_FATAL(parse(good_json, &s, &err), 0);
	CU_ASSERT_TRUE(s.has_ipv4);
	CU_ASSERT_STRING_EQUAL(vnet_prefix_format(&s.ipv4, true, buf), "192.168.122.1/24");
	CU_ASSERT_TRUE(s.dhcp4.enabled);
	CU_ASSERT_EQUAL(s.dhcp4.n_ranges, 1);
	CU_ASSERT_STRING_EQUAL(vnet_prefix_format(&s.dhcp4.ranges[0].end, false, buf), "192.168.122.254");
	CU_ASSERT_EQUAL(s.dhcp4.lease, 3600);
	CU_ASSERT_EQUAL_FATAL(s.n_hosts, 1);
	CU_ASSERT_EQUAL(s.hosts[0].mac[5], 0x10);
	CU_ASSERT_STRING_EQUAL(s.hosts[0].name, "web");
	CU_ASSERT_STRING_EQUAL(s.domain, "default.vnet");
	CU_ASSERT_EQUAL_FATAL(s.n_dns_hosts, 1);
	CU_ASSERT_STRING_EQUAL(s.dns_hosts[0].names[0], "db");
	CU_ASSERT_EQUAL(s.n_forwarders, 1);
	CU_ASSERT_FALSE(s.has_ipv6);
	CU_ASSERT_TRUE(dhcp_spec_needs_dnsmasq(&s));

	/* written back, the three members are exactly the issue's */
	in = json_tokener_parse(good_json);
	out = json_tokener_parse("{ \"name\": \"default\", \"mode\": \"nat\" }");
	CU_ASSERT_EQUAL(dhcp_spec_to_json(&s, out), 0);
	CU_ASSERT_TRUE(json_object_equal(in, out));
	json_object_put(in);
	json_object_put(out);
	dhcp_spec_clear(&s);
	CU_ASSERT_EQUAL(s.n_hosts, 0);
}

static void test_ipv6_and_copy(void)
{
	const char *j = "{ \"ipv6\": { \"address\": \"fd00:1::1/64\","
			" \"dhcp\": { \"ranges\": [ { \"start\": \"fd00:1::100\", \"end\": \"fd00:1::1ff\" } ], \"lease\": \"90m\" } },"
			" \"ipv4\": { \"address\": \"10.0.0.1/24\" } }";
	struct dhcp_spec s, c;
	struct vnet_error err;
	struct json_object *in = json_tokener_parse(j), *out = json_object_new_object();

	CU_ASSERT_EQUAL_FATAL(parse(j, &s, &err), 0);
	CU_ASSERT_TRUE(s.has_ipv6);
	CU_ASSERT_TRUE(s.dhcp6.enabled);
	CU_ASSERT_EQUAL(s.dhcp6.lease, 5400);
	CU_ASSERT_FALSE(s.dhcp4.enabled);
	CU_ASSERT_TRUE(dhcp_spec_needs_dnsmasq(&s));
	CU_ASSERT_TRUE(dhcp_spec_has_ra(&s));
	CU_ASSERT_EQUAL(dhcp_spec_to_json(&s, out), 0);
	CU_ASSERT_TRUE(json_object_equal(in, out));
	dhcp_spec_clear(&s);

	/* a /48 gateway is a routed subnet without RA: valid, and no dnsmasq for it */
	CU_ASSERT_EQUAL_FATAL(parse("{ \"ipv6\": { \"address\": \"fd00:1::1/48\" } }", &s, &err), 0);
	CU_ASSERT_TRUE(s.has_ipv6);
	CU_ASSERT_FALSE(dhcp_spec_has_ra(&s));
	CU_ASSERT_FALSE(dhcp_spec_needs_dnsmasq(&s));
	dhcp_spec_clear(&s);

	CU_ASSERT_EQUAL_FATAL(parse(good_json, &s, &err), 0);
	CU_ASSERT_EQUAL_FATAL(dhcp_spec_copy(&c, &s), 0);
	dhcp_spec_clear(&s);
	CU_ASSERT_STRING_EQUAL(c.hosts[0].name, "web");
	CU_ASSERT_STRING_EQUAL(c.dns_hosts[0].names[0], "db");
	CU_ASSERT_STRING_EQUAL(c.domain, "default.vnet");
	dhcp_spec_clear(&c);
	json_object_put(in);
	json_object_put(out);

	/* no DHCP, no DNS, no IPv6: no dnsmasq */
	CU_ASSERT_EQUAL_FATAL(parse("{ \"ipv4\": { \"address\": \"10.0.0.1/24\" } }", &s, &err), 0);
	CU_ASSERT_FALSE(dhcp_spec_needs_dnsmasq(&s));
	dhcp_spec_clear(&s);
}

#define NET4(DHCP) "{ \"ipv4\": { \"address\": \"192.168.122.1/24\", \"dhcp\": " DHCP " } }"
#define RANGE(A, B) "{ \"ranges\": [ { \"start\": \"" A "\", \"end\": \"" B "\" } ] }"
#define HOSTS(H) "{ \"ranges\": [], \"hosts\": [ " H " ] }"
#define HOST(M, I, N) "{ \"mac\": \"" M "\", \"ip\": \"" I "\", \"name\": \"" N "\" }"
#define DNS(D) "{ \"dns\": " D " }"
#define LONG63 "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc"

static const struct {
	const char *json;
	const char *msg;    /* the exact message */
} bad[] = {
	/* ranges */
	{ NET4(RANGE("10.0.0.2", "192.168.122.9")),
	  "ipv4.dhcp.ranges[0].start '10.0.0.2' is outside the subnet 192.168.122.0/24 of ipv4.address" },
	{ NET4(RANGE("192.168.122.2", "192.168.123.9")),
	  "ipv4.dhcp.ranges[0].end '192.168.123.9' is outside the subnet 192.168.122.0/24 of ipv4.address" },
	{ NET4(RANGE("192.168.122.200", "192.168.122.100")),
	  "ipv4.dhcp.ranges[0] is reversed: start '192.168.122.200' comes after end '192.168.122.100'" },
	{ NET4(RANGE("192.168.122.1", "192.168.122.10")),
	  "ipv4.dhcp.ranges[0] '192.168.122.1'-'192.168.122.10' contains the gateway's own address 192.168.122.1 (ipv4.address)" },
	{ NET4(RANGE("192.168.122.0", "192.168.122.10")),
	  "ipv4.dhcp.ranges[0].start '192.168.122.0' is the subnet's network address" },
	{ NET4(RANGE("192.168.122.10", "192.168.122.255")),
	  "ipv4.dhcp.ranges[0].end '192.168.122.255' is the subnet's broadcast address" },
	{ NET4(RANGE("fd00::1", "fd00::2")),
	  "ipv4.dhcp.ranges[0].start 'fd00::1' is not an ipv4 address" },
	{ NET4("{ \"ranges\": [ { \"start\": \"192.168.122.2\", \"end\": \"192.168.122.50\" },"
	       " { \"start\": \"192.168.122.40\", \"end\": \"192.168.122.60\" } ] }"),
	  "ipv4.dhcp.ranges[1] '192.168.122.40'-'192.168.122.60' overlaps ranges[0]" },
	{ NET4("{ \"ranges\": [ { \"start\": \"192.168.122.300\", \"end\": \"192.168.122.5\" } ] }"),
	  "ipv4.dhcp.ranges[0].start '192.168.122.300' is not an IPv4 or IPv6 address" },
	{ NET4("{ \"ranges\": [ { \"end\": \"192.168.122.5\" } ] }"),
	  "ipv4.dhcp.ranges[0].start is missing" },
	{ NET4("{ \"ranges\": { } }"), "ipv4.dhcp.ranges must be an array" },
	{ NET4("{ \"range\": [] }"), "ipv4.dhcp has an unknown member 'range'" },
	{ "{ \"ipv4\": { \"dhcp\": { } } }",
	  "ipv4.dhcp needs ipv4.address (the gateway dnsmasq serves from)" },
	{ "{ \"ipv4\": { \"address\": \"192.168.122.1/31\", \"dhcp\": { } } }",
	  "ipv4.address '192.168.122.1/31' has no room for DHCP clients; use a prefix of /30 or shorter" },
	/* static hosts */
	{ NET4(HOSTS(HOST("52:54:00:00:00:10", "10.0.0.10", "web"))),
	  "ipv4.dhcp.hosts[0].ip '10.0.0.10' is outside the subnet 192.168.122.0/24 of ipv4.address" },
	{ NET4(HOSTS(HOST("52:54:00:00:00:10", "192.168.122.1", "web"))),
	  "ipv4.dhcp.hosts[0].ip '192.168.122.1' is the gateway's own address (ipv4.address)" },
	{ NET4(HOSTS(HOST("52:54:00:00:00:10", "192.168.122.10", "web") ","
		     HOST("52:54:00:00:00:10", "192.168.122.11", "db"))),
	  "ipv4.dhcp.hosts[1].mac '52:54:00:00:00:10' is already used by hosts[0]" },
	{ NET4(HOSTS(HOST("52:54:00:00:00:10", "192.168.122.10", "web") ","
		     HOST("52:54:00:00:00:11", "192.168.122.10", "db"))),
	  "ipv4.dhcp.hosts[1].ip '192.168.122.10' is already used by hosts[0]" },
	{ NET4(HOSTS(HOST("52:54:00:00:00:10", "192.168.122.10", "web") ","
		     HOST("52:54:00:00:00:11", "192.168.122.11", "WEB"))),
	  "ipv4.dhcp.hosts[1].name 'WEB' is already used by hosts[0]" },
	{ NET4(HOSTS(HOST("52:54:00:00:00", "192.168.122.10", "web"))),
	  "ipv4.dhcp.hosts[0].mac '52:54:00:00:00' is not a MAC address (expected six hex pairs like 52:54:00:12:34:56)" },
	{ NET4(HOSTS(HOST("52:54:00:00:00:1g", "192.168.122.10", "web"))),
	  "ipv4.dhcp.hosts[0].mac '52:54:00:00:00:1g' is not a MAC address (expected six hex pairs like 52:54:00:12:34:56)" },
	{ NET4(HOSTS(HOST("01:00:5e:00:00:01", "192.168.122.10", "web"))),
	  "ipv4.dhcp.hosts[0].mac 01:00:5e:00:00:01 is a multicast address; an interface needs a unicast MAC (first byte even)" },
	{ NET4(HOSTS(HOST("52:54:00:00:00:10", "192.168.122.10", "we_b"))),
	  "ipv4.dhcp.hosts[0].name 'we_b' is not a valid DNS name: '_' is not allowed (letters, digits and '-' only)" },
	{ NET4(HOSTS(HOST("52:54:00:00:00:10", "192.168.122.10", "-web"))),
	  "ipv4.dhcp.hosts[0].name '-web': a DNS label may not start or end with '-'" },
	{ NET4(HOSTS(HOST("52:54:00:00:00:10", "192.168.122.10", "web.example"))),
	  "ipv4.dhcp.hosts[0].name 'web.example' must be a single DNS label (no '.'); the domain is added from dns.domain" },
	{ NET4(HOSTS(HOST("52:54:00:00:00:10", "192.168.122.10", LONG63 "d"))),
	  "ipv4.dhcp.hosts[0].name '" LONG63 "d' has a label of 64 bytes; a DNS label is at most 63" },
	{ NET4(HOSTS(HOST("52:54:00:00:00:10", "192.168.122.10", ""))),
	  "ipv4.dhcp.hosts[0].name is empty; a DNS name needs at least one letter or digit" },
	{ NET4(HOSTS("{ \"mac\": \"52:54:00:00:00:10\", \"ip\": \"192.168.122.10\", \"nam\": \"x\" }")),
	  "ipv4.dhcp.hosts[0] has an unknown member 'nam'" },
	/* lease times */
	{ NET4("{ \"lease\": \"1x\" }"),
	  "ipv4.dhcp.lease '1x' does not parse; use seconds ('3600'), '30m', '1h', '2d', '1w' or 'infinite'" },
	{ NET4("{ \"lease\": \"h\" }"),
	  "ipv4.dhcp.lease 'h' does not parse; use seconds ('3600'), '30m', '1h', '2d', '1w' or 'infinite'" },
	{ NET4("{ \"lease\": \"1hh\" }"),
	  "ipv4.dhcp.lease '1hh' does not parse; use seconds ('3600'), '30m', '1h', '2d', '1w' or 'infinite'" },
	{ NET4("{ \"lease\": \"-5\" }"),
	  "ipv4.dhcp.lease '-5' does not parse; use seconds ('3600'), '30m', '1h', '2d', '1w' or 'infinite'" },
	{ NET4("{ \"lease\": \"60\" }"),
	  "ipv4.dhcp.lease '60' is 60 seconds; dnsmasq needs at least 120 (2m)" },
	{ NET4("{ \"lease\": \"1m\" }"),
	  "ipv4.dhcp.lease '1m' is 60 seconds; dnsmasq needs at least 120 (2m)" },
	{ NET4("{ \"lease\": \"99999999w\" }"),
	  "ipv4.dhcp.lease '99999999w' is too long; at most 4294967294 seconds, or 'infinite'" },
	{ NET4("{ \"lease\": 3600 }"), "ipv4.dhcp.lease must be a string" },
	/* DNS */
	{ DNS("{ \"domain\": \"default..vnet\" }"), "dns.domain 'default..vnet' has an empty label" },
	{ DNS("{ \"domain\": \"default.vnet.\" }"),
	  "dns.domain 'default.vnet.' has an empty label (no trailing dot, please)" },
	{ DNS("{ \"domain\": \"" LONG63 "." LONG63 "." LONG63 "." LONG63 "\" }"),
	  "dns.domain 'abcdefghijabcdefghijabcdefghijabcdefghij...' is 255 bytes; a DNS name is at most 253" },
	{ DNS("{ \"hosts\": [ { \"ip\": \"192.168.122.20\", \"names\": [ \"db\", \"d b\" ] } ] }"),
	  "dns.hosts[0].names[1] 'd b' is not a valid DNS name: ' ' is not allowed (letters, digits and '-' only)" },
	{ DNS("{ \"hosts\": [ { \"ip\": \"192.168.122.20\", \"names\": [ ] } ] }"),
	  "dns.hosts[0].names is empty; give at least one name" },
	{ DNS("{ \"hosts\": [ { \"ip\": \"192.168.122.20\" } ] }"), "dns.hosts[0].names is missing" },
	{ DNS("{ \"hosts\": [ { \"ip\": \"192.168.122.20\", \"names\": [ \"a\" ] },"
	      " { \"ip\": \"192.168.122.20\", \"names\": [ \"b\" ] } ] }"),
	  "dns.hosts[1].ip '192.168.122.20' is already used by dns.hosts[0]; list all its names there" },
	{ DNS("{ \"hosts\": [ { \"ip\": \"db\", \"names\": [ \"a\" ] } ] }"),
	  "dns.hosts[0].ip 'db' is not an IPv4 or IPv6 address" },
	{ DNS("{ \"forwarders\": [ \"192.0.2.53\", \"192.0.2.53\" ] }"),
	  "dns.forwarders[1] '192.0.2.53' is listed twice" },
	{ DNS("{ \"forwarders\": [ \"resolver\" ] }"), "dns.forwarders[0] 'resolver' is not an IPv4 or IPv6 address" },
	{ DNS("{ \"forwarders\": \"192.0.2.53\" }"), "dns.forwarders must be an array" },
	{ DNS("{ \"domian\": \"x\" }"), "dns has an unknown member 'domian'" },
	/* IPv6 */
	{ "{ \"ipv6\": { \"address\": \"fd00:1::1/48\", \"dhcp\": {} } }",
	  "ipv6.address 'fd00:1::1/48' has a /48 prefix; ipv6.dhcp goes with router advertisements (SLAAC), which need /64" },
	{ "{ \"ipv6\": { \"address\": \"fd00:1::1/64\", \"dhcp\": "
	  RANGE("fd00:2::1", "fd00:2::9") " } }",
	  "ipv6.dhcp.ranges[0].start 'fd00:2::1' is outside the subnet fd00:1::/64 of ipv6.address" },
	{ "{ \"ipv6\": { \"dhcp\": { } } }", "ipv6.dhcp needs ipv6.address" },
	{ "{ \"ipv6\": { \"address\": \"192.168.1.1/24\" } }",
	  "ipv6.address '192.168.1.1/24' is not an IPv6 address" },
	{ "{ \"ipv4\": { \"address\": \"fd00::1/64\" } }", "ipv4.address 'fd00::1/64' is not an IPv4 address" },
	{ "{ \"ipv4\": \"10.0.0.1/24\" }", "ipv4 must be an object" },
};

static void test_bad(void)
{
	struct vnet_error err;
	struct dhcp_spec s;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse(bad[i].json, &s, &err);

		CU_ASSERT_EQUAL(r, -EINVAL);
		if (strcmp(err.msg, bad[i].msg) != 0) {
			fprintf(stderr, "case %zu\n  want: %s\n  got:  %s\n", i, bad[i].msg, err.msg);
			CU_FAIL("message differs");
		}
		/* a refusal leaves nothing behind */
		CU_ASSERT_EQUAL(s.n_hosts, 0);
		CU_ASSERT_PTR_NULL(s.domain);
	}
}

static void test_lease(void)
{
	struct vnet_error err;
	uint32_t v;
	char buf[16];

	CU_ASSERT_EQUAL(dhcp_lease_parse("lease", "1h", &v, &err), 0);
	CU_ASSERT_EQUAL(v, 3600);
	CU_ASSERT_EQUAL(dhcp_lease_parse("lease", "30m", &v, &err), 0);
	CU_ASSERT_EQUAL(v, 1800);
	CU_ASSERT_EQUAL(dhcp_lease_parse("lease", "3600", &v, &err), 0);
	CU_ASSERT_EQUAL(v, 3600);
	CU_ASSERT_EQUAL(dhcp_lease_parse("lease", "2m", &v, &err), 0);
	CU_ASSERT_EQUAL(v, 120);
	CU_ASSERT_EQUAL(dhcp_lease_parse("lease", "2d", &v, &err), 0);
	CU_ASSERT_EQUAL(v, 172800);
	CU_ASSERT_EQUAL(dhcp_lease_parse("lease", "1w", &v, &err), 0);
	CU_ASSERT_EQUAL(v, 604800);
	CU_ASSERT_EQUAL(dhcp_lease_parse("lease", "150s", &v, &err), 0);
	CU_ASSERT_EQUAL(v, 150);
	CU_ASSERT_EQUAL(dhcp_lease_parse("lease", "infinite", &v, &err), 0);
	CU_ASSERT_EQUAL(v, DHCP_LEASE_INFINITE);
	CU_ASSERT_EQUAL(dhcp_lease_parse("lease", "119", &v, &err), -EINVAL);
	CU_ASSERT_EQUAL(dhcp_lease_parse("lease", "", &v, &err), -EINVAL);
	CU_ASSERT_EQUAL(dhcp_lease_parse("lease", "1 h", &v, &err), -EINVAL);

	CU_ASSERT_STRING_EQUAL(dhcp_lease_format(3600, buf), "1h");
	CU_ASSERT_STRING_EQUAL(dhcp_lease_format(5400, buf), "90m");
	CU_ASSERT_STRING_EQUAL(dhcp_lease_format(150, buf), "150");
	CU_ASSERT_STRING_EQUAL(dhcp_lease_format(DHCP_LEASE_INFINITE, buf), "infinite");
}

static void test_dns_names(void)
{
	struct vnet_error err;

	CU_ASSERT_EQUAL(dhcp_dns_name_check("n", "web", true, &err), 0);
	CU_ASSERT_EQUAL(dhcp_dns_name_check("n", "1web", true, &err), 0);   /* RFC 1123 allows a digit first */
	CU_ASSERT_EQUAL(dhcp_dns_name_check("n", "a-b.c-d.vnet", false, &err), 0);
	CU_ASSERT_EQUAL(dhcp_dns_name_check("n", LONG63, true, &err), 0);
	CU_ASSERT_EQUAL(dhcp_dns_name_check("n", "web-", true, &err), -EINVAL);
	CU_ASSERT_EQUAL(dhcp_dns_name_check("n", ".web", false, &err), -EINVAL);
	CU_ASSERT_EQUAL(dhcp_dns_name_check("n", "w\xc3\xa9" "b", true, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg,
			       "n 'w\xc3\xa9" "b' is not a valid DNS name: '?' is not allowed (letters, digits and '-' only)");
	/* 253 bytes in all is the limit: 3 x 63 + 3 dots + 61 */
	CU_ASSERT_EQUAL(dhcp_dns_name_check("n", LONG63 "." LONG63 "." LONG63 "."
					    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghija",
					    false, &err), 0);
	CU_ASSERT_EQUAL(dhcp_dns_name_check("n", LONG63 "." LONG63 "." LONG63 "."
					    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijab",
					    false, &err), -EINVAL);
}

static void test_live_changes(void)
{
	struct dhcp_spec s;
	struct vnet_error err;
	const char *names[] = { "cache", "redis" };
	const char *badnames[] = { "ca che" };

	CU_ASSERT_EQUAL_FATAL(parse(good_json, &s, &err), 0);
	CU_ASSERT_EQUAL(dhcp_spec_host_add(&s, "52:54:00:00:00:11", "192.168.122.11", "api", &err), 0);
	CU_ASSERT_EQUAL(s.n_hosts, 2);
	CU_ASSERT_EQUAL(dhcp_spec_host_add(&s, "52:54:00:00:00:11", "192.168.122.12", NULL, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "ipv4.dhcp.hosts[2].mac '52:54:00:00:00:11' is already used by hosts[1]");
	CU_ASSERT_EQUAL(dhcp_spec_host_add(&s, "52:54:00:00:00:12", "192.168.122.10", NULL, &err), -EINVAL);
	CU_ASSERT_EQUAL(dhcp_spec_host_add(&s, "52:54:00:00:00:12", "192.168.122.1", NULL, &err), -EINVAL);
	CU_ASSERT_EQUAL(dhcp_spec_host_add(&s, "52:54:00:00:00:12", "10.1.1.1", NULL, &err), -EINVAL);
	CU_ASSERT_EQUAL(dhcp_spec_host_add(&s, "52:54:00:00:0012", "192.168.122.12", NULL, &err), -EINVAL);
	CU_ASSERT_EQUAL(dhcp_spec_host_add(&s, "52:54:00:00:00:12", "192.168.122.12", "a_b", &err), -EINVAL);
	/* every refusal above left the spec as it was */
	CU_ASSERT_EQUAL(s.n_hosts, 2);
	CU_ASSERT_EQUAL(dhcp_spec_host_remove(&s, "52:54:00:00:00:10", &err), 0);
	CU_ASSERT_EQUAL(s.n_hosts, 1);
	CU_ASSERT_STRING_EQUAL(s.hosts[0].name, "api");
	CU_ASSERT_EQUAL(dhcp_spec_host_remove(&s, "52:54:00:00:00:10", &err), -ENOENT);
	CU_ASSERT_STRING_EQUAL(err.msg, "no static DHCP host has mac '52:54:00:00:00:10'");

	CU_ASSERT_EQUAL(dhcp_spec_dns_host_add(&s, "192.168.122.30", names, 2, &err), 0);
	CU_ASSERT_EQUAL(s.n_dns_hosts, 2);
	CU_ASSERT_EQUAL(dhcp_spec_dns_host_add(&s, "192.168.122.30", names, 1, &err), -EINVAL);
	CU_ASSERT_EQUAL(dhcp_spec_dns_host_add(&s, "192.168.122.31", badnames, 1, &err), -EINVAL);
	CU_ASSERT_EQUAL(dhcp_spec_dns_host_add(&s, "192.168.122.31", names, 0, &err), -EINVAL);
	CU_ASSERT_EQUAL(s.n_dns_hosts, 2);
	CU_ASSERT_EQUAL(dhcp_spec_dns_host_remove(&s, "192.168.122.20", &err), 0);
	CU_ASSERT_EQUAL(s.n_dns_hosts, 1);
	CU_ASSERT_STRING_EQUAL(s.dns_hosts[0].names[1], "redis");
	CU_ASSERT_EQUAL(dhcp_spec_dns_host_remove(&s, "192.168.122.20", &err), -ENOENT);
	CU_ASSERT_EQUAL(dhcp_spec_validate(&s, &err), 0);
	dhcp_spec_clear(&s);
}

static CU_TestInfo spec_tests[] = {
	{ "the issue's JSON round-trips", test_good },
	{ "IPv6, copy, no dnsmasq needed", test_ipv6_and_copy },
	{ "every bad input has its message", test_bad },
	{ "lease times", test_lease },
	{ "DNS names (RFC 1123)", test_dns_names },
	{ "live host changes", test_live_changes },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "dhcp-spec", NULL, NULL, NULL, NULL, spec_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return tl_run_suites(suites);
}
