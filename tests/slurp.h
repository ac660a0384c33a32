/*
 * tests/slurp.h - read a whole file into a NUL-terminated buffer (caller
 * frees), *len set when not NULL; NULL if it cannot be opened.  Shared by
 * the unit tests and the corpus scorer.
 */
#ifndef TESTS_SLURP_H
#define TESTS_SLURP_H

#include "util.h"

#include <stdio.h>

static inline char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char tmp[65536];
	size_t n;
	if (!f)
		return NULL;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	if (len)
		*len = b.len;
	return buf_detach(&b);
}

#endif
