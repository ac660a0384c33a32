/*
 * dispatch.h - the core: one journalled inbound message in, state changes
 * and outbox rows out, all in one transaction.
 *
 * Pipeline for a mail: parse (caps first) → loop and flood rules (automatic
 * mail, bounces, own address, reply limit) → command look-up → permission →
 * arguments → check → run → render replies from templates → outbox.
 */
#ifndef MB_DISPATCH_H
#define MB_DISPATCH_H

#include <pthread.h>
#include <stdint.h>

#include "keyed.h"
#include "mime.h"

struct config;
struct templates;
struct db;
struct parsebox;

struct core {
	const struct config *cfg;
	const struct templates *tmpl;
	struct mail_caps caps;
	const char *bot_addr;   /* the bot's own mail address (lower case) */
	const char *bot_domain; /* right side of bot_addr, for Message-IDs */
	/* new outbox rows for transport were committed (or are about to be): wake its sender.
	 * Called with the transaction still open; the sender sees the rows after the commit. */
	void (*notify)(void *ud, const char *transport);
	void *notify_ud;
	struct flood *flood;              /* per-person token buckets, shared by all transports */
	pthread_rwlock_t *tmpl_lock;      /* read-held while dispatching; SIGHUP swaps tmpl under write */
	struct parsebox *parser;          /* mail parsed in a limited worker process; NULL: in process */
	/* the installation key (core_key_load): every Message-ID and plus-address the bot issues is keyed */
	unsigned char key[KEYED_KEY_LEN];
	int has_key;
};

/* Load the installation key into core (made at first start).  0, or -1 when the database failed. */
int core_key_load(struct core *core, struct db *db);

/* What became of a message (for the mailbox: Processed or Quarantine). */
enum disp_result { DISP_DONE = 0, DISP_IGNORED = 1, DISP_QUARANTINED = 2 };

/*
 * Handle journal row inbound_id (status 'new') in one transaction and mark it
 * finished.  give_up: the message has already failed too often; quarantine
 * it without running anything.  Returns a disp_result, or a negative value
 * when the database failed (nothing was changed; try again later).
 */
int dispatch_mail(struct db *db, const struct core *core, int64_t inbound_id, int give_up);

/* A journalled mail read and parsed before its transaction: parsing an untrusted mail may
 * take up to [bot] parser_timeout, and no write lock is held meanwhile (the chat threads
 * write too).  rc: mime_parse()'s result, a PARSEBOX_* failure, or 1 when nothing was read. */
struct mail_read {
	int rc;
	struct parsed_mail pm;
};
/* Read and parse journal row inbound_id outside any transaction; free with mail_read_free(). */
void dispatch_mail_read(struct db *db, const struct core *core, int64_t inbound_id, struct mail_read *out);
void mail_read_free(struct mail_read *r);
/* dispatch_mail() inside a transaction the caller opened (BEGIN IMMEDIATE), under a
 * savepoint: a failing command is undone alone.  The caller commits the batch.  pre: the
 * mail as dispatch_mail_read() gave it (taken over), or NULL to read and parse it here. */
int dispatch_mail_in(struct db *db, const struct core *core, int64_t inbound_id, int give_up, struct mail_read *pre);

struct mail_cmd;
/* The reply language for a mail: the person's stored choice, a German command
 * word, the text's language, Content-Language, the command word's language,
 * else deflt ("de" unless "en"). */
const char *mail_lang(const struct parsed_mail *pm, const struct mail_cmd *mc, const char *new_text,
		      const char *stored, const char *deflt);

/* How often a message may fail (the daemon died while handling it) before it is
 * quarantined without running anything: the same for mail and chat. */
#define DISPATCH_CRASH_LIMIT 3

/* Handle journal row inbound_id of a chat transport (text in raw, JSON meta with
 * sender/room/nick/direct_ok) in one transaction.  give_up: it failed too often;
 * quarantine it and tell the sender.  DISP_DONE, DISP_QUARANTINED or <0. */
int dispatch_chat(struct db *db, const struct core *core, int64_t inbound_id, int give_up);

/* A chat message from someone over their flood limit: journal row finished as
 * ignored; with notice, one short notice to them. */
int dispatch_chat_flood(struct db *db, const struct core *core, int64_t inbound_id, int notice);

/* The dedupe key of a raw mail: "mid:<Message-ID>" or "sha256:<hash of the bytes>". Caller frees. */
char *mail_dedupe_key(const char *raw, size_t len);

#endif
