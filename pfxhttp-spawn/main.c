/*
 * pfxhttp-spawn - answer Postfix lookups by asking HTTP APIs
 *
 * SYNOPSIS
 *	pfxhttp-spawn [-c FILE] socketmap
 *	pfxhttp-spawn [-c FILE] tcp NAME
 *	pfxhttp-spawn [-c FILE] policy NAME
 *	pfxhttp-spawn [-c FILE] -t
 *	pfxhttp-spawn [-c FILE] explain KIND NAME KEY|ATTR=VALUE... [--json]
 *
 * DESCRIPTION
 *	Postfix spawn(8) starts one process per client connection, with
 *	stdin, stdout and stderr all connected to the client.  So nothing
 *	but protocol replies may reach fd 1 or fd 2: diagnostics go to
 *	syslog (facility mail), and to stderr only when it is a terminal.
 */
#include <getopt.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "explain.h"
#include "fallback.h"
#include "filter.h"
#include "kind.h"
#include "io.h"
#include "log.h"
#include "proto.h"
#include "serve.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: pfxhttp-spawn [-c FILE] socketmap\n"
	    "       pfxhttp-spawn [-c FILE] tcp NAME\n"
	    "       pfxhttp-spawn [-c FILE] policy NAME\n"
	    "       pfxhttp-spawn [-c FILE] sasl NAME\n"
	    "       pfxhttp-spawn [-c FILE] smtpfilter NAME\n"
	    "       pfxhttp-spawn [-c FILE] -t\n"
	    "       pfxhttp-spawn [-c FILE] explain socketmap|tcp|policy NAME"
	    " KEY|ATTR=VALUE... [--json]\n"
	    "       pfxhttp-spawn --version | -h\n"
	    "The configuration defaults to $PFXHTTP_CONFIG or "
	    CONF_DEFAULT_PATH ".\n");
}

/*
 * report - -t: the warnings, and which attributes identify a cached
 * answer of the entries whose requests are attributes
 */
static void
report(const char *path, const struct conf *c)
{
	const struct conf_entry *e;
	const struct kind *kd;
	size_t	 i;
	unsigned int a;

	for (i = 0; i < c->nwarnings; i++)
		fprintf(stderr, "%s: warning: %s\n", path, c->warnings[i]);
	for (i = 0; i < c->nentries; i++) {
		e = &c->entries[i];
		/* logins and messages are never cached */
		if ((kd = kinds[e->kind])->nattrs == 0 || kd->secret ||
		    kd->relay)
			continue;
		printf("%s.%s: cache key:", kd->section, e->name);
		if (e->cache_all_attrs)
			printf(" every attribute\n");
		else {
			for (a = 0; a < kd->nattrs; a++)
				if (e->cache_attrs & (1ULL << a))
					printf(" %s", kd->attrs[a]);
			printf("\n");
		}
	}
}

/*
 * needs_direct - must this process be able to call a backend itself?
 * An HTTP filter verdict always; a lookup or login when no tokend does
 * it.  A command filter never.
 */
static int
needs_direct(const struct conf *c)
{
	const struct conf_entry *e;
	size_t	 i;

	for (i = 0; i < c->nentries; i++) {
		e = &c->entries[i];
		if (kinds[e->kind]->relay ? e->target != NULL :
		    !c->tokend.use)
			return (1);
	}
	return (0);
}

/* quiet_stderr - stray library output must not reach the Postfix socket */

static void
quiet_stderr(void)
{
	int	 fd;

	if ((fd = open("/dev/null", O_WRONLY)) >= 0) {
		if (fd != STDERR_FILENO) {
			(void)dup2(fd, STDERR_FILENO);
			(void)close(fd);
		}
	}
}

/*
 * greet_anyway - a server that speaks first must speak even when it
 * cannot serve: smtpd dies on a Dovecot handshake that never comes, and
 * master then throttles it.  After a default handshake the connection
 * closes, so each AUTH gets Postfix's temporary 454, and spawn(8) logs
 * the exit status beside the reason logged here.
 */
static void
greet_anyway(const struct kind *kd)
{
	struct proto_opts po;
	struct buf out;
	void	*st;

	if (kd->codec == NULL || kd->codec->greet == NULL)
		return;
	memset(&po, 0, sizeof(po));
	po.max_request = po.max_reply = 4096;
	po.spid = (unsigned long)getpid();
	buf_init(&out, 4096);
	st = kd->codec->create(&po);
	kd->codec->greet(st, &out);
	(void)io_write_all(STDOUT_FILENO, out.data, out.len);
	kd->codec->destroy(st);
	buf_free(&out);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "test", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct serve_args sa;
	const struct kind *kd;
	const char *path = NULL, *name = NULL;
	struct conf *conf;
	char	 err[1024];
	int	 ch, check = 0, tty, rc, need_direct, json = 0;

	while ((ch = getopt_long(argc, argv, "c:thV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 't':
			check = 1;
			break;
		case 'h':
			usage(stdout);
			return (0);
		case 'V':
			printf("pfxhttp-spawn %s\n", PFXHTTP_VERSION);
			return (0);
		case 'j':
			json = 1;
			break;
		default:
			if (isatty(STDERR_FILENO))
				usage(stderr);
			return (64);
		}
	}
	argc -= optind;
	argv += optind;
	if (path == NULL && (path = getenv("PFXHTTP_CONFIG")) == NULL)
		path = CONF_DEFAULT_PATH;
	/* an interactive command: its output is for the terminal */
	if (argc > 0 && strcmp(argv[0], "explain") == 0)
		return (explain_main(path, argc - 1, argv + 1, json));
	if (json) {
		if (isatty(STDERR_FILENO))
			usage(stderr);
		return (64);
	}

	if (check) {
		if (argc != 0) {
			usage(stderr);
			return (64);
		}
		if ((conf = conf_load(path, 0, err, sizeof(err))) == NULL) {
			fprintf(stderr, "%s\n", err);
			return (1);
		}
		report(path, conf);
		/* the direct path: every lookup without tokend needs it,
		 * and every HTTP filter verdict */
		need_direct = needs_direct(conf);
		if (!fallback_check(path, err, sizeof(err))) {
			fprintf(stderr, "%s: %s: direct backend calls are"
			    " unavailable: %s\n", path, need_direct ?
			    "error" : "warning", err);
			if (need_direct) {
				conf_free(conf);
				return (1);
			}
		}
		printf("%s: configuration OK\n", path);
		conf_free(conf);
		return (0);
	}

	tty = isatty(STDERR_FILENO);
	if (!tty)
		quiet_stderr();
	log_init("pfxhttp", tty);
	(void)signal(SIGPIPE, SIG_IGN);
	/* backend credentials may be in memory (the direct path): no core
	 * file; tokens and client secrets never are, and an admin may still
	 * look at a helper with gdb or strace */
	io_no_core_dumps(0);

	memset(&sa, 0, sizeof(sa));
	/* the command word names the kind: its codec and its section */
	if (argc < 1 || (kd = kind_by_word(argv[0])) == NULL ||
	    argc != 1 + kd->takes_name) {
		if (tty)
			usage(stderr);
		log_errx("bad command line; expected socketmap, tcp NAME,"
		    " policy NAME, sasl NAME or smtpfilter NAME");
		return (64);
	}
	sa.ops = kd->codec;
	sa.kind = (enum conf_kind)kind_index(kd);
	name = kd->takes_name ? argv[1] : NULL;
	if ((conf = conf_load(path, 0, err, sizeof(err))) == NULL) {
		log_errx("%s", err);
		greet_anyway(kd);
		return (78);	/* EX_CONFIG: spawn(8) logs the status */
	}
	log_set_level(conf->log_level);
	if (name != NULL &&
	    (sa.entry = conf_find(conf, sa.kind, name)) == NULL) {
		log_errx("%s: no %s entry named \"%s\"", path,
		    conf_kind_section(sa.kind), name);
		greet_anyway(kd);
		conf_free(conf);
		return (78);
	}
	if (kd->relay) {
		/* not request and reply: a relay with a loop of its own */
		rc = filter_serve(conf, sa.entry, STDIN_FILENO, STDOUT_FILENO);
		conf_free(conf);
		return (rc);
	}
	sa.conf = conf;
	sa.in = STDIN_FILENO;
	sa.out = STDOUT_FILENO;
	sa.log_to_stderr = tty;
	rc = serve(&sa);
	conf_free(conf);
	return (rc);
}
