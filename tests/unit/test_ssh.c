/* test_ssh.c: the ssh argv and the remote wrapper, without a network. A
 * real /bin/sh, run as a job in its own process group, stands in for the
 * remote login shell (sshd runs `SHELL -c STRING` the same way), so every
 * hostile value and command must come out of it exactly as it went in;
 * `ssh -G` (which parses options and prints the result without
 * connecting) checks that ssh reads our argv as we mean it. */
#include "cmocka_all.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "crypto.h"
#include "job.h"
#include "loop.h"
#include "loop_fixture.h"
#include "ssh.h"
#include "strbuf.h"
#include "xmalloc.h"

/* --- running a child the way fanout.c runs ssh --- */

struct run {
	struct strbuf out, err;
	int done;
	int status;
};

static void
on_out(void *arg, int stream, const char *data, size_t len)
{
	struct run *r = arg;

	strbuf_add(stream == JOB_STDERR ? &r->err : &r->out, data, len);
}

static void
on_done(void *arg, int status)
{
	struct run *r = arg;

	r->done = 1;
	r->status = status;
}

/* Starts argv with payload on its stdin, which stays open. */
static struct job *
start(char *const *argv, const char *payload, size_t len, struct run *r)
{
	struct job_spec spec = { 0 };
	struct job *job;
	char *cause = NULL;

	memset(r, 0, sizeof *r);
	strbuf_init(&r->out);
	strbuf_init(&r->err);
	spec.argv = argv;
	spec.stdin_pipe = 1;
	job = job_start(test_loop, &spec, on_out, on_done, r, &cause);
	if (job == NULL)
		fail_msg("job_start: %s", cause);
	job_send_stdin(job, payload, len);
	return job;
}

static int
run_until(struct run *r, int64_t ms)
{
	int64_t end = clock_mono_ms() + ms;

	while (!r->done && clock_mono_ms() < end)
		assert_true(loop_run_once(test_loop, 50) >= 0);
	return r->done;
}

static void
run_free(struct run *r, struct job *job)
{
	job_free(job);
	strbuf_free(&r->out);
	strbuf_free(&r->err);
}

/* The remote side as sshd makes it: `sh -c REMOTE` leading a session
 * (setsid) of its own, stdin open until it exits. The job's own group is
 * setsid's, so job.c's clean-up of that group cannot stand in for the
 * wrapper's. */
#define REMOTE_ARGV(remote) { "setsid", "-w", "/bin/sh", "-c", (char *)(remote), NULL }

static int
remote_run(const char *remote, const char *payload, size_t len, struct run *r)
{
	char *argv[] = REMOTE_ARGV(remote);
	struct job *job = start(argv, payload, len, r);

	assert_true(run_until(r, 10000));
	job_free(job);
	return WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1;
}

/* --- quoting --- */

static const char *const hostile[] = {
	"plain", "", "it's", "'", "''", "'\\''", "\"dq\"", "back\\slash\\", "$(touch /tmp/drc-ssh-pwned)",
	"`touch /tmp/drc-ssh-pwned`", "${HOME}", "$HOME", "a b  c ", " lead", "tab\there", "new\nline",
	"\n", "trailing\n\n", "*", "?[a]", "-n", "--", "-e \\n", "%d %s %%n", "; rm -rf /tmp/x #", "a=b",
	"!bang !! !$", "#hash", "~tilde", "cr\r\nlf", "unicode \xe2\x9c\x93 \xc3\xbcn\xc3\xaf", "\x01\x7f",
	"$drc_nl", "\"$drc_nl\"", "'\"$drc_nl\"'", "drc_v", "}{)(", "&&||;;&|<>", "\\", "\\'",
};
#define NHOSTILE (sizeof hostile / sizeof hostile[0])

static void
test_quote_round_trips(void **state)
{
	struct strbuf cmd, want;
	struct run r;

	(void)state;
	strbuf_init(&cmd);
	strbuf_init(&want);
	strbuf_adds(&cmd, "printf '[%s]'");
	for (size_t k = 0; k < NHOSTILE; k++) {
		char *q = ssh_quote(hostile[k]);

		strbuf_addf(&cmd, " %s", q);
		strbuf_addf(&want, "[%s]", hostile[k]);
		free(q);
	}
	assert_int_equal(remote_run(strbuf_str(&cmd), "", 0, &r), 0);
	assert_string_equal(strbuf_str(&r.out), strbuf_str(&want));
	assert_int_equal(access("/tmp/drc-ssh-pwned", F_OK), -1);
	strbuf_free(&r.out);
	strbuf_free(&r.err);
	strbuf_free(&cmd);
	strbuf_free(&want);
}

/* Every hostile value, as a plain and as a secret variable, reaches the
 * command exactly: the secrets through stdin. */
static void
test_variables_round_trip(void **state)
{
	struct ssh_var vars[2 * NHOSTILE];
	char names[2 * NHOSTILE][16], *remote, *payload, *cause = NULL;
	struct strbuf cmd, want;
	struct run r;
	size_t len;

	(void)state;
	strbuf_init(&cmd);
	strbuf_init(&want);
	strbuf_adds(&cmd, "printf '[%s]'");
	for (size_t k = 0; k < 2 * NHOSTILE; k++) {
		snprintf(names[k], sizeof names[k], "DRC_P_v%zu", k);
		vars[k] = (struct ssh_var){ names[k], hostile[k % NHOSTILE], k >= NHOSTILE };
		strbuf_addf(&cmd, " \"${%s}\"", names[k]);
		strbuf_addf(&want, "[%s]", hostile[k % NHOSTILE]);
	}
	remote = ssh_remote_command(strbuf_str(&cmd), "/bin/sh", vars, 2 * NHOSTILE, 1000, &cause);
	assert_non_null(remote);
	payload = ssh_stdin_payload(vars, 2 * NHOSTILE, &len);
	assert_int_equal(remote_run(remote, payload, len, &r), 0);
	assert_string_equal(strbuf_str(&r.out), strbuf_str(&want));
	assert_string_equal(strbuf_str(&r.err), "");
	assert_int_equal(access("/tmp/drc-ssh-pwned", F_OK), -1);
	ssh_payload_free(payload, len);
	free(remote);
	strbuf_free(&r.out);
	strbuf_free(&r.err);
	strbuf_free(&cmd);
	strbuf_free(&want);
}

/* The command the runbook gave runs as `sh -c` would run it locally. */
static void
test_commands_round_trip(void **state)
{
	static const char *const commands[] = {
		"printf '%s|' 'it'\\''s' \"dq\\\"x\" \"$DRC_P_a\" $((1 + 2)) \"$(echo sub)\" `echo bt`",
		"cat <<'EOF'\nit's $HOME \"quoted\" \\n\nEOF\necho \"${#DRC_P_a}\"",
		"for w in $DRC_P_a; do printf '<%s>' \"$w\"; done; echo",
		"set -- a 'b c'; printf '%s;' \"$#\" \"$@\"; echo '%d %s'",
		"cat; echo \"stdin gave rc=$?\"",
		"echo out; echo err >&2; exit 7",
		"trap 'echo trapped' EXIT; (exit 3); echo \"sub $?\"",
		"x='; touch /tmp/drc-ssh-pwned #'; echo \"$x\"",
		"printf 'no newline at the end'",
	};
	struct ssh_var var = { "DRC_P_a", "two  words' \"$(x)\"", 0 };

	(void)state;
	for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
		char *cause = NULL, *remote = ssh_remote_command(commands[k], "/bin/sh", &var, 1, 1000, &cause);
		char *env[] = { "DRC_P_a=two  words' \"$(x)\"", "PATH=/usr/bin:/bin", NULL };
		char *argv[] = { "/bin/sh", "-c", (char *)commands[k], NULL };
		struct job_spec spec = { .argv = argv, .envp = env };
		struct run local = { 0 }, far;
		struct job *job;
		int rc;

		assert_non_null(remote);
		strbuf_init(&local.out);
		strbuf_init(&local.err);
		job = job_start(test_loop, &spec, on_out, on_done, &local, &cause);
		assert_non_null(job);
		assert_true(run_until(&local, 10000));
		job_free(job);
		rc = remote_run(remote, "", 0, &far);
		assert_int_equal(rc, WEXITSTATUS(local.status));
		assert_string_equal(strbuf_str(&far.out), strbuf_str(&local.out));
		assert_string_equal(strbuf_str(&far.err), strbuf_str(&local.err));
		strbuf_free(&local.out);
		strbuf_free(&local.err);
		strbuf_free(&far.out);
		strbuf_free(&far.err);
		free(remote);
	}
	assert_int_equal(access("/tmp/drc-ssh-pwned", F_OK), -1);
}

static void
test_bad_variable_name(void **state)
{
	struct ssh_var var = { "X;touch /tmp/drc-ssh-pwned", "v", 0 };
	char *cause = NULL;

	(void)state;
	assert_null(ssh_remote_command("true", "/bin/sh", &var, 1, 1000, &cause));
	assert_non_null(strstr(cause, "not a shell variable name"));
	free(cause);
}

/* --- the wrapper's supervision --- */

static int
process_gone(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *fp;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 1;
	p = fgets(buf, sizeof buf, fp);
	fclose(fp);
	/* A zombie no one reaped yet is gone as far as we care. */
	return p == NULL || ((p = strrchr(buf, ')')) != NULL && p[1] == ' ' && p[2] == 'Z');
}

static int
wait_gone(pid_t pid, int64_t ms)
{
	int64_t end = clock_mono_ms() + ms;

	while (!process_gone(pid)) {
		if (clock_mono_ms() >= end)
			return 0;
		loop_run_once(test_loop, 20);
	}
	return 1;
}

/* Closing stdin (a cancel, or a lost connection) stops the command and
 * everything it started: SIGTERM at once, SIGKILL after the grace for
 * what ignores it while the command itself is still there. */
static void
test_stdin_close_stops_everything(void **state)
{
	const char *command = "sleep 300 & echo $!; trap '' TERM; sleep 300 & echo $!; wait";
	char *cause = NULL, *remote = ssh_remote_command(command, "/bin/sh", NULL, 0, 700, &cause);
	char *argv[] = REMOTE_ARGV(remote);
	struct run r;
	struct job *job = start(argv, "", 0, &r);
	int64_t end = clock_mono_ms() + 5000, closed, a_gone;
	long a = 0, b = 0;

	(void)state;
	while (sscanf(strbuf_str(&r.out), "%ld %ld", &a, &b) != 2 && clock_mono_ms() < end)
		loop_run_once(test_loop, 20);
	assert_true(a > 0 && b > 0);
	assert_false(process_gone((pid_t)a));
	closed = clock_mono_ms();
	job_close_stdin(job);
	assert_true(wait_gone((pid_t)a, 3000));
	a_gone = clock_mono_ms() - closed;
	assert_true(wait_gone((pid_t)b, 3000));
	/* b ignores SIGTERM: SIGKILL took it, after the grace, not at once. */
	assert_true(a_gone < 600);
	assert_true(clock_mono_ms() - closed >= 600);
	assert_true(run_until(&r, 3000));
	run_free(&r, job);
	free(remote);
}

/* The command's own end ends the wrapper at once, with its status, while
 * stdin is still open; a command reading stdin sees EOF, not secrets. */
static void
test_normal_end_keeps_status(void **state)
{
	struct ssh_var var = { "DRC_P_pw", "hunter2", 1 };
	char *cause = NULL, *remote = ssh_remote_command("cat; echo \"pw=$DRC_P_pw\"; exit 42", "/bin/sh", &var, 1, 5000,
	    &cause), *payload;
	char *argv[] = REMOTE_ARGV(remote);
	struct run r;
	struct job *job;
	size_t len;
	int64_t t0 = clock_mono_ms();

	(void)state;
	payload = ssh_stdin_payload(&var, 1, &len);
	job = start(argv, payload, len, &r);
	job_send_stdin(job, "more input\n", 11);
	assert_true(run_until(&r, 5000));
	assert_true(clock_mono_ms() - t0 < 3000);
	assert_true(WIFEXITED(r.status));
	assert_int_equal(WEXITSTATUS(r.status), 42);
	assert_string_equal(strbuf_str(&r.out), "pw=hunter2\n");
	ssh_payload_free(payload, len);
	run_free(&r, job);
	free(remote);
}

/* Secrets that never arrive make the wrapper fail, not run without them. */
static void
test_missing_secrets(void **state)
{
	struct ssh_var var = { "DRC_P_pw", "hunter2", 1 };
	char *cause = NULL, *remote = ssh_remote_command("echo ran", "/bin/sh", &var, 1, 1000, &cause);
	char *argv[] = REMOTE_ARGV(remote);
	struct run r;
	struct job *job = start(argv, "", 0, &r);

	(void)state;
	job_close_stdin(job);
	assert_true(run_until(&r, 5000));
	assert_int_equal(WEXITSTATUS(r.status), SSH_EXIT_NO_SECRETS);
	assert_string_equal(strbuf_str(&r.out), "");
	assert_non_null(strstr(strbuf_str(&r.err), "did not arrive"));
	run_free(&r, job);
	free(remote);
}

/* --- job.c's argv and stdin additions --- */

/* More than a socket buffer holds: the rest goes out through POLLOUT. */
static void
test_stdin_written_whole(void **state)
{
	char *argv[] = { "sh", "-c", "head -c 2000000 | wc -c", NULL }, *big = xmalloc(2000000);
	struct run r;
	struct job *job;

	(void)state;
	memset(big, 'y', 2000000);
	job = start(argv, big, 2000000, &r);
	free(big);
	assert_true(run_until(&r, 10000));
	assert_int_equal(atol(strbuf_str(&r.out)), 2000000);
	run_free(&r, job);
}

/* Writing to a child that is gone is EPIPE, not SIGPIPE for us. */
static void
test_stdin_after_exit_no_sigpipe(void **state)
{
	char *argv[] = { "true", NULL }, data[65536];
	struct run r;
	struct job *job;

	(void)state;
	memset(data, 'z', sizeof data);
	job = start(argv, "", 0, &r);
	assert_true(run_until(&r, 5000));
	job_send_stdin(job, data, sizeof data);
	job_close_stdin(job);
	job_close_stdin(job);
	run_free(&r, job);
}

static void
test_argv_not_found(void **state)
{
	char *argv[] = { "drc-no-such-program", NULL }, *cause = NULL;
	struct job_spec spec = { .argv = argv };
	struct run r = { 0 };

	(void)state;
	assert_null(job_start(test_loop, &spec, on_out, on_done, &r, &cause));
	assert_string_equal(cause, "drc-no-such-program: not found in PATH");
	free(cause);
}

/* --- the argv --- */

static int
find(char **argv, const char *s)
{
	for (int k = 0; argv[k] != NULL; k++) {
		if (strcmp(argv[k], s) == 0)
			return k;
	}
	return -1;
}

static int
has_option(char **argv, const char *flag, const char *value)
{
	for (int k = 0; argv[k] != NULL && argv[k + 1] != NULL; k++) {
		if (strcmp(argv[k], flag) == 0 && strcmp(argv[k + 1], value) == 0)
			return 1;
	}
	return 0;
}

static int
argc_of(char **argv)
{
	int n = 0;

	while (argv[n] != NULL)
		n++;
	return n;
}

static void
test_argv_full_host(void **state)
{
	struct ssh_target t = { "db1", "10.0.0.5", "ops", 2222, "/keys/ops key", "admin@bastion:2200", 0 };
	struct ssh_opts o = { "/etc/drc/ssh config", NULL, NULL, NULL };
	char *cause = NULL, **argv = ssh_argv(&t, &o, "REMOTE", &cause);
	int n;

	(void)state;
	assert_non_null(argv);
	n = argc_of(argv);
	assert_string_equal(argv[0], "ssh");
	assert_true(has_option(argv, "-F", "/etc/drc/ssh config"));
	assert_true(has_option(argv, "-o", "BatchMode=yes"));
	assert_true(has_option(argv, "-o", "StrictHostKeyChecking=yes"));
	assert_true(has_option(argv, "-o", "ForwardAgent=no"));
	assert_true(has_option(argv, "-o", "ForwardX11=no"));
	assert_true(has_option(argv, "-o", "ClearAllForwardings=yes"));
	assert_true(has_option(argv, "-o", "ConnectTimeout=10"));
	assert_true(has_option(argv, "-o", "HostName=10.0.0.5"));
	assert_true(has_option(argv, "-p", "2222"));
	assert_true(has_option(argv, "-l", "ops"));
	assert_true(has_option(argv, "-i", "/keys/ops key"));
	assert_true(has_option(argv, "-o", "IdentitiesOnly=yes"));
	assert_true(has_option(argv, "-J", "admin@bastion:2200"));
	assert_int_equal(find(argv, "-A"), -1);
	/* Options end before the destination; the command is one argument. */
	assert_int_equal(find(argv, "--"), n - 3);
	assert_string_equal(argv[n - 2], "db1");
	assert_string_equal(argv[n - 1], "REMOTE");
	ssh_argv_free(argv);
}

/* A bare name leaves everything to ~/.ssh/config but what we insist on. */
static void
test_argv_name_only(void **state)
{
	struct ssh_target t = { .name = "db2" };
	struct ssh_opts o = { 0 };
	char *cause = NULL, **argv = ssh_argv(&t, &o, "R", &cause);

	(void)state;
	assert_non_null(argv);
	assert_int_equal(find(argv, "-F"), -1);
	assert_int_equal(find(argv, "-p"), -1);
	assert_int_equal(find(argv, "-l"), -1);
	assert_int_equal(find(argv, "-i"), -1);
	assert_int_equal(find(argv, "-J"), -1);
	assert_false(has_option(argv, "-o", "IdentitiesOnly=yes"));
	for (int k = 0; argv[k] != NULL; k++) {
		assert_null(strstr(argv[k], "HostName"));
		assert_null(strstr(argv[k], "KnownHostsFile"));
	}
	assert_true(has_option(argv, "-o", "BatchMode=yes"));
	assert_true(has_option(argv, "-o", "StrictHostKeyChecking=yes"));
	ssh_argv_free(argv);
}

static void
test_argv_forward_agent_only_when_asked(void **state)
{
	struct ssh_target t = { .name = "db3", .forward_agent = 1 };
	struct ssh_opts o = { 0 };
	char *cause = NULL, **argv = ssh_argv(&t, &o, "R", &cause);

	(void)state;
	assert_true(has_option(argv, "-o", "ForwardAgent=yes"));
	assert_false(has_option(argv, "-o", "ForwardAgent=no"));
	ssh_argv_free(argv);
}

static void
test_argv_refuses_option_like_values(void **state)
{
	static const struct ssh_target bad[] = {
		{ .name = "-oProxyCommand=touch /tmp/drc-ssh-pwned" },
		{ .name = "db1", .address = "-oProxyCommand=x" },
		{ .name = "db1", .address = "a b" },
		{ .name = "db1", .address = "%h" },
		{ .name = "db1", .user = "-x" },
		{ .name = "db1", .user = "a;b" },
		{ .name = "db1", .user = "$(id)" },
		{ .name = "db1", .jump = "-oProxyCommand=x" },
		{ .name = "db1", .jump = "b'x" },
		{ .name = "db1", .port = 70000 },
		{ .name = "db1", .identity = "a\nb" },
	};
	struct ssh_opts o = { 0 };

	(void)state;
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		char *cause = NULL;

		assert_null(ssh_argv(&bad[k], &o, "R", &cause));
		assert_non_null(cause);
		free(cause);
	}
}

/* No secret on any command line: not ssh's, not the remote shell's. */
static void
test_secrets_absent_from_argv(void **state)
{
	struct ssh_var vars[] = {
		{ "DRC_P_user", "alice", 0 },
		{ "DRC_P_pw", "S3cret-'quoted'\nline2", 1 },
		{ "DRC_E_TOKEN", "tok-9f8e7d", 1 },
	};
	struct ssh_target t = { .name = "db1", .user = "ops" };
	struct ssh_opts o = { 0 };
	char *cause = NULL, *remote = ssh_remote_command("run \"$DRC_P_pw\"", "/bin/sh", vars, 3, 1000, &cause), **argv;
	char *payload;
	size_t len;

	(void)state;
	argv = ssh_argv(&t, &o, remote, &cause);
	assert_non_null(argv);
	for (int k = 0; argv[k] != NULL; k++) {
		assert_null(strstr(argv[k], "S3cret"));
		assert_null(strstr(argv[k], "line2"));
		assert_null(strstr(argv[k], "tok-9f8e7d"));
	}
	assert_non_null(strstr(remote, "alice"));
	payload = ssh_stdin_payload(vars, 3, &len);
	assert_non_null(strstr(payload, "S3cret"));
	assert_non_null(strstr(payload, "tok-9f8e7d"));
	assert_null(strstr(payload, "alice"));
	/* One line per secret, in order. */
	assert_string_equal(payload, "'S3cret-'\\''quoted'\\'''\"$drc_nl\"'line2'\n'tok-9f8e7d'\n");
	ssh_payload_free(payload, len);
	ssh_argv_free(argv);
	free(remote);
}

/* --- what ssh itself makes of the argv --- */

/* `ssh -G ARGS` with our options: the configuration ssh would use. */
static char *
ssh_config_dump(char **argv)
{
	int n = argc_of(argv);
	char **g = xcalloc((size_t)n + 2, sizeof *g);
	struct run r;
	struct job *job;
	char *out;

	g[0] = argv[0];
	g[1] = "-G";
	for (int k = 1; k < n - 1; k++)	/* without the remote command */
		g[k + 1] = argv[k];
	job = start(g, "", 0, &r);
	job_close_stdin(job);
	assert_true(run_until(&r, 10000));
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0)
		fail_msg("ssh -G failed: %s", strbuf_str(&r.err));
	out = xstrdup(strbuf_str(&r.out));
	run_free(&r, job);
	free(g);
	return out;
}

static void
assert_line(const char *dump, const char *line)
{
	char *want = xprintf("\n%s\n", line), *padded = xprintf("\n%s", dump);

	if (strstr(padded, want) == NULL)
		fail_msg("ssh -G does not say '%s':\n%s", line, dump);
	free(want);
	free(padded);
}

static void
test_ssh_parses_our_argv(void **state)
{
	char dir[] = "/tmp/drc ssh %d.XXXXXX", *id, *kh, *pinned, *cause = NULL, **argv, *dump, *want;
	struct ssh_target t = { "db1", "127.0.0.2", "ops", 2222, NULL, "jumper@bastion:2200", 0 };
	struct ssh_opts o = { 0 };

	(void)state;
	if (access("/usr/bin/ssh", X_OK) != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	id = xprintf("%s/id with space", dir);
	kh = xprintf("%s/known%%hosts", dir);
	pinned = xprintf("%s/known_hosts", dir);
	close(open(id, O_CREAT | O_WRONLY, 0600));
	t.identity = id;
	o.known_hosts = kh;
	o.pinned_hosts = pinned;
	argv = ssh_argv(&t, &o, "REMOTE", &cause);
	assert_non_null(argv);
	dump = ssh_config_dump(argv);
	assert_line(dump, "hostname 127.0.0.2");
	assert_line(dump, "port 2222");
	assert_line(dump, "user ops");
	assert_line(dump, "batchmode yes");
	assert_line(dump, "stricthostkeychecking true");
	assert_line(dump, "forwardagent no");
	assert_line(dump, "forwardx11 no");
	assert_line(dump, "clearallforwardings yes");
	assert_line(dump, "connecttimeout 10");
	assert_line(dump, "identitiesonly yes");
	assert_line(dump, "requesttty false");
	assert_line(dump, "proxyjump jumper@bastion:2200");
	/* Spaces and '%' in paths: quoted and escaped, read back whole. */
	want = xprintf("identityfile %s", id);
	assert_line(dump, want);
	free(want);
	want = xprintf("userknownhostsfile %s", kh);
	assert_line(dump, want);
	free(want);
	want = xprintf("globalknownhostsfile %s /etc/ssh/ssh_known_hosts", pinned);
	assert_non_null(strstr(dump, want));
	free(want);
	free(dump);
	ssh_argv_free(argv);
	unlink(id);
	rmdir(dir);
	free(id);
	free(kh);
	free(pinned);
}

static void
test_opts_from_env(void **state)
{
	char dir[] = "/tmp/drc-ssh-opts.XXXXXX", *rb, *pin;
	struct ssh_opts o;

	(void)state;
	assert_non_null(mkdtemp(dir));
	rb = xprintf("%s/fleet.yaml", dir);
	pin = xprintf("%s/known_hosts", dir);
	setenv("DRCONSOLE_SSH_CONFIG", "rel/config", 1);
	unsetenv("DRCONSOLE_SSH_KNOWN_HOSTS");
	ssh_opts_from_env(&o, rb);
	assert_non_null(o.config);
	assert_true(o.config[0] == '/');
	assert_non_null(strstr(o.config, "/rel/config"));
	assert_null(o.known_hosts);
	assert_null(o.pinned_hosts);
	ssh_opts_free(&o);
	close(open(pin, O_CREAT | O_WRONLY, 0600));
	setenv("DRCONSOLE_SSH_KNOWN_HOSTS", "/abs/kh", 1);
	ssh_opts_from_env(&o, rb);
	assert_string_equal(o.known_hosts, "/abs/kh");
	assert_string_equal(o.pinned_hosts, pin);
	ssh_opts_free(&o);
	unsetenv("DRCONSOLE_SSH_CONFIG");
	unsetenv("DRCONSOLE_SSH_KNOWN_HOSTS");
	unlink(pin);
	rmdir(dir);
	free(rb);
	free(pin);
}

/* Connection reuse: one master per host, in the folder ssh runs in; never
 * for a step that forwards the agent, never without a folder. */
static void
test_argv_control_master(void **state)
{
	struct ssh_target t = { .name = "db1", .identity = "keys/ops" };
	struct ssh_opts o = { .control_dir = "/inc/ssh" };
	char *cause = NULL, **argv = ssh_argv(&t, &o, "R", &cause), *dump;

	(void)state;
	assert_true(has_option(argv, "-o", "ControlMaster=auto"));
	assert_true(has_option(argv, "-o", "ControlPath=%C"));
	assert_true(has_option(argv, "-o", "ControlPersist=" SSH_CONTROL_PERSIST));
	/* ssh runs in the folder: a relative identity must not move with it. */
	assert_int_equal(argv[find(argv, "-i") + 1][0], '/');
	assert_non_null(strstr(argv[find(argv, "-i") + 1], "/keys/ops"));
	if (access("/usr/bin/ssh", X_OK) == 0) {
		dump = ssh_config_dump(argv);
		assert_line(dump, "controlmaster auto");
		assert_line(dump, "controlpersist 600");
		free(dump);
	}
	ssh_argv_free(argv);
	t.forward_agent = 1;
	argv = ssh_argv(&t, &o, "R", &cause);
	assert_true(has_option(argv, "-o", "ControlMaster=no"));
	assert_int_equal(find(argv, "ControlPath=%C"), -1);
	ssh_argv_free(argv);
	t.forward_agent = 0;
	o.control_dir = NULL;
	argv = ssh_argv(&t, &o, "R", &cause);
	assert_true(has_option(argv, "-o", "ControlMaster=no"));
	assert_int_equal(find(argv, "ControlPath=%C"), -1);
	ssh_argv_free(argv);
}

/* The masters' folder is ours and private, or there is no reuse: a folder
 * others may enter, or a link planted where it should be, is refused. */
static void
test_control_dir_private(void **state)
{
	char dir[] = "/tmp/drc-ctl.XXXXXX", *ctl, *cause = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	ctl = xprintf("%s/ssh", dir);
	assert_int_equal(ssh_control_dir_make(ctl, &cause), 0);
	assert_int_equal(ssh_control_dir_make(ctl, &cause), 0);
	chmod(ctl, 0755);
	assert_int_equal(ssh_control_dir_make(ctl, &cause), -1);
	assert_non_null(strstr(cause, "0700"));
	free(cause);
	cause = NULL;
	rmdir(ctl);
	assert_int_equal(symlink("/tmp", ctl), 0);
	assert_int_equal(ssh_control_dir_make(ctl, &cause), -1);
	free(cause);
	unlink(ctl);
	/* Closing with no master left removes the empty folder. */
	assert_int_equal(ssh_control_dir_make(ctl, &cause), 0);
	ssh_control_close_all(ctl);
	assert_int_equal(access(ctl, F_OK), -1);
	rmdir(dir);
	free(ctl);
}

/* A unix socket listening at dir/name, non-blocking; its fd. */
static int
listen_at(const char *dir, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM|SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	assert_true(snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", dir, name) < (int)sizeof sa.sun_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/* The run's end closes the masters in our folder only: a link planted at
 * its path leads to someone's sockets, which are neither spoken to (no ssh
 * -O exit connects to them) nor removed; the link stays too. A master
 * socket in the real folder is spoken to. */
static void
test_control_close_refuses_link(void **state)
{
	char dir[] = "/tmp/drc-ctl.XXXXXX", *other, *ctl;
	const char *name = "0123456789abcdef0123456789abcdef01234567";
	struct stat st;
	int fd, peer, status;
	pid_t pid;

	(void)state;
	if (access("/usr/bin/ssh", X_OK) != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	other = xprintf("%s/other", dir);
	ctl = xprintf("%s/ssh", dir);
	assert_int_equal(mkdir(other, 0700), 0);
	fd = listen_at(other, name);
	assert_int_equal(symlink(other, ctl), 0);
	ssh_control_close_all(ctl);
	assert_int_equal(accept(fd, NULL, NULL), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(lstat(ctl, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(unlink(ctl), 0);
	/* The same socket in the real folder: ssh -O exit connects to it. A
	 * child stands in for the master: it takes the connection, hangs up
	 * and removes the socket, as a master that exits does. */
	assert_int_equal(rename(other, ctl), 0);
	free(other);
	other = xprintf("%s/%s", ctl, name);
	if ((pid = fork()) == 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 10000) != 1 || (peer = accept(fd, NULL, NULL)) < 0)
			_exit(1);
		unlink(other);
		close(peer);
		_exit(0);
	}
	ssh_control_close_all(ctl);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(access(ctl, F_OK), -1);
	close(fd);
	rmdir(dir);
	free(other);
	free(ctl);
}

/* Runs a copy's remote command under /bin/sh with input on its stdin, in
 * dir; returns its exit status. */
static int
run_copy(const char *dir, const char *remote, const char *input, size_t len)
{
	int fds[2], status;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		dup2(fds[0], 0);
		close(fds[1]);
		if (chdir(dir) != 0)
			_exit(99);
		execl("/bin/sh", "sh", "-c", remote, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	assert_int_equal(write(fds[1], input, len), (ssize_t)len);
	close(fds[1]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The copy's remote side: the file lands whole with its mode, or nothing
 * lands: a short transfer and a damaged one leave no file, temporary or
 * final. The destination is data, whatever its bytes. */
static void
test_copy_command(void **state)
{
	static const char data[] = "line one\nline two\n";
	char dir[] = "/tmp/drc-copy.XXXXXX", hex[65], *remote, *dest, *path;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	dest = xprintf("%s/f; touch PWNED $(id) '\"", dir);
	crypto_sha256_hex(data, strlen(data), hex);
	remote = ssh_copy_command(dest, 0640, strlen(data), hex);
	assert_int_equal(run_copy(dir, remote, data, strlen(data)), 0);
	assert_int_equal(stat(dest, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_size, (off_t)strlen(data));
	path = xprintf("%s/PWNED", dir);
	assert_int_equal(access(path, F_OK), -1);
	unlink(dest);
	/* Short: the stream ends before the size. */
	assert_int_not_equal(run_copy(dir, remote, data, 5), 0);
	assert_int_equal(access(dest, F_OK), -1);
	free(remote);
	/* Damaged: the bytes do not hash to what was sent. */
	remote = ssh_copy_command(dest, 0640, strlen(data), "0000000000000000000000000000000000000000000000000000000000000000");
	assert_int_not_equal(run_copy(dir, remote, data, strlen(data)), 0);
	assert_int_equal(access(dest, F_OK), -1);
	free(remote);
	/* Nothing else was left in the folder: it is empty. */
	assert_int_equal(rmdir(dir), 0);
	free(dest);
	free(path);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, loop_fixture_setup, \
    loop_fixture_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_quote_round_trips),
		TEST(test_variables_round_trip),
		TEST(test_commands_round_trip),
		TEST(test_bad_variable_name),
		TEST(test_stdin_close_stops_everything),
		TEST(test_normal_end_keeps_status),
		TEST(test_missing_secrets),
		TEST(test_stdin_written_whole),
		TEST(test_stdin_after_exit_no_sigpipe),
		TEST(test_argv_not_found),
		TEST(test_argv_full_host),
		TEST(test_argv_name_only),
		TEST(test_argv_forward_agent_only_when_asked),
		TEST(test_argv_refuses_option_like_values),
		TEST(test_secrets_absent_from_argv),
		TEST(test_ssh_parses_our_argv),
		TEST(test_opts_from_env),
		TEST(test_argv_control_master),
		TEST(test_control_dir_private),
		TEST(test_control_close_refuses_link),
		TEST(test_copy_command),
	};

	unlink("/tmp/drc-ssh-pwned");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
