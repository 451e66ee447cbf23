/*
 * rid_seed.h - the seed of a request id sequence (codec/rid.h)
 */
#ifndef PFX_RID_SEED_H
#define PFX_RID_SEED_H

#include <stdint.h>

/*
 * rid_seed - random when the kernel has entropy at hand, else the time
 * and the pid: ids need to be distinct, not secret; never 0
 */
uint64_t rid_seed(void);

#endif
