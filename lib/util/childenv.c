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

/* same_name - do two NAME=value strings have the name of a, len bytes? */
static int
same_name(const char *b, const char *a, size_t len)
{
	return (strncmp(a, b, len) == 0 && b[len] == '=');
}

static int
is_set(const struct childenv *ce, const char *nv, size_t len)
{
	size_t	 i;

	for (i = 0; i < ce->n; i++)
		if (same_name(ce->v[i], nv, len))
			return (1);
	return (0);
}

char **
childenv_finish(struct childenv *ce, char *const *admin, size_t nadmin,
    const char *default_path)
{
	size_t	 reserved = ce->n, i, j, len;
	char	**v;
	int	 path = 0;

	/* room for every admin entry and PATH, beyond the caller's count */
	v = xcalloc(ce->cap + nadmin + 2, sizeof(char *));
	memcpy(v, ce->v, ce->n * sizeof(char *));
	free(ce->v);
	ce->v = v;
	ce->cap += nadmin + 1;
	for (i = 0; i < nadmin; i++) {
		const char *eq = strchr(admin[i], '=');

		if (eq == NULL || eq == admin[i])
			continue;
		len = (size_t)(eq - admin[i]);
		for (j = 0; j < reserved; j++)
			if (same_name(ce->v[j], admin[i], len))
				break;
		if (j < reserved)
			continue;
		for (j = i + 1; j < nadmin; j++)
			if (same_name(admin[j], admin[i], len))
				break;
		if (j < nadmin)
			continue;	/* the last one wins */
		path |= len == 4 && strncmp(admin[i], "PATH", 4) == 0;
		childenv_take(ce, xstrdup(admin[i]));
	}
	if (!path && !is_set(ce, "PATH=", 4))
		childenv_set(ce, "PATH", default_path);
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
