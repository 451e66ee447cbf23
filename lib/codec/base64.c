/*
 * base64.c - base64 encoding and strict decoding
 *
 * The URL alphabet (RFC 4648 section 5) is written without padding, as
 * JOSE requires; the standard alphabet always with padding.
 */
#include "base64.h"
#include "err.h"

static const char std_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
base64_encode(struct buf *out, const void *in, size_t n, int url)
{
	const unsigned char *p = in;
	const char *a = url ? url_alpha : std_alpha;
	char	 q[4];
	size_t	 i;
	unsigned int v;
	int	 r;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		q[0] = a[v >> 18];
		q[1] = a[(v >> 12) & 63];
		q[2] = a[(v >> 6) & 63];
		q[3] = a[v & 63];
		if ((r = buf_append(out, q, 4)) != PFX_OK)
			return (r);
	}
	if (i < n) {
		v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		q[0] = a[v >> 18];
		q[1] = a[(v >> 12) & 63];
		q[2] = i + 1 < n ? a[(v >> 6) & 63] : '=';
		q[3] = '=';
		if (url)
			r = buf_append(out, q, i + 1 < n ? 3 : 2);
		else
			r = buf_append(out, q, 4);
		if (r != PFX_OK)
			return (r);
	}
	return (PFX_OK);
}

static int
b64val(int c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == (url ? '-' : '+'))
		return (62);
	if (c == (url ? '_' : '/'))
		return (63);
	return (-1);
}

int
base64_decode(struct buf *out, const char *s, size_t n, int url)
{
	size_t	 i, pad = 0;
	unsigned int v;
	int	 k, j, r;
	unsigned char b[3];

	if (!url) {
		if (n % 4 != 0)
			return (PFX_EINVAL);
		if (n > 0 && s[n - 1] == '=')
			pad++;
		if (n > 1 && s[n - 2] == '=')
			pad++;
	} else if (n % 4 == 1)
		return (PFX_EINVAL);
	for (i = 0; i < n - pad; i += 4) {
		v = 0;
		for (j = 0; j < 4; j++) {
			if (i + (size_t)j >= n - pad) {
				v <<= 6;
				continue;
			}
			if ((k = b64val((unsigned char)s[i + j], url)) < 0)
				return (PFX_EINVAL);
			v = v << 6 | (unsigned)k;
		}
		b[0] = (unsigned char)(v >> 16);
		b[1] = (unsigned char)(v >> 8);
		b[2] = (unsigned char)v;
		k = (int)(n - pad - i >= 4 ? 3 : (n - pad - i) * 6 / 8);
		/* the unused low bits of the last quantum must be zero */
		if (k < 3 && (v & (0xffffffu >> (8 * k))) != 0)
			return (PFX_EINVAL);
		if ((r = buf_append(out, b, (size_t)k)) != PFX_OK)
			return (r);
	}
	return (PFX_OK);
}
