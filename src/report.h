/* report.h: the postmortem of an incident, built from its journal alone,
 * as Markdown for people or JSON for tools. */
#ifndef DRC_REPORT_H
#define DRC_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "crypto.h"

/* Formats of report_render. */
#define REPORT_MARKDOWN 0
#define REPORT_JSON 1
#define REPORT_JUNIT 2		/* junit.h: JUnit XML */
#define REPORT_METRICS 3	/* metrics.h: a Prometheus textfile */
/* Or'd into the format: verify the journal chain but do not reread the
 * output files (the run that just wrote and hashed them says so). */
#define REPORT_CHAIN_ONLY 0x100

/* The version of the JSON report's schema ("schema"; drconsole(1), REPORT
 * JSON): raised when a member changes meaning or goes away. */
#define REPORT_SCHEMA 2

/* The postmortem's file name inside the incident directory. */
#define REPORT_FILE "postmortem.md"

/* An incident's verification, as the report and `drconsole verify` say it. */
struct report_check {
	int	 intact;	/* 1 if the chain and outputs check out */
	int64_t	 lines;		/* complete journal lines */
	int64_t	 outputs;	/* output files the journal records */
	int64_t	 bad_line;	/* 1-based line of the first fault, or 0 */
	char	*what;		/* the fault, without "line N: "; allocated */
	int	 torn;		/* a torn last line was left out */
	char	 final_hash[CRYPTO_HEX_LEN];	/* the chain's end if intact */
	int	 outputs_reread;	/* 0: the chain only (REPORT_CHAIN_ONLY) */
	char	*note;		/* intact, but worth saying (the head is behind); allocated */
};

/* Verifies the incident in dir; -1 and *cause if it cannot be read. */
int report_check(const char *dir, struct report_check *chk, char **cause);
/* The same against a head kept elsewhere (verify --head HASH). */
int report_check_head(const char *dir, const char *head, struct report_check *chk, char **cause);
/* Frees what report_check left in chk. */
void report_check_clear(struct report_check *chk);

/* Renders the postmortem of the incident in dir into *out (allocated). */
int report_render(const char *incident_dir, int format, char **out,
    char **cause);
/* Writes the Markdown postmortem to INCIDENT/postmortem.md, mode 0600;
 * flags is 0 or REPORT_CHAIN_ONLY. */
int report_write_postmortem(const char *incident_dir, int flags, char **cause);
/* Replaces path with text atomically, mode 0600, synced. */
int report_save(const char *path, const char *text, char **cause);

/* --- shared by report.c, report_md.c and scorecard.c --- */

/* Reads every complete journal line into *events: an object per line, or
 * null for one that is not a JSON object, because a damaged journal is
 * when a report matters most. *torn is 1 if a torn last line was left out. */
int report_load(const char *dir, json_t **events, int *torn, char **cause);
/* The Markdown postmortem of a report model (report_render's JSON). */
char *report_md_render(json_t *model);
/* The length of the UTF-8 character at p if it acts on a terminal or
 * reorders text unseen (C1 controls, bidi overrides and isolates), or 0. */
size_t report_hidden_len(const char *p);
/* qsort order of step objects: by runbook index, then first seen. */
int report_step_order(const void *a, const void *b);

#endif
