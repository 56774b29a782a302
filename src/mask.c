/* mask.c: owns the masking of secrets (mask.h): the set of values, the one
 * matching rule, and the held-back tail of a stream. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "mask.h"
#include "xmalloc.h"

struct mask {
	char	**v;
	size_t	 *len;
	int	  n;
	size_t	  longest;
};

struct maskstream {
	const struct mask	*m;
	struct loop		*loop;
	struct loop_timer	*timer;
	mask_emit_cb		 emit;
	void			*arg;
	struct strbuf		 held;	/* raw: may start a secret */
	struct strbuf		 out;	/* masked, being emitted */
};

/* --- the set --- */

struct mask *
mask_new(void)
{
	struct mask *m = xcalloc(1, sizeof *m);

	m->v = xcalloc(1, sizeof *m->v);
	return m;
}

void
mask_free(struct mask *m)
{
	if (m == NULL)
		return;
	for (int i = 0; i < m->n; i++) {
		explicit_bzero(m->v[i], m->len[i]);
		free(m->v[i]);
	}
	free(m->v);
	free(m->len);
	free(m);
}

/* A secret of several lines is also looked for as a terminal shows it:
 * a pty in cooked mode writes each "\n" as "\r\n". */
static void add_terminal_form(struct mask *m, const char *value);

void
mask_add(struct mask *m, const char *value)
{
	size_t n = value != NULL ? strlen(value) : 0;

	if (n == 0)
		return;
	for (int i = 0; i < m->n; i++) {
		if (m->len[i] == n && memcmp(m->v[i], value, n) == 0)
			return;
	}
	m->v = xreallocarray(m->v, (size_t)m->n + 2, sizeof *m->v);
	m->len = xreallocarray(m->len, (size_t)m->n + 1, sizeof *m->len);
	m->v[m->n] = xstrdup(value);
	m->len[m->n] = n;
	m->v[++m->n] = NULL;
	if (n > m->longest)
		m->longest = n;
	add_terminal_form(m, value);
}

static void
add_terminal_form(struct mask *m, const char *value)
{
	struct strbuf b;

	if (strchr(value, '\n') == NULL)
		return;
	strbuf_init(&b);
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			strbuf_addch(&b, '\r');
		strbuf_addch(&b, *p);
	}
	if (strcmp(b.buf, value) != 0)
		mask_add(m, b.buf);
	explicit_bzero(b.buf, b.len);
	strbuf_free(&b);
}

int
mask_count(const struct mask *m)
{
	return m != NULL ? m->n : 0;
}

const char *const *
mask_values(const struct mask *m)
{
	return (const char *const *)m->v;
}

int
mask_contains(const struct mask *m, const char *text, size_t len)
{
	for (int i = 0; m != NULL && i < m->n; i++) {
		if (memmem(text, len, m->v[i], m->len[i]) != NULL)
			return 1;
	}
	return 0;
}

/* Counted in characters, as people count them: UTF-8 continuation bytes
 * do not count. */
char *
mask_check_secret(const char *name, const char *value)
{
	size_t chars = 0;

	for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++)
		chars += (*p & 0xc0) != 0x80;
	if (chars >= MASK_MIN_SECRET)
		return NULL;
	return xprintf("secret '%s' is %zu character%s long: give one of at least %d (a shorter one "
	    "shows itself: every place its text stands would read " MASK_TEXT ")", name, chars,
	    chars == 1 ? "" : "s", MASK_MIN_SECRET);
}

/* --- matching --- */

/* Where each secret next occurs at or after a position, so each is looked
 * for once per occurrence, not once per masked span. */
struct scan {
	const struct mask	*m;
	const char		*t;
	size_t			 len;
	size_t			*next;	/* SIZE_MAX: not again */
	char			*known;	/* next[i] was looked for */
};

static size_t
next_of(struct scan *s, int i, size_t from)
{
	const char *hit;

	if (s->next[i] != SIZE_MAX && (s->next[i] < from || !s->known[i])) {
		s->known[i] = 1;
		hit = from < s->len ? memmem(s->t + from, s->len - from, s->m->v[i], s->m->len[i]) : NULL;
		s->next[i] = hit != NULL ? (size_t)(hit - s->t) : SIZE_MAX;
	}
	return s->next[i];
}

/* Grows the span [at, *end) over every secret that starts inside it and
 * runs past its end. */
static void
extend_span(const struct scan *s, size_t at, size_t *end)
{
	const struct mask *m = s->m;
	const char *hit;
	size_t from, stop;
	int grown = 1;

	while (grown) {
		grown = 0;
		for (int i = 0; i < m->n; i++) {
			for (from = at + 1; from < *end; from = (size_t)(hit - s->t) + 1) {
				stop = *end - 1 + m->len[i];
				if (stop > s->len)
					stop = s->len;
				if (stop <= from ||
				    (hit = memmem(s->t + from, stop - from, m->v[i], m->len[i])) == NULL)
					break;
				if ((size_t)(hit - s->t) + m->len[i] > *end) {
					*end = (size_t)(hit - s->t) + m->len[i];
					grown = 1;
				}
			}
		}
	}
}

/* The leftmost secret at or after from, grown over those overlapping it. */
static int
earliest(struct scan *s, size_t from, size_t *at, size_t *end)
{
	size_t a;
	int found = 0;

	for (int i = 0; i < s->m->n; i++) {
		if ((a = next_of(s, i, from)) == SIZE_MAX)
			continue;
		if (!found || a < *at || (a == *at && a + s->m->len[i] > *end)) {
			*at = a;
			*end = a + s->m->len[i];
			found = 1;
		}
	}
	if (found)
		extend_span(s, *at, end);
	return found;
}

/* Where the text's tail that could still become a secret begins (a proper
 * prefix of one, running to the end); len when there is none. */
static size_t
suspect_start(const struct mask *m, const char *t, size_t len, size_t from)
{
	size_t h = m->longest > len ? 0 : len - m->longest + 1;

	for (h = h > from ? h : from; h < len; h++) {
		for (int i = 0; i < m->n; i++) {
			if (m->len[i] > len - h && m->v[i][0] == t[h] &&
			    memcmp(t + h, m->v[i], len - h) == 0)
				return h;
		}
	}
	return len;
}

/* Masks t into out as far as it is certain; returns the bytes consumed.
 * With hold, it stops where a secret may have begun without ending yet,
 * or where a masked span overlaps such a beginning. */
static size_t
scan_text(const struct mask *m, const char *t, size_t len, int hold, struct strbuf *out, int *count)
{
	struct scan s = { m, t, len, NULL, NULL };
	size_t p = 0, at = 0, end = 0, h;

	s.next = xcalloc((size_t)m->n + 1, sizeof *s.next);
	s.known = xcalloc((size_t)m->n + 1, 1);
	for (;;) {
		h = hold ? suspect_start(m, t, len, p) : len;
		if (!earliest(&s, p, &at, &end) || at >= h) {
			strbuf_add(out, t + p, h - p);
			p = h;
			break;
		}
		strbuf_add(out, t + p, at - p);
		if (end > h) {
			p = at;
			break;
		}
		strbuf_add(out, MASK_TEXT, MASK_TEXT_LEN);
		if (count != NULL)
			(*count)++;
		p = end;
	}
	free(s.next);
	free(s.known);
	return p;
}

int
mask_into(const struct mask *m, const char *text, size_t len, struct strbuf *out)
{
	int count = 0;

	if (m == NULL || m->n == 0) {
		strbuf_add(out, text, len);
		return 0;
	}
	scan_text(m, text, len, 0, out, &count);
	return count;
}

char *
mask_str(const struct mask *m, const char *s, int *count)
{
	struct strbuf b;
	int n;

	strbuf_init(&b);
	n = mask_into(m, s, strlen(s), &b);
	if (count != NULL)
		*count = n;
	return strbuf_detach(&b);
}

/* A JSON string's masked form; NULL when nothing changes. */
static json_t *
masked_json_string(const struct mask *m, const json_t *v)
{
	struct strbuf b;
	json_t *j;

	if (!json_is_string(v) || !mask_contains(m, json_string_value(v), json_string_length(v)))
		return NULL;
	strbuf_init(&b);
	mask_into(m, json_string_value(v), json_string_length(v), &b);
	j = json_stringn(b.buf, b.len);
	strbuf_free(&b);
	return j != NULL ? j : json_string(MASK_TEXT);
}

void
mask_json(const struct mask *m, json_t *j)
{
	const char *key;
	size_t idx;
	json_t *v, *masked;

	if (json_is_object(j)) {
		json_object_foreach(j, key, v) {
			if ((masked = masked_json_string(m, v)) != NULL)
				json_object_set_new(j, key, masked);
			else
				mask_json(m, v);
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, idx, v) {
			if ((masked = masked_json_string(m, v)) != NULL)
				json_array_set_new(j, idx, masked);
			else
				mask_json(m, v);
		}
	}
}

/* --- streams --- */

static void
wipe(struct strbuf *b)
{
	if (b->buf != NULL)
		explicit_bzero(b->buf, b->len);
	strbuf_reset(b);
}

struct maskstream *
maskstream_new(const struct mask *m, struct loop *loop, mask_emit_cb emit, void *arg)
{
	struct maskstream *ms = xcalloc(1, sizeof *ms);

	ms->m = m;
	ms->loop = loop;
	ms->emit = emit;
	ms->arg = arg;
	strbuf_init(&ms->held);
	strbuf_init(&ms->out);
	return ms;
}

static void
emit_out(struct maskstream *ms)
{
	if (ms->out.len > 0)
		ms->emit(ms->arg, ms->out.buf, ms->out.len);
	strbuf_reset(&ms->out);
}

static void
on_hold_timer(void *arg)
{
	struct maskstream *ms = arg;

	ms->timer = NULL;
	maskstream_flush(ms);
}

static void
set_timer(struct maskstream *ms)
{
	if (ms->loop == NULL)
		return;
	if (ms->held.len > 0 && ms->timer == NULL)
		ms->timer = loop_add_timer(ms->loop, MASK_HOLD_MS, on_hold_timer, ms);
	else if (ms->held.len == 0 && ms->timer != NULL) {
		loop_cancel_timer(ms->loop, ms->timer);
		ms->timer = NULL;
	}
}

void
maskstream_feed(struct maskstream *ms, const char *data, size_t len)
{
	size_t used;

	if (len == 0)
		return;
	if (ms->m == NULL || ms->m->n == 0) {
		maskstream_flush(ms);
		ms->emit(ms->arg, data, len);
		return;
	}
	/* What was held goes first, matched again with the new bytes. */
	strbuf_add(&ms->held, data, len);
	used = scan_text(ms->m, ms->held.buf, ms->held.len, 1, &ms->out, NULL);
	memmove(ms->held.buf, ms->held.buf + used, ms->held.len - used);
	explicit_bzero(ms->held.buf + ms->held.len - used, used);
	ms->held.len -= used;
	ms->held.buf[ms->held.len] = '\0';
	set_timer(ms);
	emit_out(ms);
}

void
maskstream_flush(struct maskstream *ms)
{
	if (ms == NULL)
		return;
	if (ms->timer != NULL) {
		loop_cancel_timer(ms->loop, ms->timer);
		ms->timer = NULL;
	}
	if (ms->held.len == 0)
		return;
	mask_into(ms->m, ms->held.buf, ms->held.len, &ms->out);
	wipe(&ms->held);
	emit_out(ms);
}

size_t
maskstream_held(const struct maskstream *ms)
{
	return ms != NULL ? ms->held.len : 0;
}

void
maskstream_free(struct maskstream *ms)
{
	if (ms == NULL)
		return;
	if (ms->timer != NULL)
		loop_cancel_timer(ms->loop, ms->timer);
	wipe(&ms->held);
	strbuf_free(&ms->held);
	strbuf_free(&ms->out);
	free(ms);
}
