/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Getting an open tap from vnetd and handing it on: what vnet-bridge-helper
 * (QEMU's -netdev bridge helper) and the tap-fd example share.
 *
 * Every failure is worded here, once, as one line without the program's
 * name, so that QEMU and libvirt, which show the helper's stderr as it is,
 * show the same sentence whichever tool asked.
 */
#ifndef VNET_TOOLS_BRIDGE_HELPER_H
#define VNET_TOOLS_BRIDGE_HELPER_H

#include <stdbool.h>
#include <stddef.h>

/* Exit codes; the same as vnetctl's (docs/hypervisors.md). */
enum {
	BH_EXIT_OK = 0,
	BH_EXIT_FAIL = 1,       /* vnetd refused, or the fd could not be handed on */
	BH_EXIT_USAGE = 2,      /* bad command line; nothing was asked */
	BH_EXIT_NOCONN = 3,     /* vnetd cannot be reached */
};

/* Where vnetd's ACL lives unless vnetd names another file in its error. */
#define BH_DEFAULT_ACL "/etc/vnet/bridge.conf"
/* The most queues (and so fds) one attach may return. */
#define BH_MAX_QUEUES 16

/* What to ask vnetd for. */
struct bh_request {
	const char *network;    /* the network's name or its bridge's name */
	bool vnet_hdr;          /* IFF_VNET_HDR (QEMU's --use-vnet) */
	unsigned int queues;    /* 0: leave it to vnetd (one queue) */
	const char *mac;        /* NULL: vnetd generates one */
};

/* What vnetd gave. The fds are the caller's; bh_tap_close() closes them. */
struct bh_tap {
	int fds[BH_MAX_QUEUES];
	size_t nfds;
	char tap[64];           /* "" when vnetd did not say */
	char mac[32];
	char network[256];
};

/*
 * bh_attach - ask vnetd on @socket for a tap on @req->network, returned as
 * open fds (attach with return_fd). Returns BH_EXIT_OK and fills @tap, or
 * another BH_EXIT_* with one line saying why in @why.
 * A tap vnetd made but sent no fd for is detached again, so none is left
 * behind.
 */
int bh_attach(const char *socket, const struct bh_request *req, struct bh_tap *tap,
	      char *why, size_t whylen);

/* bh_tap_close - close what bh_attach() returned; safe twice. */
void bh_tap_close(struct bh_tap *tap);

/*
 * bh_check_unix_socket - 0 when @fd is an open socket (what QEMU passes as
 * --fd), else -EBADF or -ENOTSOCK.
 */
int bh_check_unix_socket(int fd);

/*
 * bh_send_fd - hand @fd over @sock the way QEMU's and libvirt's callers
 * read it: one SCM_RIGHTS message with a one-byte payload. 0 or -errno.
 */
int bh_send_fd(int sock, int fd);

#endif
