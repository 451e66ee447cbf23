/*
 * floor1.c - one-shot floor for bench/run
 *
 * SYNOPSIS
 *	bench-floor1 URL
 *
 * DESCRIPTION
 *	What any one-shot socketmap bridge must do at least: be exec'd with
 *	the same four libraries linked (libcurl, libconfig, json-c, GnuTLS;
 *	one trivial call into each so none is dropped by --as-needed), read
 *	one netstring request from stdin, make one HTTP POST with libcurl
 *	(same body and headers as pfxhttp-spawn), write the fixed reply,
 *	and exit at EOF.  No configuration file, no JSON parsing.
 */
#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>
#include <libconfig.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct sink {
	char	 b[256];
	size_t	 len;
};

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

int
main(int argc, char **argv)
{
	static const char reply[] = "14:OK bench-value,";
	struct curl_slist *hdrs = NULL;
	struct sink s = { .len = 0 };
	config_t cfg;
	char	 in[1024], body[1024], *colon, *sp;
	size_t	 have = 0;
	ssize_t	 r;
	long	 status = 0;
	CURL	*h;
	int	 bl;

	if (argc != 2)
		return (64);
	/* one trivial call into each library: they are really linked */
	config_init(&cfg);
	config_destroy(&cfg);
	if (json_c_version_num() == 0 || gnutls_check_version(NULL) == NULL)
		return (70);

	/* one netstring "<len>:bench <key>," */
	while (have == 0 || memchr(in, ',', have) == NULL) {
		if (have == sizeof(in) ||
		    (r = read(0, in + have, sizeof(in) - have)) <= 0)
			return (65);
		have += (size_t)r;
	}
	if ((colon = memchr(in, ':', have)) == NULL ||
	    (sp = memchr(colon, ' ', have - (size_t)(colon - in))) == NULL)
		return (65);
	*(char *)memchr(in, ',', have) = '\0';
	bl = snprintf(body, sizeof(body), "{\"name\":\"%.*s\",\"key\":\"%s\"}",
	    (int)(sp - colon - 1), colon + 1, sp + 1);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (h = curl_easy_init()) == NULL)
		return (71);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	hdrs = curl_slist_append(hdrs, "User-Agent: pfxhttp/0.1.0");
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(h, CURLOPT_URL, argv[1]);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)bl);
	if (curl_easy_perform(h) != CURLE_OK)
		return (75);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200 || s.len != 33 ||
	    memcmp(s.b, "{\"data\":{\"result\":\"bench-value\"}}", 33) != 0)
		return (76);
	if (write(1, reply, sizeof(reply) - 1) != (ssize_t)sizeof(reply) - 1)
		return (74);
	/* wait for EOF, as pfxhttp-spawn does */
	while ((r = read(0, in, sizeof(in))) > 0)
		;
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	curl_global_cleanup();
	return (0);
}
