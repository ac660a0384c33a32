/*
 * mailout.c - compose outgoing mails (RFC 5322 + MIME) as CRLF bytes ready
 * for SMTP: header sanitising, RFC 2047 encoded-words with folding,
 * quoted-printable and base64 bodies, addr-spec extraction.
 *
 * Every header value passes header_sanitize() first, so no caller-supplied
 * text can end a header line.  Pure functions, no state: safe from any thread.
 */
#include "mailout.h"

#include "logkv.h"
#include "util.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HDR_MAX_COL 78 /* RFC 5322 SHOULD limit, CRLF not counted */
#define EW_MAX 75      /* RFC 2047 encoded-word limit */
#define QP_MAX_COL 76  /* RFC 2045 line limit, soft-break '=' included */

/* ---- UTF-8 ---- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid
 * (overlong forms, surrogates, > U+10FFFF, truncated). */
static size_t
utf8_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

char *
header_sanitize(const char *s)
{
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t left = strlen((const char *)p);

	while (left) {
		size_t n = utf8_len(p, left);
		if (n == 0) {
			buf_adds(&b, "\xEF\xBF\xBD"); /* U+FFFD for an invalid byte */
			n = 1;
		} else if (n == 1) {
			if (*p == '\t')
				buf_addc(&b, ' ');
			else if (*p >= 0x20 && *p != 0x7F)
				buf_addc(&b, (char)*p);
		} else if (n == 2 && p[0] == 0xC2 && p[1] < 0xA0) {
			/* C1 controls (U+0080..U+009F, NEL among them): drop */
		} else if (n == 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
			/* U+2028/U+2029 line and paragraph separators: drop */
		} else {
			buf_add(&b, p, n);
		}
		p += n;
		left -= n;
	}
	return buf_detach(&b);
}

/* ---- header folding ---- */

struct fold {
	struct buf *b;
	size_t col;
};

/* Add one token; with space_before, a space precedes it, or a fold
 * (CRLF SP) when the token would pass HDR_MAX_COL. */
static void
fold_token(struct fold *f, const char *tok, size_t n, int space_before)
{
	if (space_before) {
		if (f->col > 1 && f->col + 1 + n > HDR_MAX_COL) {
			buf_adds(f->b, "\r\n ");
			f->col = 1;
		} else {
			buf_addc(f->b, ' ');
			f->col++;
		}
	}
	buf_add(f->b, tok, n);
	f->col += n;
}

static int
q_safe(unsigned char c)
{
	/* the set allowed in an encoded-word inside a phrase (RFC 2047 §5(3)),
	 * which is also safe in unstructured text */
	return isalnum(c) || c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
}

static size_t
q_len(unsigned char c)
{
	return (q_safe(c) || c == ' ') ? 1 : 3;
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
b64_add(struct buf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		char o[4] = {b64chars[(v >> 18) & 63], b64chars[(v >> 12) & 63],
			     i + 1 < n ? b64chars[(v >> 6) & 63] : '=', i + 2 < n ? b64chars[v & 63] : '='};
		buf_add(b, o, 4);
	}
}

/* Emit valid UTF-8 text [s, s+len) as encoded-words.  Words never split a
 * UTF-8 sequence, are at most EW_MAX long, and are separated by folds. */
static void
emit_encoded(struct fold *f, const char *s, size_t len, int space_before)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t qlen = 0;
	for (size_t i = 0; i < len; i++)
		qlen += q_len(p[i]);
	int use_q = qlen <= 4 * ((len + 2) / 3);
	size_t pos = 0;
	int first = 1;

	while (pos < len) {
		int sep = first ? space_before : 1;
		size_t used = f->col + (size_t)sep;
		if (used + 25 > HDR_MAX_COL && f->col > 1) {
			/* too little room left for a useful word: fold first */
			buf_adds(f->b, "\r\n ");
			f->col = 1;
			sep = 0;
			used = 1;
		}
		size_t room = used < HDR_MAX_COL ? HDR_MAX_COL - used : 0;
		if (room < 25)
			room = 25; /* only a very long header name precedes it */
		size_t maxw = room < EW_MAX ? room : EW_MAX;
		size_t payload = maxw - 12; /* "=?UTF-8?Q?" + "?=" */
		size_t take = 0, enc = 0;
		while (pos + take < len) {
			size_t n = utf8_len(p + pos + take, len - pos - take);
			if (n == 0)
				n = 1; /* cannot happen after header_sanitize() */
			size_t add = 0;
			if (use_q) {
				for (size_t i = 0; i < n; i++)
					add += q_len(p[pos + take + i]);
				if (enc + add > payload)
					break;
				enc += add;
			} else {
				if (4 * ((take + n + 2) / 3) > payload)
					break;
			}
			take += n;
		}
		if (take == 0) /* always progress by one whole character */
			take = utf8_len(p + pos, len - pos) ? utf8_len(p + pos, len - pos) : 1;
		struct buf w = BUF_INIT;
		buf_adds(&w, use_q ? "=?UTF-8?Q?" : "=?UTF-8?B?");
		if (use_q) {
			for (size_t i = 0; i < take; i++) {
				unsigned char c = p[pos + i];
				if (c == ' ')
					buf_addc(&w, '_');
				else if (q_safe(c))
					buf_addc(&w, (char)c);
				else
					buf_addf(&w, "=%02X", c);
			}
		} else {
			b64_add(&w, p + pos, take);
		}
		buf_adds(&w, "?=");
		fold_token(f, w.p, w.len, sep);
		buf_free(&w);
		pos += take;
		first = 0;
	}
}

static int
token_needs_encoding(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] >= 0x80)
			return 1;
		if (s[i] == '=' && i + 1 < n && s[i + 1] == '?')
			return 1; /* would read as an encoded-word */
	}
	return 0;
}

/* Unstructured text (Subject, extra headers): plain words stay readable,
 * runs of words that need it become encoded-words; folded at spaces. */
static void
emit_unstructured(struct fold *f, const char *s, int space_before)
{
	const char *p = s;
	int sep = space_before;

	while (1) {
		const char *e = strchr(p, ' ');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (token_needs_encoding(p, n)) {
			/* extend the run over following words that also need encoding,
			 * so the spaces between them are kept inside the encoded text */
			const char *end = p + n;
			while (*end == ' ') {
				const char *q = end + 1;
				const char *qe = strchr(q, ' ');
				size_t qn = qe ? (size_t)(qe - q) : strlen(q);
				if (!token_needs_encoding(q, qn))
					break;
				end = q + qn;
			}
			emit_encoded(f, p, (size_t)(end - p), sep);
			e = *end ? end : NULL;
		} else {
			fold_token(f, p, n, sep);
		}
		if (!e)
			break;
		p = e + 1;
		sep = 1;
	}
}

char *
rfc2047_encode(const char *s)
{
	char *clean = header_sanitize(s);
	if (!token_needs_encoding(clean, strlen(clean)))
		return clean;
	struct buf b = BUF_INIT;
	struct fold f = {&b, 0};
	emit_unstructured(&f, clean, 0);
	free(clean);
	return buf_detach(&b);
}

/* ---- quoted-printable and base64 bodies ---- */

char *
qp_encode(const char *s, size_t len)
{
	static const char hx[] = "0123456789ABCDEF";
	struct buf b = BUF_INIT;
	size_t col = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || (c == '\r' && i + 1 < len && s[i + 1] == '\n')) {
			if (c == '\r')
				i++;
			buf_adds(&b, "\r\n");
			col = 0;
			continue;
		}
		int at_eol = i + 1 == len || s[i + 1] == '\n' || (s[i + 1] == '\r' && i + 2 < len && s[i + 2] == '\n');
		int lit;
		if (c == ' ' || c == '\t')
			lit = !at_eol; /* trailing white space would be lost in transit */
		else
			lit = c >= 33 && c <= 126 && c != '=';
		/* a leading '.' or "From " is harmless for SMTP but mangled by some
		 * mbox tools: encode it, it costs two bytes */
		if (col == 0 && (c == '.' || (c == 'F' && len - i >= 5 && !memcmp(s + i, "From ", 5))))
			lit = 0;
		size_t need = lit ? 1 : 3;
		if (col + need > QP_MAX_COL - 1) {
			buf_adds(&b, "=\r\n");
			col = 0;
		}
		if (lit) {
			buf_addc(&b, (char)c);
		} else {
			char e[3] = {'=', hx[c >> 4], hx[c & 15]};
			buf_add(&b, e, 3);
		}
		col += need;
	}
	return buf_detach(&b);
}

/* base64 body with CRLF every 76 characters */
static void
b64_body(struct buf *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i += 57) {
		size_t n = len - i < 57 ? len - i : 57;
		b64_add(b, (const unsigned char *)s + i, n);
		buf_adds(b, "\r\n");
	}
}

/* "From: Name <addr>" with the name as atoms, a quoted-string, or
 * encoded-words; the addr-spec is never encoded. */
static int
emit_address_header(struct buf *b, const char *hname, const char *value)
{
	char *name = NULL, *addr = NULL;
	if (!value || mail_addr_parse(value, &name, &addr) < 0)
		return -1;
	struct fold f = {b, 0};
	struct buf tok = BUF_INIT;
	buf_addf(&tok, "%s:", hname);
	fold_token(&f, tok.p, tok.len, 0);
	buf_free(&tok);
	if (!*name) {
		fold_token(&f, addr, strlen(addr), 1);
	} else {
		int ascii = 1, plain = 1;
		for (const unsigned char *q = (const unsigned char *)name; *q; q++) {
			if (*q >= 0x80)
				ascii = 0;
			else if (!mail_atext(*q) && *q != ' ')
				plain = 0;
		}
		if (!ascii || strstr(name, "=?")) {
			emit_encoded(&f, name, strlen(name), 1);
		} else if (plain) {
			emit_unstructured(&f, name, 1);
		} else {
			buf_addc(&tok, '"');
			for (const char *q = name; *q; q++) {
				if (*q == '"' || *q == '\\')
					buf_addc(&tok, '\\');
				buf_addc(&tok, *q);
			}
			buf_addc(&tok, '"');
			fold_token(&f, tok.p, tok.len, 1);
			buf_free(&tok);
		}
		char *a = xasprintf("<%s>", addr);
		fold_token(&f, a, strlen(a), 1);
		free(a);
	}
	buf_adds(b, "\r\n");
	free(name);
	free(addr);
	return 0;
}

static void
emit_text_header(struct buf *b, const char *hname, const char *value)
{
	char *clean = header_sanitize(value);
	struct fold f = {b, 0};
	char *h = xasprintf("%s:", hname);
	fold_token(&f, h, strlen(h), 0);
	free(h);
	emit_unstructured(&f, clean, 1);
	buf_adds(b, "\r\n");
	free(clean);
}

/* Keep only the characters of a msg-id's inside (no <>, space, quotes). */
static char *
msgid_clean(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c > 0x20 && c < 0x7F && !strchr("<>()\"\\,;:[] ", c))
			buf_addc(&b, (char)c);
	}
	return buf_detach(&b);
}

/* "Name: <id1> <id2> …" folded; nothing when no id survives cleaning. */
static void
emit_msgid_header(struct buf *b, const char *hname, const char *ids)
{
	struct fold f = {b, 0};
	int any = 0;
	const char *p = ids;
	size_t start = b->len;

	char *h = xasprintf("%s:", hname);
	fold_token(&f, h, strlen(h), 0);
	free(h);
	while (p && *p) {
		while (*p && (isspace((unsigned char)*p) || *p == ','))
			p++;
		const char *e = p;
		while (*e && !isspace((unsigned char)*e) && *e != ',')
			e++;
		char *id = msgid_clean(p, (size_t)(e - p));
		if (*id) {
			char *t = xasprintf("<%s>", id);
			fold_token(&f, t, strlen(t), 1);
			free(t);
			any = 1;
		}
		free(id);
		p = e;
	}
	if (any) {
		buf_adds(b, "\r\n");
	} else {
		b->len = start;
		if (b->p)
			b->p[start] = '\0';
	}
}

/* Keep [A-Za-z0-9-] (plus ',' and ' ' when list) for token-valued headers. */
static char *
token_clean(const char *s, int list)
{
	struct buf b = BUF_INIT;
	for (; s && *s; s++)
		if (isalnum((unsigned char)*s) || *s == '-' || (list && (*s == ',' || *s == ' ')))
			buf_addc(&b, *s);
	return buf_detach(&b);
}

static int
header_name_ok(const char *n)
{
	static const char *const reserved[] = {"date",
					       "from",
					       "to",
					       "subject",
					       "message-id",
					       "in-reply-to",
					       "references",
					       "auto-submitted",
					       "mime-version",
					       "content-type",
					       "content-transfer-encoding",
					       "content-language",
					       "bcc",
					       "cc"};
	if (!n || !*n)
		return 0;
	for (const char *q = n; *q; q++)
		if (*q <= 32 || *q >= 127 || *q == ':')
			return 0;
	for (size_t i = 0; i < ARRAY_LEN(reserved); i++)
		if (!strcasecmp(n, reserved[i]))
			return 0;
	return 1;
}

static void
rfc5322_date(char out[40], long long when)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mons[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)when;
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 40, "%s, %d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday, mons[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* LF or CRLF text to CRLF */
static char *
to_crlf(const char *s)
{
	struct buf b = BUF_INIT;
	for (; *s; s++) {
		if (*s == '\n' && (b.len == 0 || b.p[b.len - 1] != '\r'))
			buf_addc(&b, '\r');
		buf_addc(&b, *s);
	}
	if (b.len < 2 || b.p[b.len - 1] != '\n')
		buf_adds(&b, "\r\n");
	return buf_detach(&b);
}

static void
emit_text_body(struct buf *b, const char *text)
{
	const char *t = text ? text : "";
	char *qp = qp_encode(t, strlen(t));
	buf_adds(b, qp);
	if (b->len < 2 || memcmp(b->p + b->len - 2, "\r\n", 2))
		buf_adds(b, "\r\n");
	free(qp);
}

/* s without anything but letters, digits and "-._/+" (a media type or file name inside quotes). */
static char *
attach_clean(const char *s)
{
	struct buf b = BUF_INIT;
	for (; s && *s; s++)
		if (isalnum((unsigned char)*s) || strchr("-._/+", *s))
			buf_addc(&b, *s);
	return buf_detach(&b);
}

/* A multipart/mixed body: the text, then m->attachment in base64 with its type and file name. */
static void
emit_attachment_body(struct buf *b, const struct mail_out *m)
{
	unsigned char rnd[12];
	char boundary[40];
	random_bytes(rnd, sizeof rnd);
	snprintf(boundary, sizeof boundary, "=_mb_");
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(boundary + 5 + 2 * i, 3, "%02x", rnd[i]);
	char *type = attach_clean(m->attachment_type);
	char *name = attach_clean(m->attachment_name);
	buf_addf(b,
		 "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
		 "This is a multi-part message in MIME format.\r\n"
		 "--%s\r\n"
		 "Content-Type: text/plain; charset=UTF-8\r\n"
		 "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		 boundary, boundary);
	emit_text_body(b, m->text);
	buf_addf(b,
		 "--%s\r\n"
		 "Content-Type: %s; name=\"%s\"\r\n"
		 "Content-Disposition: attachment; filename=\"%s\"\r\n"
		 "Content-Transfer-Encoding: base64\r\n\r\n",
		 boundary, *type ? type : "application/octet-stream", *name ? name : "attachment",
		 *name ? name : "attachment");
	b64_body(b, m->attachment, strlen(m->attachment));
	buf_addf(b, "--%s--\r\n", boundary);
	free(type);
	free(name);
}

char *
mail_compose(const struct mail_out *m, size_t *len_out)
{
	struct buf b = BUF_INIT;
	char date[40], hex[33], boundary[48];
	unsigned char rnd[16];
	char *from_addr = NULL, *mid = NULL;

	rfc5322_date(date, m->date ? m->date : (long long)now_s());
	buf_addf(&b, "Date: %s\r\n", date);
	if (emit_address_header(&b, "From", m->from) < 0 || emit_address_header(&b, "To", m->to) < 0)
		goto fail;
	emit_text_header(&b, "Subject", m->subject ? m->subject : "");

	random_bytes(rnd, sizeof rnd);
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	mid = m->message_id ? msgid_clean(m->message_id, strlen(m->message_id)) : xstrdup("");
	if (!*mid) {
		/* no usable id given: a random one in the sender's domain */
		from_addr = addr_spec(m->from);
		free(mid);
		mid = xasprintf("%s@%s", hex, strchr(from_addr, '@') + 1);
	}
	buf_addf(&b, "Message-ID: <%s>\r\n", mid);
	if (m->in_reply_to)
		emit_msgid_header(&b, "In-Reply-To", m->in_reply_to);
	if (m->references)
		emit_msgid_header(&b, "References", m->references);
	if (m->auto_submitted) {
		char *v = token_clean(m->auto_submitted, 0);
		if (*v)
			buf_addf(&b, "Auto-Submitted: %s\r\n", v);
		free(v);
	}
	for (size_t i = 0; m->extra && i < m->nextra; i++) {
		if (!header_name_ok(m->extra[i].name)) {
			log_warn("event=header_refused name=%s", LOG_KV(m->extra[i].name ? m->extra[i].name : ""));
			continue;
		}
		emit_text_header(&b, m->extra[i].name, m->extra[i].value ? m->extra[i].value : "");
	}
	if (m->lang) {
		char *v = token_clean(m->lang, 1);
		if (*v)
			buf_addf(&b, "Content-Language: %s\r\n", v);
		free(v);
	}
	buf_adds(&b, "MIME-Version: 1.0\r\n");
	if (!m->calendar && m->attachment) {
		emit_attachment_body(&b, m);
	} else if (!m->calendar) {
		buf_adds(&b, "Content-Type: text/plain; charset=UTF-8\r\n"
			     "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		emit_text_body(&b, m->text);
	} else {
		/* "=_" cannot occur in quoted-printable or base64 output */
		random_bytes(rnd, sizeof rnd);
		snprintf(boundary, sizeof boundary, "=_mb_");
		for (size_t i = 0; i < 12; i++)
			snprintf(boundary + 5 + 2 * i, 3, "%02x", rnd[i]);
		char *method = token_clean(m->calendar_method ? m->calendar_method : "REQUEST", 0);
		for (char *q = method; *q; q++)
			*q = (char)toupper((unsigned char)*q);
		if (!*method) {
			free(method);
			method = xstrdup("REQUEST");
		}
		char *cal = to_crlf(m->calendar);
		buf_addf(&b,
			 "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n"
			 "This is a multi-part message in MIME format.\r\n"
			 "--%s\r\n"
			 "Content-Type: text/plain; charset=UTF-8\r\n"
			 "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
			 boundary, boundary);
		emit_text_body(&b, m->text);
		buf_addf(&b,
			 "--%s\r\n"
			 "Content-Type: text/calendar; charset=UTF-8; method=%s\r\n"
			 "Content-Transfer-Encoding: base64\r\n\r\n",
			 boundary, method);
		b64_body(&b, cal, strlen(cal));
		buf_addf(&b, "--%s--\r\n", boundary);
		free(cal);
		free(method);
	}
	free(from_addr);
	free(mid);
	if (len_out)
		*len_out = b.len;
	return buf_detach(&b);
fail:
	buf_free(&b);
	if (len_out)
		*len_out = 0;
	return NULL;
}
