/*
 * t_bot.h - the bot without servers, for unit tests that drive the core:
 * a database, configuration and templates set up by the test's main(), mails
 * and chat messages put into the journal and dispatched, the outbox read
 * back (quoted-printable decoded, a calendar part unfolded), and the test
 * clock (MENTORBOT_TEST_CLOCK) set.  Include once, after t.h, in a test
 * that defines its own main(); every name here is static to that test.
 */
#ifndef MB_T_BOT_H
#define MB_T_BOT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bot/config.h"
#include "bot/dispatch.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "state/state.h"

#define T_UNUSED __attribute__((unused))

#ifndef T_MAXOUT
#define T_MAXOUT 64
#endif

static char dbpath[64], cfgpath[64], clockpath[64];
static struct config cfg;
static struct templates *tmpl;
static struct core core;
static struct db *db;
static int seq;
static int64_t clock_now = 1900000000; /* 2030-03-17 */
/* deliver_to() stamps what our MTA (authserv-id mx.example.test) would say of a sender whose
 * provider signs with DKIM: "dkim=pass" aligned with the From domain.  0: an unsigned (or
 * forged) sender, who proves nothing by the header. */
static int t_signed = 1;

static void T_UNUSED
set_clock(int64_t t)
{
	clock_now = t;
	FILE *f = fopen(clockpath, "w");
	fprintf(f, "%lld\n", (long long)t);
	fclose(f);
}

/* The Authentication-Results line our MTA would put on top of a mail from `from` (see
 * t_signed); "" for an unsigned sender.  Caller frees. */
static char *T_UNUSED
t_auth(const char *from)
{
	const char *at = strrchr(from, '@');
	if (!t_signed || !at)
		return xstrdup("");
	return xasprintf("Authentication-Results: mx.example.test; dkim=pass header.d=%.*s\r\n",
			 (int)strcspn(at + 1, "> "), at + 1);
}

/* Journal a raw mail and dispatch it: a disp_result, or -100 when it could not be journalled. */
static int T_UNUSED
deliver_raw(const char *raw)
{
	int64_t id = 0;
	char *key = mail_dedupe_key(raw, strlen(raw));
	db_begin(db);
	int rc = state_inbound_add(db, "mail", key, raw, strlen(raw), 1, (uint32_t)++seq, NULL, &id);
	db_commit(db);
	free(key);
	return rc != DB_OK ? -100 : dispatch(db, &core, &id, 1, 0);
}

/* A plain text mail; to NULL = the bot's address. */
static int T_UNUSED
deliver_to(const char *from, const char *to, const char *subject, const char *extra_headers, const char *body)
{
	char *auth = t_auth(from);
	char *raw = xasprintf("%sFrom: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <t%d.%d@example.test>\r\n%s"
			      "Content-Type: text/plain; charset=utf-8\r\n\r\n%s",
			      auth, from, to ? to : "bot@example.test", subject, (int)getpid(), seq + 1,
			      extra_headers ? extra_headers : "", body ? body : "");
	free(auth);
	int rc = deliver_raw(raw);
	free(raw);
	return rc;
}

static int T_UNUSED
deliver(const char *from, const char *subject, const char *extra_headers, const char *body)
{
	return deliver_to(from, NULL, subject, extra_headers, body);
}

/* A direct XMPP message from jid, dispatched. */
static int T_UNUSED
chat(const char *jid, const char *text)
{
	char key[64];
	snprintf(key, sizeof key, "xmpp:%d.%d", (int)getpid(), ++seq);
	char *meta = xasprintf("{\"sender\":\"%s\",\"direct_ok\":true}", jid);
	int64_t id = 0;
	db_begin(db);
	int rc = state_inbound_add(db, "xmpp", key, text, strlen(text), 0, 0, meta, &id);
	db_commit(db);
	free(meta);
	return rc != DB_OK ? -100 : dispatch(db, &core, &id, 1, 0);
}

/* Quoted-printable decoded (soft breaks joined, =XX). Caller frees. */
static char *T_UNUSED
unqp(const char *s)
{
	struct buf b = BUF_INIT;
	for (const char *p = s; *p; p++) {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
			p += 2;
		} else if (p[0] == '=' && p[1] && p[2] && strchr("0123456789ABCDEF", p[1]) &&
			   strchr("0123456789ABCDEF", p[2])) {
			char hex[3] = {p[1], p[2], 0};
			buf_addc(&b, (char)strtol(hex, NULL, 16));
			p += 2;
		} else {
			buf_addc(&b, *p);
		}
	}
	return buf_detach(&b);
}

static int
b64v(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* The base64 body of a MIME part starting at p, decoded up to its end (the next boundary's
 * "-" or the padding). Caller frees. */
static char *T_UNUSED
b64_part(const char *p)
{
	struct buf c = BUF_INIT;
	unsigned acc = 0;
	int bits = 0;
	for (; *p && *p != '-' && *p != '='; p++) {
		int v = b64v(*p);
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addc(&c, (char)((acc >> bits) & 0xff));
		}
	}
	return buf_detach(&c);
}

/* The text/calendar part of a composed mail, decoded (base64 or as is), or NULL. Caller frees. */
static char *T_UNUSED
calendar_of(const char *s)
{
	const char *cal = strstr(s, "Content-Type: text/calendar");
	const char *body = cal ? strstr(cal, "\r\n\r\n") : NULL;
	if (!body)
		return NULL;
	int b64 = 0;
	for (const char *p = cal; p < body; p++)
		if (strncasecmp(p, "base64", 6) == 0)
			b64 = 1;
	struct buf c = BUF_INIT;
	body += 4;
	if (!b64) {
		const char *e = strstr(body, "\r\n--");
		buf_add(&c, body, e ? (size_t)(e - body) : strlen(body));
		return buf_detach(&c);
	}
	buf_free(&c);
	return b64_part(body);
}

/* A composed mail made searchable: the text decoded, then "[calendar]", the calendar
 * part's Content-Type line and the calendar unfolded. Caller frees. */
static char *T_UNUSED
decode_mail(const char *s)
{
	char *text = unqp(s);
	char *cal = calendar_of(s);
	if (!cal)
		return text;
	struct buf b = BUF_INIT;
	buf_adds(&b, text);
	buf_adds(&b, "\n[calendar]\n");
	const char *ct = strstr(s, "Content-Type: text/calendar");
	buf_add(&b, ct, strcspn(ct, "\r\n"));
	buf_adds(&b, "\n");
	for (const char *p = cal; *p; p++) {
		if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ')
			p += 2;
		else
			buf_addc(&b, *p);
	}
	free(cal);
	free(text);
	return buf_detach(&b);
}

/* Outbox rows read back: recipient, payload as queued, decoded text (a chat row: its
 * text), Message-ID, chat message type ("groupchat" | "chat"; NULL for mail). */
struct out {
	char *rcpt[T_MAXOUT];
	char *raw[T_MAXOUT];
	char *text[T_MAXOUT];
	char *msgid[T_MAXOUT];
	char *type[T_MAXOUT];
	int n;
};

static void T_UNUSED
out_free(struct out *o)
{
	for (int i = 0; i < o->n; i++) {
		free(o->rcpt[i]);
		free(o->raw[i]);
		free(o->text[i]);
		free(o->msgid[i]);
		free(o->type[i]);
	}
	memset(o, 0, sizeof *o);
}

/* Every row queued for transport and due by `until`, marked sent (at most T_MAXOUT kept). */
static void T_UNUSED
take_until(const char *transport, int64_t until, struct out *o)
{
	struct outbox_item it[T_MAXOUT];
	size_t n;
	memset(o, 0, sizeof *o);
	while (state_outbox_due(db, transport, until, it, T_MAXOUT, &n) == 0 && n) {
		for (size_t i = 0; i < n; i++) {
			state_outbox_sent(db, it[i].id);
			if (o->n < T_MAXOUT) {
				o->rcpt[o->n] = xstrdup(it[i].rcpt);
				o->raw[o->n] = xstrndup(it[i].payload, it[i].len);
				o->text[o->n] = it[i].chat_type ? xstrdup(o->raw[o->n]) : decode_mail(o->raw[o->n]);
				o->msgid[o->n] = xstrdup(it[i].message_id);
				o->type[o->n] = it[i].chat_type ? xstrdup(it[i].chat_type) : NULL;
				o->n++;
			}
			outbox_item_free(&it[i]);
		}
	}
}

/* Everything queued for transport, whenever due. */
static void T_UNUSED
take(const char *transport, struct out *o)
{
	take_until(transport, clock_now + 100000000, o);
}

/* The row to rcpt (NULL: anyone) whose text contains needle (NULL: any); its index or -1. */
static int T_UNUSED
find(const struct out *o, const char *rcpt, const char *needle)
{
	for (int i = 0; i < o->n; i++)
		if ((!rcpt || strcmp(o->rcpt[i], rcpt) == 0) && (!needle || strstr(o->text[i], needle)))
			return i;
	return -1;
}

/* How many rows' text contains needle. */
static int T_UNUSED
count(const struct out *o, const char *needle)
{
	int c = 0;
	for (int i = 0; i < o->n; i++)
		c += strstr(o->text[i], needle) != NULL;
	return c;
}

/* How many rows go to rcpt. */
static int T_UNUSED
count_to(const struct out *o, const char *rcpt)
{
	int c = 0;
	for (int i = 0; i < o->n; i++)
		c += strcmp(o->rcpt[i], rcpt) == 0;
	return c;
}

/*
 * Set up the bot for test `name`: a configuration (the bot is bot@example.test;
 * bot_extra: more "[bot]" lines; sections: more sections), the templates, the
 * database and core, the clock file at clock_now.  0, or 1 after "FAIL setup".
 */
static int T_UNUSED
t_bot_open(const char *name, const char *bot_extra, const char *sections)
{
	snprintf(dbpath, sizeof dbpath, "/tmp/mb-%s-%d.db", name, (int)getpid());
	snprintf(cfgpath, sizeof cfgpath, "/tmp/mb-%s-%d.ini", name, (int)getpid());
	snprintf(clockpath, sizeof clockpath, "/tmp/mb-%s-%d.clock", name, (int)getpid());
	set_clock(clock_now);
	setenv("MENTORBOT_TEST_CLOCK", clockpath, 1);
	FILE *f = fopen(cfgpath, "w");
	fprintf(f,
		"[bot]\ndatabase = %s\nlanguage = en\ntemplates = templates\nreply_limit = 1000\n%s%s"
		"[imap]\nurl = imap://127.0.0.1:10143/INBOX\nuser = bot@example.test\npassword = pass\n"
		"[smtp]\nurl = smtp://127.0.0.1:10025\nfrom = MentorBot <bot@example.test>\n%s",
		dbpath, bot_extra && strstr(bot_extra, "authserv_id") ? "" : "authserv_id = mx.example.test\n",
		bot_extra ? bot_extra : "", sections ? sections : "");
	fclose(f);
	struct buf err = BUF_INIT;
	if (config_load(cfgpath, &cfg, &err) || templates_load("templates", &tmpl, &err) || db_open(&db, dbpath) ||
	    core_key_load(&core, db)) {
		printf("FAIL setup: %s\n", err.p ? err.p : "database");
		buf_free(&err);
		return 1;
	}
	buf_free(&err);
	core.cfg = &cfg;
	core.tmpl = tmpl;
	core.caps.max_size = 1 << 20;
	core.caps.max_depth = 20;
	core.caps.max_parts = 500;
	core.bot_addr = cfg.smtp.from_addr;
	core.bot_domain = "example.test";
	return 0;
}

/* Close everything t_bot_open opened and remove its files. */
static void T_UNUSED
t_bot_close(void)
{
	db_close(db);
	templates_free(tmpl);
	config_free(&cfg);
	unlink(cfgpath);
	unlink(clockpath);
	char *cmd = xasprintf("rm -f %s %s-wal %s-shm", dbpath, dbpath, dbpath);
	if (system(cmd) != 0)
		printf("# cleanup failed\n");
	free(cmd);
}

#endif
