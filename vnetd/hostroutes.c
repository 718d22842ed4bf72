/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host's routes as network_check_host needs them: read once, kept, and
 * read again only after the monitor saw a route come or go anywhere but on
 * a bridge of an active network. Starting the thousandth network then does
 * not read the routes of the 999 before it again: their routes are on their
 * own bridges, which the check skips anyway.
 */
#include <errno.h>
#include <stdlib.h>

#include "vnetd.h"

struct vnetd_hostroutes {
	bool valid;
	struct vnet_route *v;
	size_t n;
};

int hostroutes_get(struct vnetd *d, const struct vnet_route **routes, size_t *n)
{
	struct vnetd_hostroutes *h = d->hostroutes;
	int r;

	if (!h) {
		h = calloc(1, sizeof(*h));
		if (!h)
			return -ENOMEM;
		d->hostroutes = h;
	}
	if (!h->valid) {
		free(h->v);
		h->v = NULL;
		h->n = 0;
		r = vnet_route_list(d->ctx, AF_UNSPEC, 0, &h->v, &h->n);
		if (r < 0)
			return r;
		h->valid = true;
	}
	*routes = h->v;
	*n = h->n;
	return 0;
}

void hostroutes_invalidate(struct vnetd *d)
{
	if (d->hostroutes)
		d->hostroutes->valid = false;
}

void hostroutes_free(struct vnetd *d)
{
	if (!d->hostroutes)
		return;
	free(d->hostroutes->v);
	free(d->hostroutes);
	d->hostroutes = NULL;
}
