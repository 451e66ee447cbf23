/*
 * kind_sasl.c - Dovecot SASL password checks (dovecot_sasl, "sasl NAME")
 *
 * A request is one login: the attributes are the fields of Nauthilus's
 * /api/v1/auth/json (username, password, protocol, method, client_ip,
 * local_ip, local_port, ssl), present only when known, so the default
 * payload {{ .Key }} is the JSON Nauthilus's strict schema takes.  The
 * answer is read from the status and two headers, never the body:
 * status_code is success (Auth-User, when sent, is the account); a 4xx
 * is a failed login (Auth-Status its reason, when it is fit for a
 * client); 408, 425, 429 and 5xx are temporary.  Logins are never
 * cached and never share a backend call.
 *
 * Token logins (XOAUTH2, OAUTHBEARER) carry "token" instead of
 * "password" and are checked by pfxhttp-tokend against the IdP, not here.
 */
#include <string.h>

#include "conf.h"
#include "err.h"
#include "kind.h"

static const char *const attrs[] = {
	"username", "password", "protocol", "method", "client_ip",
	"local_ip", "local_port", "ssl",
};

static const char *const own_keys[] = {
	"mechanisms", "allow_authzid", "temporary_failure",
	"default_local_port", "failure_delay", "sasl_oidc_auth", NULL,
};

static const char *const ignored_keys[] = {
	"value_field", "error_field", "no_error_value", "error_is_permanent",
	NULL,
};

static const char *const required_vars[] = { "username", "password", NULL };

static const char *const response_headers[] = {
	"Auth-User", "Auth-Status", NULL,
};
#define HDR_USER	0
#define HDR_STATUS	1

#define SAFE_REASON_MAX	128

/*
 * reason_ok - may a backend's Auth-Status reach the SMTP client?  Short
 * printable ASCII that names no URL: the text is shown in the 535 reply
 */
static int
reason_ok(const char *r)
{
	size_t	 i, n = strlen(r);

	if (n == 0 || n > SAFE_REASON_MAX || strstr(r, "://") != NULL)
		return (0);
	for (i = 0; i < n; i++)
		if ((unsigned char)r[i] < 0x20 || (unsigned char)r[i] > 0x7e)
			return (0);
	return (1);
}

static void
sasl_map_answer(const struct conf_entry *e, long status,
    const char *const *hdr, struct pfx_result *res)
{
	const char *st = hdr[HDR_STATUS];

	if (status == e->status_code) {
		/* the codec checks the name and falls back to the login */
		result_set(res, PFX_FOUND, hdr[HDR_USER] != NULL ?
		    hdr[HDR_USER] : "");
		return;
	}
	if (status >= 400 && status < 500 && status != 408 && status != 425 &&
	    status != 429) {
		/* a failed login; no reason (as Dovecot) unless one is sent */
		result_set(res, PFX_NOTFOUND, st == NULL ? "" : reason_ok(st) ?
		    st : "Authentication failed");
		return;
	}
	result_set(res, PFX_TEMPFAIL, status >= 500 ? "backend failed" :
	    "unexpected status from the backend");
}

const struct kind kind_sasl = {
	.section = "dovecot_sasl",
	.word = "sasl",
	.takes_name = 1,
	.codec = &proto_dovecot,
	.attrs = attrs,
	.nattrs = sizeof(attrs) / sizeof(attrs[0]),
	.key_is_json = 1,
	.secret = 1,
	.default_payload = "{{ .Key }}",
	.own_keys = own_keys,
	.ignored_keys = ignored_keys,
	.ignored_why = "a password check reads the status and the Auth-User"
	    " and Auth-Status headers, never the body",
	.required_vars = required_vars,
	.what = "login",
	.key_hint = "{{ .Key }}, or both {{ .username }} and"
	    " {{ .password }},",
	.cache_key = kind_never_cache_key,
	.keep = kind_never_keep,
	.response_headers = response_headers,
	.map_answer = sasl_map_answer,
};
