/*
 * mime.c - read one raw mail: header fields (own header splitter plus
 * libetpan's mailimf parsers for addresses and ids), RFC 3834 automatic-mail
 * and bounce classification, and the best text body via libetpan's MIME
 * parser.  Before libetpan sees the mail, a linear pre-scan checks size,
 * MIME nesting depth, part count and comment nesting, because libetpan
 * recurses without limits.  No global state; any thread may call it.
 */
#include "mime.h"
#include "util.h"

#include <ctype.h>
#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Header values longer than this are cut before libetpan parses them as
 * addresses or ids: nobody needs a 64 KiB From. */
#define HVAL_PARSE_MAX 8192

/* ---- header splitting ---------------------------------------------- */

struct hfield {
	const char *name;
	size_t nlen;
	const char *val; /* raw value, folding included */
	size_t vlen;
};

static size_t
line_end(const char *p, size_t len, size_t pos)
{
	const char *nl = memchr(p + pos, '\n', len - pos);
	return nl ? (size_t)(nl - p) + 1 : len;
}

/*
 * Read the next header field of the block starting at *pos.  Returns 1 and
 * fills f (f->name NULL for a line that is no field), or 0 at the end of the
 * block (*pos then points past the blank line).
 */
static int
hdr_next(const char *p, size_t len, size_t *pos, struct hfield *f)
{
	size_t s = *pos, e, c, nend;
	if (s >= len)
		return 0;
	if (p[s] == '\n' || (p[s] == '\r' && s + 1 < len && p[s + 1] == '\n')) {
		*pos = line_end(p, len, s);
		return 0;
	}
	e = line_end(p, len, s);
	while (e < len && (p[e] == ' ' || p[e] == '\t'))
		e = line_end(p, len, e);
	*pos = e;
	f->name = NULL;
	/* libetpan's field name: bytes from 33 on but ':'; then, like libetpan,
	 * white space, folding and comments may stand before the colon */
	for (c = s; c < e && (unsigned char)p[c] > 32 && p[c] != ':'; c++)
		;
	nend = c;
	while (c < e && p[c] != ':') {
		if (p[c] == ' ' || p[c] == '\t' || p[c] == '\r' || p[c] == '\n') {
			c++;
		} else if (p[c] == '(') {
			int d = 0;
			for (; c < e; c++) {
				if (p[c] == '\\')
					c++;
				else if (p[c] == '(')
					d++;
				else if (p[c] == ')' && --d == 0)
					break;
			}
			c++;
		} else {
			break;
		}
	}
	if (c < e && p[c] == ':' && nend > s) {
		f->name = p + s;
		f->nlen = nend - s;
		f->val = p + c + 1;
		f->vlen = e - c - 1;
	}
	return 1;
}

static int
hname_is(const struct hfield *f, const char *name)
{
	return f->name && f->nlen == strlen(name) && !strncasecmp(f->name, name, f->nlen);
}

/* Unfolded, trimmed copy of a raw header value (bytes as they are). */
static char *
hval_dup(const char *v, size_t n)
{
	char *r = xmalloc(n + 1), *w = r;
	for (size_t i = 0; i < n; i++)
		if (v[i] != '\r' && v[i] != '\n')
			*w++ = v[i] ? v[i] : ' ';
	*w = '\0';
	{
		char *t = str_trim(r);
		if (t != r)
			memmove(r, t, strlen(t) + 1);
	}
	return r;
}

/* Same, as valid UTF-8 (8-bit headers: UTF-8 if valid, else windows-1252). */
static char *
hval_utf8(const char *v, size_t n)
{
	char *raw = hval_dup(v, n);
	char *r = charset_to_utf8(raw, strlen(raw), NULL);
	free(raw);
	return r;
}

/* ---- Content-Type value parsing (pre-scan and report-type) ---------- */

struct ctype {
	char type[32];
	char sub[32];
	const char *bnd; /* boundary inside the raw value, or NULL */
	size_t blen;
};

static void
ctype_parse(const char *v, size_t n, struct ctype *ct)
{
	size_t i = 0, k;
	memset(ct, 0, sizeof(*ct));
	while (i < n && isspace((unsigned char)v[i]))
		i++;
	for (k = 0; i < n && v[i] != '/' && v[i] != ';' && !isspace((unsigned char)v[i]); i++)
		if (k + 1 < sizeof(ct->type))
			ct->type[k++] = (char)tolower((unsigned char)v[i]);
	if (i < n && v[i] == '/')
		i++;
	for (k = 0; i < n && v[i] != ';' && !isspace((unsigned char)v[i]); i++)
		if (k + 1 < sizeof(ct->sub))
			ct->sub[k++] = (char)tolower((unsigned char)v[i]);
	/* parameters: look for boundary= */
	while (i < n) {
		size_t ns;
		while (i < n && v[i] != ';')
			i++;
		if (i >= n)
			break;
		i++;
		while (i < n && isspace((unsigned char)v[i]))
			i++;
		ns = i;
		while (i < n && v[i] != '=' && v[i] != ';')
			i++;
		if (i >= n || v[i] != '=')
			continue;
		{
			size_t nend = i;
			while (nend > ns && isspace((unsigned char)v[nend - 1]))
				nend--;
			i++;
			while (i < n && (v[i] == ' ' || v[i] == '\t'))
				i++;
			if (nend - ns == 8 && !strncasecmp(v + ns, "boundary", 8)) {
				if (i < n && v[i] == '"') {
					size_t s = ++i;
					while (i < n && v[i] != '"' && v[i] != '\r' && v[i] != '\n')
						i++;
					ct->bnd = v + s;
					ct->blen = i - s;
				} else {
					size_t s = i;
					while (i < n && v[i] != ';' && !isspace((unsigned char)v[i]))
						i++;
					ct->bnd = v + s;
					ct->blen = i - s;
				}
				if (!ct->blen)
					ct->bnd = NULL;
			} else if (i < n && v[i] == '"') {
				i++;
				while (i < n && v[i] != '"') {
					if (v[i] == '\\' && i + 1 < n)
						i++;
					i++;
				}
			}
		}
	}
}

/* ---- pre-scan: caps checked before libetpan ------------------------- */

/*
 * libetpan's mailmime_parse() recurses once per nesting level and keeps
 * every node, so the tree it would build is measured first, here, without
 * recursion.  The pre-scan walks the mail exactly the way libetpan 1.9.4
 * does (mailmime_content.c): header blocks are read by libetpan's own
 * field parsers (mailimf_optional_fields_parse for a part,
 * mailimf_envelope_and_optional_fields_parse for a message, then
 * mailmime_fields_parse), so every spelling libetpan accepts - white space
 * or comments before the colon, folding, comments around the type, the
 * subtype and "/", case, RFC 2047 words, quoted boundaries, the first
 * *parseable* Content-Type winning - is seen the same way; the multipart
 * body is split by a re-implementation of its delimiter scan, quirks
 * included (a delimiter is any line that starts with "--" and the
 * boundary, a prefix match; blank lines before the first part's header
 * are skipped).  Nodes are counted as libetpan creates them (the root
 * message is one), depth is the number of multipart and message/rfc822
 * nodes on a path below the root.  Cost: one scan of a multipart's body
 * per level, so at most (max_depth + 1) passes over the mail, and at most
 * max_parts header blocks read.
 */

enum { SCAN_ROOT, SCAN_PART, SCAN_MSG };

struct scan_item {
	size_t s, e;  /* the node's bytes: p[s..e) */
	int kind;     /* SCAN_ROOT, SCAN_PART (own header block), SCAN_MSG (body of a message/rfc822) */
	int dflt_msg; /* without Content-Type the part is message/rfc822 (in a multipart/digest) */
	int depth;    /* multipart and message nodes above this one, the root not counted */
};

struct scan {
	const char *p;
	const struct mail_caps *caps;
	struct scan_item *st; /* work stack */
	size_t n, cap;
	int nodes;
	char *why;
};

static int
scan_push(struct scan *sc, size_t s, size_t e, int kind, int dflt_msg, int depth)
{
	if (++sc->nodes > sc->caps->max_parts) {
		sc->why = xasprintf("too many MIME parts (more than %d)", sc->caps->max_parts);
		return -1;
	}
	if (sc->n == sc->cap)
		sc->st = xrealloc(sc->st, (sc->cap = sc->cap ? 2 * sc->cap : 32) * sizeof(*sc->st));
	sc->st[sc->n++] = (struct scan_item){s, e, kind, dflt_msg, depth};
	return 0;
}

/* Does "--" + boundary start at p[i] with at least one byte after it in p[0..len)? */
static int
bnd_at(const char *p, size_t len, size_t i, const char *b, size_t blen)
{
	return i + blen < len && memcmp(p + i, b, blen) == 0;
}

/*
 * The preamble scan: from *pos, find the next "--" that libetpan takes for
 * the start of a line (the start of the body when bol, after CR or LF, and
 * also one character after a line end; "\n-\n--" is missed, as there).
 * Sets *pos after the two dashes and returns 1, or returns 0 at the end.
 */
static int
pre_dashes(const char *p, size_t len, size_t *pos, int bol)
{
	enum { A0, A, A1, B, C, D } st = bol ? A0 : A;
	for (size_t i = *pos; i < len; i++) {
		char ch = p[i];
		switch (st) {
		case A0:
		case A1:
			if (ch == '-' && st == A1) {
				*pos = i + 1;
				return 1;
			}
			st = ch == '-' ? A1 : ch == '\r' ? B : ch == '\n' ? C : A;
			break;
		case A:
			st = ch == '\r' ? B : ch == '\n' ? C : A;
			break;
		case B:
		case C:
			st = ch == '-' ? D : ch == '\r' ? B : ch == '\n' ? C : A0;
			break;
		case D:
			if (ch == '-') {
				*pos = i + 1;
				return 1;
			}
			st = A;
			break;
		}
	}
	return 0;
}

/*
 * One delimiter search of the part scan: the text from *pos runs to the
 * next "\n--boundary" (or the end of the range).  On success *pos is after
 * the boundary (or len) and [*pos_in, *text_end) is the text without the
 * line end before the delimiter; returns 0 when that text is empty.
 */
static int
dash2(const char *p, size_t len, size_t *pos, const char *b, size_t blen, size_t *text_end)
{
	size_t begin = *pos, i = *pos, end = len, after = len;
	const char *nl;
	while (i < len && (nl = memchr(p + i, '\n', len - i)) != NULL) {
		i = (size_t)(nl - p) + 1;
		if (i < len && p[i] == '-') {
			end = i;
			if (i + 1 < len && p[i + 1] == '-' && bnd_at(p, len, i + 2, b, blen)) {
				after = i + 2 + blen;
				break;
			}
		}
	}
	if (end > begin) {
		if (p[end - 1] == '\r')
			end--;
		else if (p[end - 1] == '\n' && --end > begin && p[end - 1] == '\r')
			end--;
	}
	if (end == begin)
		return 0;
	*pos = after;
	*text_end = end;
	return 1;
}

static size_t
skip_wsp(const char *p, size_t len, size_t i)
{
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i;
}

/* CR? LF at p[i]: the index after it, or 0. */
static size_t
crlf_at(const char *p, size_t len, size_t i)
{
	if (i < len && p[i] == '\r')
		i++;
	return i < len && p[i] == '\n' ? i + 1 : 0;
}

/* A part up to a delimiter line: "--" boundary, white space, line end.  libetpan
 * reads on past a delimiter that has more on its line, the text included. */
static int
part_to_delim(const char *p, size_t e, size_t *pos, const char *b, size_t blen, size_t *text_end)
{
	size_t t = *pos, te, q;
	for (;;) {
		if (!dash2(p, e, &t, b, blen, &te))
			return 0;
		*text_end = te;
		t = skip_wsp(p, e, t);
		if ((q = crlf_at(p, e, t))) {
			*pos = q;
			return 1;
		}
	}
}

/* The last part: up to "--" boundary "--", or to the end of the range. */
static int
part_to_close(const char *p, size_t e, size_t *pos, const char *b, size_t blen, size_t *text_end)
{
	size_t t = *pos, te;
	for (;;) {
		if (!dash2(p, e, &t, b, blen, &te))
			return 0;
		*text_end = te;
		if (t >= e || (t + 1 < e && p[t] == '-' && p[t + 1] == '-')) {
			*pos = t;
			return 1;
		}
	}
}

/* Split the multipart body p[s..e) into parts the way libetpan does and push each. */
static int
scan_multipart(struct scan *sc, size_t s, size_t e, const char *b, int digest, int depth)
{
	const char *p = sc->p;
	size_t blen = strlen(b), cur = s, t = s, q;

	/* the preamble ends at the first delimiter (or the scan starts after the last "--") */
	if (pre_dashes(p, e, &t, 1)) {
		for (;;) {
			if (bnd_at(p, e, t, b, blen)) {
				t += blen;
				break;
			}
			if (!pre_dashes(p, e, &t, 0))
				break;
		}
	}
	cur = t;
	/* transport padding and blank lines before the first part */
	for (size_t pb = cur;;) {
		q = skip_wsp(p, e, cur);
		if (!(q = crlf_at(p, e, q))) {
			cur = pb;
			break;
		}
		cur = pb = q;
	}
	for (;;) {
		size_t begin = cur, end;
		int final = 0;
		t = cur;
		if (!part_to_delim(p, e, &t, b, blen, &end)) {
			t = cur;
			if (!part_to_close(p, e, &t, b, blen, &end))
				return 0; /* libetpan gives up on the body (and drops its parts) */
			final = 1;
		}
		if (scan_push(sc, begin, end, SCAN_PART, digest, depth) < 0)
			return -1;
		if (final)
			return 0;
		cur = t;
		if ((q = crlf_at(p, e, skip_wsp(p, e, cur))))
			cur = q;
	}
}

/* Read one node's header block, decide its body type and push its children. */
static int
scan_node(struct scan *sc, const struct scan_item *it)
{
	enum { SINGLE, MULTIPLE, MESSAGE } type = SINGLE;
	struct mailmime_fields *mf = NULL;
	struct mailmime_content *ct = NULL;
	size_t body = it->s;
	int rc = 0, own = it->depth + 1;
	char *bnd = NULL;

	if (it->kind == SCAN_ROOT) {
		type = MESSAGE;
		own = 0;
	} else {
		struct mailimf_fields *f = NULL;
		const char *d = sc->p + it->s;
		size_t n = it->e - it->s, idx = 0;
		int r = it->kind == SCAN_PART ? mailimf_optional_fields_parse(d, n, &idx, &f)
					      : mailimf_envelope_and_optional_fields_parse(d, n, &idx, &f);
		if (r != MAILIMF_NO_ERROR)
			f = NULL;
		mailimf_crlf_parse(d, n, &idx);
		if (f) {
			if (mailmime_fields_parse(f, &mf) != MAILIMF_NO_ERROR)
				mf = NULL;
			mailimf_fields_free(f);
		}
		body = it->s + idx;
		for (clistiter *c = mf ? clist_begin(mf->fld_list) : NULL; c && !ct; c = clist_next(c)) {
			struct mailmime_field *fl = clist_content(c);
			if (fl->fld_type == MAILMIME_FIELD_TYPE)
				ct = fl->fld_data.fld_content;
		}
		if (!ct) {
			type = it->dflt_msg ? MESSAGE : SINGLE;
		} else if (ct->ct_type && ct->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
			   ct->ct_type->tp_data.tp_composite_type) {
			int comp = ct->ct_type->tp_data.tp_composite_type->ct_type;
			if (comp == MAILMIME_COMPOSITE_TYPE_MULTIPART) {
				const char *v = mailmime_content_param_get(ct, "boundary");
				/* libetpan 1.9.4 strips the quotes of a value starting with '"' by
				 * length - 2: a one-byte value (boundary="\"") overflows its heap */
				if (v && v[0] == '"' && strlen(v) < 2) {
					sc->why = xstrdup("broken MIME structure (bad boundary)");
					rc = -1;
					goto out;
				}
				bnd = mailmime_extract_boundary(ct);
				type = bnd ? MULTIPLE : SINGLE;
			} else if (comp == MAILMIME_COMPOSITE_TYPE_MESSAGE && ct->ct_subtype &&
				   !strcasecmp(ct->ct_subtype, "rfc822")) {
				type = MESSAGE;
			}
		}
		if (type == MESSAGE && mf) {
			int enc = mailmime_transfer_encoding_get(mf);
			if (enc == MAILMIME_MECHANISM_QUOTED_PRINTABLE || enc == MAILMIME_MECHANISM_BASE64)
				type = SINGLE;
		}
	}
	if (type == SINGLE)
		goto out;
	if (own > sc->caps->max_depth) {
		sc->why = xasprintf("MIME nesting too deep (more than %d levels)", sc->caps->max_depth);
		rc = -1;
		goto out;
	}
	if (type == MESSAGE)
		rc = scan_push(sc, body, it->e, SCAN_MSG, 0, own);
	else
		rc = scan_multipart(sc, body, it->e, bnd, ct->ct_subtype && !strcasecmp(ct->ct_subtype, "digest"), own);
out:
	free(bnd);
	if (mf)
		mailmime_fields_free(mf);
	return rc;
}

/*
 * Count the tree libetpan would build for p[0..len) (exactly what is passed
 * to mailmime_parse).  Returns 0, or -1 with *why set (allocated).
 * *nparts gets the number of nodes seen.
 */
static int
mime_prescan(const char *p, size_t len, const struct mail_caps *caps, int *nparts, char **why)
{
	struct scan sc = {p, caps, NULL, 0, 0, 0, NULL};
	int rc = scan_push(&sc, 0, len, SCAN_ROOT, 0, 0);
	while (rc == 0 && sc.n) {
		struct scan_item it = sc.st[--sc.n];
		rc = scan_node(&sc, &it);
	}
	*nparts = sc.nodes;
	*why = sc.why;
	free(sc.st);
	return rc;
}

/*
 * libetpan parses RFC 5322 comments recursively wherever it parses a
 * structured header, and reads a quoted pair ("\" and any byte, a line end
 * too) inside one.  Refuse absurd nesting anywhere in the mail before
 * libetpan sees it: a comment can only go on past a line end that is
 * escaped or followed by white space (folding).
 */
static int
paren_bomb(const char *p, size_t len)
{
	int d = 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\\') {
			i++;
		} else if (p[i] == '(') {
			if (++d > 2000)
				return 1;
		} else if (p[i] == ')') {
			if (d > 0)
				d--;
		} else if (p[i] == '\n' && !(i + 1 < len && (p[i + 1] == ' ' || p[i + 1] == '\t'))) {
			d = 0;
		}
	}
	return 0;
}

/* ---- address and id helpers ----------------------------------------- */

static char *
lower_dup(const char *s)
{
	char *r = utf8_sanitize(s, strlen(s));
	str_lower_ascii(r);
	return r;
}

/* Fallback when libetpan cannot parse an address: <x@y> or a bare x@y. */
static char *
addr_fallback(const char *v)
{
	const char *lt = strchr(v, '<'), *at;
	if (lt) {
		const char *gt = strchr(lt, '>');
		if (gt && gt > lt + 1 && memchr(lt, '@', (size_t)(gt - lt))) {
			char *t = xstrndup(lt + 1, (size_t)(gt - lt - 1));
			char *r = lower_dup(str_trim(t));
			free(t);
			return r;
		}
	}
	at = strchr(v, '@');
	if (at) {
		const char *s = at, *e = at;
		while (s > v && !isspace((unsigned char)s[-1]) && s[-1] != '<' && s[-1] != '"' && s[-1] != ',')
			s--;
		while (*e && !isspace((unsigned char)*e) && *e != '>' && *e != ',' && *e != ';')
			e++;
		if (s < at && e > at + 1) {
			char *t = xstrndup(s, (size_t)(e - s));
			char *r = lower_dup(t);
			free(t);
			return r;
		}
	}
	return NULL;
}

static void
take_mailbox(struct mailimf_mailbox *mb, char **addr, char **name)
{
	if (addr && mb->mb_addr_spec && *mb->mb_addr_spec)
		*addr = lower_dup(mb->mb_addr_spec);
	if (name && mb->mb_display_name && *mb->mb_display_name) {
		char *d = rfc2047_decode(mb->mb_display_name);
		char *t = str_trim(d);
		if (*t)
			*name = xstrdup(t);
		free(d);
	}
}

/* First mailbox of an address list value (From, To, Reply-To). */
static void
first_address(const char *v, char **addr, char **name)
{
	size_t idx = 0, n = strlen(v);
	struct mailimf_address_list *al = NULL;

	if (n > HVAL_PARSE_MAX)
		n = HVAL_PARSE_MAX;
	if (mailimf_address_list_parse(v, n, &idx, &al) == MAILIMF_NO_ERROR && al) {
		for (clistiter *it = clist_begin(al->ad_list); it; it = clist_next(it)) {
			struct mailimf_address *a = clist_content(it);
			struct mailimf_mailbox *mb = NULL;
			if (a->ad_type == MAILIMF_ADDRESS_MAILBOX)
				mb = a->ad_data.ad_mailbox;
			else if (a->ad_data.ad_group->grp_mb_list &&
				 clist_begin(a->ad_data.ad_group->grp_mb_list->mb_list))
				mb = clist_content(clist_begin(a->ad_data.ad_group->grp_mb_list->mb_list));
			if (mb) {
				take_mailbox(mb, addr, name);
				break;
			}
		}
		mailimf_address_list_free(al);
	}
	if (addr && !*addr)
		*addr = addr_fallback(v);
	if (name && !*name && addr && !*addr) {
		/* no address at all: leave name empty too */
	}
}

/* Append every mailbox address of an address list value (To, Cc), space separated, lower case;
 * at most 64 in all. */
static void
all_addresses(const char *v, struct buf *out)
{
	size_t idx = 0, n = strlen(v);
	struct mailimf_address_list *al = NULL;
	if (n > HVAL_PARSE_MAX)
		n = HVAL_PARSE_MAX;
	if (mailimf_address_list_parse(v, n, &idx, &al) != MAILIMF_NO_ERROR || !al)
		return;
	int count = 0;
	for (const char *p = out->p ? out->p : ""; *p; p++)
		count += *p == ' ';
	for (clistiter *it = clist_begin(al->ad_list); it && count < 64; it = clist_next(it)) {
		struct mailimf_address *a = clist_content(it);
		clist *mbs = NULL;
		struct mailimf_mailbox *one = NULL;
		if (a->ad_type == MAILIMF_ADDRESS_MAILBOX)
			one = a->ad_data.ad_mailbox;
		else if (a->ad_data.ad_group->grp_mb_list)
			mbs = a->ad_data.ad_group->grp_mb_list->mb_list;
		for (clistiter *g = mbs ? clist_begin(mbs) : NULL; one || g; g = g ? clist_next(g) : NULL) {
			struct mailimf_mailbox *mb = one ? one : clist_content(g);
			char *addr = NULL;
			take_mailbox(mb, &addr, NULL);
			if (addr && !strchr(addr, ' ')) {
				buf_addf(out, "%s%s", out->len ? " " : "", addr);
				count++;
			}
			free(addr);
			if (one)
				break;
		}
	}
	mailimf_address_list_free(al);
}

/* How many mailboxes a From value names (groups counted by their members).
 * A value libetpan cannot read whole counts its '@' outside quotes and
 * comments, so two addresses never pass for one. */
static int
count_mailboxes(const char *v)
{
	size_t idx = 0, n = strlen(v);
	struct mailimf_address_list *al = NULL;
	int parsed = 0, ats = 0, q = 0, d = 0;
	if (mailimf_address_list_parse(v, n > HVAL_PARSE_MAX ? HVAL_PARSE_MAX : n, &idx, &al) == MAILIMF_NO_ERROR &&
	    al) {
		for (clistiter *it = clist_begin(al->ad_list); it; it = clist_next(it)) {
			struct mailimf_address *a = clist_content(it);
			if (a->ad_type == MAILIMF_ADDRESS_MAILBOX)
				parsed++;
			else if (a->ad_data.ad_group->grp_mb_list)
				parsed += clist_count(a->ad_data.ad_group->grp_mb_list->mb_list);
		}
		mailimf_address_list_free(al);
		while (idx < n && isspace((unsigned char)v[idx]))
			idx++;
		if (idx == n)
			return parsed;
	}
	for (const char *p = v; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '"' && !d)
			q = !q;
		else if (*p == '(' && !q)
			d++;
		else if (*p == ')' && !q && d)
			d--;
		else if (*p == '@' && !q && !d)
			ats++;
	}
	if (ats < 1 && parsed < 1 && strspn(v, " \t\r\n") < n)
		ats = 1; /* something that is no address at all is still a sender */
	return parsed > ats ? parsed : ats;
}

static char *
strip_angles(const char *v)
{
	const char *s = v, *e;
	while (*s == ' ' || *s == '\t' || *s == '<')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '>'))
		e--;
	if (e == s)
		return NULL;
	{
		char *t = xstrndup(s, (size_t)(e - s));
		char *r = utf8_sanitize(t, strlen(t));
		free(t);
		return r;
	}
}

/* Ids of a msg-id list ("<a@b> <c@d>"), space separated; first only if
 * first_only.  NULL if none. */
static char *
id_list(const char *v, int first_only)
{
	size_t idx = 0, n = strlen(v);
	clist *l = NULL;
	struct buf b = BUF_INIT;

	if (n > 16 * HVAL_PARSE_MAX)
		n = 16 * HVAL_PARSE_MAX;
	if (mailimf_msg_id_list_parse(v, n, &idx, &l) == MAILIMF_NO_ERROR && l) {
		for (clistiter *it = clist_begin(l); it; it = clist_next(it)) {
			const char *id = clist_content(it);
			if (!id || !*id)
				continue;
			if (b.len)
				buf_addc(&b, ' ');
			buf_adds(&b, id);
			if (first_only)
				break;
		}
		for (clistiter *it = clist_begin(l); it; it = clist_next(it))
			mailimf_msg_id_free(clist_content(it));
		clist_free(l);
	}
	if (!b.len) {
		/* unparseable: take what is between the first <> or the bare token */
		const char *lt = strchr(v, '<'), *gt = lt ? strchr(lt, '>') : NULL;
		if (lt && gt && gt > lt + 1)
			buf_add(&b, lt + 1, (size_t)(gt - lt - 1));
		else if (!lt && *v)
			buf_adds(&b, v);
	}
	if (!b.len)
		return NULL;
	{
		char *r = utf8_sanitize(b.p, b.len), *t;
		buf_free(&b);
		t = str_trim(r);
		if (!*t) {
			free(r);
			return NULL;
		}
		if (t != r)
			memmove(r, t, strlen(t) + 1);
		return r;
	}
}

static int
local_part_is(const char *addr, const char *lp)
{
	size_t n = strlen(lp);
	return addr && !strncasecmp(addr, lp, n) && (addr[n] == '@' || addr[n] == '\0');
}

/* ---- headers -------------------------------------------------------- */

struct hdr_state {
	char *content_type; /* raw unfolded root Content-Type */
	int got_any;
};

static void
set_auto(struct parsed_mail *m, char *reason)
{
	if (m->is_auto) {
		free(reason);
		return;
	}
	m->is_auto = 1;
	m->auto_reason = reason;
}

/* Is tok one of the comma/space separated words of v? (case-insensitive) */
static int
has_token(const char *v, const char *tok)
{
	size_t n = strlen(tok);
	for (const char *p = v; *p;) {
		while (*p && (*p == ',' || *p == ' ' || *p == '\t' || *p == ';'))
			p++;
		if (!strncasecmp(p, tok, n) &&
		    (p[n] == '\0' || p[n] == ',' || p[n] == ' ' || p[n] == ';' || p[n] == '\t'))
			return 1;
		while (*p && *p != ',' && *p != ' ' && *p != '\t' && *p != ';')
			p++;
	}
	return 0;
}

/* Fill m from the header block at raw[0..len); returns the body offset. */
static size_t
parse_headers(const char *raw, size_t len, struct parsed_mail *m, struct hdr_state *hs)
{
	size_t pos = 0;
	struct hfield f;
	struct buf ar = BUF_INIT, rcpts = BUF_INIT;
	char *from_raw = NULL;

	/* an mbox "From " line is no header */
	if (len > 5 && !memcmp(raw, "From ", 5))
		pos = line_end(raw, len, 0);
	while (hdr_next(raw, len, &pos, &f)) {
		char *v;
		if (!f.name)
			continue;
		hs->got_any = 1;
		if (f.vlen > 1024 * 1024)
			f.vlen = 1024 * 1024; /* nobody needs more of any one header */
		v = hval_dup(f.val, f.vlen);
		if (hname_is(&f, "From"))
			m->from_count += count_mailboxes(v);
		if (hname_is(&f, "From") && !from_raw) {
			from_raw = v;
			v = NULL;
		} else if (hname_is(&f, "Reply-To") && !m->reply_to) {
			first_address(v, &m->reply_to, NULL);
		} else if (hname_is(&f, "To") || hname_is(&f, "Cc")) {
			if (hname_is(&f, "To") && !m->to_addr)
				first_address(v, &m->to_addr, NULL);
			all_addresses(v, &rcpts);
		} else if (hname_is(&f, "Return-Path") && !m->return_path) {
			char *t = strip_angles(v);
			m->return_path = t ? lower_dup(t) : xstrdup("");
			free(t);
		} else if (hname_is(&f, "Subject") && !m->subject) {
			m->subject = rfc2047_decode(v);
		} else if (hname_is(&f, "Message-ID") && !m->message_id) {
			m->message_id = id_list(v, 1);
		} else if (hname_is(&f, "In-Reply-To") && !m->in_reply_to) {
			m->in_reply_to = id_list(v, 1);
		} else if (hname_is(&f, "References") && !m->references) {
			m->references = id_list(v, 0);
		} else if (hname_is(&f, "Authentication-Results")) {
			char *u = hval_utf8(f.val, f.vlen);
			if (ar.len)
				buf_addc(&ar, '\n');
			buf_adds(&ar, u);
			free(u);
		} else if (hname_is(&f, "Date") && !m->date) {
			m->date = hval_utf8(f.val, f.vlen);
		} else if (hname_is(&f, "Content-Language") && !m->content_language) {
			m->content_language = hval_utf8(f.val, f.vlen);
		} else if (hname_is(&f, "Content-Type") && !hs->content_type) {
			hs->content_type = v;
			v = NULL;
		} else if (hname_is(&f, "Auto-Submitted")) {
			char tok[32];
			size_t k = 0;
			for (const char *p = v; *p && *p != ';' && *p != ' ' && k + 1 < sizeof(tok); p++)
				tok[k++] = *p;
			tok[k] = '\0';
			if (strcasecmp(tok, "no") != 0) {
				char *u = utf8_sanitize(v, strlen(v));
				set_auto(m, xasprintf("Auto-Submitted: %.60s", u));
				free(u);
			}
		} else if (hname_is(&f, "Precedence")) {
			if (!strcasecmp(v, "bulk") || !strcasecmp(v, "junk") || !strcasecmp(v, "list")) {
				str_lower_ascii(v);
				set_auto(m, xasprintf("Precedence: %s", v));
			}
		} else if (hname_is(&f, "List-Id") || hname_is(&f, "List-Unsubscribe") || hname_is(&f, "List-Post") ||
			   hname_is(&f, "List-Help") || hname_is(&f, "List-Subscribe") || hname_is(&f, "List-Owner") ||
			   hname_is(&f, "List-Archive")) {
			set_auto(m, xasprintf("%.*s header", (int)f.nlen, f.name));
		} else if (hname_is(&f, "X-Autoreply") || hname_is(&f, "X-Autorespond") ||
			   hname_is(&f, "X-Auto-Reply")) {
			set_auto(m, xasprintf("%.*s header", (int)f.nlen, f.name));
		} else if (hname_is(&f, "X-Auto-Response-Suppress")) {
			if (has_token(v, "All") || has_token(v, "OOF"))
				set_auto(m, xasprintf("X-Auto-Response-Suppress: %s",
						      has_token(v, "All") ? "All" : "OOF"));
		}
		free(v);
	}
	m->auth_results = ar.len ? buf_detach(&ar) : NULL;
	buf_free(&ar);
	m->rcpt_addrs = rcpts.len ? buf_detach(&rcpts) : NULL;
	buf_free(&rcpts);
	if (from_raw) {
		first_address(from_raw, &m->from_addr, &m->from_name);
		free(from_raw);
	}
	if (!m->subject)
		m->subject = xstrdup("");
	else {
		char *t = str_trim(m->subject);
		if (t != m->subject)
			memmove(m->subject, t, strlen(t) + 1);
	}
	if (m->return_path && !*m->return_path)
		set_auto(m, xstrdup("Return-Path: <>"));
	if (local_part_is(m->from_addr, "mailer-daemon")) {
		set_auto(m, xstrdup("From: MAILER-DAEMON"));
		m->is_bounce = 1;
	} else if (local_part_is(m->from_addr, "postmaster")) {
		set_auto(m, xstrdup("From: postmaster"));
	}
	if (hs->content_type) {
		struct ctype ct;
		ctype_parse(hs->content_type, strlen(hs->content_type), &ct);
		if (!strcmp(ct.type, "multipart") && !strcmp(ct.sub, "report"))
			set_auto(m, xstrdup("Content-Type: multipart/report"));
	}
	return pos;
}

/* ---- MIME body ------------------------------------------------------ */

struct walk {
	struct parsed_mail *m;
	struct mailmime *plain, *html;
	int nodes;
};

static const char *
mime_subtype(struct mailmime *mm, int *discrete, int *composite)
{
	struct mailmime_content *ct = mm->mm_content_type;
	*discrete = -1;
	*composite = -1;
	if (!ct || !ct->ct_type)
		return "";
	if (ct->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE && ct->ct_type->tp_data.tp_discrete_type)
		*discrete = ct->ct_type->tp_data.tp_discrete_type->dt_type;
	else if (ct->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE && ct->ct_type->tp_data.tp_composite_type)
		*composite = ct->ct_type->tp_data.tp_composite_type->ct_type;
	return ct->ct_subtype ? ct->ct_subtype : "";
}

/* A parameter of the part's Content-Type, RFC 2231 forms included
 * (name*=charset''pct, name*0=…).  Caller frees. */
static char *
ct_param(struct mailmime_content *ct, const char *name)
{
	size_t n = strlen(name);
	struct buf b = BUF_INIT;
	int ext = 0;

	if (!ct || !ct->ct_parameters)
		return NULL;
	for (clistiter *it = clist_begin(ct->ct_parameters); it; it = clist_next(it)) {
		struct mailmime_parameter *p = clist_content(it);
		if (p->pa_name && p->pa_value && !strcasecmp(p->pa_name, name))
			return xstrdup(p->pa_value);
	}
	/* RFC 2231: name* or name*0, name*1, ... (in order as written) */
	for (clistiter *it = clist_begin(ct->ct_parameters); it; it = clist_next(it)) {
		struct mailmime_parameter *p = clist_content(it);
		if (!p->pa_name || !p->pa_value || strncasecmp(p->pa_name, name, n) || p->pa_name[n] != '*')
			continue;
		if (strchr(p->pa_name + n, '*') && p->pa_name[strlen(p->pa_name) - 1] == '*')
			ext = 1;
		buf_adds(&b, p->pa_value);
	}
	if (!b.len) {
		buf_free(&b);
		return NULL;
	}
	if (ext) {
		/* charset'lang'%XX... : decode percent escapes, convert charset */
		char *v = b.p, *q1 = strchr(v, '\''), *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
		struct buf d = BUF_INIT;
		char cs[64] = "";
		const char *s = v;
		char *r;
		if (q1 && q2) {
			size_t cl = (size_t)(q1 - v) < sizeof(cs) - 1 ? (size_t)(q1 - v) : sizeof(cs) - 1;
			memcpy(cs, v, cl);
			cs[cl] = '\0';
			s = q2 + 1;
		}
		for (; *s; s++) {
			if (*s == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
				char hx[3] = {s[1], s[2], 0};
				buf_addc(&d, (char)strtol(hx, NULL, 16));
				s += 2;
			} else {
				buf_addc(&d, *s);
			}
		}
		r = charset_to_utf8(d.p ? d.p : "", d.len, cs[0] ? cs : NULL);
		buf_free(&d);
		buf_free(&b);
		return r;
	}
	return buf_detach(&b);
}

static int
is_attachment(struct mailmime *mm)
{
	struct mailmime_fields *fl = mm->mm_mime_fields;
	if (!fl)
		return 0;
	for (clistiter *it = clist_begin(fl->fld_list); it; it = clist_next(it)) {
		struct mailmime_field *f = clist_content(it);
		if (f->fld_type == MAILMIME_FIELD_DISPOSITION && f->fld_data.fld_disposition &&
		    f->fld_data.fld_disposition->dsp_type &&
		    f->fld_data.fld_disposition->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_ATTACHMENT)
			return 1;
	}
	return 0;
}

/* CRLF → LF in place (libetpan's decoders write CRLF): one line-end
 * convention for everything downstream.  Returns s. */
static char *
crlf_to_lf(char *s)
{
	char *w = s;
	for (char *p = s; *p; p++)
		if (!(*p == '\r' && p[1] == '\n'))
			*w++ = *p;
	*w = '\0';
	return s;
}

/* Decoded (transfer encoding undone) body of a single part as UTF-8, with
 * LF line ends.  Caller frees. */
static char *
part_text(struct mailmime *mm)
{
	struct mailmime_data *d = mm->mm_data.mm_single;
	char *dec = NULL, *cs, *r;
	size_t declen = 0, idx = 0;
	int enc;

	if (!d || d->dt_type != MAILMIME_DATA_TEXT)
		return xstrdup("");
	enc = mm->mm_mime_fields ? mailmime_transfer_encoding_get(mm->mm_mime_fields) : MAILMIME_MECHANISM_8BIT;
	cs = ct_param(mm->mm_content_type, "charset");
	if (d->dt_encoded && mailmime_part_parse(d->dt_data.dt_text.dt_data, d->dt_data.dt_text.dt_length, &idx, enc,
						 &dec, &declen) == MAILIMF_NO_ERROR) {
		r = charset_to_utf8(dec, declen, cs);
		mailmime_decoded_part_free(dec);
	} else {
		r = charset_to_utf8(d->dt_data.dt_text.dt_data, d->dt_data.dt_text.dt_length, cs);
	}
	free(cs);
	return crlf_to_lf(r);
}

/* Address from a DSN field value "rfc822; user@example.com". */
static char *
dsn_addr(const char *v)
{
	const char *semi = strchr(v, ';');
	char *t, *r;
	if (semi)
		v = semi + 1;
	t = xstrdup(v);
	r = addr_fallback(str_trim(t));
	if (!r && *str_trim(t))
		r = lower_dup(str_trim(t));
	free(t);
	return r;
}

static void
parse_delivery_status(struct parsed_mail *m, const char *txt)
{
	size_t pos = 0, len = strlen(txt);
	char *final = NULL, *orig = NULL;
	/* per-message fields, then one block per recipient: read all blocks */
	while (pos < len) {
		struct hfield f;
		while (hdr_next(txt, len, &pos, &f)) {
			char *v;
			if (!f.name)
				continue;
			v = hval_dup(f.val, f.vlen > 4096 ? 4096 : f.vlen);
			if (hname_is(&f, "Final-Recipient") && !final)
				final = dsn_addr(v);
			else if (hname_is(&f, "Original-Recipient") && !orig)
				orig = dsn_addr(v);
			free(v);
		}
		if (final || orig)
			break;
	}
	/* Original-Recipient is the address we sent to (before forwarding) */
	{
		char *pick = orig ? orig : final;
		if (orig)
			free(final);
		if (!m->bounce_rcpt)
			m->bounce_rcpt = pick; /* the first delivery-status part wins */
		else
			free(pick);
	}
}

static void
take_calendar(struct parsed_mail *m, struct mailmime *mm)
{
	char *meth = ct_param(mm->mm_content_type, "method");
	m->calendar = part_text(mm);
	if (!meth) {
		/* METHOD property of the VCALENDAR */
		const char *p = m->calendar;
		while (p && *p) {
			if (!strncasecmp(p, "METHOD:", 7)) {
				size_t n = strcspn(p + 7, "\r\n");
				meth = xstrndup(p + 7, n);
				break;
			}
			p = strchr(p, '\n');
			if (p)
				p++;
		}
	}
	if (meth) {
		char *t = str_trim(meth);
		for (char *q = t; *q; q++)
			*q = (char)toupper((unsigned char)*q);
		m->calendar_method = *t ? utf8_sanitize(t, strlen(t)) : NULL;
		free(meth);
	}
}

/* Iterative walk (an explicit stack: no recursion on mail input). */
static void
mime_walk(struct walk *w, struct mailmime *root)
{
	struct item {
		struct mailmime *mm;
		int in_msg; /* inside an attached message/rfc822 */
		int in_report;
	};
	size_t cap = 64, n = 0;
	struct item *st = xmalloc(cap * sizeof(*st));

	st[n++] = (struct item){root, 0, 0};
	while (n) {
		struct item it = st[--n];
		struct mailmime *mm = it.mm;
		int disc, comp;
		const char *sub = mime_subtype(mm, &disc, &comp);

		w->nodes++;
		if (mm->mm_type == MAILMIME_MESSAGE) {
			struct mailmime *body = mm->mm_data.mm_message.mm_msg_mime;
			if (body) {
				if (n == cap)
					st = xrealloc(st, (cap *= 2) * sizeof(*st));
				/* the root message's body is the mail; any other is attached */
				st[n++] = (struct item){body, it.in_msg || mm != root, it.in_report};
			}
			continue;
		}
		if (mm->mm_type == MAILMIME_MULTIPLE) {
			clist *l = mm->mm_data.mm_multipart.mm_mp_list;
			int report = 0;
			size_t k = 0, cnt;
			if (!strcasecmp(sub, "report")) {
				char *rt = ct_param(mm->mm_content_type, "report-type");
				if (rt && !strcasecmp(rt, "delivery-status") && !it.in_msg)
					w->m->is_bounce = 1;
				report = 1;
				free(rt);
			}
			if (!l)
				continue;
			cnt = (size_t)clist_count(l);
			while (n + cnt > cap)
				st = xrealloc(st, (cap *= 2) * sizeof(*st));
			/* push in reverse so the first child is handled first */
			for (clistiter *c = clist_begin(l); c; c = clist_next(c), k++)
				st[n + cnt - 1 - k] =
					(struct item){clist_content(c), it.in_msg, report || it.in_report};
			n += cnt;
			continue;
		}
		/* single part */
		if (disc == MAILMIME_DISCRETE_TYPE_TEXT && !strcasecmp(sub, "calendar")) {
			if (!w->m->calendar)
				take_calendar(w->m, mm);
			continue;
		}
		if (comp == MAILMIME_COMPOSITE_TYPE_MESSAGE && !strcasecmp(sub, "delivery-status")) {
			char *t = part_text(mm);
			parse_delivery_status(w->m, t);
			free(t);
			continue;
		}
		if (it.in_msg)
			continue; /* an attached mail's text is not this mail's body */
		if (disc == MAILMIME_DISCRETE_TYPE_TEXT && !is_attachment(mm)) {
			if (!strcasecmp(sub, "plain") && !w->plain)
				w->plain = mm;
			else if (!strcasecmp(sub, "html") && !w->html)
				w->html = mm;
		}
	}
	free(st);
}

static int
blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

/* Is the mail a multipart whose boundary never starts a line of body[0..n)? */
static int
boundary_missing(struct mailmime *mm, const char *body, size_t n)
{
	struct mailmime *top = mm->mm_type == MAILMIME_MESSAGE ? mm->mm_data.mm_message.mm_msg_mime : NULL;
	char *b;
	int missing = 1;
	if (!top || top->mm_type != MAILMIME_MULTIPLE || !top->mm_content_type)
		return 0;
	b = mailmime_extract_boundary(top->mm_content_type);
	if (!b)
		return 0;
	for (size_t i = 0, bl = strlen(b); i + 2 + bl <= n && missing; i = line_end(body, n, i))
		if (body[i] == '-' && body[i + 1] == '-' && !memcmp(body + i + 2, b, bl))
			missing = 0;
	free(b);
	return missing;
}

/* ---- public --------------------------------------------------------- */

void
parsed_mail_free(struct parsed_mail *m)
{
	if (!m)
		return;
	free(m->from_addr);
	free(m->from_name);
	free(m->reply_to);
	free(m->to_addr);
	free(m->rcpt_addrs);
	free(m->return_path);
	free(m->subject);
	free(m->message_id);
	free(m->in_reply_to);
	free(m->references);
	free(m->auth_results);
	free(m->date);
	free(m->content_language);
	free(m->text);
	free(m->calendar);
	free(m->calendar_method);
	free(m->auto_reason);
	free(m->bounce_rcpt);
	free(m->error);
	memset(m, 0, sizeof(*m));
}

int
mime_parse_headers(const char *raw, size_t len, struct parsed_mail *out)
{
	struct hdr_state hs = {NULL, 0};
	memset(out, 0, sizeof(*out));
	parse_headers(raw ? raw : "", raw ? len : 0, out, &hs);
	free(hs.content_type);
	out->text = xstrdup("");
	if (!hs.got_any) {
		out->error = xstrdup("no mail headers found");
		return -1;
	}
	return 0;
}

static void
fmt_mb(char *out, size_t n, size_t bytes)
{
	if (bytes >= 1024 * 1024)
		snprintf(out, n, "%zu MB", bytes / (1024 * 1024));
	else
		snprintf(out, n, "%zu KB", (bytes + 1023) / 1024);
}

char *
mime_too_large(size_t len, size_t max_size)
{
	char a[32], b[32];
	fmt_mb(a, sizeof(a), len);
	fmt_mb(b, sizeof(b), max_size);
	return xasprintf("mail too large (%s > %s)", a, b);
}

int
mime_parse(const char *raw, size_t len, const struct mail_caps *caps_in, struct parsed_mail *out)
{
	struct mail_caps caps = MAIL_CAPS_DEFAULT;
	struct hdr_state hs = {NULL, 0};
	struct mailmime *mm = NULL;
	struct walk w;
	char *copy = NULL, *why = NULL;
	size_t hlen, body, idx = 0, skip = 0;
	int rc = 0, nparts = 0;

	memset(out, 0, sizeof(*out));
	if (caps_in)
		caps = *caps_in;
	if (caps.max_depth < 1)
		caps.max_depth = 1;
	if (caps.max_parts < 1)
		caps.max_parts = 1;
	if (!raw)
		len = 0;

	/* headers first, from a cheap parse that needs no caps: the bot can
	 * still answer the sender of a mail it will not read */
	hlen = len;
	if (hlen > caps.max_size && hlen > 4 * 1024 * 1024)
		hlen = 4 * 1024 * 1024;
	body = parse_headers(raw ? raw : "", hlen, out, &hs);
	if (!hs.got_any) {
		out->error = xstrdup("no mail headers found");
		out->text = xstrdup("");
		rc = -1;
		goto out;
	}
	if (len > caps.max_size) {
		out->error = mime_too_large(len, caps.max_size);
		goto out;
	}
	/* an mbox "From " line is no header: libetpan would stop there */
	if (len > 5 && !memcmp(raw, "From ", 5))
		skip = line_end(raw, len, 0);
	/* comments first: the pre-scan reads headers with libetpan's parsers */
	if (paren_bomb(raw, len)) {
		out->error = xstrdup("header comments nested too deeply");
		goto out;
	}
	if (mime_prescan(raw + skip, len - skip, &caps, &nparts, &why) < 0) {
		out->error = why;
		out->nparts = nparts;
		goto out;
	}
	out->nparts = nparts;

	/* libetpan results point into the buffer: this copy lives until the
	 * texts are extracted.  NUL-terminated for the string helpers. */
	copy = xmalloc(len + 1);
	memcpy(copy, raw, len);
	copy[len] = '\0';
	if (mailmime_parse(copy + skip, len - skip, &idx, &mm) != MAILIMF_NO_ERROR || !mm) {
		out->error = xstrdup("broken MIME structure");
		out->text = crlf_to_lf(charset_to_utf8(copy + body, len - body, NULL));
		goto out;
	}
	memset(&w, 0, sizeof(w));
	w.m = out;
	mime_walk(&w, mm);
	out->nparts = w.nodes;
	{
		char *plain = w.plain ? part_text(w.plain) : NULL;
		if (boundary_missing(mm, copy + body, len - body)) {
			/* the declared boundary never occurs: the body is just text */
			out->text = crlf_to_lf(charset_to_utf8(copy + body, len - body, NULL));
		} else if (plain && !blank(plain)) {
			out->text = plain;
			plain = NULL;
		} else if (w.html) {
			char *h = part_text(w.html);
			out->text = html_to_text(h, strlen(h));
			out->text_from_html = 1;
			free(h);
		} else if (plain) {
			out->text = plain;
			plain = NULL;
		}
		free(plain);
	}
out:
	if (!out->text)
		out->text = xstrdup("");
	if (mm)
		mailmime_free(mm);
	free(copy);
	free(hs.content_type);
	return rc;
}
