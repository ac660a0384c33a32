/*
 * h_apply.c - applications: the fill-in form after "join", its reply, the
 * staff decision under policy "approve" (pending / approve / reject, in
 * h_apply_staff.c).  The staff command "programme" is in h_programme.c.
 *
 * The form is a block of "Label: value" lines in the person's language,
 * prefilled with what the profile holds.  What was sent is stored with the
 * form's Message-ID, so a reply - typed above the quote, or filled in
 * inside the quoted form ("> Topics: …") - changes only the values the
 * person changed; lines they left as sent count for nothing.  Labels are
 * understood in both languages and as the profile's field names.
 *
 * Why one file (~830 lines, just over the ~800 house limit): building the
 * form ("join", the recheck after "profile") and reading its reply are one
 * concern - the reply is read against the very form that was rendered.
 * Both halves share the field table (ap_fields), the labels in both
 * languages (ap_label_in, apply_labels_*, field_of_label), ap_form_render,
 * sent_value and complete(); splitting would turn all of those into
 * cross-file interface just to get under the limit.  Programme
 * administration and the staff decision already live in h_programme.c and
 * h_apply_staff.c.
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

/* Every field a form can carry, in form order. */
static const char *const ap_fields[] = {"name",         "field", "topics",  "languages", "goals",
					"availability", "city",  "company", "capacity",  "visible"};
_Static_assert(ARRAY_LEN(ap_fields) == NFIELDS, "NFIELDS in h_apply.h counts ap_fields");

/* The fields a mentor states (the first three are required). */
static const char *const mentor_fields[] = {"capacity", "topics", "languages", "field", "availability", "company"};
#define MENTOR_REQUIRED 3

int
h_apply_field_index(const char *f)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (strcmp(ap_fields[i], f) == 0)
			return (int)i;
	return -1;
}

static int
is_form_role(const char *role)
{
	return strcmp(role, "mentee") == 0 || strcmp(role, "mentor") == 0;
}

void
ap_form_free(struct app_form *f)
{
	for (size_t i = 0; i < NFIELDS; i++)
		free(f->value[i]);
	memset(f, 0, sizeof *f);
}

/* Which fields the role's form asks, from the programme's questions. */
void
ap_form_fields(struct app_form *f, const char *role, const char *questions)
{
	if (strcmp(role, "mentor") == 0) {
		for (size_t i = 0; i < ARRAY_LEN(mentor_fields); i++) {
			int k = h_apply_field_index(mentor_fields[i]);
			f->asked[k] = 1;
			f->required[k] = i < MENTOR_REQUIRED;
		}
	} else {
		char *qs = xstrdup(questions ? questions : "");
		for (char *c = qs; *c; c++)
			if (*c == ',')
				*c = ' ';
		char **q;
		int n = words_split(qs, &q, 32);
		free(qs);
		for (int i = 0; i < n; i++) {
			char *w = q[i];
			size_t l = strlen(w);
			while (l && w[l - 1] == ',')
				w[--l] = '\0';
			int k = h_apply_field_index(w);
			if (k >= 0 && strcmp(w, "visible") != 0 && strcmp(w, "capacity") != 0)
				f->asked[k] = f->required[k] = 1;
		}
		words_free(q, n);
	}
	f->asked[h_apply_field_index("visible")] = 1;
}

/* Load the person's profile values into f. */
int
ap_form_load(struct hctx *h, int64_t person, struct app_form *f)
{
	struct profile_field *pf;
	size_t n;
	int rc = state_profile(h->db, person, &pf, &n);
	if (rc != DB_OK)
		return rc;
	struct buf vis = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		int k = h_apply_field_index(pf[i].field);
		if (k < 0 || strcmp(pf[i].field, "visible") == 0)
			continue;
		free(f->value[k]);
		f->value[k] = pf[i].value ? xstrdup(pf[i].value) : NULL;
		if (pf[i].visible && pf[i].value && strcmp(pf[i].field, "name") != 0)
			buf_addf(&vis, "%s%s", vis.len ? ", " : "", pf[i].field);
	}
	profile_free(pf, n);
	f->value[h_apply_field_index("visible")] = buf_detach(&vis);
	return DB_OK;
}

static char *
ap_label_in(const struct hctx *h, const char *lang, const char *field)
{
	char *key = xasprintf("apply.label.%s", field);
	char *l = hctx_text_in(h, lang, key, NULL);
	free(key);
	return l;
}

/* The application form's labels for the form reader (bot/form.h): each field
 * by its name and by its label in English and German, folded. */
struct apply_labels {
	struct form_label l[NFIELDS * 3];
	char *own[NFIELDS * 2];
	struct form_spec spec;
};

static void
apply_labels_make(const struct hctx *h, struct apply_labels *al)
{
	size_t n = 0, o = 0;
	for (size_t i = 0; i < NFIELDS; i++) {
		al->l[n++] = (struct form_label){ap_fields[i], (int)i};
		for (int g = 0; g < 2; g++) {
			char *lab = ap_label_in(h, g ? "de" : "en", ap_fields[i]);
			al->own[o] = cmd_fold(lab);
			free(lab);
			al->l[n++] = (struct form_label){str_trim(al->own[o++]), (int)i};
		}
	}
	/* quoted lines count; a colon more than 40 bytes in is prose; "Topics*:" marks a required field */
	al->spec = (struct form_spec){al->l, n, 1, 40, 1};
}

static void
apply_labels_free(struct apply_labels *al)
{
	for (size_t i = 0; i < NFIELDS * 2; i++)
		free(al->own[i]);
}

/* The field a label names, in either language or by its field name; -1 if none. */
static int
field_of_label(const struct hctx *h, const char *text)
{
	struct apply_labels al;
	apply_labels_make(h, &al);
	int k = form_label_find(&al.spec, text, strlen(text));
	apply_labels_free(&al);
	return k;
}

/* "visible" values are field names; show them as labels in lang. */
static char *
visible_labels(const struct hctx *h, const char *lang, const char *names)
{
	struct buf b = BUF_INIT;
	char **w;
	int n = words_split(names ? names : "", &w, 16);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(w[i]);
		while (l && w[i][l - 1] == ',')
			w[i][--l] = '\0';
		if (h_apply_field_index(w[i]) < 0)
			continue;
		char *lab = ap_label_in(h, lang, w[i]);
		buf_addf(&b, "%s%s", b.len ? ", " : "", lab);
		free(lab);
	}
	words_free(w, n);
	return buf_detach(&b);
}

/* The form's lines, the stored "field=value" record of them, the hints, and the missing labels. */
static void
ap_form_render(struct hctx *h, const char *lang, const struct app_form *f, char **lines, char **sent, char **hints,
	       char **missing)
{
	struct buf lb = BUF_INIT, sb = BUF_INIT, hb = BUF_INIT, mb = BUF_INIT;
	for (size_t i = 0; i < NFIELDS; i++) {
		if (!f->asked[i])
			continue;
		char *lab = ap_label_in(h, lang, ap_fields[i]);
		char *shown = strcmp(ap_fields[i], "visible") == 0 ? visible_labels(h, lang, f->value[i])
								   : xstrdup(f->value[i] ? f->value[i] : "");
		char *line = hctx_text_in(h, lang, "apply.form.line", "label", lab, "value", shown, NULL);
		/* a template line ends without the value's trailing space: strip it for clean quoting */
		char *tl = str_trim(line);
		buf_addf(&lb, "%s%s", lb.len ? "\n" : "", tl);
		buf_addf(&sb, "%s=%s\n", ap_fields[i], shown);
		if (f->required[i] && (!f->value[i] || !*f->value[i]))
			buf_addf(&mb, "%s%s", mb.len ? ", " : "", lab);
		if (strcmp(ap_fields[i], "capacity") == 0 || strcmp(ap_fields[i], "visible") == 0) {
			char *key = xasprintf("apply.hint.%s", ap_fields[i]);
			char *hint = hctx_text_in(h, lang, key, NULL);
			buf_addf(&hb, "%s%s", hb.len ? "\n" : "", hint);
			free(hint);
			free(key);
		}
		free(line);
		free(shown);
		free(lab);
	}
	*lines = buf_detach(&lb);
	*sent = buf_detach(&sb);
	*hints = buf_detach(&hb);
	*missing = buf_detach(&mb);
}

/* The value sent for field in a stored form record, or "" (pointer into a copy the caller frees). */
static char *
sent_value(const char *sent, const char *field)
{
	size_t fl = strlen(field);
	for (const char *p = sent ? sent : ""; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n > fl && strncmp(p, field, fl) == 0 && p[fl] == '=')
			return xstrndup(p + fl + 1, n - fl - 1);
		p = e ? e + 1 : p + n;
	}
	return xstrdup("");
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

/* "field: value" lines of the profile fields a form asks, for staff. Caller frees. */
char *
ap_profile_summary(struct hctx *h, const struct app_form *f)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < NFIELDS; i++) {
		if (!f->asked[i] || !f->value[i] || !*f->value[i])
			continue;
		char *lab = ap_label_in(h, h->lang, ap_fields[i]);
		buf_addf(&b, "%s%s: %s", b.len ? "; " : "", lab, f->value[i]);
		free(lab);
	}
	return buf_detach(&b);
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
		const char *s = h->cfg->bot.staff.v[i];
		const char *kind = "mail", *to = s;
		if (strncmp(s, "xmpp:", 5) == 0)
			kind = "xmpp", to = s + 5;
		else if (strncmp(s, "matrix:", 7) == 0)
			kind = "matrix", to = s + 7;
		else if (strchr(s, ':'))
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

/* Parse "visible" labels into field names.  NULL and *bad set when a name is unknown. */
static char *
ap_parse_visible(struct hctx *h, const char *value, char **bad)
{
	struct buf b = BUF_INIT;
	*bad = NULL;
	char *copy = xstrdup(value);
	for (char *save = NULL, *tok = strtok_r(copy, ",;", &save); tok; tok = strtok_r(NULL, ",;", &save)) {
		char *t = str_trim(tok);
		if (!*t)
			continue;
		int k = field_of_label(h, t);
		if (k < 0 || strcmp(ap_fields[k], "visible") == 0 || strcmp(ap_fields[k], "name") == 0) {
			*bad = xstrdup(t);
			break;
		}
		if (!strstr(b.p ? b.p : "", ap_fields[k]))
			buf_addf(&b, "%s%s", b.len ? "," : "", ap_fields[k]);
	}
	free(copy);
	if (*bad) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
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

/* Per field, the first value of a form line in full_text that differs from
 * what was sent: typed text first, then the quoted form.  val[k]: caller
 * frees.  Returns how many form lines there were. */
static int
ap_changed_values(struct hctx *h, const struct application *a, const char *full_text, char *val[NFIELDS])
{
	int seen = 0;
	struct apply_labels al;
	apply_labels_make(h, &al);
	for (int pass = 0; pass < 2; pass++) {
		const char *p = full_text;
		struct form_line fl;
		int r;
		while ((r = form_next(&p, &al.spec, &fl)) >= 0) {
			if (r == 0 || fl.quoted != pass)
				continue;
			seen++;
			char *v = xstrndup(fl.value, fl.len);
			char *tv = str_trim(v);
			char *was = sent_value(a->form_sent, ap_fields[fl.field]);
			if (!val[fl.field] && strcmp(tv, was) != 0)
				val[fl.field] = xstrdup(tv);
			free(was);
			free(v);
		}
	}
	apply_labels_free(&al);
	return seen;
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
