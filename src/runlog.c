/* runlog.c: syslog records of runs starting and ending; see runlog.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "jsonget.h"
#include "runlog.h"
#include "strbuf.h"
#include "xmalloc.h"

/* key=value, the value's control characters as '?': a runbook id or an
 * operator name must not start a forged second line in the log. */
static void
add_field(struct strbuf *b, const char *key, const char *value)
{
	strbuf_addf(b, " %s=", key);
	if (value == NULL || *value == '\0')
		value = "-";
	for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++)
		strbuf_addch(b, *p < 0x20 || *p == 0x7f ? '?' : (char)*p);
}

static void
add_run(struct strbuf *b, const struct runlog_run *run)
{
	add_field(b, "runbook", run->runbook);
	add_field(b, "incident", run->incident);
	add_field(b, "mode", run->mode);
	add_field(b, "operator", run->operator);
	add_field(b, "environment", run->environment);
}

char *
runlog_format(const struct runlog_run *run, const char *event, json_t *fields, int *priority)
{
	struct strbuf b;
	const char *status;
	char secs[32];

	*priority = LOG_NOTICE;
	strbuf_init(&b);
	if (strcmp(event, "run.start") == 0 || strcmp(event, "run.resume") == 0) {
		strbuf_adds(&b, strcmp(event, "run.start") == 0 ? "run started:" : "run resumed:");
		add_run(&b, run);
	} else if (strcmp(event, "run.end") == 0) {
		status = jsonget_str(fields, "status");
		if (status == NULL || strcmp(status, "completed") != 0)
			*priority = LOG_ERR;
		strbuf_adds(&b, "run ended:");
		add_run(&b, run);
		add_field(&b, "status", status);
		snprintf(secs, sizeof secs, "%lld", (long long)(jsonget_int(fields, "duration_ms", 0) / 1000));
		add_field(&b, "duration_s", secs);
	} else {
		strbuf_free(&b);
		return NULL;
	}
	return strbuf_detach(&b);
}

void
runlog_event(const struct runlog_run *run, const char *event, json_t *fields)
{
	int priority;
	char *text = runlog_format(run, event, fields, &priority);

	if (text == NULL)
		return;
	/* Opened and closed per record: no descriptor of ours stays open for
	 * a step to inherit. */
	openlog("drconsole", LOG_PID, LOG_USER);
	syslog(priority, "%s", text);
	closelog();
	free(text);
}
