/*
 * fileutil.c: writing files whole; see fileutil.h. The atomic write is the
 * classic one: a temporary file beside the target, written and fsync'd,
 * then renamed over it, since rename is atomic within a file system.
 */
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileutil.h"
#include "log.h"
#include "xmalloc.h"

int
file_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
file_openat_regular(int dfd, const char *name, int flags, mode_t mode)
{
	int fd = openat(dfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, mode);
	struct stat st;

	if (fd == -1)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		int error = fstat(fd, &st) != 0 ? errno : EINVAL;

		close(fd);
		errno = error;
		return -1;
	}
	if (!(flags & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

static int
file_fail(const char *path, int error, char **cause)
{
	*cause = xprintf("cannot write %s: %s", path, strerror(error));
	return -1;
}

/* The directory that path's last component is in, opened; -1 on failure. */
static int
file_open_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (slash == NULL)
		return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	return fd;
}

int
file_write_atomic_at(int dfd, const char *name, const char *tmp, const char *shown, const char *data,
    size_t len, mode_t mode, int flags, char **cause)
{
	int	 excl = (flags & FILE_EXCL) != 0, fd, error;

	/* A leftover tmp (a crashed run's) is removed, never written through:
	 * the new one is always made afresh, not truncated. */
	if (!excl)
		(void)unlinkat(dfd, tmp, 0);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd == -1)
		return file_fail(shown, errno, cause);
	if (fchmod(fd, mode) != 0 || file_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		error = errno;
		close(fd);
		(void)unlinkat(dfd, tmp, 0);
		return file_fail(shown, error, cause);
	}
	if (close(fd) != 0 || renameat(dfd, tmp, dfd, name) != 0) {
		error = errno;
		(void)unlinkat(dfd, tmp, 0);
		return file_fail(shown, error, cause);
	}
	if ((flags & FILE_SYNC_DIR) && fsync(dfd) != 0)
		log_debug("cannot sync the folder of %s: %s", shown, strerror(errno));
	return 0;
}

int
file_write_atomic(const char *path, const char *tmp, const char *data,
    size_t len, mode_t mode, int flags, char **cause)
{
	int rc, dfd = (flags & FILE_SYNC_DIR) ? file_open_dir_of(path) : -1;

	if (dfd == -1)
		flags &= ~FILE_SYNC_DIR;
	/* Both names are paths: openat and renameat take them from the cwd,
	 * and dfd serves only the fsync. */
	rc = file_write_atomic_at(AT_FDCWD, path, tmp, path, data, len, mode, flags & ~FILE_SYNC_DIR, cause);
	if (rc == 0 && dfd != -1 && fsync(dfd) != 0)
		log_debug("cannot sync the folder of %s: %s", path, strerror(errno));
	if (dfd != -1)
		close(dfd);
	return rc;
}

/* Free room, checked before a write that must leave some behind. */
int
file_room(int fd, unsigned long long want)
{
	struct statvfs sv;

	if (fstatvfs(fd, &sv) != 0)
		return -1;
	if ((unsigned long long)sv.f_bavail * sv.f_frsize >= want)
		return 0;
	errno = ENOSPC;
	return -1;
}

int
file_save_text(const char *path, const char *text, mode_t mode, const char *what, char **cause)
{
	char *tmp;
	int rc;

	if (strcmp(path, "-") == 0) {
		if (fputs(text, stdout) != EOF && fflush(stdout) == 0)
			return 0;
		*cause = xprintf("cannot write the %s to standard output", what);
		return -1;
	}
	/* Not FILE_EXCL: a leftover from a crashed run with our pid is ours. */
	tmp = xprintf("%s.tmp.%ld", path, (long)getpid());
	rc = file_write_atomic(path, tmp, text, strlen(text), mode, 0, cause);
	free(tmp);
	return rc;
}
