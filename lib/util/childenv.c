/*
 * childenv.c - the clean environment of a child program (see childenv.h)
 */
#include <stdlib.h>
#include <string.h>

#include "childenv.h"
#include "xalloc.h"

void
childenv_init(struct childenv *ce, size_t cap)
{
	ce->cap = cap;
	ce->n = 0;
	ce->v = xcalloc(cap + 1, sizeof(char *));
}

void
childenv_take(struct childenv *ce, char *nv)
{
	if (ce->n >= ce->cap)
		abort();	/* the caller counted wrong */
	ce->v[ce->n++] = nv;
}

void
childenv_set(struct childenv *ce, const char *name, const char *value)
{
	size_t	 nl = strlen(name), vl = strlen(value);
	char	*s = xmalloc(nl + 1 + vl + 1);

	memcpy(s, name, nl);
	s[nl] = '=';
	memcpy(s + nl + 1, value, vl + 1);
	childenv_take(ce, s);
}

/* has_name - does one of v[0..n) have the name of nv (len bytes)? */
static int
has_name(char *const *v, size_t n, const char *nv, size_t len)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strncmp(v[i], nv, len) == 0 && v[i][len] == '=')
			return (1);
	return (0);
}

char **
childenv_finish(struct childenv *ce, char *const *admin, size_t nadmin,
    const char *default_path)
{
	size_t	 reserved = ce->n, i, len;
	char	**v;

	/* room for every admin entry, PATH and the NULL */
	ce->cap += nadmin + 1;
	ce->v = xreallocarray(ce->v, ce->cap + 1, sizeof(char *));
	for (i = 0; i < nadmin; i++) {
		const char *eq = strchr(admin[i], '=');

		if (eq == NULL || eq == admin[i])
			continue;
		len = (size_t)(eq - admin[i]);
		/* the caller's names are reserved; the last one wins */
		if (has_name(ce->v, reserved, admin[i], len) ||
		    has_name(admin + i + 1, nadmin - i - 1, admin[i], len))
			continue;
		childenv_take(ce, xstrdup(admin[i]));
	}
	if (!has_name(ce->v, ce->n, "PATH", 4))
		childenv_set(ce, "PATH", default_path);
	ce->v[ce->n] = NULL;
	v = ce->v;
	ce->v = NULL;
	return (v);
}

void
strv_free(char **v)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}
