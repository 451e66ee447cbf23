/*
 * cache.c - response cache for pfxhttp-tokend
 *
 * DESCRIPTION
 *	A chained hash table plus an LRU list.  Each entry is one
 *	allocation holding its key and value, so 100,000 entries cost
 *	little more than their bytes.  Every entry expires after the TTL
 *	(Postfix scache: "a finite time to live"); the entry count and the
 *	byte total are hard limits enforced on insert by evicting the least
 *	recently used entries.
 *
 * SECURITY
 *	Keys are lookup keys or policy attributes, never secrets.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "xalloc.h"

struct centry {
	struct centry	*hnext;
	struct centry	*prev, *next;	/* LRU: head = most recent */
	long long	 stored;
	uint32_t	 hash;
	uint32_t	 keylen;
	uint32_t	 vallen;
	int		 verdict;
	char		 data[];	/* key then value */
};

struct cache {
	struct centry	**tab;
	size_t		 nbuckets;
	size_t		 n, bytes;
	size_t		 max_entries, max_bytes;
	long long	 ttl_ms;
	struct centry	*head, *tail;
	struct cache_stats st;
};

static uint32_t
fnv1a(const char *p, size_t n)
{
	uint32_t h = 2166136261u;
	size_t	 i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 16777619u;
	}
	return (h);
}

static size_t
entry_cost(const struct centry *e)
{
	return (sizeof(*e) + e->keylen + e->vallen);
}

struct cache *
cache_new(size_t max_entries, size_t max_bytes, long long ttl_ms)
{
	struct cache *c = xcalloc(1, sizeof(*c));

	c->nbuckets = 1024;
	c->tab = xcalloc(c->nbuckets, sizeof(*c->tab));
	cache_limits(c, max_entries, max_bytes, ttl_ms);
	return (c);
}

static void
lru_unlink(struct cache *c, struct centry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_push(struct cache *c, struct centry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head != NULL)
		c->head->prev = e;
	c->head = e;
	if (c->tail == NULL)
		c->tail = e;
}

static void
entry_remove(struct cache *c, struct centry *e)
{
	struct centry **pp = &c->tab[e->hash & (c->nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(c, e);
	c->n--;
	c->bytes -= entry_cost(e);
	free(e);
}

static void
cache_evict(struct cache *c, size_t room)
{
	while (c->tail != NULL && (c->n >= c->max_entries ||
	    c->bytes + room > c->max_bytes)) {
		entry_remove(c, c->tail);
		c->st.evictions++;
	}
}

void
cache_limits(struct cache *c, size_t max_entries, size_t max_bytes,
    long long ttl_ms)
{
	c->max_entries = max_entries;
	c->max_bytes = max_bytes;
	c->ttl_ms = ttl_ms;
	if (c->n > max_entries || c->bytes > max_bytes) {
		c->max_entries++;	/* evict down to the limit itself */
		cache_evict(c, 0);
		c->max_entries = max_entries;
	}
}

void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	while (c->head != NULL)
		entry_remove(c, c->head);
	free(c->tab);
	free(c);
}

static struct centry *
cache_find(struct cache *c, const char *key, size_t keylen, uint32_t h)
{
	struct centry *e;

	for (e = c->tab[h & (c->nbuckets - 1)]; e != NULL; e = e->hnext)
		if (e->hash == h && e->keylen == keylen &&
		    memcmp(e->data, key, keylen) == 0)
			return (e);
	return (NULL);
}

static void
cache_grow(struct cache *c)
{
	struct centry **ntab, *e, *next;
	size_t	 i, nb = c->nbuckets * 2;

	ntab = xcalloc(nb, sizeof(*ntab));
	for (i = 0; i < c->nbuckets; i++)
		for (e = c->tab[i]; e != NULL; e = next) {
			next = e->hnext;
			e->hnext = ntab[e->hash & (nb - 1)];
			ntab[e->hash & (nb - 1)] = e;
		}
	free(c->tab);
	c->tab = ntab;
	c->nbuckets = nb;
}

int
cache_get(struct cache *c, const char *key, size_t keylen,
    long long max_age_ms, long long now_ms, int *verdict, const char **val,
    size_t *vallen, long long *age_ms)
{
	struct centry *e = cache_find(c, key, keylen, fnv1a(key, keylen));

	if (e != NULL && now_ms - e->stored > c->ttl_ms) {
		entry_remove(c, e);
		c->st.expired++;
		e = NULL;
	}
	if (e == NULL || now_ms - e->stored > max_age_ms) {
		c->st.misses++;
		return (0);
	}
	lru_unlink(c, e);
	lru_push(c, e);
	c->st.hits++;
	*verdict = e->verdict;
	*val = e->data + e->keylen;
	*vallen = e->vallen;
	*age_ms = now_ms - e->stored;
	return (1);
}

void
cache_put(struct cache *c, const char *key, size_t keylen, int verdict,
    const char *val, size_t vallen, long long now_ms)
{
	uint32_t h = fnv1a(key, keylen);
	struct centry *e;
	size_t	 cost = sizeof(*e) + keylen + vallen;

	if ((e = cache_find(c, key, keylen, h)) != NULL)
		entry_remove(c, e);
	if (cost > c->max_bytes || keylen > UINT32_MAX || vallen > UINT32_MAX)
		return;
	cache_evict(c, cost);
	e = xmalloc(cost);
	e->hash = h;
	e->keylen = (uint32_t)keylen;
	e->vallen = (uint32_t)vallen;
	e->verdict = verdict;
	e->stored = now_ms;
	memcpy(e->data, key, keylen);
	memcpy(e->data + keylen, val, vallen);
	e->hnext = c->tab[h & (c->nbuckets - 1)];
	c->tab[h & (c->nbuckets - 1)] = e;
	lru_push(c, e);
	c->n++;
	c->bytes += cost;
	c->st.stores++;
	if (c->n > c->nbuckets)
		cache_grow(c);
}

size_t
cache_sweep(struct cache *c, long long now_ms)
{
	struct centry *e, *prev;
	size_t	 n = 0;

	for (e = c->tail; e != NULL; e = prev) {
		prev = e->prev;
		if (now_ms - e->stored > c->ttl_ms) {
			entry_remove(c, e);
			n++;
		}
	}
	c->st.expired += n;
	return (n);
}

size_t
cache_entries(const struct cache *c)
{
	return (c->n);
}

size_t
cache_bytes(const struct cache *c)
{
	return (c->bytes);
}

struct cache_stats *
cache_stats(struct cache *c)
{
	return (&c->st);
}
