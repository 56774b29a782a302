/* test_template.c: template scanning, and the promise that a value put into a
 * shell command comes out as exactly that value, never as code, whatever the
 * quoting around the template. Each case is run by a real /bin/sh. */
#include "cmocka_all.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shlex.h"
#include "template.h"

static const char *const hostile[] = {
	"x'; touch PWNED #",
	"$(touch PWNED)",
	"`touch PWNED`",
	"\"; touch PWNED; echo \"",
	"a b  c\t*",
	"${HOME}",
	"line1\nline2",
	"\\'\\\"\\\\",
	"-n",
	"",
	"EOF\ntouch PWNED\nEOF",
	NULL
};

struct vars {
	const char *x;
	const char *secret;
};

static int
resolve(void *arg, const struct tref *ref, struct tvalue *out)
{
	struct vars *v = arg;

	if (ref->kind == TREF_PARAM && strcmp(ref->name, "x") == 0) {
		out->value = v->x;
		out->secret = 0;
		return 0;
	}
	if (ref->kind == TREF_PARAM && strcmp(ref->name, "pw") == 0) {
		out->value = v->secret;
		out->secret = 1;
		return 0;
	}
	if (ref->kind == TREF_HOSTVAR && strcmp(ref->name, "member") == 0) {
		out->value = v->x;
		out->secret = 0;
		return 0;
	}
	if (ref->kind == TREF_BUILTIN && strcmp(ref->name, "operator") == 0) {
		out->value = "alice";
		out->secret = 0;
		return 0;
	}
	return -1;
}

/* Runs cmd with the expansion's environment in a scratch dir; returns its
 * stdout and fails the test if the value ran as code (PWNED appears). */
static char *
run_shell(const struct texpansion *x)
{
	char dir[] = "/tmp/drc-tmpl-XXXXXX";
	char *out = calloc(1, 65536);
	int fds[2];
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		if (chdir(dir) != 0)
			_exit(99);
		for (int i = 0; i < x->nenv; i++)
			setenv(x->env[i].name, x->env[i].value, 1);
		execl("/bin/sh", "sh", "-c", x->text, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], out + len, 65535 - len)) > 0)
		len += (size_t)n;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	{
		char *pwned = NULL;

		assert_true(asprintf(&pwned, "%s/PWNED", dir) > 0);
		if (access(pwned, F_OK) == 0)
			fail_msg("a value ran as code in: %s", x->text);
		unlink(pwned);
		free(pwned);
	}
	rmdir(dir);
	return out;
}

/* A command as line mode runs it under sh; what is shown is checked elsewhere. */
static int
shell_expand(const char *tmpl, struct vars *v, struct texpansion *x, char **cause)
{
	char *shown = NULL;
	int rc = template_expand_shell(tmpl, SH_DIALECT_SH, resolve, v, x, &shown, cause);

	free(shown);
	return rc;
}

static void
expect_exact(const char *tmpl, const char *prefix, const char *suffix)
{
	for (int i = 0; hostile[i] != NULL; i++) {
		struct vars v = { hostile[i], "s3cr3t" };
		struct texpansion x;
		char *cause = NULL, *out, *want;

		assert_int_equal(shell_expand(tmpl, &v, &x, &cause), 0);
		out = run_shell(&x);
		assert_true(asprintf(&want, "%s%s%s", prefix, hostile[i], suffix) >= 0);
		if (strcmp(out, want) != 0)
			fail_msg("template %s with value [%s] printed [%s], wanted [%s] (command: %s)",
			    tmpl, hostile[i], out, want, x.text);
		assert_null(strstr(x.text, hostile[i][0] ? hostile[i] : "\x01"));
		free(want);
		free(out);
		texpansion_free(&x);
	}
}

static void
test_bare(void **state)
{
	(void)state;
	expect_exact("printf '%s' {{ x }}", "", "");
	expect_exact("printf '%s' {{x}}", "", "");
	expect_exact("printf %s {{ x }}", "", "");
}

static void
test_double_quoted(void **state)
{
	(void)state;
	expect_exact("printf '%s' \"<{{ x }}>\"", "<", ">");
	expect_exact("printf '%s' \"{{ x }}\"", "", "");
}

static void
test_single_quoted(void **state)
{
	(void)state;
	expect_exact("printf '%s' '<{{ x }}>'", "<", ">");
	expect_exact("printf '%s' '{{ x }}'", "", "");
}

static void
test_nested_contexts(void **state)
{
	(void)state;
	expect_exact("printf '%s' \"$(printf '%s' {{ x }})\"", "", "");
	expect_exact("v=$(printf '%s' '{{ x }}'); printf '%s' \"$v\"", "", "");
	expect_exact("cat <<EOF\n{{ x }}\nEOF\n", "", "\n");
	expect_exact("cat <<-EOF\n\t[{{ x }}]\n\tEOF\n", "[", "]\n");
	expect_exact("# a comment's quote\nprintf '%s' {{ x }}", "", "");
}

static void
test_secret_never_inline(void **state)
{
	struct vars v = { "plain", "hunter2" };
	struct texpansion x;
	char *cause = NULL, *out;

	(void)state;
	assert_int_equal(shell_expand("printf '%s' {{ pw }}", &v, &x, &cause), 0);
	assert_null(strstr(x.text, "hunter2"));
	out = run_shell(&x);
	assert_string_equal(out, "hunter2");
	free(out);
	texpansion_free(&x);
	assert_int_equal(template_expand("pw={{ pw }} x={{ x }}", TMPL_DISPLAY, resolve, &v, &x, &cause), 0);
	assert_string_equal(x.text, "pw=**** x=plain");
	texpansion_free(&x);
	assert_int_equal(template_expand("pw={{ pw }}", TMPL_RAW, resolve, &v, &x, &cause), 0);
	assert_string_equal(x.text, "pw=hunter2");
	texpansion_free(&x);
}

static void
test_scan(void **state)
{
	struct tscan scan;
	size_t off;
	char *cause = NULL;

	(void)state;
	assert_int_equal(template_scan("a {{ x }} {{env.HOME}} {{ operator }} {{ \"{{\" }}", &scan, &off, &cause), 0);
	assert_int_equal(scan.nrefs, 4);
	assert_int_equal(scan.refs[0].kind, TREF_PARAM);
	assert_int_equal(scan.refs[0].start, 2);
	assert_int_equal(scan.refs[0].end, 9);
	assert_int_equal(scan.refs[1].kind, TREF_ENV);
	assert_string_equal(scan.refs[1].name, "HOME");
	assert_int_equal(scan.refs[2].kind, TREF_BUILTIN);
	assert_int_equal(scan.refs[3].kind, TREF_LITERAL);
	assert_string_equal(scan.refs[3].name, "{{");
	template_scan_free(&scan);

	assert_int_equal(template_scan("abc {{ x", &scan, &off, &cause), -1);
	assert_int_equal(off, 8);
	free(cause);
	assert_int_equal(template_scan("{{ 9 }}", &scan, &off, &cause), -1);
	assert_int_equal(off, 3);
	free(cause);
	assert_int_equal(template_scan("{{ x y }}", &scan, &off, &cause), -1);
	free(cause);
	assert_int_equal(template_scan("no templates } }} here", &scan, &off, &cause), 0);
	assert_int_equal(scan.nrefs, 0);
}

static void
test_literal_braces(void **state)
{
	struct vars v = { "v", "s" };
	struct texpansion x;
	char *cause = NULL;

	(void)state;
	assert_int_equal(shell_expand("kubectl -o template='{{ \"{{\" }}.status}}'", &v, &x, &cause), 0);
	assert_string_equal(x.text, "kubectl -o template='{{.status}}'");
	texpansion_free(&x);
}

/* {{ host.vars.NAME }}: scanned as a host var, carried in DRC_H_NAME, and
 * under the same rule as every value: each hostile one prints exactly. */
static void
test_host_var(void **state)
{
	struct vars v = { "v", "s" };
	struct texpansion x;
	struct tscan scan;
	size_t off;
	char *cause = NULL;

	(void)state;
	assert_int_equal(template_scan("{{ host.vars.member }}", &scan, &off, &cause), 0);
	assert_int_equal(scan.refs[0].kind, TREF_HOSTVAR);
	assert_string_equal(scan.refs[0].name, "member");
	template_scan_free(&scan);
	assert_int_equal(template_scan("{{ host.vars.a.b }}", &scan, &off, &cause), -1);
	free(cause);
	assert_int_equal(template_scan("{{ host.vars. }}", &scan, &off, &cause), -1);
	free(cause);
	assert_int_equal(shell_expand("echo {{ host.vars.member }}", &v, &x, &cause), 0);
	assert_string_equal(x.text, "echo \"${DRC_H_member}\"");
	texpansion_free(&x);
	expect_exact("printf %s {{ host.vars.member }}", "", "");
	expect_exact("printf %s \"[{{ host.vars.member }}]\"", "[", "]");
	assert_int_equal(shell_expand("echo $(( {{ host.vars.member }} ))", &v, &x, &cause), -1);
	assert_non_null(strstr(cause, "host.vars.member"));
	free(cause);
}

static void
test_unknown_name(void **state)
{
	struct vars v = { "v", "s" };
	struct texpansion x;
	char *cause = NULL;

	(void)state;
	assert_int_equal(shell_expand("echo {{ nope }}", &v, &x, &cause), -1);
	assert_non_null(strstr(cause, "nope"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bare),
		cmocka_unit_test(test_double_quoted),
		cmocka_unit_test(test_single_quoted),
		cmocka_unit_test(test_nested_contexts),
		cmocka_unit_test(test_secret_never_inline),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_literal_braces),
		cmocka_unit_test(test_host_var),
		cmocka_unit_test(test_unknown_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
