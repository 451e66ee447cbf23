/*
 * fuzz.h - shared by the fuzz targets
 *
 * Each target is one LLVMFuzzerTestOneInput().  Built with
 * -Dfuzzing=true it links against libFuzzer; otherwise replay-main.c
 * supplies main() and the target replays its checked-in corpus as a
 * meson test.  An invariant that fails calls abort(), which both
 * libFuzzer and the test runner report as a crash.
 */
#ifndef PFX_FUZZ_H
#define PFX_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

#endif
