/* jschema_dump.c: prints the journal schema table (jschema.def) one fact a
 * line, in the form tests/e2e/journal_schema.sh reads out of
 * doc/drconsole-journal.5, so the two are compared:
 *   common MEMBER TYPES REQ        a member of every line
 *   event NAME                     an event
 *   member EVENT MEMBER TYPES REQ  one of its members
 *   word VOCABULARY NAME           a word of a closed vocabulary
 * TYPES is the types joined by "|" (string|null), REQ required or optional. */
#include <stdio.h>

#include "jschema.h"

static void
types(int t)
{
	static const struct { int bit; const char *name; } names[] = {
		{ JT_STR, "string" }, { JT_INT, "integer" }, { JT_BOOL, "boolean" },
		{ JT_OBJ, "object" }, { JT_ARR, "array" }, { JT_NULL, "null" },
	};
	const char *sep = "";

	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		if (t & names[k].bit) {
			printf("%s%s", sep, names[k].name);
			sep = "|";
		}
	}
}

static void
words(const char *vocabulary, const struct js_word *w, int n)
{
	for (int k = 0; k < n; k++)
		printf("word %s %s\n", vocabulary, w[k].name);
}

int
main(void)
{
	for (size_t k = 0; k < jschema_nfields; k++) {
		const struct js_field *f = &jschema_fields[k];

		if (f->event != JEV_COUNT)
			continue;
		printf("common %s ", f->name);
		types(f->types);
		printf(" %s\n", f->required ? "required" : "optional");
	}
	for (int e = 0; e < JEV_COUNT; e++) {
		printf("event %s\n", jschema_events[e].name);
		for (size_t k = 0; k < jschema_nfields; k++) {
			const struct js_field *f = &jschema_fields[k];

			if ((int)f->event != e)
				continue;
			printf("member %s %s ", jschema_events[e].name, f->name);
			types(f->types);
			printf(" %s\n", f->required ? "required" : "optional");
		}
	}
	words("status", jschema_statuses, JSTATUS_COUNT);
	words("skip", jschema_skips, JSKIP_COUNT);
	words("decision", jschema_decisions, JDEC_COUNT);
	words("reason", jschema_reasons, JREASON_COUNT);
	words("mode", jschema_modes, JMODE_COUNT);
	words("outcome", jschema_outcomes, JOUTCOME_COUNT);
	return 0;
}
