/*
 * h_apply.h - what the files of the application handler share: h_apply.c
 * (join, the form's reply, recheck), h_apply_form.c (the form: fields,
 * labels, rendering, reading), the staff decision (h_apply_staff.c) and
 * the staff command "programme" (h_programme.c).  Not for other handlers.
 */
#ifndef MB_H_APPLY_H
#define MB_H_APPLY_H

#include <stdint.h>

#include "handlers/handlers.h"
#include "state/applications.h"

#define VALUE_MAX 500
#define CAPACITY_MAX 20
#define NFIELDS 10 /* the fields a form can carry (ap_fields in h_apply_form.c) */

/* The form of one application: which fields, which required, their values. */
struct app_form {
	int asked[NFIELDS];    /* shown in the form */
	int required[NFIELDS]; /* must be non-empty to complete */
	char *value[NFIELDS];  /* current value ("visible": comma list of field names) */
};

/* Every field a form can carry, in form order. */
extern const char *const ap_fields[NFIELDS];

/* The position of a profile field name ("topics", "visible", ...) in the
 * application form, or -1 when f names no field. */
int h_apply_field_index(const char *f);

/* Free the values of f and zero it. */
void ap_form_free(struct app_form *f);
/* Which fields the role's form asks, from the programme's questions. */
void ap_form_fields(struct app_form *f, const char *role, const char *questions);
/* Load the person's profile values into f. */
int ap_form_load(struct hctx *h, int64_t person, struct app_form *f);
/* The label of field in lang ("apply.label.<field>"). Caller frees. */
char *ap_label_in(const struct hctx *h, const char *lang, const char *field);
/* The form's lines, the stored "field=value" record of them, the hints, and the missing labels. */
void ap_form_render(struct hctx *h, const char *lang, const struct app_form *f, char **lines, char **sent, char **hints,
		    char **missing);
/* Parse "visible" labels into field names.  NULL and *bad set when a name is unknown. */
char *ap_parse_visible(struct hctx *h, const char *value, char **bad);
/* Per field, the first value of a form line in full_text that differs from
 * what was sent: typed text first, then the quoted form.  val[k]: caller
 * frees.  Returns how many form lines there were. */
int ap_changed_values(struct hctx *h, const struct application *a, const char *full_text, char *val[NFIELDS]);
/* The language w reads (their profile), else deflt. */
const char *ap_person_lang(const struct who *w, const char *deflt);
/* Tell a person something: by mail if they have a verified address, else in their first chat. */
void ap_tell(struct hctx *h, const struct who *w, const char *key, const char *programme, const char *next,
	     const char *reason);
/* "field: value" lines of the profile fields a form asks, for staff. Caller frees. */
char *ap_profile_summary(struct hctx *h, const struct app_form *f);
/* The line that tells what comes next once the application is approved. Caller frees. */
char *ap_next_text(struct hctx *h, const char *lang, const char *role);

#endif
