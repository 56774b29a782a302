/* log.c: debug logging and fatal errors. The log is a plain file so that
 * library notices and our own tracing never reach a screen owned by curses. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileutil.h"
#include "log.h"

static FILE *log_file;
static void (*fatal_hook)(void);

int
log_open_fd(const char *path)
{
	/* The log may hold step details: 0600, made by us, never a link
	 * someone planted for us to append to, never a FIFO to block on. */
	return file_openat_regular(AT_FDCWD, path, O_WRONLY | O_CREAT | O_APPEND, 0600);
}

int
log_open(const char *path)
{
	int fd;

	if (path == NULL || *path == '\0')
		return 0;
	log_close();
	if ((fd = log_open_fd(path)) == -1)
		return -1;
	if ((log_file = fdopen(fd, "a")) == NULL) {
		close(fd);
		return -1;
	}
	setvbuf(log_file, NULL, _IOLBF, 0);
	return 0;
}

void
log_close(void)
{
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;
	struct timespec ts;

	if (log_file == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(log_file, "%lld.%03ld ", (long long)ts.tv_sec, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(log_file, fmt, ap);
	va_end(ap);
	fputc('\n', log_file);
}

void
log_set_fatal_hook(void (*hook)(void))
{
	fatal_hook = hook;
}

static void __attribute__((noreturn, format(printf, 2, 0)))
fatal_common(int errnum, const char *fmt, va_list ap)
{
	void (*hook)(void) = fatal_hook;
	char msg[1024];

	fatal_hook = NULL;	/* a hook that dies must not loop */
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (hook != NULL)
		hook();
	if (errnum != 0)
		fprintf(stderr, "drconsole: %s: %s\n", msg, strerror(errnum));
	else
		fprintf(stderr, "drconsole: %s\n", msg);
	log_debug("fatal: %s", msg);
	exit(70);
}

void
fatal(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	fatal_common(errnum, fmt, ap);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fatal_common(0, fmt, ap);
}
