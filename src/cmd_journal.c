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

#include "cli.h"
#include "commands.h"
#include "inbox.h"
#include "journal.h"
#include "report.h"
#include "strbuf.h"
#include "xmalloc.h"

#define JOURNAL_EXIT_USAGE "2  usage error, or not a readable incident"

enum { OPT_HEAD = 256, OPT_OPERATOR };

static const struct cli_opt verify_opts[] = {
	{ "head", 0, "HASH", OPT_HEAD, "the final hash written down earlier (64 hex digits)" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct cli_cmd verify_cmd = {
	"verify", "[--head HASH] INCIDENT_DIR",
	"Check an incident's hash chain and its output files.", NULL,
	{ verify_opts, NULL },
	"drconsole verify --head 3f1c...e9 ~/.local/state/drconsole/incidents/2026-12-07T2130-failover",
	"0  intact\n1  BROKEN: the line and what is wrong are printed\n" JOURNAL_EXIT_USAGE, 0
};

static const struct cli_opt report_opts[] = {
	{ "format", 'f', "FORMAT", 'f', "markdown (or md, the default), json, junit or metrics" },
	{ "output", 'o', "FILE", 'o', "write to FILE instead of standard output (- too)" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct cli_cmd report_cmd = {
	"report", "[--format markdown|json|junit|metrics] [-o FILE] INCIDENT_DIR",
	"Render an incident's postmortem.", NULL,
	{ report_opts, NULL },
	"drconsole report -o postmortem.md ~/.local/state/drconsole/incidents/2026-12-07T2130-failover\n"
	"drconsole report --format=json -o - INCIDENT_DIR | jq .\n"
	"drconsole report --format=metrics -o /var/lib/node_exporter/restore.prom INCIDENT_DIR",
	"0  written\n1  FILE could not be written\n" JOURNAL_EXIT_USAGE, 0
};

static const struct cli_opt note_opts[] = {
	{ "operator", 0, "NAME", OPT_OPERATOR, "who writes it (default: the login name)" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct cli_cmd note_cmd = {
	"note", "[--operator NAME] INCIDENT_DIR TEXT...\n[--operator NAME] INCIDENT_DIR -",
	"Add a note to an incident, even while a console drives it.",
	"TEXT - reads the note from standard input. Options end at INCIDENT_DIR, so TEXT\n"
	"may start with a dash.",
	{ note_opts, NULL },
	"drconsole note INCIDENT_DIR 'replica lag is back under 1s'\n"
	"tail -n 20 /var/log/postgresql/postgresql-15-main.log | drconsole note INCIDENT_DIR -",
	"0  journaled or queued for the driving console\n1  it could not be written\n"
	JOURNAL_EXIT_USAGE, CLI_STOP_AT_OPERAND
};

/* What the options of verify, report and note set. */
struct journal_args {
	const char *head;
	int format;
	const char *file;
	const char *op;
};

static int
journal_apply(void *ctx, int id, const char *arg)
{
	struct journal_args *a = ctx;

	switch (id) {
	case OPT_HEAD: a->head = arg; return 0;
	case 'o': a->file = arg; return 0;
	case OPT_OPERATOR:
		a->op = arg;
		return *arg == '\0' ? (fprintf(stderr, "drconsole note: --operator needs a name\n"), -1) : 0;
	case 'f':
		if (strcmp(arg, "markdown") == 0 || strcmp(arg, "md") == 0)
			a->format = REPORT_MARKDOWN;
		else if (strcmp(arg, "json") == 0)
			a->format = REPORT_JSON;
		else if (strcmp(arg, "junit") == 0)
			a->format = REPORT_JUNIT;
		else if (strcmp(arg, "metrics") == 0)
			a->format = REPORT_METRICS;
		else {
			fprintf(stderr, "drconsole report: --format is markdown, json, junit or metrics, "
			    "not '%s'\n", arg);
			return -1;
		}
		return 0;
	default:
		return -1;
	}
}

/* Parses by cmd's table: the operands' index, or -1 with *rc the exit. */
static int
journal_parse(const struct cli_cmd *cmd, int argc, char **argv, struct journal_args *a, int *rc)
{
	int first, r = cli_parse(cmd, argc, argv, journal_apply, a, &first);

	if (r == CLI_PARSED)
		return first;
	*rc = r == CLI_ANSWERED ? EXIT_OK : EXIT_USAGE;
	return -1;
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
	struct journal_args a = { 0 };
	struct report_check chk;
	char *cause = NULL;
	int i, rc = EXIT_OK;

	if ((i = journal_parse(&verify_cmd, argc, argv, &a, &rc)) < 0)
		return rc;
	if (a.head != NULL && !verify_head_ok(a.head))
		return cli_mistake(&verify_cmd, "--head wants 64 lowercase hex digits");
	if (argc - i != 1)
		return cli_mistake(&verify_cmd, "one INCIDENT_DIR, please");
	if (report_check_head(argv[i], a.head, &chk, &cause) != 0) {
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

/* The report replaces FILE by a rename: never a device, a FIFO, a link or
 * a folder (`-o /dev/stdout` would replace the link in /dev). */
static int
report_target_ok(const char *file)
{
	struct stat sb;

	if (lstat(file, &sb) != 0 || S_ISREG(sb.st_mode))
		return 1;
	fprintf(stderr, "drconsole report: %s is not a regular file and would be replaced; "
	    "-o - writes to standard output\n", file);
	return 0;
}

int
cmd_report(int argc, char **argv)
{
	struct journal_args a = { .format = REPORT_MARKDOWN };
	int i, rc = EXIT_OK;
	char *text, *cause = NULL;

	if ((i = journal_parse(&report_cmd, argc, argv, &a, &rc)) < 0)
		return rc;
	if (argc - i != 1)
		return cli_mistake(&report_cmd, "one INCIDENT_DIR, please");
	if (report_render(argv[i], a.format, &text, &cause) != 0) {
		fprintf(stderr, "drconsole: %s\n", cause);
		free(cause);
		return EXIT_USAGE;
	}
	if (a.file != NULL && strcmp(a.file, "-") != 0 && !report_target_ok(a.file)) {
		free(text);
		return EXIT_USAGE;
	}
	if (a.file == NULL || strcmp(a.file, "-") == 0)
		rc = fputs(text, stdout) == EOF || fflush(stdout) != 0 ? EXIT_FAILED : EXIT_OK;
	else if (report_save(a.file, text, &cause) != 0) {
		fprintf(stderr, "drconsole: %s\n", cause);
		free(cause);
		rc = EXIT_FAILED;
	} else
		printf("report written to %s\n", a.file);
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

/* TEXT - : the note from standard input, its last newlines dropped. */
static int
note_from_stdin(struct strbuf *text)
{
	char *buf, *cause = NULL;
	size_t len;

	if ((buf = cli_read_stdin(INBOX_MAX_TEXT + 1, &len, &cause)) == NULL) {
		fprintf(stderr, "drconsole note: %s\n", cause);
		free(cause);
		return -1;
	}
	if (memchr(buf, '\0', len) != NULL) {
		fprintf(stderr, "drconsole note: standard input holds a NUL byte: a note is text\n");
		free(buf);
		return -1;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	strbuf_add(text, buf, len);
	free(buf);
	return 0;
}

/* The note: TEXT... joined by spaces, or standard input for a lone "-". */
static int
note_text(int argc, char **argv, int i, struct strbuf *text)
{
	strbuf_init(text);
	if (argc - i == 2 && strcmp(argv[i + 1], "-") == 0) {
		if (note_from_stdin(text) != 0)
			return EXIT_USAGE;
	} else {
		for (int k = i + 1; k < argc; k++) {
			strbuf_adds(text, k > i + 1 ? " " : "");
			strbuf_adds(text, argv[k]);
		}
	}
	return text->len == 0 ? cli_mistake(&note_cmd, "the note is empty") : EXIT_OK;
}

int
cmd_note(int argc, char **argv)
{
	struct journal_args a = { 0 };
	struct inbox_note_result res;
	char *operator, *cause = NULL;
	struct strbuf text;
	int i, rc = EXIT_OK;

	if ((i = journal_parse(&note_cmd, argc, argv, &a, &rc)) < 0)
		return rc;
	if (argc - i < 2)
		return cli_mistake(&note_cmd, "INCIDENT_DIR and TEXT, please");
	if ((rc = note_text(argc, argv, i, &text)) != EXIT_OK) {
		strbuf_free(&text);
		return rc;
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
	operator = a.op != NULL ? xstrdup(a.op) : note_operator();
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
