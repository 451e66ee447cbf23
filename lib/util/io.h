/*
 * io.h - whole writes on blocking descriptors
 */
#ifndef PFX_IO_H
#define PFX_IO_H

#include <stddef.h>

/* io_write_all - write n bytes, retrying short writes and EINTR */
int	 io_write_all(int fd, const char *, size_t);
/*
 * io_write_by - the same on a non-blocking descriptor, by a deadline
 * (clock_ms()): PFX_ETIMEOUT when the peer stops reading
 */
int	 io_write_by(int fd, const char *, size_t, long long deadline_ms);

/*
 * io_read_file - the whole file into out (which may hold a secret: out
 * is wiped on failure); PFX_ETOOBIG past out's limit
 */
struct buf;
int	 io_read_file(const char *path, struct buf *out);
/*
 * io_no_core_dumps - no core file; with no_ptrace not dumpable at all
 * (no ptrace or /proc/PID/mem by other processes of the same user)
 */
void	 io_no_core_dumps(int no_ptrace);

#endif
