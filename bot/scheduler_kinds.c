/*
 * scheduler_kinds.c - the job kinds the scheduler runs, and how a job's
 * replies reach the outbox.
 *
 * A job runs in the scheduler thread inside the transaction scheduler.c
 * opened: the handler changes state and queues replies (all addressed to an
 * endpoint: nobody sent the job), and they are rendered here into outbox rows
 * in that same transaction.  Message-IDs derive from the job id and the
 * reply's position ("mb.job<id>.<n>@domain"), so a job rolled back and run
 * again queues the same rows, and h->reply_msgid names the first one (a new
 * request's mail, see h_mentoring.c).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dispatch.h"
#include "handlers/handlers.h"
#include "mailout.h"
#include "scheduler.h"
#include "state/state.h"
#include "templates.h"
#include "util.h"

/* handlers/h_mentoring.c */

static char *
job_msgid(const struct core *core, const struct job *job, size_t n)
{
	return xasprintf("mb.job%lld.%zu@%s", (long long)job->id, n, core->bot_domain ? core->bot_domain : "mentorbot.invalid");
}

/* The value of var name in a reply, or NULL. */
static const char *
reply_var(const struct reply *r, const char *name)
{
	for (size_t i = 0; i + 1 < r->nvars; i += 2)
		if (strcmp(r->vars[i], name) == 0)
			return r->vars[i + 1];
	return NULL;
}

/* One reply as an outbox row: a fresh mail (subject from "<key>.subject") or a direct chat message. */
static int
emit_one(struct db *db, const struct core *core, const struct reply *r, const char *deflang, const char *msgid)
{
	const char *const *vars = (const char *const *)r->vars;
	const char *lang = reply_var(r, "lang");
	lang = lang && strcmp(lang, "de") == 0 ? "de" : (lang ? "en" : deflang);
	int rc;
	if (strcmp(r->to_kind, "mail") == 0) {
		char *skey = xasprintf("%s.subject", r->key);
		char *subject = tmpl_render(core->tmpl, lang, skey, vars);
		char *main_text = tmpl_render(core->tmpl, lang, r->key, vars);
		char *sig = tmpl_render(core->tmpl, lang, "signature", NULL);
		char *body = xasprintf("%s\n\n%s\n", main_text, sig);
		struct mail_header extra[] = {{"X-Mentorbot-Reply", r->key}};
		struct mail_out mo = {0};
		mo.from = core->cfg->smtp.from;
		mo.to = r->to_addr;
		mo.subject = subject;
		mo.message_id = msgid;
		mo.auto_submitted = "auto-generated";
		mo.text = body;
		mo.lang = lang;
		mo.extra = extra;
		mo.nextra = 1;
		mo.calendar = reply_var(r, "calendar");
		mo.calendar_method = mo.calendar ? reply_var(r, "calendar_method") : NULL;
		size_t len;
		char *raw = mail_compose(&mo, &len);
		rc = raw ? state_outbox_add(db, 0, "mail", core->cfg->smtp.from_addr, r->to_addr, msgid, raw, len) : DB_OK;
		free(raw);
		free(body);
		free(sig);
		free(main_text);
		free(subject);
		free(skey);
	} else {
		char *text = tmpl_render(core->tmpl, lang, r->key, vars);
		json_t *o = json_pack("{s:s, s:s, s:s}", "to", r->to_addr, "type", "chat", "body", text);
		char *payload = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		rc = state_outbox_add(db, 0, r->to_kind, NULL, r->to_addr, msgid, payload, strlen(payload));
		free(payload);
		free(text);
	}
	if (rc == DB_NOTFOUND)
		rc = DB_OK; /* queued by an earlier run of this job */
	if (rc == DB_OK && core->notify)
		core->notify(core->notify_ud, r->to_kind);
	return rc;
}

/* Run a handler-side job function and queue its replies. */
static int
run_job(struct db *db, const struct core *core, const struct job *job, const char **result,
	int (*fn)(struct hctx *, int64_t, const char **))
{
	const char *deflang = core->cfg && core->cfg->bot.language && strcmp(core->cfg->bot.language, "en") == 0 ? "en" : "de";
	struct hctx h = {0};
	h.db = db;
	h.cfg = core->cfg;
	h.tmpl = core->tmpl;
	h.transport = "scheduler";
	h.ep_kind = "";
	h.ep_addr = "";
	h.lang = deflang;
	char *first = job_msgid(core, job, 0);
	h.reply_msgid = first;
	int rc = fn(&h, job->ref, result);
	for (size_t i = 0; rc >= 0 && i < h.nreplies; i++) {
		const struct reply *r = &h.replies[i];
		if (!r->to_kind || !r->to_addr) {
			log_warn("scheduler: %s %lld queued a reply without an address; dropped", job->kind,
				 (long long)job->ref);
			continue;
		}
		char *msgid = job_msgid(core, job, i);
		rc = emit_one(db, core, r, deflang, msgid);
		free(msgid);
	}
	hctx_free_replies(&h);
	free(first);
	return rc < 0 ? -1 : 0;
}

static int
request_remind(struct db *db, const struct core *core, const struct job *job, const char **result)
{
	return run_job(db, core, job, result, h_request_remind_job);
}

static int
request_expire(struct db *db, const struct core *core, const struct job *job, const char **result)
{
	return run_job(db, core, job, result, h_request_expire_job);
}

static int
session_remind(struct db *db, const struct core *core, const struct job *job, const char **result)
{
	return run_job(db, core, job, result, h_session_remind_job);
}

static int
session_prompt(struct db *db, const struct core *core, const struct job *job, const char **result)
{
	return run_job(db, core, job, result, h_session_prompt_job);
}

/* Every job kind of the daemon (main.c starts the scheduler with these). */
const struct sched_kind sched_kinds[] = {
	{"request.remind", request_remind},
	{"request.expire", request_expire},
	{"session.remind", session_remind},
	{"session.prompt", session_prompt},
};
const size_t sched_nkinds = ARRAY_LEN(sched_kinds);
