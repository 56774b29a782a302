/* sandbox.h: training sandboxes (runbooks whose scenario is TRAIN). Their
 * generated passwords guard throwaway servers on 127.0.0.1, not anything
 * real: they are credentials for practice, not secrets, and are kept in
 * INCIDENT/sandbox/credentials (0600) so a resume finds them. Also what an
 * operator leaving the console needs to know: where the incident and its
 * postmortem are, and how to stop a sandbox left running. */
#ifndef DRC_SANDBOX_H
#define DRC_SANDBOX_H

#include <stdio.h>

#include "runbook.h"

#define SANDBOX_SCENARIO "TRAIN"
#define SANDBOX_DIR "sandbox"
#define SANDBOX_CREDENTIALS "credentials"
#define SANDBOX_CLEANUP "sandbox/bin/cleanup.sh"

/* rb is a training sandbox. */
int sandbox_runbook(const struct runbook *rb);
/* Keeps name=value in the incident's sandbox credentials (0600, replacing
 * an older value of name); -1 with *cause. */
int sandbox_creds_save(const char *incident_dir, const char *name, const char *value, char **cause);
/* name's kept value (allocated), or NULL when none is kept. */
char *sandbox_creds_load(const char *incident_dir, const char *name);
/* What the operator leaving the console is told: the incident folder, its
 * postmortem once written, and for a sandbox the command that stops it. */
void sandbox_print_leaving(FILE *out, const char *incident_dir, const struct runbook *rb);

#endif
