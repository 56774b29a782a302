/* test_shmatrix.c: the promise of a template in a shell command, cell by
 * cell. Every way an operator writes a command (CONTEXTS) times every
 * hostile value (VALUES), under the real dash and bash: each cell is either
 * refused (the rule lint applies: template_shell_check through
 * template_expand_shell) or prints exactly the value, and no cell ever runs
 * the value as code (a value that would create PWNED never does). A cell
 * that fails says which, with the command the shell received. */
#include "cmocka_all.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shlex.h"
#include "strbuf.h"
#include "template.h"
#include "xmalloc.h"

extern char **environ;

#define REFUSED NULL
#define SKIP "-"
/* In an expectation, \x01 stands for the value. */
#define V "\x01"

struct context {
	const char *tmpl;
	const char *want_sh;	/* REFUSED, SKIP, or the output with V for the value */
	const char *want_bash;
	int strips_newlines;	/* $( ) drops the value's trailing newlines: the shell's rule */
};

static const struct context contexts[] = {
	{ "printf '[%s]' {{ x }}", "[" V "]", "[" V "]", 0 },
	{ "printf '[%s]' \"{{ x }}\"", "[" V "]", "[" V "]", 0 },
	{ "printf '[%s]' '{{ x }}'", "[" V "]", "[" V "]", 0 },
	{ "printf '[%s]' a{{ x }}'b'\"c\"", "[a" V "bc]", "[a" V "bc]", 0 },
	{ "printf '[%s]' \"<{{ x }}>\" '<{{ x }}>'", "[<" V ">][<" V ">]", "[<" V ">][<" V ">]", 0 },
	{ "v={{ x }}; printf '[%s]' \"$v\"", "[" V "]", "[" V "]", 0 },
	{ "export v={{ x }}; printf '[%s]' \"$v\"", "[" V "]", "[" V "]", 0 },
	{ "printf '[%s]' \"$(printf '%s' {{ x }})\"", "[" V "]", "[" V "]", 1 },
	{ "printf '[%s]' \"$(printf '%s' \"{{ x }}\")\"", "[" V "]", "[" V "]", 1 },
	{ "v=`printf '%s' '{{ x }}'`; printf '[%s]' \"$v\"", "[" V "]", "[" V "]", 1 },
	{ "v=`printf '%s' {{ x }}`; printf '[%s]' \"$v\"", "[" V "]", "[" V "]", 1 },
	{ "cat <<EOF\n[{{ x }}]\nEOF", "[" V "]\n", "[" V "]\n", 0 },
	{ "cat <<-EOF\n\t[{{ x }}]\n\tEOF", "[" V "]\n", "[" V "]\n", 0 },
	{ "cat <<A <<B\n{{ x }}\nA\n({{ x }})\nB", "(" V ")\n", "(" V ")\n", 0 },
	{ "cat <<'EOF'\n[{{ x }}]\nEOF", REFUSED, REFUSED, 0 },
	{ "v=$(cat <<'EOF'\nstatic\nEOF\n)\nprintf '[%s]' {{ x }}", "[" V "]", "[" V "]", 0 },
	{ "v=$(cat <<EOF\n{{ x }}\nEOF\n); printf '[%s]' \"$v\"", "[" V "]", "[" V "]", 1 },
	{ ": \"${u:-<<'EOF'}\"\nprintf '[%s]' {{ x }}", "[" V "]", "[" V "]", 0 },
	{ ": $((1<<2))\nprintf '[%s]' {{ x }}", "[" V "]", "[" V "]", 0 },
	{ "printf '[%s]' \"${u:-{{ x }}}\"", "[" V "]", "[" V "]", 0 },
	{ "printf '[%s]' ${u:-{{ x }}}", "[" V "]", "[" V "]", 0 },
	{ "printf '[%s]' $(( {{ x }} ))", REFUSED, REFUSED, 0 },
	{ "sh -c 'printf \"[%s]\" {{ x }}'", REFUSED, REFUSED, 0 },
	{ "sh -c 'printf \"[%s]\" \"$1\"' _ {{ x }}", "[" V "]", "[" V "]", 0 },
	{ "bash -c \"printf '[%s]' {{ x }}\"", REFUSED, REFUSED, 0 },
	{ "eval \"printf '[%s]' {{ x }}\"", REFUSED, REFUSED, 0 },
	{ "su -c \"echo {{ x }}\" nobody", REFUSED, REFUSED, 0 },
	{ "runuser -u nobody -- sh -c 'echo {{ x }}'", REFUSED, REFUSED, 0 },
	{ "env A=1 sh -c 'echo {{ x }}'", REFUSED, REFUSED, 0 },
	{ "timeout 5 sh -c 'echo {{ x }}'", REFUSED, REFUSED, 0 },
	{ "nice -n 1 nohup setsid stdbuf -oL bash -c 'echo {{ x }}'", REFUSED, REFUSED, 0 },
	{ "sudo -u nobody sh -c 'echo {{ x }}'", REFUSED, REFUSED, 0 },
	{ "echo a | xargs sh -c 'echo {{ x }}'", REFUSED, REFUSED, 0 },
	{ "ssh db1 'echo {{ x }}'", REFUSED, REFUSED, 0 },
	{ "kubectl exec pod -- sh -c 'echo {{ x }}'", REFUSED, REFUSED, 0 },
	{ "docker exec -u root c sh -c 'echo {{ x }}'", REFUSED, REFUSED, 0 },
	{ "watch -n 1 echo {{ x }}", REFUSED, REFUSED, 0 },
	{ "psql -c \"select '{{ x }}'\"", REFUSED, REFUSED, 0 },
	{ "printf '%s' {{ x }} | sh", REFUSED, REFUSED, 0 },
	{ "sh <<EOF\necho {{ x }}\nEOF", REFUSED, REFUSED, 0 },
	{ "sh -c \"$(printf '%s' {{ x }})\"", REFUSED, REFUSED, 0 },
	{ "awk 'BEGIN { print \"{{ x }}\" }'", REFUSED, REFUSED, 0 },
	{ "case {{ x }} in *) printf '[%s]' {{ x }};; esac", "[" V "]", "[" V "]", 0 },
	{ "case \"$PWD\" in {{ x }}) echo MATCH;; *) printf '[%s]' {{ x }};; esac", "[" V "]", "[" V "]", 0 },
	{ "for v in {{ x }}; do printf '[%s]' \"$v\"; done", "[" V "]", "[" V "]", 0 },
	{ "# a comment's quote {{ x }}\nprintf '[%s]' {{ x }}", "[" V "]", "[" V "]", 0 },
	{ "printf '[%s]' {{ x }} # it's done", "[" V "]", "[" V "]", 0 },
	{ "f() { printf '[%s]' \"$1\"; }; f {{ x }}", "[" V "]", "[" V "]", 0 },
	{ "if true; then printf '[%s]' {{ x }}; fi | cat", "[" V "]", "[" V "]", 0 },
	{ "(printf '[%s]' {{ x }}) 2>&1", "[" V "]", "[" V "]", 0 },
	{ "printf '[%s]' \\{{ x }}", REFUSED, REFUSED, 0 },
	{ "cat <<EOF\n$(printf '%s' {{ x }})\nEOF", REFUSED, REFUSED, 0 },
	{ "printf '[%s]' $'<{{ x }}>'", "[$<" V ">]", "[<" V ">]", 0 },
	{ "[[ {{ x }} == \"{{ x }}\" ]] && printf '[%s]' {{ x }}", REFUSED, "[" V "]", 0 },
	{ "cat <<< {{ x }}", SKIP, V "\n", 0 },
	{ "a=({{ x }} b); printf '[%s]' \"${a[0]}\"", SKIP, "[" V "]", 0 },
	{ "printf '[%s]' {a,{{ x }}}", "[{a," V "}]", "[a][" V "]", 0 },
};

static const char *const values[] = {
	"", "plain", "a b  c", "'", "\"", "\\", "\\'", "$(touch PWNED)", "`touch PWNED`",
	"; touch PWNED", "a\ntouch PWNED", "x'; touch PWNED #", "\"; touch PWNED; \"",
	"\")'; touch PWNED #", "$HOME", "${IFS}", "%s%n", "{{ x }}", "-rf", "*", "?[a]",
	"EOF", "EOF\ntouch PWNED\nEOF", "\tEOF", "a\rb", "\xe2\x80\xa8sep", "\xc2\xa0nbsp",
	"a\\\nb", "~", "#", "$(", "`", "!!", "\nEOF\ntouch PWNED\n", "trailing\n",
	NULL
};

struct cellvalue {
	const char *x;
};

static int
resolve(void *arg, const struct tref *ref, struct tvalue *out)
{
	struct cellvalue *v = arg;

	if (ref->kind != TREF_PARAM || strcmp(ref->name, "x") != 0)
		return -1;
	out->value = v->x;
	return 0;
}

/* Runs text under shell in a scratch folder with env; returns stdout. */
static char *
run_cell(const char *shell, const struct texpansion *x, int *pwned)
{
	char dir[] = "/tmp/drc-shmatrix.XXXXXX", buf[4096];
	struct strbuf out;
	int fds[2];
	pid_t pid;
	ssize_t n;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		int devnull = open("/dev/null", O_RDWR);

		dup2(devnull, 0);
		dup2(fds[1], 1);
		dup2(devnull, 2);
		close(fds[0]);
		if (chdir(dir) != 0)
			_exit(126);
		for (int i = 0; i < x->nenv; i++)
			setenv(x->env[i].name, x->env[i].value, 1);
		execl(shell, shell, "-c", x->text, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	strbuf_init(&out);
	while ((n = read(fds[0], buf, sizeof buf)) > 0)
		strbuf_add(&out, buf, (size_t)n);
	close(fds[0]);
	waitpid(pid, NULL, 0);
	snprintf(buf, sizeof buf, "%s/PWNED", dir);
	*pwned = access(buf, F_OK) == 0;
	unlink(buf);
	rmdir(dir);
	return strbuf_detach(&out);
}

static char *
expected(const char *want, const char *value, int strips)
{
	struct strbuf b;
	size_t n = strlen(value);

	if (strips)
		while (n > 0 && value[n - 1] == '\n')
			n--;
	strbuf_init(&b);
	for (; *want != '\0'; want++) {
		if (*want == '\x01')
			strbuf_add(&b, value, n);
		else
			strbuf_addch(&b, *want);
	}
	return strbuf_detach(&b);
}

struct tally {
	int refused, exact, failed, executed;
};

static void
show(const char *what, const char *s)
{
	print_message("    %s: [", what);
	for (; *s != '\0'; s++)
		print_message(isprint((unsigned char)*s) ? "%c" : "\\x%02x", (unsigned char)*s);
	print_message("]\n");
}

static void
one_cell(enum sh_dialect d, const struct context *c, const char *value, struct tally *t)
{
	const char *want = d == SH_DIALECT_SH ? c->want_sh : c->want_bash;
	struct cellvalue v = { value };
	struct texpansion x;
	char *cause = NULL, *shown = NULL, *out, *exp;
	int pwned = 0;

	if (want != NULL && strcmp(want, SKIP) == 0)
		return;
	if (template_expand_shell(c->tmpl, d, resolve, &v, &x, &shown, &cause) != 0) {
		if (want != NULL) {
			t->failed++;
			print_message("  %s: refused what should work: %s\n    %s\n", sh_dialect_name(d),
			    c->tmpl, cause);
		} else
			t->refused++;
		free(cause);
		return;
	}
	out = run_cell(sh_dialect_path(d), &x, &pwned);
	exp = want != NULL ? expected(want, value, c->strips_newlines) : NULL;
	if (pwned) {
		t->executed++;
		print_message("  %s: RAN THE VALUE AS CODE: %s\n", sh_dialect_name(d), c->tmpl);
		show("value", value);
		show("command", x.text);
	} else if (exp == NULL || strcmp(out, exp) != 0) {
		t->failed++;
		print_message("  %s: %s: %s\n", sh_dialect_name(d), exp == NULL ? "accepted what must be refused"
		    : "changed the value", c->tmpl);
		show("value", value);
		show("command", x.text);
		show("printed", out);
	} else
		t->exact++;
	if (strlen(value) > 3 && strstr(c->tmpl, value) == NULL && strstr(x.text, value) != NULL) {
		t->failed++;
		print_message("  %s: the value is in the shell's argv: %s\n", sh_dialect_name(d), x.text);
	}
	free(exp);
	free(out);
	free(shown);
	texpansion_free(&x);
}

static void
run_matrix(enum sh_dialect d)
{
	struct tally t = { 0, 0, 0, 0 };
	size_t nctx = sizeof contexts / sizeof contexts[0], nval = 0;

	while (values[nval] != NULL)
		nval++;
	assert_true(nctx >= 30);
	assert_true(nval >= 20);
	for (size_t c = 0; c < nctx; c++) {
		for (size_t k = 0; k < nval; k++)
			one_cell(d, &contexts[c], values[k], &t);
	}
	print_message("%s: %zu contexts x %zu values: %d exact, %d refused, %d wrong, %d ran as code\n",
	    sh_dialect_path(d), nctx, nval, t.exact, t.refused, t.failed, t.executed);
	assert_int_equal(t.executed, 0);
	assert_int_equal(t.failed, 0);
}

static void
test_matrix_dash(void **state)
{
	(void)state;
	run_matrix(SH_DIALECT_SH);
}

static void
test_matrix_bash(void **state)
{
	(void)state;
	run_matrix(SH_DIALECT_BASH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix_dash),
		cmocka_unit_test(test_matrix_bash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
