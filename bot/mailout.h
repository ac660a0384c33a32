/*
 * mailout.h - compose outgoing mails (RFC 5322 + MIME) as bytes ready for SMTP.
 */
#ifndef MB_MAILOUT_H
#define MB_MAILOUT_H

#include <stddef.h>

struct mail_header {
	const char *name;
	const char *value; /* UTF-8; encoded per RFC 2047 when not ASCII */
};

struct mail_out {
	const char *from;                /* "Name <addr>" or "addr" (UTF-8 name allowed) */
	const char *to;                  /* "addr" or "Name <addr>" */
	const char *subject;             /* UTF-8 */
	const char *message_id;          /* without <> */
	const char *in_reply_to;         /* without <>, or NULL */
	const char *references;          /* space-separated ids without <>, or NULL */
	const char *auto_submitted;      /* e.g. "auto-replied", or NULL */
	const char *text;                /* UTF-8 body (LF line ends); sent quoted-printable */
	const char *lang;                /* Content-Language, or NULL */
	const struct mail_header *extra; /* more headers, or NULL */
	size_t nextra;
	const char *calendar;        /* optional text/calendar part (CRLF or LF), or NULL */
	const char *calendar_method; /* e.g. "REQUEST" */
	const char *attachment;      /* optional attachment (text, e.g. JSON), or NULL; not with calendar */
	const char *attachment_type; /* its media type, e.g. "application/json" */
	const char *attachment_name; /* its file name, e.g. "data.json" */
	long long date;              /* epoch seconds for the Date header; 0 = now */
};

/*
 * Build the whole message with CRLF line ends.  Every header value is
 * sanitised: CR, LF and other control characters are removed before
 * encoding, so user input cannot inject headers.  Non-ASCII header text is
 * RFC 2047 encoded (UTF-8, B or Q), folded below 78 columns; addresses keep
 * their addr-spec unencoded.  Body: text/plain; charset=UTF-8 in
 * quoted-printable; with calendar: multipart/alternative (text + text/calendar;
 * method=…); with an attachment: multipart/mixed (text + the attachment in base64).  Caller frees.  *len_out gets the
 * length.
 */
char *mail_compose(const struct mail_out *m, size_t *len_out);

/* Header-safe copy: drop CR/LF/NUL and other C0 controls (TAB becomes space). Caller frees. */
char *header_sanitize(const char *s);
/* RFC 2047 encode a UTF-8 header text (returns a plain copy when pure ASCII). Caller frees. */
char *rfc2047_encode(const char *s);
/* Quoted-printable encode (RFC 2045), soft line breaks at 76, CRLF line ends. Caller frees. */
char *qp_encode(const char *s, size_t len);

/* 1 when a is a mailbox a mail can be sent to: RFC 5321 Local-part "@" Domain (or an
 * address literal), UTF-8 allowed (RFC 6531), lengths within the limits.  0 otherwise
 * (e.g. "boss", "a@b..c", "a b@c"). */
int mail_addr_valid(const char *a);
/* Extract the addr-spec from "Name <a@b>" or "a@b"; lower-cases it. NULL if none. Caller frees. */
char *addr_spec(const char *s);
/* Split "Name <addr>", "\"Last, First\" <addr>", "addr (comment)" or "addr" into a display
 * name (unquoted, may be "") and an addr-spec (lower case).  Both allocated; 0 ok, -1 when no
 * address (nothing set). */
int mail_addr_parse(const char *s, char **name_out, char **addr_out);
/* 1 when c is an RFC 5322 atext character. */
int mail_atext(unsigned char c);

#endif
