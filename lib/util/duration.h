/*
 * duration.h - "500ms", "30s", "5m", "1h30m" (pfxhttp's Go-style units)
 */
#ifndef PFX_DURATION_H
#define PFX_DURATION_H

/* duration_parse - milliseconds, or -1 when malformed */
long long duration_parse(const char *);

#endif
