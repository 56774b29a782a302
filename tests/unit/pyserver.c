/*
 * pyserver.c: starting and stopping the loopback Python servers; see
 * pyserver.h. The server writes its port to a file once it listens, so
 * the start waits for that file rather than sleeping, and it dies with
 * the test even if the test crashes before its teardown.
 */
#include "cmocka_all.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "pyserver.h"
#include "strbuf.h"

/* top_srcdir from make check; else from where this file was compiled. */
static void
pyserver_srcdir(char *buf, size_t len)
{
	const char	*env = getenv("top_srcdir"), *f = __FILE__, *cut;

	if (env != NULL && *env != '\0') {
		snprintf(buf, len, "%s", env);
		return;
	}
	cut = strstr(f, "tests/unit/");
	snprintf(buf, len, "%.*s.", cut != NULL ? (int)(cut - f) : 0, f);
}

int
pyserver_have_python3(void)
{
	const char	*path = getenv("PATH"), *p, *colon;
	char		 buf[PATH_MAX];

	for (p = path; p != NULL && *p != '\0'; p = *colon ? colon + 1 : colon) {
		colon = strchrnul(p, ':');
		snprintf(buf, sizeof buf, "%.*s/python3", (int)(colon - p), p);
		if (access(buf, X_OK) == 0)
			return 1;
	}
	return 0;
}

static void
pyserver_child(const char *script, const char *portfile, const char *dir)
{
	char	log[PATH_MAX];
	int	fd;

	snprintf(log, sizeof log, "%s/server.log", dir);
	/* Dies with us even if we crash before teardown. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if ((fd = open(log, O_WRONLY|O_CREAT|O_TRUNC, 0644)) != -1) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	if ((fd = open("/dev/null", O_RDONLY)) != -1)
		dup2(fd, 0);
	execlp("python3", "python3", script, "--port", "0", "--port-file",
	    portfile, "--dir", dir, (char *)NULL);
	_exit(127);
}

int
pyserver_start(struct pyserver *s, const char *script_name, const char *tag)
{
	char	 src[PATH_MAX - 64], script[PATH_MAX], portfile[PATH_MAX];
	int64_t	 end = clock_mono_ms() + 10000;
	FILE	*f;

	pyserver_srcdir(src, sizeof src);
	snprintf(script, sizeof script, "%s/tests/e2e/%s", src, script_name);
	snprintf(s->dir, sizeof s->dir, "/tmp/drc-%s-XXXXXX", tag);
	if (mkdtemp(s->dir) == NULL)
		return -1;
	snprintf(portfile, sizeof portfile, "%s/port", s->dir);
	if ((s->pid = fork()) == -1)
		return -1;
	if (s->pid == 0)
		pyserver_child(script, portfile, s->dir);
	while (clock_mono_ms() < end) {
		if ((f = fopen(portfile, "r")) != NULL) {
			if (fscanf(f, "%d", &s->port) != 1)
				s->port = 0;
			fclose(f);
			return s->port > 0 ? 0 : -1;
		}
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			s->pid = -1;
			return -1;
		}
		poll(NULL, 0, 10);
	}
	return -1;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
pyserver_stop(struct pyserver *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = -1;
	}
	if (s->dir[0] != '\0')
		nftw(s->dir, rm_one, 8, FTW_DEPTH|FTW_PHYS);
	s->dir[0] = '\0';
}

void
pyserver_write_state(const struct pyserver *s, const char *name,
    const char *content)
{
	char	 path[PATH_MAX];
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", s->dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
}

char *
pyserver_read_state(const struct pyserver *s, const char *name)
{
	char		 path[PATH_MAX], buf[4096];
	struct strbuf	 b;
	FILE		*f;
	size_t		 n;

	snprintf(path, sizeof path, "%s/%s", s->dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	strbuf_init(&b);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		strbuf_add(&b, buf, n);
	fclose(f);
	return strbuf_detach(&b);
}
