/*
 * fuzz-httpreq.c - HTTP/1.x request heads (tokend's /metrics endpoint)
 *
 * The input is what a scraper sends.  A verdict is one of 0 (more),
 * 200, 400, 405, 431; pointers stay inside the head; parsing is the same
 * for the whole input and for the head alone; a prefix of a head never
 * reaches a verdict before the head ends.
 */
#include <string.h>

#include "fuzz.h"
#include "httpreq.h"

#define MAX	8192

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct http_req r, r2;
	size_t	 n;
	int	 done;

	done = http_req_parse(p, size, MAX, &r);
	if (!done) {
		CHECK(size < MAX && r.status == 0);
		return (0);
	}
	CHECK(r.status == 200 || r.status == 400 || r.status == 405 ||
	    r.status == 431);
	if (r.status == 431) {
		CHECK(size >= MAX);
		return (0);
	}
	CHECK(r.used > 0 && r.used <= size && r.used <= MAX);
	CHECK(p[r.used - 1] == '\n');
	if (r.status == 200 || r.status == 405) {
		CHECK(r.path > p && r.path + r.pathlen <= p + r.used);
		CHECK(memchr(r.path, '?', r.pathlen) == NULL);
	}
	if (r.auth != NULL)
		CHECK(r.auth >= p && r.auth + r.authlen <= p + r.used);
	CHECK(r.status != 200 || r.head || memcmp(p, "GET ", 4) == 0);
	/* the head alone parses the same */
	CHECK(http_req_parse(p, r.used, MAX, &r2) == 1);
	CHECK(r2.status == r.status && r2.used == r.used &&
	    r2.path == r.path && r2.auth == r.auth);
	/* a shorter prefix is never done (the blank line is not there) */
	for (n = 0; n < r.used; n += 1 + n / 4)
		CHECK(http_req_parse(p, n, MAX, &r2) == 0);
	return (0);
}
