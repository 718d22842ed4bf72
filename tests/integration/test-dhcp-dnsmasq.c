/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A real dnsmasq, started through dnsmasq-proc from files made by
 * dnsmasq-config, serving real DHCP clients (busybox udhcpc, ISC dhclient)
 * in namespaces of their own on veths into the bridge: dynamic and static
 * leases, the lease file, a static host and a DNS host added with SIGHUP
 * (same PID), a crash and restart with the lease kept and renewed, adoption
 * by a new supervisor, and nothing answered on another interface.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "testlib.h"
#include "dhcp-spec.h"
#include "dnsmasq-config.h"
#include "dnsmasq-proc.h"

#define GW "10.77.0.1"

static char dir[64];
static char br[16], up[16];
static char ns_a[32], ns_b[32], ns_c[32], ns_out[32];
static char conf[128], pidf[128], hostsf[128], addnf[128], serversf[128], leasef[128];
static struct dnsmasq_paths paths;
static struct dhcp_spec spec;
static struct dnsmasq_files files;
static struct dnsmasq_proc proc = DNSMASQ_PROC_INIT;
static char dyn_ip[64];

static const char *net_json =
	"{ \"ipv4\": { \"address\": \"" GW "/24\","
	"            \"dhcp\": { \"ranges\": [ { \"start\": \"10.77.0.100\", \"end\": \"10.77.0.150\" } ],"
	"                      \"lease\": \"1h\" } },"
	"  \"dns\": { \"domain\": \"test.vnet\", \"hosts\": [ { \"ip\": \"10.77.0.20\", \"names\": [ \"db\" ] } ],"
	"           \"forwarders\": [ \"192.0.2.53\" ] } }";

static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r");
	char tmp[4096];
	size_t n;

	if (!f)
		return strdup("");
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		buf = realloc(buf, len + n + 1);
		memcpy(buf + len, tmp, n);
		len += n;
	}
	fclose(f);
	if (!buf)
		return strdup("");
	buf[len] = '\0';
	return buf;
}

/* The lease dnsmasq has on file for @mac ("" when none), waiting up to 5 s for it. */
static const char *lease_ip(const char *mac, const char *want_host)
{
	static char ip[64];
	int tries;

	for (tries = 0; tries < 50; tries++) {
		struct dhcp_lease *l = NULL;
		size_t n = 0, i;
		char *text = slurp(leasef);

		ip[0] = '\0';
		if (dhcp_leases_parse(text, &l, &n, NULL) == 0)
			for (i = 0; i < n; i++)
				if (strcmp(l[i].mac, mac) == 0 &&
				    (!want_host || strcmp(l[i].hostname, want_host) == 0))
					snprintf(ip, sizeof(ip), "%s", l[i].ip);
		free(l);
		free(text);
		if (ip[0])
			break;
		usleep(100 * 1000);
	}
	return ip;
}

/* A udhcpc script that applies the lease and logs "EVENT IP" lines. */
static void write_udhcpc_script(const char *path, const char *log)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "#!/bin/sh\n"
		"echo \"$1 $ip\" >> %s\n"
		"case \"$1\" in\n"
		"bound|renew) ip addr flush dev \"$interface\"; ip addr add \"$ip/$mask\" dev \"$interface\" ;;\n"
		"deconfig) ip addr flush dev \"$interface\"; ip link set \"$interface\" up ;;\n"
		"esac\n", log);
	fclose(f);
	chmod(path, 0755);
}

/* The last "bound"/"renew" address in a udhcpc log, waiting up to @secs. */
static char *log_last(const char *log, const char *event, int secs)
{
	static char ip[64];
	int tries;

	for (tries = 0; tries < secs * 10; tries++) {
		char *text = slurp(log), *line, *save = NULL;

		ip[0] = '\0';
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			size_t l = strlen(event);

			if (strncmp(line, event, l) == 0 && line[l] == ' ')
				snprintf(ip, sizeof(ip), "%s", line + l + 1);
		}
		free(text);
		if (ip[0])
			break;
		usleep(100 * 1000);
	}
	return ip;
}

static void veth_into(const char *ns, const char *host_if, const char *mac, const char *bridge)
{
	CU_ASSERT_EQUAL_FATAL(tl_run("ip link add %s type veth peer name eth0 netns %s && "
				     "ip -n %s link set eth0 address %s up && "
				     "ip link set %s master %s up", host_if, ns, ns, mac, host_if, bridge), 0);
}

static void render_and_write(void)
{
	struct vnet_error err;

	dnsmasq_files_clear(&files);
	CU_ASSERT_EQUAL_FATAL(dnsmasq_config_render(&spec, &paths, NULL, &files, &err), 0);
	CU_ASSERT_EQUAL_FATAL(dnsmasq_files_write(&files, &paths, &err), 0);
}

static void start_dnsmasq(void)
{
	struct dnsmasq_spawn sp = { .conf_file = conf, .stderr_fd = 2 };
	struct vnet_error err;
	int r;

	r = dnsmasq_proc_spawn(&sp, &proc, &err);
	if (r < 0)
		fprintf(stderr, "spawn: %s\n", err.msg);
	CU_ASSERT_EQUAL_FATAL(r, 0);
	r = dnsmasq_proc_wait_ready(&proc, pidf, 5000, &err);
	if (r < 0)
		fprintf(stderr, "ready: %s\n", err.msg);
	CU_ASSERT_EQUAL_FATAL(r, 0);
}

static void test_setup_and_start(void)
{
	struct vnet_error err;
	struct json_object *o;
	char *out, buf[256];
	int st;

	snprintf(dir, sizeof(dir), "/tmp/vnet-dhcp-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	/* dnsmasq reads the hosts files again as nobody after SIGHUP */
	chmod(dir, 0755);
	snprintf(conf, sizeof(conf), "%s/net.conf", dir);
	snprintf(pidf, sizeof(pidf), "%s/net.pid", dir);
	snprintf(hostsf, sizeof(hostsf), "%s/net.hosts", dir);
	snprintf(addnf, sizeof(addnf), "%s/net.addnhosts", dir);
	snprintf(serversf, sizeof(serversf), "%s/net.servers", dir);
	snprintf(leasef, sizeof(leasef), "%s/net.leases", dir);
	snprintf(br, sizeof(br), "%s", tl_name("vdbr"));
	snprintf(up, sizeof(up), "%s", tl_name("vdup"));
	snprintf(ns_a, sizeof(ns_a), "%s", tl_netns_add("vda"));
	snprintf(ns_b, sizeof(ns_b), "%s", tl_netns_add("vdb"));
	snprintf(ns_c, sizeof(ns_c), "%s", tl_netns_add("vdc"));
	snprintf(ns_out, sizeof(ns_out), "%s", tl_netns_add("vdo"));

	CU_ASSERT_EQUAL_FATAL(tl_run("ip link set lo up && ip link add %s address 02:00:00:77:00:01 type bridge && "
				     "ip addr add " GW "/24 dev %s && ip link set %s up", br, br, br), 0);
	veth_into(ns_a, tl_name("vha"), "52:54:00:77:00:0a", br);
	veth_into(ns_b, tl_name("vhb"), "52:54:00:77:00:0b", br);
	veth_into(ns_c, tl_name("vhc"), "52:54:00:77:00:0c", br);
	/* another interface of the host, as an uplink would be: dnsmasq must not answer there */
	CU_ASSERT_EQUAL_FATAL(tl_run("ip link add %s type veth peer name eth0 netns %s && "
				     "ip addr add 10.88.0.1/24 dev %s && ip link set %s up && "
				     "ip -n %s addr add 10.88.0.2/24 dev eth0 && ip -n %s link set eth0 up",
				     up, ns_out, up, up, ns_out, ns_out), 0);

	o = json_tokener_parse(net_json);
	CU_ASSERT_EQUAL_FATAL(dhcp_spec_from_json(&spec, o, &err), 0);
	json_object_put(o);
	paths = (struct dnsmasq_paths){
		.network = "test", .bridge = br, .conf_file = conf, .pid_file = pidf,
		.dhcp_hosts_file = hostsf, .addn_hosts_file = addnf, .servers_file = serversf,
		.lease_file = leasef, .log_facility = "-",
	};
	render_and_write();
	CU_ASSERT_EQUAL(tl_run("dnsmasq --test --conf-file=%s 2>/dev/null", conf), 0);
	start_dnsmasq();

	/* unprivileged, listening on the bridge's address only */
	snprintf(buf, sizeof(buf), "/proc/%d/status", (int)proc.pid);
	out = tl_capture(&st, "awk '/^Uid:/{print $2}' %s", buf);
	CU_ASSERT_STRING_EQUAL(out, "65534\n");
	free(out);
	out = tl_capture(&st, "ss -H -lnu; ss -H -lnt");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, GW ":53"));
	CU_ASSERT_PTR_NULL(strstr(out, "10.88.0.1:53"));
	CU_ASSERT_PTR_NULL(strstr(out, "0.0.0.0:53"));
	CU_ASSERT_PTR_NULL(strstr(out, "127.0.0.1:53"));
	free(out);
	/* no inotify instance: the host's limit is not spent on dnsmasq */
	CU_ASSERT_EQUAL(tl_run("ls -l /proc/%d/fd | grep -q inotify", (int)proc.pid), 1);
}

static void test_dynamic_lease_udhcpc(void)
{
	char script[128], log[128];
	int r;

	snprintf(script, sizeof(script), "%s/udhcpc-a.sh", dir);
	snprintf(log, sizeof(log), "%s/udhcpc-a.log", dir);
	write_udhcpc_script(script, log);
	/* stays running (-b after the lease) so it can renew later; killed by its pid file */
	r = tl_run("ip netns exec %s busybox udhcpc -i eth0 -s %s -p %s/udhcpc-a.pid -b -t 10 -T 1 "
		   "-x hostname:clienta >/dev/null 2>&1", ns_a, script, dir);
	CU_ASSERT_EQUAL_FATAL(r, 0);
	snprintf(dyn_ip, sizeof(dyn_ip), "%s", log_last(log, "bound", 15));
	CU_ASSERT_STRING_NOT_EQUAL(dyn_ip, "");
	/* inside the range 10.77.0.100-150 */
	CU_ASSERT_EQUAL(strncmp(dyn_ip, "10.77.0.1", 9), 0);
	CU_ASSERT_TRUE(atoi(dyn_ip + 8) >= 100 && atoi(dyn_ip + 8) <= 150);
	/* the lease file has it, with the hostname the client sent */
	CU_ASSERT_STRING_EQUAL(lease_ip("52:54:00:77:00:0a", "clienta"), dyn_ip);
	/* and the gateway's DNS answers for it, to the host and to the client */
	CU_ASSERT_EQUAL(tl_run("busybox nslookup clienta.test.vnet " GW " 2>&1 | grep -q '%s'", dyn_ip), 0);
	CU_ASSERT_EQUAL(tl_run("ip netns exec %s busybox nslookup clienta.test.vnet " GW " 2>&1 | grep -q '%s'",
			       ns_a, dyn_ip), 0);
	CU_ASSERT_EQUAL(tl_run("ip netns exec %s busybox nslookup db.test.vnet " GW " 2>&1 | grep -q 10.77.0.20",
			       ns_a), 0);
}

static void test_dhclient(void)
{
	char cf[128], lf[128], sf[128], pf[128], log[128];
	FILE *f;
	int r;

	snprintf(cf, sizeof(cf), "%s/dhclient.conf", dir);
	snprintf(lf, sizeof(lf), "%s/dhclient.leases", dir);
	snprintf(sf, sizeof(sf), "%s/dhclient-script.sh", dir);
	snprintf(pf, sizeof(pf), "%s/dhclient.pid", dir);
	snprintf(log, sizeof(log), "%s/dhclient.log", dir);
	f = fopen(cf, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "send host-name \"clientc\";\nrequest subnet-mask, routers, domain-name, domain-name-servers;\n");
	fclose(f);
	/* its own script: the stock one would rewrite the machine's resolv.conf */
	f = fopen(sf, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "#!/bin/sh\necho \"$reason $new_ip_address $new_domain_name\" >> %s\n"
		"case \"$reason\" in BOUND|RENEW|REBOOT) ip addr add \"$new_ip_address/24\" dev \"$interface\" ;; esac\n"
		"exit 0\n", log);
	fclose(f);
	chmod(sf, 0755);
	r = tl_run("ip netns exec %s timeout 30 dhclient -1 -cf %s -lf %s -sf %s -pf %s eth0 >/dev/null 2>&1",
		   ns_c, cf, lf, sf, pf);
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(tl_run("grep -q '^BOUND 10.77.0.1[0-5][0-9] test.vnet$' %s", log), 0);
	CU_ASSERT_STRING_NOT_EQUAL(lease_ip("52:54:00:77:00:0c", "clientc"), "");
	/* it went to the background once bound; its pid file may come a moment later */
	CU_ASSERT_EQUAL(tl_run("for i in $(seq 50); do [ -s %s ] && break; sleep 0.1; done; kill $(cat %s)", pf, pf), 0);
}

static void test_static_host_sighup(void)
{
	struct vnet_error err;
	const char *names[] = { "cache" };
	struct dnsmasq_files old = { 0 };
	char script[128], log[128];
	pid_t before = proc.pid;

	old.conf = strdup(files.conf);
	old.dhcp_hosts = strdup(files.dhcp_hosts);
	old.addn_hosts = strdup(files.addn_hosts);
	old.servers = strdup(files.servers);
	/* vnetd's dhcp.host.add and dns.host.add, as they will do it */
	CU_ASSERT_EQUAL_FATAL(dhcp_spec_host_add(&spec, "52:54:00:77:00:0b", "10.77.0.30", "web", &err), 0);
	CU_ASSERT_EQUAL_FATAL(dhcp_spec_dns_host_add(&spec, "10.77.0.40", names, 1, &err), 0);
	render_and_write();
	CU_ASSERT_EQUAL(dnsmasq_files_change(&old, &files), DNSMASQ_RELOAD);
	dnsmasq_files_clear(&old);
	CU_ASSERT_EQUAL_FATAL(dnsmasq_proc_reload(&proc, &err), 0);

	snprintf(script, sizeof(script), "%s/udhcpc-b.sh", dir);
	snprintf(log, sizeof(log), "%s/udhcpc-b.log", dir);
	write_udhcpc_script(script, log);
	CU_ASSERT_EQUAL(tl_run("ip netns exec %s busybox udhcpc -i eth0 -s %s -q -n -t 10 -T 1 >/dev/null 2>&1",
			       ns_b, script), 0);
	CU_ASSERT_STRING_EQUAL(log_last(log, "bound", 5), "10.77.0.30");
	CU_ASSERT_STRING_EQUAL(lease_ip("52:54:00:77:00:0b", NULL), "10.77.0.30");
	/* the names are served: the static host's and the new DNS host's */
	CU_ASSERT_EQUAL(tl_run("ip netns exec %s busybox nslookup web.test.vnet " GW " 2>&1 | grep -q 10.77.0.30",
			       ns_a), 0);
	CU_ASSERT_EQUAL(tl_run("ip netns exec %s busybox nslookup cache.test.vnet " GW " 2>&1 | grep -q 10.77.0.40",
			       ns_a), 0);
	/* by the same dnsmasq */
	CU_ASSERT_EQUAL(proc.pid, before);
	CU_ASSERT_EQUAL(dnsmasq_proc_ready(&proc, pidf), 1);
}

static void test_crash_restart_renew(void)
{
	struct vnet_error err;
	struct dnsmasq_backoff bo = { 0 };
	pid_t old = proc.pid;
	char log[128], *leases;
	int status = 0, r;

	dnsmasq_backoff_started(&bo, 0);
	CU_ASSERT_EQUAL_FATAL(kill(proc.pid, SIGKILL), 0);
	/* what vnetd's child watch sees */
	for (r = -EAGAIN; r == -EAGAIN; usleep(10 * 1000))
		r = dnsmasq_proc_reap(&proc, &status);
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CU_ASSERT_EQUAL(proc.pid, 0);
	CU_ASSERT_EQUAL(dnsmasq_backoff_exited(&bo, 1000), DNSMASQ_BACKOFF_MIN_USEC);

	/* the lease file outlived it */
	leases = slurp(leasef);
	CU_ASSERT_PTR_NOT_NULL(strstr(leases, dyn_ip));
	free(leases);
	start_dnsmasq();
	CU_ASSERT_NOT_EQUAL(proc.pid, old);
	CU_ASSERT_STRING_EQUAL(lease_ip("52:54:00:77:00:0a", "clienta"), dyn_ip);

	/* the client renews (SIGUSR1 to udhcpc) and keeps its address */
	snprintf(log, sizeof(log), "%s/udhcpc-a.log", dir);
	CU_ASSERT_EQUAL(tl_run("kill -USR1 $(cat %s/udhcpc-a.pid)", dir), 0);
	CU_ASSERT_STRING_EQUAL(log_last(log, "renew", 10), dyn_ip);
	CU_ASSERT_EQUAL(tl_run("grep -c '^bound' %s | grep -qx 1", log), 0);
	(void)err;
}

static void test_adopt(void)
{
	struct dnsmasq_proc again = DNSMASQ_PROC_INIT, bogus = DNSMASQ_PROC_INIT;
	struct vnet_error err;
	pid_t pid = proc.pid;
	char wrongconf[160], fakepid[160], log[128];
	FILE *f;

	/* vnetd exits: dnsmasq keeps running */
	dnsmasq_proc_forget(&proc);
	CU_ASSERT_EQUAL(kill(pid, 0), 0);
	/* a new vnetd finds it by its pid file */
	CU_ASSERT_EQUAL_FATAL(dnsmasq_proc_adopt(pidf, conf, &again, &err), 0);
	CU_ASSERT_EQUAL(again.pid, pid);
	CU_ASSERT_FALSE(again.child);
	CU_ASSERT_EQUAL(dnsmasq_proc_ready(&again, pidf), 1);
	CU_ASSERT_EQUAL(dnsmasq_proc_reload(&again, &err), 0);
	CU_ASSERT_EQUAL(dnsmasq_proc_reap(&again, NULL), -EAGAIN);
	/* ... and serves on: names, and the client's renewal of the same address */
	CU_ASSERT_EQUAL(tl_run("ip netns exec %s busybox nslookup web.test.vnet " GW " 2>&1 | grep -q 10.77.0.30",
			       ns_a), 0);
	snprintf(log, sizeof(log), "%s/udhcpc-a.log", dir);
	CU_ASSERT_EQUAL(tl_run(": > %s; kill -USR1 $(cat %s/udhcpc-a.pid)", log, dir), 0);
	CU_ASSERT_STRING_EQUAL(log_last(log, "renew", 10), dyn_ip);

	/* not adopted: another config's dnsmasq, a pid file naming some other process, no pid file */
	snprintf(wrongconf, sizeof(wrongconf), "%s/other.conf", dir);
	CU_ASSERT_EQUAL(dnsmasq_proc_adopt(pidf, wrongconf, &bogus, &err), -ESRCH);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "is not a dnsmasq with --conf-file="));
	snprintf(fakepid, sizeof(fakepid), "%s/fake.pid", dir);
	f = fopen(fakepid, "w");
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	CU_ASSERT_EQUAL(dnsmasq_proc_adopt(fakepid, conf, &bogus, &err), -ESRCH);
	snprintf(fakepid, sizeof(fakepid), "%s/none.pid", dir);
	CU_ASSERT_EQUAL(dnsmasq_proc_adopt(fakepid, conf, &bogus, &err), -ESRCH);

	CU_ASSERT_EQUAL(dnsmasq_proc_stop(&again, 3000, &err), 0);
	CU_ASSERT_EQUAL(again.pid, 0);
	/* it was our child after all (same test process): collect the zombie */
	waitpid(pid, NULL, 0);
	CU_ASSERT_EQUAL(kill(pid, 0), -1);
	/* started again for the last checks */
	start_dnsmasq();
}

static void test_not_on_other_interfaces(void)
{
	char script[128], log[128];

	/* DNS on the other interface's address: no answer */
	CU_ASSERT_NOT_EQUAL(tl_run("ip netns exec %s timeout 5 busybox nslookup web.test.vnet 10.88.0.1 "
				   ">/dev/null 2>&1", ns_out), 0);
	/* DHCP from that side: no offer */
	snprintf(script, sizeof(script), "%s/udhcpc-o.sh", dir);
	snprintf(log, sizeof(log), "%s/udhcpc-o.log", dir);
	write_udhcpc_script(script, log);
	CU_ASSERT_NOT_EQUAL(tl_run("ip netns exec %s busybox udhcpc -i eth0 -s %s -q -n -t 3 -T 1 >/dev/null 2>&1",
				   ns_out, script), 0);
	CU_ASSERT_STRING_EQUAL(log_last(log, "bound", 1), "");
	/* while the bridge side still works */
	CU_ASSERT_EQUAL(tl_run("ip netns exec %s busybox nslookup web.test.vnet " GW " 2>&1 | grep -q 10.77.0.30",
			       ns_a), 0);
}

/* IPv6 from the one shared RA dnsmasq: a client configures itself by SLAAC. */
static void test_ra_shared(void)
{
	struct dnsmasq_spawn sp = { .stderr_fd = 2 };
	struct dnsmasq_proc ra = DNSMASQ_PROC_INIT;
	struct dnsmasq_paths rp = paths;
	struct dnsmasq_ra_net net;
	struct dhcp_spec v6;
	struct vnet_error err;
	char raconf[160], rapid[160], ralease[160], *text = NULL;
	pid_t pid;
	FILE *f;
	int i, got = 0;

	CU_ASSERT_EQUAL_FATAL(tl_run("ip addr add fd00:77::1/64 dev %s nodad", br), 0);
	CU_ASSERT_EQUAL_FATAL(dhcp_spec_copy(&v6, &spec), 0);
	v6.has_ipv6 = true;
	CU_ASSERT_EQUAL_FATAL(vnet_prefix_parse("ipv6.address", "fd00:77::1/64", &v6.ipv6, &err), 0);
	snprintf(raconf, sizeof(raconf), "%s/ra.conf", dir);
	snprintf(rapid, sizeof(rapid), "%s/ra.pid", dir);
	snprintf(ralease, sizeof(ralease), "%s/ra.leases", dir);
	rp.conf_file = raconf;
	rp.pid_file = rapid;
	rp.lease_file = ralease;
	net = (struct dnsmasq_ra_net){ br, &v6 };
	CU_ASSERT_EQUAL_FATAL(dnsmasq_ra_render(&net, 1, &rp, &text, &err), 0);
	f = fopen(raconf, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	free(text);
	CU_ASSERT_EQUAL(tl_run("dnsmasq --test --conf-file=%s 2>/dev/null", raconf), 0);
	sp.conf_file = raconf;
	CU_ASSERT_EQUAL_FATAL(dnsmasq_proc_spawn(&sp, &ra, &err), 0);
	CU_ASSERT_EQUAL_FATAL(dnsmasq_proc_wait_ready(&ra, rapid, 5000, &err), 0);
	for (i = 0; i < 150 && !got; i++) {
		got = tl_run("ip -n %s -6 addr show dev eth0 scope global | grep -q 'inet6 fd00:77::'", ns_b) == 0;
		if (!got)
			usleep(100 * 1000);
	}
	CU_ASSERT_TRUE(got);
	pid = ra.pid;
	CU_ASSERT_EQUAL(dnsmasq_proc_stop(&ra, 3000, &err), 0);
	CU_ASSERT_EQUAL(kill(pid, 0), -1);
	dhcp_spec_clear(&v6);
}

static void test_spawn_failures(void)
{
	struct dnsmasq_spawn sp = { .binary = "/nonexistent/dnsmasq", .conf_file = conf, .stderr_fd = -1 };
	struct dnsmasq_proc p = DNSMASQ_PROC_INIT;
	struct vnet_error err;
	char badconf[160];
	int status = 0, r;
	FILE *f;

	CU_ASSERT_EQUAL(dnsmasq_proc_spawn(&sp, &p, &err), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cannot run /nonexistent/dnsmasq"));
	CU_ASSERT_EQUAL(p.pid, 0);

	/* a config dnsmasq refuses: it exits at once with its config-error status (1) */
	snprintf(badconf, sizeof(badconf), "%s/bad.conf", dir);
	f = fopen(badconf, "w");
	fprintf(f, "no-such-option\n");
	fclose(f);
	sp.binary = NULL;
	sp.conf_file = badconf;
	CU_ASSERT_EQUAL_FATAL(dnsmasq_proc_spawn(&sp, &p, &err), 0);
	CU_ASSERT_EQUAL(dnsmasq_proc_wait_ready(&p, "/nonexistent.pid", 3000, &err), -ECHILD);
	for (r = -EAGAIN; r == -EAGAIN; usleep(10 * 1000))
		r = dnsmasq_proc_reap(&p, &status);
	CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
}

static void test_teardown(void)
{
	struct vnet_error err;

	CU_ASSERT_EQUAL(dnsmasq_proc_stop(&proc, 3000, &err), 0);
	tl_run("kill $(cat %s/udhcpc-a.pid) 2>/dev/null", dir);
	tl_run("rm -rf %s", dir);
	dnsmasq_files_clear(&files);
	dhcp_spec_clear(&spec);
}

static CU_TestInfo dhcp_tests[] = {
	{ "dnsmasq on the bridge only, unprivileged, no inotify", test_setup_and_start },
	{ "dynamic lease with udhcpc, in the lease file, named in DNS", test_dynamic_lease_udhcpc },
	{ "dynamic lease with ISC dhclient", test_dhclient },
	{ "static host and DNS host added by SIGHUP, same PID", test_static_host_sighup },
	{ "killed, restarted, lease kept and renewed", test_crash_restart_renew },
	{ "adopted by a new supervisor", test_adopt },
	{ "nothing answered on another interface", test_not_on_other_interfaces },
	{ "IPv6 RA from the shared dnsmasq", test_ra_shared },
	{ "spawn failures", test_spawn_failures },
	{ "teardown", test_teardown },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "dhcp-dnsmasq", NULL, NULL, NULL, NULL, dhcp_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	tl_init_root();
	return tl_run_suites(suites);
}
