/*
 * chat.h - what the chat transports (XMPP, Matrix) share with the core.
 *
 * A transport thread owns its connection and its own database connection.
 * For each incoming message that passes the transport's own filters (not
 * delayed/history, not the bot's own reflection, not from before start) it
 * fills a struct chat_msg and calls chat_handle(), which journals the
 * message (durable commit), dispatches it in one transaction (state change +
 * outbox rows) and returns.  The transport then sends its due outbox rows
 * (state_outbox_due(db, "xmpp"|"matrix", …)), marks each sent right after
 * the server took it, and resends unsent rows after a reconnect.
 *
 * An outbox row of a chat transport (state_outbox_put_chat) is the message:
 *   rcpt       room JID / room id / user JID / user id
 *   chat_type  "groupchat" | "chat"        (room message or direct message)
 *   payload    the text
 * For Matrix, "chat" to a user means: the direct room with that user
 * (create it if needed).
 */
#ifndef MB_CHAT_H
#define MB_CHAT_H

#include <stdint.h>

struct core;
struct db;

struct chat_msg {
	const char *transport; /* "xmpp" or "matrix" */
	const char *sender;    /* endpoint address: bare JID / Matrix user id ("@u:server");
				* in a MUC where the real JID is unknown: "room@muc/nick" */
	const char *room;      /* room JID / room id ("!id:server"), or NULL for a direct chat */
	const char *nick;      /* display nick in the room (for "nick: answer"), or NULL */
	const char *text;      /* the message body as received, UTF-8 */
	const char *id;        /* stanza id / event id (dedupe); NULL: derived from content */
	int64_t ts;            /* server timestamp (s) if known, else 0 */
};

/*
 * Is a room message addressed to the bot?  Accepts "!cmd …", "Nick: cmd …",
 * "Nick, cmd …" and "@Nick cmd" (nick compared case-insensitively).  On yes
 * returns 1 and sets *cmd to the command text (pointer into text).
 */
int chat_addressed(const char *text, const char *nick, const char **cmd);

/*
 * Journal and dispatch one message.  Returns 1 if the message produced
 * outbox rows for any transport (the caller should flush its outbox and may
 * wake the mail sender via core hooks), 0 if nothing to send, <0 on a
 * database error (the transport should retry later; nothing was lost since
 * the journal commit comes first).
 */
int chat_handle(struct db *db, struct core *core, const struct chat_msg *m);

#endif
