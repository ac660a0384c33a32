/*
 * mime_header.c - the header block of a mail: an own header splitter
 * (unfolding, 8-bit values to UTF-8), Content-Type values, addresses and
 * message ids through libetpan's mailimf parsers, and the RFC 3834
 * automatic-mail and bounce classification.  No global state; any thread
 * may call it.
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

/* Header values longer than this are cut before libetpan parses them as
 * addresses or ids: nobody needs a 64 KiB From. */
#define HVAL_PARSE_MAX 8192

/* ---- header splitting ---------------------------------------------- */

size_t
mime_line_end(const char *p, size_t len, size_t pos)
{
	const char *nl = memchr(p + pos, '\n', len - pos);
	return nl ? (size_t)(nl - p) + 1 : len;
}

/*
 * Read the next header field of the block starting at *pos.  Returns 1 and
 * fills f (f->name NULL for a line that is no field), or 0 at the end of the
 * block (*pos then points past the blank line).
 */
int
mime_hdr_next(const char *p, size_t len, size_t *pos, struct mime_hfield *f)
{
	size_t s = *pos, e, c, nend;
	if (s >= len)
		return 0;
	if (p[s] == '\n' || (p[s] == '\r' && s + 1 < len && p[s + 1] == '\n')) {
		*pos = mime_line_end(p, len, s);
		return 0;
	}
	e = mime_line_end(p, len, s);
	while (e < len && (p[e] == ' ' || p[e] == '\t'))
		e = mime_line_end(p, len, e);
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

int
mime_hname_is(const struct mime_hfield *f, const char *name)
{
	return f->name && f->nlen == strlen(name) && !strncasecmp(f->name, name, f->nlen);
}

/* Unfolded, trimmed copy of a raw header value (bytes as they are). */
char *
mime_hval_dup(const char *v, size_t n)
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
	char *raw = mime_hval_dup(v, n);
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

/* ---- address and id helpers ----------------------------------------- */

char *
mime_lower_dup(const char *s)
{
	char *r = utf8_sanitize(s, strlen(s));
	str_lower_ascii(r);
	return r;
}

/* Fallback when libetpan cannot parse an address: <x@y> or a bare x@y. */
char *
mime_addr_fallback(const char *v)
{
	const char *lt = strchr(v, '<'), *at;
	if (lt) {
		const char *gt = strchr(lt, '>');
		if (gt && gt > lt + 1 && memchr(lt, '@', (size_t)(gt - lt))) {
			char *t = xstrndup(lt + 1, (size_t)(gt - lt - 1));
			char *r = mime_lower_dup(str_trim(t));
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
			char *r = mime_lower_dup(t);
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
		*addr = mime_lower_dup(mb->mb_addr_spec);
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
		*addr = mime_addr_fallback(v);
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
size_t
mime_header_block(const char *raw, size_t len, struct parsed_mail *m, struct mime_hdr_state *hs)
{
	size_t pos = 0;
	struct mime_hfield f;
	struct buf ar = BUF_INIT, rcpts = BUF_INIT;
	char *from_raw = NULL;

	/* an mbox "From " line is no header */
	if (len > 5 && !memcmp(raw, "From ", 5))
		pos = mime_line_end(raw, len, 0);
	while (mime_hdr_next(raw, len, &pos, &f)) {
		char *v;
		if (!f.name)
			continue;
		hs->got_any = 1;
		if (f.vlen > 1024 * 1024)
			f.vlen = 1024 * 1024; /* nobody needs more of any one header */
		v = mime_hval_dup(f.val, f.vlen);
		if (mime_hname_is(&f, "From"))
			m->from_count += count_mailboxes(v);
		if (mime_hname_is(&f, "From") && !from_raw) {
			from_raw = v;
			v = NULL;
		} else if (mime_hname_is(&f, "Reply-To") && !m->reply_to) {
			first_address(v, &m->reply_to, NULL);
		} else if (mime_hname_is(&f, "To") || mime_hname_is(&f, "Cc")) {
			if (mime_hname_is(&f, "To") && !m->to_addr)
				first_address(v, &m->to_addr, NULL);
			all_addresses(v, &rcpts);
		} else if (mime_hname_is(&f, "Return-Path") && !m->return_path) {
			char *t = strip_angles(v);
			m->return_path = t ? mime_lower_dup(t) : xstrdup("");
			free(t);
		} else if (mime_hname_is(&f, "Subject") && !m->subject) {
			m->subject = rfc2047_decode(v);
		} else if (mime_hname_is(&f, "Message-ID") && !m->message_id) {
			m->message_id = id_list(v, 1);
		} else if (mime_hname_is(&f, "In-Reply-To") && !m->in_reply_to) {
			m->in_reply_to = id_list(v, 1);
		} else if (mime_hname_is(&f, "References") && !m->references) {
			m->references = id_list(v, 0);
		} else if (mime_hname_is(&f, "Authentication-Results")) {
			char *u = hval_utf8(f.val, f.vlen);
			if (ar.len)
				buf_addc(&ar, '\n');
			buf_adds(&ar, u);
			free(u);
		} else if (mime_hname_is(&f, "Date") && !m->date) {
			m->date = hval_utf8(f.val, f.vlen);
		} else if (mime_hname_is(&f, "Content-Language") && !m->content_language) {
			m->content_language = hval_utf8(f.val, f.vlen);
		} else if (mime_hname_is(&f, "Content-Type") && !hs->content_type) {
			hs->content_type = v;
			v = NULL;
		} else if (mime_hname_is(&f, "Auto-Submitted")) {
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
		} else if (mime_hname_is(&f, "Precedence")) {
			if (!strcasecmp(v, "bulk") || !strcasecmp(v, "junk") || !strcasecmp(v, "list")) {
				str_lower_ascii(v);
				set_auto(m, xasprintf("Precedence: %s", v));
			}
		} else if (mime_hname_is(&f, "List-Id") || mime_hname_is(&f, "List-Unsubscribe") ||
			   mime_hname_is(&f, "List-Post") || mime_hname_is(&f, "List-Help") ||
			   mime_hname_is(&f, "List-Subscribe") || mime_hname_is(&f, "List-Owner") ||
			   mime_hname_is(&f, "List-Archive")) {
			set_auto(m, xasprintf("%.*s header", (int)f.nlen, f.name));
		} else if (mime_hname_is(&f, "X-Autoreply") || mime_hname_is(&f, "X-Autorespond") ||
			   mime_hname_is(&f, "X-Auto-Reply")) {
			set_auto(m, xasprintf("%.*s header", (int)f.nlen, f.name));
		} else if (mime_hname_is(&f, "X-Auto-Response-Suppress")) {
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
