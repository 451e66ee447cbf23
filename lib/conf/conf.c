/*
 * conf.c - load, validate and compile pfxhttp.conf
 *
 * DESCRIPTION
 *	A table per group lists every accepted key with its type and place
 *	in the structs of conf.h.  Every member of every group is checked
 *	against its table, so unknown keys and wrong types are refused with
 *	the file and line libconfig recorded.  Each section may hold a
 *	"defaults" entry: it is applied first, then the entry itself, so an
 *	entry can override any default either way (custom_headers add up).
 *
 * SEE ALSO
 *	pfxhttp.conf(5), libconfig
 */
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend_check.h"
#include "base64.h"
#include "conf.h"
#include "duration.h"
#include "err.h"
#include "jpath.h"
#include "jsonscan.h"
#include "kind.h"
#include "listenaddr.h"
#include "log.h"
#include "proto.h"
#include "sasl_mech.h"
#include "template.h"
#include "xalloc.h"

enum ktype { KT_STR, KT_BOOL, KT_INT, KT_DUR, KT_STRLIST, KT_STRLIST_ADD,
    KT_ARGV, KT_GROUP, KT_UNUSED };

struct keydef {
	const char	*name;
	enum ktype	 type;
	size_t		 off;
	size_t		 countoff;	/* KT_STRLIST: the size_t count */
	const struct keydef *sub;	/* KT_GROUP */
	long long	 min, max;
	const char	*why;		/* KT_UNUSED */
};

#define END	{ NULL, 0, 0, 0, NULL, 0, 0, NULL }
#define STR(s, f)	{ #f, KT_STR, offsetof(s, f), 0, NULL, 0, 0, NULL }
#define BOOL(s, f)	{ #f, KT_BOOL, offsetof(s, f), 0, NULL, 0, 0, NULL }
#define INT(s, f, lo, hi) { #f, KT_INT, offsetof(s, f), 0, NULL, lo, hi, NULL }
#define DUR(k, s, f, lo, hi) { k, KT_DUR, offsetof(s, f), 0, NULL, lo, hi, NULL }
#define LIST(s, f)	{ #f, KT_STRLIST, offsetof(s, f), \
			    offsetof(s, n##f), NULL, 0, 0, NULL }
#define ARGV(s, f)	{ #f, KT_ARGV, offsetof(s, f), \
			    offsetof(s, n##f), NULL, 0, 0, NULL }
#define LIST_ADD(s, f)	{ #f, KT_STRLIST_ADD, offsetof(s, f), \
			    offsetof(s, n##f), NULL, 0, 0, NULL }
#define GROUP(k, s, f, t) { k, KT_GROUP, offsetof(s, f), 0, t, 0, 0, NULL }
#define UNUSED(k, w)	{ k, KT_UNUSED, 0, 0, NULL, 0, 0, w }

#define SPAWN_OWNS_SOCKET \
	"is not used: Postfix spawn(8) owns the listening socket"

struct logging_conf {
	char		*level;
};

struct server_conf {
	struct logging_conf logging;
	struct conf	*c;
};

#define NO_OWN_LOG \
	"is not used: pfxhttp logs to syslog (facility mail), which the" \
	" journal also collects; remove it"
#define NO_POOL \
	"is not used: pfxhttp-tokend keeps idle connections up to" \
	" idle_connection_timeout, at most max_connections_per_host per" \
	" host; remove it"

static const struct keydef logging_keys[] = {
	STR(struct logging_conf, level),
	UNUSED("json", NO_OWN_LOG),
	UNUSED("use_systemd", NO_OWN_LOG),
	END
};

static const struct keydef tls_keys[] = {
	BOOL(struct conf_tls, enabled),
	BOOL(struct conf_tls, skip_verify),
	STR(struct conf_tls, root_ca),
	STR(struct conf_tls, cert),
	STR(struct conf_tls, key),
	END
};

#define MAX_DUR	(1000LL * 3600)
/* Postfix waits 100s for a table or policy answer; keep a margin */
#define POSTFIX_WAIT_MS	(90LL * 1000)
static const struct keydef http_keys[] = {
	DUR("timeout", struct conf_http, timeout_ms, 1, MAX_DUR),
	DUR("connect_timeout", struct conf_http, connect_timeout_ms, 1,
	    MAX_DUR),
	DUR("idle_connection_timeout", struct conf_http,
	    idle_connection_timeout_ms, 1000, MAX_DUR),
	STR(struct conf_http, proxy),
	INT(struct conf_http, max_response_size, 1024, 1LL << 30),
	STR(struct conf_http, user_agent),
	INT(struct conf_http, max_connections_per_host, 1, 16384),
	UNUSED("max_idle_connections", NO_POOL),
	UNUSED("max_idle_connections_per_host", NO_POOL),
	END
};

static const struct keydef metrics_auth_keys[] = {
	STR(struct conf_metrics_auth, username),
	STR(struct conf_metrics_auth, password),
	STR(struct conf_metrics_auth, password_file),
	END
};

static const struct keydef metrics_keys[] = {
	STR(struct conf_metrics, listen),
	GROUP("basic_auth", struct conf_metrics, basic_auth, metrics_auth_keys),
	END
};

static const struct keydef tokend_keys[] = {
	STR(struct conf_tokend, socket),
	STR(struct conf_tokend, mode),
	STR(struct conf_tokend, group),
	LIST(struct conf_tokend, allowed_users),
	LIST(struct conf_tokend, allowed_groups),
	DUR("timeout", struct conf_tokend, timeout_ms, 10, 60000),
	GROUP("metrics", struct conf_tokend, metrics, metrics_keys),
	END
};

static const struct keydef cache_keys[] = {
	BOOL(struct conf_cache, enabled),
	DUR("ttl", struct conf_cache, ttl_ms, 1000, 168LL * 3600 * 1000),
	INT(struct conf_cache, max_entries, 1, 100000000),
	INT(struct conf_cache, max_bytes, 4096, 1LL << 40),
	BOOL(struct conf_cache, serve_fresh),
	DUR("fresh_ttl", struct conf_cache, fresh_ttl_ms, 1000,
	    168LL * 3600 * 1000),
	DUR("negative_ttl", struct conf_cache, negative_ttl_ms, 0,
	    168LL * 3600 * 1000),
	END
};

static const struct keydef oidc_keys[] = {
	BOOL(struct conf_oidc, enabled),
	STR(struct conf_oidc, configuration_uri),
	STR(struct conf_oidc, client_id),
	STR(struct conf_oidc, client_secret),
	STR(struct conf_oidc, client_secret_file),
	STR(struct conf_oidc, private_key_file),
	STR(struct conf_oidc, private_key_id),
	STR(struct conf_oidc, signing_alg),
	STR(struct conf_oidc, auth_method),
	LIST(struct conf_oidc, scopes),
	END
};

/* sasl_oidc_auth: pfxhttp's keys (the client's), then what is checked */
#define SO_CLIENT(k, t, f) { k, t, offsetof(struct conf_sasl_oidc, client.f), \
			    0, NULL, 0, 0, NULL }
static const struct keydef sasl_oidc_keys[] = {
	SO_CLIENT("enabled", KT_BOOL, enabled),
	SO_CLIENT("configuration_uri", KT_STR, configuration_uri),
	SO_CLIENT("client_id", KT_STR, client_id),
	SO_CLIENT("client_secret", KT_STR, client_secret),
	SO_CLIENT("client_secret_file", KT_STR, client_secret_file),
	SO_CLIENT("auth_method", KT_STR, auth_method),
	{ "scopes", KT_STRLIST, offsetof(struct conf_sasl_oidc, client.scopes),
	    offsetof(struct conf_sasl_oidc, client.nscopes), NULL, 0, 0, NULL },
	STR(struct conf_sasl_oidc, validation),
	DUR("jwks_cache_ttl", struct conf_sasl_oidc, jwks_cache_ttl_ms,
	    60 * 1000, 168LL * 3600 * 1000),
	STR(struct conf_sasl_oidc, account_claim),
	LIST(struct conf_sasl_oidc, audience),
	LIST(struct conf_sasl_oidc, client_ids),
	DUR("leeway", struct conf_sasl_oidc, leeway_ms, 0, 600 * 1000),
	BOOL(struct conf_sasl_oidc, require_user_match),
	DUR("introspection_cache_ttl", struct conf_sasl_oidc,
	    introspection_cache_ttl_ms, 0, 3600 * 1000),
	END
};

static const struct keydef conf_server_keys[] = {
	GROUP("tls", struct conf, tls, tls_keys),
	GROUP("tokend", struct conf, tokend, tokend_keys),
	GROUP("response_cache", struct conf, cache, cache_keys),
	GROUP("http_client", struct conf, http, http_keys),
	INT(struct conf, socketmap_max_reply_size, 16, 1000000000),
	DUR("idle_timeout", struct conf, idle_timeout_ms, 1000,
	    1000LL * 86400),
	END
};

static const struct keydef server_keys[] = {
	GROUP("logging", struct server_conf, logging, logging_keys),
	UNUSED("listen", SPAWN_OWNS_SOCKET),
	UNUSED("worker_pool", "is not used: each Postfix connection has"
	    " its own pfxhttp-spawn process"),
	UNUSED("chroot", "is not used: set user= in master.cf instead"),
	UNUSED("run_as_user", "is not used: set user= in master.cf instead"),
	UNUSED("run_as_group", "is not used: set user= in master.cf instead"),
	END
};

static const struct keydef entry_keys[] = {
	STR(struct conf_entry, target),
	STR(struct conf_entry, method),
	LIST_ADD(struct conf_entry, custom_headers),
	STR(struct conf_entry, payload),
	STR(struct conf_entry, content_type),
	INT(struct conf_entry, status_code, 100, 599),
	STR(struct conf_entry, value_field),
	STR(struct conf_entry, error_field),
	STR(struct conf_entry, no_error_value),
	DUR("timeout", struct conf_entry, timeout_ms, 1, MAX_DUR),
	BOOL(struct conf_entry, http_request_compression),
	BOOL(struct conf_entry, http_response_compression),
	STR(struct conf_entry, auth_token),
	STR(struct conf_entry, http_auth_basic),
	STR(struct conf_entry, default_action),
	STR(struct conf_entry, not_found_action),
	BOOL(struct conf_entry, error_is_permanent),
	GROUP("backend_oidc_auth", struct conf_entry, backend_oidc_auth,
	    oidc_keys),
	BOOL(struct conf_entry, cache),
	LIST(struct conf_entry, cache_key_attributes),
	STR(struct conf_entry, request_id_header),
	DUR("slow_request", struct conf_entry, slow_request_ms, 0, MAX_DUR),
	LIST(struct conf_entry, mechanisms),
	BOOL(struct conf_entry, allow_authzid),
	STR(struct conf_entry, temporary_failure),
	STR(struct conf_entry, default_local_port),
	DUR("failure_delay", struct conf_entry, failure_delay_ms, 0,
	    SASL_MAX_FAILURE_DELAY_MS),
	GROUP("sasl_oidc_auth", struct conf_entry, sasl_oidc_auth,
	    sasl_oidc_keys),
	STR(struct conf_entry, downstream),
	ARGV(struct conf_entry, command),
	LIST(struct conf_entry, environment),
	STR(struct conf_entry, command_mode),
	INT(struct conf_entry, max_processes, 1, CHECK_MAX_PROCESSES),
	STR(struct conf_entry, tempdir),
	INT(struct conf_entry, max_message_size, 1024, 1LL << 40),
	STR(struct conf_entry, on_failure),
	STR(struct conf_entry, reply_field),
	STR(struct conf_entry, message_field),
	END
};

#define SECTION(k)	(kinds[k]->section)

struct loader {
	const char	*path;
	char		*err;
	size_t		 errlen;
	int		 flags;
	const config_setting_t *ent;	/* the entry being compiled */
	const config_setting_t *defs;	/* its section's defaults, or NULL */
	struct conf	*c;
	char		 dir[4096];	/* the config file's directory */
	const char	*inline_secret;	/* a secret key set in the file */
};

__attribute__((format(printf, 3, 4)))
static int
conf_error(struct loader *L, const config_setting_t *s, const char *fmt, ...)
{
	char	 msg[512];
	const char *file = NULL;
	int	 line = 0;
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s != NULL) {
		file = config_setting_source_file(s);
		line = (int)config_setting_source_line(s);
	}
	if (file == NULL)
		file = L->path;
	if (line > 0)
		snprintf(L->err, L->errlen, "%s:%d: %s", file, line, msg);
	else
		snprintf(L->err, L->errlen, "%s: %s", file, msg);
	return (PFX_ECONFIG);
}

static const char *
type_word(enum ktype t)
{
	switch (t) {
	case KT_STR:
		return ("a string");
	case KT_BOOL:
		return ("true or false");
	case KT_INT:
		return ("an integer");
	case KT_DUR:
		return ("a duration string such as \"500ms\", \"30s\" or"
		    " \"5m\"");
	case KT_STRLIST:
	case KT_STRLIST_ADD:
		return ("a list of strings");
	case KT_ARGV:
		return ("a list of strings (program and arguments), or one"
		    " string for /bin/sh -c");
	case KT_GROUP:
		return ("a group { ... }");
	case KT_UNUSED:
		break;
	}
	return ("?");
}

static int apply_group(struct loader *, const config_setting_t *,
    const char *, const struct keydef *, void *);

/* apply_member - check one setting against its table and store it */

static int
apply_member(struct loader *L, const config_setting_t *m, const char *path,
    const struct keydef *schema, void *base)
{
	const config_setting_t *el;
	const struct keydef *kd;
	const char *name = config_setting_name(m);
	char	 sub[256];
	char	**list, ***listp;
	size_t	*countp;
	long long v;
	int	 j, type;

	for (kd = schema; kd->name != NULL; kd++)
		if (strcmp(kd->name, name) == 0)
			break;
	if (kd->name == NULL)
		return (conf_error(L, m, "unknown setting \"%s\" in %s", name,
		    path));
	if (kd->type == KT_UNUSED)
		return (conf_error(L, m, "%s.%s %s", path, name, kd->why));
	type = config_setting_type(m);
	switch (kd->type) {
	case KT_STR:
		if (type != CONFIG_TYPE_STRING)
			break;
		free(*(char **)((char *)base + kd->off));
		*(char **)((char *)base + kd->off) =
		    xstrdup(config_setting_get_string(m));
		return (PFX_OK);
	case KT_BOOL:
		if (type != CONFIG_TYPE_BOOL)
			break;
		*(int *)((char *)base + kd->off) = config_setting_get_bool(m);
		return (PFX_OK);
	case KT_INT:
		if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
			break;
		v = config_setting_get_int64(m);
		if (v < kd->min || v > kd->max)
			return (conf_error(L, m, "%s.%s must be between %lld"
			    " and %lld", path, name, kd->min, kd->max));
		*(long long *)((char *)base + kd->off) = v;
		return (PFX_OK);
	case KT_DUR:
		if (type != CONFIG_TYPE_STRING)
			break;
		v = duration_parse(config_setting_get_string(m));
		if (v < 0)
			return (conf_error(L, m, "%s.%s: \"%s\" is not a"
			    " duration (use e.g. \"500ms\", \"30s\", \"5m\")",
			    path, name, config_setting_get_string(m)));
		if (v < kd->min || v > kd->max)
			return (conf_error(L, m, "%s.%s is out of range"
			    " (%lldms..%lldms)", path, name, kd->min,
			    kd->max));
		*(long long *)((char *)base + kd->off) = v;
		return (PFX_OK);
	case KT_ARGV:
		listp = (char ***)((char *)base + kd->off);
		countp = (size_t *)((char *)base + kd->countoff);
		if (type == CONFIG_TYPE_STRING) {
			/* as postprox: a string is a shell command */
			while (*countp > 0)
				free((*listp)[--*countp]);
			*listp = xreallocarray(*listp, 3, sizeof(char *));
			(*listp)[0] = xstrdup("/bin/sh");
			(*listp)[1] = xstrdup("-c");
			(*listp)[2] = xstrdup(config_setting_get_string(m));
			*countp = 3;
			return (PFX_OK);
		}
		if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
			break;
		while (*countp > 0)
			free((*listp)[--*countp]);
		goto strlist;
	case KT_STRLIST:
	case KT_STRLIST_ADD:
		if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
			break;
		listp = (char ***)((char *)base + kd->off);
		countp = (size_t *)((char *)base + kd->countoff);
		if (kd->type == KT_STRLIST) {
			while (*countp > 0)
				free((*listp)[--*countp]);
		}
	strlist:
		for (j = 0; j < config_setting_length(m); j++) {
			el = config_setting_get_elem(m, (unsigned)j);
			if (config_setting_type(el) != CONFIG_TYPE_STRING)
				return (conf_error(L, m, "%s.%s must be %s",
				    path, name, type_word(kd->type)));
			list = xreallocarray(*listp, *countp + 1,
			    sizeof(char *));
			list[(*countp)++] =
			    xstrdup(config_setting_get_string(el));
			*listp = list;
		}
		return (PFX_OK);
	case KT_GROUP:
		if (type != CONFIG_TYPE_GROUP)
			break;
		snprintf(sub, sizeof(sub), "%s.%s", path, name);
		return (apply_group(L, m, sub, kd->sub,
		    (char *)base + kd->off));
	case KT_UNUSED:
		break;
	}
	return (conf_error(L, m, "%s.%s must be %s", path, name,
	    type_word(kd->type)));
}

static int
apply_group(struct loader *L, const config_setting_t *grp, const char *path,
    const struct keydef *schema, void *base)
{
	int	 i, n, r;

	n = config_setting_length(grp);
	for (i = 0; i < n; i++)
		if ((r = apply_member(L, config_setting_get_elem(grp,
		    (unsigned)i), path, schema, base)) != PFX_OK)
			return (r);
	return (PFX_OK);
}

/* free every string a schema owns in base */

static void
free_group(const struct keydef *schema, void *base)
{
	const struct keydef *kd;
	char	**list;
	size_t	 i, n;

	for (kd = schema; kd->name != NULL; kd++) {
		switch (kd->type) {
		case KT_STR:
			/* any string may be a secret */
			free_secret(*(char **)((char *)base + kd->off));
			break;
		case KT_STRLIST:
		case KT_STRLIST_ADD:
		case KT_ARGV:
			list = *(char ***)((char *)base + kd->off);
			n = *(size_t *)((char *)base + kd->countoff);
			for (i = 0; i < n; i++)
				free(list[i]);
			free(list);
			break;
		case KT_GROUP:
			free_group(kd->sub, (char *)base + kd->off);
			break;
		default:
			break;
		}
	}
}

/* sample values used to check that a payload renders to valid JSON */

static int
sample_value(int id, struct tmpl_value *v, void *arg)
{
	v->json = id == VAR_KEY && kinds[*(enum conf_kind *)arg]->key_is_json;
	v->p = v->json ? "{\"request\":\"smtpd_access_policy\"}" :
	    "sample \"value\"";
	v->n = strlen(v->p);
	return (PFX_OK);
}

static enum tmpl_ctx
body_ctx(const char *content_type)
{
	if (strncasecmp(content_type, "application/json", 16) == 0 ||
	    strstr(content_type, "+json") != NULL)
		return (TMPL_JSON);
	if (strncasecmp(content_type, "application/x-www-form-urlencoded",
	    33) == 0)
		return (TMPL_FORM);
	return (TMPL_TEXT);
}

/* url_has_space - whitespace outside "{{ ... }}" references */

static int
url_has_space(const char *s)
{
	const char *end;

	while (*s != '\0') {
		if (s[0] == '{' && s[1] == '{' &&
		    (end = strstr(s + 2, "}}")) != NULL) {
			if (strpbrk(s, "\r\n") != NULL &&
			    strpbrk(s, "\r\n") < end)
				return (1);
			s = end + 2;
			continue;
		}
		if (strchr(" \t\r\n", *s) != NULL)
			return (1);
		s++;
	}
	return (0);
}

static int
has_crlf(const char *s)
{
	return (strpbrk(s, "\r\n") != NULL);
}

__attribute__((format(printf, 2, 3)))
static void
conf_warn(struct loader *L, const char *fmt, ...)
{
	struct conf *c = L->c;
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->warnings = xreallocarray(c->warnings, c->nwarnings + 1,
	    sizeof(char *));
	c->warnings[c->nwarnings++] = xstrdup(msg);
}

/* abs_path - a relative path means relative to the config's directory */

static void
abs_path(struct loader *L, char **pathp)
{
	size_t	 n;
	char	*p;

	if (*pathp == NULL || **pathp == '/' || **pathp == '\0')
		return;
	n = strlen(L->dir) + 1 + strlen(*pathp) + 1;
	p = xmalloc(n);
	snprintf(p, n, "%s/%s", L->dir, *pathp);
	free(*pathp);
	*pathp = p;
}

#define CF_READ		0x1	/* must be readable by this process */
#define CF_SECRET	0x2	/* holds a secret: warn if others may read */

/*
 * check_file - make a configured file absolute, refuse it when others
 * may write it, warn when others may read a secret in it
 */
static int
check_file(struct loader *L, const config_setting_t *s, const char *what,
    char **pathp, int flags)
{
	struct stat st;

	if (*pathp == NULL)
		return (PFX_OK);
	if (**pathp == '\0')
		return (conf_error(L, s, "%s is empty", what));
	abs_path(L, pathp);
	if (stat(*pathp, &st) != 0) {
		if (flags & CF_READ)
			return (conf_error(L, s, "cannot read %s \"%s\"", what,
			    *pathp));
		return (PFX_OK);	/* spawn: tokend's file, not ours */
	}
	if (st.st_mode & S_IWOTH)
		return (conf_error(L, s, "%s \"%s\" is writable by anyone"
		    " (chmod o-w)", what, *pathp));
	if ((flags & CF_READ) && access(*pathp, R_OK) != 0)
		return (conf_error(L, s, "cannot read %s \"%s\"", what,
		    *pathp));
	if ((flags & CF_SECRET) && (st.st_mode & S_IROTH))
		conf_warn(L, "%s \"%s\" is readable by anyone (chmod o-r)",
		    what, *pathp);
	return (PFX_OK);
}

/*
 * url_problem - why s is no usable http(s) URL, or NULL.  Templates may
 * stand for parts of it; a fragment is never sent, so it is refused.
 */
static const char *
url_problem(const char *s)
{
	const char *p, *at;
	size_t	 n;

	if (s == NULL)
		return ("is required");
	/* the scheme is case-insensitive (RFC 3986 3.1), as for libcurl */
	if (strncasecmp(s, "http://", 7) == 0)
		p = s + 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		p = s + 8;
	else
		return ("must be an http:// or https:// URL");
	n = strcspn(p, "/?#");
	if ((at = memchr(p, '@', n)) != NULL) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	if (n == 0 || *p == ':')
		return ("has no host name");
	if (strchr(s, '#') != NULL)
		return ("has a #fragment, which is never sent to the server");
	return (NULL);
}

/*
 * entry_error - "section.entry: reason" at the line of member.  A value
 * the entry took from "defaults" is reported as "section.defaults" at
 * the defaults' line; idx >= 0 names one element of a list that adds up
 * (custom_headers: the defaults' elements come first).
 */
/* entry_member - the entry's own setting, else its section's defaults' */

static const config_setting_t *
entry_member(const struct loader *L, const char *name)
{
	const config_setting_t *s = config_setting_get_member(L->ent, name);

	if (s == NULL && L->defs != NULL)
		s = config_setting_get_member(L->defs, name);
	return (s);
}

__attribute__((format(printf, 5, 6)))
static int
entry_error(struct loader *L, const struct conf_entry *e, const char *member,
    int idx, const char *fmt, ...)
{
	const config_setting_t *s = NULL, *d = NULL, *el;
	const char *who = e->name;
	char	 msg[512];
	va_list	 ap;
	int	 nd = 0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (member != NULL) {
		s = config_setting_get_member(L->ent, member);
		if (L->defs != NULL)
			d = config_setting_get_member(L->defs, member);
		if (idx >= 0 && d != NULL && (nd = config_setting_length(d)) >
		    idx) {
			s = NULL;
			nd = 0;
		}
		if (s == NULL && d != NULL) {
			s = d;
			who = "defaults";
		}
		if (s != NULL && idx >= 0 && (el = config_setting_get_elem(s,
		    (unsigned)(idx - nd))) != NULL &&
		    config_setting_source_line(el) > 0)
			s = el;
	}
	if (s == NULL)
		s = L->ent;
	return (conf_error(L, s, "%s.%s: %s", SECTION(e->kind), who,
	    msg));
}

/* compile_oidc - resolve auth_method "auto" as pfxhttp does, then check */

#define OIDC_ERR(fmt, ...) entry_error(L, e, group, -1, "%s: " fmt, group, \
			    ##__VA_ARGS__)

/* signing_alg values; each is in tokend's jws_algs (test-claims checks) */
const char *const conf_signing_algs[] = {
	"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512", "EdDSA",
};
const size_t conf_nsigning_algs = sizeof(conf_signing_algs) /
    sizeof(conf_signing_algs[0]);

static int
compile_oidc(struct loader *L, struct conf_entry *e, struct conf_oidc *o,
    const char *group)
{
	static const char *const methods[] = {
		"auto", "client_secret_basic", "client_secret_post",
		"private_key_jwt", "none",
	};
	const config_setting_t *s;
	const char *why;
	int	 has_secret, r, flags;
	size_t	 i;

	if (!o->enabled)
		return (PFX_OK);
	s = entry_member(L, group);
	if (s == NULL)
		s = L->ent;
	if ((why = url_problem(o->configuration_uri)) != NULL ||
	    strpbrk(o->configuration_uri, " \t\r\n") != NULL)
		return (OIDC_ERR("configuration_uri %s", why != NULL ? why :
		    "contains whitespace"));
	if (o->client_id == NULL || *o->client_id == '\0')
		return (OIDC_ERR("client_id is required"));
	o->method = OIDC_AUTO;
	if (o->auth_method != NULL) {
		for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
			if (strcmp(o->auth_method, methods[i]) == 0)
				o->method = (enum oidc_method)i;
		if (o->method == OIDC_AUTO && strcmp(o->auth_method, "auto"))
			return (OIDC_ERR("auth_method must be auto,"
			    " client_secret_basic, client_secret_post,"
			    " private_key_jwt or none"));
	}
	has_secret = o->client_secret != NULL || o->client_secret_file != NULL;
	if (o->client_secret != NULL && o->client_secret_file != NULL)
		return (OIDC_ERR("set client_secret or client_secret_file,"
		    " not both"));
	if (o->method == OIDC_AUTO)
		o->method = o->private_key_file != NULL ? OIDC_PRIVATE_KEY_JWT :
		    has_secret ? OIDC_CLIENT_SECRET_BASIC : OIDC_NONE;
	if (o->method == OIDC_PRIVATE_KEY_JWT && o->private_key_file == NULL)
		return (OIDC_ERR("private_key_jwt needs private_key_file"));
	if ((o->method == OIDC_CLIENT_SECRET_BASIC ||
	    o->method == OIDC_CLIENT_SECRET_POST) && !has_secret)
		return (OIDC_ERR("%s needs client_secret or"
		    " client_secret_file", methods[o->method]));
	if (o->signing_alg != NULL) {
		for (i = 0; i < conf_nsigning_algs; i++)
			if (strcmp(o->signing_alg, conf_signing_algs[i]) == 0)
				break;
		if (i == conf_nsigning_algs)
			return (OIDC_ERR("unsupported signing_alg \"%s\"",
			    o->signing_alg));
	}
	for (i = 0; i < o->nscopes; i++)
		if (strpbrk(o->scopes[i], " \t\r\n\"\\") != NULL ||
		    *o->scopes[i] == '\0')
			return (OIDC_ERR("bad scope \"%s\"", o->scopes[i]));
	/* spawn does not read these (it may not be able to) */
	flags = (L->flags & CONF_SECRETS) ? CF_READ | CF_SECRET : CF_SECRET;
	if ((r = check_file(L, s, "client_secret_file",
	    &o->client_secret_file, flags)) != PFX_OK ||
	    (r = check_file(L, s, "private_key_file", &o->private_key_file,
	    flags)) != PFX_OK)
		return (r);
	if (o->client_secret != NULL)
		L->inline_secret = "client_secret";
	if (!(L->flags & CONF_SECRETS)) {
		/* pfxhttp-spawn never keeps a client secret */
		free_secret(o->client_secret);
		o->client_secret = NULL;
	}
	return (PFX_OK);
}

#define SASL_DEFAULT_TIMEOUT_MS	8000
#define SASL_DEFAULT_LEEWAY_MS	30000
#define SASL_ERR(k, fmt, ...)	entry_error(L, e, k, -1, fmt, ##__VA_ARGS__)

/* port_ok - a decimal port number, 1 to 65535 */
static int
port_ok(const char *s)
{
	long	 v = 0;
	size_t	 i, n = strlen(s);

	if (n == 0 || n > 5)
		return (0);
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (0);
		v = v * 10 + (s[i] - '0');
	}
	return (v >= 1 && v <= 65535);
}

/* compile_sasl_oidc - what a token must hold, checked by tokend */

static int
compile_sasl_oidc(struct loader *L, struct conf_entry *e)
{
	static const char *const modes[] = { "introspection", "jwks", "auto" };
	struct conf_sasl_oidc *so = &e->sasl_oidc_auth;
	size_t	 i;
	int	 r;

	if (!so->client.enabled)
		return (PFX_OK);
	if (so->client.auth_method != NULL &&
	    strcmp(so->client.auth_method, "private_key_jwt") == 0)
		return (SASL_ERR("sasl_oidc_auth", "sasl_oidc_auth: auth_method"
		    " must be auto, client_secret_basic, client_secret_post or"
		    " none"));
	if ((r = compile_oidc(L, e, &so->client, "sasl_oidc_auth")) != PFX_OK)
		return (r);
	so->mode = SASL_VALIDATE_INTROSPECTION;
	if (so->validation != NULL) {
		for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
			if (strcmp(so->validation, modes[i]) == 0)
				break;
		if (i == sizeof(modes) / sizeof(modes[0]))
			return (SASL_ERR("sasl_oidc_auth", "sasl_oidc_auth:"
			    " validation must be introspection, jwks or auto"));
		so->mode = (enum sasl_validation)i;
	}
	if (so->jwks_cache_ttl_ms == 0)
		so->jwks_cache_ttl_ms = 5 * 60 * 1000;
	/* the IdP's clock and ours: a little skew is normal */
	if (so->leeway_ms < 0)
		so->leeway_ms = SASL_DEFAULT_LEEWAY_MS;
	if (so->account_claim != NULL && (*so->account_claim == '\0' ||
	    strpbrk(so->account_claim, " \t\r\n\"\\") != NULL))
		return (SASL_ERR("sasl_oidc_auth", "sasl_oidc_auth:"
		    " account_claim must be a claim name"));
	for (i = 0; i < so->naudience; i++)
		if (*so->audience[i] == '\0')
			return (SASL_ERR("sasl_oidc_auth", "sasl_oidc_auth:"
			    " an empty audience"));
	if (so->mode != SASL_VALIDATE_INTROSPECTION && so->naudience == 0)
		/* a JWT for any client of the IdP would be taken */
		return (SASL_ERR("sasl_oidc_auth", "sasl_oidc_auth: validation"
		    " \"%s\" needs an audience list (the aud a token for this"
		    " service carries)", so->validation));
	return (PFX_OK);
}

/*
 * compile_sasl - mechanisms, the temporary-failure answer, and a
 * timeout that fits in Postfix's fixed 10s
 */
static int
compile_sasl(struct loader *L, struct conf_entry *e, const struct conf *c)
{
	const struct sasl_mech *m;
	size_t	 i;
	int	 r;

	(void)c;
	if (strcasecmp(e->method, "GET") == 0)
		return (SASL_ERR("method", "method GET would put the password"
		    " into the URL; use POST"));
	if ((r = compile_sasl_oidc(L, e)) != PFX_OK)
		return (r);
	if (e->nmechanisms == 0)
		e->mech_mask = SASL_MECH_PASSWORD |
		    (e->sasl_oidc_auth.client.enabled ? SASL_MECH_TOKEN : 0);
	for (i = 0; i < e->nmechanisms; i++) {
		if ((m = sasl_mech_find(e->mechanisms[i],
		    strlen(e->mechanisms[i]))) == NULL)
			return (entry_error(L, e, "mechanisms", (int)i,
			    "unknown mechanism \"%s\" (PLAIN, LOGIN, XOAUTH2,"
			    " OAUTHBEARER)", e->mechanisms[i]));
		if (m->token && !e->sasl_oidc_auth.client.enabled)
			return (entry_error(L, e, "mechanisms", (int)i,
			    "%s needs sasl_oidc_auth (enabled = true)",
			    m->name));
		e->mech_mask |= SASL_MECH_BIT(m - sasl_mechs);
	}
	if ((e->mech_mask & SASL_MECH_PASSWORD) && e->target == NULL &&
	    e->ncommand == 0)
		return (SASL_ERR("target", "target (or command) is required"
		    " for PLAIN and LOGIN (the password check)"));
	e->temp_fail_closes = 1;
	if (e->temporary_failure != NULL) {
		if (strcmp(e->temporary_failure, "fail") == 0)
			e->temp_fail_closes = 0;
		else if (strcmp(e->temporary_failure, "close") != 0)
			return (SASL_ERR("temporary_failure", "temporary_failure"
			    " must be \"close\" (Postfix answers 454) or"
			    " \"fail\" (535)"));
	}
	if (e->default_local_port != NULL && !port_ok(e->default_local_port))
		return (SASL_ERR("default_local_port", "default_local_port must"
		    " be a port number (1-65535), as a string"));
	if (e->timeout_ms == 0)
		e->timeout_ms = SASL_DEFAULT_TIMEOUT_MS;
	if (e->timeout_ms > SASL_MAX_TIMEOUT_MS)
		return (SASL_ERR("timeout", "timeout %lldms is too long: Postfix"
		    " waits 10s for an authentication answer; use at most"
		    " %ds", e->timeout_ms, SASL_MAX_TIMEOUT_MS / 1000));
	return (PFX_OK);
}

/* smtpd waits smtpd_proxy_timeout (100s) for each reply: keep a margin */
#define FILTER_MAX_TIMEOUT_MS	(80LL * 1000)
#define FILTER_DEFAULT_TIMEOUT_MS	(30LL * 1000)
#define FILTER_DEFAULT_MAX_SIZE	10240000	/* message_size_limit */

/* downstream_problem - why s is no "host:port" or "unix:/path", or NULL */
static const char *
downstream_problem(const char *s)
{
	const char *colon;

	if (strncmp(s, "unix:", 5) == 0)
		return (s[5] == '/' ? NULL : "unix: needs an absolute path");
	if (strncmp(s, "inet:", 5) == 0)
		s += 5;
	if ((colon = strrchr(s, ':')) == NULL || colon == s ||
	    !port_ok(colon + 1))
		return ("must be \"host:port\" or \"unix:/path\"");
	if (strpbrk(s, " \t\r\n") != NULL)
		return ("contains whitespace");
	return (NULL);
}

static int key_set(const struct conf_entry *, const char *);

/* message_variable - is NAME=... one of the variables a filter gets? */
static int
message_variable(const char *nv)
{
	size_t	 i, n = strcspn(nv, "=");

	for (i = 0; i < FILTER_NMSG_VARS; i++)
		if (strlen(filter_msg_vars[i]) == n &&
		    strncmp(nv, filter_msg_vars[i], n) == 0)
			return (1);
	return (0);
}

/*
 * compile_filter - the downstream, one verdict source, the spool and a
 * timeout that fits in smtpd_proxy_timeout
 */
static int
compile_filter(struct loader *L, struct conf_entry *e)
{
	static const char *const command_ignores[] = {
		"custom_headers", "reply_field", "message_field", "auth_token",
		"http_auth_basic", "value_field", "error_field",
		"no_error_value", "error_is_permanent", "command_mode",
		"max_processes", NULL,
	};
	static const char *const http_ignores[] = {
		"error_field", "no_error_value", "error_is_permanent",
		"command_mode", "max_processes", NULL,
	};
	const char *const *k;
	const char *why, *jerr = NULL;
	struct jpath *jp;
	size_t	 i;

	if (e->downstream == NULL)
		return (entry_error(L, e, "downstream", -1, "downstream is"
		    " required (the after-filter smtpd: \"host:port\" or"
		    " \"unix:/path\")"));
	if ((why = downstream_problem(e->downstream)) != NULL)
		return (entry_error(L, e, "downstream", -1, "downstream %s",
		    why));
	if ((e->ncommand > 0) == (e->target != NULL))
		return (entry_error(L, e, e->ncommand > 0 ? "command" :
		    "target", -1, "set command or target (the verdict), not"
		    " %s", e->ncommand > 0 ? "both" : "neither"));
	if (e->ncommand > 0 && e->command[0][0] != '/')
		return (entry_error(L, e, "command", 0, "command must start"
		    " with an absolute path (it runs without PATH)"));
	if (e->ncommand > 0 && access(e->command[0], X_OK) != 0)
		/* it may be installed later; until then mail gets 451 */
		conf_warn(L, "smtp_filters.%s: %s cannot be run: %s", e->name,
		    e->command[0], strerror(errno));
	for (i = 0; i < e->nenvironment; i++) {
		if (strchr(e->environment[i], '=') == NULL ||
		    e->environment[i][0] == '=' ||
		    has_crlf(e->environment[i]))
			return (entry_error(L, e, "environment", (int)i,
			    "environment entries look like \"NAME=value\""));
		if (message_variable(e->environment[i]))
			return (entry_error(L, e, "environment", (int)i,
			    "%.*s is set from the message; it cannot be"
			    " configured", (int)strcspn(e->environment[i], "="),
			    e->environment[i]));
	}
	if (e->tempdir == NULL)
		e->tempdir = xstrdup("/var/tmp");
	else if (e->tempdir[0] != '/')
		return (entry_error(L, e, "tempdir", -1, "tempdir must be an"
		    " absolute path"));
	if (access(e->tempdir, W_OK | X_OK) != 0)
		/* the user= of master.cf may differ from the one running -t */
		conf_warn(L, "smtp_filters.%s: tempdir %s: %s", e->name,
		    e->tempdir, strerror(errno));
	if (e->max_message_size == 0)
		e->max_message_size = FILTER_DEFAULT_MAX_SIZE;
	e->failure_accepts = 0;
	if (e->on_failure != NULL) {
		if (strcmp(e->on_failure, "accept") == 0)
			e->failure_accepts = 1;
		else if (strcmp(e->on_failure, "tempfail") != 0)
			return (entry_error(L, e, "on_failure", -1, "on_failure"
			    " must be \"tempfail\" (451) or \"accept\""));
	}
	for (k = e->ncommand > 0 ? command_ignores : http_ignores; *k != NULL;
	    k++)
		if (key_set(e, *k))
			return (entry_error(L, e, *k, -1, "%s does not apply to"
			    " a %s verdict", *k, e->ncommand > 0 ? "command" :
			    "HTTP"));
	if (e->backend_oidc_auth.enabled)
		/* the verdict is made here, and tokens live in tokend */
		return (entry_error(L, e, "backend_oidc_auth", -1,
		    "backend_oidc_auth does not apply to smtp_filters: their"
		    " HTTP verdicts are made by pfxhttp-spawn, and OIDC tokens"
		    " live in pfxhttp-tokend (use auth_token or"
		    " http_auth_basic)"));
	if (e->target != NULL && e->value_field == NULL)
		e->value_field = xstrdup("action");
	if (e->reply_field == NULL)
		e->reply_field = xstrdup("reply");
	if (e->message_field == NULL)
		e->message_field = xstrdup("message");
	if (e->target != NULL && strcasecmp(e->method, "GET") == 0)
		return (entry_error(L, e, "method", -1, "an HTTP verdict posts"
		    " the message: method must be POST"));
	if ((jp = jpath_compile(e->reply_field, &jerr)) == NULL)
		return (entry_error(L, e, "reply_field", -1, "reply_field: %s",
		    jerr));
	jpath_free(jp);
	if ((jp = jpath_compile(e->message_field, &jerr)) == NULL)
		return (entry_error(L, e, "message_field", -1, "message_field:"
		    " %s", jerr));
	jpath_free(jp);
	if (e->timeout_ms == 0)
		e->timeout_ms = FILTER_DEFAULT_TIMEOUT_MS;
	if (e->timeout_ms > FILTER_MAX_TIMEOUT_MS)
		return (entry_error(L, e, "timeout", -1, "timeout %lldms is too"
		    " long: smtpd waits smtpd_proxy_timeout (100s) for the"
		    " end-of-data reply; use at most %llds",
		    e->timeout_ms, FILTER_MAX_TIMEOUT_MS / 1000));
	return (PFX_OK);
}

static void
note_attr(int id, void *arg)
{
	struct conf_entry *e = arg;

	if (id >= VAR_ATTR0)
		e->cache_attrs |= 1ULL << (id - VAR_ATTR0);
	else if (id == VAR_KEY)
		e->cache_all_attrs = 1;
}

/*
 * compile_cache_key - which policy attributes identify a cached answer:
 * cache_key_attributes when the admin lists them, else everything the
 * backend can see.  "{{ .Key }}" and the GET query send every attribute
 * (cache_all_attrs); a GET sends no payload.
 */
static int
compile_cache_key(struct loader *L, struct conf_entry *e)
{
	enum conf_kind kind = e->kind;
	size_t	 i;
	int	 id;

	if (kinds[kind]->nattrs == 0)
		return (PFX_OK);	/* the key is the cache key */
	for (i = 0; i < e->ncache_key_attributes; i++) {
		if ((id = vars_resolve(e->cache_key_attributes[i], &kind)) <
		    VAR_ATTR0)
			return (entry_error(L, e, "cache_key_attributes", -1,
			    "cache_key_attributes: unknown attribute"
			    " \"%s\"", e->cache_key_attributes[i]));
		e->cache_attrs |= 1ULL << (id - VAR_ATTR0);
	}
	if (e->ncache_key_attributes > 0)
		return (PFX_OK);
	if (e->url_t != NULL)
		tmpl_foreach_var(e->url_t, note_attr, e);
	if (!e->is_get)
		tmpl_foreach_var(e->payload_t, note_attr, e);
	for (i = 0; i < e->ncustom_headers; i++)
		tmpl_foreach_var(e->header_t[i], note_attr, e);
	if (e->is_get && e->url_t == NULL)
		e->cache_all_attrs = 1;
	if (e->cache_all_attrs)
		e->cache_attrs = 0;
	return (PFX_OK);
}

/* unset_empty - an entry's "" unsets a default (value_field = "") */

static void
unset_empty(char **p)
{
	if (*p != NULL && **p == '\0') {
		free(*p);
		*p = NULL;
	}
}

/*
 * header_refused - headers that frame the request (a wrong one desyncs
 * the backend connection) or that pfxhttp sets itself
 */
static const char *
header_refused(const struct conf_entry *e, const char *h, size_t nlen)
{
	static const char *const framing[] = {
		"Content-Length", "Transfer-Encoding", "Host", "Connection",
		"Upgrade", "TE", "Trailer", "Keep-Alive", "Expect",
		"Content-Encoding",
	};
	size_t	 i;

	for (i = 0; i < sizeof(framing) / sizeof(framing[0]); i++)
		if (strlen(framing[i]) == nlen &&
		    strncasecmp(h, framing[i], nlen) == 0)
			return ("is set by pfxhttp itself (it frames the"
			    " request)");
	/* with backend_oidc_auth, the token replaces it (request.c) */
	if (nlen == 13 && strncasecmp(h, "Authorization", 13) == 0 &&
	    e->http_auth_basic != NULL)
		return ("conflicts with http_auth_basic (use one of them)");
	return (NULL);
}

static void
note_key(int id, void *arg)
{
	unsigned long long *used = arg;

	if (id >= 0 && id < 64)
		*used |= 1ULL << id;
}

/* var_sent - is the attribute (or .Key, which holds all) in the request? */
static int
var_sent(const struct conf_entry *e, unsigned long long used,
    const char *name)
{
	enum conf_kind kind = e->kind;
	int	 id = vars_resolve(name, &kind);

	return ((id >= 0 && (used & (1ULL << id))) ||
	    (kinds[kind]->key_is_json && (used & (1ULL << VAR_KEY))));
}

/*
 * key_reaches_backend - does the lookup key (or an attribute) get sent,
 * and every attribute the kind cannot do without (a password check's
 * password)?
 */
static int
key_reaches_backend(const struct conf_entry *e)
{
	const char *const *req;
	size_t	 i;
	unsigned long long used = 0;

	if (e->url_t == NULL && e->is_get)
		return (1);	/* postfix-rest-connector's query */
	if (e->url_t != NULL)
		tmpl_foreach_var(e->url_t, note_key, &used);
	if (!e->is_get)
		tmpl_foreach_var(e->payload_t, note_key, &used);
	for (i = 0; i < e->ncustom_headers; i++)
		tmpl_foreach_var(e->header_t[i], note_key, &used);
	for (req = kinds[e->kind]->required_vars; req != NULL && *req != NULL;
	    req++)
		if (!var_sent(e, used, *req))
			return (0);
	return ((used & ~(1ULL << VAR_NAME)) != 0);
}

/* key_set - does the entry set this entry key (itself or by defaults)? */

static int
key_set(const struct conf_entry *e, const char *name)
{
	const struct keydef *kd;
	const char *base = (const char *)e;

	for (kd = entry_keys; kd->name != NULL; kd++) {
		if (strcmp(kd->name, name) != 0)
			continue;
		switch (kd->type) {
		case KT_STR:
			return (*(char *const *)(base + kd->off) != NULL);
		case KT_STRLIST:
		case KT_STRLIST_ADD:
		case KT_ARGV:
			return (*(const size_t *)(base + kd->countoff) > 0);
		case KT_BOOL:
		case KT_GROUP:	/* a group's first member is "enabled" */
			return (*(const int *)(base + kd->off) != 0);
		case KT_INT:	/* 0: unset (status_code is always set) */
		case KT_DUR:
			return (*(const long long *)(base + kd->off) != 0);
		default:
			return (0);
		}
	}
	return (0);
}

/*
 * ignored_keys_refused - keys every kind takes but this one would
 * silently ignore (checked before defaults are filled in)
 */
static int
ignored_keys_refused(struct loader *L, const struct conf_entry *e)
{
	const char *const *k;

	for (k = kinds[e->kind]->ignored_keys; k != NULL && *k != NULL; k++)
		if (key_set(e, *k))
			return (entry_error(L, e, *k, -1, "%s does not apply to"
			    " %s (%s)", *k, kinds[e->kind]->section,
			    kinds[e->kind]->ignored_why));
	return (PFX_OK);
}

/* own_keys_only - keys that belong to one kind are refused elsewhere */

static int
own_keys_only(struct loader *L, const struct conf_entry *e)
{
	const char *const *k, *const *mine;
	int	 other;

	for (other = 0; other < KIND_COUNT; other++) {
		if (other == (int)e->kind || kinds[other]->own_keys == NULL)
			continue;
		for (k = kinds[other]->own_keys; *k != NULL; k++) {
			for (mine = kinds[e->kind]->own_keys; mine != NULL &&
			    *mine != NULL && strcmp(*mine, *k) != 0; mine++)
				;
			if ((mine == NULL || *mine == NULL) && key_set(e, *k))
				return (entry_error(L, e, *k, -1, "%s only"
				    " applies to %s", *k,
				    kinds[other]->section));
		}
	}
	return (PFX_OK);
}

/* default_action_ok - an access(5) action Postfix accepts from a policy */

static int
default_action_ok(const char *a)
{
	static const char *const words[] = {
		"OK", "REJECT", "DEFER", "DEFER_IF_REJECT", "DEFER_IF_PERMIT",
		"BCC", "DISCARD", "DUNNO", "FILTER", "HOLD", "PREPEND",
		"REDIRECT", "INFO", "WARN", "PERMIT",
	};
	size_t	 i, n;

	if (!policy_action_ok(a, strlen(a)))
		return (0);
	n = strcspn(a, " \t");
	if (n == 3 && (a[0] == '4' || a[0] == '5') &&
	    strspn(a, "0123456789") == 3)
		return (1);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && strncasecmp(a, words[i], n) == 0)
			return (1);
	/* a built-in restriction: permit_..., reject_..., check_... */
	return (strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789_") == n &&
	    (strncmp(a, "permit_", 7) == 0 || strncmp(a, "reject_", 7) == 0 ||
	    strncmp(a, "defer_", 6) == 0 || strncmp(a, "check_", 6) == 0 ||
	    strncmp(a, "warn_if_reject", n) == 0));
}

/* add_kind_headers - the kind's own headers go first (an HTTP filter's
 * envelope); the entry's may add to them */
static void
add_kind_headers(struct conf_entry *e)
{
	const char *const *h = kinds[e->kind]->extra_headers;
	size_t	 n = 0, i;
	char	**all;

	while (h != NULL && h[n] != NULL)
		n++;
	if (n == 0)
		return;
	all = xreallocarray(NULL, n + e->ncustom_headers, sizeof(*all));
	for (i = 0; i < n; i++)
		all[i] = xstrdup(h[i]);
	for (i = 0; i < e->ncustom_headers; i++)
		all[n + i] = e->custom_headers[i];
	free(e->custom_headers);
	e->custom_headers = all;
	e->ncustom_headers += n;
}

/* compile_target - an HTTP backend's URL and method */

static int
compile_target(struct loader *L, struct conf_entry *e)
{
	char	 terr[256];
	enum conf_kind kind = e->kind;
	const char *why;

	if (e->nenvironment > 0)
		return (entry_error(L, e, "environment", -1, "environment only"
		    " applies to a command (a local check)"));
	if (e->target == NULL)
		return (entry_error(L, e, "target", -1, "target is required"));
	if ((why = url_problem(e->target)) != NULL)
		return (entry_error(L, e, "target", -1, "target %s", why));
	if (strcasecmp(e->method, "GET") == 0)
		e->is_get = 1;
	else if (strcasecmp(e->method, "POST") != 0)
		return (entry_error(L, e, "method", -1,
		    "method must be GET or POST"));
	if (strstr(e->target, "{{") != NULL &&
	    (e->url_t = tmpl_compile(e->target, TMPL_URL, vars_resolve, &kind,
	    terr, sizeof(terr))) == NULL)
		return (entry_error(L, e, "target", -1, "target: %s", terr));
	if (url_has_space(e->target))
		return (entry_error(L, e, "target", -1,
		    "target contains whitespace"));
	return (PFX_OK);
}

/*
 * compile_check - a local program instead of a target: an argv (never
 * a string for a shell), its environment, the mode, the pool size, and
 * none of the keys that only shape HTTP
 */
static int
compile_check(struct loader *L, struct conf_entry *e)
{
	const config_setting_t *cs;
	const char *why, *const *k;
	size_t	 i;
	int	 warn;

	if (e->target != NULL)
		return (entry_error(L, e, "command", -1, "set target (an HTTP"
		    " backend) or command (a local program), not both"));
	if (e->ncommand == 0)
		return (entry_error(L, e, e->command_mode != NULL ?
		    "command_mode" : "max_processes", -1, "%s needs command"
		    " (a local program)", e->command_mode != NULL ?
		    "command_mode" : "max_processes"));
	cs = entry_member(L, "command");
	if (cs != NULL && config_setting_type(cs) == CONFIG_TYPE_STRING)
		return (entry_error(L, e, "command", -1, "command must be a"
		    " list [ \"/path/to/program\", \"arg\", ... ]: a check"
		    " never runs through a shell"));
	if ((why = check_program_problem(e->command[0], &warn)) != NULL) {
		if (!warn)
			return (entry_error(L, e, "command", 0, "%s", why));
		conf_warn(L, "%s.%s: %s cannot be run: %s", SECTION(e->kind),
		    e->name, e->command[0], why);
	}
	for (i = 0; i < e->nenvironment; i++)
		if ((why = check_env_problem(e->environment[i])) != NULL)
			return (entry_error(L, e, "environment", (int)i, "%s",
			    why));
	if ((why = check_mode_problem(e->command_mode, &e->command_exec)) !=
	    NULL)
		return (entry_error(L, e, "command_mode", -1, "%s", why));
	if (e->max_processes == 0)
		e->max_processes = CHECK_DEFAULT_PROCESSES;
	if (strcasecmp(e->method, "POST") != 0)
		return (entry_error(L, e, "method", -1, "method does not apply"
		    " to a check (command): it shapes HTTP requests"));
	for (k = check_ignored_keys; *k != NULL; k++)
		if (key_set(e, *k))
			return (entry_error(L, e, *k, -1, "%s does not apply to"
			    " a check (command): it shapes HTTP requests or"
			    " answers", *k));
	return (PFX_OK);
}

static int
compile_entry(struct loader *L, const config_setting_t *s,
    struct conf_entry *e, const struct conf *c)
{
	char	 terr[256];
	const char *jerr = NULL, *colon, *why;
	struct buf b;
	enum conf_kind kind = e->kind;
	size_t	 i, nlen;
	int	 r, ok, big;

	L->ent = s;
	if ((r = ignored_keys_refused(L, e)) != PFX_OK)
		return (r);
	unset_empty(&e->value_field);
	unset_empty(&e->error_field);
	unset_empty(&e->auth_token);
	unset_empty(&e->http_auth_basic);
	unset_empty(&e->request_id_header);
	if (e->request_id_header != NULL && (strspn(e->request_id_header,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
	    != strlen(e->request_id_header) || header_refused(e,
	    e->request_id_header, strlen(e->request_id_header)) != NULL))
		return (entry_error(L, e, "request_id_header", -1,
		    "request_id_header \"%s\" is not a header name pfxhttp"
		    " may set (letters, digits, '-' and '_')",
		    e->request_id_header));
	if (kind == KIND_SASL) {
		if ((r = compile_sasl(L, e, c)) != PFX_OK)
			return (r);
		if (e->target == NULL && e->ncommand == 0)
			return (own_keys_only(L, e));	/* tokens only */
	}
	if (kind == KIND_FILTER) {
		if ((r = compile_filter(L, e)) != PFX_OK)
			return (r);
		if (e->target == NULL)
			return (own_keys_only(L, e));	/* a command */
	}
	if (e->ncommand > 0 || e->command_mode != NULL ||
	    e->max_processes > 0)
		r = compile_check(L, e);
	else
		r = compile_target(L, e);
	if (r != PFX_OK)
		return (r);
	if (e->payload == NULL)
		e->payload = xstrdup(kinds[kind]->default_payload);
	if (has_crlf(e->content_type))
		return (entry_error(L, e, "content_type", -1,
		    "content_type contains a line break"));
	if ((e->payload_t = tmpl_compile(e->payload, body_ctx(e->content_type),
	    vars_resolve, &kind, terr, sizeof(terr))) == NULL)
		return (entry_error(L, e, "payload", -1, "payload: %s", terr));
	if (body_ctx(e->content_type) == TMPL_JSON && !e->is_get) {
		buf_init(&b, 1 << 20);
		r = tmpl_render(e->payload_t, &b, sample_value, &kind);
		ok = r == PFX_OK && json_strict(b.data, b.len, &big, NULL);
		buf_free(&b);
		if (!ok)
			return (entry_error(L, e, "payload", -1, "payload is"
			    " not valid JSON once its variables are filled"
			    " in"));
	}
	add_kind_headers(e);
	e->header_t = xcalloc(e->ncustom_headers + 1, sizeof(*e->header_t));
	for (i = 0; i < e->ncustom_headers; i++) {
		colon = strchr(e->custom_headers[i], ':');
		nlen = colon != NULL ? (size_t)(colon - e->custom_headers[i]) :
		    0;
		if (nlen == 0 || strspn(e->custom_headers[i],
		    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789-_") != nlen || has_crlf(e->custom_headers[i]))
			return (entry_error(L, e, "custom_headers", (int)i,
			    "custom header \"%s\" must look like"
			    " \"Name: value\"", e->custom_headers[i]));
		if ((why = header_refused(e, e->custom_headers[i], nlen)) !=
		    NULL)
			return (entry_error(L, e, "custom_headers", (int)i,
			    "custom header %.*s %s", (int)nlen,
			    e->custom_headers[i], why));
		if ((e->header_t[i] = tmpl_compile(e->custom_headers[i],
		    TMPL_HEADER, vars_resolve, &kind, terr, sizeof(terr))) ==
		    NULL)
			return (entry_error(L, e, "custom_headers", (int)i,
			    "custom header: %s", terr));
	}
	if (!key_reaches_backend(e))
		return (entry_error(L, e, e->url_t != NULL ? "target" :
		    "payload", -1, "the %s never reaches the backend: use %s in"
		    " the target, payload or a custom header%s",
		    kinds[kind]->what, kinds[kind]->key_hint,
		    e->is_get ? " (a GET sends no payload)" : ""));
	if (e->value_field != NULL &&
	    (e->value_jp = jpath_compile(e->value_field, &jerr)) == NULL)
		return (entry_error(L, e, "value_field", -1, "value_field: %s",
		    jerr));
	if (e->error_field != NULL &&
	    (e->error_jp = jpath_compile(e->error_field, &jerr)) == NULL)
		return (entry_error(L, e, "error_field", -1, "error_field: %s",
		    jerr));
	if (e->auth_token != NULL && has_crlf(e->auth_token))
		return (entry_error(L, e, "auth_token", -1,
		    "auth_token contains a line break"));
	if (e->http_auth_basic != NULL && (strchr(e->http_auth_basic, ':') ==
	    NULL || has_crlf(e->http_auth_basic)))
		return (entry_error(L, e, "http_auth_basic", -1,
		    "http_auth_basic must be \"user:password\""));
	if (e->http_auth_basic != NULL)
		L->inline_secret = "http_auth_basic";
	else if (e->auth_token != NULL)
		L->inline_secret = "auth_token";
	if (e->http_auth_basic != NULL && e->backend_oidc_auth.enabled)
		return (entry_error(L, e, "http_auth_basic", -1,
		    "http_auth_basic and backend_oidc_auth exclude each"
		    " other"));
	if ((r = own_keys_only(L, e)) != PFX_OK)
		return (r);
	if (e->default_action != NULL) {
		if (!policy_action_ok(e->default_action,
		    strlen(e->default_action)))
			return (entry_error(L, e, "default_action", -1,
			    "default_action must be one line of printable"
			    " text"));
		if (!default_action_ok(e->default_action))
			return (entry_error(L, e, "default_action", -1,
			    "default_action \"%s\" is not an access(5) action"
			    " (DUNNO, DEFER_IF_PERMIT text, 450 text, ...)",
			    e->default_action));
	} else if (kinds[kind]->default_action != NULL)
		e->default_action = xstrdup(kinds[kind]->default_action);
	if (e->not_found_action != NULL &&
	    !default_action_ok(e->not_found_action))
		return (entry_error(L, e, "not_found_action", -1,
		    "not_found_action must be an access(5) action"));
	if (e->timeout_ms == 0)
		e->timeout_ms = c->http.timeout_ms;
	if (e->timeout_ms > POSTFIX_WAIT_MS)
		return (entry_error(L, e, "timeout", -1, "timeout %llds is"
		    " longer than Postfix waits for an answer (100s); use at"
		    " most %llds", e->timeout_ms / 1000,
		    POSTFIX_WAIT_MS / 1000));
	if ((r = compile_oidc(L, e, &e->backend_oidc_auth,
	    "backend_oidc_auth")) != PFX_OK)
		return (r);
	if (kinds[kind]->inet && (e->auth_token != NULL ||
	    e->http_auth_basic != NULL || e->backend_oidc_auth.enabled))
		conf_warn(L, "tcp_tables.%s: every local user can connect to a"
		    " tcp_table service and query the backend with these"
		    " credentials (see pfxhttp-spawn(8) SECURITY)", e->name);
	/* (the section name in that warning is the tcp kind's) */
	return (compile_cache_key(L, e));
}

static void
entry_init(struct conf_entry *e, enum conf_kind kind, const char *name)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->name = xstrdup(name);
	e->method = xstrdup("POST");
	e->content_type = xstrdup("application/json");
	e->status_code = 200;
	e->cache = 1;
	e->request_id_header = xstrdup("X-Request-ID");
	e->sasl_oidc_auth.require_user_match = 1;
	e->sasl_oidc_auth.leeway_ms = -1;	/* unset: SASL_DEFAULT_LEEWAY */
	if (kinds[kind]->content_type != NULL) {
		free(e->content_type);
		e->content_type = xstrdup(kinds[kind]->content_type);
	}
}

static void
entry_free(struct conf_entry *e)
{
	size_t	 i;

	free_group(entry_keys, e);
	free(e->name);
	tmpl_free(e->url_t);
	tmpl_free(e->payload_t);
	if (e->header_t != NULL)
		for (i = 0; i < e->ncustom_headers; i++)
			tmpl_free(e->header_t[i]);
	free(e->header_t);
	jpath_free(e->value_jp);
	jpath_free(e->error_jp);
}

static int
load_section(struct loader *L, struct conf *c, const config_setting_t *sec,
    enum conf_kind kind)
{
	const config_setting_t *defs, *m;
	struct conf_entry *e;
	const char *name;
	int	 i, n, r;

	if (config_setting_type(sec) != CONFIG_TYPE_GROUP)
		return (conf_error(L, sec, "%s must be a group { ... }",
		    SECTION(kind)));
	defs = config_setting_get_member(sec, "defaults");
	if (defs != NULL && config_setting_type(defs) != CONFIG_TYPE_GROUP)
		return (conf_error(L, defs, "%s.defaults must be a group",
		    SECTION(kind)));
	L->defs = defs;
	n = config_setting_length(sec);
	for (i = 0; i < n; i++) {
		m = config_setting_get_elem(sec, (unsigned)i);
		name = config_setting_name(m);
		if (strcmp(name, "defaults") == 0)
			continue;
		if (config_setting_type(m) != CONFIG_TYPE_GROUP)
			return (conf_error(L, m, "%s.%s must be a group",
			    SECTION(kind), name));
		c->entries = xreallocarray(c->entries, c->nentries + 1,
		    sizeof(*c->entries));
		e = &c->entries[c->nentries++];
		entry_init(e, kind, name);
		e->file = c->file;
		e->line = (int)config_setting_source_line(m);
		if ((defs != NULL && (r = apply_group(L, defs, "defaults",
		    entry_keys, e)) != PFX_OK) ||
		    (r = apply_group(L, m, name, entry_keys, e)) != PFX_OK ||
		    (r = compile_entry(L, m, e, c)) != PFX_OK)
			return (r);
	}
	/* check the defaults' keys even when no entry uses them */
	if (defs != NULL) {
		struct conf_entry tmp;

		entry_init(&tmp, kind, "defaults");
		r = apply_group(L, defs, "defaults", entry_keys, &tmp);
		entry_free(&tmp);
		if (r != PFX_OK)
			return (r);
	}
	return (PFX_OK);
}

static int check_tokend(struct loader *, const config_setting_t *,
    struct conf *);

static int
load_server(struct loader *L, struct conf *c, config_setting_t *srv)
{
	struct server_conf sc;
	const config_setting_t *m;
	const struct keydef *kd;
	const char *why;
	int	 i, n, r;

	if (config_setting_type(srv) != CONFIG_TYPE_GROUP)
		return (conf_error(L, srv, "server must be a group { ... }"));
	memset(&sc, 0, sizeof(sc));
	/* server keys live in two tables: split members by owner */
	n = config_setting_length(srv);
	r = PFX_OK;
	for (i = 0; i < n && r == PFX_OK; i++) {
		m = config_setting_get_elem(srv, (unsigned)i);
		for (kd = conf_server_keys; kd->name != NULL; kd++)
			if (strcmp(kd->name, config_setting_name(m)) == 0)
				break;
		if (kd->name != NULL)
			r = apply_member(L, m, "server", conf_server_keys, c);
		else
			r = apply_member(L, m, "server", server_keys, &sc);
	}
	if (r == PFX_OK && sc.logging.level != NULL) {
		if ((c->log_level = log_level_parse(sc.logging.level)) < 0)
			r = conf_error(L, config_setting_lookup(srv,
			    "logging.level"), "server.logging.level must be"
			    " none, error, warning, info or debug");
	}
	free_group(server_keys, &sc);
	if (r != PFX_OK)
		return (r);
	m = config_setting_lookup(srv, "tls");
	if (!c->tls.enabled) {
		/* as in pfxhttp, TLS settings apply only when enabled */
		why = c->tls.root_ca != NULL ? "root_ca" : c->tls.cert != NULL ?
		    "cert" : c->tls.key != NULL ? "key" : c->tls.skip_verify ?
		    "skip_verify" : NULL;
		if (why != NULL)
			return (conf_error(L, config_setting_get_member(m, why),
			    "server.tls.%s is ignored unless server.tls.enabled"
			    " = true: set enabled = true or remove it", why));
	}
	if ((r = check_file(L, m, "server.tls.root_ca", &c->tls.root_ca,
	    CF_READ)) != PFX_OK ||
	    (r = check_file(L, m, "server.tls.cert", &c->tls.cert,
	    CF_READ)) != PFX_OK ||
	    (r = check_file(L, m, "server.tls.key", &c->tls.key,
	    CF_READ | CF_SECRET)) != PFX_OK)
		return (r);
	if ((c->tls.cert == NULL) != (c->tls.key == NULL))
		return (conf_error(L, m, "server.tls: cert and key go"
		    " together"));
	if (c->http.timeout_ms > POSTFIX_WAIT_MS)
		return (conf_error(L, config_setting_lookup(srv,
		    "http_client.timeout"), "server.http_client.timeout %llds"
		    " is longer than Postfix waits for an answer (100s); use"
		    " at most %llds", c->http.timeout_ms / 1000,
		    POSTFIX_WAIT_MS / 1000));
	return (check_tokend(L, config_setting_lookup(srv, "tokend"), c));
}

/*
 * check_metrics - a numeric listen address, and for basic_auth a user
 * name and one password source (the file read by tokend, like
 * client_secret_file)
 */
static int
check_metrics(struct loader *L, const config_setting_t *s, struct conf *c)
{
	struct conf_metrics *m = &c->tokend.metrics;
	struct conf_metrics_auth *a = &m->basic_auth;
	const config_setting_t *as;
	struct listen_addr la;
	const char *why;
	int	 r;

	if (s == NULL)
		return (PFX_OK);
	as = config_setting_get_member(s, "basic_auth");
	if (m->listen == NULL)
		return (conf_error(L, s, "server.tokend.metrics.listen is"
		    " required (e.g. \"127.0.0.1:9485\" or \"unix:/run/pfxhttp/"
		    "metrics.sock\"); remove the metrics group to turn them"
		    " off"));
	if ((why = listen_addr_parse(m->listen, &la)) != NULL)
		return (conf_error(L, config_setting_get_member(s, "listen"),
		    "server.tokend.metrics.listen \"%s\" %s", m->listen, why));
	if (as == NULL) {
		if (!la.loopback)
			conf_warn(L, "server.tokend.metrics.listen %s is not"
			    " a loopback address and has no basic_auth:"
			    " whoever reaches it reads the counters",
			    m->listen);
		return (PFX_OK);
	}
	if (a->username == NULL || *a->username == '\0' ||
	    strpbrk(a->username, ":\r\n") != NULL)
		return (conf_error(L, as, "server.tokend.metrics.basic_auth"
		    ".username is required, without \":\""));
	if ((a->password == NULL) == (a->password_file == NULL))
		return (conf_error(L, as, "server.tokend.metrics.basic_auth"
		    " needs password or password_file (one of them)"));
	if (a->password != NULL && (*a->password == '\0' ||
	    strpbrk(a->password, "\r\n") != NULL))
		return (conf_error(L, as, "server.tokend.metrics.basic_auth"
		    ".password is empty or has a line break"));
	if ((r = check_file(L, as, "server.tokend.metrics.basic_auth"
	    ".password_file", &a->password_file, (L->flags & CONF_SECRETS) ?
	    CF_READ | CF_SECRET : CF_SECRET)) != PFX_OK)
		return (r);
	if (a->password != NULL)
		L->inline_secret = "server.tokend.metrics.basic_auth.password";
	if (!(L->flags & CONF_SECRETS)) {
		free_secret(a->password);
		a->password = NULL;
	}
	m->auth = 1;
	return (PFX_OK);
}

static int
check_tokend(struct loader *L, const config_setting_t *s, struct conf *c)
{
	struct conf_tokend *t = &c->tokend;
	char	*end;
	unsigned long v;

	if (strlen(t->socket) >= 108)
		return (conf_error(L, s, "server.tokend.socket: path too long"));
	if (t->socket[0] != '/')
		return (conf_error(L, s, "server.tokend.socket must be an"
		    " absolute path"));
	v = strtoul(t->mode, &end, 8);
	if (*t->mode == '\0' || *end != '\0' || v > 0777)
		return (conf_error(L, s, "server.tokend.mode must be an octal"
		    " mode such as \"0660\""));
	t->mode_bits = (unsigned int)v;
	return (check_metrics(L, s != NULL ? config_setting_get_member(s,
	    "metrics") : NULL, c));
}

static void
conf_defaults(struct conf *c)
{
	c->log_level = LOG_LVL_INFO;
	c->http.timeout_ms = 10000;
	c->http.connect_timeout_ms = 5000;
	c->http.max_response_size = 1 << 20;
	c->http.max_connections_per_host = 16;
	c->socketmap_max_reply_size = 100000;
	c->idle_timeout_ms = 3600 * 1000;
	c->tokend.socket = xstrdup("/run/pfxhttp/tokend.sock");
	c->tokend.mode = xstrdup("0660");
	c->tokend.timeout_ms = 1000;
	c->tokend.mode_bits = 0660;
	c->cache.ttl_ms = 5 * 60 * 1000;
	c->cache.max_entries = 100000;
	c->cache.max_bytes = 32 << 20;
	c->cache.fresh_ttl_ms = 10 * 1000;
}

/*
 * conf_where - the absolute path of the configuration and its directory:
 * pfxhttp-tokend changes to "/" and reloads by this name
 */
static int
conf_where(struct loader *L, struct conf *c, const char *path)
{
	char	 cwd[4096], *slash;
	size_t	 n;

	if (path[0] == '/')
		c->file = xstrdup(path);
	else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return (conf_error(L, NULL, "cannot resolve the"
			    " relative path: no current directory"));
		n = strlen(cwd) + 1 + strlen(path) + 1;
		c->file = xmalloc(n);
		snprintf(c->file, n, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd,
		    path);
	}
	if ((slash = strrchr(c->file, '/')) == NULL ||
	    (size_t)(slash - c->file) >= sizeof(L->dir))
		return (conf_error(L, NULL, "path too long"));
	memcpy(L->dir, c->file, (size_t)(slash - c->file));
	L->dir[slash - c->file] = '\0';
	return (PFX_OK);
}

/* check_conf_mode - nobody else may change the configuration */

static int
check_conf_mode(struct loader *L, const struct conf *c)
{
	struct stat st;

	if (stat(c->file, &st) != 0)
		return (PFX_OK);	/* read already; a race is no worse */
	if (st.st_mode & S_IWOTH)
		return (conf_error(L, NULL, "the configuration is writable by"
		    " anyone (chmod o-w)"));
	if (st.st_mode & S_IWGRP)
		conf_warn(L, "the configuration is writable by its group"
		    " (gid %u): its members can change targets and"
		    " credentials", (unsigned)st.st_gid);
	if (L->inline_secret != NULL && (st.st_mode & S_IROTH))
		conf_warn(L, "the configuration holds %s and is readable by"
		    " anyone (chmod o-r, or use a file readable only by"
		    " pfxhttp)", L->inline_secret);
	return (PFX_OK);
}

struct conf *
conf_load(const char *path, int flags, char *err, size_t errlen)
{
	struct loader L;
	struct conf *c = xcalloc(1, sizeof(*c));
	config_t cfg;
	const config_setting_t *root;
	config_setting_t *m;
	const char *name;
	int	 i, n, k, r = PFX_OK;

	memset(&L, 0, sizeof(L));
	L.path = path;
	L.err = err;
	L.errlen = errlen;
	L.flags = flags;
	L.c = c;
	conf_defaults(c);
	config_init(&cfg);
	if ((r = conf_where(&L, c, path)) != PFX_OK)
		goto out;
	config_set_include_dir(&cfg, L.dir);
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			snprintf(err, errlen, "%s: cannot read the file",
			    path);
		else
			snprintf(err, errlen, "%s:%d: %s",
			    config_error_file(&cfg) != NULL ?
			    config_error_file(&cfg) : path,
			    config_error_line(&cfg), config_error_text(&cfg));
		r = PFX_ECONFIG;
		goto out;
	}
	root = config_root_setting(&cfg);
	if ((n = config_setting_length(root)) == 0) {
		/* a truncated file must not pass a reload as "no entries" */
		r = conf_error(&L, NULL, "the configuration is empty");
		goto out;
	}
	for (i = 0; i < n && r == PFX_OK; i++) {
		m = config_setting_get_elem(root, (unsigned)i);
		name = config_setting_name(m);
		if (strcmp(name, "server") == 0)
			continue;
		for (k = 0; k < KIND_COUNT; k++)
			if (strcmp(name, SECTION(k)) == 0)
				break;
		if (k == KIND_COUNT)
			r = conf_error(&L, m, "unknown section \"%s\"", name);
	}
	/* server first: entries inherit its timeout */
	if (r == PFX_OK && (m = config_lookup(&cfg, "server")) != NULL)
		r = load_server(&L, c, m);
	for (k = 0; k < KIND_COUNT && r == PFX_OK; k++)
		if ((m = config_lookup(&cfg, SECTION(k))) != NULL)
			r = load_section(&L, c, m, (enum conf_kind)k);
	if (r == PFX_OK)
		r = check_conf_mode(&L, c);
	/* lookups go to tokend when it is configured or needed */
	c->tokend.use = config_lookup(&cfg, "server.tokend") != NULL ||
	    c->cache.enabled;
	for (i = 0; r == PFX_OK && (size_t)i < c->nentries &&
	    !c->tokend.use; i++)
		c->tokend.use = c->entries[i].backend_oidc_auth.enabled ||
		    c->entries[i].sasl_oidc_auth.client.enabled;
out:
	config_destroy(&cfg);
	if (r != PFX_OK) {
		conf_free(c);
		return (NULL);
	}
	return (c);
}

void
conf_free(struct conf *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nentries; i++)
		entry_free(&c->entries[i]);
	free(c->entries);
	free_group(conf_server_keys, c);
	for (i = 0; i < c->nwarnings; i++)
		free(c->warnings[i]);
	free(c->warnings);
	free(c->file);
	free(c);
}

const struct conf_entry *
conf_find(const struct conf *c, enum conf_kind kind, const char *name)
{
	size_t	 i;

	for (i = 0; i < c->nentries; i++)
		if (c->entries[i].kind == kind &&
		    strcmp(c->entries[i].name, name) == 0)
			return (&c->entries[i]);
	return (NULL);
}

const char *
conf_kind_section(enum conf_kind kind)
{
	return (SECTION(kind));
}

void
conf_oidc_key(const struct conf_oidc *o, struct buf *out)
{
	const char *f[] = { o->configuration_uri, o->client_id,
	    o->private_key_file, o->private_key_id, o->signing_alg,
	    o->client_secret_file };
	size_t	 i;

	/* netstring fields: ["a|b"] and ["a", "b"] are different keys */
	buf_reset(out);
	(void)buf_printf(out, "%d,", (int)o->method);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		(void)buf_printf(out, "%zu:%s,", f[i] != NULL ? strlen(f[i]) :
		    0, f[i] != NULL ? f[i] : "");
	for (i = 0; i < o->nscopes; i++)
		(void)buf_printf(out, "%zu:%s,", strlen(o->scopes[i]),
		    o->scopes[i]);
}
