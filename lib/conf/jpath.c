/*
 * jpath.c - JSON field paths and value rendering
 *
 * SYNTAX
 *	path  = step *( "." name / "[" index "]" )
 *	step  = name / "[" index "]"
 *	A name is any run of bytes other than '.' and '['.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jpath.h"
#include "xalloc.h"

#define JPATH_MAX_STEPS	32
#define JPATH_MAX_DEPTH	64

struct jstep {
	char	*name;		/* NULL for an index step */
	size_t	 index;
};

struct jpath {
	struct jstep	 steps[JPATH_MAX_STEPS];
	size_t		 n;
	int		 bare;	/* a single name: search compatibly */
};

struct jpath *
jpath_compile(const char *s, const char **err)
{
	struct jpath *jp = xcalloc(1, sizeof(*jp));
	const char *p = s, *e;
	char	*end;
	unsigned long idx;

	while (*p != '\0') {
		if (jp->n == JPATH_MAX_STEPS) {
			*err = "too many path steps";
			goto bad;
		}
		if (*p == '[') {
			if (p[1] < '0' || p[1] > '9') {
				*err = "array index must be a number";
				goto bad;
			}
			idx = strtoul(p + 1, &end, 10);
			if (*end != ']' || idx > 1000000) {
				*err = "unterminated or huge array index";
				goto bad;
			}
			jp->steps[jp->n].index = idx;
			jp->n++;
			p = end + 1;
		} else {
			e = p + strcspn(p, ".[");
			if (e == p) {
				*err = "empty name in path";
				goto bad;
			}
			jp->steps[jp->n++].name = xstrndup(p, (size_t)(e - p));
			p = e;
		}
		if (*p == '.') {
			if (p[1] == '\0' || p[1] == '.' || p[1] == '[') {
				*err = "empty name in path";
				goto bad;
			}
			p++;
		} else if (*p != '\0' && *p != '[') {
			*err = "malformed path";
			goto bad;
		}
	}
	if (jp->n == 0) {
		*err = "empty path";
		goto bad;
	}
	jp->bare = jp->n == 1 && jp->steps[0].name != NULL;
	return (jp);
bad:
	jpath_free(jp);
	return (NULL);
}

void
jpath_free(struct jpath *jp)
{
	size_t	 i;

	if (jp == NULL)
		return;
	for (i = 0; i < jp->n; i++)
		free(jp->steps[i].name);
	free(jp);
}

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

/* jvalue_scalar - append one scalar; 1 if something was appended */

static int
jvalue_scalar(struct json_object *v, struct buf *out, int *err)
{
	double	 d;
	const char *s;

	switch (json_object_get_type(v)) {
	case json_type_string:
		s = json_object_get_string(v);
		*err = buf_append(out, s, (size_t)json_object_get_string_len(v));
		return (json_object_get_string_len(v) > 0);
	case json_type_int:
		*err = buf_printf(out, "%lld",
		    (long long)json_object_get_int64(v));
		return (1);
	case json_type_double:
		d = json_object_get_double(v);
		if (isfinite(d) && d == floor(d) && fabs(d) < 1e15)
			*err = buf_printf(out, "%.0f", d);
		else
			*err = shortest_double(out, d);
		return (1);
	case json_type_boolean:
		*err = buf_puts(out, json_object_get_boolean(v) ? "true" :
		    "false");
		return (1);
	default:
		*err = PFX_OK;
		return (0);
	}
}

/* jvalue_array - flatten nested arrays; separators only between values */

static enum jvalue_status
jvalue_array(struct json_object *a, struct buf *out, int depth, int *any)
{
	size_t	 i, n = json_object_array_length(a);
	struct json_object *v;
	enum jvalue_status st;
	int	 err;

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
			if (st == JV_BADTYPE || st == JV_TOOBIG)
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
		(void)jvalue_scalar(v, out, &err);
		if (err != PFX_OK)
			return (JV_TOOBIG);
		*any = 1;
	}
	return (*any ? JV_VALUE : JV_EMPTY);
}

enum jvalue_status
jvalue_text(struct json_object *v, struct buf *out)
{
	int	 err, any = 0;

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
		if (!jvalue_scalar(v, out, &err))
			return (JV_EMPTY);
		return (err == PFX_OK ? JV_VALUE : JV_TOOBIG);
	}
}
