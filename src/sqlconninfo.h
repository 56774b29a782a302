/* sqlconninfo.h: templates in a sql step's conninfo, filled so that a value
 * can never add a keyword. libpq takes "key=value" strings and URIs; a
 * value pasted into either could add "user=postgres" or "host=elsewhere".
 * So each template is quoted by libpq's rules for where it stands:
 *
 *   dbname={{ db }}  host=db-{{ env }}   the whole value rebuilt as
 *                                        'value' with \ and ' escaped
 *   postgresql://{{ user }}@{{ host }}/x  each value percent-encoded
 *   {{ dsn }}  or  {{ dsn }} password=...  a template standing alone where a
 *                                        keyword would is a connection
 *                                        string (or a database name) itself
 *   app_{{ env }}                        a database name: dbname='app_...'
 *
 * A template inside a keyword's name is refused. */
#ifndef DRC_SQLCONNINFO_H
#define DRC_SQLCONNINFO_H

#include <stddef.h>

/* The value of one template, given its text ("{{ db }}"): allocated, or
 * NULL with *cause. */
typedef char *(*sqlconninfo_value_cb)(void *arg, const char *ref_text, char **cause);

/* 0 and *out (allocated) the connection string to hand to libpq; -1 with
 * *err_off (in tmpl) and *cause. */
int sqlconninfo_fill(const char *tmpl, sqlconninfo_value_cb, void *arg, char **out,
    size_t *err_off, char **cause);

#endif
