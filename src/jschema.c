/* jschema.c: the tables jschema.def declares, lookups by name, the check
 * of a line against the table, and the naming rule of output files. */
#include <stdio.h>
#include <string.h>

#include "jschema.h"
#include "xmalloc.h"

const struct js_word jschema_events[JEV_COUNT] = {
#define JS_EVENT(sym, name, meaning) { name, meaning },
#include "jschema.def"
};

const struct js_field jschema_fields[] = {
#define JS_COMMON(name, types, req, meaning) { JEV_COUNT, name, types, req, meaning },
#define JS_FIELD(sym, name, types, req, meaning) { JEV_##sym, name, types, req, meaning },
#include "jschema.def"
};
const size_t jschema_nfields = sizeof jschema_fields / sizeof jschema_fields[0];

const struct js_word jschema_statuses[JSTATUS_COUNT] = {
#define JS_STATUS(sym, name, meaning) { name, meaning },
#include "jschema.def"
};
const struct js_word jschema_skips[JSKIP_COUNT] = {
#define JS_SKIP(sym, name, meaning) { name, meaning },
#include "jschema.def"
};
const struct js_word jschema_decisions[JDEC_COUNT] = {
#define JS_DECISION(sym, name, meaning) { name, meaning },
#include "jschema.def"
};
const struct js_word jschema_reasons[JREASON_COUNT] = {
#define JS_REASON(sym, name, meaning) { name, meaning },
#include "jschema.def"
};
const struct js_word jschema_modes[JMODE_COUNT] = {
#define JS_MODE(sym, name, meaning) { name, meaning },
#include "jschema.def"
};
const struct js_word jschema_outcomes[JOUTCOME_COUNT] = {
#define JS_OUTCOME(sym, name, meaning) { name, meaning },
#include "jschema.def"
};

/* The index of name of len bytes in words, or -1. */
static int
word_find(const struct js_word *words, int n, const char *name, size_t len)
{
	if (name == NULL)
		return -1;
	for (int k = 0; k < n; k++) {
		if (strncmp(words[k].name, name, len) == 0 && words[k].name[len] == '\0')
			return k;
	}
	return -1;
}

static const char *
word_name(const struct js_word *words, int n, int k)
{
	return k >= 0 && k < n ? words[k].name : "?";
}

enum js_event
jschema_event_n(const char *name, size_t len)
{
	int k = word_find(jschema_events, JEV_COUNT, name, len);

	return k < 0 ? JEV_UNKNOWN : (enum js_event)k;
}

enum js_event
jschema_event(const char *name)
{
	return name != NULL ? jschema_event_n(name, strlen(name)) : JEV_UNKNOWN;
}

const char *
jschema_event_name(enum js_event ev)
{
	return word_name(jschema_events, JEV_COUNT, (int)ev);
}

#define VOCAB(fn, words, count, type) \
	const char *fn##_name(type k) { return word_name(words, count, (int)k); }
#define VOCAB_FROM(fn, words, count) \
	int fn##_from(const char *name) \
	{ return name != NULL ? word_find(words, count, name, strlen(name)) : -1; }

VOCAB(jschema_status, jschema_statuses, JSTATUS_COUNT, enum js_status)
VOCAB_FROM(jschema_status, jschema_statuses, JSTATUS_COUNT)
VOCAB(jschema_skip, jschema_skips, JSKIP_COUNT, enum js_skip)
VOCAB_FROM(jschema_skip, jschema_skips, JSKIP_COUNT)
VOCAB(jschema_decision, jschema_decisions, JDEC_COUNT, enum js_decision)
VOCAB_FROM(jschema_decision, jschema_decisions, JDEC_COUNT)
VOCAB(jschema_reason, jschema_reasons, JREASON_COUNT, enum js_reason)
VOCAB(jschema_mode, jschema_modes, JMODE_COUNT, enum js_mode)
VOCAB_FROM(jschema_mode, jschema_modes, JMODE_COUNT)
VOCAB(jschema_outcome, jschema_outcomes, JOUTCOME_COUNT, enum js_outcome)
VOCAB_FROM(jschema_outcome, jschema_outcomes, JOUTCOME_COUNT)

enum js_decision
jschema_decision_of(const char *text)
{
	size_t len = text != NULL ? strcspn(text, " :(") : 0;
	int k = word_find(jschema_decisions, JDEC_COUNT, text, len);

	return k >= 0 && len > 0 ? (enum js_decision)k : JDEC_OTHER;
}

const struct js_field *
jschema_field(enum js_event ev, const char *name)
{
	for (size_t k = 0; k < jschema_nfields; k++) {
		const struct js_field *f = &jschema_fields[k];

		if ((f->event == ev || f->event == JEV_COUNT) && strcmp(f->name, name) == 0)
			return f;
	}
	return NULL;
}

static int
type_bit(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING: return JT_STR;
	case JSON_INTEGER: return JT_INT;
	case JSON_TRUE: case JSON_FALSE: return JT_BOOL;
	case JSON_OBJECT: return JT_OBJ;
	case JSON_ARRAY: return JT_ARR;
	case JSON_NULL: return JT_NULL;
	default: return 0;	/* a real: no member is one */
	}
}

/* The required members of ev (and the common ones unless fields_only). */
static int
check_required(enum js_event ev, const json_t *line, int fields_only, const char *event, char **cause)
{
	for (size_t k = 0; k < jschema_nfields; k++) {
		const struct js_field *f = &jschema_fields[k];

		if (!f->required || (f->event != ev && (f->event != JEV_COUNT || fields_only)))
			continue;
		if (json_object_get(line, f->name) == NULL) {
			*cause = xprintf("journal schema: %s lacks its required member \"%s\"", event, f->name);
			return -1;
		}
	}
	return 0;
}

int
jschema_check(const char *event, const json_t *line, int fields_only, char **cause)
{
	enum js_event ev = jschema_event(event);
	const char *name;
	json_t *v;

	if (ev == JEV_UNKNOWN) {
		*cause = xprintf("journal schema: no event \"%s\" in jschema.def", event ? event : "(null)");
		return -1;
	}
	json_object_foreach((json_t *)line, name, v) {
		const struct js_field *f = jschema_field(ev, name);

		if (f == NULL) {
			*cause = xprintf("journal schema: %s has no member \"%s\" in jschema.def", event, name);
			return -1;
		}
		if ((type_bit(v) & f->types) == 0) {
			*cause = xprintf("journal schema: %s member \"%s\" has the wrong type", event, name);
			return -1;
		}
	}
	return check_required(ev, line, fields_only, event, cause);
}

char *
jschema_output_name(int index, const char *id, int attempt, enum js_output what)
{
	if (what == JOUT_ROLLBACK)
		return xprintf("%02d-%s.rollback.log", index, id);
	if (what == JOUT_VERIFY)
		return xprintf("%02d-%s.verify.log", index, id);
	if (what == JOUT_ON_FAILURE)
		return xprintf("%02d-%s.on_failure.log", index, id);
	if (attempt > 1)
		return xprintf("%02d-%s.%d.log", index, id, attempt);
	return xprintf("%02d-%s.log", index, id);
}
