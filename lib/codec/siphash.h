/*
 * siphash.h - SipHash-2-4, a keyed hash for network-controlled keys
 */
#ifndef PFX_SIPHASH_H
#define PFX_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct sipkey {
	uint64_t	 k0, k1;
};

/* sipkey_from_bytes - the 16-byte key, little-endian as in the paper */
void	 sipkey_from_bytes(struct sipkey *, const unsigned char[16]);
uint64_t siphash24(const struct sipkey *, const void *, size_t);

#endif
