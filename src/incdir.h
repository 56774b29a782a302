/* incdir.h: the incident directory is the operator's alone. It is made
 * 0700; an existing one is taken only if it is a real directory (not a
 * link) of ours with no group or other bits; every file in it is opened
 * relative to its descriptor with file_openat_regular (fileutil.h): never
 * through a link, never blocking on a FIFO, only a regular file. Where incidents go by default is
 * decided here too, and never outside the user's own state directory. */
#ifndef DRC_INCDIR_H
#define DRC_INCDIR_H

#include <sys/types.h>

/* incdir_open: create the directory (and missing parents, 0700) if absent. */
#define INCDIR_CREATE	0x1
/* incdir_open: only read; the directory may be anyone's (verify, report). */
#define INCDIR_READ	0x2

/* $XDG_STATE_HOME/drconsole/incidents, else
 * $HOME/.local/state/drconsole/incidents (allocated); NULL with *cause when
 * neither is set to an absolute path. */
char *incdir_default_root(char **cause);

/* An O_DIRECTORY descriptor (close-on-exec) of dir, checked as above unless
 * INCDIR_READ; -1 with *cause saying what is wrong and what to do. */
int incdir_open(const char *dir, int flags, char **cause);

/* 0 when the directory open at dfd is ours with no group or other bits;
 * else -1 with *cause naming shown. */
int incdir_check_private(int dfd, const char *shown, char **cause);

/* The subdirectory name of dfd (output/, inbox/), made 0700 if absent and
 * opened like incdir_open; -1 with *cause. shown names dfd in messages. */
int incdir_subdir(int dfd, const char *shown, const char *name, char **cause);

#endif
