/*
 * transfer.c - one backend HTTP exchange (see transfer.h)
 *
 * SECURITY
 *	resp.error holds curl's short message, never the URL or headers.
 *	The header list belongs to the caller, which wipes it.
 */
#include <curl/curl.h>
#include <errno.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "err.h"
#include "transfer.h"
#include "xalloc.h"

int
transfer_init(struct transfer *t, const struct conf *c, void *owner)
{
	memset(t, 0, sizeof(*t));
	http_response_init(&t->resp, (size_t)c->http.max_response_size);
	t->owner = owner;
	if ((t->h = http_easy_new(c, &t->resp.body)) == NULL)
		return (PFX_EHTTP);
	curl_easy_setopt(t->h, CURLOPT_PRIVATE, owner);
	curl_easy_setopt(t->h, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(t->h, CURLOPT_HEADERDATA, &t->resp);
	/* Accept-Encoding is sent; http_response_decode() inflates, since
	 * libcurl takes a truncated gzip stream for a whole one */
	curl_easy_setopt(t->h, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	return (PFX_OK);
}

void
transfer_free(struct transfer *t)
{
	if (t->h != NULL)
		curl_easy_cleanup(t->h);
	curl_slist_free_all(t->extra);
	http_response_free(&t->resp);
	free(t->gz);
	memset(t, 0, sizeof(*t));
}

/* gzip - compress the request body into t->gz */

static int
gzip(struct transfer *t, const char *p, size_t n)
{
	z_stream z;
	uLong	 bound;
	int	 r;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return (PFX_EINVAL);
	bound = deflateBound(&z, (uLong)n) + 32;
	if (bound > t->gzcap) {
		t->gz = xrealloc(t->gz, bound);
		t->gzcap = bound;
	}
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	z.next_out = t->gz;
	z.avail_out = (uInt)bound;
	r = deflate(&z, Z_FINISH);
	t->gzlen = bound - z.avail_out;
	deflateEnd(&z);
	return (r == Z_STREAM_END ? PFX_OK : PFX_EINVAL);
}

static int
fail(struct transfer *t, enum http_failure f, const char *why)
{
	t->resp.failure = f;
	snprintf(t->resp.error, sizeof(t->resp.error), "%s", why);
	return (PFX_EHTTP);
}

/* upload_read - CURLOPT_READFUNCTION: the next piece of the file */
static size_t
upload_read(char *p, size_t size, size_t nitems, void *arg)
{
	struct transfer *t = arg;
	size_t	 want = size * nitems;
	ssize_t	 n;

	if ((long long)want > t->upload_len - t->upload_off)
		want = (size_t)(t->upload_len - t->upload_off);
	if (want == 0)
		return (0);
	do
		n = pread(t->upload_fd, p, want, (off_t)t->upload_off);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return (CURL_READFUNC_ABORT);	/* shorter than said */
	t->upload_off += n;
	return ((size_t)n);
}

int
transfer_prepare(struct transfer *t, const struct http_request *rq)
{
	struct curl_slist *hdrs = rq->headers;
	const char *body = rq->body;
	size_t	 bodylen = rq->bodylen;

	http_response_reset(&t->resp, rq->keep_headers);
	if (t->extra != NULL) {
		t->extra->next = NULL;
		curl_slist_free_all(t->extra);
		t->extra = NULL;
	}
	if (rq->post && rq->gzip_request && bodylen > 0) {
		if (gzip(t, body, bodylen) != PFX_OK)
			return (fail(t, HTTP_FAIL_OTHER,
			    "cannot compress request"));
		if ((t->extra = curl_slist_append(NULL,
		    "Content-Encoding: gzip")) == NULL)
			return (fail(t, HTTP_FAIL_OTHER, "out of memory"));
		body = (const char *)t->gz;
		bodylen = t->gzlen;
		t->extra->next = hdrs;
		hdrs = t->extra;
	}
	curl_easy_setopt(t->h, CURLOPT_URL, rq->url);
	curl_easy_setopt(t->h, CURLOPT_TIMEOUT_MS,
	    (long)(rq->timeout_ms > 0 ? rq->timeout_ms : 1));
	curl_easy_setopt(t->h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(t->h, CURLOPT_ACCEPT_ENCODING,
	    rq->gzip_response ? "gzip" : NULL);
	if (rq->post && rq->upload) {
		/* a message: streamed from its file, never held in memory */
		t->upload_fd = rq->upload_fd;
		t->upload_off = 0;
		t->upload_len = rq->upload_len;
		curl_easy_setopt(t->h, CURLOPT_POST, 1L);
		curl_easy_setopt(t->h, CURLOPT_POSTFIELDS, NULL);
		curl_easy_setopt(t->h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)rq->upload_len);
		curl_easy_setopt(t->h, CURLOPT_READFUNCTION, upload_read);
		curl_easy_setopt(t->h, CURLOPT_READDATA, t);
	} else if (rq->post) {
		curl_easy_setopt(t->h, CURLOPT_POST, 1L);
		curl_easy_setopt(t->h, CURLOPT_READFUNCTION, NULL);
		curl_easy_setopt(t->h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(t->h, CURLOPT_POSTFIELDSIZE, (long)bodylen);
	} else
		curl_easy_setopt(t->h, CURLOPT_HTTPGET, 1L);
	return (PFX_OK);
}

int
transfer_finish(struct transfer *t, CURLcode cc)
{
	/* the compressed request body may have held a password */
	if (t->gz != NULL)
		explicit_bzero(t->gz, t->gzlen);
	enum http_failure f;

	curl_easy_setopt(t->h, CURLOPT_HTTPHEADER, NULL);
	if (cc == CURLE_OK) {
		curl_easy_getinfo(t->h, CURLINFO_RESPONSE_CODE,
		    &t->resp.status);
		return (http_response_decode(&t->resp));
	}
	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT:
		f = HTTP_FAIL_TIMEOUT;
		break;
	case CURLE_WRITE_ERROR:
		f = HTTP_FAIL_TOOBIG;
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
		f = HTTP_FAIL_CONNECT;
		break;
	default:
		f = HTTP_FAIL_OTHER;
		break;
	}
	return (fail(t, f, curl_easy_strerror(cc)));
}

int
transfer_perform(struct transfer *t, const struct http_request *rq)
{
	int	 r;

	if ((r = transfer_prepare(t, rq)) != PFX_OK)
		return (r);
	return (transfer_finish(t, curl_easy_perform(t->h)));
}
