/*
 * xmpp_send.c - outbox rows of the XMPP transport out as <message/>s, through
 * the shared sender (sender.h): the in-flight window, the batch pings that
 * acknowledge them and the outcomes handed back through transport_ops.ack.
 * The delivery rules are in xmpp.c's header comment ("Out").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>

#include "logkv.h"
#include "state/state.h"
#include "util.h"
#include "xmpp_int.h"

/* Replace characters XML 1.0 does not allow (they would end the stream) by spaces; in place. */
static void
xml_clean(char *s)
{
	for (unsigned char *p = (unsigned char *)s; *p; p++)
		if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
			*p = ' ';
}

/* ------------------------------------------------------------ send helpers */

/* Send <iq type='get' id=id to=to><ping/></iq>; to NULL: the server. */
void
send_ping(struct xmpp_transport *x, const char *to, const char *id)
{
	xmpp_stanza_t *iq = xmpp_iq_new(x->ctx, "get", id);
	if (to)
		xmpp_stanza_set_to(iq, to);
	xmpp_stanza_t *p = xmpp_stanza_new(x->ctx);
	xmpp_stanza_set_name(p, "ping");
	xmpp_stanza_set_ns(p, NS_PING);
	xmpp_stanza_add_child(iq, p);
	xmpp_stanza_release(p);
	send_stanza(x->conn, x, iq);
	xmpp_stanza_release(iq);
}

/* ------------------------------------------------------------------ outbox */

/*
 * Every stanza goes through here, so the length of libstrophe's send queue
 * tells which rows have reached the socket: a row is written once the queue
 * holds no more elements than were queued after it.  Elements libstrophe
 * queues by itself can only make that estimate later, never too early.
 */
void
send_stanza(xmpp_conn_t *conn, struct xmpp_transport *x, xmpp_stanza_t *st)
{
	xmpp_send(conn, st);
	x->enq_total++;
}

static int
inflight_has(struct xmpp_transport *x, int64_t row)
{
	for (size_t i = 0; i < x->nfl; i++)
		if (x->fl[i].row == row)
			return 1;
	return 0;
}

static void
inflight_add(struct xmpp_transport *x, int64_t row, int attempts)
{
	if (x->nfl == x->capfl) {
		x->capfl = x->capfl ? x->capfl * 2 : 64;
		x->fl = xrealloc(x->fl, x->capfl * sizeof *x->fl);
	}
	x->fl[x->nfl].row = row;
	x->fl[x->nfl].batch = x->batch_seq + 1; /* the ping that will follow */
	x->fl[x->nfl].acked = 0;
	x->fl[x->nfl].written = 0;
	x->fl[x->nfl].attempts = attempts;
	x->nfl++;
}

void
inflight_remove_at(struct xmpp_transport *x, size_t i)
{
	x->fl[i] = x->fl[--x->nfl];
}

/* Close the open batch: one ping acknowledges every row sent since the last one. */
void
batch_close(struct xmpp_transport *x)
{
	if (!x->unacked_batch)
		return;
	x->batch_seq++;
	char id[48];
	snprintf(id, sizeof id, "mbo-%lld", (long long)x->batch_seq);
	send_ping(x, NULL, id);
	x->unacked_batch = 0;
}

/* An outcome for the shared sender to record (transport_ops.ack hands them over). */
void
ack_queue(struct xmpp_transport *x, const struct inflight *f, enum send_rc rc, int retry_in, const char *err)
{
	if (x->nacks == x->capacks) {
		x->capacks = x->capacks ? x->capacks * 2 : 64;
		x->acks = xrealloc(x->acks, x->capacks * sizeof *x->acks);
	}
	struct send_ack *a = &x->acks[x->nacks++];
	memset(a, 0, sizeof *a);
	a->row = f->row;
	a->attempts = f->attempts;
	a->res.rc = rc;
	a->res.retry_in = retry_in;
	snprintf(a->res.err, sizeof a->res.err, "%s", err ? err : "");
}

/* transport_ops.ack: the outcomes queued since the last call, oldest first. */
size_t
xmpp_ack(void *handle, struct send_ack *out, size_t max)
{
	struct xmpp_transport *x = handle;
	size_t n = x->nacks < max ? x->nacks : max;
	if (n == 0)
		return 0; /* x->acks may still be NULL: memcpy must not see it */
	memcpy(out, x->acks, n * sizeof *out);
	memmove(x->acks, x->acks + n, (x->nacks - n) * sizeof *x->acks);
	x->nacks -= n;
	return n;
}

/*
 * Rows are recorded as sent as soon as libstrophe has written them to the
 * socket (its send queue is empty): a kill -9 after that still delivers
 * them, since the kernel sends what is in the socket buffer, so a restart
 * must not send them again.  The ping acknowledgement then only decides
 * what to resend when the connection (not the process) dies first.
 */
void
commit_written(struct xmpp_transport *x)
{
	if (!x->conn)
		return;
	int64_t queued = xmpp_conn_send_queue_len(x->conn);
	for (size_t i = 0; i < x->nfl; i++)
		if (!x->fl[i].written && queued <= x->enq_total - x->fl[i].enq_at) {
			/* left the process: libstrophe's send queue shrank below what was queued after it */
			x->fl[i].written = 1;
			ack_queue(x, &x->fl[i], SEND_OK, 0, NULL);
		}
	sender_collect(&x->snd);
}

/* Forget acknowledged rows (recording any not yet marked). */
void
commit_acked(struct xmpp_transport *x)
{
	size_t n = 0;
	for (size_t i = 0; i < x->nfl;)
		if (x->fl[i].acked) {
			if (!x->fl[i].written)
				ack_queue(x, &x->fl[i], SEND_OK, 0, NULL);
			inflight_remove_at(x, i);
			n++;
		} else {
			i++;
		}
	sender_collect(&x->snd);
	/* the window has room again: rows that waited for it go out now, not at the next timer */
	if (n)
		atomic_store(&x->notify, 1);
}

/*
 * transport_ops.ready: a row already in flight is not sent twice, the window
 * holds at most MAX_INFLIGHT, and a room message waits for the join (before
 * its pacing is counted).  A direct message (a resource) never waits.
 */
int
xmpp_ready(void *handle, const struct outbox_item *it)
{
	struct xmpp_transport *x = handle;
	if (x->nfl >= MAX_INFLIGHT || inflight_has(x, it->id))
		return 0;
	if (!it->rcpt || jid_resource(it->rcpt))
		return 1;
	char *bare = jid_bare_lower(it->rcpt);
	struct room *r = room_find(x, bare);
	free(bare);
	return !r || r->joined;
}

/* transport_ops.send: one row as a <message/>; its outcome comes through xmpp_ack. */
void
xmpp_send_row(void *handle, const struct outbox_item *it, struct send_res *res)
{
	struct xmpp_transport *x = handle;
	const char *to = it->rcpt, *type = it->chat_type, *body = it->payload;
	if (!to || !*to || !body || !type || (strcmp(type, "groupchat") != 0 && strcmp(type, "chat") != 0)) {
		res->rc = SEND_FAIL;
		snprintf(res->err, sizeof res->err, "unusable payload");
		return;
	}
	char *bare = jid_bare_lower(to);
	char *text = strlen(body) > MAX_BODY ? xstrndup(body, MAX_BODY) : xstrdup(body);
	xml_clean(text);
	char id[48];
	snprintf(id, sizeof id, "mb-%lld", (long long)it->id);
	/* a groupchat goes to the bare room JID; a direct message keeps the resource (MUC private message) */
	xmpp_stanza_t *msg = xmpp_message_new(x->ctx, type, strcmp(type, "groupchat") == 0 ? bare : to, id);
	xmpp_message_set_body(msg, text);
	xmpp_stanza_t *oid = xmpp_stanza_new(x->ctx);
	xmpp_stanza_set_name(oid, "origin-id");
	xmpp_stanza_set_ns(oid, NS_SID);
	xmpp_stanza_set_attribute(oid, "id", id);
	xmpp_stanza_add_child(msg, oid);
	xmpp_stanza_release(oid);
	send_stanza(x->conn, x, msg);
	xmpp_stanza_release(msg);
	inflight_add(x, it->id, it->attempts);
	x->fl[x->nfl - 1].enq_at = x->enq_total;
	x->unacked_batch++;
	res->rc = SEND_LATER;
	free(text);
	free(bare);
}

/* Send every due row that is not already on its way (the shared sender); then one ping for the batch. */
void
flush_outbox(struct xmpp_transport *x)
{
	if (!x->online)
		return;
	int64_t wait = 0;
	for (int rounds = 0; rounds < 16 && x->nfl < MAX_INFLIGHT && wait == 0; rounds++)
		wait = sender_drain(&x->snd, x->nfl);
	batch_close(x);
	x->next_outbox_ms = mono_ms() + (wait > 0 && wait < OUTBOX_POLL_MS ? wait : OUTBOX_POLL_MS);
}

/* A stanza error came back for outbox row `row`. */
void
outbox_error(struct xmpp_transport *x, int64_t row, xmpp_stanza_t *st)
{
	const char *cond = error_condition(st);
	xmpp_stanza_t *e = xmpp_stanza_get_child_by_name(st, "error");
	const char *etype = e ? xmpp_stanza_get_attribute(e, "type") : NULL;
	struct inflight f = {0};
	f.row = row;
	for (size_t i = 0; i < x->nfl; i++)
		if (x->fl[i].row == row) {
			f = x->fl[i];
			inflight_remove_at(x, i);
			break;
		}
	char *err = xasprintf("xmpp error %s (%s)", *cond ? cond : "?", etype ? etype : "?");
	const char *from = xmpp_stanza_get_from(st);
	char *bare = jid_bare_lower(from);
	struct room *r = room_find(x, bare);
	if (r && (strcmp(cond, "not-acceptable") == 0 || strcmp(cond, "forbidden") == 0) && !jid_resource(from)) {
		/* we are not (or no longer) in that room: join again, then the row goes out */
		log_warn("event=send_retry transport=xmpp outbox=%lld error=%s action=rejoin room=%s", (long long)row,
			 LOG_KV(err), LOG_KV(r->jid));
		ack_queue(x, &f, SEND_RETRY, 0, err);
		if (r->joined)
			room_join(x, r);
	} else if ((etype && (strcmp(etype, "wait") == 0)) || strcmp(cond, "resource-constraint") == 0 ||
		   strcmp(cond, "remote-server-timeout") == 0 || strcmp(cond, "internal-server-error") == 0) {
		ack_queue(x, &f, SEND_RETRY, 60, err);
	} else {
		ack_queue(x, &f, SEND_FAIL, 0, err);
	}
	sender_collect(&x->snd);
	free(bare);
	free(err);
}
