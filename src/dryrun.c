/* dryrun.c: what a dry run shows for each step, so a reviewer reads
 * months before the night everything the step would do: the command or
 * the request of its kind with every value expanded (secrets as ****), the
 * hosts it targets, how it is confirmed, its rollback, what a drill does
 * with it, and a `when:` that can only be decided at run time. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duration.h"
#include "engine_int.h"
#include "fanout.h"
#include "hostlist.h"
#include "strbuf.h"
#include "xmalloc.h"

/* A header whose value is a credential by its name, whatever it holds. */
static int
header_is_secret(const char *name)
{
	static const char *const words[] = { "authorization", "cookie", "token", "secret", "key",
	    "password", "signature" };

	for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
		if (strcasestr(name, words[k]) != NULL)
			return 1;
	return 0;
}

static void
add_text(struct strbuf *b, struct engine *e, int i, const char *label, const char *tmpl)
{
	char *v;

	if (tmpl == NULL)
		return;
	v = engine_display_text(e, i, tmpl);
	/* An empty value (an unset env) says where it would come from. */
	if (*v == '\0' && *tmpl != '\0')
		strbuf_addf(b, "%s(empty: %s)\n", label, tmpl);
	else
		strbuf_addf(b, "%s%s\n", label, v);
	free(v);
}

static size_t
trailing_newlines(const char *s)
{
	size_t n = strlen(s), k = 0;

	while (k < n && s[n - 1 - k] == '\n')
		k++;
	return k;
}

static void
add_command(struct strbuf *b, struct engine *e, int i, const char *label, const char *tmpl)
{
	char *cause = NULL, *shown = params_shown_command(e, i, tmpl, &cause);

	if (shown != NULL)
		strbuf_addf(b, "%s$ %.*s\n", label, (int)(strlen(shown) - trailing_newlines(shown)), shown);
	else
		strbuf_addf(b, "%s(cannot expand: %s)\n", label, cause);
	free(shown);
	free(cause);
}

static void
add_hosts(struct strbuf *b, struct engine *e, int i)
{
	const struct step *s = &e->rb->steps[i];
	struct hostlist hl;
	struct texpansion x;
	char *cause = NULL;

	if (params_expand(e, i, s->on.s, TMPL_RAW, &x, &cause) != 0) {
		strbuf_addf(b, "on: %s (cannot expand: %s)\n", s->on.s, cause);
		free(cause);
		return;
	}
	/* A captured list of hosts is known only once the run captured it. */
	if (remote_on_uses_capture(e, s) && e->mode == MODE_DRY_RUN) {
		strbuf_addf(b, "on: the hosts in %s, known at run time, policy %s\n", x.text,
		    fanout_policy_name(s->policy));
		texpansion_free(&x);
		return;
	}
	if (hostlist_resolve(e->rb, x.text, remote_on_uses_capture(e, s), &hl, &cause) != 0) {
		strbuf_addf(b, "on: %s (%s)\n", x.text, cause);
		free(cause);
	} else {
		strbuf_addf(b, "on: %d host%s:", hl.n, hl.n == 1 ? "" : "s");
		for (int k = 0; k < hl.n; k++)
			strbuf_addf(b, " %s%s%s%s", hl.hosts[k]->name, hl.hosts[k]->address != NULL ? " (" : "",
			    hl.hosts[k]->address != NULL ? hl.hosts[k]->address : "",
			    hl.hosts[k]->address != NULL ? ")" : "");
		strbuf_addf(b, ", policy %s\n", fanout_policy_name(s->policy));
	}
	hostlist_free(&hl);
	texpansion_free(&x);
}

static void
add_http(struct strbuf *b, struct engine *e, int i)
{
	const struct http_action *h = &e->rb->steps[i].http;
	char *url = native_display_url(e, i), *method = h->method.s != NULL ?
	    engine_display_text(e, i, h->method.s) : xstrdup("GET");

	if (url == NULL)
		url = engine_display_text(e, i, h->url.s);
	strbuf_addf(b, "http: %s %s\n", method, url);
	free(method);
	free(url);
	for (int k = 0; k < h->nheaders; k++) {
		if (header_is_secret(h->headers[k].key))
			strbuf_addf(b, "  header %s: ****\n", h->headers[k].key);
		else {
			char *v = engine_display_text(e, i, h->headers[k].value.s);

			strbuf_addf(b, "  header %s: %s\n", h->headers[k].key, v);
			free(v);
		}
	}
	add_text(b, e, i, "  body: ", h->body.s);
}

static const char *const notify_kinds[] = {
	[NOTIFY_SLACK] = "slack", [NOTIFY_WEBHOOK] = "webhook", [NOTIFY_STATUSPAGE] = "statuspage",
	[NOTIFY_EMAIL] = "email",
};

static void
add_notify(struct strbuf *b, struct engine *e, int i)
{
	const struct notify_action *n = &e->rb->steps[i].notify;

	strbuf_addf(b, "notify: %s\n", notify_kinds[n->kind]);
	add_text(b, e, i, "  url: ", n->url.s);
	add_text(b, e, i, "  channel: ", n->channel.s);
	add_text(b, e, i, "  component: ", n->component.s);
	add_text(b, e, i, "  status: ", n->status.s);
	if (n->api_key.s != NULL)
		strbuf_adds(b, "  api key: ****\n");
	add_text(b, e, i, "  smtp: ", n->smtp_url.s);
	add_text(b, e, i, "  from: ", n->from.s);
	for (int k = 0; k < n->nto; k++)
		add_text(b, e, i, "  to: ", n->to[k].s);
	add_text(b, e, i, "  subject: ", n->subject.s);
	add_text(b, e, i, "  message: ", n->message.s);
}

static void
add_action(struct strbuf *b, struct engine *e, int i)
{
	const struct step *s = &e->rb->steps[i];
	char d[32], *t;

	switch (s->action) {
	case ACTION_RUN:
		if (s->on.s != NULL)
			add_hosts(b, e, i);
		add_command(b, e, i, "", exec_command(e, i));
		break;
	case ACTION_SQL:
		strbuf_adds(b, t = native_dry_sql(e, i));
		free(t);
		break;
	case ACTION_HTTP:
		add_http(b, e, i);
		break;
	case ACTION_NOTIFY:
		add_notify(b, e, i);
		break;
	case ACTION_MANUAL:
		/* Attested, not run: its instructions are the step's header. */
		strbuf_adds(b, "manual: the operator attests it (a dry run skips it)\n");
		break;
	case ACTION_WAIT:
		duration_format(s->wait_ms, d, sizeof d);
		strbuf_addf(b, "wait %s\n", d);
		break;
	case ACTION_INPUT:
		/* Asked, not run: what, checked how, and what answers it now. */
		t = engine_display_command(e, i);
		strbuf_addf(b, "input: %s (later steps use {{ %s }})\n", t, s->input.name);
		free(t);
		if (engine_given_answer(e, i) != NULL)
			strbuf_addf(b, "input: answered before the run: %s\n",
			    s->input.type == PARAM_SECRET ? MASK_TEXT : engine_given_answer(e, i));
		else
			strbuf_adds(b, "input: the operator types it (unattended it needs --answer)\n");
		break;
	default:
		break;
	}
}

/* How a step is confirmed in mode, for people; "" for a plain y/n where
 * none is shown (manual and input steps are asked their own way). */
static void
add_confirm_mode(struct strbuf *b, const struct step *s, enum confirm_mode mode)
{
	switch (mode) {
	case CONFIRM_TYPE:
		strbuf_addf(b, "the operator types the step id '%s'", s->id);
		break;
	case CONFIRM_APPROVAL:
		strbuf_adds(b, "a second operator approves (drconsole approve)");
		for (int k = 0; k < s->approvers.n; k++)
			strbuf_addf(b, "%s%s", k == 0 ? ", one of: " : ", ", s->approvers.names[k]);
		break;
	case CONFIRM_YES:
		strbuf_adds(b, "y/n");
		break;
	case CONFIRM_NO:
		strbuf_adds(b, "none, it runs");
		break;
	}
}

static void
add_confirm(struct strbuf *b, struct engine *e, int i)
{
	const struct step *s = &e->rb->steps[i];
	char *depends;
	enum confirm_mode now;

	if (s->action == ACTION_MANUAL || s->action == ACTION_INPUT)
		return;
	if (s->confirm_when.s == NULL) {
		if (s->confirm == CONFIRM_NO)
			return;
		strbuf_adds(b, "confirm: ");
		add_confirm_mode(b, s, s->confirm);
		strbuf_adds(b, "\n");
		return;
	}
	/* Both ways, and which one this run takes when it is known now. */
	now = engine_confirm_mode(e, i, &depends);
	strbuf_addf(b, "confirm: when %s: ", s->confirm_when.s);
	add_confirm_mode(b, s, s->confirm);
	strbuf_adds(b, "; otherwise: ");
	add_confirm_mode(b, s, s->confirm_else);
	if (depends != NULL)
		strbuf_addf(b, " (depends on %s: asked the first way until it is known)\n", depends);
	else
		strbuf_addf(b, " (this run: %s)\n", now == s->confirm ? "the first way" : "otherwise");
	free(depends);
}

static void
add_until(struct strbuf *b, const struct step *s)
{
	const char *msg = runbook_until_message(s);
	char every[32], within[32];

	if (s->until_every_ms <= 0)
		return;
	duration_format(s->until_every_ms, every, sizeof every);
	duration_format(s->until_within_ms, within, sizeof within);
	strbuf_addf(b, "until: again every %s until it succeeds, for at most %s; then %s%s\n", every, within,
	    runbook_until_continues(s) ? "the run goes on" : "the step fails",
	    msg != NULL ? ", telling the operator: " : "");
	if (msg != NULL)
		strbuf_addf(b, "  %s\n", msg);
}

/* The target's stand-in was shown above as the command: say so, and what
 * the real step would have run. */
static void
add_stand_in(struct strbuf *b, struct engine *e, int i)
{
	const struct step *s = &e->rb->steps[i];

	if (e->env == NULL || s->action != ACTION_RUN || s->on.s != NULL || runbook_stand_in(e->env, s->id) == NULL)
		return;
	strbuf_addf(b, "stand-in for environment %s: ", e->env->name);
	add_command(b, e, i, "the real step does not run: ", s->run.s);
}

/* What a drill does with the step; the dry run of a drill shows it. */
static void
add_drill(struct strbuf *b, struct engine *e, int i)
{
	const struct step *s = &e->rb->steps[i];

	if (s->drill == DRILL_SKIP)
		strbuf_adds(b, "drill: skipped in a drill\n");
	else if (s->drill == DRILL_STANDIN && e->dry_drill)
		add_command(b, e, i, "drill: the stand-in above runs instead of: ", s->run.s);
	else if (s->drill == DRILL_STANDIN)
		add_command(b, e, i, "drill: a drill runs this stand-in instead: ", s->drill_run.s);
	else if (s->action == ACTION_NOTIFY &&
	    (s->notify.kind == NOTIFY_STATUSPAGE || s->notify.kind == NOTIFY_EMAIL))
		strbuf_adds(b, "drill: customer-facing, not sent in a drill\n");
}

char *
engine_dry_run_text(struct engine *e, int i)
{
	const struct step *s = &e->rb->steps[i];
	char *depends = engine_condition_depends(e, i), *out;
	struct strbuf b;

	strbuf_init(&b);
	if (depends != NULL)
		strbuf_addf(&b, "when: %s depends on a captured value (%s): if true the step runs as "
		    "shown, if false it is skipped\n", s->when.s, depends);
	free(depends);
	add_action(&b, e, i);
	add_stand_in(&b, e, i);
	add_until(&b, s);
	for (int k = 0; k < s->ncaptures && s->action != ACTION_INPUT; k++)
		strbuf_addf(&b, "captures: %s (later steps use {{ %s }})\n", s->captures[k].name, s->captures[k].name);
	if (s->end_run_when.s != NULL)
		strbuf_addf(&b, "end_run: when %s after it, the run ends: %s\n", s->end_run_when.s,
		    s->end_run_outcome.s);
	add_confirm(&b, e, i);
	if (s->rollback.s != NULL)
		add_command(&b, e, i, "rollback: ", s->rollback.s);
	if (s->on_failure_run.s != NULL)
		add_command(&b, e, i, s->on_failure == ONFAIL_CONTINUE ? "on failure, runs then continues: " :
		    s->on_failure == ONFAIL_ABORT ? "on failure, runs then aborts: " :
		    "on failure, runs then asks: ", s->on_failure_run.s);
	add_drill(&b, e, i);
	/* A value shown as it is can still hold a secret. */
	out = mask_str(e->mask, b.buf != NULL ? b.buf : "", NULL);
	strbuf_free(&b);
	return out;
}
