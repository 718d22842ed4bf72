/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The few sysctls networks need. /proc/sys/net shows the namespace of the
 * process that opens the file, so files are opened inside the context's
 * namespace; the open file stays bound to it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "link.h"
#include "rtnl-objs.h"

struct sysctl_desc {
	const char *proto;  /* "ipv4" or "ipv6" */
	const char *leaf;
	bool per_if;        /* under conf/IF/ */
	int max;            /* values 0..max */
};

static const struct sysctl_desc sysctls[] = {
	[VNET_SYSCTL_IPV4_FORWARD] = { "ipv4", "ip_forward", false, 1 },
	[VNET_SYSCTL_IPV6_FORWARDING] = { "ipv6", "forwarding", true, 1 },
	[VNET_SYSCTL_IPV6_ACCEPT_RA] = { "ipv6", "accept_ra", true, 2 },
	[VNET_SYSCTL_IPV6_DISABLE] = { "ipv6", "disable_ipv6", true, 1 },
};

static const struct sysctl_desc *sysctl_lookup(enum vnet_sysctl which, struct vnet_error *err)
{
	if ((unsigned int)which >= VNET_ARRAY_SIZE(sysctls)) {
		vnet_error_set(err, -EINVAL,
			       "sysctl %d is unknown; expected one of enum vnet_sysctl (0 to %zu)",
			       (int)which, VNET_ARRAY_SIZE(sysctls) - 1);
		return NULL;
	}
	return &sysctls[which];
}

/* "net.ipv6.conf.br0.forwarding", for messages */
static void sysctl_name(const struct sysctl_desc *d, const char *ifname, char *buf, size_t len)
{
	if (d->per_if)
		snprintf(buf, len, "net.%s.conf.%s.%s", d->proto, ifname, d->leaf);
	else
		snprintf(buf, len, "net.%s.%s", d->proto, d->leaf);
}

int vnet_sysctl_path(enum vnet_sysctl which, const char *ifname, char *buf, size_t len,
		     struct vnet_error *err)
{
	const struct sysctl_desc *d = sysctl_lookup(which, err);
	int r, n;

	if (!d)
		return -EINVAL;
	if (d->per_if) {
		if (!ifname)
			return vnet_error_set(err, -EINVAL,
					      "net.%s.conf.IF.%s needs an interface name (or 'all' or 'default')",
					      d->proto, d->leaf);
		/* "all" and "default" pass too: they are valid interface names. */
		r = vnet_ifname_check("interface name", ifname, err);
		if (r < 0)
			return r;
		n = snprintf(buf, len, "/proc/sys/net/%s/conf/%s/%s", d->proto, ifname, d->leaf);
	} else {
		n = snprintf(buf, len, "/proc/sys/net/%s/%s", d->proto, d->leaf);
	}
	if (n < 0 || (size_t)n >= len)
		return vnet_error_set(err, -ENAMETOOLONG, "sysctl path does not fit in %zu bytes", len);
	return 0;
}

int vnet_sysctl_check_value(enum vnet_sysctl which, const char *ifname, int value,
			    struct vnet_error *err)
{
	const struct sysctl_desc *d = sysctl_lookup(which, err);
	char name[64];

	if (!d)
		return -EINVAL;
	if (value < 0 || value > d->max) {
		sysctl_name(d, ifname ? ifname : "IF", name, sizeof(name));
		return vnet_error_set(err, -EINVAL, "%s cannot be %d; it allows %s", name, value,
				      d->max == 1 ? "0 or 1" : "0, 1 or 2");
	}
	return 0;
}

/* Open @path inside the context's namespace; explain ENOENT by what is missing. */
static int sysctl_open(struct vnet_ctx *ctx, const struct sysctl_desc *d, const char *ifname,
		       const char *path, int flags)
{
	char name[64];
	int saved, leave, fd, r;

	r = vnet_netns_enter(ctx, &saved);
	if (r < 0)
		return r;
	fd = open(path, flags | O_CLOEXEC);
	r = fd < 0 ? -errno : 0;
	if ((leave = vnet_netns_leave(saved)) < 0) {
		r = leave;
		if (fd >= 0)
			close(fd);
		return vnet_ctx_fail(ctx, r, "cannot return to the caller's network namespace: %s",
				     strerror(-r));
	}
	if (fd >= 0)
		return fd;

	sysctl_name(d, ifname, name, sizeof(name));
	if (r == -ENOENT && d->per_if && strcmp(ifname, "all") && strcmp(ifname, "default")) {
		r = vnet_link_ifindex(ctx, ifname);
		if (r == -ENODEV)
			return r;   /* "interface 'x' does not exist" */
		return vnet_ctx_fail(ctx, -ENOENT,
				     "%s does not exist: IPv6 is not available on '%s' (MTU below 1280?)",
				     name, ifname);
	}
	if (r == -ENOENT)
		return vnet_ctx_fail(ctx, r, "%s does not exist: is %s enabled in this kernel?", name,
				     !strcmp(d->proto, "ipv6") ? "IPv6" : "IPv4");
	return vnet_ctx_fail(ctx, r, "cannot open %s (%s): %s", name, path, strerror(-r));
}

VNET_EXPORT int vnet_sysctl_set(struct vnet_ctx *ctx, enum vnet_sysctl which, const char *ifname,
				int value)
{
	char path[128], name[64], buf[16];
	const struct sysctl_desc *d;
	ssize_t w;
	int fd, n, r;

	vnet_ctx_clear_error(ctx);
	r = vnet_sysctl_path(which, ifname, path, sizeof(path), &ctx->err);
	if (r < 0)
		return r;
	r = vnet_sysctl_check_value(which, ifname, value, &ctx->err);
	if (r < 0)
		return r;
	d = &sysctls[which];
	fd = sysctl_open(ctx, d, ifname, path, O_WRONLY);
	if (fd < 0)
		return fd;
	n = snprintf(buf, sizeof(buf), "%d\n", value);
	w = write(fd, buf, (size_t)n);
	r = w < 0 ? -errno : w != n ? -EIO : 0;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		sysctl_name(d, ifname, name, sizeof(name));
		return vnet_ctx_fail(ctx, r, "cannot set %s to %d: %s", name, value, strerror(-r));
	}
	return 0;
}

VNET_EXPORT int vnet_sysctl_get(struct vnet_ctx *ctx, enum vnet_sysctl which, const char *ifname,
				int *value)
{
	char path[128], name[64], buf[32], *end;
	const struct sysctl_desc *d;
	ssize_t n;
	long v;
	int fd, r;

	vnet_ctx_clear_error(ctx);
	r = vnet_sysctl_path(which, ifname, path, sizeof(path), &ctx->err);
	if (r < 0)
		return r;
	d = &sysctls[which];
	fd = sysctl_open(ctx, d, ifname, path, O_RDONLY);
	if (fd < 0)
		return fd;
	n = read(fd, buf, sizeof(buf) - 1);
	r = n < 0 ? -errno : 0;
	close(fd);
	sysctl_name(d, ifname, name, sizeof(name));
	if (r < 0)
		return vnet_ctx_fail(ctx, r, "cannot read %s: %s", name, strerror(-r));
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (end == buf || (*end && *end != '\n') || errno || v < -2147483647L - 1 || v > 2147483647L)
		return vnet_ctx_fail(ctx, -EBADMSG, "%s holds '%.*s', not a number", name,
				     (int)strcspn(buf, "\n"), buf);
	*value = (int)v;
	return 0;
}
