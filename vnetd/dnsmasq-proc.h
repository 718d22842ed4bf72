/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One network's dnsmasq process: start it as a supervised child, adopt one
 * left running by an earlier vnetd, reload it with SIGHUP, stop it. There
 * is no event loop here: every process is held through a pidfd, which the
 * daemon plugs into sd-event (sd_event_add_child_pidfd() for a child,
 * sd_event_add_io(EPOLLIN) for an adopted one) and then calls
 * dnsmasq_proc_reap(). The restart back-off is a pure function.
 *
 * dnsmasq runs in a session of its own with a clean environment and no
 * inherited descriptors, so neither vnetd's signals nor its exit reach it:
 * a vnetd restart leaves DHCP and DNS running, and the next vnetd adopts it.
 */
#ifndef VNETD_DNSMASQ_PROC_H
#define VNETD_DNSMASQ_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <vnet/util.h>

#define DNSMASQ_BINARY "/usr/sbin/dnsmasq"

struct dnsmasq_proc {
	pid_t pid;                  /* 0: none */
	int pidfd;                  /* -1: none; readable once the process has exited */
	bool child;                 /* ours to reap (spawned), or adopted */
};

#define DNSMASQ_PROC_INIT { .pid = 0, .pidfd = -1, .child = false }

struct dnsmasq_spawn {
	const char *binary;         /* NULL: DNSMASQ_BINARY */
	const char *conf_file;      /* passed as --conf-file=, never /etc/dnsmasq.conf */
	int stderr_fd;              /* -1: /dev/null. Not a pipe to vnetd: it must outlive vnetd */
};

/*
 * dnsmasq_proc_spawn - posix_spawn `dnsmasq --keep-in-foreground
 * --conf-file=CONF`. Returns once exec succeeded (an exec failure is
 * reported here, with its errno); dnsmasq's own start-up errors show as an
 * early exit with status 1..5 (see dnsmasq(8) EXIT CODES). 0 or negative errno.
 */
int dnsmasq_proc_spawn(const struct dnsmasq_spawn *a, struct dnsmasq_proc *p,
		       struct vnet_error *err);

/*
 * dnsmasq_proc_adopt - take over the dnsmasq whose pid is in @pid_file, if
 * it is alive and really is a dnsmasq started with --conf-file=@conf_file
 * (a stale pid file may name an unrelated process). 0, or -ESRCH when there
 * is nothing to adopt (start one instead).
 */
int dnsmasq_proc_adopt(const char *pid_file, const char *conf_file, struct dnsmasq_proc *p,
		       struct vnet_error *err);

/*
 * dnsmasq_proc_ready - non-blocking: has dnsmasq finished starting (its pid
 * file names it)? 1 yes, 0 not yet, -ECHILD it has exited.
 */
int dnsmasq_proc_ready(const struct dnsmasq_proc *p, const char *pid_file);

/*
 * dnsmasq_proc_mute - take dnsmasq's rtnetlink socket out of the groups
 * that would wake it for other networks' changes.
 *
 * dnsmasq joins the IPv4 and IPv6 route and address groups (to re-send a
 * pending query when a route appears, and to follow its interfaces'
 * addresses). With one dnsmasq per network, every network's start (its
 * bridge's address and routes) then wakes every other network's dnsmasq:
 * O(networks) per start, measured as most of the start cost at 1,000
 * networks. vnet's configurations do not need the wake-ups: no-resolv and
 * a servers file whose changes vnetd signals; bind-interfaces on a bridge
 * whose address vnetd sets before dnsmasq starts, and vnetd restarts
 * dnsmasq when it had to repair the bridge. Only router advertisements
 * follow the bridge's IPv6 addresses as they come (the link-local one
 * appears with the first port): @keep_ipv6_addresses keeps that group.
 *
 * vnetd takes a copy of the socket (pidfd_getfd, needs CAP_SYS_PTRACE) and
 * leaves the groups on it; dnsmasq's own requests on the socket are not
 * affected. Returns the number of sockets changed, or -errno (then dnsmasq
 * simply keeps waking up).
 */
int dnsmasq_proc_mute(const struct dnsmasq_proc *p, bool keep_ipv6_addresses);

/* dnsmasq_proc_wait_ready - poll dnsmasq_proc_ready() for up to @timeout_ms (tests, start-up). */
int dnsmasq_proc_wait_ready(const struct dnsmasq_proc *p, const char *pid_file, int timeout_ms,
			    struct vnet_error *err);

/* dnsmasq_proc_reload - SIGHUP: re-read the hosts, addn-hosts and servers files. */
int dnsmasq_proc_reload(const struct dnsmasq_proc *p, struct vnet_error *err);

/*
 * dnsmasq_proc_reap - after the pidfd became readable: collect a child's
 * status into *@status (wait(2) encoding; -1 for an adopted process, whose
 * status nobody can read) and reset @p. -EAGAIN when it is still running.
 */
int dnsmasq_proc_reap(struct dnsmasq_proc *p, int *status);

/*
 * dnsmasq_proc_stop - SIGTERM, wait up to @timeout_ms (blocking: for
 * network stop and tests), then SIGKILL; reaps and resets @p. 0 or negative errno.
 */
int dnsmasq_proc_stop(struct dnsmasq_proc *p, int timeout_ms, struct vnet_error *err);

/* dnsmasq_proc_forget - close the pidfd and leave the process running (vnetd exit). */
void dnsmasq_proc_forget(struct dnsmasq_proc *p);

/*
 * Restart back-off: after an exit, wait DNSMASQ_BACKOFF_MIN_USEC, doubling
 * with each further exit up to DNSMASQ_BACKOFF_MAX_USEC; a dnsmasq that ran
 * DNSMASQ_BACKOFF_STABLE_USEC counts as healthy and resets the count.
 */
#define DNSMASQ_BACKOFF_MIN_USEC    (500ULL * 1000)
#define DNSMASQ_BACKOFF_MAX_USEC    (60ULL * 1000 * 1000)
#define DNSMASQ_BACKOFF_STABLE_USEC (30ULL * 1000 * 1000)

struct dnsmasq_backoff {
	unsigned int failures;      /* exits in a row without a stable run */
	uint64_t started_usec;      /* CLOCK_MONOTONIC of the last start */
};

/* dnsmasq_backoff_started - note a start at @now_usec. */
void dnsmasq_backoff_started(struct dnsmasq_backoff *b, uint64_t now_usec);

/* dnsmasq_backoff_exited - note an exit at @now_usec; returns how long to wait before the next start. */
uint64_t dnsmasq_backoff_exited(struct dnsmasq_backoff *b, uint64_t now_usec);

#endif
