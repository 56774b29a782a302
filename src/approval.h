/* approval.h: the rendezvous between a driving console and a second
 * person's `drconsole approve`. The console listens on a Unix socket in a
 * folder of its own, ${TMPDIR:-/tmp}/drconsole-approve-ID (0755, owned by the
 * driver: nobody else can add, remove or replace anything in it), found by
 * the incident's id alone, so an approver needs no access to the driver's
 * 0700 incident folder. Who is asking comes from the kernel (SO_PEERCRED),
 * never from the request. Everything the console does with the socket goes
 * through the loop: a slow, silent or flooding client cannot block it. */
#ifndef DRC_APPROVAL_H
#define DRC_APPROVAL_H

#include <sys/types.h>

struct loop;
struct approval_server;

#define APPROVAL_PREFIX "drconsole-approve-"
#define APPROVAL_SOCKET "approve.sock"
/* A request is one short JSON line; longer ones are refused unread. */
#define APPROVAL_MAX_REQUEST 4096
/* Clients served at once, and how long one may take to say its line. */
#define APPROVAL_MAX_CLIENTS 8
#define APPROVAL_PER_UID 2
#define APPROVAL_CLIENT_MS 5000

/* APPROVAL_NO_LOGINUID: the session has no audit login uid (or no /proc). */
#define APPROVAL_NO_LOGINUID ((uid_t)-1)

/* One approval attempt: all but the step from the kernel, the step from
 * the request (NULL when it named none). */
struct approval_request {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	uid_t loginuid;		/* who logged in to the session the request came from */
	int gone;		/* the process ended before it could be looked at */
	const char *step;
	const char *key_proof;	/* journal_key_proof of the step, NULL without a key */
};

/* The audit login uid of pid's session (/proc/PID/loginuid): set at login,
 * kept through su, sudo and runuser. APPROVAL_NO_LOGINUID when unset or
 * unknown; -1 with errno ENOENT when pid is gone. */
int approval_loginuid(pid_t pid, uid_t *loginuid);

/* The console's answer: reason is allocated (NULL: nothing to add);
 * approved_by is the login the journal recorded (allocated, or NULL). */
struct approval_answer {
	int ok;
	int wrong_key;		/* refused: the incident is keyed and the proof is not its key's */
	char *reason;
	char *approved_by;
};

typedef void (*approval_cb)(void *arg, const struct approval_request *req, struct approval_answer *ans);

/* The rendezvous folder for incident, a path to it or its id; NULL with
 * *cause when the id cannot name one. Allocated. */
char *approval_rendezvous(const char *incident, char **cause);
/* Makes (or takes back) the rendezvous and listens on it; cb decides each
 * request. NULL with *cause when the folder is not ours, e.g. someone
 * planted a file, a link or a folder of their own under that name. */
struct approval_server *approval_listen(struct loop *loop, const char *incident, approval_cb cb,
    void *arg, char **cause);
/* Stops listening, drops waiting clients, removes the socket and folder. */
void approval_close(struct approval_server *s);

/* The approver's side: asks the console driving incident to approve step,
 * with proof of DRCONSOLE_JOURNAL_KEY when it is set. 0 approved, 1
 * refused, 2 refused for want of the incident's key, -1 could not ask;
 * *msg (allocated) says the reason, or on approval the login recorded and
 * the driver's. */
int approval_ask(const char *incident, const char *step, char **msg);

#endif
