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
#include <gnutls/gnutls.h>
#include <json-c/json.h>
#include <libconfig.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "floorhttp.h"

int
main(int argc, char **argv)
{
	static const char reply[] = "14:OK bench-value,";
	struct curl_slist *hdrs;
	struct sink s;
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
	    (h = floor_handle(argv[1], &hdrs, &s)) == NULL)
		return (71);
	if (floor_post(h, &s, body, (size_t)bl, &status) != CURLE_OK)
		return (75);
	if (!floor_answer_ok(&s, status))
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
