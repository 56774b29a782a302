/* ssh.h: one call of the system ssh (OpenSSH) that runs a runbook command
 * on a remote host: its argv, the remote command line, and what its stdin
 * carries. We never speak SSH ourselves and never run an agent of our own.
 *
 * The remote command is one argument: a small /bin/sh wrapper, the
 * variables the command's templates travel in, and the command exactly as
 * the runbook gave it, all single-quoted so the remote login shell (assumed
 * POSIX: sh, bash, dash, ksh, zsh) parses back the same bytes. Secret
 * variables never appear on a command line, here or on the remote host:
 * they go over ssh's stdin, which the wrapper reads first. The stdin then
 * stays open: when it closes (our cancel or timeout, or a lost connection)
 * the wrapper stops the whole remote command. See ssh.c for the details. */
#ifndef DRC_SSH_H
#define DRC_SSH_H

#include <stdint.h>

struct host_def;

/* Every ssh call waits at most this long for the TCP connection. */
#define SSH_CONNECT_TIMEOUT_S	10
/* ssh's own exit status when it could not connect or lost the connection. */
#define SSH_EXIT_UNREACHABLE	255
/* The wrapper's exit status when the secrets did not arrive on stdin. */
#define SSH_EXIT_NO_SECRETS	125

/* How to reach one host, as the runbook's hosts: says. */
struct ssh_target {
	const char *name;	/* the destination: ~/.ssh/config matches it */
	const char *address;	/* NULL: the config (or DNS) resolves name */
	const char *user;	/* NULL: the config's, or the local user */
	int port;		/* 0: the config's, or 22 */
	const char *identity;	/* -i, with IdentitiesOnly */
	const char *jump;	/* -J [user@]host[:port][,...] */
	int forward_agent;	/* ForwardAgent=yes only when asked */
};

/* What the environment (and the runbook's folder) says for every host. */
struct ssh_opts {
	char *config;		/* -F: DRCONSOLE_SSH_CONFIG; NULL ~/.ssh/config */
	char *known_hosts;	/* UserKnownHostsFile: DRCONSOLE_SSH_KNOWN_HOSTS;
				   NULL: the operator's */
	char *pinned_hosts;	/* a known_hosts file next to the runbook, added
				   to the system-wide ones; NULL none */
	const char *control_dir;	/* connection reuse: ssh runs in this private
				   folder and keeps one master connection per
				   host there (ControlPath %C, relative, so a
				   long incident path never meets the unix
				   socket's length limit); NULL: no reuse */
};

/* A variable the remote command needs. */
struct ssh_var {
	const char *name;	/* a shell identifier */
	const char *value;
	int secret;		/* over stdin, never on a command line */
};

/* Fills opts from DRCONSOLE_SSH_CONFIG, DRCONSOLE_SSH_KNOWN_HOSTS and a
 * file named known_hosts in runbook_path's folder (NULL: none). */
void ssh_opts_from_env(struct ssh_opts *opts, const char *runbook_path);
void ssh_opts_free(struct ssh_opts *opts);

/* s as one single-quoted POSIX shell word, exact for every byte. */
char *ssh_quote(const char *s);

/* The one argument given to ssh as the remote command: the wrapper, the
 * non-secret variables, and command, which the remote shell (a path such
 * as /bin/sh) runs. grace_ms is how long the wrapper
 * waits between SIGTERM and SIGKILL when stdin closes. NULL with *cause
 * when a variable's name is not a shell identifier. */
char *ssh_remote_command(const char *command, const char *shell, const struct ssh_var *vars,
    int nvars, int64_t grace_ms, char **cause);
/* The largest file copy: sends (it travels whole in memory). */
#define SSH_COPY_MAX		(64L * 1024 * 1024)
/* The remote command of a copy: it reads exactly size bytes from ssh's
 * stdin into a private temporary file beside dest, checks their SHA-256
 * against sha256_hex, then gives it mode and renames it over dest, and
 * prints "copied DEST sha256 HEX"; a short or damaged file is removed
 * and the command fails. dest travels as a quoted argument: any bytes. */
char *ssh_copy_command(const char *dest, int mode, size_t size, const char *sha256_hex);
/* What ssh's stdin must carry first: the secret variables' values, one
 * line each, in vars order. Never NULL; *len may be 0. Free with
 * ssh_payload_free, which wipes it. */
char *ssh_stdin_payload(const struct ssh_var *vars, int nvars, size_t *len);
void ssh_payload_free(char *payload, size_t len);

/* t for a host of the runbook's hosts: (t points into h). */
void ssh_target_of_host(const struct host_def *h, int forward_agent, struct ssh_target *t);
/* 0 when every field of t is something ssh takes safely (no leading '-',
 * no quotes or spaces, no characters a ProxyCommand would meet), else -1
 * with *cause. ssh_argv checks this; lint calls it too. */
int ssh_check_target(const struct ssh_target *t, char **cause);
/* The argv of the ssh call (NULL-terminated, argv[0] "ssh"), or NULL with
 * *cause when a field of t is something ssh would not take safely. */
char **ssh_argv(const struct ssh_target *t, const struct ssh_opts *opts, const char *remote,
    char **cause);
void ssh_argv_free(char **argv);

/* How long an idle master connection outlives its last use, should
 * drconsole die before it closes them. */
#define SSH_CONTROL_PERSIST	"10m"
/* Makes dir (mode 0700) for master connections, or checks the one there is
 * a directory of ours that nobody else may enter. -1 with *cause. */
int ssh_control_dir_make(const char *dir, char **cause);
/* Closes every master connection whose socket is in dir (ssh -O exit),
 * then removes dir if it is empty. Waits at most a few seconds. Only a
 * private folder of ours counts: a link planted at dir is not followed. */
void ssh_control_close_all(const char *dir);

#endif
