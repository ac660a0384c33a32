/*
 * h_mentoring_cohort.c - whole-cohort matching for staff: "match <programme>"
 * previews the optimal assignment (bot/match_cohort.c), "publish" (also from the
 * CLI) sends each pair as an offer; and the templates of matching.  See
 * h_mentoring.c for the design.  Runs inside the caller's transaction.
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
#include "state/mentoring_extra.h"

/* ---- whole-cohort matching: preview and publish (staff command and CLI) ---- */

/* One computation of the optimal assignment of a programme's free mentees to its mentors. */
struct cohort {
	size_t n_mentees; /* unmatched mentees considered */
	size_t n_mentors; /* mentors with a free place */
	int64_t places;   /* free places in all */
	struct match_assignment a;
	int64_t *skipped;     /* mentees left out: they have an open request or offer ... */
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
	mt_parse_weights(prog.weights, &w);
	programme_free(&prog);
	if ((rc = state_mentors_free(db, programme, 0, &mentors, &nm)) != DB_OK ||
	    (rc = state_mentees_unmatched(db, programme, &mentees, &ne)) != DB_OK)
		goto out;
	struct mprof *mp = xcalloc(nm + ne + 1, sizeof *mp);
	struct match_profile *mentor_p = xcalloc(nm + 1, sizeof *mentor_p),
			     *mentee_p = xcalloc(ne + 1, sizeof *mentee_p);
	int64_t **excl = xcalloc(ne + 1, sizeof *excl);
	size_t km = 0, ke = 0, kp = 0;
	for (size_t i = 0; i < nm && rc == DB_OK; i++) {
		int offers = 0;
		if ((rc = state_offers_open_to(db, mentors[i].person, &offers)) != DB_OK)
			break;
		if (mentors[i].load + offers >= mentors[i].capacity)
			continue;
		mt_mprof_fill(&mp[kp], mentors[i].person, mentors[i].topics, mentors[i].languages, mentors[i].field,
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
		mt_mprof_fill(&mp[kp], mentees[i].person, mentees[i].topics, mentees[i].languages, mentees[i].field,
			      mentees[i].availability);
		/* a pair one side refused (declined, or let expire) is not suggested again */
		if ((rc = state_request_refused(db, mentees[i].person, programme, &excl[ke], &mp[kp].mp.n_exclude)) !=
		    DB_OK)
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
		mt_mprof_free(&mp[i]);
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
	buf_addf(out, "programme %s: %zu unmatched mentees, %zu mentors with %lld free places\n", programme,
		 c.n_mentees, c.n_mentors, (long long)c.places);
	for (size_t i = 0; i < c.a.n_pairs; i++)
		buf_addf(out, "pair\tmentee %lld\tmentor %lld\tscore %d\n", (long long)c.a.pairs[i].mentee_id,
			 (long long)c.a.pairs[i].mentor_id, c.a.pairs[i].score);
	for (size_t i = 0; i < c.a.n_unmatched; i++)
		buf_addf(out, "unmatched\tmentee %lld\t%s\n", (long long)c.a.unmatched[i].mentee_id,
			 c.a.unmatched[i].reason == MATCH_UNMATCHED_NO_ELIGIBLE
				 ? "no eligible mentor (language or topics)"
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
				       c->a.unmatched[i].reason == MATCH_UNMATCHED_NO_ELIGIBLE
					       ? "match.unmatched.no_eligible"
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
	if (db_failed(rc)) {
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
		char *cmdline = hctx_text(h, "match.publish_command", "match", hctx_cmd_word(h, h->cmd), "programme",
					  slug, NULL);
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
	char *pname = mt_programme_name(h, slug);
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
		if (publish &&
		    (rc = mt_offer_send(h, c.a.pairs[i].mentee_id, c.a.pairs[i].mentor_id, slug, &oid)) != DB_OK)
			break;
		sent += publish;
		char *e = staff_label(h, c.a.pairs[i].mentee_id), *m = staff_label(h, c.a.pairs[i].mentor_id);
		char score[16], id[24];
		snprintf(score, sizeof score, "%d", c.a.pairs[i].score);
		snprintf(id, sizeof id, "%lld", (long long)oid);
		char *line = hctx_text(h, publish ? "match.published.item" : "match.pair", "mentee", e, "mentor", m,
				       "score", score, "id", id, NULL);
		buf_addf(&list, "%s%s", list.len ? "\n" : "", line);
		free(line);
		free(m);
		free(e);
	}
	if (rc == DB_OK && publish) {
		char *detail = xasprintf("offers=%zu", sent);
		rc = h_audit(h, "match.publish", slug, 0, detail);
		free(detail);
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
		char *cmdline = hctx_text(h, "match.publish_command", "match", hctx_cmd_word(h, h->cmd), "programme",
					  slug, NULL);
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
	return db_failed(rc) ? rc : 0;
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
