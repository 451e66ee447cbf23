/*
 * test-listenaddr.c - listen addresses of the configuration (metrics)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "listenaddr.h"
#include "t.h"

static int
good(const char *s, int family, int port, int loopback)
{
	struct listen_addr a;
	const char *why = listen_addr_parse(s, &a);

	if (why != NULL) {
		printf("#   %s: %s\n", s, why);
		return (0);
	}
	if (a.family != family || a.loopback != loopback)
		return (0);
	if (family == AF_INET)
		return (ntohs(((struct sockaddr_in *)&a.ss)->sin_port) == port);
	if (family == AF_INET6)
		return (ntohs(((struct sockaddr_in6 *)&a.ss)->sin6_port) ==
		    port);
	return (strcmp(((struct sockaddr_un *)&a.ss)->sun_path, s + 5) == 0);
}

static int
bad(const char *s)
{
	struct listen_addr a;

	return (listen_addr_parse(s, &a) != NULL);
}

int
main(void)
{
	char	 longpath[200];

	ok(good("127.0.0.1:9485", AF_INET, 9485, 1), "IPv4 loopback");
	ok(good("0.0.0.0:1", AF_INET, 1, 0), "IPv4 any, port 1");
	ok(good("192.0.2.7:65535", AF_INET, 65535, 0), "IPv4, port 65535");
	ok(good("[::1]:9485", AF_INET6, 9485, 1), "IPv6 loopback");
	ok(good("[::]:80", AF_INET6, 80, 0), "IPv6 any");
	ok(good("unix:/run/pfxhttp/metrics.sock", AF_UNIX, 0, 1), "unix");
	ok(bad("127.0.0.1"), "no port");
	ok(bad("127.0.0.1:"), "empty port");
	ok(bad("127.0.0.1:0"), "port 0");
	ok(bad("127.0.0.1:65536"), "port too large");
	ok(bad("127.0.0.1:94x5"), "port not a number");
	ok(bad("127.0.0.1:+80"), "port with a sign");
	ok(bad(":9485"), "no address");
	ok(bad("localhost:9485"), "no host names");
	ok(bad("::1:9485"), "IPv6 without brackets");
	ok(bad("[::1]9485"), "IPv6 without colon");
	ok(bad("[127.0.0.1]:9485"), "IPv4 in brackets");
	ok(bad("unix:metrics.sock"), "unix: relative");
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	{
		char	 s[256] = "unix:";

		memcpy(s + 5, longpath, sizeof(longpath));
		ok(bad(s), "unix: too long");
	}
	ok(bad(""), "empty");
	return (done_testing());
}
