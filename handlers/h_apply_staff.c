/*
 * h_apply_staff.c - the staff decision on applications under policy
 * "approve": "pending [programme]" lists them, "approve <n>" and
 * "reject <n> [reason]" decide, and the applicant is told.  Runs inside the
 * dispatcher's transaction.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bot/commands.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "handlers/h_apply.h"
#include "handlers/handlers.h"
#include "state/applications.h"

/* "pending [programme]": the programme, when named, must exist. */
int
h_pending_check(struct hctx *h)
{
	return h_programme_arg_check(h, "programme.unknown", "slug");
}

static char *
date_text(int64_t t)
{
	char d[32];
	time_t c = (time_t)t;
	struct tm tm;
	localtime_r(&c, &tm);
	strftime(d, sizeof d, "%Y-%m-%d", &tm);
	return xstrdup(d);
}

int
h_pending_run(struct hctx *h)
{
	char *prog = h->argc ? cmd_fold(h->argv[0]) : NULL;
	struct application *v;
	size_t n;
	int rc = state_applications(h->db, "pending", prog, &v, &n);
	if (rc != DB_OK) {
		free(prog);
		return rc;
	}
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n && rc == DB_OK; i++) {
		struct who w;
		if ((rc = who_load(h, v[i].person_id, &w)) != DB_OK)
			break;
		struct programme pr;
		struct app_form f = {0};
		if (state_programme_get(h->db, v[i].programme, &pr) == DB_OK) {
			ap_form_fields(&f, v[i].role, pr.questions);
			programme_free(&pr);
		}
		ap_form_load(h, v[i].person_id, &f);
		char *prof = ap_profile_summary(h, &f);
		char id[24];
		snprintf(id, sizeof id, "%lld", (long long)v[i].id);
		char *rk = xasprintf("role.%s", v[i].role);
		char *role = hctx_text(h, rk, NULL);
		char *since = date_text(v[i].completed ? v[i].completed : v[i].created);
		const char *addr = who_mail(&w) ? who_mail(&w) : (w.neps ? w.eps[0].addr : "");
		char *item = hctx_text(h, "apply.pending_item", "id", id, "name", w.p.name ? w.p.name : addr, "address",
				       addr, "programme", v[i].programme, "role", role, "since", since, "profile", prof,
				       NULL);
		buf_addf(&b, "%s%s", b.len ? "\n" : "", item);
		free(item);
		free(since);
		free(role);
		free(rk);
		free(prof);
		ap_form_free(&f);
		who_free(&w);
	}
	if (rc == DB_OK) {
		char count[24];
		snprintf(count, sizeof count, "%zu", n);
		if (n)
			hctx_reply(h, "apply.pending_list", "count", count, "list", b.p, NULL);
		else
			hctx_reply(h, "apply.pending_none", NULL);
	}
	buf_free(&b);
	applications_free(v, n);
	free(prog);
	return db_failed(rc) ? rc : 0;
}

int
h_approve_check(struct hctx *h)
{
	int64_t id;
	if (hctx_parse_id(h->argv[0], &id) != 0 || id <= 0) {
		hctx_reply(h, "apply.staff.unknown", "id", h->argv[0], NULL);
		return 1;
	}
	struct application a;
	int rc = state_application_get(h->db, id, &a);
	if (rc == DB_NOTFOUND) {
		hctx_reply(h, "apply.staff.unknown", "id", h->argv[0], NULL);
		return 1;
	}
	if (rc != DB_OK)
		return rc;
	int r = 0;
	if (strcmp(a.status, "pending") != 0) {
		char *sk = xasprintf("apply.status.%s", a.status);
		char *st = hctx_text(h, sk, NULL);
		hctx_reply(h, "apply.staff.not_pending", "id", h->argv[0], "status", st, NULL);
		free(st);
		free(sk);
		r = 1;
	}
	application_free(&a);
	return r;
}

/* approve (reject 0) or reject (1) the application named by argv[0] */
static int
decide(struct hctx *h, int reject)
{
	int64_t id;
	if (hctx_parse_id(h->argv[0], &id) != 0)
		return DB_ERR;
	struct application a;
	struct who w;
	int rc = state_application_get(h->db, id, &a);
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? DB_ERR : rc;
	if (strcmp(a.status, "pending") != 0) { /* e.g. "ablehnen" routed here: checked again */
		application_free(&a);
		return db_failed(h_approve_check(h)) ? DB_ERR : DB_OK;
	}
	if ((rc = who_load(h, a.person_id, &w)) != DB_OK) {
		application_free(&a);
		return rc;
	}
	char *pname = NULL;
	state_programme_exists(h->db, a.programme, &pname);
	const char *reason_in = NULL;
	if (reject && h->argline) {
		reason_in = h->argline;
		while (*reason_in && !isspace((unsigned char)*reason_in))
			reason_in++;
		while (*reason_in && isspace((unsigned char)*reason_in))
			reason_in++;
	}
	char id_s[24];
	snprintf(id_s, sizeof id_s, "%lld", (long long)a.id);
	const char *by = h->ep_addr;
	rc = state_application_set_status(h->db, a.id, reject ? "rejected" : "approved", by,
					  reason_in && *reason_in ? reason_in : NULL);
	if (rc == DB_OK)
		rc = state_membership_set(h->db, a.person_id, a.programme, a.role, reject ? "rejected" : "active");
	if (rc == DB_OK)
		rc = h_audit(h, reject ? "reject" : "approve", id_s, a.person_id, a.programme);
	const char *addr = who_mail(&w) ? who_mail(&w) : (w.neps ? w.eps[0].addr : "");
	const char *name = w.p.name ? w.p.name : addr;
	if (rc == DB_OK) {
		hctx_reply(h, reject ? "apply.staff.rejected" : "apply.staff.approved", "id", id_s, "name", name,
			   "programme", pname ? pname : a.programme, NULL);
		const char *plang = ap_person_lang(&w, hctx_default_lang(h));
		char *next = ap_next_text(h, plang, a.role);
		char *reason = reason_in && *reason_in
				       ? hctx_text_in(h, plang, "apply.reason_line", "reason", reason_in, NULL)
				       : xstrdup("");
		ap_tell(h, &w, reject ? "apply.rejected" : "apply.approved", pname ? pname : a.programme, next, reason);
		free(reason);
		free(next);
		log_info("application %lld %s by staff", (long long)a.id, reject ? "rejected" : "approved");
	}
	free(pname);
	who_free(&w);
	application_free(&a);
	return db_failed(rc) ? rc : 0;
}

int
h_approve_run(struct hctx *h)
{
	return decide(h, 0);
}

int
h_reject_run(struct hctx *h)
{
	return decide(h, 1);
}
