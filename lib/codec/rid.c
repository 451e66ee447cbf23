/*
 * rid.c - make and check request ids (see rid.h)
 */
#include <string.h>

#include "rid.h"

static int
id_char(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_');
}

int
rid_valid(const char *p, size_t n)
{
	size_t	 i;

	if (n == 0 || n > RID_MAX)
		return (0);
	for (i = 0; i < n; i++)
		if (!id_char((unsigned char)p[i]))
			return (0);
	return (1);
}

/* queue_id_ok - Postfix's short (hex) and long (base 52) queue ids */
static int
queue_id_ok(const char *p, size_t n)
{
	size_t	 i;

	if (p == NULL || n == 0 || n > RID_QUEUE_MAX)
		return (0);
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' &&
		    p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9')))
			return (0);
	return (1);
}

void
rid_make(char *out, uint64_t *state, const char *queue_id, size_t queue_len)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t z;
	size_t	 o = 0;
	int	 i;

	/* splitmix64: every state gives a different id */
	z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	if (queue_id_ok(queue_id, queue_len)) {
		memcpy(out, queue_id, queue_len);
		o = queue_len;
		out[o++] = '.';
	}
	for (i = 60; i >= 0; i -= 4)
		out[o++] = hex[(z >> i) & 0xf];
	out[o] = '\0';
}
