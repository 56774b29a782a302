/* childrun.h: one program run to its end, as lint needs it: an argv (no
 * shell), stdin from memory, stdout and stderr kept up to a bound, and a
 * deadline after which its process group is killed. Built on job.c, on a
 * private loop, so it must not be called while another loop watches
 * signals (a run, the console): lint is the caller. */
#ifndef DRC_CHILDRUN_H
#define DRC_CHILDRUN_H

#include <stddef.h>

struct childrun_spec {
	char *const *argv;	/* argv[0] looked up in envp's PATH */
	char *const *envp;	/* the whole environment */
	const char *input;	/* written to stdin, then EOF */
	size_t inlen;
	int timeout_ms;		/* then SIGTERM, SIGKILL soon after */
	size_t max_output;	/* per stream; more is dropped, the child killed */
};

struct childrun_result {
	int status;		/* raw wait status */
	int timed_out;
	int truncated;		/* an output stream passed max_output */
	char *out, *err;	/* NUL-terminated */
	size_t outlen, errlen;
};

/* Runs spec to its end. Returns -1 with *cause when it could not start (not
 * found in PATH included), else 0 with r filled: free it with
 * childrun_result_free. */
int childrun(const struct childrun_spec *spec, struct childrun_result *r, char **cause);
void childrun_result_free(struct childrun_result *r);

#endif
