/*
 * h_session_int.h - what the files of the session handler share (not for
 * other handlers): h_session.c (helpers, the two people, a session as people
 * read it, the calendar object; propose, confirm, cancel, done) and
 * h_session_mail.c (plain replies to the proposal and prompt mails, decline,
 * the scheduler's reminder and prompt).  All run inside the caller's
 * transaction; strings returned are the caller's to free.
 */
#ifndef MB_H_SESSION_INT_H
#define MB_H_SESSION_INT_H

#include <stdint.h>

#include "handlers/handlers.h"

/* A session as people read it: the session, its match and the two people. */
struct sctx {
	struct msession s;
	struct mmatch m;
	struct who mentee, mentor;
};

/*
 * Tell w by mail (first verified address; with a calendar part when cal is
 * set) and in every linked chat except the endpoint the request came from.
 * Returns 1 when a mail was queued (the last reply then), else 0.
 */
int session_tell(struct hctx *h, const struct who *w, const char *envelope, const char *subject, const char *mail_text,
		 const char *chat_text, const char *cal, const char *method);
void sctx_free(struct sctx *c);
/* The other person of the match than person id (the mentee when id is neither). */
const struct who *session_other_of(const struct sctx *c, int64_t id);
/* "03.12.2026, 15:00–16:00 (Europe/Berlin)" in lang.  Caller frees. */
char *session_when_text(const struct hctx *h, const struct msession *s, const char *lang);
/* The place line ("" when none).  Caller frees. */
char *session_where_text(const struct hctx *h, const struct msession *s, const char *lang);
/* Load session id with its match and people.  1 (answered "unknown") when it is not the sender's. */
int sctx_load(struct hctx *h, const char *arg, int64_t id, struct sctx *c);
/* Answer "session #id is <status>". */
void session_reply_closed(struct hctx *h, const char *arg, const char *status);
/* Confirm proposed session c (jobs, invitations to both, the answer); arg: the id as written. */
int session_do_confirm(struct hctx *h, struct sctx *c, const char *arg);
/* Log session c as held: minutes (<= 0: as planned) and note; tells the other side. */
int session_do_done(struct hctx *h, struct sctx *c, const char *arg, int minutes, const char *note_in);

#endif
