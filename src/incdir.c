/* incdir.c: the incident directory and the files in it; see incdir.h.
 *
 * drconsole often runs as root on a shared machine. A folder someone else
 * made, or left open to others, lets them plant a link (journal.jsonl ->
 * /etc/shadow, output/ -> /root) that we would then write through; so an
 * existing folder is taken only when it is ours and private, and what is
 * inside is reached only through its descriptor, never through a link. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "incdir.h"
#include "xmalloc.h"

char *
incdir_default_root(char **cause)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (state != NULL && state[0] == '/')
		return xprintf("%s/drconsole/incidents", state);
	if (home != NULL && home[0] == '/')
		return xprintf("%s/.local/state/drconsole/incidents", home);
	*cause = xstrdup("neither XDG_STATE_HOME nor HOME is set (to an absolute path): incidents are "
	    "kept only in your own state directory, never in a shared one; set HOME, or give "
	    "--incident-dir DIR (a new directory, or one of yours with mode 0700)");
	return NULL;
}

/* Like mkdir -p; every directory made is private to the user. */
static int
make_parents(const char *dir, char **cause)
{
	char *copy = xstrdup(dir);

	for (char *p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
			*cause = xprintf("cannot create the incident directory %s: %s", copy, strerror(errno));
			free(copy);
			return -1;
		}
		*p = '/';
	}
	free(copy);
	return 0;
}

static char *
owner_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	return pw != NULL ? xstrdup(pw->pw_name) : xprintf("uid %ld", (long)uid);
}

int
incdir_check_private(int dfd, const char *shown, char **cause)
{
	struct stat st;
	char *who;

	if (fstat(dfd, &st) != 0) {
		*cause = xprintf("cannot check %s: %s", shown, strerror(errno));
		return -1;
	}
	if (st.st_uid != geteuid()) {
		who = owner_name(st.st_uid);
		*cause = xprintf("%s belongs to %s, not to you: an incident directory must be yours alone "
		    "(choose a new --incident-dir)", shown, who);
		free(who);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		*cause = xprintf("%s is open to group or others (mode %04o): an incident directory must be "
		    "private (chmod 700 it if you trust what is in it, or choose a new --incident-dir)",
		    shown, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/* Opens dir, not through a link at its last component. */
static int
open_dir(const char *dir, int made, char **cause)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd == -1) {
		if ((errno == ELOOP || errno == ENOTDIR) && lstat(dir, &st) == 0 && S_ISLNK(st.st_mode))
			*cause = xprintf("%s is a link: an incident directory must be a real directory", dir);
		else if (errno == ENOENT)
			*cause = xprintf("no incident directory %s", dir);
		else
			*cause = xprintf("cannot open the incident directory %s: %s", dir, strerror(errno));
		return -1;
	}
	/* Made by us just now: exactly 0700 whatever the umask. */
	if (made && fchmod(fd, 0700) != 0) {
		*cause = xprintf("cannot set the mode of %s: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
incdir_open(const char *dir, int flags, char **cause)
{
	int fd, made = 0;

	if (flags & INCDIR_READ) {
		if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
			*cause = xprintf("cannot open the incident directory %s: %s", dir, strerror(errno));
		return fd;
	}
	if (flags & INCDIR_CREATE) {
		if (make_parents(dir, cause) != 0)
			return -1;
		if (mkdir(dir, 0700) == 0)
			made = 1;
		else if (errno != EEXIST) {
			*cause = xprintf("cannot create the incident directory %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if ((fd = open_dir(dir, made, cause)) == -1)
		return -1;
	if (incdir_check_private(fd, dir, cause) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
incdir_subdir(int dfd, const char *shown, const char *name, char **cause)
{
	char *what = xprintf("%s/%s", shown, name);
	int fd, made = mkdirat(dfd, name, 0700) == 0;

	if (!made && errno != EEXIST) {
		*cause = xprintf("cannot create %s: %s", what, strerror(errno));
		free(what);
		return -1;
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		*cause = xprintf("cannot open %s: %s", what, errno == ELOOP || errno == ENOTDIR ?
		    "not a directory (a link or a file is never followed)" : strerror(errno));
	else if (made && fchmod(fd, 0700) != 0) {
		*cause = xprintf("cannot set the mode of %s: %s", what, strerror(errno));
		close(fd);
		fd = -1;
	} else if (incdir_check_private(fd, what, cause) != 0) {
		close(fd);
		fd = -1;
	}
	free(what);
	return fd;
}
