/*
 * conf.h - pfxhttp.conf (libconfig syntax) as plain structs
 *
 * conf_load() reads, validates and compiles everything once: unknown keys,
 * wrong types, bad durations, bad templates and bad field paths are all
 * refused with "FILE:LINE: reason".  Key names follow pfxhttp.
 */
#ifndef PFX_CONF_H
#define PFX_CONF_H

#include <stddef.h>

#include "vars.h"

#define CONF_DEFAULT_PATH	"/etc/pfxhttp/pfxhttp.conf"

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
	long long	 max_connections_per_host;	/* accepted, unused */
	long long	 max_idle_connections;		/* accepted, unused */
	long long	 max_idle_connections_per_host;	/* accepted, unused */
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

	/* compiled */
	int		 is_get;
	struct tmpl	*url_t;
	struct tmpl	*payload_t;
	struct tmpl	**header_t;
	struct jpath	*value_jp;
	struct jpath	*error_jp;
};

struct conf {
	char		*file;
	int		 log_level;
	struct conf_tls	 tls;
	struct conf_http http;
	long long	 socketmap_max_reply_size;
	long long	 idle_timeout_ms;
	struct conf_entry *entries;
	size_t		 nentries;
};

/* conf_load - NULL with "FILE:LINE: reason" in err when refused */
struct conf *conf_load(const char *path, char *err, size_t errlen);
void	 conf_free(struct conf *);
const struct conf_entry *conf_find(const struct conf *, enum conf_kind,
	    const char *name);
const char *conf_kind_section(enum conf_kind);

#endif
