/* shcmd.c: the table of commands that run a script of their own, and the
 * option parsing that finds where that script stands; see shcmd.h. */
#include <ctype.h>
#include <string.h>

#include "shcmd.h"

enum shcmd_kind {
	K_WRAPPER,	/* runs its first operand (after `fixed` more) as a command */
	K_SHELL,	/* sh-like: with -c the first operand is a script */
	K_SCRIPT_OPT,	/* the argument of a script option is code (perl -e) */
	K_PROGRAM,	/* the first operand is a program (awk, sed, jq) */
	K_ALL_ARGS,	/* every operand is joined into a script (eval, watch) */
	K_SSH,		/* operand 1 a destination, the rest a remote script */
	K_SUBCMD,	/* `docker exec`, `kubectl exec`: a wrapper after a subcommand */
	K_FIND,		/* find ... -exec CMD ... ; */
};

struct shcmd_spec {
	const char *name;
	enum shcmd_kind kind;
	const char *short_arg;	/* short options that take an argument */
	const char *long_arg;	/* " --long --opts " that take an argument */
	const char *script_short;	/* short options whose argument is code */
	const char *script_long;	/* long options whose argument is code */
	int fixed;		/* operands before the command (timeout's duration) */
	int reads_stdin;	/* with no script, it reads code from stdin */
	const char *subcmd;	/* K_SUBCMD: " exec run " */
};

/* Sorted by nothing: the table is short and looked up a few times a step. */
static const struct shcmd_spec specs[] = {
	/* shells */
	{ "sh", K_SHELL, "oO", " --rcfile --init-file ", NULL, NULL, 0, 1, NULL },
	{ "bash", K_SHELL, "oO", " --rcfile --init-file ", NULL, NULL, 0, 1, NULL },
	{ "dash", K_SHELL, "oO", NULL, NULL, NULL, 0, 1, NULL },
	{ "zsh", K_SHELL, "oO", NULL, NULL, NULL, 0, 1, NULL },
	{ "ksh", K_SHELL, "oO", NULL, NULL, NULL, 0, 1, NULL },
	{ "mksh", K_SHELL, "oO", NULL, NULL, NULL, 0, 1, NULL },
	{ "ash", K_SHELL, "oO", NULL, NULL, NULL, 0, 1, NULL },
	{ "posh", K_SHELL, "oO", NULL, NULL, NULL, 0, 1, NULL },
	{ "fish", K_SHELL, "C", " --init-command ", NULL, " --command ", 0, 1, NULL },
	/* users and privileges */
	{ "su", K_SCRIPT_OPT, "gGsw", " --group --supp-group --shell --whitelist-environment ",
	  "c", " --command --session-command ", 0, 1, NULL },
	{ "runuser", K_SCRIPT_OPT, "gGsuw", " --group --supp-group --shell --user "
	  "--whitelist-environment ", "c", " --command --session-command ", 0, 1, NULL },
	{ "sudo", K_WRAPPER, "ugpChDRTUrt", " --user --group --prompt --close-from --host "
	  "--chdir --chroot --command-timeout --other-user --role --type ", NULL, NULL, 0, 0, NULL },
	{ "doas", K_WRAPPER, "uC", NULL, NULL, NULL, 0, 0, NULL },
	/* wrappers that exec their command directly */
	{ "env", K_WRAPPER, "uCP", " --unset --chdir ", "S", " --split-string ", 0, 0, NULL },
	{ "nice", K_WRAPPER, "n", " --adjustment ", NULL, NULL, 0, 0, NULL },
	{ "nohup", K_WRAPPER, "", NULL, NULL, NULL, 0, 0, NULL },
	{ "setsid", K_WRAPPER, "", NULL, NULL, NULL, 0, 0, NULL },
	{ "stdbuf", K_WRAPPER, "ioe", " --input --output --error ", NULL, NULL, 0, 0, NULL },
	{ "timeout", K_WRAPPER, "sk", " --signal --kill-after ", NULL, NULL, 1, 0, NULL },
	{ "ionice", K_WRAPPER, "cnp", " --class --classdata --pid ", NULL, NULL, 0, 0, NULL },
	{ "chrt", K_WRAPPER, "", NULL, NULL, NULL, 1, 0, NULL },
	{ "taskset", K_WRAPPER, "", NULL, NULL, NULL, 1, 0, NULL },
	{ "chroot", K_WRAPPER, "", " --userspec --groups ", NULL, NULL, 1, 0, NULL },
	{ "nsenter", K_WRAPPER, "tSGw", " --target --setuid --setgid --wd ", NULL, NULL, 0, 0, NULL },
	{ "unshare", K_WRAPPER, "", " --setuid --setgid --wd ", NULL, NULL, 0, 0, NULL },
	{ "exec", K_WRAPPER, "a", NULL, NULL, NULL, 0, 0, NULL },
	{ "command", K_WRAPPER, "", NULL, NULL, NULL, 0, 0, NULL },
	{ "builtin", K_WRAPPER, "", NULL, NULL, NULL, 0, 0, NULL },
	{ "time", K_WRAPPER, "fo", " --format --output ", NULL, NULL, 0, 0, NULL },
	{ "xargs", K_WRAPPER, "aEIdLnPs", " --arg-file --eof --delimiter --max-lines --max-args "
	  "--max-procs --max-chars --process-slot-var ", NULL, NULL, 0, 0, NULL },
	{ "flock", K_WRAPPER, "wE", " --timeout --conflict-exit-code ", "c", " --command ", 1, 0, NULL },
	{ "systemd-run", K_WRAPPER, "upMHEs", " --unit --property --machine --host --setenv "
	  "--slice --description --working-directory --uid --gid --nice ", NULL, NULL, 0, 0, NULL },
	{ "busybox", K_WRAPPER, "", NULL, NULL, NULL, 0, 0, NULL },
	{ "find", K_FIND, "", NULL, NULL, NULL, 0, 0, NULL },
	/* container and cluster front ends */
	{ "docker", K_SUBCMD, "eiuw", " --env --env-file --user --workdir --detach-keys ",
	  NULL, NULL, 1, 0, " exec " },
	{ "podman", K_SUBCMD, "eiuw", " --env --env-file --user --workdir --detach-keys ",
	  NULL, NULL, 1, 0, " exec " },
	{ "docker-compose", K_SUBCMD, "fpeuw", " --file --project-name --project-directory "
	  "--env-file --env --user --workdir --index ", NULL, NULL, 1, 0, " exec run " },
	{ "kubectl", K_SUBCMD, NULL, NULL, NULL, NULL, 0, 0, " exec " },
	/* whole-argument scripts */
	{ "eval", K_ALL_ARGS, "", NULL, NULL, NULL, 0, 0, NULL },
	{ "watch", K_ALL_ARGS, "dnq", " --differences --interval --equexit ", NULL, NULL, 0, 0, NULL },
	{ "ssh", K_SSH, "BbcDEeFIiJLlmOoPpQRSWw", NULL, NULL, NULL, 0, 1, NULL },
	/* other languages */
	{ "psql", K_SCRIPT_OPT, "dfhLoPpTUvFR", " --dbname --file --host --log-file --output "
	  "--pset --port --table-attr --username --variable --set --field-separator "
	  "--record-separator ", "c", " --command ", 0, 1, NULL },
	{ "mysql", K_SCRIPT_OPT, "DhPpuS", " --database --host --port --user --socket ",
	  "e", " --execute ", 0, 1, NULL },
	{ "sqlite3", K_PROGRAM, "", " -cmd ", NULL, NULL, 1, 1, NULL },
	{ "python", K_SCRIPT_OPT, "mWX", NULL, "c", NULL, 0, 1, NULL },
	{ "python3", K_SCRIPT_OPT, "mWX", NULL, "c", NULL, 0, 1, NULL },
	{ "perl", K_SCRIPT_OPT, "IMm", NULL, "eE", NULL, 0, 1, NULL },
	{ "ruby", K_SCRIPT_OPT, "IrC", NULL, "e", NULL, 0, 1, NULL },
	{ "node", K_SCRIPT_OPT, "r", " --require ", "ep", " --eval --print ", 0, 1, NULL },
	{ "nodejs", K_SCRIPT_OPT, "r", " --require ", "ep", " --eval --print ", 0, 1, NULL },
	{ "php", K_SCRIPT_OPT, "cdf", NULL, "r", NULL, 0, 1, NULL },
	{ "lua", K_SCRIPT_OPT, "l", NULL, "e", NULL, 0, 1, NULL },
	{ "awk", K_PROGRAM, "fvF", NULL, NULL, NULL, 0, 0, NULL },
	{ "gawk", K_PROGRAM, "fvFE", NULL, NULL, NULL, 0, 0, NULL },
	{ "mawk", K_PROGRAM, "fvF", NULL, NULL, NULL, 0, 0, NULL },
	{ "nawk", K_PROGRAM, "fvF", NULL, NULL, NULL, 0, 0, NULL },
	{ "sed", K_PROGRAM, "fl", " --file --line-length ", "e", " --expression ", 0, 0, NULL },
	{ "jq", K_PROGRAM, "fL", " --from-file --indent ", NULL, NULL, 0, 0, NULL },
};

/* Options of jq that take two arguments: --arg NAME VALUE is the safe way
 * to hand jq a value, so its VALUE must stay an ordinary argument. */
static const char jq_two_args[] = " --arg --argjson --slurpfile --rawfile ";

static const char *const reserved[] = {
	"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "in",
	"case", "esac", "{", "}", "!", "select", "function", NULL
};

int
shcmd_is_reserved(const char *word)
{
	for (int i = 0; reserved[i] != NULL; i++) {
		if (strcmp(reserved[i], word) == 0)
			return 1;
	}
	return 0;
}

static const struct shcmd_spec *
find_spec(const char *lit)
{
	const char *base = strrchr(lit, '/');

	base = base != NULL ? base + 1 : lit;
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		if (strcmp(specs[i].name, base) == 0)
			return &specs[i];
	}
	return NULL;
}

/* Is "--name" (up to '=' or the end) one of the space-separated list? */
static int
in_list(const char *list, const char *opt)
{
	size_t n = strcspn(opt, "=");

	while (list != NULL && *list != '\0') {
		size_t len;

		list += strspn(list, " ");
		len = strcspn(list, " ");
		if (len == n && n > 0 && strncmp(list, opt, n) == 0)
			return 1;
		list += len;
	}
	return 0;
}

static int
is_assignment(const char *lit)
{
	if (lit == NULL || (!isalpha((unsigned char)*lit) && *lit != '_'))
		return 0;
	while (isalnum((unsigned char)*lit) || *lit == '_')
		lit++;
	return *lit == '=';
}

/* What option parsing found. */
struct optscan {
	int next;		/* index of the first operand */
	int script_word;	/* a script option's argument, or -1 */
	int shell_c;		/* a sh-like -c flag was given */
	int file_opt;		/* -f FILE: the program comes from a file */
	int shell_mode;		/* sudo -s / -i: the command goes through a shell */
	int user_mode;		/* runuser -u USER: the command is run directly */
	int dashdash;		/* options ended with "--" */
};

/* These take options anywhere, before or after their operands. */
static const char permuting[] = " su runuser psql mysql ";

/* One short-option cluster (-abc or +o); returns the next word's index. */
static int
scan_short(const struct shcmd_spec *sp, const struct shcmd_word *w, int n, int i,
    struct optscan *o)
{
	const char *p = w[i].lit + 1;

	for (; *p != '\0'; p++) {
		int takes = sp->short_arg != NULL && strchr(sp->short_arg, *p) != NULL;
		int script = sp->script_short != NULL && strchr(sp->script_short, *p) != NULL;

		if (sp->kind == K_SHELL && *p == 'c')
			o->shell_c = 1;
		if (*p == 'f' && (sp->kind == K_PROGRAM || sp->kind == K_SCRIPT_OPT))
			o->file_opt = 1;
		if (strcmp(sp->name, "sudo") == 0 && (*p == 's' || *p == 'i'))
			o->shell_mode = 1;
		if (strcmp(sp->name, "runuser") == 0 && *p == 'u')
			o->user_mode = 1;
		if (!takes && !script)
			continue;
		if (p[1] != '\0') {	/* -cSCRIPT: the argument is glued on */
			if (script)
				o->script_word = i;
			return i + 1;
		}
		if (script && i + 1 < n)
			o->script_word = i + 1;
		return i + 2;
	}
	return i + 1;
}

static int
scan_long(const struct shcmd_spec *sp, const struct shcmd_word *w, int i, struct optscan *o)
{
	const char *opt = w[i].lit;
	int glued = strchr(opt, '=') != NULL;

	if (in_list(sp->script_long, opt)) {
		o->script_word = glued ? i : i + 1;
		return glued ? i + 1 : i + 2;
	}
	if (strcmp(opt, "--from-file") == 0 || strcmp(opt, "--file") == 0)
		o->file_opt = 1;
	if (strcmp(sp->name, "runuser") == 0 && in_list(" --user ", opt))
		o->user_mode = 1;
	if (strcmp(sp->name, "jq") == 0 && in_list(jq_two_args, opt))
		return i + 3;
	return !glued && in_list(sp->long_arg, opt) ? i + 2 : i + 1;
}

/* GNU-style option permutation: options after the operands count too. */
static void
scan_permuted(const struct shcmd_spec *sp, const struct shcmd_word *w, int n, int i,
    struct optscan *o)
{
	int next = o->next;

	while (i < n) {
		const char *lit = w[i].lit;

		if (lit == NULL || lit[0] != '-' || lit[1] == '\0')
			i++;
		else if (strcmp(lit, "--") == 0)
			break;
		else if (lit[1] == '-')
			i = scan_long(sp, w, i, o);
		else
			i = scan_short(sp, w, n, i, o);
	}
	o->next = next;
}

static void
scan_options(const struct shcmd_spec *sp, const struct shcmd_word *w, int n, int i,
    struct optscan *o)
{
	memset(o, 0, sizeof *o);
	o->script_word = -1;
	while (i < n && w[i].lit != NULL) {
		const char *lit = w[i].lit;

		if (strcmp(lit, "--") == 0) {
			o->dashdash = 1;
			i++;
			break;
		}
		if (lit[0] == '-' && lit[1] == '-' && lit[2] != '\0')
			i = scan_long(sp, w, i, o);
		else if ((lit[0] == '-' || (lit[0] == '+' && sp->kind == K_SHELL)) && lit[1] != '\0')
			i = scan_short(sp, w, n, i, o);
		else if (strcmp(sp->name, "env") == 0 && is_assignment(lit))
			i++;
		else
			break;
	}
	o->next = i;
	if (in_list(permuting, sp->name) && !o->dashdash && !o->user_mode)
		scan_permuted(sp, w, n, i, o);
}

static void classify_from(const struct shcmd_word *w, int n, int i, struct shcmd_roles *r);

static void
mark_rest(const struct shcmd_word *w, int n, int from, const char *name, struct shcmd_roles *r)
{
	(void)w;
	for (int i = from; i < n; i++)
		r->script_of[i] = name;
}

static void
classify_subcmd(const struct shcmd_spec *sp, const struct shcmd_word *w, int n, int i,
    struct shcmd_roles *r)
{
	struct optscan o;
	int j = i + 1;

	/* Global options first (docker-compose -f FILE exec ...). */
	while (j < n && w[j].lit != NULL && w[j].lit[0] == '-') {
		if (in_list(sp->long_arg, w[j].lit) && strchr(w[j].lit, '=') == NULL)
			j++;
		else if (w[j].lit[1] != '-' && w[j].lit[2] == '\0' && sp->short_arg != NULL &&
		    strchr(sp->short_arg, w[j].lit[1]) != NULL)
			j++;
		j++;
	}
	if (j >= n || w[j].lit == NULL || sp->subcmd == NULL || !in_list(sp->subcmd, w[j].lit))
		return;
	if (strcmp(sp->name, "kubectl") == 0) {
		for (j++; j < n; j++) {
			if (w[j].lit != NULL && strcmp(w[j].lit, "--") == 0) {
				classify_from(w, n, j + 1, r);
				return;
			}
		}
		return;
	}
	scan_options(sp, w, n, j + 1, &o);
	classify_from(w, n, o.next + sp->fixed, r);
}

static void
classify_find(const struct shcmd_word *w, int n, int i, struct shcmd_roles *r)
{
	for (; i < n; i++) {
		const char *lit = w[i].lit;

		if (lit != NULL && (strcmp(lit, "-exec") == 0 || strcmp(lit, "-execdir") == 0 ||
		    strcmp(lit, "-ok") == 0 || strcmp(lit, "-okdir") == 0))
			classify_from(w, n, i + 1, r);
	}
}

static void
classify_spec(const struct shcmd_spec *sp, const struct shcmd_word *w, int n, int i,
    struct shcmd_roles *r)
{
	struct optscan o;

	scan_options(sp, w, n, i + 1, &o);
	if (o.script_word >= 0 && o.script_word < n)
		r->script_of[o.script_word] = sp->name;
	switch (sp->kind) {
	case K_WRAPPER:
		if (o.shell_mode || o.script_word >= 0)
			mark_rest(w, n, o.next, sp->name, r);
		else
			classify_from(w, n, o.next + sp->fixed, r);
		break;
	case K_SHELL:
		if (o.shell_c && o.next < n)
			r->script_of[o.next] = sp->name;
		else if (o.next >= n && sp->reads_stdin)
			r->stdin_interp = sp->name;
		break;
	case K_SCRIPT_OPT:
		if (o.user_mode && o.script_word < 0)
			classify_from(w, n, o.next, r);
		else if (o.script_word < 0 && !o.file_opt && o.next >= n && sp->reads_stdin)
			r->stdin_interp = sp->name;
		break;
	case K_PROGRAM:
		if (o.script_word < 0 && !o.file_opt && o.next + sp->fixed < n)
			r->script_of[o.next + sp->fixed] = sp->name;
		else if (o.script_word < 0 && !o.file_opt && sp->reads_stdin)
			r->stdin_interp = sp->name;
		break;
	case K_ALL_ARGS:
		mark_rest(w, n, o.next, sp->name, r);
		break;
	case K_SSH:
		if (o.next + 1 < n)
			mark_rest(w, n, o.next + 1, sp->name, r);
		else
			r->stdin_interp = sp->name;
		break;
	case K_SUBCMD:
		classify_subcmd(sp, w, n, i, r);
		break;
	case K_FIND:
		classify_find(w, n, i + 1, r);
		break;
	}
}

static void
classify_from(const struct shcmd_word *w, int n, int i, struct shcmd_roles *r)
{
	const struct shcmd_spec *sp;

	while (i < n && w[i].lit != NULL && is_assignment(w[i].lit))
		i++;
	if (i >= n || w[i].lit == NULL)
		return;
	if ((sp = find_spec(w[i].lit)) != NULL)
		classify_spec(sp, w, n, i, r);
}

void
shcmd_classify(const struct shcmd_word *w, int n, struct shcmd_roles *r)
{
	for (int i = 0; i < n; i++)
		r->script_of[i] = NULL;
	r->stdin_interp = NULL;
	classify_from(w, n, 0, r);
}
