/*
 * idpdoc.c - an IdP's JSON answers, read the same way everywhere
 */
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "err.h"
#include "escape.h"
#include "http.h"
#include "io.h"

#include "idpdoc.h"

#define IDPDOC_DEPTH	32
#define SECRET_FILE_MAX	4096

struct json_object *
idpdoc_object(const struct buf *b)
{
	struct json_tokener *tok;
	struct json_object *j = NULL;

	if (b->len == 0 || b->len > 0x7fffffff ||
	    (tok = json_tokener_new_ex(IDPDOC_DEPTH)) == NULL)
		return (NULL);
	j = json_tokener_parse_ex(tok, b->data, (int)b->len);
	if (j != NULL && !json_object_is_type(j, json_type_object)) {
		json_object_put(j);
		j = NULL;
	}
	json_tokener_free(tok);
	return (j);
}

const char *
idpdoc_str(struct json_object *j, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(j, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return (NULL);
	return (json_object_get_string(v));
}

int
idpdoc_scheme(const char *u)
{
	const unsigned char *p;

	for (p = (const unsigned char *)u; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return (0);
	if (strncasecmp(u, "https://", 8) == 0)
		return (2);
	if (strncasecmp(u, "http://", 7) == 0)
		return (1);
	return (0);
}

int
idpdoc_secret(const struct conf_oidc *cfg, struct buf *out)
{
	struct buf tmp;
	size_t	 len;
	int	 r;

	if (cfg->client_secret != NULL)
		return (buf_puts(out, cfg->client_secret));
	if (cfg->client_secret_file == NULL)
		return (PFX_EINVAL);
	buf_init(&tmp, SECRET_FILE_MAX);
	if ((r = io_read_file(cfg->client_secret_file, &tmp)) == PFX_OK) {
		/* a trailing newline is not part of the secret */
		for (len = tmp.len; len > 0 &&
		    strchr("\r\n \t", tmp.data[len - 1]) != NULL; len--)
			;
		r = len == 0 ? PFX_EINVAL : buf_append(out, tmp.data, len);
	}
	buf_free_secret(&tmp);
	return (r);
}

int
idpdoc_form_pair(struct buf *f, const char *name, const char *v, size_t n)
{
	int	 r;

	if ((f->len > 0 && (r = buf_putc(f, '&')) != PFX_OK) ||
	    (r = buf_puts(f, name)) != PFX_OK ||
	    (r = buf_putc(f, '=')) != PFX_OK)
		return (r);
	return (escape_url(f, v, n));
}

/* basic_header - RFC 6749 2.3.1: both parts form-encoded, then base64 */

static int
basic_header(const struct conf_oidc *cfg, const struct buf *secret,
    struct curl_slist **hdrs)
{
	struct buf cred, hdr;
	int	 r;

	buf_init(&cred, 16384);
	buf_init(&hdr, 32768);
	if ((r = escape_url(&cred, cfg->client_id, strlen(cfg->client_id))) ==
	    PFX_OK && (r = buf_putc(&cred, ':')) == PFX_OK &&
	    (r = escape_url(&cred, secret->data, secret->len)) == PFX_OK &&
	    (r = buf_puts(&hdr, "Authorization: Basic ")) == PFX_OK &&
	    (r = base64_encode(&hdr, cred.data, cred.len, 0)) == PFX_OK)
		r = http_header_add(hdrs, hdr.data);
	buf_free_secret(&cred);
	buf_free_secret(&hdr);
	return (r);
}

int
idpdoc_client_auth(const struct conf_oidc *cfg, struct buf *form,
    struct curl_slist **hdrs)
{
	struct buf secret;
	int	 r;

	if (cfg->method != OIDC_CLIENT_SECRET_BASIC &&
	    cfg->method != OIDC_CLIENT_SECRET_POST)
		return (idpdoc_form_pair(form, "client_id", cfg->client_id,
		    strlen(cfg->client_id)));
	buf_init(&secret, 4096);
	if (idpdoc_secret(cfg, &secret) != PFX_OK)
		r = PFX_EIO;
	else if (cfg->method == OIDC_CLIENT_SECRET_BASIC)
		r = basic_header(cfg, &secret, hdrs);
	else if ((r = idpdoc_form_pair(form, "client_id", cfg->client_id,
	    strlen(cfg->client_id))) == PFX_OK)
		r = idpdoc_form_pair(form, "client_secret", secret.data,
		    secret.len);
	buf_free_secret(&secret);
	return (r);
}

CURL *
idpdoc_start(CURLM *multi, const struct conf *c, const struct idp_request *rq)
{
	int	 post = rq->form != NULL && rq->form->len > 0;
	CURL	*h;

	buf_free_secret(rq->body);
	buf_init(rq->body, IDPDOC_BODY_MAX);
	if ((h = http_easy_new(c, rq->body)) == NULL)
		return (NULL);
	if (http_header_add(rq->hdrs, "Accept: application/json") != PFX_OK ||
	    (post && http_header_add(rq->hdrs, "Content-Type:"
	    " application/x-www-form-urlencoded") != PFX_OK)) {
		curl_easy_cleanup(h);
		return (NULL);
	}
	curl_easy_setopt(h, CURLOPT_URL, rq->url);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(rq->timeout_ms > 0 ?
	    rq->timeout_ms : 1));
	curl_easy_setopt(h, CURLOPT_PRIVATE, rq->priv);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->http.user_agent != NULL ?
	    c->http.user_agent : "pfxhttp-tokend/" PFXHTTP_VERSION);
	if (post) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->form->data);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)rq->form->len);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *rq->hdrs);
	if (curl_multi_add_handle(multi, h) != CURLM_OK) {
		curl_easy_cleanup(h);
		return (NULL);
	}
	return (h);
}
