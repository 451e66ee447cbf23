/*
 * floorhttp.h - the HTTP request of the floors (bench-floor1 and
 * bench-floorloop): one libcurl easy handle with the options and headers
 * pfxhttp-spawn sets (lib/http.c), POSTing a body and checking that the
 * answer is FLOOR_JSON_ANSWER.  Links libcurl only.
 */
#ifndef BENCH_FLOORHTTP_H
#define BENCH_FLOORHTTP_H

#include <curl/curl.h>
#include <stddef.h>

#define FLOOR_JSON_ANSWER	"{\"data\":{\"result\":\"bench-value\"}}"

struct sink {
	char	 b[256];
	size_t	 len;
};

/* floor_handle - a handle for url writing into s; NULL on failure */
CURL	*floor_handle(const char *url, struct curl_slist **hdrs,
	    struct sink *s);
/* floor_post - one POST of body; the response lands in s (emptied first) */
CURLcode floor_post(CURL *h, struct sink *s, const char *body, size_t len,
	    long *status);
/* floor_answer_ok - status 200 and exactly FLOOR_JSON_ANSWER */
int	 floor_answer_ok(const struct sink *s, long status);

#endif
