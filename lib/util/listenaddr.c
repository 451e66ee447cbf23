/*
 * listenaddr.c - a listen address of the configuration to a sockaddr
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "listenaddr.h"

/* port - 1..65535, digits only */
static int
port(const char *s, unsigned short *out)
{
	unsigned long v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return (0);
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return (0);
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v == 0 || v > 65535)
		return (0);
	*out = (unsigned short)v;
	return (1);
}

const char *
listen_addr_parse(const char *s, struct listen_addr *a)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;
	struct sockaddr_un *un = (struct sockaddr_un *)&a->ss;
	char	 host[64];
	const char *colon, *h;
	unsigned short p;
	size_t	 n;

	memset(a, 0, sizeof(*a));
	if (strncmp(s, "unix:", 5) == 0) {
		if (s[5] != '/')
			return ("unix: needs an absolute path");
		if (strlen(s + 5) >= sizeof(un->sun_path))
			return ("unix: path too long");
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, s + 5, strlen(s + 5));
		a->len = sizeof(*un);
		a->family = AF_UNIX;
		a->loopback = 1;
		return (NULL);
	}
	if (s[0] == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			return ("must be \"[IPv6]:PORT\"");
		h = s + 1;
		n = (size_t)(colon - h);
		colon++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return ("must be \"ADDRESS:PORT\", \"[IPv6]:PORT\" or"
			    " \"unix:/path\"");
		h = s;
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= sizeof(host))
		return ("has no address (use e.g. 127.0.0.1:9485)");
	memcpy(host, h, n);
	host[n] = '\0';
	if (!port(colon + 1, &p))
		return ("has no port 1..65535");
	if (s[0] != '[' && inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(p);
		a->len = sizeof(*in4);
		a->family = AF_INET;
		a->loopback = (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
		return (NULL);
	}
	if (s[0] == '[' && inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(p);
		a->len = sizeof(*in6);
		a->family = AF_INET6;
		a->loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
		return (NULL);
	}
	return (s[0] == '[' ? "has no IPv6 address in [ ]" :
	    "has no numeric IPv4 address (IPv6 goes in [ ]; no host names)");
}
