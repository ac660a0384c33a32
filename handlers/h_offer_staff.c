/*
 * h_offer_staff.c - the staff side of offers: "offer <id>" shows one with its
 * status, "offer <id> approve|reject [reason]" (or a reply to the notice,
 * h_company.c) decides it; an approved offer is posted to the group of
 * [offers] post_to and its jobs armed, and the company contact is told.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/commands.h"
#include "bot/config.h"
#include "bot/post.h"
#include "bot/util.h"
#include "handlers/h_offer.h"
#include "handlers/handlers.h"
#include "state/offers.h"

int
h_offer_staff_check(struct hctx *h)
{
	int64_t id;
	struct offer o = {0};
	int rc = hctx_parse_id(h->argv[0], &id) == 0 ? state_company_offer_get(h->db, id, &o) : DB_NOTFOUND;
	offer_free(&o);
	if (rc == DB_NOTFOUND) {
		hctx_reply(h, "offers.unknown", "id", h->argv[0], NULL);
		return 1;
	}
	if (db_failed(rc))
		return rc;
	return h_offer_decision_arg(h, "cmd.offer_review");
}

int
h_offer_decide(struct hctx *h, int64_t id, int approve, const char *reason)
{
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	int rc = state_company_offer_decide(h->db, id, approve ? "approved" : "rejected", h->ep_addr, reason);
	if (rc == DB_NOTFOUND) {
		hctx_reply(h, "offers.not_pending", "id", ids, NULL);
		return DB_OK;
	}
	struct offer o = {0};
	if (rc != DB_OK || (rc = state_company_offer_get(h->db, id, &o)) != DB_OK)
		return rc;
	const char *group = h->cfg->offers.post_to;
	int queued = 0;
	if (approve && group && *group) {
		char *text = h_offer_summary(h, &o, hctx_default_lang(h));
		if (post_to_group_txn(h->db, h->cfg, h->tmpl, h->key, group, text, &queued) != 0)
			rc = DB_ERR;
		free(text);
		if (rc == DB_OK)
			rc = state_company_offer_set_posted(h->db, id, now_s());
	}
	if (rc == DB_OK && approve)
		rc = h_offer_schedule(h, &o);
	char *detail = xasprintf("%s%s%s", o.title, reason && *reason ? ": " : "", reason ? reason : "");
	if (rc == DB_OK)
		rc = h_audit(h, approve ? "offer approve" : "offer reject", ids, o.person_id, detail);
	if (rc == DB_OK && o.person_id)
		rc = h_offer_tell(h, o.person_id, approve ? "offers.approved" : "offers.rejected", o.company, o.title,
				  ids, reason ? reason : "");
	if (rc == DB_OK) {
		char n[24];
		snprintf(n, sizeof n, "%d", queued);
		hctx_reply(h, approve ? "offers.staff_approved" : "offers.staff_rejected", "id", ids, "title", o.title,
			   "group", group ? group : "", "queued", n, NULL);
		log_info("offer %lld: %s by staff (%d posts)", (long long)id, approve ? "approved" : "rejected",
			 queued);
	}
	free(detail);
	offer_free(&o);
	return rc;
}

int
h_offer_staff_run(struct hctx *h)
{
	int64_t id;
	hctx_parse_id(h->argv[0], &id);
	if (h->argc == 1) {
		struct offer o = {0};
		int rc = state_company_offer_get(h->db, id, &o);
		if (rc == DB_OK) {
			char *s = h_offer_summary(h, &o, h->lang);
			char *sk = xasprintf("offers.status.%s", o.status);
			char *st = hctx_text(h, sk, NULL);
			hctx_reply(h, "offers.show", "offer", s, "status", st, "reason", o.reason ? o.reason : "",
				   NULL);
			free(st);
			free(sk);
			free(s);
		}
		offer_free(&o);
		return rc;
	}
	const char *reason = offer_after_words(h->argline, 2);
	return h_offer_decide(h, id, strcmp(offer_action(h->argv[1]), "approve") == 0, reason);
}
