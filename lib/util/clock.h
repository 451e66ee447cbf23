/*
 * clock.h - monotonic milliseconds for deadlines and ages
 */
#ifndef PFX_CLOCK_H
#define PFX_CLOCK_H

long long clock_ms(void);

#endif
