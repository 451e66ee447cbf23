/*
 * flight.c - the table of backend calls under way (see flight.h)
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "flight.h"
#include "xalloc.h"

#define NBUCKETS	1024	/* flights are few: at most the queue bound */

struct flights {
	struct sipkey	 k;
	struct flight	*tab[NBUCKETS];
	size_t		 n;
};

uint64_t
flight_hash(const struct flights *fs, const char *key, size_t n)
{
	return (siphash24(&fs->k, key, n));
}

static struct flight **
bucket(struct flights *fs, uint64_t hash)
{
	return (&fs->tab[hash % NBUCKETS]);
}

struct flights *
flights_new(const struct sipkey *k)
{
	struct flights *fs = xcalloc(1, sizeof(*fs));

	fs->k = *k;
	return (fs);
}

void
flights_free(struct flights *fs)
{
	struct flight *f, *next;
	size_t	 i;

	if (fs == NULL)
		return;
	for (i = 0; i < NBUCKETS; i++)
		for (f = fs->tab[i]; f != NULL; f = next) {
			next = f->hnext;
			free(f->waiters);
			free(f);
		}
	free(fs);
}

size_t
flights_count(const struct flights *fs)
{
	return (fs->n);
}

struct flight *
flight_find(struct flights *fs, const char *key, size_t n, uint64_t hash)
{
	struct flight *f;

	for (f = *bucket(fs, hash); f != NULL; f = f->hnext)
		if (f->keylen == n && memcmp(f->key, key, n) == 0)
			return (f);
	return (NULL);
}

struct flight *
flight_begin(struct flights *fs, const char *key, size_t n, uint64_t hash,
    void *job)
{
	struct flight **b = bucket(fs, hash);
	struct flight *f = xcalloc(1, sizeof(*f) + n);

	memcpy(f->key, key, n);
	f->keylen = n;
	f->hash = hash;
	f->job = job;
	f->hnext = *b;
	*b = f;
	fs->n++;
	return (f);
}

int
flight_wait(struct flight *f, void *waiter, size_t max)
{
	if (f->nwaiters >= max)
		return (PFX_ETOOBIG);
	if (f->nwaiters == f->wcap) {
		f->wcap = f->wcap == 0 ? 4 : f->wcap * 2;
		f->waiters = xreallocarray(f->waiters, f->wcap,
		    sizeof(*f->waiters));
	}
	f->waiters[f->nwaiters++] = waiter;
	return (PFX_OK);
}

void
flight_end(struct flights *fs, struct flight *f)
{
	struct flight **p = bucket(fs, f->hash);

	for (; *p != NULL; p = &(*p)->hnext)
		if (*p == f) {
			*p = f->hnext;
			fs->n--;
			break;
		}
	free(f->waiters);
	free(f);
}
