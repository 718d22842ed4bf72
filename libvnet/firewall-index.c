/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small hash map from byte strings to pointers (open addressing, linear
 * probing, deletion by shifting back), so the apply cache finds a network
 * by name or the owner of a map key in O(1) however many networks there are.
 * Keys are borrowed: the map keeps the pointer, the caller keeps the bytes
 * alive while they are in it.
 */
#include <string.h>

#include "firewall-int.h"

uint64_t fw_hash(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	/* FNV-1a's low bits mix poorly for short keys; the slot comes from them */
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return h ? h : 1;
}

static size_t slot_of(const struct fw_map *m, uint64_t h)
{
	return (size_t)h & (m->cap - 1);
}

static struct fw_map_slot *find(const struct fw_map *m, uint64_t h, const void *key, size_t len)
{
	if (!m->cap)
		return NULL;
	for (size_t i = slot_of(m, h);; i = (i + 1) & (m->cap - 1)) {
		struct fw_map_slot *s = &m->v[i];

		if (!s->h)
			return NULL;
		if (s->h == h && s->len == len && !memcmp(s->key, key, len))
			return s;
	}
}

void *fw_map_get(const struct fw_map *m, const void *key, size_t len)
{
	struct fw_map_slot *s = find(m, fw_hash(key, len), key, len);

	return s ? s->val : NULL;
}

const void *fw_map_key(const struct fw_map *m, const void *key, size_t len)
{
	struct fw_map_slot *s = find(m, fw_hash(key, len), key, len);

	return s ? s->key : NULL;
}

static void place(struct fw_map *m, const struct fw_map_slot *x)
{
	size_t i = slot_of(m, x->h);

	while (m->v[i].h)
		i = (i + 1) & (m->cap - 1);
	m->v[i] = *x;
}

static int grow(struct fw_map *m)
{
	struct fw_map old = *m;
	size_t cap = m->cap ? m->cap * 2 : 64;

	m->v = calloc(cap, sizeof(*m->v));
	if (!m->v) {
		*m = old;
		return -ENOMEM;
	}
	m->cap = cap;
	for (size_t i = 0; i < old.cap; i++)
		if (old.v[i].h)
			place(m, &old.v[i]);
	free(old.v);
	return 0;
}

int fw_map_put(struct fw_map *m, const void *key, size_t len, void *val)
{
	struct fw_map_slot x = { fw_hash(key, len), key, len, val }, *s;

	s = find(m, x.h, key, len);
	if (s) {
		*s = x;
		return 0;
	}
	/* at most half full: probes stay short */
	if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
		return -ENOMEM;
	place(m, &x);
	m->n++;
	return 0;
}

void fw_map_del(struct fw_map *m, const void *key, size_t len)
{
	struct fw_map_slot *s = find(m, fw_hash(key, len), key, len);
	size_t i, j;

	if (!s)
		return;
	i = (size_t)(s - m->v);
	m->v[i].h = 0;
	m->n--;
	/* shift back the entries of the run after the hole that may not skip it */
	for (j = (i + 1) & (m->cap - 1); m->v[j].h; j = (j + 1) & (m->cap - 1)) {
		size_t home = slot_of(m, m->v[j].h);

		/* j's home lies cyclically in (i, j]: it stays */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		m->v[i] = m->v[j];
		m->v[j].h = 0;
		i = j;
	}
}

void fw_map_release(struct fw_map *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}
