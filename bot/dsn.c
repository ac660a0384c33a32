/*
 * dsn.c - see dsn.h.
 *
 * The mail is read as lines of text, without MIME decoding: the
 * message/delivery-status part is 7-bit by definition (RFC 3464), and the
 * free-text forms are ASCII in practice.  Reading stops at the copy of the
 * original message (a message/rfc822 or text/rfc822-headers part, or the
 * qmail and Exim separator lines), so that what our own mail said can not
 * pass for the server's verdict.
 */
#include "dsn.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define DSN_MAX_SCAN (256 * 1024)

struct span {
	const char *p, *end;
};

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* The first case-insensitive occurrence of needle in [p, end), or NULL. */
static const char *
ci_find(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);
	for (; p && (size_t)(end - p) >= n; p++) {
		size_t i = 0;
		while (i < n && lower((unsigned char)p[i]) == lower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return p;
	}
	return NULL;
}

/* 1 when the line [p, end) starts with prefix (case-insensitive). */
static int
ci_starts(const char *p, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)p[i]) != lower((unsigned char)prefix[i]))
			return 0;
	return 1;
}

static const char *
line_end(const char *p, const char *end)
{
	const char *e = memchr(p, '\n', (size_t)(end - p));
	return e ? e : end;
}

/* Where the copy of the original message starts (the end of what is read). */
static const char *
scan_end(const char *msg, const char *end)
{
	static const char *const cuts[] = {
		"content-type: message/rfc822",
		"content-type: text/rfc822-headers",
		"--- below this line is a copy of the message",
		"------ this is a copy of the message",
		"----- original message -----",
	};
	for (const char *p = msg; p < end;) {
		const char *e = line_end(p, end);
		for (size_t i = 0; i < ARRAY_LEN(cuts); i++)
			if (ci_starts(p, e, cuts[i]))
				return p;
		p = e < end ? e + 1 : end;
	}
	return end;
}

/* Copy [p, e) into out (size n) as one line of printable ASCII, spaces folded and trimmed. */
static void
copy_clean(char *out, size_t n, const char *p, const char *e)
{
	size_t k = 0;
	int space = 0;
	for (; p < e && k + 1 < n; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c >= 0x7f) {
			space = k > 0;
			continue;
		}
		if (space && k + 2 < n)
			out[k++] = ' ';
		space = 0;
		out[k++] = (char)c;
	}
	out[k] = '\0';
}

static int
digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
addr_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("._%+-=!#$&'*/?^`{|}~", c));
}

/* The first mail address in [p, e) into out (lower-case); 1 if found. */
static int
find_addr(const char *p, const char *e, char *out, size_t n)
{
	for (const char *at = p; at < e; at++) {
		if (*at != '@')
			continue;
		const char *s = at, *t = at + 1;
		while (s > p && addr_char((unsigned char)s[-1]))
			s--;
		while (t < e && (addr_char((unsigned char)*t) && *t != '=' && *t != '\''))
			t++;
		while (t > at + 1 && t[-1] == '.')
			t--;
		if (s == at || t == at + 1 || (size_t)(t - s) >= n || !memchr(at, '.', (size_t)(t - at)))
			continue;
		for (size_t i = 0; i < (size_t)(t - s); i++)
			out[i] = (char)lower((unsigned char)s[i]);
		out[t - s] = '\0';
		return 1;
	}
	return 0;
}

/* An enhanced status code "[245].d{1,3}.d{1,3}" in [p, e) into out; 1 if found. */
static int
find_status(const char *p, const char *e, char *out, size_t n)
{
	for (const char *s = p; s + 5 <= e; s++) {
		if ((*s != '2' && *s != '4' && *s != '5') || s[1] != '.' || (s > p && (s[-1] == '.' || digit(s[-1]))))
			continue;
		const char *t = s + 2;
		int a = 0, b = 0;
		while (t < e && digit(*t) && a < 4)
			t++, a++;
		if (!a || a > 3 || t >= e || *t != '.')
			continue;
		t++;
		while (t < e && digit(*t) && b < 4)
			t++, b++;
		if (!b || b > 3 || (t < e && (digit(*t) || *t == '.')))
			continue;
		if ((size_t)(t - s) >= n)
			return 0;
		memcpy(out, s, (size_t)(t - s));
		out[t - s] = '\0';
		return 1;
	}
	return 0;
}

/* A basic SMTP reply code 4xx/5xx standing alone in [p, e) into out; 1 if found. */
static int
find_reply_code(const char *p, const char *e, char *out)
{
	for (const char *s = p; s + 3 <= e; s++) {
		if ((*s != '4' && *s != '5') || !digit(s[1]) || !digit(s[2]) || (s > p && !strchr(" '(:[\"", s[-1])) ||
		    (s + 3 < e && !strchr(" -'", s[3])))
			continue;
		memcpy(out, s, 3);
		out[3] = '\0';
		return 1;
	}
	return 0;
}

static enum dsn_class
class_of_status(const char *status, enum dsn_class deflt)
{
	return status[0] == '5' ? DSN_HARD : status[0] == '4' ? DSN_SOFT : deflt;
}

/* ---- RFC 3464: per-recipient fields, groups separated by blank lines ---- */

enum action { ACT_NONE = 0, ACT_FAILED, ACT_DELAYED, ACT_OTHER };

struct group {
	enum action action;
	char rcpt[256], orig[256], status[16], diag[160];
};

/* The value of "Name: type; value" (after the ';' when there is one), continuation lines included. */
static struct span
field_value(const char *p, const char *e, const char *end, size_t namelen)
{
	struct span v = {p + namelen, e};
	for (;;) {
		const char *nl = line_end(v.end, end);
		if (nl + 1 >= end || (nl[1] != ' ' && nl[1] != '\t'))
			return v;
		v.end = line_end(nl + 1, end);
	}
}

static struct span
after_semicolon(struct span v)
{
	const char *semi = memchr(v.p, ';', (size_t)(v.end - v.p));
	if (semi)
		v.p = semi + 1;
	return v;
}

/* Keep g as the answer when it is better than *best (the first failure, else the first delay). */
static void
group_commit(struct group *g, struct group *best)
{
	if (g->action != ACT_NONE && !g->rcpt[0])
		memcpy(g->rcpt, g->orig, sizeof g->rcpt);
	if ((g->action == ACT_FAILED && best->action != ACT_FAILED) ||
	    (g->action == ACT_DELAYED && best->action == ACT_NONE) ||
	    (g->action == ACT_OTHER && best->action == ACT_NONE))
		*best = *g;
	memset(g, 0, sizeof *g);
}

/* 1 when [msg, end) holds an Action field; *out the chosen recipient group. */
static int
read_fields(const char *msg, const char *end, struct group *best)
{
	struct group g = {0};
	int seen = 0;
	memset(best, 0, sizeof *best);
	for (const char *p = msg; p < end;) {
		const char *e = line_end(p, end);
		const char *t = e > p && e[-1] == '\r' ? e - 1 : e;
		if (t == p) {
			group_commit(&g, best);
		} else if (ci_starts(p, t, "action:")) {
			struct span v = field_value(p, t, end, 7);
			seen = 1;
			g.action = ci_find(v.p, v.end, "failed")    ? ACT_FAILED
				   : ci_find(v.p, v.end, "delayed") ? ACT_DELAYED
								    : ACT_OTHER;
		} else if (ci_starts(p, t, "final-recipient:") || ci_starts(p, t, "original-recipient:")) {
			int fin = lower((unsigned char)*p) == 'f';
			struct span v = after_semicolon(field_value(p, t, end, fin ? 16 : 19));
			if (find_addr(v.p, v.end, fin ? g.rcpt : g.orig, sizeof g.rcpt) && fin)
				g.orig[0] = '\0';
			e = line_end(v.end, end);
		} else if (ci_starts(p, t, "status:")) {
			struct span v = field_value(p, t, end, 7);
			find_status(v.p, v.end, g.status, sizeof g.status);
		} else if (ci_starts(p, t, "diagnostic-code:")) {
			struct span v = after_semicolon(field_value(p, t, end, 16));
			copy_clean(g.diag, sizeof g.diag, v.p, v.end);
			e = line_end(v.end, end);
		}
		p = e < end ? e + 1 : end;
	}
	group_commit(&g, best);
	return seen;
}

/* ---- the free-text forms ---- */

struct marker {
	const char *phrase;
	const char *form;
	enum dsn_class cls; /* without a status code: DSN_HARD for forms that only report permanent failures */
};

static const struct marker markers[] = {
	/* delays first: a delay notice also quotes the server's 4xx */
	{"delivery status notification (delay)", "gmail", DSN_DELAYED},
	{"delayed mail (still being retried)", "postfix", DSN_DELAYED},
	{"this is a warning message only", "postfix", DSN_DELAYED},
	{"message is delayed for more than", "opensmtpd", DSN_DELAYED},
	{"this is only a temporary failure report", "opensmtpd", DSN_DELAYED},
	{"message temporarily deferred", "exim", DSN_DELAYED},
	{"has not yet been delivered", "exim", DSN_DELAYED},
	{"delivery delayed:", "exchange", DSN_DELAYED},
	{"will retry for", "text", DSN_DELAYED},
	/* failures */
	{"hi. this is the qmail-send program", "qmail", DSN_HARD},
	{"this is the mailer-daemon, please do not reply", "opensmtpd", DSN_HARD},
	{"error has occurred while attempting to deliver a message", "opensmtpd", DSN_HARD},
	{"this message was created automatically by mail delivery software", "exim", DSN_HARD},
	{"delivery has failed to these recipients", "exchange", DSN_HARD},
	{"your message couldn't be delivered", "exchange", DSN_HARD},
	{"remote server returned '", "exchange", DSN_HARD},
	{"address not found", "gmail", DSN_HARD},
	{"the response from the remote server was:", "gmail", DSN_HARD},
	{"this is the mail system at host", "postfix", DSN_HARD},
	{"undelivered mail returned to sender", "postfix", DSN_HARD},
	{"mail delivery failed", "exim", DSN_HARD},
	{"delivery status notification (failure)", "gmail", DSN_HARD},
	{"undeliverable:", "exchange", DSN_SOFT},
	{"failure notice", "qmail", DSN_SOFT},
	{"returned mail:", "text", DSN_SOFT},
};

/* The start of the body (after the first blank line), or msg when there is none. */
static const char *
body_start(const char *msg, const char *end)
{
	for (const char *p = msg; p < end;) {
		const char *e = line_end(p, end);
		if (e == p || (e == p + 1 && *p == '\r'))
			return e < end ? e + 1 : end;
		p = e < end ? e + 1 : end;
	}
	return msg;
}

/* The free-text forms: 1 when a marker was found (out filled). */
static int
read_text(const char *msg, const char *end, struct dsn *out)
{
	const struct marker *mk = NULL;
	const char *at = NULL;
	for (size_t i = 0; i < ARRAY_LEN(markers) && (!mk || mk->cls != DSN_DELAYED); i++) {
		const char *f = ci_find(msg, end, markers[i].phrase);
		/* a delay wins over any failure phrase; otherwise the earliest body phrase names the form */
		if (f && (!mk || markers[i].cls == DSN_DELAYED || (f < at && at < body_start(msg, end)))) {
			mk = &markers[i];
			at = f;
		}
	}
	if (!mk)
		return 0;
	const char *from = at + strlen(mk->phrase), *body = body_start(msg, end);
	if (from < body)
		from = body;
	out->form = mk->form;
	find_addr(from, end, out->rcpt, sizeof out->rcpt);
	char code[4];
	const char *diag_at = NULL;
	if (find_status(from, end, out->status, sizeof out->status))
		diag_at = ci_find(from, end, out->status);
	else if (find_reply_code(from, end, code)) {
		memcpy(out->status, code, sizeof code);
		diag_at = ci_find(from, end, code);
	}
	if (diag_at) {
		const char *s = diag_at;
		while (s > from && s[-1] != '\n')
			s--;
		copy_clean(out->diag, sizeof out->diag, s, line_end(diag_at, end));
	}
	out->cls = mk->cls == DSN_DELAYED ? DSN_DELAYED : class_of_status(out->status, mk->cls);
	return 1;
}

enum dsn_class
dsn_parse(const char *msg, size_t len, struct dsn *out)
{
	memset(out, 0, sizeof *out);
	out->form = "none";
	if (!msg)
		return DSN_NONE;
	const char *end = scan_end(msg, msg + (len > DSN_MAX_SCAN ? DSN_MAX_SCAN : len));
	struct group g;
	if (read_fields(msg, end, &g)) {
		out->form = "rfc3464";
		memcpy(out->rcpt, g.rcpt, sizeof out->rcpt);
		memcpy(out->status, g.status, sizeof out->status);
		memcpy(out->diag, g.diag, sizeof out->diag);
		if (!out->status[0] && g.diag[0])
			find_status(g.diag, g.diag + strlen(g.diag), out->status, sizeof out->status);
		out->cls = g.action == ACT_FAILED    ? class_of_status(out->status, DSN_HARD)
			   : g.action == ACT_DELAYED ? DSN_DELAYED
						     : DSN_NONE;
		return out->cls;
	}
	read_text(msg, end, out);
	return out->cls;
}

const char *
dsn_class_name(enum dsn_class c)
{
	switch (c) {
	case DSN_HARD:
		return "hard";
	case DSN_SOFT:
		return "soft";
	case DSN_DELAYED:
		return "delayed";
	default:
		return "none";
	}
}

/* ---- VERP ---- */

#define VERP_PREFIX "bounce-"
#define VERP_TAG_LEN 16

static void
verp_tag(const unsigned char key[KEYED_KEY_LEN], int64_t id, const char *rcpt, char tag[VERP_TAG_LEN + 1])
{
	char scope[48];
	snprintf(scope, sizeof scope, "verp:%" PRId64, id);
	char *who = xstrdup(rcpt);
	str_lower_ascii(who);
	keyed_tag(key, scope, who, tag, VERP_TAG_LEN);
	free(who);
}

char *
dsn_verp_addr(const unsigned char key[KEYED_KEY_LEN], const char *bot_addr, int64_t id, const char *rcpt)
{
	char tag[VERP_TAG_LEN + 1];
	verp_tag(key, id, rcpt, tag);
	const char *at = strrchr(bot_addr, '@');
	return at ? xasprintf("%.*s+" VERP_PREFIX "%" PRId64 ".%s%s", (int)(at - bot_addr), bot_addr, id, tag, at)
		  : xasprintf("%s+" VERP_PREFIX "%" PRId64 ".%s", bot_addr, id, tag);
}

int64_t
dsn_verp_id(const char *bot_addr, const char *addr)
{
	char purpose[40];
	if (!keyed_plus_parse(bot_addr, addr, purpose, sizeof purpose) ||
	    strncmp(purpose, VERP_PREFIX, strlen(VERP_PREFIX)) != 0)
		return 0;
	const char *d = purpose + strlen(VERP_PREFIX);
	int64_t id = 0;
	if (!*d || *d == '0' || strlen(d) > 18)
		return 0;
	for (; *d; d++) {
		if (!digit((unsigned char)*d))
			return 0;
		id = id * 10 + (*d - '0');
	}
	return id;
}

int
dsn_verp_ok(const unsigned char key[KEYED_KEY_LEN], const char *bot_addr, const char *addr, int64_t id,
	    const char *rcpt)
{
	char purpose[40];
	const char *tag = keyed_plus_parse(bot_addr, addr, purpose, sizeof purpose);
	if (!tag || !rcpt || id <= 0 || dsn_verp_id(bot_addr, addr) != id)
		return 0;
	const char *at = strrchr(addr, '@');
	if ((size_t)(at - tag) != VERP_TAG_LEN)
		return 0;
	char want[VERP_TAG_LEN + 1];
	verp_tag(key, id, rcpt, want);
	unsigned diff = 0;
	for (size_t i = 0; i < VERP_TAG_LEN; i++)
		diff |= (unsigned)(lower((unsigned char)tag[i]) ^ (unsigned char)want[i]);
	return diff == 0;
}
