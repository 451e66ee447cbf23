/*
 * idpdoc.h - what tokend reads in an IdP's answers (discovery, token,
 * introspection): one JSON object, its string members, endpoint URLs
 */
#ifndef PFX_IDPDOC_H
#define PFX_IDPDOC_H

#include <json-c/json.h>

#include "buf.h"

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

#endif
