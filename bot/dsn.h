/*
 * dsn.h - reading a bounce: a delivery status notification (RFC 3464
 * message/delivery-status) or one of the common free-text forms (Postfix,
 * Exchange/Outlook, Gmail, qmail, Exim, OpenSMTPD), and the VERP return path
 * that ties a bounce to the outbox row it answers.
 *
 * Pure functions; no global state; any thread.
 */
#ifndef MB_DSN_H
#define MB_DSN_H

#include <stddef.h>
#include <stdint.h>

#include "keyed.h"

enum dsn_class {
	DSN_NONE = 0, /* not a bounce, or one that reports success (delivered, relayed) */
	DSN_HARD,     /* a permanent failure: 5.x.x, or a form that only reports permanent ones */
	DSN_SOFT,     /* a transient failure: 4.x.x, given up on for now */
	DSN_DELAYED,  /* "still trying" (Action: delayed): not a failure */
};

struct dsn {
	enum dsn_class cls;
	const char *form; /* "rfc3464", "postfix", "exchange", "gmail", "qmail", "exim", "opensmtpd", "text"; static */
	char rcpt[256];   /* the failed recipient (Final-Recipient, else the address named), lower-case, or "" */
	char status[16];  /* the enhanced status "5.1.1" (or a basic reply code "550"), or "" */
	char diag[160]; /* the diagnostic (Diagnostic-Code or the server's words), one line of printable ASCII, or "" */
};

/*
 * Read the bounce in msg (len bytes: the whole mail, headers and body; no NUL
 * needed; only the first 256 KiB are read, and nothing after the returned
 * copy of the original message).  The first failed recipient wins (a
 * delayed one only when none failed).  Returns out->cls.
 */
enum dsn_class dsn_parse(const char *msg, size_t len, struct dsn *out);

/* "hard", "soft", "delayed" or "none". */
const char *dsn_class_name(enum dsn_class c);

/*
 * The VERP return path of outbox row id sent to rcpt:
 * "<local>+bounce-<id>.<tag>@<domain>" of bot_addr ("local@domain"), the tag
 * keyed to rcpt (keyed_plus_addr with purpose "bounce-<id>"), so that a bounce
 * names the exact row and recipient and nobody else can make one.  Caller frees.
 */
char *dsn_verp_addr(const unsigned char key[KEYED_KEY_LEN], const char *bot_addr, int64_t id, const char *rcpt);

/*
 * If addr is a VERP address of bot_addr (shape only, the tag is not checked):
 * its outbox row id (> 0); else 0.  Check the tag with dsn_verp_ok once the
 * row's recipient is known.
 */
int64_t dsn_verp_id(const char *bot_addr, const char *addr);

/* 1 when addr is dsn_verp_addr(bot_addr, id, rcpt) (case-insensitive). */
int dsn_verp_ok(const unsigned char key[KEYED_KEY_LEN], const char *bot_addr, const char *addr, int64_t id,
		const char *rcpt);

#endif
