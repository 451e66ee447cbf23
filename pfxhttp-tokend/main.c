/*
 * pfxhttp-tokend - where pfxhttp-spawn's lookups run: backends, tokens, cache
 *
 * SYNOPSIS
 *	pfxhttp-tokend [-c FILE] [-f]
 *	pfxhttp-tokend [-c FILE] -t
 *	pfxhttp-tokend [-c FILE] -s
 *
 * DESCRIPTION
 *	The only pfxhttp process that reads client secrets and private
 *	keys.  Short-lived pfxhttp-spawn processes send it their requests
 *	over a UNIX socket (server.tokend.socket); it calls the backends on
 *	one connection pool, with OIDC client-credentials tokens it fetches
 *	and the shared response cache.  -f stays in the
 *	foreground (systemd, tests), -t checks the configuration including
 *	the key files, -s prints the running daemon's counters.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "jwt.h"
#include "io.h"
#include "log.h"
#include "metrics.h"
#include "server.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: pfxhttp-tokend [-c FILE] [-f]\n"
	    "       pfxhttp-tokend [-c FILE] -t | -s\n"
	    "       pfxhttp-tokend --version | -h\n");
}

/* check_keys - -t also proves every private key can be used */

static int
check_keys(const struct conf *c)
{
	const struct conf_oidc *o;
	struct jwt_key *jk;
	char	 err[512];
	size_t	 i;
	int	 rc = 0;

	for (i = 0; i < c->nentries; i++) {
		o = &c->entries[i].backend_oidc_auth;
		if (!o->enabled || o->method != OIDC_PRIVATE_KEY_JWT)
			continue;
		if ((jk = jwt_key_load(o->private_key_file, err,
		    sizeof(err))) == NULL) {
			fprintf(stderr, "%s: %s.%s: %s\n", c->file,
			    conf_kind_section(c->entries[i].kind),
			    c->entries[i].name, err);
			rc = 1;
		}
		jwt_key_free(jk);
	}
	return (rc);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "test", no_argument, NULL, 't' },
		{ "stats", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	struct conf *c;
	char	 err[1024];
	size_t	 i;
	int	 ch, fg = 0, check = 0, stats = 0, rc;

	while ((ch = getopt_long(argc, argv, "c:fthsV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			fg = 1;
			break;
		case 't':
			check = 1;
			break;
		case 's':
			stats = 1;
			break;
		case 'h':
			usage(stdout);
			return (0);
		case 'V':
			printf("pfxhttp-tokend %s\n", PFXHTTP_VERSION);
			return (0);
		default:
			usage(stderr);
			return (64);
		}
	}
	if (optind != argc) {
		usage(stderr);
		return (64);
	}
	if (path == NULL && (path = getenv("PFXHTTP_CONFIG")) == NULL)
		path = CONF_DEFAULT_PATH;
	/* tokens and secrets live in this process: no dumps, no ptrace */
	io_no_core_dumps(1);
	if ((c = conf_load(path, stats ? 0 : CONF_SECRETS, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return (stats ? 1 : 78);
	}
	if (stats) {
		rc = server_stats(c);
		conf_free(c);
		return (rc);
	}
	if (check) {
		for (i = 0; i < c->nwarnings; i++)
			fprintf(stderr, "%s: warning: %s\n", path,
			    c->warnings[i]);
		rc = check_keys(c);
		if (c->tokend.metrics.listen != NULL) {
			if (metrics_check(&c->tokend.metrics, err,
			    sizeof(err)) != 0) {
				fprintf(stderr, "%s: %s\n", path, err);
				rc = 1;
			} else
				printf("%s: metrics at %s/metrics%s\n", path,
				    c->tokend.metrics.listen,
				    c->tokend.metrics.auth ? " (basic auth)" :
				    "");
		}
		if (rc == 0)
			printf("%s: configuration OK\n", path);
		conf_free(c);
		return (rc);
	}
	log_init("pfxhttp-tokend", fg && isatty(STDERR_FILENO));
	log_set_level(c->log_level);
	for (i = 0; i < c->nwarnings; i++)
		log_warnx("%s: %s", c->file, c->warnings[i]);
	if (!fg && daemon(0, 0) != 0) {
		fprintf(stderr, "pfxhttp-tokend: cannot daemonize\n");
		return (71);
	}
	/* c->file is absolute: daemon() changes to "/" */
	return (server_run(c->file, c));
}
