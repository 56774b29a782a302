/* secretcmd.h: a secret param's value printed by a command (from_command:
 * [vault, kv, get, -field=password, secret/erp/db]): an argv, no shell,
 * stdin from /dev/null, its standard output (bounded) the value, its
 * standard error kept only to say why it failed. It blocks until the
 * command ends or its deadline passes, so callers say first that it runs.
 * It uses no loop: it waits for its own pid only, so it may run while a
 * loop owns SIGCHLD (a console's), and that loop's reaper never sees it. */
#ifndef DRC_SECRETCMD_H
#define DRC_SECRETCMD_H

/* The most a command may print, per stream. */
#define SECRETCMD_MAX_OUTPUT (64 * 1024)
/* How long a command may take (a vault login prompt would wait forever). */
#define SECRETCMD_TIMEOUT_MS 30000

/* How often, at most, the wait looks at its stop callback when no signal
 * woke it (a signal that arrives while it waits wakes it at once). */
#define SECRETCMD_STOP_CHECK_MS 250

/* Asked whenever the wait wakes: non-zero ends it at once (an operator's
 * Ctrl-C must not wait out the deadline). */
typedef int (*secretcmd_stop_fn)(void *arg);

/* Runs argv (argv[0] looked up in envp's PATH) with envp. 0 with *value the
 * output less its trailing line ends; -1 with *cause when it could not run,
 * failed, timed out, was stopped (stop, when not NULL, said so; the
 * command's process group is killed), printed too much or printed nothing.
 * *cause never holds the output: what the command wrote to stderr is shown
 * with the output masked out, on one line, cut short. */
int secretcmd_run(char *const *argv, char *const *envp, int timeout_ms, secretcmd_stop_fn stop, void *stop_arg,
    char **value, char **cause);

#endif
