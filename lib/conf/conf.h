/*
 * conf.h - pfxhttp.conf (libconfig syntax) as plain structs
 *
 * conf_load() reads, validates and compiles everything once: unknown keys,
 * wrong types, bad durations, bad templates and bad field paths are all
 * refused with "FILE:LINE: reason".  Key names follow pfxhttp.  Relative
 * file names in the configuration are made absolute against the
 * configuration file's directory.
 */
#ifndef PFX_CONF_H
#define PFX_CONF_H

#include <stddef.h>

#include "buf.h"
#include "vars.h"

#define CONF_DEFAULT_PATH	"/etc/pfxhttp/pfxhttp.conf"

/*
 * Postfix gives a Dovecot server 10s for an AUTH answer: the backend's
 * timeout and a failure delay together keep a margin
 */
#define SASL_MAX_TIMEOUT_MS		9000
#define SASL_MAX_FAILURE_DELAY_MS	5000

/*
 * The variables an smtp_filters command gets (filter_command.c sets
 * them; an entry's environment cannot replace them)
 */
#define FILTER_NMSG_VARS	10
extern const char *const filter_msg_vars[FILTER_NMSG_VARS];

struct tmpl;
struct jpath;

struct conf_tls {
	int		 enabled;
	int		 skip_verify;
	char		*root_ca;
	char		*cert;
	char		*key;
};

struct conf_http {
	long long	 timeout_ms;
	long long	 connect_timeout_ms;
	long long	 idle_connection_timeout_ms;
	char		*proxy;
	long long	 max_response_size;
	char		*user_agent;
	long long	 max_connections_per_host;	/* tokend's pool */
};

enum oidc_method {
	OIDC_AUTO = 0,
	OIDC_CLIENT_SECRET_BASIC,
	OIDC_CLIENT_SECRET_POST,
	OIDC_PRIVATE_KEY_JWT,
	OIDC_NONE,
};

struct conf_oidc {
	int		 enabled;
	char		*configuration_uri;
	char		*client_id;
	char		*client_secret;		/* tokend only */
	char		*client_secret_file;
	char		*private_key_file;
	char		*private_key_id;	/* JWT "kid"; else thumbprint */
	char		*signing_alg;		/* RS256 PS256 ES256 ... EdDSA */
	char		*auth_method;
	char		**scopes;
	size_t		 nscopes;
	enum oidc_method method;		/* auth_method resolved */
};

enum sasl_validation {
	SASL_VALIDATE_INTROSPECTION = 0,	/* RFC 7662, the default */
	SASL_VALIDATE_JWKS,		/* a JWT's signature and claims */
	SASL_VALIDATE_AUTO,		/* JWKS for JWTs, else introspection */
};

/*
 * dovecot_sasl: XOAUTH2 and OAUTHBEARER tokens, checked by tokend.  The
 * client is tokend's own (introspection credentials); the rest says
 * what a token must hold.
 */
struct conf_sasl_oidc {
	struct conf_oidc client;	/* enabled, configuration_uri, ... */
	char		*validation;
	enum sasl_validation mode;	/* validation resolved */
	long long	 jwks_cache_ttl_ms;
	char		*account_claim;	/* NULL: preferred_username, sub */
	char		**audience;	/* one of them must be in aud */
	size_t		 naudience;
	char		**client_ids;	/* azp / client_id must be one */
	size_t		 nclient_ids;
	long long	 leeway_ms;	/* exp, nbf, iat clock skew */
	int		 require_user_match;	/* claimed user == account */
	long long	 introspection_cache_ttl_ms;	/* 0: none */
};

/* server.tokend.metrics: Prometheus text at GET /metrics (metrics.c) */
struct conf_metrics_auth {
	char		*username;
	char		*password;	/* tokend only */
	char		*password_file;
};

struct conf_metrics {
	char		*listen;	/* NULL: off */
	struct conf_metrics_auth basic_auth;
	int		 auth;		/* basic_auth is set */
};

struct conf_tokend {
	char		*socket;
	char		*mode;
	char		*group;
	char		**allowed_users;
	size_t		 nallowed_users;
	char		**allowed_groups;
	size_t		 nallowed_groups;
	long long	 timeout_ms;	/* tokend's first answer or PENDING */
	struct conf_metrics metrics;
	int		 use;		/* configured, or the cache or a
					   token needs it: lookups go there */
	unsigned int	 mode_bits;
};

struct conf_cache {
	int		 enabled;
	long long	 ttl_ms;
	long long	 max_entries;
	long long	 max_bytes;
	int		 serve_fresh;
	long long	 fresh_ttl_ms;
	long long	 negative_ttl_ms;	/* 0: a not-found is not kept */
};

struct conf_entry {
	enum conf_kind	 kind;
	char		*name;
	const char	*file;
	int		 line;

	char		*target;
	char		*method;
	char		**custom_headers;
	size_t		 ncustom_headers;
	char		*payload;
	char		*content_type;
	long long	 status_code;
	char		*value_field;
	char		*error_field;
	char		*no_error_value;
	long long	 timeout_ms;
	int		 http_request_compression;
	int		 http_response_compression;
	char		*auth_token;
	char		*http_auth_basic;
	char		*default_action;
	char		*not_found_action;	/* policy: answer to a 404 */
	int		 error_is_permanent;	/* error_field: PERM, not TEMP */
	struct conf_oidc backend_oidc_auth;
	int		 cache;		/* use the response cache */
	char		**cache_key_attributes;
	size_t		 ncache_key_attributes;
	char		*request_id_header;	/* NULL: none sent */
	long long	 slow_request_ms;	/* 0: no "slow" log line */
	/* dovecot_sasl */
	char		**mechanisms;
	size_t		 nmechanisms;
	unsigned int	 mech_mask;	/* SASL_MECH_BIT(...), resolved */
	int		 allow_authzid;
	char		*temporary_failure;	/* "close" or "fail" */
	int		 temp_fail_closes;	/* resolved */
	char		*default_local_port;
	long long	 failure_delay_ms;	/* before a failed login's FAIL */
	struct conf_sasl_oidc sasl_oidc_auth;
	/* a check backend (lookups), or an smtp_filters command */
	char		**command;	/* argv; a string is sh -c STRING */
	size_t		 ncommand;
	char		**environment;	/* "NAME=value" for the command */
	size_t		 nenvironment;
	char		*command_mode;	/* "persistent" or "exec" */
	int		 command_exec;	/* resolved: "exec" */
	long long	 max_processes;	/* per entry, in tokend */
	/* smtp_filters */
	char		*downstream;	/* "host:port" or "unix:/path" */
	char		*tempdir;
	long long	 max_message_size;
	char		*on_failure;	/* "tempfail" or "accept" */
	char		*reply_field;	/* HTTP verdict: the SMTP reply */
	char		*message_field;	/* HTTP verdict: a replacement */
	int		 failure_accepts;	/* resolved */

	/* compiled */
	int		 is_get;
	struct tmpl	*url_t;
	struct tmpl	*payload_t;
	struct tmpl	**header_t;
	struct jpath	*value_jp;
	struct jpath	*error_jp;
	unsigned long long cache_attrs;	/* policy: bit per VAR_ATTR0 + i */
	int		 cache_all_attrs;	/* policy: every attribute sent */
};

struct conf {
	char		*file;		/* absolute */
	char		**warnings;	/* accepted, but say so (-t, startup) */
	size_t		 nwarnings;
	int		 log_level;
	struct conf_tls	 tls;
	struct conf_http http;
	long long	 socketmap_max_reply_size;
	long long	 idle_timeout_ms;
	struct conf_tokend tokend;
	struct conf_cache cache;
	struct conf_entry *entries;
	size_t		 nentries;
};

/* the signing_alg values private_key_jwt accepts */
extern const char *const conf_signing_algs[];
extern const size_t conf_nsigning_algs;

#define CONF_SECRETS	0x1	/* keep client secrets (tokend only) */

/* conf_load - NULL with "FILE:LINE: reason" in err when refused */
struct conf *conf_load(const char *path, int flags, char *err, size_t errlen);
/* conf_oidc_key - identity of a token: issuer, client, scopes, method */
void	 conf_oidc_key(const struct conf_oidc *, struct buf *);
void	 conf_free(struct conf *);
const struct conf_entry *conf_find(const struct conf *, enum conf_kind,
	    const char *name);
const char *conf_kind_section(enum conf_kind);

#endif
