/*
 * h_apply_form.c - the application form itself: the fields a form can carry,
 * which of them a role is asked, their labels in both languages, the form
 * rendered as text, and the lines of a reply read back.  h_apply.c sends the
 * form and acts on the reply; staff see the values through
 * ap_profile_summary().
 *
 * The form is a block of "Label: value" lines in the person's language,
 * prefilled with what the profile holds.  What was sent is stored with the
 * form's Message-ID, so a reply - typed above the quote, or filled in
 * inside the quoted form ("> Topics: …") - changes only the values the
 * person changed; lines they left as sent count for nothing.  Labels are
 * understood in both languages and as the profile's field names.
 */
#include <stdlib.h>
#include <string.h>

#include "bot/commands.h"
#include "bot/form.h"
#include "bot/mailcmd.h"
#include "bot/util.h"
#include "handlers/h_apply.h"
#include "handlers/handlers.h"
#include "state/applications.h"

/* Every field a form can carry, in form order. */
const char *const ap_fields[] = {"name",         "field", "topics",  "languages", "goals",
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

char *
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
void
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

/* Parse "visible" labels into field names.  NULL and *bad set when a name is unknown. */
char *
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

/* Per field, the first value of a form line in full_text that differs from
 * what was sent: typed text first, then the quoted form.  val[k]: caller
 * frees.  Returns how many form lines there were. */
int
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
