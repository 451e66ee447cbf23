/*
 * test-utf8.c - strict UTF-8: no overlongs, no surrogates, <= U+10FFFF
 */
#include "t.h"
#include "utf8.h"

static const struct {
	const char	*name;
	const char	*s;
	size_t		 len;
	int		 valid;
	size_t		 first;	/* utf8_seq() at offset 0 */
} cases[] = {
	{ "ASCII",		W("hello"),		1, 1 },
	{ "empty",		W(""),			1, 0 },
	{ "NUL is ASCII",	W("\0"),		1, 1 },
	{ "2 bytes",		W("\xc3\xa9"),		1, 2 },
	{ "3 bytes",		W("\xe2\x82\xac"),	1, 3 },
	{ "4 bytes",		W("\xf0\x9f\x98\x80"),	1, 4 },
	{ "U+10FFFF",		W("\xf4\x8f\xbf\xbf"),	1, 4 },
	{ "above U+10FFFF",	W("\xf4\x90\x80\x80"),	0, 0 },
	{ "F5 lead",		W("\xf5\x80\x80\x80"),	0, 0 },
	{ "overlong 2 (C0)",	W("\xc0\xaf"),		0, 0 },
	{ "overlong 2 (C1)",	W("\xc1\xbf"),		0, 0 },
	{ "overlong 3",		W("\xe0\x80\xaf"),	0, 0 },
	{ "overlong 4",		W("\xf0\x80\x80\xaf"),	0, 0 },
	{ "surrogate D800",	W("\xed\xa0\x80"),	0, 0 },
	{ "surrogate DFFF",	W("\xed\xbf\xbf"),	0, 0 },
	{ "U+D7FF",		W("\xed\x9f\xbf"),	1, 3 },
	{ "U+E000",		W("\xee\x80\x80"),	1, 3 },
	{ "lone continuation",	W("\x80"),		0, 0 },
	{ "truncated 2",	W("\xc3"),		0, 0 },
	{ "truncated 3",	W("\xe2\x82"),		0, 0 },
	{ "truncated 4",	W("\xf0\x9f\x98"),	0, 0 },
	{ "bad continuation",	W("\xc3\x28"),		0, 0 },
	{ "FF",			W("\xff"),		0, 0 },
	{ "valid then bad",	W("ab\xc3\xa9\xff"),	0, 1 },
	{ "Latin-1 text",	W("caf\xe9"),		0, 1 },
};

int
main(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		is_int(utf8_valid(cases[i].s, cases[i].len) != 0,
		    cases[i].valid, "%s: valid", cases[i].name);
		if (cases[i].len > 0)
			is_int(utf8_seq((const unsigned char *)cases[i].s,
			    cases[i].len), cases[i].first, "%s: first sequence",
			    cases[i].name);
	}
	return (done_testing());
}
