/*
 * kind_policy.c - policy delegation (policy_services, "policy NAME")
 *
 * A request is every attribute Postfix sent; .Key is all of them as one
 * JSON object, and each attribute Postfix 3.0 to 3.12 sends
 * (SMTPD_POLICY_README) is a template variable of its own.
 */
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "err.h"
#include "escape.h"
#include "kind.h"
#include "netstring.h"

static const char *const attrs[] = {
	"request", "protocol_state", "protocol_name", "helo_name",
	"queue_id", "sender", "recipient", "recipient_count",
	"client_address", "client_name", "reverse_client_name", "instance",
	"sasl_method", "sasl_username", "sasl_sender", "size",
	"ccert_subject", "ccert_issuer", "ccert_fingerprint",
	"ccert_pubkey_fingerprint", "encryption_protocol",
	"encryption_cipher", "encryption_keysize", "etrn_domain", "stress",
	"client_port", "policy_context", "server_address", "server_port",
	"compatibility_level", "mail_version", "tls_sni",
};

static const char *const own_keys[] = {
	"default_action", "not_found_action", "cache_key_attributes", NULL,
};

/* query - every attribute, in the order Postfix sent them */
static int
policy_query(struct buf *u, const struct conf_entry *e,
    const struct pfx_req *req)
{
	size_t	 i;
	int	 r;

	(void)e;
	for (i = 0; i < req->nattrs; i++)
		if ((i > 0 && (r = buf_putc(u, '&')) != PFX_OK) ||
		    (r = escape_url(u, req->attrs[i].name,
		    strlen(req->attrs[i].name))) != PFX_OK ||
		    (r = buf_putc(u, '=')) != PFX_OK ||
		    (r = escape_url(u, req->attrs[i].value,
		    req->attrs[i].valuelen)) != PFX_OK)
			return (r);
	return (PFX_OK);
}

/*
 * key_attr - name and value as two netstrings: a value holding "=" or a
 * line break (a tokend peer may send one) cannot pass for another
 * attribute, so no request can take another one's cached answer
 */
static int
key_attr(struct buf *k, const char *name, const char *v, size_t n)
{
	int	 r;

	if ((r = ns_encode(k, name, strlen(name))) != PFX_OK)
		return (r);
	return (ns_encode(k, v, n));
}

/*
 * cache_key - every attribute the backend sees (all of them, as
 * received), or those the templates or cache_key_attributes name
 */
static int
policy_cache_key(const struct conf_entry *e, const struct pfx_req *req,
    struct buf *k)
{
	unsigned int i;
	size_t	 n;
	const char *v;
	int	 r = PFX_OK;

	if (e->cache_all_attrs) {
		for (n = 0; n < req->nattrs && r == PFX_OK; n++)
			r = key_attr(k, req->attrs[n].name,
			    req->attrs[n].value, req->attrs[n].valuelen);
		return (r);
	}
	for (i = 0; i < kind_policy.nattrs && r == PFX_OK; i++) {
		if (!(e->cache_attrs & (1ULL << i)))
			continue;
		if ((v = pfx_req_get(req, attrs[i], &n)) == NULL)
			v = "";
		r = key_attr(k, attrs[i], v, n);
	}
	return (r);
}

/*
 * keep - a definitive action is kept, except those that say "ask
 * again" (DEFER, 4xx); DUNNO is the backend's "nothing": it replaces
 * an older positive
 */
static enum keep
policy_keep(const struct conf_entry *e, const struct pfx_result *res)
{
	static const char *const soft[] = { "DEFER", "4" };
	size_t	 i;

	(void)e;
	if (res->verdict == PFX_NOTFOUND)
		return (KEEP_FORGET);
	if (res->verdict != PFX_FOUND)
		return (KEEP_NONE);
	if (strncasecmp(buf_str(&res->value), "DUNNO", 5) == 0)
		return (KEEP_FORGET);
	for (i = 0; i < sizeof(soft) / sizeof(soft[0]); i++)
		if (strncasecmp(buf_str(&res->value), soft[i],
		    strlen(soft[i])) == 0)
			return (KEEP_NONE);
	return (KEEP_STORE);
}

/* map_status - a 404 from a policy URL is most likely a wrong target */
static int
policy_map_status(const struct conf_entry *e, long status,
    struct pfx_result *res)
{
	if (status != 404)
		return (0);
	if (e->not_found_action != NULL)
		result_set(res, PFX_FOUND, e->not_found_action);
	else
		/* not a silent DUNNO: the failure answer, and a warning */
		result_set(res, PFX_PERMFAIL, "backend answered HTTP 404; a"
		    " wrong target? (see not_found_action)");
	return (1);
}

const struct kind kind_policy = {
	.section = "policy_services",
	.word = "policy",
	.takes_name = 1,
	.codec = &proto_policy,
	.attrs = attrs,
	.nattrs = sizeof(attrs) / sizeof(attrs[0]),
	.key_is_json = 1,
	.rid_attr = "queue_id",
	.default_payload = "{{ .Key }}",
	.default_action = "DEFER_IF_PERMIT Service temporarily unavailable",
	.own_keys = own_keys,
	.what = "request",
	.key_hint = "{{ .Key }} or an attribute such as {{ .recipient }}",
	.query = policy_query,
	.cache_key = policy_cache_key,
	.keep = policy_keep,
	.map_status = policy_map_status,
};
