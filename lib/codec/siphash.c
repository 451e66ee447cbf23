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
	uint64_t v = 0;
	int	 i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return (v);
}

static void
sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

static void
compress(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sipround(v);
	sipround(v);
	v[0] ^= m;
}

uint64_t
siphash24(const struct sipkey *k, const void *data, size_t n)
{
	const unsigned char *p = data;
	unsigned char last[8];
	uint64_t v[4];
	size_t	 i, tail = n & 7;

	v[0] = k->k0 ^ 0x736f6d6570736575ULL;
	v[1] = k->k1 ^ 0x646f72616e646f6dULL;
	v[2] = k->k0 ^ 0x6c7967656e657261ULL;
	v[3] = k->k1 ^ 0x7465646279746573ULL;
	for (i = 0; i + 8 <= n; i += 8)
		compress(v, load_le64(p + i));
	memset(last, 0, sizeof(last));
	if (tail > 0)
		memcpy(last, p + i, tail);
	last[7] = (unsigned char)n;
	compress(v, load_le64(last));
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sipround(v);
	return (v[0] ^ v[1] ^ v[2] ^ v[3]);
}

void
sipkey_from_bytes(struct sipkey *k, const unsigned char b[16])
{
	k->k0 = load_le64(b);
	k->k1 = load_le64(b + 8);
}
