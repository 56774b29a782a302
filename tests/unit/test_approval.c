/* test_approval.c: the approvals rendezvous with a real socket, a real
 * loop and a real approver process (a fork calling approval_ask): what the
 * console learns comes from the kernel; idle and flooding clients do not
 * keep an approver out or block the loop; planted files under the
 * rendezvous name are refused without being followed or opened. */
#include "cmocka_all.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "approval.h"
#include "clock.h"
#include "loop.h"
#include "xmalloc.h"

struct seen {
	int calls;
	uid_t uid;
	pid_t pid;
	uid_t loginuid;
	char step[64];
	int refuse;		/* answer no */
};

static char base[64];

static void
decide(void *arg, const struct approval_request *rq, struct approval_answer *ans)
{
	struct seen *s = arg;

	s->calls++;
	s->uid = rq->uid;
	s->pid = rq->pid;
	s->loginuid = rq->loginuid;
	snprintf(s->step, sizeof s->step, "%s", rq->step != NULL ? rq->step : "(none)");
	ans->ok = !s->refuse;
	ans->reason = s->refuse ? xstrdup("not you") : NULL;
	ans->approved_by = s->refuse ? NULL : xstrdup("someone");
}

static int
setup(void **state)
{
	(void)state;
	snprintf(base, sizeof base, "/tmp/drc-approval.XXXXXX");
	assert_non_null(mkdtemp(base));
	setenv("TMPDIR", base, 1);
	return 0;
}

static int
teardown(void **state)
{
	char *cmd = xprintf("rm -rf '%s'", base);

	(void)state;
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

/* Forks an approver; its exit status is approval_ask's result (0, 1, 255)
 * and its message goes down *msgfd. */
static pid_t
approver(const char *incident, const char *step, int *msgfd)
{
	int p[2];
	pid_t pid;
	char *msg = NULL;
	int rc;

	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		rc = approval_ask(incident, step, &msg);
		if (msg != NULL && write(p[1], msg, strlen(msg)) < 0)
			_exit(3);
		_exit(rc & 0xff);
	}
	assert_true(pid > 0);
	close(p[1]);
	*msgfd = p[0];
	return pid;
}

/* Runs the loop until the approver exits (10 s at most); its status. */
static int
serve_until_done(struct loop *l, pid_t pid, int msgfd, char *msg, size_t len)
{
	int64_t end = clock_mono_ms() + 10000;
	int status = -1;
	ssize_t n;

	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (clock_mono_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("the approver never got an answer");
		}
		assert_true(loop_run_once(l, 20) >= 0);
	}
	n = read(msgfd, msg, len - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(msgfd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A client that connects and never says a word. */
static int
idle_client(const char *incident)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *cause = NULL, *dir = approval_rendezvous(incident, &cause);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", dir, APPROVAL_SOCKET);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	free(dir);
	return fd;
}

static void
test_rendezvous_names(void **state)
{
	char *cause = NULL, *want = xprintf("%s/drconsole-approve-20261123T141200Z-pitr", base), *dir;

	(void)state;
	dir = approval_rendezvous("/root/.local/state/drconsole/incidents/20261123T141200Z-pitr//", &cause);
	assert_string_equal(dir, want);
	free(dir);
	dir = approval_rendezvous("20261123T141200Z-pitr", &cause);
	assert_string_equal(dir, want);
	free(dir);
	free(want);
	for (const char *const *bad = (const char *const[]){ "", "/", "..", "x/..", ".", NULL }; *bad; bad++) {
		assert_null(approval_rendezvous(*bad, &cause));
		free(cause);
		cause = NULL;
	}
}

static void
test_kernel_says_who(void **state)
{
	struct loop *l = loop_new();
	struct seen seen = { 0 };
	char *cause = NULL, *dir, *sock, msg[512];
	struct approval_server *s = approval_listen(l, "/nowhere/inc-1", decide, &seen, &cause);
	struct stat st;
	int fd, rc;
	pid_t pid;
	uid_t mine;

	(void)state;
	assert_non_null(s);
	dir = approval_rendezvous("inc-1", &cause);
	sock = xprintf("%s/%s", dir, APPROVAL_SOCKET);
	assert_int_equal(lstat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(lstat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));

	pid = approver("inc-1", "promote", &fd);
	rc = serve_until_done(l, pid, fd, msg, sizeof msg);
	assert_int_equal(rc, 0);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.uid, getuid());
	assert_int_equal(seen.pid, pid);
	assert_int_equal(approval_loginuid(getpid(), &mine), 0);
	assert_int_equal(seen.loginuid, mine);
	assert_string_equal(seen.step, "promote");
	assert_non_null(strstr(msg, "journaled it as approved by someone"));

	seen.refuse = 1;
	pid = approver("inc-1", "promote", &fd);
	rc = serve_until_done(l, pid, fd, msg, sizeof msg);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(msg, "not you"));

	approval_close(s);
	assert_int_equal(lstat(dir, &st), -1);
	assert_int_equal(errno, ENOENT);
	free(sock);
	free(dir);
	loop_free(l);
}

/* The session's login uid as /proc says, and a process that is gone. */
static void
test_loginuid(void **state)
{
	FILE *fp = fopen("/proc/self/loginuid", "r");
	unsigned long want;
	uid_t got;
	pid_t pid;

	(void)state;
	if (fp == NULL)
		skip();
	assert_int_equal(fscanf(fp, "%lu", &want), 1);
	fclose(fp);
	assert_int_equal(approval_loginuid(getpid(), &got), 0);
	assert_int_equal(got, want == 4294967295UL ? APPROVAL_NO_LOGINUID : (uid_t)want);
	if ((pid = fork()) == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(approval_loginuid(pid, &got), -1);
	assert_int_equal(got, APPROVAL_NO_LOGINUID);
}

/* Clients that say nothing hold no one else up, and the loop stays free. */
static void
test_idle_clients_do_not_block(void **state)
{
	struct loop *l = loop_new();
	struct seen seen = { 0 };
	char *cause = NULL, msg[512];
	struct approval_server *s = approval_listen(l, "inc-2", decide, &seen, &cause);
	int idle[APPROVAL_MAX_CLIENTS + 4], fd, rc;
	pid_t pid;

	(void)state;
	assert_non_null(s);
	for (int i = 0; i < APPROVAL_MAX_CLIENTS + 4; i++) {
		idle[i] = idle_client("inc-2");
		assert_true(loop_run_once(l, 0) >= 0);
	}
	pid = approver("inc-2", "drop", &fd);
	rc = serve_until_done(l, pid, fd, msg, sizeof msg);
	assert_int_equal(rc, 0);
	assert_int_equal(seen.calls, 1);
	assert_string_equal(seen.step, "drop");
	for (int i = 0; i < APPROVAL_MAX_CLIENTS + 4; i++)
		close(idle[i]);
	approval_close(s);
	loop_free(l);
}

/* A console that hangs up without answering: the approver says so. */
static void
test_hangup(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *cause = NULL, *dir = approval_rendezvous("inc-5", &cause), msg[512];
	int lfd, cfd, fd, status;
	ssize_t n;
	pid_t pid;

	(void)state;
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", dir, APPROVAL_SOCKET);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(lfd, 1), 0);
	pid = approver("inc-5", "drop", &fd);
	assert_true((cfd = accept(lfd, NULL, NULL)) >= 0);
	close(cfd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 255);
	n = read(fd, msg, sizeof msg - 1);
	msg[n > 0 ? n : 0] = '\0';
	assert_non_null(strstr(msg, "hung up without an answer"));
	close(fd);
	close(lfd);
	free(dir);
}

/* Something else under the rendezvous name: refused, never followed. */
static void
test_planted(void **state)
{
	struct loop *l = loop_new();
	struct seen seen = { 0 };
	char *cause = NULL, *dir = approval_rendezvous("inc-3", &cause), *target = xprintf("%s/target", base);
	struct stat st;
	int fd;

	(void)state;
	assert_int_equal(mkfifo(dir, 0644), 0);
	assert_null(approval_listen(l, "inc-3", decide, &seen, &cause));
	assert_non_null(strstr(cause, "is not a folder of ours"));
	free(cause);
	assert_int_equal(unlink(dir), 0);

	assert_int_equal(mkdir(target, 0700), 0);
	assert_int_equal(symlink(target, dir), 0);
	assert_null(approval_listen(l, "inc-3", decide, &seen, &cause));
	free(cause);
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(rmdir(target), 0);	/* still empty: nothing put in */
	assert_int_equal(unlink(dir), 0);

	/* A regular file: the approver does not talk to it either. */
	assert_true((fd = open(dir, O_CREAT | O_WRONLY, 0644)) >= 0);
	close(fd);
	assert_null(approval_listen(l, "inc-3", decide, &seen, &cause));
	free(cause);
	assert_int_equal(approval_ask("inc-3", "x", &cause), -1);
	assert_non_null(strstr(cause, "is not a console's rendezvous"));
	free(cause);
	assert_int_equal(unlink(dir), 0);

	/* Someone else's folder (root can make one for another uid). */
	if (getuid() == 0) {
		assert_int_equal(mkdir(dir, 0755), 0);
		assert_int_equal(chown(dir, 65534, 65534), 0);
		assert_null(approval_listen(l, "inc-3", decide, &seen, &cause));
		free(cause);
		assert_int_equal(rmdir(dir), 0);
	}
	assert_int_equal(approval_ask("inc-3", "x", &cause), -1);
	assert_non_null(strstr(cause, "no console is taking approvals"));
	free(cause);
	free(target);
	free(dir);
	loop_free(l);
}

/* In a base anyone may write to and that is not sticky, our folder could
 * be swapped: refused. A sticky one, as /tmp, is fine. */
static void
test_base_must_be_safe(void **state)
{
	struct loop *l = loop_new();
	struct seen seen = { 0 };
	struct approval_server *s;
	char *cause = NULL;

	(void)state;
	assert_int_equal(chmod(base, 0777), 0);
	assert_null(approval_listen(l, "inc-4", decide, &seen, &cause));
	assert_non_null(strstr(cause, "not sticky"));
	free(cause);
	assert_int_equal(chmod(base, 01777), 0);
	assert_non_null(s = approval_listen(l, "inc-4", decide, &seen, &cause));
	approval_close(s);
	assert_int_equal(chmod(base, 0700), 0);
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rendezvous_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_says_who, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_clients_do_not_block, setup, teardown),
		cmocka_unit_test(test_loginuid),
		cmocka_unit_test_setup_teardown(test_hangup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_planted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base_must_be_safe, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
