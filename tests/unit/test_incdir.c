/* test_incdir.c: the incident directory is the operator's alone: where it
 * goes by default, how it is made, what existing folder is refused, and
 * files opened in it never through a link, never blocking on a FIFO. */
#include "cmocka_all.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileutil.h"
#include "incdir.h"
#include "xmalloc.h"

struct fixture {
	char top[64];
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	snprintf(f->top, sizeof f->top, "/tmp/drc-incdir.XXXXXX");
	if (mkdtemp(f->top) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xprintf("rm -rf '%s'", f->top);

	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->top);
	free(cmd);
	free(f);
	return 0;
}

static char *
at(const struct fixture *f, const char *name)
{
	return xprintf("%s/%s", f->top, name);
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static void
test_default_root(void **state)
{
	char *root, *cause = NULL;

	(void)state;
	setenv("XDG_STATE_HOME", "/s", 1);
	setenv("HOME", "/h", 1);
	root = incdir_default_root(&cause);
	assert_string_equal(root, "/s/drconsole/incidents");
	free(root);
	setenv("XDG_STATE_HOME", "relative", 1);
	root = incdir_default_root(&cause);
	assert_string_equal(root, "/h/.local/state/drconsole/incidents");
	free(root);
	unsetenv("XDG_STATE_HOME");
	unsetenv("HOME");
	assert_null(incdir_default_root(&cause));
	assert_non_null(strstr(cause, "neither XDG_STATE_HOME nor HOME"));
	free(cause);
}

/* Made 0700 (parents too) whatever the umask; then reopened fine. */
static void
test_create_private(void **state)
{
	struct fixture *f = *state;
	char *dir = at(f, "a/b/inc"), *parent = at(f, "a"), *cause = NULL;
	mode_t old = umask(0);
	int fd = incdir_open(dir, INCDIR_CREATE, &cause);

	umask(old);
	assert_true(fd >= 0);
	assert_int_equal(mode_of(dir), 0700);
	assert_int_equal(mode_of(parent), 0700);
	close(fd);
	fd = incdir_open(dir, 0, &cause);
	assert_true(fd >= 0);
	close(fd);
	free(dir);
	free(parent);
}

static void
test_refuses_open_and_links(void **state)
{
	struct fixture *f = *state;
	char *open777 = at(f, "open"), *real = at(f, "real"), *link = at(f, "link"), *cause = NULL;

	assert_int_equal(mkdir(open777, 0700), 0);
	assert_int_equal(chmod(open777, 0777), 0);
	assert_int_equal(incdir_open(open777, INCDIR_CREATE, &cause), -1);
	assert_non_null(strstr(cause, "open to group or others (mode 0777)"));
	free(cause);
	assert_int_equal(mode_of(open777), 0777);	/* refused, not changed */
	assert_int_equal(chmod(open777, 0750), 0);
	assert_int_equal(incdir_open(open777, 0, &cause), -1);
	free(cause);

	assert_int_equal(mkdir(real, 0700), 0);
	assert_int_equal(symlink(real, link), 0);
	assert_int_equal(incdir_open(link, INCDIR_CREATE, &cause), -1);
	assert_non_null(strstr(cause, "is a link"));
	free(cause);
	/* A reader (verify, report) may follow it. */
	int fd = incdir_open(link, INCDIR_READ, &cause);
	assert_true(fd >= 0);
	close(fd);
	free(open777);
	free(real);
	free(link);
}

/* A missing directory is not made without INCDIR_CREATE. */
static void
test_missing(void **state)
{
	struct fixture *f = *state;
	char *dir = at(f, "missing"), *cause = NULL;

	assert_int_equal(incdir_open(dir, 0, &cause), -1);
	assert_non_null(strstr(cause, "no incident directory"));
	free(cause);
	assert_int_equal(access(dir, F_OK), -1);
	free(dir);
}

static void
test_openat_regular_only(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL, *victim = at(f, "victim");
	int dfd = incdir_open(f->top, 0, &cause), fd;

	assert_true(dfd >= 0);
	fd = file_openat_regular(dfd, "file", O_WRONLY | O_CREAT | O_APPEND, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	close(fd);
	assert_int_equal(symlinkat(victim, dfd, "link"), 0);
	assert_int_equal(file_openat_regular(dfd, "link", O_WRONLY | O_CREAT | O_APPEND, 0600), -1);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(access(victim, F_OK), -1);
	/* A FIFO neither blocks the open nor is taken. */
	assert_int_equal(mkfifoat(dfd, "fifo", 0600), 0);
	assert_int_equal(file_openat_regular(dfd, "fifo", O_RDONLY, 0), -1);
	assert_int_equal(errno, EINVAL);
	close(dfd);
	free(victim);
}

static void
test_subdir(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL, *elsewhere = at(f, "elsewhere");
	int dfd = incdir_open(f->top, 0, &cause), sfd;

	sfd = incdir_subdir(dfd, f->top, "output", &cause);
	assert_true(sfd >= 0);
	close(sfd);
	sfd = incdir_subdir(dfd, f->top, "output", &cause);
	assert_true(sfd >= 0);
	close(sfd);
	assert_int_equal(mkdir(elsewhere, 0700), 0);
	assert_int_equal(symlinkat(elsewhere, dfd, "inbox"), 0);
	assert_int_equal(incdir_subdir(dfd, f->top, "inbox", &cause), -1);
	assert_non_null(strstr(cause, "never followed"));
	free(cause);
	close(dfd);
	free(elsewhere);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_root),
		cmocka_unit_test_setup_teardown(test_create_private, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_open_and_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_openat_regular_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subdir, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
