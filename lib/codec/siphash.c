/*
 * siphash.c - SipHash-2-4 (Aumasson and Bernstein, 2012)
 *
 * DESCRIPTION
 *	A keyed hash for tables whose keys come from the network: with a
 *	random key per process, nobody outside can make keys collide, so
 *	a flood of crafted recipients cannot turn a hash table into a list.
 */
#include <stdint.h>
#include <string.h>

#include "siphash.h"

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t
load_le64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);	/* one load, not eight */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return (v);
}

/* the state lives in four locals, so that it stays in registers */
#define SIPROUND do {						\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

#define COMPRESS(m) do {					\
	uint64_t m_ = (m);					\
	v3 ^= m_; SIPROUND; SIPROUND; v0 ^= m_;			\
} while (0)

uint64_t
siphash24(const struct sipkey *k, const void *data, size_t n)
{
	const unsigned char *p = data;
	unsigned char last[8];
	uint64_t v0, v1, v2, v3;
	size_t	 i, tail = n & 7;

	v0 = k->k0 ^ 0x736f6d6570736575ULL;
	v1 = k->k1 ^ 0x646f72616e646f6dULL;
	v2 = k->k0 ^ 0x6c7967656e657261ULL;
	v3 = k->k1 ^ 0x7465646279746573ULL;
	for (i = 0; i + 8 <= n; i += 8)
		COMPRESS(load_le64(p + i));
	memset(last, 0, sizeof(last));
	if (tail > 0)
		memcpy(last, p + i, tail);
	last[7] = (unsigned char)n;
	COMPRESS(load_le64(last));
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return (v0 ^ v1 ^ v2 ^ v3);
}

void
sipkey_from_bytes(struct sipkey *k, const unsigned char b[16])
{
	k->k0 = load_le64(b);
	k->k1 = load_le64(b + 8);
}
