/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Files dnsmasq and the host write that vnetd reads: the lease file
 * (dhcp_leases_parse, then lease.list's JSON) and the host's resolv.conf
 * (dnsmasq_servers_from_resolv). The same text goes to both.
 */
#include <errno.h>
#include <json-c/json.h>

#include "dhcp-spec.h"
#include "dnsmasq-config.h"
#include "fuzz.h"

static void check_leases(const char *text)
{
	struct dhcp_lease *l = NULL;
	struct json_object *j;
	size_t n = 0, bad = 0, lines = 0;
	int r;

	r = dhcp_leases_parse(text, &l, &n, &bad);
	if (r == -ENOMEM)
		return;
	fuzz_assert(r == 0);
	for (const char *p = text; *p; p++)
		lines += *p == '\n' || p[1] == '\0';
	fuzz_assert(n + bad <= lines);
	for (size_t i = 0; i < n; i++) {
		struct vnet_prefix a;

		fuzz_assert(fuzz_terminated(l[i].mac, sizeof(l[i].mac)));
		fuzz_assert(fuzz_terminated(l[i].ip, sizeof(l[i].ip)));
		fuzz_assert(fuzz_terminated(l[i].hostname, sizeof(l[i].hostname)));
		fuzz_assert(fuzz_terminated(l[i].clientid, sizeof(l[i].clientid)));
		fuzz_assert(l[i].expires >= 0);
		fuzz_assert(vnet_addr_parse("ip", l[i].ip, &a, NULL) == 0);
		fuzz_assert((a.family == AF_INET6) == l[i].ipv6);
		fuzz_assert(!strchr(l[i].hostname, '\n') && !strchr(l[i].hostname, ' '));
	}
	j = dhcp_leases_to_json(l, n);
	if (j)
		fuzz_assert(json_object_array_length(j) == n);
	json_object_put(j);
	free(l);
}

static void check_servers(const char *text)
{
	char *out = dnsmasq_servers_from_resolv(text);
	const char *p;

	if (!out)
		return;
	/* Only "server=ADDRESS" lines, each address one vnet_addr_parse() accepts. */
	for (p = out; *p;) {
		const char *nl = strchr(p, '\n');
		char addr[VNET_PREFIX_STRLEN];
		struct vnet_prefix a;
		size_t len;

		fuzz_assert(nl);
		fuzz_assert(!strncmp(p, "server=", 7));
		len = (size_t)(nl - p) - 7;
		fuzz_assert(len > 0 && len < sizeof(addr));
		memcpy(addr, p + 7, len);
		addr[len] = '\0';
		fuzz_assert(vnet_addr_parse("server", addr, &a, NULL) == 0);
		p = nl + 1;
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size > 65536)
		return 0;
	text = fuzz_strndup(data, size);
	if (!text)
		return 0;
	check_leases(text);
	check_servers(text);
	free(text);
	return 0;
}
