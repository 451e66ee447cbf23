/*
 * test-flight.c - single flight: one call per key, bounded waiters, and
 * the per-entry counters tokend prints
 */
#include <stdlib.h>

#include "buf.h"
#include "counters.h"
#include "err.h"
#include "flight.h"
#include "t.h"

/* find, begin - the engine's order: the hash once, then the table */
static struct flight *
find(struct flights *fs, const char *key, size_t n)
{
	return (flight_find(fs, key, n, flight_hash(fs, key, n)));
}

static struct flight *
begin(struct flights *fs, const char *key, size_t n, void *job)
{
	return (flight_begin(fs, key, n, flight_hash(fs, key, n), job));
}

static void
test_flights(void)
{
	static const unsigned char kb[16] = { 1, 2, 3 };
	struct sipkey k;
	struct flights *fs;
	struct flight *f, *g;
	char	 key[32];
	int	 a, b, c, i, found;

	sipkey_from_bytes(&k, kb);
	fs = flights_new(&k);
	ok(find(fs, W("sm\0domains\0example.com")) == NULL,
	    "no flight before the first lookup");
	f = begin(fs, W("sm\0domains\0example.com"), &a);
	ok(find(fs, W("sm\0domains\0example.com")) == f,
	    "the same key finds the flight under way");
	ok(find(fs, W("sm\0domains\0example.org")) == NULL,
	    "another key does not");
	ok(find(fs, W("sm\0domains\0example.co")) == NULL,
	    "a prefix does not");
	ok(flight_wait(f, &b, 2) == PFX_OK && flight_wait(f, &c, 2) ==
	    PFX_OK, "two waiters join");
	ok(flight_wait(f, &a, 2) == PFX_ETOOBIG, "a third is refused at 2");
	ok(f->nwaiters == 2 && f->waiters[0] == &b && f->waiters[1] == &c &&
	    f->job == &a, "waiters in order, the job kept");
	/* many flights: every one is found again, then ended */
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		(void)begin(fs, key, strlen(key), NULL);
	}
	is_int(flights_count(fs), 5001, "5001 flights under way");
	for (found = 0, i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		if ((g = find(fs, key, strlen(key))) != NULL) {
			found++;
			flight_end(fs, g);
		}
	}
	is_int(found, 5000, "each found again");
	flight_end(fs, f);
	is_int(flights_count(fs), 0, "all ended");
	ok(find(fs, W("sm\0domains\0example.com")) == NULL,
	    "an ended flight is gone");
	flights_free(fs);
}

static void
test_counters(void)
{
	struct entry_counters c;
	struct buf b;

	memset(&c, 0, sizeof(c));
	counters_latency(&c, 0);
	counters_latency(&c, 3);
	counters_latency(&c, 20000);
	ok(c.latency[0] == 1 && c.latency[2] == 2 &&
	    c.latency[LATENCY_BUCKETS - 2] == 2 &&
	    c.latency[LATENCY_BUCKETS - 1] == 3 && c.latency_count == 3,
	    "cumulative latency buckets");
	c.requests[PFX_NOTFOUND] = 7;
	c.backend_errors[BERR_HTTP_5XX] = 2;
	buf_init(&b, 65536);
	ok(counters_render(&b, "socket_maps", "domains", &c) == PFX_OK,
	    "counters render");
	ok(strstr(buf_str(&b), "socket_maps.domains requests_notfound 7\n")
	    != NULL, "requests by verdict word");
	ok(strstr(buf_str(&b),
	    "socket_maps.domains backend_errors_http_5xx 2\n") != NULL,
	    "backend errors by class");
	ok(strstr(buf_str(&b), "socket_maps.domains latency_le_5ms 2\n") !=
	    NULL && strstr(buf_str(&b),
	    "socket_maps.domains latency_le_inf 3\n") != NULL,
	    "histogram lines");
	buf_free(&b);
}

int
main(void)
{
	test_flights();
	test_counters();
	return (done_testing());
}
