/* loader_step.c: the step key tables (run, sql, http, notify, capture,
 * until, verify, ...) and the steps list with its include: items. */
#include <stdlib.h>
#include <string.h>

#include "loader_int.h"
#include "xmalloc.h"
#include "yamldoc.h"

const char *const loader_shell_names[] = { "sh", "bash", NULL };
static const char *const confirm_names[] = { "yes", "no", "type", "approval", NULL };
static const char *const capture_from_names[] = { "output", "last_line", "regex", "cell", "json", NULL };
static const char *const on_failure_names[] = { "ask", "abort", "continue", NULL };
static const char *const notify_names[] = { "slack", "webhook", "statuspage", "email", "pagerduty",
	"opsgenie", NULL };

static const char *const sql_check_names[] = { "none", "replication_lag", "in_recovery", NULL };

#define SQ(f) offsetof(struct step, sql.f)
static const struct keydef sql_keys[] = {
	{ "conninfo", K_TEXT, KEY_REQUIRED, SQ(conninfo), 0, 0, NULL, NULL },
	{ "query", K_TEXT, 0, SQ(query), 0, 0, NULL, NULL },
	{ "expect", K_TEXT, 0, SQ(expect), 0, 0, NULL, NULL },
	{ "check", K_ENUM, 0, SQ(check), 0, 0, sql_check_names, NULL },
	{ "promote", K_BOOL, 0, SQ(promote), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

static void
parse_headers(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;

	loader_load_kv(l, n, &s->http.headers, &s->http.nheaders, "headers");
}

#define HT(f) offsetof(struct step, http.f)
static const struct keydef http_keys[] = {
	{ "url", K_TEXT, KEY_REQUIRED, HT(url), 0, 0, NULL, NULL },
	{ "method", K_TEXT, 0, HT(method), 0, 0, NULL, NULL },
	{ "headers", K_CUSTOM, 0, 0, 0, 0, NULL, parse_headers },
	{ "body", K_TEXT, 0, HT(body), 0, 0, NULL, NULL },
	{ "expect_status", K_INT, 0, HT(expect_status), 100, 599, NULL, NULL },
	{ "expect_body", K_TEXT, 0, HT(expect_body), 0, 0, NULL, NULL },
	{ "insecure", K_BOOL, 0, HT(insecure), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

static void
parse_recipients(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;
	const struct ynode *one = n;
	int count = n->type == YNODE_SEQ ? n->nitems : 1;

	s->notify.to = xcalloc((size_t)count, sizeof *s->notify.to);
	for (int i = 0; i < count; i++) {
		if (n->type == YNODE_SEQ)
			one = n->items[i];
		if (loader_want_scalar(l, one, "to"))
			loader_set_rstr(l, &s->notify.to[s->notify.nto++], one);
	}
}

#define NT(f) offsetof(struct step, notify.f)
static const struct keydef notify_keys[] = {
	{ "type", K_ENUM, KEY_REQUIRED, NT(kind), 0, 0, notify_names, NULL },
	{ "url", K_TEXT, 0, NT(url), 0, 0, NULL, NULL },
	{ "channel", K_TEXT, 0, NT(channel), 0, 0, NULL, NULL },
	{ "message", K_TEXT, KEY_REQUIRED, NT(message), 0, 0, NULL, NULL },
	{ "component", K_TEXT, 0, NT(component), 0, 0, NULL, NULL },
	{ "status", K_TEXT, 0, NT(status), 0, 0, NULL, NULL },
	{ "api_key", K_TEXT, 0, NT(api_key), 0, 0, NULL, NULL },
	{ "smtp_url", K_TEXT, 0, NT(smtp_url), 0, 0, NULL, NULL },
	{ "from", K_TEXT, 0, NT(from), 0, 0, NULL, NULL },
	{ "to", K_CUSTOM, 0, 0, 0, 0, NULL, parse_recipients },
	{ "subject", K_TEXT, 0, NT(subject), 0, 0, NULL, NULL },
	{ "body", K_TEXT, 0, NT(body), 0, 0, NULL, NULL },
	{ "routing_key", K_TEXT, 0, NT(routing_key), 0, 0, NULL, NULL },
	{ "event", K_TEXT, 0, NT(event), 0, 0, NULL, NULL },
	{ "severity", K_TEXT, 0, NT(severity), 0, 0, NULL, NULL },
	{ "priority", K_TEXT, 0, NT(priority), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

#define ST(f) offsetof(struct step, f)
static const struct keydef expect_keys[] = {
	{ "exit", K_INT, 0, ST(expect_exit), 0, 255, NULL, NULL },
	{ "output", K_TEXT, 0, ST(expect_output), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

static void
parse_sql(struct loader *l, const struct ynode *n, void *obj)
{
	loader_load_map(l, n, sql_keys, obj, "sql");
}

static void
parse_http(struct loader *l, const struct ynode *n, void *obj)
{
	loader_load_map(l, n, http_keys, obj, "http");
}

static void
parse_notify(struct loader *l, const struct ynode *n, void *obj)
{
	loader_load_map(l, n, notify_keys, obj, "notify");
}

static void
parse_expect(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;

	loader_load_map(l, n, expect_keys, obj, "expect");
	if (n->type == YNODE_MAP && loader_map_get(n, "exit") != NULL)
		s->has_expect_exit = 1;
}

static const struct keydef drill_step_keys[] = {
	{ "run", K_TEXT, KEY_REQUIRED, ST(drill_run), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

/* drill: skip, or drill: { run: STAND-IN } */
static void
parse_step_drill(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;

	if (n->type == YNODE_SCALAR) {
		if (strcmp(n->value, "skip") == 0)
			s->drill = DRILL_SKIP;
		else
			loader_error_at(l, n->pos, "'drill' is 'skip' or a mapping like { run: COMMAND }, not '%s'",
			    n->value);
		return;
	}
	loader_load_map(l, n, drill_step_keys, obj, "drill");
	s->drill = DRILL_STANDIN;
}

#define CP(f) offsetof(struct capture, f)
static const struct keydef capture_keys[] = {
	{ "name", K_NAME, KEY_REQUIRED, CP(name), 0, 0, NULL, NULL },
	{ "from", K_ENUM, 0, CP(from), 0, 0, capture_from_names, NULL },
	{ "regex", K_TEXT, 0, CP(regex), 0, 0, NULL, NULL },
	{ "group", K_INT, 0, CP(group), 0, 9, NULL, NULL },
	{ "secret", K_BOOL, 0, CP(secret), 0, 0, NULL, NULL },
	{ "json", K_TEXT, 0, CP(json), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

/* One capture's settings: what capture_keys read, the name aside. */
static const struct keydef *const capture_settings = &capture_keys[1];

/* The defaults that follow from what a capture's mapping gives. */
static void
capture_defaults(const struct ynode *n, struct capture *cp)
{
	if (n->type == YNODE_MAP && loader_map_get(n, "regex") != NULL && loader_map_get(n, "from") == NULL)
		cp->from = CAPTURE_REGEX;
	if (n->type == YNODE_MAP && loader_map_get(n, "json") != NULL && loader_map_get(n, "from") == NULL)
		cp->from = CAPTURE_JSON;
	if (n->type == YNODE_MAP && loader_map_get(n, "group") == NULL)
		cp->group = 1;
}

/* A mapping is the single form when it holds a capture's own keys. */
static int
single_form(const struct ynode *n)
{
	for (const struct keydef *k = capture_keys; k->name != NULL; k++) {
		if (loader_map_get(n, k->name) != NULL)
			return 1;
	}
	return 0;
}

/* capture: { lsn: { regex: ... }, lag: { from: last_line } }: several, by name. */
static void
parse_captures(struct loader *l, const struct ynode *n, struct step *s)
{
	s->captures = xcalloc((size_t)YMAP_PAIRS(n) + 1, sizeof *s->captures);
	for (int i = 0; i < YMAP_PAIRS(n); i++) {
		const struct ynode *k = YMAP_KEY(n, i), *v = YMAP_VALUE(n, i);
		struct capture *cp = &s->captures[s->ncaptures];

		if (k->type != YNODE_SCALAR)
			continue;
		cp->pos = k->pos;
		loader_set_scalar(l, &capture_keys[0], k, (char *)cp);
		s->ncaptures++;
		loader_load_map(l, v, capture_settings, cp, "a capture");
		capture_defaults(v, cp);
	}
}

/* capture: NAME, capture: { name, from, regex, group, secret }, or a
 * mapping of names to { from, regex, group, secret }. */
static void
parse_capture(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;

	if (n->type == YNODE_MAP && YMAP_PAIRS(n) > 0 && !single_form(n)) {
		parse_captures(l, n, s);
		return;
	}
	s->captures = xcalloc(1, sizeof *s->captures);
	s->ncaptures = 1;
	s->captures[0].pos = n->pos;
	if (n->type == YNODE_SCALAR) {
		loader_set_scalar(l, &capture_keys[0], n, (char *)s->captures);
		return;
	}
	loader_load_map(l, n, capture_keys, s->captures, "capture");
	capture_defaults(n, s->captures);
}

static const struct keydef until_keys[] = {
	{ "every", K_DURATION, KEY_REQUIRED, ST(until_every_ms), 0, 0, NULL, NULL },
	{ "within", K_DURATION, KEY_REQUIRED, ST(until_within_ms), 0, 0, NULL, NULL },
	{ "on_timeout", K_TEXT, 0, ST(until_on_timeout), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

static void
parse_until(struct loader *l, const struct ynode *n, void *obj)
{
	loader_load_map(l, n, until_keys, obj, "until");
}

/* input: { name, type, prompt, help, choices, pattern }: a param asked
 * for mid-run. Its answer is the step's one capture, so templates, the
 * journal, masking and resume treat it as every captured value. */
static void
parse_input(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;

	if (n->type != YNODE_MAP) {
		loader_error_at(l, n->pos, "'input' must be a map, like { name: ticket, type: string, "
		    "prompt: \"Change ticket\" }, not %s", ynode_type_name(n));
		return;
	}
	loader_load_param(l, n, &s->input, "input");
}

/* The answer of an input step is kept as its one capture, named as it. */
static void
input_capture(struct loader *l, struct step *s)
{
	if (s->ncaptures > 0) {
		loader_error_at(l, s->captures[0].pos, "step '%s' asks for '%s' (input): its answer is "
		    "its value, so it has no capture", s->id ? s->id : "?", s->input.name ? s->input.name : "?");
		return;
	}
	if (s->input.name == NULL)
		return;
	s->captures = xcalloc(1, sizeof *s->captures);
	s->ncaptures = 1;
	s->captures[0].name = xstrdup(s->input.name);
	s->captures[0].pos = s->input.pos;
	s->captures[0].from = CAPTURE_OUTPUT;
	s->captures[0].secret = s->input.type == PARAM_SECRET;
}

static const struct keydef confirm_keys[] = {
	{ "ask", K_ENUM, KEY_REQUIRED, ST(confirm), 0, 0, confirm_names, NULL },
	{ "when", K_TEXT, KEY_REQUIRED, ST(confirm_when), 0, 0, NULL, NULL },
	{ "else", K_ENUM, 0, ST(confirm_else), 0, 0, confirm_names, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

/* confirm: yes|no|type|approval, or { ask, when, else }: how the step is
 * confirmed when the condition holds, and otherwise (default yes). An
 * approval is not conditional: a second operator is arranged in advance. */
static void
parse_confirm(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;

	static const struct keydef plain = { "confirm", K_ENUM, 0, ST(confirm), 0, 0, confirm_names, NULL };

	if (n->type == YNODE_SCALAR) {
		loader_set_enum(l, &plain, n, (int *)&s->confirm);
		return;
	}
	loader_load_map(l, n, confirm_keys, obj, "confirm");
	if (n->type == YNODE_MAP && s->confirm_when.s != NULL &&
	    (s->confirm == CONFIRM_APPROVAL || s->confirm_else == CONFIRM_APPROVAL))
		loader_error_at(l, n->pos, "step '%s': an approval cannot depend on a condition (give "
		    "confirm: approval on its own)", s->id ? s->id : "?");
}

static const struct keydef on_failure_keys[] = {
	{ "run", K_TEXT, KEY_REQUIRED, ST(on_failure_run), 0, 0, NULL, NULL },
	{ "then", K_ENUM, 0, ST(on_failure), 0, 0, on_failure_names, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

/* on_failure: ask|abort|continue, or { run: HANDLER, then: ask|abort|continue }. */
static void
parse_on_failure(struct loader *l, const struct ynode *n, void *obj)
{
	static const struct keydef plain = { "on_failure", K_ENUM, 0, ST(on_failure), 0, 0, on_failure_names, NULL };
	struct step *s = obj;

	if (n->type == YNODE_SCALAR) {
		loader_set_enum(l, &plain, n, (int *)&s->on_failure);
		return;
	}
	loader_load_map(l, n, on_failure_keys, obj, "on_failure");
}

static const struct keydef end_run_keys[] = {
	{ "when", K_TEXT, KEY_REQUIRED, ST(end_run_when), 0, 0, NULL, NULL },
	{ "outcome", K_TEXT, KEY_REQUIRED, ST(end_run_outcome), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

static void
parse_end_run(struct loader *l, const struct ynode *n, void *obj)
{
	loader_load_map(l, n, end_run_keys, obj, "end_run");
}

#define VS(f) offsetof(struct step, verify_sql.f)
static const struct keydef verify_sql_keys[] = {
	{ "conninfo", K_TEXT, KEY_REQUIRED, VS(conninfo), 0, 0, NULL, NULL },
	{ "query", K_TEXT, KEY_REQUIRED, VS(query), 0, 0, NULL, NULL },
	{ "expect", K_TEXT, 0, VS(expect), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

#define VH(f) offsetof(struct step, verify_http.f)
static const struct keydef verify_http_keys[] = {
	{ "url", K_TEXT, KEY_REQUIRED, VH(url), 0, 0, NULL, NULL },
	{ "method", K_TEXT, 0, VH(method), 0, 0, NULL, NULL },
	{ "body", K_TEXT, 0, VH(body), 0, 0, NULL, NULL },
	{ "expect_status", K_INT, 0, VH(expect_status), 100, 599, NULL, NULL },
	{ "expect_body", K_TEXT, 0, VH(expect_body), 0, 0, NULL, NULL },
	{ "insecure", K_BOOL, 0, VH(insecure), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

static void
parse_verify_sql(struct loader *l, const struct ynode *n, void *obj)
{
	((struct step *)obj)->verify_action = ACTION_SQL;
	loader_load_map(l, n, verify_sql_keys, obj, "verify.sql");
}

static void
parse_verify_http(struct loader *l, const struct ynode *n, void *obj)
{
	((struct step *)obj)->verify_action = ACTION_HTTP;
	loader_load_map(l, n, verify_http_keys, obj, "verify.http");
}

static void
parse_verify_run(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;

	s->verify_action = ACTION_RUN;
	if (loader_want_scalar(l, n, "run"))
		loader_set_rstr(l, &s->verify_run, n);
}

static const struct keydef verify_keys[] = {
	{ "run", K_CUSTOM, 0, 0, 0, 0, NULL, parse_verify_run },
	{ "sql", K_CUSTOM, 0, 0, 0, 0, NULL, parse_verify_sql },
	{ "http", K_CUSTOM, 0, 0, 0, 0, NULL, parse_verify_http },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

/* verify: { run | sql | http }: a second action that must pass too. */
static void
parse_verify(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;

	loader_load_map(l, n, verify_keys, obj, "verify");
	if (n->type == YNODE_MAP && YMAP_PAIRS(n) != 1)
		loader_error_at(l, n->pos, "step '%s': 'verify' needs exactly one of run, sql or http",
		    s->id != NULL ? s->id : "?");
}

/* policy: all | any | N (at least N hosts must succeed) */
static void
parse_policy(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;
	long v;

	if (!loader_want_scalar(l, n, "policy"))
		return;
	if (strcmp(n->value, "all") == 0)
		s->policy = POLICY_ALL;
	else if (strcmp(n->value, "any") == 0)
		s->policy = POLICY_ANY;
	else if (loader_parse_long(n->value, &v) == 0 && v >= 1 && v <= 1000) {
		s->policy = POLICY_AT_LEAST;
		s->at_least = (int)v;
	} else
		loader_error_at(l, n->pos, "'policy' is all, any, or a number of hosts that must succeed, not '%s'",
		    n->value);
}

static void
parse_step_env(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;

	loader_load_kv(l, n, &s->env, &s->nenv, "env");
}

/* A step's shell: 0 stays "the runbook's", so the choice is 1 + index. */
static void
parse_step_shell(struct loader *l, const struct ynode *n, void *obj)
{
	static const struct keydef key = { "shell", K_ENUM, 0, 0, 0, 0, loader_shell_names, NULL };
	struct step *s = obj;
	int v = -1;

	if (!loader_want_scalar(l, n, "shell"))
		return;
	loader_set_enum(l, &key, n, &v);
	if (v >= 0)
		s->shell = v + 1;
	s->shell_pos = n->pos;
}

/* mode: 0640 or 640: permission bits, in octal as chmod takes them. */
static void
parse_copy_mode(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;
	char *end;
	long v;

	if (!loader_want_scalar(l, n, "mode"))
		return;
	v = strtol(n->value, &end, 8);
	if (end == n->value || *end != '\0' || strlen(n->value) > 4 || v < 0 || v > 07777)
		loader_error_at(l, n->pos, "'mode' is permission bits in octal, like 0640, not '%s'", n->value);
	else
		s->copy.mode = (int)v;
}

#define CY(f) offsetof(struct step, copy.f)
static const struct keydef copy_keys[] = {
	{ "src", K_TEXT, KEY_REQUIRED, CY(src), 0, 0, NULL, NULL },
	{ "dest", K_TEXT, KEY_REQUIRED, CY(dest), 0, 0, NULL, NULL },
	{ "mode", K_CUSTOM, 0, 0, 0, 0, NULL, parse_copy_mode },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

static void
parse_copy(struct loader *l, const struct ynode *n, void *obj)
{
	((struct step *)obj)->copy.mode = 0644;
	loader_load_map(l, n, copy_keys, obj, "copy");
}

static const struct keydef step_keys[] = {
	{ "id", K_ID, KEY_REQUIRED, ST(id), 0, 0, NULL, NULL },
	{ "title", K_TEXT, KEY_REQUIRED, ST(title), 0, 0, NULL, NULL },
	{ "phase", K_TEXT, 0, ST(phase), 0, 0, NULL, NULL },
	{ "why", K_TEXT, 0, ST(why), 0, 0, NULL, NULL },
	{ "run", K_TEXT, 0, ST(run), 0, 0, NULL, NULL },
	{ "sql", K_CUSTOM, 0, 0, 0, 0, NULL, parse_sql },
	{ "http", K_CUSTOM, 0, 0, 0, 0, NULL, parse_http },
	{ "notify", K_CUSTOM, 0, 0, 0, 0, NULL, parse_notify },
	{ "manual", K_TEXT, 0, ST(manual), 0, 0, NULL, NULL },
	{ "copy", K_CUSTOM, 0, 0, 0, 0, NULL, parse_copy },
	{ "confirm", K_CUSTOM, 0, 0, 0, 0, NULL, parse_confirm },
	{ "timeout", K_DURATION, 0, ST(timeout_ms), 0, 0, NULL, NULL },
	{ "retries", K_INT, 0, ST(retries), 0, 100, NULL, NULL },
	{ "retry_delay", K_DURATION, 0, ST(retry_delay_ms), 0, 0, NULL, NULL },
	{ "on_failure", K_CUSTOM, 0, 0, 0, 0, NULL, parse_on_failure },
	{ "rollback", K_TEXT, 0, ST(rollback), 0, 0, NULL, NULL },
	{ "expect", K_CUSTOM, 0, 0, 0, 0, NULL, parse_expect },
	{ "pty", K_BOOL, 0, ST(pty), 0, 0, NULL, NULL },
	{ "env", K_CUSTOM, 0, 0, 0, 0, NULL, parse_step_env },
	{ "expected_duration", K_DURATION, 0, ST(expected_duration_ms), 0, 0, NULL, NULL },
	{ "when", K_TEXT, 0, ST(when), 0, 0, NULL, NULL },
	{ "drill", K_CUSTOM, 0, 0, 0, 0, NULL, parse_step_drill },
	{ "on", K_TEXT, 0, ST(on), 0, 0, NULL, NULL },
	{ "max_parallel", K_INT, 0, ST(max_parallel), 1, 1000, NULL, NULL },
	{ "policy", K_CUSTOM, 0, 0, 0, 0, NULL, parse_policy },
	{ "forward_agent", K_BOOL, 0, ST(forward_agent), 0, 0, NULL, NULL },
	{ "cwd", K_TEXT, 0, ST(cwd), 0, 0, NULL, NULL },
	{ "shell", K_CUSTOM, 0, 0, 0, 0, NULL, parse_step_shell },
	{ "interactive", K_BOOL, 0, ST(interactive), 0, 0, NULL, NULL },
	{ "stop_ok", K_BOOL, 0, ST(stop_ok), 0, 0, NULL, NULL },
	{ "detach", K_BOOL, 0, ST(detach), 0, 0, NULL, NULL },
	{ "capture", K_CUSTOM, 0, 0, 0, 0, NULL, parse_capture },
	{ "input", K_CUSTOM, 0, 0, 0, 0, NULL, parse_input },
	{ "until", K_CUSTOM, 0, 0, 0, 0, NULL, parse_until },
	{ "end_run", K_CUSTOM, 0, 0, 0, 0, NULL, parse_end_run },
	{ "wait", K_DURATION, 0, ST(wait_ms), 0, 0, NULL, NULL },
	{ "verify", K_CUSTOM, 0, 0, 0, 0, NULL, parse_verify },
	{ "approvers", K_APPROVERS, 0, ST(approvers), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

/* The action keys, in enum step_action order after ACTION_NONE. */
static const char *const action_keys[] = { "run", "sql", "http", "notify", "manual", "wait", "copy", "input", NULL };

static void
find_action(struct loader *l, const struct ynode *map, struct step *s)
{
	const struct ynode *first = NULL;

	for (int i = 0; i < YMAP_PAIRS(map); i++) {
		const struct ynode *k = YMAP_KEY(map, i);

		for (int a = 0; k->type == YNODE_SCALAR && action_keys[a] != NULL; a++) {
			if (strcmp(k->value, action_keys[a]) != 0)
				continue;
			if (first != NULL) {
				diags_add(l->diags, DIAG_ERROR, l->file, k->pos,
				    "step '%s' has more than one action ('%s' and '%s'): give exactly one",
				    s->id ? s->id : "?", first->value, k->value);
				continue;
			}
			first = k;
			s->action = (enum step_action)(a + 1);
		}
	}
	if (first == NULL)
		diags_add(l->diags, DIAG_ERROR, l->file, map->pos,
		    "step '%s' has no action: give one of run, sql, http, notify, manual, wait, copy or input",
		    s->id ? s->id : "?");
}

static void
load_step(struct loader *l, const struct ynode *n, struct step *s)
{
	s->pos = n->pos;
	loader_load_map(l, n, step_keys, s, "a step");
	if (n->type == YNODE_MAP)
		find_action(l, n, s);
	if (s->action == ACTION_INPUT)
		input_capture(l, s);
}

static void
parse_include_params(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;

	loader_load_kv(l, n, &s->include_params, &s->ninclude_params, "params");
}

static const struct keydef include_keys[] = {
	{ "include", K_TEXT, KEY_REQUIRED, ST(include), 0, 0, NULL, NULL },
	{ "params", K_CUSTOM, 0, 0, 0, 0, NULL, parse_include_params },
	{ "phase", K_TEXT, 0, ST(phase), 0, 0, NULL, NULL },
	{ "as", K_ID, 0, ST(include_as), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL }
};

/* A steps item is a step, or { include: RUNBOOK, params, phase, as }. */
static void
load_one_step(struct loader *l, const struct ynode *n, void *obj)
{
	struct step *s = obj;

	if (n->type == YNODE_MAP && loader_map_get(n, "include") != NULL) {
		s->pos = n->pos;
		loader_load_map(l, n, include_keys, obj, "an include");
		return;
	}
	load_step(l, n, obj);
}

/* steps: the runbook's list of steps and include: items. */
void
loader_parse_steps(struct loader *l, const struct ynode *n, void *obj)
{
	struct runbook *rb = obj;

	loader_load_list(l, n, "steps", (void **)&rb->steps, &rb->nsteps, sizeof *rb->steps, load_one_step);
	if (n->type == YNODE_SEQ && n->nitems == 0)
		loader_error_at(l, n->pos, "'steps' is empty: a runbook needs at least one step");
}

