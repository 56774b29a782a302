/* runbook.h: the in-memory model of a runbook, as the loader builds it.
 * Every node remembers where it came from so that later checks can report
 * FILE:LINE:COL. The model is read-only once loaded. */
#ifndef DRC_RUNBOOK_H
#define DRC_RUNBOOK_H

#include <stddef.h>
#include <stdint.h>

#include "srcpos.h"

/* A string value from the file and where it stands. */
struct rstr {
	char *s;
	struct srcpos pos;	/* of the node: the first quote or block indicator */
	int style;		/* RSTR_PLAIN, RSTR_QUOTED or RSTR_BLOCK */
	int indent;		/* RSTR_BLOCK: column where the content starts, 0-based */
};


/* Where byte off of r's value stands in the file, as well as we can tell. */
struct srcpos rstr_pos_at(const struct rstr *r, size_t off);

struct kv {
	char *key;
	struct rstr value;
};

/* approvers: who may approve a confirm: approval step: logins and @groups.
 * given is 0 when the key is absent (then a wider list, or the group
 * drconsole-approvers, decides); an empty list given lets nobody approve. */
struct approvers {
	char **names;		/* "alice", "@dba" */
	int n;
	int given;
	struct srcpos pos;
};
void approvers_free(struct approvers *a);

enum param_type {
	PARAM_STRING,
	PARAM_SECRET,
	PARAM_CHOICE,
	PARAM_TIMESTAMP,
	PARAM_INT,
	PARAM_BOOL,
	PARAM_HOSTS,		/* host and group names, comma-separated */
	PARAM_LIST,		/* several values: one shell word each */
};

/* A remote host reached through the system ssh. With only a name, the
 * operator's ~/.ssh/config says how to reach it. */
struct host_def {
	char *name;
	struct srcpos pos;
	char *address;		/* NULL: the name */
	char *user;
	int port;		/* 0: ssh's default */
	char *identity;
	char *jump;		/* ProxyJump */
	struct kv *vars;	/* vars: {{ host.vars.NAME }} in its remote steps */
	int nvars;
	int inventory;		/* read from the inventory, which checked it there */
	char *from;		/* the runbook an include brought it from; NULL: this one */
};

struct host_group {
	char *name;
	struct srcpos pos;
	char **members;		/* host or group names */
	int nmembers;
	struct kv *vars;	/* every member's, unless the host has its own */
	int nvars;
	int inventory;		/* read from the inventory, which checked it there */
	char *from;		/* the runbook an include brought it from; NULL: this one */
};

enum fanout_policy {
	POLICY_ALL,		/* every host must succeed */
	POLICY_ANY,		/* one success is enough */
	POLICY_AT_LEAST,	/* at_least hosts must succeed */
};

struct param {
	char *name;
	struct srcpos pos;
	enum param_type type;
	char *prompt;		/* NULL: the name is the prompt */
	char *help;
	struct rstr def;	/* default; def.s NULL when none */
	int required;
	char **choices;		/* PARAM_CHOICE */
	int nchoices;
	int generate;		/* PARAM_SECRET: length of a generated value, 0 none */
	struct rstr pattern;	/* an anchored ERE every value must match; s NULL none */
	int def_is_list;	/* the default was a YAML list: def.s holds one item a line */
	char **from_command;	/* secret: the argv of a command printing it; NULL none */
	struct srcpos from_pos;
};

enum step_action {
	ACTION_NONE,
	ACTION_RUN,
	ACTION_SQL,
	ACTION_HTTP,
	ACTION_NOTIFY,
	ACTION_MANUAL,
	ACTION_WAIT,		/* pause, with a countdown the operator may cut short */
	ACTION_COPY,		/* send a local file to the step's hosts (on:) */
	ACTION_INPUT,		/* ask the operator for a typed value, kept as a capture */
};

/* copy: { src, dest, mode }: a file sent over ssh to every host of 'on'. */
struct copy_action {
	struct rstr src;	/* a local file, templated */
	struct rstr dest;	/* the path on each host, templated */
	int mode;		/* its permission bits, 0644 when not given */
};

enum capture_from {
	CAPTURE_OUTPUT,		/* the whole output, trimmed */
	CAPTURE_LAST_LINE,
	CAPTURE_REGEX,		/* a group of the first line that matches */
	CAPTURE_CELL,		/* a sql step's first cell */
	CAPTURE_JSON,		/* a member of the output read as JSON */
};

/* capture: a value a step printed, kept under a name later steps use. */
struct capture {
	char *name;		/* NULL: the step captures nothing */
	struct srcpos pos;
	enum capture_from from;
	struct rstr regex;
	int group;		/* regex group, 0 the whole match */
	int secret;		/* masked everywhere, like a secret param */
	struct rstr json;	/* CAPTURE_JSON: the member's path, like .a.b[0] */
};

enum confirm_mode {
	CONFIRM_YES,		/* ask y/n */
	CONFIRM_NO,		/* run without asking */
	CONFIRM_TYPE,		/* the operator types the step id */
	CONFIRM_APPROVAL,	/* a second operator runs drconsole approve */
};

enum on_failure {
	ONFAIL_ASK,
	ONFAIL_ABORT,
	ONFAIL_CONTINUE,
};

enum sql_check {
	SQL_CHECK_NONE,
	SQL_CHECK_REPLICATION_LAG,	/* bytes and seconds behind, against the RPO */
	SQL_CHECK_IN_RECOVERY,		/* is this server a standby? */
};

struct sql_action {
	struct rstr conninfo;
	struct rstr query;	/* s NULL with check or promote */
	struct rstr expect;	/* "> 0", "= 42", "rows >= 1", ... */
	enum sql_check check;
	int promote;		/* SELECT pg_promote(wait => true) */
};

struct http_action {
	struct rstr url;
	struct rstr method;	/* default GET */
	struct kv *headers;
	int nheaders;
	struct rstr body;
	int expect_status;	/* 0: any 2xx */
	struct rstr expect_body;	/* regex */
	int insecure;
};

enum notify_kind {
	NOTIFY_SLACK,
	NOTIFY_WEBHOOK,
	NOTIFY_STATUSPAGE,
	NOTIFY_EMAIL,
	NOTIFY_PAGERDUTY,
	NOTIFY_OPSGENIE,
};

struct notify_action {
	enum notify_kind kind;
	struct rstr url;	/* slack, webhook, statuspage API */
	struct rstr channel;	/* slack */
	struct rstr message;
	struct rstr component;	/* statuspage */
	struct rstr status;	/* statuspage component status */
	struct rstr api_key;	/* statuspage; normally "{{ secret }}" */
	struct rstr smtp_url;	/* email */
	struct rstr from;	/* email */
	struct rstr *to;	/* email */
	int nto;
	struct rstr subject;	/* email */
	struct rstr body;	/* webhook: a JSON template, values JSON-encoded */
	struct rstr routing_key;	/* pagerduty: the integration key */
	struct rstr event;	/* pagerduty trigger|acknowledge|resolve; opsgenie create|close */
	struct rstr severity;	/* pagerduty */
	struct rstr priority;	/* opsgenie P1..P5 */
};

enum step_drill {
	DRILL_SAME,		/* a drill runs the step as written */
	DRILL_SKIP,		/* a drill skips it */
	DRILL_STANDIN,		/* a drill runs drill_run instead */
};

struct step {
	char *id;
	struct srcpos pos;
	char *file;		/* the file an include brought it from (its positions
				 * are that file's); NULL: the runbook's own */
	struct rstr title;
	struct rstr phase;	/* s NULL: same phase as the step before */
	struct rstr why;
	enum step_action action;
	struct rstr run;	/* ACTION_RUN: the shell command */
	struct rstr manual;	/* ACTION_MANUAL: what the operator attests */
	struct sql_action sql;
	struct http_action http;
	struct notify_action notify;
	struct copy_action copy;
	/* ACTION_INPUT: the value asked for, declared as a param is (name,
	 * type, prompt, help, choices, pattern) and checked the same way
	 * (rbcheck_param_value); the loader makes it the step's one capture,
	 * so later steps use {{ NAME }}, the journal keeps it (masked when
	 * secret) and a resume restores it. */
	struct param input;
	enum confirm_mode confirm;
	/* confirm: { ask, when, else }: confirm applies when the condition
	 * holds (or cannot be evaluated: the stricter way), confirm_else when
	 * it does not (engine_confirm_mode). s NULL: confirm always. */
	struct rstr confirm_when;
	enum confirm_mode confirm_else;
	int64_t timeout_ms;	/* 0: none */
	int retries;
	int64_t retry_delay_ms;
	enum on_failure on_failure;
	/* on_failure: { run, then }: a handler command run once the step has
	 * failed for good (after its retries), before the failure is decided
	 * by 'then' (on_failure). Its output goes to the step's output folder
	 * (ID.on_failure), its start and end to the journal (step.on_failure). */
	struct rstr on_failure_run;
	struct rstr rollback;	/* shell command; s NULL when none */
	int has_expect_exit;
	int expect_exit;
	struct rstr expect_output;	/* regex over the output */
	int pty;
	struct kv *env;
	int nenv;
	/* The first this many entries of env are an included runbook's env
	 * (include.c): they yield to the target environment's, as they do
	 * when that runbook runs on its own; the rest are the step's own. */
	int nenv_inherited;
	int64_t expected_duration_ms;	/* 0: not given */
	struct rstr when;	/* a condition (cond.h); s NULL: always run */
	enum step_drill drill;
	struct rstr drill_run;	/* DRILL_STANDIN: the safe stand-in command */
	struct rstr on;		/* run remotely: a host, a group or a hosts param */
	int max_parallel;	/* 0: all at once; 1: one host after another */
	enum fanout_policy policy;
	int at_least;
	int forward_agent;	/* ssh -A, only when asked */
	struct rstr cwd;	/* working directory, templated */
	int shell;		/* 0: the runbook's; 1 sh; 2 bash (see runbook_step_shell) */
	struct srcpos shell_pos;
	struct rstr include;	/* an include: item before expansion, else s NULL */
	struct kv *include_params;
	int ninclude_params;
	char *include_as;	/* id prefix for the included steps */
	int interactive;	/* runs in a pty the operator can type into */
	int stop_ok;		/* stopping it by hand counts as success (tail -f) */
	int detach;		/* what it starts may outlive it (a daemon) */
	struct capture *captures;	/* capture: one value, or several by name */
	int ncaptures;
	int64_t until_every_ms;	/* until: repeat every... */
	int64_t until_within_ms;	/* ...until success or this long has passed */
	/* until.on_timeout: s NULL or "fail": the step fails (on_failure
	 * decides); "continue": the run goes on; else a message for the
	 * operator, and the step fails (runbook_until_continues). */
	struct rstr until_on_timeout;
	/* end_run: { when, outcome }: after the step ends ok, a condition that
	 * shows the incident is over ends the run early, its outcome stated. */
	struct rstr end_run_when;
	struct rstr end_run_outcome;
	int64_t wait_ms;	/* ACTION_WAIT */
	enum step_action verify_action;	/* ACTION_NONE: no verify */
	struct rstr verify_run;
	struct sql_action verify_sql;
	struct http_action verify_http;
	struct approvers approvers;	/* confirm: approval: who may approve */
};

/* A named target (production, staging...) that sets params and env. */
struct environment {
	char *name;
	struct srcpos pos;
	struct kv *params;
	int nparams;
	struct kv *env;
	int nenv;
	int production;		/* named production, or production: true */
	struct approvers approvers;	/* for approval steps in this target */
	struct kv *stand_ins;	/* step id -> the command run instead in this target */
	int nstand_ins;
	/* The file each entry of params, env and stand_ins was written in,
	 * when an include brought it (include_merge.c); a NULL array or entry:
	 * this runbook's file. Only for pointing at both sides of a conflict. */
	char **params_from;
	char **env_from;
	char **stand_ins_from;
};

struct criterion {
	char *name;
	struct rstr when;	/* a condition over the run's outcome */
};

struct runbook {
	char *path;		/* as given on the command line */
	char *id;
	struct rstr title;
	char *scenario;
	char *system;
	char *executor;		/* the role that carries it out, as the plan names it */
	char *classification;	/* how critical the system is, as the plan names it */
	char *trigger;
	char *description;
	char *notes;		/* shown prominently in training */
	int has_objectives;
	int64_t rto_ms;		/* 0: not given */
	int64_t rpo_ms;
	struct param *params;
	int nparams;
	struct kv *env;
	int nenv;
	struct rstr cwd;	/* working directory for every step, templated */
	int shell;		/* 0 sh, 1 bash: the dialect of every step's commands */
	struct step *steps;
	int nsteps;
	struct environment *environments;
	int nenvironments;
	struct host_def *hosts;
	int nhosts;
	struct host_group *groups;
	int ngroups;
	struct rstr inventory;	/* an Ansible inventory's path (inventory.h); s NULL none */
	int64_t drill_target_rto_ms;	/* the drill's own target; 0 none */
	char *drill_environment;	/* default environment of a drill */
	struct rstr drill_channel;	/* notifications in a drill go here */
	struct criterion *criteria;	/* success criteria of a drill */
	int ncriteria;
	unsigned char sha256[32];	/* of the file's bytes */
	struct approvers approvers;	/* for every approval step */
	int loose;		/* it, or a file it includes, is writable by group or others */
};

void runbook_free(struct runbook *rb);
/* Every templated string of a step (env values and headers included), so
 * a pass over them cannot forget one; out holds STEP_TEXTS_MAX. */
#define STEP_TEXTS_MAX 512
int step_texts(struct step *s, struct rstr **out);
void runbook_step_free(struct step *s);
/* Frees what a param holds (not p itself). */
void runbook_param_free(struct param *p);
const struct param *runbook_find_param(const struct runbook *rb, const char *name);
int runbook_find_step(const struct runbook *rb, const char *id);
/* The file step s was written in: an included runbook's, or rb's own. */
const char *runbook_step_file(const struct runbook *rb, const struct step *s);
const char *step_action_name(enum step_action a);
const char *param_type_name(enum param_type t);
/* 0 sh or 1 bash (enum sh_dialect): the shell step s's commands run in. */
int runbook_step_shell(const struct runbook *rb, const struct step *s);
/* No value p accepts can hold whitespace, quotes or shell syntax, so it
 * may stand even where the shell would read it as code (shlex.h). */
int param_is_inert(const struct param *p);
/* A pattern whose every match is a plain word: anchored, and built only
 * of characters outside the shell's syntax. */
int pattern_is_inert(const char *re);
/* The first step capturing name, or -1; with which non-NULL, *which is
 * the capture's index among that step's captures. */
int runbook_find_capture(const struct runbook *rb, const char *name);
/* until.on_timeout: continue. */
int runbook_until_continues(const struct step *s);
/* until.on_timeout's message for the operator, or NULL (fail, continue). */
const char *runbook_until_message(const struct step *s);
int runbook_find_capture_at(const struct runbook *rb, const char *name, int *which);
/* 1 when one of step s's captures is a secret: its output is hidden. */
int step_captures_secret(const struct step *s);
const struct host_def *runbook_find_host(const struct runbook *rb, const char *name);
const struct host_group *runbook_find_group(const struct runbook *rb, const char *name);
/* The value of host h's var name: its own, else that of the first group
 * (in file order) it belongs to, directly or through other groups; NULL
 * when none has it. */
const struct rstr *runbook_host_var(const struct runbook *rb, const struct host_def *h,
    const char *name);
/* Expands "db1, databases" (hosts and groups, groups recursively) into
 * distinct hosts in order; -1 with *cause naming an unknown name. */
int runbook_resolve_hosts(const struct runbook *rb, const char *names, const struct host_def ***list,
    int *n, char **cause);
const struct environment *runbook_find_environment(const struct runbook *rb, const char *name);
/* The command ev runs in place of step step_id (a step with no honest
 * stand-in in that target), or NULL: the step runs as written. */
const struct rstr *runbook_stand_in(const struct environment *ev, const char *step_id);
/* The phase a step belongs to: its own, or the nearest one above it. */
const char *runbook_step_phase(const struct runbook *rb, int index);

#endif
