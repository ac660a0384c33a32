/*
 * quote_rules.h - the quote, attribution, signature and forward rules of the
 * common mail clients and their languages, as data (bot/quote_rules.c), and
 * the lookups bot/quote.c reads them through.  The tables are compiled into
 * lookup buckets once, at first use (pthread_once); every lookup after that
 * only reads, so any thread may call them.  Lines are matched byte-wise,
 * ASCII letters case-insensitively; s/n is one line without its line end
 * and without surrounding blanks.
 */
#ifndef MB_QUOTE_RULES_H
#define MB_QUOTE_RULES_H

#include <stddef.h>

enum qr_kind {
	QR_ATTR_PRE,  /* an attribution starts with pat: "On ", "Am ", "Le " (also wrapped and Zoho forms) */
	QR_ATTR_END,  /* an attribution ends with pat: "wrote:", "a écrit :", "kirjoitti:" */
	QR_ATTR_MID,  /* starts with pre (or holds an address), contains pat, ends with ':' */
	QR_SEP,       /* "-----Original Message-----": a decorated line holding pat */
	QR_FWD_SEP,   /* "---------- Forwarded message ---------": the same, for a forward */
	QR_FWD_START, /* "Begin forwarded message:": a line starting with pat */
	QR_MOBILE,    /* a footer line: starts with pre, ends with pat (either may be empty) */
	QR_SIG_IN,    /* a footer line holding pat anywhere (K-9's "Please excuse my brevity") */
	QR_KINDS
};

enum qr_family { QF_ANY, QF_GMAIL, QF_OUTLOOK, QF_APPLE, QF_THUNDERBIRD, QF_WEB, QF_ANDROID, QF_FAMILIES };

/* One line rule; test is a real-looking line the rule must match (unit-tested). */
struct quote_rule {
	unsigned char family, kind;
	const char *lang, *pre, *pat, *test;
};

/* An Outlook-style header block of one language; each field may list
 * alternatives separated by '|'; fwd lists the subject prefixes of a forward. */
struct quote_header {
	const char *lang, *from, *sent, *to, *subject, *fwd;
};

/* The tables; *n receives the number of entries. */
const struct quote_rule *quote_rules(size_t *n);
const struct quote_header *quote_headers(size_t *n);
const char *quote_family_name(int family);

/* Does rule r match the line?  (The table entry alone, no lookup.) */
int qr_rule_matches(const struct quote_rule *r, const char *s, size_t n);

/* Does any rule of this kind match the line?  Uses the compiled buckets. */
int qr_match(int kind, const char *s, size_t n);

/* Offset just past the first attribution verb with colon inside the line
 * ("On … wrote: > quoted"), or 0. */
size_t qr_attr_inside(const char *s, size_t n);

/* A header field at the start of the line ("Von:", "De :", "*Objet:*",
 * "主题："): returns the length up to and including the colon (and a closing
 * '*'), 0 when none; *is_from is set for the From field. */
size_t qr_field(const char *s, size_t n, int *is_from);

/* Does a subject value start with a forward prefix ("Fwd:", "WG:", "TR:")? */
int qr_fwd_subject(const char *s, size_t n);

#endif
