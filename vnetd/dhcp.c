/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dnsmasq supervisor: one dnsmasq per active network that has DHCP or
 * DNS, held through a pidfd in vnetd's event loop. A dnsmasq that dies is
 * started again after a back-off; host changes are written and SIGHUPed,
 * range or domain changes restart it; a vnetd restart adopts the running
 * one from its pid file instead of restarting it, so leases and answers go
 * on while vnetd is away.
 *
 * Files: config, pid, hosts, addn-hosts, servers and log under
 * RUN_DIR/dnsmasq/ (0755: dnsmasq re-reads the hosts files as nobody after
 * SIGHUP); leases under STATE_DIR/dnsmasq/ (kept across every restart).
 * The host's resolv.conf is watched with one inotify watch for all networks,
 * and the networks that forward to the host's resolvers get a SIGHUP when it
 * changes (docs/dhcp.md: no dnsmasq keeps an inotify instance of its own).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vnetd.h"
#include "dnsmasq-config.h"
#include "dnsmasq-proc.h"

#define DHCP_RESOLV_DIR "/etc"
#define DHCP_RESOLV_NAME "resolv.conf"
#define DHCP_READY_TIMEOUT_MS 5000
#define DHCP_STOP_TIMEOUT_MS 3000

/* One network's supervised dnsmasq; kept by name, since a redefined network is a new struct. */
struct dhcp_sup {
	char name[NETWORK_NAME_MAX + 1];
	struct vnetd *d;
	struct dnsmasq_proc proc;
	sd_event_source *exit_source;      /* the pidfd, readable once dnsmasq exited */
	sd_event_source *restart_source;   /* back-off timer */
	struct dnsmasq_backoff backoff;
	struct dnsmasq_files files;        /* what was last written */
	bool uses_host_resolv;             /* no forwarders: SIGHUP on resolv.conf change */
	bool sends_ra;                     /* follows the bridge's IPv6 addresses */
	bool starting;                     /* spawned, not yet known to be ready */
	bool replaces_stale;               /* ... in place of one with older settings */
	unsigned int restarts;             /* after exits, since vnetd started */
	int last_status;                   /* wait status of the last exit, -1 unknown */
	/* allocated: a thousand networks must not cost a thousand times 7 × PATH_MAX */
	char *conf, *pid, *hosts, *addn, *servers, *leases, *log;
	struct dhcp_sup *next;
};

struct vnetd_dhcp {
	struct dhcp_sup *sups;
	int inotify_fd;
	sd_event_source *inotify_source;
	/* where a symlinked resolv.conf really lives (systemd-resolved, resolvconf) */
	char target_name[NAME_MAX + 1];
};

static struct vnetd_dhcp *dhcp_state(struct vnetd *d)
{
	if (!d->dhcp) {
		d->dhcp = calloc(1, sizeof(*d->dhcp));
		if (d->dhcp)
			d->dhcp->inotify_fd = -1;
	}
	return d->dhcp;
}

static struct dhcp_sup *sup_find(struct vnetd *d, const char *name)
{
	if (!d->dhcp)
		return NULL;
	for (struct dhcp_sup *s = d->dhcp->sups; s; s = s->next)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

static void sup_free(struct dhcp_sup *s)
{
	dnsmasq_files_clear(&s->files);
	free(s->conf);
	free(s->pid);
	free(s->hosts);
	free(s->addn);
	free(s->servers);
	free(s->leases);
	free(s->log);
	free(s);
}

static char *path_of(const char *dir, const char *name, const char *ext)
{
	char *p;

	return asprintf(&p, "%s/dnsmasq/%s.%s", dir, name, ext) < 0 ? NULL : p;
}

static struct dhcp_sup *sup_get(struct vnetd *d, const char *name)
{
	struct vnetd_dhcp *st = dhcp_state(d);
	struct dhcp_sup *s = sup_find(d, name);

	if (s || !st)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->d = d;
	s->proc = (struct dnsmasq_proc)DNSMASQ_PROC_INIT;
	s->last_status = -1;
	s->conf = path_of(d->run_dir, name, "conf");
	s->pid = path_of(d->run_dir, name, "pid");
	s->hosts = path_of(d->run_dir, name, "hosts");
	s->addn = path_of(d->run_dir, name, "addnhosts");
	s->servers = path_of(d->run_dir, name, "servers");
	s->log = path_of(d->run_dir, name, "log");
	s->leases = path_of(d->state_dir, name, "leases");
	if (!s->conf || !s->pid || !s->hosts || !s->addn || !s->servers || !s->log || !s->leases) {
		sup_free(s);
		return NULL;
	}
	s->next = st->sups;
	st->sups = s;
	return s;
}

static void sup_remove(struct vnetd *d, struct dhcp_sup *s)
{
	for (struct dhcp_sup **pp = &d->dhcp->sups; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			sup_free(s);
			return;
		}
}

static void sup_paths(const struct dhcp_sup *s, const struct vnetd_network *net,
		      struct dnsmasq_paths *p)
{
	*p = (struct dnsmasq_paths){
		.network = net->name, .bridge = net->bridge,
		.conf_file = s->conf, .pid_file = s->pid,
		.dhcp_hosts_file = s->hosts, .addn_hosts_file = s->addn,
		.servers_file = s->servers, .lease_file = s->leases,
		.log_facility = s->log,
	};
}

static char *read_text(const char *path)
{
	char *buf = NULL, *nb;
	size_t len = 0;
	char tmp[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	while ((n = read(fd, tmp, sizeof(tmp))) > 0 && len < 1024 * 1024) {
		nb = realloc(buf, len + n + 1);
		if (!nb)
			break;
		buf = nb;
		memcpy(buf + len, tmp, n);
		len += n;
		buf[len] = '\0';
	}
	close(fd);
	return buf;
}

/* Render @net's files into @out (not written). */
static int render(struct dhcp_sup *s, const struct vnetd_network *net, struct dnsmasq_files *out,
		  struct vnet_error *err)
{
	struct dnsmasq_paths p;
	char *resolv = NULL;
	int r;

	sup_paths(s, net, &p);
	s->uses_host_resolv = net->dhcp.n_forwarders == 0;
	s->sends_ra = dhcp_spec_has_ra(&net->dhcp);
	if (s->uses_host_resolv)
		resolv = read_text(DHCP_RESOLV_DIR "/" DHCP_RESOLV_NAME);
	memset(out, 0, sizeof(*out));
	r = dnsmasq_config_render(&net->dhcp, &p, resolv, out, err);
	free(resolv);
	return r;
}

static int write_files(struct dhcp_sup *s, const struct vnetd_network *net,
		       struct dnsmasq_files *f, struct vnet_error *err)
{
	struct dnsmasq_paths p;
	char dir[PATH_MAX];
	int r;

	snprintf(dir, sizeof(dir), "%s/dnsmasq", s->d->run_dir);
	r = mkdir_p(dir, 0755);
	if (r == 0) {
		/* dnsmasq (as nobody) re-reads the hosts files here after SIGHUP */
		chmod(dir, 0755);
		snprintf(dir, sizeof(dir), "%s/dnsmasq", s->d->state_dir);
		r = mkdir_p(dir, 0755);
	}
	if (r < 0)
		return dhcp_err(err, r, "creating %s: %s", dir, strerror(-r));
	sup_paths(s, net, &p);
	r = dnsmasq_files_write(f, &p, err);
	if (r < 0)
		return r;
	dnsmasq_files_clear(&s->files);
	s->files = *f;
	memset(f, 0, sizeof(*f));
	return 0;
}

static int on_exit_event(sd_event_source *src, int fd, uint32_t revents, void *userdata);

static int watch(struct dhcp_sup *s, struct vnet_error *err)
{
	int r;

	s->exit_source = sd_event_source_disable_unref(s->exit_source);
	r = sd_event_add_io(s->d->event, &s->exit_source, s->proc.pidfd, EPOLLIN, on_exit_event, s);
	if (r < 0)
		return dhcp_err(err, r, "watching dnsmasq %d: %s", (int)s->proc.pid, strerror(-r));
	return 0;
}

static uint64_t now_usec(struct vnetd *d)
{
	uint64_t t = 0;

	sd_event_now(d->event, CLOCK_MONOTONIC, &t);
	return t;
}

/* The start of one network must not wake every other network's dnsmasq. */
static void mute(struct dhcp_sup *s)
{
	int r = dnsmasq_proc_mute(&s->proc, s->sends_ra);

	if (r < 0)
		log_debug("network '%s': dnsmasq %d keeps hearing every route and address change: %s",
			  s->name, (int)s->proc.pid, strerror(-r));
}

/* Spawn dnsmasq with the files already written; spawn_finish waits for it. */
static int spawn_begin(struct dhcp_sup *s, struct vnet_error *err)
{
	struct dnsmasq_spawn sp = { .conf_file = s->conf, .stderr_fd = -1 };
	int r;

	unlink(s->pid);
	r = dnsmasq_proc_spawn(&sp, &s->proc, err);
	if (r < 0)
		return r;
	s->starting = true;
	return 0;
}

/* Wait until the dnsmasq spawn_begin started has bound its sockets, then supervise it. */
static int spawn_finish(struct dhcp_sup *s, struct vnet_error *err)
{
	int r;

	s->starting = false;
	r = dnsmasq_proc_wait_ready(&s->proc, s->pid, DHCP_READY_TIMEOUT_MS, err);
	if (r < 0) {
		struct vnet_error ignored;
		int status = -1;

		if (dnsmasq_proc_reap(&s->proc, &status) < 0)
			dnsmasq_proc_stop(&s->proc, DHCP_STOP_TIMEOUT_MS, &ignored);
		if (status > 0 && WIFEXITED(status))
			dhcp_err(err, -EIO, "dnsmasq for network '%s' exited with status %d at start (see %s)",
				 s->name, WEXITSTATUS(status), s->log);
		return r < 0 ? r : -EIO;
	}
	dnsmasq_backoff_started(&s->backoff, now_usec(s->d));
	mute(s);
	return watch(s, err);
}

static int spawn(struct dhcp_sup *s, struct vnet_error *err)
{
	int r = spawn_begin(s, err);

	return r < 0 ? r : spawn_finish(s, err);
}

static void emit(struct dhcp_sup *s, const char *event, const char *why)
{
	struct json_object *x = json_object_new_object();

	json_object_object_add(x, "pid", json_object_new_int(s->proc.pid));
	if (why)
		json_object_object_add(x, "cause", json_object_new_string(why));
	event_emit(s->d, event, s->name, x);
}

static void schedule_restart(struct dhcp_sup *s, uint64_t delay);

static int on_restart_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct dhcp_sup *s = userdata;
	struct vnetd_network *net = vnetd_find(s->d, s->name);
	struct vnet_error err = { "" };

	(void)src;
	(void)usec;
	s->restart_source = sd_event_source_disable_unref(s->restart_source);
	if (!net || !net->active || !dhcp_spec_needs_dnsmasq(&net->dhcp) || s->proc.pid)
		return 0;
	if (dhcp_network_start(s->d, net, &err) < 0) {
		uint64_t delay = dnsmasq_backoff_exited(&s->backoff, now_usec(s->d));

		log_err("network '%s': restarting dnsmasq: %s; trying again in %llu ms", s->name, err.msg,
			(unsigned long long)(delay / 1000));
		schedule_restart(s, delay);
		return 0;
	}
	s->restarts++;
	log_info("network '%s': dnsmasq restarted as pid %d (restart %u)", s->name, (int)s->proc.pid,
		 s->restarts);
	emit(s, "dnsmasq.restarted", "exited");
	return 0;
}

static void schedule_restart(struct dhcp_sup *s, uint64_t delay)
{
	int r;

	if (s->restart_source)
		return;
	r = sd_event_add_time_relative(s->d->event, &s->restart_source, CLOCK_MONOTONIC, delay,
				       10 * 1000, on_restart_timer, s);
	if (r < 0)
		log_err("network '%s': scheduling the dnsmasq restart: %s", s->name, strerror(-r));
}

static int on_exit_event(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct dhcp_sup *s = userdata;
	pid_t pid = s->proc.pid;
	uint64_t delay;
	int status = -1;

	(void)src;
	(void)fd;
	(void)revents;
	if (dnsmasq_proc_reap(&s->proc, &status) == -EAGAIN)
		return 0;
	s->exit_source = sd_event_source_disable_unref(s->exit_source);
	s->last_status = status;
	delay = dnsmasq_backoff_exited(&s->backoff, now_usec(s->d));
	if (status == -1)
		log_warn("network '%s': dnsmasq %d (adopted) exited; restarting in %llu ms", s->name,
			 (int)pid, (unsigned long long)(delay / 1000));
	else if (WIFSIGNALED(status))
		log_warn("network '%s': dnsmasq %d killed by signal %d; restarting in %llu ms", s->name,
			 (int)pid, WTERMSIG(status), (unsigned long long)(delay / 1000));
	else
		log_warn("network '%s': dnsmasq %d exited with status %d; restarting in %llu ms", s->name,
			 (int)pid, WEXITSTATUS(status), (unsigned long long)(delay / 1000));
	{
		struct json_object *x = json_object_new_object();

		json_object_object_add(x, "pid", json_object_new_int(pid));
		json_object_object_add(x, "restart_in_ms", json_object_new_int64(delay / 1000));
		event_emit(s->d, "dnsmasq.exited", s->name, x);
	}
	schedule_restart(s, delay);
	return 0;
}

/* Does the file at @path hold exactly @want (NULL or "": absent or empty)? */
static bool same_text(const char *path, const char *want)
{
	char *have = read_text(path);
	bool same = !strcmp(have ? have : "", want ? want : "");

	free(have);
	return same;
}

int dhcp_network_start_begin(struct vnetd *d, struct vnetd_network *net, struct vnet_error *err)
{
	struct dnsmasq_files f;
	struct dhcp_sup *s;
	char *old_conf = NULL;
	bool hosts_changed = true;
	int r;

	if (!net->active || !dhcp_spec_needs_dnsmasq(&net->dhcp))
		return 0;
	s = sup_get(d, net->name);
	if (!s)
		return dhcp_err(err, -ENOMEM, "out of memory");
	if (s->proc.pid)
		return 0;
	s->replaces_stale = false;
	/* what a running dnsmasq was started with, to tell a reload from a restart */
	old_conf = read_text(s->conf);
	r = render(s, net, &f, err);
	/* and what it last read, so an adopted one is signalled only when that changed */
	if (r == 0)
		hosts_changed = !same_text(s->hosts, f.dhcp_hosts) || !same_text(s->addn, f.addn_hosts) ||
				!same_text(s->servers, f.servers);
	if (r == 0)
		r = write_files(s, net, &f, err);
	dnsmasq_files_clear(&f);
	if (r < 0)
		goto out;
	/* one left running by an earlier vnetd keeps serving: no restart for that */
	if (dnsmasq_proc_adopt(s->pid, s->conf, &s->proc, NULL) == 0) {
		struct vnet_error ignored;

		if (old_conf && !strcmp(old_conf, s->files.conf)) {
			log_info("network '%s': adopted dnsmasq %d", net->name, (int)s->proc.pid);
			dnsmasq_backoff_started(&s->backoff, now_usec(d));
			mute(s);
			/*
			 * The hosts files changed while no vnetd was there to tell
			 * it. Only then: a restart with a thousand networks must
			 * not make a thousand dnsmasqs re-read their files at once.
			 */
			if (hosts_changed)
				dnsmasq_proc_reload(&s->proc, &ignored);
			r = watch(s, err);
			goto out;
		}
		/* the definition changed while no vnetd ran: its main file is stale */
		log_info("network '%s': dnsmasq %d runs an older configuration; restarting it",
			 net->name, (int)s->proc.pid);
		r = dnsmasq_proc_stop(&s->proc, DHCP_STOP_TIMEOUT_MS, err);
		if (r < 0)
			goto out;
		s->replaces_stale = true;
	}
	r = spawn_begin(s, err);
out:
	free(old_conf);
	return r;
}

int dhcp_network_start_finish(struct vnetd *d, struct vnetd_network *net, struct vnet_error *err)
{
	struct dhcp_sup *s = sup_find(d, net->name);
	int r;

	if (!s || !s->starting)
		return 0;
	r = spawn_finish(s, err);
	if (r < 0)
		return r;
	log_info("network '%s': dnsmasq %d serves bridge %s", net->name, (int)s->proc.pid, net->bridge);
	if (s->replaces_stale)
		emit(s, "dnsmasq.restarted", "settings");
	s->replaces_stale = false;
	return 0;
}

int dhcp_network_start(struct vnetd *d, struct vnetd_network *net, struct vnet_error *err)
{
	int r = dhcp_network_start_begin(d, net, err);

	return r < 0 ? r : dhcp_network_start_finish(d, net, err);
}

static void sup_stop(struct dhcp_sup *s)
{
	struct vnet_error err = { "" };

	s->restart_source = sd_event_source_disable_unref(s->restart_source);
	s->exit_source = sd_event_source_disable_unref(s->exit_source);
	s->starting = false;
	if (s->proc.pid && dnsmasq_proc_stop(&s->proc, DHCP_STOP_TIMEOUT_MS, &err) < 0)
		log_warn("network '%s': stopping dnsmasq: %s, ignoring", s->name, err.msg);
}

void dhcp_network_stop(struct vnetd *d, struct vnetd_network *net)
{
	struct dhcp_sup *s = sup_find(d, net->name);
	bool looked = false;

	if (!s) {
		/* a dnsmasq the last vnetd left, which nobody adopted yet */
		s = sup_get(d, net->name);
		if (!s)
			return;
		if (dnsmasq_proc_adopt(s->pid, s->conf, &s->proc, NULL) < 0)
			s->proc = (struct dnsmasq_proc)DNSMASQ_PROC_INIT;
		looked = true;
	}
	if (s->proc.pid)
		log_info("network '%s': stopping dnsmasq %d", net->name, (int)s->proc.pid);
	sup_stop(s);
	/* the lease file stays: a network started again hands out the same addresses */
	unlink(s->conf);
	unlink(s->pid);
	unlink(s->hosts);
	unlink(s->addn);
	unlink(s->servers);
	dnsmasq_files_clear(&s->files);
	s->backoff = (struct dnsmasq_backoff){ 0 };
	/* made here only to find a dnsmasq left by an earlier vnetd: nothing to keep */
	if (looked)
		sup_remove(d, s);
}

int dhcp_network_apply(struct vnetd *d, struct vnetd_network *net, struct vnet_error *err)
{
	struct dnsmasq_files f;
	struct dhcp_sup *s = sup_find(d, net->name);
	enum dnsmasq_action a;
	int r;

	if (!net->active)
		return 0;
	if (!dhcp_spec_needs_dnsmasq(&net->dhcp)) {
		if (s && s->proc.pid)
			dhcp_network_stop(d, net);
		return 0;
	}
	if (!s || (!s->proc.pid && !s->restart_source))
		return dhcp_network_start(d, net, err);
	r = render(s, net, &f, err);
	if (r < 0)
		return r;
	a = dnsmasq_files_change(&s->files, &f);
	if (a == DNSMASQ_NOTHING) {
		dnsmasq_files_clear(&f);
		return 0;
	}
	r = write_files(s, net, &f, err);
	dnsmasq_files_clear(&f);
	if (r < 0)
		return r;
	if (!s->proc.pid)
		return 0;   /* a restart is pending and reads the new files */
	if (a == DNSMASQ_RELOAD) {
		log_info("network '%s': dnsmasq %d reloads its hosts", net->name, (int)s->proc.pid);
		return dnsmasq_proc_reload(&s->proc, err);
	}
	log_info("network '%s': dnsmasq %d restarts for the new settings", net->name, (int)s->proc.pid);
	s->exit_source = sd_event_source_disable_unref(s->exit_source);
	r = dnsmasq_proc_stop(&s->proc, DHCP_STOP_TIMEOUT_MS, err);
	if (r < 0)
		return r;
	r = spawn(s, err);
	if (r < 0)
		return r;
	emit(s, "dnsmasq.restarted", "settings");
	return 0;
}

void dhcp_network_ensure(struct vnetd *d, struct vnetd_network *net, bool rebind)
{
	struct dhcp_sup *s = sup_find(d, net->name);
	struct vnet_error err = { "" };

	if (!net->active || !dhcp_spec_needs_dnsmasq(&net->dhcp))
		return;
	if (s && s->restart_source)
		return;   /* the back-off decides when */
	if (s && s->proc.pid && rebind) {
		/* bind-interfaces holds the addresses present at start; a recreated bridge needs new sockets */
		log_info("network '%s': bridge repaired; restarting dnsmasq %d", net->name, (int)s->proc.pid);
		s->exit_source = sd_event_source_disable_unref(s->exit_source);
		dnsmasq_proc_stop(&s->proc, DHCP_STOP_TIMEOUT_MS, &err);
	}
	if (s && s->proc.pid)
		return;
	if (dhcp_network_start(d, net, &err) < 0) {
		log_err("network '%s': dnsmasq: %s", net->name, err.msg);
		s = sup_find(d, net->name);
		if (s)
			schedule_restart(s, dnsmasq_backoff_exited(&s->backoff, now_usec(d)));
		return;
	}
	if (rebind && (s = sup_find(d, net->name)))
		emit(s, "dnsmasq.restarted", "bridge repaired");
}

struct json_object *dhcp_network_status(struct vnetd *d, struct vnetd_network *net)
{
	struct dhcp_sup *s = sup_find(d, net->name);
	struct json_object *o = json_object_new_object();
	bool running = s && s->proc.pid > 0;

	json_object_object_add(o, "enabled", json_object_new_boolean(dhcp_spec_needs_dnsmasq(&net->dhcp)));
	json_object_object_add(o, "running", json_object_new_boolean(running));
	if (running)
		json_object_object_add(o, "pid", json_object_new_int(s->proc.pid));
	if (s) {
		json_object_object_add(o, "restarts", json_object_new_int(s->restarts));
		json_object_object_add(o, "restart_pending", json_object_new_boolean(s->restart_source != NULL));
		json_object_object_add(o, "lease_file", json_object_new_string(s->leases));
	}
	return o;
}

int dhcp_network_leases(struct vnetd *d, struct vnetd_network *net, struct json_object **out)
{
	struct dhcp_sup *s = sup_get(d, net->name);
	struct dhcp_lease *l = NULL;
	size_t n = 0;
	char *text;
	int r;

	if (!s)
		return -ENOMEM;
	text = read_text(s->leases);
	r = dhcp_leases_parse(text ? text : "", &l, &n, NULL);
	free(text);
	if (r < 0)
		return r;
	*out = dhcp_leases_to_json(l, n);
	free(l);
	return *out ? 0 : -ENOMEM;
}

void dhcp_network_forget(struct vnetd *d, const char *name)
{
	struct dhcp_sup *s = sup_find(d, name);

	if (!s)
		return;
	sup_stop(s);
	unlink(s->leases);
	unlink(s->log);
	sup_remove(d, s);
}

/* resolv.conf changed: every network that forwards to the host's resolvers re-reads its servers. */
static int on_resolv(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct vnetd *d = userdata;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool hit = false;
	ssize_t n;

	(void)src;
	(void)revents;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if (ev->len && (!strcmp(ev->name, DHCP_RESOLV_NAME) ||
					(d->dhcp->target_name[0] && !strcmp(ev->name, d->dhcp->target_name))))
				hit = true;
			p += sizeof(*ev) + ev->len;
		}
	if (!hit)
		return 0;
	log_info("%s/%s changed; networks without forwarders reload", DHCP_RESOLV_DIR, DHCP_RESOLV_NAME);
	for (struct dhcp_sup *s = d->dhcp ? d->dhcp->sups : NULL; s; s = s->next) {
		struct vnetd_network *net = vnetd_find(d, s->name);
		struct vnet_error err = { "" };

		if (net && s->uses_host_resolv && s->proc.pid && dhcp_network_apply(d, net, &err) < 0)
			log_warn("network '%s': %s, ignoring", s->name, err.msg);
	}
	return 0;
}

int dhcp_init(struct vnetd *d)
{
	struct vnetd_dhcp *st = dhcp_state(d);
	int r;

	if (!st)
		return -ENOMEM;
	st->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (st->inotify_fd < 0) {
		log_warn("inotify: %s; resolv.conf changes are not followed, ignoring", strerror(errno));
		return 0;
	}
	if (inotify_add_watch(st->inotify_fd, DHCP_RESOLV_DIR,
			      IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE) < 0) {
		log_warn("watching %s: %s, ignoring", DHCP_RESOLV_DIR, strerror(errno));
		return 0;
	}
	/* a symlink: its target is rewritten in place, in another directory */
	{
		char *real = realpath(DHCP_RESOLV_DIR "/" DHCP_RESOLV_NAME, NULL), *slash;

		if (real && strcmp(real, DHCP_RESOLV_DIR "/" DHCP_RESOLV_NAME) &&
		    (slash = strrchr(real, '/')) && slash != real) {
			*slash = '\0';
			snprintf(st->target_name, sizeof(st->target_name), "%s", slash + 1);
			if (inotify_add_watch(st->inotify_fd, real,
					      IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE) < 0) {
				log_warn("watching %s: %s, ignoring", real, strerror(errno));
				st->target_name[0] = '\0';
			}
		}
		free(real);
	}
	r = sd_event_add_io(d->event, &st->inotify_source, st->inotify_fd, EPOLLIN, on_resolv, d);
	if (r < 0)
		log_warn("watching %s: %s, ignoring", DHCP_RESOLV_DIR, strerror(-r));
	return 0;
}

void dhcp_free(struct vnetd *d)
{
	struct vnetd_dhcp *st = d->dhcp;

	if (!st)
		return;
	while (st->sups) {
		struct dhcp_sup *s = st->sups;

		st->sups = s->next;
		s->restart_source = sd_event_source_disable_unref(s->restart_source);
		s->exit_source = sd_event_source_disable_unref(s->exit_source);
		/* vnetd exits, DHCP and DNS go on: the next vnetd adopts this dnsmasq */
		dnsmasq_proc_forget(&s->proc);
		sup_free(s);
	}
	sd_event_source_disable_unref(st->inotify_source);
	if (st->inotify_fd >= 0)
		close(st->inotify_fd);
	free(st);
	d->dhcp = NULL;
}
