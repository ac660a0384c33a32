/*
 * logkv.c - see logkv.h.
 */
#include "logkv.h"

#include <string.h>

static int
needs_quotes(const char *v)
{
	return !*v || strpbrk(v, " \"=\\") != NULL;
}

const char *
log_kv(const char *v, char buf[static LOG_KV_LEN])
{
	if (!v)
		return "-";
	if (!needs_quotes(v))
		return v; /* as it is: log_msg cuts the whole line */
	size_t n = 0;
	buf[n++] = '"';
	/* room for an escaped character, the closing quote and the NUL */
	for (; *v && n + 4 <= LOG_KV_LEN; v++) {
		if (*v == '"' || *v == '\\')
			buf[n++] = '\\';
		buf[n++] = *v;
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return buf;
}
