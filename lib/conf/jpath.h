/*
 * jpath.h - deterministic JSON field paths: "data.result", "items[0].name"
 *
 * A bare name ("result") matches a top-level key first and otherwise the
 * first key of that name in document order, so configurations written
 * for pfxhttp's any-depth search keep working, deterministically.
 */
#ifndef PFX_JPATH_H
#define PFX_JPATH_H

#include <json-c/json.h>

#include "buf.h"

struct jpath;

/* jpath_compile - NULL and a reason in *err when malformed */
struct jpath *jpath_compile(const char *, const char **err);
void	 jpath_free(struct jpath *);
/* jpath_get - borrowed reference, NULL when absent */
struct json_object *jpath_get(const struct jpath *, struct json_object *);

enum jvalue_status { JV_VALUE, JV_EMPTY, JV_BADTYPE, JV_TOOBIG, JV_BADNUM };

/*
 * jvalue_text - render a JSON value for Postfix: strings as is, integral
 * numbers as exact integers (1e3 is 1000, from the number's text where
 * json-c kept it), other numbers in their shortest exact form, booleans
 * as true/false, arrays of scalars joined with commas.  null, "" and []
 * are JV_EMPTY; objects JV_BADTYPE; NaN and infinities JV_BADNUM.
 */
enum jvalue_status jvalue_text(struct json_object *, struct buf *);

#endif
