/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vnetd's network object: validation messages, defaults, round trips. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "testlib.h"
#include "../../vnetd/network.h"

static struct vnetd_network *parse(const char *json, int want, const char *msg_part)
{
	struct json_object *o = json_tokener_parse(json);
	struct vnetd_network *net = NULL;
	struct vnet_error err = { "" };
	int r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	r = network_parse(o, NULL, &net, &err);
	if (r != want || (msg_part && !strstr(err.msg, msg_part)))
		printf("\n%s\n  -> %d '%s' (wanted %d '%s')\n", json, r, err.msg, want,
		       msg_part ? msg_part : "");
	CU_ASSERT_EQUAL(r, want);
	if (msg_part)
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, msg_part));
	json_object_put(o);
	if (r < 0)
		CU_ASSERT_PTR_NULL(net);
	return net;
}

static void test_defaults(void)
{
	struct vnetd_network *net;
	struct json_object *o;

	net = parse("{\"name\":\"default\",\"ipv4\":{\"address\":\"192.168.122.1/24\"}}", 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(net);
	CU_ASSERT_EQUAL(net->mode, NETWORK_NAT);
	CU_ASSERT_STRING_EQUAL(net->bridge, "vnetbr0");
	CU_ASSERT_EQUAL(net->mtu, 1500);
	CU_ASSERT_FALSE(net->autostart);
	CU_ASSERT_TRUE(net->has_mac);
	o = network_to_json(net);
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "mode"), "nat");
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "bridge"), "vnetbr0");
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "ipv4.address"), "192.168.122.1/24");
	CU_ASSERT_PTR_NOT_NULL(tl_jget(o, "ipv4.nat"));
	CU_ASSERT_EQUAL(tl_jint(o, "mtu"), 1500);
	/* the MAC is fixed: a locally administered unicast address */
	CU_ASSERT_EQUAL(strlen(tl_jstr(o, "mac")), 17);
	json_object_put(o);
	network_free(net);
}

static void test_default_bridge_skips_taken(void)
{
	const char *taken[] = { "vnetbr0", "vnetbr1", NULL };
	struct json_object *o = json_tokener_parse("{\"name\":\"x\",\"mode\":\"isolated\"}");
	struct vnetd_network *net = NULL;
	struct vnet_error err;

	CU_ASSERT_EQUAL(network_parse(o, taken, &net, &err), 0);
	CU_ASSERT_STRING_EQUAL(net->bridge, "vnetbr2");
	network_free(net);
	json_object_put(o);
}

static void test_roundtrip(void)
{
	const char *in =
		"{ \"name\": \"default\", \"mode\": \"nat\", \"bridge\": \"vnetbr0\", \"mtu\": 9000, \"autostart\": true,"
		"  \"ipv4\": { \"address\": \"192.168.122.1/24\", \"nat\": { \"uplink\": \"eth0\" } },"
		"  \"ipv6\": { \"address\": \"fd00:122::1/64\" },"
		"  \"forwards\": [ { \"proto\": \"tcp\", \"port\": 8080, \"to\": \"192.168.122.10\", \"to_port\": 80 },"
		"                  { \"proto\": \"udp\", \"port\": \"5000-5010\", \"to\": \"192.168.122.11\" } ],"
		"  \"dns\": { \"domain\": \"default.vnet\" } }";
	struct vnetd_network *net = parse(in, 0, NULL), *again;
	struct json_object *o, *o2;
	struct vnet_error err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(net);
	CU_ASSERT_STRING_EQUAL(net->nat_uplink, "eth0");
	CU_ASSERT_EQUAL(net->n_forwards, 2);
	CU_ASSERT_EQUAL(net->forwards[0].port, 8080);
	CU_ASSERT_EQUAL(net->forwards[0].to_port, 80);
	CU_ASSERT_EQUAL(net->forwards[1].proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(net->forwards[1].port_end, 5010);
	CU_ASSERT_EQUAL(net->forwards[1].to_port, 5000);
	o = network_to_json(net);
	/* later features' keys are kept verbatim */
	CU_ASSERT_STRING_EQUAL(tl_jstr(o, "dns.domain"), "default.vnet");
	CU_ASSERT_EQUAL(network_parse(o, NULL, &again, &err), 0);
	o2 = network_to_json(again);
	CU_ASSERT_TRUE(json_object_equal(o, o2));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_object_get(
		json_object_array_get_idx(json_object_object_get(o, "forwards"), 1), "port")), "5000-5010");
	json_object_put(o);
	json_object_put(o2);
	network_free(net);
	network_free(again);
}

static void test_errors(void)
{
	parse("[]", -EINVAL, "JSON object");
	parse("{\"mode\":\"nat\"}", -EINVAL, "network name is missing");
	parse("{\"name\":\"a/b\"}", -EINVAL, "network name 'a/b' contains '/'");
	parse("{\"name\":\"abcdefghijabcdefghijabcdefghijabc\"}", -EINVAL, "at most 32");
	parse("{\"name\":\"n\",\"mode\":\"nope\"}", -EINVAL, "mode 'nope' is not allowed");
	parse("{\"name\":\"n\",\"mode\":\"nat\"}", -EINVAL, "ipv4.address is missing");
	parse("{\"name\":\"n\",\"mode\":\"routed\"}", -EINVAL, "mode 'routed' needs a gateway");
	parse("{\"name\":\"n\",\"mode\":\"bridge\"}", -EINVAL, "uplink is missing");
	parse("{\"name\":\"n\",\"mode\":\"bridge\",\"uplink\":\"eth0\",\"ipv4\":{\"address\":\"10.0.0.1/24\"}}",
	      -EINVAL, "ipv4 is set but mode is 'bridge'");
	parse("{\"name\":\"n\",\"bridge\":\"averyveryverylongname\",\"ipv4\":{\"address\":\"10.0.0.1/24\"}}",
	      -EINVAL, "bridge 'averyveryverylongname' is 21 bytes");
	parse("{\"name\":\"n\",\"ipv4\":{\"address\":\"10.0.0.0/24\"}}", -EINVAL, "subnet's own address");
	parse("{\"name\":\"n\",\"ipv4\":{\"address\":\"10.0.0.255/24\"}}", -EINVAL, "broadcast");
	parse("{\"name\":\"n\",\"ipv4\":{\"address\":\"10.0.0.1\"}}", -EINVAL, "no prefix length");
	parse("{\"name\":\"n\",\"ipv4\":{\"address\":\"10.0.0.1/31\"}}", -EINVAL, "prefix length 31");
	parse("{\"name\":\"n\",\"ipv4\":{\"address\":\"fd00::1/64\"}}", -EINVAL, "is not an IPv4 address");
	parse("{\"name\":\"n\",\"ipv4\":{\"address\":\"banana/24\"}}", -EINVAL, "banana");
	parse("{\"name\":\"n\",\"ipv4\":{\"address\":\"10.0.0.1/24\"},\"mtu\":20}", -EINVAL, "mtu 20 is out of range");
	parse("{\"name\":\"n\",\"ipv4\":{\"address\":\"10.0.0.1/24\"},\"mtu\":\"big\"}", -EINVAL, "mtu '\"big\"' is not an integer");
	parse("{\"name\":\"n\",\"ipv4\":{\"address\":\"10.0.0.1/24\"},\"autostart\":1}", -EINVAL, "autostart is a int");
	parse("{\"name\":\"n\",\"ipv4\":{\"address\":\"10.0.0.1/24\"},\"colour\":1}", -EINVAL, "unknown field 'colour'");
	parse("{\"name\":\"n\",\"ipv4\":{\"address\":\"10.0.0.1/24\"},\"mac\":\"01:00:5e:00:00:01\"}", -EINVAL, "mac");
	parse("{\"name\":\"n\",\"mode\":\"isolated\",\"ipv4\":{\"address\":\"10.0.0.1/24\",\"nat\":{}}}", -EINVAL, "NAT needs mode 'nat'");
	parse("{\"name\":\"n\",\"mode\":\"isolated\",\"uplink\":\"eth0\"}", -EINVAL, "uplink 'eth0' is set but mode is 'isolated'");
	parse("{\"name\":\"n\",\"ipv6\":{\"address\":\"fd00::/64\"},\"ipv4\":{\"address\":\"10.0.0.1/24\"}}", -EINVAL, "ipv6.address 'fd00::/64'");
}

static void test_forward_errors(void)
{
	const char *pre = "{\"name\":\"n\",\"ipv4\":{\"address\":\"10.0.0.1/24\"},\"forwards\":[";
	struct { const char *fwd, *msg; } cases[] = {
		{ "{\"proto\":\"icmp\",\"port\":1,\"to\":\"10.0.0.2\"}", "forwards[0]: forward proto 'icmp' is not allowed" },
		{ "{\"port\":1,\"to\":\"10.0.0.2\"}", "forward proto is missing" },
		{ "{\"proto\":\"tcp\",\"port\":0,\"to\":\"10.0.0.2\"}", "forward port 0 is out of range" },
		{ "{\"proto\":\"tcp\",\"port\":70000,\"to\":\"10.0.0.2\"}", "forward port 70000 is out of range" },
		{ "{\"proto\":\"tcp\",\"port\":\"90-80\",\"to\":\"10.0.0.2\"}", "forward port range '90-80' is reversed" },
		{ "{\"proto\":\"tcp\",\"port\":\"8x\",\"to\":\"10.0.0.2\"}", "forward port '8x' is neither" },
		{ "{\"proto\":\"tcp\",\"port\":80,\"to\":\"10.9.0.2\"}", "forward to '10.9.0.2' is outside" },
		{ "{\"proto\":\"tcp\",\"port\":80,\"to\":\"10.0.0.1\"}", "is the gateway itself" },
		{ "{\"proto\":\"tcp\",\"port\":80}", "forward to is missing" },
		{ "{\"proto\":\"tcp\",\"port\":80,\"to\":\"10.0.0.2\",\"to_port\":0}", "forward to_port 0 is out of range" },
		{ "{\"proto\":\"tcp\",\"port\":\"80-90\",\"to\":\"10.0.0.2\",\"to_port\":65530}", "runs past 65535" },
		{ "{\"proto\":\"tcp\",\"port\":80,\"to\":\"10.0.0.2\",\"address\":\"x\"}", "forward address 'x'" },
		{ "{\"proto\":\"tcp\",\"port\":80,\"to\":\"10.0.0.2\",\"speed\":1}", "unknown field 'speed'" },
		{ "{\"proto\":\"tcp\",\"port\":80,\"to\":\"10.0.0.2\"},{\"proto\":\"tcp\",\"port\":\"70-90\",\"to\":\"10.0.0.3\"}",
		  "forwards[1]: tcp port \"70-90\" overlaps" },
	};
	char buf[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s]}", pre, cases[i].fwd);
		parse(buf, -EINVAL, cases[i].msg);
	}
	/* tcp and udp on the same port are two forwards */
	snprintf(buf, sizeof(buf), "%s%s]}", pre,
		 "{\"proto\":\"tcp\",\"port\":53,\"to\":\"10.0.0.2\"},{\"proto\":\"udp\",\"port\":53,\"to\":\"10.0.0.2\"}");
	network_free(parse(buf, 0, NULL));
	/* forwards need NAT */
	parse("{\"name\":\"n\",\"mode\":\"routed\",\"ipv4\":{\"address\":\"10.0.0.1/24\"},\"forwards\":[{\"proto\":\"tcp\",\"port\":1,\"to\":\"10.0.0.2\"}]}",
	      -EINVAL, "port forwards need mode 'nat'");
}

static void test_conflicts(void)
{
	struct vnetd_network *a, *b, *c, *d;
	struct vnet_error err;

	a = parse("{\"name\":\"a\",\"bridge\":\"br-a\",\"ipv4\":{\"address\":\"10.1.0.1/16\"}}", 0, NULL);
	b = parse("{\"name\":\"b\",\"bridge\":\"br-b\",\"ipv4\":{\"address\":\"10.1.5.1/24\"}}", 0, NULL);
	c = parse("{\"name\":\"c\",\"bridge\":\"br-a\",\"ipv4\":{\"address\":\"10.2.0.1/24\"}}", 0, NULL);
	d = parse("{\"name\":\"a\",\"bridge\":\"br-d\",\"ipv4\":{\"address\":\"10.3.0.1/24\"}}", 0, NULL);
	CU_ASSERT_EQUAL(network_conflict(b, a, &err), -EBUSY);
	CU_ASSERT_STRING_EQUAL(err.msg, "ipv4.address '10.1.5.1/24' overlaps network 'a''s subnet 10.1.0.0/16");
	CU_ASSERT_EQUAL(network_conflict(c, a, &err), -EBUSY);
	CU_ASSERT_STRING_EQUAL(err.msg, "bridge 'br-a' is already the bridge of network 'a'");
	CU_ASSERT_EQUAL(network_conflict(d, a, &err), -EEXIST);
	CU_ASSERT_EQUAL(network_conflict(c, b, &err), 0);
	network_free(a);
	network_free(b);
	network_free(c);
	network_free(d);
}

static void test_fw_description(void)
{
	struct vnetd_network *net;
	struct vnet_fw_network fw;
	struct vnet_prefix subnets[2];

	net = parse("{\"name\":\"n\",\"bridge\":\"br0\",\"ipv4\":{\"address\":\"10.0.0.1/24\",\"nat\":{\"uplink\":\"eth0\"}},"
		    "\"ipv6\":{\"address\":\"fd00::1/64\"},\"forwards\":[{\"proto\":\"tcp\",\"port\":80,\"to\":\"10.0.0.2\"}]}", 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(net);
	network_fw(net, &fw, subnets);
	CU_ASSERT_EQUAL(fw.mode, VNET_FW_NAT);
	CU_ASSERT_STRING_EQUAL(fw.bridge, "br0");
	CU_ASSERT_STRING_EQUAL(fw.nat_uplink, "eth0");
	CU_ASSERT_EQUAL(fw.n_subnets, 2);
	CU_ASSERT_EQUAL(fw.subnets[0].family, AF_INET);
	CU_ASSERT_EQUAL(fw.subnets[1].family, AF_INET6);
	CU_ASSERT_EQUAL(fw.n_forwards, 1);
	CU_ASSERT_EQUAL(fw.forwards[0].to_port, 80);
	network_free(net);
}

static void test_name_check(void)
{
	struct vnet_error err;

	CU_ASSERT_EQUAL(network_name_check("lab-1.a_b", &err), 0);
	CU_ASSERT_EQUAL(network_name_check("", &err), -EINVAL);
	CU_ASSERT_EQUAL(network_name_check("..", &err), -EINVAL);
	CU_ASSERT_EQUAL(network_name_check("a b", &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "network name 'a b' contains ' '; allowed are letters, digits, '_', '-' and '.'");
}

/* ---- the forward index against the plain scans it replaced ---------- */

static ssize_t ref_find(const struct vnetd_network *net, const struct vnet_fw_forward *fwd)
{
	for (size_t i = 0; i < net->n_forwards; i++)
		if (forward_equal(&net->forwards[i], fwd))
			return i;
	return -1;
}

static ssize_t ref_overlaps(const struct vnetd_network *net, const struct vnet_fw_forward *fwd)
{
	unsigned int lo = fwd->port, hi = fwd->port_end ? fwd->port_end : fwd->port;

	for (size_t i = 0; i < net->n_forwards; i++) {
		const struct vnet_fw_forward *f = &net->forwards[i];
		unsigned int flo = f->port, fhi = f->port_end ? f->port_end : f->port;

		if (f->proto != fwd->proto || f->to.family != fwd->to.family)
			continue;
		if (f->has_address && fwd->has_address && !vnet_prefix_equal(&f->address, &fwd->address))
			continue;
		if (lo <= fhi && flo <= hi)
			return i;
	}
	return -1;
}

static void random_addr(struct vnet_prefix *p, int family, unsigned int host)
{
	memset(p, 0, sizeof(*p));
	p->family = family;
	p->len = family == AF_INET ? 32 : 128;
	p->addr.bytes[0] = family == AF_INET ? 10 : 0xfd;
	p->addr.bytes[family == AF_INET ? 3 : 15] = (uint8_t)host;
}

static void random_forward(struct vnet_fw_forward *f, unsigned int *seed)
{
	int family = rand_r(seed) % 4 ? AF_INET : AF_INET6;

	memset(f, 0, sizeof(*f));
	f->proto = rand_r(seed) % 2 ? IPPROTO_TCP : IPPROTO_UDP;
	f->port = 1 + rand_r(seed) % 3000;
	if (rand_r(seed) % 8 == 0)
		f->port_end = f->port + rand_r(seed) % 40;
	f->to_port = rand_r(seed) % 3 ? 0 : 80;
	random_addr(&f->to, family, 2 + rand_r(seed) % 3);
	f->has_address = rand_r(seed) % 3 == 0;
	if (f->has_address)
		random_addr(&f->address, family, 200 + rand_r(seed) % 2);
}

static void test_forward_index(void)
{
	struct vnetd_network *net = calloc(1, sizeof(*net));
	unsigned int seed = 7, mismatches = 0, adds = 0;
	struct vnet_fw_forward f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(net);
	/* an empty network answers "none" */
	random_forward(&f, &seed);
	CU_ASSERT_PTR_NULL(forward_lookup(net, &f));
	CU_ASSERT_PTR_NULL(forward_overlaps(net, &f));
	for (int op = 0; op < 20000; op++) {
		ssize_t want_eq, want_ov;
		const struct vnet_fw_forward *got;

		random_forward(&f, &seed);
		want_eq = ref_find(net, &f);
		want_ov = ref_overlaps(net, &f);
		got = forward_lookup(net, &f);
		mismatches += (want_eq >= 0) != (got != NULL) || (got && !forward_equal(got, &f));
		got = forward_overlaps(net, &f);
		mismatches += (want_ov >= 0) != (got != NULL);
		if (rand_r(&seed) % 3 && want_ov < 0) {
			/* added at the end, or put in the middle */
			int r;

			if (net->n_forwards && rand_r(&seed) % 4 == 0)
				r = network_forward_insert(net, rand_r(&seed) % net->n_forwards, &f);
			else
				r = network_forward_append(net, &f);
			CU_ASSERT_EQUAL(r, 0);
			adds++;
		} else if (net->n_forwards && rand_r(&seed) % 2) {
			size_t i = rand_r(&seed) % net->n_forwards;
			struct vnet_fw_forward gone = net->forwards[i];

			network_forward_delete(net, i);
			mismatches += forward_lookup(net, &gone) != NULL;
		}
	}
	/* every member is found as itself and as an overlap of itself */
	for (size_t i = 0; i < net->n_forwards; i++) {
		mismatches += forward_lookup(net, &net->forwards[i]) == NULL;
		mismatches += forward_overlaps(net, &net->forwards[i]) == NULL;
	}
	CU_ASSERT_EQUAL(mismatches, 0);
	CU_ASSERT_TRUE(adds > 1000);
	CU_ASSERT_TRUE(net->n_forwards > 500);
	network_free(net);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "defaults", test_defaults },
		{ "default bridge skips taken names", test_default_bridge_skips_taken },
		{ "round trip", test_roundtrip },
		{ "errors", test_errors },
		{ "forward errors", test_forward_errors },
		{ "conflicts", test_conflicts },
		{ "firewall description", test_fw_description },
		{ "name check", test_name_check },
		{ "forward index", test_forward_index },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "vnetd network", NULL, NULL, NULL, NULL, tests },
		CU_SUITE_INFO_NULL,
	};

	return tl_run_suites(suites);
}
