/* test_engine_faults.c: the journal cannot be written (disk full) while a
 * run goes on. Linked with -Wl,--wrap=fsync so fsync of the journal file
 * fails with ENOSPC on demand: the run must say so at once, start no further
 * step, lose nothing already recorded, and catch up in order afterwards. */
#include "cmocka_all.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "engine.h"
#include "loader.h"
#include "verify.h"

int __real_fsync(int);
int __wrap_fsync(int);

static int disk_full;

/* Only the journal fails: output files go on being written. */
int
__wrap_fsync(int fd)
{
	char link[64], path[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof path - 1);
	if (disk_full && n > 0) {
		path[n] = '\0';
		if (strstr(path, "journal.jsonl") != NULL) {
			errno = ENOSPC;
			return -1;
		}
	}
	return __real_fsync(fd);
}

struct fixture {
	char dir[64];
	struct runbook *rb;
	struct loop *loop;
	struct engine *e;
	int notices;
	char last_notice[512];
};

static void
on_notice(void *arg, const char *msg)
{
	struct fixture *f = arg;

	f->notices++;
	snprintf(f->last_notice, sizeof f->last_notice, "%s", msg);
}

/* A run of yaml in a fresh incident folder, its notices counted in f;
 * o may carry options of the test's own. */
static void
start_faults(struct fixture *f, struct engine_opts *o, const char *yaml)
{
	struct diags d = { 0 };
	char *cause = NULL;

	strcpy(f->dir, "/tmp/drc-faults-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->rb = loader_load_buffer("t.yaml", (const unsigned char *)yaml, strlen(yaml), &d);
	assert_non_null(f->rb);
	f->loop = loop_new();
	o->rb = f->rb;
	o->loop = f->loop;
	o->incident_dir = f->dir;
	o->hooks.notice = on_notice;
	o->hooks.arg = f;
	if (engine_new(&f->e, o, &cause) != 0)
		fail_msg("engine_new: %s", cause);
}

static void
wait_idle(struct fixture *f)
{
	int64_t deadline = clock_mono_ms() + 10000;

	while (engine_busy(f->e) && clock_mono_ms() < deadline)
		loop_run_once(f->loop, 100);
	assert_false(engine_busy(f->e));
}

static int
count_lines(const char *dir)
{
	char path[128];
	FILE *fp;
	int c, n = 0;


	snprintf(path, sizeof path, "%s/journal.jsonl", dir);
	assert_non_null(fp = fopen(path, "r"));
	while ((c = fgetc(fp)) != EOF)
		n += c == '\n';
	fclose(fp);
	return n;
}

static void
test_disk_full(void **state)
{
	static const char yaml[] = "id: t\ntitle: T\nobjectives: { rto: 4h, rpo: 15m }\nsteps:\n"
	    "  - { id: a, title: a, run: 'echo a' }\n"
	    "  - { id: b, title: b, run: 'echo b' }\n"
	    "  - { id: c, title: c, run: 'echo c' }\n";
	struct fixture f = { 0 };
	struct engine_opts o = { 0 };
	struct verify_result vr = { 0 };
	char *cause = NULL, cmd[128];
	int before;

	(void)state;
	start_faults(&f, &o, yaml);

	/* Step a runs; the disk fills while it runs, so its end cannot be
	 * journaled: the operator is told at once. */
	assert_int_equal(engine_start_step(f.e, 0, HOW_AUTO, &cause), 0);
	disk_full = 1;
	wait_idle(&f);
	assert_int_equal(engine_step(f.e, 0)->status, STEP_OK);
	assert_true(f.notices > 0);
	assert_non_null(strstr(f.last_notice, "JOURNAL NOT WRITTEN"));
	assert_non_null(engine_journal_error(f.e));
	before = count_lines(f.dir);

	/* No further step starts while the journal is behind. */
	assert_int_equal(engine_start_step(f.e, 1, HOW_AUTO, &cause), -1);
	assert_non_null(strstr(cause, "No space left on device"));
	free(cause);
	cause = NULL;
	assert_int_equal(engine_step(f.e, 1)->status, STEP_PENDING);
	assert_int_equal(count_lines(f.dir), before);
	assert_int_equal(verify_incident(f.dir, &vr), 0);
	verify_result_clear(&vr);

	/* Room again: the waiting events land first, in order, then step b. */
	disk_full = 0;
	assert_int_equal(engine_start_step(f.e, 1, HOW_AUTO, &cause), 0);
	wait_idle(&f);
	assert_null(engine_journal_error(f.e));
	assert_int_equal(engine_finish(f.e, "completed", &cause), 0);
	assert_int_equal(verify_incident(f.dir, &vr), 0);
	verify_result_clear(&vr);
	{
		char path[128], line[4096];
		FILE *fp;
		int a_end = 0, b_start = 0, n = 0;

		snprintf(path, sizeof path, "%s/journal.jsonl", f.dir);
		assert_non_null(fp = fopen(path, "r"));
		while (fgets(line, sizeof line, fp) != NULL) {
			n++;
			if (strstr(line, "\"step.end\"") && strstr(line, "\"step\":\"a\""))
				a_end = n;
			if (strstr(line, "\"step.start\"") && strstr(line, "\"step\":\"b\""))
				b_start = n;
		}
		fclose(fp);
		assert_true(a_end > 0 && b_start > a_end);
	}
	engine_free(f.e);
	loop_free(f.loop);
	runbook_free(f.rb);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f.dir);
	assert_int_equal(system(cmd), 0);
}

/* The journal fails while a step runs: the step is stopped (TERM, not
 * left to run unrecorded), and nothing starts until the journal is written. */
static void
test_journal_fails_mid_step(void **state)
{
	static const char yaml[] = "id: t\ntitle: T\nobjectives: { rto: 4h, rpo: 15m }\nsteps:\n"
	    "  - { id: a, title: a, run: 'sleep 30' }\n"
	    "  - { id: b, title: b, run: 'echo b' }\n";
	struct fixture f = { 0 };
	struct engine_opts o = { 0 };
	char *cause = NULL, cmd[128];
	int64_t t0;

	(void)state;
	o.kill_grace_ms = 500;
	start_faults(&f, &o, yaml);
	assert_int_equal(engine_start_step(f.e, 0, HOW_AUTO, &cause), 0);
	disk_full = 1;
	t0 = clock_mono_ms();
	assert_int_equal(engine_note(f.e, "the disk fills", &cause), -1);
	free(cause);
	cause = NULL;
	assert_non_null(engine_write_error(f.e));
	wait_idle(&f);
	assert_true(clock_mono_ms() - t0 < 5000);	/* not the 30 s sleep */
	assert_int_equal(engine_step(f.e, 0)->status, STEP_FAILED);
	assert_non_null(strstr(engine_step(f.e, 0)->reason, "stopped: cannot sync the journal"));
	assert_int_equal(engine_start_step(f.e, 1, HOW_AUTO, &cause), -1);
	free(cause);
	cause = NULL;
	/* Room again: what waited is written, and the run may go on. */
	disk_full = 0;
	assert_int_equal(engine_flush_journal(f.e, &cause), 0);
	assert_null(engine_write_error(f.e));
	engine_free(f.e);
	loop_free(f.loop);
	runbook_free(f.rb);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f.dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disk_full),
		cmocka_unit_test(test_journal_fails_mid_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
