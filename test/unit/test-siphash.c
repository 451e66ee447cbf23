/*
 * test-siphash.c - SipHash-2-4 against the reference vectors (key
 * 00..0f, message 00..n-1), and the key really changes the hash
 */
#include <stdint.h>

#include "siphash.h"
#include "t.h"

static const struct {
	size_t		 n;
	uint64_t	 want;
} vec[] = {
	{ 0,	0x726fdb47dd0e0e31ULL },
	{ 1,	0x74f839c593dc67fdULL },
	{ 8,	0x93f5f5799a932462ULL },
	{ 15,	0xa129ca6149be45e5ULL },	/* the paper's example */
};

int
main(void)
{
	unsigned char kb[16], msg[64];
	struct sipkey k, k2;
	size_t	 i;

	for (i = 0; i < sizeof(kb); i++)
		kb[i] = (unsigned char)i;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)i;
	sipkey_from_bytes(&k, kb);
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++)
		ok(siphash24(&k, msg, vec[i].n) == vec[i].want,
		    "reference vector, %zu-byte message", vec[i].n);
	kb[0] ^= 1;
	sipkey_from_bytes(&k2, kb);
	ok(siphash24(&k2, msg, 15) != siphash24(&k, msg, 15),
	    "another key gives another hash");
	ok(siphash24(&k, msg, 16) != siphash24(&k, msg, 15),
	    "the length is part of the hash");
	return (done_testing());
}
