/*
 * fuzz_dsn.c - libFuzzer target: any bytes through the bounce reader
 * (bot/dsn.h), without a NUL at the end.  Checks: the class is one of the
 * four, the strings are NUL-terminated inside their buffers, the diagnostic
 * is printable ASCII on one line, a status starts with 2, 4 or 5, and the
 * VERP reader never takes the input for an address it did not make.
 * Seed corpus: tests/fixtures/dsn/.
 */
#include "dsn.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	struct dsn d;
	enum dsn_class c = dsn_parse(copy, size, &d);
	if (c != DSN_NONE && c != DSN_HARD && c != DSN_SOFT && c != DSN_DELAYED)
		abort();
	if (c != d.cls || !d.form || !dsn_class_name(c))
		abort();
	if (!memchr(d.rcpt, 0, sizeof d.rcpt) || !memchr(d.status, 0, sizeof d.status) || !memchr(d.diag, 0, sizeof d.diag))
		abort();
	for (const char *p = d.diag; *p; p++)
		if ((unsigned char)*p < ' ' || (unsigned char)*p >= 0x7f)
			abort();
	if (d.status[0] && !strchr("245", d.status[0]))
		abort();
	char *s = xstrndup(copy, size);
	unsigned char key[KEYED_KEY_LEN] = {1};
	int64_t id = dsn_verp_id("bot@uni.example", s);
	if (id < 0 || (id == 0 && dsn_verp_ok(key, "bot@uni.example", s, 1, "a@b.example")))
		abort();
	free(s);
	free(copy);
	return 0;
}
