/*
 * test_cli.c: a command's option table is both getopt_long's array and its
 * --help. Long values after '=' or a space, short values glued or apart,
 * options after operands (or not, for commands whose text may start with a
 * dash), "--", and "-" as an operand; every option --help shows is one the
 * parser takes, and a hidden one is taken but not shown.
 */
#include "cmocka_all.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { T_SPEED = 256, T_FLAG, T_HIDDEN };

static const struct cli_opt t_opts[] = {
	{ "speed", 0, "N", T_SPEED, "how fast" },
	{ "output", 'o', "FILE", 'o', "where to" },
	{ "flag", 0, NULL, T_FLAG, "a flag" },
	{ "hidden", 0, "FILE", T_HIDDEN, NULL },
	{ NULL, 0, NULL, 0, NULL }
};

static const struct cli_cmd t_cmd = {
	"t", "[OPTIONS] DIR", "A test command.", NULL, { t_opts, NULL },
	"drconsole t --speed=2 DIR", "0  fine", 0
};

static const struct cli_cmd t_stop = {
	"t", "DIR TEXT...", "Stops at DIR.", NULL, { t_opts, NULL },
	"drconsole t DIR -x", "0  fine", CLI_STOP_AT_OPERAND
};

/* What the options set, as "id=value;" pairs in order. */
static char seen[256];

static int
record(void *ctx, int id, const char *arg)
{
	size_t n = strlen(seen);

	(void)ctx;
	snprintf(seen + n, sizeof seen - n, "%d=%s;", id, arg != NULL ? arg : "");
	return 0;
}

static int
parse(const struct cli_cmd *cmd, int argc, char **argv, int *first)
{
	seen[0] = '\0';
	return cli_parse(cmd, argc, argv, record, NULL, first);
}

static void
test_values_every_way(void **state)
{
	char *argv[] = { "--speed=10", "DIR", "-oA", "-o", "B", "--output=C", "--flag", "--", "--speed", NULL };
	int first;

	(void)state;
	assert_int_equal(parse(&t_cmd, 9, argv, &first), CLI_PARSED);
	assert_string_equal(seen, "256=10;111=A;111=B;111=C;257=;");
	assert_int_equal(9 - first, 2);
	assert_string_equal(argv[first], "DIR");
	assert_string_equal(argv[first + 1], "--speed");
}

static void
test_dash_is_an_operand(void **state)
{
	char *argv[] = { "-o", "-", "-", NULL };
	int first;

	(void)state;
	assert_int_equal(parse(&t_cmd, 3, argv, &first), CLI_PARSED);
	assert_string_equal(seen, "111=-;");
	assert_int_equal(first, 2);
	assert_string_equal(argv[first], "-");
}

static void
test_stop_at_operand(void **state)
{
	char *argv[] = { "--flag", "DIR", "-5", "--speed=1", NULL };
	int first;

	(void)state;
	assert_int_equal(parse(&t_stop, 4, argv, &first), CLI_PARSED);
	assert_string_equal(seen, "257=;");
	assert_int_equal(first, 1);
	assert_string_equal(argv[2], "-5");
}

static void
test_mistakes(void **state)
{
	char *unknown[] = { "--nope", "DIR", NULL }, *missing[] = { "DIR", "--speed", NULL };
	char *ambiguous_short[] = { "-x", NULL };
	int first;

	(void)state;
	assert_int_equal(parse(&t_cmd, 2, unknown, &first), CLI_MISTAKE);
	assert_int_equal(parse(&t_cmd, 2, missing, &first), CLI_MISTAKE);
	assert_int_equal(parse(&t_cmd, 1, ambiguous_short, &first), CLI_MISTAKE);
	/* A second parse in one process starts afresh (getopt's state). */
	char *good[] = { "--flag", "DIR", NULL };
	assert_int_equal(parse(&t_cmd, 2, good, &first), CLI_PARSED);
	assert_int_equal(first, 1);
}

/* Every option --help shows, the parser takes; the hidden one is not shown. */
static void
test_help_matches_parser(void **state)
{
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	int shown = 0, first;

	(void)state;
	cli_help(&t_cmd, fp);
	fclose(fp);
	assert_non_null(strstr(text, "usage: drconsole t [OPTIONS] DIR\n"));
	assert_non_null(strstr(text, "example:\n  drconsole t --speed=2 DIR\n"));
	assert_non_null(strstr(text, "exit status:\n  0  fine\n"));
	assert_null(strstr(text, "hidden"));
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *opt = strstr(line, "--"), word[64], *argv[3] = { word, "V", NULL };

		if (opt == NULL || strncmp(line, "  ", 2) != 0 || strstr(line, "drconsole") != NULL)
			continue;
		sscanf(opt, "%63[a-z-]", word);
		if (strcmp(word, "--help") == 0 || strcmp(word, "--version") == 0)
			continue;
		shown++;
		assert_int_equal(parse(&t_cmd, 2, argv, &first), CLI_PARSED);
	}
	assert_int_equal(shown, 3);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_every_way),
		cmocka_unit_test(test_dash_is_an_operand),
		cmocka_unit_test(test_stop_at_operand),
		cmocka_unit_test(test_mistakes),
		cmocka_unit_test(test_help_matches_parser),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
