/*
 * err.h - error codes shared by every pfxhttp module
 *
 * Library functions return 0 (PFX_OK) or a positive enum pfx_err value.
 * Allocation never fails for the caller (see xalloc.h).
 */
#ifndef PFX_ERR_H
#define PFX_ERR_H

enum pfx_err {
	PFX_OK = 0,
	PFX_EPROTO,	/* peer violated the wire protocol */
	PFX_ETOOBIG,	/* input exceeds a configured limit */
	PFX_EIO,	/* read/write error or unexpected EOF */
	PFX_ETIMEOUT,	/* deadline passed */
	PFX_EHTTP,	/* upstream failure: DNS, TLS, HTTP status */
	PFX_ECONFIG,	/* configuration rejected */
	PFX_EINVAL,	/* malformed value */
	PFX_EAGAIN,	/* not yet: the answer comes later */
	PFX_EPERM,	/* the peer refused: not for this caller */
};

const char *pfx_strerror(int);

#endif
