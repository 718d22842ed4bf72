/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small lab for the firewall tests, all inside the test's private
 * namespace: this namespace is the "host" (bridges, ip_forward=1), an
 * "outside" namespace hangs on a veth, "VM" namespaces hang on the bridges.
 * Web servers are busybox httpd with a CGI that prints REMOTE_ADDR, so a
 * client learns which source address the server saw.
 */
#ifndef VNET_FWLAB_H
#define VNET_FWLAB_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

#define LAB_UPLINK "up0"
#define LAB_HOST_IP "203.0.113.1"
#define LAB_OUTSIDE_IP "203.0.113.2"

struct lab {
	char www[64];
	char outside[32];
	pid_t pids[32];
	int n_pids;
};

static inline void lab_must(int status, const char *what)
{
	if (status != 0) {
		fprintf(stderr, "lab setup failed: %s\n", what);
		exit(99);
	}
}

/* A web root whose cgi-bin/ip prints the client's address. */
static inline void lab_init(struct lab *lab)
{
	memset(lab, 0, sizeof(*lab));
	snprintf(lab->www, sizeof(lab->www), "/tmp/vnet-fwlab-XXXXXX");
	if (!mkdtemp(lab->www))
		exit(99);
	lab_must(tl_run("mkdir -p %s/cgi-bin && printf '#!/bin/sh\\nprintf \"Content-Type: text/plain\\\\r\\\\n\\\\r\\\\n\"\\necho \"$REMOTE_ADDR\"\\n' > %s/cgi-bin/ip && chmod 755 %s/cgi-bin/ip && echo hello > %s/index.html",
			 lab->www, lab->www, lab->www, lab->www), "web root");
	/* cgi-bin/slow: 30 lines over 3 seconds, one connection that lasts. */
	lab_must(tl_run("printf '#!/bin/sh\\nprintf \"Content-Type: text/plain\\\\r\\\\n\\\\r\\\\n\"\\nfor i in $(seq 1 30); do echo line$i; sleep 0.1; done\\n' > %s/cgi-bin/slow && chmod 755 %s/cgi-bin/slow",
			 lab->www, lab->www), "slow cgi");
	lab_must(tl_run("sysctl -qw net.ipv4.ip_forward=1"), "ip_forward");
	snprintf(lab->outside, sizeof(lab->outside), "%s", tl_netns_add("out"));
	lab_must(tl_run("ip link add " LAB_UPLINK " type veth peer name eth0 netns %s && "
			"ip addr add " LAB_HOST_IP "/24 dev " LAB_UPLINK " && ip link set " LAB_UPLINK " up && "
			"ip -n %s addr add " LAB_OUTSIDE_IP "/24 dev eth0 && ip -n %s link set eth0 up && "
			"ip -n %s route add 192.168.0.0/16 via " LAB_HOST_IP,
			lab->outside, lab->outside, lab->outside, lab->outside), "outside");
}

/* A bridge with a fixed MAC and the gateway address. */
static inline void lab_bridge(const char *br, const char *gw_cidr, int n)
{
	lab_must(tl_run("ip link add %s type bridge && ip link set %s address 02:00:00:00:%02x:01 && "
			"ip addr add %s dev %s && ip link set %s up",
			br, br, n, gw_cidr, br, br), "bridge");
}

/* A VM namespace on @br with @cidr and a default route via @gw; returns its name (copy). */
static inline const char *lab_vm(const char *br, const char *cidr, const char *gw)
{
	static char names[8][32];
	static int next;
	char *name = names[next++ % 8];
	const char *port = tl_name("p");

	snprintf(name, 32, "%s", tl_netns_add("vm"));
	lab_must(tl_run("ip link add %s type veth peer name eth0 netns %s && ip link set %s master %s up && "
			"ip -n %s addr add %s dev eth0 && ip -n %s link set eth0 up && "
			"ip -n %s route add default via %s",
			port, name, port, br, name, cidr, name, name, gw), "vm");
	return name;
}

/* busybox httpd on @port in @ns (NULL: the host), killed by lab_fini. */
static inline void lab_httpd(struct lab *lab, const char *ns, int port)
{
	char *out;

	if (ns)
		out = tl_capture(NULL, "ip netns exec %s busybox httpd -f -p %d -h %s >/dev/null 2>&1 & echo $!",
				 ns, port, lab->www);
	else
		out = tl_capture(NULL, "busybox httpd -f -p %d -h %s >/dev/null 2>&1 & echo $!",
				 port, lab->www);
	if (out && lab->n_pids < 32)
		lab->pids[lab->n_pids++] = (pid_t)atoi(out);
	free(out);
	usleep(200000);
}

static inline void lab_bg_pid(struct lab *lab, pid_t pid)
{
	if (lab->n_pids < 32)
		lab->pids[lab->n_pids++] = pid;
}

/*
 * lab_get - fetch cgi-bin/ip at @host:@port from @ns (NULL: the host); the
 * body (the address the server saw) into @out. Returns wget's status.
 */
static inline int lab_get(const char *ns, const char *host, int port, char *out, size_t len)
{
	char *body;
	int st;

	if (ns)
		body = tl_capture(&st, "timeout 4 ip netns exec %s busybox wget -q -O - http://%s:%d/cgi-bin/ip 2>/dev/null",
				  ns, host, port);
	else
		body = tl_capture(&st, "timeout 4 busybox wget -q -O - http://%s:%d/cgi-bin/ip 2>/dev/null",
				  host, port);
	if (out) {
		/* httpd listens dual-stack: "[::ffff:192.0.2.1]" is 192.0.2.1. */
		const char *b = body ? body : "";

		if (!strncmp(b, "[::ffff:", 8))
			b += 8;
		else if (*b == '[')
			b++;
		snprintf(out, len, "%s", b);
		out[strcspn(out, "]\r\n")] = '\0';
	}
	free(body);
	return st;
}

static inline void lab_fini(struct lab *lab)
{
	for (int i = 0; i < lab->n_pids; i++) {
		if (lab->pids[i] > 0)
			kill(lab->pids[i], SIGTERM);
	}
	if (lab->www[0])
		tl_run("rm -rf %s", lab->www);
}

#endif
