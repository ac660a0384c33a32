/*
 * h_event_form.c - the staff's event form: "Field: value" lines (read by
 * bot/form.h against the label table here), checked and applied to an event,
 * with one line per problem and per change.  Runs inside the caller's
 * transaction.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/commands.h"
#include "bot/config.h"
#include "bot/form.h"
#include "bot/ical.h"
#include "bot/keyed.h"
#include "bot/mime.h"
#include "bot/post.h"
#include "bot/rsvp_text.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "bot/when.h"
#include "bot/words.h"
#include "handlers/h_event.h"
#include "handlers/h_event_int.h"
#include "handlers/handlers.h"
#include "state/events.h"

/* ---- staff: the form ---- */

static const struct {
	const char *en, *de; /* the names shown (en, de) */
} fields[F_N] = {
	[F_TITLE] = {"Title", "Titel"},
	[F_DATE] = {"Date", "Datum"},
	[F_START] = {"Start", "Beginn"},
	[F_END] = {"End", "Ende"},
	[F_PLACE] = {"Place", "Ort"},
	[F_URL] = {"Online", "Link"},
	[F_CAPACITY] = {"Capacity", "Plätze"},
	[F_AUDIENCE] = {"Audience", "Zielgruppe"},
	[F_DESC] = {"Description", "Beschreibung"},
	[F_PUBLIC] = {"Public", "Öffentlich"},
	[F_GUESTS] = {"Guests", "Gäste"},
	[F_CLAIM] = {"Claim hours", "Frist"},
	[F_REMIND] = {"Remind hours", "Erinnerung"},
	[F_HASHTAGS] = {"Hashtags", "Hashtags"},
};

/* The names accepted in a form line (folded), as data for the form reader. */
static const struct form_label labels[] = {
	{"title", F_TITLE},
	{"titel", F_TITLE},
	{"name", F_TITLE},
	{"date", F_DATE},
	{"datum", F_DATE},
	{"day", F_DATE},
	{"tag", F_DATE},
	{"start", F_START},
	{"beginn", F_START},
	{"time", F_START},
	{"zeit", F_START},
	{"uhrzeit", F_START},
	{"von", F_START},
	{"end", F_END},
	{"ende", F_END},
	{"bis", F_END},
	{"until", F_END},
	{"place", F_PLACE},
	{"ort", F_PLACE},
	{"location", F_PLACE},
	{"raum", F_PLACE},
	{"room", F_PLACE},
	{"where", F_PLACE},
	{"online", F_URL},
	{"link", F_URL},
	{"url", F_URL},
	{"capacity", F_CAPACITY},
	{"plätze", F_CAPACITY},
	{"plaetze", F_CAPACITY},
	{"kapazität", F_CAPACITY},
	{"seats", F_CAPACITY},
	{"places", F_CAPACITY},
	{"audience", F_AUDIENCE},
	{"zielgruppe", F_AUDIENCE},
	{"for", F_AUDIENCE},
	{"für", F_AUDIENCE},
	{"description", F_DESC},
	{"beschreibung", F_DESC},
	{"text", F_DESC},
	{"public", F_PUBLIC},
	{"öffentlich", F_PUBLIC},
	{"oeffentlich", F_PUBLIC},
	{"guests", F_GUESTS},
	{"gäste", F_GUESTS},
	{"gaeste", F_GUESTS},
	{"begleitung", F_GUESTS},
	{"claim", F_CLAIM},
	{"claim hours", F_CLAIM},
	{"frist", F_CLAIM},
	{"claim-hours", F_CLAIM},
	{"remind", F_REMIND},
	{"reminder", F_REMIND},
	{"remind hours", F_REMIND},
	{"erinnerung", F_REMIND},
	{"remind-hours", F_REMIND},
	{"hashtags", F_HASHTAGS},
};

static const struct form_spec event_form = {labels, ARRAY_LEN(labels), 0, 0, 0};

void
ev_form_free(struct ev_form *f)
{
	for (int i = 0; i < F_N; i++)
		free(f->v[i]);
	memset(f, 0, sizeof *f);
}

const char *
ev_field_name(int i, const char *lang)
{
	return ev_lang_de(lang) ? fields[i].de : fields[i].en;
}

/* Read "Field: value" lines of text into f (unknown names are ignored; a later line wins). */
void
ev_form_read(struct ev_form *f, const char *text)
{
	const char *p = text ? text : "";
	struct form_line l;
	int r;
	while ((r = form_next(&p, &event_form, &l)) >= 0) {
		if (r == 0)
			continue;
		char *raw = xstrndup(l.value, l.len);
		free(f->v[l.field]);
		f->v[l.field] = str_one_line(raw, DESC_MAX);
		f->n++;
		free(raw);
	}
}

/* A non-negative number or "unlimited"-like word (0); -1 when invalid. */
static int
parse_count(const char *s)
{
	char *f = cmd_fold(s), *t = str_trim(f);
	int r = -1;
	if (!*t || strcmp(t, "-") == 0 || strcmp(t, "unlimited") == 0 || strcmp(t, "unbegrenzt") == 0 ||
	    strcmp(t, "none") == 0 || strcmp(t, "keine") == 0 || strcmp(t, "no") == 0 || strcmp(t, "nein") == 0) {
		r = 0;
	} else {
		char *end;
		long v = strtol(t, &end, 10);
		if (end != t && !*end && v >= 0 && v <= 1000000)
			r = (int)v;
	}
	free(f);
	return r;
}

/* yes/ja/true/1 → 1, no/nein/false/0 → 0, else -1. */
static int
parse_bool(const char *s)
{
	enum words_answer a = words_is(s, WORDS_BOOL);
	return a == WORDS_YES ? 1 : a == WORDS_NO ? 0 : -1;
}

static void
ev_problem(struct hctx *h, struct buf *b, const char *key, int field, const char *value)
{
	char *l = hctx_text(h, key, "field", ev_field_name(field, h->lang), "value", value ? value : "", NULL);
	buf_addf(b, "%s%s", b->len ? "\n" : "", l);
	free(l);
}

/* Set one string field from the form. */
static void
set_str(char **dst, const char *v, size_t max)
{
	free(*dst);
	*dst = v && *v && strcmp(v, "-") != 0 ? str_one_line(v, max) : NULL;
}

/* Date, start and end of form f into ev (the duration kept unless the form
 * gives one or an end), or a problem per bad value. */
static void
form_apply_when(struct hctx *h, const struct ev_form *f, struct event *ev, int is_new, struct buf *probs)
{
	int old_dur = (int)(ev->end - ev->start);
	if (f->v[F_DATE] || f->v[F_START] || f->v[F_END]) {
		char date[32], tm[16], d2[32], endt[16];
		ev_date_time(ev->start, "en", date, tm);
		ev_date_time(ev->end, "en", d2, endt);
		const char *ds = f->v[F_DATE] ? f->v[F_DATE] : date, *ts = f->v[F_START] ? f->v[F_START] : tm;
		if (!is_new || (f->v[F_DATE] && f->v[F_START])) {
			char *s = xasprintf("%s %s", ds, ts);
			struct when w;
			int wr = when_parse(s, now_s(), &w);
			free(s);
			if (wr != WHEN_OK) {
				int which = wr == WHEN_ERR_TIME || wr == WHEN_ERR_NO_SUCH_TIME ? F_START : F_DATE;
				ev_problem(h, probs,
					   wr == WHEN_ERR_PAST ? "event.problem.past" : "event.problem.invalid", which,
					   which == F_START ? ts : ds);
			} else {
				int64_t end = 0;
				int dur = is_new ? DEFAULT_HOURS * 3600 : old_dur;
				if (w.minutes_given)
					dur = w.minutes * 60;
				end = w.start + dur;
				if (f->v[F_END]) {
					char *e = xasprintf("%s %s", ds, f->v[F_END]);
					struct when we;
					/* "now" one day before the start: the end may not be "in the past" of it */
					int er = when_parse(e, w.start - 86400, &we);
					free(e);
					if (er != WHEN_OK || we.start <= w.start)
						ev_problem(h, probs, "event.problem.invalid", F_END, f->v[F_END]);
					else
						end = we.start;
				}
				ev->start = w.start;
				ev->end = end;
			}
		}
	}
}

/* The other fields of form f into ev, or a problem per bad value. */
static void
form_apply_values(struct hctx *h, const struct ev_form *f, struct event *ev, struct buf *probs)
{
	if (f->v[F_PLACE])
		set_str(&ev->place, f->v[F_PLACE], PLACE_MAX);
	if (f->v[F_URL]) {
		const char *u = f->v[F_URL];
		if (*u && strcmp(u, "-") != 0 &&
		    (strchr(u, ' ') || (strncasecmp(u, "http://", 7) != 0 && strncasecmp(u, "https://", 8) != 0)))
			ev_problem(h, probs, "event.problem.invalid", F_URL, u);
		else
			set_str(&ev->url, u, URL_MAX);
	}
	if (f->v[F_DESC])
		set_str(&ev->description, f->v[F_DESC], DESC_MAX);
	if (f->v[F_CAPACITY]) {
		int c = parse_count(f->v[F_CAPACITY]);
		if (c < 0)
			ev_problem(h, probs, "event.problem.invalid", F_CAPACITY, f->v[F_CAPACITY]);
		else
			ev->capacity = c;
	}
	if (f->v[F_GUESTS]) {
		int c = parse_count(f->v[F_GUESTS]);
		if (c < 0 || c > 20)
			ev_problem(h, probs, "event.problem.invalid", F_GUESTS, f->v[F_GUESTS]);
		else
			ev->guests = c;
	}
	if (f->v[F_CLAIM]) {
		int c = parse_count(f->v[F_CLAIM]);
		if (c < 0 || c > 24 * 30)
			ev_problem(h, probs, "event.problem.invalid", F_CLAIM, f->v[F_CLAIM]);
		else
			ev->claim_hours = c;
	}
	if (f->v[F_REMIND]) {
		int c = parse_count(f->v[F_REMIND]);
		if (c < 0 || c > 24 * 60)
			ev_problem(h, probs, "event.problem.invalid", F_REMIND, f->v[F_REMIND]);
		else
			ev->remind_hours = c;
	}
	if (f->v[F_PUBLIC]) {
		int b = parse_bool(f->v[F_PUBLIC]);
		if (b < 0)
			ev_problem(h, probs, "event.problem.invalid", F_PUBLIC, f->v[F_PUBLIC]);
		else
			ev->is_public = b;
	}
	if (f->v[F_AUDIENCE]) {
		char *a = cmd_fold(f->v[F_AUDIENCE]), *t = str_trim(a);
		if (strcmp(t, "alle") == 0 || strcmp(t, "everyone") == 0)
			t = "all";
		if (!*t || !ev_audience_exists(h, t)) {
			ev_problem(h, probs, "event.problem.audience", F_AUDIENCE, f->v[F_AUDIENCE]);
		} else {
			free(ev->audience);
			ev->audience = xstrdup(t);
		}
		free(a);
	}
}

/* One "what changed" line per field of ev that differs from old (whose strings
 * are the o_* copies: old's own may be freed) into *changes. */
static void
form_changes(struct hctx *h, const struct event *old, const char *o_title, const char *o_place, const char *o_url,
	     const char *o_desc, const char *o_aud, const struct event *ev, struct buf *changes)
{
	struct {
		int field;
		const char *a, *b;
	} str[] = {{F_TITLE, o_title, ev->title},
		   {F_PLACE, o_place, ev->place},
		   {F_URL, o_url, ev->url},
		   {F_DESC, o_desc, ev->description},
		   {F_AUDIENCE, o_aud, ev->audience}};
	char *none = hctx_text(h, "event.none", NULL);
	for (size_t i = 0; i < ARRAY_LEN(str); i++) {
		const char *a = str[i].a ? str[i].a : "", *b = str[i].b ? str[i].b : "";
		if (strcmp(a, b) == 0)
			continue;
		char *l = hctx_text(h, "event.change.line", "field", ev_field_name(str[i].field, h->lang), "old",
				    *a ? a : none, "new", *b ? b : none, NULL);
		buf_addf(changes, "%s%s", changes->len ? "\n" : "", l);
		free(l);
	}
	if (old->start != ev->start || old->end != ev->end) {
		char *w1 = ev_when(h, old, h->lang), *w2 = ev_when(h, ev, h->lang);
		char *l = hctx_text(h, "event.change.line", "field", ev_field_name(F_DATE, h->lang), "old", w1, "new",
				    w2, NULL);
		buf_addf(changes, "%s%s", changes->len ? "\n" : "", l);
		free(l);
		free(w1);
		free(w2);
	}
	struct {
		int field, a, b;
	} num[] = {{F_CAPACITY, old->capacity, ev->capacity},
		   {F_GUESTS, old->guests, ev->guests},
		   {F_PUBLIC, old->is_public, ev->is_public},
		   {F_CLAIM, old->claim_hours, ev->claim_hours},
		   {F_REMIND, old->remind_hours, ev->remind_hours}};
	for (size_t i = 0; i < ARRAY_LEN(num); i++) {
		if (num[i].a == num[i].b)
			continue;
		char a[16], b[16];
		snprintf(a, sizeof a, "%d", num[i].a);
		snprintf(b, sizeof b, "%d", num[i].b);
		char *l = hctx_text(h, "event.change.line", "field", ev_field_name(num[i].field, h->lang), "old", a,
				    "new", b, NULL);
		buf_addf(changes, "%s%s", changes->len ? "\n" : "", l);
		free(l);
	}
	free(none);
}

/*
 * Apply form f to ev (a new event when is_new: title, date and start are
 * required).  Problems are appended to *probs (one line each); *changes gets
 * one "what changed" line per field that differs (may be NULL).
 */
void
ev_form_apply(struct hctx *h, const struct ev_form *f, struct event *ev, int is_new, struct buf *probs,
	      struct buf *changes)
{
	struct event old = *ev;
	/* the strings of old stay owned by ev until replaced; compare before freeing */
	char *o_title = xstrdup(ev->title), *o_place = xstrdup(ev->place), *o_url = xstrdup(ev->url);
	char *o_desc = xstrdup(ev->description), *o_aud = xstrdup(ev->audience);
	if (f->v[F_TITLE]) {
		if (!*f->v[F_TITLE])
			ev_problem(h, probs, "event.problem.invalid", F_TITLE, f->v[F_TITLE]);
		else
			set_str(&ev->title, f->v[F_TITLE], TITLE_MAX);
	}
	if (is_new && (!ev->title || !*ev->title))
		ev_problem(h, probs, "event.problem.missing", F_TITLE, NULL);
	if (is_new && !f->v[F_DATE])
		ev_problem(h, probs, "event.problem.missing", F_DATE, NULL);
	if (is_new && !f->v[F_START])
		ev_problem(h, probs, "event.problem.missing", F_START, NULL);
	form_apply_when(h, f, ev, is_new, probs);
	form_apply_values(h, f, ev, probs);
	if (!ev->audience)
		ev->audience = xstrdup("all");
	if (changes)
		form_changes(h, &old, o_title, o_place, o_url, o_desc, o_aud, ev, changes);
	free(o_title);
	free(o_place);
	free(o_url);
	free(o_desc);
	free(o_aud);
}
