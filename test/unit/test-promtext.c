/*
 * test-promtext.c - the Prometheus text of tokend's counters (promtext.c)
 *
 * Values land on the right family and labels, label values are escaped
 * as the exposition format says, every family has HELP and TYPE before
 * its samples and its samples together, and a histogram's buckets are
 * cumulative with +Inf equal to _count.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "promtext.h"
#include "t.h"

/* has - the page holds this exact line */
static int
has(const struct buf *b, const char *line)
{
	const char *p = buf_str(b);
	size_t	 n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == buf_str(b) || p[-1] == '\n') && p[n] == '\n')
			return (1);
		p += n;
	}
	return (0);
}

/*
 * families_ok - each metric name: one "# TYPE" line, before its first
 * sample, and its samples in one run (no other family in between)
 */
static int
families_ok(const char *page)
{
	char	 names[64][96], cur[96] = "", base[96];
	const char *p = page, *eol;
	size_t	 n, nn = 0, i;

	for (; *p != '\0'; p = eol + 1) {
		if ((eol = strchr(p, '\n')) == NULL)
			return (0);
		if (strncmp(p, "# HELP ", 7) == 0)
			continue;
		if (strncmp(p, "# TYPE ", 7) == 0) {
			n = strcspn(p + 7, " ");
			if (n >= sizeof(cur))
				return (0);
			memcpy(cur, p + 7, n);
			cur[n] = '\0';
			for (i = 0; i < nn; i++)
				if (strcmp(names[i], cur) == 0)
					return (0);	/* twice */
			if (nn == 64)
				return (0);
			memcpy(names[nn++], cur, n + 1);
			continue;
		}
		n = strcspn(p, "{ ");
		if (n >= sizeof(base) || cur[0] == '\0')
			return (0);
		memcpy(base, p, n);
		base[n] = '\0';
		/* a histogram's _bucket, _sum and _count belong to it */
		if (strcmp(base, cur) != 0 && !(strncmp(base, cur,
		    strlen(cur)) == 0 && (strcmp(base + strlen(cur),
		    "_bucket") == 0 || strcmp(base + strlen(cur), "_sum") ==
		    0 || strcmp(base + strlen(cur), "_count") == 0)))
			return (0);
	}
	return (nn > 10);
}

int
main(void)
{
	struct entry_counters a, z;
	struct prom_entry es[2];
	struct prom_process p;
	struct buf b;

	memset(&a, 0, sizeof(a));
	memset(&z, 0, sizeof(z));
	a.requests[PFX_FOUND] = 7;
	a.requests[PFX_TEMPFAIL] = 2;
	a.backend_calls = 5;
	a.backend_errors[BERR_HTTP_5XX] = 2;
	a.cache_hits = 3;
	a.coalesced = 4;
	counters_latency(&a, 0);
	counters_latency(&a, 30);
	counters_latency(&a, 60000);
	es[0] = (struct prom_entry){ "socket_maps", "demo", &a };
	es[1] = (struct prom_entry){ "policy_services", "q\"uo\\te\nx", &z };
	memset(&p, 0, sizeof(p));
	p.version = "1.2\"3";
	p.start_time_s = 1700000000.5;
	p.uptime_s = 12.25;
	p.rss_bytes = 4096;
	p.peers = 3;
	p.cache_entries = 9;
	p.check_processes = 2;

	buf_init(&b, 1 << 20);
	ok(prom_render(&b, &p, es, 2) == PFX_OK, "renders");
	ok(has(&b, "pfxhttp_requests_total{kind=\"socket_maps\",entry=\"demo\","
	    "verdict=\"found\"} 7"), "found requests by value");
	ok(has(&b, "pfxhttp_requests_total{kind=\"socket_maps\",entry=\"demo\","
	    "verdict=\"temp\"} 2"), "temp requests by value");
	ok(has(&b, "pfxhttp_requests_total{kind=\"socket_maps\",entry=\"demo\","
	    "verdict=\"notfound\"} 0"), "a verdict never seen is there, 0");
	ok(has(&b, "pfxhttp_backend_calls_total{kind=\"socket_maps\","
	    "entry=\"demo\"} 5"), "backend calls");
	ok(has(&b, "pfxhttp_backend_errors_total{kind=\"socket_maps\","
	    "entry=\"demo\",class=\"http_5xx\"} 2"), "errors by class");
	ok(has(&b, "pfxhttp_backend_errors_total{kind=\"socket_maps\","
	    "entry=\"demo\",class=\"connect\"} 0"), "every class, 0 too");
	ok(has(&b, "pfxhttp_cache_hits_total{kind=\"socket_maps\","
	    "entry=\"demo\"} 3"), "cache hits");
	ok(has(&b, "pfxhttp_coalesced_total{kind=\"socket_maps\","
	    "entry=\"demo\"} 4"), "coalesced");
	ok(has(&b, "pfxhttp_backend_duration_seconds_bucket{kind="
	    "\"socket_maps\",entry=\"demo\",le=\"0.001\"} 1"), "bucket 1ms");
	ok(has(&b, "pfxhttp_backend_duration_seconds_bucket{kind="
	    "\"socket_maps\",entry=\"demo\",le=\"0.05\"} 2"),
	    "buckets are cumulative (30ms is in le=0.05)");
	ok(has(&b, "pfxhttp_backend_duration_seconds_bucket{kind="
	    "\"socket_maps\",entry=\"demo\",le=\"10\"} 2"),
	    "60s is beyond the last bound");
	ok(has(&b, "pfxhttp_backend_duration_seconds_bucket{kind="
	    "\"socket_maps\",entry=\"demo\",le=\"+Inf\"} 3"), "+Inf: all");
	ok(has(&b, "pfxhttp_backend_duration_seconds_count{kind="
	    "\"socket_maps\",entry=\"demo\"} 3"), "_count");
	ok(has(&b, "pfxhttp_backend_duration_seconds_sum{kind="
	    "\"socket_maps\",entry=\"demo\"} 60.030000"), "_sum in seconds");
	/* the exposition format escapes \, " and newline in label values */
	ok(has(&b, "pfxhttp_cache_hits_total{kind=\"policy_services\","
	    "entry=\"q\\\"uo\\\\te\\nx\"} 0"), "entry name escaped");
	ok(has(&b, "pfxhttp_build_info{version=\"1.2\\\"3\"} 1"),
	    "build info, version escaped");
	ok(has(&b, "pfxhttp_start_time_seconds 1700000000.500"), "start");
	ok(has(&b, "pfxhttp_uptime_seconds 12.250"), "uptime");
	ok(has(&b, "pfxhttp_resident_memory_bytes 4096"), "rss");
	ok(has(&b, "pfxhttp_open_peers 3"), "peers");
	ok(has(&b, "pfxhttp_cache_entries 9"), "cache entries");
	ok(has(&b, "pfxhttp_check_processes 2"), "check processes");
	ok(has(&b, "# TYPE pfxhttp_backend_duration_seconds histogram"),
	    "histogram type");
	ok(has(&b, "# TYPE pfxhttp_requests_total counter"), "counter type");
	ok(has(&b, "# TYPE pfxhttp_open_peers gauge"), "gauge type");
	ok(families_ok(buf_str(&b)), "one TYPE per family, samples together");
	ok(strchr(buf_str(&b), '\r') == NULL && b.data[b.len - 1] == '\n',
	    "lines end in \\n");

	/* no entries: still a valid page, every family declared */
	buf_reset(&b);
	p.rss_bytes = -1;
	ok(prom_render(&b, &p, NULL, 0) == PFX_OK, "no entries");
	ok(has(&b, "# TYPE pfxhttp_requests_total counter"),
	    "families declared without entries");
	ok(strstr(buf_str(&b), "resident_memory") == NULL,
	    "unknown RSS is left out, not 0");

	/* a page larger than the buffer's limit is refused, not cut */
	buf_free(&b);
	buf_init(&b, 512);
	ok(prom_render(&b, &p, es, 2) != PFX_OK, "too large: an error");
	buf_free(&b);
	return (done_testing());
}
