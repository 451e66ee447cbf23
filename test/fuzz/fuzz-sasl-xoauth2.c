/*
 * fuzz-sasl-xoauth2.c - the XOAUTH2 decoder alone (see fuzz-sasl-mech.h)
 */
#define FUZZ_MECH	SASL_XOAUTH2
#include "fuzz-sasl-mech.h"
