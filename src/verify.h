/* verify.h: checks an incident's journal chain and its output files. */
#ifndef DRC_VERIFY_H
#define DRC_VERIFY_H

#include <stdint.h>

#include "crypto.h"

struct verify_result {
	int	 ok;		/* 1 when intact */
	int64_t	 lines;		/* complete lines in the journal */
	int64_t	 bad_line;	/* 1-based line of the first fault, 0 if ok */
	char	*what;		/* allocated: the fault, or a summary if ok */
	char	*note;		/* allocated: something intact but worth saying, or NULL */
	char	 final_hash[CRYPTO_HEX_LEN];	/* last line's hash if ok */
	int	 torn;		/* the journal ends in a line with no newline (not counted) */
};

/*
 * Verifies the incident in dir, with DRCONSOLE_JOURNAL_KEY as the HMAC key
 * when set: the chain, its end against journal.head (an empty journal, a
 * missing head, a cut or rewritten tail are faults), the output files. Returns 0 if intact, 1 if broken, -1 if it cannot be read; res
 * says where and what either way. Prints nothing.
 */
int verify_incident(const char *dir, struct verify_result *res);
/* The same, with head (64 hex digits), a head kept elsewhere, which must
 * be the hash of one of the journal's lines. */
int verify_incident_head(const char *dir, const char *head, struct verify_result *res);
/* The same for the journal chain only: output files are not reread. For
 * the postmortem a run writes as it ends, whose outputs this process hashed
 * as it wrote them (a large one would cost seconds per GiB to reread). */
int verify_incident_chain(const char *dir, struct verify_result *res);
struct runstate;
struct rs_load;
/*
 * verify_incident (outputs_too 1) or verify_incident_chain (0), with the
 * journal folded into rs in the same reading, as runstate_load_with(rs,
 * dir, how) folds it: each line is parsed once, for the chain check and
 * for the fold. Returns and fills res as they do; *fold_rc gets what
 * runstate_load_with returned (-1: *cause says why). A fault, or a fold
 * stopped before the end, is then described by verify_incident's own
 * reading.
 */
int verify_fold(const char *dir, int outputs_too, struct verify_result *res, struct runstate *rs,
    struct rs_load *how, int *fold_rc, char **cause);
/* Frees what a verify_incident left in res. */
void verify_result_clear(struct verify_result *res);

#endif
