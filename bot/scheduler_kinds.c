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
#include "emit.h"
#include "handlers/h_alumni.h"
#include "handlers/h_offer.h"
#include "handlers/handlers.h"
#include "logkv.h"
#include "mailout.h"
#include "retention_run.h"
#include "scheduler.h"
#include "social.h"
#include "state/state.h"
#include "templates.h"
#include "util.h"

/* handlers/h_mentoring.c */

/* "mb.<keyed hash of the job>.<n>@domain": stable if the job runs again, unguessable. */
static char *
job_msgid(const struct core *core, const struct job *job, size_t n)
{
	if (!core->has_key)
		fatal("internal error: the installation key was not loaded");
	char seed[48];
	snprintf(seed, sizeof seed, "job:%lld", (long long)job->id);
	return keyed_msgid(core->key, seed, n, core->bot_domain);
}

/* Run a handler-side job function and queue its replies. */
static int
run_job(struct db *db, const struct core *core, const struct job *job, const char **result,
	int (*fn)(struct hctx *, int64_t, const char **))
{
	const char *deflang =
		core->cfg && core->cfg->bot.language && strcmp(core->cfg->bot.language, "en") == 0 ? "en" : "de";
	struct hctx h = {0};
	h.db = db;
	h.cfg = core->cfg;
	h.tmpl = core->tmpl;
	h.key = core->key;
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
			log_warn("event=reply_dropped kind=%s ref=%lld reason=no_address", LOG_KV(job->kind),
				 (long long)job->ref);
			continue;
		}
		char *msgid = job_msgid(core, job, i);
		rc = emit_reply(db, core, 0, r, deflang, msgid);
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

static int
event_remind(struct db *db, const struct core *core, const struct job *job, const char **result)
{
	return run_job(db, core, job, result, h_event_remind_job);
}

static int
event_claim(struct db *db, const struct core *core, const struct job *job, const char **result)
{
	return run_job(db, core, job, result, h_event_claim_job);
}

static int
contact_expire(struct db *db, const struct core *core, const struct job *job, const char **result)
{
	return run_job(db, core, job, result, h_contact_expire_job);
}

/* handlers/h_offer.c: the company's notice before an offer's expiry, and the expiry */
static int
offer_notice(struct db *db, const struct core *core, const struct job *job, const char **result)
{
	return run_job(db, core, job, result, h_offer_notice_job);
}

static int
social_refused(struct db *db, const struct core *core, const struct job *job, const char **result)
{
	return run_job(db, core, job, result, social_refused_job);
}

static int
offer_expire(struct db *db, const struct core *core, const struct job *job, const char **result)
{
	return run_job(db, core, job, result, h_offer_expire_job);
}

/* The daily purge (retention_run.h): one pass per job.  A pass that filled a batch queues the
 * next pass of the day at once (its own transaction: the write lock is let go in between);
 * the last one arms tomorrow's first, so the chain survives restarts in the job table. */
static int
retention_job(struct hctx *h, int64_t ref, const char **result)
{
	int64_t now = now_s();
	struct retention_report r = {0};
	struct retention_cursor cur = {{0}};
	/* a day's first pass starts at the first row; the next ones go on where the last stopped */
	int rc = ref % RETENTION_PASSES ? retention_cursor_load(h->db, &cur) : DB_OK;
	if (rc == DB_OK)
		rc = retention_pass(h, now, RETENTION_BATCH, 0, &cur, &r);
	if (rc == DB_OK)
		rc = retention_cursor_save(h->db, &cur);
	if (rc == DB_OK) {
		int64_t rows = 0;
		for (int c = 0; c < RET_NCAT; c++)
			rows += r.rows[c];
		if (rows || r.ntold || r.nerased)
			log_info("event=retention rows_purged=%lld told=%zu erased=%zu", (long long)rows, r.ntold,
				 r.nerased);
		int64_t day = now / 86400, next = (day + 1) * RETENTION_PASSES;
		if (r.more && ref % RETENTION_PASSES < RETENTION_PASSES - 1)
			rc = state_job_put(h->db, RETENTION_JOB, ref + 1, now, NULL);
		else /* tomorrow at 02:00 UTC, after the night's mail */
			rc = state_job_put(h->db, RETENTION_JOB, next > ref ? next : ref + 1, (day + 1) * 86400 + 7200,
					   NULL);
		*result = r.more ? "ran: more to purge" : "ran";
	}
	retention_report_free(&r);
	return rc;
}

static int
retention(struct db *db, const struct core *core, const struct job *job, const char **result)
{
	return run_job(db, core, job, result, retention_job);
}

/* Every job kind of the daemon (main.c starts the scheduler with these). */
const struct sched_kind sched_kinds[] = {
	{"request.remind", request_remind}, {"request.expire", request_expire},   {"session.remind", session_remind},
	{"session.prompt", session_prompt}, {"event.remind", event_remind},       {"event.claim", event_claim},
	{RETENTION_JOB, retention},         {"contact.expire", contact_expire},   {"offer.notice", offer_notice},
	{"offer.expire", offer_expire},     {SOCIAL_REFUSED_JOB, social_refused},
};
const size_t sched_nkinds = ARRAY_LEN(sched_kinds);
