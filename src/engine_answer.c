/* engine_answer.c: input steps, which ask the operator for a value mid-run.
 * The value is declared as a param is and checked by the same rule
 * (rbcheck_param_value); once answered it is the step's one capture, so
 * templates, masking, the journal and resume treat it as any captured
 * value. A secret answer is never journaled, so a resume asks again. */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "rbcheck.h"
#include "clock.h"
#include "strbuf.h"
#include "xmalloc.h"

void
answers_copy(struct engine *e, const struct engine_opts *opts)
{
	if (opts->nanswers == 0)
		return;
	e->answers = xcalloc((size_t)opts->nanswers, sizeof *e->answers);
	for (int k = 0; k < opts->nanswers; k++) {
		e->answers[k].name = xstrdup(opts->answers[k].name);
		e->answers[k].value = xstrdup(opts->answers[k].value);
	}
	e->nanswers = opts->nanswers;
}

void
answers_free(struct engine *e)
{
	for (int k = 0; k < e->nanswers; k++) {
		free(e->answers[k].name);
		explicit_bzero(e->answers[k].value, strlen(e->answers[k].value));
		free(e->answers[k].value);
	}
	free(e->answers);
	e->answers = NULL;
	e->nanswers = 0;
}

/* The --answer of name (the last wins), or NULL. */
static const char *
option_answer(const struct engine *e, const char *name)
{
	for (int k = e->nanswers - 1; k >= 0; k--) {
		if (strcmp(e->answers[k].name, name) == 0)
			return e->answers[k].value;
	}
	return NULL;
}

/* DRCONSOLE_ANSWER_<name>: the way to hand over a secret answer without a
 * command line that ps and shell history keep. */
static const char *
env_answer(const char *name)
{
	char var[160];

	snprintf(var, sizeof var, "DRCONSOLE_ANSWER_%s", name);
	return getenv(var);
}

const char *
engine_given_answer(const struct engine *e, int i)
{
	const struct step *s = &e->rb->steps[i];
	const char *v;

	if (s->action != ACTION_INPUT || s->input.name == NULL)
		return NULL;
	if ((v = option_answer(e, s->input.name)) != NULL)
		return v;
	return env_answer(s->input.name);
}

char *
engine_answer_source_check(const struct engine *e, int i)
{
	const struct step *s = &e->rb->steps[i];

	if (s->action != ACTION_INPUT || s->input.type != PARAM_SECRET || option_answer(e, s->input.name) == NULL)
		return NULL;
	return xprintf("step '%s' asks for the secret '%s': give it with DRCONSOLE_ANSWER_%s, not "
	    "--answer (ps and shell history keep a command line)", s->id, s->input.name, s->input.name);
}

char *
engine_input_prompt(const struct engine *e, int i)
{
	const struct param *p = &e->rb->steps[i].input;
	struct strbuf b;

	strbuf_init(&b);
	strbuf_adds(&b, p->prompt != NULL ? p->prompt : p->name);
	if (p->type == PARAM_CHOICE) {
		strbuf_adds(&b, " (");
		for (int k = 0; k < p->nchoices; k++)
			strbuf_addf(&b, "%s%s", k > 0 ? ", " : "", p->choices[k]);
		strbuf_adds(&b, ")");
	} else if (p->type != PARAM_STRING) {
		strbuf_addf(&b, " (%s)", param_type_name(p->type));
	}
	return strbuf_detach(&b);
}

int
engine_answer(struct engine *e, int i, const char *value, enum confirm_how how, const char *note, char **cause)
{
	const struct step *s;
	struct step_run *r;
	json_t *f, *cap;
	if (i < 0 || i >= e->rb->nsteps || e->rb->steps[i].action != ACTION_INPUT) {
		*cause = xprintf("step %d asks for nothing", i + 1);
		return -1;
	}
	s = &e->rb->steps[i];
	r = &e->runs[i];
	if (engine_check_startable(e, i, cause) != 0)
		return -1;
	/* What is typed reaches screens and the journal: no terminal controls. */
	for (const char *p = value; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*cause = xprintf("the answer for '%s' holds a control character (byte 0x%02x): "
			    "type it without", s->input.name, (unsigned char)*p);
			return -1;
		}
	}
	/* The params' rule; its reason never shows a secret's value. */
	if ((*cause = rbcheck_param_value(&s->input, value)) != NULL)
		return -1;
	f = engine_step_fields(e, i);
	json_object_set_new(f, "how", engine_jstr(engine_how_name(how)));
	if (note != NULL && *note != '\0')
		json_object_set_new(f, "note", engine_jstr(note));
	if (engine_journal(e, JEV_NAME(STEP_CONFIRM), f, cause) != 0)
		return -1;
	f = engine_step_fields(e, i);
	cap = json_object();
	json_object_set_new(f, "status", engine_jstr("ok"));
	flow_store_capture(e, i, 0, xstrdup(value), cap, f);
	json_object_set_new(f, "capture", cap);
	json_object_set_new(f, "duration_ms", json_integer(0));
	if (engine_journal(e, JEV_NAME(STEP_END), f, cause) != 0)
		return -1;
	r->st.status = STEP_OK;
	r->st.attempt++;
	r->st.started_wall = clock_wall_ms();
	engine_set_reason(r, "answered by %s", how == HOW_AUTO ? "--answer" : e->operator);
	engine_notify_step(e, i);
	return 0;
}
