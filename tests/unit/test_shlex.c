/* test_shlex.c: the lexer construct by construct: the context it gives a
 * template, whether the template is a whole word, whether it may only be
 * inert or never stand there, and the bashisms it reports under sh. The
 * matrix (test_shmatrix) runs the shells; this pins what the lexer says. */
#include "cmocka_all.h"

#include <stdlib.h>
#include <string.h>

#include "runbook.h"
#include "shlex.h"
#include "template.h"

enum verdict { OK, INERT, NEVER };

struct expect {
	const char *text;
	enum sh_dialect d;
	int site;		/* which template of the text */
	enum shctx ctx;
	enum verdict verdict;
	int whole_word;
};

static void
check(const struct expect *e)
{
	struct tscan scan;
	struct shlex_result r;
	size_t off;
	char *cause = NULL;
	const struct shsite *s;
	enum verdict got;

	assert_int_equal(template_scan(e->text, &scan, &off, &cause), 0);
	shlex_analyse(e->text, &scan, e->d, &r);
	assert_int_equal(r.nsites, scan.nrefs);
	s = &r.sites[e->site];
	got = s->never != NULL ? NEVER : s->inert_only != NULL ? INERT : OK;
	if (s->ctx != e->ctx || got != e->verdict || s->whole_word != e->whole_word)
		fail_msg("%s [%s] site %d: ctx %d verdict %d whole %d, wanted %d %d %d (%s)", e->text,
		    sh_dialect_name(e->d), e->site, s->ctx, got, s->whole_word, e->ctx, e->verdict,
		    e->whole_word, s->never ? s->never : s->inert_only ? s->inert_only : "");
	shlex_result_free(&r);
	template_scan_free(&scan);
}

#define SH SH_DIALECT_SH
#define BASH SH_DIALECT_BASH

static void
test_quoting(void **state)
{
	static const struct expect cases[] = {
		{ "echo {{ x }}", SH, 0, SHCTX_WORD, OK, 1 },
		{ "echo a{{ x }}", SH, 0, SHCTX_WORD, OK, 0 },
		{ "echo \"{{ x }}\"", SH, 0, SHCTX_DQUOTE, OK, 0 },
		{ "echo '{{ x }}'", SH, 0, SHCTX_SQUOTE, OK, 0 },
		{ "echo $'{{ x }}'", BASH, 0, SHCTX_ANSIC, OK, 0 },
		{ "echo $'{{ x }}'", SH, 0, SHCTX_SQUOTE, OK, 0 },
		{ "echo \"$(echo '{{ x }}')\"", SH, 0, SHCTX_SQUOTE, OK, 0 },
		{ "echo `echo {{ x }}`", SH, 0, SHCTX_WORD, OK, 1 },
		{ "# {{ x }}\necho", SH, 0, SHCTX_COMMENT, OK, 0 },
		{ "echo it's # {{ x }}'", SH, 0, SHCTX_SQUOTE, OK, 0 },
		{ "echo \"${u:-{{ x }}}\"", SH, 0, SHCTX_WORD, OK, 0 },
		{ "echo ${{ x }}", SH, 0, SHCTX_WORD, NEVER, 0 },
		{ "echo \\{{ x }}", SH, 0, SHCTX_WORD, NEVER, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check(&cases[i]);
}

static void
test_heredocs(void **state)
{
	static const struct expect cases[] = {
		{ "cat <<EOF\n{{ x }}\nEOF", SH, 0, SHCTX_HEREDOC, OK, 0 },
		{ "cat <<'EOF'\n{{ x }}\nEOF", SH, 0, SHCTX_HEREDOC_LITERAL, INERT, 0 },
		{ "cat <<\\EOF\n{{ x }}\nEOF", SH, 0, SHCTX_HEREDOC_LITERAL, INERT, 0 },
		{ "cat <<-EOF\n\t{{ x }}\n\tEOF\necho {{ x }}", SH, 1, SHCTX_WORD, OK, 1 },
		{ "cat <<A <<'B'\n{{ x }}\nA\n{{ x }}\nB\necho {{ x }}", SH, 1, SHCTX_HEREDOC_LITERAL, INERT, 0 },
		{ "cat <<A <<'B'\n{{ x }}\nA\n{{ x }}\nB\necho {{ x }}", SH, 2, SHCTX_WORD, OK, 1 },
		{ "v=$(cat <<'EOF'\nx\nEOF\n)\necho {{ x }}", SH, 0, SHCTX_WORD, OK, 1 },
		{ "v=${u:-<<'EOF'}\necho {{ x }}", SH, 0, SHCTX_WORD, OK, 1 },
		{ "echo $((1<<2))\necho {{ x }}", SH, 0, SHCTX_WORD, OK, 1 },
		{ "cat <<{{ x }}\nx\n", SH, 0, SHCTX_WORD, NEVER, 1 },
		{ "cat <<EOF\n$(echo {{ x }})\nEOF", SH, 0, SHCTX_HEREDOC, NEVER, 0 },
		{ "sh <<EOF\necho {{ x }}\nEOF", SH, 0, SHCTX_HEREDOC, INERT, 0 },
		{ "x=$(cat <<EOF\nhi\nEOF)\necho {{ x }}", BASH, 0, SHCTX_HEREDOC, NEVER, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check(&cases[i]);
}

static void
test_second_interpreters(void **state)
{
	static const struct expect cases[] = {
		{ "sh -c 'echo {{ x }}'", SH, 0, SHCTX_SQUOTE, INERT, 0 },
		{ "sh -ec 'echo \"$1\"' _ {{ x }}", SH, 0, SHCTX_WORD, OK, 1 },
		{ "bash -o pipefail -c \"echo {{ x }}\"", SH, 0, SHCTX_DQUOTE, INERT, 0 },
		{ "env A=1 nice -n 5 nohup setsid stdbuf -oL timeout -s KILL 5 sudo -u pg sh -c {{ x }}",
		  SH, 0, SHCTX_WORD, INERT, 1 },
		{ "sudo -u pg psql -d db -c {{ x }}", SH, 0, SHCTX_WORD, INERT, 1 },
		{ "psql -v v={{ x }} -f file.sql", SH, 0, SHCTX_WORD, OK, 0 },
		{ "su - postgres -c \"echo {{ x }}\"", SH, 0, SHCTX_DQUOTE, INERT, 0 },
		{ "runuser -u postgres -- sh -c 'echo {{ x }}'", SH, 0, SHCTX_SQUOTE, INERT, 0 },
		{ "runuser -u postgres -- pg_ctl -D {{ x }}", SH, 0, SHCTX_WORD, OK, 1 },
		{ "eval echo {{ x }}", SH, 0, SHCTX_WORD, INERT, 1 },
		{ "ssh -p 22 db1 rm {{ x }}", SH, 0, SHCTX_WORD, INERT, 1 },
		{ "ssh db1 <<EOF\necho {{ x }}\nEOF", SH, 0, SHCTX_HEREDOC, INERT, 0 },
		{ "kubectl exec -n ns pod -- sh -c 'echo {{ x }}'", SH, 0, SHCTX_SQUOTE, INERT, 0 },
		{ "kubectl exec -n ns pod -- pg_ctl -D {{ x }}", SH, 0, SHCTX_WORD, OK, 1 },
		{ "docker-compose -f c.yml exec -T pg psql -c {{ x }}", SH, 0, SHCTX_WORD, INERT, 1 },
		{ "docker exec -e A=1 c sh -c {{ x }}", SH, 0, SHCTX_WORD, INERT, 1 },
		{ "find . -name x -exec sh -c {{ x }} \\;", SH, 0, SHCTX_WORD, INERT, 1 },
		{ "watch -n 1 ls {{ x }}", SH, 0, SHCTX_WORD, INERT, 1 },
		{ "xargs -n 1 sh -c {{ x }}", SH, 0, SHCTX_WORD, INERT, 1 },
		{ "awk -v v={{ x }} '{ print v }'", SH, 0, SHCTX_WORD, OK, 0 },
		{ "awk '{ print \"{{ x }}\" }'", SH, 0, SHCTX_SQUOTE, INERT, 0 },
		{ "jq --arg v {{ x }} '.a = $v'", SH, 0, SHCTX_WORD, OK, 1 },
		{ "printf '%s' {{ x }} | psql", SH, 0, SHCTX_WORD, INERT, 1 },
		{ "printf '%s' {{ x }} | grep x | sh", SH, 0, SHCTX_WORD, INERT, 1 },
		{ "printf '%s' {{ x }} | grep x", SH, 0, SHCTX_WORD, OK, 1 },
		{ "sh -c \"$(echo {{ x }})\"", SH, 0, SHCTX_WORD, INERT, 1 },
		{ "echo $(( {{ x }} + 1 ))", SH, 0, SHCTX_ARITH, INERT, 0 },
		{ "(( n = {{ x }} ))", BASH, 0, SHCTX_ARITH, INERT, 0 },
		{ "echo ${a[{{ x }}]}", BASH, 0, SHCTX_ARITH, INERT, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check(&cases[i]);
}

static void
test_case_and_loops(void **state)
{
	static const struct expect cases[] = {
		{ "case {{ x }} in a) sh -c x;; esac", SH, 0, SHCTX_WORD, OK, 1 },
		{ "case a in {{ x }}) echo;; esac", SH, 0, SHCTX_WORD, OK, 1 },
		{ "case a in b|{{ x }}) sh -c {{ x }};; esac", SH, 1, SHCTX_WORD, INERT, 1 },
		{ "x=$(case a in b) echo;; esac); echo {{ x }}", SH, 0, SHCTX_WORD, OK, 1 },
		{ "for h in {{ x }}; do echo \"$h\"; done", SH, 0, SHCTX_WORD, OK, 1 },
		{ "if sh -c {{ x }}; then :; fi", SH, 0, SHCTX_WORD, INERT, 1 },
		{ "[[ {{ x }} == a ]]", BASH, 0, SHCTX_WORD, OK, 1 },
		{ "[[ {{ x }} == a ]]", SH, 0, SHCTX_WORD, NEVER, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check(&cases[i]);
}

static int
warnings(const char *text, enum sh_dialect d)
{
	struct tscan scan;
	struct shlex_result r;
	size_t off;
	char *cause = NULL;
	int n;

	assert_int_equal(template_scan(text, &scan, &off, &cause), 0);
	shlex_analyse(text, &scan, d, &r);
	n = r.nwarns;
	shlex_result_free(&r);
	template_scan_free(&scan);
	return n;
}

static void
test_bashisms(void **state)
{
	static const char *const bashisms[] = {
		"set -euo pipefail", "set -o pipefail", "cat <<< x", "echo x &>/dev/null", "ls |& cat",
		"[[ -n x ]]", "function f { :; }", "echo $'a'", "echo {a,b}", "a=(1 2)",
		"echo ${a[1]}", "echo ${x/a/b}", "echo ${!x}", "source ./f", "(( x++ ))",
	};
	static const char *const posix[] = {
		"set -eu", "cat <<EOF\nx\nEOF", "echo x >/dev/null 2>&1", "[ -n x ]", "f() { :; }",
		"echo '{a,b}'", "echo ${x:-a} ${#x} ${x%a}", ". ./f", "echo $((1+2))", "echo a,b",
	};

	(void)state;
	for (size_t i = 0; i < sizeof bashisms / sizeof bashisms[0]; i++) {
		if (warnings(bashisms[i], SH) < 1)
			fail_msg("no bashism warning for: %s", bashisms[i]);
		assert_int_equal(warnings(bashisms[i], BASH), 0);
	}
	for (size_t i = 0; i < sizeof posix / sizeof posix[0]; i++) {
		if (warnings(posix[i], SH) != 0)
			fail_msg("a bashism warning for POSIX sh: %s", posix[i]);
	}
}

static void
test_pattern_inert(void **state)
{
	static const char *const inert[] = {
		"^[a-z0-9_-]+$", "^v[0-9]+\\.[0-9]+$", "^(primary|replica)$", "^[[:alnum:]]{1,63}$",
		"^[A-Za-z_][A-Za-z0-9_]*$", "^$",
	};
	static const char *const not_inert[] = {
		"[a-z]+", "^[a-z]+", "^.*$", "^[^;]+$", "^a|b$", "^[a-z ]+$", "^[a-z\\\\]+$",
		"^\\s+$", "^[a-z'\"]+$", "^(a|b$", "^a{$", "^[a-~]+$",
	};

	(void)state;
	for (size_t i = 0; i < sizeof inert / sizeof inert[0]; i++) {
		if (!pattern_is_inert(inert[i]))
			fail_msg("pattern %s should be inert", inert[i]);
	}
	for (size_t i = 0; i < sizeof not_inert / sizeof not_inert[0]; i++) {
		if (pattern_is_inert(not_inert[i]))
			fail_msg("pattern %s admits shell syntax", not_inert[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_heredocs),
		cmocka_unit_test(test_second_interpreters),
		cmocka_unit_test(test_case_and_loops),
		cmocka_unit_test(test_bashisms),
		cmocka_unit_test(test_pattern_inert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
