/* metrics.c: a run as a Prometheus textfile; see metrics.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "fileutil.h"
#include "metrics.h"
#include "runfacts.h"
#include "xmalloc.h"

void
metrics_label_escape(struct strbuf *sb, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\\')
			strbuf_adds(sb, "\\\\");
		else if (*s == '"')
			strbuf_adds(sb, "\\\"");
		else if (*s == '\n')
			strbuf_adds(sb, "\\n");
		else
			strbuf_addch(sb, *s);
	}
}

static void
help(struct strbuf *sb, const char *name, const char *type, const char *text)
{
	strbuf_addf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

/* name{runbook="...",environment="..."[,step="..."]} */
static void
series(struct strbuf *sb, const char *name, const struct runstate *rs, const char *step)
{
	strbuf_addf(sb, "%s{runbook=\"", name);
	metrics_label_escape(sb, rs->runbook_id != NULL ? rs->runbook_id : "");
	strbuf_adds(sb, "\",environment=\"");
	metrics_label_escape(sb, rs->environment != NULL ? rs->environment : "");
	if (step != NULL) {
		strbuf_adds(sb, "\",step=\"");
		metrics_label_escape(sb, step);
	}
	strbuf_adds(sb, "\"} ");
}

/* Milliseconds as seconds, exactly. */
static void
secs(struct strbuf *sb, int64_t ms)
{
	strbuf_addf(sb, "%s%lld.%03lld\n", ms < 0 ? "-" : "", (long long)(ms < 0 ? -ms : ms) / 1000,
	    (long long)(ms < 0 ? -ms : ms) % 1000);
}

static void
add_steps(struct strbuf *sb, const struct runstate *rs)
{
	int any = 0;

	for (int i = 0; i < rs->nsteps; i++) {
		const struct rs_attempt *last = runstate_last_attempt(rs, i);

		if (last == NULL || last->end_ms == 0)
			continue;
		if (!any++)
			help(sb, "drconsole_step_duration_seconds", "gauge",
			    "How long the step's last attempt took (a manual step: offered to attested).");
		series(sb, "drconsole_step_duration_seconds", rs, rs->steps[i].id);
		secs(sb, rs->steps[i].duration_ms);
	}
}

char *
metrics_render(const struct runstate *rs)
{
	int64_t now = clock_wall_ms(), elapsed = runfacts_elapsed_ms(rs, now);
	enum runfacts_verdict rto = runfacts_rto(rs, now);
	struct strbuf sb;

	strbuf_init(&sb);
	help(&sb, "drconsole_run_success", "gauge",
	    "1 if the run ended completed, 0 if it failed, was aborted or interrupted, or is still open.");
	series(&sb, "drconsole_run_success", rs, NULL);
	strbuf_addf(&sb, "%d\n", runfacts_closed(rs) && rs->outcome == JOUTCOME_COMPLETED);
	help(&sb, "drconsole_run_last_timestamp_seconds", "gauge",
	    "When the run ended (or was last written while open), seconds since the epoch.");
	series(&sb, "drconsole_run_last_timestamp_seconds", rs, NULL);
	secs(&sb, runfacts_closed(rs) ? rs->ended_ms : rs->last_ms);
	if (elapsed >= 0) {
		help(&sb, "drconsole_run_duration_seconds", "gauge",
		    "From the run's start to its end (to now while open).");
		series(&sb, "drconsole_run_duration_seconds", rs, NULL);
		secs(&sb, elapsed);
	}
	if (rto == RUNFACTS_MET || rto == RUNFACTS_MISSED || rto == RUNFACTS_NOT_MET) {
		help(&sb, "drconsole_rto_met", "gauge",
		    "1 if the run completed within the runbook's RTO objective, else 0.");
		series(&sb, "drconsole_rto_met", rs, NULL);
		strbuf_addf(&sb, "%d\n", rto == RUNFACTS_MET);
	}
	if (rs->loss_ms >= 0) {
		help(&sb, "drconsole_data_loss_seconds", "gauge",
		    "The data-loss window the run recorded (data_loss_minutes).");
		series(&sb, "drconsole_data_loss_seconds", rs, NULL);
		secs(&sb, rs->loss_ms);
	}
	add_steps(&sb, rs);
	return strbuf_detach(&sb);
}

/* The metrics name no file of the incident: the folder is not needed. */
static char *
render_for_dir(const struct runstate *rs, const char *dir)
{
	(void)dir;
	return metrics_render(rs);
}

int
metrics_render_dir(const char *dir, char **out, char **cause)
{
	return runstate_render_dir(dir, render_for_dir, out, cause);
}

int
metrics_write(const char *dir, const char *path, char **cause)
{
	char *text;
	int rc;

	if (metrics_render_dir(dir, &text, cause) != 0)
		return -1;
	rc = file_save_text(path, text, 0644, "metrics", cause);
	free(text);
	return rc;
}
