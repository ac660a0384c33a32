/*
 * dispatch.c - the core of mentorbot: turns journalled inbound messages (mail,
 * XMPP, Matrix) into state changes and outbox rows inside one transaction, so
 * a command's effect and its answer are committed together or not at all.
 * The pipeline is described in dispatch.h; the answers (the outbox rows of
 * replies, limits, quarantine, the reply language) are in answer.c, proof of
 * address in proof.c, the reply routes in routes.c.
 *
 * Runs in the thread of the transport that calls it, on that thread's own
 * database connection.
 */
#include "dispatch.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bounce.h"
#include "commands.h"
#include "config.h"
#include "dispatch_int.h"
#include "flood.h"
#include "handlers/handlers.h"
#include "logaddr.h"
#include "logkv.h"
#include "mailcmd.h"
#include "mailout.h"
#include "parsebox.h"
#include "social.h"
#include "state/privacy.h"
#include "state/state.h"
#include "templates.h"
#include "util.h"
#include "words.h"

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

int
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

const char *
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
	log_who_key(core->key);
	return 0;
}

const unsigned char *
core_key(const struct core *core)
{
	if (!core->has_key)
		fatal("internal error: the installation key was not loaded");
	return core->key;
}

/* "mb.<keyed hash of the dedupe key>.<n>@domain": stable for the command it answers, and
 * nobody without the installation key can tell it in advance. */
char *
reply_msgid(const struct core *core, const char *dedupe, size_t n)
{
	return keyed_msgid(core_key(core), dedupe, n, core->bot_domain);
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
		char *list = h_command_list(h);
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
			return db_failed(rc) ? rc : DB_OK;
	}
	if (m && !h->proven && (staff_unproven || command_writes(h) == CMD_WRITES)) {
		char *what = xasprintf("%s %s", hctx_cmd_word(h, c), h->argline ? h->argline : "");
		int rc = ask_confirmation(m, h, what, staff_unproven);
		free(what);
		return rc;
	}
	return c->proceed(h);
}

/* Not a command: "did you mean", or the list of commands. */
static void
answer_unknown(struct hctx *h, const struct mail_cmd *mc)
{
	const char *word = mc->first_word;
	char *list = h_command_list(h);
	if (word) {
		const char *alias = NULL;
		const struct command *sug = cmd_suggest(word, h->staff ? CMD_ROLE_STAFF : CMD_ROLE_MEMBER, &alias);
		char *s = sug ? hctx_text(h, "unknown_command.suggest", "suggestion",
					  strcmp(h->lang, "de") == 0 ? alias : sug->name, NULL)
			      : xstrdup("");
		if (h->pm) {
			char *w = str_one_line(word, 40);
			hctx_reply(h, "unknown_command", "word", w, "suggestion", s, "commands", list, NULL);
			free(w);
		} else {
			hctx_reply(h, "unknown_command.chat", "word", word, "suggestion", s, NULL);
		}
		free(s);
	} else {
		hctx_reply(h, "no_command", "commands", list, NULL);
	}
	free(list);
}

/* A reply route, else the command of the message, else "did you mean". */
static int
run_route_or_command(struct mailctx *m, struct hctx *h)
{
	int rc = run_reply_routes(m, h);
	if (rc != ROUTE_PASS)
		return rc;
	const struct mail_cmd *mc = &m->in->words;
	if (m->silent) {
		/* an automatic mail: only the data it carries counts, it never runs a command */
		log_info("event=ignored channel=mail inbound=%lld from=%s reason=automatic_no_route",
			 (long long)m->row->id, LOG_WHO(m->in->sender));
		return DB_OK;
	}
	if (!mc->cmd && m->in->forwarded) {
		char *list = h_command_list(h);
		hctx_reply(h, "forwarded_no_command", "commands", list, NULL);
		free(list);
		return DB_OK;
	}
	if (!mc->cmd) {
		answer_unknown(h, mc);
		return DB_OK;
	}
	h->cmd = m->staff_addr ? mc->cmd_staff : mc->cmd; /* a word may name a staff and a member command */
	h->argline = mc->argline ? mc->argline : "";
	h->argc = words_split(h->argline, &h->argv, MAX_ARGS + 1);
	rc = run_command(m, h, m->staff_addr);
	/* "confirm <token>" typed for a command that waited for its sender (c) */
	if (!db_failed(rc) && h->confirmed_inbound)
		rc = run_confirmed(m, h, h->confirmed_inbound);
	return rc;
}

/* The handler context of message in, in m's transaction; person moved in when known. */
static void
inbound_hctx(struct hctx *h, const struct mailctx *m, struct person *person, int known)
{
	memset(h, 0, sizeof *h);
	h->db = m->db;
	h->cfg = m->core->cfg;
	h->tmpl = m->core->tmpl;
	h->key = core_key(m->core);
	h->transport = m->in->channel;
	h->ep_kind = m->in->channel;
	h->ep_addr = m->in->sender ? m->in->sender : "";
	h->known = known;
	if (known) {
		h->person = *person;
		memset(person, 0, sizeof *person);
	}
	h->body = m->in->body ? m->in->body : "";
	h->pm = m->in->pm;
}

/* Parse an untrusted raw mail: in the limited worker process when the daemon has one
 * (bot/parsebox.h), else in process.  mime_parse()'s result or a PARSEBOX_* failure. */
static int
parse_mail(const struct core *core, const char *raw, size_t len, struct parsed_mail *pm)
{
	return core->parser ? parsebox_parse(core->parser, raw, len, &core->caps, pm)
			    : mime_parse(raw, len, &core->caps, pm);
}

/* ---- reading: a journal row becomes a struct inbound ---- */

static void
read_mail(const struct core *core, struct inbound *in)
{
	in->pm = xcalloc(1, sizeof *in->pm);
	if (!in->row.raw) {
		/* not even downloaded (row.meta says why): nothing to read, nobody to answer */
		in->unread = in->row.meta ? in->row.meta : "not fetched";
		return;
	}
	in->read_rc = parse_mail(core, in->row.raw, in->row.rawlen, in->pm);
	const struct parsed_mail *pm = in->pm;
	/* only a valid mailbox is ever answered: "boss(x)@example.test" must not become "boss" */
	in->sender = pm->from_addr && mail_addr_valid(pm->from_addr) ? pm->from_addr : NULL;
	/* only a forward: someone else wrote that body.  It is the command's text, but the
	 * command itself comes only from the Subject (forward prefixes stripped) */
	in->forwarded = mail_own_text(pm->text, &in->text, &in->body_buf);
	in->body = in->forwarded ? in->body_buf : in->text;
	mail_find_command(pm->subject, in->text, &in->words);
}

static void
read_chat(struct inbound *in)
{
	json_error_t jerr;
	in->meta = in->row.meta ? json_loads(in->row.meta, 0, &jerr) : NULL;
	in->sender = json_string_value(json_object_get(in->meta, "sender"));
	in->room = json_string_value(json_object_get(in->meta, "room"));
	in->nick = json_string_value(json_object_get(in->meta, "nick"));
	in->direct_ok = json_is_true(json_object_get(in->meta, "direct_ok"));
	in->text = xstrdup(in->row.raw ? in->row.raw : "");
	struct cmd_match cm = {.rest = ""};
	if (cmd_lookup_all(in->text, &cm)) {
		in->words.cmd = cm.by_role[CMD_ROLE_MEMBER];
		in->words.cmd_staff = cm.by_role[CMD_ROLE_STAFF];
		in->words.cmd_lang = cm.lang;
	}
	const char *rest = cm.rest;
	if (!in->words.cmd) {
		in->words.first_word = xstrndup(in->text, strcspn(in->text, " \t\n"));
		in->body = "";
		return;
	}
	/* the first line holds the arguments; the lines after it are the command's text */
	char *a = xstrdup(rest);
	char *nl = strchr(a, '\n');
	in->body_buf = xstrdup(nl ? nl + 1 : "");
	if (nl)
		*nl = '\0';
	in->words.argline = xstrdup(str_trim(a));
	free(a);
	in->body = in->body_buf;
}

int
inbound_read(struct db *db, const struct core *core, int64_t id, struct inbound *in)
{
	memset(in, 0, sizeof *in);
	int rc = state_inbound_get(db, id, &in->row);
	if (rc != DB_OK)
		return rc;
	in->channel = in->row.transport;
	if (strcmp(in->channel, "mail") == 0)
		read_mail(core, in);
	else
		read_chat(in);
	return DB_OK;
}

void
inbound_clear(struct inbound *in)
{
	if (in->pm) {
		parsed_mail_free(in->pm);
		free(in->pm);
	}
	json_decref(in->meta);
	mail_cmd_free(&in->words);
	free(in->text);
	free(in->body_buf);
	journal_row_free(&in->row);
	memset(in, 0, sizeof *in);
}

/* ---- one message through the pipeline ---- */

/* The owner of the address confirmed (c): run the mail that waited in journal row id, as
 * proven, inside this transaction; its answers go out now, threaded to the confirming mail. */
int
run_confirmed(struct mailctx *m, struct hctx *h, int64_t id)
{
	const struct core *core = m->core;
	struct inbound old;
	int rc = inbound_read(m->db, core, id, &old);
	if (db_failed(rc))
		return rc;
	if (rc == DB_NOTFOUND || !old.row.raw || !old.pm) {
		/* purged after the retention period */
		hctx_reply(h, "confirm_bad_token", NULL);
		inbound_clear(&old);
		return DB_OK;
	}
	if (old.read_rc == PARSEBOX_UNAVAILABLE) {
		inbound_clear(&old);
		return DB_ERR; /* no parser now: the confirmation is tried again later */
	}
	if (!old.pm->from_addr || strcasecmp(old.pm->from_addr, h->ep_addr) != 0) {
		hctx_reply(h, "confirm_bad_token", NULL);
		inbound_clear(&old);
		return DB_OK;
	}
	struct mailctx om = *m;
	om.in = &old;
	om.staff_addr = is_staff_addr(core->cfg, "mail", h->ep_addr);
	struct hctx c;
	rc = state_person_by_endpoint(m->db, "mail", h->ep_addr, &c.person);
	if (!db_failed(rc)) {
		struct person p = c.person;
		inbound_hctx(&c, &om, &p, rc == DB_OK);
		person_free(&p);
		c.ep_addr = h->ep_addr;
		c.proven = 1;
		c.staff = om.staff_addr;
		c.lang = h->lang;
		char *first = reply_msgid(core, m->row->dedupe, (size_t)m->nsent);
		c.reply_msgid = first;
		rc = run_route_or_command(&om, &c);
		if (!db_failed(rc)) {
			log_info("event=command channel=mail inbound=%lld from=%s confirmed=%lld cmd=%s replies=%zu",
				 (long long)m->row->id, LOG_WHO(h->ep_addr), (long long)id,
				 LOG_KV(c.cmd ? c.cmd->name : NULL), c.nreplies);
			/* the answers thread to the confirming mail (m), not to the old one */
			rc = emit_replies(m, &c);
		}
		free(first);
		words_free(c.argv, c.argc);
		hctx_free_replies(&c);
		person_free(&c.person);
	}
	inbound_clear(&old);
	return db_failed(rc) ? rc : DB_OK;
}

/* Mail that is not answered or can not be run: parser failures, bounces, automatic mail,
 * our own mail, several senders.  1 when it was finished here (*result set), 0 to go on. */
static int
admit_mail(struct mailctx *m, int *result)
{
	const struct inbound *in = m->in;
	const struct parsed_mail *pm = in->pm;
	int rc;
	*result = DISP_QUARANTINED;
	if (in->read_rc == PARSEBOX_FAILED) /* a mail that killed its parser is not tried again */
		rc = quarantine(m, pm->error);
	else if (in->unread) {
		m->rcpt = NULL; /* the sender is unknown, so nobody can be told */
		rc = quarantine(m, in->unread);
	} else if (!m->rcpt) {
		rc = quarantine(m, pm->error ? pm->error : "no sender address");
	} else if (pm->is_bounce || bounce_to_verp(m->core, pm)) {
		rc = bounce_take(m->db, m->core, m->row->id, m->row->raw, m->row->rawlen, pm);
		*result = DISP_IGNORED;
		if (rc == DB_OK)
			rc = state_inbound_finish(m->db, m->row->id, "ignored", "bounce");
	} else if (pm->is_auto && !route_takes_automatic(pm)) {
		log_info("event=ignored channel=mail inbound=%lld reason=automatic auto=%s", (long long)m->row->id,
			 LOG_KV(pm->auto_reason ? pm->auto_reason : "auto"));
		*result = DISP_IGNORED;
		rc = state_inbound_finish(m->db, m->row->id, "ignored", pm->auto_reason ? pm->auto_reason : "auto");
	} else if (m->core->bot_addr && strcmp(pm->from_addr, m->core->bot_addr) == 0) {
		log_info("event=ignored channel=mail inbound=%lld reason=own_address", (long long)m->row->id);
		*result = DISP_IGNORED;
		rc = state_inbound_finish(m->db, m->row->id, "ignored", "own address");
	} else if (pm->error) {
		rc = quarantine(m, pm->error);
	} else if (pm->from_count > 1) {
		/* two From fields or two mailboxes in one: nobody can tell who sent it (RFC 5322 wants Sender then) */
		rc = quarantine(m, "several senders");
	} else {
		if (!pm->is_auto && db_failed(rc = bounce_mail_from(m->db, pm->from_addr)))
			return rc;
		if (pm->is_auto) {
			m->silent = 1;
			log_info("event=calendar_reply channel=mail inbound=%lld auto=%s answered=no",
				 (long long)m->row->id, LOG_KV(pm->auto_reason ? pm->auto_reason : "auto"));
		}
		return 0;
	}
	return db_failed(rc) ? rc : 1;
}

/* Flood control per person, across all channels (one set of buckets).  1 when the message
 * was over the limit and finished here, 0 to go on. */
static int
admit_flood(struct mailctx *m, const struct person *person, int known)
{
	if (!m->core->flood || !m->in->sender)
		return 0;
	char *fkey = known ? xasprintf("p:%lld", (long long)person->id)
			   : xasprintf("e:%s:%s", m->in->channel, m->in->sender);
	int fl = flood_take(m->core->flood, fkey, mono_ms());
	free(fkey);
	if (fl == FLOOD_OK)
		return 0;
	log_info("event=flood channel=%s inbound=%lld from=%s notice=%s", m->in->channel, (long long)m->row->id,
		 LOG_WHO(m->in->sender), fl == FLOOD_NOTICE ? "sent" : "no");
	int rc = fl == FLOOD_NOTICE ? answer(m, "flood_notice", NULL, 0) : DB_OK;
	if (rc == DB_OK)
		rc = state_inbound_finish(m->db, m->row->id, "ignored", "flood");
	return db_failed(rc) ? rc : 1;
}

/* Who sent a mail, as far as it proves it, and in which language to answer.  Then the
 * daily reply limit: past it, one notice and then silence (1: finished here). */
static int
identify_mail(struct mailctx *m, struct hctx *h, int *result)
{
	const struct parsed_mail *pm = m->pm;
	enum proof proof;
	int rc = mail_proof(m, pm, &proof);
	if (db_failed(rc))
		return rc;
	m->proof = proof;
	h->proven = proof != PROOF_NONE;
	/* staff: a configured address whose owner proved it (no membership needed) */
	m->staff_addr = is_staff_addr(m->core->cfg, "mail", pm->from_addr);
	h->staff = m->staff_addr && h->proven;
	h->lang =
		/* the body: the forwarded text of a forward too, in the language its sender reads */
		mail_lang(pm, &m->in->words, m->in->body, h->known ? h->person.lang : NULL, m->core->cfg->bot.language);
	m->lang = h->lang;
	if (m->silent)
		return 0; /* never answered: no limit to count, no notice to send */
	int allow = reply_allowance(m, 1, &rc);
	if (db_failed(rc))
		return rc;
	if (allow == ALLOW_CAP) {
		log_warn("event=limit channel=mail inbound=%lld limit=unknown_reply_limit per_hour=%d",
			 (long long)m->row->id, m->core->cfg->bot.unknown_reply_limit);
		*result = DISP_QUARANTINED;
		rc = state_inbound_finish(m->db, m->row->id, "quarantined", "answer cap for unknown senders");
		return db_failed(rc) ? rc : 1;
	}
	*result = DISP_DONE;
	if (allow == ALLOW_YES)
		return 0;
	if (allow == ALLOW_NOTICE)
		rc = send_limit_notice(m);
	if (rc == DB_OK)
		rc = state_inbound_finish(m->db, m->row->id, "ignored", "reply limit");
	return db_failed(rc) ? rc : 1;
}

/* A chat sender was authenticated by the chat server; the language as for mail (answer_lang),
 * without a Content-Language. */
static void
identify_chat(struct mailctx *m, struct hctx *h)
{
	const struct mail_cmd *mc = &m->in->words;
	h->proven = 1;
	m->staff_addr = is_staff_addr(m->core->cfg, h->ep_kind, h->ep_addr);
	h->staff = m->staff_addr;
	h->lang = answer_lang(h->known ? h->person.lang : NULL, mc->cmd_lang, m->in->text, NULL,
			      m->core->cfg->bot.language);
	m->lang = h->lang;
}

static const char *
proof_name(const struct mailctx *m)
{
	switch (m->proof) {
	case PROOF_AUTH:
		return "dkim/dmarc";
	case PROOF_REPLY:
		return "reply";
	case PROOF_PLUS:
		return "plus-address";
	default:
		return "none";
	}
}

/* Where the answers to in go: the sender's mailbox, or the chat (room or direct) it came from. */
static void
mailctx_init(struct mailctx *m, struct db *db, const struct core *core, const struct inbound *in)
{
	memset(m, 0, sizeof *m);
	m->db = db;
	m->core = core;
	m->in = in;
	m->row = &in->row;
	m->pm = in->pm;
	if (in->pm) {
		m->rcpt = in->sender;
	} else {
		m->transport = in->channel;
		m->sender = in->sender;
		m->room = in->room;
		m->nick = in->nick;
		m->sender_direct = in->direct_ok;
	}
	m->lang = lang_or(NULL, core->cfg->bot.language);
}

/*
 * One message, inside the open transaction: the person resolved once, the
 * channel's admission rules, flood control, who it is and in which language,
 * then exactly one reply route or one command, its replies into the outbox,
 * and the journal row finished.  A disp_result, or a negative error.
 */
static int
dispatch_one(struct db *db, const struct core *core, struct inbound *in, int give_up)
{
	struct mailctx m;
	mailctx_init(&m, db, core, in);
	struct person person = {0};
	int known = 0, rc = DB_OK, result = DISP_DONE;
	if (in->sender) {
		rc = state_person_by_endpoint(db, in->channel, in->sender, &person);
		if (db_failed(rc))
			return rc;
		known = m.known = rc == DB_OK;
		/* the journal row is theirs: "my data" lists it, "delete me" clears it */
		if (known && db_failed(rc = state_inbound_set_person(db, in->row.id, person.id))) {
			person_free(&person);
			return rc;
		}
		if (known && person.lang)
			m.lang = lang_or(person.lang, NULL);
	}
	struct hctx h = {0}; /* set up once admitted: the admission rules answer through m */
	if (give_up) {
		log_err("event=crash_limit channel=%s inbound=%lld attempts=%d action=quarantine", in->channel,
			(long long)in->row.id, in->row.attempts);
		rc = quarantine(&m, "crashed");
		result = DISP_QUARANTINED;
		goto out;
	}
	if (in->pm && (rc = admit_mail(&m, &result)) != 0)
		goto out;
	if (!in->pm && !in->sender) {
		/* a chat transport always names the sender; a journal row without one is damaged */
		rc = quarantine(&m, "no sender address");
		result = DISP_QUARANTINED;
		goto out;
	}
	if ((rc = admit_flood(&m, &person, known)) != 0) {
		result = DISP_IGNORED;
		goto out;
	}
	inbound_hctx(&h, &m, &person, known);
	char *first_id = reply_msgid(core, in->row.dedupe, 0);
	h.reply_msgid = first_id;
	if (in->pm)
		rc = identify_mail(&m, &h, &result);
	else
		identify_chat(&m, &h);
	if (rc == 0)
		rc = run_route_or_command(&m, &h);
	if (rc == DB_OK && !m.silent)
		rc = h_consent_note(&h); /* a changed consent text: asked once per contact */
	if (rc == DB_OK) {
		char pid[24] = "-";
		if (h.known)
			snprintf(pid, sizeof pid, "%lld", (long long)h.person.id);
		log_info("event=command channel=%s inbound=%lld from=%s person=%s cmd=%s lang=%s proof=%s replies=%zu",
			 in->channel, (long long)in->row.id, LOG_WHO(in->pm ? in->sender : h.ep_addr), pid,
			 LOG_KV(h.cmd ? h.cmd->name : NULL), h.lang, in->pm ? proof_name(&m) : "chat", h.nreplies);
		rc = emit_replies(&m, &h);
		if (rc == DB_OK)
			rc = state_inbound_finish(db, in->row.id, "done", NULL);
		result = DISP_DONE;
	}
	free(first_id);
out:
	words_free(h.argv, h.argc);
	hctx_free_replies(&h);
	person_free(&h.person);
	person_free(&person);
	if (rc > 0)
		rc = DB_OK; /* finished by an admission rule */
	return db_failed(rc) ? rc : result;
}

/* One message under its own savepoint: a failing command is undone alone and quarantined. */
static int
dispatch_in_txn(struct db *db, const struct core *core, struct inbound *in, int give_up)
{
	if (in->pm && in->read_rc == PARSEBOX_UNAVAILABLE)
		return DB_ERR; /* nothing parsed: rolled back and tried again later */
	if (db_savepoint(db) < 0)
		return DB_ERR;
	int result = dispatch_one(db, core, in, give_up);
	if (result < 0) {
		db_rollback_savepoint(db);
		log_err("event=handler_failed channel=%s inbound=%lld action=quarantine", in->channel,
			(long long)in->row.id);
		if (db_savepoint(db) < 0)
			return DB_ERR;
		struct mailctx m;
		mailctx_init(&m, db, core, in);
		result = DISP_QUARANTINED;
		if (db_failed(quarantine(&m, "internal"))) {
			db_rollback_savepoint(db);
			return DB_ERR;
		}
	}
	return db_release(db) < 0 ? DB_ERR : result;
}

int
dispatch_txn(struct db *db, const struct core *core, int (*fn)(struct db *db, void *ud), void *ud)
{
	if (core && core->tmpl_lock)
		pthread_rwlock_rdlock(core->tmpl_lock);
	int rc = db_txn(db, fn, ud);
	if (core && core->tmpl_lock)
		pthread_rwlock_unlock(core->tmpl_lock);
	if (!db_failed(rc))
		state_privacy_after_commit(db); /* an erasure's rows leave the WAL too */
	return rc;
}

struct batch {
	const struct core *core;
	struct inbound *in;
	size_t n;
	int give_up;
	int result; /* of the last message */
};

static int
batch_run(struct db *db, void *ud)
{
	struct batch *b = ud;
	for (size_t i = 0; i < b->n; i++) {
		if (!b->in[i].channel) {
			b->result = DISP_IGNORED; /* the row is gone (purged) */
			continue;
		}
		b->result = dispatch_in_txn(db, b->core, &b->in[i], b->give_up);
		if (b->result < 0)
			return b->result;
	}
	return DB_OK;
}

int
dispatch(struct db *db, const struct core *core, const int64_t *ids, size_t n, int give_up)
{
	/* read (and parse) first, with no write lock held: a slow (hostile) mail stalls nobody */
	struct inbound *in = xcalloc(n ? n : 1, sizeof *in);
	int rc = DB_OK;
	for (size_t i = 0; i < n && !db_failed(rc); i++) {
		rc = inbound_read(db, core, ids[i], &in[i]);
		if (rc == DB_NOTFOUND)
			rc = DB_OK;
	}
	struct batch b = {core, in, n, give_up, DISP_IGNORED};
	unsigned gen = atomic_load(&social_queued_gen);
	if (!db_failed(rc))
		rc = dispatch_txn(db, core, batch_run, &b);
	if (!db_failed(rc))
		social_kick(core, gen); /* committed: the social senders need not wait for their poll */
	for (size_t i = 0; i < n; i++)
		inbound_clear(&in[i]);
	free(in);
	return rc < 0 ? DB_ERR : b.result;
}

#define PENDING_BATCH 64

int
dispatch_pending(struct db *db, const struct core *core, const char *transport, const volatile int *stop,
		 void (*committed)(void *ud), void *ud)
{
	int64_t ids[PENDING_BATCH];
	int attempts[PENDING_BATCH];
	size_t n, total = 0;
	for (;;) {
		if (state_inbound_pending(db, transport, ids, attempts, PENDING_BATCH, &n) < 0)
			return -1;
		if (n == 0)
			break;
		/* Fresh messages are marked attempted as a batch (one commit) and run in one
		 * transaction (a savepoint each: one fsync covers them all); one that was attempted
		 * before (the daemon died) goes alone, so only the culprit accumulates attempts. */
		int64_t fresh[PENDING_BATCH];
		size_t nf = 0;
		for (size_t i = 0; i < n; i++)
			if (attempts[i] == 0)
				fresh[nf++] = ids[i];
		if (nf) {
			if (state_inbound_attempt_txn(db, fresh, nf) < 0 || dispatch(db, core, fresh, nf, 0) < 0)
				return -1;
			total += nf;
		} else {
			int give_up = attempts[0] >= DISPATCH_CRASH_LIMIT;
			if (!total && strcmp(transport, "mail") != 0)
				log_info("event=replay channel=%s reason=journalled_before_restart", transport);
			/* counted before it runs: if it kills the daemon again, the next start knows */
			if (!give_up && state_inbound_attempt_txn(db, &ids[0], 1) < 0)
				return -1;
			if (dispatch(db, core, &ids[0], 1, give_up) < 0)
				return -1;
			total++;
		}
		if (committed)
			committed(ud);
		if (stop && *stop)
			break;
	}
	return (int)total;
}
