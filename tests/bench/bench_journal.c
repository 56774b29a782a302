/*
 * bench_journal.c: how close journal_append comes to the disk's own limit.
 * Every append is fsync'd, so the disk's sync latency bounds the rate; the
 * benchmark times N appends of a step.end-sized event against a bare
 * write()+fsync() loop of the very same bytes, in the same directory in the
 * same run, and prints both rates and their ratio. Rounds alternate between
 * the two so a disk that speeds up or slows down mid-run hits both alike.
 *
 * usage: bench_journal [-n EVENTS] [-d DIR] [-c]
 *   -n  events per side (default 5000)
 *   -d  where to make the temporary incident (default $TMPDIR or /var/tmp,
 *       which is where incident directories live)
 *   -c  exit 1 when the ratio is under the target, for CI
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "journal.h"
#include "xmalloc.h"

/* Sides alternate every 1/BENCH_ROUNDS of the events. */
#define BENCH_ROUNDS 50
#define BENCH_TARGET 0.8

struct bench {
	const char	*base;		/* -d */
	long		 events;	/* -n, per side */
	int		 check;		/* -c */
	char		*top;		/* the temporary directory */
	char		*incident;
	char		*path;		/* its journal.jsonl */
	struct journal	*j;
	json_t		*fields;	/* the event appended */
	int		 fd;		/* the baseline file */
	double		 journal_s;	/* time spent in each side */
	double		 bare_s;
	double		 journal_user_s;	/* user CPU of the journal side */
	size_t		 bytes;		/* journal bytes written */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
user_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
}

static int
rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void __attribute__((noreturn))
die(const char *what, const char *why)
{
	fprintf(stderr, "bench_journal: %s: %s\n", what, why);
	exit(2);
}

/* What the engine writes when a step ends: about 300 bytes of fields. */
static json_t *
step_end_fields(void)
{
	return json_pack("{s:s, s:i, s:s, s:i, s:i, s:s, s:i, s:s, s:s, s:i}",
	    "step", "restore-primary", "index", 3, "status", "ok", "attempt", 1,
	    "exit_code", 0, "exit", "exited 0", "duration_ms", 125034, "output",
	    "output/03-restore-primary.log", "output_sha256",
	    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	    "lines", 1234);
}

static void
bench_setup(struct bench *b)
{
	char *cause = NULL, *path;

	b->top = xprintf("%s/drc-bench-XXXXXX", b->base);
	if (mkdtemp(b->top) == NULL)
		die(b->top, strerror(errno));
	b->incident = xprintf("%s/incident", b->top);
	if (journal_open(&b->j, b->incident, 0, &cause) != 0)
		die("journal_open", cause);
	journal_set_operator(b->j, "bench");
	b->path = xprintf("%s/%s", b->incident, JOURNAL_FILE);
	path = xprintf("%s/bare.jsonl", b->top);
	b->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (b->fd == -1)
		die(path, strerror(errno));
	free(path);
	b->fields = step_end_fields();
}

static void
bench_teardown(struct bench *b)
{
	journal_close(b->j);
	close(b->fd);
	json_decref(b->fields);
	nftw(b->top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(b->path);
	free(b->incident);
	free(b->top);
}

static void
bench_journal(struct bench *b, long n)
{
	char *cause = NULL;
	double t = now_s(), u = user_s();

	for (long i = 0; i < n; i++) {
		if (journal_append(b->j, "step.end", b->fields, &cause) != 0)
			die("journal_append", cause);
	}
	b->journal_s += now_s() - t;
	b->journal_user_s += user_s() - u;
}

/* The journal's size now, to know which bytes a round added. */
static size_t
journal_size(struct bench *b)
{
	struct stat sb;

	if (stat(b->path, &sb) != 0)
		die(b->path, strerror(errno));
	return (size_t)sb.st_size;
}

/* Writes the journal's bytes past from, line by line, each synced. */
static void
bench_bare(struct bench *b, size_t from)
{
	size_t len = journal_size(b) - from;
	char *buf = xmalloc(len), *p, *nl;
	ssize_t n;
	double t;
	int fd;

	if ((fd = open(b->path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (n = pread(fd, buf, len, (off_t)from)) != (ssize_t)len)
		die(b->path, "cannot read back the journal");
	close(fd);
	t = now_s();
	for (p = buf; (nl = memchr(p, '\n', len - (size_t)(p - buf))) != NULL;
	    p = nl + 1) {
		if (write(b->fd, p, (size_t)(nl + 1 - p)) != nl + 1 - p ||
		    fsync(b->fd) != 0)
			die("write+fsync", strerror(errno));
	}
	b->bare_s += now_s() - t;
	b->bytes += len;
	free(buf);
}

static void
bench_run(struct bench *b)
{
	long per = b->events / BENCH_ROUNDS, done = 0, n;
	size_t from;

	/* A warm-up on both files, untimed: first syncs allocate blocks. */
	from = journal_size(b);
	bench_journal(b, 20);
	bench_bare(b, from);
	b->journal_s = b->bare_s = b->journal_user_s = 0;
	b->bytes = 0;
	for (int r = 0; r < BENCH_ROUNDS; r++) {
		n = r == BENCH_ROUNDS - 1 ? b->events - done : per;
		from = journal_size(b);
		bench_journal(b, n);
		bench_bare(b, from);
		done += n;
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_journal [-n EVENTS] [-d DIR] [-c]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct bench b = { 0 };
	double jrate, brate, ratio;
	int ch;

	b.events = 5000;
	b.base = getenv("TMPDIR") != NULL && *getenv("TMPDIR") != '\0' ?
	    getenv("TMPDIR") : "/var/tmp";
	while ((ch = getopt(argc, argv, "n:d:c")) != -1) {
		switch (ch) {
		case 'n':
			if ((b.events = strtol(optarg, NULL, 10)) < BENCH_ROUNDS)
				usage();
			break;
		case 'd':
			b.base = optarg;
			break;
		case 'c':
			b.check = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	bench_setup(&b);
	bench_run(&b);
	jrate = (double)b.events / b.journal_s;
	brate = (double)b.events / b.bare_s;
	ratio = jrate / brate;
	printf("directory: %s (%zu bytes a line)\n", b.base, b.bytes /
	    (size_t)b.events);
	printf("journal_append + fsync: %ld events in %.2fs = %.0f events/s\n",
	    b.events, b.journal_s, jrate);
	printf("write() + fsync():      %ld writes in %.2fs = %.0f writes/s\n",
	    b.events, b.bare_s, brate);
	printf("journal user CPU: %.1f us an event (JSON, hash, copy)\n",
	    b.journal_user_s * 1e6 / (double)b.events);
	printf("ratio: %.2f (target >= %.2f): %s\n", ratio, BENCH_TARGET,
	    ratio >= BENCH_TARGET ? "ok" : "BELOW TARGET");
	bench_teardown(&b);
	return b.check && ratio < BENCH_TARGET ? 1 : 0;
}
