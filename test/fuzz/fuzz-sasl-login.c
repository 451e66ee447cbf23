/*
 * fuzz-sasl-login.c - the LOGIN decoder alone (see fuzz-sasl-mech.h)
 */
#define FUZZ_MECH	SASL_LOGIN
#include "fuzz-sasl-mech.h"
