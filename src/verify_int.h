/* verify_int.h: what verify.c and verify_stream.c share. */
#ifndef DRC_VERIFY_INT_H
#define DRC_VERIFY_INT_H

#include "verify.h"

/* 1 if a recorded output path could reach outside the incident folder. */
int verify_path_escapes(const char *path);
/* The intact case in one streamed pass: 0 and *res exactly as verify.c
 * would fill it, or 1 when the journal is not plainly intact (res
 * untouched): verify.c then reads it whole and describes the fault. */
int verify_stream(const char *dir, const char *given_head, int outputs_too, struct verify_result *res);

#endif
