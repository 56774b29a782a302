/* junit.h: a run as JUnit XML, for the CI system that runs the weekly
 * restore test: one testsuite per run, one testcase per step the journal
 * knows, a failed step's failure with its reason and its last output
 * lines, a skipped step marked skipped. Built from the fold (runstate) of
 * the incident's journal after the run; the output files are read only
 * for their last lines. */
#ifndef DRC_JUNIT_H
#define DRC_JUNIT_H

#include <stddef.h>

#include "runstate.h"
#include "strbuf.h"

/* Output lines a failure carries, the last ones. */
#define JUNIT_TAIL_LINES 20

/* The JUnit XML of rs, the incident in dir (for the output files). Allocated. */
char *junit_render(const struct runstate *rs, const char *dir);
/* Folds the journal of dir and renders it. -1 and *cause when the journal
 * cannot be read. */
int junit_render_dir(const char *dir, char **out, char **cause);
/* The same, written to path atomically (mode 0644; "-" is standard output). */
int junit_write(const char *dir, const char *path, char **cause);

/* Appends len bytes of s escaped for XML 1.0 text and attribute values:
 * & < > " ' as entities, tab, newline and carriage return as character
 * references in attributes (attr) so they survive normalisation; the
 * characters XML 1.0 forbids (other C0 controls, U+FFFE, U+FFFF,
 * surrogates) and bytes that are not UTF-8 become U+FFFD. */
void junit_xml_escape(struct strbuf *sb, const char *s, size_t len, int attr);

#endif
