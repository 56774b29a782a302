/* watchopts.h: `drconsole watch`'s options and help (a cli.h table), kept
 * out of ui_watch.c so that parsing them needs no curses. */
#ifndef DRC_WATCHOPTS_H
#define DRC_WATCHOPTS_H

struct watch_opts {
	const char *dir;	/* INCIDENT_DIR */
	const char *theme;
	const char *operator;
	const char *script;	/* tests: keys from a file */
	const char *dump;	/* tests: screen dumps to a file */
	int ascii;
};

/* Parses argv (after "watch"); 1 when --help or --version was answered,
 * -1 after a usage mistake was said, 0 otherwise. */
int watchopts_parse(struct watch_opts *o, int argc, char **argv);

#endif
