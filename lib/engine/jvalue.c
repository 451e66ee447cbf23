/*
 * jvalue.c - follow a field path through a JSON document, and render a
 * JSON value for Postfix (json-c)
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jvalue.h"

#define JPATH_MAX_DEPTH	64

/* jpath_search - first key of that name in document order */

static struct json_object *
jpath_search(struct json_object *o, const char *name, int depth)
{
	struct json_object *r;
	size_t	 i, n;

	if (depth > JPATH_MAX_DEPTH)
		return (NULL);
	if (json_object_is_type(o, json_type_object)) {
		if (json_object_object_get_ex(o, name, &r))
			return (r);
		json_object_object_foreach(o, k, v) {
			(void)k;
			if (v != NULL && (r = jpath_search(v, name,
			    depth + 1)) != NULL)
				return (r);
		}
	}
	if (json_object_is_type(o, json_type_array)) {
		n = json_object_array_length(o);
		for (i = 0; i < n; i++) {
			struct json_object *v = json_object_array_get_idx(o, i);

			if (v != NULL && (r = jpath_search(v, name,
			    depth + 1)) != NULL)
				return (r);
		}
	}
	return (NULL);
}

struct json_object *
jpath_get(const struct jpath *jp, struct json_object *o)
{
	size_t	 i;

	if (jp->bare)
		return (jpath_search(o, jp->steps[0].name, 0));
	for (i = 0; i < jp->n && o != NULL; i++) {
		if (jp->steps[i].name != NULL) {
			if (!json_object_is_type(o, json_type_object) ||
			    !json_object_object_get_ex(o, jp->steps[i].name,
			    &o))
				return (NULL);
		} else {
			if (!json_object_is_type(o, json_type_array) ||
			    jp->steps[i].index >= json_object_array_length(o))
				return (NULL);
			o = json_object_array_get_idx(o, jp->steps[i].index);
		}
	}
	return (o);
}

/* shortest_double - the shortest text that reads back as the same d */

static int
shortest_double(struct buf *out, double d)
{
	char	 tmp[40];
	int	 prec;

	for (prec = 15; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			return (buf_puts(out, tmp));
	}
	return (buf_printf(out, "%.17g", d));
}

#define INT_TEXT_MAX	400	/* digits of an integer rendering */

/*
 * integral_text - a JSON number's text ("12", "1.5e1", "100e-2") as an
 * exact integer; 0 (nothing appended) when it has a fraction or is not
 * a plain number
 */
static int
integral_text(struct buf *out, const char *s, int *err)
{
	char	 dig[INT_TEXT_MAX + 1];
	size_t	 nd = 0, b, nf = 0;
	long	 exp = 0, k;
	int	 neg = 0, eneg = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	for (; *s >= '0' && *s <= '9'; s++)
		if ((nd > 0 || *s != '0') && nd < INT_TEXT_MAX)
			dig[nd++] = *s;
		else if (nd > 0)
			return (0);
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++) {
			if (nd == INT_TEXT_MAX)
				return (0);
			if (nd > 0 || *s != '0')
				dig[nd++] = *s;
			nf++;
		}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			eneg = *s++ == '-';
		for (; *s >= '0' && *s <= '9'; s++)
			if (exp < 100000)
				exp = exp * 10 + (*s - '0');
	}
	if (*s != '\0')
		return (0);
	if (nd == 0) {
		*err = buf_putc(out, '0');
		return (1);
	}
	k = (eneg ? -exp : exp) - (long)nf;
	if (k < 0) {
		if ((size_t)-k > nd)
			return (0);
		for (b = nd - (size_t)-k; b < nd; b++)
			if (dig[b] != '0')
				return (0);
		nd -= (size_t)-k;
		k = 0;
	}
	if (nd + (size_t)k > INT_TEXT_MAX)
		return (0);
	if ((*err = neg ? buf_putc(out, '-') : PFX_OK) == PFX_OK &&
	    (*err = buf_append(out, dig, nd)) == PFX_OK)
		for (; k > 0 && *err == PFX_OK; k--)
			*err = buf_putc(out, '0');
	return (1);
}

/* jvalue_number - integers exactly, others shortest; refuse NaN, inf */

static enum jvalue_status
jvalue_number(struct json_object *v, struct buf *out)
{
	const char *text;
	double	 d = json_object_get_double(v);
	int	 err = PFX_OK;

	if (json_object_is_type(v, json_type_double) && !isfinite(d))
		return (JV_BADNUM);
	/* the text json-c kept from the body, or its own for an int */
	text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	if (text == NULL || !integral_text(out, text, &err))
		err = shortest_double(out, d);
	return (err == PFX_OK ? JV_VALUE : JV_TOOBIG);
}

/* jvalue_scalar - append one scalar; JV_EMPTY when nothing was appended */

static enum jvalue_status
jvalue_scalar(struct json_object *v, struct buf *out)
{
	int	 err;

	switch (json_object_get_type(v)) {
	case json_type_string:
		if (json_object_get_string_len(v) == 0)
			return (JV_EMPTY);
		err = buf_append(out, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v));
		break;
	case json_type_int:
	case json_type_double:
		return (jvalue_number(v, out));
	case json_type_boolean:
		err = buf_puts(out, json_object_get_boolean(v) ? "true" :
		    "false");
		break;
	default:
		return (JV_EMPTY);
	}
	return (err == PFX_OK ? JV_VALUE : JV_TOOBIG);
}

/* jvalue_array - flatten nested arrays; separators only between values */

static enum jvalue_status
jvalue_array(struct json_object *a, struct buf *out, int depth, int *any)
{
	size_t	 i, n = json_object_array_length(a);
	struct json_object *v;
	enum jvalue_status st;

	if (depth > JPATH_MAX_DEPTH)
		return (JV_BADTYPE);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(a, i);
		if (v == NULL)
			continue;
		switch (json_object_get_type(v)) {
		case json_type_null:
			continue;
		case json_type_object:
			return (JV_BADTYPE);
		case json_type_array:
			st = jvalue_array(v, out, depth + 1, any);
			if (st != JV_VALUE && st != JV_EMPTY)
				return (st);
			continue;
		case json_type_string:
			if (json_object_get_string_len(v) == 0)
				continue;
			break;
		default:
			break;
		}
		if (*any && buf_putc(out, ',') != PFX_OK)
			return (JV_TOOBIG);
		if ((st = jvalue_scalar(v, out)) != JV_VALUE)
			return (st);
		*any = 1;
	}
	return (*any ? JV_VALUE : JV_EMPTY);
}

enum jvalue_status
jvalue_text(struct json_object *v, struct buf *out)
{
	int	 any = 0;

	if (v == NULL)
		return (JV_EMPTY);
	switch (json_object_get_type(v)) {
	case json_type_null:
		return (JV_EMPTY);
	case json_type_object:
		return (JV_BADTYPE);
	case json_type_array:
		return (jvalue_array(v, out, 0, &any));
	default:
		return (jvalue_scalar(v, out));
	}
}
