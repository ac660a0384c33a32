/*
 * routes.c - the reply routes of dispatch: answers to messages the bot sent
 * (a confirmation's token mail, an event invitation, the application form, a
 * mentoring request, a session proposal or log prompt), each recognised by
 * its thread as the table below says, and run instead of a command.  Runs
 * inside dispatch's transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "dispatch_int.h"
#include "handlers/h_alumni.h"
#include "handlers/h_offer.h"
#include "handlers/handlers.h"
#include "logaddr.h"
#include "mailcmd.h"
#include "mime.h"
#include "state/state.h"
#include "util.h"
#include "words.h"

/* The token whose mail this one replies to, if any (In-Reply-To first, then References). */
static int
token_of_reply(struct db *db, const struct parsed_mail *pm, struct token *t)
{
	int rc = DB_NOTFOUND;
	if (pm->in_reply_to)
		rc = state_token_by_msgid(db, pm->in_reply_to, t);
	if (rc == DB_NOTFOUND && pm->references) {
		char **ids;
		int n = words_split(pm->references, &ids, 32);
		for (int i = n - 1; i >= 0 && rc == DB_NOTFOUND; i--)
			rc = state_token_by_msgid(db, ids[i], t);
		words_free(ids, n);
	}
	return rc;
}
/* ---- reply routes ----
 *
 * Answers to messages the bot sent: the token mail of a confirmation, an
 * invitation (an RSVP in words or a calendar's iTIP REPLY), the application
 * form, a mentoring request, a session proposal or log prompt.  Each entry
 * names how it recognises its thread and who may use it; its run step
 * returns ROUTE_PASS when the message is not in its thread, else DB_OK or a
 * negative error.  Dispatch runs the first that takes the message, or else
 * the command (never both); a route never calls back into the command table.
 */
enum route_match {
	ROUTE_THREAD = 1 << 0,  /* In-Reply-To/References name a mail the bot sent */
	ROUTE_ITIP = 1 << 1,    /* a calendar REPLY whose UID names an event */
	ROUTE_PLUS = 1 << 2,    /* sent to a keyed plus-address of the bot */
	ROUTE_SUBJECT = 1 << 3, /* a token in the Subject */
};

struct reply_route {
	const char *name;
	unsigned match;     /* enum route_match: how its thread is recognised */
	enum perm who;      /* PERM_ANYONE or PERM_MEMBER */
	int beside_command; /* also taken when the body starts with a command */
	int (*run)(struct mailctx *m, struct hctx *h);
	/* the step run for an automatic mail (m->silent: read, never answered); NULL: such a
	 * mail is not taken.  Only data the bot asked for: a calendar's iTIP REPLY. */
	int (*run_auto)(struct mailctx *m, struct hctx *h);
};

/* A plain reply to a mail that carried a token confirms it (or cancels it); only its owner
 * got that mail, whose Message-ID nobody else can know (a token mailed before the ids were
 * keyed is not taken this way: the mail proves nothing then). */
static int
route_token(struct mailctx *m, struct hctx *h)
{
	const struct parsed_mail *pm = h->pm;
	const struct command *confirm = cmd_by_name("confirm");
	if (m->in->words.cmd && m->in->words.cmd != confirm && !m->in->words.from_subject)
		return ROUTE_PASS;
	struct token tok = {0};
	int rc = token_of_reply(m->db, pm, &tok);
	if (rc == DB_OK && !(!tok.used && tok.expires >= now_s() && strcmp(tok.ep_kind, "mail") == 0 &&
			     strcmp(tok.ep_addr, pm->from_addr) == 0 && m->proof != PROOF_NONE))
		rc = DB_NOTFOUND;
	if (rc != DB_OK) {
		token_free(&tok);
		return db_failed(rc) ? rc : ROUTE_PASS;
	}
	h->proven = 1;
	h->cmd = confirm;
	const char *rest;
	if (words_first(h->body, WORDS_CANCEL, &rest) == WORDS_NO) {
		rc = state_token_use(m->db, tok.id);
		hctx_reply(h, "confirm_cancelled", NULL);
	} else if (strcmp(tok.kind, "cmd") == 0) {
		if ((rc = state_token_use(m->db, tok.id)) == DB_OK)
			rc = run_confirmed(m, h, strtoll(tok.payload ? tok.payload : "0", NULL, 10));
	} else {
		rc = h_confirm_apply(h, &tok);
	}
	token_free(&tok);
	return rc;
}

static int
route_event(struct mailctx *m, struct hctx *h)
{
	(void)m;
	return h_event_mail_reply(h, h->body);
}

/* An automatic mail (Google Calendar's Accept/Decline): its iTIP REPLY only, never its text. */
static int
route_event_itip(struct mailctx *m, struct hctx *h)
{
	(void)m;
	return h_event_itip_reply(h);
}

static int
route_apply(struct mailctx *m, struct hctx *h)
{
	(void)m;
	/* the client may quote the form: the whole text is read */
	return h_apply_mail_reply(h, h->body, h->pm->text ? h->pm->text : "");
}

static int
route_request(struct mailctx *m, struct hctx *h)
{
	(void)m;
	return h_request_mail_reply(h, h->pm->in_reply_to, h->pm->references, h->body);
}

static int
route_contact(struct mailctx *m, struct hctx *h)
{
	(void)m;
	return h_contact_mail_reply(h, h->pm->in_reply_to, h->pm->references, h->body);
}

static int
route_session(struct mailctx *m, struct hctx *h)
{
	(void)m;
	return h_session_mail_reply(h, h->pm->in_reply_to, h->pm->references, h->body);
}

/* A staff member's "ok" / "nein <reason>" to the notice of a company contact or an offer: a
 * staff address only; its mail proves itself by DKIM/DMARC, or (undone) its owner confirms. */
static int
route_offer_notice(struct mailctx *m, struct hctx *h)
{
	if (!m->staff_addr)
		return ROUTE_PASS;
	int rc = h_offer_notice_reply(h, h->pm->in_reply_to, h->pm->references, h->body);
	return rc == 1 ? ROUTE_PASS : rc;
}

static const struct reply_route reply_routes[] = {
	{.name = "confirmation token",
	 .match = ROUTE_THREAD,
	 .who = PERM_ANYONE,
	 .beside_command = 1,
	 .run = route_token},
	{.name = "event invitation",
	 .match = ROUTE_THREAD | ROUTE_ITIP | ROUTE_SUBJECT,
	 .who = PERM_ANYONE,
	 .beside_command = 1,
	 .run = route_event,
	 .run_auto = route_event_itip},
	{.name = "application form", .match = ROUTE_THREAD | ROUTE_PLUS, .who = PERM_MEMBER, .run = route_apply},
	{.name = "mentoring request", .match = ROUTE_THREAD, .who = PERM_MEMBER, .run = route_request},
	{.name = "alumni contact request", .match = ROUTE_THREAD, .who = PERM_MEMBER, .run = route_contact},
	{.name = "session proposal or log prompt", .match = ROUTE_THREAD, .who = PERM_MEMBER, .run = route_session},
	{.name = "company or offer notice",
	 .match = ROUTE_THREAD,
	 .who = PERM_ANYONE,
	 .beside_command = 1,
	 .run = route_offer_notice},
};

/*
 * An automatic mail that carries data the bot asked for: a calendar's iTIP REPLY (Google
 * Calendar marks its Accept/Decline/Tentative mails "Auto-Submitted: auto-generated").  It is
 * read (only the reply routes with a run_auto step run: m->silent) and never
 * answered: no reply, no question back, no notice, not even to a proven human address, since
 * the address of an automatic mail may be a robot that answers again (a loop).  Whether the
 * part is really a REPLY for one of our events is decided by the route.  DSNs, the other
 * data asked for, are recorded as bounces before this (dispatch.c, admit_mail).
 */
int
route_takes_automatic(const struct parsed_mail *pm)
{
	return pm->calendar && pm->calendar_method && strcmp(pm->calendar_method, "REPLY") == 0;
}

/*
 * The first reply route that takes the mail (ROUTE_PASS: none did).  One that
 * changed something for a sender who proved nothing is undone and confirmed
 * first (c); for an automatic mail it is only undone (nobody is asked: its
 * sender may be a robot).  Chat messages carry no thread: they never take a
 * route, nor does a mail that is only a forward (someone else wrote its body).
 */
int
run_reply_routes(struct mailctx *m, struct hctx *h)
{
	if (!h->pm || m->in->forwarded)
		return ROUTE_PASS;
	const struct mail_cmd *mc = &m->in->words;
	int64_t before = db_total_changes(m->db);
	if (db_savepoint(m->db) < 0)
		return DB_ERR;
	int rc = ROUTE_PASS;
	for (size_t i = 0; i < ARRAY_LEN(reply_routes) && rc == ROUTE_PASS; i++) {
		const struct reply_route *r = &reply_routes[i];
		if (r->who == PERM_MEMBER && !h->known)
			continue;
		if (!r->beside_command && mc->cmd && !mc->from_subject)
			continue;
		if (m->silent && !r->run_auto)
			continue;
		rc = m->silent ? r->run_auto(m, h) : r->run(m, h);
		if (rc == DB_NOTFOUND)
			rc = ROUTE_PASS; /* a handler's "no such thread" (they were one value) */
	}
	if (db_failed(rc)) {
		db_rollback_savepoint(m->db);
		return rc;
	}
	if (rc != ROUTE_PASS && !h->proven && db_total_changes(m->db) != before) {
		db_rollback_savepoint(m->db);
		if (m->silent) {
			log_info("event=unproven channel=mail inbound=%lld from=%s automatic=yes action=undone",
				 (long long)m->row->id, LOG_WHO(h->ep_addr));
			hctx_free_replies(h);
			return DB_OK;
		}
		char *what = str_first_line(h->body, h->pm->subject);
		rc = ask_confirmation(m, h, what, 0);
		free(what);
		return rc;
	}
	return db_release(m->db) < 0 ? DB_ERR : rc;
}
