/*
 * idpdoc.h - what tokend sends an IdP and reads in its answers
 * (discovery, token, introspection): the client secret, form fields, one
 * JSON object, its string members, endpoint URLs
 */
#ifndef PFX_IDPDOC_H
#define PFX_IDPDOC_H

#include <curl/curl.h>
#include <json-c/json.h>

#include "buf.h"
#include "conf.h"


/* idpdoc_object - the body as one JSON object (depth-limited), or NULL */
struct json_object *idpdoc_object(const struct buf *);
/* idpdoc_str - a string member, NULL when absent or not a string */
const char *idpdoc_str(struct json_object *, const char *name);
/*
 * idpdoc_scheme - 2 for https, 1 for http, 0 for anything else, and for
 * a URL with a space, a control or a non-ASCII byte (IdP text goes to
 * libcurl and to the log)
 */
int	 idpdoc_scheme(const char *url);

/* idpdoc_secret - the client secret, inline or from its file (wiped) */
int	 idpdoc_secret(const struct conf_oidc *, struct buf *out);
/* idpdoc_form_pair - "&name=value", the value form-url-encoded */
int	 idpdoc_form_pair(struct buf *, const char *name, const char *v,
	    size_t n);
/*
 * idpdoc_client_auth - tokend's client credentials for a token or an
 * introspection request: client_secret_basic as an Authorization header
 * in *hdrs, client_secret_post as form fields, any other method
 * client_id alone (private_key_jwt adds its assertion).  PFX_EIO when
 * the secret cannot be read; another error when a piece does not fit,
 * for a request cut short must not go out.
 */
int	 idpdoc_client_auth(const struct conf_oidc *, struct buf *form,
	    struct curl_slist **hdrs);

#define IDPDOC_BODY_MAX	(1024 * 1024)	/* an IdP's answer, at most */

/* one request to an IdP (discovery, JWKS, token, introspection) */
struct idp_request {
	const char	*url;
	long long	 timeout_ms;
	const struct buf *form;		/* NULL or empty: a GET */
	struct buf	*body;		/* the answer, made empty here */
	struct curl_slist **hdrs;	/* holds the caller's; more appended */
	void		*priv;		/* CURLOPT_PRIVATE */
};

/* idpdoc_start - the request under way on multi, or NULL */
CURL	*idpdoc_start(CURLM *, const struct conf *,
	    const struct idp_request *);

#endif
