/*
 * h_privacy.h - the data rights of a person (DSGVO/GDPR Art. 15, 17, 20):
 * "my data" (export) and "delete me" (erasure), and the erasure the
 * retention job applies to people who left every programme a year ago.
 */
#ifndef MB_H_PRIVACY_H
#define MB_H_PRIVACY_H

#include <stdint.h>

#include "bot/templates.h"

struct hctx;
struct token;

/* "my data": the export, mailed to the sender's proven address (from chat: to the person's
 * verified mail address, and the chat is told where it went). */
int h_my_data_run(struct hctx *h);
/* "delete me": a token to the sender's endpoint; the erasure waits for its confirmation. */
int h_delete_me_run(struct hctx *h);
/* A confirmed "erase" token (a reply to its mail, or "confirm <token>"): erase the sender. */
int h_privacy_erase_confirm(struct hctx *h, const struct token *t);
extern const struct tmpl_key tmpl_keys_privacy[];

/*
 * Erase person `person` inside the caller's open transaction, and queue as
 * h's replies what the erasure must tell: the final confirmation to the
 * person (the last mail the bot sends them), "your partner has left the
 * programme" (no name) to the other side of each open match, and a staff
 * notice without the person's data.  why: "request" (delete me) or
 * "retention".  Returns 0 or a DB_* error (the caller rolls back).
 */
int h_privacy_erase(struct hctx *h, int64_t person, const char *why);

#endif
