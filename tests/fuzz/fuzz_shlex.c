/* fuzz_shlex.c: the template rule against the real dash and bash. Random
 * shell text gets a template {{ x }}; whenever the rule accepts it, the text
 * runs twice under each shell, once with a plain value and once with a
 * hostile one. The hostile run must print what the plain run printed with
 * the plain value replaced by the hostile one, and must never run the value
 * (it would create PWNED). A difference aborts, which libFuzzer reports.
 *
 * A third run pastes the plain value into the text as it is (a plain word
 * means the same wherever it stands): the rule's run with the plain value
 * must print the same, so a reference left unexpanded or quotes that show
 * up in the output are caught too.
 *
 * The shells run with no PATH (only builtins), stdin from /dev/null, as
 * nobody when we are root, in a scratch folder, killed after 2 s; a text
 * whose plain runs differ from each other (it reads the clock, say) or that
 * times out proves nothing and is skipped.
 *
 * Built two ways: with libFuzzer by tests/fuzz/run.sh (SECONDS shlex), and
 * with -DSHFUZZ_DRIVER as tests/unit/test_shfuzz, which feeds it texts made
 * from shell fragments by a seeded generator, in make check. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shlex.h"
#include "strbuf.h"
#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PLAIN "Zq9Vk"
/* No backslash and no %: echo and printf's own escapes would make the two
 * runs differ without any injection. */
#define HOSTILE "Zq'9\" $(echo>PWNED) `echo>PWNED`;echo>PWNED\n* EOF"

static const char *value;

static int
resolve(void *arg, const struct tref *ref, struct tvalue *out)
{
	(void)arg;
	if (ref->kind != TREF_PARAM || strcmp(ref->name, "x") != 0)
		return -1;
	out->value = value;
	return 0;
}

struct outcome {
	struct strbuf out;
	int pwned;
	int timed_out;
};

static void
child(const char *shell, const struct texpansion *x, const char *dir, int out)
{
	int null = open("/dev/null", O_RDWR);

	dup2(null, 0);
	dup2(out, 1);
	dup2(null, 2);
	if (chdir(dir) != 0)
		_exit(126);
	clearenv();
	setenv("PATH", "/nonexistent", 1);
	for (int i = 0; i < x->nenv; i++)
		setenv(x->env[i].name, x->env[i].value, 1);
	if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
		_exit(126);
	alarm(2);
	execl(shell, shell, "-c", x->text, (char *)NULL);
	_exit(127);
}

static void
run(const char *shell, const struct texpansion *x, struct outcome *o)
{
	char dir[] = "/tmp/drc-shfuzz.XXXXXX", buf[4096], pwned[64];
	int fds[2], status = 0;
	ssize_t n;
	pid_t pid;

	memset(o, 0, sizeof *o);
	strbuf_init(&o->out);
	if (mkdtemp(dir) == NULL || chmod(dir, 0777) != 0 || pipe(fds) != 0)
		abort();
	if ((pid = fork()) == 0)
		child(shell, x, dir, fds[1]);
	close(fds[1]);
	while ((n = read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
		if (n > 0 && o->out.len < (1 << 20))
			strbuf_add(&o->out, buf, (size_t)n);
	}
	close(fds[0]);
	kill(pid, SIGKILL);	/* whatever it left: PATH is empty, so nothing */
	waitpid(pid, &status, 0);
	o->timed_out = WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM;
	snprintf(pwned, sizeof pwned, "%s/PWNED", dir);
	o->pwned = access(pwned, F_OK) == 0;
	unlink(pwned);
	rmdir(dir);
}

static char *
replaced(const char *s, const char *from, const char *to)
{
	struct strbuf b;
	const char *hit;

	strbuf_init(&b);
	while ((hit = strstr(s, from)) != NULL) {
		strbuf_add(&b, s, (size_t)(hit - s));
		strbuf_adds(&b, to);
		s = hit + strlen(from);
	}
	strbuf_adds(&b, s);
	return strbuf_detach(&b);
}

static int
expand(const char *text, enum sh_dialect d, const char *v, struct texpansion *x)
{
	char *shown = NULL, *cause = NULL;
	int rc;

	value = v;
	rc = template_expand_shell(text, d, resolve, NULL, x, &shown, &cause);
	free(shown);
	free(cause);
	return rc;
}

static void
report(const char *why, const char *text, enum sh_dialect d, const struct outcome *a,
    const struct outcome *b)
{
	fprintf(stderr, "fuzz_shlex: %s under %s\n--- text:\n%s\n--- plain run printed:\n%s\n"
	    "--- hostile run printed:\n%s\n", why, sh_dialect_name(d), text, strbuf_str(&a->out),
	    strbuf_str(&b->out));
	abort();
}

/* The text with the plain value pasted where each template stands. */
static void
run_pasted(const char *text, enum sh_dialect d, struct outcome *o)
{
	struct texpansion x;
	char *cause = NULL;

	value = PLAIN;
	if (template_expand(text, TMPL_RAW, resolve, NULL, &x, &cause) != 0)
		abort();
	run(sh_dialect_path(d), &x, o);
	texpansion_free(&x);
}

/* One text under one shell; returns 1 if the rule accepted it. */
static int
check_text(const char *text, enum sh_dialect d)
{
	struct texpansion xp, xh;
	struct outcome p1, p2, h, pasted;
	char *want;

	if (expand(text, d, HOSTILE, &xh) != 0)
		return 0;
	if (expand(text, d, PLAIN, &xp) != 0) {
		memset(&p1, 0, sizeof p1);
		report("the plain value was refused where the hostile one was not", text, d, &p1, &p1);
	}
	run(sh_dialect_path(d), &xp, &p1);
	run(sh_dialect_path(d), &xp, &p2);
	run(sh_dialect_path(d), &xh, &h);
	if (h.pwned)
		report("the hostile value ran as code", text, d, &p1, &h);
	run_pasted(text, d, &pasted);
	if (!p1.timed_out && !pasted.timed_out && strcmp(strbuf_str(&p1.out), strbuf_str(&pasted.out)) != 0)
		report("the plain value does not print as it would pasted in", text, d, &pasted, &p1);
	strbuf_free(&pasted.out);
	if (!p1.timed_out && !p2.timed_out && !h.timed_out &&
	    strcmp(strbuf_str(&p1.out), strbuf_str(&p2.out)) == 0) {
		want = replaced(strbuf_str(&p1.out), PLAIN, HOSTILE);
		if (strcmp(want, strbuf_str(&h.out)) != 0)
			report("the value did not arrive exact", text, d, &p1, &h);
		free(want);
	}
	strbuf_free(&p1.out);
	strbuf_free(&p2.out);
	strbuf_free(&h.out);
	texpansion_free(&xp);
	texpansion_free(&xh);
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf text;
	size_t at;

	if (size < 2 || size > 512 || memchr(data, '\0', size) != NULL)
		return 0;
	/* The first byte says where the template goes in the rest. */
	at = data[0] % size;
	strbuf_init(&text);
	strbuf_add(&text, (const char *)data + 1, at > 0 ? at - 1 : 0);
	strbuf_adds(&text, "{{ x }}");
	strbuf_add(&text, (const char *)data + (at > 0 ? at : 1), size - (at > 0 ? at : 1));
	check_text(strbuf_str(&text), SH_DIALECT_SH);
	check_text(strbuf_str(&text), SH_DIALECT_BASH);
	strbuf_free(&text);
	return 0;
}

#ifdef SHFUZZ_DRIVER
/* The driver builds texts from a small grammar of the constructs the lexer
 * follows, so that nearly every text parses and prints what it was given:
 * a text that is a syntax error prints nothing either way and proves
 * nothing. Only shell builtins: the shells run with no PATH. */
static uint32_t seed = 20261207;

static uint32_t
next_random(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

static void gen_cmd(struct strbuf *b, int depth);

static void
gen_word(struct strbuf *b, int depth)
{
	switch (next_random() % (depth > 2 ? 4 : 10)) {
	case 0: strbuf_adds(b, "{{ x }}"); break;
	case 1: strbuf_adds(b, "\"<{{ x }}>\""); break;
	case 2: strbuf_adds(b, "'{{ x }}'"); break;
	case 3: strbuf_adds(b, "a{{ x }}'b'"); break;
	case 4: strbuf_adds(b, "\"$( "); gen_cmd(b, depth + 1); strbuf_adds(b, " )\""); break;
	case 5: strbuf_adds(b, "\"${u:-{{ x }}}\""); break;
	case 6: strbuf_adds(b, "\"`printf '%s' {{ x }}`\""); break;
	case 7: strbuf_adds(b, "\"$(printf '%s' \"{{ x }}\")\""); break;
	case 8: strbuf_adds(b, "\"$((1<<2))\""); break;
	default: strbuf_adds(b, "\"$(printf '%s' '{{ x }}')\""); break;
	}
}

static void
gen_printf(struct strbuf *b, int depth)
{
	int n = 1 + (int)(next_random() % 3);

	strbuf_adds(b, "printf '[%s]' ");
	for (int i = 0; i < n; i++) {
		if (i > 0)
			strbuf_addch(b, ' ');
		gen_word(b, depth);
	}
}

static void
gen_cmd(struct strbuf *b, int depth)
{
	switch (next_random() % (depth > 2 ? 1 : 12)) {
	case 0: gen_printf(b, depth); break;
	case 1: strbuf_adds(b, "for i in "); gen_word(b, depth);
		strbuf_adds(b, "; do printf '(%s)' \"$i\"; done"); break;
	case 2: strbuf_adds(b, "case "); gen_word(b, depth); strbuf_adds(b, " in\n  *) ");
		gen_cmd(b, depth + 1); strbuf_adds(b, ";;\nesac"); break;
	case 3: strbuf_adds(b, "while IFS= read -r l; do printf '%s\\n' \"$l\"; done <<EOF\n"
		    "line {{ x }} $((2+3))\n  {{ x }}\nEOF\n"); break;
	case 4: strbuf_adds(b, "sh -c 'printf \"[%s]\" \"$1\"' _ "); gen_word(b, depth); break;
	case 5: strbuf_adds(b, "f() { printf '[%s]' \"$@\"; }; f "); gen_word(b, depth); break;
	case 6: strbuf_adds(b, "{ "); gen_cmd(b, depth + 1); strbuf_adds(b, "; }"); break;
	case 7: strbuf_adds(b, "( "); gen_cmd(b, depth + 1); strbuf_adds(b, " )"); break;
	case 8: strbuf_adds(b, "if true; then "); gen_cmd(b, depth + 1); strbuf_adds(b, "; fi"); break;
	case 9: strbuf_adds(b, "v="); gen_word(b, depth); strbuf_adds(b, "; printf '[%s]' \"$v\""); break;
	case 10: strbuf_adds(b, ": <<'Q'\n{{ \"{{\" }} quoted $(x)\nQ\n"); gen_cmd(b, depth + 1); break;
	default: strbuf_adds(b, "# it's a comment {{ x }}\n"); gen_cmd(b, depth + 1); break;
	}
}

/* Says why the rule refused a text the grammar meant to be safe. */
static void
refused_text(const char *text, enum sh_dialect d)
{
	struct texpansion x;
	char *shown = NULL, *cause = NULL;

	value = HOSTILE;
	if (template_expand_shell(text, d, resolve, NULL, &x, &shown, &cause) != 0)
		printf("test_shfuzz: %s refused:\n%s\n  because %s\n", sh_dialect_name(d), text, cause);
	free(shown);
	free(cause);
}

int
main(int argc, char **argv)
{
	static const char *const seps[] = { "; ", "\n", " && " };
	int n = argc > 1 ? atoi(argv[1]) : 400, accepted = 0;

	for (int i = 0; i < n; i++) {
		struct strbuf text;
		int len = 1 + (int)(next_random() % 3);

		strbuf_init(&text);
		for (int k = 0; k < len; k++) {
			if (k > 0)
				strbuf_adds(&text, seps[next_random() % 3]);
			gen_cmd(&text, 0);
		}
		for (int d = SH_DIALECT_SH; d <= SH_DIALECT_BASH; d++) {
			if (check_text(strbuf_str(&text), (enum sh_dialect)d))
				accepted++;
			else
				refused_text(strbuf_str(&text), (enum sh_dialect)d);
		}
		strbuf_free(&text);
	}
	/* Every text of the grammar is one the rule must accept. */
	printf("test_shfuzz: %d texts, %d runs under dash and bash, each exact\n", n, accepted);
	if (accepted != 2 * n) {
		printf("test_shfuzz: the rule refused %d texts of the grammar\n", 2 * n - accepted);
		return 1;
	}
	return 0;
}
#endif
