/*
 * h_mentoring.c - find a mentor, request one, and the mentor's answer:
 * "find mentor [words]", "request <n>", "accept <id>", "decline <id> [reason]",
 * a plain "ja/yes/nein/no" reply to the request mail, and the scheduler's
 * reminder and expiry of open requests (with the cascade to the mentee's
 * next suggestion).
 *
 * Like every handler these are pure functions over the state API: they run
 * inside the transaction the dispatcher (or the scheduler) opened and only
 * queue replies.  Text for a person other than the sender is rendered here
 * in that person's language and handed to a "mentoring.mail.*" or
 * "mentoring.chat" envelope template, so a German mentor reads German even
 * when an English mentee asked.
 *
 * Message-IDs: a request's mail is always moved to the front of the queued
 * replies, so it carries h->reply_msgid (the id the first reply gets); that
 * id is stored in request.mail_msgid and a plain reply to that mail answers
 * the request.  One run creates at most one request.
 *
 * Whole-cohort matching for staff: "match <programme>" shows the optimal
 * assignment (bot/match.c) of the programme's free mentees to its mentors'
 * free places; "match <programme> publish" (also from the CLI) recomputes it
 * in the transaction and sends each pair as an offer: a request row with
 * origin 'match' that both sides accept (mentee_ok, mentor_ok).  The pair
 * becomes a match when the second side accepts (capacity checked then, as for
 * a request); either side declining closes it and tells the other; reminder
 * and expiry run as for requests, but an expired offer does not cascade.
 * Offer mails carry stable Message-IDs "mb.offer<id>.<created>.<role>@domain"
 * (reply variable message_id), so a plain "yes"/"no" reply from either side
 * answers.  A pair that one side refused (declined or let expire) is not
 * suggested again; mentees with an open request or offer are left out.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bot/commands.h"
#include "bot/config.h"
#include "bot/match.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "bot/words.h"
#include "handlers/handlers.h"
#include "state/mentoring_extra.h"

#define FIND_SHOWN 5     /* suggestions shown */
#define FIND_STORED 20   /* suggestions kept for "request <n>" and the cascade */
#define LIST_MAX 32      /* items of a topic/language/availability list */

/* ---- small helpers ---- */

static void
fmt_date(int64_t t, const char *lang, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, strcmp(lang, "de") == 0 ? "%d.%m.%Y %H:%M UTC" : "%Y-%m-%d %H:%M UTC", &tm);
}

/* Split a profile value into trimmed items at any of seps.  Items point into *copy (caller frees). */
static size_t
split_items(const char *value, const char *seps, char **copy, const char **items, size_t max)
{
	size_t n = 0;
	*copy = xstrdup(value ? value : "");
	char *save = NULL;
	for (char *t = strtok_r(*copy, seps, &save); t && n < max; t = strtok_r(NULL, seps, &save)) {
		t = str_trim(t);
		if (*t)
			items[n++] = t;
	}
	return n;
}

/* "topics=3,language=2,field=1,availability=1[,query=3][,language_required=0]" */
static void
parse_weights(const char *s, struct match_weights *w)
{
	static const struct match_weights def = MATCH_WEIGHTS_DEFAULT;
	*w = def;
	char *copy;
	const char *items[16];
	size_t n = split_items(s, ",; ", &copy, items, 16);
	for (size_t i = 0; i < n; i++) {
		char name[32];
		int v;
		if (sscanf(items[i], "%31[a-z_]=%d", name, &v) != 2 || v < 0 || v > 1000)
			continue;
		if (!strcmp(name, "topics"))
			w->topics = v;
		else if (!strcmp(name, "language") || !strcmp(name, "languages"))
			w->language = v;
		else if (!strcmp(name, "field"))
			w->field = v;
		else if (!strcmp(name, "availability"))
			w->availability = v;
		else if (!strcmp(name, "query"))
			w->query = v;
		else if (!strcmp(name, "language_required"))
			w->language_required = v != 0;
	}
	free(copy);
}

/* ---- people as the handler sees them ---- */

static int
who_visible(const struct who *w, const char *field)
{
	return who_value(w, field, 1) != NULL;
}

/* The visible name, or "Person <id>" in lang.  Caller frees. */
static char *
who_name(const struct hctx *h, const struct who *w, const char *lang)
{
	const char *n = who_value(w, "name", 1);
	if (n)
		return xstrdup(n);
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)w->p.id);
	return hctx_text_in(h, lang, "mentoring.anonymous", "id", id, NULL);
}

/* Profile fields shown to others, in this order; only visible ones are ever shown. */
static const char *const shown_fields[] = {"field", "topics", "languages", "availability", "company", "city", "goals"};

/* The visible profile fields of w as lines in lang ("" if none).  Caller frees. */
static char *
who_details(const struct hctx *h, const struct who *w, const char *lang)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < ARRAY_LEN(shown_fields); i++) {
		const char *v = who_value(w, shown_fields[i], 1);
		if (!v)
			continue;
		char *lkey = xasprintf("mentoring.label.%s", shown_fields[i]);
		char *label = hctx_text_in(h, lang, lkey, NULL);
		char *line = hctx_text_in(h, lang, "mentoring.detail", "field", label, "value", v, NULL);
		buf_addf(&b, "%s%s", b.len ? "\n" : "", line);
		free(line);
		free(label);
		free(lkey);
	}
	return buf_detach(&b);
}

/* The verified addresses of w, one a line.  Caller frees. */
static char *
who_contact(const struct hctx *h, const struct who *w, const char *lang)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < w->neps; i++) {
		if (!w->eps[i].verified)
			continue;
		char *line = hctx_text_in(h, lang, "mentoring.contact", "kind", w->eps[i].kind, "address", w->eps[i].addr, NULL);
		buf_addf(&b, "%s%s", b.len ? "\n" : "", line);
		free(line);
	}
	return buf_detach(&b);
}

/*
 * Tell w by mail (first verified mail address) and in every linked chat,
 * except on the endpoint the request came from (that one gets the direct
 * answer).  envelope: "mentoring.mail.<kind>".  msgid: the mail's own
 * Message-ID, or NULL for the caller's.  Returns 1 when a mail was queued
 * (it is the last reply then), else 0.
 */
static int
tell_id(struct hctx *h, const struct who *w, const char *envelope, const char *subject, const char *mail_text,
	const char *chat_text, const char *msgid)
{
	int mailed = 0;
	for (size_t i = 0; i < w->neps; i++) {
		const struct endpoint *e = &w->eps[i];
		if (!e->verified)
			continue;
		int is_sender = h->ep_kind && h->ep_addr && strcmp(e->kind, h->ep_kind) == 0 &&
				strcmp(e->addr, h->ep_addr) == 0;
		if (strcmp(e->kind, "mail") != 0 && !is_sender && chat_text)
			hctx_reply_to(h, e->kind, e->addr, "mentoring.chat", "text", chat_text, "lang", w->lang, NULL);
	}
	for (size_t i = 0; i < w->neps && !mailed; i++) {
		const struct endpoint *e = &w->eps[i];
		if (e->verified && strcmp(e->kind, "mail") == 0) {
			if (msgid)
				hctx_reply_to(h, "mail", e->addr, envelope, "subject", subject, "text", mail_text, "lang",
					      w->lang, "message_id", msgid, NULL);
			else
				hctx_reply_to(h, "mail", e->addr, envelope, "subject", subject, "text", mail_text, "lang",
					      w->lang, NULL);
			mailed = 1;
		}
	}
	return mailed;
}

static int
tell(struct hctx *h, const struct who *w, const char *envelope, const char *subject, const char *mail_text,
     const char *chat_text)
{
	return tell_id(h, w, envelope, subject, mail_text, chat_text, NULL);
}

static void
cancel_jobs(struct hctx *h, int64_t request, int *rc)
{
	if (*rc == DB_OK)
		*rc = state_job_cancel(h->db, "request.remind", request);
	if (*rc == DB_OK)
		*rc = state_job_cancel(h->db, "request.expire", request);
}

/* ---- find mentor ---- */

/* One mentor found, with its reasons copied out of the pool. */
struct cand {
	int64_t mentor;
	char *programme;
	int score;
	unsigned flags;
	size_t n_topics;
	char *topics, *query, *languages, *field;
};

static void
cands_free(struct cand *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].programme);
		free(v[i].topics);
		free(v[i].query);
		free(v[i].languages);
		free(v[i].field);
	}
	free(v);
}

static char *
join_list(const char *const *v, size_t n)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_addf(&b, "%s%s", i ? ", " : "", v[i]);
	return buf_detach(&b);
}

static int
cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->mentor < y->mentor ? -1 : (x->mentor > y->mentor);
}

/* A person's profile as match.c reads it; the strings live in *copies (free all four). */
struct mprof {
	struct match_profile mp;
	const char *topics[LIST_MAX], *langs[LIST_MAX], *avail[LIST_MAX];
	char *copies[3];
};

static void
mprof_fill(struct mprof *m, int64_t id, const char *topics, const char *langs, const char *field, const char *avail)
{
	memset(m, 0, sizeof *m);
	m->mp.id = id;
	m->mp.n_topics = split_items(topics, ",;\n", &m->copies[0], m->topics, LIST_MAX);
	m->mp.topics = m->topics;
	m->mp.n_languages = split_items(langs, ",;/ \n", &m->copies[1], m->langs, LIST_MAX);
	m->mp.languages = m->langs;
	m->mp.field = field;
	m->mp.n_availability = split_items(avail, ",;\n", &m->copies[2], m->avail, LIST_MAX);
	m->mp.availability = m->avail;
}

static void
mprof_free(struct mprof *m)
{
	for (int i = 0; i < 3; i++)
		free(m->copies[i]);
}

/* Candidates of one programme appended to *v.  <0 on a database error. */
static int
find_in_programme(struct hctx *h, const char *programme, const struct match_profile *mentee, struct cand **v,
		  size_t *n)
{
	struct mentor_row *rows;
	size_t nr;
	int rc = state_mentors_free(h->db, programme, h->person.id, &rows, &nr);
	if (rc != DB_OK || nr == 0) {
		if (rc == DB_OK)
			mentor_rows_free(rows, nr);
		return rc;
	}
	struct programme prog;
	struct match_weights w;
	rc = state_programme_get(h->db, programme, &prog);
	if (rc < 0) {
		mentor_rows_free(rows, nr);
		return rc;
	}
	parse_weights(rc == DB_OK ? prog.weights : NULL, &w);
	programme_free(&prog);
	struct mprof *mp = xcalloc(nr, sizeof *mp);
	struct match_profile *profiles = xcalloc(nr, sizeof *profiles);
	for (size_t i = 0; i < nr; i++) {
		mprof_fill(&mp[i], rows[i].person, rows[i].topics, rows[i].languages, rows[i].field, rows[i].availability);
		profiles[i] = mp[i].mp;
		profiles[i].capacity = rows[i].capacity;
		profiles[i].load = rows[i].load;
	}
	struct match_pool *pool = match_pool_new(&w, profiles, nr);
	const char *const *query = h->argc ? (const char *const *)h->argv : NULL;
	struct match_hit hits[FIND_STORED];
	size_t nh = match_top(pool, mentee, query, (size_t)h->argc, FIND_STORED, hits);
	for (size_t i = 0; i < nh; i++) {
		*v = xrealloc(*v, (*n + 1) * sizeof **v);
		struct cand *c = &(*v)[(*n)++];
		const struct match_reasons *r = &hits[i].reasons;
		c->mentor = hits[i].id;
		c->programme = xstrdup(programme);
		c->score = hits[i].score;
		c->flags = r->flags;
		c->n_topics = r->n_topics;
		c->topics = join_list(r->topics, r->n_topics < MATCH_REASON_ITEMS ? r->n_topics : MATCH_REASON_ITEMS);
		c->query = join_list(r->query_topics,
				     r->n_query_topics < MATCH_REASON_ITEMS ? r->n_query_topics : MATCH_REASON_ITEMS);
		c->languages =
			join_list(r->languages, r->n_languages < MATCH_REASON_ITEMS ? r->n_languages : MATCH_REASON_ITEMS);
		c->field = xstrdup(r->field ? r->field : "");
	}
	match_pool_free(pool);
	for (size_t i = 0; i < nr; i++)
		mprof_free(&mp[i]);
	free(mp);
	free(profiles);
	mentor_rows_free(rows, nr);
	return DB_OK;
}

/* Why this mentor, in the asker's language; hidden fields are only counted, never named.  Caller frees. */
static char *
reasons_text(struct hctx *h, const struct cand *c, const struct who *m)
{
	struct buf b = BUF_INIT;
	char *s = NULL;
	char num[16];
	if (c->flags & MATCH_R_QUERY)
		s = who_visible(m, "topics") ? hctx_text(h, "mentoring.reason.query", "items", c->query, NULL)
					      : hctx_text(h, "mentoring.reason.query_hidden", NULL);
	if (s) {
		buf_addf(&b, "%s%s", b.len ? "; " : "", s);
		free(s);
		s = NULL;
	}
	if (c->flags & MATCH_R_TOPICS) {
		snprintf(num, sizeof num, "%zu", c->n_topics);
		s = who_visible(m, "topics") ? hctx_text(h, "mentoring.reason.topics", "items", c->topics, "count", num, NULL)
					      : hctx_text(h, "mentoring.reason.topics_hidden", "count", num, NULL);
		buf_addf(&b, "%s%s", b.len ? "; " : "", s);
		free(s);
	}
	if (c->flags & MATCH_R_LANGUAGE) {
		s = who_visible(m, "languages") ? hctx_text(h, "mentoring.reason.language", "items", c->languages, NULL)
						 : hctx_text(h, "mentoring.reason.language_hidden", NULL);
		buf_addf(&b, "%s%s", b.len ? "; " : "", s);
		free(s);
	}
	if (c->flags & MATCH_R_FIELD) {
		s = who_visible(m, "field") ? hctx_text(h, "mentoring.reason.field", "field", c->field, NULL)
					     : hctx_text(h, "mentoring.reason.field_hidden", NULL);
		buf_addf(&b, "%s%s", b.len ? "; " : "", s);
		free(s);
	}
	if (c->flags & MATCH_R_AVAILABILITY) {
		s = hctx_text(h, "mentoring.reason.availability", NULL);
		buf_addf(&b, "%s%s", b.len ? "; " : "", s);
		free(s);
	}
	return buf_detach(&b);
}

/* The programmes (slugs) where person is an active mentee; "a, b" names into *names.  Caller frees. */
static int
mentee_programmes(struct hctx *h, struct strlist *slugs)
{
	struct membership *ms;
	size_t n;
	slugs->v = NULL;
	slugs->n = 0;
	int rc = state_memberships(h->db, h->person.id, &ms, &n);
	if (rc != DB_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (strcmp(ms[i].role, "mentee") == 0 && strcmp(ms[i].status, "active") == 0) {
			slugs->v = xrealloc(slugs->v, (slugs->n + 1) * sizeof *slugs->v);
			slugs->v[slugs->n++] = xstrdup(ms[i].programme);
		}
	memberships_free(ms, n);
	return DB_OK;
}

int
h_find_mentor_run(struct hctx *h)
{
	struct strlist progs;
	struct who me;
	struct cand *c = NULL;
	size_t nc = 0, matched = 0;
	int rc = mentee_programmes(h, &progs);
	if (rc != DB_OK)
		return rc;
	if (progs.n == 0) {
		char *list = state_programme_list(h->db);
		hctx_reply(h, "mentoring.not_mentee", "programmes", list, NULL);
		free(list);
		strlist_free(&progs);
		return 0;
	}
	if ((rc = who_load(h, h->person.id, &me)) != DB_OK)
		goto out;
	struct mprof mine;
	mprof_fill(&mine, me.p.id, who_value(&me, "topics", 0), who_value(&me, "languages", 0),
		   who_value(&me, "field", 0), who_value(&me, "availability", 0));
	for (size_t i = 0; i < progs.n && rc == DB_OK; i++) {
		int m = state_match_active(h->db, h->person.id, progs.v[i]);
		if (m < 0)
			rc = m;
		else if (m == DB_OK)
			matched++;
		else
			rc = find_in_programme(h, progs.v[i], &mine.mp, &c, &nc);
	}
	mprof_free(&mine);
	if (rc != DB_OK)
		goto out;
	if (matched == progs.n) {
		hctx_reply(h, "mentoring.find.all_matched", NULL);
		goto out;
	}
	if (nc > 1)
		qsort(c, nc, sizeof *c, cand_cmp);
	/* a mentor in two of the asker's programmes is listed once, with the better score */
	size_t k = 0;
	for (size_t i = 0; i < nc; i++) {
		int dup = 0;
		for (size_t j = 0; j < k && !dup; j++)
			dup = c[j].mentor == c[i].mentor;
		if (dup) {
			free(c[i].programme);
			free(c[i].topics);
			free(c[i].query);
			free(c[i].languages);
			free(c[i].field);
			continue;
		}
		c[k++] = c[i];
	}
	nc = k < FIND_STORED ? k : FIND_STORED;
	for (size_t i = nc; i < k; i++) {
		free(c[i].programme);
		free(c[i].topics);
		free(c[i].query);
		free(c[i].languages);
		free(c[i].field);
	}
	struct suggestion *sv = xcalloc(nc ? nc : 1, sizeof *sv);
	for (size_t i = 0; i < nc; i++) {
		sv[i].n = (int)i + 1;
		sv[i].mentor = c[i].mentor;
		sv[i].programme = c[i].programme;
		sv[i].score = c[i].score;
	}
	rc = state_suggestions_set(h->db, h->person.id, sv, nc);
	free(sv);
	if (rc != DB_OK)
		goto out;
	if (nc == 0) {
		hctx_reply(h, "mentoring.find.none", NULL);
		goto out;
	}
	struct buf list = BUF_INIT;
	for (size_t i = 0; i < nc && i < FIND_SHOWN && rc == DB_OK; i++) {
		struct who m;
		if ((rc = who_load(h, c[i].mentor, &m)) != DB_OK) {
			who_free(&m);
			break;
		}
		char num[16], score[16];
		snprintf(num, sizeof num, "%zu", i + 1);
		snprintf(score, sizeof score, "%d", c[i].score);
		char *name = who_name(h, &m, h->lang), *reasons = reasons_text(h, &c[i], &m);
		char *details = who_details(h, &m, h->lang);
		char *item = hctx_text(h, "mentoring.find.item", "n", num, "name", name, "score", score, "reasons", reasons,
				       "details", details, NULL);
		buf_addf(&list, "%s%s", list.len ? "\n\n" : "", item);
		free(item);
		free(details);
		free(reasons);
		free(name);
		who_free(&m);
	}
	if (rc == DB_OK) {
		char count[16];
		snprintf(count, sizeof count, "%zu", nc < FIND_SHOWN ? nc : (size_t)FIND_SHOWN);
		char *l = buf_detach(&list);
		hctx_reply(h, "mentoring.find", "count", count, "list", l, "request", hctx_cmd_word_in(h->lang, "request"),
			   NULL);
		free(l);
	} else {
		buf_free(&list);
	}
out:
	cands_free(c, nc);
	who_free(&me);
	strlist_free(&progs);
	return rc < 0 ? rc : 0;
}

/* ---- requests ---- */

enum open_result { OPEN_CREATED = 0, OPEN_ALREADY, OPEN_FULL, OPEN_MATCHED };

/*
 * Open a request mentee → mentor in programme: the mentor gets it by mail
 * (moved to the front of the replies, so it carries h->reply_msgid) and in
 * each linked chat; a reminder at half the deadline and the expiry are
 * scheduled.  *rid: the new (or already open) request.  *deadline_out: its
 * deadline.  Returns an open_result or <0.
 */
static int
request_open(struct hctx *h, const struct who *mentee, int64_t mentor, const char *programme, int64_t *rid,
	     int64_t *deadline_out)
{
	int rc = state_match_active(h->db, mentee->p.id, programme);
	if (rc != DB_NOTFOUND)
		return rc == DB_OK ? OPEN_MATCHED : rc;
	rc = state_request_open_between(h->db, mentee->p.id, mentor, rid);
	if (rc != DB_NOTFOUND)
		return rc == DB_OK ? OPEN_ALREADY : rc;
	int cap = 1, load = 0;
	if ((rc = state_mentor_capacity(h->db, mentor, &cap, &load)) != DB_OK)
		return rc;
	if (load >= cap)
		return OPEN_FULL;
	struct programme prog;
	rc = state_programme_get(h->db, programme, &prog);
	if (rc < 0)
		return rc;
	int days = rc == DB_OK && prog.request_days > 0 ? prog.request_days : 3;
	char *pname = xstrdup(rc == DB_OK && prog.name ? prog.name : programme);
	programme_free(&prog);
	struct who m;
	if ((rc = who_load(h, mentor, &m)) != DB_OK)
		goto out;
	int64_t now = now_s(), deadline = now + (int64_t)days * 86400;
	int has_mail = 0;
	for (size_t i = 0; i < m.neps; i++)
		has_mail |= m.eps[i].verified && strcmp(m.eps[i].kind, "mail") == 0;
	if ((rc = state_request_add(h->db, programme, mentee->p.id, mentor, deadline, has_mail ? h->reply_msgid : NULL,
				    rid)) != DB_OK ||
	    (rc = state_job_put(h->db, "request.remind", *rid, now + (deadline - now) / 2, NULL)) != DB_OK ||
	    (rc = state_job_put(h->db, "request.expire", *rid, deadline, NULL)) != DB_OK)
		goto out;
	char id[24], date[32];
	snprintf(id, sizeof id, "%lld", (long long)*rid);
	fmt_date(deadline, m.lang, date);
	char *name = who_name(h, mentee, m.lang), *details = who_details(h, mentee, m.lang);
	const char *acc = hctx_cmd_word_in(m.lang, "accept"), *dec = hctx_cmd_word_in(m.lang, "decline");
	char *subject = hctx_text_in(h, m.lang, "mentoring.request.mentor.subject", "id", id, "programme", pname, NULL);
	char *body = hctx_text_in(h, m.lang, "mentoring.request.mentor", "id", id, "programme", pname, "mentee", name,
			     "details", details, "deadline", date, "accept", acc, "decline", dec, NULL);
	char *chat = hctx_text_in(h, m.lang, "mentoring.request.chat", "id", id, "programme", pname, "mentee", name,
			     "accept", acc, "decline", dec, NULL);
	if (tell(h, &m, "mentoring.mail.request", subject, body, chat))
		hctx_reply_last_to_front(h);
	if (deadline_out)
		*deadline_out = deadline;
	log_info("mentoring: request %lld from person %lld to mentor %lld (%s)", (long long)*rid,
		 (long long)mentee->p.id, (long long)mentor, programme);
	free(chat);
	free(body);
	free(subject);
	free(details);
	free(name);
	rc = OPEN_CREATED;
out:
	who_free(&m);
	free(pname);
	return rc;
}

/*
 * The mentee's next suggestion in programme not yet asked: a new request.
 * *text gets what to tell the mentee about it, in their language.  <0 on error.
 */
static int
cascade(struct hctx *h, const struct who *mentee, const char *programme, char **text)
{
	struct suggestion *sv;
	size_t n;
	*text = NULL;
	int rc = state_suggestions(h->db, mentee->p.id, &sv, &n);
	if (rc != DB_OK)
		return rc;
	for (size_t i = 0; i < n && !*text && rc >= 0; i++) {
		if (strcmp(sv[i].programme, programme) != 0)
			continue;
		int asked = 0;
		if ((rc = state_request_asked(h->db, mentee->p.id, sv[i].mentor, programme, &asked)) != DB_OK || asked)
			continue;
		int64_t rid = 0, deadline = 0;
		rc = request_open(h, mentee, sv[i].mentor, programme, &rid, &deadline);
		if (rc == OPEN_CREATED) {
			struct who m;
			if ((rc = who_load(h, sv[i].mentor, &m)) == DB_OK) {
				char id[24], date[32];
				snprintf(id, sizeof id, "%lld", (long long)rid);
				fmt_date(deadline, mentee->lang, date);
				char *name = who_name(h, &m, mentee->lang);
				*text = hctx_text_in(h, mentee->lang, "mentoring.cascade.next", "mentor", name, "id", id,
						"deadline", date, NULL);
				free(name);
			}
			who_free(&m);
		} else if (rc == OPEN_MATCHED) {
			*text = xstrdup("");
		}
	}
	suggestions_free(sv, n);
	if (rc < 0) {
		free(*text);
		*text = NULL;
		return rc;
	}
	if (!*text)
		*text = hctx_text_in(h, mentee->lang, "mentoring.cascade.none", "find", hctx_cmd_word_in(mentee->lang, "find mentor"),
				NULL);
	return DB_OK;
}

int
h_request_check(struct hctx *h)
{
	int64_t n;
	if (hctx_parse_id(h->argv[0], &n) < 0 || n > FIND_STORED) {
		hctx_reply(h, "mentoring.request.bad_number", "n", h->argv[0], "find", hctx_cmd_word_in(h->lang, "find mentor"),
			   NULL);
		return 1;
	}
	return 0;
}

int
h_request_run(struct hctx *h)
{
	int64_t n = 0;
	hctx_parse_id(h->argv[0], &n);
	struct suggestion *sv;
	size_t ns;
	int rc = state_suggestions(h->db, h->person.id, &sv, &ns);
	if (rc != DB_OK)
		return rc;
	const struct suggestion *s = NULL;
	for (size_t i = 0; i < ns; i++)
		if (sv[i].n == n)
			s = &sv[i];
	struct who me = {0}, m = {0};
	if (!s) {
		hctx_reply(h, "mentoring.request.bad_number", "n", h->argv[0], "find", hctx_cmd_word_in(h->lang, "find mentor"),
			   NULL);
		goto out;
	}
	if ((rc = who_load(h, h->person.id, &me)) != DB_OK || (rc = who_load(h, s->mentor, &m)) != DB_OK)
		goto out;
	char *mname = who_name(h, &m, h->lang);
	int64_t rid = 0, deadline = 0;
	char id[24], date[32];
	rc = request_open(h, &me, s->mentor, s->programme, &rid, &deadline);
	snprintf(id, sizeof id, "%lld", (long long)rid);
	if (rc == OPEN_CREATED) {
		fmt_date(deadline, h->lang, date);
		hctx_reply(h, "mentoring.request.sent", "id", id, "mentor", mname, "deadline", date, NULL);
	} else if (rc == OPEN_ALREADY) {
		hctx_reply(h, "mentoring.request.already_open", "id", id, "mentor", mname, NULL);
	} else if (rc == OPEN_FULL) {
		hctx_reply(h, "mentoring.request.mentor_full", "mentor", mname, NULL);
	} else if (rc == OPEN_MATCHED) {
		char *pname = NULL;
		state_programme_exists(h->db, s->programme, &pname);
		hctx_reply(h, "mentoring.already_matched", "programme", pname ? pname : s->programme, NULL);
		free(pname);
	}
	free(mname);
out:
	who_free(&me);
	who_free(&m);
	suggestions_free(sv, ns);
	return rc < 0 ? rc : 0;
}

/* ---- the mentor's answer ---- */

int
h_answer_check(struct hctx *h)
{
	int64_t id;
	if (hctx_parse_id(h->argv[0], &id) < 0) {
		hctx_reply(h, "mentoring.answer.unknown", "id", h->argv[0], NULL);
		return 1;
	}
	return 0;
}

/* Who answers request r: SIDE_REQUEST (the mentor of a mentee's request), a side of an offer
 * of the whole-cohort matching, or -1 (not the sender's to answer).  *rc < 0 on a database error. */
enum { SIDE_REQUEST = 0, SIDE_OFFER_MENTEE = 1, SIDE_OFFER_MENTOR = 2 };

static int
answer_side(struct hctx *h, const struct mrequest *r, int *rc)
{
	int is_offer = 0, eok = 0, mok = 0;
	*rc = state_request_offer_get(h->db, r->id, &is_offer, &eok, &mok);
	if (*rc != DB_OK || !h->known) {
		if (*rc == DB_NOTFOUND)
			*rc = DB_OK;
		return -1;
	}
	if (is_offer && r->mentee == h->person.id)
		return SIDE_OFFER_MENTEE;
	if (r->mentor == h->person.id)
		return is_offer ? SIDE_OFFER_MENTOR : SIDE_REQUEST;
	return -1;
}

/* The stable Message-ID of an offer's mail to one side (role "mentee"/"mentor"), without <>. */
static char *
offer_msgid(const struct hctx *h, const struct mrequest *r, const char *role)
{
	char base[80];
	snprintf(base, sizeof base, "mb.offer%lld.%lld.%s", (long long)r->id, (long long)r->created, role);
	return hctx_msgid(h, base);
}

/* The offer a Message-ID "mb.offer<id>.<created>.<role>@…" (with or without <>) names; DB_NOTFOUND if none. */
static int
offer_of_msgid(struct hctx *h, const char *msgid, struct mrequest *r)
{
	long long id = 0, created = 0;
	char role[8];
	const char *s = msgid ? msgid : "";
	while (*s == ' ' || *s == '<')
		s++;
	memset(r, 0, sizeof *r);
	if (sscanf(s, "mb.offer%lld.%lld.%7[a-z]@", &id, &created, role) != 3 || id <= 0 ||
	    (strcmp(role, "mentee") != 0 && strcmp(role, "mentor") != 0))
		return DB_NOTFOUND;
	int rc = state_request_get(h->db, id, r);
	if (rc == DB_OK) {
		/* the whole id, keyed tag included, must be the one the bot issued */
		char *want = offer_msgid(h, r, role);
		size_t n = strcspn(s, "> \t");
		int same = r->created == created && strlen(want) == n && strncasecmp(s, want, n) == 0;
		free(want);
		if (!same) {
			mrequest_free(r);
			return DB_NOTFOUND;
		}
	}
	return rc;
}

/* The request or offer a mail answers: its In-Reply-To, else its References (newest first). */
static int
request_of_mail(struct hctx *h, const char *in_reply_to, const char *references, struct mrequest *r)
{
	int rc = state_request_by_msgid(h->db, in_reply_to, r);
	if (rc == DB_NOTFOUND) {
		mrequest_free(r);
		rc = offer_of_msgid(h, in_reply_to, r);
	}
	if (rc == DB_NOTFOUND && references) {
		const char *ids[32];
		char *c2;
		size_t n = split_items(references, " \t\r\n", &c2, ids, 32);
		for (size_t i = n; i-- > 0 && rc == DB_NOTFOUND;) {
			mrequest_free(r);
			rc = state_request_by_msgid(h->db, ids[i], r);
			if (rc == DB_NOTFOUND) {
				mrequest_free(r);
				rc = offer_of_msgid(h, ids[i], r);
			}
		}
		free(c2);
	}
	return rc;
}

/* Load request id for the sender to answer (*side: as its mentor, or a side of an offer);
 * 1 (answered) when it is not theirs or not open. */
static int
answer_load(struct hctx *h, const char *arg, int64_t id, struct mrequest *r, int *side)
{
	int rc = state_request_get(h->db, id, r);
	if (rc < 0)
		return rc;
	*side = rc == DB_OK ? answer_side(h, r, &rc) : -1;
	if (rc < 0)
		return rc;
	if (*side < 0) {
		/* someone else's request: indistinguishable from none */
		hctx_reply(h, "mentoring.answer.unknown", "id", arg, NULL);
		return 1;
	}
	if (strcmp(r->status, "open") != 0) {
		char *sk = xasprintf("mentoring.status.%s", r->status);
		char *st = tmpl_has(h->tmpl, h->lang, sk) ? hctx_text(h, sk, NULL) : xstrdup(r->status);
		hctx_reply(h, "mentoring.answer.closed", "id", arg, "status", st, NULL);
		free(st);
		free(sk);
		return 1;
	}
	return 0;
}

/* Tell the mentee about a closed request (why_key in their language) plus the cascade's outcome. */
static int
tell_mentee_closed(struct hctx *h, const struct who *mentee, const struct who *mentor, const struct mrequest *r,
		   const char *why_key, const char *reason)
{
	char *ctext = NULL;
	int rc = cascade(h, mentee, r->programme, &ctext);
	if (rc != DB_OK)
		return rc;
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)r->id);
	char *mname = who_name(h, mentor, mentee->lang);
	char *rline = reason && *reason ? hctx_text_in(h, mentee->lang, "mentoring.reason_line", "reason", reason, NULL)
					: xstrdup("");
	char *why = hctx_text_in(h, mentee->lang, why_key, "mentor", mname, "id", id, "reason", rline, NULL);
	char *skey = xasprintf("%s.subject", why_key);
	char *subject = hctx_text_in(h, mentee->lang, skey, "mentor", mname, "id", id, NULL);
	char *body = *ctext ? xasprintf("%s\n\n%s", why, ctext) : xstrdup(why);
	/* the new request's mail (if any) must stay first: it carries the stored Message-ID */
	tell(h, mentee, "mentoring.mail.notice", subject, body, body);
	free(body);
	free(subject);
	free(skey);
	free(why);
	free(rline);
	free(mname);
	free(ctext);
	return DB_OK;
}

/* The mentee's other open requests (and offers) in programme are withdrawn, each mentor told. */
static int
withdraw_others(struct hctx *h, const struct who *mentee, const char *programme)
{
	struct mrequest *others = NULL;
	size_t no = 0;
	int rc = state_requests_open_of(h->db, mentee->p.id, programme, &others, &no);
	for (size_t i = 0; i < no && rc == DB_OK; i++) {
		if ((rc = state_request_close(h->db, others[i].id, "withdrawn", NULL)) != DB_OK)
			break;
		cancel_jobs(h, others[i].id, &rc);
		struct who o;
		if (rc == DB_OK && (rc = who_load(h, others[i].mentor, &o)) == DB_OK) {
			char oid[24];
			snprintf(oid, sizeof oid, "%lld", (long long)others[i].id);
			char *n = who_name(h, mentee, o.lang);
			char *t = hctx_text_in(h, o.lang, "mentoring.withdrawn", "id", oid, "mentee", n, NULL);
			char *s = hctx_text_in(h, o.lang, "mentoring.withdrawn.subject", "id", oid, NULL);
			tell(h, &o, "mentoring.mail.notice", s, t, t);
			free(s);
			free(t);
			free(n);
		}
		who_free(&o);
	}
	for (size_t i = 0; i < no; i++)
		mrequest_free(&others[i]);
	free(others);
	return rc;
}

/* Introductions: each learns the other's addresses and visible profile (mail and chat). */
static void
introduce(struct hctx *h, const struct who *mentee, const struct who *mentor, const char *programme)
{
	char *pname = NULL;
	state_programme_exists(h->db, programme, &pname);
	const struct who *pair[2][2] = {{mentee, mentor}, {mentor, mentee}};
	for (int k = 0; k < 2; k++) {
		const struct who *to = pair[k][0], *about = pair[k][1];
		char *n = who_name(h, about, to->lang), *contact = who_contact(h, about, to->lang);
		char *details = who_details(h, about, to->lang);
		const char *role = k == 0 ? "mentor" : "mentee";
		char *rkey = xasprintf("role.%s", role);
		char *rword = hctx_text_in(h, to->lang, rkey, NULL);
		char *body = hctx_text_in(h, to->lang, "mentoring.intro", "name", n, "role", rword, "programme",
				     pname ? pname : programme, "contact", contact, "details", details, NULL);
		char *subject = hctx_text_in(h, to->lang, "mentoring.intro.subject", "name", n, "programme",
					pname ? pname : programme, NULL);
		char *chat = hctx_text_in(h, to->lang, "mentoring.intro.chat", "name", n, "role", rword, "contact", contact,
				     NULL);
		tell(h, to, "mentoring.mail.intro", subject, body, chat);
		free(chat);
		free(subject);
		free(body);
		free(rword);
		free(rkey);
		free(details);
		free(contact);
		free(n);
	}
	free(pname);
}

static int
do_accept(struct hctx *h, const struct mrequest *r, const char *arg)
{
	struct who mentee = {0}, mentor = {0};
	int rc;
	if ((rc = who_load(h, r->mentee, &mentee)) != DB_OK || (rc = who_load(h, r->mentor, &mentor)) != DB_OK)
		goto out;
	char *ename = who_name(h, &mentee, h->lang);
	int cap = 1, load = 0;
	int64_t mid = 0;
	if ((rc = state_mentor_capacity(h->db, r->mentor, &cap, &load)) != DB_OK)
		goto out_name;
	if (load >= cap) {
		/* the last place went to someone else first: close this one politely and move the mentee on */
		char capt[16];
		snprintf(capt, sizeof capt, "%d", cap);
		if ((rc = state_request_close(h->db, r->id, "full", NULL)) != DB_OK)
			goto out_name;
		cancel_jobs(h, r->id, &rc);
		if (rc == DB_OK)
			rc = tell_mentee_closed(h, &mentee, &mentor, r, "mentoring.full.mentee", NULL);
		if (rc == DB_OK)
			hctx_reply(h, "mentoring.accept.full", "id", arg, "capacity", capt, "mentee", ename, NULL);
		goto out_name;
	}
	rc = state_match_active(h->db, r->mentee, r->programme);
	if (rc == DB_NOTFOUND)
		rc = state_match_add(h->db, r->programme, r->mentee, r->mentor, r->id, &mid);
	else if (rc == DB_OK)
		rc = DB_NOTFOUND; /* already matched */
	if (rc == DB_NOTFOUND) {
		/* the mentee was matched elsewhere meanwhile (match_pair guards it too) */
		if ((rc = state_request_close(h->db, r->id, "withdrawn", NULL)) == DB_OK)
			cancel_jobs(h, r->id, &rc);
		if (rc == DB_OK)
			hctx_reply(h, "mentoring.accept.mentee_taken", "id", arg, "mentee", ename, NULL);
		goto out_name;
	}
	if (rc != DB_OK || (rc = state_request_close(h->db, r->id, "accepted", NULL)) != DB_OK)
		goto out_name;
	cancel_jobs(h, r->id, &rc);
	if (rc == DB_OK)
		rc = withdraw_others(h, &mentee, r->programme);
	if (rc != DB_OK)
		goto out_name;
	introduce(h, &mentee, &mentor, r->programme);
	char *contact = who_contact(h, &mentee, h->lang);
	hctx_reply(h, "mentoring.accept.done", "id", arg, "mentee", ename, "contact", contact, NULL);
	free(contact);
	log_info("mentoring: request %lld accepted; match %lld", (long long)r->id, (long long)mid);
out_name:
	free(ename);
out:
	who_free(&mentee);
	who_free(&mentor);
	return rc;
}

static int
do_decline(struct hctx *h, const struct mrequest *r, const char *arg, const char *reason)
{
	struct who mentee = {0}, mentor = {0};
	int rc;
	if ((rc = who_load(h, r->mentee, &mentee)) != DB_OK || (rc = who_load(h, r->mentor, &mentor)) != DB_OK)
		goto out;
	char *clean = xstrdup(reason ? reason : "");
	for (char *p = clean; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	if (strlen(clean) > 500)
		clean[500] = '\0';
	char *tr = str_trim(clean);
	if ((rc = state_request_close(h->db, r->id, "declined", *tr ? tr : NULL)) == DB_OK)
		cancel_jobs(h, r->id, &rc);
	if (rc == DB_OK)
		rc = tell_mentee_closed(h, &mentee, &mentor, r, "mentoring.declined", tr);
	if (rc == DB_OK) {
		hctx_reply(h, "mentoring.decline.done", "id", arg, NULL);
		log_info("mentoring: request %lld declined", (long long)r->id);
	}
	free(clean);
out:
	who_free(&mentee);
	who_free(&mentor);
	return rc;
}

/* ---- offers of the whole-cohort matching: both sides accept, either declines ---- */

/* The programme's display name (caller frees). */
static char *
programme_name(struct hctx *h, const char *slug)
{
	char *pname = NULL;
	if (state_programme_exists(h->db, slug, &pname) != DB_OK || !pname) {
		free(pname);
		pname = xstrdup(slug);
	}
	return pname;
}

/* Tell w a notice about offer r: text_key rendered in w's language with the other's name,
 * subject from subject_key; reason (may be NULL) as a "Reason:" line. */
static void
offer_notice(struct hctx *h, const struct who *w, const struct who *other, const struct mrequest *r,
	     const char *text_key, const char *subject_key, const char *reason)
{
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)r->id);
	char *name = who_name(h, other, w->lang);
	char *pname = programme_name(h, r->programme);
	char *rline = reason && *reason ? hctx_text_in(h, w->lang, "mentoring.reason_line", "reason", reason, NULL)
					: xstrdup("");
	const char *acc = hctx_cmd_word_in(w->lang, "accept"), *dec = hctx_cmd_word_in(w->lang, "decline");
	const char *find = hctx_cmd_word_in(w->lang, "find mentor");
	char *t = hctx_text_in(h, w->lang, text_key, "id", id, "name", name, "programme", pname, "reason", rline,
			       "accept", acc, "decline", dec, "find", find, NULL);
	char *s = hctx_text_in(h, w->lang, subject_key, "id", id, "programme", pname, NULL);
	tell(h, w, "mentoring.mail.notice", s, t, t);
	free(s);
	free(t);
	free(rline);
	free(pname);
	free(name);
}

static int
offer_accept(struct hctx *h, const struct mrequest *r, const char *arg, int side)
{
	struct who mentee = {0}, mentor = {0};
	int is_offer = 0, eok = 0, mok = 0, rc;
	char *oname = NULL;
	if ((rc = state_request_offer_get(h->db, r->id, &is_offer, &eok, &mok)) != DB_OK ||
	    (rc = who_load(h, r->mentee, &mentee)) != DB_OK || (rc = who_load(h, r->mentor, &mentor)) != DB_OK)
		goto out;
	int me_mentee = side == SIDE_OFFER_MENTEE;
	const struct who *me = me_mentee ? &mentee : &mentor, *other = me_mentee ? &mentor : &mentee;
	int mine = me_mentee ? eok : mok, theirs = me_mentee ? mok : eok;
	oname = who_name(h, other, h->lang);
	if (!mine && (rc = state_offer_agree(h->db, r->id, me_mentee)) != DB_OK)
		goto out;
	if (!theirs) {
		/* half of the pair: wait for the other side (told once, when this side first agrees) */
		hctx_reply(h, mine ? "match.offer.already" : "match.offer.agreed", "id", arg, "name", oname, NULL);
		if (!mine)
			offer_notice(h, other, me, r, "match.offer.other_agreed", "match.offer.other_agreed.subject", NULL);
		log_info("mentoring: offer %lld accepted by its %s", (long long)r->id, me_mentee ? "mentee" : "mentor");
		goto out;
	}
	/* both agreed: a match, if the mentor still has a place (checked in this transaction) */
	int cap = 1, load = 0;
	int64_t mid = 0;
	if ((rc = state_mentor_capacity(h->db, r->mentor, &cap, &load)) != DB_OK)
		goto out;
	if (load >= cap) {
		char capt[16];
		snprintf(capt, sizeof capt, "%d", cap);
		if ((rc = state_request_close(h->db, r->id, "full", NULL)) != DB_OK)
			goto out;
		cancel_jobs(h, r->id, &rc);
		if (rc != DB_OK)
			goto out;
		hctx_reply(h, me_mentee ? "match.offer.full.mentee" : "match.offer.full.mentor", "id", arg, "name", oname,
			   "capacity", capt, NULL);
		offer_notice(h, other, me, r, me_mentee ? "match.offer.full.mentor" : "match.offer.full.mentee",
			     "match.offer.closed.subject", NULL);
		log_info("mentoring: offer %lld closed: mentor %lld has no free place", (long long)r->id,
			 (long long)r->mentor);
		goto out;
	}
	rc = state_match_active(h->db, r->mentee, r->programme);
	if (rc == DB_NOTFOUND)
		rc = state_match_add(h->db, r->programme, r->mentee, r->mentor, r->id, &mid);
	else if (rc == DB_OK)
		rc = DB_NOTFOUND; /* already matched */
	if (rc == DB_NOTFOUND) {
		/* the mentee was matched elsewhere meanwhile */
		if ((rc = state_request_close(h->db, r->id, "withdrawn", NULL)) == DB_OK)
			cancel_jobs(h, r->id, &rc);
		if (rc == DB_OK && me_mentee) {
			char *pname = programme_name(h, r->programme);
			hctx_reply(h, "mentoring.already_matched", "programme", pname, NULL);
			free(pname);
		} else if (rc == DB_OK) {
			hctx_reply(h, "mentoring.accept.mentee_taken", "id", arg, "mentee", oname, NULL);
		}
		goto out;
	}
	if (rc != DB_OK || (rc = state_request_close(h->db, r->id, "accepted", NULL)) != DB_OK)
		goto out;
	cancel_jobs(h, r->id, &rc);
	if (rc == DB_OK)
		rc = withdraw_others(h, &mentee, r->programme);
	if (rc != DB_OK)
		goto out;
	introduce(h, &mentee, &mentor, r->programme);
	char *contact = who_contact(h, other, h->lang);
	char *rword = hctx_text(h, me_mentee ? "role.mentor" : "role.mentee", NULL);
	hctx_reply(h, "match.offer.matched", "id", arg, "name", oname, "role", rword, "contact", contact, NULL);
	free(rword);
	free(contact);
	log_info("mentoring: offer %lld accepted by both; match %lld", (long long)r->id, (long long)mid);
out:
	free(oname);
	who_free(&mentee);
	who_free(&mentor);
	return rc;
}

static int
offer_decline(struct hctx *h, const struct mrequest *r, const char *arg, int side, const char *reason)
{
	struct who mentee = {0}, mentor = {0};
	int rc;
	if ((rc = who_load(h, r->mentee, &mentee)) != DB_OK || (rc = who_load(h, r->mentor, &mentor)) != DB_OK)
		goto out;
	int me_mentee = side == SIDE_OFFER_MENTEE;
	const struct who *me = me_mentee ? &mentee : &mentor, *other = me_mentee ? &mentor : &mentee;
	char *clean = xstrdup(reason ? reason : "");
	for (char *p = clean; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	if (strlen(clean) > 500)
		clean[500] = '\0';
	char *tr = str_trim(clean);
	if ((rc = state_request_close(h->db, r->id, "declined", *tr ? tr : NULL)) == DB_OK)
		cancel_jobs(h, r->id, &rc);
	if (rc == DB_OK) {
		char *oname = who_name(h, other, h->lang);
		hctx_reply(h, "match.offer.declined.done", "id", arg, "name", oname, NULL);
		free(oname);
		offer_notice(h, other, me, r, me_mentee ? "match.offer.declined.mentor" : "match.offer.declined.mentee",
			     "match.offer.closed.subject", tr);
		log_info("mentoring: offer %lld declined by its %s", (long long)r->id, me_mentee ? "mentee" : "mentor");
	}
	free(clean);
out:
	who_free(&mentee);
	who_free(&mentor);
	return rc;
}

/* Half time: remind each side that has not accepted yet. */
static int
offer_remind(struct hctx *h, const struct mrequest *r, int eok, int mok, const char **result)
{
	struct who mentee = {0}, mentor = {0};
	int rc;
	if ((rc = who_load(h, r->mentee, &mentee)) == DB_OK && (rc = who_load(h, r->mentor, &mentor)) == DB_OK) {
		const struct who *pair[2][2] = {{&mentee, &mentor}, {&mentor, &mentee}};
		for (int k = 0; k < 2; k++) {
			if (k == 0 ? eok : mok)
				continue;
			const struct who *to = pair[k][0], *about = pair[k][1];
			char id[24], date[32];
			snprintf(id, sizeof id, "%lld", (long long)r->id);
			fmt_date(r->deadline, to->lang, date);
			char *n = who_name(h, about, to->lang);
			char *rword = hctx_text_in(h, to->lang, k == 0 ? "role.mentor" : "role.mentee", NULL);
			const char *acc = hctx_cmd_word_in(to->lang, "accept"), *dec = hctx_cmd_word_in(to->lang, "decline");
			char *t = hctx_text_in(h, to->lang, "match.offer.reminder", "id", id, "name", n, "role", rword,
					       "deadline", date, "accept", acc, "decline", dec, NULL);
			char *s = hctx_text_in(h, to->lang, "match.offer.reminder.subject", "id", id, NULL);
			tell(h, to, "mentoring.mail.reminder", s, t, t);
			free(s);
			free(t);
			free(rword);
			free(n);
		}
		*result = "ran";
	}
	who_free(&mentee);
	who_free(&mentor);
	return rc;
}

/* The deadline: the offer expires and both are told (no cascade: the coordinators suggested it). */
static int
offer_expire(struct hctx *h, const struct mrequest *r, const char **result)
{
	struct who mentee = {0}, mentor = {0};
	int rc;
	if ((rc = state_request_close(h->db, r->id, "expired", NULL)) != DB_OK ||
	    (rc = state_job_cancel(h->db, "request.remind", r->id)) != DB_OK ||
	    (rc = who_load(h, r->mentee, &mentee)) != DB_OK || (rc = who_load(h, r->mentor, &mentor)) != DB_OK)
		goto out;
	offer_notice(h, &mentee, &mentor, r, "match.offer.expired.mentee", "match.offer.expired.subject", NULL);
	offer_notice(h, &mentor, &mentee, r, "match.offer.expired.mentor", "match.offer.expired.subject", NULL);
	*result = "ran";
	log_info("mentoring: offer %lld expired", (long long)r->id);
out:
	who_free(&mentee);
	who_free(&mentor);
	return rc;
}

/* Send one offer mentee ↔ mentor: the request row, its reminder and expiry, and a mail (and chat
 * message) to each side with a stable Message-ID, so a plain "yes"/"no" reply answers it. */
static int
offer_send(struct hctx *h, int64_t mentee_id, int64_t mentor_id, const char *programme, int64_t *oid)
{
	struct programme prog;
	struct who mentee = {0}, mentor = {0};
	struct mrequest r = {0};
	int rc = state_programme_get(h->db, programme, &prog);
	if (rc < 0)
		return rc;
	int days = rc == DB_OK && prog.request_days > 0 ? prog.request_days : 3;
	char *pname = xstrdup(rc == DB_OK && prog.name ? prog.name : programme);
	if (rc == DB_OK)
		programme_free(&prog);
	int64_t now = now_s(), deadline = now + (int64_t)days * 86400;
	if ((rc = state_offer_add(h->db, programme, mentee_id, mentor_id, deadline, oid)) != DB_OK ||
	    (rc = state_request_get(h->db, *oid, &r)) != DB_OK ||
	    (rc = state_job_put(h->db, "request.remind", *oid, now + (deadline - now) / 2, NULL)) != DB_OK ||
	    (rc = state_job_put(h->db, "request.expire", *oid, deadline, NULL)) != DB_OK ||
	    (rc = who_load(h, mentee_id, &mentee)) != DB_OK || (rc = who_load(h, mentor_id, &mentor)) != DB_OK)
		goto out;
	char *mentor_msgid = offer_msgid(h, &r, "mentor");
	if ((rc = state_request_set_msgid(h->db, r.id, mentor_msgid)) != DB_OK) {
		free(mentor_msgid);
		goto out;
	}
	free(mentor_msgid);
	const struct who *pair[2][2] = {{&mentee, &mentor}, {&mentor, &mentee}};
	for (int k = 0; k < 2; k++) {
		const struct who *to = pair[k][0], *about = pair[k][1];
		char id[24], date[32];
		snprintf(id, sizeof id, "%lld", (long long)r.id);
		fmt_date(deadline, to->lang, date);
		char *name = who_name(h, about, to->lang), *details = who_details(h, about, to->lang);
		char *rword = hctx_text_in(h, to->lang, k == 0 ? "role.mentor" : "role.mentee", NULL);
		const char *acc = hctx_cmd_word_in(to->lang, "accept"), *dec = hctx_cmd_word_in(to->lang, "decline");
		char *subject = hctx_text_in(h, to->lang, "match.offer.subject", "id", id, "programme", pname, NULL);
		char *body = hctx_text_in(h, to->lang, k == 0 ? "match.offer.to_mentee" : "match.offer.to_mentor", "id", id,
					  "programme", pname, "name", name, "details", details, "deadline", date, "accept",
					  acc, "decline", dec, NULL);
		char *chat = hctx_text_in(h, to->lang, "match.offer.chat", "id", id, "programme", pname, "name", name,
					  "role", rword, "accept", acc, "decline", dec, NULL);
		char *msgid = offer_msgid(h, &r, k == 0 ? "mentee" : "mentor");
		tell_id(h, to, "match.mail.offer", subject, body, chat, msgid);
		free(msgid);
		free(chat);
		free(body);
		free(subject);
		free(rword);
		free(details);
		free(name);
	}
	log_info("mentoring: offer %lld mentee %lld <-> mentor %lld (%s)", (long long)r.id, (long long)mentee_id,
		 (long long)mentor_id, programme);
out:
	mrequest_free(&r);
	who_free(&mentee);
	who_free(&mentor);
	free(pname);
	return rc;
}

int
h_accept_run(struct hctx *h)
{
	int64_t id = 0;
	hctx_parse_id(h->argv[0], &id);
	struct mrequest r;
	int side;
	int rc = answer_load(h, h->argv[0], id, &r, &side);
	if (rc == 0)
		rc = side == SIDE_REQUEST ? do_accept(h, &r, h->argv[0]) : offer_accept(h, &r, h->argv[0], side);
	mrequest_free(&r);
	return rc < 0 ? rc : 0;
}

int
h_decline_run(struct hctx *h)
{
	int64_t id = 0;
	hctx_parse_id(h->argv[0], &id);
	struct mrequest r;
	int side = -1;
	/* staff "ablehnen <id>": German for both "decline a request" and "reject an application" */
	if (h->staff) {
		int rc = state_request_get(h->db, id, &r);
		if (rc == DB_OK)
			side = answer_side(h, &r, &rc);
		mrequest_free(&r);
		if (rc < 0)
			return rc;
		if (side < 0) {
			int pending = h_application_is_pending(h->db, id);
			if (pending < 0)
				return pending;
			if (pending > 0) {
				const struct command *rej = cmd_by_name("reject");
				if (rej)
					h->cmd = rej;
				return h_reject_run(h);
			}
		}
	}
	int rc = answer_load(h, h->argv[0], id, &r, &side);
	if (rc == 0) {
		/* the reason as written: the rest of the line after the id */
		const char *p = h->argline ? h->argline : "";
		while (*p && isspace((unsigned char)*p))
			p++;
		while (*p && !isspace((unsigned char)*p))
			p++;
		rc = side == SIDE_REQUEST ? do_decline(h, &r, h->argv[0], p) : offer_decline(h, &r, h->argv[0], side, p);
	}
	mrequest_free(&r);
	return rc < 0 ? rc : 0;
}

/* The answer word at the start of a reply to a request or offer (bot/words.h,
 * the WORDS_REQUEST set): 1 yes, 0 no, -1 neither.  *rest: the text after it. */
static int
yes_no_word(const char *text, const char **rest)
{
	enum words_answer a = words_first(text, WORDS_REQUEST, rest);
	return a == WORDS_YES ? 1 : a == WORDS_NO ? 0 : -1;
}

int
h_request_mail_reply(struct hctx *h, const char *in_reply_to, const char *references, const char *text)
{
	struct mrequest r;
	int rc = request_of_mail(h, in_reply_to, references, &r);
	if (rc != DB_OK) {
		mrequest_free(&r);
		return rc < 0 ? rc : 1;
	}
	const char *rest;
	int yn = yes_no_word(text, &rest);
	int side = answer_side(h, &r, &rc);
	if (rc < 0 || side < 0 || yn < 0) {
		mrequest_free(&r);
		return rc < 0 ? rc : 1; /* not an answer: handled as an ordinary mail */
	}
	char arg[24];
	snprintf(arg, sizeof arg, "%lld", (long long)r.id);
	h->cmd = cmd_by_name(yn ? "accept" : "decline");
	mrequest_free(&r);
	rc = answer_load(h, arg, atoll(arg), &r, &side);
	if (rc == 0) {
		/* the reason: the rest of the first paragraph */
		size_t len = strcspn(rest, "\n");
		char *reason = xstrndup(rest, len);
		if (side == SIDE_REQUEST)
			rc = yn ? do_accept(h, &r, arg) : do_decline(h, &r, arg, reason);
		else
			rc = yn ? offer_accept(h, &r, arg, side) : offer_decline(h, &r, arg, side, reason);
		free(reason);
	}
	mrequest_free(&r);
	return rc < 0 ? rc : 0;
}

/* ---- scheduler jobs ---- */

int
h_request_remind_job(struct hctx *h, int64_t request, const char **result)
{
	struct mrequest r;
	int rc = state_request_get(h->db, request, &r);
	if (rc != DB_OK || strcmp(r.status, "open") != 0) {
		*result = "skipped: request not open";
		mrequest_free(&r);
		return rc < 0 ? rc : 0;
	}
	int is_offer = 0, eok = 0, mok = 0;
	if ((rc = state_request_offer_get(h->db, r.id, &is_offer, &eok, &mok)) != DB_OK || is_offer) {
		if (rc == DB_OK)
			rc = offer_remind(h, &r, eok, mok, result);
		mrequest_free(&r);
		return rc < 0 ? rc : 0;
	}
	struct who mentee = {0}, mentor = {0};
	if ((rc = who_load(h, r.mentee, &mentee)) == DB_OK && (rc = who_load(h, r.mentor, &mentor)) == DB_OK) {
		char id[24], date[32];
		snprintf(id, sizeof id, "%lld", (long long)r.id);
		fmt_date(r.deadline, mentor.lang, date);
		char *n = who_name(h, &mentee, mentor.lang);
		const char *acc = hctx_cmd_word_in(mentor.lang, "accept"), *dec = hctx_cmd_word_in(mentor.lang, "decline");
		char *t = hctx_text_in(h, mentor.lang, "mentoring.reminder", "id", id, "mentee", n, "deadline", date, "accept",
				  acc, "decline", dec, NULL);
		char *s = hctx_text_in(h, mentor.lang, "mentoring.reminder.subject", "id", id, NULL);
		tell(h, &mentor, "mentoring.mail.reminder", s, t, t);
		free(s);
		free(t);
		free(n);
		*result = "ran";
	}
	who_free(&mentee);
	who_free(&mentor);
	mrequest_free(&r);
	return rc < 0 ? rc : 0;
}

int
h_request_expire_job(struct hctx *h, int64_t request, const char **result)
{
	struct mrequest r;
	int rc = state_request_get(h->db, request, &r);
	if (rc != DB_OK || strcmp(r.status, "open") != 0) {
		*result = "skipped: request not open";
		mrequest_free(&r);
		return rc < 0 ? rc : 0;
	}
	int is_offer = 0, eok = 0, mok = 0;
	if ((rc = state_request_offer_get(h->db, r.id, &is_offer, &eok, &mok)) != DB_OK || is_offer) {
		if (rc == DB_OK)
			rc = offer_expire(h, &r, result);
		mrequest_free(&r);
		return rc < 0 ? rc : 0;
	}
	struct who mentee = {0}, mentor = {0};
	if ((rc = state_request_close(h->db, r.id, "expired", NULL)) != DB_OK ||
	    (rc = state_job_cancel(h->db, "request.remind", r.id)) != DB_OK ||
	    (rc = who_load(h, r.mentee, &mentee)) != DB_OK || (rc = who_load(h, r.mentor, &mentor)) != DB_OK)
		goto out;
	/* the mentee first: the cascade's new request mail must be the first reply */
	if ((rc = tell_mentee_closed(h, &mentee, &mentor, &r, "mentoring.expired.mentee", NULL)) != DB_OK)
		goto out;
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)r.id);
	char *n = who_name(h, &mentee, mentor.lang);
	char *t = hctx_text_in(h, mentor.lang, "mentoring.expired.mentor", "id", id, "mentee", n, NULL);
	char *s = hctx_text_in(h, mentor.lang, "mentoring.expired.mentor.subject", "id", id, NULL);
	tell(h, &mentor, "mentoring.mail.notice", s, t, t);
	free(s);
	free(t);
	free(n);
	*result = "ran";
	log_info("mentoring: request %lld expired", (long long)r.id);
out:
	who_free(&mentee);
	who_free(&mentor);
	mrequest_free(&r);
	return rc < 0 ? rc : 0;
}

/* ---- whole-cohort matching: preview and publish (staff command and CLI) ---- */

/* One computation of the optimal assignment of a programme's free mentees to its mentors. */
struct cohort {
	size_t n_mentees;   /* unmatched mentees considered */
	size_t n_mentors;   /* mentors with a free place */
	int64_t places;     /* free places in all */
	struct match_assignment a;
	int64_t *skipped;   /* mentees left out: they have an open request or offer ... */
	int64_t *skipped_req; /* ... this one */
	size_t n_skipped;
};

static void
cohort_free(struct cohort *c)
{
	match_assignment_free(&c->a);
	free(c->skipped);
	free(c->skipped_req);
	memset(c, 0, sizeof *c);
}

/*
 * The optimal assignment for programme, computed from the current state (so inside a transaction
 * it is exactly what the transaction sees).  A mentor's free places are capacity - active matches
 * - open offers; mentees with an open request or offer in the programme are left out.
 * DB_NOTFOUND: no such programme.
 */
static int
cohort_compute(struct db *db, const char *programme, struct cohort *c)
{
	struct mentor_row *mentors = NULL, *mentees = NULL;
	size_t nm = 0, ne = 0;
	struct programme prog;
	memset(c, 0, sizeof *c);
	int rc = state_programme_get(db, programme, &prog);
	if (rc != DB_OK)
		return rc;
	struct match_weights w;
	parse_weights(prog.weights, &w);
	programme_free(&prog);
	if ((rc = state_mentors_free(db, programme, 0, &mentors, &nm)) != DB_OK ||
	    (rc = state_mentees_unmatched(db, programme, &mentees, &ne)) != DB_OK)
		goto out;
	struct mprof *mp = xcalloc(nm + ne + 1, sizeof *mp);
	struct match_profile *mentor_p = xcalloc(nm + 1, sizeof *mentor_p), *mentee_p = xcalloc(ne + 1, sizeof *mentee_p);
	int64_t **excl = xcalloc(ne + 1, sizeof *excl);
	size_t km = 0, ke = 0, kp = 0;
	for (size_t i = 0; i < nm && rc == DB_OK; i++) {
		int offers = 0;
		if ((rc = state_offers_open_to(db, mentors[i].person, &offers)) != DB_OK)
			break;
		if (mentors[i].load + offers >= mentors[i].capacity)
			continue;
		mprof_fill(&mp[kp], mentors[i].person, mentors[i].topics, mentors[i].languages, mentors[i].field,
			   mentors[i].availability);
		mentor_p[km] = mp[kp++].mp;
		mentor_p[km].capacity = mentors[i].capacity;
		mentor_p[km].load = mentors[i].load + offers;
		c->places += mentors[i].capacity - mentors[i].load - offers;
		km++;
	}
	for (size_t i = 0; i < ne && rc == DB_OK; i++) {
		int64_t rid = 0;
		rc = state_request_open_any(db, mentees[i].person, programme, &rid);
		if (rc == DB_OK) {
			c->skipped = xrealloc(c->skipped, (c->n_skipped + 1) * sizeof *c->skipped);
			c->skipped_req = xrealloc(c->skipped_req, (c->n_skipped + 1) * sizeof *c->skipped_req);
			c->skipped[c->n_skipped] = mentees[i].person;
			c->skipped_req[c->n_skipped++] = rid;
			continue;
		}
		if (rc != DB_NOTFOUND)
			break;
		rc = DB_OK;
		mprof_fill(&mp[kp], mentees[i].person, mentees[i].topics, mentees[i].languages, mentees[i].field,
			   mentees[i].availability);
		/* a pair one side refused (declined, or let expire) is not suggested again */
		if ((rc = state_request_refused(db, mentees[i].person, programme, &excl[ke], &mp[kp].mp.n_exclude)) != DB_OK)
			break;
		mp[kp].mp.exclude = excl[ke];
		mentee_p[ke++] = mp[kp++].mp;
	}
	if (rc == DB_OK) {
		struct match_pool *pool = match_pool_new(&w, mentor_p, km);
		match_cohort(pool, mentee_p, ke, &c->a);
		match_pool_free(pool);
		c->n_mentees = ke;
		c->n_mentors = km;
	}
	for (size_t i = 0; i < kp; i++)
		mprof_free(&mp[i]);
	for (size_t i = 0; i <= ke && i < ne; i++)
		free(excl[i]);
	free(excl);
	free(mp);
	free(mentor_p);
	free(mentee_p);
out:
	mentor_rows_free(mentors, nm);
	mentor_rows_free(mentees, ne);
	if (rc != DB_OK)
		cohort_free(c);
	return rc;
}

int
h_cohort_preview(struct db *db, const char *programme, struct buf *out)
{
	struct cohort c;
	int rc = cohort_compute(db, programme, &c);
	if (rc != DB_OK)
		return rc;
	buf_addf(out, "programme %s: %zu unmatched mentees, %zu mentors with %lld free places\n", programme, c.n_mentees,
		 c.n_mentors, (long long)c.places);
	for (size_t i = 0; i < c.a.n_pairs; i++)
		buf_addf(out, "pair\tmentee %lld\tmentor %lld\tscore %d\n", (long long)c.a.pairs[i].mentee_id,
			 (long long)c.a.pairs[i].mentor_id, c.a.pairs[i].score);
	for (size_t i = 0; i < c.a.n_unmatched; i++)
		buf_addf(out, "unmatched\tmentee %lld\t%s\n", (long long)c.a.unmatched[i].mentee_id,
			 c.a.unmatched[i].reason == MATCH_UNMATCHED_NO_ELIGIBLE ? "no eligible mentor (language or topics)"
									       : "no free place left");
	for (size_t i = 0; i < c.n_skipped; i++)
		buf_addf(out, "skipped\tmentee %lld\topen request or offer %lld\n", (long long)c.skipped[i],
			 (long long)c.skipped_req[i]);
	buf_addf(out, "total score %lld (optimal: maximum total score within the mentors' capacities)\n",
		 (long long)c.a.total);
	cohort_free(&c);
	return DB_OK;
}

/* A person as staff see them: the name (any visibility) and the first verified address. Caller frees. */
static char *
staff_label(struct hctx *h, int64_t id)
{
	struct who w;
	char *out;
	if (who_load(h, id, &w) != DB_OK) {
		char num[24];
		snprintf(num, sizeof num, "%lld", (long long)id);
		who_free(&w);
		return hctx_text(h, "mentoring.anonymous", "id", num, NULL);
	}
	const char *name = who_value(&w, "name", 0);
	if (!name && w.p.name && *w.p.name)
		name = w.p.name;
	char num[24];
	snprintf(num, sizeof num, "%lld", (long long)id);
	char *n = name ? xstrdup(name) : hctx_text(h, "mentoring.anonymous", "id", num, NULL);
	const char *addr = NULL;
	for (size_t i = 0; i < w.neps && !addr; i++)
		if (w.eps[i].verified && strcmp(w.eps[i].kind, "mail") == 0)
			addr = w.eps[i].addr;
	for (size_t i = 0; i < w.neps && !addr; i++)
		if (w.eps[i].verified)
			addr = w.eps[i].addr;
	out = addr ? hctx_text(h, "match.person", "name", n, "address", addr, NULL) : xstrdup(n);
	free(n);
	who_free(&w);
	return out;
}

/* The unmatched and the left-out mentees as a section of the staff answer ("" when none). Caller frees. */
static char *
cohort_rest_text(struct hctx *h, const struct cohort *c)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < c->a.n_unmatched; i++) {
		char *who = staff_label(h, c->a.unmatched[i].mentee_id);
		char *line = hctx_text(h,
				       c->a.unmatched[i].reason == MATCH_UNMATCHED_NO_ELIGIBLE ? "match.unmatched.no_eligible"
												: "match.unmatched.capacity",
				       "mentee", who, NULL);
		buf_addf(&b, "%s%s", b.len ? "\n" : "", line);
		free(line);
		free(who);
	}
	for (size_t i = 0; i < c->n_skipped; i++) {
		char *who = staff_label(h, c->skipped[i]);
		char id[24];
		snprintf(id, sizeof id, "%lld", (long long)c->skipped_req[i]);
		char *line = hctx_text(h, "match.skipped", "mentee", who, "id", id, NULL);
		buf_addf(&b, "%s%s", b.len ? "\n" : "", line);
		free(line);
		free(who);
	}
	if (!b.len) {
		buf_free(&b);
		return xstrdup("");
	}
	char *list = buf_detach(&b);
	char *section = hctx_text(h, "match.unmatched", "list", list, NULL);
	char *out = xasprintf("\n%s\n", section); /* a paragraph of its own */
	free(section);
	free(list);
	return out;
}

/* Is word one of "publish" in either language? */
static int
is_publish_word(const char *word)
{
	static const char *const words[] = {"publish", "send", "veröffentlichen", "veroeffentlichen", "senden"};
	char *f = cmd_fold(word);
	int r = 0;
	for (size_t i = 0; i < ARRAY_LEN(words) && !r; i++)
		r = strcmp(f, words[i]) == 0;
	free(f);
	return r;
}

int
h_match_check(struct hctx *h)
{
	char *slug = cmd_fold(h->argv[0]);
	int rc = state_programme_exists(h->db, slug, NULL);
	if (rc < 0) {
		free(slug);
		return rc;
	}
	if (rc == DB_NOTFOUND) {
		char *list = state_programme_list(h->db);
		hctx_reply(h, "match.unknown_programme", "programme", h->argv[0], "programmes", list, NULL);
		free(list);
		free(slug);
		return 1;
	}
	if (h->argc > 1 && !is_publish_word(h->argv[1])) {
		char *cmdline = hctx_text(h, "match.publish_command", "match", hctx_cmd_word(h, h->cmd), "programme", slug,
					  NULL);
		hctx_reply(h, "match.bad_word", "word", h->argv[1], "command", cmdline, NULL);
		free(cmdline);
		free(slug);
		return 1;
	}
	free(slug);
	return 0;
}

int
h_match_run(struct hctx *h)
{
	char *slug = cmd_fold(h->argv[0]);
	int publish = h->argc > 1 && is_publish_word(h->argv[1]);
	char *pname = programme_name(h, slug);
	struct cohort c;
	int rc = cohort_compute(h->db, slug, &c);
	if (rc != DB_OK) {
		if (rc == DB_NOTFOUND) {
			char *list = state_programme_list(h->db);
			hctx_reply(h, "match.unknown_programme", "programme", h->argv[0], "programmes", list, NULL);
			free(list);
			rc = DB_OK;
		}
		free(pname);
		free(slug);
		return rc;
	}
	struct buf list = BUF_INIT;
	size_t sent = 0;
	for (size_t i = 0; i < c.a.n_pairs && rc == DB_OK; i++) {
		int64_t oid = 0;
		if (publish && (rc = offer_send(h, c.a.pairs[i].mentee_id, c.a.pairs[i].mentor_id, slug, &oid)) != DB_OK)
			break;
		sent += publish;
		char *e = staff_label(h, c.a.pairs[i].mentee_id), *m = staff_label(h, c.a.pairs[i].mentor_id);
		char score[16], id[24];
		snprintf(score, sizeof score, "%d", c.a.pairs[i].score);
		snprintf(id, sizeof id, "%lld", (long long)oid);
		char *line = hctx_text(h, publish ? "match.published.item" : "match.pair", "mentee", e, "mentor", m, "score",
				       score, "id", id, NULL);
		buf_addf(&list, "%s%s", list.len ? "\n" : "", line);
		free(line);
		free(m);
		free(e);
	}
	if (rc == DB_OK) {
		char *rest = cohort_rest_text(h, &c);
		char *pairs = list.len ? buf_detach(&list) : hctx_text(h, "match.pairs.none", NULL);
		char nmentees[24], nmentors[24], places[24], total[24], count[24];
		snprintf(nmentees, sizeof nmentees, "%zu", c.n_mentees);
		snprintf(nmentors, sizeof nmentors, "%zu", c.n_mentors);
		snprintf(places, sizeof places, "%lld", (long long)c.places);
		snprintf(total, sizeof total, "%lld", (long long)c.a.total);
		snprintf(count, sizeof count, "%zu", sent);
		char *cmdline = hctx_text(h, "match.publish_command", "match", hctx_cmd_word(h, h->cmd), "programme", slug,
					  NULL);
		hctx_reply(h, publish ? "match.published" : "match.preview", "programme", pname, "mentees", nmentees,
			   "mentors", nmentors, "places", places, "total", total, "count", count, "pairs", pairs,
			   "unmatched", rest, "publish", cmdline, NULL);
		free(cmdline);
		free(pairs);
		free(rest);
		if (publish)
			log_info("mentoring: whole-cohort matching of %s published: %zu offers", slug, sent);
	}
	buf_free(&list);
	cohort_free(&c);
	free(pname);
	free(slug);
	return rc < 0 ? rc : 0;
}

/* Every key the whole-cohort matching and its offers render, with the placeholders they get. */
const struct tmpl_key tmpl_keys_match[] = {
	{"cmd.match", "programmes,fields"},
	{"cmd.match.short", ""},
	{"match.unknown_programme", "programme,programmes"},
	{"match.bad_word", "command,word"},
	{"match.publish_command", "match,programme"},
	{"match.preview", "count,mentees,mentors,pairs,places,programme,publish,total,unmatched"},
	{"match.published", "count,mentees,mentors,pairs,places,programme,publish,total,unmatched"},
	{"match.pair", "id,mentee,mentor,score"},
	{"match.published.item", "id,mentee,mentor,score"},
	{"match.pairs.none", ""},
	{"match.person", "address,name"},
	{"match.unmatched", "list"},
	{"match.unmatched.no_eligible", "mentee"},
	{"match.unmatched.capacity", "mentee"},
	{"match.skipped", "id,mentee"},
	{"match.mail.offer", "subject,text"},
	{"match.mail.offer.subject", "subject,text"},
	{"match.offer.subject", "id,programme"},
	{"match.offer.to_mentee", "accept,deadline,decline,details,id,name,programme"},
	{"match.offer.to_mentor", "accept,deadline,decline,details,id,name,programme"},
	{"match.offer.chat", "accept,decline,id,name,programme,role"},
	{"match.offer.agreed", "id,name"},
	{"match.offer.already", "id,name"},
	{"match.offer.other_agreed", "accept,decline,find,id,name,programme,reason"},
	{"match.offer.other_agreed.subject", "id,programme"},
	{"match.offer.matched", "contact,id,name,role"},
	{"match.offer.full.mentee", "accept,capacity,decline,find,id,name,programme,reason"},
	{"match.offer.full.mentor", "accept,capacity,decline,find,id,name,programme,reason"},
	{"match.offer.closed.subject", "id,programme"},
	{"match.offer.declined.done", "id,name"},
	{"match.offer.declined.mentee", "accept,decline,find,id,name,programme,reason"},
	{"match.offer.declined.mentor", "accept,decline,find,id,name,programme,reason"},
	{"match.offer.reminder", "accept,deadline,decline,id,name,role"},
	{"match.offer.reminder.subject", "id"},
	{"match.offer.expired.mentee", "accept,decline,find,id,name,programme,reason"},
	{"match.offer.expired.mentor", "accept,decline,find,id,name,programme,reason"},
	{"match.offer.expired.subject", "id,programme"},
	{NULL, NULL},
};
