/*
 * fuzz-sasl-oauthbearer.c - the OAUTHBEARER decoder alone (see fuzz-sasl-mech.h)
 */
#define FUZZ_MECH	SASL_OAUTHBEARER
#include "fuzz-sasl-mech.h"
