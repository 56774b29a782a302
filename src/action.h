/* action.h: steps that run inside drconsole (sql, http, notify) instead of
 * as a child process. Each kind starts its work on the event loop and
 * reports through these callbacks; none of them ever blocks. */
#ifndef DRC_ACTION_H
#define DRC_ACTION_H

#include <stddef.h>

#include <jansson.h>

#include "loop.h"

#define ACTION_STDOUT 1
#define ACTION_STDERR 2

struct action_io {
	struct loop *loop;
	/* Text for the step's scrollback and output file; several calls
	 * may make one line, and a line ends with '\n'. */
	void (*output)(void *arg, int stream, const char *data, size_t len);
	/* Called exactly once when the action is over. ok is 1 when it
	 * succeeded and met its expectations; reason says why not (or what
	 * was checked); evidence is a JSON object of facts for the journal
	 * (rows, the checked value, HTTP status, timings...), borrowed.
	 * An action that ran out of its time says so with "timed_out": true
	 * in evidence: the engine makes that a timeout, never by reading
	 * the words of reason. */
	void (*done)(void *arg, int ok, const char *reason, json_t *evidence);
	void *arg;
};

#endif
