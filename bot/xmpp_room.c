/*
 * xmpp_room.c - the XMPP transport's rooms and occupants (XEP-0045) and the
 * stanzas that arrive: messages are filtered and handed to chat_handle(),
 * presences track joins and occupants, iqs answer pings and acknowledge
 * outbox batches.  See xmpp.c for the whole transport, xmpp_int.h for the files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>
#include <time.h>

#include "chat.h"
#include "config.h"
#include "logaddr.h"
#include "util.h"
#include "xmpp_int.h"

/* ---------------------------------------------------------------- helpers */

/* Bare part of a JID, lower case (caller frees). */
char *
jid_bare_lower(const char *jid)
{
	const char *slash = jid ? strchr(jid, '/') : NULL;
	char *r = slash ? xstrndup(jid, (size_t)(slash - jid)) : xstrdup(jid ? jid : "");
	str_lower_ascii(r);
	return r;
}

/* Resource part of a JID (pointer into jid), or NULL. */
const char *
jid_resource(const char *jid)
{
	const char *slash = jid ? strchr(jid, '/') : NULL;
	return slash ? slash + 1 : NULL;
}

struct room *
room_find(struct xmpp_transport *x, const char *bare)
{
	for (size_t i = 0; i < x->nrooms; i++)
		if (strcmp(x->rooms[i].jid, bare) == 0)
			return &x->rooms[i];
	return NULL;
}

static struct occupant *
occupant_find(struct room *r, const char *nick)
{
	for (size_t i = 0; i < r->nocc; i++)
		if (strcmp(r->occ[i].nick, nick) == 0)
			return &r->occ[i];
	return NULL;
}

/* Remember nick -> real JID (jid may be NULL: anonymous room). */
static void
occupant_set(struct room *r, const char *nick, const char *jid)
{
	struct occupant *o = occupant_find(r, nick);
	if (!o) {
		if (r->nocc == r->capocc) {
			r->capocc = r->capocc ? r->capocc * 2 : 16;
			r->occ = xrealloc(r->occ, r->capocc * sizeof *r->occ);
		}
		o = &r->occ[r->nocc++];
		o->nick = xstrdup(nick);
		o->jid = NULL;
	}
	free(o->jid);
	o->jid = jid ? jid_bare_lower(jid) : NULL;
}

static void
occupant_remove(struct room *r, const char *nick)
{
	struct occupant *o = occupant_find(r, nick);
	if (!o)
		return;
	free(o->nick);
	free(o->jid);
	*o = r->occ[--r->nocc];
}

void
occupants_clear(struct room *r)
{
	for (size_t i = 0; i < r->nocc; i++) {
		free(r->occ[i].nick);
		free(r->occ[i].jid);
	}
	r->nocc = 0;
}

/* The stanza error condition of an error stanza ("" when none). */
const char *
error_condition(xmpp_stanza_t *st)
{
	xmpp_stanza_t *e = xmpp_stanza_get_child_by_name(st, "error");
	for (xmpp_stanza_t *c = e ? xmpp_stanza_get_children(e) : NULL; c; c = xmpp_stanza_get_next(c)) {
		const char *ns = xmpp_stanza_get_ns(c);
		const char *name = xmpp_stanza_get_name(c);
		if (ns && name && strcmp(ns, NS_STANZAS) == 0 && strcmp(name, "text") != 0)
			return name;
	}
	return "";
}

/* Does the muc#user <x/> carry <status code='code'/>? */
static int
muc_has_status(xmpp_stanza_t *xuser, const char *code)
{
	for (xmpp_stanza_t *c = xuser ? xmpp_stanza_get_children(xuser) : NULL; c; c = xmpp_stanza_get_next(c)) {
		const char *name = xmpp_stanza_get_name(c);
		const char *v = name && strcmp(name, "status") == 0 ? xmpp_stanza_get_attribute(c, "code") : NULL;
		if (v && strcmp(v, code) == 0)
			return 1;
	}
	return 0;
}

/* ------------------------------------------------------------ send helpers */

/* Join (or rejoin) room r with its current nick, without history. */
void
room_join(struct xmpp_transport *x, struct room *r)
{
	char *to = xasprintf("%s/%s", r->jid, r->nick);
	xmpp_stanza_t *pres = xmpp_presence_new(x->ctx);
	xmpp_stanza_set_to(pres, to);
	xmpp_stanza_t *mx = xmpp_stanza_new(x->ctx);
	xmpp_stanza_set_name(mx, "x");
	xmpp_stanza_set_ns(mx, NS_MUC);
	xmpp_stanza_t *h = xmpp_stanza_new(x->ctx);
	xmpp_stanza_set_name(h, "history");
	xmpp_stanza_set_attribute(h, "maxstanzas", "0");
	xmpp_stanza_add_child(mx, h);
	xmpp_stanza_release(h);
	xmpp_stanza_add_child(pres, mx);
	xmpp_stanza_release(mx);
	send_stanza(x->conn, x, pres);
	xmpp_stanza_release(pres);
	r->joined = 0;
	r->rejoin_at = mono_ms() + REJOIN_MS; /* no answer by then: try again */
	occupants_clear(r);
	log_debug("xmpp: joining %s as %s", r->jid, r->nick);
	free(to);
}

/* Leave room r: an unavailable presence to our occupant JID. */
static void
room_leave(struct xmpp_transport *x, struct room *r)
{
	char *to = xasprintf("%s/%s", r->jid, r->nick);
	xmpp_stanza_t *pres = xmpp_presence_new(x->ctx);
	xmpp_stanza_set_to(pres, to);
	xmpp_stanza_set_type(pres, "unavailable");
	send_stanza(x->conn, x, pres);
	xmpp_stanza_release(pres);
	free(to);
}

void
rooms_set(struct xmpp_transport *x, char **want, size_t n)
{
	int live = x->conn && x->online;
	for (size_t i = 0; i < x->nrooms;) {
		struct room *r = &x->rooms[i];
		size_t k = 0;
		while (k < n && strcmp(want[k], r->jid) != 0)
			k++;
		if (k < n) {
			i++;
			continue;
		}
		if (live)
			room_leave(x, r);
		log_info("xmpp: left %s (no longer configured)", r->jid);
		occupants_clear(r);
		free(r->occ);
		free(r->jid);
		free(r->nick);
		/* the last one takes its place (a self-ping still out for either is only a spare rejoin) */
		x->rooms[i] = x->rooms[--x->nrooms];
	}
	for (size_t k = 0; k < n; k++) {
		if (room_find(x, want[k]))
			continue;
		x->rooms = xrealloc(x->rooms, (x->nrooms + 1) * sizeof *x->rooms);
		struct room *r = &x->rooms[x->nrooms++];
		memset(r, 0, sizeof *r);
		r->jid = xstrdup(want[k]);
		r->nick = xstrdup(x->cfg->xmpp.nick ? x->cfg->xmpp.nick : "MentorBot");
		log_info("xmpp: joining %s (newly configured)", r->jid);
		if (live)
			room_join(x, r);
	}
}

/* --------------------------------------------------------------- handlers */

/* Hand one message to the core; on new outbox rows, send them right away. */
static void
deliver(struct xmpp_transport *x, const struct chat_msg *m)
{
	int rc = -1;
	/* libstrophe wrote its queue before reading this message: record that first */
	commit_written(x);
	for (int attempt = 0; attempt < 3 && rc < 0; attempt++) {
		if (attempt) {
			struct timespec ts = {0, 50 * 1000000L};
			nanosleep(&ts, NULL);
		}
		rc = chat_handle(x->db, x->core, m);
	}
	if (rc < 0)
		log_err("xmpp: message from %s could not be recorded (database)", LOG_WHO(m->sender));
	else if (rc == 1)
		flush_outbox(x);
}

/* A <message/>: a command for the core, or the error answer to one of our outbox rows. */
static void
message_in(struct xmpp_transport *x, xmpp_stanza_t *st)
{
	const char *type = xmpp_stanza_get_type(st);
	const char *from = xmpp_stanza_get_from(st);
	const char *sid = xmpp_stanza_get_id(st);
	char *bare = NULL, *body = NULL, *sender = NULL, *idbuf = NULL;
	if (type && strcmp(type, "error") == 0) {
		if (sid && strncmp(sid, "mb-", 3) == 0)
			outbox_error(x, strtoll(sid + 3, NULL, 10), st);
		return;
	}
	if (!from || (type && strcmp(type, "headline") == 0))
		return;
	if (xmpp_stanza_get_child_by_name_and_ns(st, "delay", NS_DELAY) ||
	    xmpp_stanza_get_child_by_name_and_ns(st, "x", NS_DELAY_LEGACY))
		return; /* history or an offline/replayed copy: never a fresh command */
	body = xmpp_message_get_body(st);
	if (!body || !*body)
		goto out;
	bare = jid_bare_lower(from);
	const char *res = jid_resource(from);
	struct room *r = room_find(x, bare);
	xmpp_stanza_t *oid = xmpp_stanza_get_child_by_name_and_ns(st, "origin-id", NS_SID);
	const char *msgid = oid && xmpp_stanza_get_attribute(oid, "id") ? xmpp_stanza_get_attribute(oid, "id") : sid;
	struct chat_msg m = {0};
	m.transport = "xmpp";
	m.text = body;
	if (type && strcmp(type, "groupchat") == 0) {
		if (!r || !r->joined || !res || !*res)
			goto out; /* not our room, before our join, or the room itself speaking */
		if (strcmp(res, r->nick) == 0)
			goto out; /* our own message reflected */
		struct occupant *o = occupant_find(r, res);
		if (o && o->jid && strcmp(o->jid, x->bare_jid) == 0)
			goto out; /* another session of ours */
		sender = o && o->jid ? xstrdup(o->jid) : xasprintf("%s/%s", r->jid, res);
		m.room = r->jid;
		m.nick = res;
	} else if (r) {
		/* a private message through the room (room/nick) */
		if (!res || !*res || !xmpp_stanza_get_child_by_name_and_ns(st, "x", NS_MUC_USER) ||
		    strcmp(res, r->nick) == 0)
			goto out;
		struct occupant *o = occupant_find(r, res);
		sender = o && o->jid ? xstrdup(o->jid) : xasprintf("%s/%s", r->jid, res);
		m.nick = res;
	} else {
		if (!strchr(bare, '@') || strcmp(bare, x->bare_jid) == 0)
			goto out; /* the server itself, or ourselves */
		sender = xstrdup(bare);
	}
	m.sender = sender;
	/* stanza ids are chosen by the sending client: scope them by sender */
	if (msgid && *msgid)
		idbuf = xasprintf("%s/%s", sender, msgid);
	else
		m.ts = now_s();
	m.id = idbuf;
	deliver(x, &m);
out:
	free(idbuf);
	free(sender);
	free(bare);
	if (body)
		xmpp_free(x->ctx, body);
}

/* A <presence/> from a room: our join (or its failure), a nick change, an occupant coming or going. */
static void
presence_in(struct xmpp_transport *x, xmpp_stanza_t *st)
{
	const char *from = xmpp_stanza_get_from(st);
	const char *type = xmpp_stanza_get_type(st);
	if (!from)
		return;
	char *bare = jid_bare_lower(from);
	const char *res = jid_resource(from);
	struct room *r = room_find(x, bare);
	if (!r || !res)
		goto out;
	xmpp_stanza_t *xu = xmpp_stanza_get_child_by_name_and_ns(st, "x", NS_MUC_USER);
	if (type && strcmp(type, "error") == 0) {
		const char *cond = error_condition(st);
		if (strcmp(cond, "conflict") == 0 && r->tries < MAX_NICK_TRIES) {
			r->tries++;
			const char *base = x->cfg->xmpp.nick ? x->cfg->xmpp.nick : "MentorBot";
			free(r->nick);
			r->nick = xasprintf("%s_%d", base, r->tries + 1);
			log_warn("xmpp: nick taken in %s; trying %s", r->jid, r->nick);
			room_join(x, r);
		} else {
			log_warn("xmpp: cannot join %s: %s; trying again in %d s", r->jid, *cond ? cond : "error",
				 REJOIN_MS / 1000);
			r->joined = 0;
			r->rejoin_at = mono_ms() + REJOIN_MS;
		}
		goto out;
	}
	int self = muc_has_status(xu, "110") || strcmp(res, r->nick) == 0;
	if (type && strcmp(type, "unavailable") == 0) {
		if (self && muc_has_status(xu, "303")) {
			goto out; /* our nick change: the new presence follows */
		} else if (self) {
			log_warn("xmpp: left %s (kicked or room closed); rejoining", r->jid);
			r->joined = 0;
			r->rejoin_at = mono_ms() + 1000;
		} else {
			occupant_remove(r, res);
		}
		goto out;
	}
	xmpp_stanza_t *item = xu ? xmpp_stanza_get_child_by_name(xu, "item") : NULL;
	const char *real = item ? xmpp_stanza_get_attribute(item, "jid") : NULL;
	if (self) {
		if (strcmp(res, r->nick) != 0) {
			free(r->nick);
			r->nick = xstrdup(res); /* the room may have changed our nick */
		}
		if (!r->joined) {
			r->joined = 1;
			r->rejoin_at = 0;
			r->selfping_at = mono_ms() + SELFPING_MS;
			log_info("xmpp: joined %s as %s", r->jid, r->nick);
			flush_outbox(x); /* room messages that waited for the join */
		}
	} else {
		occupant_set(r, res, real);
	}
out:
	free(bare);
}

/* A XEP-0410 self-ping answer for room index idx. */
static void
selfping_result(struct xmpp_transport *x, size_t idx, xmpp_stanza_t *st)
{
	if (idx >= x->nrooms)
		return;
	struct room *r = &x->rooms[idx];
	const char *type = xmpp_stanza_get_type(st);
	if (!type || strcmp(type, "result") == 0)
		return;
	const char *cond = error_condition(st);
	/* these mean the ping reached an occupant that is us: still joined */
	if (strcmp(cond, "service-unavailable") == 0 || strcmp(cond, "feature-not-implemented") == 0)
		return;
	if (strcmp(cond, "remote-server-timeout") == 0 || strcmp(cond, "remote-server-not-found") == 0)
		return; /* cannot tell; the next self-ping decides */
	log_warn("xmpp: self-ping to %s: %s; rejoining", r->jid, *cond ? cond : "error");
	room_join(x, r);
}

/* An <iq/>: a ping or a request we answer, or the result of one of ours (outbox batch, keepalive,
 * self-ping). */
static void
iq_in(struct xmpp_transport *x, xmpp_conn_t *conn, xmpp_stanza_t *st)
{
	const char *type = xmpp_stanza_get_type(st);
	const char *id = xmpp_stanza_get_id(st);
	if (!type)
		return;
	if (strcmp(type, "get") == 0 || strcmp(type, "set") == 0) {
		xmpp_stanza_t *reply;
		if (strcmp(type, "get") == 0 && xmpp_stanza_get_child_by_name_and_ns(st, "ping", NS_PING)) {
			reply = xmpp_iq_new(x->ctx, "result", id ? id : "");
			if (xmpp_stanza_get_from(st))
				xmpp_stanza_set_to(reply, xmpp_stanza_get_from(st));
		} else {
			reply = xmpp_stanza_reply_error(st, "cancel", "service-unavailable", NULL);
		}
		if (reply) {
			send_stanza(conn, x, reply);
			xmpp_stanza_release(reply);
		}
		return;
	}
	if (!id)
		return;
	if (strncmp(id, "mbo-", 4) == 0) {
		/* result or error: either way the server has processed everything sent before */
		int64_t b = strtoll(id + 4, NULL, 10);
		for (size_t i = 0; i < x->nfl; i++)
			if (x->fl[i].batch <= b)
				x->fl[i].acked = 1;
		x->keepalive_sent = 0; /* any answer proves the connection alive */
		commit_acked(x);       /* at once: this is the window for a duplicate after a crash */
	} else if (strncmp(id, "mbk-", 4) == 0) {
		x->keepalive_sent = 0;
	} else if (strncmp(id, "mbs-", 4) == 0) {
		char *end;
		unsigned long idx = strtoul(id + 4, &end, 10);
		selfping_result(x, (size_t)idx, st);
	}
}

int
on_stanza(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	struct xmpp_transport *x = ud;
	const char *name = xmpp_stanza_get_name(st);
	x->activity = 1;
	if (!name)
		return 1;
	if (strcmp(name, "message") == 0)
		message_in(x, st);
	else if (strcmp(name, "presence") == 0)
		presence_in(x, st);
	else if (strcmp(name, "iq") == 0)
		iq_in(x, conn, st);
	return 1;
}
