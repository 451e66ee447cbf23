/*
 * server.h - pfxhttp-tokend's socket, event loop and request handling
 */
#ifndef PFX_SERVER_H
#define PFX_SERVER_H

#include "conf.h"

/* server_run - serve until SIGTERM/SIGINT; SIGHUP reloads conf_path */
int	 server_run(const char *conf_path, struct conf *);
/* server_stats - ask a running tokend; prints its counters */
int	 server_stats(const struct conf *);

#endif
