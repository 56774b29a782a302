/* test_loader.c: runbooks loaded from memory into the model, and the exact
 * line and column of the diagnostics for broken ones. The corpus under
 * tests/data covers every message through `drconsole lint`; this file checks
 * what lint cannot show: the values in struct runbook. */
#include "cmocka_all.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"

static struct runbook *
load(const char *text, struct diags *d)
{
	return loader_load_buffer("mem.yaml", (const unsigned char *)text, strlen(text), d);
}

/* Loads text that must be clean: no errors, no warnings. */
static struct runbook *
load_clean(const char *text)
{
	struct diags d = { 0 };
	struct runbook *rb = load(text, &d);

	if (d.count != 0) {
		diags_print(&d, stderr);
		fail_msg("%d unexpected diagnostics", d.count);
	}
	assert_non_null(rb);
	diags_clear(&d);
	return rb;
}

/* The diagnostic whose message contains what; fails the test if none. */
static const struct diag *
find_diag(const struct diags *d, const char *what)
{
	for (int i = 0; i < d->count; i++) {
		if (strstr(d->list[i].message, what) != NULL)
			return &d->list[i];
	}
	diags_print(d, stderr);
	fail_msg("no diagnostic containing \"%s\"", what);
	return NULL;
}

/* Loads text that must fail with exactly one error, at line:col, whose
 * message contains what. */
static void
assert_one_error(const char *text, int line, int col, const char *what)
{
	struct diags d = { 0 };
	const struct diag *dg;

	assert_null(load(text, &d));
	if (d.errors != 1)
		diags_print(&d, stderr);
	assert_int_equal(d.errors, 1);
	dg = find_diag(&d, what);
	assert_int_equal(dg->severity, DIAG_ERROR);
	assert_string_equal(dg->file, "mem.yaml");
	assert_int_equal(dg->pos.line, line);
	assert_int_equal(dg->pos.col, col);
	diags_clear(&d);
}

#define HEAD "id: rb\ntitle: Runbook\nobjectives: {rto: 1h}\n"

static void
test_minimal(void **state)
{
	struct diags d = { 0 };
	struct runbook *rb;

	(void)state;
	rb = load("id: db-restore\ntitle: Restore the DB\n"
	    "steps:\n  - id: a\n    title: A\n    run: echo hi\n", &d);
	assert_non_null(rb);
	assert_int_equal(d.errors, 0);
	/* No objectives: one warning, and the runbook still loads. */
	assert_int_equal(d.warnings, 1);
	assert_int_equal(find_diag(&d, "no objectives")->severity, DIAG_WARNING);
	assert_string_equal(rb->path, "mem.yaml");
	assert_string_equal(rb->id, "db-restore");
	assert_string_equal(rb->title.s, "Restore the DB");
	assert_int_equal(rb->has_objectives, 0);
	assert_int_equal(rb->nsteps, 1);
	assert_int_equal(rb->nparams, 0);
	assert_string_equal(rb->steps[0].id, "a");
	assert_int_equal(rb->steps[0].action, ACTION_RUN);
	assert_string_equal(rb->steps[0].run.s, "echo hi");
	/* Defaults: ask before running, ask on failure, no timeout. */
	assert_int_equal(rb->steps[0].confirm, CONFIRM_YES);
	assert_int_equal(rb->steps[0].on_failure, ONFAIL_ASK);
	assert_int_equal(rb->steps[0].timeout_ms, 0);
	assert_int_equal(rb->steps[0].retries, 0);
	assert_int_equal(rb->steps[0].has_expect_exit, 0);
	assert_null(rb->steps[0].rollback.s);
	assert_null(rb->steps[0].phase.s);
	runbook_free(rb);
	diags_clear(&d);
}

static void
test_top_level_text(void **state)
{
	struct runbook *rb;

	(void)state;
	rb = load_clean("id: r2\ntitle: T\nscenario: A\nsystem: ERP\n"
	    "trigger: >-\n  The table\n  is gone.\n"
	    "description: |\n  line one\n  line two\nnotes: Be careful.\n"
	    "objectives: {rto: 4h, rpo: 15m}\nsteps: [{id: a, title: A, manual: Look.}]\n");
	assert_string_equal(rb->scenario, "A");
	assert_string_equal(rb->system, "ERP");
	assert_string_equal(rb->trigger, "The table is gone.");
	assert_string_equal(rb->description, "line one\nline two\n");
	assert_string_equal(rb->notes, "Be careful.");
	assert_int_equal(rb->has_objectives, 1);
	assert_int_equal(rb->rto_ms, 4 * 3600 * 1000);
	assert_int_equal(rb->rpo_ms, 15 * 60 * 1000);
	assert_int_equal(rb->steps[0].action, ACTION_MANUAL);
	assert_string_equal(rb->steps[0].manual.s, "Look.");
	runbook_free(rb);
}

static void
test_durations(void **state)
{
	struct runbook *rb;
	const struct step *s;

	(void)state;
	rb = load_clean(HEAD "steps:\n  - id: a\n    title: A\n    run: x\n    timeout: 1h30m\n"
	    "    retries: 100\n    retry_delay: 500ms\n    expected_duration: 2m5s\n"
	    "  - id: b\n    title: B\n    run: x\n    timeout: 1d\n    retry_delay: 0s\n");
	s = &rb->steps[0];
	assert_int_equal(s->timeout_ms, 5400000);
	assert_int_equal(s->retries, 100);
	assert_int_equal(s->retry_delay_ms, 500);
	assert_int_equal(s->expected_duration_ms, 125000);
	assert_int_equal(rb->steps[1].timeout_ms, 86400000);
	assert_int_equal(rb->steps[1].retry_delay_ms, 0);
	assert_int_equal(rb->rto_ms, 3600000);
	assert_int_equal(rb->rpo_ms, 0);
	runbook_free(rb);
}

static void
test_params(void **state)
{
	struct runbook *rb;
	const struct param *p;

	(void)state;
	rb = load_clean(HEAD "params:\n"
	    "  - name: host\n"
	    "  - name: color\n    type: choice\n    choices: [blue, green]\n    default: green\n"
	    "    prompt: Colour\n    help: Which one.\n"
	    "  - name: pw\n    type: secret\n    generate: 24\n    required: yes\n"
	    "  - name: at\n    type: timestamp\n    default: \"2026-11-23T14:05:00Z\"\n"
	    "  - name: n\n    type: int\n    default: -7\n"
	    "  - name: dry\n    type: bool\n    default: \"false\"\n    required: off\n"
	    "steps: [{id: a, title: A, run: \"echo {{ host }}\"}]\n");
	assert_int_equal(rb->nparams, 6);
	p = runbook_find_param(rb, "host");
	assert_non_null(p);
	assert_int_equal(p->type, PARAM_STRING);
	assert_null(p->def.s);
	assert_null(p->prompt);
	assert_int_equal(p->required, 0);
	assert_int_equal(p->pos.line, 5);
	assert_int_equal(p->pos.col, 5);

	p = runbook_find_param(rb, "color");
	assert_int_equal(p->type, PARAM_CHOICE);
	assert_int_equal(p->nchoices, 2);
	assert_string_equal(p->choices[0], "blue");
	assert_string_equal(p->choices[1], "green");
	assert_string_equal(p->def.s, "green");
	assert_int_equal(p->def.pos.line, 9);
	assert_int_equal(p->def.pos.col, 14);
	assert_string_equal(p->prompt, "Colour");
	assert_string_equal(p->help, "Which one.");

	p = runbook_find_param(rb, "pw");
	assert_int_equal(p->type, PARAM_SECRET);
	assert_int_equal(p->generate, 24);
	assert_int_equal(p->required, 1);
	assert_int_equal(runbook_find_param(rb, "at")->type, PARAM_TIMESTAMP);
	assert_int_equal(runbook_find_param(rb, "n")->type, PARAM_INT);
	assert_string_equal(runbook_find_param(rb, "n")->def.s, "-7");
	p = runbook_find_param(rb, "dry");
	assert_int_equal(p->type, PARAM_BOOL);
	assert_int_equal(p->required, 0);
	assert_null(runbook_find_param(rb, "nope"));
	assert_string_equal(param_type_name(PARAM_TIMESTAMP), "timestamp");
	runbook_free(rb);
}

static void
test_env(void **state)
{
	struct runbook *rb;
	const struct step *s;

	(void)state;
	rb = load_clean(HEAD "params: [{name: db}]\nenv:\n  PGHOST: db1\n  PGDATABASE: \"{{ db }}\"\n"
	    "steps:\n  - id: a\n    title: A\n    run: psql\n    env:\n      PGPORT: 5433\n"
	    "      _X1: ''\n");
	assert_int_equal(rb->nenv, 2);
	assert_string_equal(rb->env[0].key, "PGHOST");
	assert_string_equal(rb->env[0].value.s, "db1");
	assert_int_equal(rb->env[0].value.style, RSTR_PLAIN);
	assert_string_equal(rb->env[1].key, "PGDATABASE");
	assert_string_equal(rb->env[1].value.s, "{{ db }}");
	assert_int_equal(rb->env[1].value.style, RSTR_QUOTED);
	assert_int_equal(rb->env[1].value.pos.line, 7);
	assert_int_equal(rb->env[1].value.pos.col, 15);
	s = &rb->steps[0];
	assert_int_equal(s->nenv, 2);
	assert_string_equal(s->env[0].key, "PGPORT");
	assert_string_equal(s->env[0].value.s, "5433");
	assert_string_equal(s->env[1].key, "_X1");
	assert_string_equal(s->env[1].value.s, "");
	runbook_free(rb);
}

static void
test_confirm_and_failure_modes(void **state)
{
	struct runbook *rb;

	(void)state;
	rb = load_clean(HEAD "steps:\n"
	    "  - {id: a, title: A, run: x, confirm: yes, on_failure: ask}\n"
	    "  - {id: b, title: B, run: x, confirm: no, on_failure: abort}\n"
	    "  - {id: c, title: C, run: x, confirm: type, on_failure: continue}\n");
	assert_int_equal(rb->steps[0].confirm, CONFIRM_YES);
	assert_int_equal(rb->steps[1].confirm, CONFIRM_NO);
	assert_int_equal(rb->steps[2].confirm, CONFIRM_TYPE);
	assert_int_equal(rb->steps[0].on_failure, ONFAIL_ASK);
	assert_int_equal(rb->steps[1].on_failure, ONFAIL_ABORT);
	assert_int_equal(rb->steps[2].on_failure, ONFAIL_CONTINUE);
	assert_int_equal(runbook_find_step(rb, "c"), 2);
	assert_int_equal(runbook_find_step(rb, "d"), -1);
	runbook_free(rb);
}

static void
test_phases(void **state)
{
	struct runbook *rb;

	(void)state;
	rb = load_clean(HEAD "steps:\n"
	    "  - {id: a, title: A, run: x}\n"
	    "  - {id: b, title: B, run: x, phase: Stop writes}\n"
	    "  - {id: c, title: C, run: x}\n"
	    "  - {id: d, title: D, run: x, phase: Verify}\n"
	    "  - {id: e, title: E, run: x}\n");
	assert_null(runbook_step_phase(rb, 0));
	assert_string_equal(runbook_step_phase(rb, 1), "Stop writes");
	assert_string_equal(runbook_step_phase(rb, 2), "Stop writes");
	assert_string_equal(runbook_step_phase(rb, 3), "Verify");
	assert_string_equal(runbook_step_phase(rb, 4), "Verify");
	assert_null(rb->steps[2].phase.s);
	runbook_free(rb);
}

static void
test_actions(void **state)
{
	struct runbook *rb;
	const struct step *s;

	(void)state;
	rb = load_clean(HEAD "params: [{name: key, type: secret}]\nsteps:\n"
	    "  - id: q\n    title: Q\n    sql:\n      conninfo: &pg postgresql://h/db\n"
	    "      query: SELECT 1\n      expect: rows >= 1\n"
	    "  - id: q2\n    title: Q2\n    sql: {conninfo: *pg, query: SELECT 2}\n"
	    "  - id: h\n    title: H\n    http:\n      url: http://127.0.0.1/x\n      method: POST\n"
	    "      headers: {Authorization: \"Bearer {{ key }}\", X-Y: z}\n      body: '{}'\n"
	    "      expect_status: 201\n      expect_body: ok\n      insecure: true\n"
	    "  - id: h2\n    title: H2\n    http: {url: \"http://127.0.0.1/\"}\n"
	    "  - id: n\n    title: N\n    notify:\n      type: email\n      smtp_url: smtp://m\n"
	    "      from: a@b\n      to: [c@d, e@f]\n      subject: S\n      message: M\n"
	    "  - id: n2\n    title: N2\n    notify: {type: statuspage, url: u, component: api,"
	    " status: ok, api_key: \"{{ key }}\", message: m}\n"
	    "  - id: m\n    title: M\n    manual: Check it.\n");
	s = &rb->steps[0];
	assert_int_equal(s->action, ACTION_SQL);
	assert_string_equal(s->sql.conninfo.s, "postgresql://h/db");
	assert_string_equal(s->sql.query.s, "SELECT 1");
	assert_string_equal(s->sql.expect.s, "rows >= 1");
	/* An alias shares the anchored value. */
	assert_string_equal(rb->steps[1].sql.conninfo.s, "postgresql://h/db");
	assert_null(rb->steps[1].sql.expect.s);

	s = &rb->steps[2];
	assert_int_equal(s->action, ACTION_HTTP);
	assert_string_equal(s->http.url.s, "http://127.0.0.1/x");
	assert_string_equal(s->http.method.s, "POST");
	assert_int_equal(s->http.nheaders, 2);
	assert_string_equal(s->http.headers[0].key, "Authorization");
	assert_string_equal(s->http.headers[0].value.s, "Bearer {{ key }}");
	assert_string_equal(s->http.headers[1].key, "X-Y");
	assert_string_equal(s->http.body.s, "{}");
	assert_int_equal(s->http.expect_status, 201);
	assert_string_equal(s->http.expect_body.s, "ok");
	assert_int_equal(s->http.insecure, 1);
	/* Unset: no method (GET), any 2xx. */
	assert_null(rb->steps[3].http.method.s);
	assert_int_equal(rb->steps[3].http.expect_status, 0);

	s = &rb->steps[4];
	assert_int_equal(s->action, ACTION_NOTIFY);
	assert_int_equal(s->notify.kind, NOTIFY_EMAIL);
	assert_int_equal(s->notify.nto, 2);
	assert_string_equal(s->notify.to[0].s, "c@d");
	assert_string_equal(s->notify.to[1].s, "e@f");
	assert_string_equal(s->notify.subject.s, "S");
	assert_int_equal(rb->steps[5].notify.kind, NOTIFY_STATUSPAGE);
	assert_string_equal(rb->steps[5].notify.component.s, "api");

	s = &rb->steps[6];
	assert_int_equal(s->action, ACTION_MANUAL);
	assert_string_equal(step_action_name(s->action), "manual");
	runbook_free(rb);
}

/* A manual step's rollback loads, with a warning that it is never run. */
static void
test_warning_still_loads(void **state)
{
	struct diags d = { 0 };
	struct runbook *rb;

	(void)state;
	rb = load(HEAD "steps:\n  - id: m\n    title: M\n    manual: x\n    rollback: undo\n", &d);
	assert_non_null(rb);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 1);
	assert_int_equal(d.list[0].pos.line, 8);
	assert_int_equal(d.list[0].pos.col, 15);
	assert_string_equal(rb->steps[0].rollback.s, "undo");
	runbook_free(rb);
	diags_clear(&d);
}

static void
test_expect_and_pty(void **state)
{
	struct runbook *rb;

	(void)state;
	rb = load_clean(HEAD "steps:\n"
	    "  - {id: a, title: A, run: x, expect: {exit: 3, output: '^ok$'}, pty: true}\n"
	    "  - {id: b, title: B, run: x, expect: {exit: 0}}\n"
	    "  - {id: c, title: C, run: x, expect: {output: done}}\n");
	assert_int_equal(rb->steps[0].has_expect_exit, 1);
	assert_int_equal(rb->steps[0].expect_exit, 3);
	assert_string_equal(rb->steps[0].expect_output.s, "^ok$");
	assert_int_equal(rb->steps[0].pty, 1);
	/* exit: 0 is given, which is not the same as not given. */
	assert_int_equal(rb->steps[1].has_expect_exit, 1);
	assert_int_equal(rb->steps[1].expect_exit, 0);
	assert_int_equal(rb->steps[2].has_expect_exit, 0);
	assert_int_equal(rb->steps[2].pty, 0);
	runbook_free(rb);
}

/* Where values stand: what the template checks build their positions on. */
static void
test_value_positions(void **state)
{
	struct runbook *rb;
	const struct step *s;

	(void)state;
	rb = load_clean(HEAD "steps:\n  - id: a\n    title: \"Quoted\"\n    run: |\n      set -e\n"
	    "        echo {{ operator }}\n    rollback: plain text\n");
	s = &rb->steps[0];
	assert_int_equal(s->pos.line, 5);
	assert_int_equal(s->pos.col, 5);
	assert_int_equal(s->title.style, RSTR_QUOTED);
	assert_int_equal(s->title.pos.line, 6);
	assert_int_equal(s->title.pos.col, 12);
	assert_int_equal(s->run.style, RSTR_BLOCK);
	assert_int_equal(s->run.pos.line, 7);
	assert_int_equal(s->run.pos.col, 10);
	assert_int_equal(s->run.indent, 6);
	assert_string_equal(s->run.s, "set -e\n  echo {{ operator }}\n");
	/* Offset 14 is the "{{": line 9, after 8 spaces and "echo ". */
	assert_int_equal(rstr_pos_at(&s->run, 14).line, 9);
	assert_int_equal(rstr_pos_at(&s->run, 14).col, 14);
	assert_int_equal(s->rollback.style, RSTR_PLAIN);
	assert_int_equal(s->rollback.pos.line, 10);
	assert_int_equal(s->rollback.pos.col, 15);
	runbook_free(rb);
}

static void
test_literal_braces(void **state)
{
	struct runbook *rb;

	(void)state;
	rb = load_clean(HEAD "steps:\n  - id: a\n    title: A\n    run: 'echo {{ \"{{\" }} x }}'\n");
	assert_string_equal(rb->steps[0].run.s, "echo {{ \"{{\" }} x }}");
	runbook_free(rb);
}

static void
test_error_positions(void **state)
{
	(void)state;
	/* Unknown keys: at the key, with a suggestion. */
	assert_one_error(HEAD "steps:\n  - id: a\n    title: A\n    run: x\n    timout: 5m\n",
	    8, 5, "unknown key 'timout' in a step (did you mean 'timeout'?)");
	assert_one_error(HEAD "steps: [{id: a, title: A, sql: {conninfo: c, query: q, expct: '>0'}}]\n",
	    4, 56, "unknown key 'expct' in sql (did you mean 'expect'?)");
	/* Bad values: at the value. */
	assert_one_error(HEAD "steps:\n  - {id: a, title: A, run: x, timeout: 5 min}\n",
	    5, 40, "'5 min' is not a valid duration for 'timeout'");
	assert_one_error(HEAD "steps:\n  - {id: a, title: A, run: x, confirm: typ}\n",
	    5, 40, "'typ' is not a valid confirm (did you mean 'type'?)");
	/* Missing keys and actions: at the mapping. */
	assert_one_error("id: x\nsteps: [{id: a, title: A, run: x}]\n", 1, 1,
	    "a runbook is missing the required key 'title'");
	assert_one_error(HEAD "steps:\n  - id: a\n    title: A\n", 5, 5, "step 'a' has no action");
	assert_one_error(HEAD "steps:\n  - id: a\n    title: A\n    run: x\n    manual: y\n", 8, 5,
	    "more than one action ('run' and 'manual')");
	/* Duplicates: at the second one. */
	assert_one_error(HEAD "steps:\n  - id: a\n    title: A\n    run: x\n    run: y\n", 8, 5,
	    "duplicate key 'run'");
	assert_one_error(HEAD "steps:\n  - {id: a, title: A, run: x}\n  - {id: a, title: B, run: y}\n",
	    6, 5, "duplicate step id 'a' (first used at line 5)");
	/* Templates: at the "{{", in plain, quoted and block scalars. */
	assert_one_error(HEAD "steps:\n  - id: a\n    title: A\n    run: echo {{ hots }}\n", 7, 15,
	    "template names 'hots', which is not a declared param");
	assert_one_error(HEAD "steps: [{id: a, title: \"x {{ y }}\", run: z}]\n", 4, 27,
	    "template names 'y'");
	assert_one_error(HEAD "steps:\n  - id: a\n    title: A\n    run: |\n      a\n       b {{ y }}\n",
	    9, 10, "template names 'y'");
	assert_one_error(HEAD "steps:\n  - id: a\n    title: A\n    run: x\n    env: {A: '{{ q }}'}\n",
	    8, 15, "template names 'q'");
	assert_one_error(HEAD "steps:\n  - id: a\n    title: A\n    run: echo {{ x ]\n", 7, 20,
	    "unexpected character in template");
	/* Params. */
	assert_one_error(HEAD "params:\n  - {name: pw, type: secret, default: x}\n"
	    "steps: [{id: a, title: A, run: x}]\n", 5, 39, "secret param 'pw' cannot have a default");
	assert_one_error(HEAD "params:\n  - {name: c, type: choice, choices: [a], default: b}\n"
	    "steps: [{id: a, title: A, run: x}]\n", 5, 52, "default 'b' is not one of the choices");
}

static void
test_yaml_errors(void **state)
{
	(void)state;
	assert_one_error(HEAD "steps:\n  - id: a\n\t title: A\n", 6, 1, "tab character");
	assert_one_error("id: x\ntitle: \"open\nsteps: []\n", 2, 8,
	    "found unexpected end of stream while scanning a quoted scalar");
	assert_one_error("id: x\ntitle: [a, b\nsteps: []\n", 2, 8, "flow sequence");
	assert_one_error("id: x\ntitle: caf\xc3\xa9 cr\xe8me\n", 2, 15, "invalid trailing UTF-8 octet");
	assert_one_error("id: x\ntitle: \x01\n", 2, 8, "control characters are not allowed");
	assert_one_error("id: a\n---\nid: b\n", 3, 1, "more than one document");
	assert_one_error("id: x\ntitle: *nope\n", 2, 8, "unknown alias 'nope'");
	assert_one_error("- a\n- b\n", 1, 1, "a runbook must be a mapping of keys to values, not a list");
	/* Lines are counted at \n only, as editors do: a byte order mark, CRLF
	 * ends, and a lone CR or U+2028 inside a string move nothing. */
	assert_one_error("\xef\xbb\xbfid: x\r\ntitle: *nope\r\n", 2, 8, "unknown alias 'nope'");
	assert_one_error("id: x\ntitle: \"a\rb\xe2\x80\xa8\xc3\xa9\"\nz: *q\n", 3, 4, "unknown alias 'q'");
	assert_one_error("", 0, 0, "empty file");
	assert_one_error("# nothing\n", 0, 0, "empty file");
}

static void
test_hostile_input(void **state)
{
	char bomb[2048], *deep, *big;
	const unsigned char nul[] = "id: x\ntitle: a\0b\nsteps: []\n";
	struct diags d = { 0 };
	size_t n = 0;

	(void)state;
	n += (size_t)snprintf(bomb + n, sizeof bomb - n, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 9; i++) {
		n += (size_t)snprintf(bomb + n, sizeof bomb - n, "a%d: &a%d [", i, i);
		for (int j = 0; j < 10; j++)
			n += (size_t)snprintf(bomb + n, sizeof bomb - n, "*a%d, ", i - 1);
		n += (size_t)snprintf(bomb + n, sizeof bomb - n, "x]\n");
	}
	assert_one_error(bomb, 6, 10, "too many nodes");

	deep = calloc(1, 1000);
	strcpy(deep, "id: x\nsteps: ");
	memset(deep + strlen(deep), '[', 200);
	assert_one_error(deep, 2, 71, "nested too deeply");
	free(deep);

	/* A NUL inside the buffer is not the end of it. */
	assert_null(loader_load_buffer("nul.yaml", nul, sizeof nul - 1, &d));
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.list[0].pos.line, 2);
	assert_int_equal(d.list[0].pos.col, 9);
	diags_clear(&d);

	big = malloc(5 * 1024 * 1024);
	memset(big, '#', 5 * 1024 * 1024);
	assert_null(loader_load_buffer("big.yaml", (unsigned char *)big, 5 * 1024 * 1024, &d));
	assert_int_equal(d.errors, 1);
	assert_non_null(strstr(d.list[0].message, "too large"));
	free(big);
	diags_clear(&d);
}

/* Diagnostics from several files accumulate in one list, each with its file. */
static void
test_diags_accumulate(void **state)
{
	struct diags d = { 0 };
	const char *bad = "id: x\ntitle: t\nsteps: []\n";
	const char *good = HEAD "steps: [{id: a, title: A, run: x}]\n";
	struct runbook *rb;

	(void)state;
	assert_null(loader_load_buffer("one.yaml", (const unsigned char *)bad, strlen(bad), &d));
	rb = loader_load_buffer("two.yaml", (const unsigned char *)good, strlen(good), &d);
	assert_non_null(rb);
	assert_null(loader_load_buffer("three.yaml", (const unsigned char *)bad, strlen(bad), &d));
	assert_int_equal(d.count, 2);
	assert_int_equal(d.errors, 2);
	assert_string_equal(d.list[0].file, "one.yaml");
	assert_string_equal(d.list[1].file, "three.yaml");
	runbook_free(rb);
	diags_clear(&d);
}

static void
test_sha256_and_file(void **state)
{
	static const unsigned char want[32] = {
		0xfa, 0x16, 0x91, 0x8a, 0xaa, 0x7f, 0x5f, 0xc3, 0xb7, 0xaa, 0x4d, 0xd5, 0xd3, 0x1a,
		0x27, 0xb5, 0x8a, 0x84, 0xa2, 0xad, 0xa5, 0x20, 0x70, 0x45, 0x85, 0xb9, 0xa5, 0x67,
		0x67, 0x2b, 0x85, 0xc3,
	};
	const char *text = "id: x\ntitle: t\nsteps: [{id: a, title: A, run: \"true\"}]\n";
	char path[] = "/tmp/drc-test-loader-XXXXXX";
	struct diags d = { 0 };
	struct runbook *rb;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	rb = loader_load_file(path, &d);
	assert_non_null(rb);
	/* sha256sum of the same bytes. */
	assert_memory_equal(rb->sha256, want, 32);
	assert_string_equal(rb->path, path);
	runbook_free(rb);
	unlink(path);
	diags_clear(&d);

	assert_null(loader_load_file(path, &d));
	assert_int_equal(d.errors, 1);
	assert_string_equal(d.list[0].message, "cannot read: No such file or directory");
	diags_clear(&d);
}

/* Host vars: a host's own win over its groups', a group's reach hosts
 * through nested groups, the first group in file order wins, and a group
 * may still be a plain list. */
static void
test_host_vars(void **state)
{
	struct runbook *rb = load_clean(
	    "id: hv\ntitle: hv\nobjectives: { rto: 1h, rpo: 1m }\n"
	    "hosts:\n"
	    "  db1: { address: 10.0.0.1, vars: { member: etcd-1, port: \"2380\" } }\n"
	    "  db2: ~\n"
	    "  db3: { vars: { member: \"x; rm -rf /\" } }\n"
	    "groups:\n"
	    "  etcd: { hosts: [db1, db2], vars: { member: from-etcd, cluster: c1 } }\n"
	    "  all: { hosts: [etcd, db3], vars: { cluster: c2, site: s1 } }\n"
	    "  plain: [db1]\n"
	    "steps:\n"
	    "  - { id: a, title: A, on: all, run: 'echo {{ host.vars.member }}' }\n");
	const struct host_def *db1 = runbook_find_host(rb, "db1"), *db2 = runbook_find_host(rb, "db2"),
	    *db3 = runbook_find_host(rb, "db3");

	(void)state;
	assert_int_equal(db1->nvars, 2);
	assert_string_equal(runbook_host_var(rb, db1, "member")->s, "etcd-1");
	assert_string_equal(runbook_host_var(rb, db2, "member")->s, "from-etcd");
	assert_string_equal(runbook_host_var(rb, db3, "member")->s, "x; rm -rf /");
	assert_string_equal(runbook_host_var(rb, db2, "cluster")->s, "c1");
	assert_string_equal(runbook_host_var(rb, db3, "cluster")->s, "c2");
	assert_string_equal(runbook_host_var(rb, db1, "site")->s, "s1");
	assert_null(runbook_host_var(rb, db3, "port"));
	assert_int_equal(runbook_find_group(rb, "plain")->nmembers, 1);
	assert_int_equal(runbook_find_group(rb, "all")->nmembers, 2);
	runbook_free(rb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_top_level_text),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_confirm_and_failure_modes),
		cmocka_unit_test(test_phases),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_warning_still_loads),
		cmocka_unit_test(test_expect_and_pty),
		cmocka_unit_test(test_value_positions),
		cmocka_unit_test(test_literal_braces),
		cmocka_unit_test(test_error_positions),
		cmocka_unit_test(test_yaml_errors),
		cmocka_unit_test(test_hostile_input),
		cmocka_unit_test(test_diags_accumulate),
		cmocka_unit_test(test_sha256_and_file),
		cmocka_unit_test(test_host_vars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
