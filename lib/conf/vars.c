/*
 * vars.c - the template variables of each kind
 *
 * .Key and .Name exist for every kind; the rest are the attribute names
 * of the kind's descriptor (kind.h).  A reference to anything else is a
 * typo, refused at load time.
 */
#include <string.h>

#include "kind.h"
#include "vars.h"

int
vars_resolve(const char *name, void *kindp)
{
	const struct kind *kd = kinds[*(enum conf_kind *)kindp];
	unsigned int i;

	if (strcmp(name, "Key") == 0)
		return (VAR_KEY);
	if (strcmp(name, "Name") == 0)
		return (VAR_NAME);
	for (i = 0; i < kd->nattrs; i++)
		if (strcmp(name, kd->attrs[i]) == 0)
			return (VAR_ATTR0 + (int)i);
	return (-1);
}

const char *
vars_attr(enum conf_kind kind, int id)
{
	const struct kind *kd = kinds[kind];

	return (id >= VAR_ATTR0 && (unsigned int)(id - VAR_ATTR0) <
	    kd->nattrs ? kd->attrs[id - VAR_ATTR0] : NULL);
}
