/*
 * serve.h - the request loop of one Postfix connection
 */
#ifndef PFX_SERVE_H
#define PFX_SERVE_H

#include "conf.h"
#include "proto.h"

struct serve_args {
	const struct conf *conf;
	const struct proto_ops *ops;
	enum conf_kind	 kind;
	const struct conf_entry *entry;	/* NULL: chosen per request */
	int		 in, out;
	int		 log_to_stderr;
};

/*
 * serve - answer requests until EOF, idle timeout or a broken connection;
 * the exit status, 0: the client's going is no error of the helper's
 */
int	 serve(const struct serve_args *);

#endif
