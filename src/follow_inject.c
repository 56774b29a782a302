/* follow_inject.c: an observer adding to an incident it does not drive
 * (follow_inject): the event goes through the inbox like `drconsole note`;
 * the driving console journals it, or, with no console holding the lock,
 * it is journaled here exactly as a console would. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "fileutil.h"
#include "follow.h"
#include "inbox.h"
#include "journal.h"
#include "jsonget.h"
#include "log.h"
#include "xmalloc.h"

/* Pause between looks at the inbox while waiting for the console. */
#define FOLLOW_INJECT_PAUSE_MS 25

struct inject_append {
	struct journal	*j;
	const char	*want;		/* our request's id */
	int64_t		 seq;
};

static int
inject_append_cb(void *arg, const char *event, json_t *fields, char **cause)
{
	struct inject_append *a = arg;
	const char *id = jsonget_str(fields, "request");

	if (journal_append(a->j, event, fields, cause) != 0)
		return -1;
	if (id != NULL && strcmp(id, a->want) == 0)
		a->seq = journal_last_seq(a->j);
	return 0;
}

/* No console holds the lock: journal the queue ourselves, exactly as a
 * console would, so the line is the same either way. 1 if it took ours,
 * 0 if the lock is held, -1 if the journal cannot be written. */
static int
inject_direct(const char *dir, const char *by, const char *id, int64_t *seq, char **cause)
{
	struct inject_append a = { NULL, id, 0 };
	char *why = NULL;
	int rc;

	if (journal_open(&a.j, dir, 0, &why) != 0) {
		log_debug("inject: %s", why);
		free(why);
		return 0;
	}
	journal_set_operator(a.j, by);
	rc = inbox_drain(dir, inject_append_cb, &a, cause);
	journal_close(a.j);
	if (rc < 0)
		return -1;
	*seq = a.seq;
	return 1;
}

static char *
inject_request_id(const char *path)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base != NULL ? base + 1 : path;
	dot = strrchr(base, '.');
	return xstrndup(base, dot != NULL ? (size_t)(dot - base) : strlen(base));
}

int
follow_inject(const char *dir, const char *by, const char *text, int64_t wait_ms,
    struct follow_inject_result *res, char **cause)
{
	struct timespec pause = { 0, FOLLOW_INJECT_PAUSE_MS * 1000000L };
	int64_t deadline = clock_mono_ms() + wait_ms;
	char *jpath = xprintf("%s/%s", dir, JOURNAL_FILE), *id;
	int rc = 0, ok = access(jpath, F_OK) == 0;

	memset(res, 0, sizeof *res);
	res->holder = -1;
	free(jpath);
	if (!ok) {
		*cause = xprintf("%s is not an incident directory: no %s", dir, JOURNAL_FILE);
		return -1;
	}
	if (journal_check_key(dir, cause) != 0)	/* watch's 'i' too: a keyed incident needs its key */
		return -1;
	if (inbox_post_event(dir, "inject", by, text, &res->path, cause) != 0)
		return -1;
	id = inject_request_id(res->path);
	for (;;) {
		if (access(res->path, F_OK) != 0 && errno == ENOENT) {
			res->taken = 1;
			break;
		}
		if ((rc = inject_direct(dir, by, id, &res->seq, cause)) != 0) {
			res->journaled = rc > 0 && res->seq > 0;
			res->taken = rc > 0 && res->seq == 0;
			break;
		}
		if (clock_mono_ms() >= deadline) {
			res->queued = 1;
			break;
		}
		nanosleep(&pause, NULL);
	}
	if (!res->journaled)
		res->holder = journal_holder(dir);
	free(id);
	return rc < 0 ? -1 : 0;
}

void
follow_inject_result_clear(struct follow_inject_result *res)
{
	free(res->path);
	memset(res, 0, sizeof *res);
}
