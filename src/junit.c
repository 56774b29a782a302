/* junit.c: a run as JUnit XML; see junit.h. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "fileutil.h"
#include "follow.h"
#include "junit.h"
#include "outfile.h"
#include "runfacts.h"
#include "xmalloc.h"

/* Bytes read from the end of an output file for its last lines. */
#define JUNIT_TAIL_BYTES (64 * 1024)
#define REPLACEMENT "\xef\xbf\xbd"

/* The length of the valid UTF-8 character at s (at most left bytes) that
 * XML 1.0 allows, or 0. */
static size_t
xml_char_len(const unsigned char *s, size_t left)
{
	unsigned cp;
	size_t n;

	if (s[0] < 0x80)
		return s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' || s[0] == '\r';
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

void
junit_xml_escape(struct strbuf *sb, const char *s, size_t len, int attr)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if ((n = xml_char_len(p + i, len - i)) == 0) {
			strbuf_adds(sb, REPLACEMENT);
			i++;
			continue;
		}
		switch (p[i]) {
		case '&': strbuf_adds(sb, "&amp;"); break;
		case '<': strbuf_adds(sb, "&lt;"); break;
		case '>': strbuf_adds(sb, "&gt;"); break;
		case '"': strbuf_adds(sb, "&quot;"); break;
		case '\'': strbuf_adds(sb, "&apos;"); break;
		case '\t': strbuf_adds(sb, attr ? "&#9;" : "\t"); break;
		case '\n': strbuf_adds(sb, attr ? "&#10;" : "\n"); break;
		case '\r': strbuf_adds(sb, "&#13;"); break;
		default: strbuf_add(sb, s + i, n); break;
		}
		i += n;
	}
}

static void
esc(struct strbuf *sb, const char *s, int attr)
{
	if (s != NULL)
		junit_xml_escape(sb, s, strlen(s), attr);
}

/* name="value", value escaped. */
static void
attr(struct strbuf *sb, const char *name, const char *value)
{
	strbuf_addf(sb, " %s=\"", name);
	esc(sb, value != NULL ? value : "", 1);
	strbuf_addch(sb, '"');
}

static void
attr_secs(struct strbuf *sb, const char *name, int64_t ms)
{
	strbuf_addf(sb, " %s=\"%lld.%03lld\"", name, (long long)(ms < 0 ? 0 : ms) / 1000,
	    (long long)(ms < 0 ? 0 : ms) % 1000);
}

/* The last JUNIT_TAIL_LINES lines of output file rel, as shown (the
 * stamps dropped), each ending in a newline; "" when it cannot be read. */
static void
add_tail(struct strbuf *sb, const char *dir, const char *rel)
{
	char *path = xprintf("%s/%s", dir, rel), *buf = NULL, *p, *nl;
	struct follow_reader rd = { 0 };
	struct follow_line line;
	const char *starts[JUNIT_TAIL_LINES];
	size_t lens[JUNIT_TAIL_LINES], kept = 0, got = 0;
	struct stat st;
	off_t from;
	ssize_t r;
	int fd;

	if ((fd = file_openat_regular(AT_FDCWD, path, O_RDONLY, 0)) == -1 || fstat(fd, &st) != 0)
		goto out;
	from = st.st_size > JUNIT_TAIL_BYTES ? st.st_size - JUNIT_TAIL_BYTES : 0;
	buf = xmalloc(JUNIT_TAIL_BYTES + 1);
	while (got < JUNIT_TAIL_BYTES && (r = pread(fd, buf + got, JUNIT_TAIL_BYTES - got,
	    from + (off_t)got)) > 0)
		got += (size_t)r;
	buf[got] = '\0';
	/* Read from inside the file, the first line is a piece: dropped. */
	p = buf;
	if (from > 0)
		p = (nl = memchr(buf, '\n', got)) != NULL ? nl + 1 : buf + got;
	for (; p < buf + got; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(buf + got - p))) == NULL)
			nl = buf + got;
		if (follow_read_line(&rd, p, (size_t)(nl - p), &line) != 0) {
			starts[kept % JUNIT_TAIL_LINES] = line.text;
			lens[kept % JUNIT_TAIL_LINES] = line.len;
			kept++;
		}
	}
	for (size_t k = kept > JUNIT_TAIL_LINES ? kept - JUNIT_TAIL_LINES : 0; k < kept; k++) {
		junit_xml_escape(sb, starts[k % JUNIT_TAIL_LINES], lens[k % JUNIT_TAIL_LINES], 0);
		strbuf_addch(sb, '\n');
	}
out:
	if (fd != -1)
		close(fd);
	free(buf);
	free(path);
}

/* A step rolled back did not do its work either: a failure, typed so. */
static int
step_failed(const struct rs_step *s)
{
	return s->status == JSTATUS_FAILED || s->status == JSTATUS_TIMEOUT ||
	    s->status == JSTATUS_CANCELLED || s->status == JSTATUS_ROLLED_BACK;
}

/* A step that was running, or interrupted, has no verdict: an error. */
static int
step_error(const struct rs_step *s)
{
	return s->status == JSTATUS_INTERRUPTED || s->status == JSTATUS_RUNNING ||
	    s->status == JSTATUS_PENDING;
}

static void
add_testcase(struct strbuf *sb, const struct runstate *rs, int i, const char *dir)
{
	const struct rs_step *s = &rs->steps[i];
	const struct rs_attempt *last = runstate_last_attempt(rs, i);
	char *name = s->index > 0 ? xprintf("%02d-%s", s->index, s->id) : xstrdup(s->id);
	char *msg;

	strbuf_adds(sb, "    <testcase");
	attr(sb, "classname", rs->runbook_id != NULL ? rs->runbook_id : "drconsole");
	attr(sb, "name", name);
	attr_secs(sb, "time", s->duration_ms);
	strbuf_adds(sb, ">\n");
	free(name);
	if (step_failed(s) || step_error(s)) {
		msg = xprintf("%s%s%s", jschema_status_name(s->status), s->reason != NULL ? ": " : "",
		    s->reason != NULL ? s->reason : "");
		strbuf_addf(sb, "      <%s", step_failed(s) ? "failure" : "error");
		attr(sb, "message", msg);
		attr(sb, "type", jschema_status_name(s->status));
		strbuf_adds(sb, ">");
		esc(sb, msg, 0);
		strbuf_addch(sb, '\n');
		if (last != NULL && last->output != NULL)
			add_tail(sb, dir, last->output);
		strbuf_addf(sb, "</%s>\n", step_failed(s) ? "failure" : "error");
		free(msg);
	} else if (s->status == JSTATUS_SKIPPED) {
		msg = xprintf("%s%sskip: %s)", s->reason != NULL ? s->reason : "",
		    s->reason != NULL ? " (" : "(", jschema_skip_name(s->skip));
		strbuf_adds(sb, "      <skipped");
		attr(sb, "message", msg);
		strbuf_adds(sb, "/>\n");
		free(msg);
	}
	strbuf_adds(sb, "    </testcase>\n");
}

static void
add_property(struct strbuf *sb, const char *name, const char *value)
{
	strbuf_adds(sb, "      <property");
	attr(sb, "name", name);
	attr(sb, "value", value);
	strbuf_adds(sb, "/>\n");
}

char *
junit_render(const struct runstate *rs, const char *dir)
{
	int failures = 0, errors = 0, skipped = 0;
	char ts[CLOCK_RFC3339_LEN];
	struct strbuf sb;
	int64_t elapsed = runfacts_elapsed_ms(rs, clock_wall_ms());

	for (int i = 0; i < rs->nsteps; i++) {
		failures += step_failed(&rs->steps[i]);
		errors += step_error(&rs->steps[i]);
		skipped += rs->steps[i].status == JSTATUS_SKIPPED;
	}
	strbuf_init(&sb);
	strbuf_adds(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
	attr(&sb, "name", "drconsole");
	strbuf_addf(&sb, " tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\"", rs->nsteps,
	    failures, errors, skipped);
	attr_secs(&sb, "time", elapsed);
	strbuf_adds(&sb, ">\n  <testsuite");
	attr(&sb, "name", rs->runbook_id != NULL ? rs->runbook_id : "drconsole");
	attr(&sb, "id", rs->incident);
	strbuf_addf(&sb, " tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\"", rs->nsteps,
	    failures, errors, skipped);
	attr_secs(&sb, "time", elapsed);
	if (rs->started_ms != 0) {
		clock_format_rfc3339(rs->started_ms, ts);
		attr(&sb, "timestamp", ts);
	}
	if (rs->host != NULL)
		attr(&sb, "hostname", rs->host);
	strbuf_adds(&sb, ">\n    <properties>\n");
	add_property(&sb, "title", rs->runbook_title);
	add_property(&sb, "environment", rs->environment);
	add_property(&sb, "mode", jschema_mode_name(rs->mode));
	add_property(&sb, "outcome", rs->outcome == JOUTCOME_NONE ? "open" :
	    jschema_outcome_name(rs->outcome));
	add_property(&sb, "incident", rs->incident);
	strbuf_adds(&sb, "    </properties>\n");
	for (int i = 0; i < rs->nsteps; i++)
		add_testcase(&sb, rs, i, dir);
	strbuf_adds(&sb, "  </testsuite>\n</testsuites>\n");
	return strbuf_detach(&sb);
}

int
junit_render_dir(const char *dir, char **out, char **cause)
{
	return runstate_render_dir(dir, junit_render, out, cause);
}

int
junit_write(const char *dir, const char *path, char **cause)
{
	char *text;
	int rc;

	if (junit_render_dir(dir, &text, cause) != 0)
		return -1;
	rc = file_save_text(path, text, 0644, "JUnit XML", cause);
	free(text);
	return rc;
}
