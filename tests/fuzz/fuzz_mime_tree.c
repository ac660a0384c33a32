/*
 * fuzz_mime_tree.c - libFuzzer target: large MIME trees generated from the
 * fuzz bytes, and the pre-scan's promise checked against libetpan itself.
 *
 * The input is a small program: a flags byte, a depth (up to 50,000), a
 * part count (up to 300,000; the mail stops growing at 4 MB), siblings per level, then one byte per level
 * choosing how that level's Content-Type is written (space or a comment
 * before the colon, comments around type, "/" and subtype, folding, case,
 * quoted boundaries, RFC 2047, an unparseable first Content-Type,
 * message/rfc822, multipart/digest, base64 message/rfc822, LF line ends,
 * blank lines after a delimiter, a missing close delimiter) and bytes of
 * noise spliced into bodies.  Boundaries are "b<level>" with or without a
 * suffix, so one can be a prefix of another, as libetpan matches them.
 *
 * Invariant: whenever mime_parse() accepts a mail (no error), libetpan's
 * tree for it is no deeper than max_depth (multipart and message nodes on a
 * path below the root) and has no more than max_parts nodes: the pre-scan
 * never under-counts what libetpan builds.  A pre-scan that did would show
 * up here as an abort() or as a stack overflow inside mailmime_parse().
 * Seeds: tests/fixtures/mime_tree/ (the three bombs of security finding 2).
 */
#include "mime.h"
#include "util.h"

#include <libetpan/libetpan.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MAIL (4u * 1024 * 1024) /* the bombs of finding 2 are 2-3 MB */

struct gen {
	const uint8_t *d;
	size_t n, i;
	struct buf b;
	const char *nl;
};

static unsigned
next(struct gen *g)
{
	if (!g->n)
		return 0;
	return g->d[g->i++ % g->n];
}

static void
noise(struct gen *g)
{
	unsigned k = next(g) % 8;
	for (unsigned j = 0; j < k; j++) {
		char c = (char)next(g);
		buf_addc(&g->b, c ? c : ' ');
	}
}

/* One level's Content-Type for boundary bnd; returns 1 for a message/rfc822 level, 2 for a digest. */
static int
ctype(struct gen *g, unsigned v, const char *bnd)
{
	const char *nl = g->nl;
	switch (v % 16) {
	case 0:
		buf_addf(&g->b, "Content-Type: multipart/mixed; boundary=\"%s\"%s", bnd, nl);
		return 0;
	case 1:
		buf_addf(&g->b, "Content-Type : multipart/mixed; boundary=%s%s", bnd, nl);
		return 0;
	case 2:
		buf_addf(&g->b, "Content-Type: (c)multipart/mixed; boundary=%s%s", bnd, nl);
		return 0;
	case 3:
		buf_addf(&g->b, "Content-Type:%s multipart/mixed;%s\tboundary=\"%s\"%s", nl, nl, bnd, nl);
		return 0;
	case 4:
		buf_addf(&g->b, "CONTENT-TYPE: MULTIPART/MIXED; BOUNDARY=%s%s", bnd, nl);
		return 0;
	case 5:
		buf_addf(&g->b, "Content-Type: multipart/digest; boundary=%s%s", bnd, nl);
		return 2;
	case 6:
		buf_addf(&g->b, "Content-Type: message/rfc822%s", nl);
		return 1;
	case 7:
		buf_addf(&g->b, "Content-Type: (a (b) \\) c)multipart(x)/(y)alternative;(z)boundary=%s%s", bnd, nl);
		return 0;
	case 8:
		buf_addf(&g->b, "Content-Type (x): multipart/related; boundary=%s%s", bnd, nl);
		return 0;
	case 9:
		buf_addf(&g->b, "Content-Type: =?us-ascii?q?multipart/mixed=3B_boundary=3D%s?=%s", bnd, nl);
		return 0;
	case 10:
		buf_addf(&g->b, "Content-Type: ;%sContent-Type: multipart/mixed; boundary=%s%s", nl, bnd, nl);
		return 0;
	case 11:
		buf_addf(&g->b, "Content-Type (x) : multipart/mixed; boundary=%s%s", bnd, nl); /* not for libetpan */
		return 0;
	case 12:
		buf_addf(&g->b, "content-type:multipart/Mixed;boundary=\"%s\";charset=\"a;b\"%s", bnd, nl);
		return 0;
	case 13:
		buf_addf(&g->b, "Content-Type: message/rfc822%sContent-Transfer-Encoding: base64%s", nl, nl);
		return 1;
	case 14:
		buf_addf(&g->b, "Content-Type\t:\t(x)multipart/signed; boundary=%s%s", bnd, nl);
		return 0;
	default:
		buf_addf(&g->b, "Content-Type: multipart/mixed; boundary=%s%s", bnd, nl);
		return 0;
	}
}

static void
generate(struct gen *g)
{
	unsigned flags = next(g);
	unsigned depth = next(g) << 8 | next(g);
	unsigned parts = next(g) << 16 | next(g) << 8 | next(g);
	unsigned sibs = next(g) % 4;
	char bnd[32];
	unsigned lvl;
	int *kind;

	/* big trees when three flag bits say so: most runs stay small and fast */
	depth = (flags & 0x51) == 0x51 ? depth % 50001 : depth % 40;
	parts = (flags & 0xa2) == 0xa2 ? parts % 300001 : parts % 40;
	g->nl = flags & 4 ? "\n" : "\r\n";
	kind = xcalloc(depth + 1, sizeof *kind);
	buf_addf(&g->b, "From: fuzz@example.com%sSubject: tree%s", g->nl, g->nl);
	for (lvl = 0; lvl < depth && g->b.len < MAX_MAIL / 2; lvl++) {
		unsigned v = next(g);
		snprintf(bnd, sizeof bnd, "b%u%s", lvl, v & 0x80 ? "x" : "");
		kind[lvl] = ctype(g, v, bnd);
		if (flags & 8)
			noise(g);
		buf_adds(&g->b, g->nl);
		if (kind[lvl] == 1)
			continue; /* the body of a message/rfc822 is the next level's header */
		buf_addf(&g->b, "--%s%s", bnd, g->nl);
		if (v & 0x40)
			buf_adds(&g->b, g->nl); /* blank line before the part's header */
		for (unsigned s = 0; s < sibs; s++) {
			buf_addf(&g->b, "%sx%s--%s%s", kind[lvl] == 2 ? "" : g->nl, g->nl, bnd, g->nl);
			if (flags & 8)
				noise(g);
		}
	}
	/* the deepest level: many parts */
	buf_addf(&g->b, "Content-Type: multipart/mixed; boundary=leaf%s%s", g->nl, g->nl);
	for (unsigned p = 0; p < parts && g->b.len < MAX_MAIL - 64; p++)
		buf_addf(&g->b, "--leaf%s%sx%s", g->nl, g->nl, g->nl);
	buf_addf(&g->b, "--leaf--%s", g->nl);
	/* close the levels, unless told to leave them open */
	while (lvl-- > 0 && g->b.len < MAX_MAIL - 64) {
		if (kind[lvl] == 1 || (next(g) & 0x20))
			continue;
		snprintf(bnd, sizeof bnd, "b%u", lvl);
		buf_addf(&g->b, "--%s%s--%s", bnd, g->d[lvl % (g->n ? g->n : 1)] & 0x80 ? "x" : "", g->nl);
	}
	free(kind);
}

/* Depth (multipart and message nodes below the root) and node count of libetpan's tree. */
static void
measure(struct mailmime *root, int *depth, int *nodes)
{
	struct item {
		struct mailmime *mm;
		int d;
	};
	size_t cap = 256, n = 0;
	struct item *st = xmalloc(cap * sizeof *st);
	*depth = 0;
	*nodes = 0;
	st[n++] = (struct item){root, 0};
	while (n) {
		struct item it = st[--n];
		int d = it.d;
		(*nodes)++;
		if (it.mm != root && (it.mm->mm_type == MAILMIME_MULTIPLE || it.mm->mm_type == MAILMIME_MESSAGE))
			d++;
		if (d > *depth)
			*depth = d;
		if (it.mm->mm_type == MAILMIME_MESSAGE && it.mm->mm_data.mm_message.mm_msg_mime) {
			if (n == cap)
				st = xrealloc(st, (cap *= 2) * sizeof *st);
			st[n++] = (struct item){it.mm->mm_data.mm_message.mm_msg_mime, d};
		} else if (it.mm->mm_type == MAILMIME_MULTIPLE && it.mm->mm_data.mm_multipart.mm_mp_list) {
			for (clistiter *c = clist_begin(it.mm->mm_data.mm_multipart.mm_mp_list); c; c = clist_next(c)) {
				if (n == cap)
					st = xrealloc(st, (cap *= 2) * sizeof *st);
				st[n++] = (struct item){clist_content(c), d};
			}
		}
	}
	free(st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_caps caps = {MAX_MAIL, 20, 500};
	struct gen g = {data, size, 0, BUF_INIT, "\r\n"};
	struct parsed_mail m;

	generate(&g);
	mime_parse(g.b.p, g.b.len, &caps, &m);
	if (!m.error) {
		/* accepted: libetpan's tree must be within the caps (an mbox "From " line is skipped as there) */
		size_t skip = 0, idx = 0;
		struct mailmime *mm = NULL;
		int depth, nodes;
		if (g.b.len > 5 && !memcmp(g.b.p, "From ", 5)) {
			const char *nl = memchr(g.b.p, '\n', g.b.len);
			skip = nl ? (size_t)(nl - g.b.p) + 1 : g.b.len;
		}
		if (mailmime_parse(g.b.p + skip, g.b.len - skip, &idx, &mm) == MAILIMF_NO_ERROR && mm) {
			measure(mm, &depth, &nodes);
			if (depth > caps.max_depth || nodes > caps.max_parts)
				abort();
			mailmime_free(mm);
		}
	}
	parsed_mail_free(&m);
	buf_free(&g.b);
	return 0;
}
