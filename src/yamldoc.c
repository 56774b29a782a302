/* yamldoc.c: composes libyaml's event stream into a positioned node tree.
 * We compose ourselves rather than use yaml_document_t so that every limit
 * (size, depth, alias expansion, duplicate keys) is checked as we go. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "xmalloc.h"
#include "yamldoc.h"

struct anchor {
	char *name;
	struct ynode *node;
};

struct ydoc {
	struct ynode **nodes;	/* every node, for freeing: aliases share them */
	int nnodes;
	struct ynode *root;
	struct anchor *anchors;
	int nanchors;
	size_t *line_starts;	/* offsets of each source line, for indentation */
	int nlines;
	char *src;
	size_t srclen;
};

/* (scope, string) -> node, open addressing: anchors (scope NULL) and each
 * mapping's keys (scope the mapping). A linear search made a 1 MB file of
 * distinct keys, or of aliases, take tens of seconds. */
struct slot {
	const void *scope;
	const char *s;		/* NULL: a free slot */
	size_t len;
	struct ynode *node;
};

struct table {
	struct slot *slots;
	size_t size, used;	/* size: 0 or a power of two */
};

/* A place in the input: libyaml's character index, our byte offset, line
 * and column. */
struct cursor {
	size_t index, off;
	int line, col;
};

struct composer {
	struct ydoc *doc;
	const unsigned char *buf;
	size_t len;
	struct cursor cur;	/* of the last mark converted */
	struct table anchors, keys;
	yaml_parser_t parser;
	struct ynode *stack[YDOC_MAX_DEPTH + 1];
	int depth;
	int line, col;
	char *cause;
};

/* Where a libyaml mark stands, counting lines at \n only. libyaml also
 * breaks lines at a lone \r and at U+0085, U+2028 and U+2029, so its own
 * line numbers drift from what editors show. The cursor only moves forward
 * as events arrive, so converting every mark of a document is linear. */
static struct srcpos
mark_pos(struct composer *c, const yaml_mark_t *m)
{
	struct cursor *k = &c->cur;
	struct srcpos pos;

	if (k->line == 0 || m->index < k->index) {
		k->index = k->off = 0;
		k->line = k->col = 1;
	}
	while (k->index < m->index && k->off < c->len) {
		unsigned char b = c->buf[k->off];

		if (b == '\n') {
			k->line++;
			k->col = 1;
		} else
			k->col++;
		k->off += b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
		k->index++;
	}
	pos.line = k->line;
	pos.col = k->col;
	return pos;
}

static int __attribute__((format(printf, 3, 4)))
compose_fail(struct composer *c, struct srcpos pos, const char *fmt, ...)
{
	va_list ap;

	c->line = pos.line;
	c->col = pos.col;
	va_start(ap, fmt);
	if (vasprintf(&c->cause, fmt, ap) == -1)
		c->cause = xstrdup("out of memory");
	va_end(ap);
	return -1;
}

/* Makes room for element n of an array that grows by doubling; the capacity
 * follows from the count. Growing by one element per item made big files
 * quadratic wherever realloc copies (under the sanitizers, always). */
static void *
grow(void *p, int n, size_t size)
{
	if (n == 0)
		return xreallocarray(p, 4, size);
	if (n >= 4 && (n & (n - 1)) == 0)
		return xreallocarray(p, (size_t)n * 2, size);
	return p;
}

static struct ynode *
node_new(struct composer *c, enum ynode_type type, const yaml_mark_t *mark)
{
	struct ydoc *doc = c->doc;
	struct ynode *n = xcalloc(1, sizeof *n);

	n->type = type;
	n->pos = mark_pos(c, mark);
	n->weight = 1;
	doc->nodes = grow(doc->nodes, doc->nnodes, sizeof *doc->nodes);
	doc->nodes[doc->nnodes++] = n;
	return n;
}

static struct slot *
table_slot(const struct table *t, const void *scope, const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL ^ (uintptr_t)scope;
	size_t i;

	for (size_t j = 0; j < len; j++)
		h = (h ^ (unsigned char)s[j]) * 1099511628211ULL;
	for (i = (size_t)(h ^ (h >> 32)) & (t->size - 1);; i = (i + 1) & (t->size - 1)) {
		struct slot *sl = &t->slots[i];

		if (sl->s == NULL || (sl->scope == scope && sl->len == len && memcmp(sl->s, s, len) == 0))
			return sl;
	}
}

static struct ynode *
table_get(const struct table *t, const void *scope, const char *s, size_t len)
{
	return t->size == 0 ? NULL : table_slot(t, scope, s, len)->node;
}

/* Adds or replaces; s must outlive the table. */
static void
table_put(struct table *t, const void *scope, const char *s, size_t len, struct ynode *node)
{
	struct slot *sl;

	if (2 * (t->used + 1) > t->size) {
		struct table bigger = { NULL, t->size != 0 ? 2 * t->size : 64, 0 };

		bigger.slots = xcalloc(bigger.size, sizeof *bigger.slots);
		for (size_t i = 0; i < t->size; i++) {
			if (t->slots[i].s != NULL)
				table_put(&bigger, t->slots[i].scope, t->slots[i].s, t->slots[i].len,
				    t->slots[i].node);
		}
		free(t->slots);
		*t = bigger;
	}
	sl = table_slot(t, scope, s, len);
	if (sl->s == NULL)
		t->used++;
	sl->scope = scope;
	sl->s = s;
	sl->len = len;
	sl->node = node;
}

static void
remember_anchor(struct composer *c, const yaml_char_t *anchor, struct ynode *n)
{
	struct ydoc *doc = c->doc;
	char *name;

	if (anchor == NULL)
		return;
	name = xstrdup((const char *)anchor);
	doc->anchors = grow(doc->anchors, doc->nanchors, sizeof *doc->anchors);
	doc->anchors[doc->nanchors].name = name;
	doc->anchors[doc->nanchors].node = n;
	doc->nanchors++;
	/* The latest definition wins, as YAML says anchors may be redefined. */
	table_put(&c->anchors, NULL, name, strlen(name), n);
}

static struct ynode *
find_anchor(struct composer *c, const char *name)
{
	return table_get(&c->anchors, NULL, name, strlen(name));
}

/* A mapping's keys must be unique: YAML says so, and a silently ignored
 * duplicate "run:" is exactly the kind of surprise a runbook must not hold. */
static int
check_duplicate_key(struct composer *c, struct ynode *map, struct ynode *key)
{
	if (map->nitems % 2 != 0 || key->type != YNODE_SCALAR)
		return 0;
	if (table_get(&c->keys, map, key->value, key->len) != NULL)
		return compose_fail(c, key->pos, "duplicate key '%s'", key->value);
	table_put(&c->keys, map, key->value, key->len, key);
	return 0;
}

/* Attaches n to the open collection, or makes it the root. */
static int
attach(struct composer *c, struct ynode *n, const yaml_mark_t *mark)
{
	struct ynode *parent;

	if (c->depth == 0) {
		if (c->doc->root != NULL)
			return compose_fail(c, mark_pos(c, mark), "%s",
			    "more than one document: a runbook is one YAML document");
		c->doc->root = n;
		return 0;
	}
	parent = c->stack[c->depth - 1];
	if (parent->type == YNODE_MAP && check_duplicate_key(c, parent, n) != 0)
		return -1;
	parent->items = grow(parent->items, parent->nitems, sizeof *parent->items);
	parent->items[parent->nitems++] = n;
	for (int i = 0; i < c->depth; i++) {
		c->stack[i]->weight += n->weight;
		if (c->stack[i]->weight > YDOC_MAX_WEIGHT)
			return compose_fail(c, mark_pos(c, mark), "%s",
			    "document expands to too many nodes (an alias bomb?)");
	}
	return 0;
}

/* Where a comment starts right after a plain scalar that ends at end, on
 * the same line: libyaml drops comments, so only the raw line tells that
 * "Tell #incidents" was read as "Tell". */
static struct srcpos
comment_after(struct composer *c, const yaml_mark_t *end)
{
	struct srcpos none = { 0, 0 }, pos = mark_pos(c, end);
	size_t i = c->cur.off;

	while (i < c->len && (c->buf[i] == ' ' || c->buf[i] == '\t'))
		i++;
	if (i == c->cur.off || i >= c->len || c->buf[i] != '#')
		return none;
	pos.col += (int)(i - c->cur.off);
	return pos;
}

static int
on_scalar(struct composer *c, const yaml_event_t *ev)
{
	struct ynode *n = node_new(c, YNODE_SCALAR, &ev->start_mark);

	n->len = ev->data.scalar.length;
	n->value = xstrndup((const char *)ev->data.scalar.value, n->len);
	if (strlen(n->value) != n->len)
		return compose_fail(c, mark_pos(c, &ev->start_mark), "%s", "NUL byte in a string");
	switch (ev->data.scalar.style) {
	case YAML_PLAIN_SCALAR_STYLE:
		n->style = RSTR_PLAIN;
		n->comment = comment_after(c, &ev->end_mark);
		break;
	case YAML_LITERAL_SCALAR_STYLE:
	case YAML_FOLDED_SCALAR_STYLE:
		n->style = RSTR_BLOCK;
		break;
	default:
		n->style = RSTR_QUOTED;
		break;
	}
	remember_anchor(c, ev->data.scalar.anchor, n);
	return attach(c, n, &ev->start_mark);
}

static int
on_alias(struct composer *c, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct ynode *n = find_anchor(c, name);

	if (n == NULL)
		return compose_fail(c, mark_pos(c, &ev->start_mark), "unknown alias '%s'", name);
	for (int i = 0; i < c->depth; i++) {
		if (c->stack[i] == n)
			return compose_fail(c, mark_pos(c, &ev->start_mark), "alias '%s' refers to itself",
			    name);
	}
	return attach(c, n, &ev->start_mark);
}

static int
on_open(struct composer *c, const yaml_event_t *ev, enum ynode_type type)
{
	const yaml_char_t *anchor = type == YNODE_MAP ?
	    ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
	struct ynode *n;

	if (c->depth >= YDOC_MAX_DEPTH)
		return compose_fail(c, mark_pos(c, &ev->start_mark), "%s", "nested too deeply");
	n = node_new(c, type, &ev->start_mark);
	if (attach(c, n, &ev->start_mark) != 0)
		return -1;
	remember_anchor(c, anchor, n);
	c->stack[c->depth++] = n;
	return 0;
}

static int
compose_event(struct composer *c, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return on_scalar(c, ev);
	case YAML_ALIAS_EVENT:
		return on_alias(c, ev);
	case YAML_MAPPING_START_EVENT:
		return on_open(c, ev, YNODE_MAP);
	case YAML_SEQUENCE_START_EVENT:
		return on_open(c, ev, YNODE_SEQ);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		c->depth--;
		return 0;
	default:
		return 0;
	}
}

/* Reader errors (bad UTF-8, control characters) carry a byte offset, not a
 * mark: turn it into a line and column. */
static void
offset_position(struct composer *c, size_t off)
{
	c->line = 1;
	c->col = 1;
	for (size_t i = 0; i < off && i < c->len; i++) {
		if (c->buf[i] == '\n') {
			c->line++;
			c->col = 1;
		} else if ((c->buf[i] & 0xc0) != 0x80)
			c->col++;
	}
}

static int
syntax_error(struct composer *c)
{
	const yaml_parser_t *p = &c->parser;
	struct srcpos pos = mark_pos(c, &p->problem_mark);
	size_t off = c->cur.off;

	/* An unclosed quote or bracket is better shown where it opened: the
	 * parser notices only at the end of the file, or for a flow [list] or
	 * {map}, on a later line. */
	if (p->context != NULL && (off >= c->len || (strstr(p->context, "flow") != NULL &&
	    p->context_mark.line != p->problem_mark.line)))
		pos = mark_pos(c, &p->context_mark);
	c->line = pos.line;
	c->col = pos.col;
	if (p->error == YAML_READER_ERROR) {
		off = p->problem_offset;
		/* libyaml gives the offset of the bad continuation byte: step
		 * back to the character's lead byte. */
		if (p->problem != NULL && strcmp(p->problem, "invalid trailing UTF-8 octet") == 0) {
			while (off > 1 && off <= c->len && (c->buf[off - 1] & 0xc0) == 0x80)
				off--;
			if (off > 0)
				off--;
		}
		offset_position(c, off);
	}
	if (p->error == YAML_SCANNER_ERROR && off < c->len && c->buf[off] == '\t')
		c->cause = xstrdup("tab character: YAML must be indented with spaces, not tabs");
	else
		c->cause = xprintf("%s%s%s", p->problem ? p->problem : "syntax error",
		    p->context ? " " : "", p->context ? p->context : "");
	return -1;
}

static int
compose(struct composer *c)
{
	yaml_event_t ev;
	int done = 0, rc = 0;

	while (!done && rc == 0) {
		if (!yaml_parser_parse(&c->parser, &ev))
			return syntax_error(c);
		rc = compose_event(c, &ev);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	return rc;
}

static void
index_lines(struct ydoc *doc, const unsigned char *buf, size_t len)
{
	doc->src = xstrndup((const char *)buf, len);
	doc->srclen = len;
	doc->nlines = 1;
	for (size_t i = 0; i < len; i++)
		doc->nlines += buf[i] == '\n';
	doc->line_starts = xreallocarray(NULL, (size_t)doc->nlines, sizeof *doc->line_starts);
	doc->line_starts[0] = 0;
	doc->nlines = 1;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			doc->line_starts[doc->nlines++] = i + 1;
	}
}

int
ydoc_line_indent(const struct ydoc *doc, int line)
{
	size_t i;
	int n = 0;

	if (line < 1 || line > doc->nlines)
		return 0;
	for (i = doc->line_starts[line - 1]; i < doc->srclen && doc->src[i] == ' '; i++)
		n++;
	return n;
}

struct ydoc *
ydoc_parse(const unsigned char *buf, size_t len, int *line, int *col, char **cause)
{
	struct composer c = { 0 };

	*line = *col = 0;
	if (len > (size_t)YDOC_MAX_BYTES) {
		*cause = xprintf("file is too large (%zu bytes; the limit is %ld)", len, YDOC_MAX_BYTES);
		return NULL;
	}
	/* A byte order mark is allowed, but libyaml only skips it when it
	 * guesses the encoding, and we tell it UTF-8. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	c.doc = xcalloc(1, sizeof *c.doc);
	c.buf = buf;
	c.len = len;
	yaml_parser_initialize(&c.parser);
	yaml_parser_set_input_string(&c.parser, buf, len);
	yaml_parser_set_encoding(&c.parser, YAML_UTF8_ENCODING);
	if (compose(&c) == 0 && c.doc->root == NULL)
		c.cause = xstrdup("empty file: expected a YAML mapping");
	yaml_parser_delete(&c.parser);
	free(c.anchors.slots);
	free(c.keys.slots);
	if (c.cause == NULL)
		index_lines(c.doc, buf, len);
	if (c.cause != NULL) {
		*line = c.line;
		*col = c.col;
		*cause = c.cause;
		ydoc_free(c.doc);
		return NULL;
	}
	return c.doc;
}

/* Refuses what is not a regular file of bounded size, from st. */
static int
check_regular(const struct stat *st, char **cause)
{
	if (!S_ISREG(st->st_mode)) {
		*cause = xstrdup(S_ISDIR(st->st_mode) ? "is a directory" :
		    "not a regular file (a FIFO, socket or device is never read)");
		return -1;
	}
	if (st->st_size > YDOC_MAX_BYTES) {
		*cause = xprintf("file is too large (%lld bytes; the limit is %ld)", (long long)st->st_size,
		    YDOC_MAX_BYTES);
		return -1;
	}
	return 0;
}

/*
 * A FIFO or a device must neither block us nor see an open (a tape rewinds):
 * stat first, then open without blocking and check again what was opened,
 * in case the name was swapped in between.
 */
unsigned char *
ydoc_read_file(const char *path, size_t *lenp, struct stat *stp, char **cause)
{
	struct stat st;
	unsigned char *buf;
	ssize_t n;
	size_t len = 0;
	int fd;

	if (stat(path, &st) != 0) {
		*cause = xprintf("cannot read: %s", strerror(errno));
		return NULL;
	}
	if (check_regular(&st, cause) != 0)
		return NULL;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) == -1 || fstat(fd, &st) != 0) {
		*cause = xprintf("cannot read: %s", strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	if (check_regular(&st, cause) != 0) {
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size && ((n = read(fd, buf + len, (size_t)st.st_size - len)) > 0 ||
	    (n == -1 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	close(fd);
	if (stp != NULL)
		*stp = st;
	*lenp = len;
	return buf;
}

struct ydoc *
ydoc_load(const char *path, int *line, int *col, char **cause)
{
	size_t len;
	unsigned char *buf;
	struct ydoc *doc;

	*line = *col = 0;
	if ((buf = ydoc_read_file(path, &len, NULL, cause)) == NULL)
		return NULL;
	doc = ydoc_parse(buf, len, line, col, cause);
	free(buf);
	return doc;
}

const struct ynode *
ydoc_root(const struct ydoc *doc)
{
	return doc->root;
}

void
ydoc_free(struct ydoc *doc)
{
	if (doc == NULL)
		return;
	for (int i = 0; i < doc->nnodes; i++) {
		free(doc->nodes[i]->value);
		free(doc->nodes[i]->items);
		free(doc->nodes[i]);
	}
	for (int i = 0; i < doc->nanchors; i++)
		free(doc->anchors[i].name);
	free(doc->anchors);
	free(doc->nodes);
	free(doc->line_starts);
	free(doc->src);
	free(doc);
}

const char *
ynode_type_name(const struct ynode *n)
{
	switch (n->type) {
	case YNODE_MAP:
		return "a mapping";
	case YNODE_SEQ:
		return "a list";
	default:
		return "a scalar";
	}
}
