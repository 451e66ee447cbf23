/*
 * rid_seed.c - the seed of a request id sequence (see rid_seed.h)
 */
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"
#include "rid_seed.h"

uint64_t
rid_seed(void)
{
	uint64_t s;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
		s = (uint64_t)clock_ms() ^ (uint64_t)getpid() << 32;
	return (s != 0 ? s : 1);
}
