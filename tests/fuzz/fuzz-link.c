/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vnet_link_parse() on what the kernel sends back for RTM_GETLINK. The
 * input is a receive buffer: it is cut into messages the way mnl_cb_run()
 * does, so the parser sees what it sees in vnet_link_get()/list.
 */
#include <arpa/inet.h>
#include <libmnl/libmnl.h>

#include "link.h"
#include "fuzz.h"

static void check_prefix(const struct vnet_prefix *p)
{
	char buf[VNET_PREFIX_STRLEN];

	fuzz_assert(p->family == AF_INET || p->family == AF_INET6);
	fuzz_assert(p->len == (p->family == AF_INET ? 32 : 128));
	vnet_prefix_format(p, true, buf);
	fuzz_assert(fuzz_terminated(buf, sizeof(buf)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vnet_link_info info;
	const struct nlmsghdr *nlh;
	void *buf;
	size_t off = 0;

	if (size > 65536)
		return 0;
	/* A socket buffer is aligned; the parser may rely on that. */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	while ((nlh = fuzz_nlmsg_next(buf, size, &off))) {
		if (vnet_link_parse(nlh, &info) == 0) {
			const char *kind = vnet_link_info_kind(&info);

			fuzz_assert(fuzz_terminated(info.name, sizeof(info.name)));
			fuzz_assert(fuzz_terminated(info.kind_name, sizeof(info.kind_name)));
			fuzz_assert(fuzz_terminated(info.master, sizeof(info.master)));
			fuzz_assert(kind && strlen(kind) > 0);
			fuzz_assert(info.up == !!(info.flags & IFF_UP));
			if (info.kind == VNET_LINK_VXLAN) {
				if (info.u.vxlan.has_local)
					check_prefix(&info.u.vxlan.local);
				if (info.u.vxlan.has_remote)
					check_prefix(&info.u.vxlan.remote);
			}
			/* crashes/link/tun-without-info-data: a tap always has its queues read. */
			if (info.kind == VNET_LINK_TAP)
				fuzz_assert(info.u.tap.queues >= 1 || info.u.tap.multi_queue);
		}
	}
	free(buf);
	return 0;
}
