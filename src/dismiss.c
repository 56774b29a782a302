/* dismiss.c: an unfinished incident closed by hand, with a reason. The
 * dismissal is a run.end like any other (status "dismissed"), so every
 * reader of the journal (the picker, resume, report, verify) sees the run
 * as over without knowing of dismissals; it is appended under the
 * journal's lock, on its hash chain. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "dismiss.h"
#include "journal.h"
#include "jschema.h"
#include "xmalloc.h"

static int
has_journal(const char *dir)
{
	char *path = xprintf("%s/%s", dir, JOURNAL_FILE);
	struct stat sb;
	int ok = lstat(path, &sb) == 0 && S_ISREG(sb.st_mode);

	free(path);
	return ok;
}

int
incident_dismiss(const char *dir, const char *operator, const char *reason, char **cause)
{
	struct journal *j = NULL;
	json_t *f;
	int rc;

	if (reason == NULL || reason[strspn(reason, " \t")] == '\0') {
		*cause = xstrdup("a dismissal needs a reason");
		return -1;
	}
	if (!has_journal(dir)) {
		*cause = xprintf("%s is not an incident directory: no %s", dir, JOURNAL_FILE);
		return -1;
	}
	/* The lock: an incident a console drives is not stale. */
	if (journal_open(&j, dir, 0, cause) != 0)
		return -1;
	journal_set_operator(j, operator);
	f = json_pack("{ssss}", "status", DISMISS_STATUS, "reason", reason);
	rc = f != NULL ? journal_append(j, JEV_NAME(RUN_END), f, cause) : -1;
	if (f == NULL)
		*cause = xstrdup("the reason is not valid UTF-8");
	json_decref(f);
	journal_close(j);
	return rc;
}
