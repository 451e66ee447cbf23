/*
 * flight.h - single flight: identical concurrent lookups, one backend call
 *
 * The first lookup for a (entry, cache key) starts a flight; lookups for
 * the same key that arrive while it is under way wait on it and get its
 * answer.  Keys come from the network, so the table hashes with a keyed
 * SipHash; the number of flights and of waiters per flight are bounded
 * by the caller.
 */
#ifndef PFX_FLIGHT_H
#define PFX_FLIGHT_H

#include <stddef.h>
#include <stdint.h>

#include "siphash.h"

struct flight {
	struct flight	*hnext;
	void		*job;		/* the owner's state for the call */
	void		**waiters;
	size_t		 nwaiters, wcap;
	size_t		 keylen;
	uint64_t	 hash;		/* flight_hash() of the key */
	char		 key[];
};

struct flights;

struct flights *flights_new(const struct sipkey *);
void	 flights_free(struct flights *);
size_t	 flights_count(const struct flights *);
/* flight_hash - the key's hash, computed once for find and begin */
uint64_t flight_hash(const struct flights *, const char *, size_t);
/* flight_find - the flight under way for this key, else NULL */
struct flight *flight_find(struct flights *, const char *, size_t,
	    uint64_t hash);
/* flight_begin - a new flight for a key that has none */
struct flight *flight_begin(struct flights *, const char *, size_t,
	    uint64_t hash, void *job);
/* flight_wait - add a waiter; PFX_ETOOBIG past max waiters */
int	 flight_wait(struct flight *, void *waiter, size_t max);
/* flight_end - forget the flight (answer its waiters first) */
void	 flight_end(struct flights *, struct flight *);

#endif
