/*
 * logaddr.c - addresses in log lines as short keyed tags (see logaddr.h).
 */
#include "logaddr.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static unsigned char who_key[KEYED_KEY_LEN];
static atomic_int who_has_key;

void
log_who_key(const unsigned char key[KEYED_KEY_LEN])
{
	memcpy(who_key, key, KEYED_KEY_LEN);
	atomic_store(&who_has_key, 1);
}

const char *
log_who(const char *addr, char buf[static LOG_WHO_LEN])
{
	if (!addr || !*addr)
		return "-";
	if (log_enabled(LOG_LVL_DEBUG))
		return addr;
	if (!atomic_load(&who_has_key))
		return "(address)";
	char *low = xstrdup(addr);
	char tag[LOG_WHO_TAG + 1];
	str_lower_ascii(low);
	keyed_tag(who_key, "log", low, tag, LOG_WHO_TAG);
	free(low);
	snprintf(buf, LOG_WHO_LEN, "a:%s", tag);
	return buf;
}
