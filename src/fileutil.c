/*
 * fileutil.c: writing files whole; see fileutil.h. The atomic write is the
 * classic one: a temporary file beside the target, written and fsync'd,
 * then renamed over it, since rename is atomic within a file system.
 */
#include <sys/stat.h>

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

/* Makes a rename in dir durable; failure only weakens that promise. */
static void
file_sync_dir(const char *dir)
{
	int fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	if (fsync(fd) != 0)
		log_debug("cannot sync %s: %s", dir, strerror(errno));
	close(fd);
}

/* The directory that path's last component is in. */
static char *
file_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static int
file_fail(const char *path, int error, char **cause)
{
	*cause = xprintf("cannot write %s: %s", path, strerror(error));
	return -1;
}

int
file_write_atomic(const char *path, const char *tmp, const char *data,
    size_t len, mode_t mode, int flags, char **cause)
{
	int	 excl = (flags & FILE_EXCL) != 0, fd, error;
	char	*dir;

	fd = open(tmp, O_WRONLY | O_CREAT | (excl ? O_EXCL : O_TRUNC) |
	    O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd == -1) {
		error = errno;
		if (!excl)
			unlink(tmp);
		return file_fail(path, error, cause);
	}
	/* A file taken over keeps its old mode through O_TRUNC. */
	if ((!excl && fchmod(fd, mode) != 0) ||
	    file_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		error = errno;
		close(fd);
		unlink(tmp);
		return file_fail(path, error, cause);
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		error = errno;
		unlink(tmp);
		return file_fail(path, error, cause);
	}
	if (flags & FILE_SYNC_DIR) {
		dir = file_dir_of(path);
		file_sync_dir(dir);
		free(dir);
	}
	return 0;
}
