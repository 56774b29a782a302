/* engine_approve.c: the second person of a two-person rule. While a
 * confirm: approval step waits (or may yet), the engine listens at the
 * incident's rendezvous (approval.c). Each request comes with the uid the
 * kernel gave its process: the driver's own is refused, so is anyone the
 * runbook does not name (approvers.c), and both outcomes are journaled
 * with the approver's login before anyone is told. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "approval.h"
#include "approvers.h"
#include "engine_int.h"
#include "log.h"
#include "xmalloc.h"

/* Refusals journaled per run: enough for every honest mistake, while a
 * local user looping `drconsole approve` cannot fill the disk with them. */
#define ENGINE_MAX_REFUSALS 100

static void
tell(struct engine *e, const char *msg)
{
	if (e->hooks.notice != NULL)
		e->hooks.notice(e->hooks.arg, msg);
}

/* What the kernel said about the request, for the journal. */
static json_t *
kernel_fields(const struct approval_request *rq)
{
	json_t *k = json_pack("{sIsI}", "uid", (json_int_t)rq->uid, "pid", (json_int_t)rq->pid);

	if (rq->loginuid != APPROVAL_NO_LOGINUID)
		json_object_set_new(k, "loginuid", json_integer((json_int_t)rq->loginuid));
	return k;
}

static void
journal_refusal(struct engine *e, const struct approval_request *rq, int i, const char *login,
    const char *why)
{
	char *msg;

	if (e->refusals_journaled < ENGINE_MAX_REFUSALS) {
		e->refusals_journaled++;
		engine_journal(e, JEV_NAME(APPROVAL_REFUSED), json_pack("{sosososo}", "step", engine_jstr(rq->step),
		    "by", engine_jstr(login), "kernel", kernel_fields(rq), "reason", engine_jstr(why)), NULL);
		if (e->refusals_journaled == ENGINE_MAX_REFUSALS)
			engine_journal(e, JEV_NAME(APPROVAL_REFUSED), json_pack("{ss}", "reason",
			    "too many refusals: later ones are answered but not journaled"), NULL);
	}
	/* The operator sees a step id of the runbook's, never the caller's text. */
	msg = xprintf("approval of %s%s%s by %s refused: %s", i >= 0 ? "'" : "", i >= 0 ? e->rb->steps[i].id :
	    "an unknown step", i >= 0 ? "'" : "", login, why);
	tell(e, msg);
	free(msg);
}

/* The uid in SUDO_UID when sudo started the console for someone else. */
static uid_t
sudo_uid(void)
{
	const char *v = getenv("SUDO_UID");
	char *end;
	unsigned long n;

	if (v == NULL || *v == '\0')
		return APPROVAL_NO_LOGINUID;
	n = strtoul(v, &end, 10);
	return *end == '\0' && n < (unsigned long)APPROVAL_NO_LOGINUID ? (uid_t)n : APPROVAL_NO_LOGINUID;
}

/* Why rq is the driver under another name, or NULL. The driver is their
 * uid, the login their session started as (the audit login uid, kept
 * through sudo, su and runuser) and the one sudo names; the request's
 * session is looked at the same way, so `sudo -u bob drconsole approve`
 * by the driver is still the driver. */
static char *
same_person(const struct approval_request *rq)
{
	uid_t me[3] = { getuid(), APPROVAL_NO_LOGINUID, sudo_uid() };
	char *who, *why = NULL;

	approval_loginuid(getpid(), &me[1]);
	if (rq->gone)
		return xstrdup("the asking process ended before it could be checked");
	for (int k = 0; k < 3 && why == NULL; k++) {
		if (me[k] == APPROVAL_NO_LOGINUID)
			continue;
		if (rq->uid == me[k] || rq->loginuid == me[k]) {
			who = approvers_login(me[k]);
			why = k == 0 && rq->uid == me[k] ?
			    xstrdup("the driver's own login cannot approve: a second person must") :
			    xprintf("the request comes from %s, who %s the driving console: a second person must "
			    "approve", who, k == 0 ? "runs" : k == 1 ? "logged in to start" : "started (sudo)");
			free(who);
		}
	}
	return why;
}

/* A keyed incident takes approvals only from someone who holds its key:
 * without it, nobody could append to the journal by other means either. */
#define KEY_REFUSAL "this incident's journal is keyed: the approver's DRCONSOLE_JOURNAL_KEY is missing or not its key"

/* Why rq cannot approve, or NULL when it may; allocated. */
static char *
refusal(struct engine *e, const struct approval_request *rq, int i)
{
	char *why = NULL;

	if (i < 0)
		return xstrdup("not a step of this runbook");
	if (e->rb->steps[i].confirm != CONFIRM_APPROVAL)
		return xstrdup("that step needs no approval");
	if ((why = same_person(rq)) != NULL)
		return why;
	if (!approvers_allow(approvers_for_step(e->rb, e->env, i), rq->uid, &why))
		return why;
	return NULL;
}

static int
journal_approval(struct engine *e, const struct approval_request *rq, int i, const char *login)
{
	char *me = approvers_login(getuid());
	json_t *f = engine_step_fields(e, i);
	int rc;

	json_object_set_new(f, "approved_by", engine_jstr(login));
	json_object_set_new(f, "kernel", kernel_fields(rq));
	json_object_set_new(f, "driver", engine_jstr(me));
	json_object_set_new(f, "driver_operator", engine_jstr(e->operator));
	free(me);
	if ((rc = engine_journal(e, JEV_NAME(STEP_APPROVED), f, NULL)) == 0) {
		e->runs[i].approved = 1;
		free(e->runs[i].approver);
		e->runs[i].approver = xstrdup(login);
		engine_notify_step(e, i);
	}
	return rc;
}

/* approval_cb: decides one request, journals it, answers. */
static void
decide(void *arg, const struct approval_request *rq, struct approval_answer *ans)
{
	struct engine *e = arg;
	int i = rq->step != NULL ? runbook_find_step(e->rb, rq->step) : -1;
	char *login = approvers_login(rq->uid), *why;

	ans->wrong_key = i >= 0 && !journal_proof_ok(e->journal, rq->step, rq->key_proof);
	why = ans->wrong_key ? xstrdup(KEY_REFUSAL) : refusal(e, rq, i);
	if (why != NULL) {
		journal_refusal(e, rq, i, login, why);
		ans->reason = why;
	} else if (e->runs[i].approved) {
		ans->ok = 1;
		ans->reason = xprintf("already approved by %s", e->runs[i].approver);
	} else if (e->journal_error != NULL || journal_approval(e, rq, i, login) != 0)
		ans->reason = xstrdup("the console cannot write its journal now: try again");
	else
		ans->ok = 1;
	if (ans->ok)
		ans->approved_by = xstrdup(e->runs[i].approver);
	free(login);
}

static int
approval_wanted(const struct engine *e)
{
	if (e->mode == MODE_DRY_RUN || e->finished)
		return 0;
	for (int i = 0; i < e->rb->nsteps; i++) {
		if (e->rb->steps[i].confirm == CONFIRM_APPROVAL && !e->runs[i].approved)
			return 1;
	}
	return 0;
}

/* Called each inbox turn: listen while an approval may come, stop after.
 * A rendezvous that cannot be made (someone else's file under its name)
 * is retried each turn, and the operator told once. */
void
approve_poll(struct engine *e)
{
	char *cause = NULL, *msg;

	if (!approval_wanted(e)) {
		approve_stop(e);
		return;
	}
	if (e->approvals != NULL)
		return;
	if ((e->approvals = approval_listen(e->loop, e->incident_dir, decide, e, &cause)) != NULL) {
		e->approvals_warned = 0;
		return;
	}
	log_debug("approval: %s", cause);
	if (!e->approvals_warned) {
		msg = xprintf("approvals cannot be taken: %s", cause);
		tell(e, msg);
		free(msg);
		e->approvals_warned = 1;
	}
	free(cause);
}

void
approve_stop(struct engine *e)
{
	approval_close(e->approvals);
	e->approvals = NULL;
}
