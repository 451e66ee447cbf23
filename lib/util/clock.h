/*
 * clock.h - monotonic milliseconds for deadlines and ages
 */
#ifndef PFX_CLOCK_H
#define PFX_CLOCK_H

long long clock_ms(void);
/* clock_sleep_ms - wait ms milliseconds (less when a signal comes) */
void	  clock_sleep_ms(long long ms);

#endif
