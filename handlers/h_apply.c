/*
 * h_apply.c - applications: "join" and the form it sends, the reply to that
 * form (values checked and stored, what is missing or wrong answered as the
 * next form), and the recheck after "profile".  The form itself - fields,
 * labels, rendering, reading a reply's lines - is in h_apply_form.c; the
 * staff decision under policy "approve" (pending / approve / reject) in
 * h_apply_staff.c; the staff command "programme" in h_programme.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bot/commands.h"
#include "bot/config.h"
#include "bot/form.h"
#include "bot/mailcmd.h"
#include "bot/mime.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "handlers/h_apply.h"
#include "handlers/handlers.h"
#include "state/applications.h"

static int
is_form_role(const char *role)
{
	return strcmp(role, "mentee") == 0 || strcmp(role, "mentor") == 0;
}

const char *
ap_person_lang(const struct who *w, const char *deflt)
{
	return w && w->lang ? w->lang : deflt;
}

/* Tell a person something: by mail if they have a verified address, else in their first chat. */
void
ap_tell(struct hctx *h, const struct who *w, const char *key, const char *programme, const char *next,
	const char *reason)
{
	const char *lang = ap_person_lang(w, hctx_default_lang(h));
	const char *mail = who_mail(w);
	if (mail) {
		hctx_reply_to(h, "mail", mail, key, "programme", programme, "next", next, "reason", reason, "lang",
			      lang, NULL);
		return;
	}
	for (size_t i = 0; i < w->neps; i++)
		if (w->eps[i].verified) {
			hctx_reply_to(h, w->eps[i].kind, w->eps[i].addr, key, "programme", programme, "next", next,
				      "reason", reason, "lang", lang, NULL);
			return;
		}
}

/* Tell every staff endpoint of the configuration about application a. */
static void
notify_staff(struct hctx *h, const struct application *a, const char *pname, const struct who *w,
	     const struct app_form *f)
{
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)a->id);
	const char *lang = hctx_default_lang(h);
	const char *saved = h->lang;
	h->lang = lang;
	char *prof = ap_profile_summary(h, f);
	char *rk = xasprintf("role.%s", a->role);
	char *role = hctx_text_in(h, lang, rk, NULL);
	h->lang = saved;
	const char *addr = who_mail(w) ? who_mail(w) : (w->neps ? w->eps[0].addr : "");
	char *name = w->p.name ? xstrdup(w->p.name)
			       : (f->value[h_apply_field_index("name")] ? xstrdup(f->value[h_apply_field_index("name")])
									: xstrdup(addr));
	for (size_t i = 0; i < h->cfg->bot.staff.n; i++) {
		const char *kind, *to;
		if (!hctx_staff_endpoint(h->cfg->bot.staff.v[i], &kind, &to))
			continue;
		hctx_reply_to(h, kind, to, "apply.staff_notice", "id", id, "name", name, "address", addr, "programme",
			      pname, "role", role, "profile", prof, "lang", lang, NULL);
	}
	free(name);
	free(role);
	free(rk);
	free(prof);
}

/* The line that tells what comes next once the application is approved. Caller frees. */
char *
ap_next_text(struct hctx *h, const char *lang, const char *role)
{
	char *key = xasprintf("apply.next.%s", role);
	char *t = hctx_text_in(h, lang, key, NULL);
	free(key);
	return t;
}

/* Complete application a: approved (open) or pending (approve).  *pending set accordingly. */
static int
complete(struct hctx *h, struct application *a, const struct programme *prog, const struct who *w,
	 const struct app_form *f, int *pending)
{
	*pending = prog->policy && strcmp(prog->policy, "approve") == 0;
	int rc = state_application_set_status(h->db, a->id, *pending ? "pending" : "approved", NULL, NULL);
	if (rc == DB_OK)
		rc = state_membership_set(h->db, a->person_id, a->programme, a->role, *pending ? "pending" : "active");
	if (rc == DB_OK && *pending)
		notify_staff(h, a, prog->name, w, f);
	if (rc == DB_OK)
		log_info("application %lld (%s, %s) complete: %s", (long long)a->id, a->programme, a->role,
			 *pending ? "pending" : "approved");
	return rc;
}

int
h_apply_join(struct hctx *h, int64_t person, const char *programme, const char *role, char **next)
{
	*next = NULL;
	const char *lang = h->lang;
	if (!is_form_role(role)) {
		*next = hctx_text_in(h, lang, "apply.next.profile", NULL);
		return state_membership_set(h->db, person, programme, role, "active");
	}
	struct programme prog;
	struct application a;
	struct who w;
	struct app_form f = {0};
	int rc = state_programme_get(h->db, programme, &prog);
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? DB_ERR : rc;
	if ((rc = state_application_open(h->db, person, programme, role, &a)) != DB_OK) {
		programme_free(&prog);
		return db_failed(rc) ? rc : DB_ERR;
	}
	if ((rc = who_load(h, person, &w)) != DB_OK) {
		application_free(&a);
		programme_free(&prog);
		return rc;
	}
	int approve = prog.policy && strcmp(prog.policy, "approve") == 0;
	if (strcmp(a.status, "approved") == 0) {
		rc = state_membership_set(h->db, person, programme, role, "active");
		*next = ap_next_text(h, lang, role);
		goto out;
	}
	if (strcmp(a.status, "rejected") == 0)
		rc = state_application_set_status(h->db, a.id, "incomplete", NULL, NULL);
	if (rc == DB_OK)
		rc = state_membership_set(h->db, person, programme, role, approve ? "pending" : "active");
	ap_form_fields(&f, role, prog.questions);
	if (rc != DB_OK || (rc = ap_form_load(h, person, &f)) != DB_OK)
		goto out;
	char *lines, *sent, *hints, *missing;
	ap_form_render(h, lang, &f, &lines, &sent, &hints, &missing);
	if (!*missing) {
		int pending;
		rc = complete(h, &a, &prog, &w, &f, &pending);
		*next = pending ? hctx_text_in(h, lang, "apply.pending_note", NULL) : ap_next_text(h, lang, role);
	} else if (strcmp(h->ep_kind, "mail") == 0) {
		/* the join_done reply carries the form: it is the first reply, so it gets h->reply_msgid */
		*next = hctx_text_in(h, lang, "apply.form", "hints", hints, "lines", lines, NULL);
		rc = state_application_set_form(h->db, a.id, h->reply_msgid, sent);
	} else {
		const char *mail = who_mail(&w);
		char *note =
			mail ? hctx_text_in(h, lang, "apply.form.chat_mailed", "address", mail, NULL) : xstrdup("");
		*next = hctx_text_in(h, lang, "apply.form.chat", "missing", missing, "mailnote", note, NULL);
		if (mail) {
			char base[64];
			snprintf(base, sizeof base, "apply.%lld.%lld", (long long)a.id, (long long)now_s());
			char *msgid = hctx_msgid(h, base);
			char *form = hctx_text_in(h, ap_person_lang(&w, lang), "apply.form", "hints", hints, "lines",
						  lines, NULL);
			hctx_reply_to(h, "mail", mail, "apply.form_mail", "programme", prog.name, "form", form,
				      "message_id", msgid, "lang", ap_person_lang(&w, lang), NULL);
			rc = state_application_set_form(h->db, a.id, msgid, sent);
			free(form);
			free(msgid);
		}
		free(note);
	}
	free(lines);
	free(sent);
	free(hints);
	free(missing);
out:
	ap_form_free(&f);
	who_free(&w);
	application_free(&a);
	programme_free(&prog);
	return rc;
}

/* ---- the form's reply ---- */

/* The application whose form mail this one answers (In-Reply-To, then References). */
static int
form_of_reply(struct hctx *h, struct application *a)
{
	const struct parsed_mail *pm = h->pm;
	int rc = DB_NOTFOUND;
	if (!pm)
		return rc;
	if (pm->in_reply_to)
		rc = state_application_by_msgid(h->db, pm->in_reply_to, a);
	if (rc == DB_NOTFOUND && pm->references) {
		char **ids;
		int n = words_split(pm->references, &ids, 32);
		for (int i = n - 1; i >= 0 && rc == DB_NOTFOUND; i--)
			rc = state_application_by_msgid(h->db, ids[i], a);
		words_free(ids, n);
	}
	return rc;
}

static void
add_invalid(struct hctx *h, struct buf *inv, const char *label, const char *value, const char *why_key)
{
	char *why = hctx_text(h, why_key, NULL);
	char *item = hctx_text(h, "apply.invalid_item", "field", label, "value", value, "why", why, NULL);
	buf_addf(inv, "%s%s", inv->len ? "; " : "", item);
	free(item);
	free(why);
}

/* "Visible to others": every asked field of f visible exactly when v names it. */
static int
save_visible(struct hctx *h, int64_t person, const struct app_form *f, const char *lab, const char *v,
	     struct buf *saved, struct buf *inv)
{
	char *bad;
	char *names = ap_parse_visible(h, v, &bad);
	int rc = DB_OK;
	if (!names) {
		add_invalid(h, inv, lab, bad, "apply.why.visible");
		free(bad);
		return DB_OK;
	}
	for (size_t j = 0; j < NFIELDS && rc == DB_OK; j++) {
		if (!f->asked[j] || strcmp(ap_fields[j], "visible") == 0)
			continue;
		int on = 0;
		char *copy = xstrdup(names);
		for (char *sv = NULL, *t = strtok_r(copy, ",", &sv); t; t = strtok_r(NULL, ",", &sv))
			on |= strcmp(t, ap_fields[j]) == 0;
		free(copy);
		rc = state_profile_set_visible(h->db, person, ap_fields[j], on);
	}
	if (rc == DB_OK)
		buf_addf(saved, "%s%s", saved->len ? ", " : "", lab);
	free(names);
	return rc;
}

/* Check and store the changed values val[] in the profile: the labels saved go
 * to *saved, the invalid ones (with why) to *inv. */
static int
save_values(struct hctx *h, int64_t person, const struct app_form *f, char *const val[NFIELDS], struct buf *saved,
	    struct buf *inv)
{
	int rc = DB_OK;
	for (size_t k = 0; k < NFIELDS && rc == DB_OK; k++) {
		if (!val[k])
			continue;
		char *lab = ap_label_in(h, h->lang, ap_fields[k]);
		const char *v = val[k];
		if (strlen(v) > VALUE_MAX) {
			add_invalid(h, inv, lab, "…", "apply.why.too_long");
		} else if (strcmp(ap_fields[k], "capacity") == 0) {
			char *end;
			long c = strtol(v, &end, 10);
			if (!*v || *str_trim(end) || c < 1 || c > CAPACITY_MAX)
				add_invalid(h, inv, lab, v, "apply.why.capacity");
			else if ((rc = state_profile_set(h->db, person, "capacity", v)) == DB_OK)
				buf_addf(saved, "%s%s", saved->len ? ", " : "", lab);
		} else if (strcmp(ap_fields[k], "visible") == 0) {
			rc = save_visible(h, person, f, lab, v, saved, inv);
		} else if (!*v) {
			if (f->required[k])
				add_invalid(h, inv, lab, v, "apply.why.empty");
			else if ((rc = state_profile_set(h->db, person, ap_fields[k], NULL)) == DB_OK)
				buf_addf(saved, "%s%s", saved->len ? ", " : "", lab);
		} else if ((rc = state_profile_set(h->db, person, ap_fields[k], v)) == DB_OK) {
			buf_addf(saved, "%s%s", saved->len ? ", " : "", lab);
		}
		free(lab);
	}
	return rc;
}

/* A complete open application: "apply.complete" (queued first, it carries
 * h->reply_msgid) with its "next" filled in, or "apply.pending". */
static int
answer_complete(struct hctx *h, struct application *a, const struct programme *prog, const struct who *w,
		struct app_form *f, const char *saved_s)
{
	int pending;
	hctx_reply(h, "apply.complete", "programme", prog->name, "saved", saved_s, "next", "", NULL);
	/* the answer was queued first (it carries h->reply_msgid); fill in its last variable now */
	int rc = complete(h, a, prog, w, f, &pending);
	if (rc != DB_OK)
		return rc;
	struct reply *r = &h->replies[0];
	if (pending) {
		free(r->key);
		r->key = xstrdup("apply.pending");
		return rc;
	}
	char *nx = ap_next_text(h, h->lang, a->role);
	for (size_t i = 0; i + 1 < r->nvars; i += 2)
		if (strcmp(r->vars[i], "next") == 0) {
			free(r->vars[i + 1]);
			r->vars[i + 1] = nx;
			nx = NULL;
		}
	free(nx);
	return rc;
}

/* The answer to a form reply once its values are stored (rc: how that went):
 * what was saved, what is missing or wrong (itself the next form), or
 * complete. */
static int
answer_form(struct hctx *h, struct application *a, const struct programme *prog, const struct who *w,
	    struct app_form *f, const struct buf *saved, const struct buf *inv, int rc)
{
	char *lines, *sent, *hints, *missing;
	ap_form_render(h, h->lang, f, &lines, &sent, &hints, &missing);
	struct buf prob = BUF_INIT;
	if (*missing) {
		char *m = hctx_text(h, "apply.problem.missing", "fields", missing, NULL);
		buf_addf(&prob, "%s", m);
		free(m);
	}
	if (inv->len) {
		char *m = hctx_text(h, "apply.problem.invalid", "items", inv->p, NULL);
		buf_addf(&prob, "%s%s", prob.len ? "\n" : "", m);
		free(m);
	}
	char *saved_s = saved->len ? xstrdup(saved->p) : hctx_text(h, "apply.nothing_saved", NULL);
	char *prob_s = xstrdup(prob.p ? prob.p : "");
	int open_app = strcmp(a->status, "incomplete") == 0;
	if (open_app && (*missing || inv->len)) {
		/* one answer naming what is missing or wrong, which is itself the next form */
		hctx_reply(h, "apply.incomplete", "saved", saved_s, "problems", prob_s, "hints", hints, "lines", lines,
			   NULL);
		rc = state_application_set_form(h->db, a->id, h->reply_msgid, sent);
	} else if (open_app) {
		rc = answer_complete(h, a, prog, w, f, saved_s);
	} else {
		hctx_reply(h, "apply.updated", "saved", saved_s, "problems", prob_s, NULL);
		if (rc == DB_OK)
			rc = state_application_set_form(h->db, a->id, h->reply_msgid, sent);
	}
	free(saved_s);
	free(prob_s);
	buf_free(&prob);
	free(lines);
	free(sent);
	free(hints);
	free(missing);
	return rc;
}

int
h_apply_mail_reply(struct hctx *h, const char *new_text, const char *full_text)
{
	(void)new_text;
	struct application a;
	int rc = form_of_reply(h, &a);
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? 1 : rc;
	if (a.person_id != h->person.id) {
		application_free(&a);
		return 1; /* somebody else's form: not theirs to fill in */
	}
	char *val[NFIELDS] = {0};
	if (!ap_changed_values(h, &a, full_text, val)) {
		application_free(&a);
		return 1; /* no form lines: an ordinary mail, the dispatcher goes on */
	}
	struct programme prog;
	struct who w;
	struct app_form f = {0};
	if ((rc = state_programme_get(h->db, a.programme, &prog)) != DB_OK) {
		application_free(&a);
		for (size_t i = 0; i < NFIELDS; i++)
			free(val[i]);
		return rc == DB_NOTFOUND ? DB_ERR : rc;
	}
	if ((rc = who_load(h, a.person_id, &w)) != DB_OK)
		goto out_prog;
	ap_form_fields(&f, a.role, prog.questions);
	struct buf saved = BUF_INIT, inv = BUF_INIT;
	rc = save_values(h, a.person_id, &f, val, &saved, &inv);
	if (rc == DB_OK && (rc = ap_form_load(h, a.person_id, &f)) == DB_OK)
		rc = answer_form(h, &a, &prog, &w, &f, &saved, &inv, rc);
	buf_free(&saved);
	buf_free(&inv);
	ap_form_free(&f);
	who_free(&w);
out_prog:
	programme_free(&prog);
	application_free(&a);
	for (size_t i = 0; i < NFIELDS; i++)
		free(val[i]);
	return db_failed(rc) ? rc : 0;
}

/* After a "profile" change: complete every incomplete application of the
 * sender whose required fields are now all there.  *note gets the news for
 * the profile answer ("" if none); staff are told as usual. */
int
h_apply_recheck(struct hctx *h, char **note)
{
	struct application *v;
	size_t n;
	struct buf out = BUF_INIT;
	int rc = state_applications(h->db, "incomplete", NULL, &v, &n);
	for (size_t i = 0; i < n && rc == DB_OK; i++) {
		if (v[i].person_id != h->person.id)
			continue;
		struct programme prog;
		struct who w;
		struct app_form f = {0};
		if ((rc = state_programme_get(h->db, v[i].programme, &prog)) != DB_OK)
			break;
		if ((rc = who_load(h, v[i].person_id, &w)) != DB_OK) {
			programme_free(&prog);
			break;
		}
		ap_form_fields(&f, v[i].role, prog.questions);
		if ((rc = ap_form_load(h, v[i].person_id, &f)) == DB_OK) {
			char *lines, *sent, *hints, *missing;
			ap_form_render(h, h->lang, &f, &lines, &sent, &hints, &missing);
			int pending;
			if (!*missing && (rc = complete(h, &v[i], &prog, &w, &f, &pending)) == DB_OK) {
				char *next = ap_next_text(h, h->lang, v[i].role);
				char *summary = ap_profile_summary(h, &f);
				char *t = hctx_text(h, pending ? "apply.pending" : "apply.complete", "programme",
						    prog.name, "saved", summary, "next", next, NULL);
				buf_addf(&out, "\n%s", t);
				free(t);
				free(summary);
				free(next);
			}
			free(lines);
			free(sent);
			free(hints);
			free(missing);
		}
		ap_form_free(&f);
		who_free(&w);
		programme_free(&prog);
	}
	applications_free(v, n);
	*note = out.len ? buf_detach(&out) : xstrdup("");
	buf_free(&out);
	return rc;
}

const struct tmpl_key tmpl_keys_apply[] = {
	{"apply.next.profile", ""},
	{"apply.next.mentee", ""},
	{"apply.next.mentor", ""},
	{"apply.label.name", ""},
	{"apply.label.field", ""},
	{"apply.label.topics", ""},
	{"apply.label.languages", ""},
	{"apply.label.goals", ""},
	{"apply.label.availability", ""},
	{"apply.label.city", ""},
	{"apply.label.company", ""},
	{"apply.label.capacity", ""},
	{"apply.label.visible", ""},
	{"apply.form.line", "label,value"},
	{"apply.form", "hints,lines"},
	{"apply.hint.capacity", ""},
	{"apply.hint.visible", ""},
	{"apply.form.chat", "missing,mailnote"},
	{"apply.form.chat_mailed", "address"},
	{"apply.form_mail", "programme,form"},
	{"apply.form_mail.subject", "programme,form"},
	{"apply.pending_note", ""},
	{"apply.incomplete", "saved,problems,hints,lines"},
	{"apply.problem.missing", "fields"},
	{"apply.problem.invalid", "items"},
	{"apply.invalid_item", "field,value,why"},
	{"apply.why.capacity", ""},
	{"apply.why.too_long", ""},
	{"apply.why.visible", ""},
	{"apply.why.empty", ""},
	{"apply.nothing_saved", ""},
	{"apply.complete", "programme,saved,next"},
	{"apply.pending", "programme,saved,next"},
	{"apply.updated", "saved,problems"},
	{"apply.staff_notice", "id,name,address,programme,role,profile"},
	{"apply.staff_notice.subject", "id,name,address,programme,role,profile"},
	{"apply.approved", "programme,next,reason"},
	{"apply.approved.subject", "programme,next,reason"},
	{"apply.rejected", "programme,next,reason"},
	{"apply.rejected.subject", "programme,next,reason"},
	{"apply.reason_line", "reason"},
	{"apply.staff.approved", "id,name,programme"},
	{"apply.staff.rejected", "id,name,programme"},
	{"apply.staff.unknown", "id"},
	{"apply.staff.not_pending", "id,status"},
	{"apply.pending_list", "count,list"},
	{"apply.pending_item", "id,name,address,programme,role,since,profile"},
	{"apply.pending_none", ""},
	{"apply.status.incomplete", ""},
	{"apply.status.pending", ""},
	{"apply.status.approved", ""},
	{"apply.status.rejected", ""},
	{"status.rejected", ""},
	{"programme.list", "list"},
	{"programme.item", "slug,name,policy,days,questions"},
	{"programme.added", "slug,name,policy,days"},
	{"programme.usage", ""},
	{"programme.call.opened", "slug,name,until,posts"},
	{"programme.call.until", "until"},
	{"programme.call.closed", "slug,name"},
	{"programme.call.none", "slug,name"},
	{"programme.hashtags", "slug,tags"},
	{"programme.unknown", "slug,programmes"},
	{"programme.bad_slug", "slug"},
	{"cmd.pending", ""},
	{"cmd.pending.short", ""},
	{"cmd.approve", ""},
	{"cmd.approve.short", ""},
	{"cmd.reject", ""},
	{"cmd.reject.short", ""},
	{"cmd.programme", ""},
	{"cmd.programme.short", ""},
	{NULL, NULL},
};
