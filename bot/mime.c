/*
 * mime.c - read one raw mail: the header block (mime_header.c: own header
 * splitter plus libetpan's mailimf parsers for addresses and ids, RFC 3834
 * automatic-mail and bounce classification), then the best text body via
 * libetpan's MIME parser, walked here.  Before libetpan sees the mail, a
 * linear pre-scan (mime_scan.c) checks size, MIME nesting depth, part count
 * and comment nesting, because libetpan recurses without limits.  No global
 * state; any thread may call it.
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
	r = mime_addr_fallback(str_trim(t));
	if (!r && *str_trim(t))
		r = mime_lower_dup(str_trim(t));
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
		struct mime_hfield f;
		while (mime_hdr_next(txt, len, &pos, &f)) {
			char *v;
			if (!f.name)
				continue;
			v = mime_hval_dup(f.val, f.vlen > 4096 ? 4096 : f.vlen);
			if (mime_hname_is(&f, "Final-Recipient") && !final)
				final = dsn_addr(v);
			else if (mime_hname_is(&f, "Original-Recipient") && !orig)
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
	for (size_t i = 0, bl = strlen(b); i + 2 + bl <= n && missing; i = mime_line_end(body, n, i))
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
	struct mime_hdr_state hs = {NULL, 0};
	memset(out, 0, sizeof(*out));
	mime_header_block(raw ? raw : "", raw ? len : 0, out, &hs);
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
	struct mime_hdr_state hs = {NULL, 0};
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
	body = mime_header_block(raw ? raw : "", hlen, out, &hs);
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
		skip = mime_line_end(raw, len, 0);
	/* comments first: the pre-scan reads headers with libetpan's parsers */
	if (mime_paren_bomb(raw, len)) {
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
