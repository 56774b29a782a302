/* log.h: the debug log (off unless DRCONSOLE_LOG names a file) and fatal exits. */
#ifndef DRC_LOG_H
#define DRC_LOG_H

/* Opens the debug log at path (append); NULL or "" leaves logging off. It
 * is made 0600, never reached through a link, and only a regular file:
 * -1 with errno (ELOOP, EINVAL) when it cannot be used. */
int log_open(const char *path);
/* The descriptor log_open would write to (for stderr under curses). */
int log_open_fd(const char *path);
void log_close(void);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Called once before a fatal exit, e.g. to restore the terminal and flush
 * the journal. Only one hook; a later call replaces it. */
void log_set_fatal_hook(void (*hook)(void));

/* Print "drconsole: message: strerror(errno)" and exit 70. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Same without errno. */
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
