/*
 * jvalue.h - JSON documents: follow a field path, render a value
 */
#ifndef PFX_JVALUE_H
#define PFX_JVALUE_H

#include <json-c/json.h>

#include "buf.h"
#include "jpath.h"

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
