/*
 * http_options.c - the libcurl options every pfxhttp request shares
 *
 * DESCRIPTION
 *	Free of direct libcurl calls (the caller passes its setopt), so
 *	that every handle, whoever makes it, gets the same options.
 *
 * SECURITY
 *	Only http and https; no redirects; the proxy is always set (to ""
 *	when none is configured) so environment variables are ignored; TLS
 *	is verified unless skip_verify is set with tls.enabled.
 */
#include <string.h>

#include "conf.h"
#include "err.h"
#include "http.h"

/* http_write_cb - collect the body, refusing to grow past its limit */

size_t
http_write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct buf *body = arg;

	(void)size;		/* documented to be 1 */
	if (buf_append(body, p, nmemb) != PFX_OK)
		return (0);	/* curl fails with CURLE_WRITE_ERROR */
	return (nmemb);
}

void
http_slist_free_secret(struct curl_slist *list,
    void (*free_all)(struct curl_slist *))
{
	struct curl_slist *l;

	for (l = list; l != NULL; l = l->next)
		if (l->data != NULL)
			explicit_bzero(l->data, strlen(l->data));
	free_all(list);
}

void
http_easy_options(CURL *h, const struct conf *c, struct buf *body,
    http_setopt_fn setopt)
{
	setopt(h, CURLOPT_NOSIGNAL, 1L);
	setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	/* no dot-segment removal: a templated key must not pick the path */
	setopt(h, CURLOPT_PATH_AS_IS, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	setopt(h, CURLOPT_PROXY, c->http.proxy != NULL ? c->http.proxy : "");
	setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)c->http.connect_timeout_ms);
	if (c->http.idle_connection_timeout_ms > 0)
		setopt(h, CURLOPT_MAXAGE_CONN,
		    (long)(c->http.idle_connection_timeout_ms / 1000));
	setopt(h, CURLOPT_WRITEFUNCTION, http_write_cb);
	setopt(h, CURLOPT_WRITEDATA, body);
	setopt(h, CURLOPT_TCP_NODELAY, 1L);
	if (!c->tls.enabled)
		return;
	if (c->tls.root_ca != NULL)
		setopt(h, CURLOPT_CAINFO, c->tls.root_ca);
	if (c->tls.cert != NULL) {
		setopt(h, CURLOPT_SSLCERT, c->tls.cert);
		setopt(h, CURLOPT_SSLKEY, c->tls.key);
	}
	if (c->tls.skip_verify) {
		setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}
