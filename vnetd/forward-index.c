/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A network's forwards by listening port: a chained hash keyed
 * proto . family . port, one node per port a forward listens on (a range has
 * one per port, at most VNET_FW_RANGE_MAX), all pointing at one copy of the
 * forward. It answers "is there an equal forward?" and "does one listen on
 * these ports?" in O(ports of the asking forward), whatever the network
 * holds, so forward.add costs the same with ten thousand forwards as with
 * one. network.c keeps it in step with net->forwards.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "network.h"

struct fwd_node {
	struct fwd_node *next;
	uint32_t key;
	struct vnet_fw_forward *f;     /* shared by the nodes of one forward */
};

struct forward_index {
	struct fwd_node **buckets;
	size_t n_buckets;              /* a power of two */
	size_t n_nodes;
};

static uint32_t fwd_key(const struct vnet_fw_forward *f, unsigned int port)
{
	return (uint32_t)f->proto << 24 | (uint32_t)(f->to.family == AF_INET6) << 16 | port;
}

static size_t bucket_of(const struct forward_index *x, uint32_t key)
{
	/* Fibonacci hashing: consecutive ports spread over the table */
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 32) & (x->n_buckets - 1);
}

static uint16_t last_port(const struct vnet_fw_forward *f)
{
	return f->port_end > f->port ? f->port_end : f->port;
}

static int grow(struct forward_index *x, size_t want)
{
	struct forward_index old = *x;
	size_t n = x->n_buckets ? x->n_buckets : 64;

	while (n < want)
		n *= 2;
	if (n == x->n_buckets)
		return 0;
	x->buckets = calloc(n, sizeof(*x->buckets));
	if (!x->buckets) {
		*x = old;
		return -ENOMEM;
	}
	x->n_buckets = n;
	for (size_t i = 0; i < old.n_buckets; i++) {
		struct fwd_node *e = old.buckets[i], *next;

		for (; e; e = next) {
			size_t k = bucket_of(x, e->key);

			next = e->next;
			e->next = x->buckets[k];
			x->buckets[k] = e;
		}
	}
	free(old.buckets);
	return 0;
}

int forward_index_add(struct forward_index **xp, const struct vnet_fw_forward *fwd)
{
	unsigned int lo = fwd->port, hi = last_port(fwd);
	struct forward_index *x = *xp;
	struct vnet_fw_forward *copy;
	struct fwd_node **nodes;
	size_t n = hi - lo + 1;

	if (!x) {
		x = calloc(1, sizeof(*x));
		if (!x)
			return -ENOMEM;
		*xp = x;
	}
	if (x->n_nodes + n > x->n_buckets && grow(x, x->n_nodes + n) < 0)
		return -ENOMEM;
	copy = malloc(sizeof(*copy));
	nodes = calloc(n, sizeof(*nodes));
	if (!copy || !nodes)
		goto nomem;
	*copy = *fwd;
	for (size_t i = 0; i < n; i++) {
		nodes[i] = malloc(sizeof(*nodes[i]));
		if (!nodes[i])
			goto nomem;
	}
	for (size_t i = 0; i < n; i++) {
		size_t k;

		nodes[i]->key = fwd_key(fwd, lo + i);
		nodes[i]->f = copy;
		k = bucket_of(x, nodes[i]->key);
		nodes[i]->next = x->buckets[k];
		x->buckets[k] = nodes[i];
	}
	x->n_nodes += n;
	free(nodes);
	return 0;
nomem:
	if (nodes)
		for (size_t i = 0; i < n; i++)
			free(nodes[i]);
	free(nodes);
	free(copy);
	return -ENOMEM;
}

void forward_index_remove(struct forward_index *x, const struct vnet_fw_forward *fwd)
{
	struct vnet_fw_forward *copy = NULL;

	if (!x || !x->n_buckets)
		return;
	for (unsigned int p = fwd->port; p <= last_port(fwd); p++) {
		uint32_t key = fwd_key(fwd, p);
		struct fwd_node **e = &x->buckets[bucket_of(x, key)];

		for (; *e; e = &(*e)->next) {
			struct fwd_node *dead = *e;

			if (dead->key != key || !(copy ? dead->f == copy : forward_equal(dead->f, fwd)))
				continue;
			copy = dead->f;
			*e = dead->next;
			free(dead);
			x->n_nodes--;
			break;
		}
	}
	free(copy);
}

void forward_index_free(struct forward_index *x)
{
	if (!x)
		return;
	/*
	 * First the nodes of later ports (they read their forward's copy),
	 * then each forward's first-port node, which frees the copy.
	 */
	for (size_t i = 0; i < x->n_buckets; i++) {
		struct fwd_node **e = &x->buckets[i];

		while (*e) {
			struct fwd_node *n = *e;

			if (n->key == fwd_key(n->f, n->f->port)) {
				e = &n->next;
				continue;
			}
			*e = n->next;
			free(n);
		}
	}
	for (size_t i = 0; i < x->n_buckets; i++) {
		struct fwd_node *e = x->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			free(e->f);
			free(e);
		}
	}
	free(x->buckets);
	free(x);
}

const struct vnet_fw_forward *forward_index_equal(const struct forward_index *x,
						  const struct vnet_fw_forward *fwd)
{
	uint32_t key = fwd_key(fwd, fwd->port);

	if (!x || !x->n_buckets)
		return NULL;
	for (const struct fwd_node *e = x->buckets[bucket_of(x, key)]; e; e = e->next)
		if (e->key == key && forward_equal(e->f, fwd))
			return e->f;
	return NULL;
}

const struct vnet_fw_forward *forward_index_overlap(const struct forward_index *x,
						    const struct vnet_fw_forward *fwd)
{
	if (!x || !x->n_buckets)
		return NULL;
	for (unsigned int p = fwd->port; p <= last_port(fwd); p++) {
		uint32_t key = fwd_key(fwd, p);

		for (const struct fwd_node *e = x->buckets[bucket_of(x, key)]; e; e = e->next) {
			const struct vnet_fw_forward *f = e->f;

			if (e->key != key)
				continue;
			/* two listen addresses that differ do not clash; "any" clashes with all */
			if (f->has_address && fwd->has_address && !vnet_prefix_equal(&f->address, &fwd->address))
				continue;
			return f;
		}
	}
	return NULL;
}
