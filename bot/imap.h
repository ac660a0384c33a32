/*
 * imap.h - the IMAP side of the mail transport (libetpan).
 *
 * One struct imap is one logged-in connection with one selected folder.
 * imaps:// connections verify the server certificate chain against the
 * system trust store (or cfg->ca_file) and the host name with GnuTLS right
 * after the handshake, because Debian's libetpan does not.  Plain imap:// is
 * only allowed to a loopback host (checked by the caller, config.c, and again
 * here).
 *
 * Error codes are scoped by how far the damage goes (isync style):
 *   IMAP_ERR_MSG   this message/command failed, the connection is fine
 *   IMAP_ERR_CONN  the connection is unusable: close it and reconnect later
 *   IMAP_ERR_TLS   the certificate or host name did not verify (do not retry fast)
 *   IMAP_ERR_AUTH  login refused
 *
 * libetpan writes with plain send(): the process must ignore SIGPIPE, or a
 * server that goes away kills it.
 */
#ifndef MB_IMAP_H
#define MB_IMAP_H

#include <stddef.h>
#include <stdint.h>

enum {
	IMAP_OK = 0,
	IMAP_ERR_MSG = -1,
	IMAP_ERR_CONN = -2,
	IMAP_ERR_TLS = -3,
	IMAP_ERR_AUTH = -4,
};

struct imap_settings {
	int tls; /* 1: imaps (implicit TLS), 0: plain (loopback only) */
	const char *host;
	int port; /* 993 / 143 when 0 */
	const char *user;
	const char *password;
	const char *ca_file; /* extra trust anchors (PEM), or NULL for the system store */
	int timeout_s;       /* socket timeout for commands; default 60 when 0 */
};

struct imap;

/* Connect, verify TLS, log in.  On failure returns a negative code and writes
 * a one-line reason (no secrets) to err.  *out is owned by the caller and
 * freed with imap_close().  Plain imap:// to a non-loopback host fails with
 * IMAP_ERR_TLS; an unverifiable certificate with IMAP_ERR_TLS before LOGIN is
 * sent ("certificate of HOST not trusted: signer not found"). */
int imap_open(struct imap **out, const struct imap_settings *s, char *err, size_t errlen);
/* LOGOUT (at most 5 s) unless the connection is dead, then free.  NULL ok. */
void imap_close(struct imap *im);

/* Text of the server's last failed command response (printable ASCII, may be
 * ""), for log lines after IMAP_ERR_MSG / IMAP_ERR_AUTH.  Owned by im. */
const char *imap_last_response(const struct imap *im);

/* SELECT folder (read-write).  Fills UIDVALIDITY and UIDNEXT (0 if unknown). */
int imap_select(struct imap *im, const char *folder, uint32_t *uidvalidity, uint32_t *uidnext);

/* CREATE folder; "already exists" counts as success. */
int imap_create(struct imap *im, const char *folder);

/*
 * Fetch messages with UID > after_uid in ascending UID order, at most max
 * of them, calling fn once per message.  For a message larger than
 * max_fetch bytes, fn gets raw == NULL and len == its RFC822.SIZE and the
 * body is not downloaded.  raw is only valid during the call.  If fn returns
 * non-zero the fetch stops (that value is returned).  Returns the number of
 * messages passed to fn (>= 0), or a negative IMAP_ERR_*.  max == 0 fetches
 * nothing.  Bodies come in batches of <= 50 messages / 8 MiB, so memory stays
 * bounded; a message expunged between the size and the body fetch is skipped.
 */
typedef int (*imap_msg_fn)(void *ud, uint32_t uid, const char *raw, size_t len);
int imap_fetch_after(struct imap *im, uint32_t after_uid, size_t max, size_t max_fetch, imap_msg_fn fn, void *ud);

/* Move messages to folder (UID MOVE if the server has MOVE, else UID COPY +
 * \Deleted + UID EXPUNGE / EXPUNGE).  folder NULL: only add \Seen.
 * uids need not be sorted; they are sent as ranges (3:7,9), UID 0 ignored.
 * folder is sent as is: ASCII names only (no modified UTF-7 encoding). */
int imap_move(struct imap *im, const uint32_t *uids, size_t n, const char *folder);
int imap_flag_seen(struct imap *im, const uint32_t *uids, size_t n);

/* 1 if the server announced IDLE. */
int imap_has_idle(const struct imap *im);

/*
 * Wait in IDLE for at most timeout_ms (callers keep it <= 9 minutes) or until
 * wake_fd (if >= 0) becomes readable.  Returns 1 when the server reported
 * new mail (EXISTS/RECENT), 0 on timeout or wake-up, IMAP_ERR_CONN on any
 * IDLE trouble (libetpan's IDLE parser is fragile: treat it as reconnect).
 * Always leaves IDLE (DONE) before returning 0 or 1.  wake_fd is only polled,
 * never read: the caller drains it.  IMAP_ERR_MSG if the server has no IDLE.
 */
int imap_idle(struct imap *im, int timeout_ms, int wake_fd);

/* NOOP: keeps the connection alive and lets the server report new mail.
 * Returns 1 if it reported EXISTS/RECENT, 0 if not, or a negative code. */
int imap_noop(struct imap *im);

#endif
