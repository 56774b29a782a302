/* ssh.c: the argv of one system ssh call, the remote wrapper it runs, and
 * the secrets its stdin carries.
 *
 * The remote side, step by step. sshd runs the login shell as
 * `SHELL -c STRING` in a new session (setsid: no tty is asked for), so the
 * wrapper, which the shell execs, leads a process group that holds exactly
 * the command's processes. The wrapper
 *   1. exports the non-secret variables (they are in STRING, quoted);
 *   2. reads one line per secret variable from stdin (each value quoted
 *      onto one line, newlines as "$drc_nl") and evals the assignment, so
 *      no secret is ever an argument of any process;
 *   3. moves stdin to fd 3 and starts the command, `/bin/sh -c "$1"`, in
 *      the background with stdin from /dev/null, as a local job has it;
 *   4. starts a watcher that blocks reading fd 3. Nothing more is ever
 *      sent, so the read returns only at EOF: our side closed ssh's stdin
 *      (cancel, timeout) or the connection died. The watcher then sends
 *      SIGTERM to the whole group, waits up to the grace period for the
 *      command to go, and sends SIGKILL to the group, itself included.
 *      A non-tty remote command gets no SIGHUP when the client dies, so
 *      without this nothing would stop it;
 *   5. waits for the command; when it ends on its own, kills the watcher,
 *      sends SIGTERM to whatever the command left in the group (ignoring
 *      it itself) so the session can close, and exits with its status.
 * It needs /bin/sh, kill, and sleep (fractions of a second where sleep
 * takes them; whole seconds otherwise). */
#include <sys/stat.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "runbook.h"
#include "ssh.h"
#include "strbuf.h"
#include "xmalloc.h"

/* --- shell quoting --- */

/* One single-quoted word: a quote inside becomes '\''. */
char *
ssh_quote(const char *s)
{
	struct strbuf b;

	strbuf_init(&b);
	strbuf_addch(&b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			strbuf_adds(&b, "'\\''");
		else
			strbuf_addch(&b, *s);
	}
	strbuf_addch(&b, '\'');
	return strbuf_detach(&b);
}

/* The bytes s takes quoted onto one line (see quote_line). */
static size_t
quoted_line_len(const char *s)
{
	size_t n = 2;

	for (; *s != '\0'; s++)
		n += *s == '\'' ? 4 : *s == '\n' ? 11 : 1;
	return n;
}

/* Like ssh_quote, but a newline becomes '"$drc_nl"', so the value fits
 * on one line that the wrapper's `read -r` takes whole. Writes into out,
 * which has quoted_line_len(s) bytes, and returns the end. */
static char *
quote_line(const char *s, char *out)
{
	*out++ = '\'';
	for (; *s != '\0'; s++) {
		if (*s == '\'') {
			memcpy(out, "'\\''", 4);
			out += 4;
		} else if (*s == '\n') {
			memcpy(out, "'\"$drc_nl\"'", 11);
			out += 11;
		} else
			*out++ = *s;
	}
	*out++ = '\'';
	return out;
}

static int
valid_identifier(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	for (s++; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	}
	return 1;
}

/* --- the remote wrapper --- */

/* Steps 1 and 2 of the wrapper (see the top of this file). */
static void
add_variables(struct strbuf *b, const struct ssh_var *vars, int nvars)
{
	char *q;

	strbuf_adds(b, "drc_nl='\n'\n");
	for (int k = 0; k < nvars; k++) {
		if (vars[k].secret)
			continue;
		q = ssh_quote(vars[k].value);
		strbuf_addf(b, "export %s=%s\n", vars[k].name, q);
		free(q);
	}
	for (int k = 0; k < nvars; k++) {
		if (!vars[k].secret)
			continue;
		strbuf_addf(b, "IFS= read -r drc_v || { echo 'drconsole: the secret values did not arrive' >&2; "
		    "exit %d; }\n", SSH_EXIT_NO_SECRETS);
		strbuf_addf(b, "eval \"%s=$drc_v\"; export %s\n", vars[k].name, vars[k].name);
	}
	strbuf_adds(b, "drc_v=\n");
}

/* Steps 3 to 5 of the wrapper. */
static void
add_supervision(struct strbuf *b, const char *shell, int64_t grace_ms)
{
	long tenths = grace_ms <= 0 ? 1 : grace_ms / 100 + (grace_ms % 100 != 0);

	if (tenths > INT_MAX)
		tenths = INT_MAX;
	strbuf_addf(b,
	    "exec 3<&0 </dev/null\n"
	    "%s -c \"$1\" 3<&- &\n", shell);
	strbuf_adds(b,
	    "drc_c=$!\n"
	    "(trap '' TERM; exec >/dev/null 2>&1\n"
	    " while read -r drc_v <&3; do :; done\n"
	    " kill -TERM 0; drc_n=0\n");
	strbuf_addf(b,
	    " while kill -0 \"$drc_c\" && [ \"$drc_n\" -lt %ld ]; do sleep 0.1 || sleep 1; "
	    "drc_n=$((drc_n + 1)); done\n", tenths);
	strbuf_adds(b,
	    " kill -KILL 0) &\n"
	    "drc_w=$!\n"
	    "exec 3<&-\n"
	    "wait \"$drc_c\"; drc_s=$?\n"
	    "kill -KILL \"$drc_w\" 2>/dev/null\n"
	    "trap '' TERM; kill -TERM 0 2>/dev/null\n"
	    "exit \"$drc_s\"\n");
}

char *
ssh_copy_command(const char *dest, int mode, size_t size, const char *sha256_hex)
{
	static const char script[] =
	    "d=$1 m=$2 n=$3 h=$4; t=\"$d.drconsole-copy.$$\"; umask 077\n"
	    "if ! head -c \"$n\" > \"$t\"; then rm -f \"$t\"; exit 1; fi\n"
	    "s=$(sha256sum < \"$t\") || { rm -f \"$t\"; exit 1; }\n"
	    "s=${s%% *}\n"
	    "if [ \"$s\" != \"$h\" ]; then rm -f \"$t\"; "
	    "echo \"drconsole: $d arrived short or damaged (sha256 $s)\" >&2; exit 1; fi\n"
	    "chmod \"$m\" \"$t\" && mv -f \"$t\" \"$d\" || { rm -f \"$t\"; exit 1; }\n"
	    "echo \"copied $d sha256 $h\"\n";
	char *qs = ssh_quote(script), *qd = ssh_quote(dest), *out;

	out = xprintf("exec /bin/sh -c %s drconsole %s %04o %zu %s", qs, qd, (unsigned)mode, size, sha256_hex);
	free(qs);
	free(qd);
	return out;
}

/* "exec /bin/sh -c WRAPPER drconsole COMMAND", every part quoted. */
char *
ssh_remote_command(const char *command, const char *shell, const struct ssh_var *vars, int nvars,
    int64_t grace_ms, char **cause)
{
	struct strbuf script, out;
	char *q;

	for (int k = 0; k < nvars; k++) {
		if (!valid_identifier(vars[k].name)) {
			*cause = xprintf("'%s' is not a shell variable name", vars[k].name);
			return NULL;
		}
	}
	strbuf_init(&script);
	add_variables(&script, vars, nvars);
	add_supervision(&script, shell, grace_ms);
	strbuf_init(&out);
	q = ssh_quote(strbuf_str(&script));
	strbuf_addf(&out, "exec /bin/sh -c %s drconsole ", q);
	free(q);
	q = ssh_quote(command);
	strbuf_adds(&out, q);
	free(q);
	strbuf_free(&script);
	return strbuf_detach(&out);
}

/* Sized exactly up front: a secret must not linger in memory that a
 * growing buffer freed along the way. */
char *
ssh_stdin_payload(const struct ssh_var *vars, int nvars, size_t *len)
{
	size_t n = 0;
	char *buf, *p;

	for (int k = 0; k < nvars; k++) {
		if (vars[k].secret)
			n += quoted_line_len(vars[k].value) + 1;
	}
	p = buf = xmalloc(n + 1);
	for (int k = 0; k < nvars; k++) {
		if (!vars[k].secret)
			continue;
		p = quote_line(vars[k].value, p);
		*p++ = '\n';
	}
	*p = '\0';
	*len = n;
	return buf;
}

/* Wipes the secrets, then frees. */
void
ssh_payload_free(char *payload, size_t len)
{
	if (payload == NULL)
		return;
	explicit_bzero(payload, len);
	free(payload);
}

/* --- the argv --- */

/* An absolute path, so that no later chdir changes what it names. */
static char *
absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (*path == '/' || getcwd(cwd, sizeof cwd) == NULL)
		return xstrdup(path);
	return xprintf("%s/%s", cwd, path);
}

struct args {
	char **v;
	int n;
};

static void
add(struct args *a, const char *s)
{
	a->v = xreallocarray(a->v, a->n + 2, sizeof *a->v);
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

static void
add_option(struct args *a, const char *opt)
{
	add(a, "-o");
	add(a, opt);
}

/* A value ssh parses itself (a destination, user, address or jump list)
 * must not start like an option and may hold only these characters: no
 * spaces, quotes, '%' tokens or shell metacharacters for a ProxyCommand
 * to meet. */
static int
check_word(const char *host, const char *what, const char *s, const char *extra, char **cause)
{
	if (s == NULL)
		return 0;
	for (const char *p = s; *p != '\0'; p++) {
		if (isalnum((unsigned char)*p) || strchr("._-", *p) != NULL || strchr(extra, *p) != NULL)
			continue;
		*cause = xprintf("host '%s': %s '%s' has a character ssh would not take safely", host, what, s);
		return -1;
	}
	if (*s == '\0' || *s == '-') {
		*cause = xprintf("host '%s': %s '%s' must not be empty or start with '-'", host, what, s);
		return -1;
	}
	return 0;
}

void
ssh_target_of_host(const struct host_def *h, int forward_agent, struct ssh_target *t)
{
	memset(t, 0, sizeof *t);
	t->name = h->name;
	t->address = h->address;
	t->user = h->user;
	t->port = h->port;
	t->identity = h->identity;
	t->jump = h->jump;
	t->forward_agent = forward_agent;
}

int
ssh_check_target(const struct ssh_target *t, char **cause)
{
	if (check_word(t->name, "the name", t->name, "", cause) != 0 ||
	    check_word(t->name, "address", t->address, ":", cause) != 0 ||
	    check_word(t->name, "user", t->user, "", cause) != 0 ||
	    check_word(t->name, "jump", t->jump, "@:,[]", cause) != 0)
		return -1;
	if (t->port < 0 || t->port > 65535) {
		*cause = xprintf("host '%s': port %d is not a TCP port", t->name, t->port);
		return -1;
	}
	if (t->identity != NULL && (*t->identity == '\0' || *t->identity == '-' ||
	    strpbrk(t->identity, "\"'\\\t\n\r\f\v") != NULL)) {
		/* A space is safe: the path is one argv word. A quote is not:
		 * ssh re-splits IdentityFile in a config it writes or reads. */
		*cause = xprintf("host '%s': the identity file must be a path on one line, without quotes or "
		    "backslashes, that does not start with '-'", t->name);
		return -1;
	}
	return 0;
}

/* "KEY=\"PATH\"" for a file option: quoted for ssh's own word splitting,
 * and '%' doubled where ssh expands tokens (UserKnownHostsFile does,
 * GlobalKnownHostsFile does not), so the path is read back as written. */
static char *
file_option(const char *key, const char *path, int tokens, const char *more, char **cause)
{
	struct strbuf b;

	if (strpbrk(path, "\"\\'\n\r\t") != NULL || *path == '\0') {
		*cause = xprintf("%s '%s': a path with quotes, backslashes or control characters cannot be given "
		    "to ssh safely", key, path);
		return NULL;
	}
	strbuf_init(&b);
	strbuf_addf(&b, "%s=\"", key);
	for (; *path != '\0'; path++) {
		if (*path == '%' && tokens)
			strbuf_addch(&b, '%');
		strbuf_addch(&b, *path);
	}
	strbuf_addf(&b, "\"%s", more);
	return strbuf_detach(&b);
}

static int
add_known_hosts(struct args *a, const struct ssh_opts *opts, char **cause)
{
	char *o;

	if (opts->known_hosts != NULL) {
		if ((o = file_option("UserKnownHostsFile", opts->known_hosts, 1, "", cause)) == NULL)
			return -1;
		add_option(a, o);
		free(o);
	}
	if (opts->pinned_hosts != NULL) {
		/* Added to the system-wide files, so the operator's own
		 * UserKnownHostsFile, from their config, still counts. */
		o = file_option("GlobalKnownHostsFile", opts->pinned_hosts, 0,
		    " /etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2", cause);
		if (o == NULL)
			return -1;
		add_option(a, o);
		free(o);
	}
	return 0;
}

/* One master connection per host, kept in opts->control_dir, which is
 * where ssh runs. A step that forwards the agent opens its own connection:
 * a shared master would decide agent forwarding for every step. */
static void
add_control_options(struct args *a, const struct ssh_opts *opts, int forward_agent)
{
	if (opts->control_dir == NULL || forward_agent) {
		/* Reuse an operator's master connection, but never leave one
		 * behind holding our output open. */
		add_option(a, "ControlMaster=no");
		return;
	}
	add_option(a, "ControlMaster=auto");
	add_option(a, "ControlPath=%C");
	add_option(a, "ControlPersist=" SSH_CONTROL_PERSIST);
}

/* What no config file may change: on the command line, these win. */
static void
add_fixed_options(struct args *a, int forward_agent)
{
	char buf[64];

	add(a, "-T");
	add_option(a, "BatchMode=yes");
	add_option(a, "StrictHostKeyChecking=yes");
	add_option(a, forward_agent ? "ForwardAgent=yes" : "ForwardAgent=no");
	add_option(a, "ForwardX11=no");
	add_option(a, "ClearAllForwardings=yes");
	add_option(a, "PermitLocalCommand=no");
	snprintf(buf, sizeof buf, "ConnectTimeout=%d", SSH_CONNECT_TIMEOUT_S);
	add_option(a, buf);
}

static void
add_target(struct args *a, const struct ssh_target *t)
{
	char buf[32], *o;

	if (t->address != NULL) {
		/* The name stays the destination, so Host blocks still match. */
		o = xprintf("HostName=%s", t->address);
		add_option(a, o);
		free(o);
	}
	if (t->port > 0) {
		snprintf(buf, sizeof buf, "%d", t->port);
		add(a, "-p");
		add(a, buf);
	}
	if (t->user != NULL) {
		add(a, "-l");
		add(a, t->user);
	}
	if (t->identity != NULL) {
		/* Absolute: with connection reuse, ssh runs in another folder. */
		o = *t->identity == '~' ? xstrdup(t->identity) : absolute(t->identity);
		add(a, "-i");
		add(a, o);
		free(o);
		add_option(a, "IdentitiesOnly=yes");
	}
	if (t->jump != NULL) {
		add(a, "-J");
		add(a, t->jump);
	}
}

/* ssh, our fixed options, the host's, "--", the name, the remote command. */
char **
ssh_argv(const struct ssh_target *t, const struct ssh_opts *opts, const char *remote, char **cause)
{
	struct args a = { NULL, 0 };

	if (ssh_check_target(t, cause) != 0)
		return NULL;
	add(&a, "ssh");
	if (opts->config != NULL) {
		add(&a, "-F");
		add(&a, opts->config);
	}
	add_fixed_options(&a, t->forward_agent);
	add_control_options(&a, opts, t->forward_agent);
	if (add_known_hosts(&a, opts, cause) != 0) {
		ssh_argv_free(a.v);
		return NULL;
	}
	add_target(&a, t);
	add(&a, "--");
	add(&a, t->name);
	add(&a, remote);
	return a.v;
}

/* Frees an argv from ssh_argv (or any NULL-terminated copy). */
void
ssh_argv_free(char **argv)
{
	for (char **p = argv; p != NULL && *p != NULL; p++)
		free(*p);
	free(argv);
}

/* --- options from the environment --- */

/* The options every ssh call of a run shares. */
void
ssh_opts_from_env(struct ssh_opts *opts, const char *runbook_path)
{
	const char *v, *slash;
	char *pinned;

	memset(opts, 0, sizeof *opts);
	if ((v = getenv("DRCONSOLE_SSH_CONFIG")) != NULL && *v != '\0')
		opts->config = absolute(v);
	if ((v = getenv("DRCONSOLE_SSH_KNOWN_HOSTS")) != NULL && *v != '\0')
		opts->known_hosts = absolute(v);
	if (runbook_path == NULL)
		return;
	slash = strrchr(runbook_path, '/');
	pinned = slash == NULL ? xstrdup("known_hosts") :
	    xprintf("%.*s/known_hosts", (int)(slash - runbook_path), runbook_path);
	if (access(pinned, R_OK) == 0)
		opts->pinned_hosts = absolute(pinned);
	free(pinned);
}

/* Frees what ssh_opts_from_env allocated. */
void
ssh_opts_free(struct ssh_opts *opts)
{
	free(opts->config);
	free(opts->known_hosts);
	free(opts->pinned_hosts);
	memset(opts, 0, sizeof *opts);
}

/* --- master connections --- */

/* An fd on dir when it is a directory of ours that nobody else may enter,
 * never reached through a link; else -1 with *cause. Someone else's
 * folder, or a link planted there, would let them reach our connections
 * or have us close theirs. */
static int
open_private_dir(const char *dir, char **cause)
{
	struct stat st;
	int fd = open(dir, O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC);

	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == geteuid() && (st.st_mode & 077) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	*cause = xprintf("%s is not a private folder of ours (0700)", dir);
	return -1;
}

int
ssh_control_dir_make(const char *dir, char **cause)
{
	int fd;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		*cause = xprintf("%s: %s", dir, strerror(errno));
		return -1;
	}
	if ((fd = open_private_dir(dir, cause)) < 0)
		return -1;
	close(fd);
	return 0;
}

/* A socket ssh names by %C: 40 hexadecimal digits. */
static int
is_master_socket(int dfd, const char *name)
{
	struct stat st;

	if (strlen(name) != 40 || strspn(name, "0123456789abcdef") != 40)
		return 0;
	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode);
}

/* ssh -O exit for the master listening on name in the folder dfd, run
 * there (the relative path keeps clear of the socket path limit); killed
 * after 3 s. */
static void
close_master(int dfd, const char *name)
{
	char *path = xprintf("ControlPath=%s", name);
	char *argv[] = { "ssh", "-F", "/dev/null", "-o", path, "-O", "exit", "drconsole", NULL };
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int status, fd;
	pid_t pid;

	if ((pid = fork()) == 0) {
		if ((fd = open("/dev/null", O_RDWR)) >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (fchdir(dfd) == 0)
			execvp(argv[0], argv);
		_exit(127);
	}
	free(path);
	if (pid < 0)
		return;
	for (int waited = 0; waitpid(pid, &status, WNOHANG) == 0; waited += 10) {
		if (waited >= 3000) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		nanosleep(&tick, NULL);
	}
}

void
ssh_control_close_all(const char *dir)
{
	struct dirent *de;
	DIR *d;
	char *cause = NULL;
	int n = 0, fd;

	if (access(dir, F_OK) != 0 && errno == ENOENT)
		return;
	/* Only our own folder: never one a planted link leads to. */
	if ((fd = open_private_dir(dir, &cause)) < 0 || (d = fdopendir(fd)) == NULL) {
		log_debug("ssh: masters not closed: %s", cause != NULL ? cause : strerror(errno));
		if (fd >= 0)
			close(fd);
		free(cause);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (is_master_socket(dirfd(d), de->d_name)) {
			close_master(dirfd(d), de->d_name);
			n++;
		}
	}
	closedir(d);
	log_debug("ssh: closed %d master connection(s) in %s", n, dir);
	/* A master removes its socket just after it answers -O exit. */
	for (int waited = 0; rmdir(dir) != 0 && errno == ENOTEMPTY && waited < 2000; waited += 10)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	if (access(dir, F_OK) == 0)
		log_debug("ssh: %s stays: %s", dir, strerror(errno));
}
