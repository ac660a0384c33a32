/*
 * dispatch_int.h - what the parts of dispatch share (bot/dispatch.c: the
 * pipeline; answer.c: replies into the outbox and quarantine; routes.c: the
 * reply routes; proof.c: proof of a mail's From address).  Not for code outside dispatch.
 */
#ifndef MB_DISPATCH_INT_H
#define MB_DISPATCH_INT_H

#include <stddef.h>

#include "dispatch.h"

struct hctx;
struct config;

/* How a mail's sender proved the From address (see "proof of address" below). */
enum proof { PROOF_NONE = 0, PROOF_REPLY, PROOF_PLUS, PROOF_AUTH };

/* One message in dispatch, and where its replies go. */
struct mailctx {
	struct db *db;
	const struct core *core;
	const struct inbound *in; /* the message */
	const struct journal_row *row;
	const struct parsed_mail *pm; /* mail: the mail answered (threading); NULL for chat */
	const char *lang;
	const char *rcpt; /* mail: the sender's address */
	int known;        /* mail: the sender is a known person (replies may quote the Subject) */
	int counted;      /* mail: this mail counts against the cap for unknown senders already */
	int nsent;        /* replies queued so far: part of each stable id */
	/* chat answers */
	const char *transport; /* "xmpp"/"matrix" when the message came from chat */
	const char *room;      /* room of the message, or NULL for a direct chat */
	const char *nick;      /* the asker's nick in the room */
	const char *sender;    /* the asker's endpoint address */
	int sender_direct;     /* 1 if sender can get a direct message */
	enum proof proof;      /* mail: how the sender proved the address */
	int staff_addr;        /* the sender's address is a configured staff address */
	/* mail: an automatic mail (RFC 3834) admitted for the data it carries (an iTIP REPLY):
	 * it is read, never answered; no outbox row goes to its sender (answer.c drops them) */
	int silent;
};

/* The installation key (fatal when it was not loaded). */
const unsigned char *core_key(const struct core *core);
/* "mb.<keyed hash of the dedupe key>.<n>@domain": the id of a reply. Caller frees. */
char *reply_msgid(const struct core *core, const char *dedupe, size_t n);
/* The domain of an address ("" without '@'). */
const char *addr_domain(const char *addr);
int is_staff_addr(const struct config *cfg, const char *kind, const char *addr);

/* The owner of the address confirmed: run the mail that waited in journal row id, as proven. */
int run_confirmed(struct mailctx *m, struct hctx *h, int64_t id);

/* ---- answer.c: replies into the outbox ---- */
/* The stored language choice ("de", else "en"), or without one deflt ("en", else "de"). */
const char *lang_or(const char *stored, const char *deflt);
/* The one decider of the reply language, for every channel: the person's stored choice, a German
 * command word, the language of text, the mail's Content-Language (NULL for chat), the command
 * word's language, else deflt. */
const char *answer_lang(const char *stored, const char *cmd_lang, const char *text, const char *content_language,
			const char *deflt);
/* Render the reply key and queue it as a mail to m->rcpt (threaded to m->pm). */
int queue_reply(struct mailctx *m, const char *key, const char *const *vars);
/* Queue a chat message for transport (payload in chat.h). */
int queue_chat(struct mailctx *m, const char *transport, const char *to, const char *type, const char *body);
/* Answer in the chat the message came from: short in the room, long ones directly. */
int queue_chat_answer(struct mailctx *m, const char *key, const char *const *vars);
/* May this mail be answered (ALLOW_*)?  *rc gets a database error. */
enum { ALLOW_CAP = -2, ALLOW_SILENT = -1, ALLOW_NOTICE = 0, ALLOW_YES = 1 };
int reply_allowance(struct mailctx *m, int wanted, int *rc);
int send_limit_notice(struct mailctx *m);
/* The replies a handler queued, into the outbox (mail under the reply limit, or chat). */
int emit_replies(struct mailctx *m, struct hctx *h);
/* A reason as the sender reads it, in their language. Caller frees. */
char *reason_text(struct mailctx *m, const char *error);
/*
 * Answer the message on the channel it came by: a mail reply (threaded, counted against the
 * sender's daily limit and sent only while that allows it; past the limit, with limit_notice,
 * the one notice of the limit instead) or a chat answer (bot/chat.h).  DB_OK or an error.
 */
int answer(struct mailctx *m, const char *key, const char *const *vars, int limit_notice);
/* Finish a message of any channel as quarantined with why, and tell its sender why (answer)
 * when there is one to tell. */
int quarantine(struct mailctx *m, const char *why);

/* ---- routes.c: answers to messages the bot sent ---- */
/* A route's "not my thread" (the handlers' convention for their mail readers). */
#define ROUTE_PASS 1
/* The first reply route that takes the message runs: DB_OK or a negative error; ROUTE_PASS
 * when none does (the command runs then). */
int run_reply_routes(struct mailctx *m, struct hctx *h);
/* 1 if the automatic mail pm carries what a route takes from automatic mail (an iTIP REPLY):
 * it is read then, silently (mailctx.silent); 0: it is ignored. */
int route_takes_automatic(const struct parsed_mail *pm);

/* ---- proof.c: proof of a mail's From address ---- */
struct parsed_mail;
int mail_proof(struct mailctx *m, const struct parsed_mail *pm, enum proof *out);
/* Keep the command of this mail and ask the From address to confirm it (c). */
int ask_confirmation(struct mailctx *m, struct hctx *h, const char *what, int staff);

#endif
