/*
 * mime.h - turn one raw RFC 5322 mail into what the bot needs: sender,
 * subject, threading ids, the best text body as UTF-8, and whether the mail
 * is automatic (RFC 3834) or a bounce.  Parsing uses libetpan; caps on size,
 * MIME depth and part count are checked *before* libetpan sees the mail
 * (libetpan recurses without a depth limit).
 *
 * Every string in struct parsed_mail is valid UTF-8 (invalid bytes become
 * U+FFFD), NUL-terminated, owned by the struct and freed by parsed_mail_free().
 */
#ifndef MB_MIME_H
#define MB_MIME_H

#include <stddef.h>

struct mail_caps {
	size_t max_size; /* bytes of raw mail; default 10 MiB */
	int max_depth;   /* MIME nesting depth (multipart and message/rfc822 nodes on a path below the root); default 20
			  */
	int max_parts;   /* MIME nodes libetpan builds, the root message included; default 500 */
};
#define MAIL_CAPS_DEFAULT                                                                                              \
	{                                                                                                              \
		10u * 1024 * 1024, 20, 500                                                                             \
	}

struct parsed_mail {
	char *from_addr;        /* lower-cased addr-spec of From, or NULL if none/unparseable */
	char *from_name;        /* display name of From (decoded), or NULL */
	int from_count;         /* mailboxes named by all From fields together: 0 none, 1 normal, 2+ ambiguous sender */
	char *reply_to;         /* first Reply-To addr-spec, lower-cased, or NULL */
	char *to_addr;          /* first To addr-spec, lower-cased, or NULL */
	char *rcpt_addrs;       /* every To and Cc addr-spec, lower-cased, space separated (at most 64), or NULL */
	char *return_path;      /* Return-Path addr-spec; "" for "<>"; NULL if header absent */
	char *subject;          /* decoded Subject, "" if absent */
	char *message_id;       /* Message-ID without <>, or NULL */
	char *in_reply_to;      /* first id of In-Reply-To without <>, or NULL */
	char *references;       /* References ids, space separated, without <>, or NULL */
	char *auth_results;     /* all Authentication-Results header values joined by "\n", or NULL */
	char *date;             /* Date header as written, or NULL */
	char *content_language; /* Content-Language header value, or NULL */
	char *text;             /* best body text as UTF-8: text/plain preferred, else HTML made readable; "" if none */
	int text_from_html;     /* 1 if text was derived from HTML */
	char *calendar;         /* first text/calendar part decoded to UTF-8, or NULL */
	char *calendar_method;  /* its METHOD parameter (upper case) or NULL */
	int is_auto;            /* automatic mail: never answer */
	char *auto_reason;      /* why is_auto (e.g. "Auto-Submitted: auto-replied"), or NULL */
	int is_bounce;     /* a delivery status notification (multipart/report; delivery-status, or MAILER-DAEMON) */
	char *bounce_rcpt; /* Final-Recipient / Original-Recipient addr of the bounce, lower-cased, or NULL */
	int nparts;        /* number of MIME parts seen */
	char *error;       /* NULL, or why the mail cannot be read (e.g. "mail too large (12 MB > 10 MB)") */
};

/*
 * Parse raw[0..len).  Always fills *out (zeroed first) and returns 0 when the
 * headers could be read, even if out->error is set for a cap violation or a
 * broken body; returns -1 only if nothing at all could be read (out->error is
 * set then too).  raw need not be NUL-terminated and is not kept.
 */
int mime_parse(const char *raw, size_t len, const struct mail_caps *caps, struct parsed_mail *out);
void parsed_mail_free(struct parsed_mail *m);
/*
 * Only the header block of raw[0..len): sender, recipients, subject, ids,
 * automatic-mail classification, as mime_parse() reads them; text is "".
 * No MIME parsing, no caps needed.  Returns 0, or -1 if no header was found.
 */
int mime_parse_headers(const char *raw, size_t len, struct parsed_mail *out);
/* The error mime_parse() sets for a mail of len bytes over max_size ("mail too large (12 MB > 10 MB)"). Caller frees.
 */
char *mime_too_large(size_t len, size_t max_size);

/* Convert len bytes in charset (NULL/unknown → try UTF-8, then windows-1252)
 * to valid UTF-8.  Invalid sequences become U+FFFD.  Caller frees. */
char *charset_to_utf8(const char *in, size_t len, const char *charset);
/* Append code point cp as UTF-8 (NUL, surrogates and out-of-range values become U+FFFD). */
struct buf;
void utf8_put(struct buf *b, unsigned long cp);
/* 1 if in[0..len) is valid UTF-8 without NUL bytes. */
int utf8_valid(const char *in, size_t len);
/* Copy of in with every invalid UTF-8 sequence replaced by U+FFFD. Caller frees. */
char *utf8_sanitize(const char *in, size_t len);
/* Readable text from HTML: block elements become line breaks, <br> a newline,
 * entities decoded, scripts/styles dropped, the quoted part of a reply (the
 * mail clients' quote markers, bot/html_render.c) prefixed by "> ".
 * Input and output UTF-8.  Caller frees. */
char *html_to_text(const char *html, size_t len);
/* Decode RFC 2047 encoded words in a header value to UTF-8. Caller frees. */
char *rfc2047_decode(const char *in);

#endif
