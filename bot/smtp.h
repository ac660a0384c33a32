/*
 * smtp.h - submit composed mails over SMTP with libcurl.
 *
 * smtps:// (implicit TLS) or smtp:// with STARTTLS required; plain smtp://
 * without TLS only to a loopback host.  Certificates and host names are
 * verified by libcurl (never switched off).  One struct smtp keeps its curl
 * handle so consecutive sends reuse the connection.
 */
#ifndef MB_SMTP_H
#define MB_SMTP_H

#include <stddef.h>

enum { SMTP_OK = 0, SMTP_ERR_TEMP = -1, SMTP_ERR_PERM = -2 };

struct smtp_settings {
	const char *url;  /* smtps://host:465 or smtp://host:port */
	const char *user; /* NULL: no AUTH */
	const char *password;
	const char *ca_file; /* NULL: system store */
	int timeout_s;       /* default 60 */
};

struct smtp;
/* Caller owns the result; settings strings must outlive it.  NULL (and a
 * log line) when the URL is not smtp:// or smtps:// or curl cannot start. */
struct smtp *smtp_new(const struct smtp_settings *s);
void smtp_free(struct smtp *s);

/* Send data (CRLF lines, dot-stuffing done by curl) from env_from ("" for
 * the null sender) to rcpt.  data is borrowed for the call only.
 * Returns SMTP_OK, SMTP_ERR_TEMP (connection trouble, 4xx: retry later) or
 * SMTP_ERR_PERM (5xx: record, do not retry), with a one-line reason in err.
 * Login, TLS and certificate failures count as SMTP_ERR_TEMP: they are the
 * server's or the configuration's fault, not this message's. */
int smtp_send(struct smtp *s, const char *env_from, const char *rcpt, const char *data, size_t len, char *err,
	      size_t errlen);

/* Number of TCP connections opened so far (connection reuse keeps this at 1
 * for a run of sends; for tests and metrics). */
unsigned long smtp_connect_count(const struct smtp *s);

/*
 * fn(ud) is called during smtp_send() when the last bytes of the message are
 * handed to curl, before curl writes them and the terminating "." that makes
 * the server accept it.  The outbox marks the row sent there: a process killed after the mark
 * never delivered the message's end (the server discards the transaction),
 * and one killed before it resends after a restart, so a kill -9 can no
 * longer land between the server's acceptance and our record of it.  If
 * smtp_send() then fails, the caller undoes the mark.  NULL removes it.
 */
void smtp_set_eod_hook(struct smtp *s, void (*fn)(void *ud), void *ud);

#endif
