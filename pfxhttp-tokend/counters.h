/*
 * counters.h - what pfxhttp-tokend counts per entry, for -s and metrics
 *
 * Labels are bounded: entry names come from the configuration and
 * verdicts and error classes from fixed lists; keys, users and backend
 * text never appear.
 */
#ifndef PFX_COUNTERS_H
#define PFX_COUNTERS_H

#include <stddef.h>

#include "buf.h"
#include "verdict.h"

enum backend_error {
	BERR_CONNECT,		/* DNS, connect, TLS */
	BERR_TIMEOUT,
	BERR_HTTP_4XX,
	BERR_HTTP_5XX,
	BERR_BODY,		/* too large, unparseable, bad value */
	BERR_TOKEN,		/* no OIDC token, or the token refused */
	BERR_COUNT,
};

#define LATENCY_BUCKETS	14

struct entry_counters {
	unsigned long long requests[PFX_VERDICT_COUNT];
	unsigned long long backend_calls;
	unsigned long long backend_errors[BERR_COUNT];
	unsigned long long cache_hits;		/* answered fresh from the cache */
	unsigned long long stale_serves;	/* cached answer, backend failed */
	unsigned long long coalesced;		/* joined a call under way */
	unsigned long long queue_waits;		/* waited for a connection */
	unsigned long long latency[LATENCY_BUCKETS];	/* cumulative */
	unsigned long long latency_count;
	double		 latency_sum_s;
};

/* latency_bounds_ms - upper bounds of the buckets; the last is +Inf */
extern const long long latency_bounds_ms[LATENCY_BUCKETS - 1];

void	 counters_latency(struct entry_counters *, long long ms);
const char *backend_error_name(enum backend_error);
/* counters_render - "section.name what value" lines, for tokend -s */
int	 counters_render(struct buf *, const char *section, const char *name,
	    const struct entry_counters *);

#endif
