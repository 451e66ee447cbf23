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
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "conf.h"
#include "err.h"
#include "http.h"
#include "xalloc.h"

struct http_client {
	CURL		*h;
	const struct conf *c;
	unsigned char	*gz;	/* compressed request body */
	size_t		 gzcap, gzlen;
};

static int	 curl_ready;

struct http_client *
http_client_new(const struct conf *c)
{
	struct http_client *hc = xcalloc(1, sizeof(*hc));

	hc->c = c;
	return (hc);
}

void
http_client_free(struct http_client *hc)
{
	if (hc == NULL)
		return;
	if (hc->h != NULL)
		curl_easy_cleanup(hc->h);
	free(hc->gz);
	free(hc);
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

/* header_value - copy a header's trimmed value if the line is NAME: */

static void
header_value(const char *p, size_t n, const char *name, char *dst,
    size_t dstlen)
{
	size_t	 k = strlen(name), e;

	if (n <= k || strncasecmp(p, name, k) != 0 || p[k] != ':')
		return;
	for (p += k + 1, n -= k + 1; n > 0 && (*p == ' ' || *p == '\t');
	    p++, n--)
		;
	for (e = n; e > 0 && (unsigned char)p[e - 1] <= ' '; e--)
		;
	if (e >= dstlen)
		e = dstlen - 1;
	memcpy(dst, p, e);
	dst[e] = '\0';
}

size_t
http_header_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct http_response *r = arg;

	(void)size;		/* documented to be 1 */
	if (nmemb > 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new response (after 1xx): forget the last one's */
		r->content_type[0] = '\0';
		r->content_encoding[0] = '\0';
	}
	header_value(p, nmemb, "Content-Type", r->content_type,
	    sizeof(r->content_type));
	header_value(p, nmemb, "Content-Encoding", r->content_encoding,
	    sizeof(r->content_encoding));
	return (nmemb);
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

/* http_easy_new - a handle with the options every request shares */

CURL *
http_easy_new(const struct conf *c, struct buf *body)
{
	CURL	*h;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return (NULL);
		curl_ready = 1;
	}
	if ((h = curl_easy_init()) == NULL)
		return (NULL);
	http_easy_options(h, c, body, curl_easy_setopt);
	return (h);
}

/* http_gzip - compress the request body into hc->gz */

static int
http_gzip(struct http_client *hc, const char *p, size_t n)
{
	z_stream z;
	uLong	 bound;
	int	 r;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return (PFX_EINVAL);
	bound = deflateBound(&z, (uLong)n) + 32;
	if (bound > hc->gzcap) {
		hc->gz = xrealloc(hc->gz, bound);
		hc->gzcap = bound;
	}
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	z.next_out = hc->gz;
	z.avail_out = (uInt)bound;
	r = deflate(&z, Z_FINISH);
	hc->gzlen = bound - z.avail_out;
	deflateEnd(&z);
	return (r == Z_STREAM_END ? PFX_OK : PFX_EINVAL);
}

int
http_perform(struct http_client *hc, const struct http_request *rq,
    struct http_response *resp)
{
	struct curl_slist *hdrs = rq->headers, *extra = NULL;
	CURLcode cc;
	const char *body = rq->body;
	size_t	 bodylen = rq->bodylen;

	if (hc->h == NULL && (hc->h = http_easy_new(hc->c, &resp->body)) ==
	    NULL) {
		resp->failure = HTTP_FAIL_OTHER;
		snprintf(resp->error, sizeof(resp->error), "%s", "cannot create HTTP handle");
		return (PFX_EHTTP);
	}
	if (rq->post && rq->gzip_request && bodylen > 0) {
		if (http_gzip(hc, body, bodylen) != PFX_OK) {
			resp->failure = HTTP_FAIL_OTHER;
			snprintf(resp->error, sizeof(resp->error), "%s", "cannot compress request");
			return (PFX_EHTTP);
		}
		body = (const char *)hc->gz;
		bodylen = hc->gzlen;
		if ((extra = curl_slist_append(NULL,
		    "Content-Encoding: gzip")) == NULL) {
			resp->failure = HTTP_FAIL_OTHER;
			snprintf(resp->error, sizeof(resp->error), "%s",
			    "out of memory");
			return (PFX_EHTTP);
		}
		extra->next = hdrs;
		hdrs = extra;
	}
	curl_easy_setopt(hc->h, CURLOPT_URL, rq->url);
	curl_easy_setopt(hc->h, CURLOPT_TIMEOUT_MS, (long)rq->timeout_ms);
	curl_easy_setopt(hc->h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(hc->h, CURLOPT_WRITEDATA, &resp->body);
	curl_easy_setopt(hc->h, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(hc->h, CURLOPT_HEADERDATA, resp);
	/* Accept-Encoding is sent; http_response_decode() inflates */
	curl_easy_setopt(hc->h, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	curl_easy_setopt(hc->h, CURLOPT_ACCEPT_ENCODING,
	    rq->gzip_response ? "gzip" : NULL);
	if (rq->post) {
		curl_easy_setopt(hc->h, CURLOPT_POST, 1L);
		curl_easy_setopt(hc->h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(hc->h, CURLOPT_POSTFIELDSIZE, (long)bodylen);
	} else
		curl_easy_setopt(hc->h, CURLOPT_HTTPGET, 1L);
	cc = curl_easy_perform(hc->h);
	if (extra != NULL) {
		extra->next = NULL;
		curl_slist_free_all(extra);
	}
	curl_easy_setopt(hc->h, CURLOPT_HTTPHEADER, NULL);
	if (cc == CURLE_OK) {
		curl_easy_getinfo(hc->h, CURLINFO_RESPONSE_CODE,
		    &resp->status);
		return (http_response_decode(resp));
	}
	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT:
		resp->failure = HTTP_FAIL_TIMEOUT;
		break;
	case CURLE_WRITE_ERROR:
		resp->failure = HTTP_FAIL_TOOBIG;
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
		resp->failure = HTTP_FAIL_CONNECT;
		break;
	default:
		resp->failure = HTTP_FAIL_OTHER;
		break;
	}
	snprintf(resp->error, sizeof(resp->error), "%s", curl_easy_strerror(cc));
	return (PFX_EHTTP);
}
