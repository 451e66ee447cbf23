/*
 * err.c - text for enum pfx_err
 */
#include "err.h"

const char *
pfx_strerror(int e)
{
	switch (e) {
	case PFX_OK:
		return ("success");
	case PFX_EPROTO:
		return ("protocol error");
	case PFX_ETOOBIG:
		return ("input exceeds limit");
	case PFX_EIO:
		return ("I/O error");
	case PFX_ETIMEOUT:
		return ("timed out");
	case PFX_EHTTP:
		return ("backend error");
	case PFX_ECONFIG:
		return ("configuration error");
	case PFX_EINVAL:
		return ("invalid value");
	case PFX_EAGAIN:
		return ("answer pending");
	case PFX_EPERM:
		return ("not permitted");
	}
	return ("unknown error");
}
