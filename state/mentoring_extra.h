/*
 * mentoring_extra.h - state of the whole-cohort matching's offers
 * (state/mentoring.c).  An offer is a request row with origin 'match': the
 * coordinators suggest the pair and each side still accepts (mentee_ok,
 * mentor_ok); a plain request has origin 'mentee' and mentee_ok 1.
 */
#ifndef MB_MENTORING_EXTRA_H
#define MB_MENTORING_EXTRA_H

#include <stdint.h>

#include "state/state.h"

/* Origin and answers of request id: *is_offer 1 for origin 'match'. DB_NOTFOUND if no such request. */
int state_request_offer_get(struct db *db, int64_t id, int *is_offer, int *mentee_ok, int *mentor_ok);
/* A new open offer (origin 'match', neither side agreed yet). */
int state_offer_add(struct db *db, const char *programme, int64_t mentee, int64_t mentor, int64_t deadline,
		    int64_t *id_out);
/* Store the Message-ID of the offer's mail to the mentor (a plain reply to it answers, like a request). */
int state_request_set_msgid(struct db *db, int64_t id, const char *mail_msgid);
/* One side of an open offer agrees (mentee_side 1: the mentee, 0: the mentor).  DB_NOTFOUND if not open. */
int state_offer_agree(struct db *db, int64_t id, int mentee_side);
/* The lowest id of mentee's open requests or offers in programme into *id; DB_NOTFOUND if none. */
int state_request_open_any(struct db *db, int64_t mentee, const char *programme, int64_t *id);
/* Number of open offers (origin 'match') to mentor, in any programme: places they may still fill. */
int state_offers_open_to(struct db *db, int64_t mentor, int *n);
/* Mentors whose request or offer with mentee in programme was declined or expired (not to be
 * suggested again); *mentors: caller frees. */
int state_request_refused(struct db *db, int64_t mentee, const char *programme, int64_t **mentors, size_t *n);

#endif
