/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dnsmasq's files for one network, generated from its struct dhcp_spec:
 *
 *   conf        the main file, passed as --conf-file= so /etc/dnsmasq.conf is
 *               never read; a change here needs a restart (dnsmasq re-reads
 *               neither interfaces nor ranges on SIGHUP)
 *   dhcp_hosts  dhcp-hostsfile: static leases, re-read on SIGHUP
 *   addn_hosts  addn-hosts: dns.hosts records, re-read on SIGHUP
 *   servers     servers-file: the forwarders (or the host's resolvers), re-read
 *               on SIGHUP
 *
 * Nothing here makes dnsmasq use inotify (no resolv-file polling, no
 * *-dir options) and the bridge is bound with bind-interfaces, so a host with
 * a thousand networks does not wake a thousand dnsmasqs for every address
 * added anywhere (see docs/dhcp.md for the measurements).
 *
 * Rendering is pure; dnsmasq_files_write() is the only I/O.
 */
#ifndef VNETD_DNSMASQ_CONFIG_H
#define VNETD_DNSMASQ_CONFIG_H

#include <stdint.h>
#include <json-c/json.h>
#include "dhcp-spec.h"

/* Where one network's dnsmasq keeps its files; all strings are borrowed. */
struct dnsmasq_paths {
	const char *network;        /* for the header comment */
	const char *bridge;         /* interface=, the only one served */
	const char *conf_file;      /* under the run dir */
	const char *pid_file;       /* under the run dir */
	const char *dhcp_hosts_file;
	const char *addn_hosts_file;
	const char *servers_file;
	const char *lease_file;     /* under the state dir: leases outlive restarts */
	const char *user;           /* NULL: "nobody" */
	const char *group;          /* NULL: "nogroup" */
	const char *log_facility;   /* NULL: syslog; a path, or "-" for stderr */
	/*
	 * IPv6 router advertisements and DHCPv6 come from the one shared RA
	 * dnsmasq (dnsmasq_ra_render) instead of this network's: a dnsmasq
	 * doing RA re-reads every interface on every address event, so a
	 * thousand of them cost O(N) each per new network (docs/dhcp.md).
	 */
	bool ra_shared;
};

/* The generated texts, each malloc'd and owned by the struct. */
struct dnsmasq_files {
	char *conf;
	char *dhcp_hosts;
	char *addn_hosts;
	char *servers;
};

/*
 * dnsmasq_config_render - every file's text for @s. @host_resolv is the text
 * of the host's resolv.conf, used for the servers file when the spec has no
 * forwarders (NULL: no upstream servers). 0, -EINVAL (spec or paths invalid,
 * @err says which) or -ENOMEM. @out must be zeroed or cleared.
 */
int dnsmasq_config_render(const struct dhcp_spec *s, const struct dnsmasq_paths *p,
			  const char *host_resolv, struct dnsmasq_files *out,
			  struct vnet_error *err);

void dnsmasq_files_clear(struct dnsmasq_files *f);

/*
 * dnsmasq_files_write - write the four files, each atomically (temporary
 * file, fsync, rename), so a dnsmasq reading on SIGHUP never sees half of
 * one. The conf and hosts files are made readable to dnsmasq's user. 0 or
 * negative errno.
 */
int dnsmasq_files_write(const struct dnsmasq_files *f, const struct dnsmasq_paths *p,
			struct vnet_error *err);

/*
 * dnsmasq_servers_from_resolv - "server=ADDR\n" for every nameserver line of
 * a resolv.conf text (malloc'd; NULL on no memory). Comment lines, other
 * options and malformed addresses are ignored.
 */
char *dnsmasq_servers_from_resolv(const char *resolv);

/* One network served by the shared RA dnsmasq. */
struct dnsmasq_ra_net {
	const char *bridge;
	const struct dhcp_spec *spec;   /* networks without ipv6 are skipped */
};

/*
 * dnsmasq_ra_render - the main file of the one dnsmasq that sends router
 * advertisements (and serves DHCPv6) on every network with an IPv6
 * address: port=0 (DNS stays with each network's own dnsmasq),
 * bind-interfaces, one interface= per bridge. Only @p's conf_file, pid_file,
 * lease_file, user, group and log_facility are used. dnsmasq cannot add
 * interfaces on SIGHUP, so when the text changes the shared one restarts;
 * RA is stateless and DHCPv6 leases are in its lease file, so that costs
 * one start (measured in docs/dhcp.md). *@conf is malloc'd. 0, -EINVAL
 * (nothing to serve, bad name) or -ENOMEM.
 */
int dnsmasq_ra_render(const struct dnsmasq_ra_net *nets, size_t n, const struct dnsmasq_paths *p,
		      char **conf, struct vnet_error *err);

/* What a running dnsmasq needs after its network changed. */
enum dnsmasq_action {
	DNSMASQ_NOTHING,            /* the files are the same */
	DNSMASQ_RELOAD,             /* only SIGHUP-read files changed: write them, SIGHUP */
	DNSMASQ_RESTART,            /* the main file changed: write, stop, start */
	DNSMASQ_START,              /* none was needed before, one is now */
	DNSMASQ_STOP,               /* one ran, none is needed now */
};

const char *dnsmasq_action_name(enum dnsmasq_action a);

/* dnsmasq_files_change - compare two renderings for the same paths. */
enum dnsmasq_action dnsmasq_files_change(const struct dnsmasq_files *old,
					 const struct dnsmasq_files *new);

/*
 * dnsmasq_spec_change - what going from spec @old to @new means for the
 * network's dnsmasq (either may be NULL: no DHCP/DNS), with IPv6 served by
 * the network's own dnsmasq. With ra_shared, render both with the real
 * paths and use dnsmasq_files_change(), and compare dnsmasq_ra_render()
 * texts for the shared one. <0 on no memory.
 */
int dnsmasq_spec_change(const struct dhcp_spec *old, const struct dhcp_spec *new);

/* One lease from dnsmasq's lease file. */
struct dhcp_lease {
	char mac[64];               /* "52:54:00:..."; for DHCPv6 the IAID */
	char ip[64];
	char hostname[DHCP_DNS_NAME_MAX + 1];   /* "" when the client sent none */
	char clientid[256];         /* "" when none ("*") */
	int64_t expires;            /* unix time; 0: never (infinite lease) */
	bool ipv6;
};

/*
 * dhcp_leases_parse - parse a dnsmasq lease file ("EXPIRY MAC IP HOSTNAME
 * CLIENTID" per line; after a "duid" line, DHCPv6 leases with the IAID in
 * place of the MAC). Lines that do not parse are skipped and counted in
 * *@n_bad (may be NULL). *@out is malloc'd (free() it). 0 or -ENOMEM.
 */
int dhcp_leases_parse(const char *text, struct dhcp_lease **out, size_t *n, size_t *n_bad);

/* dhcp_leases_to_json - [{mac, ip, hostname, expires}] for lease.list; NULL on no memory. */
struct json_object *dhcp_leases_to_json(const struct dhcp_lease *l, size_t n);

#endif
