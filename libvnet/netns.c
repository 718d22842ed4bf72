/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Entering and leaving the context's network namespace. */
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "internal.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

int vnet_netns_open(const char *path, struct vnet_error *err)
{
	struct statfs sfs;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT)
			return vnet_error_set(err, r, "network namespace '%s' does not exist", path);
		return vnet_error_set(err, r, "network namespace '%s': %s", path, strerror(-r));
	}
	/* /proc/PID/ns/net is on nsfs; so is a bind mount in /run/netns. */
	if (fstatfs(fd, &sfs) < 0 || (sfs.f_type != NSFS_MAGIC && sfs.f_type != PROC_SUPER_MAGIC)) {
		close(fd);
		return vnet_error_set(err, -EINVAL,
				      "'%s' is not a network namespace (expected /run/netns/NAME or /proc/PID/ns/net)",
				      path);
	}
	return fd;
}

int vnet_netns_enter(struct vnet_ctx *ctx, int *saved)
{
	int self, r;

	*saved = -1;
	if (ctx->netns_fd < 0)
		return 0;
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return vnet_ctx_fail(ctx, -errno, "cannot open the caller's network namespace: %s",
				     strerror(errno));
	if (setns(ctx->netns_fd, CLONE_NEWNET) < 0) {
		r = -errno;
		close(self);
		if (r == -EINVAL)
			return vnet_ctx_fail(ctx, r, "'%s' is not a network namespace", ctx->netns_path);
		return vnet_ctx_fail(ctx, r, "cannot enter network namespace '%s': %s",
				     ctx->netns_path, strerror(-r));
	}
	*saved = self;
	return 0;
}

int vnet_netns_leave(int saved)
{
	int r = 0;

	if (saved < 0)
		return 0;
	/* Failing to return would leave the caller somewhere else: nothing sane to do but report. */
	if (setns(saved, CLONE_NEWNET) < 0)
		r = -errno;
	close(saved);
	return r;
}
