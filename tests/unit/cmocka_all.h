/* cmocka_all.h: cmocka needs these headers before it, in this order. */
#ifndef DRC_CMOCKA_ALL_H
#define DRC_CMOCKA_ALL_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#endif
