/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A deterministic fuzz pass over the network object parser: valid
 * definitions mutated byte by byte and field by field. Every input must end
 * in a network that serialises and parses back to itself, or in -EINVAL with
 * a message; never a crash (run it under the sanitizers).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "../../vnetd/network.h"

static const char *const seeds[] = {
	"{\"name\":\"default\",\"mode\":\"nat\",\"bridge\":\"vnetbr0\",\"mtu\":1500,\"autostart\":true,"
	"\"ipv4\":{\"address\":\"192.168.122.1/24\",\"nat\":{\"uplink\":\"eth0\"}},\"ipv6\":{\"address\":\"fd00:122::1/64\"},"
	"\"forwards\":[{\"proto\":\"tcp\",\"port\":8080,\"to\":\"192.168.122.10\",\"to_port\":80},"
	"{\"proto\":\"udp\",\"port\":\"5000-5010\",\"to\":\"fd00:122::10\",\"address\":\"fd00::1\"}]}",
	"{\"name\":\"lan\",\"mode\":\"bridge\",\"uplink\":\"eno1\",\"mac\":\"52:54:00:12:34:56\"}",
	"{\"name\":\"iso\",\"mode\":\"isolated\",\"ipv4\":{\"address\":\"10.0.0.1/8\",\"dhcp\":{\"x\":1}},\"dns\":{}}",
	"{\"name\":\"r\",\"mode\":\"routed\",\"ipv6\":{\"address\":\"2001:db8::1/126\"}}",
};

static const char *const tokens[] = {
	"\"", "{", "}", "[", "]", ",", ":", "null", "true", "0", "-1", "65536", "1e9", "\"\"",
	"\"a/b\"", "\"0.0.0.0/0\"", "\"::/0\"", "\"255.255.255.255/32\"", "\"1-65535\"", "\"65535-1\"",
	"\"bridge\"", "\"nat\"", "\"tcp\"", "\\u0000", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void one(const char *text)
{
	struct json_object *o = json_tokener_parse(text), *back;
	struct vnetd_network *net = NULL, *again = NULL;
	struct vnet_error err = { "" };
	int r;

	if (!o)
		return;
	r = network_parse(o, NULL, &net, &err);
	if (r < 0) {
		CU_ASSERT_EQUAL(r, -EINVAL);
		CU_ASSERT_NOT_EQUAL(err.msg[0], '\0');
		CU_ASSERT_PTR_NULL(net);
	} else {
		back = network_to_json(net);
		CU_ASSERT_EQUAL(network_parse(back, NULL, &again, &err), 0);
		if (again) {
			struct json_object *back2 = network_to_json(again);

			CU_ASSERT_TRUE(json_object_equal(back, back2));
			json_object_put(back2);
		}
		json_object_put(back);
		network_free(again);
		network_free(net);
	}
	json_object_put(o);
}

static void test_fuzz(void)
{
	char buf[4096];

	for (int i = 0; i < 40000; i++) {
		const char *seed = seeds[next() % (sizeof(seeds) / sizeof(seeds[0]))];
		size_t len = strlen(seed);
		int edits = 1 + next() % 4;

		memcpy(buf, seed, len + 1);
		for (int e = 0; e < edits; e++) {
			size_t at = next() % (len + 1);

			switch (next() % 3) {
			case 0:  /* flip a byte */
				if (at < len)
					buf[at] = (char)(next() % 95 + 32);
				break;
			case 1: { /* insert a token */
				const char *t = tokens[next() % (sizeof(tokens) / sizeof(tokens[0]))];
				size_t tl = strlen(t);

				if (len + tl + 1 < sizeof(buf)) {
					memmove(buf + at + tl, buf + at, len - at + 1);
					memcpy(buf + at, t, tl);
					len += tl;
				}
				break;
			}
			default: { /* cut a span */
				size_t n = next() % 8;

				if (at + n <= len) {
					memmove(buf + at, buf + at + n, len - at - n + 1);
					len -= n;
				}
				break;
			}
			}
		}
		one(buf);
	}
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "mutated definitions", test_fuzz },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "vnetd parser fuzz", NULL, NULL, NULL, NULL, tests },
		CU_SUITE_INFO_NULL,
	};

	return tl_run_suites(suites);
}
