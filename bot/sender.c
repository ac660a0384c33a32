/*
 * sender.c - the one outbox sender (sender.h): claim, pace, send, record.
 *
 * Recording: a row the server took is marked sent (mail marks it itself just
 * before the final ".", sender_mark_sent, and a later refusal undoes the
 * mark).  A temporary refusal counts an attempt and makes the row due again
 * after retry_in seconds, or after outbox_retry_delay() (30 s doubling to
 * 1 h); after OUTBOX_MAX_ATTEMPTS, or on a permanent refusal, the row is
 * failed.  When the server cannot be reached (or refuses for now and says so)
 * the rest of the batch waits out the connection's back-off (1 s doubling to
 * 5 min, reset by the next accepted row).
 *
 * Pacing (state.h): "announce" rows go out at most [bot] announce_rate a
 * second, counted at send time, so that rows queued by another process keep
 * the pace too; "room" rows are spaced [bot] post_interval seconds per room
 * (post_pacing, post.h) and held back with state_outbox_defer().
 */
#include "sender.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "logaddr.h"
#include "logkv.h"
#include "post.h"
#include "state/state.h"
#include "transport.h"
#include "util.h"

#define SENDER_DB_RETRY_MS 1000
#define SENDER_DUE_SOON_MS 20 /* a row became due while the batch was sent */

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

struct ack_plan
sender_decide(const struct send_res *res, int attempts, int64_t now)
{
	struct ack_plan p = {ACK_NONE, 0, 0, 0, 0};
	switch (res->rc) {
	case SEND_OK:
		p.action = ACK_SENT;
		p.reset = 1;
		break;
	case SEND_LATER:
		break;
	case SEND_RETRY:
		if (attempts + 1 >= OUTBOX_MAX_ATTEMPTS) {
			p.action = ACK_FAILED;
			break;
		}
		p.action = ACK_RETRY;
		p.next_try = now + (res->retry_in < 0 ? outbox_retry_delay(attempts) : res->retry_in);
		p.pause = res->pause;
		break;
	case SEND_FAIL:
		p.action = ACK_FAILED;
		break;
	case SEND_DOWN:
		p.pause = 1;
		break;
	case SEND_STOP:
		p.stop = 1;
		break;
	}
	return p;
}

int
sender_lane_rate(int rate, int lanes, int lane)
{
	if (rate <= 0 || lanes <= 1)
		return rate;
	return rate / lanes + (lane < rate % lanes);
}

int
sender_rate_take(int rate, const char *pacing, int64_t now_sec, int64_t *sec, int *sent)
{
	if (rate <= 0 || !pacing || strcmp(pacing, "announce") != 0)
		return 1;
	if (now_sec != *sec) {
		*sec = now_sec;
		*sent = 0;
	}
	if (*sent >= rate)
		return 0;
	(*sent)++;
	return 1;
}

static int64_t
mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
sender_init(struct sender *s)
{
	if (pthread_mutex_init(&s->lock, NULL) != 0)
		return -1;
	if (timed_wait_cond_init(&s->cond) != 0) {
		pthread_mutex_destroy(&s->lock);
		return -1;
	}
	s->kicked = 0;
	backoff_init(&s->backoff, 1000, 300 * 1000, 1);
	if (!s->batch || s->batch > SENDER_MAX_BATCH)
		s->batch = 32;
	return 0;
}

void
sender_destroy(struct sender *s)
{
	free(s->acks);
	s->acks = NULL;
	s->nacks = s->capacks = 0;
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
}

void
sender_kick(struct sender *s)
{
	pthread_mutex_lock(&s->lock);
	s->kicked = 1;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static int
sender_stopping(void *ud)
{
	struct sender *s = ud;
	return *s->stop || (s->stopping && s->stopping(s->handle));
}

int
sender_wait(struct sender *s, int64_t ms)
{
	return timed_wait(&s->lock, &s->cond, &s->kicked, ms, sender_stopping, s);
}

/* The run statistics line: an announcement is worth a line, a reply or two only at debug level. */
static void
run_stats_end(struct sender *s)
{
	struct sender_run_stats *r = &s->run;
	if (!r->sent && !r->failed)
		return;
	struct transport_status st = {0};
	s->ops->status(s->handle, &st);
	int64_t all = mono_us() - r->start_us;
	unsigned long conns = st.connects - r->connects;
	enum log_level lvl = r->sent + r->failed >= 100 ? LOG_LVL_INFO : LOG_LVL_DEBUG;
	log_msg(lvl,
		"event=send_run transport=%s sent=%lu not_sent=%lu seconds=%.2f server_seconds=%.2f "
		"database_seconds=%.2f waiting_seconds=%.2f new_connections=%lu",
		s->ops->name, r->sent, r->failed, all / 1e6, r->send_us / 1e6, r->db_us / 1e6,
		(all - r->send_us - r->db_us) / 1e6, conns);
	memset(r, 0, sizeof *r);
}

static void
run_stats_start(struct sender *s, int64_t t0)
{
	if (s->run.start_us)
		return;
	struct transport_status st = {0};
	s->ops->status(s->handle, &st);
	s->run.start_us = t0;
	s->run.connects = st.connects;
}

void
sender_mark_sent(struct sender *s, const struct outbox_item *row, struct send_res *res)
{
	int64_t t = mono_us();
	res->marked = state_outbox_sent(s->db, row->id) == DB_OK;
	res->db_us += mono_us() - t;
}

/* Write what plan says about row id; DB_OK or DB_ERR.  rcpt may be NULL (an outcome learnt later). */
static int
record(struct sender *s, int64_t id, const char *rcpt, const struct send_res *res, const struct ack_plan *p)
{
	const char *name = s->ops->name;
	switch (p->action) {
	case ACK_SENT:
		return res->marked ? DB_OK : state_outbox_sent(s->db, id);
	case ACK_RETRY:
		log_warn("event=send_retry transport=%s outbox=%lld to=%s retry_in=%lld error=%s", name, (long long)id,
			 LOG_WHO(rcpt), (long long)(p->next_try - now_s()), LOG_KV(res->err));
		return state_outbox_retry(s->db, id, p->next_try, res->err);
	case ACK_FAILED:
		log_warn("event=send_failed transport=%s outbox=%lld to=%s error=%s", name, (long long)id,
			 LOG_WHO(rcpt), LOG_KV(res->err));
		return state_outbox_failed(s->db, id, res->err);
	case ACK_NONE:
		break;
	}
	return DB_OK;
}

/* Count what was recorded (for status and the run statistics). */
static void
note(struct sender *s, const struct send_res *res, const struct ack_plan *p)
{
	if (p->reset)
		backoff_reset(&s->backoff);
	pthread_mutex_lock(&s->lock);
	if (p->action == ACK_SENT) {
		s->sent_total++;
		s->last_send = now_s();
		s->run.sent++;
	} else if (p->action == ACK_FAILED || p->action == ACK_RETRY) {
		s->failed_total += p->action == ACK_FAILED;
		s->run.failed++;
	}
	if (*res->err && p->action != ACK_SENT)
		snprintf(s->last_error, sizeof s->last_error, "%s", res->err);
	pthread_mutex_unlock(&s->lock);
}

static int
record_acks(struct db *db, void *ud)
{
	struct sender *s = ud;
	(void)db;
	for (size_t i = 0; i < s->nacks; i++) {
		struct send_ack *a = &s->acks[i];
		struct ack_plan p = sender_decide(&a->res, a->attempts, now_s());
		if (db_failed(record(s, a->row, NULL, &a->res, &p)))
			return DB_ERR;
	}
	return DB_OK;
}

void
sender_collect(struct sender *s)
{
	if (!s->ops->ack || !s->db)
		return;
	for (;;) {
		if (s->nacks == s->capacks) {
			s->capacks = s->capacks ? s->capacks * 2 : 64;
			s->acks = xrealloc(s->acks, s->capacks * sizeof *s->acks);
		}
		size_t got = s->ops->ack(s->handle, s->acks + s->nacks, s->capacks - s->nacks);
		s->nacks += got;
		if (s->nacks < s->capacks)
			break;
	}
	if (!s->nacks || db_failed(db_txn(s->db, record_acks, s)))
		return; /* nothing to record, or the database was busy: again next time */
	for (size_t i = 0; i < s->nacks; i++) {
		struct ack_plan p = sender_decide(&s->acks[i].res, s->acks[i].attempts, now_s());
		note(s, &s->acks[i].res, &p);
	}
	s->nacks = 0;
}

/* What one pass did, for the wait that follows it. */
struct pass {
	size_t progress; /* rows whose state changed (sent, handed over, retried, failed, deferred) */
	int pause, paced, held_back, stopped;
};

/* Pace, send and record one claimed row. */
static void
send_one(struct sender *s, struct outbox_item *it, struct pass *ps)
{
	if (s->ops->ready && !s->ops->ready(s->handle, it)) {
		ps->held_back = 1;
		return;
	}
	if (!sender_rate_take(sender_lane_rate(s->cfg->bot.announce_rate, s->lanes, s->lane), it->pacing,
			      mono_ms() / 1000, &s->rate_sec, &s->rate_sent)) {
		ps->paced = 1; /* the invitations' share of this second is used up */
		return;
	}
	int pace = post_pacing(s->ops->name, it->rcpt, it->pacing, s->cfg->bot.post_interval);
	if (pace > 0) {
		state_outbox_defer(s->db, it->id, now_s() + pace);
		ps->progress++;
		return;
	}
	struct send_res res = {0};
	res.rc = SEND_FAIL;
	int64_t ts = mono_us();
	s->ops->send(s->handle, it, &res);
	int64_t te = mono_us();
	s->run.send_us += te - ts - res.db_us;
	s->run.db_us += res.db_us;
	struct ack_plan p = sender_decide(&res, it->attempts, now_s());
	record(s, it->id, it->rcpt, &res, &p);
	note(s, &res, &p);
	s->run.db_us += mono_us() - te;
	ps->progress += res.rc != SEND_DOWN && res.rc != SEND_STOP;
	ps->pause |= p.pause;
	ps->stopped |= p.stop;
}

/* The wait after a pass that claimed n of want rows. */
static int64_t
pass_wait(struct sender *s, const struct pass *ps, size_t n, size_t want)
{
	if (ps->pause) {
		/* the server is unwell: do not hammer it with the rest of the queue */
		int64_t d = backoff_next(&s->backoff);
		log_warn("event=send_paused transport=%s reason=server_refusing retry_in_ms=%lld", s->ops->name,
			 (long long)d);
		return d;
	}
	if (ps->stopped)
		return s->poll_ms;
	if (ps->paced)
		return 1000 - mono_ms() % 1000; /* on with the next second */
	if (n == want && ps->progress)
		return 0;
	run_stats_end(s);
	/* Rows queued by this process kick the sender; rows queued by another process (mentorbot
	 * post, event send) are seen within poll_ms (one index look-up each time). */
	int64_t next = state_outbox_next_due_lane(s->db, s->ops->name, s->lanes, s->lane, now_s());
	if (next < 0 || (next == 0 && ps->held_back))
		return s->poll_ms;
	if (next == 0)
		return SENDER_DUE_SOON_MS < s->poll_ms ? SENDER_DUE_SOON_MS : s->poll_ms;
	return next * 1000 < s->poll_ms ? next * 1000 : s->poll_ms;
}

int64_t
sender_drain(struct sender *s, size_t held)
{
	sender_collect(s);
	size_t want = s->batch + held;
	if (want > SENDER_MAX_BATCH)
		want = SENDER_MAX_BATCH;
	struct outbox_item *items = xcalloc(want, sizeof *items);
	size_t n = 0;
	int64_t t0 = mono_us();
	if (db_failed(state_outbox_due_lane(s->db, s->ops->name, s->lanes, s->lane, now_s(), items, want, &n))) {
		free(items);
		return SENDER_DB_RETRY_MS;
	}
	if (n)
		run_stats_start(s, t0);
	if (s->run.start_us)
		s->run.db_us += mono_us() - t0;
	struct pass ps = {0};
	for (size_t i = 0; i < n; i++) {
		if (!ps.pause && !ps.stopped && !sender_stopping(s))
			send_one(s, &items[i], &ps);
		outbox_item_free(&items[i]);
	}
	free(items);
	return pass_wait(s, &ps, n, want);
}

void
sender_run(struct sender *s)
{
	int recheck = 0; /* a kick may come before its transaction commits: look again shortly */
	while (!sender_stopping(s)) {
		int64_t ms = sender_drain(s, 0);
		if (!ms)
			continue;
		if (recheck > 0) {
			int64_t r = recheck == 2 ? 100 : 1000;
			ms = r < ms ? r : ms;
			recheck--;
		}
		if (sender_wait(s, ms))
			recheck = 2;
	}
	run_stats_end(s);
}

void
sender_status(struct sender *s, struct transport_status *st)
{
	pthread_mutex_lock(&s->lock);
	st->sent = s->sent_total;
	st->failed = s->failed_total;
	st->last_send = s->last_send;
	snprintf(st->last_error, sizeof st->last_error, "%s", s->last_error);
	pthread_mutex_unlock(&s->lock);
}

void
transport_status_line(char *buf, size_t size, const char *name, const struct transport_status *st, int64_t pending,
		      int64_t now)
{
	char last[48];
	if (st->last_send > 0)
		snprintf(last, sizeof last, "%llds ago", (long long)(now - st->last_send));
	else
		snprintf(last, sizeof last, "never");
	snprintf(buf, size, "status %s: %s, %lu connection%s, %lu sent, %lu failed, %lld pending, last sent %s%s%s",
		 name, st->connected > 0 ? "connected" : (st->connected == 0 ? "disconnected" : "running"),
		 st->connects, st->connects == 1 ? "" : "s", st->sent, st->failed, (long long)pending, last,
		 *st->last_error ? ", last error: " : "", st->last_error);
}

void
transport_log_status(const struct transport_ops *t, void *handle, struct db *db)
{
	struct transport_status st = {0};
	int64_t pending = -1;
	char line[512];
	if (!handle) {
		log_info("status %s: not running", t->name);
		return;
	}
	st.connected = -1;
	t->status(handle, &st);
	if (db)
		state_outbox_pending(db, t->name, &pending);
	transport_status_line(line, sizeof line, t->name, &st, pending, now_s());
	log_info("%s", line);
}
