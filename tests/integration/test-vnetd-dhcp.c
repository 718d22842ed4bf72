/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vnetd's DHCP and DNS end to end: the real daemon in the test's private
 * namespace, its supervised dnsmasq, and real clients (busybox udhcpc, ISC
 * dhclient) in "VM" namespaces on the network's bridge. A dynamic lease in
 * the range and a static one by MAC; names from VM to VM and from the host;
 * a host added live served by the same dnsmasq; the same address renewed
 * after dnsmasq is SIGKILLed (the supervisor restarts it) and after vnetd is
 * restarted (the dnsmasq is adopted, not restarted); lease.list; an
 * isolated network's DHCP; nothing answered on the host's outside address;
 * every bad input refused with its own message and nothing changed.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"
#include "test-vnetd-harness.h"

#define GW "10.55.0.1"
#define MAC_DYN "52:54:00:55:00:0a"
#define MAC_WEB "52:54:00:55:00:10"
#define MAC_LIVE "52:54:00:55:00:0b"
#define MAC_DHCLIENT "52:54:00:55:00:0c"

static struct vd vd;
static char work[64];
static char ns_a[32], ns_b[32], ns_c[32], ns_w[32], ns_out[32], ns_iso[32];
static char dyn_ip[64];

static void put(struct json_object *o)
{
	json_object_put(o);
}

static void expect_ok(const char *method, const char *params)
{
	struct json_object *r = vd_call(&vd, method, "%s", params);

	CU_ASSERT_PTR_NOT_NULL(ok(r));
	put(r);
}

/* The network's status.dnsmasq.@key as a number (-1 when absent). */
static int dnsmasq_status(const char *net, const char *key)
{
	struct json_object *r = vd_call(&vd, "network.get", "{\"name\":\"%s\"}", net), *res, *v;
	int x = -1;

	res = ok(r);
	if (res && json_object_object_get_ex(res, "status", &v) &&
	    json_object_object_get_ex(v, "dnsmasq", &v) &&
	    json_object_object_get_ex(v, key, &v))
		x = json_object_get_int(v);
	put(r);
	return x;
}

/* The network's status.dnsmasq.pid (0 when not running). */
static int dnsmasq_pid(const char *net)
{
	int pid = dnsmasq_status(net, "pid");

	return pid > 0 ? pid : 0;
}

/* Wait until the network's dnsmasq runs with a pid other than @not (up to @ms). */
static int dnsmasq_pid_wait(const char *net, int not, int ms)
{
	int pid = 0;

	for (int i = 0; i < ms / 50; i++) {
		pid = dnsmasq_pid(net);
		if (pid && pid != not)
			return pid;
		usleep(50 * 1000);
	}
	return 0;
}

/*
 * The rtnetlink groups of @pid's rtnetlink socket, as /proc/net/netlink
 * lists them (hex), or "" when it has none.
 */
static char *netlink_groups(int pid)
{
	char *out = tl_capture(NULL,
		"for f in /proc/%d/fd/*; do l=$(readlink $f); case $l in socket:*) i=${l#socket:[}; "
		"awk -v i=\"${i%%]}\" '$2 == 0 && $NF == i { print $4 }' /proc/net/netlink;; esac; done", pid);

	if (out)
		out[strcspn(out, "\n")] = '\0';
	return out ? out : strdup("");
}

/*
 * dnsmasq hears no route changes, and address changes only where it sends
 * router advertisements: other networks' starts do not wake it.
 */
static void assert_muted(int pid, bool ra)
{
	char *g = netlink_groups(pid);

	CU_ASSERT_STRING_EQUAL(g, ra ? "00000100" : "00000000");
	if (strcmp(g, ra ? "00000100" : "00000000"))
		fprintf(stderr, "dnsmasq %d: rtnetlink groups %s\n", pid, g);
	free(g);
}

static const char *builddir(void)
{
	const char *b = getenv("VNET_TOP_BUILDDIR");

	return b ? b : ".";
}

static char *slurp(const char *path)
{
	char *out = tl_capture(NULL, "cat %s 2>/dev/null", path);

	return out ? out : strdup("");
}

/* A udhcpc script that applies the lease and logs "EVENT IP" lines. */
static void udhcpc_script(const char *path, const char *log)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "#!/bin/sh\n"
		"echo \"$1 $ip $hostname $domain\" >> %s\n"
		"case \"$1\" in\n"
		"bound|renew) ip addr flush dev \"$interface\"; ip addr add \"$ip/$mask\" dev \"$interface\" ;;\n"
		"deconfig) ip addr flush dev \"$interface\"; ip link set \"$interface\" up ;;\n"
		"esac\n", log);
	fclose(f);
	chmod(path, 0755);
}

/*
 * The address of the last "@event IP" line in @log, waiting up to @secs for
 * one. The waits for what must come are long on purpose: on a loaded
 * machine udhcpc's retries take seconds, and a wait that succeeds returns
 * at once.
 */
static const char *log_last(const char *log, const char *event, int secs)
{
	static char ip[64];

	ip[0] = '\0';
	for (int tries = 0; tries <= secs * 10; tries++) {
		char *text = slurp(log), *line, *save = NULL;

		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			size_t l = strlen(event);

			if (strncmp(line, event, l) == 0 && line[l] == ' ')
				sscanf(line + l + 1, "%63s", ip);
		}
		free(text);
		if (ip[0])
			break;
		usleep(100 * 1000);
	}
	return ip;
}

static void veth_into(const char *ns, const char *mac, const char *bridge)
{
	const char *host_if = tl_name("vh");

	CU_ASSERT_EQUAL_FATAL(tl_run("ip link add %s type veth peer name eth0 netns %s && "
				     "ip -n %s link set eth0 address %s up && ip -n %s link set lo up && "
				     "ip link set %s master %s up", host_if, ns, ns, mac, ns, host_if, bridge), 0);
}

/* lease.list's entry for @mac: its ip ("" when none). */
static const char *lease_list_ip(const char *net, const char *mac, const char *want_host)
{
	static char ip[64];

	ip[0] = '\0';
	for (int tries = 0; tries < 50 && !ip[0]; tries++) {
		struct json_object *r = vd_call(&vd, "lease.list", "{\"network\":\"%s\"}", net), *res, *v;

		res = ok(r);
		if (res && json_object_is_type(res, json_type_array))
			for (size_t i = 0; i < json_object_array_length(res); i++) {
				struct json_object *l = json_object_array_get_idx(res, i);
				const char *m = json_object_get_string(json_object_object_get(l, "mac"));
				const char *h = json_object_get_string(json_object_object_get(l, "hostname"));

				if (!m || strcmp(m, mac))
					continue;
				if (want_host && (!h || strcmp(h, want_host)))
					continue;
				CU_ASSERT_TRUE(json_object_object_get_ex(l, "expires", &v));
				CU_ASSERT_TRUE(json_object_get_int64(v) > time(NULL));
				snprintf(ip, sizeof(ip), "%s", json_object_get_string(json_object_object_get(l, "ip")));
			}
		put(r);
		if (!ip[0])
			usleep(100 * 1000);
	}
	return ip;
}

static bool resolves(const char *ns, const char *name, const char *server, const char *ip)
{
	return tl_run("%s%s timeout 5 busybox nslookup %s %s 2>&1 | grep -q '%s'",
		      ns ? "ip netns exec " : "", ns ? ns : "", name, server, ip) == 0;
}

static const char *default_net =
	"{\"name\":\"default\",\"mode\":\"nat\",\"bridge\":\"vbr-dh\",\"mac\":\"02:00:00:55:00:01\","
	" \"ipv4\":{\"address\":\"" GW "/24\","
	"   \"dhcp\":{\"ranges\":[{\"start\":\"10.55.0.100\",\"end\":\"10.55.0.150\"}],\"lease\":\"1h\","
	"     \"hosts\":[{\"mac\":\"" MAC_WEB "\",\"ip\":\"10.55.0.10\",\"name\":\"web\"}]}},"
	" \"dns\":{\"domain\":\"default.vnet\",\"hosts\":[{\"ip\":\"10.55.0.20\",\"names\":[\"db\"]}],"
	"   \"forwarders\":[\"192.0.2.53\"]}}";

static int suite_init(void)
{
	snprintf(work, sizeof(work), "/tmp/vnet-dhcpint-XXXXXX");
	if (!mkdtemp(work))
		return -1;
	chmod(work, 0755);
	/*
	 * A private copy of /etc (this mount namespace only), so the test can
	 * change resolv.conf and see the networks without forwarders follow.
	 */
	if (tl_run("mkdir %s/etc && cp -a /etc/. %s/etc/ && rm -f %s/etc/resolv.conf && "
		   "echo 'nameserver 192.0.2.1' > %s/etc/resolv.conf && mount --bind %s/etc /etc",
		   work, work, work, work, work) != 0)
		return -1;
	/* the harness kills the dnsmasqs vnetd leaves when the test exits */
	vd_setup(&vd);
	if (!vd_start(&vd))
		return -1;
	return 0;
}

static int suite_clean(void)
{
	vd_stop(&vd, SIGTERM);
	/* the port blocker of the back-off test, if an assertion left it */
	tl_run("[ -s %s/blocker.pid ] && kill $(cat %s/blocker.pid); rm -rf %s", work, work, work);
	return 0;
}

static void test_start(void)
{
	char *out;
	int pid, st;

	snprintf(ns_out, sizeof(ns_out), "%s", tl_netns_add("dho"));
	/* the host's outside interface, as an uplink would be */
	CU_ASSERT_EQUAL_FATAL(tl_run("ip link set lo up && ip link add vout type veth peer name eth0 netns %s && "
				     "ip addr add 10.99.0.1/24 dev vout && ip link set vout up && "
				     "ip -n %s addr add 10.99.0.2/24 dev eth0 && ip -n %s link set eth0 up",
				     ns_out, ns_out, ns_out), 0);
	expect_ok("network.define", default_net);
	expect_ok("network.start", "{\"name\":\"default\"}");
	pid = dnsmasq_pid("default");
	CU_ASSERT_FATAL(pid > 0);
	/* unprivileged, on the bridge's address only, with its files in vnetd's dirs */
	CU_ASSERT_EQUAL(tl_run("awk '/^Uid:/{exit $2 != 65534}' /proc/%d/status", pid), 0);
	out = tl_capture(&st, "ss -H -lnup; ss -H -lntp");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, GW ":53"));
	CU_ASSERT_PTR_NULL(strstr(out, "10.99.0.1:53"));
	CU_ASSERT_PTR_NULL(strstr(out, "0.0.0.0:53"));
	free(out);
	CU_ASSERT_EQUAL(tl_run("grep -q '^interface=vbr-dh$' %s/run/dnsmasq/default.conf", vd.dir), 0);
	CU_ASSERT_EQUAL(tl_run("tr '\\0' ' ' </proc/%d/cmdline | grep -q -- '--conf-file=%s/run/dnsmasq/default.conf'",
			       pid, vd.dir), 0);
	CU_ASSERT_EQUAL(tl_run("test -e %s/state/dnsmasq/default.leases", vd.dir), 0);
	/* no inotify instance of its own */
	CU_ASSERT_NOT_EQUAL(tl_run("ls -l /proc/%d/fd | grep -q inotify", pid), 0);
	assert_muted(pid, false);
	/* no IPv6 on the bridge of a network without it, as with libvirt */
	CU_ASSERT_EQUAL(tl_run("test \"$(cat /proc/sys/net/ipv6/conf/vbr-dh/disable_ipv6)\" = 1"), 0);

	snprintf(ns_a, sizeof(ns_a), "%s", tl_netns_add("dha"));
	snprintf(ns_b, sizeof(ns_b), "%s", tl_netns_add("dhb"));
	snprintf(ns_c, sizeof(ns_c), "%s", tl_netns_add("dhc"));
	snprintf(ns_w, sizeof(ns_w), "%s", tl_netns_add("dhw"));
	veth_into(ns_a, MAC_DYN, "vbr-dh");
	veth_into(ns_b, MAC_LIVE, "vbr-dh");
	veth_into(ns_c, MAC_DHCLIENT, "vbr-dh");
	veth_into(ns_w, MAC_WEB, "vbr-dh");
}

static void test_dynamic_lease(void)
{
	char script[160], log[160];

	snprintf(script, sizeof(script), "%s/udhcpc-a.sh", work);
	snprintf(log, sizeof(log), "%s/udhcpc-a.log", work);
	udhcpc_script(script, log);
	/* stays in the background after the lease, to renew later */
	CU_ASSERT_EQUAL_FATAL(tl_run("ip netns exec %s busybox udhcpc -i eth0 -s %s -p %s/udhcpc-a.pid -b -t 10 -T 1 "
				     "-x hostname:vma >/dev/null 2>&1", ns_a, script, work), 0);
	snprintf(dyn_ip, sizeof(dyn_ip), "%s", log_last(log, "bound", 40));
	CU_ASSERT_FATAL(strncmp(dyn_ip, "10.55.0.1", 9) == 0);
	CU_ASSERT_TRUE(atoi(dyn_ip + 8) >= 100 && atoi(dyn_ip + 8) <= 150);
	/* lease.list has it, with the hostname the client sent and a future expiry */
	CU_ASSERT_STRING_EQUAL(lease_list_ip("default", MAC_DYN, "vma"), dyn_ip);
	/* the domain is handed out */
	CU_ASSERT_EQUAL(tl_run("grep -q '^bound %s vma default.vnet' %s || grep -q '^bound %s .*default.vnet' %s",
			       dyn_ip, log, dyn_ip, log), 0);
}

static void test_static_lease_and_names(void)
{
	char script[160], log[160];

	snprintf(script, sizeof(script), "%s/udhcpc-w.sh", work);
	snprintf(log, sizeof(log), "%s/udhcpc-w.log", work);
	udhcpc_script(script, log);
	CU_ASSERT_EQUAL(tl_run("ip netns exec %s busybox udhcpc -i eth0 -s %s -q -n -t 10 -T 1 >/dev/null 2>&1",
			       ns_w, script), 0);
	CU_ASSERT_STRING_EQUAL(log_last(log, "bound", 20), "10.55.0.10");
	CU_ASSERT_STRING_EQUAL(lease_list_ip("default", MAC_WEB, NULL), "10.55.0.10");
	/* VM to VM, by name, through the gateway's DNS */
	CU_ASSERT_TRUE(resolves(ns_a, "web.default.vnet", GW, "10.55.0.10"));
	CU_ASSERT_TRUE(resolves(ns_w, "vma.default.vnet", GW, dyn_ip));
	CU_ASSERT_TRUE(resolves(ns_a, "db.default.vnet", GW, "10.55.0.20"));
	/* and from the host */
	CU_ASSERT_TRUE(resolves(NULL, "web.default.vnet", GW, "10.55.0.10"));
	CU_ASSERT_TRUE(resolves(NULL, "vma.default.vnet", GW, dyn_ip));
	/* and traffic by that name works */
	CU_ASSERT_EQUAL(tl_run("ip netns exec %s busybox ping -c 1 -W 2 -q %s >/dev/null 2>&1", ns_a,
			       "10.55.0.10"), 0);
}

static void test_dhclient(void)
{
	char cf[160], lf[160], sf[160], pf[160], log[160];
	FILE *f;

	snprintf(cf, sizeof(cf), "%s/dhclient.conf", work);
	snprintf(lf, sizeof(lf), "%s/dhclient.leases", work);
	snprintf(sf, sizeof(sf), "%s/dhclient-script.sh", work);
	snprintf(pf, sizeof(pf), "%s/dhclient.pid", work);
	snprintf(log, sizeof(log), "%s/dhclient.log", work);
	f = fopen(cf, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "send host-name \"vmc\";\nrequest subnet-mask, routers, domain-name, domain-name-servers;\n");
	fclose(f);
	/* its own script: the stock one rewrites the machine's resolv.conf */
	f = fopen(sf, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "#!/bin/sh\necho \"$reason $new_ip_address $new_domain_name $new_routers $new_domain_name_servers\" >> %s\n"
		"case \"$reason\" in BOUND|RENEW|REBOOT) ip addr add \"$new_ip_address/24\" dev \"$interface\" ;; esac\n"
		"exit 0\n", log);
	fclose(f);
	chmod(sf, 0755);
	CU_ASSERT_EQUAL(tl_run("ip netns exec %s timeout 30 dhclient -1 -cf %s -lf %s -sf %s -pf %s eth0 >/dev/null 2>&1",
			       ns_c, cf, lf, sf, pf), 0);
	/* in the range, the domain, the gateway as router and as DNS server */
	CU_ASSERT_EQUAL(tl_run("grep -q '^BOUND 10.55.0.1[0-5][0-9] default.vnet " GW " " GW "$' %s", log), 0);
	CU_ASSERT_STRING_NOT_EQUAL(lease_list_ip("default", MAC_DHCLIENT, "vmc"), "");
	CU_ASSERT_EQUAL(tl_run("for i in $(seq 50); do [ -s %s ] && break; sleep 0.1; done; kill $(cat %s)", pf, pf), 0);
}

static void test_live_host(void)
{
	char script[160], log[160];
	int before = dnsmasq_pid("default");
	struct json_object *r;

	CU_ASSERT_FATAL(before > 0);
	expect_ok("dhcp.host.add", "{\"network\":\"default\",\"mac\":\"" MAC_LIVE "\",\"ip\":\"10.55.0.30\",\"name\":\"live\"}");
	expect_ok("dns.host.add", "{\"network\":\"default\",\"ip\":\"10.55.0.40\",\"names\":[\"cache\",\"cache2.other\"]}");
	snprintf(script, sizeof(script), "%s/udhcpc-b.sh", work);
	snprintf(log, sizeof(log), "%s/udhcpc-b.log", work);
	udhcpc_script(script, log);
	CU_ASSERT_EQUAL(tl_run("ip netns exec %s busybox udhcpc -i eth0 -s %s -q -n -t 10 -T 1 >/dev/null 2>&1",
			       ns_b, script), 0);
	CU_ASSERT_STRING_EQUAL(log_last(log, "bound", 20), "10.55.0.30");
	CU_ASSERT_TRUE(resolves(ns_a, "live.default.vnet", GW, "10.55.0.30"));
	CU_ASSERT_TRUE(resolves(ns_a, "cache.default.vnet", GW, "10.55.0.40"));
	/* served by the same dnsmasq: a SIGHUP, no restart */
	CU_ASSERT_EQUAL(dnsmasq_pid("default"), before);
	/* kept in the definition */
	r = vd_call(&vd, "network.get", "{\"name\":\"default\"}");
	CU_ASSERT_PTR_NOT_NULL(strstr(json_object_to_json_string(ok(r)), "10.55.0.30"));
	put(r);
	CU_ASSERT_EQUAL(tl_run("grep -q 10.55.0.30 %s/etc/networks/default.json", vd.dir), 0);

	/* removed again: the name goes, still the same dnsmasq */
	expect_ok("dns.host.remove", "{\"network\":\"default\",\"ip\":\"10.55.0.40\"}");
	CU_ASSERT_TRUE(wait_until(3000, "! busybox nslookup cache.default.vnet " GW " 2>&1 | grep -q 10.55.0.40"));
	CU_ASSERT_EQUAL(dnsmasq_pid("default"), before);

	/* the same through vnetctl */
	CU_ASSERT_EQUAL(tl_run("%s/tools/vnetctl --socket %s dns host add default 10.55.0.42 files files2 >/dev/null",
			       builddir(), vd.sock), 0);
	CU_ASSERT_TRUE(resolves(ns_a, "files2.default.vnet", GW, "10.55.0.42"));
	CU_ASSERT_EQUAL(tl_run("%s/tools/vnetctl --socket %s dns host remove default 10.55.0.42 >/dev/null",
			       builddir(), vd.sock), 0);
	CU_ASSERT_EQUAL(tl_run("%s/tools/vnetctl --socket %s lease list default | grep -q '%s .*vma'",
			       builddir(), vd.sock, dyn_ip), 0);
	CU_ASSERT_EQUAL(tl_run("%s/tools/vnetctl --socket %s dhcp host add default 52:54:00:55:00:77 10.55.0.77 "
			       "--name seven >/dev/null && %s/tools/vnetctl --socket %s dhcp host remove default "
			       "52:54:00:55:00:77 >/dev/null", builddir(), vd.sock, builddir(), vd.sock), 0);
	CU_ASSERT_EQUAL(dnsmasq_pid("default"), before);
}

static void test_kill_dnsmasq(void)
{
	char log[160];
	int before = dnsmasq_pid("default"), after;
	struct vc *c = vc_connect(vd.sock);
	struct json_object *ev;

	CU_ASSERT_FATAL(before > 0 && c);
	put(vc_call(c, "events.subscribe", NULL));
	CU_ASSERT_EQUAL_FATAL(kill(before, SIGKILL), 0);
	ev = vc_wait_event(c, "dnsmasq.restarted", 10000);
	CU_ASSERT_PTR_NOT_NULL(ev);
	put(ev);
	vc_close(c);
	after = dnsmasq_pid_wait("default", before, 5000);
	CU_ASSERT_FATAL(after > 0);
	CU_ASSERT_NOT_EQUAL(after, before);
	CU_ASSERT_EQUAL(dnsmasq_status("default", "restarts"), 1);
	CU_ASSERT_EQUAL(dnsmasq_status("default", "running"), 1);
	CU_ASSERT_EQUAL(tl_run("grep -q 'dnsmasq %d killed by signal 9' %s", before, vd.log), 0);
	/* the client renews (SIGUSR1 to udhcpc) and keeps its address, with no new DISCOVER */
	snprintf(log, sizeof(log), "%s/udhcpc-a.log", work);
	CU_ASSERT_EQUAL(tl_run(": > %s; kill -USR1 $(cat %s/udhcpc-a.pid)", log, work), 0);
	CU_ASSERT_STRING_EQUAL(log_last(log, "renew", 30), dyn_ip);
	CU_ASSERT_STRING_EQUAL(log_last(log, "bound", 0), "");
	CU_ASSERT_TRUE(resolves(ns_a, "web.default.vnet", GW, "10.55.0.10"));
}

/* How often the default network's dnsmasq has read its addn-hosts file (at start and on each SIGHUP). */
static int addnhosts_reads(void)
{
	char *out = tl_capture(NULL, "grep -c 'read .*default.addnhosts' %s/run/dnsmasq/default.log", vd.dir);
	int n = out ? atoi(out) : -1;

	free(out);
	return n;
}

static void test_vnetd_restart(void)
{
	char log[160];
	int before = dnsmasq_pid("default"), reads;

	CU_ASSERT_FATAL(before > 0);
	/* SIGKILL: vnetd gets no chance to tidy; dnsmasq goes on serving */
	vd_stop(&vd, SIGKILL);
	CU_ASSERT_EQUAL(kill(before, 0), 0);
	CU_ASSERT_TRUE(resolves(ns_a, "web.default.vnet", GW, "10.55.0.10"));
	CU_ASSERT_FATAL(vd_start(&vd));
	/* adopted, not restarted */
	CU_ASSERT_EQUAL(dnsmasq_pid("default"), before);
	snprintf(log, sizeof(log), "%s/udhcpc-a.log", work);
	CU_ASSERT_EQUAL(tl_run(": > %s; kill -USR1 $(cat %s/udhcpc-a.pid)", log, work), 0);
	CU_ASSERT_STRING_EQUAL(log_last(log, "renew", 30), dyn_ip);
	CU_ASSERT_STRING_EQUAL(lease_list_ip("default", MAC_DYN, "vma"), dyn_ip);
	assert_muted(before, false);
	/* and still supervised: killing it now brings a new one */
	CU_ASSERT_EQUAL_FATAL(kill(before, SIGKILL), 0);
	CU_ASSERT_TRUE(dnsmasq_pid_wait("default", before, 10000) > 0);
	assert_muted(dnsmasq_pid("default"), false);
	/* a plain SIGTERM of vnetd leaves it too, and the next vnetd adopts it */
	before = dnsmasq_pid("default");
	reads = addnhosts_reads();
	vd_stop(&vd, SIGTERM);
	CU_ASSERT_EQUAL(kill(before, 0), 0);
	CU_ASSERT_FATAL(vd_start(&vd));
	CU_ASSERT_EQUAL(dnsmasq_pid("default"), before);
	CU_ASSERT_TRUE(resolves(ns_a, "web.default.vnet", GW, "10.55.0.10"));
	/* nothing changed while vnetd was away: the adopted dnsmasq is not made to re-read its files */
	usleep(300 * 1000);
	CU_ASSERT_EQUAL(addnhosts_reads(), reads);
	/* a name added to the definition while vnetd was away: the adopted dnsmasq re-reads (same pid) */
	vd_stop(&vd, SIGTERM);
	CU_ASSERT_EQUAL_FATAL(tl_run("f=%s/etc/networks/default.json && "
				     "jq '.dns.hosts += [{\"ip\":\"10.55.0.21\",\"names\":[\"hand\"]}]' $f > $f.new && mv $f.new $f",
				     vd.dir), 0);
	CU_ASSERT_FATAL(vd_start(&vd));
	CU_ASSERT_EQUAL(dnsmasq_pid("default"), before);
	CU_ASSERT_TRUE(wait_until(3000, "busybox nslookup hand.default.vnet " GW " 2>&1 | grep -q 10.55.0.21"));
	CU_ASSERT_TRUE(addnhosts_reads() > reads);

	/* the definition changed while no vnetd ran: the next one restarts dnsmasq with it */
	vd_stop(&vd, SIGTERM);
	CU_ASSERT_EQUAL_FATAL(tl_run("sed -i 's/\"1h\"/\"2h\"/' %s/etc/networks/default.json", vd.dir), 0);
	CU_ASSERT_FATAL(vd_start(&vd));
	CU_ASSERT_NOT_EQUAL(dnsmasq_pid("default"), before);
	/* gone (or a zombie of whoever inherited it) */
	CU_ASSERT_TRUE(wait_until(3000, "! grep -qs '^State:.*[RSD]' /proc/%d/status", before));
	CU_ASSERT_EQUAL(tl_run("grep -q ',2h$' %s/run/dnsmasq/default.conf", vd.dir), 0);
	CU_ASSERT_TRUE(resolves(ns_a, "web.default.vnet", GW, "10.55.0.10"));
	CU_ASSERT_STRING_EQUAL(lease_list_ip("default", MAC_DYN, "vma"), dyn_ip);
}

/* A deleted bridge is recreated by the reconciler; dnsmasq is restarted to bind it again. */
static void test_bridge_recreated(void)
{
	char log[160];
	int before = dnsmasq_pid("default"), after;

	CU_ASSERT_FATAL(before > 0);
	CU_ASSERT_EQUAL_FATAL(tl_run("ip link del vbr-dh"), 0);
	after = dnsmasq_pid_wait("default", before, 10000);
	CU_ASSERT_FATAL(after > 0);
	CU_ASSERT_TRUE(wait_until(5000, "ip -j link show master vbr-dh | grep -q '\"ifname\"'"));
	CU_ASSERT_TRUE(wait_until(5000, "busybox nslookup web.default.vnet " GW " 2>&1 | grep -q 10.55.0.10"));
	/* DHCP on the new bridge: the client renews the same address */
	snprintf(log, sizeof(log), "%s/udhcpc-a.log", work);
	CU_ASSERT_EQUAL(tl_run(": > %s; kill -USR1 $(cat %s/udhcpc-a.pid)", log, work), 0);
	CU_ASSERT_STRING_EQUAL(log_last(log, "renew", 30), dyn_ip);
}

static void test_not_outside(void)
{
	char script[160], log[160];

	/* DNS asked on the host's outside address, from outside: no answer */
	CU_ASSERT_NOT_EQUAL(tl_run("ip netns exec %s timeout 5 busybox nslookup web.default.vnet 10.99.0.1 "
				   ">/dev/null 2>&1", ns_out), 0);
	/* DHCP from that side: no offer */
	snprintf(script, sizeof(script), "%s/udhcpc-o.sh", work);
	snprintf(log, sizeof(log), "%s/udhcpc-o.log", work);
	udhcpc_script(script, log);
	CU_ASSERT_NOT_EQUAL(tl_run("ip netns exec %s busybox udhcpc -i eth0 -s %s -q -n -t 3 -T 1 >/dev/null 2>&1",
				   ns_out, script), 0);
	CU_ASSERT_STRING_EQUAL(log_last(log, "bound", 1), "");
	/* while the bridge side answers */
	CU_ASSERT_TRUE(resolves(ns_a, "web.default.vnet", GW, "10.55.0.10"));
}

static void test_isolated(void)
{
	char script[160], log[160];
	int pid;

	expect_ok("network.define",
		  "{\"name\":\"lab\",\"mode\":\"isolated\",\"bridge\":\"vbr-lab\",\"mac\":\"02:00:00:56:00:01\","
		  " \"ipv4\":{\"address\":\"10.56.0.1/24\",\"dhcp\":{\"ranges\":[{\"start\":\"10.56.0.50\",\"end\":\"10.56.0.60\"}]}},"
		  " \"dns\":{\"domain\":\"lab.vnet\"}}");
	expect_ok("network.start", "{\"name\":\"lab\"}");
	pid = dnsmasq_pid("lab");
	CU_ASSERT(pid > 0 && pid != dnsmasq_pid("default"));
	snprintf(ns_iso, sizeof(ns_iso), "%s", tl_netns_add("dhi"));
	veth_into(ns_iso, "52:54:00:56:00:0a", "vbr-lab");
	snprintf(script, sizeof(script), "%s/udhcpc-i.sh", work);
	snprintf(log, sizeof(log), "%s/udhcpc-i.log", work);
	udhcpc_script(script, log);
	CU_ASSERT_EQUAL(tl_run("ip netns exec %s busybox udhcpc -i eth0 -s %s -q -n -t 10 -T 1 -x hostname:iso1 >/dev/null 2>&1",
			       ns_iso, script), 0);
	CU_ASSERT_EQUAL(strncmp(log_last(log, "bound", 40), "10.56.0.", 8), 0);
	CU_ASSERT_TRUE(resolves(ns_iso, "iso1.lab.vnet", "10.56.0.1", "10.56.0."));
	/* one network's names are not the other's */
	CU_ASSERT_FALSE(resolves(ns_iso, "web.default.vnet", "10.56.0.1", "10.55.0.10"));

	/* no forwarders: the host's resolvers, followed when resolv.conf changes (SIGHUP, same pid) */
	CU_ASSERT_EQUAL(tl_run("grep -qx 'server=192.0.2.1' %s/run/dnsmasq/lab.servers", vd.dir), 0);
	CU_ASSERT_EQUAL(tl_run("grep -qx 'server=192.0.2.53' %s/run/dnsmasq/default.servers", vd.dir), 0);
	CU_ASSERT_EQUAL(tl_run("echo 'nameserver 192.0.2.77' > /etc/resolv.conf.new && mv /etc/resolv.conf.new /etc/resolv.conf"), 0);
	CU_ASSERT_TRUE(wait_until(3000, "grep -qx 'server=192.0.2.77' %s/run/dnsmasq/lab.servers", vd.dir));
	CU_ASSERT_EQUAL(tl_run("grep -qx 'server=192.0.2.53' %s/run/dnsmasq/default.servers", vd.dir), 0);
	CU_ASSERT_EQUAL(dnsmasq_pid("lab"), pid);

	/* a range change restarts it; stop removes it */
	expect_ok("network.define",
		  "{\"name\":\"lab\",\"mode\":\"isolated\",\"bridge\":\"vbr-lab\",\"mac\":\"02:00:00:56:00:01\","
		  " \"ipv4\":{\"address\":\"10.56.0.1/24\",\"dhcp\":{\"ranges\":[{\"start\":\"10.56.0.70\",\"end\":\"10.56.0.80\"}]}},"
		  " \"dns\":{\"domain\":\"lab.vnet\"}}");
	CU_ASSERT_NOT_EQUAL(dnsmasq_pid("lab"), pid);
	CU_ASSERT_EQUAL(tl_run("grep -q 10.56.0.70 %s/run/dnsmasq/lab.conf", vd.dir), 0);
	pid = dnsmasq_pid("lab");

	/*
	 * Back-off: the port is taken when the supervisor restarts it, so the
	 * restart fails and is tried again later, until the port is free.
	 */
	{
		char blocker_pid[160];
		int again;

		int blocked = -1;

		snprintf(blocker_pid, sizeof(blocker_pid), "%s/blocker.pid", work);
		/*
		 * The blocker must bind before the supervisor's restart (0.5 s
		 * back-off, doubling): on a loaded machine its own start can
		 * take longer, so when the restarted dnsmasq wins, kill that
		 * one too and try again with the longer back-off.
		 */
		for (int tries = 0; tries < 5 && blocked != 0; tries++) {
			pid = tries ? dnsmasq_pid_wait("lab", 0, 10000) : pid;
			CU_ASSERT_EQUAL_FATAL(kill(pid, SIGKILL), 0);
			blocked = tl_run("dnsmasq --conf-file=/dev/null --bind-interfaces --listen-address=10.56.0.1 "
					 "--except-interface=lo --port=53 --no-dhcp-interface=vbr-lab --pid-file=%s "
					 "-u nobody 2>/dev/null", blocker_pid);
		}
		CU_ASSERT_EQUAL_FATAL(blocked, 0);
		CU_ASSERT_TRUE(wait_until(8000, "grep -q \"network 'lab': restarting dnsmasq: .*trying again\" %s", vd.log));
		CU_ASSERT_EQUAL(dnsmasq_pid("lab"), 0);
		CU_ASSERT_EQUAL(dnsmasq_status("lab", "restart_pending"), 1);
		CU_ASSERT_EQUAL(tl_run("kill $(cat %s) && rm %s", blocker_pid, blocker_pid), 0);
		again = dnsmasq_pid_wait("lab", pid, 15000);
		CU_ASSERT(again > 0);
		CU_ASSERT_TRUE(resolves(ns_iso, "iso1.lab.vnet", "10.56.0.1", "10.56.0."));
		pid = again;
	}
	expect_ok("network.stop", "{\"name\":\"lab\"}");
	CU_ASSERT_EQUAL(dnsmasq_pid("lab"), 0);
	CU_ASSERT_TRUE(wait_until(2000, "! kill -0 %d 2>/dev/null", pid));
	CU_ASSERT_EQUAL(tl_run("test -e %s/run/dnsmasq/lab.conf", vd.dir), 1);
	expect_ok("network.undefine", "{\"name\":\"lab\"}");
}

/* An IPv6 /64 gateway: router advertisements from the network's dnsmasq, a SLAAC address in the VM. */
static void test_ipv6_ra(void)
{
	char ns[32];

	expect_ok("network.define",
		  "{\"name\":\"six\",\"mode\":\"isolated\",\"bridge\":\"vbr-six\",\"mac\":\"02:00:00:57:00:01\","
		  " \"ipv6\":{\"address\":\"fd00:57::1/64\"}}");
	expect_ok("network.start", "{\"name\":\"six\"}");
	CU_ASSERT_FATAL(dnsmasq_pid("six") > 0);
	CU_ASSERT_EQUAL(tl_run("grep -q '^enable-ra$' %s/run/dnsmasq/six.conf", vd.dir), 0);
	/* router advertisements follow the bridge's IPv6 addresses: that group stays */
	assert_muted(dnsmasq_pid("six"), true);
	CU_ASSERT_EQUAL(tl_run("test \"$(cat /proc/sys/net/ipv6/conf/vbr-six/disable_ipv6)\" = 0"), 0);
	snprintf(ns, sizeof(ns), "%s", tl_netns_add("dh6"));
	veth_into(ns, "52:54:00:57:00:0a", "vbr-six");
	/* EUI-64 from the MAC, in the network's prefix */
	CU_ASSERT_TRUE(wait_until(15000, "ip -n %s -6 addr show dev eth0 scope global | grep -q 'fd00:57::5054:ff:fe57:a/64'", ns));
	CU_ASSERT_EQUAL(tl_run("ip netns exec %s busybox ping -6 -c 1 -W 2 -q fd00:57::1 >/dev/null 2>&1", ns), 0);

	/* with ipv6.dhcp: stateful DHCPv6 (ISC dhclient -6) from the same network's dnsmasq */
	expect_ok("network.define",
		  "{\"name\":\"six\",\"mode\":\"isolated\",\"bridge\":\"vbr-six\",\"mac\":\"02:00:00:57:00:01\","
		  " \"ipv6\":{\"address\":\"fd00:57::1/64\",\"dhcp\":{\"ranges\":[{\"start\":\"fd00:57::100\",\"end\":\"fd00:57::1ff\"}]}}}");
	{
		char cf[160], lf[160], sf[160], pf[160], log[160];
		FILE *f;

		snprintf(cf, sizeof(cf), "%s/dhclient6.conf", work);
		snprintf(lf, sizeof(lf), "%s/dhclient6.leases", work);
		snprintf(sf, sizeof(sf), "%s/dhclient6-script.sh", work);
		snprintf(pf, sizeof(pf), "%s/dhclient6.pid", work);
		snprintf(log, sizeof(log), "%s/dhclient6.log", work);
		f = fopen(cf, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fclose(f);
		f = fopen(sf, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fprintf(f, "#!/bin/sh\necho \"$reason $new_ip6_address\" >> %s\nexit 0\n", log);
		fclose(f);
		chmod(sf, 0755);
		/* dhclient needs a link-local address that is no longer tentative */
		CU_ASSERT_TRUE(wait_until(5000, "! ip -n %s -6 addr show dev eth0 | grep -q tentative", ns));
		CU_ASSERT_EQUAL(tl_run("ip netns exec %s timeout 30 dhclient -6 -1 -cf %s -lf %s -sf %s -pf %s eth0 >/dev/null 2>&1",
				       ns, cf, lf, sf, pf), 0);
		CU_ASSERT_EQUAL(tl_run("grep -q '^BOUND6 fd00:57::1[0-9a-f][0-9a-f]$' %s", log), 0);
		tl_run("for i in $(seq 50); do [ -s %s ] && break; sleep 0.1; done; kill $(cat %s)", pf, pf);
		CU_ASSERT_TRUE(wait_until(3000, "grep -q 'fd00:57::1[0-9a-f][0-9a-f]' %s/state/dnsmasq/six.leases", vd.dir));
	}
	expect_ok("network.stop", "{\"name\":\"six\"}");
	expect_ok("network.undefine", "{\"name\":\"six\"}");
}

/* Every bad input: its own message, and the definition and dnsmasq unchanged. */
static void test_bad_input(void)
{
	static const struct {
		const char *method, *params, *reason, *part;
	} cases[] = {
		{ "dhcp.host.add", "{\"network\":\"default\",\"mac\":\"52:54:00:55:00:99\",\"ip\":\"10.66.0.5\"}", "EINVAL", "10.66.0.5" },
		{ "dhcp.host.add", "{\"network\":\"default\",\"mac\":\"52:54:00:55:00:99\",\"ip\":\"" GW "\"}", "EINVAL", GW },
		{ "dhcp.host.add", "{\"network\":\"default\",\"mac\":\"" MAC_WEB "\",\"ip\":\"10.55.0.11\"}", "EINVAL", "is already used" },
		{ "dhcp.host.add", "{\"network\":\"default\",\"mac\":\"52:54:00:55:00:99\",\"ip\":\"10.55.0.10\"}", "EINVAL", "'10.55.0.10' is already used" },
		{ "dhcp.host.add", "{\"network\":\"default\",\"mac\":\"52:54:00:55:00\",\"ip\":\"10.55.0.12\"}", "EINVAL", "52:54:00:55:00" },
		{ "dhcp.host.add", "{\"network\":\"default\",\"mac\":\"52:54:00:55:00:99\",\"ip\":\"10.55.0.12\",\"name\":\"bad_name\"}", "EINVAL", "bad_name" },
		{ "dhcp.host.add", "{\"network\":\"default\",\"mac\":\"52:54:00:55:00:99\"}", "EINVAL", "'ip' is missing" },
		{ "dhcp.host.add", "{\"network\":\"nosuch\",\"mac\":\"52:54:00:55:00:99\",\"ip\":\"10.55.0.12\"}", "ENOENT", "nosuch" },
		{ "dhcp.host.add", "{\"network\":\"default\",\"mac\":\"52:54:00:55:00:99\",\"ip\":\"10.55.0.12\",\"typo\":1}", "EINVAL", "typo" },
		{ "dhcp.host.remove", "{\"network\":\"default\",\"mac\":\"52:54:00:55:00:98\"}", "ENOENT", NULL },
		{ "dns.host.add", "{\"network\":\"default\",\"ip\":\"10.55.0.41\",\"names\":[\"-x\"]}", "EINVAL", "-x" },
		{ "dns.host.add", "{\"network\":\"default\",\"ip\":\"10.55.0.41\",\"names\":[]}", "EINVAL", "names" },
		{ "dns.host.add", "{\"network\":\"default\",\"ip\":\"bogus\",\"names\":[\"x\"]}", "EINVAL", "bogus" },
		{ "dns.host.remove", "{\"network\":\"default\",\"ip\":\"10.55.0.99\"}", "ENOENT", NULL },
		{ "lease.list", "{\"network\":\"nosuch\"}", "ENOENT", "nosuch" },
		{ "network.define", "{\"name\":\"bad1\",\"mode\":\"isolated\",\"bridge\":\"vbr-b1\",\"ipv4\":{\"address\":\"10.57.0.1/24\","
		  "\"dhcp\":{\"ranges\":[{\"start\":\"10.58.0.2\",\"end\":\"10.58.0.9\"}]}}}", "EINVAL", "10.58.0.2" },
		{ "network.define", "{\"name\":\"bad1\",\"mode\":\"isolated\",\"bridge\":\"vbr-b1\",\"ipv4\":{\"address\":\"10.57.0.1/24\","
		  "\"dhcp\":{\"ranges\":[{\"start\":\"10.57.0.9\",\"end\":\"10.57.0.2\"}]}}}", "EINVAL", "10.57.0.9" },
		{ "network.define", "{\"name\":\"bad1\",\"mode\":\"isolated\",\"bridge\":\"vbr-b1\",\"ipv4\":{\"address\":\"10.57.0.1/24\","
		  "\"dhcp\":{\"lease\":\"forever-ish\"}}}", "EINVAL", "forever-ish" },
		{ "network.define", "{\"name\":\"bad1\",\"mode\":\"isolated\",\"bridge\":\"vbr-b1\",\"ipv4\":{\"address\":\"10.57.0.1/24\","
		  "\"dhcp\":{\"hosts\":[{\"mac\":\"52:54:00:00:00:01\",\"ip\":\"10.57.0.5\"},{\"mac\":\"52:54:00:00:00:01\",\"ip\":\"10.57.0.6\"}]}}}",
		  "EINVAL", "52:54:00:00:00:01" },
		{ "network.define", "{\"name\":\"bad1\",\"mode\":\"isolated\",\"bridge\":\"vbr-b1\",\"ipv4\":{\"address\":\"10.57.0.1/24\"},"
		  "\"dns\":{\"domain\":\"under_score.vnet\"}}", "EINVAL", "under_score" },
	};
	char *def_before, *def_after;
	int pid = dnsmasq_pid("default");
	struct json_object *r;

	def_before = slurp("/dev/null");
	free(def_before);
	def_before = tl_capture(NULL, "cat %s/etc/networks/default.json; cat %s/run/dnsmasq/default.hosts %s/run/dnsmasq/default.addnhosts",
				vd.dir, vd.dir, vd.dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = vd_call(&vd, cases[i].method, "%s", cases[i].params);
		if (!err_is(r, cases[i].reason, cases[i].part))
			fprintf(stderr, "case %zu: %s %s\n", i, cases[i].method, cases[i].params);
		put(r);
	}
	def_after = tl_capture(NULL, "cat %s/etc/networks/default.json; cat %s/run/dnsmasq/default.hosts %s/run/dnsmasq/default.addnhosts",
			       vd.dir, vd.dir, vd.dir);
	CU_ASSERT_STRING_EQUAL(def_before, def_after);
	free(def_before);
	free(def_after);
	CU_ASSERT_EQUAL(dnsmasq_pid("default"), pid);
	CU_ASSERT_EQUAL(tl_run("test -e %s/etc/networks/bad1.json", vd.dir), 1);
	r = vd_call(&vd, "network.get", "{\"name\":\"bad1\"}");
	CU_ASSERT_TRUE(err_is(r, "ENOENT", NULL));
	put(r);
}

static void test_stop(void)
{
	char script[160], log[160];
	int pid = dnsmasq_pid("default"), st;

	tl_run("kill $(cat %s/udhcpc-a.pid) 2>/dev/null", work);
	expect_ok("network.stop", "{\"name\":\"default\"}");
	CU_ASSERT_TRUE(wait_until(2000, "! kill -0 %d 2>/dev/null", pid));
	/* the lease file stays for the next start */
	CU_ASSERT_EQUAL(tl_run("grep -q %s %s/state/dnsmasq/default.leases", dyn_ip, vd.dir), 0);
	/* started again: the same client gets the same address back from the kept lease file */
	expect_ok("network.start", "{\"name\":\"default\"}");
	CU_ASSERT_STRING_EQUAL(lease_list_ip("default", MAC_DYN, "vma"), dyn_ip);
	snprintf(script, sizeof(script), "%s/udhcpc-a2.sh", work);
	snprintf(log, sizeof(log), "%s/udhcpc-a2.log", work);
	udhcpc_script(script, log);
	/* a new bridge: the VMs' ports join it again, as a hypervisor would re-attach them */
	CU_ASSERT_EQUAL(tl_run("for i in $(ip -o link show type veth | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^vh'); do "
			       "ip link set $i master vbr-dh || exit 1; done"), 0);
	CU_ASSERT_EQUAL(tl_run("ip netns exec %s busybox udhcpc -i eth0 -s %s -q -n -t 10 -T 1 -x hostname:vma >/dev/null 2>&1",
			       ns_a, script), 0);
	CU_ASSERT_STRING_EQUAL(log_last(log, "bound", 20), dyn_ip);
	expect_ok("network.stop", "{\"name\":\"default\"}");
	expect_ok("network.undefine", "{\"name\":\"default\"}");
	CU_ASSERT_EQUAL(tl_run("test -e %s/state/dnsmasq/default.leases", vd.dir), 1);
	/* a clean exit (under ASan: no leaks) */
	st = vd_stop(&vd, SIGTERM);
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		vd_dump_log(&vd);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "start: dnsmasq unprivileged, bridge only", test_start },
		{ "dynamic lease (udhcpc)", test_dynamic_lease },
		{ "static lease and names", test_static_lease_and_names },
		{ "dhclient", test_dhclient },
		{ "host added live, same dnsmasq", test_live_host },
		{ "dnsmasq killed: restarted, lease renewed", test_kill_dnsmasq },
		{ "vnetd restarted: dnsmasq adopted", test_vnetd_restart },
		{ "nothing on the outside address", test_not_outside },
		{ "bridge recreated: dnsmasq restarted", test_bridge_recreated },
		{ "isolated network", test_isolated },
		{ "IPv6 router advertisements", test_ipv6_ra },
		{ "bad input changes nothing", test_bad_input },
		{ "stop", test_stop },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "vnetd DHCP and DNS", suite_init, suite_clean, NULL, NULL, tests },
		CU_SUITE_INFO_NULL,
	};

	tl_init_root();
	return tl_run_suites(suites);
}
