/* fileutil.h: writing files whole: every byte of a buffer to an fd, and a
 * small file replaced so that a reader or a crash sees the old file or the
 * new one, never half of one. */
#ifndef DRC_FILEUTIL_H
#define DRC_FILEUTIL_H

#include <sys/types.h>

#include <stddef.h>

/* file_write_atomic: tmp must not exist yet (it could be another writer's);
 * without it a leftover tmp, say from a crashed run, is removed first (and
 * the new one made afresh, never an old file or a link written through). */
#define FILE_EXCL	0x1
/* file_write_atomic: also fsync the directory, so the rename is durable. */
#define FILE_SYNC_DIR	0x2

/* openat(dfd, name) with O_NOFOLLOW, O_NONBLOCK (cleared again after the
 * open unless asked for), O_NOCTTY and O_CLOEXEC added to flags, refusing
 * what is not a regular file: a planted link is not followed and a FIFO
 * does not block. -1 with errno (ELOOP for a link, EINVAL for a special
 * file). dfd may be AT_FDCWD. */
int file_openat_regular(int dfd, const char *name, int flags, mode_t mode);
/* Writes all len bytes, through EINTR and short writes; -1 with errno set
 * (EIO when write makes no progress). */
int file_write_all(int fd, const char *buf, size_t len);
/* 0 when the filesystem of fd has at least want bytes free for us; -1
 * with errno ENOSPC when it has not (or what fstatvfs failed with). */
int file_room(int fd, unsigned long long want);
/* Writes data to tmp (mode, made new: never through a link, never an old
 * file truncated), fsyncs it and renames it over path; flags are FILE_*.
 * On failure tmp is removed (but not a tmp that FILE_EXCL found already
 * there) and cause says "cannot write PATH". */
int file_write_atomic(const char *path, const char *tmp, const char *data,
    size_t len, mode_t mode, int flags, char **cause);
/* The same with name and tmp relative to the directory dfd; shown names
 * the file in cause. */
int file_write_atomic_at(int dfd, const char *name, const char *tmp, const char *shown,
    const char *data, size_t len, mode_t mode, int flags, char **cause);

/* Saves text as path, replaced atomically with the given mode, or writes it
 * to standard output when path is "-"; -1 with *cause (naming what). */
int file_save_text(const char *path, const char *text, mode_t mode, const char *what, char **cause);

#endif
