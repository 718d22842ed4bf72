/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dnsmasq's config, hosts and servers files for one network; its lease file. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include "dnsmasq-config.h"

/* dnsmasq's own default is 1000, too few for a /16 range */
#define LEASE_MAX_CAP (1u << 20)

void dnsmasq_files_clear(struct dnsmasq_files *f)
{
	free(f->conf);
	free(f->dhcp_hosts);
	free(f->addn_hosts);
	free(f->servers);
	memset(f, 0, sizeof(*f));
}

/* A value that goes into a dnsmasq file: no newline, no '#' and nothing dnsmasq would split on. */
static int path_check(const char *field, const char *v, bool required, struct vnet_error *err)
{
	const char *p;

	if (!v)
		return required ? dhcp_err(err, -EINVAL, "dnsmasq %s is not set", field) : 0;
	if (!*v)
		return dhcp_err(err, -EINVAL, "dnsmasq %s is empty", field);
	for (p = v; *p; p++)
		if (iscntrl((unsigned char)*p) || *p == '#' || *p == ',' || isspace((unsigned char)*p))
			return dhcp_err(err, -EINVAL,
					"dnsmasq %s '%s' has a character dnsmasq cannot take ('#', ',', space or control)",
					field, v);
	return 0;
}

static int paths_check(const struct dnsmasq_paths *p, struct vnet_error *err)
{
	int r = 0;

	r = r ?: vnet_ifname_check("bridge name", p->bridge ? p->bridge : "", err);
	r = r ?: path_check("network name", p->network, false, err);
	r = r ?: path_check("conf file", p->conf_file, true, err);
	r = r ?: path_check("pid file", p->pid_file, true, err);
	r = r ?: path_check("dhcp hosts file", p->dhcp_hosts_file, true, err);
	r = r ?: path_check("addn hosts file", p->addn_hosts_file, true, err);
	r = r ?: path_check("servers file", p->servers_file, true, err);
	r = r ?: path_check("lease file", p->lease_file, true, err);
	r = r ?: path_check("user", p->user, false, err);
	r = r ?: path_check("group", p->group, false, err);
	r = r ?: path_check("log facility", p->log_facility, false, err);
	return r;
}

static void conf_ipv4(FILE *f, const struct dhcp_spec *s)
{
	char a[VNET_PREFIX_STRLEN], b[VNET_PREFIX_STRLEN], mask[INET_ADDRSTRLEN], lease[16];
	struct in_addr m = { htonl(s->ipv4.len ? ~0u << (32 - s->ipv4.len) : 0) };
	/* every address of the subnet: ranges and static hosts fit, and adding a host changes nothing here */
	uint64_t max = ((uint64_t)1 << (32 - s->ipv4.len)) - 2;
	size_t i;

	inet_ntop(AF_INET, &m, mask, sizeof(mask));
	fprintf(f, "\n# IPv4 DHCP\n");
	fprintf(f, "dhcp-authoritative\n");
	fprintf(f, "dhcp-no-override\n");
	for (i = 0; i < s->dhcp4.n_ranges; i++) {
		fprintf(f, "dhcp-range=%s,%s,%s,%s\n",
			vnet_prefix_format(&s->dhcp4.ranges[i].start, false, a),
			vnet_prefix_format(&s->dhcp4.ranges[i].end, false, b), mask,
			dhcp_lease_format(s->dhcp4.lease, lease));
	}
	/* static hosts only: dnsmasq still needs a range to know the subnet */
	if (s->dhcp4.n_ranges == 0) {
		struct vnet_prefix netw = vnet_prefix_network(&s->ipv4);

		fprintf(f, "dhcp-range=%s,static,%s,%s\n", vnet_prefix_format(&netw, false, a), mask,
			dhcp_lease_format(s->dhcp4.lease, lease));
	}
	fprintf(f, "dhcp-lease-max=%" PRIu64 "\n", max > LEASE_MAX_CAP ? LEASE_MAX_CAP : max);
}

static void conf_ipv6_ranges(FILE *f, const struct dhcp_spec *s, const char *bridge);

static void conf_ipv6(FILE *f, const struct dhcp_spec *s, const char *bridge)
{
	fprintf(f, "\n# IPv6: router advertisements%s\n", s->dhcp6.n_ranges ? " and DHCPv6" : "");
	fprintf(f, "enable-ra\n");
	conf_ipv6_ranges(f, s, bridge);
}

static void conf_ipv6_ranges(FILE *f, const struct dhcp_spec *s, const char *bridge)
{
	char a[VNET_PREFIX_STRLEN], b[VNET_PREFIX_STRLEN], lease[16];
	size_t i;

	if (s->dhcp6.n_ranges == 0) {
		fprintf(f, "dhcp-range=::,constructor:%s,ra-only\n", bridge);
		return;
	}
	for (i = 0; i < s->dhcp6.n_ranges; i++)
		fprintf(f, "dhcp-range=%s,%s,%u,%s\n",
			vnet_prefix_format(&s->dhcp6.ranges[i].start, false, a),
			vnet_prefix_format(&s->dhcp6.ranges[i].end, false, b), s->ipv6.len,
			dhcp_lease_format(s->dhcp6.lease, lease));
}

static void servers_text(FILE *f, const struct dhcp_spec *s, const char *host_resolv)
{
	char a[VNET_PREFIX_STRLEN];
	char *fromhost;
	size_t i;

	if (s->n_forwarders) {
		fprintf(f, "# dns.forwarders\n");
		for (i = 0; i < s->n_forwarders; i++)
			fprintf(f, "server=%s\n", vnet_prefix_format(&s->forwarders[i], false, a));
		return;
	}
	fprintf(f, "# the host's resolvers\n");
	fromhost = host_resolv ? dnsmasq_servers_from_resolv(host_resolv) : NULL;
	if (fromhost)
		fputs(fromhost, f);
	free(fromhost);
}

int dnsmasq_config_render(const struct dhcp_spec *s, const struct dnsmasq_paths *p,
			  const char *host_resolv, struct dnsmasq_files *out,
			  struct vnet_error *err)
{
	FILE *f = NULL;
	size_t len, i, k;
	char a[VNET_PREFIX_STRLEN], mac[VNET_MAC_STRLEN];
	int r;

	memset(out, 0, sizeof(*out));
	r = paths_check(p, err);
	if (r == 0)
		r = dhcp_spec_validate(s, err);
	if (r < 0)
		return r;
	if (!dhcp_spec_needs_dnsmasq(s))
		return dhcp_err(err, -EINVAL, "network has neither DHCP nor DNS; it needs no dnsmasq");
	if (p->ra_shared && !(s->has_ipv4 && s->dhcp4.enabled) && !s->has_dns)
		return dhcp_err(err, -EINVAL,
				"network has only IPv6, which the shared RA dnsmasq serves; it needs no dnsmasq of its own");

	f = open_memstream(&out->conf, &len);
	if (!f)
		goto nomem;
	fprintf(f, "# dnsmasq for vnet network '%s', generated by vnetd: edits are lost.\n",
		p->network ? p->network : p->bridge);
	fprintf(f, "# Started as: dnsmasq --keep-in-foreground --conf-file=%s\n", p->conf_file);
	fprintf(f, "\n# this bridge only, never lo, never another interface\n");
	fprintf(f, "interface=%s\n", p->bridge);
	fprintf(f, "except-interface=lo\n");
	fprintf(f, "bind-interfaces\n");
	fprintf(f, "\nuser=%s\n", p->user ? p->user : "nobody");
	fprintf(f, "group=%s\n", p->group ? p->group : "nogroup");
	fprintf(f, "pid-file=%s\n", p->pid_file);
	fprintf(f, "dhcp-leasefile=%s\n", p->lease_file);
	if (p->log_facility)
		fprintf(f, "log-facility=%s\n", p->log_facility);
	fprintf(f, "\n# files re-read on SIGHUP\n");
	fprintf(f, "dhcp-hostsfile=%s\n", p->dhcp_hosts_file);
	fprintf(f, "addn-hosts=%s\n", p->addn_hosts_file);
	fprintf(f, "servers-file=%s\n", p->servers_file);
	fprintf(f, "\n# DNS: not the machine's hosts file; upstream servers from servers-file, no polling (inotify)\n");
	fprintf(f, "no-hosts\n");
	fprintf(f, "no-resolv\n");
	fprintf(f, "domain-needed\n");
	if (s->domain) {
		fprintf(f, "domain=%s\n", s->domain);
		fprintf(f, "local=/%s/\n", s->domain);
		fprintf(f, "expand-hosts\n");
	}
	if (s->has_ipv4 && s->dhcp4.enabled)
		conf_ipv4(f, s);
	if (dhcp_spec_has_ra(s) && !p->ra_shared)
		conf_ipv6(f, s, p->bridge);
	if (fclose(f) != 0) {
		f = NULL;
		goto nomem;
	}

	f = open_memstream(&out->dhcp_hosts, &len);
	if (!f)
		goto nomem;
	for (i = 0; i < s->n_hosts; i++) {
		fprintf(f, "%s,%s", vnet_mac_format(s->hosts[i].mac, mac),
			vnet_prefix_format(&s->hosts[i].ip, false, a));
		if (s->hosts[i].name)
			fprintf(f, ",%s", s->hosts[i].name);
		fputc('\n', f);
	}
	if (fclose(f) != 0) {
		f = NULL;
		goto nomem;
	}

	f = open_memstream(&out->addn_hosts, &len);
	if (!f)
		goto nomem;
	for (i = 0; i < s->n_dns_hosts; i++) {
		fputs(vnet_prefix_format(&s->dns_hosts[i].ip, false, a), f);
		for (k = 0; k < s->dns_hosts[i].n_names; k++)
			fprintf(f, " %s", s->dns_hosts[i].names[k]);
		fputc('\n', f);
	}
	if (fclose(f) != 0) {
		f = NULL;
		goto nomem;
	}

	f = open_memstream(&out->servers, &len);
	if (!f)
		goto nomem;
	servers_text(f, s, host_resolv);
	if (fclose(f) != 0) {
		f = NULL;
		goto nomem;
	}
	return 0;
nomem:
	if (f)
		fclose(f);
	dnsmasq_files_clear(out);
	return dhcp_err(err, -ENOMEM, "out of memory generating dnsmasq's files");
}

int dnsmasq_ra_render(const struct dnsmasq_ra_net *nets, size_t n, const struct dnsmasq_paths *p,
		      char **conf, struct vnet_error *err)
{
	size_t i, len, served = 0;
	FILE *f;
	int r = 0;

	*conf = NULL;
	r = r ?: path_check("conf file", p->conf_file, true, err);
	r = r ?: path_check("pid file", p->pid_file, true, err);
	r = r ?: path_check("lease file", p->lease_file, true, err);
	r = r ?: path_check("user", p->user, false, err);
	r = r ?: path_check("group", p->group, false, err);
	r = r ?: path_check("log facility", p->log_facility, false, err);
	for (i = 0; i < n && r == 0; i++) {
		r = vnet_ifname_check("bridge name", nets[i].bridge ? nets[i].bridge : "", err);
		if (r == 0)
			r = dhcp_spec_validate(nets[i].spec, err);
		if (dhcp_spec_has_ra(nets[i].spec))
			served++;
	}
	if (r < 0)
		return r;
	if (!served)
		return dhcp_err(err, -EINVAL, "no network has an IPv6 address; the RA dnsmasq is not needed");
	f = open_memstream(conf, &len);
	if (!f)
		return dhcp_err(err, -ENOMEM, "out of memory generating dnsmasq's files");
	fprintf(f, "# dnsmasq for IPv6 router advertisements and DHCPv6 of every vnet network,\n"
		"# generated by vnetd: edits are lost.\n"
		"# Started as: dnsmasq --keep-in-foreground --conf-file=%s\n", p->conf_file);
	fprintf(f, "\n# no DNS here: each network's own dnsmasq answers on its bridge\n");
	fprintf(f, "port=0\n");
	fprintf(f, "except-interface=lo\n");
	fprintf(f, "bind-interfaces\n");
	fprintf(f, "\nuser=%s\n", p->user ? p->user : "nobody");
	fprintf(f, "group=%s\n", p->group ? p->group : "nogroup");
	fprintf(f, "pid-file=%s\n", p->pid_file);
	fprintf(f, "dhcp-leasefile=%s\n", p->lease_file);
	if (p->log_facility)
		fprintf(f, "log-facility=%s\n", p->log_facility);
	fprintf(f, "\nenable-ra\n");
	/* RDNSS and DHCPv6 DNS: the address of the bridge the answer goes out on */
	fprintf(f, "dhcp-option=option6:dns-server,[::]\n");
	for (i = 0; i < n; i++) {
		if (!dhcp_spec_has_ra(nets[i].spec))
			continue;
		fprintf(f, "\ninterface=%s\n", nets[i].bridge);
		conf_ipv6_ranges(f, nets[i].spec, nets[i].bridge);
	}
	if (fclose(f) != 0) {
		free(*conf);
		*conf = NULL;
		return dhcp_err(err, -ENOMEM, "out of memory generating dnsmasq's files");
	}
	return 0;
}

char *dnsmasq_servers_from_resolv(const char *resolv)
{
	char *out = NULL, line[512], word[64], addr[64];
	const char *p = resolv, *nl;
	size_t len;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	while (*p) {
		struct vnet_prefix a;
		size_t l;

		nl = strchr(p, '\n');
		l = nl ? (size_t)(nl - p) : strlen(p);
		if (l >= sizeof(line))
			l = sizeof(line) - 1;
		memcpy(line, p, l);
		line[l] = '\0';
		p = nl ? nl + 1 : p + strlen(p);
		if (sscanf(line, " %63s %63s", word, addr) != 2 || strcmp(word, "nameserver") != 0)
			continue;
		/* "fe80::1%eth0" names a scope dnsmasq writes as "fe80::1@eth0" */
		if (vnet_addr_parse("nameserver", addr, &a, NULL) < 0)
			continue;
		fprintf(f, "server=%s\n", addr);
	}
	if (fclose(f) != 0)
		return NULL;
	return out;
}

static int write_atomic(const char *path, const char *text, struct vnet_error *err)
{
	size_t len = strlen(text), plen = strlen(path);
	char *tmp = malloc(plen + 8);
	ssize_t w;
	size_t off = 0;
	int fd = -1, r = 0;

	if (!tmp)
		return dhcp_err(err, -ENOMEM, "out of memory writing %s", path);
	snprintf(tmp, plen + 8, "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		r = -errno;
		dhcp_err(err, r, "cannot create %s: %s", tmp, strerror(-r));
		goto out;
	}
	/* dnsmasq reads the hosts files again after dropping to its own user */
	if (fchmod(fd, 0644) < 0)
		goto fail;
	while (off < len) {
		w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	goto out;
fail:
	r = -errno;
	dhcp_err(err, r, "cannot write %s: %s", path, strerror(-r));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	free(tmp);
	return r;
}

int dnsmasq_files_write(const struct dnsmasq_files *f, const struct dnsmasq_paths *p,
			struct vnet_error *err)
{
	int r = 0;

	/* the SIGHUP-read files first: the main file names them */
	r = r ?: write_atomic(p->dhcp_hosts_file, f->dhcp_hosts, err);
	r = r ?: write_atomic(p->addn_hosts_file, f->addn_hosts, err);
	r = r ?: write_atomic(p->servers_file, f->servers, err);
	r = r ?: write_atomic(p->conf_file, f->conf, err);
	return r;
}

const char *dnsmasq_action_name(enum dnsmasq_action a)
{
	switch (a) {
	case DNSMASQ_NOTHING: return "nothing";
	case DNSMASQ_RELOAD: return "reload";
	case DNSMASQ_RESTART: return "restart";
	case DNSMASQ_START: return "start";
	case DNSMASQ_STOP: return "stop";
	}
	return "?";
}

static bool same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

enum dnsmasq_action dnsmasq_files_change(const struct dnsmasq_files *old,
					 const struct dnsmasq_files *new)
{
	if (!same(old->conf, new->conf))
		return DNSMASQ_RESTART;
	if (!same(old->dhcp_hosts, new->dhcp_hosts) || !same(old->addn_hosts, new->addn_hosts) ||
	    !same(old->servers, new->servers))
		return DNSMASQ_RELOAD;
	return DNSMASQ_NOTHING;
}

int dnsmasq_spec_change(const struct dhcp_spec *old, const struct dhcp_spec *new)
{
	static const struct dnsmasq_paths p = {
		.bridge = "br", .conf_file = "c", .pid_file = "p", .dhcp_hosts_file = "h",
		.addn_hosts_file = "a", .servers_file = "s", .lease_file = "l",
	};
	struct dnsmasq_files fo = { 0 }, fn = { 0 };
	bool had = old && dhcp_spec_needs_dnsmasq(old), has = new && dhcp_spec_needs_dnsmasq(new);
	int r;

	if (!had || !has)
		return had ? DNSMASQ_STOP : has ? DNSMASQ_START : DNSMASQ_NOTHING;
	/* the host's resolvers are the same for both; what matters is which side has forwarders */
	r = dnsmasq_config_render(old, &p, NULL, &fo, NULL);
	if (r == 0)
		r = dnsmasq_config_render(new, &p, NULL, &fn, NULL);
	if (r == 0)
		r = dnsmasq_files_change(&fo, &fn);
	else if (r == -EINVAL)
		/* an invalid spec is never applied; treat it as a full restart */
		r = DNSMASQ_RESTART;
	dnsmasq_files_clear(&fo);
	dnsmasq_files_clear(&fn);
	return r;
}

/* ---- lease file ---------------------------------------------------------- */

static bool copy_field(char *dst, size_t size, const char *src)
{
	if (strlen(src) >= size)
		return false;
	strcpy(dst, src);
	return true;
}

static bool parse_lease_line(char *line, bool v6, struct dhcp_lease *l)
{
	char *f[5], *save = NULL, *end;
	struct vnet_prefix a;
	long long exp;
	int n = 0;

	for (char *t = strtok_r(line, " \t", &save); t && n < 5; t = strtok_r(NULL, " \t", &save))
		f[n++] = t;
	if (n < 4)
		return false;
	errno = 0;
	exp = strtoll(f[0], &end, 10);
	if (errno || *end || exp < 0)
		return false;
	memset(l, 0, sizeof(*l));
	l->expires = exp;
	l->ipv6 = v6;
	if (vnet_addr_parse("ip", f[2], &a, NULL) < 0 || (a.family == AF_INET6) != v6)
		return false;
	if (!copy_field(l->mac, sizeof(l->mac), f[1]) || !copy_field(l->ip, sizeof(l->ip), f[2]))
		return false;
	if (strcmp(f[3], "*") != 0 && !copy_field(l->hostname, sizeof(l->hostname), f[3]))
		return false;
	if (n == 5 && strcmp(f[4], "*") != 0 && !copy_field(l->clientid, sizeof(l->clientid), f[4]))
		return false;
	return true;
}

int dhcp_leases_parse(const char *text, struct dhcp_lease **out, size_t *n, size_t *n_bad)
{
	struct dhcp_lease *v = NULL, *nv;
	size_t cnt = 0, cap = 0, bad = 0;
	const char *p = text, *nl;
	bool v6 = false;
	char line[1024];

	while (*p) {
		size_t l;

		nl = strchr(p, '\n');
		l = nl ? (size_t)(nl - p) : strlen(p);
		if (l >= sizeof(line)) {
			bad++;
			p = nl ? nl + 1 : p + l;
			continue;
		}
		memcpy(line, p, l);
		line[l] = '\0';
		p = nl ? nl + 1 : p + l;
		if (l == 0)
			continue;
		/* dnsmasq writes "duid SERVER-DUID" before its DHCPv6 leases */
		if (strncmp(line, "duid ", 5) == 0) {
			v6 = true;
			continue;
		}
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		if (parse_lease_line(line, v6, &v[cnt]))
			cnt++;
		else
			bad++;
	}
	*out = v;
	*n = cnt;
	if (n_bad)
		*n_bad = bad;
	return 0;
}

struct json_object *dhcp_leases_to_json(const struct dhcp_lease *l, size_t n)
{
	struct json_object *a = json_object_new_array(), *o;
	size_t i;

	if (!a)
		return NULL;
	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		if (!o || json_object_array_add(a, o) < 0) {
			json_object_put(o);
			goto fail;
		}
		if (json_object_object_add(o, "mac", json_object_new_string(l[i].mac)) < 0 ||
		    json_object_object_add(o, "ip", json_object_new_string(l[i].ip)) < 0 ||
		    json_object_object_add(o, "hostname",
					   l[i].hostname[0] ? json_object_new_string(l[i].hostname) : NULL) < 0 ||
		    json_object_object_add(o, "expires", json_object_new_int64(l[i].expires)) < 0)
			goto fail;
	}
	return a;
fail:
	json_object_put(a);
	return NULL;
}
