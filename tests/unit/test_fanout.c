/* test_fanout.c: fan-outs through the real ssh to a fleet of real sshd on
 * 127.0.0.1 (tests/e2e/ssh_lib.sh: one server per host name, each on its
 * own port, a generated ssh config and known_hosts). The remote commands
 * run on this machine, so the test can see their files and processes.
 * Exits 77 when sshd or ssh is missing. */
#include "cmocka_all.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "fanout.h"
#include "job.h"
#include "loop.h"
#include "loop_fixture.h"
#include "ssh.h"
#include "strbuf.h"
#include "xmalloc.h"

#define MAXH 4

static char fleet[PATH_MAX];	/* the fleet's folder: ssh_config, known_hosts */
static struct ssh_opts fleet_opts;

static int
fleet_run(const char *how, const char *names)
{
	const char *top = getenv("top_srcdir");
	char *cmd = xprintf("bash '%s/tests/e2e/ssh_lib.sh' %s '%s' %s", top != NULL ? top : ".", how, fleet,
	    names);
	int rc = system(cmd);

	free(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* --- a round and what came back --- */

struct round {
	struct fanout *f;
	struct strbuf out[MAXH];	/* "1:line\n" (stdout) and "2:line\n" (stderr) */
	int done;
};

static void
on_line(void *arg, int host, int stream, const char *line, size_t len)
{
	struct round *rd = arg;

	assert_true(host >= 0 && host < MAXH);
	assert_int_equal(rd->done, 0);
	strbuf_addf(&rd->out[host], "%d:%.*s\n", stream, (int)len, line);
}

static void
on_done(void *arg)
{
	struct round *rd = arg;

	rd->done++;
}

static void
round_init(struct round *rd, const char *const *names, int n)
{
	memset(rd, 0, sizeof *rd);
	for (int k = 0; k < MAXH; k++)
		strbuf_init(&rd->out[k]);
	rd->f = fanout_new(test_loop, names, n);
}

static void
round_free(struct round *rd)
{
	for (int k = 0; k < MAXH; k++)
		strbuf_free(&rd->out[k]);
	fanout_free(rd->f);
}

/* Starts a round of command on every host of rd->f, as engine_remote.c
 * would: one argv per host, the secrets for stdin. */
static void
round_start(struct round *rd, const char *command, const struct ssh_var *vars, int nvars,
    const struct fanout_opts *o)
{
	int n = fanout_count(rd->f);
	struct ssh_var all[8];
	char **argvs[MAXH], *cause = NULL, *payload;
	size_t len;

	assert_true(nvars < 7);
	if (nvars > 0)
		memcpy(all, vars, (size_t)nvars * sizeof *vars);
	for (int k = 0; k < n; k++) {
		struct ssh_target t = { .name = fanout_name(rd->f, k) };
		char *remote;

		all[nvars] = (struct ssh_var){ "DRCONSOLE_HOST", fanout_name(rd->f, k), 0 };
		remote = ssh_remote_command(command, "/bin/sh", all, nvars + 1, o->grace_ms, &cause);
		argvs[k] = ssh_argv(&t, &fleet_opts, remote, &cause);
		assert_non_null(argvs[k]);
		free(remote);
	}
	payload = ssh_stdin_payload(vars, nvars, &len);
	rd->done = 0;
	if (fanout_start(rd->f, o, (char *const *const *)argvs, payload, len, on_line, on_done, rd, &cause) != 0)
		fail_msg("fanout_start: %s", cause);
	assert_true(fanout_running(rd->f));
	ssh_payload_free(payload, len);
	for (int k = 0; k < n; k++)
		ssh_argv_free(argvs[k]);
}

static void
round_wait(struct round *rd, int64_t ms)
{
	int64_t end = clock_mono_ms() + ms;

	while (!rd->done && clock_mono_ms() < end)
		assert_true(loop_run_once(test_loop, 50) >= 0);
	assert_int_equal(rd->done, 1);
	assert_false(fanout_running(rd->f));
}

static void
run_round(struct round *rd, const char *command, const struct fanout_opts *o)
{
	round_start(rd, command, NULL, 0, o);
	round_wait(rd, 20000);
}

static enum fanout_status
status_of(struct round *rd, int k)
{
	return fanout_result(rd->f, k)->status;
}

static const char *const db3[] = { "db1", "db2", "db3" };
static const struct fanout_opts all_at_once = { .grace_ms = 1000 };

/* --- tests --- */

static void
test_all_ok(void **state)
{
	struct round rd;

	(void)state;
	round_init(&rd, db3, 3);
	run_round(&rd, "echo \"hi from $DRCONSOLE_HOST\"; echo oops >&2; printf 'no newline'", &all_at_once);
	assert_true(fanout_met(rd.f));
	assert_int_equal(fanout_ok_count(rd.f), 3);
	for (int k = 0; k < 3; k++) {
		char *want = xprintf("1:hi from %s\n", db3[k]);

		assert_int_equal(status_of(&rd, k), FANOUT_OK);
		assert_int_equal(fanout_result(rd.f, k)->exit_code, 0);
		assert_int_equal(fanout_result(rd.f, k)->round, 1);
		assert_non_null(strstr(strbuf_str(&rd.out[k]), want));
		assert_non_null(strstr(strbuf_str(&rd.out[k]), "2:oops\n"));
		assert_non_null(strstr(strbuf_str(&rd.out[k]), "1:no newline\n"));
		/* Nothing else: a failure shows what else there was. */
		if (strlen(strbuf_str(&rd.out[k])) != strlen(want) + 7 + 13)
			print_message("%s's output:\n%s", db3[k], strbuf_str(&rd.out[k]));
		assert_int_equal(strlen(strbuf_str(&rd.out[k])), strlen(want) + 7 + 13);
		free(want);
	}
	round_free(&rd);
}

/* down1's sshd is stopped: its port refuses, ssh exits 255. */
static void
test_host_down_and_policies(void **state)
{
	static const char *const hosts[] = { "db1", "db2", "down1" };
	static const struct { enum fanout_policy p; int at_least, met; } cases[] = {
		{ POLICY_ALL, 0, 0 }, { POLICY_ANY, 0, 1 }, { POLICY_AT_LEAST, 3, 0 },
	};

	(void)state;
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct fanout_opts o = { .policy = cases[c].p, .at_least = cases[c].at_least, .grace_ms = 1000 };
		struct round rd;

		round_init(&rd, hosts, 3);
		run_round(&rd, "echo up", &o);
		assert_int_equal(fanout_met(rd.f), cases[c].met);
		assert_int_equal(fanout_ok_count(rd.f), 2);
		assert_int_equal(status_of(&rd, 2), FANOUT_UNREACHABLE);
		assert_int_equal(fanout_result(rd.f, 2)->exit_code, 255);
		assert_string_equal(fanout_result(rd.f, 2)->desc, "ssh exited 255");
		assert_non_null(strstr(strbuf_str(&rd.out[2]), "2:ssh: connect to host 127.0.0.1"));
		round_free(&rd);
	}
}

static void
test_slow_and_failing(void **state)
{
	struct round rd;
	const struct fanout_result *slow;

	(void)state;
	/* db2 ends only once db3 has run (a gate file, bounded at 10 s):
	 * it ends ok only if the slow host held nobody up. No clock is
	 * read, so a busy machine cannot make it fail. */
	char *gate = xprintf("%s/gate-slow", fleet), *cmd;

	unlink(gate);
	cmd = xprintf("case $DRCONSOLE_HOST in db1) exit 3;; db2) i=0; while [ ! -e '%s' ]; do "
	    "i=$((i+1)); [ $i -lt 200 ] || exit 9; sleep 0.05; done;; db3) touch '%s';; esac; echo done",
	    gate, gate);
	round_init(&rd, db3, 3);
	run_round(&rd, cmd, &all_at_once);
	assert_false(fanout_met(rd.f));
	assert_int_equal(status_of(&rd, 0), FANOUT_FAILED);
	assert_int_equal(fanout_result(rd.f, 0)->exit_code, 3);
	assert_string_equal(fanout_result(rd.f, 0)->desc, "exited 3, expected 0");
	slow = fanout_result(rd.f, 1);
	assert_int_equal(slow->status, FANOUT_OK);
	assert_int_equal(status_of(&rd, 2), FANOUT_OK);
	unlink(gate);
	free(gate);
	free(cmd);
	round_free(&rd);
}

static void
test_expect_output_per_host(void **state)
{
	struct fanout_opts o = all_at_once;
	regex_t re;
	struct round rd;

	(void)state;
	assert_int_equal(regcomp(&re, "^ready$", REG_EXTENDED | REG_NOSUB), 0);
	o.expect_output = &re;
	o.expect_exit = 4;
	round_init(&rd, db3, 3);
	run_round(&rd, "[ $DRCONSOLE_HOST = db2 ] && echo 'not ready' || echo ready; exit 4", &o);
	assert_int_equal(status_of(&rd, 0), FANOUT_OK);
	assert_int_equal(status_of(&rd, 1), FANOUT_FAILED);
	assert_string_equal(fanout_result(rd.f, 1)->desc, "no output line matched");
	assert_int_equal(status_of(&rd, 2), FANOUT_OK);
	round_free(&rd);
	regfree(&re);
}

static int
overlap(const struct fanout_result *a, const struct fanout_result *b)
{
	return a->offset_ms < b->offset_ms + b->duration_ms && b->offset_ms < a->offset_ms + a->duration_ms;
}

static void
test_parallel_and_serial(void **state)
{
	struct fanout_opts serial = all_at_once;
	struct round par, ser;
	int64_t t0, t_par, t_ser;

	(void)state;
	serial.max_parallel = 1;
	/* All at once: each host waits until all three have started (bounded
	 * at 10 s) and says how many it saw, so 3 proves they overlapped
	 * whatever the machine's load; no clock is read for it. */
	char *dir = xprintf("%s/running", fleet), *par_cmd = xprintf("d='%s'; mkdir -p \"$d\"; "
	    "touch \"$d/$DRCONSOLE_HOST\"; i=0; while [ \"$(ls \"$d\" | wc -l)\" -lt 3 ]; do "
	    "i=$((i+1)); [ $i -lt 200 ] || break; sleep 0.05; done; echo \"saw $(ls \"$d\" | wc -l)\"; "
	    "sleep 0.3", dir);
	char *rm = xprintf("rm -rf '%s'", dir);

	assert_int_equal(system(rm), 0);
	round_init(&par, db3, 3);
	t0 = clock_mono_ms();
	run_round(&par, par_cmd, &all_at_once);
	t_par = clock_mono_ms() - t0;
	round_init(&ser, db3, 3);
	t0 = clock_mono_ms();
	run_round(&ser, "sleep 0.3", &serial);
	t_ser = clock_mono_ms() - t0;
	print_message("# 3 hosts, sleep 0.3: all at once %lld ms, one at a time %lld ms\n", (long long)t_par,
	    (long long)t_ser);
	for (int k = 0; k < 3; k++) {
		assert_int_equal(status_of(&par, k), FANOUT_OK);
		assert_int_equal(status_of(&ser, k), FANOUT_OK);
		assert_non_null(strstr(strbuf_str(&par.out[k]), "saw 3"));
	}
	assert_true(overlap(fanout_result(par.f, 0), fanout_result(par.f, 1)));
	assert_true(overlap(fanout_result(par.f, 1), fanout_result(par.f, 2)));
	for (int k = 0; k + 1 < 3; k++) {
		const struct fanout_result *a = fanout_result(ser.f, k), *b = fanout_result(ser.f, k + 1);

		assert_false(overlap(a, b));
		assert_true(b->offset_ms >= a->offset_ms + a->duration_ms);
	}
	assert_true(t_ser >= 900);	/* three sleeps of 0.3 s, one after another */
	round_free(&par);
	round_free(&ser);
	assert_int_equal(system(rm), 0);
	free(dir);
	free(rm);
	free(par_cmd);
}

/* Two at a time: never three at once, and the third waits for a slot. */
static void
test_max_parallel_two(void **state)
{
	struct fanout_opts o = all_at_once;
	static const char *const hosts[] = { "db1", "db2", "db3", "db1" };
	struct round rd;
	int most = 0;

	(void)state;
	o.max_parallel = 2;
	round_init(&rd, hosts, 4);
	run_round(&rd, "sleep 0.4", &o);
	for (int k = 0; k < 4; k++) {
		int at_once = 0;

		for (int j = 0; j < 4; j++) {
			const struct fanout_result *a = fanout_result(rd.f, k), *b = fanout_result(rd.f, j);

			at_once += b->offset_ms <= a->offset_ms && a->offset_ms < b->offset_ms + b->duration_ms;
		}
		most = at_once > most ? at_once : most;
		assert_int_equal(status_of(&rd, k), FANOUT_OK);
	}
	assert_int_equal(most, 2);
	round_free(&rd);
}

/* --- cancel --- */

static int
process_gone(long pid)
{
	char path[64], buf[512], *p;
	FILE *fp;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 1;
	p = fgets(buf, sizeof buf, fp);
	fclose(fp);
	return p == NULL || ((p = strrchr(buf, ')')) != NULL && p[2] == 'Z');
}

/* Live processes whose command line holds marker (zombies hold none). */
static int
count_with(const char *marker)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char path[300], buf[8192];
		size_t len;
		FILE *fp;

		if (atol(de->d_name) <= 0 || atol(de->d_name) == (long)getpid())
			continue;
		snprintf(path, sizeof path, "/proc/%s/cmdline", de->d_name);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		len = fread(buf, 1, sizeof buf - 1, fp);
		fclose(fp);
		for (size_t i = 0; i < len; i++)
			buf[i] = buf[i] == '\0' ? ' ' : buf[i];
		buf[len] = '\0';
		n += strstr(buf, marker) != NULL;
	}
	closedir(d);
	return n;
}

static int
wait_until_none(const char *marker, const long *pids, int npids, int64_t ms)
{
	int64_t end = clock_mono_ms() + ms;

	for (;;) {
		int left = count_with(marker);

		for (int k = 0; k < npids; k++)
			left += !process_gone(pids[k]);
		if (left == 0)
			return 1;
		if (clock_mono_ms() >= end)
			return 0;
		loop_run_once(test_loop, 20);
	}
}

/* Cancel mid-fan-out: two hosts running `sleep 300`, one waiting for a
 * slot. No remote process may be left, the not-started one never starts. */
static void
test_cancel_leaves_no_remote_process(void **state)
{
	struct fanout_opts o = all_at_once;
	struct round rd;
	char *marker = xprintf("drc-cancel-%ld", (long)getpid()), *cmd;
	long pids[2] = { 0, 0 };
	int64_t end;

	(void)state;
	o.max_parallel = 2;
	cmd = xprintf(": %s; sleep 300 & echo \"pid $!\"; wait", marker);
	round_init(&rd, db3, 3);
	round_start(&rd, cmd, NULL, 0, &o);
	/* A bound on waiting, never a measure: a busy machine may be slow. */
	end = clock_mono_ms() + 30000;
	while ((pids[0] == 0 || pids[1] == 0) && clock_mono_ms() < end) {
		loop_run_once(test_loop, 20);
		sscanf(strbuf_str(&rd.out[0]), "1:pid %ld", &pids[0]);
		sscanf(strbuf_str(&rd.out[1]), "1:pid %ld", &pids[1]);
	}
	if (pids[0] <= 0 || pids[1] <= 0)
		print_message("db1's output:\n%s\ndb2's output:\n%s\n", strbuf_str(&rd.out[0]), strbuf_str(&rd.out[1]));
	assert_true(pids[0] > 0 && pids[1] > 0);
	assert_false(process_gone(pids[0]));
	assert_int_equal(status_of(&rd, 2), FANOUT_PENDING);
	assert_true(count_with(marker) >= 2);
	fanout_cancel(rd.f, 0);
	assert_int_equal(status_of(&rd, 2), FANOUT_CANCELLED);
	round_wait(&rd, 30000);
	assert_int_equal(status_of(&rd, 0), FANOUT_CANCELLED);
	assert_int_equal(status_of(&rd, 1), FANOUT_CANCELLED);
	assert_int_equal(fanout_result(rd.f, 2)->round, 0);
	assert_string_equal(fanout_result(rd.f, 2)->desc, "not started");
	assert_string_equal(strbuf_str(&rd.out[2]), "");
	assert_true(wait_until_none(marker, pids, 2, 15000));
	round_free(&rd);
	free(cmd);
	free(marker);
}

static void
test_timeout_stops_hosts(void **state)
{
	struct round rd;
	int64_t t0;

	(void)state;
	round_init(&rd, db3, 3);
	round_start(&rd, "echo started; sleep 300", NULL, 0, &all_at_once);
	for (int64_t end = clock_mono_ms() + 10000; clock_mono_ms() < end;) {
		loop_run_once(test_loop, 20);
		if (strstr(strbuf_str(&rd.out[0]), "started") && strstr(strbuf_str(&rd.out[1]), "started") &&
		    strstr(strbuf_str(&rd.out[2]), "started"))
			break;
	}
	t0 = clock_mono_ms();
	fanout_cancel(rd.f, 1);
	round_wait(&rd, 10000);
	/* Well inside the grace: SIGTERM stops sleep at once. */
	assert_true(clock_mono_ms() - t0 < 1000 + FANOUT_SLACK_MS);
	for (int k = 0; k < 3; k++) {
		assert_int_equal(status_of(&rd, k), FANOUT_TIMEOUT);
		assert_string_equal(fanout_result(rd.f, k)->desc, "stopped, ssh exited 255");
	}
	assert_false(fanout_met(rd.f));
	round_free(&rd);
}

/* --- retries and rolling --- */

static int
lines_in(const char *path)
{
	FILE *fp = fopen(path, "r");
	int n = 0, c;

	if (fp == NULL)
		return 0;
	while ((c = fgetc(fp)) != EOF)
		n += c == '\n';
	fclose(fp);
	return n;
}

static void
test_second_round_reruns_only_failed(void **state)
{
	struct round rd;
	char *cmd, *path;

	(void)state;
	cmd = xprintf("f='%s/runs.'$DRCONSOLE_HOST; echo x >> \"$f\"; "
	    "[ $DRCONSOLE_HOST != db2 ] || [ $(wc -l < \"$f\") -ge 2 ]", fleet);
	round_init(&rd, db3, 3);
	run_round(&rd, cmd, &all_at_once);
	assert_false(fanout_met(rd.f));
	assert_int_equal(status_of(&rd, 1), FANOUT_FAILED);
	run_round(&rd, cmd, &all_at_once);
	assert_true(fanout_met(rd.f));
	for (int k = 0; k < 3; k++) {
		path = xprintf("%s/runs.%s", fleet, db3[k]);
		assert_int_equal(lines_in(path), k == 1 ? 2 : 1);
		assert_int_equal(fanout_result(rd.f, k)->round, k == 1 ? 2 : 1);
		unlink(path);
		free(path);
	}
	/* Nothing left to run: a third round ends at once, still met. */
	run_round(&rd, cmd, &all_at_once);
	assert_true(fanout_met(rd.f));
	for (int k = 0; k < 3; k++) {
		path = xprintf("%s/runs.%s", fleet, db3[k]);
		assert_int_equal(lines_in(path), 0);
		free(path);
	}
	round_free(&rd);
	free(cmd);
}

/* One at a time with policy all: once a host fails, the rest are not
 * started, so a bad change does not roll on through the fleet. */
static void
test_rolling_stops_when_policy_lost(void **state)
{
	struct fanout_opts o = all_at_once;
	struct round rd;
	char *cmd, *path;

	(void)state;
	o.max_parallel = 1;
	cmd = xprintf("touch '%s/rolled.'$DRCONSOLE_HOST; [ $DRCONSOLE_HOST != db1 ]", fleet);
	round_init(&rd, db3, 3);
	run_round(&rd, cmd, &o);
	assert_int_equal(status_of(&rd, 0), FANOUT_FAILED);
	for (int k = 1; k < 3; k++) {
		assert_int_equal(status_of(&rd, k), FANOUT_SKIPPED);
		path = xprintf("%s/rolled.%s", fleet, db3[k]);
		assert_int_equal(access(path, F_OK), -1);
		free(path);
	}
	path = xprintf("%s/rolled.db1", fleet);
	assert_int_equal(unlink(path), 0);
	free(path);
	round_free(&rd);
	free(cmd);
}

/* --- secrets --- */

static char *
slurp(const char *path)
{
	struct strbuf b;
	char buf[4096];
	size_t n;
	FILE *fp = fopen(path, "r");

	strbuf_init(&b);
	if (fp == NULL)
		return NULL;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		strbuf_add(&b, buf, n);
	fclose(fp);
	return strbuf_detach(&b);
}

/* A secret with every kind of quote reaches each host exactly, and never
 * stands on a command line, local or remote, while the command runs. */
static void
test_secret_reaches_hosts_off_the_command_line(void **state)
{
	static const char secret[] = "Pw-7f3a'\"$(id)`x`\n\\ end";
	struct ssh_var var = { "DRC_P_pw", secret, 1 };
	struct round rd;
	char *cmd, *path, *got;
	int seen = 0;

	(void)state;
	cmd = xprintf("printf %%s \"$DRC_P_pw\" > '%s/secret.'$DRCONSOLE_HOST; echo wrote; sleep 0.5", fleet);
	round_init(&rd, db3, 3);
	round_start(&rd, cmd, &var, 1, &all_at_once);
	while (!rd.done) {
		loop_run_once(test_loop, 20);
		if (!seen && strstr(strbuf_str(&rd.out[0]), "wrote") != NULL) {
			seen = 1;
			assert_int_equal(count_with("Pw-7f3a"), 0);
		}
	}
	assert_true(seen);
	for (int k = 0; k < 3; k++) {
		assert_int_equal(status_of(&rd, k), FANOUT_OK);
		path = xprintf("%s/secret.%s", fleet, db3[k]);
		got = slurp(path);
		assert_non_null(got);
		assert_string_equal(got, secret);
		unlink(path);
		free(got);
		free(path);
	}
	round_free(&rd);
	free(cmd);
}

static void
test_busy_round_refused(void **state)
{
	struct round rd;
	char **argvs[3], *cause = NULL;
	char *argv[] = { "true", NULL };

	(void)state;
	round_init(&rd, db3, 3);
	round_start(&rd, "sleep 0.2", NULL, 0, &all_at_once);
	for (int k = 0; k < 3; k++)
		argvs[k] = argv;
	assert_int_equal(fanout_start(rd.f, &all_at_once, (char *const *const *)argvs, "", 0, on_line, on_done,
	    &rd, &cause), -1);
	assert_non_null(cause);
	free(cause);
	round_wait(&rd, 10000);
	round_free(&rd);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, loop_fixture_setup, \
    loop_fixture_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_all_ok),
		TEST(test_host_down_and_policies),
		TEST(test_slow_and_failing),
		TEST(test_expect_output_per_host),
		TEST(test_parallel_and_serial),
		TEST(test_max_parallel_two),
		TEST(test_cancel_leaves_no_remote_process),
		TEST(test_timeout_stops_hosts),
		TEST(test_second_round_reruns_only_failed),
		TEST(test_rolling_stops_when_policy_lost),
		TEST(test_secret_reaches_hosts_off_the_command_line),
		TEST(test_busy_round_refused),
	};
	char dir[] = "/tmp/drc-fanout.XXXXXX", *p;
	int rc;

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(fleet, sizeof fleet, "%s/fleet", dir);
	rc = fleet_run("start", "db1 db2 db3 down1");
	if (rc == 0)
		rc = fleet_run("down", "down1");
	if (rc == 0) {
		/* Should this process die before its teardown, no sshd stays. */
		p = xprintf("%ld", (long)getpid());
		rc = fleet_run("watch", p);
		free(p);
	}
	if (rc != 0) {
		/* As root (CI) sshd must start; elsewhere it may not be able to. */
		printf("# %s: cannot start an sshd fleet on 127.0.0.1 (ssh_lib.sh: %d)\n",
		    rc == 77 || geteuid() != 0 ? "SKIP" : "ERROR", rc);
		rc = rc == 77 || geteuid() != 0 ? 77 : 99;
		fleet_run("stop", "");
		p = xprintf("rm -rf '%s'", dir);
		if (system(p) != 0)
			rc = 99;
		free(p);
		return rc;
	}
	fleet_opts.config = xprintf("%s/ssh_config", fleet);
	fleet_opts.known_hosts = xprintf("%s/known_hosts", fleet);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	fleet_run("stop", "");
	ssh_opts_free(&fleet_opts);
	p = xprintf("rm -rf '%s'", dir);
	if (system(p) != 0)
		rc = rc != 0 ? rc : 99;
	free(p);
	return rc;
}
