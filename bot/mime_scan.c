/*
 * mime_scan.c - the caps checked before libetpan sees a mail: a linear
 * pre-scan of the MIME tree (nodes, nesting depth) and of comment nesting,
 * because libetpan's parsers recurse without limits.  No global state; any
 * thread may call it.
 */
#include "mime.h"
#include "mime_int.h"
#include "util.h"

#include <ctype.h>
#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
int
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
int
mime_paren_bomb(const char *p, size_t len)
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
