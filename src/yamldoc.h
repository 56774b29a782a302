/* yamldoc.h: a YAML document as a tree of positioned nodes, built with libyaml.
 * The loaders for runbooks and themes walk this tree; they never see libyaml
 * events. Aliases share nodes, and the expanded size is bounded, so a
 * "billion laughs" file is an error rather than a hang. */
#ifndef DRC_YAMLDOC_H
#define DRC_YAMLDOC_H

#include <stddef.h>

struct stat;

#include "srcpos.h"

enum ynode_type {
	YNODE_SCALAR,
	YNODE_MAP,
	YNODE_SEQ,
};

struct ynode {
	enum ynode_type type;
	struct srcpos pos;
	char *value;		/* scalar text, NUL-terminated */
	size_t len;
	int style;		/* RSTR_PLAIN, RSTR_QUOTED or RSTR_BLOCK */
	struct ynode **items;	/* seq items; map: key, value, key, value... */
	int nitems;
	long weight;		/* nodes this one expands to, aliases included */
	struct srcpos comment;	/* a plain scalar: where a " #" comment starts
				   right after it on its line (YAML ends the
				   text there); line 0 when none */
};

struct ydoc;

/* Limits that keep hostile files cheap to reject. */
#define YDOC_MAX_BYTES   (4L * 1024 * 1024)
#define YDOC_MAX_DEPTH   64
#define YDOC_MAX_WEIGHT  200000L

/* Parses the file at path. On error returns NULL, with *line and *col set
 * (1-based, 0 when there is no position) and *cause an allocated message. */
struct ydoc *ydoc_load(const char *path, int *line, int *col, char **cause);
/* Reads a whole regular file of at most YDOC_MAX_BYTES; NULL with *cause.
 * Anything else (a FIFO, a device) is refused unread and without blocking.
 * st (may be NULL) gets the file's fstat. */
unsigned char *ydoc_read_file(const char *path, size_t *len, struct stat *st, char **cause);
/* Same for bytes in memory (the fuzzer's entry point). */
struct ydoc *ydoc_parse(const unsigned char *buf, size_t len, int *line, int *col, char **cause);
const struct ynode *ydoc_root(const struct ydoc *doc);
void ydoc_free(struct ydoc *doc);

/* Map helpers. */
#define YMAP_PAIRS(n) ((n)->nitems / 2)
#define YMAP_KEY(n, i) ((n)->items[2 * (i)])
#define YMAP_VALUE(n, i) ((n)->items[2 * (i) + 1])
const char *ynode_type_name(const struct ynode *n);
/* Leading spaces of a 1-based source line (block scalars' indentation). */
int ydoc_line_indent(const struct ydoc *doc, int line);

#endif
