/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The registry: every defined network, in definition order. */
#include <string.h>

#include "vnetd.h"

struct vnetd_network *vnetd_find(struct vnetd *d, const char *name)
{
	for (struct vnetd_network *n = d->networks; n; n = n->next)
		if (!strcmp(n->name, name))
			return n;
	return NULL;
}

void vnetd_add(struct vnetd *d, struct vnetd_network *net)
{
	struct vnetd_network **p = &d->networks;

	while (*p)
		p = &(*p)->next;
	net->next = NULL;
	*p = net;
}

void vnetd_remove(struct vnetd *d, struct vnetd_network *net)
{
	for (struct vnetd_network **p = &d->networks; *p; p = &(*p)->next)
		if (*p == net) {
			*p = net->next;
			net->next = NULL;
			return;
		}
}
