/*
 * test-trace.c - request ids (rid.c), visible bytes (visible.c) and the
 * explain trace (trace.c): its JSON is one strict JSON text whatever the
 * values hold, its text shows every byte, credentials are redacted,
 * and it stays bounded
 */
#include <curl/curl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonscan.h"
#include "rid.h"
#include "t.h"
#include "trace.h"
#include "visible.h"

static void
test_rid(void)
{
	char	 a[RID_MAX + 1], b[RID_MAX + 1];
	uint64_t st = 42;
	int	 i, same = 0;

	rid_make(a, &st, NULL, 0);
	ok(strlen(a) == 16 && strspn(a, "0123456789abcdef") == 16,
	    "an id is 16 hex digits (%s)", a);
	ok(rid_valid(a, strlen(a)), "... and valid");
	for (i = 0; i < 1000; i++) {
		rid_make(b, &st, NULL, 0);
		same += strcmp(a, b) == 0;
	}
	is_int(same, 0, "1000 more ids from one seed: none repeats the first");
	rid_make(a, &st, W("4AB12C3D"));
	ok(strncmp(a, "4AB12C3D.", 9) == 0 && strlen(a) == 25,
	    "a queue id comes first: %s", a);
	rid_make(a, &st, W("4AB\r\n12"));
	is_int(strlen(a), 16, "a queue id with CR LF is left out");
	rid_make(a, &st, W("4AB-12"));
	is_int(strlen(a), 16, "... and one with '-'");
	rid_make(a, &st, W("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	is_int(strlen(a), 16, "... and one of 33 characters");
	rid_make(a, &st, W("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	ok(strlen(a) == 49 && rid_valid(a, strlen(a)),
	    "32 characters are kept, and the id is valid");
	ok(!rid_valid(W("")), "an empty id is not valid");
	ok(!rid_valid(W("a b")), "nor one with a space");
	ok(!rid_valid(W("a\nb")), "nor one with LF");
	ok(!rid_valid(W("a:b")), "nor one with a colon");
	ok(!rid_valid(W("a\0b")), "nor one with NUL");
	ok(rid_valid(W("peer-id_1.x")), "letters, digits, '-', '_', '.' are");
	memset(b, 'x', 65);
	ok(!rid_valid(b, 65) && rid_valid(b, 64), "at most 64 bytes");
}

static void
test_visible(void)
{
	struct buf b;

	buf_init(&b, 1024);
	(void)escape_visible(&b, W("OK a\\b\r\n\t\x01\x1b[2J\x7f\xc3\xbc\0"));
	is_str(buf_str(&b), "OK a\\\\b\\r\\n\\t\\x01\\x1b[2J\\x7f\\xc3\\xbc\\x00",
	    "every control byte, DEL and 8-bit byte is visible");
	buf_free(&b);
}

static int
valid_json(const struct buf *b)
{
	int	 big;

	return (json_strict(b->data, b->len, &big, NULL));
}

static void
test_trace(void)
{
	struct curl_slist *h = NULL;
	struct trace *t;
	struct buf j, x;
	char	 big[3000];
	int	 i;

	t = trace_new();
	trace_strz(t, "via", "direct");
	trace_step(t, "request");
	trace_url(t, "url", "https://user:pw@api.example/x?k=v@w");
	h = curl_slist_append(h, "Authorization: Bearer tok-1");
	h = curl_slist_append(h, "Cookie: s=1");
	h = curl_slist_append(h, "X-Api-Key: k1");
	h = curl_slist_append(h, "X-Session-Id: s2");
	h = curl_slist_append(h, "X-Tenant: t1");
	h = curl_slist_append(h, "Expect:");
	trace_headers(t, h);
	curl_slist_free_all(h);
	trace_str(t, "body", W("a\"b\\c\n\x01\xff"));
	memset(big, 'y', sizeof(big));
	trace_cut(t, "rbody", big, sizeof(big), TRACE_BODY_MAX);
	trace_num(t, "status", 503);
	trace_real(t, "took_ms", 1.25);
	trace_top(t);
	trace_strz(t, "verdict", "temp");
	buf_init(&j, BUF_UNLIMITED);
	buf_init(&x, BUF_UNLIMITED);
	ok(trace_json(t, &j) == 0 && valid_json(&j),
	    "the JSON is one strict JSON text");
	ok(strstr(j.data, "tok-1") == NULL && strstr(j.data, "s=1") == NULL &&
	    strstr(j.data, "k1") == NULL && strstr(j.data, "s2") == NULL &&
	    strstr(j.data, "pw") == NULL, "no credential is in it");
	ok(strstr(j.data, "\"headers\":[\"Authorization: <redacted>\","
	    "\"Cookie: <redacted>\",\"X-Api-Key: <redacted>\","
	    "\"X-Session-Id: <redacted>\",\"X-Tenant: t1\"]") != NULL,
	    "headers are one list, credentials redacted, Expect: left out");
	ok(strstr(j.data, "\"url\":\"https://<redacted>@api.example/x?k=v@w\"")
	    != NULL, "user:password in a URL is redacted (not an @ later)");
	ok(strstr(j.data, "\"rbody_bytes\":3000,\"rbody_truncated\":1") !=
	    NULL, "a body is cut at TRACE_BODY_MAX, its length kept");
	ok(strstr(j.data, "\"status\":503,\"took_ms\":1.2") != NULL ||
	    strstr(j.data, "\"status\":503,\"took_ms\":1.3") != NULL,
	    "numbers are JSON numbers");
	ok(strncmp(j.data, "{\"via\":\"direct\",\"verdict\":\"temp\","
	    "\"incomplete\":0,\"steps\":[{\"step\":\"request\"", 66) == 0,
	    "the document's own fields first, then the steps");
	ok(trace_text(t, &x) == 0 && strstr(x.data,
	    "    body               a\"b\\\\c\\n\\x01\\xff\n") != NULL,
	    "the text shows every byte");
	trace_free(t);

	/* bounded: a flood of fields and steps */
	t = trace_new();
	for (i = 0; i < 2000; i++) {
		if (i % 10 == 0)
			trace_step(t, "s");
		trace_str(t, "v", big, sizeof(big));
	}
	buf_reset(&j);
	ok(trace_json(t, &j) == 0 && valid_json(&j) &&
	    strstr(j.data, "\"incomplete\":1") != NULL &&
	    j.len < 2 * TRACE_MAX_BYTES, "a flood is cut (%zu bytes of JSON)"
	    " and marked incomplete", j.len);
	trace_free(t);
	trace_step(NULL, "x");
	trace_strz(NULL, "k", "v");
	ok(1, "a NULL trace takes every call");
	buf_free(&j);
	buf_free(&x);
}

int
main(void)
{
	test_rid();
	test_visible();
	test_trace();
	return (done_testing());
}
