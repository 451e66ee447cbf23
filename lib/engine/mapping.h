/*
 * mapping.h - HTTP answers to verdicts
 */
#ifndef PFX_MAPPING_H
#define PFX_MAPPING_H

#include <stddef.h>

#include "conf.h"
#include "http.h"
#include "verdict.h"

/* lookup_map_response - HTTP status and body to a verdict */
void	 lookup_map_response(const struct conf_entry *, long status,
	    const char *body, size_t len, struct pfx_result *);
/*
 * lookup_map_body - the same with the response's Content-Type (or NULL):
 * a body declared JSON, or that looks like JSON, must parse
 */
void	 lookup_map_body(const struct conf_entry *, long status,
	    const char *ctype, const char *body, size_t len,
	    struct pfx_result *);
/*
 * lookup_map_plain - a body read as a value without value_field and
 * error_field: JSON (a string, number or list) when it looks like JSON,
 * else the text itself; empty is not found
 */
void	 lookup_map_plain(const struct conf_entry *, const char *body,
	    size_t len, struct pfx_result *);
/*
 * map_exchange - one finished exchange to a verdict (answered: a status
 * came back), each decision recorded in the trace (or NULL)
 */
struct trace;
void	 map_exchange(const struct conf_entry *, const struct http_response *,
	    int answered, struct trace *, struct pfx_result *);
/*
 * map_parse_json - the whole body as one strict JSON value (a UTF-8 BOM
 * allowed); 1 when valid (*out NULL for null), else 0
 */
struct json_object;
int	 map_parse_json(const char *, size_t, struct json_object **);
/* map_failure - a transport failure to a verdict */
void	 map_failure(const struct http_response *, struct pfx_result *);

#endif
