/*
 * floorhttp.c - the HTTP request of the floors (see floorhttp.h)
 */
#include <string.h>

#include "floorhttp.h"

static size_t
sink_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;

	(void)size;
	if (nmemb > sizeof(s->b) - 1 - s->len)
		return (0);
	memcpy(s->b + s->len, p, nmemb);
	s->len += nmemb;
	return (nmemb);
}

CURL *
floor_handle(const char *url, struct curl_slist **hdrs, struct sink *s)
{
	CURL	*h;

	if ((h = curl_easy_init()) == NULL)
		return (NULL);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	*hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	*hdrs = curl_slist_append(*hdrs, "Accept: application/json");
	*hdrs = curl_slist_append(*hdrs, "User-Agent: pfxhttp/0.1.0");
	*hdrs = curl_slist_append(*hdrs, "Expect:");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
	return (h);
}

CURLcode
floor_post(CURL *h, struct sink *s, const char *body, size_t len,
    long *status)
{
	CURLcode cc;

	s->len = 0;
	*status = 0;
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)len);
	if ((cc = curl_easy_perform(h)) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	return (cc);
}

int
floor_answer_ok(const struct sink *s, long status)
{
	return (status == 200 && s->len == strlen(FLOOR_JSON_ANSWER) &&
	    memcmp(s->b, FLOOR_JSON_ANSWER, s->len) == 0);
}
