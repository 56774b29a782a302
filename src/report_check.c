/*
 * report_check.c: what the postmortem stands on: every line of the journal,
 * read even when some are damaged, and the verification of the chain (and
 * of the output files, unless the run that wrote them is the one asking).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "journal.h"
#include "jsonget.h"
#include "report.h"
#include "report_int.h"
#include "verify.h"
#include "xmalloc.h"

/*
 * Parses every complete line. journal_load refuses a journal with one bad
 * line, but a damaged journal is when a report matters most: a line that
 * is not a JSON object becomes null and the report says where it broke.
 */
int
report_load(const char *dir, json_t **events, int *torn, char **cause)
{
	char *buf, *p, *nl;
	json_t *arr, *line;
	size_t len;

	if (journal_read_raw(dir, &buf, &len, cause) != 0)
		return -1;
	arr = json_array();
	for (p = buf; (nl = memchr(p, '\n', len - (size_t)(p - buf))) != NULL;
	    p = nl + 1) {
		line = json_loadb(p, (size_t)(nl - p), JSON_ALLOW_NUL, NULL);
		if (line != NULL && !json_is_object(line)) {
			json_decref(line);
			line = NULL;
		}
		json_array_append_new(arr, line != NULL ? line : json_null());
	}
	*torn = p != buf + len;
	free(buf);
	*events = arr;
	return 0;
}

/* Output files verify checks: each distinct recorded path with a hash. */
static int64_t
count_outputs(json_t *events)
{
	json_t *seen = json_object(), *ev;
	int64_t n;
	size_t i;

	json_array_foreach(events, i, ev) {
		if (jsonget_str(ev, "output") != NULL &&
		    jsonget_str(ev, "output_sha256") != NULL)
			json_object_set_new(seen, jsonget_str(ev, "output"),
			    json_true());
	}
	n = (int64_t)json_object_size(seen);
	json_decref(seen);
	return n;
}

/* verify says "line N: what"; the line number is reported on its own. */
static char *
strip_line_prefix(const char *what, int64_t line)
{
	char *prefix = xprintf("line %lld: ", (long long)line);
	size_t len = strlen(prefix);
	char *out;

	out = xstrdup(strncmp(what, prefix, len) == 0 ? what + len : what);
	free(prefix);
	return out;
}

void
report_check_fill(struct report_check *chk, struct verify_result *vr, int64_t outputs, int torn,
    int outputs_reread)
{
	memset(chk, 0, sizeof *chk);
	chk->outputs_reread = outputs_reread;
	chk->intact = vr->ok;
	chk->lines = vr->lines;
	chk->outputs = outputs;
	chk->bad_line = vr->bad_line;
	chk->torn = torn;
	chk->note = vr->note;
	vr->note = NULL;
	if (chk->intact)
		memcpy(chk->final_hash, vr->final_hash, CRYPTO_HEX_LEN);
	else
		chk->what = strip_line_prefix(vr->what, vr->bad_line);
	verify_result_clear(vr);
}

static int
report_verify_head(const char *dir, const char *head, json_t *events, int torn, int outputs_too,
    struct report_check *chk, char **cause)
{
	struct verify_result vr;
	int rc;

	memset(chk, 0, sizeof *chk);
	rc = !outputs_too ? verify_incident_chain(dir, &vr) : verify_incident_head(dir, head, &vr);
	if (rc == -1) {
		*cause = vr.what;
		return -1;
	}
	report_check_fill(chk, &vr, count_outputs(events), torn, outputs_too);
	return 0;
}

int
report_check_head(const char *dir, const char *head, struct report_check *chk, char **cause)
{
	json_t *events;
	int torn, rc;

	memset(chk, 0, sizeof *chk);
	if (report_load(dir, &events, &torn, cause) != 0)
		return -1;
	rc = report_verify_head(dir, head, events, torn, 1, chk, cause);
	json_decref(events);
	return rc;
}

int
report_check(const char *dir, struct report_check *chk, char **cause)
{
	return report_check_head(dir, NULL, chk, cause);
}

void
report_check_clear(struct report_check *chk)
{
	free(chk->what);
	free(chk->note);
	memset(chk, 0, sizeof *chk);
}
