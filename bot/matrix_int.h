/*
 * matrix_int.h - what the files of the Matrix transport share: matrix.c (the
 * sync thread and transport_ops), matrix_http.c (requests, kv and room
 * helpers both threads use) and matrix_send.c (the sender thread, which runs
 * the shared outbox sender, sender.h).  Nothing outside the three includes it.
 */
#ifndef MB_MATRIX_INT_H
#define MB_MATRIX_INT_H

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "sender.h"
#include "transport.h"
#include "util.h"

struct db;
struct matrix_transport;

#define MX_API "/_matrix/client/v3"
#define MX_SYNC_TIMEOUT_MS 30000
#define MX_TIMELINE_LIMIT 100
#define MX_BACKFILL_MAX 1000    /* events fetched back per room when a timeline is "limited" */
#define MX_SYNC_CAP (32u << 20) /* response caps */
#define MX_RESP_CAP (1u << 20)
#define MX_SEND_BATCH 32
#define MX_SEND_POLL_MS 5000 /* rows queued by another process (mentorbot post) are seen within 5 s */
#define MX_BACKOFF_MIN_MS 1000
#define MX_BACKOFF_MAX_MS 300000
#define MX_RETRY_AFTER_MAX_MS 300000
#define MX_NAME_CACHE_MAX 20000

/* Outcome of one HTTP request. */
enum mx_rc {
	MX_OK = 0,       /* 2xx, *out holds the JSON body (may be NULL if not JSON) */
	MX_HTTP = -1,    /* another status; *status and maybe *out (the error body) */
	MX_NET = -2,     /* no answer: connection, timeout, response over the cap, bad JSON on 2xx */
	MX_STOPPED = -3, /* *stop was set or the token died while waiting */
	MX_DEAD = -4,    /* 401: the access token is not (or no longer) valid */
};

struct room_cfg {
	char *name; /* as configured: "!id:server" or "#alias:server" */
	char *id;   /* resolved room id, or NULL (join failed) */
};

/* One thread's HTTP connection. */
struct mx_conn {
	struct matrix_transport *m;
	CURL *curl;
	struct curl_slist *hdrs;      /* Authorization, Accept */
	struct curl_slist *hdrs_json; /* the same plus Content-Type: application/json */
	struct buf resp;
	size_t cap;
	int over_cap;
	int wake_on_rooms; /* the sync long-poll: a SIGHUP's new rooms end it early (MX_STOPPED) */
	char errbuf[CURL_ERROR_SIZE];
};

enum mx_send_rc { MXS_OK = 0, MXS_PERM = 1, MXS_NET = 2, MXS_STOP = 3 };

struct send_state {
	struct matrix_transport *m;
	struct mx_conn c;
	struct db *db;
	char *txn_prefix;
};

struct matrix_transport {
	struct transport_ctx ctx;
	char *base;    /* homeserver URL without the trailing '/' */
	char *auth;    /* "Authorization: Bearer …" (never logged) */
	char *user_id; /* from whoami */

	pthread_t sync_thread, send_thread;
	int sync_started, send_started;

	pthread_mutex_t lock;   /* guards everything below */
	pthread_cond_t cond;    /* kicks, ready, stop, dead */
	int ready;              /* start-up done: user_id and rooms are set */
	atomic_int dead;        /* the token was refused: the Matrix side is over */
	struct room_cfg *rooms; /* written by the sync thread only (under lock); others read under lock */
	size_t nrooms;
	struct strlist want_rooms; /* SIGHUP: the rooms to be in, for the sync thread */
	int want_set;              /* want_rooms holds a new list */
	atomic_int rooms_changed;  /* the same, for the long-poll's progress callback */
	json_t *aliases;           /* alias → room id, resolved on demand by the sender */

	struct sender snd;      /* the shared outbox sender, run by the sender thread */
	struct send_state send; /* the sender thread's connection, database and txnId prefix */
	atomic_int connected;   /* the last sync or send reached the homeserver */
	atomic_ulong connects;  /* connections curl opened (both threads) */
};

/* ---- matrix_http.c ---- */
/* *stop was set or the token died. */
int mx_stopping(struct matrix_transport *m);
/* Wake every waiter (stop, dead, ready, the sender). */
void mx_broadcast(struct matrix_transport *m);
/* Sleep ms, or less when stopping.  Kicks do not shorten it. */
void mx_sleep(struct matrix_transport *m, int64_t ms);
/* The token was refused: log once, end both threads. */
void mx_die(struct matrix_transport *m, const char *what, const char *errcode);
/* URL-encode one path segment or query value.  Caller frees. */
char *mx_escape(struct mx_conn *c, const char *s);
int mx_conn_init(struct mx_conn *c, struct matrix_transport *m);
void mx_conn_free(struct mx_conn *c);
/* One request, retried after 429 (see matrix_http.c).  An enum mx_rc. */
int mx_request(struct mx_conn *c, const char *method, const char *path, const char *query, json_t *body, long timeout_s,
	       size_t cap, json_t **out, long *status);
/* The errcode of an error body, or "?". */
const char *mx_errcode(json_t *err);
/* Set one or two kv keys in one durable commit. */
int mx_kv_put(struct db *db, const char *k1, const char *v1, const char *k2, const char *v2);
/* Room id for a configured room name or alias, from the joins (or NULL).  Any thread; caller frees. */
char *mx_configured_room_id(struct matrix_transport *m, const char *name);
/* POST /join/{roomIdOrAlias}.  *room_id gets the id (caller frees).  An enum mx_rc. */
int mx_join(struct mx_conn *c, const char *room, char **room_id);
/* POST /rooms/{room}/leave.  An enum mx_rc. */
int mx_leave(struct mx_conn *c, const char *room);
/* A configured room was joined: note an alias's room id for the core (kv matrix.room:<alias>). */
void mx_room_note(struct db *db, const struct room_cfg *r);
/* The sync thread: take the rooms a SIGHUP handed over (if any), join the new ones and leave
 * the removed ones.  An enum mx_rc (MX_DEAD or MX_STOPPED: the transport is ending). */
int mx_rooms_apply(struct mx_conn *c, struct db *db);

/* ---- matrix_send.c ---- */
/* The sender thread (pthread start routine; arg: the transport). */
void *matrix_send_main(void *arg);
/* transport_ops.send */
void matrix_send(void *handle, const struct outbox_item *it, struct send_res *res);

#endif
