/*
 * http.c - libcurl wrapper with the safe defaults pfxhttp needs
 *
 * SECURITY
 *	CURLOPT_PROXY is always set (to "" when no proxy is configured), so
 *	proxy variables in the environment are ignored.  Errors are logged
 *	by the caller from resp->error, which holds curl's short message,
 *	never the URL or headers.
 */
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <malloc.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "conf.h"
#include "err.h"
#include "http.h"
#include "kind.h"
#include "xalloc.h"

static int	 curl_ready;

int
http_header_add(struct curl_slist **list, const char *h)
{
	struct curl_slist *n;

	if ((n = curl_slist_append(*list, h)) == NULL)
		return (PFX_EINVAL);
	*list = n;
	return (PFX_OK);
}

void
http_response_init(struct http_response *r, size_t max)
{
	r->status = 0;
	r->failure = HTTP_OK;
	r->content_type[0] = '\0';
	r->content_encoding[0] = '\0';
	r->error[0] = '\0';
	buf_init(&r->body, max);
}

void
http_response_reset(struct http_response *r, const char *const *keep_names)
{
	buf_reset(&r->body);
	r->status = 0;
	r->failure = HTTP_OK;
	r->error[0] = '\0';
	r->content_type[0] = '\0';
	r->content_encoding[0] = '\0';
	r->keep_names = keep_names;
	r->kept_set = 0;
}

/*
 * header_value - copy a header's trimmed value if the line is NAME:;
 * 1 when it was, -1 when it was but did not fit (cut to dstlen - 1)
 */
static int
header_value(const char *p, size_t n, const char *name, char *dst,
    size_t dstlen)
{
	size_t	 k = strlen(name), e;
	int	 r = 1;

	if (n <= k || strncasecmp(p, name, k) != 0 || p[k] != ':')
		return (0);
	for (p += k + 1, n -= k + 1; n > 0 && (*p == ' ' || *p == '\t');
	    p++, n--)
		;
	for (e = n; e > 0 && (unsigned char)p[e - 1] <= ' '; e--)
		;
	if (e >= dstlen) {
		e = dstlen - 1;
		r = -1;
	}
	memcpy(dst, p, e);
	dst[e] = '\0';
	return (r);
}

size_t
http_header_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct http_response *r = arg;
	size_t	 i;
	int	 k;

	(void)size;		/* documented to be 1 */
	if (nmemb > 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new response (after 1xx): forget the last one's */
		r->content_type[0] = '\0';
		r->content_encoding[0] = '\0';
		r->kept_set = 0;
	}
	(void)header_value(p, nmemb, "Content-Type", r->content_type,
	    sizeof(r->content_type));
	(void)header_value(p, nmemb, "Content-Encoding", r->content_encoding,
	    sizeof(r->content_encoding));
	for (i = 0; r->keep_names != NULL && r->keep_names[i] != NULL &&
	    i < HTTP_KEPT_MAX; i++) {
		if ((k = header_value(p, nmemb, r->keep_names[i], r->kept[i],
		    sizeof(r->kept[i]))) == 0)
			continue;
		/* a cut value is not the value: a cut name is another name */
		if (k < 0)
			memcpy(r->kept[i], HTTP_KEPT_OVERLONG,
			    sizeof(HTTP_KEPT_OVERLONG));
		r->kept_set |= 1u << i;
	}
	return (nmemb);
}

const char *
http_kept(const struct http_response *r, size_t i)
{
	return (i < HTTP_KEPT_MAX && (r->kept_set & (1u << i)) ? r->kept[i] :
	    NULL);
}

int
http_response_decode(struct http_response *r)
{
	struct buf out;
	z_stream z;
	char	 chunk[16384];
	int	 zr = Z_OK, err = PFX_OK;

	if (r->content_encoding[0] == '\0' ||
	    strcasecmp(r->content_encoding, "identity") == 0)
		return (PFX_OK);
	if (strcasecmp(r->content_encoding, "gzip") != 0 &&
	    strcasecmp(r->content_encoding, "x-gzip") != 0) {
		r->failure = HTTP_FAIL_OTHER;
		snprintf(r->error, sizeof(r->error), "%s",
		    "unsupported Content-Encoding");
		return (PFX_EHTTP);
	}
	memset(&z, 0, sizeof(z));
	if (r->body.len > UINT32_MAX || inflateInit2(&z, 15 + 16) != Z_OK) {
		r->failure = HTTP_FAIL_OTHER;
		snprintf(r->error, sizeof(r->error), "%s", "cannot inflate");
		return (PFX_EHTTP);
	}
	buf_init(&out, r->body.max);
	z.next_in = (Bytef *)r->body.data;
	z.avail_in = (uInt)r->body.len;
	while (zr == Z_OK && err == PFX_OK) {
		z.next_out = (Bytef *)chunk;
		z.avail_out = sizeof(chunk);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr == Z_OK || zr == Z_STREAM_END)
			err = buf_append(&out, chunk,
			    sizeof(chunk) - z.avail_out);
		if (zr == Z_OK && z.avail_in == 0 && z.avail_out != 0)
			zr = Z_BUF_ERROR;	/* input ended mid-stream */
	}
	inflateEnd(&z);
	if (err != PFX_OK || zr != Z_STREAM_END) {
		buf_free(&out);
		r->failure = err != PFX_OK ? HTTP_FAIL_TOOBIG :
		    HTTP_FAIL_OTHER;
		snprintf(r->error, sizeof(r->error), "%s", err != PFX_OK ?
		    "decoded response too large" : "truncated or corrupt gzip"
		    " response");
		return (PFX_EHTTP);
	}
	buf_free(&r->body);
	r->body = out;
	return (PFX_OK);
}

void
http_response_free(struct http_response *r)
{
	buf_free(&r->body);
}

/*
 * libcurl's own buffers hold what it sent and received: a login's
 * JSON with its password, an Authorization header.  Once a
 * configuration holds a credential (wipe_on, never turned off: a
 * reload may have added one), its memory is wiped when it is freed or
 * moved, so no copy outlives the request.  Without one, the requests
 * carry lookup keys only, and wiping every buffer libcurl frees (some
 * 60 per request, its transfer buffers among them) would cost more
 * than the request's own work.
 */
static int	 wipe_on;

static void
wipe_free(void *p)
{
	if (p != NULL && wipe_on)
		explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

static void *
wipe_realloc(void *p, size_t n)
{
	size_t	 old;
	void	*q;

	if (p == NULL)
		return (malloc(n));
	if (!wipe_on)
		return (realloc(p, n));
	if (n == 0) {
		wipe_free(p);
		return (NULL);
	}
	if ((q = malloc(n)) == NULL)
		return (NULL);
	old = malloc_usable_size(p);
	memcpy(q, p, old < n ? old : n);
	wipe_free(p);
	return (q);
}

/*
 * userinfo - a URL with "user:password@" in its authority; libcurl
 * takes one without a scheme too (http assumed)
 */
static int
userinfo(const char *url)
{
	const char *p = strstr(url, "://");
	size_t	 n;

	p = p != NULL ? p + 3 : url;
	n = strcspn(p, "/?#");
	return (memchr(p, '@', n) != NULL);
}

/*
 * holds_credentials - what may pass through libcurl's memory: a login
 * (the SASL kind), a password or token of the entry's, any custom
 * header (API keys travel there), an OIDC client's secret or token, a
 * proxy's user:password (its Proxy-Authorization header)
 */
static int
holds_credentials(const struct conf *c)
{
	const struct conf_entry *e;
	size_t	 i;

	if (c->http.proxy != NULL && userinfo(c->http.proxy))
		return (1);
	for (i = 0; i < c->nentries; i++) {
		e = &c->entries[i];
		if (kinds[e->kind]->secret || e->auth_token != NULL ||
		    e->http_auth_basic != NULL || e->ncustom_headers > 0 ||
		    e->backend_oidc_auth.enabled ||
		    e->sasl_oidc_auth.client.enabled ||
		    (e->target != NULL && userinfo(e->target)))
			return (1);
	}
	return (0);
}

int
http_global_init(void)
{
	return (curl_global_init_mem(CURL_GLOBAL_DEFAULT, malloc, wipe_free,
	    wipe_realloc, strdup, calloc) == CURLE_OK ? PFX_OK : PFX_EHTTP);
}

/* http_easy_new - a handle with the options every request shares */

CURL *
http_easy_new(const struct conf *c, struct buf *body)
{
	CURL	*h;

	if (!curl_ready) {
		if (http_global_init() != PFX_OK)
			return (NULL);
		curl_ready = 1;
	}
	if (!wipe_on && holds_credentials(c))
		wipe_on = 1;
	if ((h = curl_easy_init()) == NULL)
		return (NULL);
	http_easy_options(h, c, body, curl_easy_setopt);
	return (h);
}
