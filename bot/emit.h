/*
 * emit.h - a handler's replies that name their recipient, rendered from
 * templates into outbox rows (mail or chat) in the caller's transaction.
 * The dispatcher, the scheduler's jobs and the CLI all queue through here.
 *
 * Reply variables with a meaning here (besides the template's own):
 *   lang               "de"/"en": render in that language (else deflang)
 *   calendar, calendar_method   a text/calendar part (mail)
 *   attachment, attachment_type, attachment_name   an attached file (mail; e.g. JSON)
 *   message_id         this Message-ID instead of the caller's (stable ids)
 *   reply_to           a Reply-To address
 *   list_unsubscribe, list_unsubscribe_post   the List-Unsubscribe headers
 *   auto_submitted     default "auto-generated"
 *   not_before         epoch seconds: the row is not sent earlier (pacing)
 *   chat_type          "groupchat" when to_addr is a room (default "chat")
 *   kind               the outbox kind, e.g. "invite" (default "notice"); it sets the
 *                      row's pacing class (state.h)
 * A mail takes its subject from the template "<key>.subject" and carries
 * X-Mentorbot-Reply: <key>.
 */
#ifndef MB_EMIT_H
#define MB_EMIT_H

#include <stdint.h>

struct db;
struct core;
struct reply;
struct hctx;

/* The value of reply variable name, or NULL. */
const char *reply_get(const struct reply *r, const char *name);
/* Queue r (to_kind/to_addr set) as one outbox row.  DB_OK (also when a row
 * with that Message-ID exists already: idempotent) or a negative error. */
int emit_reply(struct db *db, const struct core *core, int64_t inbound_id, const struct reply *r, const char *deflang,
	       const char *msgid);
/* Queue every addressed reply of h; Message-IDs "<prefix>.<n>@<bot domain>"
 * unless a reply sets message_id.  Replies without a recipient are skipped
 * with a warning.  DB_OK or a negative error. */
int emit_all(struct db *db, const struct core *core, struct hctx *h, int64_t inbound_id, const char *msgid_prefix);

#endif
