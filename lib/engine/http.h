/*
 * http.h - one reusable libcurl handle per process
 *
 * Requests on one Postfix connection reuse the backend connection.
 * Response bodies are capped; redirects are not followed; only http and
 * https are allowed; TLS is verified unless explicitly disabled.
 */
#ifndef PFX_HTTP_H
#define PFX_HTTP_H

#include <stddef.h>

#include <curl/curl.h>

#include "buf.h"

struct conf;
struct curl_slist;

struct http_request {
	int		 post;
	const char	*url;
	const char	*body;
	size_t		 bodylen;
	struct curl_slist *headers;
	long long	 timeout_ms;
	int		 gzip_request;
	int		 gzip_response;
	const char *const *keep_headers;	/* NULL-terminated, or NULL */
	int		 upload;	/* the body is a file's: */
	int		 upload_fd;	/* ... this one's */
	long long	 upload_len;	/* ... first upload_len bytes */
};

#define HTTP_KEPT_MAX	4	/* headers a kind reads (Auth-User, ...) */
#define HTTP_KEPT_LEN	1025	/* an Auth-User as long as SASL_MAX_USER */
/* what a kept header too long to keep reads as: no safe name or reason */
#define HTTP_KEPT_OVERLONG	"\x01"


enum http_failure {
	HTTP_OK = 0,
	HTTP_FAIL_TIMEOUT,	/* no complete answer in time */
	HTTP_FAIL_CONNECT,	/* DNS, connect, TLS */
	HTTP_FAIL_TOOBIG,	/* body over max_response_size */
	HTTP_FAIL_OTHER,
};

struct http_response {
	long		 status;
	enum http_failure failure;
	struct buf	 body;		/* decoded: gzip is undone here */
	char		 content_type[128];	/* "" when absent */
	char		 content_encoding[32];
	const char *const *keep_names;	/* the request's keep_headers */
	char		 kept[HTTP_KEPT_MAX][HTTP_KEPT_LEN];
	unsigned int	 kept_set;	/* bit i: kept[i] was sent */
	char		 error[256];	/* for logs; no URL, no secrets */
};

typedef CURLcode (*http_setopt_fn)(CURL *, CURLoption, ...);

/* http_global_init - curl_global_init with memory wiped when freed */
int	 http_global_init(void);
/*
 * http_header_add - append one header line to a libcurl list; on failure
 * the list is as it was (curl_slist_append's NULL would lose it)
 */
int	 http_header_add(struct curl_slist **, const char *);
/* http_easy_new - a libcurl handle with pfxhttp's safe defaults */
CURL	*http_easy_new(const struct conf *, struct buf *body);
/* http_easy_options - apply those defaults through the given setopt */
void	 http_easy_options(CURL *, const struct conf *, struct buf *body,
	    http_setopt_fn);
size_t	 http_write_cb(char *, size_t, size_t, void *);
/*
 * http_slist_free_secret - wipe every header string of a list (libcurl's
 * copies of Authorization headers), then free it with the given function
 * (curl_slist_free_all, or tokend's dynamically loaded one)
 */
void	 http_slist_free_secret(struct curl_slist *,
	    void (*)(struct curl_slist *));

void	 http_response_init(struct http_response *, size_t max);
/* http_response_reset - empty again, for a request that keeps these
 * headers (NULL: none) */
void	 http_response_reset(struct http_response *,
	    const char *const *keep_names);
void	 http_response_free(struct http_response *);
/*
 * http_header_cb - CURLOPT_HEADERFUNCTION with a struct http_response:
 * keeps the final response's Content-Type and Content-Encoding, and
 * the headers keep_names lists
 */
size_t	 http_header_cb(char *, size_t, size_t, void *);
/* http_kept - a kept header's value, NULL when the response had none */
const char *http_kept(const struct http_response *, size_t i);
/*
 * http_response_decode - undo a gzip Content-Encoding (libcurl's own
 * decoding is off: it takes a truncated gzip stream for a whole one).
 * PFX_OK, or PFX_EHTTP with resp->failure set.
 */
int	 http_response_decode(struct http_response *);

#endif
