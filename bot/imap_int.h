/*
 * imap_int.h - what the files of the IMAP side share (not for other
 * modules): imap.c (connection, TLS, login, capabilities, IDLE, NOOP) and
 * imap_mailbox.c (select, create, fetch, flag, move).
 */
#ifndef MB_IMAP_INT_H
#define MB_IMAP_INT_H

#include <stddef.h>

#include <libetpan/libetpan.h>

struct imap {
	mailimap *mi;
	char *host;
	int dead; /* an IMAP_ERR_CONN happened: only imap_close() is left */
	int has_idle;
	int has_move;
	int has_uidplus;
	int idle_news; /* the IDLE logger saw EXISTS/RECENT */
	char tail[8];  /* last bytes the IDLE logger saw (matches across reads) */
	size_t tail_len;
	char last[256]; /* sanitised text of the last server response */
};

/* libetpan result -> scoped code.  Anything that leaves the stream in an
 * unknown state (I/O, parse error, wrong state) is a connection error and
 * marks im dead; a refused command keeps the server's text for
 * imap_last_response(). */
int imap_rc(struct imap *im, int r);

#endif
