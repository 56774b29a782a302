/* engine_remote.c: a run step with `on:` runs its command on each of its
 * hosts through the system ssh (ssh.h), as one fan-out (fanout.h). Each
 * host's lines go into the step's scrollback as "host | line" (stderr
 * stays stream 2); the step's policy turns the hosts' results into its
 * verdict; step.end carries every host's status, exit and duration as
 * evidence; the step's timeout covers the whole fan-out; and a retry
 * (attempt > 1) reruns only the hosts that did not end ok, because the
 * fanout, kept in the step_run, remembers them.
 *
 * What reaches the remote command: the variables its templates travel in,
 * the runbook's, environment's and step's env, DRCONSOLE_STEP, _OPERATOR,
 * _MODE, _ENVIRONMENT, and DRCONSOLE_HOST (the host's runbook name). Any
 * of them whose value holds a secret goes over ssh's stdin, never on a
 * command line. The operator's own environment stays local: ssh gets it
 * (agent socket, HOME), the remote command does not. */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "duration.h"
#include "engine_copy.h"
#include "engine_int.h"
#include "shlex.h"
#include "fanout.h"
#include "hostlist.h"
#include "job.h"
#include "ssh.h"
#include "strbuf.h"
#include "xmalloc.h"

/* At most this many hosts are named in a failed step's reason. */
#define REMOTE_REASON_HOSTS 4

/* --- what the remote command gets --- */

struct remote_vars {
	struct ssh_var *v;
	int n;
};

static const char *
env_lookup(char **envp, const char *name)
{
	size_t nl = strlen(name);

	for (char **p = envp; *p != NULL; p++) {
		if (strncmp(*p, name, nl) == 0 && (*p)[nl] == '=')
			return *p + nl + 1;
	}
	return NULL;
}

/* Adds name with its value in envp, once; values stay owned by envp. */
static void
add_var(struct engine *e, struct remote_vars *rv, char **envp, const char *name)
{
	const char *value = env_lookup(envp, name);

	if (value == NULL)
		return;
	for (int k = 0; k < rv->n; k++) {
		if (strcmp(rv->v[k].name, name) == 0)
			return;
	}
	rv->v = xreallocarray(rv->v, rv->n + 2, sizeof *rv->v);
	rv->v[rv->n].name = name;
	rv->v[rv->n].value = value;
	rv->v[rv->n].secret = params_is_secret_text(e, value);
	rv->n++;
}

static void
add_kv_vars(struct engine *e, struct remote_vars *rv, char **envp, const struct kv *list, int n)
{
	for (int k = 0; k < n; k++)
		add_var(e, rv, envp, list[k].key);
}

/* The variables every host gets, their values taken from the environment
 * a local job would have had, so both agree on every value. */
static void
collect_vars(struct engine *e, int i, const struct texpansion *x, char **envp, struct remote_vars *rv)
{
	static const char *const facts[] = {
		"DRCONSOLE_STEP", "DRCONSOLE_OPERATOR", "DRCONSOLE_MODE", "DRCONSOLE_ENVIRONMENT"
	};

	for (int k = 0; k < x->nenv; k++)
		add_var(e, rv, envp, x->env[k].name);
	add_kv_vars(e, rv, envp, e->rb->env, e->rb->nenv);
	if (e->env != NULL)
		add_kv_vars(e, rv, envp, e->env->env, e->env->nenv);
	add_kv_vars(e, rv, envp, e->rb->steps[i].env, e->rb->steps[i].nenv);
	for (size_t k = 0; k < sizeof facts / sizeof facts[0]; k++)
		add_var(e, rv, envp, facts[k]);
}

/* --- the hosts --- */

/* 1 when on: uses a value captured earlier in the run (not a param). */
int
remote_on_uses_capture(const struct engine *e, const struct step *s)
{
	struct tscan scan;
	size_t off;
	char *cause = NULL;
	int found = 0;

	if (template_scan(s->on.s, &scan, &off, &cause) != 0) {
		free(cause);
		return 0;
	}
	for (int k = 0; k < scan.nrefs && !found; k++)
		found = scan.refs[k].kind == TREF_PARAM && runbook_find_param(e->rb, scan.refs[k].name) == NULL &&
		    runbook_find_capture(e->rb, scan.refs[k].name) >= 0;
	template_scan_free(&scan);
	return found;
}

/* on: expanded (a hosts param or a capture names them at run time) and
 * resolved; a captured value may name hosts the runbook does not know. */
static int
resolve_hosts(struct engine *e, int i, struct hostlist *hl, char **cause)
{
	const struct step *s = &e->rb->steps[i];
	struct texpansion x;
	char *why = NULL;
	int rc;

	memset(hl, 0, sizeof *hl);
	if (params_expand(e, i, s->on.s, TMPL_RAW, &x, cause) != 0)
		return -1;
	rc = hostlist_resolve(e->rb, x.text, remote_on_uses_capture(e, s), hl, &why);
	texpansion_free(&x);
	if (rc != 0) {
		*cause = xprintf("'on': %s", why);
		free(why);
	} else if (s->policy == POLICY_AT_LEAST && s->at_least > hl->n) {
		*cause = xprintf("policy wants %d hosts to succeed but 'on' gives %d", s->at_least, hl->n);
		rc = -1;
	}
	if (rc != 0)
		hostlist_free(hl);
	return rc;
}

/* --- connection reuse --- */

/* INCIDENT/ssh: the private folder of the run's master connections. */
static char *
control_dir_path(const struct engine *e)
{
	return xprintf("%s/ssh", e->incident_dir);
}

/* The folder, made if need be, or NULL when it cannot be trusted: then
 * every ssh opens its own connection, as without reuse, and the step's
 * output says why (someone planted something at that path). */
static char *
control_dir(struct engine *e, int i)
{
	char *dir = control_dir_path(e), *cause = NULL, *line;

	if (ssh_control_dir_make(dir, &cause) == 0)
		return dir;
	line = xprintf("drconsole: ssh connections are not reused: %s\n", cause != NULL ? cause : "?");
	exec_output(&e->runs[i].ctx, JOB_STDERR, line, strlen(line));
	free(line);
	free(cause);
	free(dir);
	return NULL;
}

/* The run is over: its master connections close. */
void
remote_close_connections(struct engine *e)
{
	char *dir;

	if (e->incident_dir == NULL)
		return;
	dir = control_dir_path(e);
	ssh_control_close_all(dir);
	free(dir);
}

/* The variables of host h: each host var's variable (template.h) takes
 * h's value, so a host var is a value on every host, never code. -1 with
 * *cause when h lacks one. */
static int
set_host_vars(struct engine *e, const struct host_def *h, struct remote_vars *rv, char **cause)
{
	const size_t plen = strlen(TEMPLATE_HOSTVAR_VAR);
	const struct rstr *v;

	for (int k = 0; k < rv->n; k++) {
		if (strncmp(rv->v[k].name, TEMPLATE_HOSTVAR_VAR, plen) != 0)
			continue;
		if ((v = runbook_host_var(e->rb, h, rv->v[k].name + plen)) == NULL) {
			*cause = xprintf("host '%s' has no var '%s'", h->name, rv->v[k].name + plen);
			return -1;
		}
		rv->v[k].value = v->s;
		rv->v[k].secret = 0;	/* the runbook file holds it: no secret */
	}
	return 0;
}

/* Every host's ssh argv; NULL with *cause when one cannot be built. */
static char ***
build_argvs(struct engine *e, int i, const struct host_def **hosts, int n, const char *command,
    struct remote_vars *rv, const char *ctl, const struct copy_file *cf, char **cause)
{
	struct ssh_opts opts;
	struct ssh_target t;
	char ***argvs = xcalloc((size_t)n + 1, sizeof *argvs), *remote;
	int k;

	ssh_opts_from_env(&opts, e->rb->path);
	opts.control_dir = ctl;
	rv->v = xreallocarray(rv->v, rv->n + 1, sizeof *rv->v);
	for (k = 0; k < n; k++) {
		rv->v[rv->n] = (struct ssh_var){ "DRCONSOLE_HOST", hosts[k]->name, 0 };
		if (cf != NULL)
			remote = ssh_copy_command(cf->dest, cf->mode, cf->len, cf->sha256);
		else if (set_host_vars(e, hosts[k], rv, cause) != 0)
			break;
		else
			remote = ssh_remote_command(command, sh_dialect_path((enum sh_dialect)
			    runbook_step_shell(e->rb, &e->rb->steps[i])), rv->v, rv->n + 1, e->grace_ms, cause);
		if (remote == NULL)
			break;
		ssh_target_of_host(hosts[k], e->rb->steps[i].forward_agent, &t);
		argvs[k] = ssh_argv(&t, &opts, remote, cause);
		free(remote);
		if (argvs[k] == NULL)
			break;
	}
	ssh_opts_free(&opts);
	if (k == n)
		return argvs;
	for (k = 0; k < n; k++)
		ssh_argv_free(argvs[k]);
	free(argvs);
	return NULL;
}

static void
free_argvs(char ***argvs, int n)
{
	for (int k = 0; argvs != NULL && k < n; k++)
		ssh_argv_free(argvs[k]);
	free(argvs);
}

/* The fanout this attempt runs on: a new one for a first attempt, a verify
 * or a rollback, the last one (which knows who succeeded) for a retry. */
static struct fanout *
fanout_for(struct engine *e, int i, const struct host_def **hosts, int n)
{
	struct step_run *r = &e->runs[i];
	const char **names;

	if (r->fanout != NULL && r->st.attempt > 1 && !r->in_verify && !r->in_rollback &&
	    fanout_count(r->fanout) == n)
		return r->fanout;
	fanout_free(r->fanout);
	names = xcalloc((size_t)n + 1, sizeof *names);
	for (int k = 0; k < n; k++)
		names[k] = hosts[k]->name;
	r->fanout = fanout_new(e->loop, names, n);
	free(names);
	return r->fanout;
}

/* --- output and the end --- */

static void
on_host_line(void *arg, int host, int stream, const char *line, size_t len)
{
	struct exec_ctx *c = arg;
	const char *name = fanout_name(c->e->runs[c->step].fanout, host);
	size_t nl = strlen(name);
	char *buf = xmalloc(nl + len + 4);

	memcpy(buf, name, nl);
	memcpy(buf + nl, " | ", 3);
	memcpy(buf + nl + 3, line, len);
	buf[nl + 3 + len] = '\n';
	/* Whole lines only, so hosts' output never mixes within a line. */
	exec_output(c, stream, buf, nl + len + 4);
	free(buf);
}

static json_t *
host_evidence(const struct fanout *f, int k, int attempt, int round)
{
	const struct fanout_result *res = fanout_result(f, k);
	json_t *h = json_object();

	json_object_set_new(h, "name", engine_jstr(fanout_name(f, k)));
	json_object_set_new(h, "status", engine_jstr(fanout_status_name(res->status)));
	json_object_set_new(h, "exit", res->exit_code >= 0 ? json_integer(res->exit_code) : json_null());
	json_object_set_new(h, "duration_ms", json_integer(res->duration_ms));
	json_object_set_new(h, "offset_ms", json_integer(res->offset_ms));
	/* A host that succeeded before this attempt was not run again. */
	json_object_set_new(h, "attempt", json_integer(res->round > 0 ? attempt - (round - res->round) : 0));
	if (res->desc != NULL)
		json_object_set_new(h, "detail", engine_jstr(res->desc));
	return h;
}

static json_t *
evidence(const struct fanout *f, const struct step *s, int attempt)
{
	json_t *ev = json_object(), *hosts = json_array();
	int round = 0;

	for (int k = 0; k < fanout_count(f); k++) {
		if (fanout_result(f, k)->round > round)
			round = fanout_result(f, k)->round;
	}
	for (int k = 0; k < fanout_count(f); k++)
		json_array_append_new(hosts, host_evidence(f, k, attempt, round));
	json_object_set_new(ev, "policy", engine_jstr(fanout_policy_name(s->policy)));
	json_object_set_new(ev, "needed", json_integer(fanout_needed(f)));
	json_object_set_new(ev, "ok", json_integer(fanout_ok_count(f)));
	json_object_set_new(ev, "max_parallel", json_integer(s->max_parallel));
	json_object_set_new(ev, "hosts", hosts);
	return ev;
}

/* "policy all needs 3 of 3 hosts ok, 2 were: db3 unreachable (...)" */
static char *
failure_reason(const struct fanout *f, const struct step *s)
{
	struct strbuf b;
	int named = 0, more = 0;

	strbuf_init(&b);
	strbuf_addf(&b, "policy %s needs %d of %d hosts ok, %d %s", fanout_policy_name(s->policy),
	    fanout_needed(f), fanout_count(f), fanout_ok_count(f), fanout_ok_count(f) == 1 ? "was" : "were");
	for (int k = 0; k < fanout_count(f); k++) {
		const struct fanout_result *res = fanout_result(f, k);

		if (res->status == FANOUT_OK)
			continue;
		if (named++ >= REMOTE_REASON_HOSTS) {
			more++;
			continue;
		}
		strbuf_addf(&b, "%s %s %s (%s)", named == 1 ? ":" : ",", fanout_name(f, k),
		    fanout_status_name(res->status), res->desc != NULL ? res->desc : "");
	}
	if (more > 0)
		strbuf_addf(&b, " and %d more", more);
	return strbuf_detach(&b);
}

/* The fan-out's own verdict: its policy of hosts met or not, and an exit
 * code (a failed host's) and description for the step. A rollback is done
 * only where it is done everywhere. Cancels and timeouts are the engine's
 * to judge (engine_end.c). */
static void
fanout_verdict(struct engine *e, int i, struct attempt_end *end, char *desc, size_t desclen)
{
	struct step_run *r = &e->runs[i];
	const struct fanout *f = r->fanout;

	end->has_exit = 1;
	end->exit_code = fanout_met(f) ? 0 : -1;
	for (int k = 0; k < fanout_count(f) && end->exit_code < 0; k++) {
		if (fanout_result(f, k)->status != FANOUT_OK && fanout_result(f, k)->exit_code >= 0)
			end->exit_code = fanout_result(f, k)->exit_code;
	}
	snprintf(desc, desclen, "%d of %d hosts ok", fanout_ok_count(f), fanout_count(f));
	end->exit_desc = desc;
	end->ok = r->in_rollback ? fanout_ok_count(f) == fanout_count(f) : fanout_met(f);
	if (!end->ok)
		end->reason = failure_reason(f, &e->rb->steps[i]);
	if (r->in_rollback)
		json_object_set_new(end->evidence, "policy", engine_jstr(fanout_policy_name(POLICY_ALL)));
}

static void
on_fanout_done(void *arg)
{
	struct exec_ctx *c = arg;
	struct step_run *r = &c->e->runs[c->step];
	struct attempt_end end = { 0 };
	char desc[sizeof r->st.exit_desc];

	end.evidence = evidence(r->fanout, &c->e->rb->steps[c->step], r->st.attempt);
	fanout_verdict(c->e, c->step, &end, desc, sizeof desc);
	exec_attempt_ended(c->e, c->step, &end);
	free((char *)end.reason);
}

static void
on_remote_timeout(void *arg)
{
	struct exec_ctx *c = arg;
	struct step_run *r = &c->e->runs[c->step];

	r->timeout_timer = NULL;
	r->timed_out = 1;
	if (r->fanout != NULL)
		fanout_cancel(r->fanout, 1);
}

/* --- the hooks engine_exec.c calls --- */

/* Everything a round needs that spawn() builds for a local job. */
static int
start_round(struct engine *e, int i, const struct texpansion *x, const struct copy_file *cf,
    const struct host_def **hosts, int n, char **cause)
{
	const struct step *s = &e->rb->steps[i];
	struct step_run *r = &e->runs[i];
	struct remote_vars rv = { NULL, 0 };
	struct fanout_opts o = { 0 };
	char **envp = cf == NULL ? params_build_env(e, i, x) : NULL, ***argvs, *payload, *ctl = control_dir(e, i);
	size_t paylen = 0;
	int rc = -1;

	/* A copy's stdin carries the file, and its command no variables. */
	if (cf == NULL)
		collect_vars(e, i, x, envp, &rv);
	argvs = build_argvs(e, i, hosts, n, cf == NULL ? x->text : NULL, &rv, ctl, cf, cause);
	payload = ssh_stdin_payload(rv.v, rv.n, &paylen);
	o.max_parallel = s->max_parallel;
	/* An undo is done only where it is done everywhere. */
	o.policy = r->in_rollback ? POLICY_ALL : s->policy;
	o.at_least = s->at_least;
	o.expect_exit = s->has_expect_exit && !r->in_verify && !r->in_rollback ? s->expect_exit : 0;
	o.expect_output = r->has_re && !r->in_verify && !r->in_rollback ? &r->re : NULL;
	o.grace_ms = e->grace_ms;
	o.mask = e->mask;
	o.cwd = ctl;
	o.keep_masters = ctl != NULL;
	if (argvs != NULL) {
		r->started_mono = clock_mono_ms();
		rc = fanout_start(fanout_for(e, i, hosts, n), &o, (char *const *const *)argvs,
		    cf != NULL ? (const char *)cf->data : payload, cf != NULL ? cf->len : paylen,
		    on_host_line, on_fanout_done, &r->ctx, cause);
	}
	ssh_payload_free(payload, paylen);
	free_argvs(argvs, n);
	free(rv.v);
	free(ctl);
	if (envp != NULL)
		params_free_env(envp);
	return rc;
}

/* A rollback undoes the step where it ran: the hosts its fan-out started
 * (a host left waiting by a cancel, or skipped by the policy, changed
 * nothing). Without a fan-out to ask (the console was restarted since),
 * every host. 0, or -1 when no host ran the step. */
static int
hosts_that_ran(struct engine *e, int i, const struct host_def **hosts, int *n, char **cause)
{
	const struct fanout *f = e->runs[i].fanout;
	int kept = 0;

	if (f == NULL || fanout_count(f) != *n)
		return 0;
	for (int k = 0; k < *n; k++) {
		if (fanout_result(f, k)->round > 0)
			hosts[kept++] = hosts[k];
	}
	if (kept == 0) {
		*cause = xprintf("step '%s' ran on no host: there is nothing to roll back", e->rb->steps[i].id);
		return -1;
	}
	*n = kept;
	return 0;
}

/* Starts attempt (or verify) of step i on its hosts; the end comes through on_fanout_done. */
int
remote_spawn(struct engine *e, int i, const char *command_tmpl, int rollback, char **cause)
{
	const struct step *s = &e->rb->steps[i];
	struct step_run *r = &e->runs[i];
	struct hostlist hl;
	const struct host_def **hosts;
	struct texpansion x = { 0 };
	struct copy_file cf;
	/* A copy step's own action; its rollback, verify or drill stand-in
	 * is a command. */
	int copying = s->action == ACTION_COPY && command_tmpl == NULL;
	char *shown;
	int n, rc;

	if (resolve_hosts(e, i, &hl, cause) != 0)
		return -1;
	hosts = hl.hosts;
	n = hl.n;
	if (rollback && hosts_that_ran(e, i, hosts, &n, cause) != 0) {
		hostlist_free(&hl);
		return -1;
	}
	if (copying ? copy_file_read(e, i, &cf, cause) : params_expand_shell(e, i, command_tmpl, &x, &shown, cause)) {
		hostlist_free(&hl);
		return -1;
	}
	if (copying)
		shown = copy_file_shown(&cf);
	free(r->st.command);
	r->st.command = shown;
	rc = exec_open_output(e, i, rollback, cause);
	if (rc == 0 && (rc = start_round(e, i, copying ? NULL : &x, copying ? &cf : NULL, hosts, n, cause)) != 0) {
		json_t *ignored = json_object();

		exec_close_output(e, r, ignored);
		json_decref(ignored);
	}
	if (copying)
		copy_file_free(&cf);
	else
		texpansion_free(&x);
	hostlist_free(&hl);
	if (rc != 0)
		return -1;
	e->running = i;
	/* A rollback has no timeout, as a local one has none: the operator
	 * watches it and may cancel it. */
	if (s->timeout_ms > 0 && !rollback)
		r->timeout_timer = loop_add_timer(e->loop, s->timeout_ms, on_remote_timeout, &r->ctx);
	return 0;
}

/* The operator's cancel: every host's stdin closes, so every remote command stops. */
void
remote_cancel(struct engine *e, struct step_run *r)
{
	(void)e;
	if (r->fanout == NULL || r->cancelled)
		return;
	r->cancelled = 1;
	if (fanout_running(r->fanout))
		fanout_cancel(r->fanout, 0);
}

/* Frees the step's fanout, killing any ssh still running. */
void
remote_release(struct engine *e, struct step_run *r)
{
	if (r->fanout == NULL)
		return;
	if (fanout_running(r->fanout) && r->timeout_timer != NULL) {
		loop_cancel_timer(e->loop, r->timeout_timer);
		r->timeout_timer = NULL;
	}
	fanout_free(r->fanout);
	r->fanout = NULL;
}

/* --- what front ends show --- */


/* Step i's hosts as its fan-out last knew them, at most max into out;
 * returns how many hosts there are (0: no fan-out has run yet). */
int
engine_step_hosts(const struct engine *e, int i, struct host_status *out, int max)
{
	const struct fanout *f;
	int n;

	if (i < 0 || i >= e->rb->nsteps || (f = e->runs[i].fanout) == NULL)
		return 0;
	n = fanout_count(f);
	for (int k = 0; k < n && k < max; k++) {
		const struct fanout_result *res = fanout_result(f, k);

		out[k].name = fanout_name(f, k);
		out[k].status = fanout_status_name(res->status);
		out[k].ended = res->status != FANOUT_PENDING && res->status != FANOUT_RUNNING;
		out[k].ok = res->status == FANOUT_OK;
		out[k].exit_code = res->exit_code;
		out[k].duration_ms = res->duration_ms;
	}
	return n;
}
