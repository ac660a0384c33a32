/*
 * h_event.h - the parts of the event handler (handlers/h_event*.c) the command line
 * (bot/cli_event.c) shares with the mail and chat commands.  Each runs
 * inside the caller's transaction and queues its replies on h like any
 * handler: the staff answer to the sender (no recipient), everything for
 * members and rooms with a recipient (the CLI turns those into outbox rows
 * with emit_all()).
 */
#ifndef MB_H_EVENT_H
#define MB_H_EVENT_H

#include <stdint.h>

struct hctx;
struct config;

/* New draft event: title (may be NULL when the form has "Title:"), "Field: value"
 * lines in form_text.  Answers event.preview, or event.form_invalid (*id_out 0). */
int h_event_create(struct hctx *h, const char *title, const char *form_text, const char *created_by, int64_t *id_out);
/* Announce: room posts and one invitation per member not yet invited.  DB_NOTFOUND
 * (answered) when the event is unknown or cancelled. */
int h_event_send(struct hctx *h, int64_t id, int *mails, int *rooms);
/* Change with "Field: value" lines; updated invitations when announced.  DB_NOTFOUND
 * (answered) when unknown, cancelled or the form is invalid. */
int h_event_change(struct hctx *h, int64_t id, const char *form_text);
/* Cancel: METHOD:CANCEL to everyone invited who has not declined. */
int h_event_cancel(struct hctx *h, int64_t id, int *mails);
/* The preview text of event id in h->lang.  *out: caller frees. */
int h_event_preview_text(struct hctx *h, int64_t id, char **out);
/* A person's name (profile "name", else person.name) and first verified mail
 * address; either may come back NULL.  Caller frees both. */
int h_event_person_label(struct hctx *h, int64_t person, char **name, char **addr);
/* A seat of event id was freed outside an answer (an erased person's): the waiting list moves
 * up as after a decline, when the event is announced.  DB_OK when there is no such event. */
int h_event_seat_freed(struct hctx *h, int64_t id);
/* The bot's mail domain (from [smtp] from). */
const char *ev_domain(const struct config *cfg);

#endif
