/*
 * h_offer_staff.c - the staff side of offers: "offer <id>" shows one with its
 * status, "offer <id> approve|reject [reason]" (or a reply to the notice,
 * h_company.c) decides it; an approved offer is posted to the group of
 * [offers] post_to and on the social channels of [social] offers, its jobs armed, and the
 * company contact is told.  "offer <id> close" closes an approved offer early (its social
 * posts are deleted).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/commands.h"
#include "bot/config.h"
#include "bot/post.h"
#include "bot/social.h"
#include "bot/util.h"
#include "handlers/h_event_int.h"
#include "handlers/h_offer.h"
#include "handlers/h_social.h"
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
	if (h->argc == 2 && offer_action(h->argv[1]) && strcmp(offer_action(h->argv[1]), "close") == 0)
		return 0;
	return h_offer_decision_arg(h, "cmd.offer_review");
}

/* The link of a social post: the item's own, else its entry on the public page ([site] url),
 * or NULL.  Caller frees. */
char *
h_social_page_link(struct hctx *h, const char *own, const char *lang, const char *anchor)
{
	if (own && *own)
		return xstrdup(own);
	const char *u = h->cfg ? h->cfg->site.url : NULL;
	if (!u || !*u)
		return NULL;
	return xasprintf("%s%sindex.%s.html#%s", u, u[strlen(u) - 1] == '/' ? "" : "/", lang, anchor);
}

int
h_offer_social(struct hctx *h, const struct offer *o)
{
	if (!h->cfg)
		return DB_OK;
	const char *lang = hctx_default_lang(h);
	char ds[32], anchor[40];
	char *kk = xasprintf("offers.kind.%s", o->kind);
	char *kind = hctx_text_in(h, lang, kk, NULL);
	char *dl = NULL;
	if (o->deadline > 0) {
		char tm[16];
		ev_date_time(o->deadline, lang, ds, tm);
		dl = hctx_text_in(h, lang, "social.offer.deadline", "deadline", ds, NULL);
	}
	char *body = hctx_text_in(h, lang, "social.offer", "kind", kind, "company", o->company ? o->company : "",
				  "title", o->title, "deadline", dl ? dl : "", NULL);
	snprintf(anchor, sizeof anchor, "offer-%lld", (long long)o->id);
	char *link = h_social_page_link(h, o->link, lang, anchor);
	struct social_item it = {.kind = "offer",
				 .id = o->id,
				 .lang = lang,
				 .body = body,
				 .link = link,
				 .card_title = o->title,
				 .card_text = o->description};
	int q = 0, rc = social_queue(h->db, h->cfg, "offers", &it, &q);
	free(link);
	free(body);
	free(dl);
	free(kind);
	free(kk);
	return rc;
}

int
h_offer_social_delete(struct hctx *h, int64_t id)
{
	if (!h->cfg)
		return DB_OK;
	struct social_item it = {.kind = "offer", .id = id, .lang = hctx_default_lang(h)};
	int q = 0;
	return social_change(h->db, h->cfg, "delete", &it, NULL, &q);
}

int
h_offer_close(struct hctx *h, const struct offer *o)
{
	int rc = state_company_offer_end(h->db, o->id, "closed");
	if (rc == DB_OK && (rc = state_job_cancel(h->db, "offer.expire", o->id)) == DB_NOTFOUND)
		rc = DB_OK;
	if (rc == DB_OK && (rc = state_job_cancel(h->db, "offer.notice", o->id)) == DB_NOTFOUND)
		rc = DB_OK;
	if (rc == DB_OK)
		rc = h_offer_social_delete(h, o->id);
	return rc;
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
	if (rc == DB_OK && approve)
		rc = h_offer_social(h, &o);
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
			char *social = h_social_status(h, "offer", o.id);
			hctx_reply(h, "offers.show", "offer", s, "status", st, "reason", o.reason ? o.reason : "",
				   "social", social, NULL);
			free(social);
			free(st);
			free(sk);
			free(s);
		}
		offer_free(&o);
		return rc;
	}
	if (strcmp(offer_action(h->argv[1]), "close") == 0) {
		/* staff close an approved offer early */
		struct offer o = {0};
		int rc = state_company_offer_get(h->db, id, &o);
		char ids[24];
		snprintf(ids, sizeof ids, "%lld", (long long)id);
		if (rc == DB_OK && strcmp(o.status, "approved") != 0) {
			char *sk = xasprintf("offers.status.%s", o.status);
			char *st = hctx_text(h, sk, NULL);
			hctx_reply(h, "offers.not_open", "id", ids, "status", st, NULL);
			free(st);
			free(sk);
		} else if (rc == DB_OK && (rc = h_offer_close(h, &o)) == DB_OK &&
			   (rc = h_audit(h, "offer close", ids, o.person_id, o.title)) == DB_OK)
			hctx_reply(h, "offers.closed", "id", ids, "title", o.title, NULL);
		offer_free(&o);
		return rc;
	}
	const char *reason = offer_after_words(h->argline, 2);
	return h_offer_decide(h, id, strcmp(offer_action(h->argv[1]), "approve") == 0, reason);
}
