/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vnet-bridge-helper - QEMU's -netdev bridge helper, through vnetd.
 *
 * QEMU runs its helper as `HELPER --use-vnet --fd=N --br=BR` (libvirt as
 * `HELPER [--use-vnet] --br=BR --fd=N`) with N one end of a socketpair, and
 * waits for one message on it carrying the open tap as SCM_RIGHTS; then it
 * checks that the helper exited 0. QEMU's own helper is setuid root and
 * makes the tap itself. This one has no privileges: it asks vnetd, which
 * checks who is asking (SO_PEERCRED) against its ACL, makes the tap on the
 * network whose name or bridge is BR, and returns the open fd, which is
 * passed on unchanged. Whatever goes wrong is one line on stderr, which
 * QEMU and libvirt show to their user.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "bridge-helper.h"
#include "client.h"

#define PROG "vnet-bridge-helper"
#define USAGE "usage: " PROG " [--use-vnet] --br=BRIDGE --fd=UNIXFD [--socket=PATH]"

struct args {
	bool use_vnet;
	const char *br;
	const char *fd;
	const char *socket;
};

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static void help(void)
{
	printf(USAGE "\n\n"
	       "Hands QEMU (-netdev bridge,br=BRIDGE,helper=PATH) or libvirt a tap on the vnet\n"
	       "network whose name or bridge is BRIDGE. vnetd makes the tap and decides, by\n"
	       "the caller's user and groups and its ACL, whether it may; the open tap comes\n"
	       "back over vnetd's socket and is sent on over the socket UNIXFD.\n\n"
	       "  --use-vnet       ask for a tap with the virtio-net header (QEMU always asks)\n"
	       "  --br=BRIDGE      the network's name or its bridge's name\n"
	       "  --fd=UNIXFD      the socket the caller waits on for the tap\n"
	       "  --socket=PATH    vnetd's socket (default $VNET_SOCKET, else " CLIENT_DEFAULT_SOCKET ")\n"
	       "  --help, --version\n\n"
	       "Exit status: 0 once the tap was sent, 1 when vnetd refused or sending failed,\n"
	       "2 for a bad command line, 3 when vnetd cannot be reached.\n");
}

/*
 * --name=VALUE or --name VALUE; 1 when argv[*i] is @name (value in *val,
 * *i moved past it), 0 when it is not, -1 when the value is missing.
 */
static int opt_value(int argc, char **argv, int *i, const char *name, const char **val)
{
	size_t len = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, len))
		return 0;
	if (a[len] == '=') {
		*val = a + len + 1;
		return 1;
	}
	if (a[len] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

/* Set *slot once; a second, different value is a mistake worth naming. */
static int set_once(const char *name, const char **slot, const char *val)
{
	if (*slot && strcmp(*slot, val))
		return fail(BH_EXIT_USAGE, "%s given twice ('%s' and '%s'); " USAGE, name, *slot, val);
	*slot = val;
	return 0;
}

/* Returns -1 to go on, else an exit code. */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const char *const names[] = { "--br", "--fd", "--socket" };

	for (int i = 1; i < argc; i++) {
		const char **slots[] = { &a->br, &a->fd, &a->socket };
		const char *val;
		bool matched = false;

		if (!strcmp(argv[i], "--use-vnet")) {
			a->use_vnet = true;
			continue;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			help();
			return BH_EXIT_OK;
		}
		if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
			printf(PROG " %s\n", PACKAGE_VERSION);
			return BH_EXIT_OK;
		}
		for (size_t n = 0; n < sizeof(names) / sizeof(names[0]) && !matched; n++) {
			int r = opt_value(argc, argv, &i, names[n], &val);

			if (r < 0)
				return fail(BH_EXIT_USAGE, "%s needs a value; " USAGE, names[n]);
			if (r > 0) {
				matched = true;
				if (set_once(names[n], slots[n], val))
					return BH_EXIT_USAGE;
			}
		}
		if (!matched)
			return fail(BH_EXIT_USAGE, "unknown argument '%s'; " USAGE, argv[i]);
	}
	if (!a->br || !*a->br)
		return fail(BH_EXIT_USAGE, "missing --br=BRIDGE; " USAGE);
	if (!a->fd)
		return fail(BH_EXIT_USAGE, "missing --fd=UNIXFD; " USAGE);
	return -1;
}

static int parse_fd(const char *s, int *fd)
{
	char *end;
	long v;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	v = strtol(s, &end, 10);
	if (errno || *end || v > INT_MAX)
		return -EINVAL;
	*fd = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	struct bh_request req = { 0 };
	struct bh_tap tap;
	char why[512];
	int unixfd, r;

	/*
	 * vnetd trusts the credentials of whoever connects. Run setuid, setgid
	 * or with file capabilities, this helper would lend its owner's to
	 * every caller and so bypass vnetd's ACL; it refuses instead.
	 */
	if (getauxval(AT_SECURE))
		return fail(BH_EXIT_FAIL, "refusing to run setuid, setgid or with file capabilities: "
			    "vnetd decides by the caller's own user and groups");
	signal(SIGPIPE, SIG_IGN);

	r = parse_args(argc, argv, &a);
	if (r >= 0)
		return r;
	if (parse_fd(a.fd, &unixfd) < 0)
		return fail(BH_EXIT_USAGE, "--fd='%s' is not a file descriptor number; " USAGE, a.fd);
	r = bh_check_unix_socket(unixfd);
	if (r == -EBADF)
		return fail(BH_EXIT_USAGE, "--fd=%d is not open (it must be the socket the caller "
			    "waits on for the tap)", unixfd);
	if (r < 0)
		return fail(BH_EXIT_USAGE, "--fd=%d is not a socket (it must be the socket the caller "
			    "waits on for the tap)", unixfd);
	if (!a.socket)
		a.socket = getenv("VNET_SOCKET");
	if (!a.socket || !*a.socket)
		a.socket = CLIENT_DEFAULT_SOCKET;

	req.network = a.br;
	req.vnet_hdr = a.use_vnet;
	r = bh_attach(a.socket, &req, &tap, why, sizeof(why));
	if (r != BH_EXIT_OK)
		return fail(r, "%s", why);

	r = bh_send_fd(unixfd, tap.fds[0]);
	/* Ours closed, the tap lives exactly as long as the caller holds it. */
	bh_tap_close(&tap);
	if (r < 0)
		return fail(BH_EXIT_FAIL, "cannot send tap '%s' over --fd=%d: %s",
			    *tap.tap ? tap.tap : "?", unixfd, strerror(-r));
	return BH_EXIT_OK;
}
