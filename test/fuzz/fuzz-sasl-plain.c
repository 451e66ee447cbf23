/*
 * fuzz-sasl-plain.c - the PLAIN decoder alone (see fuzz-sasl-mech.h)
 */
#define FUZZ_MECH	SASL_PLAIN
#include "fuzz-sasl-mech.h"
