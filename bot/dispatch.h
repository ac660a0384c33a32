/*
 * dispatch.h - the core: one journalled inbound message in, state changes
 * and outbox rows out, all in one transaction.
 *
 * Pipeline for a mail: parse (caps first) → loop and flood rules (automatic
 * mail, bounces, own address, reply limit) → command look-up → permission →
 * arguments → check → run → render replies from templates → outbox.
 */
#ifndef MB_DISPATCH_H
#define MB_DISPATCH_H

#include <stdint.h>

#include "mime.h"

struct config;
struct templates;
struct db;

struct core {
	const struct config *cfg;
	const struct templates *tmpl;
	struct mail_caps caps;
	const char *bot_addr;   /* the bot's own mail address (lower case) */
	const char *bot_domain; /* right side of bot_addr, for Message-IDs */
};

/* What became of a message (for the mailbox: Processed or Quarantine). */
enum disp_result { DISP_DONE = 0, DISP_IGNORED = 1, DISP_QUARANTINED = 2 };

/*
 * Handle journal row inbound_id (status 'new') in one transaction and mark it
 * finished.  give_up: the message has already failed too often; quarantine
 * it without running anything.  Returns a disp_result, or a negative value
 * when the database failed (nothing was changed; try again later).
 */
int dispatch_mail(struct db *db, const struct core *core, int64_t inbound_id, int give_up);

struct mail_cmd;
/* The reply language for a mail: the person's stored choice, a German command
 * word, the text's language, Content-Language, the command word's language,
 * else deflt ("de" unless "en"). */
const char *mail_lang(const struct parsed_mail *pm, const struct mail_cmd *mc, const char *new_text,
		      const char *stored, const char *deflt);

/* The dedupe key of a raw mail: "mid:<Message-ID>" or "sha256:<hash of the bytes>". Caller frees. */
char *mail_dedupe_key(const char *raw, size_t len);

#endif
