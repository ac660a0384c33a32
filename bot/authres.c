/*
 * authres.c - an RFC 8601 Authentication-Results parser and the DKIM/DMARC
 * proof the bot accepts for staff mail.
 *
 * The parser walks the value once, left to right, with a comment-depth
 * counter instead of recursion: linear time, no reads past the NUL.  A
 * methodspec is only ever read right after a ";" found outside comments and
 * quoted-strings, so "dkim=pass" inside a comment, a quoted-string, a reason
 * or a property value cannot become a result.  Any syntax error refuses the
 * whole header.  No global state.
 */
#include "authres.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef const unsigned char *cursor;

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 2045 token character: printable US-ASCII but tspecials. */
static int
is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?=", c);
}

/* Character of an unquoted pvalue or reason (the lenient reading): anything
 * but white space, controls and ( ) ; " \ -- UTF-8 bytes included. */
static int
is_value_char(unsigned char c)
{
	return c > 0x20 && c != 0x7f && c != '(' && c != ')' && c != ';' && c != '"' && c != '\\';
}

/*
 * Skip [CFWS]: white space and comments, nested up to
 * AUTHRES_MAX_COMMENT_DEPTH, with quoted-pairs.  *skipped (may be NULL) says
 * whether anything was skipped.  -1 for an unclosed or too deep comment or a
 * backslash before the NUL.  A stray ")" is left for the caller to refuse.
 */
static int
skip_cfws(cursor *pp, int *skipped)
{
	cursor p = *pp;
	int depth = 0;

	while (*p) {
		if (depth == 0 && is_ws(*p)) {
			p++;
			continue;
		}
		if (depth == 0 && *p != '(')
			break;
		if (*p == '(') {
			if (++depth > AUTHRES_MAX_COMMENT_DEPTH)
				return -1;
		} else if (*p == ')') {
			depth--;
		} else if (*p == '\\') {
			if (!p[1])
				return -1;
			p++;
		}
		p++;
	}
	if (depth)
		return -1;
	if (skipped)
		*skipped = p != *pp;
	*pp = p;
	return 0;
}

/* Length of the Keyword (letter or digit, then letters, digits, '-') at p. */
static size_t
keyword_len(cursor p)
{
	size_t n = 0;
	if (!is_alnum(p[0]))
		return 0;
	while (is_alnum(p[n]) || p[n] == '-')
		n++;
	return n;
}

static char *
lower_dup(cursor p, size_t n)
{
	char *s = xstrndup((const char *)p, n);
	str_lower_ascii(s);
	return s;
}

/* Keyword at *pp, lower-cased and allocated into *out; -1 if there is none. */
static int
read_keyword(cursor *pp, char **out)
{
	size_t n = keyword_len(*pp);
	if (!n)
		return -1;
	*out = lower_dup(*pp, n);
	*pp += n;
	return 0;
}

/* The quoted-string at *pp (which is at its '"'): content without the quotes
 * and quoted-pair backslashes into *out (allocated).  -1 if unclosed. */
static int
read_quoted(cursor *pp, char **out)
{
	cursor p = *pp + 1, q;
	size_t n = 0;
	char *s, *w;

	for (q = p; *q && *q != '"'; q++, n++)
		if (*q == '\\' && !*++q)
			return -1;
	if (!*q)
		return -1;
	s = w = xmalloc(n + 1);
	for (q = p; *q != '"'; q++) {
		if (*q == '\\')
			q++;
		*w++ = (char)*q;
	}
	*w = '\0';
	*pp = q + 1;
	*out = s;
	return 0;
}

/*
 * A value at *pp into *out (allocated): a quoted-string (unquoted), else a
 * run of is_value_char().  With addr, a quoted-string followed by "@domain"
 * is a quoted local-part and the address is kept as written.  *quoted says
 * the value ended with a closing quote.  -1 if there is no value.
 */
static int
read_value(cursor *pp, char **out, int addr, int *quoted)
{
	cursor p = *pp, start = p;
	size_t n;

	*quoted = 0;
	if (*p == '"') {
		if (read_quoted(&p, out) < 0)
			return -1;
		if (!addr || *p != '@') {
			*quoted = 1;
			*pp = p;
			return 0;
		}
		free(*out);
		*out = NULL;
	}
	for (n = 0; is_value_char(p[n]); n++)
		;
	if (n == 0 || (p != start && n == 1))
		return -1; /* nothing, or a quoted local-part followed by a bare "@" */
	p += n;
	*out = xstrndup((const char *)start, (size_t)(p - start));
	*pp = p;
	return 0;
}

/* 1..9 digits at *pp into *v; -1 if none or too many. */
static int
read_number(cursor *pp, int *v)
{
	cursor p = *pp;
	int n = 0, k;

	for (k = 0; is_digit(p[k]); k++) {
		if (k == 9)
			return -1;
		n = n * 10 + (p[k] - '0');
	}
	if (k == 0)
		return -1;
	*v = n;
	*pp = p + k;
	return 0;
}

/* [CFWS] authserv-id: a token or a non-empty quoted-string, into *id. */
static int
read_authserv_id(cursor *pp, char **id)
{
	cursor p = *pp;
	size_t n;
	int quoted;

	if (skip_cfws(&p, NULL) < 0)
		return -1;
	if (*p == '"') {
		if (read_value(&p, id, 0, &quoted) < 0)
			return -1;
		if (!**id) {
			free(*id);
			*id = NULL;
			return -1;
		}
	} else {
		for (n = 0; is_token_char(p[n]); n++)
			;
		if (!n)
			return -1;
		*id = xstrndup((const char *)p, n);
		p += n;
	}
	*pp = p;
	return 0;
}

void
authres_free(struct authres *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nres; i++) {
		struct authres_res *r = &a->res[i];
		for (size_t j = 0; j < r->nprops; j++) {
			free(r->props[j].ptype);
			free(r->props[j].property);
			free(r->props[j].value);
		}
		free(r->props);
		free(r->method);
		free(r->result);
		free(r->reason);
	}
	free(a->res);
	free(a->authserv_id);
	memset(a, 0, sizeof(*a));
}

/*
 * One resinfo after its ";" and CFWS, into r (zeroed, already counted in the
 * header so authres_free() sees whatever is filled in):
 *   method [CFWS] ["/" [CFWS] version [CFWS]] "=" [CFWS] result
 *   *( CFWS ( "reason" [CFWS] "=" [CFWS] value
 *           / ptype [CFWS] "." [CFWS] property [CFWS] "=" [CFWS] pvalue ) )
 * stopping at the next ";" or the end.  CFWS may be left out after a
 * quoted-string.
 */
static int
parse_resinfo(cursor *pp, struct authres_res *r)
{
	cursor p = *pp;
	size_t cap = 0, n;
	int ws, quoted = 0;

	r->version = 1;
	if (read_keyword(&p, &r->method) < 0 || skip_cfws(&p, NULL) < 0)
		return -1;
	if (*p == '/') {
		p++;
		if (skip_cfws(&p, NULL) < 0 || read_number(&p, &r->version) < 0 || skip_cfws(&p, NULL) < 0)
			return -1;
	}
	if (*p != '=')
		return -1;
	p++;
	if (skip_cfws(&p, NULL) < 0 || read_keyword(&p, &r->result) < 0)
		return -1;
	for (;;) {
		if (skip_cfws(&p, &ws) < 0)
			return -1;
		if (!*p || *p == ';')
			break;
		if (!ws && !quoted)
			return -1; /* e.g. "pass,x" or "a=b(c" */
		if (!(n = keyword_len(p)))
			return -1;
		cursor kw = p;
		p += n;
		if (skip_cfws(&p, NULL) < 0)
			return -1;
		if (*p == '=' && n == 6 && strncasecmp((const char *)kw, "reason", 6) == 0 && !r->reason) {
			p++;
			if (skip_cfws(&p, NULL) < 0 || read_value(&p, &r->reason, 0, &quoted) < 0)
				return -1;
			continue;
		}
		if (*p != '.' || r->nprops == AUTHRES_MAX_PROPS)
			return -1;
		p++;
		if (r->nprops == cap) {
			cap = cap ? 2 * cap : 4;
			r->props = xrealloc(r->props, cap * sizeof(*r->props));
		}
		struct authres_prop *pr = &r->props[r->nprops++];
		memset(pr, 0, sizeof(*pr));
		pr->ptype = lower_dup(kw, n);
		if (skip_cfws(&p, NULL) < 0 || read_keyword(&p, &pr->property) < 0 || skip_cfws(&p, NULL) < 0)
			return -1;
		if (*p != '=')
			return -1;
		p++;
		if (skip_cfws(&p, NULL) < 0 || read_value(&p, &pr->value, 1, &quoted) < 0)
			return -1;
	}
	*pp = p;
	return 0;
}

/* [CFWS] authserv-id [CFWS authres-version] ( no-result / 1*resinfo ) [CFWS] */
static int
parse_header(cursor p, struct authres *a)
{
	size_t cap = 0, n;
	int ws;

	if (read_authserv_id(&p, &a->authserv_id) < 0 || skip_cfws(&p, &ws) < 0)
		return -1;
	a->version = 1;
	if (is_digit(*p)) {
		if (!ws || read_number(&p, &a->version) < 0 || skip_cfws(&p, NULL) < 0)
			return -1;
	}
	if (*p != ';')
		return -1; /* also: no result at all */
	while (*p == ';') {
		p++;
		if (skip_cfws(&p, NULL) < 0)
			return -1;
		if (!*p || *p == ';')
			continue; /* empty resinfo (lenient) */
		n = keyword_len(p);
		if (n == 4 && a->nres == 0 && strncasecmp((const char *)p, "none", 4) == 0) {
			cursor q = p + 4;
			if (skip_cfws(&q, NULL) < 0)
				return -1;
			if (*q != '=' && *q != '/') {
				/* no-result: only CFWS and empty resinfos may follow */
				while (*q == ';') {
					q++;
					if (skip_cfws(&q, NULL) < 0)
						return -1;
				}
				return *q ? -1 : 0;
			}
		}
		if (a->nres == AUTHRES_MAX_RESULTS)
			return -1;
		if (a->nres == cap) {
			cap = cap ? 2 * cap : 4;
			a->res = xrealloc(a->res, cap * sizeof(*a->res));
		}
		struct authres_res *r = &a->res[a->nres++];
		memset(r, 0, sizeof(*r));
		if (parse_resinfo(&p, r) < 0)
			return -1;
	}
	return *p ? -1 : 0; /* cannot happen: a resinfo ends at ";" or the end */
}

int
authres_parse(const char *value, struct authres *out)
{
	memset(out, 0, sizeof(*out));
	if (!value)
		return -1;
	if (parse_header((cursor)value, out) < 0) {
		authres_free(out);
		return -1;
	}
	return 0;
}

/* ---- domains ---- */

/*
 * Length of s without one trailing dot if s is an LDH domain name (labels of
 * 1..63 letters, digits and '-', not starting or ending with '-', 253 at
 * most), else 0.  *dots gets the number of dots inside.
 */
static size_t
ldh_domain_len(const char *s, int *dots)
{
	size_t n, label = 0;

	*dots = 0;
	if (!s)
		return 0;
	n = strlen(s);
	if (n && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : '.';
		if (c == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return 0;
			if (i < n)
				(*dots)++;
			label = 0;
		} else if (is_alnum(c) || (c == '-' && label > 0)) {
			label++;
		} else {
			return 0;
		}
	}
	return n;
}

/* a and b are the same LDH domain name (ASCII case, one trailing dot ignored). */
static int
domain_eq(const char *a, const char *b)
{
	int da, db;
	size_t na = ldh_domain_len(a, &da), nb = ldh_domain_len(b, &db);
	return na && na == nb && strncasecmp(a, b, na) == 0;
}

int
authres_domain_aligned(const char *d, const char *from_domain)
{
	int dd, df;
	size_t nd = ldh_domain_len(d, &dd), nf = ldh_domain_len(from_domain, &df);

	if (!nd || !nf || dd == 0)
		return 0;
	if (nf == nd)
		return strncasecmp(d, from_domain, nd) == 0;
	return nf > nd && from_domain[nf - nd - 1] == '.' && strncasecmp(from_domain + nf - nd, d, nd) == 0;
}

/* ---- proof ---- */

/* How many ptype.property props r has; *value gets the last one's value. */
static size_t
prop_count(const struct authres_res *r, const char *ptype, const char *property, const char **value)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nprops; i++)
		if (!strcmp(r->props[i].ptype, ptype) && !strcmp(r->props[i].property, property)) {
			*value = r->props[i].value;
			n++;
		}
	return n;
}

/* The verdict of the one header consulted (see authres.h). */
static enum authres_proof
judge(const struct authres *a, const char *from_domain, const char **why)
{
	int dmarc_pass = 0, dmarc_nofrom = 0, dkim_pass = 0, dkim_aligned = 0;
	int dmarc_fail = 0, dmarc_other = 0;

	if (a->version != 1) {
		*why = "our Authentication-Results header has an unsupported version";
		return AUTHRES_NONE;
	}
	for (size_t i = 0; i < a->nres; i++) {
		const struct authres_res *r = &a->res[i];
		const char *v = NULL;
		if (!strcmp(r->method, "dmarc")) {
			size_t nfrom = 0;
			for (size_t j = 0; j < r->nprops; j++)
				if (!strcmp(r->props[j].ptype, "header") && !strcmp(r->props[j].property, "from")) {
					nfrom++;
					if (!domain_eq(r->props[j].value, from_domain))
						dmarc_other = 1;
				}
			if (!strcmp(r->result, "fail"))
				dmarc_fail = 1;
			else if (!strcmp(r->result, "pass") && r->version == 1) {
				if (nfrom)
					dmarc_pass = 1; /* all equal, or dmarc_other vetoes */
				else
					dmarc_nofrom = 1;
			}
		} else if (!strcmp(r->method, "dkim") && !strcmp(r->result, "pass") && r->version == 1) {
			dkim_pass = 1;
			if (prop_count(r, "header", "d", &v) == 1 && authres_domain_aligned(v, from_domain))
				dkim_aligned = 1;
		}
	}
	if (dmarc_fail) {
		*why = "dmarc fail";
		return AUTHRES_NONE;
	}
	if (dmarc_other) {
		*why = "dmarc result for another From domain";
		return AUTHRES_NONE;
	}
	if (dmarc_pass) {
		*why = "dmarc pass";
		return AUTHRES_DMARC;
	}
	if (dkim_aligned) {
		*why = "aligned dkim pass";
		return AUTHRES_DKIM;
	}
	if (dkim_pass)
		*why = "dkim pass not aligned";
	else if (dmarc_nofrom)
		*why = "dmarc pass without header.from";
	else
		*why = "no dkim or dmarc pass";
	return AUTHRES_NONE;
}

static int
is_blank(const char *s)
{
	for (; *s; s++)
		if (!is_ws((unsigned char)*s))
			return 0;
	return 1;
}

enum authres_proof
authres_proof(const char *headers, const char *authserv_id, const char *from_domain, const char **why)
{
	const char *unused, *p, *e;
	int seen = 0;

	if (!why)
		why = &unused;
	if (!authserv_id || !*authserv_id) {
		*why = "no authserv-id configured";
		return AUTHRES_NONE;
	}
	if (!from_domain || !*from_domain) {
		*why = "no From domain";
		return AUTHRES_NONE;
	}
	for (p = headers; p && *p; p = e ? e + 1 : NULL) {
		e = strchr(p, '\n');
		char *line = xstrndup(p, e ? (size_t)(e - p) : strlen(p)), *id = NULL;
		cursor c = (cursor)line;
		struct authres a;
		enum authres_proof r;

		if (is_blank(line)) {
			free(line);
			continue;
		}
		seen = 1;
		if (read_authserv_id(&c, &id) < 0) {
			/* ours could be this one: do not look at those below */
			free(line);
			*why = "an Authentication-Results header above ours has no readable authserv-id";
			return AUTHRES_NONE;
		}
		int ours = strcasecmp(id, authserv_id) == 0;
		free(id);
		if (!ours) {
			free(line);
			continue;
		}
		if (authres_parse(line, &a) < 0) {
			free(line);
			*why = "our Authentication-Results header does not parse";
			return AUTHRES_NONE;
		}
		r = judge(&a, from_domain, why);
		authres_free(&a);
		free(line);
		return r;
	}
	*why = seen ? "no Authentication-Results from our authserv-id" : "no Authentication-Results header";
	return AUTHRES_NONE;
}
