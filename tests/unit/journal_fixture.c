/* journal_fixture.c: building journals in tests under a pinned clock; see
 * journal_fixture.h. */
#include "cmocka_all.h"

#include <sys/stat.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "journal.h"
#include "journal_fixture.h"

void
journal_fixture_pin(int64_t ms)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", (long long)ms);
	setenv("DRCONSOLE_FAKE_NOW", buf, 1);
}

void
journal_fixture_add(struct journal *j, int64_t at, const char *event,
    json_t *fields)
{
	char *cause = NULL;

	journal_fixture_pin(at);
	if (journal_append(j, event, fields, &cause) != 0)
		fail_msg("append %s: %s", event, cause);
	json_decref(fields);
}

static int
journal_fixture_rm_one(const char *path, const struct stat *sb, int type,
    struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

void
journal_fixture_remove(const char *top)
{
	nftw(top, journal_fixture_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
