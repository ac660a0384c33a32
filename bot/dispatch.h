/*
 * dispatch.h - the core: journalled inbound messages in, state changes and
 * outbox rows out, each message in one transaction with its answers.
 *
 * The pipeline, the one way through the daemon:
 *   1. A transport (bot/mailin.c, xmpp.c, matrix.c) records what arrives in
 *      the journal (state: inbound) before it acknowledges it.
 *   2. dispatch() reads each journal row into one struct inbound: channel,
 *      sender, thread references and attachments (the parsed mail, parsed in
 *      a limited worker), new text and the command words.  No lock is held.
 *   3. dispatch_txn() opens the write transaction (the only place that does)
 *      and holds the templates against a SIGHUP swap; per message a savepoint.
 *   4. dispatch_one(): the person resolved once; the channel's admission rules
 *      (bounces, automatic mail, parser failures); flood limits for every
 *      channel; proof of address and language; then exactly one reply route
 *      (a table: token, invitation, form, request, session) or one command
 *      (bot/commands.c: check, then proceed).
 *   5. The handler's replies become outbox rows in the same transaction; the
 *      senders deliver them and mark each row sent when the server took it.
 *   6. dispatch_pending() is the journal recovery every transport shares: what
 *      an earlier run left unfinished runs again, counted first; a message that
 *      failed DISPATCH_CRASH_LIMIT times is quarantined and its sender told.
 */
#ifndef MB_DISPATCH_H
#define MB_DISPATCH_H

#include <pthread.h>
#include <stdint.h>

#include "keyed.h"
#include "mailcmd.h"
#include "mime.h"
#include "state/state.h"

struct config;
struct templates;
struct db;
struct parsebox;

struct core {
	/* the current configuration: atomic, SIGHUP replaces it (bot/reload.h; a replaced one is
	 * never freed while the daemon runs, so a pointer read once stays good) */
	const struct config *_Atomic cfg;
	const struct templates *tmpl;
	struct mail_caps caps;
	const char *bot_addr;   /* the bot's own mail address (lower case) */
	const char *bot_domain; /* right side of bot_addr, for Message-IDs */
	/* new outbox rows for transport were committed (or are about to be): wake its sender.
	 * Called with the transaction still open; the sender sees the rows after the commit. */
	void (*notify)(void *ud, const char *transport);
	void *notify_ud;
	struct flood *flood;         /* per-person token buckets, shared by all transports */
	pthread_rwlock_t *tmpl_lock; /* read-held while dispatching; SIGHUP swaps tmpl under write */
	struct parsebox *parser;     /* mail parsed in a limited worker process; NULL: in process */
	/* the installation key (core_key_load): every Message-ID and plus-address the bot issues is keyed */
	unsigned char key[KEYED_KEY_LEN];
	int has_key;
};

/* Load the installation key into core (made at first start).  0, or -1 when the database failed. */
int core_key_load(struct core *core, struct db *db);

/*
 * One inbound message as every channel presents it to dispatch.  Filled by
 * inbound_read() from the journal; everything is owned by the struct.
 */
struct json_t;
struct inbound {
	struct journal_row row; /* id, transport, dedupe key, attempts, the raw bytes */
	const char *channel;    /* "mail", "xmpp" or "matrix" (row.transport) */
	/* who: the endpoint the answer goes to and the person is looked up by.  Chat: the
	 * address the chat server authenticated.  Mail: the From mailbox (NULL if not a valid
	 * one), proven in dispatch (keyed reply, aligned DKIM/DMARC, plus-address, or a
	 * confirmation round trip). */
	const char *sender;
	const char *room, *nick; /* chat: the room (NULL: a direct message) and the nick in it */
	int direct_ok;           /* chat: the sender can get a direct message */
	/* mail: thread references (In-Reply-To, References), Subject, an iTIP part; NULL in chat */
	struct parsed_mail *pm;
	int read_rc;        /* mail: mime_parse()'s result or a PARSEBOX_* failure */
	const char *unread; /* mail: why it was not even fetched, or NULL */
	/* what it says */
	char *text;            /* the sender's own new text: quotes and forwards cut (mail; "" for a mail that is
				  only a forward) / the addressed line (chat).  Commands are read only here. */
	const char *body;      /* a command's text: the whole new text, or the forwarded body of a mail that is
				  only a forward (mail) / the lines after it (chat) */
	int forwarded;         /* mail: only a forward (QUOTE_FORWARDED): its body was written by someone else */
	struct mail_cmd words; /* the command found (words.cmd NULL when none), arguments, language */
	struct json_t *meta;   /* chat: the journal's meta (owns sender, room, nick) */
	char *body_buf;
};

/* Read journal row id into *in (a mail is parsed: in the worker when core has one).
 * DB_OK, DB_NOTFOUND when the row is gone, or DB_ERR.  Clear with inbound_clear(). */
int inbound_read(struct db *db, const struct core *core, int64_t id, struct inbound *in);
void inbound_clear(struct inbound *in);

/* What became of a message (for the mailbox: Processed or Quarantine). */
enum disp_result { DISP_DONE = 0, DISP_IGNORED = 1, DISP_QUARANTINED = 2 };

/* How often a message may fail (the daemon died while handling it) before it is
 * quarantined without running anything: the same for every channel. */
#define DISPATCH_CRASH_LIMIT 3

struct mail_cmd;
/* The reply language for a mail: the person's stored choice, a German command
 * word, the text's language, Content-Language, the command word's language,
 * else deflt ("de" unless "en"). */
const char *mail_lang(const struct parsed_mail *pm, const struct mail_cmd *mc, const char *new_text, const char *stored,
		      const char *deflt);

/*
 * Run journal rows ids[0..n) (status 'new') in one transaction, each under its
 * own savepoint (a failing command is undone alone and quarantined), and mark
 * them finished.  Mail is read and parsed before the transaction.  give_up:
 * they failed too often; quarantine them without running anything and tell
 * their senders.  Returns the disp_result of the last one, or a negative
 * value when the database failed (nothing was changed; try again later).
 */
int dispatch(struct db *db, const struct core *core, const int64_t *ids, size_t n, int give_up);

/*
 * The journal recovery of every transport: run transport's rows still 'new'.
 * Fresh ones (never attempted) go as a batch; one attempted before (the daemon
 * died meanwhile) goes alone, its attempt counted first, and is given up after
 * DISPATCH_CRASH_LIMIT.  committed(ud) after each commit (may be NULL); stops
 * early when *stop.  Returns how many were handled, or -1 (database failure).
 */
int dispatch_pending(struct db *db, const struct core *core, const char *transport, const volatile int *stop,
		     void (*committed)(void *ud), void *ud);

/*
 * The one write transaction: BEGIN IMMEDIATE, fn(db, ud), COMMIT, or ROLLBACK
 * when fn returns < 0 or the commit fails; with core, its templates are held
 * against a SIGHUP swap meanwhile.  Returns fn's result or a negative error.
 */
int dispatch_txn(struct db *db, const struct core *core, int (*fn)(struct db *db, void *ud), void *ud);

/* The dedupe key of a raw mail: "mid:<Message-ID>" or "sha256:<hash of the bytes>". Caller frees. */
char *mail_dedupe_key(const char *raw, size_t len);

#endif
