/*
 * cmd_journal.c: the subcommands that work on an incident's journal from
 * outside a run: `verify`, `report` and `note`. Each is a thin shell over
 * report.c and inbox.c, so what they print is what the unit tests check.
 */
#include <sys/stat.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "inbox.h"
#include "journal.h"
#include "report.h"
#include "strbuf.h"
#include "xmalloc.h"

#define VERIFY_USAGE "usage: drconsole verify [--head HASH] INCIDENT_DIR\n"
#define REPORT_USAGE \
	"usage: drconsole report [--format markdown|json] [-o FILE] " \
	"INCIDENT_DIR\n"
#define NOTE_USAGE \
	"usage: drconsole note [--operator NAME] INCIDENT_DIR TEXT...\n"

/*
 * Matches argv[*i] against an option taking a value, as "--name VALUE",
 * "--name=VALUE" or, with a short form, "-x VALUE". Returns 1 and sets
 * *value when it matches, 0 when it does not, -1 when the value is missing.
 */
static int
opt_value(int argc, char **argv, int *i, const char *name, const char *shrt,
    const char **value)
{
	const char *arg = argv[*i];
	size_t len = strlen(name);

	if (strncmp(arg, name, len) == 0 && arg[len] == '=') {
		*value = arg + len + 1;
		return 1;
	}
	if (strcmp(arg, name) != 0 && (shrt == NULL || strcmp(arg, shrt) != 0))
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*value = argv[++*i];
	return 1;
}

/* 1 if argv[i] is an option, not an operand: "-" and after "--" are not. */
static int
opt_is_option(char **argv, int i)
{
	return argv[i][0] == '-' && argv[i][1] != '\0';
}

static int
usage(const char *text)
{
	fputs(text, stderr);
	return EXIT_USAGE;
}

/* A head as verify --head takes it: 64 lowercase hex digits. */
static int
verify_head_ok(const char *h)
{
	return strlen(h) == CRYPTO_HEX_LEN - 1 && strspn(h, "0123456789abcdef") == CRYPTO_HEX_LEN - 1;
}

int
cmd_verify(int argc, char **argv)
{
	struct report_check chk;
	const char *head = NULL;
	char *cause = NULL;
	int i, m;

	for (i = 0; i < argc && opt_is_option(argv, i); i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if ((m = opt_value(argc, argv, &i, "--head", NULL, &head)) != 1 || !verify_head_ok(head))
			return usage(VERIFY_USAGE);
	}
	if (argc - i != 1)
		return usage(VERIFY_USAGE);
	if (report_check_head(argv[i], head, &chk, &cause) != 0) {
		fprintf(stderr, "drconsole: %s\n", cause);
		free(cause);
		return EXIT_USAGE;
	}
	if (chk.intact)
		printf("intact: %lld lines, %lld output files; final hash %s\n",
		    (long long)chk.lines, (long long)chk.outputs, chk.final_hash);
	else
		printf("BROKEN at line %lld: %s\n", (long long)chk.bad_line,
		    chk.what);
	if (chk.note != NULL)
		printf("note: %s\n", chk.note);
	if (chk.torn)
		printf("note: a torn last line (a crash mid-write) was left "
		    "out\n");
	i = chk.intact ? EXIT_OK : EXIT_FAILED;
	report_check_clear(&chk);
	return i;
}

/* Parses report's options; returns the operand's index or -1. */
static int
report_args(int argc, char **argv, int *format, const char **file)
{
	const char *v;
	int i, m;

	for (i = 0; i < argc && opt_is_option(argv, i); i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if ((m = opt_value(argc, argv, &i, "--format", "-f", &v)) == 1) {
			if (strcmp(v, "markdown") == 0 || strcmp(v, "md") == 0)
				*format = REPORT_MARKDOWN;
			else if (strcmp(v, "json") == 0)
				*format = REPORT_JSON;
			else
				return -1;
		} else if (m == 0 && (m = opt_value(argc, argv, &i, "--output",
		    "-o", &v)) == 1)
			*file = v;
		if (m != 1)
			return -1;
	}
	return argc - i == 1 ? i : -1;
}

int
cmd_report(int argc, char **argv)
{
	int format = REPORT_MARKDOWN, i, rc = EXIT_OK;
	const char *file = NULL;
	char *text, *cause = NULL;

	if ((i = report_args(argc, argv, &format, &file)) < 0)
		return usage(REPORT_USAGE);
	if (report_render(argv[i], format, &text, &cause) != 0) {
		fprintf(stderr, "drconsole: %s\n", cause);
		free(cause);
		return EXIT_USAGE;
	}
	if (file == NULL)
		fputs(text, stdout);
	else if (report_save(file, text, &cause) != 0) {
		fprintf(stderr, "drconsole: %s\n", cause);
		free(cause);
		rc = EXIT_FAILED;
	} else
		printf("report written to %s\n", file);
	free(text);
	return rc;
}

/* $USER, else the login name: the same default the console uses. */
static char *
note_operator(void)
{
	const char *u = getenv("USER");
	struct passwd *pw;

	if (u == NULL || *u == '\0')
		u = getlogin();
	if (u == NULL || *u == '\0')
		u = (pw = getpwuid(getuid())) != NULL ? pw->pw_name : NULL;
	return xstrdup(u != NULL && *u != '\0' ? u : "unknown");
}

/* A note never creates an incident, which journal_open would do. */
static int
note_is_incident(const char *dir)
{
	char *path = xprintf("%s/%s", dir, JOURNAL_FILE);
	struct stat sb;
	int ok = stat(path, &sb) == 0 && S_ISREG(sb.st_mode);

	free(path);
	return ok;
}

static void
note_print(const char *dir, const struct inbox_note_result *res)
{
	char pid[32] = "";

	if (res->holder > 0)
		snprintf(pid, sizeof pid, " (pid %ld)", res->holder);
	if (res->queued) {
		printf("the journal of %s is locked by drconsole%s: note queued "
		    "as %s for it to journal\n", dir, pid, res->path);
		return;
	}
	if (res->taken) {
		printf("note queued and journaled by drconsole%s, which held "
		    "the journal of %s\n", pid, dir);
		return;
	}
	printf("note appended to the journal of %s as line %lld", dir,
	    (long long)res->seq);
	if (res->drained > 0)
		printf(", with %d queued note%s", res->drained,
		    res->drained == 1 ? "" : "s");
	printf("\n");
}

int
cmd_note(int argc, char **argv)
{
	struct inbox_note_result res;
	const char *op = NULL;
	char *operator, *cause = NULL;
	struct strbuf text;
	int i, m, rc = EXIT_OK;

	for (i = 0; i < argc && opt_is_option(argv, i); i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if ((m = opt_value(argc, argv, &i, "--operator", NULL, &op)) != 1
		    || *op == '\0')
			return usage(NOTE_USAGE);
	}
	if (argc - i < 2)
		return usage(NOTE_USAGE);
	strbuf_init(&text);
	for (int k = i + 1; k < argc; k++) {
		strbuf_adds(&text, k > i + 1 ? " " : "");
		strbuf_adds(&text, argv[k]);
	}
	if (text.len == 0) {
		strbuf_free(&text);
		return usage(NOTE_USAGE);
	}
	if (!note_is_incident(argv[i])) {
		fprintf(stderr, "drconsole: %s is not an incident directory: "
		    "no %s\n", argv[i], JOURNAL_FILE);
		strbuf_free(&text);
		return EXIT_USAGE;
	}
	if (journal_check_key(argv[i], &cause) != 0) {
		fprintf(stderr, "drconsole: %s\n", cause);
		free(cause);
		strbuf_free(&text);
		return EXIT_USAGE;
	}
	operator = op != NULL ? xstrdup(op) : note_operator();
	if (inbox_add_note(argv[i], operator, strbuf_str(&text), &res,
	    &cause) != 0) {
		fprintf(stderr, "drconsole: %s\n", cause);
		free(cause);
		rc = EXIT_FAILED;
	} else
		note_print(argv[i], &res);
	inbox_note_result_clear(&res);
	strbuf_free(&text);
	free(operator);
	return rc;
}
