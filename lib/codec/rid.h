/*
 * rid.h - request ids: one per lookup, in the backend's request header
 * and in every log line about the lookup, so an admin can go from a
 * maillog line to the backend's log line
 */
#ifndef PFX_RID_H
#define PFX_RID_H

#include <stddef.h>
#include <stdint.h>

/* "QUEUEID." (at most 32) + 16 hex digits + NUL */
#define RID_MAX		64
#define RID_QUEUE_MAX	32

/*
 * rid_valid - may this travel in a header and a log line?  1 to RID_MAX
 * bytes of letters, digits, '.', '-' and '_'
 */
int	 rid_valid(const char *, size_t);
/*
 * rid_make - the next id into out (RID_MAX + 1 bytes): 16 hex digits
 * from *state (a splitmix64 sequence: no system call per lookup), after
 * "QUEUEID." when queue_id is a Postfix queue id (letters and digits,
 * at most RID_QUEUE_MAX; anything else a peer sent is left out)
 */
void	 rid_make(char *out, uint64_t *state, const char *queue_id,
	    size_t queue_len);

#endif
