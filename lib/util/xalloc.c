/*
 * xalloc.c - allocation wrappers that never return NULL
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "xalloc.h"

static void
xalloc_die(void)
{
	log_nomem();		/* allocates nothing */
	_exit(75);		/* EX_TEMPFAIL */
}

void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n != 0 ? n : 1)) == NULL)
		xalloc_die();
	return (p);
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n != 0 ? n : 1, size != 0 ? size : 1)) == NULL)
		xalloc_die();
	return (p);
}

void *
xrealloc(void *old, size_t n)
{
	void	*p;

	if ((p = realloc(old, n != 0 ? n : 1)) == NULL)
		xalloc_die();
	return (p);
}

void *
xreallocarray(void *old, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		xalloc_die();
	return (xrealloc(old, n * size));
}

char *
xstrdup(const char *s)
{
	return (xmemdup(s, strlen(s) + 1));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return (p);
}

void *
xmemdup(const void *s, size_t n)
{
	void	*p = xmalloc(n);

	memcpy(p, s, n);
	return (p);
}

void
free_secret(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}
