/*
 * keyed.h - values only this installation can make: HMAC-SHA256 under the
 * per-installation key that state_install_key() creates at first start and
 * keeps in the database (it never leaves it; nothing logs or exports it).
 *
 * Every Message-ID and every plus-address the bot issues carries such a
 * value, so a reply can prove that its sender received a mail the bot sent:
 * nobody can compute the id of a mail sent to someone else.
 *
 * Pure functions; no global state; any thread.
 */
#ifndef MB_KEYED_H
#define MB_KEYED_H

#include <stddef.h>

#define KEYED_KEY_LEN 32
#define KEYED_TAG_LEN 26 /* base32 characters: 130 bits */

/*
 * tag = base32(HMAC-SHA256(key, scope "\0" data)) cut to len characters
 * (1..KEYED_TAG_LEN); out must hold len + 1 bytes.  The alphabet is
 * a-z2-7, so a tag is safe in a Message-ID, a local part and a subject.
 */
void keyed_tag(const unsigned char key[KEYED_KEY_LEN], const char *scope, const char *data, char *out, size_t len);

/* 1 when tag (any length 16..KEYED_TAG_LEN, exactly) is keyed_tag(scope, data); constant time. */
int keyed_tag_ok(const unsigned char key[KEYED_KEY_LEN], const char *scope, const char *data, const char *tag);

/*
 * The stable Message-ID "mb.<32 hex of HMAC(key, "msgid", seed)>.<n>@<domain>"
 * of the n-th message one run (an inbound message, a job, a CLI call) sends.
 * Deterministic, so a run repeated after a crash queues the same ids (the
 * outbox ignores a second row with the same id); unpredictable without the
 * key.  Caller frees.
 */
char *keyed_msgid(const unsigned char key[KEYED_KEY_LEN], const char *seed, size_t n, const char *domain);

/*
 * "<base>.<16-character tag of base>@<domain>": a Message-ID that keeps a
 * readable, parseable base (e.g. "ev7.12.0") and cannot be guessed.
 * Caller frees.
 */
char *keyed_msgid_named(const unsigned char key[KEYED_KEY_LEN], const char *base, const char *domain);

/*
 * The plus-address "<local>+<purpose>.<tag>@<domain>" of one person for one
 * purpose (e.g. "ev7"): tag = keyed_tag("plus:<purpose>", the person's
 * lower-case mail address).  A mail that arrives at it proves that its
 * sender received the mail that named it.  bot_addr is the bot's own
 * "local@domain".  Caller frees.
 */
char *keyed_plus_addr(const unsigned char key[KEYED_KEY_LEN], const char *bot_addr, const char *purpose,
		      const char *person_addr);

/*
 * If rcpt is a plus-address of bot_addr ("<local>+<purpose>.<tag>@<domain>",
 * case-insensitive), copy purpose into purpose (size n) and return a pointer
 * to the tag inside rcpt (up to the '@'); else NULL.
 */
const char *keyed_plus_parse(const char *bot_addr, const char *rcpt, char *purpose, size_t n);

/* 1 when rcpt is the plus-address keyed_plus_addr(bot_addr, <its purpose>, person_addr). */
int keyed_plus_ok(const unsigned char key[KEYED_KEY_LEN], const char *bot_addr, const char *rcpt,
		  const char *person_addr);

#endif
