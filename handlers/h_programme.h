/*
 * h_programme.h - a programme's call for applications (h_programme_call.c): "programme <slug>
 * call [until <date>]" opens one (posted on the social channels of [social] calls and listed
 * on the public page), "programme <slug> call close" closes it.
 */
#ifndef MB_H_PROGRAMME_H
#define MB_H_PROGRAMME_H

#include <stdint.h>

struct hctx;
/* Do the words after the slug make sense?  1 with *until the deadline (0: none, -1: close). */
int h_programme_call_args(const struct hctx *h, int64_t *until);
/* Open or close the call (the check passed).  DB_OK or a database error. */
int h_programme_call(struct hctx *h);

#endif
