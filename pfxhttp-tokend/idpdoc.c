/*
 * idpdoc.c - an IdP's JSON answers, read the same way everywhere
 */
#include <strings.h>

#include "idpdoc.h"

#define IDPDOC_DEPTH	32

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
