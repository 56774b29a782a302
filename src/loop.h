/* loop.h: the one event loop: poll() over fds, one-shot timers on the
 * monotonic clock, and signals turned into loop events by a self-pipe. */
#ifndef DRC_LOOP_H
#define DRC_LOOP_H

#include <poll.h>
#include <stdint.h>

struct loop;
struct loop_fd;
struct loop_timer;

typedef void (*loop_fd_cb)(int fd, short revents, void *arg);
typedef void (*loop_timer_cb)(void *arg);
typedef void (*loop_signal_cb)(int signo, void *arg);

/* Creates an empty loop. */
struct loop *loop_new(void);
/* Frees the loop and every registration; restores the signal dispositions
 * that were in place before loop_watch_signal. Does not close fds. */
void loop_free(struct loop *);

/* Watches fd for events (POLLIN, POLLOUT); the callback gets revents, which
 * may also hold POLLHUP, POLLERR or POLLNVAL. The loop never closes fd. */
struct loop_fd *loop_add_fd(struct loop *, int fd, short events, loop_fd_cb,
    void *arg);
/* Changes what fd is watched for; 0 pauses it. Takes effect next turn. */
void loop_fd_set_events(struct loop_fd *, short events);
/* Stops watching; safe from inside any callback. The handle dies with it. */
void loop_remove_fd(struct loop *, struct loop_fd *);

/* Calls cb once, delay_ms from now. The handle is invalid once cb returned. */
struct loop_timer *loop_add_timer(struct loop *, int64_t delay_ms,
    loop_timer_cb, void *arg);
/* Cancels a pending timer; safe from inside callbacks, its own included. */
void loop_cancel_timer(struct loop *, struct loop_timer *);

/* Calls cb with arg whenever signo arrives. Several callbacks per signal are
 * fine. Only one loop per process may watch signals. Returns -1 with errno
 * set (EBUSY: another loop owns signals) on failure. */
int loop_watch_signal(struct loop *, int signo, loop_signal_cb, void *arg);
/* Removes the callback added with the same signo, cb and arg; the last one
 * for signo restores the previous disposition. Safe from callbacks. */
void loop_unwatch_signal(struct loop *, int signo, loop_signal_cb, void *arg);

/* 1 when signo arrived and its callbacks have not run yet. A wait that must
 * block outside the loop (a secret's from_command, secretcmd.h) asks this
 * to end early, and leaves the signal to the loop's next turn. */
int loop_signal_pending(int signo);

/* Waits at most max_wait_ms (-1: until something happens) and runs what is
 * ready: due timers, then signals, then every ready fd once. Returns the
 * number of callbacks run (0 on a timeout or an interrupted wait), or -1
 * on a poll error other than EINTR. Not reentrant. */
int loop_run_once(struct loop *, int max_wait_ms);

#endif
