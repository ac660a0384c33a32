/*
 * h_mentoring_find.c - "find mentor [words]": the best-fitting mentors with
 * free places in the mentee's programmes, with the reasons, kept for
 * "request <n>" and the cascade.  See h_mentoring.c for the design.  Runs
 * inside the dispatcher's transaction.
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
#include "handlers/h_mentoring_int.h"
#include "handlers/handlers.h"
#include "state/directory.h"
#include "state/mentoring_extra.h"

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

void
mt_mprof_fill(struct mprof *m, int64_t id, const char *topics, const char *langs, const char *field, const char *avail)
{
	memset(m, 0, sizeof *m);
	m->mp.id = id;
	m->mp.n_topics = mt_split_items(topics, ",;\n", &m->copies[0], m->topics, LIST_MAX);
	m->mp.topics = m->topics;
	m->mp.n_languages = mt_split_items(langs, ",;/ \n", &m->copies[1], m->langs, LIST_MAX);
	m->mp.languages = m->langs;
	m->mp.field = field;
	m->mp.n_availability = mt_split_items(avail, ",;\n", &m->copies[2], m->avail, LIST_MAX);
	m->mp.availability = m->avail;
}

void
mt_mprof_free(struct mprof *m)
{
	for (int i = 0; i < 3; i++)
		free(m->copies[i]);
}

/* Candidates of one programme appended to *v.  <0 on a database error. */
static int
find_in_programme(struct hctx *h, const char *programme, const struct match_profile *mentee, struct cand **v, size_t *n)
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
	if (db_failed(rc)) {
		mentor_rows_free(rows, nr);
		return rc;
	}
	mt_parse_weights(rc == DB_OK ? prog.weights : NULL, &w);
	programme_free(&prog);
	struct mprof *mp = xcalloc(nr, sizeof *mp);
	struct match_profile *profiles = xcalloc(nr, sizeof *profiles);
	size_t k = 0;
	int drc = DB_OK;
	for (size_t i = 0; i < nr && drc == DB_OK; i++) {
		/* an alumna whose "open to" leaves out mentoring is not offered (state/directory.h) */
		int closed = 0;
		if ((drc = dir_mentoring_closed(h->db, rows[i].person, &closed)) != DB_OK || closed)
			continue;
		mt_mprof_fill(&mp[k], rows[i].person, rows[i].topics, rows[i].languages, rows[i].field,
			      rows[i].availability);
		profiles[k] = mp[k].mp;
		profiles[k].capacity = rows[i].capacity;
		profiles[k].load = rows[i].load;
		k++;
	}
	struct match_pool *pool = match_pool_new(&w, profiles, drc == DB_OK ? k : 0);
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
		c->languages = join_list(r->languages,
					 r->n_languages < MATCH_REASON_ITEMS ? r->n_languages : MATCH_REASON_ITEMS);
		c->field = xstrdup(r->field ? r->field : "");
	}
	match_pool_free(pool);
	for (size_t i = 0; i < nr; i++)
		mt_mprof_free(&mp[i]);
	free(mp);
	free(profiles);
	mentor_rows_free(rows, nr);
	return drc;
}

/* Why this mentor, in the asker's language; hidden fields are only counted, never named.  Caller frees. */
static char *
reasons_text(struct hctx *h, const struct cand *c, const struct who *m)
{
	struct buf b = BUF_INIT;
	char *s = NULL;
	char num[16];
	if (c->flags & MATCH_R_QUERY)
		s = mt_who_visible(m, "topics") ? hctx_text(h, "mentoring.reason.query", "items", c->query, NULL)
						: hctx_text(h, "mentoring.reason.query_hidden", NULL);
	if (s) {
		buf_addf(&b, "%s%s", b.len ? "; " : "", s);
		free(s);
		s = NULL;
	}
	if (c->flags & MATCH_R_TOPICS) {
		snprintf(num, sizeof num, "%zu", c->n_topics);
		s = mt_who_visible(m, "topics")
			    ? hctx_text(h, "mentoring.reason.topics", "items", c->topics, "count", num, NULL)
			    : hctx_text(h, "mentoring.reason.topics_hidden", "count", num, NULL);
		buf_addf(&b, "%s%s", b.len ? "; " : "", s);
		free(s);
	}
	if (c->flags & MATCH_R_LANGUAGE) {
		s = mt_who_visible(m, "languages")
			    ? hctx_text(h, "mentoring.reason.language", "items", c->languages, NULL)
			    : hctx_text(h, "mentoring.reason.language_hidden", NULL);
		buf_addf(&b, "%s%s", b.len ? "; " : "", s);
		free(s);
	}
	if (c->flags & MATCH_R_FIELD) {
		s = mt_who_visible(m, "field") ? hctx_text(h, "mentoring.reason.field", "field", c->field, NULL)
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

/* Only an active mentee of some programme has mentors to find. */
int
h_find_mentor_check(struct hctx *h)
{
	struct strlist progs;
	int rc = mentee_programmes(h, &progs);
	size_t n = progs.n;
	strlist_free(&progs);
	if (rc != DB_OK)
		return db_failed(rc) ? rc : DB_ERR;
	if (n == 0) {
		char *list = state_programme_list(h->db);
		hctx_reply(h, "mentoring.not_mentee", "programmes", list, NULL);
		free(list);
		return 1;
	}
	return 0;
}

int
h_find_mentor_run(struct hctx *h)
{
	struct strlist progs;
	struct who me = {0};
	struct cand *c = NULL;
	size_t nc = 0, matched = 0;
	int rc = mentee_programmes(h, &progs);
	if (rc != DB_OK)
		return rc;
	if (progs.n == 0) { /* h_find_mentor_check, in this transaction, said there is one */
		strlist_free(&progs);
		return DB_ERR;
	}
	if ((rc = who_load(h, h->person.id, &me)) != DB_OK)
		goto out;
	struct mprof mine;
	mt_mprof_fill(&mine, me.p.id, who_value(&me, "topics", 0), who_value(&me, "languages", 0),
		      who_value(&me, "field", 0), who_value(&me, "availability", 0));
	for (size_t i = 0; i < progs.n && rc == DB_OK; i++) {
		int m = state_match_active(h->db, h->person.id, progs.v[i]);
		if (db_failed(m))
			rc = m;
		else if (m == DB_OK)
			matched++;
		else
			rc = find_in_programme(h, progs.v[i], &mine.mp, &c, &nc);
	}
	mt_mprof_free(&mine);
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
		char *details = mt_who_details(h, &m, h->lang);
		char *item = hctx_text(h, "mentoring.find.item", "n", num, "name", name, "score", score, "reasons",
				       reasons, "details", details, NULL);
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
		hctx_reply(h, "mentoring.find", "count", count, "list", l, "request",
			   hctx_cmd_word_in(h->lang, "request"), NULL);
		free(l);
	} else {
		buf_free(&list);
	}
out:
	cands_free(c, nc);
	who_free(&me);
	strlist_free(&progs);
	return db_failed(rc) ? rc : 0;
}
