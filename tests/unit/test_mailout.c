/*
 * test_mailout.c - composing outgoing mail: quoted-printable round trips,
 * RFC 2047 encoded-words (never splitting UTF-8, folded below 78 columns),
 * addr-spec extraction, header injection blocked, and a composed message
 * that parses: the headers are there and every line ends in CRLF.
 * The decoders here are written independently of mailout.c.
 */
#include "mailout.h"
#include "util.h"

#include "t.h"

#include <stdlib.h>

/* ---- independent decoders ---- */

static int
hexv(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* QP decode (RFC 2045 §6.7); CRLF hard breaks become LF. NULL if malformed. */
static char *
qp_decode(const char *s)
{
	struct buf b = BUF_INIT;
	buf_add(&b, "", 0);
	for (const char *p = s; *p; p++) {
		if (*p == '=') {
			if (p[1] == '\r' && p[2] == '\n') {
				p += 2;
				continue;
			}
			int h = hexv(p[1]), l = h < 0 ? -1 : hexv(p[2]);
			if (h < 0 || l < 0) {
				buf_free(&b);
				return NULL;
			}
			buf_addc(&b, (char)(h * 16 + l));
			p += 2;
		} else if (*p == '\r' && p[1] == '\n') {
			buf_addc(&b, '\n');
			p++;
		} else {
			buf_addc(&b, *p);
		}
	}
	return buf_detach(&b);
}

static int
b64v(int c)
{
	const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *q = c ? strchr(a, c) : NULL;
	return q ? (int)(q - a) : -1;
}

static char *
b64_decode(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	unsigned v = 0;
	int bits = 0;
	buf_add(&b, "", 0);
	for (size_t i = 0; i < n; i++) {
		int d = b64v(s[i]);
		if (d < 0)
			continue; /* '=', CR, LF */
		v = (v << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addc(&b, (char)((v >> bits) & 0xFF));
		}
	}
	return buf_detach(&b);
}

static int
valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t k = p[i] < 0x80 ? 1 : (p[i] >> 5) == 6 ? 2 : (p[i] >> 4) == 14 ? 3 : (p[i] >> 3) == 30 ? 4 : 0;
		if (!k || i + k > n)
			return 0;
		for (size_t j = 1; j < k; j++)
			if ((p[i + j] & 0xC0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

/* Unfold, then decode encoded-words (white space between two adjacent
 * encoded-words is dropped).  Sets *bad when an encoded-word is longer than
 * 75 characters or does not decode to whole UTF-8 characters on its own. */
static char *
hdr_decode(const char *s, int *bad)
{
	struct buf u = BUF_INIT, out = BUF_INIT;
	for (const char *p = s; *p; p++) {
		if (*p == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) {
			p++;
			continue;
		}
		buf_addc(&u, *p);
	}
	buf_add(&out, "", 0);
	const char *p = u.p ? u.p : "";
	int last_ew = 0;
	size_t ws_start = 0;
	while (*p) {
		if (!strncmp(p, "=?UTF-8?", 8) && (p[8] == 'Q' || p[8] == 'B') && p[9] == '?') {
			const char *end = strstr(p + 10, "?=");
			if (!end) {
				*bad = 1;
				break;
			}
			size_t wl = (size_t)(end + 2 - p);
			if (wl > 75)
				*bad = 1;
			if (last_ew) /* drop the white space since the last encoded-word */
				out.len = ws_start, out.p[out.len] = '\0';
			struct buf w = BUF_INIT;
			buf_add(&w, "", 0);
			if (p[8] == 'B') {
				char *d = b64_decode(p + 10, (size_t)(end - p - 10));
				buf_adds(&w, d);
				free(d);
			} else {
				for (const char *q = p + 10; q < end; q++) {
					if (*q == '_')
						buf_addc(&w, ' ');
					else if (*q == '=' && hexv(q[1]) >= 0 && hexv(q[2]) >= 0) {
						buf_addc(&w, (char)(hexv(q[1]) * 16 + hexv(q[2])));
						q += 2;
					} else
						buf_addc(&w, *q);
				}
			}
			if (!valid_utf8(w.p, w.len))
				*bad = 1;
			buf_add(&out, w.p, w.len);
			buf_free(&w);
			p = end + 2;
			last_ew = 1;
			ws_start = out.len;
			continue;
		}
		if (*p != ' ' && *p != '\t')
			last_ew = 0;
		buf_addc(&out, *p++);
	}
	buf_free(&u);
	return buf_detach(&out);
}

/* The header block of msg (up to the blank line), or NULL. Caller frees. */
static char *
header_block(const char *msg)
{
	const char *e = strstr(msg, "\r\n\r\n");
	return e ? xstrndup(msg, (size_t)(e - msg + 2)) : NULL;
}

/* The unfolded raw value of header name (first occurrence), or NULL. */
static char *
header_get(const char *hdrs, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = hdrs; p && *p;) {
		if (!strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			const char *e = v;
			while (*e && !(e[0] == '\r' && e[1] == '\n' && e[2] != ' ' && e[2] != '\t'))
				e++;
			return xstrndup(v, (size_t)(e - v));
		}
		p = strstr(p, "\r\n");
		if (p)
			p += 2;
	}
	return NULL;
}

/* 1 if every LF is preceded by CR and every CR followed by LF */
static int
crlf_only(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			return 0;
		if (s[i] == '\r' && (i + 1 >= n || s[i + 1] != '\n'))
			return 0;
	}
	return 1;
}

static size_t
max_line(const char *s)
{
	size_t m = 0, cur = 0;
	for (; *s; s++) {
		if (*s == '\r' || *s == '\n') {
			cur = 0;
			continue;
		}
		if (++cur > m)
			m = cur;
	}
	return m;
}

/* ---- tests ---- */

static void
qp_round_trips(void)
{
	static const char *const cases[] = {
		"",
		"plain ascii\n",
		"Grüße aus Köln – 😀\nzweite Zeile\n",
		"trailing space \nand tab\t\nend with space ",
		"a=b ==? =3D\n",
		".leading dot\nFrom the start\n",
		"crlf\r\nline\r\n",
		"lone\rcr\n",
		"ünïcödé ünïcödé ünïcödé ünïcödé ünïcödé ünïcödé ünïcödé ünïcödé ünïcödé ünïcödé ünïcödé\n",
		"\x01\x02\x7f\xff binary\n",
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *enc = qp_encode(cases[i], strlen(cases[i]));
		char *dec = qp_decode(enc);
		/* expected: CRLF normalised to LF */
		struct buf want = BUF_INIT;
		buf_add(&want, "", 0);
		for (const char *p = cases[i]; *p; p++)
			if (!(p[0] == '\r' && p[1] == '\n'))
				buf_addc(&want, *p);
		CHECK_STR(dec, want.p);
		CHECK(crlf_only(enc, strlen(enc)));
		CHECK(max_line(enc) <= 76);
		for (const char *p = enc; *p; p++) /* only printable ASCII besides CRLF */
			CHECK((*p >= 32 && *p < 127) || *p == '\r' || *p == '\n');
		CHECK(!strstr(enc, " \r\n") && !strstr(enc, "\t\r\n")); /* no bare trailing white space */
		buf_free(&want);
		free(enc);
		free(dec);
	}
}

static void
qp_long_line_gets_soft_breaks(void)
{
	char line[1001];
	memset(line, 'x', 1000);
	line[1000] = '\0';
	line[500] = '=';
	char *enc = qp_encode(line, 1000);
	CHECK(max_line(enc) <= 76);
	CHECK(strstr(enc, "=\r\n") != NULL);
	char *dec = qp_decode(enc);
	CHECK_STR(dec, line);
	free(enc);
	free(dec);
	/* a hand-checked vector */
	enc = qp_encode("Grüße\n", strlen("Grüße\n"));
	CHECK_STR(enc, "Gr=C3=BC=C3=9Fe\r\n");
	free(enc);
}

static void
rfc2047_encodes_mentoring_buero(void)
{
	char *e = rfc2047_encode("Mentoring-Büro");
	CHECK_STR(e, "=?UTF-8?Q?Mentoring-B=C3=BCro?=");
	int bad = 0;
	char *d = hdr_decode(e, &bad);
	CHECK_STR(d, "Mentoring-Büro");
	CHECK(!bad);
	free(e);
	free(d);
	e = rfc2047_encode("plain ascii stays");
	CHECK_STR(e, "plain ascii stays");
	free(e);
	e = rfc2047_encode("looks =?like?= a word");
	CHECK(strstr(e, "=?like?=") == NULL);
	d = hdr_decode(e, &bad);
	CHECK_STR(d, "looks =?like?= a word");
	free(e);
	free(d);
}

static void
rfc2047_long_text_never_splits_utf8(void)
{
	/* 3- and 4-byte characters and mixed words, B and Q paths */
	static const char *const cases[] = {
		"€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€",
		"😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀",
		"Re: Anmeldung für das Mentoring-Programm im Wintersemester – Bestätigung Ihrer Daten und Übersicht",
		"日本語のテキストはとても長いのでいくつかのエンコードされた単語に分割されなければなりません",
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *e = rfc2047_encode(cases[i]);
		int bad = 0;
		char *d = hdr_decode(e, &bad);
		CHECK_STR(d, cases[i]);
		CHECK(!bad);
		CHECK(max_line(e) <= 78);
		free(e);
		free(d);
	}
}

static void
addr_spec_variants(void)
{
	static const char *const cases[][2] = {
		{"Mentoring-Büro <Mentoring@Uni.Example>", "mentoring@uni.example"},
		{"\"Doe, John\" <John.Doe@Example.ORG>", "john.doe@example.org"},
		{"\"a <b>\" <real@x.example>", "real@x.example"},
		{"bare@host.example", "bare@host.example"},
		{"  Bare@Host.Example  ", "bare@host.example"},
		{"user@host.example (Comment)", "user@host.example"},
		{"<only@angle.example>", "only@angle.example"},
		{"no address here", NULL},
		{"Name <>", NULL},
		{"two@at@x", NULL},
		{"a@b, c@d", NULL},
		{"Name <a@b", NULL},
		{"x@.example", NULL},
		{"", NULL},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *a = addr_spec(cases[i][0]);
		if (cases[i][1])
			CHECK_STR(a, cases[i][1]);
		else if (a) {
			printf("  '%s' -> '%s'\n", cases[i][0], a);
			CHECK(a == NULL);
		}
		free(a);
	}
	CHECK(addr_spec(NULL) == NULL);
}

static void
header_sanitize_drops_controls(void)
{
	char *s = header_sanitize("a\r\nb\tc\x01\x7f"
				  "d\xc2\x85"
				  "e\xe2\x80\xa8"
				  "f\xff"
				  "g");
	CHECK_STR(s, "ab cdef\xEF\xBF\xBDg");
	free(s);
}

static const struct mail_out base = {
	.from = "Mentoring-Büro <mentoring@uni.example>",
	.to = "Alice Example <Alice@Example.test>",
	.subject = "Ihre Anmeldung",
	.message_id = "mb.42.abc@uni.example",
	.in_reply_to = "orig-1@mail.example",
	.references = "<root@mail.example> orig-1@mail.example",
	.auto_submitted = "auto-replied",
	.text = "Hallo Alice,\n\ndanke für Ihre Anmeldung.\n-- \nMentoring-Büro\n",
	.lang = "de",
	.date = 1700000000,
};

static void
compose_has_headers_and_crlf_only(void)
{
	size_t len = 0;
	char *m = mail_compose(&base, &len);
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK(len == strlen(m));
	CHECK(crlf_only(m, len));
	char *h = header_block(m);
	CHECK(h != NULL);
	CHECK(max_line(h) <= 78);
	static const char *const want[][2] = {
		{"Date", "Tue, 14 Nov 2023 22:13:20 +0000"},
		{"From", "=?UTF-8?Q?Mentoring-B=C3=BCro?= <mentoring@uni.example>"},
		{"To", "Alice Example <alice@example.test>"},
		{"Subject", "Ihre Anmeldung"},
		{"Message-ID", "<mb.42.abc@uni.example>"},
		{"In-Reply-To", "<orig-1@mail.example>"},
		{"References", "<root@mail.example> <orig-1@mail.example>"},
		{"Auto-Submitted", "auto-replied"},
		{"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=UTF-8"},
		{"Content-Transfer-Encoding", "quoted-printable"},
		{"Content-Language", "de"},
	};
	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		char *v = header_get(h, want[i][0]);
		CHECK_STR(v, want[i][1]);
		free(v);
	}
	char *body = qp_decode(strstr(m, "\r\n\r\n") + 4);
	CHECK_STR(body, base.text);
	free(body);
	free(h);
	free(m);
}

static void
compose_long_subject_folded_below_78(void)
{
	struct mail_out o = base;
	o.subject = "Erinnerung: Mentoring-Treffen am Donnerstag um 18 Uhr im Raum Ü-204 – bitte Rückmeldung "
		    "bis Mittwoch, damit wir planen können, und bringen Sie Ihre Fragen mit";
	char *m = mail_compose(&o, NULL);
	char *h = header_block(m);
	CHECK(max_line(h) <= 78);
	char *raw = header_get(h, "Subject");
	int bad = 0;
	char *dec = hdr_decode(raw, &bad);
	CHECK_STR(dec, o.subject);
	CHECK(!bad);
	CHECK(strstr(h, "Subject: ") && strstr(strstr(h, "Subject: "), "\r\n ")); /* really folded */
	free(dec);
	free(raw);
	free(h);
	free(m);
	/* a long ASCII subject folds at spaces too */
	o.subject = "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq rrrr";
	m = mail_compose(&o, NULL);
	h = header_block(m);
	CHECK(max_line(h) <= 78);
	raw = header_get(h, "Subject");
	dec = hdr_decode(raw, &bad);
	CHECK_STR(dec, o.subject);
	free(dec);
	free(raw);
	free(h);
	free(m);
}

/* no header line of msg starts with name: */
static int
has_header_line(const char *msg, const char *name)
{
	char *h = header_block(msg);
	int found = 0;
	size_t nl = strlen(name);
	for (const char *p = h; p && *p;) {
		if (!strncasecmp(p, name, nl) && p[nl] == ':')
			found = 1;
		p = strstr(p, "\r\n");
		if (p)
			p += 2;
	}
	free(h);
	return found;
}

static void
compose_blocks_header_injection(void)
{
	struct mail_out o = base;
	o.subject = "hi\r\nBcc: x@y";
	char *m = mail_compose(&o, NULL);
	CHECK(m && !has_header_line(m, "Bcc"));
	char *h = m ? header_block(m) : NULL;
	char *s = h ? header_get(h, "Subject") : NULL;
	CHECK_STR(s, "hiBcc: x@y");
	free(s);
	free(h);
	free(m);

	o = base;
	o.subject = "x\nBcc: a@b\rCc: c@d\n\nbody";
	o.from = "Evil\r\nBcc: e@f <mentoring@uni.example>";
	o.message_id = "id@x>\r\nBcc: g@h";
	o.in_reply_to = "a@b>\r\nBcc: i@j";
	o.references = "r@x\r\nBcc: k@l";
	o.lang = "de\r\nBcc: m@n";
	o.auto_submitted = "auto-replied\r\nBcc: o@p";
	struct mail_header ex[] = {{"X-Test", "v\r\nBcc: q@r"}, {"Bcc", "s@t"}, {"X-Bad\r\nBcc", "u@v"}};
	o.extra = ex;
	o.nextra = ARRAY_LEN(ex);
	m = mail_compose(&o, NULL);
	CHECK(m != NULL);
	CHECK(m && !has_header_line(m, "Bcc"));
	CHECK(m && !has_header_line(m, "Cc"));
	CHECK(m && crlf_only(m, strlen(m)));
	CHECK(m && has_header_line(m, "X-Test"));
	free(m);

	/* an unusable recipient makes compose fail instead of guessing */
	o = base;
	o.to = "not an address";
	CHECK(mail_compose(&o, NULL) == NULL);
}

static void
compose_quotes_ascii_names_with_specials(void)
{
	struct mail_out o = base;
	o.to = "\"Doe, John\" <John@Example.test>";
	char *m = mail_compose(&o, NULL);
	char *h = header_block(m);
	char *v = header_get(h, "To");
	CHECK_STR(v, "\"Doe, John\" <john@example.test>");
	free(v);
	free(h);
	free(m);
}

static void
compose_with_calendar_is_multipart_alternative(void)
{
	struct mail_out o = base;
	o.calendar = "BEGIN:VCALENDAR\nVERSION:2.0\nMETHOD:REQUEST\nBEGIN:VEVENT\nSUMMARY:Treffen Ü\nEND:VEVENT\n"
		     "END:VCALENDAR\n";
	o.calendar_method = "request";
	size_t len;
	char *m = mail_compose(&o, &len);
	CHECK(m && crlf_only(m, len));
	char *h = header_block(m);
	char *ct = header_get(h, "Content-Type");
	CHECK(ct && !strncmp(ct, "multipart/alternative; boundary=\"", 33));
	char bnd[100] = "";
	if (ct && strlen(ct) < 90)
		sscanf(ct, "multipart/alternative; boundary=\"%99[^\"]\"", bnd);
	CHECK(strlen(bnd) >= 16);
	char *delim = xasprintf("\r\n--%s\r\n", bnd);
	char *close = xasprintf("\r\n--%s--\r\n", bnd);
	const char *p1 = strstr(m, delim);
	const char *p2 = p1 ? strstr(p1 + 1, delim) : NULL;
	const char *pe = p2 ? strstr(p2, close) : NULL;
	CHECK(p1 && p2 && pe);
	if (p1 && p2 && pe) {
		CHECK(strstr(p1, "Content-Type: text/plain; charset=UTF-8\r\n") < p2);
		CHECK(strstr(p2, "Content-Type: text/calendar; charset=UTF-8; method=REQUEST\r\n") ==
		      p2 + strlen(delim));
		const char *cb = strstr(p2, "\r\n\r\n") + 4;
		char *cal = b64_decode(cb, (size_t)(pe - cb));
		CHECK_STR(cal,
			  "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:Treffen Ü\r\n"
			  "END:VEVENT\r\nEND:VCALENDAR\r\n");
		free(cal);
		const char *tb = strstr(p1, "\r\n\r\n") + 4;
		char *tq = xstrndup(tb, (size_t)(p2 - tb + 2));
		char *text = qp_decode(tq);
		CHECK_STR(text, base.text);
		free(text);
		free(tq);
	}
	/* a fresh random boundary each time */
	char *m2 = mail_compose(&o, NULL);
	CHECK(m2 && !strstr(m2, bnd));
	free(m2);
	free(delim);
	free(close);
	free(ct);
	free(h);
	free(m);
}

static void
compose_without_message_id_generates_one(void)
{
	struct mail_out o = base;
	o.message_id = NULL;
	o.date = 0;
	char *m = mail_compose(&o, NULL);
	char *h = header_block(m);
	char *id = header_get(h, "Message-ID");
	CHECK(id && id[0] == '<' && strstr(id, "@uni.example>"));
	char *d = header_get(h, "Date");
	CHECK(d && strlen(d) >= 29 && !strcmp(d + strlen(d) - 5, "+0000"));
	free(d);
	free(id);
	free(h);
	free(m);
}

int
main(void)
{
	RUN(qp_round_trips);
	RUN(qp_long_line_gets_soft_breaks);
	RUN(rfc2047_encodes_mentoring_buero);
	RUN(rfc2047_long_text_never_splits_utf8);
	RUN(addr_spec_variants);
	RUN(header_sanitize_drops_controls);
	RUN(compose_has_headers_and_crlf_only);
	RUN(compose_long_subject_folded_below_78);
	RUN(compose_blocks_header_injection);
	RUN(compose_quotes_ascii_names_with_specials);
	RUN(compose_with_calendar_is_multipart_alternative);
	RUN(compose_without_message_id_generates_one);
	return t_done();
}
