/* report_md_int.h: what the Markdown postmortem's files share: text made
 * safe for Markdown (report_md_text.c), and the sections each file
 * renders from the report model. */
#ifndef DRC_REPORT_MD_INT_H
#define DRC_REPORT_MD_INT_H

#include <stdint.h>

#include <jansson.h>

#include "strbuf.h"

#define MD_DUR_LEN 32

void md_inline(struct strbuf *sb, const char *text);
void md_code(struct strbuf *sb, const char *text);
void md_code_block(struct strbuf *sb, int indent, const char *text);
void md_command(struct strbuf *sb, int indent, const char *text);
void md_command_short(struct strbuf *sb, const char *text);
void md_quote_line(struct strbuf *sb, const char *line);
void md_quote(struct strbuf *sb, int indent, const char *text);
void md_item(struct strbuf *sb, const char *label, const char *text);
void md_time(struct strbuf *sb, const char *ts);

/* report_md_card.c: a drill's scorecard. */
void md_scorecard(struct strbuf *sb, json_t *card);
/* report_md_sections.c: the SRE postmortem's sections. */
void md_impact(struct strbuf *sb, json_t *m);
void md_detection(struct strbuf *sb, json_t *m);
void md_root_cause(struct strbuf *sb, json_t *m);
void md_went_well(struct strbuf *sb, json_t *m);
/* The heading of "What went badly" and the notes tagged for it; the
 * failed and skipped steps and the rollbacks follow (report_md.c). */
void md_went_badly(struct strbuf *sb, json_t *m);
void md_actions(struct strbuf *sb, json_t *m);
void md_lessons(struct strbuf *sb, json_t *m);

#endif
