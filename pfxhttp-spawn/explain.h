/*
 * explain.h - pfxhttp-spawn explain: one lookup, every step shown
 */
#ifndef PFX_EXPLAIN_H
#define PFX_EXPLAIN_H

/* exit statuses: what the lookup answered */
#define EXPLAIN_FOUND		0
#define EXPLAIN_NOTFOUND	1
#define EXPLAIN_TEMPORARY	2	/* a temporary error or a timeout */
#define EXPLAIN_PERMANENT	3

/*
 * explain_main - argv: KIND NAME KEY, or KIND NAME ATTR=VALUE... for a
 * kind whose requests are attributes; the trace goes to stdout (as one
 * JSON object with json), the exit status says the verdict (64: bad
 * command line, 78: bad configuration)
 */
int	 explain_main(const char *conf_path, int argc, char **argv, int json);

#endif
