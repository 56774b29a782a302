/* loader_int.h: what the loader's modules share: the key-table types and
 * the readers every table uses. Private to src/loader*.c. */
#ifndef DRC_LOADER_INT_H
#define DRC_LOADER_INT_H

#include <stddef.h>

#include "diag.h"
#include "runbook.h"
#include "yamldoc.h"

struct loader {
	const char *file;
	struct diags *diags;
	struct ydoc *doc;
	struct runbook *rb;
};

enum key_type {
	K_TEXT,			/* struct rstr */
	K_PLAIN,		/* char * */
	K_ID,			/* char *, [a-z0-9-]+ */
	K_NAME,			/* char *, [a-z_][a-z0-9_]* */
	K_DURATION,		/* int64_t milliseconds */
	K_INT,			/* int within min..max */
	K_BOOL,			/* int */
	K_ENUM,			/* int, index into names */
	K_CUSTOM,		/* parse() does it */
	K_APPROVERS,		/* struct approvers: a list of logins and @groups */
};

#define KEY_REQUIRED 0x1

struct keydef {
	const char *name;
	enum key_type type;
	int flags;
	size_t offset;
	long min, max;
	const char *const *names;
	void (*parse)(struct loader *, const struct ynode *, void *);
};

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define DIGITS "0123456789"

extern const char *const loader_shell_names[];

/* An error at pos in the file being loaded. */
void __attribute__((format(printf, 3, 4))) loader_error_at(struct loader *l, struct srcpos pos,
    const char *fmt, ...);
/* 1 when n is a scalar, else an error naming key and 0. */
int loader_want_scalar(struct loader *l, const struct ynode *n, const char *key);
/* r takes n's value, position and style. */
void loader_set_rstr(struct loader *l, struct rstr *r, const struct ynode *n);
/* s is non-empty, starts with a byte of first, and the rest are bytes of rest. */
int loader_matches_charset(const char *s, const char *first, const char *rest);
int loader_parse_long(const char *s, long *out);
/* *out becomes the index of n's value in k->names, or an error with a hint. */
void loader_set_enum(struct loader *l, const struct keydef *k, const struct ynode *n, int *out);
/* Stores scalar n into obj's field k, checked against k's type. */
void loader_set_scalar(struct loader *l, const struct keydef *k, const struct ynode *n, char *obj);
/* Reads mapping map into obj through table; what names it in errors. */
void loader_load_map(struct loader *l, const struct ynode *map, const struct keydef *table, void *obj,
    const char *what);
/* A NAME: value mapping, as env and http headers are. */
void loader_load_kv(struct loader *l, const struct ynode *n, struct kv **list, int *count,
    const char *what);
/* The value of key name in map, or NULL. */
const struct ynode *loader_map_get(const struct ynode *map, const char *name);
/* A YAML list into *arr, one() reading each item. */
void loader_load_list(struct loader *l, const struct ynode *n, const char *key, void **arr, int *count,
    size_t size, void (*one)(struct loader *, const struct ynode *, void *));

/* A param's keys (name, type, prompt, ...) from map n into p: params and
 * an input step share them. */
void loader_load_param(struct loader *l, const struct ynode *n, struct param *p, const char *what);
void loader_parse_steps(struct loader *l, const struct ynode *n, void *obj);
void loader_parse_hosts(struct loader *l, const struct ynode *n, void *obj);
void loader_parse_groups(struct loader *l, const struct ynode *n, void *obj);
void loader_load_runbook(struct loader *l, const struct ynode *root, struct runbook *rb);

#endif
