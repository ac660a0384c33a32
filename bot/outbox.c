/*
 * outbox.c - the mail transport: its receiving half is the IMAP thread
 * (mailin.h), started and stopped here; its sending half is this file: one
 * thread runs the shared
 * sender (sender.h) over the "mail" rows, with its own SQLite connection
 * (synchronous=NORMAL, see state.h) and one SMTP handle whose connection is
 * reused across sends.  Rows are taken SEND_BATCH at a time; "announce" rows
 * keep [bot] announce_rate (the sender's pacing).
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
 * A 5xx fails the row; any other refusal is retried after
 * outbox_retry_delay() and the rest of the batch waits out the sender's
 * back-off (the server is unwell).
 */
#include "outbox.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mailin.h"
#include "smtp.h"
#include "state/state.h"
#include "transport.h"
#include "util.h"

#define SEND_BATCH 32
#define OUTBOX_POLL_MS 250

struct mail_sender {
	struct sender snd;
	const char *db_path;
	struct smtp *smtp; /* the sender thread's */
	pthread_t thread;
	int started;
	atomic_ulong connects; /* smtp_connect_count, for status() from other threads */
	atomic_int connected;  /* the last send reached the server */
	struct mailin *in;     /* the IMAP thread */
};

struct eod_ctx {
	struct mail_sender *o;
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

static void
mail_send(void *handle, const struct outbox_item *it, struct send_res *res)
{
	struct mail_sender *o = handle;
	struct eod_ctx eod = {o, it, res};
	smtp_set_eod_hook(o->smtp, mark_sent_at_eod, &eod);
	int rc = smtp_send(o->smtp, it->env_from, it->rcpt, it->payload, it->len, res->err, sizeof res->err);
	smtp_set_eod_hook(o->smtp, NULL, NULL);
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
mail_status(void *handle, struct transport_status *st)
{
	struct mail_sender *o = handle;
	st->connected = atomic_load(&o->connected);
	st->connects = atomic_load(&o->connects);
	sender_status(&o->snd, st);
}

static void *
sender_main(void *arg)
{
	struct mail_sender *o = arg;
	const struct config *cfg = o->snd.cfg;
	if (db_open(&o->snd.db, o->db_path) < 0) {
		log_err("outbox: cannot open the database; mail will not be sent");
		return NULL;
	}
	db_sync_normal(o->snd.db); /* see state.h: a lost "sent" mark means one resend, same Message-ID */
	struct smtp_settings ss = {0};
	ss.url = cfg->smtp.url;
	ss.user = cfg->smtp.user;
	ss.password = cfg->smtp.password;
	ss.ca_file = cfg->smtp.ca_file;
	o->smtp = smtp_new(&ss);
	sender_run(&o->snd);
	smtp_free(o->smtp);
	o->smtp = NULL;
	db_close(o->snd.db);
	o->snd.db = NULL;
	return NULL;
}

/* ---- the mail transport as transport_ops (transport.h) ---- */

static int
mail_configured(const struct config *cfg)
{
	return cfg->imap.present && cfg->smtp.present;
}

/* The IMAP thread committed replies (on_committed, mailin.h). */
static void
kick_sender(void *ud)
{
	sender_kick(ud);
}

static int
mail_start(void **handle, const struct transport_ctx *ctx)
{
	struct mail_sender *o = xcalloc(1, sizeof *o);
	o->snd = (struct sender){.ops = &mail_transport_ops,
				 .handle = o,
				 .cfg = ctx->cfg,
				 .stop = ctx->stop,
				 .batch = SEND_BATCH,
				 .poll_ms = OUTBOX_POLL_MS,
				 .unit = "mails",
				 .server = "SMTP"};
	o->db_path = ctx->db_path;
	*handle = NULL;
	if (sender_init(&o->snd) < 0) {
		free(o);
		return -1;
	}
	*handle = o; /* before the threads run: their dispatch notifies through main */
	if (mailin_start(&o->in, ctx, kick_sender, &o->snd) < 0)
		goto fail;
	if (pthread_create(&o->thread, NULL, sender_main, o) != 0) {
		log_err("outbox: cannot start the sender thread");
		mailin_stop(o->in);
		goto fail;
	}
	o->started = 1;
	return 0;
fail:
	*handle = NULL;
	sender_destroy(&o->snd);
	free(o);
	return -1;
}

static void
mail_notify(void *handle)
{
	struct mail_sender *o = handle;
	if (o)
		sender_kick(&o->snd);
}

static void
mail_stop(void *handle)
{
	struct mail_sender *o = handle;
	if (!o)
		return;
	mailin_stop(o->in); /* first: no more replies are queued */
	if (o->started) {
		sender_kick(&o->snd);
		pthread_join(o->thread, NULL);
	}
	sender_destroy(&o->snd);
	free(o);
}

const struct transport_ops mail_transport_ops = {
	.name = "mail",
	.what = "mail transport",
	.optional = 0,
	.configured = mail_configured,
	.start = mail_start,
	.notify = mail_notify,
	.stop = mail_stop,
	.send = mail_send,
	.status = mail_status,
};
