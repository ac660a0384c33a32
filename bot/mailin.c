/*
 * mailin.c - the mail thread's loop.  Order matters for "nothing lost,
 * nothing twice":
 *
 *   1. FETCH new UIDs, INSERT them into the journal and advance the
 *      checkpoint in one transaction; COMMIT (synchronous=FULL: durable).
 *   2. Dispatch each journalled mail in its own transaction (state change +
 *      outbox rows + status).
 *   3. Only then MOVE (or flag \Seen) the mails on the server, and note that.
 *
 * A crash between any two steps repeats at most the step in flight; the
 * dedupe key (Message-ID, else a hash of the bytes) and the outbox's unique
 * Message-ID make the repetition harmless.  A mail whose handling crashes
 * the process three times is quarantined instead of retried forever.  (The
 * MIME parser runs in a separate process, bot/parsebox.c: a mail that kills
 * the parser is quarantined at its first attempt, without this counter.)
 */
#include "mailin.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backoff.h"
#include "config.h"
#include "dispatch.h"
#include "imap.h"
#include "logkv.h"
#include "state/state.h"
#include "transport.h"
#include "util.h"

#define FETCH_BATCH 500
#define IDLE_MAX_MS (9 * 60 * 1000)
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS (300 * 1000)

struct mailin {
	const struct config *cfg;
	struct core *core;
	struct db *db;                  /* the thread's own connection (synchronous=FULL) */
	volatile sig_atomic_t *stop;    /* set by SIGTERM/SIGINT */
	void (*on_committed)(void *ud); /* new outbox rows are committed: wake the sender */
	void *ud;
	atomic_int quit; /* mailin_stop: leave even if *stop is not set (a failed start) */
	int wake[2];     /* mailin_stop writes to [1]; IDLE and the waits watch [0] */
	pthread_t thread;
	atomic_int connected;     /* mailin_status: the session is up */
	pthread_mutex_t err_lock; /* guards err */
	char err[200];            /* why the last connection failed or ended */
};

/* The session's state for mailin_status (on the thread). */
static void
set_state(struct mailin *mi, int connected, const char *err)
{
	pthread_mutex_lock(&mi->err_lock);
	snprintf(mi->err, sizeof mi->err, "%s", err ? err : "");
	pthread_mutex_unlock(&mi->err_lock);
	atomic_store(&mi->connected, connected);
}

void
mailin_status(struct mailin *mi, int *connected, char *err, size_t errsize)
{
	if (!mi) {
		*connected = -1;
		if (errsize)
			err[0] = '\0';
		return;
	}
	pthread_mutex_lock(&mi->err_lock);
	snprintf(err, errsize, "%s", mi->err);
	pthread_mutex_unlock(&mi->err_lock);
	*connected = atomic_load(&mi->connected);
}

struct fetched {
	uint32_t uid;
	char *raw;
	size_t len;
	size_t size; /* server size when raw is NULL (too large to fetch) */
};

struct fetch_ctx {
	struct fetched *v;
	size_t n;
};

static int
fetch_cb(void *ud, uint32_t uid, const char *raw, size_t len)
{
	struct fetch_ctx *fc = ud;
	fc->v = xrealloc(fc->v, (fc->n + 1) * sizeof *fc->v);
	struct fetched *f = &fc->v[fc->n++];
	f->uid = uid;
	f->raw = raw ? xstrndup(raw, len) : NULL;
	f->len = raw ? len : 0;
	f->size = len;
	return 0;
}

static int
stopping(struct mailin *mi)
{
	return *mi->stop || atomic_load(&mi->quit);
}

/* Wait up to ms for the wake pipe; drains it.  Returns 1 if woken. */
static int
wait_wake(int fd, int ms)
{
	struct pollfd p = {fd, POLLIN, 0};
	int r = poll(&p, 1, ms);
	if (r > 0) {
		char buf[64];
		while (read(fd, buf, sizeof buf) > 0)
			;
		return 1;
	}
	return 0;
}

/* Drain the journal: dispatch every 'new' mail (crash-safe attempt counting).  0 or -1. */
static int
process_pending(struct mailin *mi)
{
	/* one commit per batch: each command's changes and replies stay atomic (a savepoint
	 * each), and one fsync covers them all */
	return dispatch_pending(mi->db, mi->core, "mail", mi->stop, mi->on_committed, mi->ud) < 0 ? -1 : 0;
}

struct moved {
	uint32_t uidvalidity;
	const uint32_t *uids;
	size_t n;
};

static int
mark_moved(struct db *db, void *ud)
{
	struct moved *m = ud;
	return state_inbound_mark_moved(db, m->uidvalidity, m->uids, m->n);
}

/* Move finished mails out of the INBOX.  Returns an IMAP_ERR_* on connection trouble. */
static int
move_finished(struct mailin *mi, struct imap *im, uint32_t uidvalidity)
{
	uint32_t uids[500], done[500], quar[500];
	int q[500];
	size_t n;
	for (;;) {
		if (state_inbound_unmoved(mi->db, uidvalidity, uids, q, ARRAY_LEN(uids), &n) < 0 || n == 0)
			return 0;
		size_t nd = 0, nq = 0;
		for (size_t i = 0; i < n; i++) {
			if (q[i])
				quar[nq++] = uids[i];
			else
				done[nd++] = uids[i];
		}
		int rc = 0;
		if (nd)
			rc = mi->cfg->imap.processed ? imap_move(im, done, nd, mi->cfg->imap.processed)
						     : imap_flag_seen(im, done, nd);
		if (rc == 0 && nq)
			rc = imap_move(im, quar, nq, mi->cfg->imap.quarantine);
		if (rc == IMAP_ERR_CONN)
			return rc;
		if (rc < 0)
			log_warn("event=move_failed transport=imap count=%zu action=retry", n);
		/* mark them even if the move failed for a message-level reason, so we never loop */
		struct moved mv = {uidvalidity, uids, n};
		if (db_txn(mi->db, mark_moved, &mv) < 0)
			return 0;
		if (n < ARRAY_LEN(uids))
			return 0;
	}
}

struct journal_batch {
	const struct fetch_ctx *fc;
	const char *folder;
	uint32_t uidvalidity, max_uid;
	uint32_t *dups; /* uids of mails journalled before (moved without running again) */
	size_t ndups;
};

/* The fetched mails into the journal, and the folder's checkpoint past them. */
static int
journal_fetched(struct db *db, void *ud)
{
	struct journal_batch *b = ud;
	for (size_t i = 0; i < b->fc->n; i++) {
		const struct fetched *f = &b->fc->v[i];
		char *key, *meta = NULL;
		if (f->raw) {
			key = mail_dedupe_key(f->raw, f->len);
		} else {
			key = xasprintf("toolarge:%u:%u", b->uidvalidity, f->uid);
			meta = xasprintf("too large to fetch: %zu bytes", f->size);
		}
		int r = state_inbound_add(db, "mail", key, f->raw, f->len, b->uidvalidity, f->uid, meta, NULL);
		if (r == DB_NOTFOUND) {
			b->dups[b->ndups++] = f->uid; /* the same mail again (e.g. after UIDVALIDITY changed) */
			log_info("event=duplicate transport=imap uid=%u same=%s action=skip", f->uid,
				 strncmp(key, "mid:", 4) == 0 ? "message_id" : "content");
		}
		free(key);
		free(meta);
		if (db_failed(r))
			return DB_ERR;
		if (f->uid > b->max_uid)
			b->max_uid = f->uid;
	}
	return state_imap_set_checkpoint(db, b->folder, b->uidvalidity, b->max_uid);
}

/* Fetch and journal one batch.  Returns the number fetched, or an IMAP_ERR_*. */
static int
fetch_batch(struct mailin *mi, struct imap *im, const char *folder, uint32_t uidvalidity, uint32_t *last_uid)
{
	struct fetch_ctx fc = {NULL, 0};
	size_t max_fetch = (size_t)mi->cfg->bot.max_mail_size * 4;
	if (max_fetch < 32u * 1024 * 1024)
		max_fetch = 32u * 1024 * 1024;
	int n = imap_fetch_after(im, *last_uid, FETCH_BATCH, max_fetch, fetch_cb, &fc);
	if (n <= 0) {
		free(fc.v);
		return n;
	}
	struct journal_batch jb = {&fc, folder, uidvalidity, *last_uid, xcalloc(fc.n, sizeof(uint32_t)), 0};
	int rc = db_txn(mi->db, journal_fetched, &jb);
	uint32_t *dups = jb.dups, max_uid = jb.max_uid;
	size_t ndups = jb.ndups;
	if (rc != 0) {
		log_err("event=journal_failed transport=imap action=fetch_again");
		n = IMAP_ERR_CONN;
	} else {
		*last_uid = max_uid;
		if (ndups)
			imap_move(im, dups, ndups, mi->cfg->imap.processed);
	}
	for (size_t i = 0; i < fc.n; i++)
		free(fc.v[i].raw);
	free(fc.v);
	free(dups);
	return n;
}

/* One connected session; returns when the connection failed or *stop. */
static void
session(struct mailin *mi, struct imap *im, struct backoff *backoff)
{
	const char *folder = mi->cfg->imap.u.path && *mi->cfg->imap.u.path ? mi->cfg->imap.u.path : "INBOX";
	uint32_t uidvalidity, uidnext, cp_valid, last_uid;
	if (mi->cfg->imap.processed)
		imap_create(im, mi->cfg->imap.processed);
	imap_create(im, mi->cfg->imap.quarantine);
	if (imap_select(im, folder, &uidvalidity, &uidnext) < 0) {
		log_warn("event=select_failed transport=imap folder=%s", LOG_KV(folder));
		return;
	}
	backoff_reset(backoff);
	if (db_failed(state_imap_checkpoint(mi->db, folder, &cp_valid, &last_uid)))
		return;
	if (cp_valid != uidvalidity) {
		if (cp_valid)
			log_warn("event=uidvalidity_changed transport=imap folder=%s old=%u new=%u action=reread",
				 LOG_KV(folder), cp_valid, uidvalidity);
		last_uid = 0;
	}
	while (!stopping(mi)) {
		if (process_pending(mi) < 0)
			return;
		if (move_finished(mi, im, uidvalidity) == IMAP_ERR_CONN)
			return;
		int n = fetch_batch(mi, im, folder, uidvalidity, &last_uid);
		if (n < 0)
			return;
		if (n > 0) {
			if (process_pending(mi) < 0)
				return;
			if (move_finished(mi, im, uidvalidity) == IMAP_ERR_CONN)
				return;
			continue; /* there may be more */
		}
		if (stopping(mi))
			break;
		if (imap_has_idle(im)) {
			int r = imap_idle(im, IDLE_MAX_MS, mi->wake[0]);
			if (r < 0) {
				log_info("event=idle_failed transport=imap action=reconnect");
				return;
			}
		} else {
			wait_wake(mi->wake[0], mi->cfg->imap.poll_interval * 1000);
			if (imap_noop(im) < 0)
				return;
		}
	}
}

static void
run(struct mailin *mi)
{
	struct backoff backoff;
	backoff_init(&backoff, BACKOFF_MIN_MS, BACKOFF_MAX_MS, 1);
	struct imap_settings s = {0};
	s.tls = strcmp(mi->cfg->imap.u.scheme, "imaps") == 0;
	s.host = mi->cfg->imap.u.host;
	s.port = mi->cfg->imap.u.port;
	s.user = mi->cfg->imap.user;
	s.password = mi->cfg->imap.password;
	s.ca_file = mi->cfg->imap.ca_file;
	/* Mail journalled before a crash is handled before we even connect. */
	process_pending(mi);
	while (!stopping(mi)) {
		struct imap *im = NULL;
		char err[256] = "";
		int rc = imap_open(&im, &s, err, sizeof err);
		if (rc == 0) {
			log_info("event=connected transport=imap server=%s", LOG_KV(s.host));
			set_state(mi, 1, NULL);
			session(mi, im, &backoff);
			imap_close(im);
			set_state(mi, 0, "IMAP connection lost");
			if (stopping(mi))
				break;
			log_warn("event=disconnected transport=imap server=%s", LOG_KV(s.host));
		} else {
			set_state(mi, 0, err);
			log_warn("event=connect_failed transport=imap server=%s error=%s", LOG_KV(s.host), LOG_KV(err));
		}
		int ms = (int)backoff_next(&backoff);
		log_info("event=retry transport=imap retry_in_ms=%d", ms);
		wait_wake(mi->wake[0], ms);
	}
}

static void *
mailin_main(void *arg)
{
	run(arg);
	return NULL;
}

int
mailin_start(struct mailin **out, const struct transport_ctx *ctx, void (*on_committed)(void *ud), void *ud)
{
	struct mailin *mi = xcalloc(1, sizeof *mi);
	*mi = (struct mailin){.cfg = ctx->cfg,
			      .core = ctx->core,
			      .stop = ctx->stop,
			      .on_committed = on_committed,
			      .ud = ud,
			      .wake = {-1, -1}};
	pthread_mutex_init(&mi->err_lock, NULL);
	*out = NULL;
	/* opened here, used only by the thread from its start on */
	if (db_open(&mi->db, ctx->db_path) < 0) {
		pthread_mutex_destroy(&mi->err_lock);
		free(mi);
		return -1;
	}
	if (pipe2(mi->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		log_err("event=start_failed transport=imap reason=pipe error=%s", LOG_KV(strerror(errno)));
		goto fail;
	}
	if (pthread_create(&mi->thread, NULL, mailin_main, mi) != 0) {
		log_err("event=start_failed transport=imap reason=thread");
		goto fail;
	}
	*out = mi;
	return 0;
fail:
	if (mi->wake[0] >= 0) {
		close(mi->wake[0]);
		close(mi->wake[1]);
	}
	db_close(mi->db);
	pthread_mutex_destroy(&mi->err_lock);
	free(mi);
	return -1;
}

void
mailin_stop(struct mailin *mi)
{
	if (!mi)
		return;
	atomic_store(&mi->quit, 1);
	ssize_t w = write(mi->wake[1], "x", 1); /* out of IDLE or a wait; *stop is set */
	(void)w;
	pthread_join(mi->thread, NULL);
	db_close(mi->db);
	close(mi->wake[0]);
	close(mi->wake[1]);
	pthread_mutex_destroy(&mi->err_lock);
	free(mi);
}
