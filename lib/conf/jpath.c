/*
 * jpath.c - JSON field paths: parsing (pure; jvalue.c follows them)
 *
 * SYNTAX
 *	path  = step *( "." name / "[" index "]" )
 *	step  = name / "[" index "]"
 *	A name is any run of bytes other than '.' and '['.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jpath.h"
#include "xalloc.h"

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
