/*
 * h_mentoring_int.h - what the files of the mentoring handler share (not for
 * other handlers): h_mentoring.c (helpers, people as the handler sees them,
 * telling a person), h_mentoring_find.c, h_mentoring_request.c,
 * h_mentoring_answer.c, h_mentoring_offer.c and h_mentoring_cohort.c.  All run
 * inside the caller's transaction; strings returned are the caller's to free.
 */
#ifndef MB_H_MENTORING_INT_H
#define MB_H_MENTORING_INT_H

#include <stdint.h>

#include "bot/match.h"
#include "bot/util.h"
#include "handlers/handlers.h"
#include "state/mentoring_extra.h"

#define FIND_SHOWN 5   /* suggestions shown */
#define FIND_STORED 20 /* suggestions kept for "request <n>" and the cascade */
#define LIST_MAX 32    /* items of a topic/language/availability list */

/* A person's profile as match.c reads it; the strings live in *copies (free all four). */
struct mprof {
	struct match_profile mp;
	const char *topics[LIST_MAX], *langs[LIST_MAX], *avail[LIST_MAX];
	char *copies[3];
};

/* Who answers a request: the mentor of a mentee's request, or one side of an offer of the
 * whole-cohort matching (answer_side() in h_mentoring_answer.c). */
enum { SIDE_REQUEST = 0, SIDE_OFFER_MENTEE = 1, SIDE_OFFER_MENTOR = 2 };

/* How mt_pair_up ended: the pair matched, the mentor had no free place left, or the mentee
 * was matched elsewhere meanwhile. */
enum mt_pairing { MT_PAIRED, MT_MENTOR_FULL, MT_MENTEE_TAKEN };
struct mt_pair {
	enum mt_pairing how;
	int cap;     /* the mentor's capacity */
	int64_t mid; /* the new match (MT_PAIRED) */
};
/*
 * Both sides agreed to request or offer r: match its mentee and mentor if the mentor still has
 * a place and the mentee no match.  p->how says which; the request
 * is closed as "accepted" (p->mid the new match, the mentee's other requests withdrawn, both
 * introduced), "full" or "withdrawn", its jobs cancelled.  The caller answers.  DB_OK or the
 * state error.
 */
/* Close request or offer r as declined with reason (on one line, at most 500 bytes, trimmed;
 * none when empty) and cancel its jobs.  *clean gets the reason as stored ("" for none; the
 * caller frees it, also on error).  DB_OK or the state error. */
int mt_close_declined(struct hctx *h, const struct mrequest *r, const char *reason, char **clean);
int mt_pair_up(struct hctx *h, const struct mrequest *r, const struct who *mentee, const struct who *mentor,
	       struct mt_pair *p);

/* Cancel the reminder and expiry jobs of request; *rc < 0 on a database error. */
void mt_cancel_jobs(struct hctx *h, int64_t request, int *rc);
/* t as a local date in lang. */
void mt_fmt_date(int64_t t, const char *lang, char out[32]);
/* "topics=3,language=2,field=1,availability=1[,query=3][,language_required=0]" */
void mt_parse_weights(const char *s, struct match_weights *w);
/* Split a profile value into trimmed items at any of seps.  Items point into *copy (caller frees). */
size_t mt_split_items(const char *value, const char *seps, char **copy, const char **items, size_t max);
/* mt_tell_id() with the caller's Message-ID. */
int mt_tell(struct hctx *h, const struct who *w, const char *envelope, const char *subject, const char *mail_text,
	    const char *chat_text);
/*
 * Tell w by mail (first verified mail address) and in every linked chat,
 * except on the endpoint the request came from (that one gets the direct
 * answer).  envelope: "mentoring.mail.<kind>".  msgid: the mail's own
 * Message-ID, or NULL for the caller's.  Returns 1 when a mail was queued
 * (it is the last reply then), else 0.
 */
int mt_tell_id(struct hctx *h, const struct who *w, const char *envelope, const char *subject, const char *mail_text,
	       const char *chat_text, const char *msgid);
/* The verified addresses of w, one a line.  Caller frees. */
char *mt_who_contact(const struct hctx *h, const struct who *w, const char *lang);
/* The visible profile fields of w as lines in lang ("" if none).  Caller frees. */
char *mt_who_details(const struct hctx *h, const struct who *w, const char *lang);
/* 1 if w shows field to others. */
int mt_who_visible(const struct who *w, const char *field);
/* Fill m for match.c from a profile's values; mt_mprof_free() frees its copies. */
void mt_mprof_fill(struct mprof *m, int64_t id, const char *topics, const char *langs, const char *field,
		   const char *avail);
void mt_mprof_free(struct mprof *m);
/*
 * The mentee's next suggestion in programme not yet asked: a new request.
 * *text gets what to tell the mentee about it, in their language.  <0 on error.
 */
int mt_cascade(struct hctx *h, const struct who *mentee, const char *programme, char **text);
/* Introductions: each learns the other's addresses and visible profile (mail and chat). */
void mt_introduce(struct hctx *h, const struct who *mentee, const struct who *mentor, const char *programme);
/* The stable Message-ID of an offer's mail to one side (role "mentee"/"mentor"), without <>. */
char *mt_offer_msgid(const struct hctx *h, const struct mrequest *r, const char *role);
/* Tell the mentee about a closed request (why_key in their language) plus the cascade's outcome. */
int mt_tell_mentee_closed(struct hctx *h, const struct who *mentee, const struct who *mentor, const struct mrequest *r,
			  const char *why_key, const char *reason);
/* The mentee's other open requests (and offers) in programme are withdrawn, each mentor told. */
int mt_withdraw_others(struct hctx *h, const struct who *mentee, const char *programme);
/* One side (SIDE_OFFER_*) accepts or declines offer r; arg: the id as written. */
int mt_offer_accept(struct hctx *h, const struct mrequest *r, const char *arg, int side);
int mt_offer_decline(struct hctx *h, const struct mrequest *r, const char *arg, int side, const char *reason);
/* The deadline: the offer expires and both are told (no cascade: the coordinators suggested it). */
int mt_offer_expire(struct hctx *h, const struct mrequest *r, const char **result);
/* Half time: remind each side that has not accepted yet. */
int mt_offer_remind(struct hctx *h, const struct mrequest *r, int eok, int mok, const char **result);
/* Send one offer mentee ↔ mentor: the request row, its reminder and expiry, and a mail (and chat
 * message) to each side with a stable Message-ID, so a plain "yes"/"no" reply answers it. */
int mt_offer_send(struct hctx *h, int64_t mentee_id, int64_t mentor_id, const char *programme, int64_t *oid);
/* The programme's display name (caller frees). */
char *mt_programme_name(struct hctx *h, const char *slug);

#endif
