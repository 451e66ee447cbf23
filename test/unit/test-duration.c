/*
 * test-duration.c - Go-style durations in milliseconds
 */
#include "duration.h"
#include "t.h"

static const struct {
	const char	*in;
	long long	 ms;
} cases[] = {
	{ "500ms",	500 },
	{ "30s",	30000 },
	{ "5m",		300000 },
	{ "1h",		3600000 },
	{ "1d",		86400000 },
	{ "1h30m",	5400000 },
	{ "1m30s",	90000 },
	{ "1s500ms",	1500 },
	{ "0s",		0 },
	{ "0ms",	0 },
	{ "007s",	7000 },
	{ "2m2ms",	120002 },
	{ "366d",	31622400000LL },
	{ "30",		-1 },		/* no unit: refused */
	{ "",		-1 },
	{ "s",		-1 },
	{ "ms",		-1 },
	{ "-1s",	-1 },
	{ "+1s",	-1 },
	{ "1.5s",	-1 },
	{ "1 s",	-1 },
	{ " 1s",	-1 },
	{ "1s ",	-1 },
	{ "1S",		-1 },
	{ "1sec",	-1 },
	{ "1us",	-1 },
	{ "1h30",	-1 },
	{ "367d",	-1 },		/* over a year */
	{ "8785h",	-1 },
	{ "99999999999999999999s", -1 },	/* overflow */
	{ "9223372036854775807ms", -1 },
	{ "300d300d",	-1 },		/* the sum overflows the cap */
};

int
main(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(duration_parse(cases[i].in), cases[i].ms, "\"%s\"",
		    cases[i].in);
	return (done_testing());
}
