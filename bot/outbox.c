/*
 * outbox.c - the mail transport: its receiving half is the IMAP thread
 * (mailin.h), started and stopped here; its sending half is this file:
 * MAIL_LANES SMTP sessions ("lanes"), each a thread running the shared sender
 * (sender.h) with its own SQLite connection (synchronous=NORMAL, see state.h)
 * and one SMTP handle whose connection is reused across sends.  Bulk rows
 * (pacing "announce": invitations) are shared out between the lanes by row id
 * (state_outbox_due_lane), so they are not bound to one session's round
 * trips; every other row is lane 0's, so a person's replies keep their order.
 * Each lane keeps its share of [bot] announce_rate (sender_lane_rate); with a
 * rate of 1 there is one lane.  Rows are taken SEND_BATCH at a time.
 *
 * Without [imap] only the sending half runs.
 *
 * A row is marked sent when its last bytes are handed to the server, just
 * before the terminating "." (smtp_set_eod_hook, smtp.h, and
 * sender_mark_sent), and the sender undoes the mark (retry or failure) if the
 * server then refuses it.  So a kill -9 cannot fall between the server's 250
 * and our record of it: killed before the mark, the row is sent again after a
 * restart (same Message-ID, so the receiver can recognise the copy); killed
 * after it but before the final "." left the process, the server discards the
 * transaction while the row stays marked sent - the one short window in which
 * a mail can be lost.
 *
 * Rows from the bot's own address go out with the VERP return path of the
 * row and its recipient (dsn.h), so that a bounce names both; a row to an
 * address marked undeliverable (state/bounces.h) fails without being sent.
 *
 * A 5xx fails the row; any other refusal is retried after
 * outbox_retry_delay() and the rest of the batch waits out the sender's
 * back-off (the server is unwell).
 */
#include "outbox.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "dsn.h"
#include "mailin.h"
#include "smtp.h"
#include "state/bounces.h"
#include "state/state.h"
#include "transport.h"
#include "util.h"

#define SEND_BATCH 32
#define OUTBOX_POLL_MS 250
/* SMTP sessions: bulk rows (invitations) are shared out between them, so that a thousand
 * invitations are not bound to one session's round trips; everything else is lane 0's */
#define MAIL_LANES 2

/* One SMTP session: its own sender thread, database connection and connection. */
struct mail_lane {
	struct sender snd;
	const char *db_path;
	struct smtp *smtp; /* the lane's thread's */
	pthread_t thread;
	int started;
	atomic_ulong connects;            /* smtp_connect_count, for status() from other threads */
	atomic_int connected;             /* the last send reached the server; -1: no send yet */
	atomic_int *quit;                 /* the transport's: leave even without *stop (a failed start) */
	unsigned char key[KEYED_KEY_LEN]; /* the installation key: the VERP return paths (dsn.h) */
	int has_key;
};

struct mail_transport {
	struct mail_lane lane[MAIL_LANES];
	int nlanes;
	atomic_int quit;
	struct mailin *in; /* the IMAP thread */
};

struct eod_ctx {
	struct mail_lane *o;
	const struct outbox_item *row;
	struct send_res *res;
};

/* Mark the row sent just before the message's end goes out (see smtp.h). */
static void
mark_sent_at_eod(void *ud)
{
	struct eod_ctx *e = ud;
	sender_mark_sent(&e->o->snd, e->row, e->res);
}

/* 1 when it->rcpt is marked undeliverable (a hard bounce): the row fails unsent. */
static int
lane_undeliverable(struct mail_lane *o, const struct outbox_item *it, struct send_res *res)
{
	char *status = NULL;
	if (state_undeliverable_get(o->snd.db, it->rcpt, &status, NULL) != DB_OK)
		return 0;
	snprintf(res->err, sizeof res->err, "address undeliverable (bounced%s%s): not sent", status ? " " : "",
		 status ? status : "");
	free(status);
	res->rc = SEND_FAIL;
	return 1;
}

/* The return path of row it: the VERP address of the row and its recipient when the row
 * is from the bot's own address (dsn.h), else its env_from as it is.  Caller frees. */
static char *
lane_return_path(const struct mail_lane *o, const struct outbox_item *it)
{
	const char *own = o->snd.cfg->smtp.from_addr;
	if (o->has_key && own && it->env_from && strcasecmp(it->env_from, own) == 0)
		return dsn_verp_addr(o->key, own, it->id, it->rcpt);
	return xstrdup(it->env_from ? it->env_from : "");
}

static void
lane_send(void *handle, const struct outbox_item *it, struct send_res *res)
{
	struct mail_lane *o = handle;
	if (lane_undeliverable(o, it, res))
		return;
	struct eod_ctx eod = {o, it, res};
	char *from = lane_return_path(o, it);
	smtp_set_eod_hook(o->smtp, mark_sent_at_eod, &eod);
	int rc = smtp_send(o->smtp, from, it->rcpt, it->payload, it->len, res->err, sizeof res->err);
	smtp_set_eod_hook(o->smtp, NULL, NULL);
	free(from);
	atomic_store(&o->connects, smtp_connect_count(o->smtp));
	atomic_store(&o->connected, rc == SMTP_OK || rc == SMTP_ERR_PERM);
	if (rc == SMTP_OK) {
		res->rc = SEND_OK;
	} else if (rc == SMTP_ERR_PERM) {
		res->rc = SEND_FAIL;
	} else {
		res->rc = SEND_RETRY;
		res->retry_in = -1;
		res->pause = 1;
	}
}

static void
lane_status(void *handle, struct transport_status *st)
{
	struct mail_lane *o = handle;
	st->connected = atomic_load(&o->connected);
	st->connects = atomic_load(&o->connects);
	sender_status(&o->snd, st);
}

/* What a lane's sender calls (the transport's own ops are below). */
static const struct transport_ops mail_lane_ops = {
	.name = "mail",
	.send = lane_send,
	.status = lane_status,
};

/* sender.stopping: a start that failed halfway stops the lanes it started */
static int
lane_quit(void *handle)
{
	struct mail_lane *o = handle;
	return atomic_load(o->quit);
}

static void *
lane_main(void *arg)
{
	struct mail_lane *o = arg;
	const struct config *cfg = o->snd.cfg;
	struct smtp_settings ss = {0};
	ss.url = cfg->smtp.url;
	ss.user = cfg->smtp.user;
	ss.password = cfg->smtp.password;
	ss.ca_file = cfg->smtp.ca_file;
	o->smtp = smtp_new(&ss);
	sender_run(&o->snd);
	smtp_free(o->smtp);
	o->smtp = NULL;
	return NULL;
}

/* ---- the mail transport as transport_ops (transport.h) ---- */

/* [smtp] sends; [imap] receives and needs [smtp] (config_transports_check), so a chat office
 * with [smtp] alone still sends its mail (link codes, exports, invitations). */
static int
mail_configured(const struct config *cfg)
{
	return cfg->smtp.present;
}

static void
mail_notify(void *handle)
{
	struct mail_transport *t = handle;
	for (int i = 0; t && i < t->nlanes; i++)
		sender_kick(&t->lane[i].snd);
}

/* The IMAP thread committed replies (on_committed, mailin.h). */
static void
kick_senders(void *ud)
{
	mail_notify(ud);
}

/* Stop and free the first n lanes, last first (started or only set up). */
static void
lanes_stop(struct mail_transport *t, int n)
{
	for (int i = n; i-- > 0;) {
		struct mail_lane *o = &t->lane[i];
		if (o->started) {
			sender_kick(&o->snd);
			pthread_join(o->thread, NULL);
		}
		db_close(o->snd.db);
		sender_destroy(&o->snd);
	}
}

static int
lane_start(struct mail_transport *t, struct mail_lane *o, const struct transport_ctx *ctx, int lanes, int lane)
{
	o->snd = (struct sender){.ops = &mail_lane_ops,
				 .handle = o,
				 .cfg = ctx->cfg,
				 .stop = ctx->stop,
				 .batch = SEND_BATCH,
				 .poll_ms = OUTBOX_POLL_MS,
				 .unit = "mails",
				 .server = "SMTP",
				 .stopping = lane_quit,
				 .lanes = lanes,
				 .lane = lane};
	o->quit = &t->quit;
	o->db_path = ctx->db_path;
	atomic_store(&o->connected, -1);
	if (sender_init(&o->snd) < 0)
		return -1;
	/* opened here, used only by the lane's thread */
	if (db_open(&o->snd.db, o->db_path) < 0) {
		log_err("event=start_failed transport=mail part=sender reason=database");
		sender_destroy(&o->snd);
		return -1;
	}
	db_sync_normal(o->snd.db); /* see state.h: a lost "sent" mark means one resend, same Message-ID */
	o->has_key = state_install_key(o->snd.db, o->key, sizeof o->key) == DB_OK;
	if (!o->has_key)
		log_warn("event=no_key transport=mail effect=no_verp_return_path");
	return 0;
}

static int
mail_start(void **handle, const struct transport_ctx *ctx)
{
	struct mail_transport *t = xcalloc(1, sizeof *t);
	int rate = ctx->cfg->bot.announce_rate;
	t->nlanes = rate == 0 || rate >= MAIL_LANES ? MAIL_LANES : 1; /* each lane's share of the rate >= 1 */
	*handle = NULL;
	int set = 0;
	for (; set < t->nlanes; set++)
		if (lane_start(t, &t->lane[set], ctx, t->nlanes, set) < 0)
			goto fail;
	*handle = t; /* before the threads run: their dispatch notifies through main */
	if (ctx->cfg->imap.present && mailin_start(&t->in, ctx, kick_senders, t) < 0)
		goto fail;
	for (int i = 0; i < t->nlanes; i++) {
		if (pthread_create(&t->lane[i].thread, NULL, lane_main, &t->lane[i]) != 0) {
			log_err("event=start_failed transport=mail part=sender reason=thread");
			mailin_stop(t->in);
			goto fail;
		}
		t->lane[i].started = 1;
	}
	return 0;
fail:
	*handle = NULL;
	atomic_store(&t->quit, 1); /* lanes already running leave at once */
	lanes_stop(t, set);
	free(t);
	return -1;
}

static void
mail_stop(void *handle)
{
	struct mail_transport *t = handle;
	if (!t)
		return;
	mailin_stop(t->in); /* first: no more replies are queued */
	lanes_stop(t, t->nlanes);
	free(t);
}

/* The sessions together, the counts summed.  Connected: the IMAP session is up and no SMTP
 * session's last send failed to reach the server (SMTP connects per batch: a lane that has
 * not sent yet is not down). */
static void
mail_status(void *handle, struct transport_status *st)
{
	struct mail_transport *t = handle;
	int imap = 0, smtp_down = 0;
	char imap_err[sizeof st->last_error];
	mailin_status(t->in, &imap, imap_err, sizeof imap_err);
	for (int i = 0; i < t->nlanes; i++) {
		struct transport_status one = {0};
		lane_status(&t->lane[i], &one);
		smtp_down |= one.connected == 0;
		st->connects += one.connects;
		st->sent += one.sent;
		st->failed += one.failed;
		if (one.last_send > st->last_send)
			st->last_send = one.last_send;
		if (!st->last_error[0] && one.last_error[0])
			snprintf(st->last_error, sizeof st->last_error, "%s", one.last_error);
	}
	st->connected = imap != 0 && !smtp_down; /* this transport can tell */
	if (!imap && imap_err[0])
		snprintf(st->last_error, sizeof st->last_error, "%s", imap_err);
}

const struct transport_ops mail_transport_ops = {
	.name = "mail",
	.what = "mail transport",
	.optional = 0,
	.configured = mail_configured,
	.start = mail_start,
	.notify = mail_notify,
	.stop = mail_stop,
	.status = mail_status,
};
