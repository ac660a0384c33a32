/*
 * test_sender.c - the shared outbox sender (sender.h): what each answer of a
 * transport's send() does to the row and to the rest of the batch, the
 * announcement rate, the status line, and one pass over a real outbox with a
 * fake transport (sent, retried, failed, paused, acknowledged later).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/config.h"
#include "bot/sender.h"
#include "bot/transport.h"
#include "bot/util.h"
#include "state/state.h"
#include "t.h"

static struct send_res
res_of(enum send_rc rc, int retry_in, int pause)
{
	struct send_res r;
	memset(&r, 0, sizeof r);
	r.rc = rc;
	r.retry_in = retry_in;
	r.pause = pause;
	return r;
}

static void
accepted_row_is_sent_and_resets_the_backoff(void)
{
	struct send_res r = res_of(SEND_OK, 0, 0);
	struct ack_plan p = sender_decide(&r, 3, 1000);
	CHECK(p.action == ACK_SENT);
	CHECK(p.reset && !p.pause && !p.stop);
}

static void
handed_over_row_waits_for_its_ack(void)
{
	struct send_res r = res_of(SEND_LATER, 0, 0);
	struct ack_plan p = sender_decide(&r, 0, 1000);
	CHECK(p.action == ACK_NONE);
	CHECK(!p.reset && !p.pause && !p.stop);
}

static void
temporary_refusal_is_retried_with_the_shared_delay(void)
{
	struct send_res r = res_of(SEND_RETRY, -1, 1);
	struct ack_plan p = sender_decide(&r, 0, 1000);
	CHECK(p.action == ACK_RETRY);
	/* 30 s ± 25 % after the first failure */
	CHECK(p.next_try >= 1000 + 22 && p.next_try <= 1000 + 38);
	CHECK(p.pause);
	r = res_of(SEND_RETRY, 60, 0);
	p = sender_decide(&r, 5, 1000);
	CHECK(p.action == ACK_RETRY && p.next_try == 1060 && !p.pause);
	r = res_of(SEND_RETRY, 0, 0);
	p = sender_decide(&r, 5, 1000);
	CHECK(p.action == ACK_RETRY && p.next_try == 1000);
}

static void
the_last_allowed_attempt_fails_the_row(void)
{
	struct send_res r = res_of(SEND_RETRY, -1, 1);
	struct ack_plan p = sender_decide(&r, OUTBOX_MAX_ATTEMPTS - 2, 1000);
	CHECK(p.action == ACK_RETRY);
	p = sender_decide(&r, OUTBOX_MAX_ATTEMPTS - 1, 1000);
	CHECK(p.action == ACK_FAILED);
	CHECK(!p.pause);
}

static void
permanent_refusal_fails_at_once(void)
{
	struct send_res r = res_of(SEND_FAIL, 0, 0);
	struct ack_plan p = sender_decide(&r, 0, 1000);
	CHECK(p.action == ACK_FAILED && !p.pause && !p.reset);
}

static void
unreachable_server_pauses_without_an_attempt(void)
{
	struct send_res r = res_of(SEND_DOWN, 0, 0);
	struct ack_plan p = sender_decide(&r, 0, 1000);
	CHECK(p.action == ACK_NONE && p.pause && !p.stop);
	r = res_of(SEND_STOP, 0, 0);
	p = sender_decide(&r, 0, 1000);
	CHECK(p.action == ACK_NONE && p.stop && !p.pause);
}

static void
announcements_keep_their_rate_per_second(void)
{
	int64_t sec = 0;
	int sent = 0;
	CHECK(sender_rate_take(2, "announce", 10, &sec, &sent));
	CHECK(sender_rate_take(2, "announce", 10, &sec, &sent));
	CHECK(!sender_rate_take(2, "announce", 10, &sec, &sent));
	CHECK(sender_rate_take(2, NULL, 10, &sec, &sent));   /* not paced */
	CHECK(sender_rate_take(2, "room", 10, &sec, &sent)); /* another class */
	CHECK(sender_rate_take(2, "announce", 11, &sec, &sent));
	CHECK(sender_rate_take(0, "announce", 11, &sec, &sent)); /* no limit */
	/* lanes share the rate out; the shares add up to it, none is 0 unless the rate is */
	CHECK(sender_lane_rate(20, 2, 0) == 10 && sender_lane_rate(20, 2, 1) == 10);
	CHECK(sender_lane_rate(5, 2, 0) == 3 && sender_lane_rate(5, 2, 1) == 2);
	CHECK(sender_lane_rate(0, 2, 1) == 0 && sender_lane_rate(7, 1, 0) == 7 && sender_lane_rate(7, 0, 0) == 7);
}

static void
status_line_says_what_a_transport_does(void)
{
	struct transport_status st;
	memset(&st, 0, sizeof st);
	st.connected = 1;
	st.connects = 2;
	st.sent = 5;
	st.failed = 1;
	st.last_send = 990;
	snprintf(st.last_error, sizeof st.last_error, "450 try later");
	char line[512];
	transport_status_line(line, sizeof line, "mail", &st, 3, 1000);
	CHECK_STR(line, "status mail: connected, 2 connections, 5 sent, 1 failed, 3 pending, last sent 10s ago, "
			"last error: 450 try later");
	memset(&st, 0, sizeof st);
	transport_status_line(line, sizeof line, "xmpp", &st, 0, 1000);
	CHECK_STR(line, "status xmpp: disconnected, 0 connections, 0 sent, 0 failed, 0 pending, last sent never");
}

/* ---- one pass over a real outbox with a fake transport ---- */

static char path[64];

struct fake {
	struct sender snd;
	const char *answers; /* per rcpt's first letter: o(k) r(etry) f(ail) d(own) l(ater) */
	int sends;
	struct send_ack pending[8];
	size_t npending;
};

static void
fake_send(void *handle, const struct outbox_item *it, struct send_res *res)
{
	struct fake *f = handle;
	f->sends++;
	switch (it->rcpt[0]) {
	case 'o':
		res->rc = SEND_OK;
		break;
	case 'r':
		res->rc = SEND_RETRY;
		res->retry_in = 100;
		snprintf(res->err, sizeof res->err, "busy");
		break;
	case 'f':
		res->rc = SEND_FAIL;
		snprintf(res->err, sizeof res->err, "no such user");
		break;
	case 'd':
		res->rc = SEND_DOWN;
		break;
	default:
		res->rc = SEND_LATER;
		f->pending[f->npending].row = it->id;
		f->pending[f->npending].attempts = it->attempts;
		f->pending[f->npending].res.rc = SEND_OK;
		f->npending++;
	}
}

static size_t
fake_ack(void *handle, struct send_ack *out, size_t max)
{
	struct fake *f = handle;
	size_t n = f->npending < max ? f->npending : max;
	memcpy(out, f->pending, n * sizeof *out);
	f->npending = 0;
	return n;
}

static void
fake_status(void *handle, struct transport_status *st)
{
	struct fake *f = handle;
	st->connected = 1;
	sender_status(&f->snd, st);
}

static const struct transport_ops fake_ops = {
	.name = "fake",
	.send = fake_send,
	.ack = fake_ack,
	.status = fake_status,
};

/* A sender over the fake transport, on db. */
static void
fake_init(struct fake *f, struct db *db)
{
	static struct config cfg;
	static volatile sig_atomic_t stop;
	memset(f, 0, sizeof *f);
	f->snd = (struct sender){.ops = &fake_ops,
				 .handle = f,
				 .cfg = &cfg,
				 .stop = &stop,
				 .batch = 8,
				 .poll_ms = 5000,
				 .unit = "messages",
				 .server = "fake"};
	CHECK(sender_init(&f->snd) == 0);
	f->snd.db = db;
}

/* One due "fake" row per rcpt. */
static void
queue(struct db *db, const char *const *rcpts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char id[32];
		snprintf(id, sizeof id, "%s@x", rcpts[i]);
		CHECK(state_outbox_put(db, 0, "fake", "notice", NULL, rcpts[i], id, "x", 1, 0) == DB_OK);
	}
}

static int64_t
count(struct db *db, const char *status)
{
	int64_t n = -1;
	state_outbox_count(db, status, &n);
	return n;
}

static void
one_pass_records_every_outcome_in_one_place(void)
{
	unlink(path);
	struct db *db = NULL;
	CHECK(db_open(&db, path) == DB_OK);
	const char *rcpts[] = {"ok1", "retry1", "fail1", "later1", "ok2"};
	queue(db, rcpts, ARRAY_LEN(rcpts));
	struct fake f;
	fake_init(&f, db);
	int64_t wait = sender_drain(&f.snd, 0);
	CHECK(f.sends == 5);
	CHECK(wait > 0 && wait <= 5000);
	/* ok1, ok2 sent; retry1 pending (not due for 100 s); fail1 failed; later1 pending until its ack */
	CHECK(count(db, "sent") == 2);
	CHECK(count(db, "failed") == 1);
	CHECK(count(db, "pending") == 2);
	sender_collect(&f.snd);
	CHECK(count(db, "sent") == 3);
	CHECK(count(db, "pending") == 1);
	int64_t pending = -1;
	CHECK(state_outbox_pending(db, "fake", &pending) == DB_OK && pending == 1);
	struct transport_status st;
	memset(&st, 0, sizeof st);
	fake_status(&f, &st);
	CHECK(st.sent == 3 && st.failed == 1 && st.last_send > 0);
	CHECK_STR(st.last_error, "no such user");
	sender_destroy(&f.snd);
	db_close(db);
	unlink(path);
}

static void
unreachable_server_leaves_the_rest_of_the_batch(void)
{
	unlink(path);
	struct db *db = NULL;
	CHECK(db_open(&db, path) == DB_OK);
	const char *rcpts[] = {"down1", "ok1", "ok2"};
	queue(db, rcpts, ARRAY_LEN(rcpts));
	struct fake f;
	fake_init(&f, db);
	int64_t wait = sender_drain(&f.snd, 0);
	CHECK(f.sends == 1);                /* the rest waits */
	CHECK(wait >= 750 && wait <= 1250); /* the first step of the back-off, ±25 % */
	CHECK(count(db, "pending") == 3);   /* no attempt counted */
	wait = sender_drain(&f.snd, 0);
	CHECK(wait >= 1500 && wait <= 2500); /* the next step */
	sender_destroy(&f.snd);
	db_close(db);
	unlink(path);
}

int
main(void)
{
	snprintf(path, sizeof path, "/tmp/mb_test_sender_%d.db", (int)getpid());
	RUN(accepted_row_is_sent_and_resets_the_backoff);
	RUN(handed_over_row_waits_for_its_ack);
	RUN(temporary_refusal_is_retried_with_the_shared_delay);
	RUN(the_last_allowed_attempt_fails_the_row);
	RUN(permanent_refusal_fails_at_once);
	RUN(unreachable_server_pauses_without_an_attempt);
	RUN(announcements_keep_their_rate_per_second);
	RUN(status_line_says_what_a_transport_does);
	RUN(one_pass_records_every_outcome_in_one_place);
	RUN(unreachable_server_leaves_the_rest_of_the_batch);
	return t_done();
}
