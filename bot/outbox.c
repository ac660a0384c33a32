/*
 * outbox.c - the mail sender thread (one thread; outbox_kick() and
 * outbox_join() are called from others).  It owns its own SQLite connection
 * (synchronous=NORMAL, see state.h) and one SMTP handle whose connection is
 * reused across sends.  It takes the due "mail" rows in id order, SEND_BATCH
 * at a time, and keeps the pacing class of each row (state.h): "announce"
 * rows go out at most [bot] announce_rate a second.
 *
 * A row is marked sent when its last bytes are handed to the server, just
 * before the terminating "." (smtp_set_eod_hook, smtp.h), and the mark is
 * undone (retry or failure) if the server then refuses it.  So a kill -9
 * cannot fall between the server's 250 and our record of it: killed before
 * the mark, the row is sent again after a restart (same Message-ID, so the
 * receiver can recognise the copy); killed after it but before the final "."
 * left the process, the server discards the transaction while the row stays
 * marked sent - the one short window in which a mail can be lost.
 *
 * Temporary failures are retried after outbox_retry_delay(); after
 * OUTBOX_MAX_ATTEMPTS, or on a 5xx, the row is recorded as failed.  On
 * connection trouble the rest of the batch waits out a back-off (1 s doubling
 * to 5 min, reset by the next accepted mail).
 */
#include "outbox.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "config.h"
#include "smtp.h"
#include "state/state.h"
#include "transport.h"
#include "util.h"

#define SEND_BATCH 32
#define OUTBOX_POLL_MS 250

int
outbox_retry_delay(int attempts)
{
	/* the same steps as a back-off that failed attempts times already */
	struct backoff b;
	backoff_init(&b, 30, 3600, 0);
	for (int i = 0; i < attempts && b.cur < b.max; i++)
		backoff_next(&b);
	return (int)backoff_jitter(backoff_next(&b));
}

static int
sender_stopping(void *ud)
{
	struct outbox_sender *o = ud;
	return *o->stop;
}

static void
wait_kick(struct outbox_sender *o, int64_t ms)
{
	timed_wait(&o->lock, &o->cond, &o->kicked, ms, sender_stopping, o);
}

static int64_t
mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Where a run of sends spends its time, logged when the queue is empty again: a run of many
 * mails (an announcement) says how long the server took (SMTP: from MAIL FROM to its 250 for
 * each mail, the marks excluded), how long the database (taking the rows, the marks) and the
 * pauses, and how many connections it needed.
 */
struct run_stats {
	int64_t start_us, smtp_us, db_us;
	unsigned long sent, failed, connects;
};

struct eod_ctx {
	struct db *db;
	int64_t id;
	int marked;
	int64_t mark_us;
};

/* Mark the row sent just before the message's end goes out (see smtp.h). */
static void
mark_sent_at_eod(void *ud)
{
	struct eod_ctx *e = ud;
	int64_t t = mono_us();
	e->marked = state_outbox_sent(e->db, e->id) == DB_OK;
	e->mark_us = mono_us() - t;
}

static void
run_stats_end(struct run_stats *r, const struct smtp *smtp)
{
	if (!r->sent && !r->failed)
		return;
	int64_t all = mono_us() - r->start_us;
	unsigned long conns = smtp_connect_count(smtp) - r->connects;
	/* an announcement is worth a line; a reply or two only at debug level */
	enum log_level lvl = r->sent + r->failed >= 100 ? LOG_LVL_INFO : LOG_LVL_DEBUG;
	log_msg(lvl,
		"outbox: %lu mails sent, %lu not sent in %.2f s: SMTP %.2f s, database %.2f s, waiting %.2f s; "
		"%lu new connection%s",
		r->sent, r->failed, all / 1e6, r->smtp_us / 1e6, r->db_us / 1e6, (all - r->smtp_us - r->db_us) / 1e6,
		conns, conns == 1 ? "" : "s");
	memset(r, 0, sizeof *r);
}

/*
 * Rows of pacing class "announce" (event invitations, updates and cancellations, see state.h)
 * go out at most [bot] announce_rate a second, counted at send time, so that rows
 * queued by another process (mentorbot event send) or released late keep the pace too.
 * Returns 1 to send now, 0 to leave the row for the next second.
 */
static int
bulk_may_send(const struct config *cfg, const char *pacing, int64_t *sec, int *sent)
{
	int rate = cfg->bot.announce_rate;
	if (rate <= 0 || !pacing || strcmp(pacing, "announce") != 0)
		return 1;
	int64_t now = mono_ms() / 1000; /* real seconds, also under the test clock */
	if (now != *sec) {
		*sec = now;
		*sent = 0;
	}
	if (*sent >= rate)
		return 0;
	(*sent)++;
	return 1;
}

static void *
sender_main(void *arg)
{
	struct outbox_sender *o = arg;
	struct db *db = NULL;
	if (db_open(&db, o->db_path) < 0) {
		log_err("outbox: cannot open the database; mail will not be sent");
		return NULL;
	}
	db_sync_normal(db); /* see state.h: a lost "sent" mark means one resend, same Message-ID */
	struct smtp_settings ss = {0};
	ss.url = o->cfg->smtp.url;
	ss.user = o->cfg->smtp.user;
	ss.password = o->cfg->smtp.password;
	ss.ca_file = o->cfg->smtp.ca_file;
	struct smtp *smtp = smtp_new(&ss);
	struct backoff conn_backoff;
	backoff_init(&conn_backoff, 1000, 300 * 1000, 0);
	int64_t bulk_sec = 0;
	int bulk_sent = 0;
	struct run_stats run = {0};
	while (!*o->stop) {
		struct outbox_item items[SEND_BATCH];
		size_t n = 0;
		int64_t t0 = mono_us();
		if (state_outbox_due(db, "mail", now_s(), items, SEND_BATCH, &n) < 0) {
			wait_kick(o, 1000);
			continue;
		}
		if (n && !run.start_us) {
			run.start_us = t0;
			run.connects = smtp_connect_count(smtp);
		}
		if (run.start_us)
			run.db_us += mono_us() - t0;
		int conn_trouble = 0, paced = 0;
		for (size_t i = 0; i < n; i++) {
			struct outbox_item *it = &items[i];
			if (conn_trouble || *o->stop || !bulk_may_send(o->cfg, it->pacing, &bulk_sec, &bulk_sent)) {
				paced |= !conn_trouble && !*o->stop;
				outbox_item_free(it);
				continue;
			}
			char err[256] = "";
			struct eod_ctx eod = {db, it->id, 0, 0};
			smtp_set_eod_hook(smtp, mark_sent_at_eod, &eod);
			int64_t ts = mono_us();
			int rc = smtp_send(smtp, it->env_from, it->rcpt, it->payload, it->len, err, sizeof err);
			int64_t te = mono_us();
			smtp_set_eod_hook(smtp, NULL, NULL);
			run.smtp_us += te - ts - eod.mark_us;
			run.db_us += eod.mark_us;
			if (rc == SMTP_OK) {
				if (!eod.marked)
					state_outbox_sent(db, it->id);
				backoff_reset(&conn_backoff);
				run.sent++;
			} else if (rc == SMTP_ERR_PERM || it->attempts + 1 >= OUTBOX_MAX_ATTEMPTS) {
				log_warn("outbox %lld to %s failed permanently: %s", (long long)it->id, it->rcpt, err);
				state_outbox_failed(db, it->id, err);
			} else {
				int d = outbox_retry_delay(it->attempts);
				log_warn("outbox %lld to %s: %s; retry in %d s", (long long)it->id, it->rcpt, err, d);
				state_outbox_retry(db, it->id, now_s() + d, err);
				conn_trouble = 1;
			}
			if (rc != SMTP_OK)
				run.failed++;
			run.db_us += mono_us() - te;
			outbox_item_free(it);
		}
		if (conn_trouble) {
			/* the server is unwell: do not hammer it with the rest of the queue */
			wait_kick(o, backoff_next(&conn_backoff));
			continue;
		}
		if (paced) {
			/* the invitations' share of this second is used up: on with the next second */
			wait_kick(o, 1000 - mono_ms() % 1000);
			continue;
		}
		if (n == SEND_BATCH)
			continue;
		run_stats_end(&run, smtp);
		int64_t next = state_outbox_next_due(db, "mail", now_s());
		/* Rows queued by this process kick the thread; rows queued by another process
		 * (mentorbot post, event send) are seen within a quarter of a second (one index look-up
		 * each time).  next == 0: one became due since the batch was taken. */
		wait_kick(o,
			  next < 0 ? OUTBOX_POLL_MS
				   : (next == 0 ? 20 : (next * 1000 < OUTBOX_POLL_MS ? next * 1000 : OUTBOX_POLL_MS)));
	}
	run_stats_end(&run, smtp);
	smtp_free(smtp);
	db_close(db);
	return NULL;
}

int
outbox_start(struct outbox_sender *o)
{
	pthread_mutex_init(&o->lock, NULL);
	timed_wait_cond_init(&o->cond);
	o->kicked = 0;
	if (pthread_create(&o->thread, NULL, sender_main, o) != 0)
		return -1;
	o->started = 1;
	return 0;
}

void
outbox_kick(struct outbox_sender *o)
{
	pthread_mutex_lock(&o->lock);
	o->kicked = 1;
	pthread_cond_signal(&o->cond);
	pthread_mutex_unlock(&o->lock);
}

void
outbox_join(struct outbox_sender *o)
{
	if (!o->started)
		return;
	outbox_kick(o);
	pthread_join(o->thread, NULL);
	o->started = 0;
}

/* ---- the mail transport's sender half as transport_ops (transport.h) ---- */

static int
mail_configured(const struct config *cfg)
{
	return cfg->imap.present && cfg->smtp.present;
}

static int
mail_start(void **handle, const struct transport_ctx *ctx)
{
	struct outbox_sender *o = xcalloc(1, sizeof *o);
	o->cfg = ctx->cfg;
	o->db_path = ctx->db_path;
	o->stop = ctx->stop;
	*handle = NULL;
	if (outbox_start(o) < 0) {
		pthread_cond_destroy(&o->cond);
		pthread_mutex_destroy(&o->lock);
		free(o);
		return -1;
	}
	*handle = o;
	return 0;
}

static void
mail_notify(void *handle)
{
	if (handle)
		outbox_kick(handle);
}

static void
mail_stop(void *handle)
{
	struct outbox_sender *o = handle;
	if (!o)
		return;
	outbox_join(o);
	pthread_cond_destroy(&o->cond);
	pthread_mutex_destroy(&o->lock);
	free(o);
}

const struct transport_ops mail_transport_ops = {
	.name = "mail",
	.what = "sender thread",
	.optional = 0,
	.configured = mail_configured,
	.start = mail_start,
	.notify = mail_notify,
	.stop = mail_stop,
};
