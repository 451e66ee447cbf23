/*
 * filter_command.h - the command verdict of an smtp_filters entry:
 * postprox's filter contract, run on one spooled message
 */
#ifndef PFX_FILTER_COMMAND_H
#define PFX_FILTER_COMMAND_H

#include <stddef.h>

#include "conf.h"

struct filter_msg {		/* what a verdict sees of one message */
	const char	*email_path;	/* the message, dot-unstuffed, LF line ends (postprox's $EMAIL), mode 0600 */
	const char	*outfile_path;	/* an empty file, mode 0600: a replacement if non-empty after exit 0 */
	const char	*sender;	/* bare address, "" for <> */
	const char *const *rcpts;	/* bare addresses the downstream accepted */
	size_t		 nrcpts;
	const char	*client_address;	/* from XFORWARD ADDR (xtext-decoded, "" when unknown) */
	const char	*client_name;	/* XFORWARD NAME */
	const char	*helo;		/* XFORWARD HELO */
};

enum filter_verdict { FV_ACCEPT, FV_REPLACE, FV_REJECT, FV_FAILED };

struct filter_result {
	enum filter_verdict v;
	char	 reply[1024];	/* FV_REJECT: the SMTP reply line, no CRLF, e.g. "554 5.7.1 virus found" */
	char	 why[256];	/* FV_FAILED (and others): for the log: "exit status 3", "timed out after 30s", "killed by signal 9", "cannot run /x: No such file" */
};

/*
 * filter_command_run - run the entry's command on one message.  Returns
 * when it exited, when deadline_ms (CLOCK_MONOTONIC ms as clock_ms() in
 * lib/util/clock.h) passed (its whole process group is killed with
 * SIGKILL and reaped), or when watch_fd (the Postfix socket; -1 for
 * none) became readable-at-EOF or hung up (then also killed; FV_FAILED,
 * why "client went away").  Never writes to fd 2.
 */
void	 filter_command_run(const struct conf_entry *e,
	    const struct filter_msg *m, long long deadline_ms, int watch_fd,
	    struct filter_result *res);

#endif
