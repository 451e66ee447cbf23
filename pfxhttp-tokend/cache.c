/*
 * cache.c - response cache for pfxhttp-tokend
 *
 * DESCRIPTION
 *	A chained hash table plus an LRU list.  Each entry is one
 *	allocation holding its key and value behind a 36-byte header, and
 *	names its (section, entry) by a one-byte space id instead of
 *	repeating them, so 100,000 entries cost little more than their
 *	bytes.  A space id is freed with the last entry that uses it (and
 *	cache_prune drops the entries of names gone from the configuration),
 *	so at most MAX_SPACES names hold entries at a time.  Byte
 *	accounting counts what malloc really hands out.  Every entry
 *	expires after the TTL (Postfix scache: "a finite time to live");
 *	the entry count and the byte total are hard limits enforced on
 *	insert by evicting the least recently used entries.
 *
 * SECURITY
 *	Keys are lookup keys or policy attributes, never secrets; they are
 *	hashed with a random key, so no sender can aim at one bucket.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cache.h"
#include "log.h"
#include "siphash.h"
#include "xalloc.h"

#define MAX_SPACES	255

struct centry {
	struct centry	*hnext;
	struct centry	*prev, *next;	/* LRU: head = most recent */
	uint32_t	 stored;	/* ms since the cache began */
	uint32_t	 hash;		/* key_hash(): kept, not recomputed */
	uint32_t	 vallen;
	uint16_t	 keylen;
	uint8_t		 verdict;
	uint8_t		 space;
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
	long long	 epoch;		/* clock at creation */
	char		*spaces[MAX_SPACES];	/* "section\0name"; NULL: free */
	size_t		 spacelen[MAX_SPACES];
	size_t		 spacerefs[MAX_SPACES];	/* entries using the id */
	unsigned int	 nspaces;		/* ids ever handed out */
	struct sipkey	 k;
};

/*
 * key_hash - keyed (SipHash, a random key per process): keys are mail
 * addresses that remote senders choose, and must not be able to pile
 * up in one bucket
 */
static uint32_t
key_hash(const struct cache *c, unsigned int space, const char *p,
    size_t n)
{
	struct sipkey k = c->k;

	k.k1 ^= space;
	return ((uint32_t)siphash24(&k, p, n));
}

/* entry_size - what malloc hands out: 16-byte chunks, 8 bytes of header */

static size_t
entry_size(size_t keylen, size_t vallen)
{
	size_t	 n = offsetof(struct centry, data) + keylen + vallen + 8;

	return (n < 32 ? 32 : (n + 15) & ~(size_t)15);
}

static size_t
entry_cost(const struct centry *e)
{
	return (entry_size(e->keylen, e->vallen));
}

/* age - wrap-safe: TTLs are far below 2^32 ms */

static long long
age(const struct cache *c, const struct centry *e, long long now)
{
	return ((uint32_t)(now - c->epoch) - e->stored);
}

/* space_id - the id of a (section, name), -1 when none is free */

static int
space_id(struct cache *c, const char *sp, size_t splen, int create)
{
	unsigned int i;

	for (i = 0; i < c->nspaces; i++)
		if (c->spaces[i] != NULL && c->spacelen[i] == splen &&
		    memcmp(c->spaces[i], sp, splen) == 0)
			return ((int)i);
	if (!create)
		return (-1);
	for (i = 0; i < c->nspaces && c->spaces[i] != NULL; i++)
		;
	if (i == MAX_SPACES)
		return (-1);
	if (i == c->nspaces)
		c->nspaces++;
	c->spaces[i] = xmemdup(sp, splen);
	c->spacelen[i] = splen;
	c->spacerefs[i] = 0;
	return ((int)i);
}

/* space_unref - one entry fewer; the last one frees the id */

static void
space_unref(struct cache *c, unsigned int i)
{
	if (c->spacerefs[i] > 0 && --c->spacerefs[i] > 0)
		return;
	free(c->spaces[i]);
	c->spaces[i] = NULL;
}

struct cache *
cache_new(size_t max_entries, size_t max_bytes, long long ttl_ms,
    long long now_ms)
{
	struct cache *c = xcalloc(1, sizeof(*c));
	unsigned char kb[16];

	if (getrandom(kb, sizeof(kb), 0) != (ssize_t)sizeof(kb))
		fatalx("getrandom failed");
	sipkey_from_bytes(&c->k, kb);
	explicit_bzero(kb, sizeof(kb));
	c->nbuckets = 1024;
	c->tab = xcalloc(c->nbuckets, sizeof(*c->tab));
	c->epoch = now_ms;
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
	space_unref(c, e->space);
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
	unsigned int i;

	if (c == NULL)
		return;
	while (c->head != NULL)
		entry_remove(c, c->head);
	for (i = 0; i < c->nspaces; i++)
		free(c->spaces[i]);
	free(c->tab);
	free(c);
}

static struct centry *
cache_find(struct cache *c, int space, const char *key, size_t keylen,
    uint32_t h)
{
	struct centry *e;

	for (e = c->tab[h & (c->nbuckets - 1)]; e != NULL; e = e->hnext)
		if (e->space == space && e->keylen == keylen &&
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
cache_get(struct cache *c, const char *sp, size_t splen, const char *key,
    size_t keylen, long long max_age_ms, long long now_ms, int *verdict,
    const char **val, size_t *vallen, long long *age_ms)
{
	int	 space = space_id(c, sp, splen, 0);
	struct centry *e = NULL;

	if (space >= 0)
		e = cache_find(c, space, key, keylen, key_hash(c,
		    (unsigned)space, key, keylen));
	if (e != NULL && age(c, e, now_ms) > c->ttl_ms) {
		entry_remove(c, e);
		c->st.expired++;
		e = NULL;
	}
	if (e == NULL || age(c, e, now_ms) > max_age_ms) {
		c->st.misses++;
		return (0);
	}
	lru_unlink(c, e);
	lru_push(c, e);
	c->st.hits++;
	*verdict = e->verdict;
	*val = e->data + e->keylen;
	*vallen = e->vallen;
	*age_ms = age(c, e, now_ms);
	return (1);
}

void
cache_put(struct cache *c, const char *sp, size_t splen, const char *key,
    size_t keylen, int verdict, const char *val, size_t vallen,
    long long now_ms)
{
	int	 space = space_id(c, sp, splen, 1);
	struct centry *e;
	uint32_t h;
	size_t	 cost = entry_size(keylen, vallen);

	if (space < 0)
		return;
	/* the new entry's reference first: removals below keep the id */
	c->spacerefs[space]++;
	if (keylen > UINT16_MAX || vallen > UINT32_MAX || verdict < 0 ||
	    verdict > UINT8_MAX) {
		space_unref(c, (unsigned)space);
		return;
	}
	h = key_hash(c, (unsigned)space, key, keylen);
	if ((e = cache_find(c, space, key, keylen, h)) != NULL)
		entry_remove(c, e);
	if (cost > c->max_bytes) {
		space_unref(c, (unsigned)space);
		return;
	}
	cache_evict(c, cost);
	e = xmalloc(offsetof(struct centry, data) + keylen + vallen);
	e->keylen = (uint16_t)keylen;
	e->vallen = (uint32_t)vallen;
	e->verdict = (uint8_t)verdict;
	e->space = (uint8_t)space;
	e->stored = (uint32_t)(now_ms - c->epoch);
	e->hash = h;
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

void
cache_del(struct cache *c, const char *sp, size_t splen, const char *key,
    size_t keylen)
{
	int	 space = space_id(c, sp, splen, 0);
	struct centry *e;

	if (space >= 0 && (e = cache_find(c, space, key, keylen,
	    key_hash(c, (unsigned)space, key, keylen))) != NULL) {
		entry_remove(c, e);
		c->st.deletes++;
	}
}

void
cache_prune(struct cache *c, int (*keep)(const char *, size_t, void *),
    void *arg)
{
	unsigned char drop[MAX_SPACES];
	struct centry *e, *prev;
	unsigned int i;
	int	 any = 0;

	for (i = 0; i < c->nspaces; i++)
		if ((drop[i] = c->spaces[i] != NULL &&
		    !keep(c->spaces[i], c->spacelen[i], arg)))
			any = 1;
	for (e = c->tail; any && e != NULL; e = prev) {
		prev = e->prev;
		if (drop[e->space])
			entry_remove(c, e);
	}
}

size_t
cache_sweep(struct cache *c, long long now_ms)
{
	struct centry *e, *prev;
	size_t	 n = 0;

	for (e = c->tail; e != NULL; e = prev) {
		prev = e->prev;
		if (age(c, e, now_ms) > c->ttl_ms) {
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
