/*
 * jwt.c - sign client assertions for private_key_jwt
 *
 * DESCRIPTION
 *	Header {"alg","typ":"JWT"}, plus "kid" when one is given; claims
 *	iss = sub = client_id, aud = token endpoint, iat, exp = iat + 60 s
 *	and a random jti (so an assertion cannot be replayed and expires
 *	quickly).  RSA keys sign
 *	RS256/384/512 or PS256/384/512, EC keys ES256/384/512 (the curve
 *	decides), Ed25519 keys EdDSA.  ECDSA signatures are converted from
 *	DER to the fixed-size r||s form JWS requires.
 *
 * SECURITY
 *	The key file is read once and its bytes wiped; the key lives only
 *	in pfxhttp-tokend.
 */
#include <fcntl.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "err.h"
#include "escape.h"
#include "io.h"
#include "jwsalg.h"
#include "jwt.h"
#include "xalloc.h"

#define KEYFILE_MAX	(64 * 1024)

struct jwt_key {
	gnutls_privkey_t key;
	gnutls_pk_algorithm_t pk;
	gnutls_ecc_curve_t curve;
	char		 thumb[64];
};

/* read_file - a key file, as GnuTLS wants it (NUL-terminated) */

static int
read_file(const char *path, gnutls_datum_t *d)
{
	struct buf b;
	int	 r;

	buf_init(&b, KEYFILE_MAX);
	if ((r = io_read_file(path, &b)) != PFX_OK) {
		buf_free_secret(&b);
		return (r);
	}
	d->size = (unsigned int)b.len;
	d->data = (unsigned char *)(b.data != NULL ? b.data :
	    xcalloc(1, 1));	/* buf keeps the NUL after the data */
	return (PFX_OK);
}

/* pad_b64 - base64url of a big-endian number left-padded to size */

static int
pad_b64(struct buf *out, const gnutls_datum_t *d, size_t size)
{
	unsigned char tmp[160];
	const unsigned char *p = d->data;
	size_t	 n = d->size;

	while (n > 0 && *p == 0) {
		p++;
		n--;
	}
	if (size == 0)
		return (base64_encode(out, p, n, 1));
	if (n > size || size > sizeof(tmp))
		return (PFX_EINVAL);
	memset(tmp, 0, size - n);
	memcpy(tmp + size - n, p, n);
	return (base64_encode(out, tmp, size, 1));
}

static size_t
curve_size(gnutls_ecc_curve_t curve)
{
	size_t	 i;

	for (i = 0; i < jws_nalgs; i++)
		if (jws_algs[i].pk == GNUTLS_PK_ECDSA &&
		    jws_algs[i].curve == curve)
			return (jws_algs[i].half);
	return (0);
}

/* thumbprint - RFC 7638: SHA-256 of the canonical public JWK */

static int
thumbprint(struct jwt_key *jk)
{
	gnutls_pubkey_t pub;
	gnutls_datum_t a = { NULL, 0 }, b = { NULL, 0 };
	struct buf j, t;
	unsigned char digest[32];
	int	 r = PFX_EINVAL;

	if (gnutls_pubkey_init(&pub) < 0)
		return (PFX_EINVAL);
	buf_init(&j, 4096);
	buf_init(&t, sizeof(jk->thumb) - 1);
	if (gnutls_pubkey_import_privkey(pub, jk->key, 0, 0) < 0)
		goto out;
	if (jk->pk == GNUTLS_PK_RSA) {
		if (gnutls_pubkey_export_rsa_raw2(pub, &a, &b, 0) < 0)
			goto out;
		if (buf_puts(&j, "{\"e\":\"") || pad_b64(&j, &b, 0) ||
		    buf_puts(&j, "\",\"kty\":\"RSA\",\"n\":\"") ||
		    pad_b64(&j, &a, 0) || buf_puts(&j, "\"}"))
			goto out;
	} else if (jk->pk == GNUTLS_PK_ECDSA) {
		if (gnutls_pubkey_export_ecc_raw2(pub, &jk->curve, &a, &b,
		    0) < 0 || curve_size(jk->curve) == 0)
			goto out;
		if (buf_printf(&j, "{\"crv\":\"P-%zu\",\"kty\":\"EC\",\"x\":\"",
		    jk->curve == GNUTLS_ECC_CURVE_SECP521R1 ? (size_t)521 :
		    curve_size(jk->curve) * 8) ||
		    pad_b64(&j, &a, curve_size(jk->curve)) ||
		    buf_puts(&j, "\",\"y\":\"") ||
		    pad_b64(&j, &b, curve_size(jk->curve)) ||
		    buf_puts(&j, "\"}"))
			goto out;
	} else if (jk->pk == GNUTLS_PK_EDDSA_ED25519) {
		if (gnutls_pubkey_export_ecc_raw2(pub, &jk->curve, &a, NULL,
		    0) < 0)
			goto out;
		if (buf_puts(&j, "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"") ||
		    pad_b64(&j, &a, 32) || buf_puts(&j, "\"}"))
			goto out;
	} else
		goto out;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, j.data, j.len, digest) < 0 ||
	    base64_encode(&t, digest, sizeof(digest), 1) != PFX_OK)
		goto out;
	memcpy(jk->thumb, t.data, t.len + 1);
	r = PFX_OK;
out:
	gnutls_free(a.data);
	gnutls_free(b.data);
	gnutls_pubkey_deinit(pub);
	buf_free(&j);
	buf_free(&t);
	return (r);
}

struct jwt_key *
jwt_key_load(const char *path, char *err, size_t errlen)
{
	struct jwt_key *jk = xcalloc(1, sizeof(*jk));
	gnutls_datum_t d;
	unsigned int bits;
	int	 r;

	if ((r = read_file(path, &d)) != PFX_OK) {
		snprintf(err, errlen, "cannot read private key file %s", path);
		free(jk);
		return (NULL);
	}
	if (gnutls_privkey_init(&jk->key) < 0 ||
	    gnutls_privkey_import_x509_raw(jk->key, &d, GNUTLS_X509_FMT_PEM,
	    NULL, 0) < 0) {
		snprintf(err, errlen, "%s: not a PEM private key", path);
		goto bad;
	}
	jk->pk = (gnutls_pk_algorithm_t)gnutls_privkey_get_pk_algorithm(
	    jk->key, &bits);
	if (thumbprint(jk) != PFX_OK) {
		snprintf(err, errlen, "%s: unsupported key type (use RSA,"
		    " EC P-256/384/521 or Ed25519)", path);
		goto bad;
	}
	explicit_bzero(d.data, d.size);
	free(d.data);
	return (jk);
bad:
	explicit_bzero(d.data, d.size);
	free(d.data);
	jwt_key_free(jk);
	return (NULL);
}

void
jwt_key_free(struct jwt_key *jk)
{
	if (jk == NULL)
		return;
	if (jk->key != NULL)
		gnutls_privkey_deinit(jk->key);
	free(jk);
}

const char *
jwt_key_thumbprint(const struct jwt_key *jk)
{
	return (jk->thumb);
}

/* key_fits - may this key sign with this algorithm? */
static int
key_fits(const struct jws_alg *a, const struct jwt_key *jk)
{
	return (a->pk == jk->pk && (jk->pk != GNUTLS_PK_ECDSA ||
	    a->curve == jk->curve));
}

const char *
jwt_key_alg(const struct jwt_key *jk)
{
	size_t	 i;

	for (i = 0; i < jws_nalgs; i++)
		if (key_fits(&jws_algs[i], jk) && !jws_algs[i].verify_only)
			return (jws_algs[i].name);
	return (NULL);
}

/* ecdsa_raw - r||s, each left-padded to the curve size, base64url */

static int
ecdsa_raw(struct buf *out, const gnutls_datum_t *r, const gnutls_datum_t *s,
    size_t half)
{
	unsigned char raw[132];
	const gnutls_datum_t *v[2] = { r, s };
	const unsigned char *p;
	size_t	 k, n;

	for (k = 0; k < 2; k++) {
		p = v[k]->data;
		n = v[k]->size;
		while (n > half && *p == 0) {
			p++;
			n--;
		}
		if (n > half || 2 * half > sizeof(raw))
			return (PFX_EINVAL);
		memset(raw + k * half, 0, half - n);
		memcpy(raw + k * half + half - n, p, n);
	}
	return (base64_encode(out, raw, 2 * half, 1));
}

/* b64_part - base64url of a JSON text */

static int
b64_part(struct buf *out, const struct buf *in)
{
	return (base64_encode(out, in->data, in->len, 1));
}

int
jwt_assertion(const struct jwt_key *jk, const char *alg, const char *kid,
    const char *client_id, const char *aud, long long now_s, struct buf *out,
    char *err, size_t errlen)
{
	gnutls_datum_t data, sig = { NULL, 0 }, r = { NULL, 0 },
	    s = { NULL, 0 };
	unsigned char rnd[16];
	const struct jws_alg *a = NULL;
	struct buf hdr, cl;
	size_t	 i, start = out->len;
	int	 rc = PFX_EINVAL;

	*err = '\0';
	if (alg == NULL)
		alg = jwt_key_alg(jk);
	if (alg != NULL && (a = jws_alg_by_name(alg)) != NULL &&
	    (a->verify_only || !key_fits(a, jk)))
		a = NULL;
	if (alg == NULL || a == NULL) {
		snprintf(err, errlen, "signing_alg %s does not fit the key",
		    alg != NULL ? alg : "?");
		return (PFX_EINVAL);
	}
	if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) < 0) {
		snprintf(err, errlen, "no random bytes for jti");
		return (PFX_EINVAL);
	}
	buf_init(&hdr, 4096);
	buf_init(&cl, 16384);
	if (buf_printf(&hdr, "{\"alg\":\"%s\",\"typ\":\"JWT\"", alg) ||
	    (kid != NULL && (buf_puts(&hdr, ",\"kid\":\"") ||
	    escape_json(&hdr, kid, strlen(kid)) || buf_putc(&hdr, '"'))) ||
	    buf_putc(&hdr, '}'))
		goto out;
	if (buf_puts(&cl, "{\"iss\":\"") ||
	    escape_json(&cl, client_id, strlen(client_id)) ||
	    buf_puts(&cl, "\",\"sub\":\"") ||
	    escape_json(&cl, client_id, strlen(client_id)) ||
	    buf_puts(&cl, "\",\"aud\":\"") || escape_json(&cl, aud, strlen(aud)) ||
	    buf_printf(&cl, "\",\"iat\":%lld,\"exp\":%lld,\"jti\":\"", now_s,
	    now_s + 60))
		goto out;
	for (i = 0; i < sizeof(rnd); i++)
		if (buf_printf(&cl, "%02x", rnd[i]))
			goto out;
	if (buf_puts(&cl, "\"}") || b64_part(out, &hdr) ||
	    buf_putc(out, '.') || b64_part(out, &cl))
		goto out;
	data.data = (unsigned char *)out->data + start;
	data.size = (unsigned int)(out->len - start);
	if (gnutls_privkey_sign_data2(jk->key, a->sign, 0, &data,
	    &sig) < 0) {
		snprintf(err, errlen, "signing the client assertion failed");
		goto out;
	}
	if (buf_putc(out, '.'))
		goto out;
	if (jk->pk == GNUTLS_PK_ECDSA) {
		/* JWS wants raw r||s, each the size of the curve */
		if (gnutls_decode_rs_value(&sig, &r, &s) < 0 ||
		    ecdsa_raw(out, &r, &s, a->half) != PFX_OK)
			goto out;
	} else if (base64_encode(out, sig.data, sig.size, 1) != PFX_OK)
		goto out;
	rc = PFX_OK;
out:
	if (rc != PFX_OK) {
		buf_truncate(out, start);
		if (*err == '\0')
			snprintf(err, errlen, "cannot build client assertion");
	}
	gnutls_free(sig.data);
	gnutls_free(r.data);
	gnutls_free(s.data);
	buf_free(&hdr);
	buf_free(&cl);
	return (rc);
}
