/* approvers.h: who may approve a confirm: approval step. The runbook names
 * approvers (logins and @groups) on the step, on the environment or on the
 * runbook, the nearest list winning; without any, members of the Unix group
 * APPROVERS_GROUP may. The uid comes from the kernel (approval.c), never
 * from what the approver says. */
#ifndef DRC_APPROVERS_H
#define DRC_APPROVERS_H

#include <sys/types.h>

#include "runbook.h"

/* The group whose members approve when a runbook names nobody. */
#define APPROVERS_GROUP "drconsole-approvers"

/* The list that decides for step i in env (env may be NULL): the step's,
 * else the environment's, else the runbook's; NULL when none is given. */
const struct approvers *approvers_for_step(const struct runbook *rb, const struct environment *env,
    int i);
/* 1 when uid's login is named, or it belongs to a named @group (or, for a
 * NULL list, to APPROVERS_GROUP); else 0 with *why saying so, allocated. */
int approvers_allow(const struct approvers *a, uid_t uid, char **why);
/* The login of uid, or "uid N" when the password database has none;
 * allocated. */
char *approvers_login(uid_t uid);

#endif
