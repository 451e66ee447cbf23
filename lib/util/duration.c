/*
 * duration.c - Go-style duration strings, in milliseconds
 *
 * Accepts a sequence of <integer><unit> with units ms, s, m, h, d.
 * A bare number has no unit and is refused: "30" could mean anything.
 */
#include <string.h>

#include "duration.h"

#define DURATION_MAX	(1000LL * 3600 * 24 * 366)

long long
duration_parse(const char *s)
{
	static const struct {
		const char	*unit;
		long long	 ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	long long total = 0, n;
	size_t	 i, ulen;
	int	 digits;

	if (*s == '\0')
		return (-1);
	while (*s != '\0') {
		n = 0;
		digits = 0;
		while (*s >= '0' && *s <= '9') {
			if (n > DURATION_MAX)
				return (-1);
			n = n * 10 + (*s++ - '0');
			digits++;
		}
		if (digits == 0)
			return (-1);
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			ulen = strlen(units[i].unit);
			/* "m" must not match the start of "ms" */
			if (strncmp(s, units[i].unit, ulen) == 0 &&
			    !(ulen == 1 && s[0] == 'm' && s[1] == 's'))
				break;
		}
		if (i == sizeof(units) / sizeof(units[0]))
			return (-1);
		s += ulen;
		if (n > DURATION_MAX / units[i].ms)
			return (-1);
		total += n * units[i].ms;
		if (total > DURATION_MAX)
			return (-1);
	}
	return (total);
}
