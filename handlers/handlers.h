/*
 * handlers.h - the command handlers and the context they run in.
 *
 * A handler is a function of (request, state API) → state changes and
 * replies.  It never sends anything and never speaks SQL: it calls state_*
 * functions inside the transaction the dispatcher opened, and queues replies
 * with hctx_reply(), which the dispatcher renders from templates and writes
 * to the outbox in that same transaction.
 */
#ifndef MB_HANDLERS_H
#define MB_HANDLERS_H

#include <stddef.h>
#include <stdint.h>

#include "bot/templates.h"
#include "state/state.h"

struct config;
struct templates;
struct command;

struct reply {
	char *to_kind; /* NULL: to the sender; else "mail", "xmpp", "matrix" (e.g. a link code) */
	char *to_addr;
	char *key;    /* template key */
	char **vars;  /* name, value, …, NULL (owned) */
	size_t nvars; /* number of strings in vars, without the NULL */
};

struct hctx {
	/* environment */
	struct db *db;
	const struct config *cfg;
	const struct templates *tmpl;
	/* the request */
	const struct command *cmd;
	const char *transport; /* "mail" */
	const char *ep_kind;   /* sender endpoint kind: "mail", "xmpp", "matrix" */
	const char *ep_addr;   /* sender endpoint address (lower case) */
	struct person person;  /* valid when known */
	int known;             /* the sender's endpoint is verified and belongs to person */
	int staff;             /* sender is staff with proven ownership */
	int proven;            /* the sender proved the address (chat: always; mail: see bot/dispatch.c) */
	const char *lang;      /* reply language */
	int argc;
	char **argv;                  /* words after the command */
	const char *argline;          /* the rest of the line after the command, as written */
	const char *body;             /* mail: the new text of the body (quotes and signature cut), all of it;
					 chat: the lines after the first; "" when there is none */
	const struct parsed_mail *pm; /* mail: the whole parsed mail (threading, calendar part); NULL in chat */
	const char *reply_msgid;      /* Message-ID the first reply will carry (for tokens) */
	const unsigned char *key;     /* the installation key (bot/keyed.h), for the ids and addresses handlers issue */
	const struct token *reply_token; /* set when the mail is a plain reply to a token mail */
	int64_t confirmed_inbound;       /* set by "confirm <token>" for a mail that waited for its sender's
					    confirmation: the dispatcher runs that journal row next */
	/* the answer */
	struct reply *replies;
	size_t nreplies;
};

/* "<base>.<keyed tag>@<the bot's domain>": a Message-ID for a mail a handler sends itself
 * (bot/keyed.h) that nobody without the installation key can guess.  Caller frees. */
char *hctx_msgid(const struct hctx *h, const char *base);
/* The bot's plus-address for purpose, keyed to person_addr ("bot+<purpose>.<tag>@…"): a mail
 * to it proves its sender got the mail that named it.  Caller frees. */
char *hctx_plus_addr(const struct hctx *h, const char *purpose, const char *person_addr);

/* Queue a reply: key, then name/value string pairs, then NULL.  Copies everything. */
void hctx_reply(struct hctx *h, const char *key, ...) __attribute__((sentinel));
/* Queue a reply to another endpoint than the sender's (e.g. the code of "link"). */
void hctx_reply_to(struct hctx *h, const char *kind, const char *addr, const char *key, ...) __attribute__((sentinel));
void hctx_free_replies(struct hctx *h);
/* Render a template in the request's language (for building lists inside replies). Caller frees. */
char *hctx_text(struct hctx *h, const char *key, ...) __attribute__((sentinel));
/* A [bot] staff entry ("addr", "xmpp:jid", "matrix:@user:hs") as the endpoint a message goes
 * to: 1, or 0 for an entry of another kind (nobody is told there). */
int hctx_staff_endpoint(const char *s, const char **kind, const char **to);
/* 1 when the transport of endpoint kind ("mail", "xmpp", "matrix") is configured, so that a
 * reply to it can be sent ("mail": [smtp]); also without a configuration.  A command that
 * needs one that is not says so ("transports.mail_off", "transports.chat_off"). */
int hctx_transport_on(const struct hctx *h, const char *kind);
extern const struct tmpl_key tmpl_keys_transports[];
/* The configured default language ("de" unless [bot] language = en). */
const char *hctx_default_lang(const struct hctx *h);
/* Render key in lang (for a message to someone else); name/value pairs, NULL.  Caller frees. */
char *hctx_text_in(const struct hctx *h, const char *lang, const char *key, ...) __attribute__((sentinel));
/* A command's word in lang (first German alias for "de"); name is its canonical name. */
const char *hctx_cmd_word_in(const char *lang, const char *name);
/* Display name of a command in the request's language: for "de" the first German alias that
 * names it for the asker's role (bot/commands.h), else the canonical name. */
const char *hctx_cmd_word(const struct hctx *h, const struct command *c);

/*
 * Every command has a check (bot/commands.h): side-effect free validation
 * that may read the state; 0 to go on, or a reply queued and 1.  This one is
 * for the commands whose arity and permission (dispatch checks both from the
 * table) are all there is to validate: the decision is written down.
 */
int h_check_nothing(struct hctx *h);

/* help */
/* The lines "  word   one-liner" of every command the asker may use (staff commands for staff
 * only), for help and the "unknown command" answers.  Caller frees. */
char *h_command_list(struct hctx *h);
int h_help_check(struct hctx *h);
int h_help_run(struct hctx *h);
/* membership: join, confirm, leave, whoami, profile */
int h_join_check(struct hctx *h);
int h_join_run(struct hctx *h);
int h_confirm_check(struct hctx *h);
int h_confirm_run(struct hctx *h);
/* Apply a valid, unused token (from "confirm <token>" or a plain reply). */
int h_confirm_apply(struct hctx *h, const struct token *t);
/* The person a valid token confirms (the sender when known, else the owner of its address or a
 * new person): the address verified, programme's consent version recorded, the token used. */
int h_confirm_person(struct hctx *h, const struct token *t, const char *programme, int64_t *pid);
int h_leave_check(struct hctx *h);
int h_leave_run(struct hctx *h);
int h_whoami_run(struct hctx *h);
int h_profile_check(struct hctx *h);
int h_profile_run(struct hctx *h);
/* The profile field names in the request's language, "a, b, c". Caller frees. */
char *h_profile_field_list(const struct hctx *h);

/* consent (h_consent.c): the consent text version of programme slug, and its text (caller
 * frees); the "given" row of a join; whoami's consent lines; "agree [programme]"; the
 * re-confirmation note the dispatcher adds once to a known person's answer. */
char *h_consent_version(struct hctx *h, const char *slug);
char *h_consent_text(struct hctx *h, const char *version);
int h_consent_given(struct hctx *h, int64_t person, const char *slug);
char *h_consent_lines(struct hctx *h);
int h_agree_check(struct hctx *h);
int h_agree_run(struct hctx *h);
int h_consent_note(struct hctx *h);
/* The variable of a reply to the sender whose text follows the rendered template (bot/answer.c). */
#define HCTX_NOTE_AFTER "_note_after"
extern const struct tmpl_key tmpl_keys_consent[];
/* The audit row of a staff action by the sender of h (h_audit.c): actor = the sender's
 * address, channel = the transport; person: whom it concerns or 0. */
int h_audit(struct hctx *h, const char *action, const char *subject, int64_t person, const char *detail);

/* link */
int h_link_check(struct hctx *h);
int h_link_run(struct hctx *h);
int h_link_apply(struct hctx *h, const struct token *t);

/* mentoring (h_mentoring.c): find mentor, request, accept/decline, and the
 * scheduler jobs of a request.  h_request_mail_reply returns 1 when the mail
 * is not a reply to a request mail (the dispatcher then goes on as usual). */
int h_find_mentor_check(struct hctx *h);
int h_find_mentor_run(struct hctx *h);
int h_request_check(struct hctx *h);
int h_request_run(struct hctx *h);
int h_answer_check(struct hctx *h);
int h_accept_run(struct hctx *h);
int h_decline_run(struct hctx *h);
int h_request_mail_reply(struct hctx *h, const char *in_reply_to, const char *references, const char *text);
int h_request_remind_job(struct hctx *h, int64_t request, const char **result);
int h_request_expire_job(struct hctx *h, int64_t request, const char **result);

/* The optimal whole-cohort assignment of programme's unmatched mentees (preview, changes nothing):
 * one line per pair and per unmatched mentee appended to *out.  DB_NOTFOUND: no such programme. */
struct buf;
int h_cohort_preview(struct db *db, const char *programme, struct buf *out);

/* A person as handlers see them: record, language, endpoints, profile (who.c). */
struct who {
	struct person p;
	const char *lang; /* "de" / "en" */
	struct endpoint *eps;
	size_t neps;
	struct profile_field *pf;
	size_t npf;
	int mail_off; /* no [smtp]: who_mail finds nothing, so the chat is used */
};
/* Load person id into *w (free with who_free).  DB_ERR if the person is gone. */
int who_load(struct hctx *h, int64_t id, struct who *w);
void who_free(struct who *w);
/* A non-empty profile value of w (only a visible one when visible_only), or NULL. */
const char *who_value(const struct who *w, const char *field, int visible_only);
/* w's first verified mail address, or NULL (also when no mail can be sent: see mail_off). */
const char *who_mail(const struct who *w);
/* w's visible name, or "Person <id>" in lang.  Caller frees. */
char *who_name(const struct hctx *h, const struct who *w, const char *lang);
/* Move the last queued reply to the front: it will carry h->reply_msgid. */
void hctx_reply_last_to_front(struct hctx *h);
/* "12" or "#12" -> 12; 0, or -1 if not a positive number. */
int hctx_parse_id(const char *s, int64_t *out);
/* The answer word at the start of a reply (bot/words.h; sets: WORDS_REQUEST for a request or
 * offer, WORDS_SESSION for a session proposal or prompt): 1 yes (or done), 0 no, -1 neither.
 * *rest: the text after it. */
int hctx_yes_no(const char *text, unsigned sets, const char **rest);

/* A confirmation code for the sender of h: a token of kind (payload and person may be NULL/0) for
 * the sender's endpoint, valid ttl seconds, tied to the Message-ID of the first reply so that a
 * plain reply to it confirms.  tok gets the code to show.  DB_OK or an error. */
int hctx_sender_token(struct hctx *h, const char *kind, const char *payload, int64_t person, int64_t ttl, char tok[27]);
/* Token helpers: 128 random bits as 26 lower-case base32 characters; SHA-256 hex of it. */
void token_new(char out[27]);
void token_hash(const char *token, char out[65]);

/* sessions (h_session.c; replies by mail and the jobs in h_session_mail.c):
 * propose, confirm, done, cancel, the reminder and the prompt.
 * h_session_confirm_run is "confirm <number>" (h_member.c routes it).
 * h_session_mail_reply returns 1 when the mail is no answer to a proposal
 * or prompt mail (the dispatcher then goes on as usual). */
int h_session_is_id(const char *s);
int h_session_check(struct hctx *h);
int h_session_run(struct hctx *h);
int h_session_confirm_run(struct hctx *h);
int h_session_id_check(struct hctx *h);
int h_session_cancel_run(struct hctx *h);
int h_session_done_run(struct hctx *h);
int h_session_mail_reply(struct hctx *h, const char *in_reply_to, const char *references, const char *text);
int h_session_remind_job(struct hctx *h, int64_t session, const char **result);
int h_session_prompt_job(struct hctx *h, int64_t session, const char **result);

/* applications (h_apply.c): the fill-in form after "join", approval by staff,
 * staff "programme".  h_apply_mail_reply returns 1 when the mail is no
 * answer to a form mail. */
struct parsed_mail;
/* Membership of a confirmed joiner: set its status by the programme's policy and
 * start (or finish) the application; *next gets the line(s) for join_done
 * (the form when fields are missing).  Caller frees *next. */
int h_apply_join(struct hctx *h, int64_t person, const char *programme, const char *role, char **next);
/* After a profile change: complete the sender's applications that now have every field;
 * *note gets what to add to the answer ("" if nothing).  Caller frees. */
int h_apply_recheck(struct hctx *h, char **note);
int h_apply_mail_reply(struct hctx *h, const char *new_text, const char *full_text);
int h_pending_check(struct hctx *h);
int h_pending_run(struct hctx *h);
int h_approve_check(struct hctx *h);
int h_approve_run(struct hctx *h);
int h_reject_run(struct hctx *h);
int h_programme_check(struct hctx *h);
int h_programme_run(struct hctx *h);
extern const struct tmpl_key tmpl_keys_apply[];

/* staff figures (h_staff.c): stats */
/* Check step of a staff command whose optional first argument names a programme: 0 when there
 * is none or it exists; 1 after answering key (the name as var, the known ones as "programmes")
 * when it does not; or a negative error. */
int h_programme_arg_check(struct hctx *h, const char *key, const char *var);
int h_stats_check(struct hctx *h);
int h_stats_run(struct hctx *h);
extern const struct tmpl_key tmpl_keys_staff[];

/* whole-cohort matching as a staff command (h_mentoring.c): match <programme> [publish] */
int h_match_check(struct hctx *h);
int h_match_run(struct hctx *h);
extern const struct tmpl_key tmpl_keys_match[];

/* events and RSVP (h_event.c) */
int h_events_run(struct hctx *h);
int h_rsvp_check(struct hctx *h);
int h_rsvp_run(struct hctx *h);
int h_rsvp_yes_run(struct hctx *h);
int h_rsvp_no_run(struct hctx *h);
int h_rsvp_maybe_run(struct hctx *h);
int h_announce_check(struct hctx *h);
int h_announce_run(struct hctx *h);
/* attendees, attended: the first argument names an existing event */
int h_event_id_check(struct hctx *h);
int h_attendees_run(struct hctx *h);
int h_attended_run(struct hctx *h);
/* A mail answering an event announcement (text or iTIP REPLY); 1 when it is none. */
int h_event_mail_reply(struct hctx *h, const char *new_text);
/* Only the iTIP REPLY of a mail (an automatic one: its text is not read); 1 when it has none. */
int h_event_itip_reply(struct hctx *h);
int h_event_remind_job(struct hctx *h, int64_t event, const char **result);
int h_event_claim_job(struct hctx *h, int64_t event, const char **result);
extern const struct tmpl_key tmpl_keys_events[];

#endif
