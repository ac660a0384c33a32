/*
 * h_audit.c - the audit row of a staff action taken by mail or chat (state/audit.h).
 */
#include "handlers/handlers.h"
#include "state/audit.h"

int
h_audit(struct hctx *h, const char *action, const char *subject, int64_t person, const char *detail)
{
	return audit_add(h->db, h->ep_addr, h->known ? h->person.id : 0, h->transport, action, subject, person, detail);
}
