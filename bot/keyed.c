/*
 * keyed.c - HMAC-SHA256 tags under the installation key (see keyed.h).
 */
#include "keyed.h"

#include <gnutls/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static void
hmac(const unsigned char key[KEYED_KEY_LEN], const char *scope, const char *data, unsigned char out[32])
{
	size_t sl = strlen(scope), dl = strlen(data);
	char *msg = xmalloc(sl + 1 + dl);
	memcpy(msg, scope, sl);
	msg[sl] = '\0'; /* scope and data cannot run into each other */
	memcpy(msg + sl + 1, data, dl);
	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, KEYED_KEY_LEN, msg, sl + 1 + dl, out) < 0)
		fatal("HMAC-SHA256 is not available");
	free(msg);
}

void
keyed_tag(const unsigned char key[KEYED_KEY_LEN], const char *scope, const char *data, char *out, size_t len)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char d[32];
	hmac(key, scope, data, d);
	if (len > KEYED_TAG_LEN)
		len = KEYED_TAG_LEN;
	unsigned int acc = 0, bits = 0;
	size_t i = 0;
	for (size_t j = 0; j < len; j++) {
		if (bits < 5) {
			acc = (acc << 8) | d[i++];
			bits += 8;
		}
		out[j] = alphabet[(acc >> (bits - 5)) & 31];
		bits -= 5;
	}
	out[len] = '\0';
}

int
keyed_tag_ok(const unsigned char key[KEYED_KEY_LEN], const char *scope, const char *data, const char *tag)
{
	size_t n = tag ? strlen(tag) : 0;
	if (n < 16 || n > KEYED_TAG_LEN)
		return 0;
	char want[KEYED_TAG_LEN + 1];
	keyed_tag(key, scope, data, want, n);
	unsigned char diff = 0;
	for (size_t i = 0; i < n; i++) {
		/* tags are case-insensitive (mail systems may fold a local part) */
		unsigned char c = (unsigned char)tag[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		diff |= (unsigned char)(c ^ (unsigned char)want[i]);
	}
	return diff == 0;
}

char *
keyed_msgid(const unsigned char key[KEYED_KEY_LEN], const char *seed, size_t n, const char *domain)
{
	static const char hx[] = "0123456789abcdef";
	unsigned char d[32];
	char hex[33];
	hmac(key, "msgid", seed, d);
	for (int i = 0; i < 16; i++) {
		hex[2 * i] = hx[d[i] >> 4];
		hex[2 * i + 1] = hx[d[i] & 15];
	}
	hex[32] = '\0';
	return xasprintf("mb.%s.%zu@%s", hex, n, domain && *domain ? domain : "mentorbot.invalid");
}

char *
keyed_msgid_named(const unsigned char key[KEYED_KEY_LEN], const char *base, const char *domain)
{
	char tag[17];
	keyed_tag(key, "msgid", base, tag, 16);
	return xasprintf("%s.%s@%s", base, tag, domain && *domain ? domain : "mentorbot.invalid");
}

char *
keyed_plus_addr(const unsigned char key[KEYED_KEY_LEN], const char *bot_addr, const char *purpose,
		const char *person_addr)
{
	const char *at = strrchr(bot_addr, '@');
	char *scope = xasprintf("plus:%s", purpose);
	char *who = xstrdup(person_addr);
	str_lower_ascii(who);
	char tag[KEYED_TAG_LEN + 1];
	keyed_tag(key, scope, who, tag, KEYED_TAG_LEN);
	char *r = at ? xasprintf("%.*s+%s.%s%s", (int)(at - bot_addr), bot_addr, purpose, tag, at)
		     : xasprintf("%s+%s.%s", bot_addr, purpose, tag);
	free(who);
	free(scope);
	return r;
}

const char *
keyed_plus_parse(const char *bot_addr, const char *rcpt, char *purpose, size_t n)
{
	const char *bat = bot_addr ? strrchr(bot_addr, '@') : NULL;
	const char *rat = rcpt ? strrchr(rcpt, '@') : NULL;
	if (!bat || !rat || strcasecmp(bat, rat) != 0)
		return NULL;
	size_t ll = (size_t)(bat - bot_addr);
	if ((size_t)(rat - rcpt) <= ll + 1 || strncasecmp(rcpt, bot_addr, ll) != 0 || rcpt[ll] != '+')
		return NULL;
	const char *p = rcpt + ll + 1;
	const char *dot = NULL;
	for (const char *q = p; q < rat; q++)
		if (*q == '.')
			dot = q;
	if (!dot || dot == p || (size_t)(dot - p) >= n || dot + 1 == rat)
		return NULL;
	for (size_t i = 0; i < (size_t)(dot - p); i++)
		purpose[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a' : p[i]);
	purpose[dot - p] = '\0';
	return dot + 1;
}

int
keyed_plus_ok(const unsigned char key[KEYED_KEY_LEN], const char *bot_addr, const char *rcpt, const char *person_addr)
{
	char purpose[64];
	const char *tag = keyed_plus_parse(bot_addr, rcpt, purpose, sizeof purpose);
	if (!tag || !person_addr)
		return 0;
	const char *at = strrchr(rcpt, '@');
	char *t = xstrndup(tag, (size_t)(at - tag));
	char *scope = xasprintf("plus:%s", purpose);
	char *who = xstrdup(person_addr);
	str_lower_ascii(who);
	int ok = strlen(t) == KEYED_TAG_LEN && keyed_tag_ok(key, scope, who, t);
	free(who);
	free(scope);
	free(t);
	return ok;
}
