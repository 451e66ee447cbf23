/*
 * promtext.h - tokend's counters in the Prometheus text exposition
 * format (version 0.0.4), for GET /metrics (metrics.c)
 *
 * Pure: the caller gathers the figures, this only writes text.  Every
 * family has # HELP and # TYPE, and every configured entry its samples
 * from the start (zeros), so that dashboards have no holes.  Labels are
 * bounded: kind (the section), entry (a configured name), verdict and
 * class (fixed lists); never keys, users or backend text.
 */
#ifndef PFX_PROMTEXT_H
#define PFX_PROMTEXT_H

#include <stddef.h>

#include "buf.h"
#include "counters.h"

#define PROM_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

struct prom_entry {
	const char	*kind;		/* socket_maps, policy_services, ... */
	const char	*entry;
	const struct entry_counters *c;
};

/* the process: what is known cheaply at scrape time */
struct prom_process {
	const char	*version;
	double		 start_time_s;	/* Unix time */
	double		 uptime_s;
	long long	 rss_bytes;	/* < 0: unknown, not written */
	size_t		 peers;		/* open spawn connections */
	unsigned long long peers_accepted, peers_refused;
	size_t		 calls_in_flight;	/* backend calls, queued too */
	size_t		 check_processes;	/* local check programs */
	long long	 pool_max_per_host;
	size_t		 cache_entries, cache_bytes;
	unsigned long long cache_evictions, cache_expired;
	unsigned long long tokens_fetched, tokens_failed;
};

int	 prom_render(struct buf *, const struct prom_process *,
	    const struct prom_entry *, size_t n);
/* prom_label_value - a label value escaped: \\ \" \n */
int	 prom_label_value(struct buf *, const char *);

#endif
