/*
 * dispatch.c - the core of mentorbot: turns one journalled inbound mail into
 * state changes and outbox rows inside a single transaction, so a command's
 * effect and its answer are committed together or not at all.
 *
 * Runs in the mail thread, on that thread's own database connection.
 */
#include "dispatch.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "authres.h"
#include "commands.h"
#include "config.h"
#include "emit.h"
#include "flood.h"
#include "handlers/handlers.h"
#include "mailcmd.h"
#include "mailout.h"
#include "mime.h"
#include "parsebox.h"
#include "quote.h"
#include "state/state.h"
#include "templates.h"
#include "util.h"

#define MAX_ARGS 16

/* ---- dedupe ---- */

char *
mail_dedupe_key(const char *raw, size_t len)
{
	/* Cheap scan of the header block for Message-ID (folded lines allowed). */
	const char *p = raw, *end = raw + len;
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t n = e ? (size_t)(e - p) : (size_t)(end - p);
		if (n == 0 || (n == 1 && p[0] == '\r'))
			break;
		if (n > 11 && strncasecmp(p, "Message-ID:", 11) == 0) {
			/* the value may continue on folded lines */
			const char *v = p + 11, *vend = e ? e : end;
			while (vend < end && vend + 1 < end && (vend[1] == ' ' || vend[1] == '\t')) {
				const char *e2 = memchr(vend + 1, '\n', (size_t)(end - vend - 1));
				vend = e2 ? e2 : end;
			}
			const char *lt = memchr(v, '<', (size_t)(vend - v));
			const char *gt = lt ? memchr(lt, '>', (size_t)(vend - lt)) : NULL;
			if (lt && gt && gt - lt > 1 && gt - lt < 500) {
				char *id = xstrndup(lt + 1, (size_t)(gt - lt - 1));
				char *k = xasprintf("mid:%s", id);
				free(id);
				return k;
			}
			break;
		}
		p = e ? e + 1 : end;
	}
	char hex[65];
	sha256_hex(raw, len, hex);
	return xasprintf("sha256:%s", hex);
}

/* ---- helpers ---- */

static int
is_staff_addr(const struct config *cfg, const char *kind, const char *addr)
{
	for (size_t i = 0; i < cfg->bot.staff.n; i++) {
		const char *s = cfg->bot.staff.v[i];
		if (strcmp(kind, "mail") == 0 && strchr(s, ':') == NULL && strcasecmp(s, addr) == 0)
			return 1;
		size_t kl = strlen(kind);
		if (strncmp(s, kind, kl) == 0 && s[kl] == ':' && strcasecmp(s + kl + 1, addr) == 0)
			return 1;
	}
	return 0;
}

static const char *
addr_domain(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	return at ? at + 1 : "";
}

int
core_key_load(struct core *core, struct db *db)
{
	if (state_install_key(db, core->key, sizeof core->key) != DB_OK)
		return -1;
	core->has_key = 1;
	return 0;
}

static const unsigned char *
core_key(const struct core *core)
{
	if (!core->has_key)
		fatal("internal error: the installation key was not loaded");
	return core->key;
}

/* "mb.<keyed hash of the dedupe key>.<n>@domain": stable for the command it answers, and
 * nobody without the installation key can tell it in advance. */
static char *
reply_msgid(const struct core *core, const char *dedupe, size_t n)
{
	return keyed_msgid(core_key(core), dedupe, n, core->bot_domain);
}

/* Where the replies of one inbound message go. */
struct mailctx {
	struct db *db;
	const struct core *core;
	const struct inbound *row;
	const struct parsed_mail *pm; /* mail: the mail answered (threading); NULL for chat */
	const char *lang;
	const char *rcpt;             /* mail: the sender's address */
	int known;                    /* mail: the sender is a known person (replies may quote the Subject) */
	int counted;                  /* mail: this mail counts against the cap for unknown senders already */
	int nsent;                    /* replies queued so far: part of each stable id */
	/* chat answers */
	const char *transport;        /* "xmpp"/"matrix" when the message came from chat */
	const char *room;             /* room of the message, or NULL for a direct chat */
	const char *nick;             /* the asker's nick in the room */
	const char *sender;           /* the asker's endpoint address */
	int sender_direct;            /* 1 if sender can get a direct message */
};

#define CHAT_ROOM_MAX_LINES 4

/* Render one reply and queue it as a mail in the outbox. */
static int
queue_reply(struct mailctx *m, const char *key, const char *const *vars)
{
	const struct core *core = m->core;
	char *body_main = tmpl_render(core->tmpl, m->lang, key, vars);
	char *sig = tmpl_render(core->tmpl, m->lang, "signature", NULL);
	char *body = xasprintf("%s\n\n%s\n", body_main, sig);
	char *subject;
	if (m->known) {
		int was_reply;
		char *subj = subject_strip(m->pm->subject, &was_reply);
		subject = xasprintf("Re: %s", *subj ? subj : key);
		free(subj);
	} else {
		/* a stranger's Subject is not sent back: nobody can use the bot to mail their text to others */
		char *t = tmpl_render(core->tmpl, m->lang, "reply.subject", NULL);
		subject = xasprintf("Re: %s", t);
		free(t);
	}
	char *msgid = reply_msgid(core, m->row->dedupe, (size_t)m->nsent);
	struct buf refs = BUF_INIT;
	if (m->pm->references)
		buf_adds(&refs, m->pm->references);
	if (m->pm->message_id && (!m->pm->references || !strstr(m->pm->references, m->pm->message_id)))
		buf_addf(&refs, "%s%s", refs.len ? " " : "", m->pm->message_id);
	struct mail_header extra[] = {{"X-Mentorbot-Reply", key}};
	struct mail_out mo = {0};
	mo.from = core->cfg->smtp.from;
	mo.to = m->rcpt;
	mo.subject = subject;
	mo.message_id = msgid;
	mo.in_reply_to = m->pm->message_id;
	mo.references = refs.len ? refs.p : NULL;
	mo.auto_submitted = "auto-replied";
	mo.text = body;
	mo.lang = m->lang;
	mo.extra = extra;
	mo.nextra = 1;
	size_t len = 0;
	char *raw = mail_compose(&mo, &len);
	int rc = DB_OK;
	if (raw)
		rc = state_outbox_add(m->db, m->row->id, "mail", core->cfg->smtp.from_addr, m->rcpt, msgid, raw, len);
	else
		log_warn("mail %lld: the answer (%s) could not be composed; not queued", (long long)m->row->id, key);
	if (rc == DB_NOTFOUND)
		rc = DB_OK; /* already queued by an earlier run: idempotent */
	m->nsent++;
	free(raw);
	buf_free(&refs);
	free(msgid);
	free(subject);
	free(body);
	free(sig);
	free(body_main);
	return rc;
}

/* Queue a chat message in the outbox of transport (payload documented in chat.h). */
static int
queue_chat(struct mailctx *m, const char *transport, const char *to, const char *type, const char *body)
{
	char *msgid = reply_msgid(m->core, m->row->dedupe, (size_t)m->nsent++);
	json_t *o = json_pack("{s:s, s:s, s:s}", "to", to, "type", type, "body", body);
	char *payload = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	int rc = state_outbox_add(m->db, m->row->id, transport, NULL, to, msgid, payload, strlen(payload));
	if (rc == DB_NOTFOUND)
		rc = DB_OK;
	if (rc == DB_OK && m->core->notify)
		m->core->notify(m->core->notify_ud, transport);
	free(payload);
	free(msgid);
	return rc;
}

/* Answer in the chat the message came from: short in the room, long ones directly with a pointer. */
static int
queue_chat_answer(struct mailctx *m, const char *key, const char *const *vars)
{
	char *text = tmpl_render(m->core->tmpl, m->lang, key, vars);
	int rc;
	if (!m->room) {
		rc = queue_chat(m, m->transport, m->sender, "chat", text);
	} else {
		size_t lines = 1;
		for (const char *p = text; *p; p++)
			lines += *p == '\n';
		if (lines <= CHAT_ROOM_MAX_LINES || !m->sender_direct) {
			char *body = m->nick ? xasprintf("%s: %s", m->nick, text) : xstrdup(text);
			rc = queue_chat(m, m->transport, m->room, "groupchat", body);
			free(body);
		} else {
			rc = queue_chat(m, m->transport, m->sender, "chat", text);
			if (rc == DB_OK) {
				const char *pv[] = {"nick", m->nick ? m->nick : "", NULL};
				char *ptr = tmpl_render(m->core->tmpl, m->lang, "chat.see_direct", pv);
				rc = queue_chat(m, m->transport, m->room, "groupchat", ptr);
				free(ptr);
			}
		}
	}
	free(text);
	return rc;
}

/* Reply allowance of a mail (see reply_allowance). */
enum { ALLOW_CAP = -2, ALLOW_SILENT = -1, ALLOW_NOTICE = 0, ALLOW_YES = 1 };

/*
 * May this mail be answered?  The sender's daily reply limit, then the hourly
 * cap on answers to addresses that are no known people (all of them
 * together: a flood of forged senders cannot turn the bot into a mail
 * cannon).  ALLOW_YES, ALLOW_NOTICE (send the daily-limit notice, once),
 * ALLOW_SILENT, or ALLOW_CAP (quarantine it).  *rc gets a database error.
 */
static int
reply_allowance(struct mailctx *m, int wanted, int *rc)
{
	int count, noticed, limit = m->core->cfg->bot.reply_limit;
	int64_t day = now_s() / 86400;
	*rc = state_reply_count(m->db, m->rcpt, day, &count, &noticed);
	if (*rc < 0)
		return ALLOW_SILENT;
	int allow = ALLOW_YES;
	if (limit > 0 && count + wanted > limit)
		allow = noticed ? ALLOW_SILENT : ALLOW_NOTICE;
	int cap = m->core->cfg->bot.unknown_reply_limit;
	if (allow != ALLOW_SILENT && !m->known && !m->counted && cap > 0) {
		*rc = state_cap_take(m->db, "cap.unknown_replies", now_s() / 3600, cap);
		if (*rc < 0)
			return ALLOW_SILENT;
		if (*rc == DB_NOTFOUND) {
			*rc = DB_OK;
			return ALLOW_CAP;
		}
		m->counted = 1;
	}
	return allow;
}

static int
send_limit_notice(struct mailctx *m)
{
	char lim[16];
	snprintf(lim, sizeof lim, "%d", m->core->cfg->bot.reply_limit);
	const char *vars[] = {"limit", lim, NULL};
	int rc = queue_reply(m, "reply_limit", vars);
	if (rc == DB_OK)
		rc = state_reply_bump(m->db, m->rcpt, now_s() / 86400, 1);
	log_info("mail %lld: reply limit reached for %s, notice sent", (long long)m->row->id, m->rcpt);
	return rc;
}

/* Emit the replies a handler queued, under the reply limit. */
static int
emit_replies(struct mailctx *m, struct hctx *h)
{
	int rc = DB_OK;
	for (size_t i = 0; i < h->nreplies && rc == DB_OK; i++) {
		const struct reply *r = &h->replies[i];
		if (r->to_kind) {
			/* to someone else: a fresh mail or a direct chat message (bot/emit.c) */
			char *msgid = reply_msgid(m->core, m->row->dedupe, (size_t)m->nsent++);
			rc = emit_reply(m->db, m->core, m->row->id, r, m->lang, msgid);
			free(msgid);
		} else if (m->pm) {
			rc = queue_reply(m, r->key, (const char *const *)r->vars);
			if (rc == DB_OK)
				rc = state_reply_bump(m->db, m->rcpt, now_s() / 86400, 0);
		} else {
			rc = queue_chat_answer(m, r->key, (const char *const *)r->vars);
		}
	}
	return rc;
}

/* A reason as the sender reads it, rendered in their language. Caller frees. */
static char *
reason_text(struct mailctx *m, const char *error)
{
	const char *key = "reason.unreadable";
	char limit[32] = "";
	if (strncmp(error, "mail too large", 14) == 0) {
		key = "reason.too_large";
		snprintf(limit, sizeof limit, "%ld KB", m->core->caps.max_size / 1024);
	} else if (strstr(error, "nest") || strstr(error, "parts")) {
		key = "reason.too_complex";
	} else if (strcmp(error, "crashed") == 0) {
		key = "reason.crashed";
	} else if (strncmp(error, "parser ", 7) == 0) {
		key = "reason.parser";
	} else if (strcmp(error, "internal") == 0) {
		key = "reason.internal";
	} else if (strcmp(error, "several senders") == 0) {
		key = "reason.several_senders";
	}
	const char *vars[] = {"limit", limit, "detail", error, NULL};
	return tmpl_render(m->core->tmpl, m->lang, key, vars);
}

static int
quarantine(struct mailctx *m, const char *why)
{
	log_warn("mail %lld quarantined: %s", (long long)m->row->id, why);
	int rc = state_inbound_finish(m->db, m->row->id, "quarantined", why);
	if (rc != DB_OK || !m->rcpt || m->pm->is_auto)
		return rc;
	int err;
	int allow = reply_allowance(m, 1, &err);
	if (err < 0)
		return err;
	if (allow == ALLOW_NOTICE)
		return send_limit_notice(m);
	if (allow == ALLOW_CAP)
		log_warn("mail %lld: the hourly cap on answers to unknown senders is reached; not told", (long long)m->row->id);
	if (allow != ALLOW_YES)
		return DB_OK;
	char *reason = reason_text(m, why);
	const char *vars[] = {"reason", reason, NULL};
	rc = queue_reply(m, "quarantined", vars);
	if (rc == DB_OK)
		rc = state_reply_bump(m->db, m->rcpt, now_s() / 86400, 0);
	free(reason);
	return rc;
}

const char *
mail_lang(const struct parsed_mail *pm, const struct mail_cmd *mc, const char *new_text, const char *stored,
	  const char *deflt)
{
	if (stored)
		return strcmp(stored, "de") == 0 ? "de" : "en";
	if (mc->cmd_lang && strcmp(mc->cmd_lang, "de") == 0)
		return "de";
	struct buf b = BUF_INIT;
	buf_addf(&b, "%s\n%s", pm->subject ? pm->subject : "", new_text ? new_text : "");
	const char *g = lang_guess(b.p);
	buf_free(&b);
	if (g)
		return g;
	if (pm->content_language) {
		if (strncasecmp(pm->content_language, "de", 2) == 0)
			return "de";
		if (strncasecmp(pm->content_language, "en", 2) == 0)
			return "en";
	}
	if (mc->cmd_lang)
		return mc->cmd_lang;
	return (deflt && strcmp(deflt, "en") == 0) ? "en" : "de";
}

/* The token whose mail this one replies to, if any (In-Reply-To first, then References). */
static int
token_of_reply(struct db *db, const struct parsed_mail *pm, struct token *t)
{
	int rc = DB_NOTFOUND;
	if (pm->in_reply_to)
		rc = state_token_by_msgid(db, pm->in_reply_to, t);
	if (rc == DB_NOTFOUND && pm->references) {
		char **ids;
		int n = words_split(pm->references, &ids, 32);
		for (int i = n - 1; i >= 0 && rc == DB_NOTFOUND; i--)
			rc = state_token_by_msgid(db, ids[i], t);
		words_free(ids, n);
	}
	return rc;
}

static int
is_cancel_word(const char *text)
{
	static const char *const words[] = {"no", "nein", "cancel", "abbrechen", "stop"};
	char *f = cmd_fold(text ? text : "");
	char *t = str_trim(f);
	size_t n = 0;
	while (t[n] && !isspace((unsigned char)t[n]) && t[n] != '.' && t[n] != '!' && t[n] != ',')
		n++;
	int r = 0;
	for (size_t i = 0; i < ARRAY_LEN(words); i++)
		if (strlen(words[i]) == n && strncmp(t, words[i], n) == 0)
			r = 1;
	free(f);
	return r;
}

/* The command list for "unknown command" and "no command" replies. Caller frees. */
static char *
command_summary(struct hctx *h)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < command_count; i++) {
		const struct command *c = &command_table[i];
		if (c->perm == PERM_STAFF && !h->staff)
			continue;
		char *key = xasprintf("%s.short", c->help_key);
		char *line = hctx_text(h, key, NULL);
		buf_addf(&b, "%s  %-12s %s", b.len ? "\n" : "", hctx_cmd_word(h, c), line);
		free(line);
		free(key);
	}
	return buf_detach(&b);
}

/* ---- proof of address (mail) ----
 *
 * A mail's From can be forged; a command that changes something runs only
 * when the sender proved the address, in this order:
 *   (a) the mail answers one the bot sent to that very address: a keyed
 *       Message-ID in In-Reply-To/References whose outbox row went to it,
 *       or a plus-address keyed to it in To/Cc;
 *   (b) our MTA (authserv_id) says DMARC or aligned DKIM passed for it;
 *   (c) otherwise the bot keeps the command and mails the address a token:
 *       the owner's reply (or "confirm <token>") runs it.
 */
enum proof { PROOF_NONE = 0, PROOF_REPLY, PROOF_PLUS, PROOF_AUTH };

static int
mail_proof(struct mailctx *m, const struct parsed_mail *pm, enum proof *out)
{
	const struct core *core = m->core;
	const char *from = pm->from_addr;
	*out = PROOF_NONE;
	/* (b) first: it needs no database */
	const char *why = NULL;
	if (core->cfg->bot.authserv_id &&
	    authres_proof(pm->auth_results, core->cfg->bot.authserv_id, addr_domain(from), &why) != AUTHRES_NONE) {
		*out = PROOF_AUTH;
		return DB_OK;
	}
	/* (a) the keyed plus-address of this sender */
	for (const char *a = pm->rcpt_addrs ? pm->rcpt_addrs : ""; *a;) {
		size_t n = strcspn(a, " ");
		char *one = xstrndup(a, n);
		int ok = core->bot_addr && keyed_plus_ok(core_key(core), core->bot_addr, one, from);
		free(one);
		if (ok) {
			*out = PROOF_PLUS;
			return DB_OK;
		}
		a += n;
		a += strspn(a, " ");
	}
	/* (a) a Message-ID of a mail the bot sent to this sender */
	struct buf all = BUF_INIT;
	buf_addf(&all, "%s %s", pm->in_reply_to ? pm->in_reply_to : "", pm->references ? pm->references : "");
	char **ids;
	int n = words_split(all.p, &ids, 64), rc = DB_OK;
	for (int i = 0; i < n && rc == DB_OK && *out == PROOF_NONE; i++) {
		if (strcasecmp(addr_domain(ids[i]), core->bot_domain ? core->bot_domain : "") != 0)
			continue;
		char *rcpt = NULL;
		rc = state_outbox_mail_rcpt(m->db, ids[i], &rcpt);
		if (rc == DB_OK && strcasecmp(rcpt, from) == 0)
			*out = PROOF_REPLY;
		if (rc == DB_NOTFOUND)
			rc = DB_OK;
		free(rcpt);
	}
	words_free(ids, n);
	buf_free(&all);
	return rc < 0 ? rc : DB_OK;
}

#define CONFIRM_TTL_S (3 * 24 * 3600)
#define CONFIRM_TTL_STAFF_S (7 * 24 * 3600)

/*
 * (c): instead of running what this mail asks, keep it (its journal row)
 * and mail the From address a token; the owner's reply runs it.  what: the
 * command as the owner will recognise it.
 */
static int
ask_confirmation(struct mailctx *m, struct hctx *h, const char *what, int staff)
{
	char tok[27], hash[65], payload[24], hours[16];
	int ttl = staff ? CONFIRM_TTL_STAFF_S : CONFIRM_TTL_S;
	token_new(tok);
	token_hash(tok, hash);
	snprintf(payload, sizeof payload, "%lld", (long long)m->row->id);
	snprintf(hours, sizeof hours, "%d", ttl / 3600);
	struct token t = {0};
	t.kind = "cmd";
	t.person = h->known ? h->person.id : 0;
	t.ep_kind = "mail";
	t.ep_addr = (char *)h->ep_addr;
	t.payload = payload;
	t.lang = (char *)h->lang;
	t.expires = now_s() + ttl;
	/* nothing else goes out: the question carries h->reply_msgid, under which the token waits */
	hctx_free_replies(h);
	int rc = state_token_add(h->db, hash, &t, h->reply_msgid);
	if (rc != DB_OK)
		return rc < 0 ? rc : DB_ERR;
	char *line = str_one_line(what, 200);
	hctx_reply(h, "confirm_command", "command", line, "address", h->ep_addr, "token", tok, "hours", hours, NULL);
	log_info("mail %lld from %s: the sender's address is not proven; confirmation asked (%s)",
		 (long long)m->row->id, h->ep_addr, h->cmd ? h->cmd->name : "reply");
	free(line);
	return DB_OK;
}

/* What the command in h does to the state: its table entry says, except that "confirm <token>"
 * proves itself (the token was mailed to the address; "confirm <session>" changes a session). */
static enum cmd_writes
command_writes(const struct hctx *h)
{
	if (strcmp(h->cmd->name, "confirm") == 0 && h->argc > 0 && !h_session_is_id(h->argv[0]))
		return CMD_PROVES_ITSELF;
	return h->cmd->writes;
}

/* Run the command (or answer why not).  m: the mail it came in (NULL for chat, whose
 * server proved the sender).  Returns DB_OK or a negative error. */
static int
run_command(struct mailctx *m, struct hctx *h, int staff_addr)
{
	const struct command *c = h->cmd;
	if (c->perm == PERM_MEMBER && !h->known) {
		char *list = state_programme_list(h->db);
		hctx_reply(h, strcmp(h->ep_kind, "mail") == 0 ? "not_member" : "not_member_chat", "address", h->ep_addr,
			   "programmes", list, NULL);
		free(list);
		return DB_OK;
	}
	/* a staff address whose mail proves nothing yet: its owner confirms (c) */
	int staff_unproven = c->perm == PERM_STAFF && !h->staff && m && staff_addr && !h->proven;
	if (c->perm == PERM_STAFF && !h->staff && !staff_unproven) {
		/* indistinguishable from an unknown command for non-staff */
		char *list = command_summary(h);
		hctx_reply(h, "unknown_command", "word", c->name, "suggestion", "", "commands", list, NULL);
		free(list);
		return DB_OK;
	}
	if (h->argc < c->min_args || (c->max_args >= 0 && h->argc > c->max_args)) {
		char *usage = hctx_text(h, c->help_key, "programmes", "", "fields", "", NULL);
		char *first = usage; /* the first line of the long help is the synopsis */
		char *nl = strchr(first, '\n');
		if (nl)
			*nl = '\0';
		hctx_reply(h, "usage", "command", hctx_cmd_word(h, c), "help", first, NULL);
		free(usage);
		return DB_OK;
	}
	test_crash_point(h->argline); /* the handler's code starts here: its check */
	if (!staff_unproven && c->check) {
		int rc = c->check(h);
		if (rc != 0)
			return rc < 0 ? rc : DB_OK;
	}
	if (m && !h->proven && (staff_unproven || command_writes(h) == CMD_WRITES)) {
		char *what = xasprintf("%s %s", hctx_cmd_word(h, c), h->argline ? h->argline : "");
		int rc = ask_confirmation(m, h, what, staff_unproven);
		free(what);
		return rc;
	}
	return c->proceed(h);
}

/*
 * The reply routes: answers to mails the bot sent (an RSVP to an invitation,
 * the filled-in form, a yes/no to a request or a session).  Each returns 1
 * when the mail is not one of its own.  One that changed something for a
 * sender who proved nothing is undone and confirmed first (c).
 */
static int
run_reply_routes(struct mailctx *m, struct hctx *h, const struct mail_cmd *mc, const char *new_text)
{
	const struct parsed_mail *pm = h->pm;
	int64_t before = db_total_changes(m->db);
	if (db_savepoint(m->db) < 0)
		return DB_ERR;
	/* an RSVP (words or a calendar's iTIP REPLY) to an event announcement, from anyone */
	int rc = h_event_mail_reply(h, new_text);
	/* the filled-in application form (the client may quote it: the whole text is read) */
	if (rc == 1 && h->known && (!mc->cmd || mc->from_subject))
		rc = h_apply_mail_reply(h, new_text, pm->text ? pm->text : "");
	/* a plain "ja/yes/nein/no" from the mentor to a mentoring request mail */
	if (rc == 1 && h->known && (!mc->cmd || mc->from_subject))
		rc = h_request_mail_reply(h, pm->in_reply_to, pm->references, new_text);
	/* likewise to a session proposal, and minutes/note to a session's prompt mail */
	if (rc == 1 && h->known && (!mc->cmd || mc->from_subject))
		rc = h_session_mail_reply(h, pm->in_reply_to, pm->references, new_text);
	if (rc < 0) {
		db_rollback_savepoint(m->db);
		return rc;
	}
	if (rc != 1 && !h->proven && db_total_changes(m->db) != before) {
		db_rollback_savepoint(m->db);
		char *what = str_first_line(new_text, pm->subject);
		rc = ask_confirmation(m, h, what, 0);
		free(what);
		return rc;
	}
	return db_release(m->db) < 0 ? DB_ERR : rc;
}

/* A reply route, else the command of the mail, else "did you mean". */
static int
run_mail(struct mailctx *m, struct hctx *h, const struct mail_cmd *mc, const char *new_text, int staff_addr)
{
	int rc = run_reply_routes(m, h, mc, new_text);
	if (rc != 1)
		return rc;
	rc = DB_OK;
	if (mc->cmd) {
		h->cmd = staff_addr ? mc->cmd_staff : mc->cmd; /* a word may name a staff and a member command */
		h->argline = mc->argline ? mc->argline : "";
		h->argc = words_split(h->argline, &h->argv, MAX_ARGS + 1);
		return run_command(m, h, staff_addr);
	}
	char *list = command_summary(h);
	if (mc->first_word) {
		const char *alias = NULL;
		const struct command *sug = cmd_suggest(mc->first_word, &alias);
		char *s = sug ? hctx_text(h, "unknown_command.suggest", "suggestion",
					  strcmp(h->lang, "de") == 0 ? alias : sug->name, NULL)
			      : xstrdup("");
		char *word = str_one_line(mc->first_word, 40);
		hctx_reply(h, "unknown_command", "word", word, "suggestion", s, "commands", list, NULL);
		free(word);
		free(s);
	} else {
		hctx_reply(h, "no_command", "commands", list, NULL);
	}
	free(list);
	return rc;
}

/* A handler context for a mail from addr, in m's transaction. */
static void
mail_hctx(struct hctx *h, const struct mailctx *m, const char *addr)
{
	memset(h, 0, sizeof *h);
	h->db = m->db;
	h->cfg = m->core->cfg;
	h->tmpl = m->core->tmpl;
	h->key = core_key(m->core);
	h->transport = "mail";
	h->ep_kind = "mail";
	h->ep_addr = addr;
}

/* Parse an untrusted raw mail: in the limited worker process when the daemon has one
 * (bot/parsebox.h), else in process.  mime_parse()'s result or a PARSEBOX_* failure. */
static int
parse_mail(const struct core *core, const char *raw, size_t len, struct parsed_mail *pm)
{
	return core->parser ? parsebox_parse(core->parser, raw, len, &core->caps, pm)
			    : mime_parse(raw, len, &core->caps, pm);
}

/*
 * The owner of the address confirmed (c): run the mail that waited in
 * journal row id, as proven, inside this transaction; its answers go out
 * now, threaded to the confirming mail.
 */
static int
run_confirmed(struct mailctx *m, struct hctx *h, int64_t id)
{
	const struct core *core = m->core;
	struct inbound row;
	int rc = state_inbound_get(m->db, id, &row);
	if (rc < 0)
		return rc;
	if (rc == DB_NOTFOUND || !row.raw) {
		/* purged after the retention period */
		hctx_reply(h, "confirm_bad_token", NULL);
		inbound_free(&row);
		return DB_OK;
	}
	struct parsed_mail opm;
	int prc = parse_mail(core, row.raw, row.rawlen, &opm);
	if (prc == PARSEBOX_UNAVAILABLE) {
		rc = DB_ERR; /* no parser now: the confirmation is tried again later */
		goto out_pm;
	}
	if (!opm.from_addr || strcasecmp(opm.from_addr, h->ep_addr) != 0) {
		hctx_reply(h, "confirm_bad_token", NULL);
		goto out_pm;
	}
	char *text = quote_strip(opm.text ? opm.text : "");
	struct mail_cmd mc;
	mail_find_command(opm.subject, text, &mc);
	struct hctx c;
	mail_hctx(&c, m, h->ep_addr);
	rc = state_person_by_endpoint(m->db, "mail", h->ep_addr, &c.person);
	if (rc >= 0) {
		c.known = rc == DB_OK;
		c.proven = 1;
		int staff_addr = is_staff_addr(core->cfg, "mail", h->ep_addr);
		c.staff = staff_addr;
		c.lang = h->lang;
		c.body = text;
		c.pm = &opm;
		char *first = reply_msgid(core, m->row->dedupe, (size_t)m->nsent);
		c.reply_msgid = first;
		rc = run_mail(m, &c, &mc, text, staff_addr);
		if (rc >= 0) {
			log_info("mail %lld from %s: confirmed mail %lld run: %s -> %zu repl%s", (long long)m->row->id,
				 h->ep_addr, (long long)id, c.cmd ? c.cmd->name : "no command", c.nreplies,
				 c.nreplies == 1 ? "y" : "ies");
			rc = emit_replies(m, &c);
		}
		free(first);
	}
	words_free(c.argv, c.argc);
	hctx_free_replies(&c);
	person_free(&c.person);
	mail_cmd_free(&mc);
	free(text);
out_pm:
	parsed_mail_free(&opm);
	inbound_free(&row);
	return rc < 0 ? rc : DB_OK;
}

/* Everything after the journal row was read and parsed; inside the transaction.
 * person: the sender when known (m->known), moved into the handler context. */
static int
handle_parsed(struct mailctx *m, struct person *person, int *result)
{
	const struct core *core = m->core;
	const struct parsed_mail *pm = m->pm;
	int rc = DB_OK;

	if (pm->is_bounce) {
		const char *who = pm->bounce_rcpt ? pm->bounce_rcpt : pm->from_addr;
		if (who)
			rc = state_bounce_record(m->db, who, "delivery status notification", now_s());
		log_info("mail %lld: bounce recorded for %s", (long long)m->row->id, who ? who : "(unknown)");
		*result = DISP_IGNORED;
		return rc == DB_OK ? state_inbound_finish(m->db, m->row->id, "ignored", "bounce") : rc;
	}
	if (pm->is_auto) {
		log_info("mail %lld: automatic mail not answered (%s)", (long long)m->row->id,
			 pm->auto_reason ? pm->auto_reason : "auto");
		*result = DISP_IGNORED;
		return state_inbound_finish(m->db, m->row->id, "ignored", pm->auto_reason ? pm->auto_reason : "auto");
	}
	if (core->bot_addr && strcmp(pm->from_addr, core->bot_addr) == 0) {
		log_info("mail %lld: from the bot's own address, ignored", (long long)m->row->id);
		*result = DISP_IGNORED;
		return state_inbound_finish(m->db, m->row->id, "ignored", "own address");
	}
	*result = DISP_QUARANTINED;
	if (pm->error)
		return quarantine(m, pm->error);
	/* two From fields or two mailboxes in one: nobody can tell who sent it (RFC 5322 wants Sender then) */
	if (pm->from_count > 1)
		return quarantine(m, "several senders");

	/* flood control per person, across all transports (chat uses the same buckets) */
	if (core->flood) {
		char *fkey = m->known ? xasprintf("p:%lld", (long long)person->id) : xasprintf("e:mail:%s", pm->from_addr);
		int fl = flood_take(core->flood, fkey, mono_ms());
		free(fkey);
		if (fl != FLOOD_OK) {
			log_info("mail %lld from %s: over the flood limit%s", (long long)m->row->id, pm->from_addr,
				 fl == FLOOD_NOTICE ? ", notice sent" : "");
			*result = DISP_IGNORED;
			if (fl == FLOOD_NOTICE) {
				int allow = reply_allowance(m, 1, &rc);
				if (rc == DB_OK && allow == ALLOW_YES && (rc = queue_reply(m, "flood_notice", NULL)) == DB_OK)
					rc = state_reply_bump(m->db, m->rcpt, now_s() / 86400, 0);
				if (rc < 0)
					return rc;
			}
			return state_inbound_finish(m->db, m->row->id, "ignored", "flood");
		}
	}

	char *new_text = quote_strip(pm->text ? pm->text : "");
	struct mail_cmd mc;
	mail_find_command(pm->subject, new_text, &mc);
	struct hctx h;
	mail_hctx(&h, m, pm->from_addr);
	h.known = m->known;
	if (m->known) {
		h.person = *person;
		memset(person, 0, sizeof *person);
	}
	enum proof proof;
	if ((rc = mail_proof(m, pm, &proof)) < 0)
		goto out;
	h.proven = proof != PROOF_NONE;
	/* staff: a configured address whose owner proved it (no membership needed) */
	int staff_addr = is_staff_addr(core->cfg, "mail", pm->from_addr);
	h.staff = staff_addr && h.proven;
	h.lang = mail_lang(pm, &mc, new_text, h.known ? h.person.lang : NULL, core->cfg->bot.language);
	m->lang = h.lang;
	char *first_id = reply_msgid(core, m->row->dedupe, 0);
	h.reply_msgid = first_id;

	/* The daily reply limit: past it, one notice and then silence (the command is not run). */
	int allow = reply_allowance(m, 1, &rc);
	if (rc < 0)
		goto out_id;
	if (allow == ALLOW_CAP) {
		log_warn("mail %lld: the hourly cap of %d answers to unknown senders is reached", (long long)m->row->id,
			 core->cfg->bot.unknown_reply_limit);
		rc = state_inbound_finish(m->db, m->row->id, "quarantined", "answer cap for unknown senders");
		goto out_id;
	}
	*result = DISP_DONE;
	if (allow != ALLOW_YES) {
		if (allow == ALLOW_NOTICE)
			rc = send_limit_notice(m);
		if (rc == DB_OK)
			rc = state_inbound_finish(m->db, m->row->id, "ignored", "reply limit");
		goto out_id;
	}

	/* A plain reply to a mail that carried a token confirms it (or cancels it); only its
	 * owner got that mail, whose Message-ID nobody else can know (a token mailed before the
	 * ids were keyed is not taken this way: the mail proves nothing then). */
	struct token tok = {0};
	int trc = token_of_reply(m->db, pm, &tok);
	if (trc < 0) {
		rc = trc;
		goto out_id;
	}
	int token_reply = trc == DB_OK && !tok.used && tok.expires >= now_s() && strcmp(tok.ep_kind, "mail") == 0 &&
			  strcmp(tok.ep_addr, pm->from_addr) == 0 && proof != PROOF_NONE;
	const struct command *confirm = cmd_by_name("confirm");
	h.body = new_text;
	h.pm = pm;
	if (token_reply && (!mc.cmd || mc.cmd == confirm || mc.from_subject)) {
		h.proven = 1;
		if (is_cancel_word(new_text)) {
			rc = state_token_use(m->db, tok.id);
			hctx_reply(&h, "confirm_cancelled", NULL);
		} else if (strcmp(tok.kind, "cmd") == 0) {
			h.cmd = confirm;
			if ((rc = state_token_use(m->db, tok.id)) == DB_OK)
				rc = run_confirmed(m, &h, strtoll(tok.payload ? tok.payload : "0", NULL, 10));
		} else {
			h.cmd = confirm;
			rc = h_confirm_apply(&h, &tok);
		}
	} else {
		rc = run_mail(m, &h, &mc, new_text, staff_addr);
		/* "confirm <token>" typed for a command that waited for its sender (c) */
		if (rc >= 0 && h.confirmed_inbound)
			rc = run_confirmed(m, &h, h.confirmed_inbound);
	}
	token_free(&tok);
	if (rc < 0)
		goto out_args;
	log_info("mail %lld from %s: %s (%s, proof %s) -> %zu repl%s", (long long)m->row->id, pm->from_addr,
		 h.cmd ? h.cmd->name : "no command", h.lang,
		 proof == PROOF_AUTH ? "dkim/dmarc" : proof == PROOF_REPLY ? "reply" : proof == PROOF_PLUS ? "plus-address" : "none",
		 h.nreplies, h.nreplies == 1 ? "y" : "ies");
	rc = emit_replies(m, &h);
	if (rc == DB_OK)
		rc = state_inbound_finish(m->db, m->row->id, "done", NULL);
out_args:
	words_free(h.argv, h.argc);
out_id:
	free(first_id);
out:
	hctx_free_replies(&h);
	person_free(&h.person);
	mail_cmd_free(&mc);
	free(new_text);
	return rc;
}

void
dispatch_mail_read(struct db *db, const struct core *core, int64_t inbound_id, struct mail_read *out)
{
	struct inbound row;
	memset(out, 0, sizeof *out);
	out->rc = 1;
	if (state_inbound_get(db, inbound_id, &row) == DB_OK)
		out->rc = parse_mail(core, row.raw, row.rawlen, &out->pm);
	inbound_free(&row);
}

void
mail_read_free(struct mail_read *r)
{
	parsed_mail_free(&r->pm);
	memset(r, 0, sizeof *r);
	r->rc = 1;
}

int
dispatch_mail_in(struct db *db, const struct core *core, int64_t inbound_id, int give_up, struct mail_read *pre)
{
	struct inbound row;
	struct parsed_mail pm;
	struct person person = {0};
	int result = DISP_DONE;
	memset(&pm, 0, sizeof pm);
	if (db_savepoint(db) < 0)
		return DB_ERR;
	int rc = state_inbound_get(db, inbound_id, &row);
	if (rc != DB_OK) {
		db_rollback_savepoint(db);
		return rc < 0 ? rc : DISP_IGNORED;
	}
	int prc;
	if (pre && pre->rc != 1) {
		prc = pre->rc;
		pm = pre->pm;
		memset(&pre->pm, 0, sizeof pre->pm);
	} else {
		prc = parse_mail(core, row.raw, row.rawlen, &pm);
	}
	if (prc == PARSEBOX_UNAVAILABLE)
		goto fail; /* nothing parsed: the caller rolls back and tries again later */
	struct mailctx m = {0};
	m.db = db;
	m.core = core;
	m.row = &row;
	m.pm = &pm;
	m.lang = core->cfg->bot.language ? core->cfg->bot.language : "de";
	/* only a valid mailbox is ever answered: "boss(x)@example.test" must not become "boss" */
	m.rcpt = pm.from_addr && mail_addr_valid(pm.from_addr) ? pm.from_addr : NULL;
	if (m.rcpt) {
		rc = state_person_by_endpoint(db, "mail", m.rcpt, &person);
		if (rc < 0)
			goto failed;
		m.known = rc == DB_OK;
		if (m.known && person.lang)
			m.lang = strcmp(person.lang, "de") == 0 ? "de" : "en";
	}

	if (give_up || prc == PARSEBOX_FAILED) {
		/* a mail that killed its parser is not tried again */
		result = DISP_QUARANTINED;
		rc = quarantine(&m, give_up ? "crashed" : pm.error);
	} else if (row.meta && strncmp(row.meta, "too large", 9) == 0) {
		/* not even downloaded: the sender is unknown, so nobody can be told */
		result = DISP_QUARANTINED;
		m.rcpt = NULL;
		rc = quarantine(&m, row.meta);
	} else if (!m.rcpt) {
		result = DISP_QUARANTINED;
		rc = quarantine(&m, pm.error ? pm.error : "no sender address");
	} else {
		rc = handle_parsed(&m, &person, &result);
	}
failed:
	if (rc < 0) {
		/* A handler or database error: undo this command only, then quarantine it. */
		db_rollback_savepoint(db);
		log_err("mail %lld: handling failed, quarantining", (long long)inbound_id);
		if (db_savepoint(db) < 0)
			goto fail;
		m.nsent = 0;
		m.counted = 0;
		rc = quarantine(&m, "internal");
		result = DISP_QUARANTINED;
		if (rc < 0) {
			db_rollback_savepoint(db);
			goto fail;
		}
	}
	if (db_release(db) < 0)
		goto fail;
	person_free(&person);
	parsed_mail_free(&pm);
	inbound_free(&row);
	return result;
fail:
	person_free(&person);
	parsed_mail_free(&pm);
	inbound_free(&row);
	return DB_ERR;
}

int
dispatch_mail(struct db *db, const struct core *core, int64_t inbound_id, int give_up)
{
	struct mail_read pre;
	dispatch_mail_read(db, core, inbound_id, &pre);
	int r = DB_ERR;
	if (db_begin(db) == 0) {
		r = dispatch_mail_in(db, core, inbound_id, give_up, &pre);
		if (r < 0 || db_commit(db) < 0) {
			db_rollback(db);
			r = DB_ERR;
		}
	}
	mail_read_free(&pre);
	return r;
}

/* The answer language for a chat sender who sent no command to read it from: the
 * person's stored choice, else the configured default.  sender may be NULL. */
static const char *
chat_lang(struct db *db, const struct core *core, const char *transport, const char *sender)
{
	const char *lang = core->cfg->bot.language && strcmp(core->cfg->bot.language, "en") == 0 ? "en" : "de";
	struct person p = {0}; /* stays zero without a sender: person_free() is safe */
	if (sender && state_person_by_endpoint(db, transport, sender, &p) == DB_OK && p.lang)
		lang = strcmp(p.lang, "de") == 0 ? "de" : "en";
	person_free(&p);
	return lang;
}

/* A chat message whose handling failed DISPATCH_CRASH_LIMIT times: set aside, the sender told. */
static int
chat_give_up(struct mailctx *m)
{
	log_err("%s %lld failed %d times: quarantining it", m->transport, (long long)m->row->id, m->row->attempts);
	int rc = state_inbound_finish(m->db, m->row->id, "quarantined", "crashed");
	if (rc != DB_OK || !m->sender)
		return rc;
	char *reason = tmpl_render(m->core->tmpl, m->lang, "reason.crashed", NULL);
	const char *vars[] = {"reason", reason, NULL};
	rc = queue_chat_answer(m, "quarantined.chat", vars);
	free(reason);
	return rc;
}

int
dispatch_chat(struct db *db, const struct core *core, int64_t inbound_id, int give_up)
{
	struct inbound row;
	if (db_begin(db) < 0)
		return DB_ERR;
	int rc = state_inbound_get(db, inbound_id, &row);
	if (rc != DB_OK) {
		db_rollback(db);
		return rc < 0 ? rc : DISP_IGNORED;
	}
	json_error_t jerr;
	json_t *meta = row.meta ? json_loads(row.meta, 0, &jerr) : NULL;
	struct mailctx m = {0};
	m.db = db;
	m.core = core;
	m.row = &row;
	m.transport = row.transport;
	m.sender = json_string_value(json_object_get(meta, "sender"));
	m.room = json_string_value(json_object_get(meta, "room"));
	m.nick = json_string_value(json_object_get(meta, "nick"));
	m.sender_direct = json_is_true(json_object_get(meta, "direct_ok"));
	if (give_up) {
		m.lang = chat_lang(db, core, row.transport, m.sender);
		rc = chat_give_up(&m);
		json_decref(meta);
		inbound_free(&row);
		if (rc < 0 || db_commit(db) < 0) {
			db_rollback(db);
			return DB_ERR;
		}
		return DISP_QUARANTINED;
	}
	struct hctx h = {0};
	h.db = db;
	h.cfg = core->cfg;
	h.tmpl = core->tmpl;
	h.key = core_key(core);
	h.transport = row.transport;
	h.ep_kind = row.transport;
	h.proven = 1; /* the chat server authenticated the sender */
	h.ep_addr = m.sender ? m.sender : "";
	const char *rest = "", *cmd_lang = NULL;
	enum cmd_role role = is_staff_addr(core->cfg, h.ep_kind, h.ep_addr) ? CMD_ROLE_STAFF : CMD_ROLE_MEMBER;
	h.cmd = cmd_lookup_role(row.raw, role, &rest, &cmd_lang);
	rc = state_person_by_endpoint(db, h.ep_kind, h.ep_addr, &h.person);
	if (rc < 0)
		goto out;
	h.known = rc == DB_OK;
	rc = DB_OK;
	/* staff: a configured JID / Matrix user; the chat server authenticated the sender */
	h.staff = is_staff_addr(core->cfg, h.ep_kind, h.ep_addr);
	if (h.known && h.person.lang)
		h.lang = strcmp(h.person.lang, "de") == 0 ? "de" : "en";
	else if (cmd_lang && strcmp(cmd_lang, "de") == 0)
		h.lang = "de";
	else if (lang_guess(row.raw))
		h.lang = lang_guess(row.raw);
	else if (cmd_lang)
		h.lang = cmd_lang;
	else
		h.lang = core->cfg->bot.language && strcmp(core->cfg->bot.language, "en") == 0 ? "en" : "de";
	m.lang = h.lang;
	char *first_id = reply_msgid(core, row.dedupe, 0);
	h.reply_msgid = first_id;
	if (h.cmd) {
		char *a = xstrdup(rest);
		char *nl = strchr(a, '\n');
		h.body = "";
		if (nl) {
			*nl = '\0';
			h.body = nl + 1;
		}
		h.argline = str_trim(a);
		h.argc = words_split(h.argline, &h.argv, MAX_ARGS + 1);
		rc = run_command(NULL, &h, 0);
		free(a);
		h.argline = NULL;
	} else {
		char *list = command_summary(&h);
		char *word = xstrndup(row.raw, strcspn(row.raw, " \t\n"));
		const char *alias = NULL;
		const struct command *sug = cmd_suggest(word, &alias);
		char *sg = sug ? hctx_text(&h, "unknown_command.suggest", "suggestion",
					   strcmp(h.lang, "de") == 0 ? alias : sug->name, NULL)
			       : xstrdup("");
		hctx_reply(&h, "unknown_command.chat", "word", word, "suggestion", sg, NULL);
		free(sg);
		free(word);
		free(list);
	}
	if (rc >= 0) {
		log_info("%s %lld from %s: %s (%s) -> %zu repl%s", row.transport, (long long)row.id, h.ep_addr,
			 h.cmd ? h.cmd->name : "no command", h.lang, h.nreplies, h.nreplies == 1 ? "y" : "ies");
		rc = emit_replies(&m, &h);
	}
	if (rc >= 0)
		rc = state_inbound_finish(db, row.id, "done", NULL);
	words_free(h.argv, h.argc);
	free(first_id);
out:
	hctx_free_replies(&h);
	person_free(&h.person);
	json_decref(meta);
	if (rc < 0 || db_commit(db) < 0) {
		db_rollback(db);
		/* the message stays 'new' and is retried; after repeated failures it is given up */
		if (db_begin(db) == 0 && state_inbound_finish(db, row.id, "quarantined", "internal") == 0)
			db_commit(db);
		else
			db_rollback(db);
		inbound_free(&row);
		return DB_ERR;
	}
	inbound_free(&row);
	return DISP_DONE;
}

int
dispatch_chat_flood(struct db *db, const struct core *core, int64_t inbound_id, int notice)
{
	struct inbound row;
	if (db_begin(db) < 0)
		return DB_ERR;
	int rc = state_inbound_get(db, inbound_id, &row);
	if (rc != DB_OK) {
		db_rollback(db);
		return rc < 0 ? rc : DISP_IGNORED;
	}
	json_error_t jerr;
	json_t *meta = row.meta ? json_loads(row.meta, 0, &jerr) : NULL;
	struct mailctx m = {0};
	m.db = db;
	m.core = core;
	m.row = &row;
	m.transport = row.transport;
	m.sender = json_string_value(json_object_get(meta, "sender"));
	m.room = json_string_value(json_object_get(meta, "room"));
	m.nick = json_string_value(json_object_get(meta, "nick"));
	m.lang = chat_lang(db, core, row.transport, m.sender);
	log_info("%s %lld from %s: over the flood limit%s", row.transport, (long long)row.id,
		 m.sender ? m.sender : "?", notice ? ", notice sent" : "");
	if (notice && m.sender)
		rc = queue_chat_answer(&m, "flood_notice", NULL);
	if (rc >= 0)
		rc = state_inbound_finish(db, row.id, "ignored", "flood");
	json_decref(meta);
	inbound_free(&row);
	if (rc < 0 || db_commit(db) < 0) {
		db_rollback(db);
		return DB_ERR;
	}
	return DISP_IGNORED;
}
