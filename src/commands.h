/* commands.h: the subcommands main() dispatches to. Each takes the
 * arguments after its own name and returns the process exit code. */
#ifndef DRC_COMMANDS_H
#define DRC_COMMANDS_H

#define EXIT_OK 0
#define EXIT_FAILED 1		/* a run failed or was aborted */
#define EXIT_USAGE 2		/* usage error or invalid runbook: nothing ran */
#define EXIT_INTERRUPTED 130

/* Each command's options, help and example (cli.h); run's and resume's
 * are runopts_run_cmd and runopts_resume_cmd (runopts.h). */
struct cli_cmd;
extern const struct cli_cmd approve_cmd, inject_cmd, lint_cmd, note_cmd, replay_cmd, report_cmd,
    verify_cmd, watch_cmd;

int cmd_approve(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_inject(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_note(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_watch(int argc, char **argv);

#endif
