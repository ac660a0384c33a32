/*
 * h_network.h - the alumni and company network (issue 13): invitations of an
 * imported list, the alumni directory and contact requests, companies and
 * their offers.  The parts call each other only through this header.
 */
#ifndef MB_H_NETWORK_H
#define MB_H_NETWORK_H

#include <stdint.h>

struct hctx;

/*
 * Contact requests (h_contact.c).  A request from asker to the person to_id:
 * to an alumnus found by "find alumni" (offer 0), or to the company contact
 * who posted offer (the student's "interested <offer>").  It mails (or, for a
 * chat-only receiver, messages) to_id the message and the asker's visible
 * profile; only when to_id answers yes ("ja", "accept") are both addresses
 * exchanged, on "nein" the asker is told and nothing else.  Inside the
 * command's transaction; *id gets the request's id (may be NULL).  Returns 0
 * (sent), 1 when the same request (asker, to_id, offer) is still open (*id
 * that one; nothing sent), or a negative error.  The caller answers the asker.
 */
int h_contact_open(struct hctx *h, int64_t asker, int64_t to_id, int64_t offer, const char *message, int64_t *id);
/*
 * The limits of [network] for asker (open requests at once, requests in 7
 * days): 0 when one more may be sent; 1 after answering the sender why not;
 * negative on a database error.
 */
int h_contact_limit_check(struct hctx *h, int64_t asker);

#endif
