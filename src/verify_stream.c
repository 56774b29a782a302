/*
 * verify_stream.c: the intact case of verify.c in one pass over the
 * journal, a line at a time, in memory that does not grow with the
 * journal (a line, the chain's last hash, and one entry per output file).
 * It says only "intact", with the very result verify.c would give, or
 * "not sure": on any fault, or anything it does not handle, verify.c's
 * reading of the whole journal runs instead and tells the story (which
 * lines look removed, inserted, swapped or edited). A 1,000,000-line
 * journal that is intact is thus checked without being held.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "crypto.h"
#include "jhead.h"
#include "journal.h"
#include "runstate.h"
#include "strbuf.h"
#include "verify_int.h"
#include "xmalloc.h"

struct vs {
	const char	*key;
	const char	*given_head;
	struct jhead	 head;
	size_t		 n;		/* lines read */
	int		 doubt;		/* a fault, or something left to verify.c */
	char		 prev[CRYPTO_HEX_LEN];
	char		 at_head[CRYPTO_HEX_LEN];	/* hash of line head.seq */
	size_t		 given_at;	/* the last line whose hash is given_head */
	json_t		*outputs;	/* path -> [sha, line], the last record of each */
	struct strbuf	 forced;	/* the notes of resumes forced past a break */
	int		 driven;	/* a console appends to it now */
	int		 head_rc;	/* jhead_read's answer */
};

/* One parsed line (NULL: it does not parse): it has the next seq,
 * chains and hashes; 0, or 1 for doubt. */
static int
vs_check(struct vs *v, json_t *o)
{
	char hex[CRYPTO_HEX_LEN], *cause = NULL;
	const char *prev, *hash, *path, *sha, *event, *why;
	json_t *seq;

	v->n++;
	seq = json_object_get(o, "seq");
	prev = json_string_value(json_object_get(o, "prev"));
	hash = json_string_value(json_object_get(o, "hash"));
	if (!json_is_object(o) || !json_is_integer(seq) || json_integer_value(seq) != (json_int_t)v->n ||
	    prev == NULL || strcmp(prev, v->prev) != 0 || hash == NULL || strlen(hash) != CRYPTO_HEX_LEN - 1 ||
	    journal_line_hash(o, v->key, hex, &cause) != 0 || strcmp(hex, hash) != 0) {
		free(cause);
		v->doubt = 1;
		return 1;
	}
	/* journal_line_hash put "hash" back: look it up again. */
	hash = json_string_value(json_object_get(o, "hash"));
	memcpy(v->prev, hash, CRYPTO_HEX_LEN);
	if (v->head.seq == (int64_t)v->n)
		memcpy(v->at_head, hash, CRYPTO_HEX_LEN);
	if (v->given_head != NULL && strcmp(hash, v->given_head) == 0)
		v->given_at = v->n;
	path = json_string_value(json_object_get(o, "output"));
	sha = json_string_value(json_object_get(o, "output_sha256"));
	if (path != NULL && sha != NULL)
		json_object_set_new(v->outputs, path, json_pack("[sI]", sha, (json_int_t)v->n));
	event = json_string_value(json_object_get(o, "event"));
	why = json_string_value(json_object_get(o, "forced"));
	if (event != NULL && why != NULL && strcmp(event, "run.resume") == 0)
		strbuf_addf(&v->forced, "%sline %zu: resumed with --force past a break (%s)",
		    v->forced.len > 0 ? "; " : "", v->n, why);
	return 0;
}

/* A line as verify.c parses it: a member named twice is a fault. */
static json_t *
vs_parse(const char *text, size_t len, json_error_t *error)
{
	return json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, error);
}

/* One line of the journal, for journal_each_line: non-zero at a doubt. */
static int
vs_line(void *arg, const char *text, size_t len)
{
	struct vs *v = arg;
	json_error_t error;
	json_t *o = vs_parse(text, len, &error);
	int rc = vs_check(v, o);

	json_decref(o);
	return rc;
}

/* verify.c's head checks, on their intact path only: 0 with *note as
 * verify.c would set it, or 1 for doubt. */
static int
vs_head(struct vs *v, int head_rc, int driven, char **note)
{
	const struct jhead *h = &v->head;
	int64_t n = (int64_t)v->n;

	if (n == 0 || (v->given_head != NULL && v->given_at == 0))
		return 1;
	if (v->given_head != NULL && v->given_at < v->n)
		*note = xprintf("the head given is line %zu; %zu line%s came after it", v->given_at,
		    v->n - v->given_at, v->n - v->given_at == 1 ? "" : "s");
	if (head_rc == 1 && v->given_head != NULL)
		return 0;
	if (head_rc != 0 || (v->key != NULL && (!h->keyed || !jhead_mac_ok(h, v->key))) || h->seq > n ||
	    (h->seq > 0 && strcmp(v->at_head, h->hash) != 0) || (h->seq + 1 < n && !driven))
		return 1;
	if (h->seq + 1 < n) {
		free(*note);
		*note = xprintf("%lld lines past the head: a console is appending to the journal now",
		    (long long)(n - h->seq));
	}
	if (h->seq + 1 == n && *note == NULL)
		*note = xprintf("the head is one line behind (line %lld): a crash between the last line and its "
		    "head", (long long)h->seq);
	return 0;
}

/* Each output file against the last line that records it. */
static int
vs_outputs(struct vs *v, const char *dir, size_t *count)
{
	char hex[CRYPTO_HEX_LEN], *full, *cause = NULL;
	const char *path;
	json_t *rec;
	int rc;

	*count = 0;
	json_object_foreach(v->outputs, path, rec) {
		if (verify_path_escapes(path))
			return 1;
		full = xprintf("%s/%s", dir, path);
		rc = crypto_sha256_file(full, hex, &cause);
		free(full);
		free(cause);
		cause = NULL;
		if (rc != 0 || strcmp(hex, json_string_value(json_array_get(rec, 0))) != 0)
			return 1;
		(*count)++;
	}
	return 0;
}

/* Reads the head, as verify.c does, before the journal: a console
 * appending meanwhile leaves the head behind what is read, never ahead. */
static void
vs_begin(struct vs *v, const char *dir, const char *given_head)
{
	char *cause = NULL;

	memset(v, 0, sizeof *v);
	v->driven = journal_driven(dir);
	v->head_rc = jhead_read(dir, &v->head, &cause);
	free(cause);
	v->key = journal_env_key();
	v->given_head = given_head;
	v->outputs = json_object();
	memset(v->prev, '0', CRYPTO_HEX_LEN - 1);
	strbuf_init(&v->forced);
}

/* After every line was checked without a doubt: the head and the output
 * files; 0 with *res as verify.c fills it, or 1 for doubt. */
static int
vs_finish(struct vs *v, const char *dir, size_t torn, int outputs_too, struct verify_result *res)
{
	char *note = NULL;
	size_t outputs = 0;

	if (vs_head(v, v->head_rc, v->driven, &note) != 0 ||
	    (outputs_too && vs_outputs(v, dir, &outputs) != 0)) {
		free(note);
		return 1;
	}
	if (v->forced.len > 0) {
		char *all = xprintf("%s%s%s", note ? note : "", note ? "; " : "", strbuf_str(&v->forced));

		free(note);
		note = all;
	}
	res->ok = 1;
	res->lines = (int64_t)v->n;
	res->torn = torn != 0;
	res->note = note;
	memcpy(res->final_hash, v->prev, CRYPTO_HEX_LEN);
	res->what = outputs_too ? xprintf("%zu lines intact, %zu output files match%s", v->n, outputs,
	    torn != 0 ? "; a torn last line (a crash mid-write) is not counted" : "") :
	    xprintf("%zu lines intact (output files not reread)%s", v->n,
	    torn != 0 ? "; a torn last line (a crash mid-write) is not counted" : "");
	return 0;
}

static void
vs_end(struct vs *v)
{
	json_decref(v->outputs);
	strbuf_free(&v->forced);
}

int
verify_stream(const char *dir, const char *given_head, int outputs_too, struct verify_result *res)
{
	struct vs v;
	char *cause = NULL;
	size_t torn = 0;
	int rc;

	vs_begin(&v, dir, given_head);
	rc = journal_each_line(dir, vs_line, &v, &torn, &cause) != 0 || v.doubt ||
	    vs_finish(&v, dir, torn, outputs_too, res) != 0;
	free(cause);
	vs_end(&v);
	return rc == 0 ? 0 : 1;
}

/* verify_fold's parse: the line checked as it is parsed for the fold.
 * After a doubt, lines are only parsed, as runstate_load parses them (a
 * member named twice is then folded as it always was). */
static json_t *
vs_fold_parse(void *arg, const char *text, size_t len, json_error_t *error)
{
	struct vs *v = arg;
	json_t *o;

	if (v->doubt)
		return json_loadb(text, len, JSON_ALLOW_NUL, error);
	o = vs_parse(text, len, error);
	if (vs_check(v, o) != 0 && o == NULL)
		o = json_loadb(text, len, JSON_ALLOW_NUL, error);
	return o;
}

int
verify_fold(const char *dir, int outputs_too, struct verify_result *res, struct runstate *rs,
    struct rs_load *how, int *fold_rc, char **cause)
{
	struct vs v;

	memset(res, 0, sizeof *res);
	vs_begin(&v, dir, NULL);
	how->parse = vs_fold_parse;
	how->parse_arg = &v;
	*fold_rc = runstate_load_with(rs, dir, how, cause);
	how->parse = NULL;
	how->parse_arg = NULL;
	/* Read to the end without a doubt: the chain is checked. Else the
	 * whole check, which describes the fault (or reads what the fold
	 * did not). */
	if (*fold_rc == 0 && !how->stopped && !v.doubt && vs_finish(&v, dir, how->torn, outputs_too, res) == 0) {
		vs_end(&v);
		return 0;
	}
	vs_end(&v);
	return outputs_too ? verify_incident(dir, res) : verify_incident_chain(dir, res);
}
