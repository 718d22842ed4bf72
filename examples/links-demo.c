/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * links-demo: libvnet's link layer in one page. Inside a throwaway network
 * namespace it builds a bridge, a tap on it, a veth pair whose peer lives in
 * a second namespace, and a VXLAN overlay port; prints what the kernel
 * reports; and removes everything by leaving the namespaces behind.
 *
 * Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN). The machine's own namespace is
 * never touched.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <vnet/vnet.h>

#define BRIDGE "demobr0"
#define TAP "demotap0"
#define VETH "demoveth0"
#define VETH_PEER "eth0"
#define VXLAN "demovx0"

static int fail(struct vnet_ctx *ctx, const char *what, int r)
{
	fprintf(stderr, "links-demo: %s: %s\n", what,
		ctx && *vnet_ctx_errmsg(ctx) ? vnet_ctx_errmsg(ctx) : strerror(-r));
	return 1;
}

/* A second namespace held open by a child that just waits to be killed. */
static pid_t spawn_namespace(void)
{
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	if (pid < 0 || read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		return -1;
	}
	close(ready[0]);
	return pid;
}

static void show(struct vnet_ctx *ctx, const char *where)
{
	struct vnet_link_info *links = NULL;
	char mac[VNET_MAC_STRLEN];
	size_t n = 0;

	if (vnet_link_list(ctx, &links, &n) < 0) {
		fail(ctx, "list links", -EIO);
		return;
	}
	printf("%s:\n", where);
	printf("  %-12s %-7s %-17s %6s %-5s %s\n", "NAME", "KIND", "MAC", "MTU", "STATE", "DETAILS");
	for (size_t i = 0; i < n; i++) {
		const struct vnet_link_info *l = &links[i];
		char details[128] = "";

		switch (l->kind) {
		case VNET_LINK_BRIDGE:
			snprintf(details, sizeof(details), "stp %s, forward delay %u ms",
				 l->u.bridge.stp ? "on" : "off", l->u.bridge.forward_delay_ms);
			break;
		case VNET_LINK_TAP:
			snprintf(details, sizeof(details), "%s, %u queue(s)",
				 l->u.tap.persistent ? "persistent" : "held by fd", l->u.tap.queues);
			break;
		case VNET_LINK_VXLAN:
			snprintf(details, sizeof(details), "vni %u, port %u", l->u.vxlan.vni,
				 l->u.vxlan.dstport);
			break;
		default:
			break;
		}
		if (l->master[0]) {
			size_t len = strlen(details);

			snprintf(details + len, sizeof(details) - len, "%sport of %s",
				 len ? ", " : "", l->master);
		}
		printf("  %-12s %-7s %-17s %6u %-5s %s\n", l->name,
		       l->kind == VNET_LINK_OTHER ? l->kind_name : vnet_link_kind_name(l->kind),
		       vnet_mac_format(l->mac, mac), l->mtu, l->up ? "up" : "down", details);
	}
	free(links);
}

int main(void)
{
	struct vnet_ctx *ctx = NULL, *peer_ctx = NULL;
	struct vnet_bridge_spec br;
	struct vnet_tap_spec tap;
	struct vnet_veth_spec veth;
	struct vnet_vxlan_spec vx;
	struct vnet_error err;
	char peer_ns[64];
	pid_t holder;
	int tapfd = -1, r, status = 1;

	/* Everything below happens in a namespace that dies with this process. */
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "links-demo: cannot create a network namespace: %s (run as root)\n",
			strerror(errno));
		return 1;
	}
	holder = spawn_namespace();
	if (holder < 0) {
		fprintf(stderr, "links-demo: cannot create the second namespace\n");
		return 1;
	}
	snprintf(peer_ns, sizeof(peer_ns), "/proc/%d/ns/net", (int)holder);

	r = vnet_ctx_new(&ctx, NULL, &err);
	if (r < 0) {
		fprintf(stderr, "links-demo: %s\n", err.msg);
		goto out;
	}

	vnet_bridge_spec_init(&br, BRIDGE);
	br.stp = VNET_OFF;
	br.forward_delay_ms = 0;
	r = vnet_bridge_ensure(ctx, &br);
	if (r < 0) {
		fail(ctx, "bridge " BRIDGE, r);
		goto out;
	}

	vnet_tap_spec_init(&tap, TAP);
	tap.persistent = false; /* lives as long as this program holds its fd */
	r = vnet_tap_ensure(ctx, &tap, &tapfd);
	if (r < 0) {
		fail(ctx, "tap " TAP, r);
		goto out;
	}

	vnet_veth_spec_init(&veth, VETH, VETH_PEER);
	veth.peer_netns = peer_ns;
	r = vnet_veth_ensure(ctx, &veth);
	if (r < 0) {
		fail(ctx, "veth " VETH, r);
		goto out;
	}

	vnet_vxlan_spec_init(&vx, VXLAN, 4242);
	vx.learning = VNET_OFF;
	r = vnet_vxlan_ensure(ctx, &vx);
	if (r < 0) {
		fail(ctx, "vxlan " VXLAN, r);
		goto out;
	}

	const char *ports[] = { TAP, VETH, VXLAN };
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		r = vnet_port_enslave(ctx, ports[i], BRIDGE);
		if (r == 0)
			r = vnet_link_set_up(ctx, ports[i], true);
		if (r < 0) {
			fail(ctx, ports[i], r);
			goto out;
		}
	}
	r = vnet_link_set_up(ctx, BRIDGE, true);
	if (r < 0) {
		fail(ctx, BRIDGE, r);
		goto out;
	}

	show(ctx, "throwaway namespace");
	r = vnet_ctx_new(&peer_ctx, peer_ns, &err);
	if (r < 0) {
		fprintf(stderr, "links-demo: %s\n", err.msg);
		goto out;
	}
	show(peer_ctx, "second namespace (the veth's far end)");

	/* Deleting is idempotent; the namespaces take whatever is left with them. */
	r = vnet_link_delete(ctx, VXLAN);
	if (r == 0)
		r = vnet_link_delete(ctx, VXLAN);
	if (r < 0) {
		fail(ctx, "delete " VXLAN, r);
		goto out;
	}
	printf("cleaned up: %s deleted; the namespaces go when this program exits\n", VXLAN);
	status = 0;
out:
	if (tapfd >= 0)
		close(tapfd);
	vnet_ctx_unref(peer_ctx);
	vnet_ctx_unref(ctx);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	return status;
}
