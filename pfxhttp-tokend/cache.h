/*
 * cache.h - the shared response cache: bounded, LRU, with a TTL
 */
#ifndef PFX_CACHE_H
#define PFX_CACHE_H

#include <stddef.h>

struct cache_stats {
	unsigned long long hits, misses, stores, evictions, expired, deletes;
};

struct cache;

struct cache *cache_new(size_t max_entries, size_t max_bytes,
	    long long ttl_ms, long long now_ms);
void	 cache_free(struct cache *);
void	 cache_limits(struct cache *, size_t max_entries, size_t max_bytes,
	    long long ttl_ms);
/*
 * cache_get - 1 and the value when present and younger than max_age.
 * A space names the (section, entry) a key belongs to.
 */
int	 cache_get(struct cache *, const char *space, size_t spacelen,
	    const char *key, size_t keylen, long long max_age_ms,
	    long long now_ms, int *verdict, const char **val, size_t *vallen,
	    long long *age_ms);
void	 cache_put(struct cache *, const char *space, size_t spacelen,
	    const char *key, size_t keylen, int verdict, const char *val,
	    size_t vallen, long long now_ms);
/* cache_del - forget a key (the backend said it does not exist) */
void	 cache_del(struct cache *, const char *space, size_t spacelen,
	    const char *key, size_t keylen);
/* cache_prune - drop every entry of the spaces keep() says no to */
void	 cache_prune(struct cache *,
	    int (*keep)(const char *space, size_t spacelen, void *), void *);
/* cache_sweep - drop expired entries; returns how many */
size_t	 cache_sweep(struct cache *, long long now_ms);
size_t	 cache_entries(const struct cache *);
size_t	 cache_bytes(const struct cache *);
struct cache_stats *cache_stats(struct cache *);

#endif
