/*
 * bounce.c - see bounce.h.
 */
#include "bounce.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dispatch.h"
#include "dsn.h"
#include "mime.h"
#include "state/bounces.h"
#include "state/state.h"
#include "util.h"

/* The first VERP address among pm's To and Cc into out (size n); its row id, or 0. */
static int64_t
verp_rcpt(const struct core *core, const struct parsed_mail *pm, char *out, size_t n)
{
	if (!core->bot_addr || !pm->rcpt_addrs)
		return 0;
	for (const char *a = pm->rcpt_addrs; *a;) {
		size_t k = strcspn(a, " ");
		if (k < n) {
			memcpy(out, a, k);
			out[k] = '\0';
			int64_t id = dsn_verp_id(core->bot_addr, out);
			if (id > 0)
				return id;
		}
		a += k;
		a += strspn(a, " ");
	}
	return 0;
}

int
bounce_to_verp(const struct core *core, const struct parsed_mail *pm)
{
	char verp[256];
	return verp_rcpt(core, pm, verp, sizeof verp) > 0;
}

/* The recipient of row id when verp is its valid return path (caller frees), else NULL.
 * *erased: the row went to a person since erased (its recipient scrubbed once sent). */
static char *
verp_owner(struct db *db, const struct core *core, const char *verp, int64_t id, int *rc, int *erased)
{
	char *rcpt = NULL;
	*rc = state_outbox_mail_row_rcpt(db, id, &rcpt);
	if (*rc == DB_NOTFOUND)
		*rc = DB_OK;
	*erased = rcpt && !*rcpt;
	if (rcpt && !(core->has_key && dsn_verp_ok(core->key, core->bot_addr, verp, id, rcpt))) {
		free(rcpt);
		rcpt = NULL;
	}
	return rcpt;
}

int
bounce_take(struct db *db, const struct core *core, int64_t row, const char *raw, size_t len,
	    const struct parsed_mail *pm)
{
	char verp[256];
	struct dsn d;
	dsn_parse(raw, len, &d);
	int64_t id = verp_rcpt(core, pm, verp, sizeof verp);
	int rc = DB_OK, erased = 0;
	char *addr = id > 0 ? verp_owner(db, core, verp, id, &rc, &erased) : NULL;
	if (db_failed(rc))
		return rc;
	if (erased) {
		/* a bounce of the final confirmation to an erased person must not write their address
		 * back anywhere */
		log_info("mail %" PRId64 ": bounce of outbox row %" PRId64 " to an erased person: not recorded", row,
			 id);
		return DB_OK;
	}
	if (!addr) {
		const char *who = d.rcpt[0] ? d.rcpt : pm->bounce_rcpt ? pm->bounce_rcpt : pm->from_addr;
		log_info("mail %" PRId64 ": bounce (%s, %s) without a valid return path: counted only", row,
			 dsn_class_name(d.cls), d.form);
		return who ? state_bounce_record(db, who, "delivery status notification", now_s()) : DB_OK;
	}
	if (d.cls == DSN_DELAYED || (d.cls == DSN_NONE && strcmp(d.form, "rfc3464") == 0)) {
		/* still trying, or a report of success: no failure */
		log_info("mail %" PRId64 ": delivery report for outbox row %" PRId64 " (%s): not a failure", row, id,
			 dsn_class_name(d.cls));
		free(addr);
		return DB_OK;
	}
	if (d.cls == DSN_NONE && !pm->is_auto && !pm->is_bounce && pm->from_addr &&
	    strcasecmp(pm->from_addr, addr) == 0) {
		/* the recipient wrote to the return path themselves: they get mail, this is no failure */
		log_info("mail %" PRId64 ": the recipient of outbox row %" PRId64 " wrote to its return path", row, id);
		free(addr);
		return DB_OK;
	}
	int hard = d.cls == DSN_HARD, marked = 0;
	char reason[200];
	snprintf(reason, sizeof reason, "%s%s%s", d.cls == DSN_NONE ? "unrecognised bounce" : d.form,
		 d.diag[0] ? ": " : "", d.diag);
	rc = state_bounce_event(db, addr, now_s(), d.status[0] ? d.status : NULL, hard, id, reason, &marked);
	int64_t failed = 0;
	if (rc == DB_OK && marked)
		rc = state_outbox_fail_pending_to(db, addr, "address undeliverable (bounced): not sent", &failed);
	log_info("mail %" PRId64 ": %s bounce of outbox row %" PRId64 " (%s %s)%s", row, hard ? "hard" : "soft", id,
		 d.form, d.status[0] ? d.status : "-", marked ? ": address marked undeliverable" : "");
	if (failed)
		log_info("mail %" PRId64 ": %" PRId64 " waiting mail(s) to the bounced address failed", row, failed);
	free(addr);
	return rc;
}

int
bounce_mail_from(struct db *db, const char *addr)
{
	if (!addr)
		return DB_OK;
	int rc = state_undeliverable_clear(db, addr);
	if (rc == DB_OK)
		log_info("a mail from a bounced address arrived: its undeliverable mark is cleared");
	return rc == DB_NOTFOUND ? DB_OK : rc;
}
