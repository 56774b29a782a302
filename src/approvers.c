/* approvers.c: the approver lists of a runbook and the membership test.
 * Group membership is read from the group database (getgrouplist), as
 * login(1) would grant it, not from the approver's process: a process
 * cannot add itself to a group, and the database is root's to change. */
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "approvers.h"
#include "strbuf.h"
#include "xmalloc.h"

/* Supplementary groups looked at per login; more are not searched. */
#define APPROVERS_MAX_GROUPS 1024

const struct approvers *
approvers_for_step(const struct runbook *rb, const struct environment *env, int i)
{
	if (i >= 0 && i < rb->nsteps && rb->steps[i].approvers.given)
		return &rb->steps[i].approvers;
	if (env != NULL && env->approvers.given)
		return &env->approvers;
	return rb->approvers.given ? &rb->approvers : NULL;
}

char *
approvers_login(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	return pw != NULL ? xstrdup(pw->pw_name) : xprintf("uid %ld", (long)uid);
}

/* 1 when the login pw belongs to the group named name. */
static int
in_group(const struct passwd *pw, const char *name)
{
	gid_t groups[APPROVERS_MAX_GROUPS];
	int n = APPROVERS_MAX_GROUPS;
	struct group *gr = getgrnam(name);

	if (gr == NULL)
		return 0;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) == -1)
		n = APPROVERS_MAX_GROUPS;
	for (int i = 0; i < n; i++) {
		if (groups[i] == gr->gr_gid)
			return 1;
	}
	return 0;
}

static int
named(const struct passwd *pw, const struct approvers *a)
{
	for (int i = 0; i < a->n; i++) {
		if (a->names[i][0] == '@' ? in_group(pw, a->names[i] + 1) :
		    strcmp(a->names[i], pw->pw_name) == 0)
			return 1;
	}
	return 0;
}

/* "alice, @dba" for a refusal's reason. */
static char *
list_text(const struct approvers *a)
{
	struct strbuf sb;

	strbuf_init(&sb);
	for (int i = 0; i < a->n; i++)
		strbuf_addf(&sb, "%s%s", i > 0 ? ", " : "", a->names[i]);
	return strbuf_detach(&sb);
}

int
approvers_allow(const struct approvers *a, uid_t uid, char **why)
{
	struct passwd *pw = getpwuid(uid);
	char *list;

	if (pw == NULL) {
		*why = xprintf("uid %ld has no login on this machine", (long)uid);
		return 0;
	}
	if (a == NULL) {
		if (in_group(pw, APPROVERS_GROUP))
			return 1;
		*why = xprintf("%s is not in the group %s (the runbook names no approvers)", pw->pw_name,
		    APPROVERS_GROUP);
		return 0;
	}
	if (named(pw, a))
		return 1;
	list = list_text(a);
	*why = a->n == 0 ? xprintf("the runbook's approvers list for this step is empty") :
	    xprintf("%s is not among the approvers (%s)", pw->pw_name, list);
	free(list);
	return 0;
}
