/*
 * charset.c - everything that turns mail bytes into valid UTF-8: charset
 * conversion (own tables for the common Western charsets, iconv for the
 * rest), UTF-8 sanitising and RFC 2047 encoded-word decoding.
 * No state; safe to call from any thread (each call opens its own iconv).
 */
#include "mime.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

/* windows-1252 0x80..0x9f; 0 = undefined (becomes U+FFFD) */
static const unsigned short cp1252_c1[32] = {
	0x20ac, 0,      0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
	0x2039, 0x0152, 0,      0x017d, 0,      0,      0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
	0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0,      0x017e, 0x0178,
};

void
utf8_put(struct buf *b, unsigned long cp)
{
	char t[4];
	if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		cp = 0xfffd;
	if (cp < 0x80) {
		buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		t[0] = (char)(0xc0 | (cp >> 6));
		t[1] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, t, 2);
	} else if (cp < 0x10000) {
		t[0] = (char)(0xe0 | (cp >> 12));
		t[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		t[2] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, t, 3);
	} else {
		t[0] = (char)(0xf0 | (cp >> 18));
		t[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		t[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		t[3] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, t, 4);
	}
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if invalid/truncated. */
static size_t
utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return c ? 1 : 0; /* NUL counts as invalid: strings are C strings */
	if (c >= 0xc2 && c <= 0xdf)
		return (n >= 2 && (s[1] & 0xc0) == 0x80) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

int
utf8_valid(const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, k;
	while (i < len) {
		if (s[i] && s[i] < 0x80) {
			i++;
			continue;
		}
		if (!(k = utf8_seq_len(s + i, len - i)))
			return 0;
		i += k;
	}
	return 1;
}

/* Append in[0..len) to b with invalid sequences (and NULs) as U+FFFD. */
static void
buf_add_sanitized(struct buf *b, const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, k, start = 0;
	while (i < len) {
		if (s[i] && s[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_seq_len(s + i, len - i))) {
			i += k;
			continue;
		}
		buf_add(b, in + start, i - start);
		utf8_put(b, 0xfffd);
		i++;
		start = i;
	}
	buf_add(b, in + start, i - start);
}

char *
utf8_sanitize(const char *in, size_t len)
{
	struct buf b = BUF_INIT;
	if (in)
		buf_add_sanitized(&b, in, len);
	return buf_detach(&b);
}

static void
cp1252_to_utf8(struct buf *b, const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c >= 0x80 && c < 0xa0)
			utf8_put(b, cp1252_c1[c - 0x80] ? cp1252_c1[c - 0x80] : 0xfffd);
		else
			utf8_put(b, c);
	}
}

static void
latin9_to_utf8(struct buf *b, const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		unsigned long cp = c;
		switch (c) {
		case 0xa4:
			cp = 0x20ac;
			break;
		case 0xa6:
			cp = 0x0160;
			break;
		case 0xa8:
			cp = 0x0161;
			break;
		case 0xb4:
			cp = 0x017d;
			break;
		case 0xb8:
			cp = 0x017e;
			break;
		case 0xbc:
			cp = 0x0152;
			break;
		case 0xbd:
			cp = 0x0153;
			break;
		case 0xbe:
			cp = 0x0178;
			break;
		}
		utf8_put(b, cp);
	}
}

/* Normalise a charset label into out (lower case, quotes and blanks gone).
 * Returns 0 if the label is absent or contains characters no charset name
 * has (then it must not reach iconv_open, which reads "//" suffixes). */
static int
charset_norm(const char *cs, char *out, size_t outsz)
{
	size_t n = 0;
	if (!cs)
		return 0;
	while (*cs == ' ' || *cs == '\t' || *cs == '"' || *cs == '\'')
		cs++;
	for (; *cs && *cs != '"' && *cs != '\'' && *cs != ' ' && *cs != '\t' && *cs != ';'; cs++) {
		unsigned char c = (unsigned char)*cs;
		if (!(isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':'))
			return 0;
		if (n + 1 >= outsz)
			return 0;
		out[n++] = (char)tolower(c);
	}
	out[n] = '\0';
	return n > 0;
}

/* iconv conversion with U+FFFD for every byte iconv rejects; -1 if the
 * charset is unknown to iconv. */
static int
iconv_to_utf8(struct buf *b, const char *in, size_t len, const char *cs)
{
	iconv_t cd = iconv_open("UTF-8", cs);
	char tmp[4096];
	char *ip = (char *)in;
	size_t il = len;
	struct buf raw = BUF_INIT;

	if (cd == (iconv_t)-1)
		return -1;
	while (il > 0) {
		char *op = tmp;
		size_t ol = sizeof(tmp);
		size_t r = iconv(cd, &ip, &il, &op, &ol);
		buf_add(&raw, tmp, (size_t)(op - tmp));
		if (r == (size_t)-1) {
			if (errno == E2BIG)
				continue;
			/* EILSEQ: skip one byte; EINVAL: truncated sequence at the end */
			buf_add(&raw, "\xef\xbf\xbd", 3);
			if (errno == EINVAL) {
				il = 0;
				break;
			}
			ip++;
			il--;
			iconv(cd, NULL, NULL, NULL, NULL);
		}
	}
	{
		char *op = tmp;
		size_t ol = sizeof(tmp);
		iconv(cd, NULL, NULL, &op, &ol); /* flush shift state */
		buf_add(&raw, tmp, (size_t)(op - tmp));
	}
	iconv_close(cd);
	/* iconv output is UTF-8 already, but may contain NULs (UTF-16 input) */
	buf_add_sanitized(b, raw.p ? raw.p : "", raw.len);
	buf_free(&raw);
	return 0;
}

/* Appends the UTF-8 form of in[0..len) in charset cs to b. */
static void
buf_add_charset(struct buf *b, const char *in, size_t len, const char *charset)
{
	char cs[48];
	if (!charset_norm(charset, cs, sizeof(cs)) || !strcmp(cs, "utf-8") || !strcmp(cs, "utf8") ||
	    !strcmp(cs, "us-ascii") || !strcmp(cs, "ascii") || !strcmp(cs, "unknown-8bit") ||
	    !strcmp(cs, "x-unknown") || !strcmp(cs, "unknown")) {
		/* absent, ASCII or UTF-8 label: trust the bytes if they are UTF-8 */
		if (utf8_valid(in, len))
			buf_add(b, in, len);
		else if (!strcmp(cs, "utf-8") || !strcmp(cs, "utf8"))
			buf_add_sanitized(b, in, len);
		else
			cp1252_to_utf8(b, in, len);
		return;
	}
	/* ISO-8859-1 labels are windows-1252 in practice (WHATWG does the same) */
	if (!strcmp(cs, "iso-8859-1") || !strcmp(cs, "iso8859-1") || !strcmp(cs, "latin1") || !strcmp(cs, "l1") ||
	    !strcmp(cs, "windows-1252") || !strcmp(cs, "cp1252") || !strcmp(cs, "x-cp1252") ||
	    !strcmp(cs, "iso_8859-1")) {
		cp1252_to_utf8(b, in, len);
		return;
	}
	if (!strcmp(cs, "iso-8859-15") || !strcmp(cs, "iso8859-15") || !strcmp(cs, "latin9") ||
	    !strcmp(cs, "latin-9")) {
		latin9_to_utf8(b, in, len);
		return;
	}
	if (iconv_to_utf8(b, in, len, cs) == 0)
		return;
	if (utf8_valid(in, len))
		buf_add(b, in, len);
	else
		cp1252_to_utf8(b, in, len);
}

char *
charset_to_utf8(const char *in, size_t len, const char *charset)
{
	struct buf b = BUF_INIT;
	if (in)
		buf_add_charset(&b, in, len, charset);
	return buf_detach(&b);
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Encoded words longer than this are not encoded words (RFC 2047 says 75;
 * real mailers exceed it).  The cap also keeps the scan linear. */
#define EW_MAX 2048

/* Recognise "=?cs?e?text?=" at s[0..n).  Fills the pieces and returns the
 * total length, or 0. */
static size_t
ew_match(const char *s, size_t n, const char **cs, size_t *cslen, char *enc, const char **txt, size_t *txtlen)
{
	size_t i = 2, lim = n < EW_MAX ? n : EW_MAX;
	if (n < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	*cs = s + 2;
	while (i < lim && s[i] != '?' && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
		i++;
	if (i >= lim || s[i] != '?' || i == 2)
		return 0;
	*cslen = i - 2;
	if (i + 2 >= lim || s[i + 2] != '?')
		return 0;
	*enc = (char)toupper((unsigned char)s[i + 1]);
	if (*enc != 'Q' && *enc != 'B')
		return 0;
	i += 3;
	*txt = s + i;
	while (i + 1 < lim && !(s[i] == '?' && s[i + 1] == '=')) {
		if (s[i] == '\r' || s[i] == '\n')
			return 0;
		i++;
	}
	if (i + 1 >= lim)
		return 0;
	*txtlen = (size_t)(s + i - *txt);
	return i + 2;
}

static void
ew_decode(struct buf *b, char enc, const char *t, size_t n)
{
	if (enc == 'Q') {
		for (size_t i = 0; i < n; i++) {
			if (t[i] == '_') {
				buf_addc(b, ' ');
			} else if (t[i] == '=' && i + 2 < n && hex_value((unsigned char)t[i + 1]) >= 0 &&
				   hex_value((unsigned char)t[i + 2]) >= 0) {
				buf_addc(b, (char)(hex_value((unsigned char)t[i + 1]) * 16 +
						   hex_value((unsigned char)t[i + 2])));
				i += 2;
			} else {
				buf_addc(b, t[i]);
			}
		}
	} else {
		unsigned acc = 0;
		int bits = 0;
		for (size_t i = 0; i < n; i++) {
			int v = b64val((unsigned char)t[i]);
			if (t[i] == '=')
				break;
			if (v < 0)
				continue;
			acc = (acc << 6) | (unsigned)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				buf_addc(b, (char)((acc >> bits) & 0xff));
			}
		}
	}
}

char *
rfc2047_decode(const char *in)
{
	struct buf out = BUF_INIT, pend = BUF_INIT, raw = BUF_INIT;
	char pend_cs[64] = "";
	size_t n, i = 0, rawstart = 0;

	if (!in)
		return buf_detach(&out);
	n = strlen(in);
	while (i < n) {
		const char *cs, *txt;
		size_t cslen, txtlen, m;
		char enc, csbuf[64];

		if (in[i] != '=' || !(m = ew_match(in + i, n - i, &cs, &cslen, &enc, &txt, &txtlen))) {
			i++;
			continue;
		}
		/* RFC 2231 language suffix: "utf-8*de" */
		for (size_t k = 0; k < cslen; k++)
			if (cs[k] == '*')
				cslen = k;
		if (cslen >= sizeof(csbuf))
			cslen = sizeof(csbuf) - 1;
		memcpy(csbuf, cs, cslen);
		csbuf[cslen] = '\0';

		/* text between the previous word and this one */
		{
			int only_ws = pend.len > 0 || pend_cs[0];
			for (size_t k = rawstart; k < i && only_ws; k++)
				if (in[k] != ' ' && in[k] != '\t' && in[k] != '\r' && in[k] != '\n')
					only_ws = 0;
			if (!only_ws || strcasecmp(pend_cs, csbuf) != 0) {
				if (pend_cs[0]) {
					buf_add_charset(&out, pend.p ? pend.p : "", pend.len, pend_cs);
					pend.len = 0;
					pend_cs[0] = '\0';
				}
				if (!only_ws) {
					buf_add(&raw, in + rawstart, i - rawstart);
					buf_add_charset(&out, raw.p ? raw.p : "", raw.len, NULL);
					raw.len = 0;
				}
			}
		}
		memcpy(pend_cs, csbuf, cslen + 1);
		ew_decode(&pend, enc, txt, txtlen);
		i += m;
		rawstart = i;
	}
	if (pend_cs[0])
		buf_add_charset(&out, pend.p ? pend.p : "", pend.len, pend_cs);
	buf_add_charset(&out, in + rawstart, n - rawstart, NULL);
	buf_free(&pend);
	buf_free(&raw);
	/* unfold: drop CR and LF, a folded header keeps its blank */
	{
		char *r = buf_detach(&out), *w = r;
		for (char *p = r; *p; p++)
			if (*p != '\r' && *p != '\n')
				*w++ = *p;
		*w = '\0';
		return r;
	}
}
