/*
 * promtext.c - the Prometheus text format of tokend's counters
 *
 * A family's samples must be together, so families are the outer loop
 * and entries the inner one.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "promtext.h"
#include "verdict.h"

int
prom_label_value(struct buf *b, const char *s)
{
	int	 r = PFX_OK;

	for (; *s != '\0' && r == PFX_OK; s++) {
		if (*s == '\\')
			r = buf_puts(b, "\\\\");
		else if (*s == '"')
			r = buf_puts(b, "\\\"");
		else if (*s == '\n')
			r = buf_puts(b, "\\n");
		else
			r = buf_putc(b, *s);
	}
	return (r);
}

static int
head(struct buf *b, const char *name, const char *type, const char *help)
{
	return (buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type));
}

/* labels - {kind="..",entry=".." and, when extra is set, ,extra=".."} */
static int
labels(struct buf *b, const struct prom_entry *e, const char *extra,
    const char *value)
{
	int	 r;

	if ((r = buf_puts(b, "{kind=\"")) != PFX_OK ||
	    (r = prom_label_value(b, e->kind)) != PFX_OK ||
	    (r = buf_puts(b, "\",entry=\"")) != PFX_OK ||
	    (r = prom_label_value(b, e->entry)) != PFX_OK ||
	    (r = buf_putc(b, '"')) != PFX_OK)
		return (r);
	if (extra != NULL && ((r = buf_printf(b, ",%s=\"", extra)) != PFX_OK ||
	    (r = prom_label_value(b, value)) != PFX_OK ||
	    (r = buf_putc(b, '"')) != PFX_OK))
		return (r);
	return (buf_putc(b, '}'));
}

static int
sample(struct buf *b, const char *name, const struct prom_entry *e,
    const char *extra, const char *value, unsigned long long v)
{
	int	 r;

	if ((r = buf_puts(b, name)) != PFX_OK ||
	    (r = labels(b, e, extra, value)) != PFX_OK)
		return (r);
	return (buf_printf(b, " %llu\n", v));
}

/* one counter per entry: the field at offset off */
struct entry_family {
	const char	*name;
	const char	*help;
	size_t		 off;
};

static const struct entry_family entry_families[] = {
	{ "pfxhttp_backend_calls_total", "Backend HTTP calls started.",
	    offsetof(struct entry_counters, backend_calls) },
	{ "pfxhttp_cache_hits_total", "Lookups answered fresh from the"
	    " response cache.", offsetof(struct entry_counters, cache_hits) },
	{ "pfxhttp_stale_serves_total", "Lookups answered from the cache"
	    " because the backend failed.",
	    offsetof(struct entry_counters, stale_serves) },
	{ "pfxhttp_coalesced_total", "Lookups that joined an identical"
	    " backend call under way.",
	    offsetof(struct entry_counters, coalesced) },
	{ "pfxhttp_queue_waits_total", "Backend calls that waited for a"
	    " connection (max_connections_per_host busy).",
	    offsetof(struct entry_counters, queue_waits) },
};

#define FIELD(c, off)	(*(const unsigned long long *)(const void *) \
			    ((const char *)(c) + (off)))

static int
render_entries(struct buf *b, const struct prom_entry *es, size_t n)
{
	static const char hist[] = "pfxhttp_backend_duration_seconds";
	const struct entry_counters *c;
	char	 le[32];
	size_t	 i, f, k;
	int	 r;

	if ((r = head(b, "pfxhttp_requests_total", "counter", "Lookups"
	    " answered, by verdict.")) != PFX_OK)
		return (r);
	for (i = 0; i < n; i++)
		for (k = 0; k < PFX_VERDICT_COUNT; k++)
			if ((r = sample(b, "pfxhttp_requests_total", &es[i],
			    "verdict", verdict_word((enum pfx_verdict)k),
			    es[i].c->requests[k])) != PFX_OK)
				return (r);
	if ((r = head(b, "pfxhttp_backend_errors_total", "counter", "Failed"
	    " backend calls, by class.")) != PFX_OK)
		return (r);
	for (i = 0; i < n; i++)
		for (k = 0; k < BERR_COUNT; k++)
			if ((r = sample(b, "pfxhttp_backend_errors_total",
			    &es[i], "class", backend_error_name(
			    (enum backend_error)k),
			    es[i].c->backend_errors[k])) != PFX_OK)
				return (r);
	for (f = 0; f < sizeof(entry_families) / sizeof(entry_families[0]);
	    f++) {
		if ((r = head(b, entry_families[f].name, "counter",
		    entry_families[f].help)) != PFX_OK)
			return (r);
		for (i = 0; i < n; i++)
			if ((r = sample(b, entry_families[f].name, &es[i],
			    NULL, NULL, FIELD(es[i].c,
			    entry_families[f].off))) != PFX_OK)
				return (r);
	}
	if ((r = head(b, hist, "histogram", "Time from a backend call's"
	    " start to its answer (queueing and token wait included).")) !=
	    PFX_OK)
		return (r);
	for (i = 0; i < n; i++) {
		c = es[i].c;
		for (k = 0; k < LATENCY_BUCKETS; k++) {
			if (k < LATENCY_BUCKETS - 1)
				(void)snprintf(le, sizeof(le), "%g",
				    (double)latency_bounds_ms[k] / 1000.0);
			else
				memcpy(le, "+Inf", 5);
			if ((r = sample(b, "pfxhttp_backend_duration_seconds"
			    "_bucket", &es[i], "le", le,
			    c->latency[k])) != PFX_OK)
				return (r);
		}
		if ((r = buf_printf(b, "%s_sum", hist)) != PFX_OK ||
		    (r = labels(b, &es[i], NULL, NULL)) != PFX_OK ||
		    (r = buf_printf(b, " %.6f\n", c->latency_sum_s)) !=
		    PFX_OK ||
		    (r = sample(b, "pfxhttp_backend_duration_seconds_count",
		    &es[i], NULL, NULL, c->latency_count)) != PFX_OK)
			return (r);
	}
	return (PFX_OK);
}

static int
one(struct buf *b, const char *name, const char *type, const char *help,
    unsigned long long v)
{
	int	 r;

	if ((r = head(b, name, type, help)) != PFX_OK)
		return (r);
	return (buf_printf(b, "%s %llu\n", name, v));
}

static int
render_process(struct buf *b, const struct prom_process *p)
{
	int	 r;

	if ((r = head(b, "pfxhttp_build_info", "gauge", "Always 1; the"
	    " version is in its label.")) != PFX_OK ||
	    (r = buf_puts(b, "pfxhttp_build_info{version=\"")) != PFX_OK ||
	    (r = prom_label_value(b, p->version)) != PFX_OK ||
	    (r = buf_puts(b, "\"} 1\n")) != PFX_OK ||
	    (r = head(b, "pfxhttp_start_time_seconds", "gauge", "When"
	    " pfxhttp-tokend started, in seconds since the epoch.")) !=
	    PFX_OK ||
	    (r = buf_printf(b, "pfxhttp_start_time_seconds %.3f\n",
	    p->start_time_s)) != PFX_OK ||
	    (r = head(b, "pfxhttp_uptime_seconds", "gauge", "Seconds since"
	    " pfxhttp-tokend started.")) != PFX_OK ||
	    (r = buf_printf(b, "pfxhttp_uptime_seconds %.3f\n",
	    p->uptime_s)) != PFX_OK)
		return (r);
	if (p->rss_bytes >= 0 && (r = one(b, "pfxhttp_resident_memory_bytes",
	    "gauge", "Resident memory of pfxhttp-tokend.",
	    (unsigned long long)p->rss_bytes)) != PFX_OK)
		return (r);
	if ((r = one(b, "pfxhttp_open_peers", "gauge", "pfxhttp-spawn"
	    " connections open now.", p->peers)) != PFX_OK ||
	    (r = one(b, "pfxhttp_peers_accepted_total", "counter",
	    "pfxhttp-spawn connections accepted.", p->peers_accepted)) !=
	    PFX_OK ||
	    (r = one(b, "pfxhttp_peers_refused_total", "counter",
	    "Connections refused (peer not allowed, too many).",
	    p->peers_refused)) != PFX_OK ||
	    (r = one(b, "pfxhttp_backend_calls_in_flight", "gauge", "Backend"
	    " calls under way or queued.", p->calls_in_flight)) != PFX_OK ||
	    (r = one(b, "pfxhttp_check_processes", "gauge", "Local check"
	    " programs running now (command entries).", p->check_processes)) !=
	    PFX_OK ||
	    (r = one(b, "pfxhttp_pool_max_connections_per_host", "gauge",
	    "Connection pool size per backend host"
	    " (server.http_client.max_connections_per_host).",
	    (unsigned long long)p->pool_max_per_host)) != PFX_OK ||
	    (r = one(b, "pfxhttp_cache_entries", "gauge", "Answers in the"
	    " response cache.", p->cache_entries)) != PFX_OK ||
	    (r = one(b, "pfxhttp_cache_bytes", "gauge", "Bytes held by the"
	    " response cache.", p->cache_bytes)) != PFX_OK ||
	    (r = one(b, "pfxhttp_cache_evictions_total", "counter", "Cached"
	    " answers dropped for room.", p->cache_evictions)) != PFX_OK ||
	    (r = one(b, "pfxhttp_cache_expired_total", "counter", "Cached"
	    " answers dropped at the end of their ttl.", p->cache_expired)) !=
	    PFX_OK ||
	    (r = one(b, "pfxhttp_oidc_tokens_fetched_total", "counter",
	    "OIDC access tokens fetched.", p->tokens_fetched)) != PFX_OK)
		return (r);
	return (one(b, "pfxhttp_oidc_tokens_failed_total", "counter", "OIDC"
	    " token fetches that failed.", p->tokens_failed));
}

int
prom_render(struct buf *b, const struct prom_process *p,
    const struct prom_entry *es, size_t n)
{
	int	 r;

	if ((r = render_process(b, p)) != PFX_OK)
		return (r);
	return (render_entries(b, es, n));
}
