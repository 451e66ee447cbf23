/*
 * counters.c - per-entry counters and the latency histogram
 */
#include <string.h>

#include "counters.h"
#include "err.h"

const long long latency_bounds_ms[LATENCY_BUCKETS - 1] = {
	1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
};

static const char *const berr_names[BERR_COUNT] = {
	[BERR_CONNECT] = "connect",
	[BERR_TIMEOUT] = "timeout",
	[BERR_HTTP_4XX] = "http_4xx",
	[BERR_HTTP_5XX] = "http_5xx",
	[BERR_BODY] = "body",
	[BERR_TOKEN] = "token",
};

const char *
backend_error_name(enum backend_error e)
{
	return ((unsigned)e < BERR_COUNT ? berr_names[e] : "?");
}

/* counters_latency - one observation; buckets are cumulative (le=) */
void
counters_latency(struct entry_counters *c, long long ms)
{
	size_t	 i;

	if (ms < 0)
		ms = 0;
	for (i = 0; i < LATENCY_BUCKETS - 1; i++)
		if (ms <= latency_bounds_ms[i])
			c->latency[i]++;
	c->latency[LATENCY_BUCKETS - 1]++;
	c->latency_count++;
	c->latency_sum_s += (double)ms / 1000.0;
}

int
counters_render(struct buf *b, const char *section, const char *name,
    const struct entry_counters *c)
{
	unsigned int i;
	int	 r = PFX_OK;

#define LINE(what, v) \
	if (r == PFX_OK) \
		r = buf_printf(b, "%s.%s %s %llu\n", section, name, what, v)
	for (i = 0; i < PFX_VERDICT_COUNT; i++)
		if (r == PFX_OK)
			r = buf_printf(b, "%s.%s requests_%s %llu\n", section,
			    name, verdict_word((enum pfx_verdict)i),
			    c->requests[i]);
	LINE("backend_calls", c->backend_calls);
	for (i = 0; i < BERR_COUNT; i++)
		if (r == PFX_OK)
			r = buf_printf(b, "%s.%s backend_errors_%s %llu\n",
			    section, name, berr_names[i], c->backend_errors[i]);
	LINE("cache_hits", c->cache_hits);
	LINE("stale_serves", c->stale_serves);
	LINE("coalesced", c->coalesced);
	LINE("queue_waits", c->queue_waits);
	for (i = 0; i < LATENCY_BUCKETS - 1; i++)
		if (r == PFX_OK)
			r = buf_printf(b, "%s.%s latency_le_%lldms %llu\n",
			    section, name, latency_bounds_ms[i],
			    c->latency[i]);
	LINE("latency_le_inf", c->latency[LATENCY_BUCKETS - 1]);
	LINE("latency_count", c->latency_count);
	if (r == PFX_OK)
		r = buf_printf(b, "%s.%s latency_sum_seconds %.6f\n", section,
		    name, c->latency_sum_s);
#undef LINE
	return (r);
}
