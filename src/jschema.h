/* jschema.h: the incident journal's schema (jschema.def) as C: the events,
 * their members and types, and the closed vocabularies (step status, skip,
 * decision and reason kinds, modes, run outcomes), each a stable string.
 * Writers name events and kinds through it; readers parse through it; the
 * output files' names come from jschema_output_name alone. Base layer: it
 * includes nothing of the engine or the runbook model. */
#ifndef DRC_JSCHEMA_H
#define DRC_JSCHEMA_H

#include <jansson.h>

/* The schema version run.start carries as "schema". A journal without it
 * is version 0 and still reads. */
#define JSCHEMA_VERSION 1

/* What a journaled value that held a secret reads instead (run.start's
 * params): the secret itself was never written. */
#define JSCHEMA_MASKED "**** (holds a secret)"

/* Member types, or'ed. */
#define JT_STR	0x01
#define JT_INT	0x02
#define JT_BOOL	0x04
#define JT_OBJ	0x08
#define JT_ARR	0x10
#define JT_NULL	0x20

#define JS_OPT 0
#define JS_REQ 1

enum js_event {
#define JS_EVENT(sym, name, meaning) JEV_##sym,
#include "jschema.def"
	JEV_COUNT,
	JEV_UNKNOWN = JEV_COUNT	/* an event this drconsole does not know */
};

enum js_status {
#define JS_STATUS(sym, name, meaning) JSTATUS_##sym,
#include "jschema.def"
	JSTATUS_COUNT
};

enum js_skip {
#define JS_SKIP(sym, name, meaning) JSKIP_##sym,
#include "jschema.def"
	JSKIP_COUNT
};

enum js_decision {
#define JS_DECISION(sym, name, meaning) JDEC_##sym,
#include "jschema.def"
	JDEC_COUNT
};

enum js_reason {
#define JS_REASON(sym, name, meaning) JREASON_##sym,
#include "jschema.def"
	JREASON_COUNT
};

enum js_mode {
#define JS_MODE(sym, name, meaning) JMODE_##sym,
#include "jschema.def"
	JMODE_COUNT
};

enum js_outcome {
#define JS_OUTCOME(sym, name, meaning) JOUTCOME_##sym,
#include "jschema.def"
	JOUTCOME_COUNT,
	JOUTCOME_NONE = JOUTCOME_COUNT	/* no run.end yet */
};

/* One member of an event (event JEV_COUNT: a member of every line). */
struct js_field {
	enum js_event	 event;
	const char	*name;
	int		 types;		/* JT_* or'ed */
	int		 required;
	const char	*meaning;
};

/* A name and its meaning, for the vocabularies and the events. */
struct js_word {
	const char	*name;
	const char	*meaning;
};

/* The tables, for the man page check and anyone listing them. */
extern const struct js_word jschema_events[JEV_COUNT];
extern const struct js_field jschema_fields[];
extern const size_t jschema_nfields;
extern const struct js_word jschema_statuses[JSTATUS_COUNT];
extern const struct js_word jschema_skips[JSKIP_COUNT];
extern const struct js_word jschema_decisions[JDEC_COUNT];
extern const struct js_word jschema_reasons[JREASON_COUNT];
extern const struct js_word jschema_modes[JMODE_COUNT];
extern const struct js_word jschema_outcomes[JOUTCOME_COUNT];

/* Names of the events, as writers journal them. */
#define JEV_NAME(sym) (jschema_events[JEV_##sym].name)

/* The event called name (a NUL-terminated string), or JEV_UNKNOWN. */
enum js_event jschema_event(const char *name);
/* The same for a name of len bytes, not NUL-terminated. */
enum js_event jschema_event_n(const char *name, size_t len);
const char *jschema_event_name(enum js_event ev);

/* Each vocabulary's name of a value ("?" out of range) and the value of a
 * name (-1 for none of them). */
const char *jschema_status_name(enum js_status s);
int jschema_status_from(const char *name);
const char *jschema_skip_name(enum js_skip k);
int jschema_skip_from(const char *name);
const char *jschema_decision_name(enum js_decision k);
int jschema_decision_from(const char *name);
const char *jschema_reason_name(enum js_reason k);
const char *jschema_mode_name(enum js_mode m);
int jschema_mode_from(const char *name);
const char *jschema_outcome_name(enum js_outcome o);
int jschema_outcome_from(const char *name);

/* The kind of a decision written in words: its first word (up to a
 * space, colon or parenthesis) when that is a kind's name, else
 * JDEC_OTHER. The schema's rule for "decision": writers and the fold of
 * old journals share it. */
enum js_decision jschema_decision_of(const char *text);

/* The member name of event ev, or NULL (common members included). */
const struct js_field *jschema_field(enum js_event ev, const char *name);

/* 0 if line (a whole journal line: the common members too, or only an
 * event's own members when fields_only) follows the table: a known event,
 * known members of the right types, the required ones present. Else -1 and
 * *cause naming the event and member. */
int jschema_check(const char *event, const json_t *line, int fields_only, char **cause);

/* What an output file holds: an attempt's, a rollback's or a verify's. */
enum js_output {
	JOUT_ATTEMPT,
	JOUT_ROLLBACK,
	JOUT_VERIFY,
	JOUT_ON_FAILURE,	/* the on_failure handler's (step.on_failure) */
};

/* The one naming rule of output files, inside OUTFILE_DIR: attempt 1 of
 * step 3 "restore" is "03-restore.log", attempt 2 "03-restore.2.log", its
 * rollback "03-restore.rollback.log", its verify "03-restore.verify.log", its on_failure handler's
 * "03-restore.on_failure.log".
 * Allocated. */
char *jschema_output_name(int index, const char *id, int attempt, enum js_output what);

#endif
