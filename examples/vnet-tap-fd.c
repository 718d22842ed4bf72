/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vnet-tap-fd - get a tap on a vnet network as open fds, then run a command
 * (a hypervisor) that inherits them:
 *
 *   vnet-tap-fd [--socket=PATH] [--vnet-hdr] [--queues=N] [--mac=MAC]
 *               [--first-fd=N] NETWORK -- COMMAND [ARG...]
 *
 * The fds land on FIRST-FD, FIRST-FD+1, ... (default 3) without
 * close-on-exec, and the command finds them in its environment:
 *   VNET_TAP_FD   the first fd            (QEMU -netdev tap,fd=$VNET_TAP_FD)
 *   VNET_TAP_FDS  all of them, "3:4:5"    (QEMU -netdev tap,fds=$VNET_TAP_FDS)
 *   VNET_TAP      the tap's name
 *   VNET_MAC      the guest's MAC vnetd chose (or was given)
 * Cloud Hypervisor takes --net fd=3,mac=$VNET_MAC (several: fd=[3,4]).
 * The tap is not persistent: it goes away when the last holder closes it.
 * See examples/qemu-tap-fd.sh, examples/cloud-hypervisor.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge-helper.h"
#include "client.h"

#define PROG "vnet-tap-fd"
#define USAGE "usage: " PROG " [--socket=PATH] [--vnet-hdr] [--queues=N] [--mac=MAC] " \
	"[--first-fd=N] NETWORK -- COMMAND [ARG...]"

static int usage(const char *why)
{
	fprintf(stderr, PROG ": %s\n" USAGE "\n", why);
	return BH_EXIT_USAGE;
}

static const char *opt(const char *arg, const char *name)
{
	size_t len = strlen(name);

	return !strncmp(arg, name, len) && arg[len] == '=' ? arg + len + 1 : NULL;
}

static int number(const char *s, long min, long max, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return errno || end == s || *end || *v < min || *v > max ? -EINVAL : 0;
}

/* Put fds[i] on first + i, leaving them open across exec. */
static int place_fds(struct bh_tap *tap, int first)
{
	/* Move them out of the way first, so no dup2() lands on one not yet moved. */
	for (size_t i = 0; i < tap->nfds; i++) {
		int fd = fcntl(tap->fds[i], F_DUPFD_CLOEXEC, first + (int)tap->nfds);

		if (fd < 0)
			return -errno;
		close(tap->fds[i]);
		tap->fds[i] = fd;
	}
	for (size_t i = 0; i < tap->nfds; i++) {
		if (dup2(tap->fds[i], first + (int)i) < 0)
			return -errno;
		close(tap->fds[i]);
		tap->fds[i] = first + (int)i;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bh_request req = { 0 };
	const char *socket = NULL, *v;
	char why[512], fds[BH_MAX_QUEUES * 12] = "", num[16];
	struct bh_tap tap;
	long first = 3, n;
	int i, r;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if ((v = opt(argv[i], "--socket"))) {
			socket = v;
		} else if (!strcmp(argv[i], "--vnet-hdr")) {
			req.vnet_hdr = true;
		} else if ((v = opt(argv[i], "--queues"))) {
			if (number(v, 1, BH_MAX_QUEUES, &n) < 0)
				return usage("--queues is a number from 1 to 16");
			req.queues = (unsigned int)n;
		} else if ((v = opt(argv[i], "--mac"))) {
			req.mac = v;
		} else if ((v = opt(argv[i], "--first-fd"))) {
			if (number(v, 3, 1000, &first) < 0)
				return usage("--first-fd is a number from 3 to 1000");
		} else if (argv[i][0] == '-' || req.network) {
			return usage("unexpected argument before --");
		} else {
			req.network = argv[i];
		}
	}
	if (!req.network)
		return usage("missing NETWORK");
	if (i + 1 >= argc)
		return usage("missing -- COMMAND");
	if (!socket)
		socket = getenv("VNET_SOCKET");
	if (!socket || !*socket)
		socket = CLIENT_DEFAULT_SOCKET;

	r = bh_attach(socket, &req, &tap, why, sizeof(why));
	if (r != BH_EXIT_OK) {
		fprintf(stderr, PROG ": %s\n", why);
		return r;
	}
	r = place_fds(&tap, (int)first);
	if (r < 0) {
		fprintf(stderr, PROG ": cannot place the tap's fds at %ld: %s\n", first, strerror(-r));
		return BH_EXIT_FAIL;
	}
	for (size_t q = 0; q < tap.nfds; q++) {
		snprintf(num, sizeof(num), "%s%d", q ? ":" : "", tap.fds[q]);
		strcat(fds, num);
	}
	snprintf(num, sizeof(num), "%d", tap.fds[0]);
	setenv("VNET_TAP_FD", num, 1);
	setenv("VNET_TAP_FDS", fds, 1);
	setenv("VNET_TAP", tap.tap, 1);
	setenv("VNET_MAC", tap.mac, 1);

	execvp(argv[i + 1], argv + i + 1);
	fprintf(stderr, PROG ": cannot run %s: %s\n", argv[i + 1], strerror(errno));
	return 127;
}
