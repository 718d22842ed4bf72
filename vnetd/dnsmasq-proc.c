/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Spawning, adopting, reloading and stopping one network's dnsmasq. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "dhcp-spec.h"
#include "dnsmasq-proc.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_getfd_(int pidfd, int fd)
{
	return (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
}

static int pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/*
 * posix_spawn, not fork: glibc starts the child with CLONE_VM|CLONE_VFORK,
 * so vnetd's page tables are not copied and its heap takes no
 * copy-on-write faults until dnsmasq has exec'd. With a fork the start of
 * a network's dnsmasq cost more the more networks vnetd held.
 */
int dnsmasq_proc_spawn(const struct dnsmasq_spawn *a, struct dnsmasq_proc *p,
		       struct vnet_error *err)
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	const char *bin = a->binary ? a->binary : DNSMASQ_BINARY;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *conf_arg = NULL;
	char *argv[4];
	sigset_t none, all;
	int r = 0, e, status;
	pid_t pid;

	if (!a->conf_file)
		return dhcp_err(err, -EINVAL, "dnsmasq conf file is not set");
	if (asprintf(&conf_arg, "--conf-file=%s", a->conf_file) < 0)
		return dhcp_err(err, -ENOMEM, "out of memory starting dnsmasq");
	argv[0] = (char *)bin;
	argv[1] = (char *)"--keep-in-foreground";
	argv[2] = conf_arg;
	argv[3] = NULL;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	/* vnetd blocks signals for sd-event; dnsmasq needs them back, with their defaults */
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	/* its own session: a ^C or SIGTERM to vnetd's process group does not reach it */
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
	e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
	if (!e)
		e = posix_spawn_file_actions_adddup2(&fa, 0, 1);
	if (!e)
		e = posix_spawn_file_actions_adddup2(&fa, a->stderr_fd >= 0 ? a->stderr_fd : 0, 2);
	/* nothing of vnetd's (sockets, pidfds, the journal) leaks into dnsmasq */
	if (!e)
		e = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (!e)
		e = posix_spawn(&pid, bin, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (e) {
		r = -e;
		dhcp_err(err, r, "cannot run %s: %s", bin, strerror(e));
		goto out;
	}
	p->pid = pid;
	p->child = true;
	p->pidfd = pidfd_open_(pid);
	if (p->pidfd < 0) {
		r = -errno;
		dhcp_err(err, r, "pidfd_open(%d): %s", (int)pid, strerror(-r));
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		p->pid = 0;
	}
out:
	free(conf_arg);
	return r;
}

static pid_t read_pid_file(const char *pid_file)
{
	char buf[32] = { 0 };
	long v;
	char *end;
	ssize_t n;
	int fd = open(pid_file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ENOENT;
	v = strtol(buf, &end, 10);
	if (v <= 0 || v > INT_MAX || (*end && *end != '\n'))
		return -EINVAL;
	return (pid_t)v;
}

/* Is /proc/PID a dnsmasq started with --conf-file=@conf_file? */
static bool is_our_dnsmasq(pid_t pid, const char *conf_file)
{
	char path[64], buf[4096], *want = NULL;
	bool is_dnsmasq = false, has_conf = false;
	size_t off = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	if (asprintf(&want, "--conf-file=%s", conf_file) < 0)
		return false;
	while (off < (size_t)n) {
		const char *arg = buf + off, *base = strrchr(arg, '/');

		if (off == 0)
			is_dnsmasq = strcmp(base ? base + 1 : arg, "dnsmasq") == 0;
		else if (strcmp(arg, want) == 0)
			has_conf = true;
		off += strlen(arg) + 1;
	}
	free(want);
	return is_dnsmasq && has_conf;
}

int dnsmasq_proc_adopt(const char *pid_file, const char *conf_file, struct dnsmasq_proc *p,
		       struct vnet_error *err)
{
	pid_t pid = read_pid_file(pid_file);
	int fd;

	if (pid < 0)
		return dhcp_err(err, -ESRCH, "no dnsmasq to adopt: %s: %s", pid_file, strerror(-pid));
	/* hold the process first, then check it: a reused pid cannot slip in between */
	fd = pidfd_open_(pid);
	if (fd < 0)
		return dhcp_err(err, -ESRCH, "no dnsmasq to adopt: pid %d from %s is gone",
				(int)pid, pid_file);
	if (!is_our_dnsmasq(pid, conf_file) || pidfd_signal(fd, 0) < 0) {
		close(fd);
		return dhcp_err(err, -ESRCH,
				"no dnsmasq to adopt: pid %d from %s is not a dnsmasq with --conf-file=%s",
				(int)pid, pid_file, conf_file);
	}
	p->pid = pid;
	p->pidfd = fd;
	p->child = false;
	return 0;
}

static bool exited(const struct dnsmasq_proc *p)
{
	struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0;
}

int dnsmasq_proc_ready(const struct dnsmasq_proc *p, const char *pid_file)
{
	if (p->pidfd < 0 || exited(p))
		return -ECHILD;
	/* dnsmasq writes its pid file once its sockets are bound */
	return read_pid_file(pid_file) == p->pid;
}

int dnsmasq_proc_wait_ready(const struct dnsmasq_proc *p, const char *pid_file, int timeout_ms,
			    struct vnet_error *err)
{
	/* dnsmasq binds in a few ms: a coarser step would be most of a network's start */
	struct timespec ts = { 0, 1000 * 1000 };
	int waited, r;

	for (waited = 0;; waited += 1) {
		r = dnsmasq_proc_ready(p, pid_file);
		if (r == 1)
			return 0;
		if (r < 0)
			return dhcp_err(err, r, "dnsmasq (pid %d) exited while starting", (int)p->pid);
		if (waited >= timeout_ms)
			return dhcp_err(err, -ETIMEDOUT, "dnsmasq (pid %d) did not write %s within %d ms",
					(int)p->pid, pid_file, timeout_ms);
		nanosleep(&ts, NULL);
	}
}

/* Is @fd (vnetd's copy) an rtnetlink socket? Then leave the groups it need not hear. */
static bool leave_groups(int fd, bool keep_ipv6_addresses)
{
	static const int groups[] = { RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_IFADDR,
				      RTNLGRP_IPV6_IFADDR };
	size_t n = sizeof(groups) / sizeof(groups[0]) - (keep_ipv6_addresses ? 1 : 0);
	int domain = 0, proto = -1;
	socklen_t len = sizeof(domain);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 || domain != AF_NETLINK)
		return false;
	len = sizeof(proto);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) < 0 || proto != NETLINK_ROUTE)
		return false;
	/* leaving a group the socket is not in is not an error */
	for (size_t i = 0; i < n; i++)
		if (setsockopt(fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &groups[i], sizeof(groups[i])) < 0)
			return false;
	return true;
}

int dnsmasq_proc_mute(const struct dnsmasq_proc *p, bool keep_ipv6_addresses)
{
	char path[64], link[64];
	struct dirent *e;
	int found = 0, r = -ENOENT;
	DIR *dir;

	if (p->pidfd < 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)p->pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		char *end;
		long n = strtol(e->d_name, &end, 10);
		char fdpath[sizeof(path) + sizeof(e->d_name) + 1];
		ssize_t len;
		int fd;

		if (*end || end == e->d_name || n < 0 || n > INT_MAX)
			continue;
		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, e->d_name);
		len = readlink(fdpath, link, sizeof(link) - 1);
		if (len < 0)
			continue;
		link[len] = '\0';
		if (strncmp(link, "socket:", 7))
			continue;
		fd = pidfd_getfd_(p->pidfd, (int)n);
		if (fd < 0) {
			r = -errno;
			break;
		}
		if (leave_groups(fd, keep_ipv6_addresses))
			found++;
		close(fd);
	}
	closedir(dir);
	return found ? found : r;
}

int dnsmasq_proc_reload(const struct dnsmasq_proc *p, struct vnet_error *err)
{
	int r;

	if (p->pidfd < 0)
		return dhcp_err(err, -ESRCH, "dnsmasq is not running");
	if (pidfd_signal(p->pidfd, SIGHUP) < 0) {
		r = -errno;
		return dhcp_err(err, r, "SIGHUP to dnsmasq (pid %d): %s", (int)p->pid, strerror(-r));
	}
	return 0;
}

int dnsmasq_proc_reap(struct dnsmasq_proc *p, int *status)
{
	siginfo_t si = { 0 };
	int st = -1;

	if (p->pidfd < 0)
		return -ECHILD;
	if (p->child) {
		if (waitid((idtype_t)P_PIDFD, (id_t)p->pidfd, &si, WEXITED | WNOHANG) < 0)
			return -errno;
		if (si.si_pid == 0)
			return -EAGAIN;
		if (si.si_code == CLD_EXITED)
			st = (si.si_status & 0xff) << 8;
		else
			st = (si.si_status & 0x7f) | (si.si_code == CLD_DUMPED ? 0x80 : 0);
	} else if (!exited(p)) {
		return -EAGAIN;
	}
	if (status)
		*status = st;
	close(p->pidfd);
	p->pidfd = -1;
	p->pid = 0;
	p->child = false;
	return 0;
}

int dnsmasq_proc_stop(struct dnsmasq_proc *p, int timeout_ms, struct vnet_error *err)
{
	struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };
	int r;

	if (p->pidfd < 0)
		return 0;
	if (pidfd_signal(p->pidfd, SIGTERM) < 0 && errno != ESRCH) {
		r = -errno;
		return dhcp_err(err, r, "SIGTERM to dnsmasq (pid %d): %s", (int)p->pid, strerror(-r));
	}
	do
		r = poll(&pfd, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		pidfd_signal(p->pidfd, SIGKILL);
		do
			r = poll(&pfd, 1, 5000);
		while (r < 0 && errno == EINTR);
	}
	/* a child's exit makes the pidfd readable before it can be reaped */
	for (;;) {
		r = dnsmasq_proc_reap(p, NULL);
		if (r != -EAGAIN)
			break;
		poll(NULL, 0, 1);
	}
	return r == -ECHILD ? 0 : r;
}

void dnsmasq_proc_forget(struct dnsmasq_proc *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
	p->pid = 0;
	p->child = false;
}

void dnsmasq_backoff_started(struct dnsmasq_backoff *b, uint64_t now_usec)
{
	b->started_usec = now_usec;
}

uint64_t dnsmasq_backoff_exited(struct dnsmasq_backoff *b, uint64_t now_usec)
{
	uint64_t d = DNSMASQ_BACKOFF_MIN_USEC;
	unsigned int i;

	if (now_usec >= b->started_usec && now_usec - b->started_usec >= DNSMASQ_BACKOFF_STABLE_USEC)
		b->failures = 0;
	if (b->failures < UINT_MAX)
		b->failures++;
	for (i = 1; i < b->failures && d < DNSMASQ_BACKOFF_MAX_USEC; i++)
		d *= 2;
	return d < DNSMASQ_BACKOFF_MAX_USEC ? d : DNSMASQ_BACKOFF_MAX_USEC;
}
