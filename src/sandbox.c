/* sandbox.c: training sandboxes: their kept credentials, and what to tell
 * the trainee who leaves. Files are opened through the incident
 * directory's checked descriptor, never through a planted link. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "fileutil.h"
#include "incdir.h"
#include "report.h"
#include "sandbox.h"
#include "xmalloc.h"

#define CREDS_MAX (64 * 1024)

int
sandbox_runbook(const struct runbook *rb)
{
	return rb != NULL && rb->scenario != NULL && strcasecmp(rb->scenario, SANDBOX_SCENARIO) == 0;
}

/* The kept credentials as a JSON object, or a new empty one. */
static json_t *
creds_read(int sdfd)
{
	int fd = file_openat_regular(sdfd, SANDBOX_CREDENTIALS, O_RDONLY, 0);
	char buf[CREDS_MAX];
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	json_t *o = NULL;

	if (fd >= 0)
		close(fd);
	if (n > 0) {
		buf[n] = '\0';
		o = json_loads(buf, 0, NULL);
	}
	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	return o;
}

static int
open_sandbox(const char *incident_dir, char **cause)
{
	int dfd = incdir_open(incident_dir, 0, cause), sdfd;

	if (dfd == -1)
		return -1;
	sdfd = incdir_subdir(dfd, incident_dir, SANDBOX_DIR, cause);
	close(dfd);
	return sdfd;
}

int
sandbox_creds_save(const char *incident_dir, const char *name, const char *value, char **cause)
{
	int sdfd = open_sandbox(incident_dir, cause), rc;
	char *text, *shown, *tmp;
	json_t *o;

	if (sdfd == -1)
		return -1;
	o = creds_read(sdfd);
	json_object_set_new(o, name, json_string(value));
	text = json_dumps(o, JSON_SORT_KEYS | JSON_INDENT(2));
	json_decref(o);
	shown = xprintf("%s/%s/%s", incident_dir, SANDBOX_DIR, SANDBOX_CREDENTIALS);
	tmp = xprintf("%s.tmp.%ld", SANDBOX_CREDENTIALS, (long)getpid());
	rc = text != NULL ? file_write_atomic_at(sdfd, SANDBOX_CREDENTIALS, tmp, shown, text, strlen(text), 0600, 0,
	    cause) : -1;
	if (text == NULL)
		*cause = xprintf("cannot write %s: not valid UTF-8", shown);
	else
		explicit_bzero(text, strlen(text));
	free(text);
	free(tmp);
	free(shown);
	close(sdfd);
	return rc;
}

char *
sandbox_creds_load(const char *incident_dir, const char *name)
{
	char *cause = NULL, *value = NULL;
	int dfd = incdir_open(incident_dir, 0, &cause), sdfd;
	json_t *o;

	free(cause);
	if (dfd == -1)
		return NULL;
	sdfd = openat(dfd, SANDBOX_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (sdfd == -1)
		return NULL;
	o = creds_read(sdfd);
	close(sdfd);
	if (json_string_value(json_object_get(o, name)) != NULL)
		value = xstrdup(json_string_value(json_object_get(o, name)));
	json_decref(o);
	return value;
}

static int
exists(const char *dir, const char *name)
{
	char *path = xprintf("%s/%s", dir, name);
	struct stat sb;
	int ok = lstat(path, &sb) == 0 && S_ISREG(sb.st_mode);

	free(path);
	return ok;
}

void
sandbox_print_leaving(FILE *out, const char *incident_dir, const struct runbook *rb)
{
	fprintf(out, "incident: %s\n", incident_dir);
	if (exists(incident_dir, REPORT_FILE))
		fprintf(out, "postmortem: %s/%s\n", incident_dir, REPORT_FILE);
	if (sandbox_runbook(rb) && exists(incident_dir, SANDBOX_CLEANUP))
		fprintf(out, "sandbox: its servers may still run; stop them with: sh %s/%s\n", incident_dir,
		    SANDBOX_CLEANUP);
}
