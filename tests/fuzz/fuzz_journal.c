/*
 * fuzz_journal.c: libFuzzer target for what reads an incident's journal
 * back: verify, report (Markdown and JSON) and resume. Any journal must
 * give an answer, never a crash, a hang or a leak, and the answers must
 * agree: verify is intact, broken or unreadable with a line and a reason;
 * a report's JSON parses and says what verify said; resume refuses a
 * journal whose chain does not verify unless forced.
 *
 * The first byte of an input picks how the rest becomes an incident:
 *   bit 0  re-chain it as an attacker without a key would (each line that
 *          is a JSON object gets seq, prev and hash recomputed), so resume
 *          gets past verify and meets hostile content
 *   bit 1  no journal.head beside it
 *   bit 2  resume with --force
 * The rest is journal.jsonl. Build and run it with tests/fuzz/run.sh, which
 * passes the paced drill's runbook as FUZZ_RUNBOOK.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "engine.h"
#include "jhead.h"
#include "journal.h"
#include "loader.h"
#include "loop.h"
#include "report.h"
#include "verify.h"
#include "xmalloc.h"

#ifndef FUZZ_RUNBOOK
#error "build with -DFUZZ_RUNBOOK='\"path/to/runbook.yaml\"' (tests/fuzz/run.sh does)"
#endif

#define MODE_RECHAIN 0x1
#define MODE_NO_HEAD 0x2
#define MODE_FORCE 0x4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char *top, *dir;
static struct runbook *rb;
static struct loop *loop;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct diags d = { 0 };
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	(void)argc;
	(void)argv;
	unsetenv(JOURNAL_KEY_ENV);
	top = xprintf("%s/drc-fuzz-journal-XXXXXX", base);
	if (mkdtemp(top) == NULL)
		abort();
	dir = xprintf("%s/inc", top);
	if ((rb = loader_load_file(FUZZ_RUNBOOK, &d)) == NULL)
		abort();
	diags_clear(&d);
	loop = loop_new();
	return 0;
}

static int
rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* One line re-chained after prev: seq, prev and hash as drconsole would
 * have written them without a key. NULL when it is not a JSON object. */
static char *
rechain_line(const char *p, size_t len, int64_t seq, char prev[CRYPTO_HEX_LEN])
{
	json_t *o = json_loadb(p, len, JSON_ALLOW_NUL, NULL);
	char hex[CRYPTO_HEX_LEN], *cause = NULL, *text;

	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "seq", json_integer(seq));
	json_object_set_new(o, "prev", json_string(prev));
	json_object_del(o, "hash");
	if (journal_line_hash(o, NULL, hex, &cause) != 0) {
		free(cause);
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "hash", json_string(hex));
	memcpy(prev, hex, CRYPTO_HEX_LEN);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

/* A line's own hash, if it has one, as the head a run would have left. */
static void
last_hash_of(const char *p, size_t len, char last[CRYPTO_HEX_LEN])
{
	json_t *o = json_loadb(p, len, JSON_ALLOW_NUL, NULL);
	const char *h = json_string_value(json_object_get(o, "hash"));

	if (h != NULL && strlen(h) == CRYPTO_HEX_LEN - 1 && strspn(h, "0123456789abcdef") == CRYPTO_HEX_LEN - 1)
		memcpy(last, h, CRYPTO_HEX_LEN);
	json_decref(o);
}

/* The journal as given, or re-chained; returns the lines written. */
static int64_t
write_journal(const uint8_t *data, size_t size, int rechain, char last[CRYPTO_HEX_LEN])
{
	char *path = xprintf("%s/%s", dir, JOURNAL_FILE), *line;
	const char *p = (const char *)data, *end = p + size, *nl;
	FILE *f = fopen(path, "w");
	int64_t n = 0;

	memset(last, '0', CRYPTO_HEX_LEN - 1);
	last[CRYPTO_HEX_LEN - 1] = '\0';
	if (f == NULL)
		abort();
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL || !rechain || (line = rechain_line(p, (size_t)(nl - p), n + 1, last)) == NULL) {
			if (nl != NULL)
				last_hash_of(p, (size_t)(nl - p), last);
			fwrite(p, 1, nl != NULL ? (size_t)(nl + 1 - p) : (size_t)(end - p), f);
			if (nl == NULL)
				break;
		} else {
			fprintf(f, "%s\n", line);
			free(line);
		}
		n++;
	}
	fclose(f);
	free(path);
	return n;
}

static void
write_head(int64_t seq, const char *hash)
{
	char *cause = NULL;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1 || jhead_write(fd, seq, hash, NULL, &cause) != 0)
		abort();
	close(fd);
}

/* verify's answer is one of three, each with what its caller prints. */
static int
check_verify(void)
{
	struct verify_result res;
	int rc = verify_incident(dir, &res);

	if (rc < -1 || rc > 1 || res.what == NULL || res.ok != (rc == 0))
		abort();
	if (rc == 1 && (res.bad_line < 1 || res.bad_line > res.lines + 1))
		abort();
	if (rc == 0 && (res.lines < 1 || strlen(res.final_hash) != CRYPTO_HEX_LEN - 1))
		abort();
	verify_result_clear(&res);
	return rc;
}

/* Both report formats render; the JSON parses and agrees with verify. */
static void
check_report(int verified)
{
	char *out = NULL, *cause = NULL;
	json_t *m, *v;

	if (report_render(dir, REPORT_MARKDOWN, &out, &cause) != 0) {
		if (verified != -1 && cause == NULL)
			abort();
		free(cause);
		return;
	}
	free(out);
	if (report_render(dir, REPORT_JSON, &out, &cause) != 0)
		abort();
	if ((m = json_loads(out, JSON_ALLOW_NUL, NULL)) == NULL)
		abort();
	v = json_object_get(json_object_get(m, "verification"), "status");
	if (json_string_value(v) == NULL ||
	    (strcmp(json_string_value(v), "intact") == 0) != (verified == 0))
		abort();
	json_decref(m);
	free(out);
}

/* resume checks the chain and head only: its own verdict to compare. */
static int
chain_verifies(void)
{
	struct verify_result res;
	int rc = verify_incident_chain(dir, &res);

	verify_result_clear(&res);
	return rc;
}

static void
check_resume(int verified, int force)
{
	struct engine_opts eo;
	struct engine *e = NULL;
	char *cause = NULL;

	memset(&eo, 0, sizeof eo);
	eo.rb = rb;
	eo.loop = loop;
	eo.operator = "fuzz";
	eo.incident_dir = dir;
	eo.accept_changed_runbook = 1;
	eo.force_resume = force;
	if (engine_resume(&e, &eo, &cause) == 0) {
		if (verified != 0 && !force)
			abort();	/* a journal that does not verify was resumed */
		engine_free(e);
		return;
	}
	if (cause == NULL)
		abort();
	free(cause);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mode = size > 0 ? data[0] : 0, verified;
	char last[CRYPTO_HEX_LEN];
	int64_t n;

	if (size > 0) {
		data++;
		size--;
	}
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (mkdir(dir, 0700) != 0)
		abort();
	n = write_journal(data, size, mode & MODE_RECHAIN, last);
	if (!(mode & MODE_NO_HEAD) && n > 0)
		write_head(n, last);
	verified = check_verify();
	check_report(verified);
	check_resume(chain_verifies(), mode & MODE_FORCE);
	return 0;
}
