/* test_engine.c: the step engine with real children through a real loop:
 * verdicts, timeouts, cancels, retries, rollbacks, masking, and what lands
 * in the journal. */
#include "cmocka_all.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "diag.h"
#include "engine.h"
#include "journal.h"
#include "loader.h"
#include "verify.h"
#include "xmalloc.h"

struct fixture {
	char dir[64];
	struct runbook *rb;
	struct loop *loop;
	struct engine *e;
	int changes;
	enum run_mode mode;	/* the run's; live unless a test sets it */
};

static struct runbook *
load(const char *yaml)
{
	struct diags d = { 0 };
	struct runbook *rb = loader_load_buffer("test.yaml", (const unsigned char *)yaml, strlen(yaml), &d);

	if (rb == NULL) {
		diags_print(&d, stderr);
		fail_msg("runbook did not load");
	}
	diags_clear(&d);
	return rb;
}

static void
on_change(void *arg, int step)
{
	struct fixture *f = arg;

	(void)step;
	f->changes++;
}

/* An interactive step's raw output, as the front end gets it: every piece,
 * and whether any piece showed a secret's start. */
static char raw_seen[4096];
static int raw_pieces;

static void
on_raw(void *arg, int step, const char *data, size_t len)
{
	(void)arg;
	(void)step;
	raw_pieces++;
	strncat(raw_seen, data, len < sizeof raw_seen - strlen(raw_seen) - 1 ? len :
	    sizeof raw_seen - strlen(raw_seen) - 1);
}

static void
start(struct fixture *f, const char *yaml, struct param_value *pv, int npv)
{
	struct engine_opts o = { 0 };
	char *cause = NULL;

	strcpy(f->dir, "/tmp/drc-engine-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	strcat(f->dir, "/incident");
	f->rb = load(yaml);
	f->loop = loop_new();
	o.rb = f->rb;
	o.loop = f->loop;
	o.operator = "tester";
	o.mode = f->mode;
	o.incident_dir = f->dir;
	o.params = pv;
	o.nparams = npv;
	o.kill_grace_ms = 300;
	o.hooks.step_changed = on_change;
	o.hooks.raw_output = on_raw;
	o.hooks.arg = f;
	if (engine_new(&f->e, &o, &cause) != 0)
		fail_msg("engine_new: %s", cause);
}

static void
run_step(struct fixture *f, int i)
{
	char *cause = NULL;
	int64_t deadline = clock_mono_ms() + 15000;

	if (engine_start_step(f->e, i, HOW_AUTO, &cause) != 0)
		fail_msg("start: %s", cause);
	while (engine_busy(f->e) && clock_mono_ms() < deadline)
		loop_run_once(f->loop, 100);
	assert_false(engine_busy(f->e));
}

static void
stop(struct fixture *f)
{
	char *cause = NULL, *top, cmd[256];

	if (engine_finish(f->e, "completed", &cause) != 0)
		free(cause);
	engine_free(f->e);
	loop_free(f->loop);
	runbook_free(f->rb);
	top = strrchr(f->dir, '/');
	*top = '\0';
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
}

/* Every event of the journal, in order, as "event:status" words. */
static char *
journal_events(struct fixture *f)
{
	json_t *events, *ev;
	char *cause = NULL, *out = calloc(1, 4096);
	size_t n;

	assert_int_equal(journal_load(f->dir, &events, &cause), 0);
	json_array_foreach(events, n, ev) {
		const char *st = json_string_value(json_object_get(ev, "status"));

		strcat(out, json_string_value(json_object_get(ev, "event")));
		if (st != NULL) {
			strcat(out, ":");
			strcat(out, st);
		}
		strcat(out, " ");
	}
	json_decref(events);
	return out;
}

static char *
slurp_dir(const char *dir)
{
	char cmd[512], *buf = calloc(1, 1 << 20);
	FILE *p;

	snprintf(cmd, sizeof cmd, "cat '%s'/journal.jsonl '%s'/recording.cast '%s'/output/* 2>/dev/null",
	    dir, dir, dir);
	p = popen(cmd, "r");
	fread(buf, 1, (1 << 20) - 1, p);
	pclose(p);
	return buf;
}

/* Alive and not a zombie: an orphan may wait for a reaper that never comes
 * in a container whose PID 1 does not reap, yet it runs nothing. */
static int
process_alive(int pid)
{
	char path[64], buf[256], *p;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

#define RB_HEAD "id: t\ntitle: T\nobjectives: { rto: 4h, rpo: 15m }\n"

static void
test_exit_codes(void **state)
{
	struct fixture f = { 0 };
	char *ev;

	(void)state;
	start(&f, RB_HEAD "steps:\n"
	    "  - { id: ok, title: ok, run: 'echo hello' }\n"
	    "  - { id: three, title: three, run: 'exit 3' }\n"
	    "  - { id: want3, title: want3, run: 'exit 3', expect: { exit: 3 } }\n"
	    "  - { id: sig, title: sig, run: 'kill -9 $$' }\n"
	    "  - { id: out, title: out, run: 'echo nope', expect: { output: '^yes$' } }\n", NULL, 0);
	for (int i = 0; i < 5; i++)
		run_step(&f, i);
	assert_int_equal(engine_step(f.e, 0)->status, STEP_OK);
	assert_int_equal(engine_step(f.e, 0)->exit_code, 0);
	assert_int_equal(engine_step(f.e, 1)->status, STEP_FAILED);
	assert_string_equal(engine_step(f.e, 1)->exit_desc, "exited 3");
	assert_string_equal(engine_step(f.e, 1)->reason, "exited 3, expected 0");
	assert_int_equal(engine_step(f.e, 2)->status, STEP_OK);
	assert_int_equal(engine_step(f.e, 3)->status, STEP_FAILED);
	assert_string_equal(engine_step(f.e, 3)->exit_desc, "killed by signal 9");
	assert_int_equal(engine_step(f.e, 4)->status, STEP_FAILED);
	assert_non_null(strstr(engine_step(f.e, 4)->reason, "matched"));
	ev = journal_events(&f);
	assert_string_equal(ev, "run.start step.confirm step.start step.end:ok step.confirm step.start "
	    "step.end:failed step.confirm step.start step.end:ok step.confirm step.start step.end:failed "
	    "step.confirm step.start step.end:failed ");
	free(ev);
	stop(&f);
}

static void
test_stderr_marked_and_output_file(void **state)
{
	struct fixture f = { 0 };
	char path[256], *all;
	const struct outbuf *ob;
	struct verify_result vr = { 0 };

	(void)state;
	start(&f, RB_HEAD "steps:\n  - { id: mix, title: mix, run: 'echo out1; echo err1 >&2; printf partial' }\n",
	    NULL, 0);
	run_step(&f, 0);
	ob = engine_step(f.e, 0)->out;
	assert_int_equal(outbuf_count(ob), 3);
	for (size_t i = 0; i < outbuf_count(ob); i++) {
		const struct outline *l = outbuf_line(ob, i);

		assert_int_equal(l->stream, strcmp(l->text, "err1") == 0 ? 2 : 1);
	}
	snprintf(path, sizeof path, "%s/output/01-mix.log", f.dir);
	assert_int_equal(access(path, R_OK), 0);
	all = slurp_dir(f.dir);
	assert_non_null(strstr(all, " err err1\n"));
	assert_non_null(strstr(all, " out partial\n"));
	free(all);
	assert_int_equal(verify_incident(f.dir, &vr), 0);
	verify_result_clear(&vr);
	stop(&f);
}

static void
test_timeout_and_no_orphans(void **state)
{
	struct fixture f = { 0 };
	char pidfile[256];
	FILE *fp;
	int pid = 0;

	(void)state;
	start(&f, RB_HEAD "steps:\n  - id: slow\n    title: slow\n    timeout: 1s\n"
	    "    run: 'sleep 300 & echo $! > \"$DRCONSOLE_INCIDENT_DIR/bg.pid\"; trap \"\" TERM; wait'\n", NULL, 0);
	run_step(&f, 0);
	assert_int_equal(engine_step(f.e, 0)->status, STEP_TIMEOUT);
	assert_string_equal(engine_step(f.e, 0)->reason, "timed out after 1s");
	snprintf(pidfile, sizeof pidfile, "%s/bg.pid", f.dir);
	assert_non_null(fp = fopen(pidfile, "r"));
	assert_int_equal(fscanf(fp, "%d", &pid), 1);
	fclose(fp);
	assert_true(pid > 0);
	assert_false(process_alive(pid));
	stop(&f);
}

static void
on_change_cancel(void *arg, int step)
{
	struct fixture *f = arg;

	if (engine_step(f->e, step)->status == STEP_RUNNING && f->changes++ == 0)
		engine_cancel(f->e, step);
}

static void
test_cancel(void **state)
{
	struct fixture f = { 0 };
	struct engine_opts o = { 0 };
	char *cause = NULL;
	int64_t t0;

	(void)state;
	strcpy(f.dir, "/tmp/drc-engine-XXXXXX");
	assert_non_null(mkdtemp(f.dir));
	strcat(f.dir, "/incident");
	f.rb = load(RB_HEAD "steps:\n  - { id: s, title: s, run: 'sleep 100' }\n");
	f.loop = loop_new();
	o.rb = f.rb;
	o.loop = f.loop;
	o.incident_dir = f.dir;
	o.kill_grace_ms = 300;
	o.hooks.step_changed = on_change_cancel;
	o.hooks.arg = &f;
	assert_int_equal(engine_new(&f.e, &o, &cause), 0);
	t0 = clock_mono_ms();
	run_step(&f, 0);
	assert_true(clock_mono_ms() - t0 < 5000);
	assert_int_equal(engine_step(f.e, 0)->status, STEP_CANCELLED);
	stop(&f);
}

static void
test_retries(void **state)
{
	struct fixture f = { 0 };
	char *ev;

	(void)state;
	start(&f, RB_HEAD "steps:\n  - id: flaky\n    title: flaky\n    retries: 3\n    retry_delay: 100ms\n"
	    "    run: 'n=$(cat \"$DRCONSOLE_INCIDENT_DIR/n\" 2>/dev/null || echo 0); n=$((n+1)); "
	    "echo $n > \"$DRCONSOLE_INCIDENT_DIR/n\"; echo attempt $n; test $n -ge 3'\n", NULL, 0);
	run_step(&f, 0);
	assert_int_equal(engine_step(f.e, 0)->status, STEP_OK);
	assert_int_equal(engine_step(f.e, 0)->attempt, 3);
	ev = journal_events(&f);
	assert_string_equal(ev, "run.start step.confirm step.start step.end:failed step.retry step.start "
	    "step.end:failed step.retry step.start step.end:ok ");
	free(ev);
	stop(&f);
}

static void
test_rollback(void **state)
{
	struct fixture f = { 0 };
	char *cause = NULL, *ev;

	(void)state;
	start(&f, RB_HEAD "steps:\n  - { id: b, title: b, run: 'exit 1', rollback: 'echo undone' }\n", NULL, 0);
	run_step(&f, 0);
	assert_int_equal(engine_rollback(f.e, 0, &cause), 0);
	while (engine_busy(f.e))
		loop_run_once(f.loop, 100);
	assert_int_equal(engine_step(f.e, 0)->rolled_back, 1);
	ev = journal_events(&f);
	assert_non_null(strstr(ev, "step.rollback step.rollback:ok"));
	free(ev);
	stop(&f);
}

/* A rolled-back step is its own status (not done, not failed), after a
 * resume too, and it can run again. */
static void
test_rolled_back_is_rerunnable(void **state)
{
	struct fixture f = { 0 };
	struct engine_opts o = { 0 };
	struct engine *e2 = NULL;
	char *cause = NULL;

	(void)state;
	start(&f, RB_HEAD "steps:\n  - { id: b, title: b, run: 'true', rollback: 'echo undone' }\n", NULL, 0);
	run_step(&f, 0);
	assert_int_equal(engine_step(f.e, 0)->status, STEP_OK);
	assert_int_equal(engine_rollback(f.e, 0, &cause), 0);
	while (engine_busy(f.e))
		loop_run_once(f.loop, 100);
	assert_int_equal(engine_step(f.e, 0)->status, STEP_ROLLED_BACK);
	assert_string_equal(step_status_name(STEP_ROLLED_BACK), "rolled_back");
	engine_free(f.e);
	o.rb = f.rb;
	o.loop = f.loop;
	o.incident_dir = f.dir;
	o.operator = "bob";
	if (engine_resume(&e2, &o, &cause) != 0)
		fail_msg("resume: %s", cause);
	f.e = e2;
	assert_int_equal(engine_step(f.e, 0)->status, STEP_ROLLED_BACK);
	run_step(&f, 0);
	assert_int_equal(engine_step(f.e, 0)->status, STEP_OK);
	stop(&f);
}

/* A changed runbook is a typed result of engine_resume, not a message to
 * compare; accepted, the resume goes on. */
static void
test_resume_changed_runbook_is_typed(void **state)
{
	struct fixture f = { 0 };
	struct engine_opts o = { 0 };
	struct engine *e2 = NULL;
	struct runbook *changed;
	char *cause = NULL;

	(void)state;
	start(&f, RB_HEAD "steps:\n  - { id: a, title: a, run: 'true' }\n", NULL, 0);
	run_step(&f, 0);
	engine_free(f.e);
	f.e = NULL;
	changed = load(RB_HEAD "steps:\n  - { id: a, title: a, run: 'echo changed' }\n");
	o.rb = changed;
	o.loop = f.loop;
	o.incident_dir = f.dir;
	o.operator = "bob";
	assert_int_equal(engine_resume(&e2, &o, &cause), ENGINE_RESUME_CHANGED);
	assert_string_equal(cause, ENGINE_RUNBOOK_CHANGED);
	free(cause);
	cause = NULL;
	o.accept_changed_runbook = 1;
	if (engine_resume(&e2, &o, &cause) != 0)
		fail_msg("resume: %s", cause);
	f.e = e2;
	stop(&f);
	runbook_free(changed);
}

/* A step that cannot start once its step.start is journaled ends failed,
 * journaled: every step.start has its step.end. */
static void
test_start_failure_is_ended(void **state)
{
	struct fixture f = { 0 };
	char *ev;

	(void)state;
	start(&f, RB_HEAD "steps:\n  - { id: a, title: a, run: 'true', cwd: /nonexistent/drc-test }\n"
	    "  - { id: n, title: n, notify: { type: webhook, url: 'http://127.0.0.1:1/x', message: m }, timeout: 1ms }\n",
	    NULL, 0);
	run_step(&f, 0);
	assert_int_equal(engine_step(f.e, 0)->status, STEP_FAILED);
	assert_non_null(strstr(engine_step(f.e, 0)->reason, "could not start: chdir"));
	run_step(&f, 1);
	assert_true(step_status_final(engine_step(f.e, 1)->status));
	ev = journal_events(&f);
	assert_non_null(strstr(ev, "step.confirm step.start step.end:failed step.confirm step.start step.end:"));
	free(ev);
	stop(&f);
}

/* The attestation journals the manual text as the operator read it. */
static void
test_attestation_is_expanded(void **state)
{
	struct fixture f = { 0 };
	char *cause = NULL, *text;
	json_t *events, *ev;
	size_t n;

	(void)state;
	start(&f, RB_HEAD "steps:\n  - { id: m, title: m, manual: 'look in {{ incident_dir }}/notes' }\n", NULL, 0);
	assert_int_equal(engine_attest(f.e, 0, HOW_ATTESTED, NULL, &cause), 0);
	assert_int_equal(journal_load(f.dir, &events, &cause), 0);
	text = NULL;
	json_array_foreach(events, n, ev) {
		if (json_object_get(ev, "attests") != NULL)
			text = xstrdup(json_string_value(json_object_get(ev, "attests")));
	}
	json_decref(events);
	assert_non_null(text);
	assert_null(strstr(text, "{{"));
	assert_non_null(strstr(text, f.dir));
	free(text);
	stop(&f);
}

/* The rollback is shown as it runs: expanded and quoted for the shell like
 * the step's command, secrets as ****. */
static void
test_rollback_display_is_expanded(void **state)
{
	struct fixture f = { 0 };
	struct param_value pv[] = { { "who", "a b'; touch /tmp/pwn #" }, { "pw", "Sup3rS3cret!" } };
	char *shown;

	(void)state;
	start(&f, RB_HEAD "params:\n  - { name: who }\n  - { name: pw, type: secret }\n"
	    "steps:\n  - { id: r, title: r, run: 'true', rollback: 'undo {{ who }} {{ pw }}' }\n", pv, 2);
	shown = engine_display_rollback(f.e, 0);
	assert_null(strstr(shown, "{{"));
	assert_null(strstr(shown, "Sup3r"));
	assert_non_null(strstr(shown, "undo 'a b'\\''; touch /tmp/pwn #' "));
	assert_non_null(strstr(shown, "****"));
	free(shown);
	stop(&f);
}

/* A native step's timeout is a timeout (its evidence says so, typed), not
 * a failure, whatever its reason's words. */
static void
test_native_timeout_is_typed(void **state)
{
	struct fixture f = { 0 };
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char *yaml;

	(void)state;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 4), 0);	/* accepts in the backlog, never answers */
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	yaml = xprintf(RB_HEAD "steps:\n  - { id: h, title: h, http: { url: 'http://127.0.0.1:%d/' }, timeout: 300ms }\n",
	    ntohs(a.sin_port));
	start(&f, yaml, NULL, 0);
	run_step(&f, 0);
	assert_int_equal(engine_step(f.e, 0)->status, STEP_TIMEOUT);
	free(yaml);
	close(fd);
	stop(&f);
}

/* An until that runs out of time keeps its last reason readable, and the
 * wait before each retry is until's every, not retry_delay. */
static int64_t seen_retry_delay = -1;

static void
on_change_delay(void *arg, int step)
{
	struct fixture *f = arg;

	if (engine_step(f->e, step)->retry_waiting)
		seen_retry_delay = engine_step(f->e, step)->retry_delay_ms;
}

static void
test_until_out_of_time(void **state)
{
	struct fixture f = { 0 };
	struct engine_opts o = { 0 };
	char *cause = NULL;
	const char *why;

	(void)state;
	strcpy(f.dir, "/tmp/drc-engine-XXXXXX");
	assert_non_null(mkdtemp(f.dir));
	strcat(f.dir, "/incident");
	f.rb = load(RB_HEAD "steps:\n  - { id: u, title: u, run: 'exit 1', until: { every: 300ms, within: 1s } }\n");
	f.loop = loop_new();
	o.rb = f.rb;
	o.loop = f.loop;
	o.operator = "tester";
	o.incident_dir = f.dir;
	o.hooks.step_changed = on_change_delay;
	o.hooks.arg = &f;
	if (engine_new(&f.e, &o, &cause) != 0)
		fail_msg("engine_new: %s", cause);
	run_step(&f, 0);
	assert_int_equal(engine_step(f.e, 0)->status, STEP_FAILED);
	why = engine_step(f.e, 0)->reason;
	assert_non_null(why);
	assert_true(strncmp(why, "exited 1, expected 0; still not met after ", 42) == 0);
	assert_int_equal(seen_retry_delay, 300);
	stop(&f);
}

static void
test_hostile_params_and_secrets(void **state)
{
	struct fixture f = { 0 };
	struct param_value pv[] = {
		{ "target", "x'; touch \"$DRCONSOLE_INCIDENT_DIR/PWNED\"; echo '" },
		{ "cmd", "$(touch $DRCONSOLE_INCIDENT_DIR/PWNED2)" },
		{ "pw", "Sup3rS3cretValue" },
	};
	char path[256], *all;
	const struct outbuf *ob;

	(void)state;
	start(&f, RB_HEAD "params:\n  - { name: target }\n  - { name: cmd }\n  - { name: pw, type: secret }\n"
	    "  - { name: gen, type: secret, generate: 24 }\n"
	    "steps:\n  - id: a\n    title: a\n    run: |\n"
	    "      printf '%s\\n' {{ target }} \"{{ cmd }}\" '{{ target }}'\n"
	    "      echo \"the password is {{ pw }}\"; printf 'Sup3rS3'; printf 'cretValue\\n'\n"
	    "      echo gen={{ gen }}\n", pv, 3);
	run_step(&f, 0);
	assert_int_equal(engine_step(f.e, 0)->status, STEP_OK);
	snprintf(path, sizeof path, "%s/PWNED", f.dir);
	assert_int_not_equal(access(path, F_OK), 0);
	snprintf(path, sizeof path, "%s/PWNED2", f.dir);
	assert_int_not_equal(access(path, F_OK), 0);
	ob = engine_step(f.e, 0)->out;
	assert_string_equal(outbuf_line(ob, 0)->text, pv[0].value);
	assert_string_equal(outbuf_line(ob, 1)->text, pv[1].value);
	assert_string_equal(outbuf_line(ob, 2)->text, pv[0].value);
	assert_string_equal(outbuf_line(ob, 3)->text, "the password is ****");
	assert_string_equal(outbuf_line(ob, 4)->text, "****");
	assert_string_equal(outbuf_line(ob, 5)->text, "gen=****");
	assert_null(strstr(engine_step(f.e, 0)->command, "Sup3rS3cretValue"));
	all = slurp_dir(f.dir);
	assert_null(strstr(all, "Sup3rS3cretValue"));
	assert_null(strstr(all, engine_generated_secret(f.e, "gen")));
	free(all);
	stop(&f);
}

/* What an operator types (a skip reason) may quote a secret: the journal
 * and the recording get it masked. */
static void
test_operator_text_is_masked(void **state)
{
	struct fixture f = { 0 };
	struct param_value pv[] = { { "pw", "Sup3rS3cretValue" } };
	char *cause = NULL, *all;

	(void)state;
	start(&f, RB_HEAD "params:\n  - { name: pw, type: secret }\n"
	    "steps:\n  - id: a\n    title: a\n    run: echo a\n", pv, 1);
	if (engine_skip(f.e, 0, JSKIP_OPERATOR, "not needed: Sup3rS3cretValue was rotated", &cause) != 0)
		fail_msg("skip: %s", cause);
	if (engine_finish(f.e, "completed", &cause) != 0)
		fail_msg("finish: %s", cause);
	all = slurp_dir(f.dir);
	assert_non_null(strstr(all, "not needed: **** was rotated"));
	assert_null(strstr(all, "Sup3rS3cretValue"));
	free(all);
	stop(&f);
}

/* An interactive step prints a secret in two reads: the screen's raw feed
 * never shows its start alone; a tail that only looks like a secret's
 * start is shown once the step ends. */
static void
test_raw_output_holds_a_split_secret(void **state)
{
	struct fixture f = { 0 };
	struct param_value pv[] = { { "pw", "Sup3rS3cretValue" } };

	(void)state;
	raw_seen[0] = '\0';
	raw_pieces = 0;
	start(&f, RB_HEAD "params:\n  - { name: pw, type: secret }\n"
	    "steps:\n  - id: a\n    title: a\n    interactive: true\n    run: |\n"
	    "      printf 'pw=Sup3rS3'; sleep 0.1; printf 'cretValue\\n'; sleep 0.1; printf 'tail Sup3'\n", pv, 1);
	run_step(&f, 0);
	assert_int_equal(engine_step(f.e, 0)->status, STEP_OK);
	assert_true(raw_pieces >= 2);
	assert_null(strstr(raw_seen, "Sup3rS3"));
	assert_non_null(strstr(raw_seen, "pw=****"));
	assert_non_null(strstr(raw_seen, "tail Sup3"));
	stop(&f);
}

static void
test_required_param_and_bad_choice(void **state)
{
	struct engine_opts o = { 0 };
	struct runbook *rb = load(RB_HEAD "params:\n  - { name: r, required: true }\n"
	    "  - { name: c, type: choice, choices: [a, b], default: a }\n"
	    "steps:\n  - { id: s, title: s, run: 'true' }\n");
	struct param_value bad[] = { { "r", "x" }, { "c", "z" } };
	struct loop *loop = loop_new();
	struct engine *e = NULL;
	char *cause = NULL;

	(void)state;
	o.rb = rb;
	o.loop = loop;
	o.incident_dir = "/tmp/drc-engine-never-created";
	assert_int_equal(engine_new(&e, &o, &cause), -1);
	assert_non_null(strstr(cause, "'r' is required"));
	free(cause);
	o.params = bad;
	o.nparams = 2;
	assert_int_equal(engine_new(&e, &o, &cause), -1);
	assert_non_null(strstr(cause, "not one of the choices"));
	free(cause);
	assert_int_not_equal(access(o.incident_dir, F_OK), 0);
	loop_free(loop);
	runbook_free(rb);
}

static void
test_resume_marks_interrupted(void **state)
{
	struct fixture f = { 0 };
	struct engine_opts o = { 0 };
	struct engine *e2 = NULL;
	char *cause = NULL;

	(void)state;
	start(&f, RB_HEAD "steps:\n  - { id: a, title: a, run: 'true' }\n  - { id: b, title: b, run: 'sleep 100' }\n"
	    "  - { id: c, title: c, run: 'true' }\n", NULL, 0);
	run_step(&f, 0);
	assert_int_equal(engine_start_step(f.e, 1, HOW_AUTO, &cause), 0);
	/* The console "dies" with step b running: drop it without run.end. */
	engine_free(f.e);
	o.rb = f.rb;
	o.loop = f.loop;
	o.incident_dir = f.dir;
	o.operator = "bob";
	if (engine_resume(&e2, &o, &cause) != 0)
		fail_msg("resume: %s", cause);
	assert_int_equal(engine_step(e2, 0)->status, STEP_OK);
	assert_int_equal(engine_step(e2, 1)->status, STEP_INTERRUPTED);
	assert_int_equal(engine_step(e2, 2)->status, STEP_PENDING);
	f.e = e2;
	{
		char *ev = journal_events(&f);

		assert_non_null(strstr(ev, "step.start handoff run.resume"));
		free(ev);
	}
	stop(&f);
}

/* Replaces the first run.start's "ts" string with -1 in dir's journal. */
static void
break_run_start_ts(const char *dir)
{
	char *buf, *cause = NULL, *p, *q, *path = xprintf("%s/%s", dir, JOURNAL_FILE);
	size_t len;
	FILE *fp;

	assert_int_equal(journal_read_raw(dir, &buf, &len, &cause), 0);
	assert_non_null(p = strstr(buf, "\"ts\":\""));
	assert_non_null(q = strchr(p + 6, '"'));
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "%.*s\"ts\":-1%s", (int)(p - buf), buf, q + 1);
	fclose(fp);
	free(buf);
	free(path);
}

/* A journal that does not verify is not resumed, and nothing is written;
 * --force resumes it, however odd its lines (here run.start's time is not
 * a string), and run.resume says why. */
static void
test_resume_refuses_unverified(void **state)
{
	struct fixture f = { 0 };
	struct engine_opts o = { 0 };
	struct engine *e2 = NULL;
	char *cause = NULL, *before, *after, *ev;
	size_t len;

	(void)state;
	start(&f, RB_HEAD "steps:\n  - { id: a, title: a, run: 'true' }\n  - { id: b, title: b, run: 'true' }\n",
	    NULL, 0);
	run_step(&f, 0);
	engine_free(f.e);
	break_run_start_ts(f.dir);
	assert_int_equal(journal_read_raw(f.dir, &before, &len, &cause), 0);
	o.rb = f.rb;
	o.loop = f.loop;
	o.incident_dir = f.dir;
	o.operator = "bob";
	assert_int_equal(engine_resume(&e2, &o, &cause), -1);
	assert_non_null(strstr(cause, "does not verify, line 1: hash does not match"));
	assert_non_null(strstr(cause, "--force"));
	free(cause);
	cause = NULL;
	assert_int_equal(journal_read_raw(f.dir, &after, &len, &cause), 0);
	assert_string_equal(after, before);
	free(after);
	o.force_resume = 1;
	if (engine_resume(&e2, &o, &cause) != 0)
		fail_msg("resume --force: %s", cause);
	f.e = e2;
	ev = journal_events(&f);
	assert_non_null(strstr(ev, "run.resume"));
	free(ev);
	assert_int_equal(journal_read_raw(f.dir, &after, &len, &cause), 0);
	assert_non_null(strstr(after, "\"forced\":\"line 1: hash does not match"));
	free(after);
	free(before);
	stop(&f);
}

/* The console dies during a drill; the resume, asked for nothing, goes on
 * as a drill in staging, and one asked for another mode or environment is
 * refused before anything is journaled. */
static void
test_resume_keeps_mode(void **state)
{
	struct fixture f = { .mode = MODE_DRILL };
	struct engine_opts o = { 0 };
	struct engine *e2 = NULL;
	char *cause = NULL;

	(void)state;
	start(&f, RB_HEAD "environments:\n  staging: { env: { T: s } }\n  production: { env: { T: p } }\n"
	    "steps:\n  - { id: a, title: a, run: 'true' }\n  - { id: b, title: b, run: 'true', drill: skip }\n",
	    NULL, 0);
	run_step(&f, 0);
	engine_free(f.e);
	o.rb = f.rb;
	o.loop = f.loop;
	o.incident_dir = f.dir;
	o.operator = "tester";
	o.mode = MODE_TRAINING;
	assert_int_equal(engine_resume(&e2, &o, &cause), -1);
	assert_non_null(strstr(cause, "--training contradicts the incident, which was started in drill mode: "
	    "a resume keeps its mode"));
	free(cause);
	o.mode = MODE_LIVE;
	o.environment = "production";
	assert_int_equal(engine_resume(&e2, &o, &cause), -1);
	assert_non_null(strstr(cause, "--environment contradicts the incident, which targets 'staging'"));
	free(cause);
	o.environment = NULL;
	if (engine_resume(&e2, &o, &cause) != 0)
		fail_msg("resume: %s", cause);
	f.e = e2;
	assert_int_equal(engine_mode(e2), MODE_DRILL);
	assert_string_equal(engine_environment(e2)->name, "staging");
	run_step(&f, 1);
	assert_int_equal(engine_step(e2, 1)->status, STEP_SKIPPED);
	{
		char *ev = journal_events(&f);

		if (strstr(ev, "step.end:ok run.resume step.confirm step.end:skipped ") == NULL)
			fail_msg("events: %s", ev);
		free(ev);
	}
	stop(&f);
}

static void
write_journal(const char *dir, const char *text)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof path, "%s/journal.jsonl", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* What a resume keeps, read from run.start: a journal from before the mode
 * field marks a drill by "drill": true; a mode no version wrote, or no
 * run.start, cannot be resumed at all (never as live by default). */
static void
test_resume_setup_reads_run_start(void **state)
{
	char dir[] = "/tmp/drc-engine-XXXXXX", cmd[64];
	struct run_setup s;
	char *cause = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_journal(dir, "{\"event\":\"run.start\",\"drill\":true,\"environment\":\"staging\"}\n");
	assert_int_equal(engine_resume_setup(dir, MODE_LIVE, NULL, &s, &cause), 0);
	assert_int_equal(s.mode, MODE_DRILL);
	assert_string_equal(s.environment, "staging");
	run_setup_clear(&s);
	assert_int_equal(engine_resume_setup(dir, MODE_DRILL, "staging", &s, &cause), 0);
	run_setup_clear(&s);
	write_journal(dir, "{\"event\":\"run.start\",\"drill\":{\"target_rto_ms\":0}}\n");
	assert_int_equal(engine_resume_setup(dir, MODE_LIVE, NULL, &s, &cause), 0);
	assert_int_equal(s.mode, MODE_DRILL);
	assert_null(s.environment);
	run_setup_clear(&s);
	write_journal(dir, "{\"event\":\"run.start\",\"mode\":\"dry-run\"}\n");
	assert_int_equal(engine_resume_setup(dir, MODE_LIVE, NULL, &s, &cause), 0);
	assert_int_equal(s.mode, MODE_DRY_RUN);
	assert_null(s.environment);
	run_setup_clear(&s);
	assert_int_equal(engine_resume_setup(dir, MODE_LIVE, "staging", &s, &cause), -1);
	assert_non_null(strstr(cause, "has no environment"));
	free(cause);
	write_journal(dir, "{\"event\":\"run.start\",\"mode\":\"warp\"}\n");
	assert_int_equal(engine_resume_setup(dir, MODE_LIVE, NULL, &s, &cause), -1);
	assert_non_null(strstr(cause, "does not know"));
	free(cause);
	write_journal(dir, "{\"event\":\"step.start\"}\n");
	assert_int_equal(engine_resume_setup(dir, MODE_LIVE, NULL, &s, &cause), -1);
	assert_non_null(strstr(cause, "no run.start"));
	free(cause);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_resume_refuses_unverified),
		cmocka_unit_test(test_stderr_marked_and_output_file),
		cmocka_unit_test(test_timeout_and_no_orphans),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_retries),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_rolled_back_is_rerunnable),
		cmocka_unit_test(test_start_failure_is_ended),
		cmocka_unit_test(test_resume_changed_runbook_is_typed),
		cmocka_unit_test(test_attestation_is_expanded),
		cmocka_unit_test(test_rollback_display_is_expanded),
		cmocka_unit_test(test_until_out_of_time),
		cmocka_unit_test(test_native_timeout_is_typed),
		cmocka_unit_test(test_hostile_params_and_secrets),
		cmocka_unit_test(test_raw_output_holds_a_split_secret),
		cmocka_unit_test(test_operator_text_is_masked),
		cmocka_unit_test(test_required_param_and_bad_choice),
		cmocka_unit_test(test_resume_marks_interrupted),
		cmocka_unit_test(test_resume_keeps_mode),
		cmocka_unit_test(test_resume_setup_reads_run_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
