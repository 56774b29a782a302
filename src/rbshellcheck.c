/* rbshellcheck.c: lint of a step's shell command by outside programs.
 *
 * The checker reads the command as the run would hand it to the shell:
 * each template becomes the variable reference the run writes at that
 * site (template_shell_ref), under an all-capitals name, which shellcheck
 * takes for an environment variable and does not call unassigned. A map
 * from that text back to the runbook's text puts every finding at the
 * runbook's FILE:LINE:COL.
 *
 * shellcheck reports errors (parse errors, SC1xxx, are lint errors; its
 * other errors, warnings and infos are lint warnings). Its style notes are
 * left out: they are taste, not failures; so is SC1091 (a sourced file it
 * was not given). First, with or without shellcheck, the shell that runs
 * the step checks the syntax (sh -n, bash -n), which executes nothing: what
 * it refuses is an error, since the step could not run at all. Each
 * checker runs as a child with an argv, the command on stdin, a small fixed
 * environment and a deadline. */
#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "childrun.h"
#include "rbshellcheck.h"
#include "strbuf.h"
#include "termsafe.h"
#include "xmalloc.h"

/* Where a stretch of the checked text came from. */
struct seg {
	size_t at;		/* start in the checked text */
	size_t from;		/* start in the runbook's text */
	int verbatim;		/* copied: offsets map one to one */
};

struct script {
	struct strbuf text;
	struct seg *segs;
	int nsegs, cap;
};

/* What a finding is reported against. */
struct target {
	const struct runbook *rb;
	const struct step *s;
	const struct rstr *r;
	const char *key;
	const struct script *sc;
	const struct shlex_result *lex;
	int shell_refused;	/* sh -n found a syntax error */
	struct diags *d;
};

static void
add_seg(struct script *sc, size_t from, int verbatim)
{
	if (sc->nsegs == sc->cap) {	/* doubling: 200,000 templates stay linear */
		sc->cap = sc->cap > 0 ? 2 * sc->cap : 16;
		sc->segs = xreallocarray(sc->segs, (size_t)sc->cap, sizeof *sc->segs);
	}
	sc->segs[sc->nsegs++] = (struct seg){ sc->text.len, from, verbatim };
}

/* The variable a reference stands for, in capitals; item is a list's
 * item, or -1. */
static char *
checked_var(const struct tref *ref, int item)
{
	char *v = item < 0 ? template_var_name(ref) : template_list_var_name(ref, item);

	for (char *c = v; *c != '\0'; c++)
		*c = (char)toupper((unsigned char)*c);
	return v;
}

/* What the run writes for a reference: a list as two words, as its items
 * would be. */
static void
add_ref(struct strbuf *b, const struct tref *ref, const struct shsite *site, int is_list)
{
	for (int item = is_list ? 0 : -1; item < (is_list ? 2 : 0); item++) {
		char *var = checked_var(ref, item);

		if (item > 0)
			strbuf_addch(b, ' ');
		if (site->ctx == SHCTX_HEREDOC_LITERAL)
			strbuf_adds(b, var);	/* the run pastes a plain value */
		else
			template_shell_ref(b, site->ctx, var);
		free(var);
	}
}

static void
build_script(const char *s, const struct tscan *scan, const struct shlex_result *lex,
    const int *lists, struct script *sc)
{
	size_t pos = 0;

	strbuf_init(&sc->text);
	for (int i = 0; i < scan->nrefs; i++) {
		const struct tref *ref = &scan->refs[i];

		add_seg(sc, pos, 1);
		strbuf_add(&sc->text, s + pos, ref->start - pos);
		add_seg(sc, ref->start, 0);
		pos = ref->end;
		if (ref->kind == TREF_LITERAL) {
			strbuf_adds(&sc->text, ref->name);
			continue;
		}
		add_ref(&sc->text, ref, &lex->sites[i], lists[i]);
	}
	add_seg(sc, pos, 1);
	strbuf_adds(&sc->text, s + pos);
}

static void
script_free(struct script *sc)
{
	strbuf_free(&sc->text);
	free(sc->segs);
}

static const struct seg *
seg_of(const struct script *sc, size_t at)
{
	int i = sc->nsegs - 1;

	while (i > 0 && sc->segs[i].at > at)
		i--;
	return &sc->segs[i];
}

/* The runbook's offset for an offset of the checked text. */
static size_t
origin_of(const struct script *sc, size_t at)
{
	const struct seg *g = seg_of(sc, at);

	return g->from + (g->verbatim ? at - g->at : 0);
}

/* The offset of a 1-based line and character column (a tab is one) in the
 * checked text. A line past the end (a shell's "end of file unexpected")
 * is the start of the last line. */
static size_t
offset_of(const struct script *sc, long line, long col)
{
	const char *t = strbuf_str(&sc->text);
	size_t len = sc->text.len, i = 0, last = 0;
	long l = 1;

	for (; l < line && i < len; i++) {
		if (t[i] == '\n' && i + 1 < len) {
			l++;
			last = i + 1;
		}
	}
	if (l < line)
		return last;
	for (long c = 1; c < col && i < len && t[i] != '\n'; c++)
		i += termsafe_utf8_len(t + i, len - i);
	return i < len ? i : len;
}

static void __attribute__((format(printf, 4, 5)))
report(const struct target *tg, enum diag_severity sev, size_t at, const char *fmt, ...)
{
	struct srcpos pos = rstr_pos_at(tg->r, origin_of(tg->sc, at));
	char *msg, *clean;
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	msg = xvprintf(fmt, ap);
	va_end(ap);
	n = strlen(msg);
	clean = xmalloc(n + 1);
	termsafe_clean(msg, n, clean, n + 1);	/* the checkers quote the script */
	diags_add(tg->d, sev, runbook_step_file(tg->rb, tg->s), pos, "step '%s': %s: %s", tg->s->id, tg->key, clean);
	free(clean);
	free(msg);
}

/* The environment the checkers get: the PATH to find them by, a UTF-8
 * locale so shellcheck counts columns in characters, nothing else. */
static char **
checker_env(void)
{
	const char *path = getenv("PATH");
	char **env = xcalloc(3, sizeof *env);

	env[0] = xprintf("PATH=%s", path != NULL ? path : "/usr/bin:/bin");
	env[1] = xstrdup("LC_ALL=C.UTF-8");
	return env;
}

static void
env_free(char **env)
{
	for (char **e = env; *e != NULL; e++)
		free(*e);
	free(env);
}

static int
run_checker(const struct target *tg, char *const *argv, struct childrun_result *res)
{
	char **env = checker_env();
	struct childrun_spec spec = { argv, env, strbuf_str(&tg->sc->text), tg->sc->text.len,
	    RBSHELLCHECK_TIMEOUT_MS, RBSHELLCHECK_MAX_OUTPUT };
	char *cause = NULL;
	int rc = childrun(&spec, res, &cause);

	free(cause);	/* not started: the caller falls back or says so */
	env_free(env);
	return rc;
}

/* A checker that did not finish normally: said once, as a warning. */
static int
checker_failed(const struct target *tg, const char *name, const struct childrun_result *res)
{
	if (res->timed_out)
		report(tg, DIAG_WARNING, 0, "%s did not finish within %d s: not checked", name,
		    RBSHELLCHECK_TIMEOUT_MS / 1000);
	else if (res->truncated)
		report(tg, DIAG_WARNING, 0, "%s wrote more than %d bytes: not checked", name,
		    RBSHELLCHECK_MAX_OUTPUT);
	else if (WIFSIGNALED(res->status))
		report(tg, DIAG_WARNING, 0, "%s was killed by signal %d: not checked", name,
		    WTERMSIG(res->status));
	else
		return 0;
	return 1;
}

/* --- shellcheck --- */

/* 1 when no newline stands between offsets a and b of s. */
static int
same_line(const char *s, size_t a, size_t b)
{
	size_t lo = a < b ? a : b, hi = a < b ? b : a;

	return memchr(s + lo, '\n', hi - lo) == NULL;
}

/* A finding already made another way: a parse error when the shell itself
 * refused the script, a bashism (SC3xxx) on a line where drconsole's own
 * lexer warned of one. */
static int
already_said(const struct target *tg, size_t at, long code)
{
	size_t from = origin_of(tg->sc, at);

	if (code >= 1000 && code < 2000)
		return tg->shell_refused;
	if (code < 3000 || code >= 4000)
		return 0;
	for (int i = 0; i < tg->lex->nwarns; i++) {
		if (same_line(tg->r->s, from, tg->lex->warns[i].off))
			return 1;
	}
	return 0;
}

/* Findings that are wrong about a template's stand-in: a template is
 * filled in on drconsole's side by design, so SC2029 ("expands on the
 * client side", in ssh's argument) is what the runbook means. */
static const long template_codes[] = { 2029 };

static int
about_template(const struct script *sc, size_t at, long code)
{
	if (seg_of(sc, at)->verbatim)
		return 0;
	for (size_t i = 0; i < sizeof template_codes / sizeof template_codes[0]; i++) {
		if (template_codes[i] == code)
			return 1;
	}
	return 0;
}

static void
report_comment(const struct target *tg, json_t *c)
{
	json_t *line = json_object_get(c, "line"), *col = json_object_get(c, "column");
	const char *level = json_string_value(json_object_get(c, "level"));
	const char *msg = json_string_value(json_object_get(c, "message"));
	json_int_t code = json_integer_value(json_object_get(c, "code"));
	enum diag_severity sev = DIAG_WARNING;
	size_t at;

	if (!json_is_integer(line) || !json_is_integer(col) || level == NULL || msg == NULL)
		return;
	at = offset_of(tg->sc, (long)json_integer_value(line), (long)json_integer_value(col));
	if (strcmp(level, "style") == 0 || about_template(tg->sc, at, (long)code) ||
	    already_said(tg, at, (long)code))
		return;
	if (strcmp(level, "error") == 0 && code >= 1000 && code < 2000)
		sev = DIAG_ERROR;	/* shellcheck could not parse it: neither can sh */
	report(tg, sev, at, "shellcheck SC%lld: %s", (long long)code, msg);
}

static void
report_shellcheck(const struct target *tg, const struct childrun_result *res)
{
	json_t *root, *list;
	json_error_t jerr;
	size_t i;
	json_t *c;

	if (checker_failed(tg, "shellcheck", res))
		return;
	if (!WIFEXITED(res->status) || WEXITSTATUS(res->status) > 1 ||
	    (root = json_loadb(res->out, res->outlen, 0, &jerr)) == NULL) {
		report(tg, DIAG_WARNING, 0, "shellcheck failed (%.*s): not checked",
		    (int)strcspn(res->err, "\n"), res->err);
		return;
	}
	list = json_object_get(root, "comments");
	json_array_foreach(list, i, c)
		report_comment(tg, c);
	json_decref(root);
}

/* 0 when shellcheck ran (whatever it found), -1 when it is not installed
 * or cannot be run. */
static int
check_with_shellcheck(const struct target *tg, enum sh_dialect dialect)
{
	char shell[32];
	/* SC1091: a file the script sources is not lint's input. */
	char *argv[] = { "shellcheck", "--norc", shell, "--format=json1", "--severity=info",
	    "--exclude=SC1091", "-", NULL };
	struct childrun_result res;

	snprintf(shell, sizeof shell, "--shell=%s", sh_dialect_name(dialect));
	if (tg->sc->text.len > RBSHELLCHECK_MAX_SCRIPT) {
		report(tg, DIAG_WARNING, 0, "the command is %zu bytes, too long for shellcheck "
		    "(at most %d): only its syntax is checked", tg->sc->text.len, RBSHELLCHECK_MAX_SCRIPT);
		return 0;
	}
	if (run_checker(tg, argv, &res) != 0)
		return -1;
	report_shellcheck(tg, &res);
	childrun_result_free(&res);
	return 0;
}

/* --- sh -n --- */

/* The line a shell names in "sh: 3: Syntax error" (dash) or "bash: line 3:
 * syntax error" (bash), and where its message starts; 0 when none. */
static long
error_line(const char *err, const char **msg)
{
	for (const char *p = err; *p != '\0' && *p != '\n'; p++) {
		char *end;
		long n;

		if (!isdigit((unsigned char)*p) || p - err < 2 ||
		    (strncmp(p - 2, ": ", 2) != 0 && (p - err < 5 || strncmp(p - 5, "line ", 5) != 0)))
			continue;
		n = strtol(p, &end, 10);
		if (strncmp(end, ": ", 2) == 0) {
			*msg = end + 2;
			return n;
		}
	}
	*msg = err;
	return 0;
}

/* 0 when the shell reads the script, else -1 (reported). */
static int
check_with_shell(const struct target *tg, enum sh_dialect dialect)
{
	char *argv[] = { (char *)sh_dialect_path(dialect), "-n", NULL };
	struct childrun_result res;
	const char *msg;
	long line;

	int rc = 0;

	if (run_checker(tg, argv, &res) != 0) {
		report(tg, DIAG_WARNING, 0, "cannot run %s -n: not checked", argv[0]);
		return 0;
	}
	if (!checker_failed(tg, argv[0], &res) && WEXITSTATUS(res.status) != 0) {
		line = error_line(res.err, &msg);
		report(tg, DIAG_ERROR, line > 0 ? offset_of(tg->sc, line, 1) : 0, "%s -n: %.*s",
		    argv[0], (int)strcspn(msg, "\n"), msg);
		rc = -1;
	}
	childrun_result_free(&res);
	return rc;
}

void
rbshellcheck_command(const struct runbook *rb, const struct step *s, const struct rstr *r,
    const char *key, const struct tscan *scan, const struct shlex_result *lex, const int *lists,
    enum sh_dialect dialect, struct diags *d)
{
	struct script sc = { 0 };
	struct target tg = { rb, s, r, key, &sc, lex, 0, d };

	build_script(r->s, scan, lex, lists, &sc);
	tg.shell_refused = check_with_shell(&tg, dialect) != 0;
	check_with_shellcheck(&tg, dialect);	/* not installed: the shell's check is all */
	script_free(&sc);
}
