/*
 * h_session_mail.c - the session handler's mail side: a plain "ja/yes/ok" or
 * "nein/no" reply to the proposal mail (confirm or decline), "done"
 * (erledigt) as a reply to the prompt mail, and the scheduler's jobs: the
 * reminder (24 h before) and the prompt (after the end), whose Message-IDs
 * are kept so a reply finds its session.  The shared parts (people, texts,
 * telling, confirm and done) are in h_session.c; see there for the design.
 * Runs inside the caller's transaction (dispatcher or scheduler).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/commands.h"
#include "bot/util.h"
#include "bot/when.h"
#include "bot/words.h"
#include "handlers/h_session_int.h"
#include "handlers/handlers.h"

/*
 * The Message-ID the reply at index i will carry.  Both the dispatcher and
 * the scheduler number a run's outgoing rows "<prefix>.<n>@<domain>" in
 * queue order, and h->reply_msgid is the one of n = 0.  Caller frees; NULL
 * when reply_msgid does not have that shape.
 */
static char *
reply_msgid_at(const struct hctx *h, size_t i)
{
	const char *r = h->reply_msgid;
	const char *at = r ? strrchr(r, '@') : NULL;
	if (!at || at - r < 2 || at[-1] != '0' || at[-2] != '.')
		return NULL;
	return xasprintf("%.*s%zu%s", (int)(at - r - 1), r, i, at);
}

/* ---- decline (a "no" to the proposal mail) ---- */

static int
do_decline(struct hctx *h, struct sctx *c, const char *arg)
{
	int rc = state_session_set_status(h->db, c->s.id, "proposed", "declined");
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? DB_ERR : rc;
	const struct who *proposer = c->s.proposer == c->mentee.p.id ? &c->mentee : &c->mentor;
	const struct who *other = session_other_of(c, proposer->p.id);
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)c->s.id);
	char *n = who_name(h, other, proposer->lang), *when = session_when_text(h, &c->s, proposer->lang);
	char *s = hctx_text_in(h, proposer->lang, "session.declined.subject", "id", id, NULL);
	char *t = hctx_text_in(h, proposer->lang, "session.declined.notice", "id", id, "name", n, "when", when,
			       "session", hctx_cmd_word_in(proposer->lang, "session"), NULL);
	session_tell(h, proposer, "session.mail.notice", s, t, t, NULL, NULL);
	free(t);
	free(s);
	free(when);
	free(n);
	hctx_reply(h, "session.declined.done", "id", arg, "session", hctx_cmd_word(h, cmd_by_name("session")), NULL);
	return DB_OK;
}

/* ---- plain replies to the proposal and the prompt mail ---- */

int
h_session_mail_reply(struct hctx *h, const char *in_reply_to, const char *references, const char *text)
{
	struct msession s;
	int prompt = 0;
	int rc = state_session_by_msgid(h->db, in_reply_to, &s, &prompt);
	if (rc == DB_NOTFOUND && references) {
		char *copy = xstrdup(references), *save = NULL;
		const char *ids[32];
		size_t n = 0;
		for (char *t = strtok_r(copy, " \t\r\n", &save); t && n < 32; t = strtok_r(NULL, " \t\r\n", &save))
			ids[n++] = t;
		for (size_t i = n; i-- > 0 && rc == DB_NOTFOUND;) {
			msession_free(&s);
			rc = state_session_by_msgid(h->db, ids[i], &s, &prompt);
		}
		free(copy);
	}
	int64_t id = s.id;
	msession_free(&s);
	if (rc != DB_OK || !h->known)
		return db_failed(rc) ? rc : 1;
	const char *rest;
	int yn = hctx_yes_no(text, WORDS_SESSION, &rest);
	/* only the first line counts: below it are greetings and the quote */
	char *line = xstrndup(rest, strcspn(rest, "\r\n"));
	int minutes = 0;
	if (prompt) {
		char *end;
		long v = strtol(line, &end, 10);
		if (end != line && v > 0 && v <= WHEN_MAX_MINUTES) {
			minutes = (int)v;
			rest = end;
			while (*rest && !isspace((unsigned char)*rest))
				rest++; /* "45min" */
			rest = str_skip_words(rest, 0);
			if (strncasecmp(rest, "min", 3) == 0)
				rest = str_skip_words(rest, 1);
		} else {
			rest = line;
		}
	}
	if ((yn < 0 && minutes == 0) || (prompt && yn == 0)) {
		free(line);
		return 1; /* not an answer: an ordinary mail */
	}
	char arg[24];
	snprintf(arg, sizeof arg, "%lld", (long long)id);
	struct sctx c;
	rc = sctx_load(h, arg, id, &c);
	if (rc == 0) {
		if (prompt) {
			char *note = xstrndup(rest, strcspn(rest, "\r\n"));
			h->cmd = cmd_by_name("done");
			rc = session_do_done(h, &c, arg, minutes, note);
			free(note);
		} else if (strcmp(c.s.status, "proposed") != 0) {
			h->cmd = cmd_by_name("confirm");
			session_reply_closed(h, arg, c.s.status);
		} else if (c.s.proposer == h->person.id) {
			free(line);
			sctx_free(&c);
			return 1; /* the proposer answering their own copy: not an answer */
		} else {
			h->cmd = cmd_by_name("confirm");
			rc = yn ? session_do_confirm(h, &c, arg) : do_decline(h, &c, arg);
		}
	}
	free(line);
	sctx_free(&c);
	return db_failed(rc) ? rc : 0;
}

/* ---- scheduler jobs ---- */

/* Load a session for a job; 1 when it is no longer confirmed (the job is skipped). */
static int
job_load(struct hctx *h, int64_t session, struct sctx *c, const char **result)
{
	memset(c, 0, sizeof *c);
	int rc = state_session_get(h->db, session, &c->s);
	if (rc == DB_OK && strcmp(c->s.status, "confirmed") != 0)
		rc = DB_NOTFOUND;
	if (rc == DB_OK && (rc = state_match_get(h->db, c->s.match_id, &c->m)) == DB_OK &&
	    (rc = who_load(h, c->m.mentee, &c->mentee)) == DB_OK)
		rc = who_load(h, c->m.mentor, &c->mentor);
	if (rc == DB_NOTFOUND) {
		*result = "skipped: session not confirmed";
		return 1;
	}
	return rc;
}

/*
 * A scheduler job's mail or chat message to both people of confirmed session c: key's subject
 * (key.subject) and text in each one's language, about the other, with the command word cmd
 * (also the variable's name).  With ids, the Message-IDs of the mails sent, space-separated.
 */
static void
tell_both(struct hctx *h, const struct sctx *c, const char *key, const char *envelope, const char *cmd, struct buf *ids)
{
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)c->s.id);
	char *subject_key = xasprintf("%s.subject", key);
	const struct who *both[2] = {&c->mentee, &c->mentor};
	for (int k = 0; k < 2; k++) {
		const struct who *to = both[k];
		char *n = who_name(h, session_other_of(c, to->p.id), to->lang);
		char *when = session_when_text(h, &c->s, to->lang), *where = session_where_text(h, &c->s, to->lang);
		char *s = hctx_text_in(h, to->lang, subject_key, "id", id, "when", when, NULL);
		char *t = hctx_text_in(h, to->lang, key, "id", id, "name", n, "when", when, "where", where, cmd,
				       hctx_cmd_word_in(to->lang, cmd), NULL);
		if (session_tell(h, to, envelope, s, t, t, NULL, NULL) && ids) {
			char *mid = reply_msgid_at(h, h->nreplies - 1);
			if (mid)
				buf_addf(ids, "%s%s", ids->len ? " " : "", mid);
			free(mid);
		}
		free(t);
		free(s);
		free(where);
		free(when);
		free(n);
	}
	free(subject_key);
}

int
h_session_remind_job(struct hctx *h, int64_t session, const char **result)
{
	struct sctx c;
	int rc = job_load(h, session, &c, result);
	if (rc == 0) {
		tell_both(h, &c, "session.reminder", "session.mail.reminder", "cancel", NULL);
		*result = "ran";
	}
	sctx_free(&c);
	return db_failed(rc) ? rc : 0;
}

int
h_session_prompt_job(struct hctx *h, int64_t session, const char **result)
{
	struct sctx c;
	int rc = job_load(h, session, &c, result);
	if (rc == 0) {
		struct buf ids = BUF_INIT;
		tell_both(h, &c, "session.prompt", "session.mail.prompt", "done", &ids);
		char *list = buf_detach(&ids);
		rc = state_session_set_prompt(h->db, c.s.id, *list ? list : NULL);
		free(list);
		*result = "ran";
	}
	sctx_free(&c);
	return db_failed(rc) ? rc : 0;
}
