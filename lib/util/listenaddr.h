/*
 * listenaddr.h - "127.0.0.1:PORT", "[::1]:PORT" or "unix:/path" to a
 * socket address, for listeners of our own (tokend's metrics)
 *
 * Only numeric addresses: a listener must not depend on DNS at start
 * or reload.
 */
#ifndef PFX_LISTENADDR_H
#define PFX_LISTENADDR_H

#include <sys/socket.h>

struct listen_addr {
	struct sockaddr_storage ss;
	socklen_t	 len;
	int		 family;	/* AF_INET, AF_INET6, AF_UNIX */
	int		 loopback;	/* 127/8, ::1 (unix: 1) */
};

/* listen_addr_parse - NULL, or why s is no listen address */
const char *listen_addr_parse(const char *s, struct listen_addr *);

#endif
