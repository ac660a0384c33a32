/*
 * h_event_int.h - what the files of the event handler share (not for other
 * handlers): h_event_core.c (helpers, audience, calendar object, telling
 * people, recording an answer), h_event_form.c (the staff form),
 * h_event_reply.c (answers by mail), h_event_staff.c (announce, change,
 * cancel, attendee lists) and h_event.c (member commands, jobs, templates).
 * All run inside the caller's transaction; strings returned are the
 * caller's to free unless said otherwise.
 */
#ifndef MB_H_EVENT_INT_H
#define MB_H_EVENT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "bot/rsvp_text.h"
#include "bot/util.h"
#include "handlers/handlers.h"
#include "state/events.h"

#define TITLE_MAX 200
#define PLACE_MAX 200
#define URL_MAX 500
#define DESC_MAX 2000
#define COMMENT_MAX RSVP_COMMENT_MAX
#define DEFAULT_HOURS 2

struct evtext {
	char id[24];
	char *when;
	char *details;
};

struct ev_room {
	char *kind; /* xmpp, matrix */
	char *addr;
};

struct ev_audience {
	struct ev_room *rooms;
	size_t nrooms;
	struct recipient *people; /* one per person (the first verified mail address) */
	size_t npeople;
};

enum ev_field {
	F_TITLE,
	F_DATE,
	F_START,
	F_END,
	F_PLACE,
	F_URL,
	F_CAPACITY,
	F_AUDIENCE,
	F_DESC,
	F_PUBLIC,
	F_GUESTS,
	F_CLAIM,
	F_REMIND,
	F_HASHTAGS, /* stored apart (state/calls.h), for the social posts */
	F_N
};

struct ev_form {
	char *v[F_N]; /* the raw values given, or NULL */
	int n;        /* how many */
};

/* v as decimal text into out. */
void ev_fmt_id(char out[24], int64_t v);

/* 1 if lang is German. */
int ev_lang_de(const char *lang);

/* t as a local date and time of day in lang ("24.12.2026", "18:00"). */
void ev_date_time(int64_t t, const char *lang, char date[32], char tm[16]);

/* When the event is, in lang, as one line.  Caller frees. */
char *ev_when(const struct hctx *h, const struct event *ev, const char *lang);

/* The id, "when" and details of ev in lang; evtext_free() frees them. */
void evtext_make(const struct hctx *h, const struct event *ev, const char *lang, struct evtext *t);
void evtext_free(struct evtext *t);

/* "Name <addr>" (either part may be NULL).  Caller frees. */
char *ev_person_display(const char *name, const char *addr);

/* The rooms and people an audience name ("all", a programme, a group) means. */
void ev_audience_free(struct ev_audience *a);
int ev_audience_resolve(struct hctx *h, const char *name, struct ev_audience *a);

/* 1 if name is an audience the bot knows. */
int ev_audience_exists(struct hctx *h, const char *name);

/* *ok: person may answer ev (invited, or the event is public to them). */
int ev_may_answer(struct hctx *h, const struct event *ev, int64_t person, int *ok);

/* Queue ev's invitation (template key, with changes) to person at addr in lang. */
int ev_mail(struct hctx *h, const struct event *ev, int64_t person, const char *addr, const char *lang, const char *key,
	    const char *changes, int64_t not_before);

/* The language person reads (their profile, else the default). */
const char *ev_person_lang(struct hctx *h, int64_t person);

/* Tell person about ev: by mail (mail_key) or in chat (chat_key); claim: the claim deadline text or NULL. */
int ev_tell_person(struct hctx *h, const struct event *ev, int64_t person, const char *mail_key, const char *chat_key,
		   const char *claim);

/* Free places of ev go to the people waiting, in order, each told and given a claim deadline. */
int ev_promote_waiting(struct hctx *h, const struct event *ev);

/* Record person's answer ("yes", "no", "maybe") to ev, with guests (-1: keep) and comment, and answer them. */
int ev_rsvp_apply(struct hctx *h, const struct event *ev, int64_t person, const char *answer, int guests,
		  const char *comment, const char *via, int itip_seq);

/* The event form (h_event_form.c): read "Field: value" lines, free, apply to an event with problems
 * and change lines, and the shown name of a field in lang. */
void ev_form_free(struct ev_form *f);
const char *ev_field_name(int i, const char *lang);
void ev_form_read(struct ev_form *f, const char *text);
void ev_form_apply(struct hctx *h, const struct ev_form *f, struct event *ev, int is_new, struct buf *probs,
		   struct buf *changes);

/* ---- the social channels (h_event_social.c) ---- */
/* Where the event was posted: one line per channel and change, or "".  Caller frees. */
char *ev_social_status(struct hctx *h, int64_t id);
/* A public event goes to the social channels of [social] events, once per channel.  *note:
 * what staff are told about it, or NULL.  Caller frees. */
int ev_social_queue(struct hctx *h, const struct event *ev, char **note);
/* The change (op "edit", with what changed) or cancellation ("delete") follows its posts. */
int ev_social_change(struct hctx *h, const struct event *ev, const char *op, const char *changes);
/* The form's "Hashtags:" (blank- or comma-separated, '#' optional; "-" none) for event id. */
int ev_social_hashtags_save(struct hctx *h, int64_t id, const char *value);

#endif
