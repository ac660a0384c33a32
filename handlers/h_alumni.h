/*
 * h_alumni.h - the alumni directory (h_alumni.c: "find alumni", "contact")
 * and its contact requests (h_contact.c; the interface the other parts of
 * the network call is handlers/h_network.h).  Everything runs inside the
 * dispatcher's or the scheduler's transaction.
 *
 * A contact request is answered by a plain reply to its mail ("ja"/"nein",
 * "yes"/"no": the "alumni contact request" reply route) or in chat with
 * "accept"/"decline" ("annehmen"/"ablehnen") and the request's number, which
 * carries a letter ("k12" in German, "c12" in English; either is read in
 * both) so that it is never taken for a mentoring request's bare "12".
 */
#ifndef MB_H_ALUMNI_H
#define MB_H_ALUMNI_H

#include <stdint.h>

#include "bot/templates.h"

struct hctx;

int h_find_alumni_check(struct hctx *h);
int h_find_alumni_run(struct hctx *h);
int h_contact_check(struct hctx *h);
int h_contact_run(struct hctx *h);

/* A contact request's number as written in chat: "k12", "c12", "#K12" -> 12.  1 with *id set,
 * else 0 (a mentoring request's plain number, or not a number at all).  Pure. */
int h_contact_ref_parse(const char *s, int64_t *id);
/* Request id's number as shown to a reader of lang: "k12" (Kontakt) or "c12" (contact). */
void h_contact_ref(int64_t id, const char *lang, char out[24]);
/* [network] contact_days: days until an unanswered request expires. */
int h_contact_days(const struct hctx *h);
/* "accept k12" / "decline k12 [reason]": the receiver answers contact request id (h->argv[0]
 * is its number as written).  0 or a negative error. */
int h_contact_answer_run(struct hctx *h, int yes);
/* A reply to a contact request's mail: 1 when it is none (or no answer word starts it). */
int h_contact_mail_reply(struct hctx *h, const char *in_reply_to, const char *references, const char *text);
/* The scheduler's "contact.expire": an unanswered request expires, its asker is told. */
int h_contact_expire_job(struct hctx *h, int64_t request, const char **result);
struct who;
extern const struct tmpl_key tmpl_keys_alumni[];
/* The visible profile fields of w (its name aside) as lines in lang ("" if none; never an
 * address).  Caller frees. */
char *h_alumni_details(const struct hctx *h, const struct who *w, const char *lang);

#endif
