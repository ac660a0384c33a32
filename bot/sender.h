/*
 * sender.h - the one outbox sender every transport shares: it claims the due
 * rows of one transport, applies their pacing class, hands each row to
 * ops->send (transport.h), and records what became of it - sent, due again
 * later, or failed - in one place, with the one back-off and the one timed
 * wait of backoff.h.
 *
 * A transport without a thread of its own for sending (mail, Matrix) runs
 * sender_run() on a thread it starts; one whose connection must only be used
 * from its own event loop (XMPP, libstrophe) calls sender_drain() and
 * sender_collect() from that loop instead.  Either way every sender function
 * except sender_kick() and sender_status() is called on that one thread.
 *
 * The decisions (what a transport's answer means for the row and for the
 * rest of the batch) are the pure sender_decide(), unit-tested on its own.
 */
#ifndef MB_SENDER_H
#define MB_SENDER_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "backoff.h"

struct config;
struct db;
struct outbox_item;
struct transport_ops;
struct transport_status;

/* What a transport's send() says about one row. */
enum send_rc {
	SEND_OK,    /* the server took it: marked sent */
	SEND_LATER, /* handed to the connection; the outcome comes later through ops->ack */
	SEND_RETRY, /* refused for now: counted attempt, due again after retry_in s */
	SEND_FAIL,  /* refused for good (or unusable): marked failed */
	SEND_DOWN,  /* the server cannot be reached: not an attempt, the rest of the batch waits a back-off */
	SEND_STOP,  /* the transport is stopping: the row stays as it is */
};

struct send_res {
	enum send_rc rc;
	int retry_in;  /* SEND_RETRY: seconds until due again; < 0: outbox_retry_delay(attempts) */
	int pause;     /* SEND_RETRY: the connection is unwell as well: the rest of the batch waits a back-off */
	int marked;    /* set by sender_mark_sent(): the row is recorded sent already */
	int64_t db_us; /* time sender_mark_sent() spent in the database */
	char err[256]; /* SEND_RETRY, SEND_FAIL: why (logged and stored as last_error) */
};

/* One outcome a transport learnt after send() answered SEND_LATER (see ops->ack). */
struct send_ack {
	int64_t row;
	int attempts; /* the row's attempts when it was sent (for the retry cap) */
	struct send_res res;
};

/* What the sender does with a row and the batch after send() answered res. */
enum ack_action {
	ACK_NONE,   /* leave the row as it is */
	ACK_SENT,   /* mark it sent (unless res->marked) */
	ACK_RETRY,  /* pending again, one attempt more, due at next_try */
	ACK_FAILED, /* one attempt more, failed for good */
};
struct ack_plan {
	enum ack_action action;
	int64_t next_try; /* ACK_RETRY */
	int pause;        /* the rest of the batch waits the next step of the back-off */
	int reset;        /* the server is well: the back-off starts again from its minimum */
	int stop;         /* leave the batch (stopping) */
};
/* The decision for a row with attempts earlier attempts at time now.  Pure. */
struct ack_plan sender_decide(const struct send_res *res, int attempts, int64_t now);

/* Retry delay after attempts failures: 30 s doubling up to 1 h, ±25 % jitter. */
int outbox_retry_delay(int attempts);
#define OUTBOX_MAX_ATTEMPTS 40

/*
 * Rows of pacing class "announce" go out at most rate a second, counted at send
 * time (now_sec: the current second).  1: send now; 0: leave it for the next second.
 */
int sender_rate_take(int rate, const char *pacing, int64_t now_sec, int64_t *sec, int *sent);
/* Lane lane's share of a transport's bulk rate (0: unlimited stays 0); the shares add up to
 * rate.  A lane whose share would be 0 must not exist: mail uses lanes only when rate is 0
 * or at least the number of lanes. */
int sender_lane_rate(int rate, int lanes, int lane);

/* Where a run of sends spent its time (logged when the outbox is empty again). */
struct sender_run_stats {
	int64_t start_us, send_us, db_us;
	unsigned long sent, failed, connects;
};

struct sender {
	/* set by the transport before sender_init() */
	const struct transport_ops *ops;
	void *handle;                     /* the transport's, passed to ops->send/ack/status */
	const struct config *_Atomic cfg; /* SIGHUP: reconfigure() may point it at a newer one */
	volatile sig_atomic_t *stop;
	size_t batch;                  /* rows claimed per pass (at most SENDER_MAX_BATCH) */
	int64_t poll_ms;               /* look at the outbox this often without a kick (rows of other processes) */
	const char *unit;              /* "mails", "messages": the run statistics line */
	const char *server;            /* "SMTP", "XMPP", "Matrix": the same line */
	int (*stopping)(void *handle); /* more reasons to stop than *stop (Matrix: the token died), or NULL */
	int lanes, lane; /* one of lanes sessions of the transport (state_outbox_due_lane); 0, 0: the only one */

	/* owned by the sender */
	struct db *db; /* the sending thread's connection: the transport opens and closes it */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int kicked;
	struct backoff backoff; /* the connection's: 1 s doubling to 5 min, reset by the next accepted row */
	int64_t rate_sec;
	int rate_sent;
	struct send_ack *acks; /* outcomes taken from ops->ack, not yet recorded */
	size_t nacks, capacks;
	struct sender_run_stats run;
	/* under lock: read by sender_status() from any thread */
	int64_t last_send;
	unsigned long sent_total, failed_total;
	char last_error[256];
};
#define SENDER_MAX_BATCH 576

/* Set up the lock, the condition and the back-off.  0, or -1. */
int sender_init(struct sender *s);
/* Free what sender_init and the loop took (not db: whoever opened it closes it). */
void sender_destroy(struct sender *s);
/* New rows were committed, or the stop flag was set: look now.  Any thread. */
void sender_kick(struct sender *s);

/*
 * One pass over the due rows, skipping the first held ones' worth of claim (rows the
 * transport holds in flight are still pending): pacing, send, record.  Returns
 * how many ms to wait before the next pass: 0 when there is more to send at once.
 */
int64_t sender_drain(struct sender *s, size_t held);
/* Take the outcomes ops->ack has and record them in one transaction (kept for the next call if that fails). */
void sender_collect(struct sender *s);
/* Record that the row's last bytes go out now, before send() returns (mail: the final "."). */
void sender_mark_sent(struct sender *s, const struct outbox_item *row, struct send_res *res);
/* The loop of a sending thread (s->db open): drain, wait, until stopped. */
void sender_run(struct sender *s);
/* Wait up to ms for a kick or the stop flag (the shared timed wait).  1 if kicked. */
int sender_wait(struct sender *s, int64_t ms);

/* The sender's share of a transport's status.  Any thread. */
void sender_status(struct sender *s, struct transport_status *st);
/* The status line of transport name (pending < 0: unknown).  Pure. */
void transport_status_line(char *buf, size_t size, const char *name, const struct transport_status *st, int64_t pending,
			   int64_t now);
/* One log line for transport t (handle: its running handle, or NULL), with the rows pending in db. */
void transport_log_status(const struct transport_ops *t, void *handle, struct db *db);

#endif
