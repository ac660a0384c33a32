/*
 * test_match.c - mentee/mentor matching: a score and its reasons, the
 * language rule, availability and language parsing, `find mentor` top-k
 * order and capacity filter, and the whole-cohort assignment: optimal
 * (against brute force on small random instances and an independent
 * Bellman-Ford min-cost flow on medium ones), capacities never exceeded,
 * each mentee at most once, greedy never better.
 */
#include "match.h"
#include "t.h"
#include "util.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#define L(...) ((const char *const[]){__VA_ARGS__})
#define N(...) (sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static struct match_profile
person(int64_t id, const char *const *topics, size_t nt, const char *const *langs, size_t nl, const char *field,
       const char *const *avail, size_t na, int capacity, int load)
{
	struct match_profile p = {id, topics, nt, langs, nl, field, avail, na, capacity, load, NULL, 0};
	return p;
}

static void
test_score_lists_shared_topics_language_field_and_slots(void)
{
	struct match_profile mentor =
		person(7, L("Machine Learning", "Python", "career  planning"), 3, L("Deutsch", "en-GB"), 2,
		       "Computer Science", L("mon-pm", "evenings"), 2, 2, 0);
	struct match_profile mentee = person(1, L("machine learning", "Career Planning", "cooking"), 3, L("German"), 1,
					     "computer science", L("Monday afternoons"), 1, 0, 0);
	struct match_pool *pool = match_pool_new(NULL, &mentor, 1);
	struct match_reasons r;
	int s = match_score(pool, &mentee, 0, NULL, 0, &r);
	CHECK(s == 3 * 2 + 2 + 1 + 1);
	CHECK(r.score == s);
	CHECK(r.ineligible == MATCH_ELIGIBLE);
	CHECK(r.flags == (MATCH_R_TOPICS | MATCH_R_LANGUAGE | MATCH_R_FIELD | MATCH_R_AVAILABILITY));
	CHECK(r.n_topics == 2);
	CHECK_STR(r.topics[0], "career planning");
	CHECK_STR(r.topics[1], "machine learning");
	CHECK(r.n_languages == 1);
	CHECK_STR(r.languages[0], "de");
	CHECK_STR(r.field, "computer science");
	CHECK(r.slots == MATCH_SLOT(0, 1));
	CHECK(r.n_query_topics == 0);

	/* query words add the mentor topics they hit: a phrase or one of its words */
	s = match_score(pool, &mentee, 0, L("python", "learning"), 2, &r);
	CHECK(s == 10 + 3 * 2);
	CHECK(r.flags & MATCH_R_QUERY);
	CHECK(r.n_query_topics == 2);
	CHECK_STR(r.query_topics[0], "machine learning");
	CHECK_STR(r.query_topics[1], "python");
	/* stop words and unknown words hit nothing */
	CHECK(match_score(pool, &mentee, 0, L("and", "knitting"), 2, NULL) == 10);
	/* out of range mentor */
	CHECK(match_score(pool, &mentee, 5, NULL, 0, &r) == -1);
	match_pool_free(pool);
}

static void
test_no_shared_language_is_ineligible_unless_weights_allow(void)
{
	struct match_profile mentor = person(7, L("python"), 1, L("de", "en"), 2, "physics", NULL, 0, 1, 0);
	struct match_profile fr = person(1, L("python"), 1, L("Französisch"), 1, "physics", NULL, 0, 0, 0);
	struct match_profile unknown = person(2, L("python"), 1, NULL, 0, "physics", NULL, 0, 0, 0);
	struct match_reasons r;
	struct match_pool *pool = match_pool_new(NULL, &mentor, 1);
	CHECK(match_score(pool, &fr, 0, NULL, 0, &r) == -1);
	CHECK(r.ineligible == MATCH_INELIGIBLE_LANGUAGE);
	/* no languages named: unknown, not a mismatch, no language points */
	CHECK(match_score(pool, &unknown, 0, NULL, 0, &r) == 3 + 1);
	CHECK(!(r.flags & MATCH_R_LANGUAGE));
	/* the same person on both sides */
	struct match_profile self = person(7, L("python"), 1, L("de"), 1, NULL, NULL, 0, 0, 0);
	CHECK(match_score(pool, &self, 0, NULL, 0, &r) == -1);
	CHECK(r.ineligible == MATCH_INELIGIBLE_SELF);
	match_pool_free(pool);

	struct match_weights w = MATCH_WEIGHTS_DEFAULT;
	w.language_required = 0;
	pool = match_pool_new(&w, &mentor, 1);
	CHECK(match_score(pool, &fr, 0, NULL, 0, &r) == 3 + 1);
	CHECK(r.ineligible == MATCH_ELIGIBLE);
	match_pool_free(pool);
}

static void
test_weights_change_the_score(void)
{
	struct match_profile mentor = person(7, L("a", "b"), 2, L("en"), 1, "x", L("weekends"), 1, 1, 0);
	struct match_profile mentee = person(1, L("a", "b", "c"), 3, L("en"), 1, "X", L("Samstag"), 1, 0, 0);
	struct match_weights w = {10, 5, 7, 11, 0, 1};
	struct match_pool *pool = match_pool_new(&w, &mentor, 1);
	CHECK(match_score(pool, &mentee, 0, NULL, 0, NULL) == 20 + 5 + 7 + 11);
	match_pool_free(pool);
}

static void
test_availability_slots_from_codes_and_free_text(void)
{
	const uint32_t all_eve = MATCH_SLOT(0, 2) | MATCH_SLOT(1, 2) | MATCH_SLOT(2, 2) | MATCH_SLOT(3, 2) |
				 MATCH_SLOT(4, 2) | MATCH_SLOT(5, 2) | MATCH_SLOT(6, 2);
	uint32_t mon = MATCH_SLOT(0, 0) | MATCH_SLOT(0, 1) | MATCH_SLOT(0, 2);
	CHECK(match_availability_parse(L("mon-pm"), 1) == MATCH_SLOT(0, 1));
	CHECK(match_availability_parse(L("evenings"), 1) == all_eve);
	CHECK(match_availability_parse(L("Di abends"), 1) == MATCH_SLOT(1, 2));
	CHECK(match_availability_parse(L("Tuesday and Thursday evenings"), 1) == (MATCH_SLOT(1, 2) | MATCH_SLOT(3, 2)));
	CHECK(match_availability_parse(L("weekends"), 1) == ((mon << 15) | (mon << 18)));
	CHECK(match_availability_parse(L("Montag"), 1) == mon);
	CHECK(match_availability_parse(L("mon-fri am"), 1) ==
	      (MATCH_SLOT(0, 0) | MATCH_SLOT(1, 0) | MATCH_SLOT(2, 0) | MATCH_SLOT(3, 0) | MATCH_SLOT(4, 0)));
	CHECK(match_availability_parse(L("Montag bis Mittwoch nachmittags"), 1) ==
	      (MATCH_SLOT(0, 1) | MATCH_SLOT(1, 1) | MATCH_SLOT(2, 1)));
	CHECK(match_availability_parse(L("mon-am, wed-eve"), 1) == (MATCH_SLOT(0, 0) | MATCH_SLOT(2, 2)));
	CHECK(match_availability_parse(L("mon-am", "wed-eve"), 2) == (MATCH_SLOT(0, 0) | MATCH_SLOT(2, 2)));
	CHECK(match_availability_parse(L("anytime"), 1) == 0x1fffffu);
	/* "do" is Thursday only among slot words, not in an English sentence */
	CHECK(match_availability_parse(L("Do abends"), 1) == MATCH_SLOT(3, 2));
	CHECK(match_availability_parse(L("I can do evenings"), 1) == all_eve);
	CHECK(match_availability_parse(L("ask me"), 1) == 0);
	CHECK(match_availability_parse(NULL, 0) == 0);
}

static void
test_language_names_and_codes_normalise(void)
{
	char b[16];
	CHECK(match_language_normalize("Deutsch", b, sizeof(b)) == 1);
	CHECK_STR(b, "de");
	CHECK(match_language_normalize("en_GB", b, sizeof(b)) == 1);
	CHECK_STR(b, "en");
	CHECK(match_language_normalize("Türkisch", b, sizeof(b)) == 1);
	CHECK_STR(b, "tr");
	CHECK(match_language_normalize("FRANZÖSISCH", b, sizeof(b)) == 1);
	CHECK_STR(b, "fr");
	CHECK(match_language_normalize("Klingon", b, sizeof(b)) == 0);
	CHECK_STR(b, "klingon");
	CHECK(match_language_normalize("Klingon", b, 4) == 0);
	CHECK_STR(b, "kli");
}

static void
test_top_k_sorted_by_score_then_id_with_free_capacity_only(void)
{
	struct match_profile m[9];
	/* scores with the mentee below: 3 topics -> 9+2, ... */
	m[0] = person(50, L("a"), 1, L("en"), 1, NULL, NULL, 0, 1, 0);           /* 3 + 2 = 5 */
	m[1] = person(40, L("a", "b"), 2, L("en"), 1, NULL, NULL, 0, 2, 1);      /* 6 + 2 = 8 */
	m[2] = person(30, L("a", "b", "c"), 3, L("en"), 1, NULL, NULL, 0, 1, 1); /* full */
	m[3] = person(20, L("a"), 1, L("en"), 1, NULL, NULL, 0, 3, 0);           /* 5, lower id than 50 */
	m[4] = person(10, L("a", "b", "c"), 3, L("fr"), 1, NULL, NULL, 0, 1, 0); /* ineligible */
	m[5] = person(60, L("z"), 1, L("en"), 1, "bio", NULL, 0, 1, 0);          /* 2 + 1 = 3 */
	m[6] = person(70, L("a", "c"), 2, L("en"), 1, NULL, NULL, 0, 1, 0);      /* 8, higher id than 40 */
	m[7] = person(80, L("z"), 1, NULL, 0, NULL, NULL, 0, 1, 0);              /* 0: not shown */
	m[8] = person(90, L("b"), 1, L("en"), 1, NULL, NULL, 0, 0, 0);           /* no capacity */
	struct match_profile mentee = person(1, L("a", "b", "c"), 3, L("en"), 1, "bio", NULL, 0, 0, 0);
	struct match_pool *pool = match_pool_new(NULL, m, 9);
	struct match_hit hits[8];
	size_t n = match_top(pool, &mentee, NULL, 0, 5, hits);
	CHECK(n == 5);
	CHECK(hits[0].id == 40 && hits[0].score == 8 && hits[0].mentor == 1);
	CHECK(hits[1].id == 70 && hits[1].score == 8);
	CHECK(hits[2].id == 20 && hits[2].score == 5);
	CHECK(hits[3].id == 50 && hits[3].score == 5);
	CHECK(hits[4].id == 60 && hits[4].score == 3);
	CHECK(hits[0].reasons.n_topics == 2 && hits[0].reasons.score == 8);
	CHECK_STR(hits[4].reasons.field, "bio");
	/* fewer candidates than k */
	n = match_top(pool, &mentee, NULL, 0, 8, hits);
	CHECK(n == 5);
	/* a query that promotes a mentor past two others */
	n = match_top(pool, &mentee, L("z"), 1, 3, hits);
	CHECK(n == 3 && hits[2].id == 60 && hits[2].score == 6);
	CHECK(hits[2].reasons.n_query_topics == 1 && hits[2].reasons.flags & MATCH_R_QUERY);
	n = match_top(pool, &mentee, NULL, 0, 1, hits);
	CHECK(n == 1 && hits[0].id == 40);
	CHECK(match_top(pool, &mentee, NULL, 0, 0, hits) == 0);
	match_pool_free(pool);
}

/* ---------- cohort: random instances ---------- */

static uint64_t rng = 88172645463325252ull;
static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static const char *const vocab[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
static const char *const langs[] = {"de", "en", "fr"};
static const char *const fields[] = {"bio", "cs", "math"};
static const char *const avail[] = {"mon-am", "evenings", "weekends", "tue-pm"};
static char filler[40][8];

struct inst {
	struct match_profile *p;
	const char **s;
};

static void
gen(struct inst *in, size_t n, int mentor, int many_topics, int nvocab)
{
	in->p = xcalloc(n, sizeof(*in->p));
	in->s = xcalloc(n * 64, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char **s = in->s + i * 64;
		struct match_profile *p = &in->p[i];
		size_t nt = rnd(4), k = 0;
		p->id = (int64_t)(mentor ? 1000 + i : i + 1);
		p->topics = s;
		for (size_t j = 0; j < nt; j++)
			s[k++] = vocab[rnd((uint32_t)nvocab)];
		/* mentors with 40 filler topics each push the pool past 64 topics,
		 * onto the sorted-array path */
		if (many_topics && mentor)
			for (size_t j = 0; j < 40; j++)
				s[k++] = filler[(i * 7 + j) % 40];
		p->n_topics = k;
		s += 48;
		p->languages = s;
		k = 0;
		for (size_t j = 0; j < 3; j++)
			if (rnd(3) == 0)
				s[k++] = langs[j];
		p->n_languages = k;
		s += 4;
		p->field = rnd(2) ? fields[rnd(3)] : NULL;
		p->availability = s;
		p->n_availability = rnd(2);
		if (p->n_availability)
			s[0] = avail[rnd(4)];
		p->capacity = mentor ? 1 + (int)rnd(2) : 0;
		p->load = mentor && rnd(5) == 0 ? 1 : 0;
	}
}

static void
inst_free(struct inst *in)
{
	free(in->p);
	free(in->s);
}

/* Every assignment of n mentees to m mentors (or none): the best
 * (total, number placed), lexicographically. */
static void
brute(const int *sc, size_t n, size_t m, int *left, size_t i, long total, long placed, long *best_t, long *best_p)
{
	if (i == n) {
		if (total > *best_t || (total == *best_t && placed > *best_p)) {
			*best_t = total;
			*best_p = placed;
		}
		return;
	}
	brute(sc, n, m, left, i + 1, total, placed, best_t, best_p);
	for (size_t j = 0; j < m; j++) {
		if (sc[i * m + j] <= 0 || left[j] <= 0)
			continue;
		left[j]--;
		brute(sc, n, m, left, i + 1, total + sc[i * m + j], placed + 1, best_t, best_p);
		left[j]++;
	}
}

/* Constraints every assignment must keep; returns 1 when all hold. */
static int
valid(const struct match_assignment *a, const struct match_profile *me, size_t n, const struct match_profile *mo,
      size_t m, const int *sc)
{
	int *used = xcalloc(m + 1, sizeof(int));
	char *seen = xcalloc(n + 1, 1);
	int ok = a->n_pairs + a->n_unmatched == n;
	long total = 0;
	for (size_t k = 0; k < a->n_pairs; k++) {
		const struct match_pair *p = &a->pairs[k];
		ok &= p->mentee < n && p->mentor < m && !seen[p->mentee];
		if (!ok)
			break;
		seen[p->mentee] = 1;
		used[p->mentor]++;
		ok &= p->score == sc[p->mentee * m + p->mentor] && p->score > 0;
		ok &= p->mentee_id == me[p->mentee].id && p->mentor_id == mo[p->mentor].id;
		ok &= k == 0 || a->pairs[k - 1].mentee < p->mentee;
		total += p->score;
	}
	ok &= total == a->total;
	for (size_t j = 0; ok && j < m; j++)
		ok &= used[j] <= mo[j].capacity - mo[j].load;
	for (size_t k = 0; ok && k < a->n_unmatched; k++) {
		const struct match_unmatched *u = &a->unmatched[k];
		ok &= u->mentee < n && !seen[u->mentee];
		if (!ok)
			break;
		seen[u->mentee] = 1;
		int any = 0;
		for (size_t j = 0; j < m; j++)
			any |= sc[u->mentee * m + j] > 0;
		ok &= u->reason == (any ? MATCH_UNMATCHED_CAPACITY : MATCH_UNMATCHED_NO_ELIGIBLE);
		ok &= u->mentee_id == me[u->mentee].id;
	}
	free(used);
	free(seen);
	return ok;
}

static void
test_cohort_optimal_against_brute_force(void)
{
	int bad_opt = 0, bad_valid = 0, bad_greedy = 0, bad_matrix = 0, strictly_better = 0;
	for (size_t k = 0; k < 40; k++)
		snprintf(filler[k], sizeof(filler[k]), "f%zu", k);
	for (int t = 0; t < 3000; t++) {
		size_t n = 1 + rnd(6), m = 1 + rnd(4);
		struct inst me, mo;
		int many = t % 3 == 0;
		gen(&mo, m, 1, many, 3 + (int)rnd(6));
		gen(&me, n, 0, many, 3 + (int)rnd(6));
		struct match_pool *pool = match_pool_new(NULL, mo.p, m);
		int *sc = match_score_matrix(pool, me.p, n);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < m; j++)
				bad_matrix += sc[i * m + j] != match_score(pool, &me.p[i], j, NULL, 0, NULL);
		int left[4];
		for (size_t j = 0; j < m; j++)
			left[j] = mo.p[j].capacity - mo.p[j].load;
		long bt = 0, bp = 0;
		brute(sc, n, m, left, 0, 0, 0, &bt, &bp);
		struct match_assignment opt, gr;
		match_cohort(pool, me.p, n, &opt);
		match_greedy(pool, me.p, n, &gr);
		bad_opt += opt.total != bt || (long)opt.n_pairs != bp;
		bad_valid += !valid(&opt, me.p, n, mo.p, m, sc) + !valid(&gr, me.p, n, mo.p, m, sc);
		bad_greedy += gr.total > opt.total;
		strictly_better += opt.total > gr.total;
		match_assignment_free(&opt);
		match_assignment_free(&gr);
		free(sc);
		match_pool_free(pool);
		inst_free(&me);
		inst_free(&mo);
	}
	CHECK(bad_matrix == 0);
	CHECK(bad_opt == 0);
	CHECK(bad_valid == 0);
	CHECK(bad_greedy == 0);
	CHECK(strictly_better > 0); /* the instances do tell greedy from optimal */
}

/* Independent reference: successive shortest paths with Bellman-Ford on
 * the explicit flow network s -> mentee -> mentor slot group -> t, costs
 * -(score * K + 1); stops when no path lowers the cost. */
static void
reference(const int *sc, size_t n, size_t m, const int *cap, long *tot, long *placed)
{
	size_t V = n + m + 2, S = n + m, T = n + m + 1, E = 0, ecap = 2 * (n + m + n * m);
	size_t *to = xmalloc(ecap * sizeof(size_t)), *head = xmalloc(V * sizeof(size_t)),
	       *nxt = xmalloc(ecap * sizeof(size_t));
	long *capa = xmalloc(ecap * sizeof(long)), *cost = xmalloc(ecap * sizeof(long));
	long K = (long)n + 1;
	for (size_t v = 0; v < V; v++)
		head[v] = SIZE_MAX;
#define ADD(a, b, c, w)                                                                                                \
	do {                                                                                                           \
		to[E] = (b), capa[E] = (c), cost[E] = (w), nxt[E] = head[a], head[a] = E++;                            \
		to[E] = (a), capa[E] = 0, cost[E] = -(w), nxt[E] = head[b], head[b] = E++;                             \
	} while (0)
	for (size_t i = 0; i < n; i++)
		ADD(S, i, 1, 0);
	for (size_t j = 0; j < m; j++)
		ADD(n + j, T, cap[j], 0);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < m; j++)
			if (sc[i * m + j] > 0)
				ADD(i, n + j, 1, -(sc[i * m + j] * K + 1));
#undef ADD
	long *d = xmalloc(V * sizeof(long));
	size_t *pe = xmalloc(V * sizeof(size_t));
	long c = 0;
	*placed = 0;
	for (;;) {
		for (size_t v = 0; v < V; v++)
			d[v] = LONG_MAX;
		d[S] = 0;
		for (size_t it = 0; it < V; it++) {
			int ch = 0;
			for (size_t v = 0; v < V; v++) {
				if (d[v] == LONG_MAX)
					continue;
				for (size_t e = head[v]; e != SIZE_MAX; e = nxt[e])
					if (capa[e] > 0 && d[v] + cost[e] < d[to[e]]) {
						d[to[e]] = d[v] + cost[e];
						pe[to[e]] = e;
						ch = 1;
					}
			}
			if (!ch)
				break;
		}
		if (d[T] == LONG_MAX || d[T] >= 0)
			break;
		for (size_t v = T; v != S; v = to[pe[v] ^ 1]) {
			capa[pe[v]]--;
			capa[pe[v] ^ 1]++;
		}
		c += d[T];
		(*placed)++;
	}
	*tot = (-c - *placed) / K;
	free(to);
	free(head);
	free(nxt);
	free(capa);
	free(cost);
	free(d);
	free(pe);
}

static void
test_cohort_optimal_against_reference_flow_on_medium_instances(void)
{
	int bad = 0, bad_valid = 0;
	for (int t = 0; t < 40; t++) {
		size_t n = 20 + rnd(41), m = 5 + rnd(21);
		struct inst me, mo;
		gen(&mo, m, 1, t % 4 == 0, 3 + (int)rnd(6));
		gen(&me, n, 0, t % 4 == 0, 3 + (int)rnd(6));
		struct match_pool *pool = match_pool_new(NULL, mo.p, m);
		int *sc = match_score_matrix(pool, me.p, n);
		int *cap = xmalloc(m * sizeof(int));
		for (size_t j = 0; j < m; j++)
			cap[j] = mo.p[j].capacity - mo.p[j].load;
		long rt, rp;
		reference(sc, n, m, cap, &rt, &rp);
		struct match_assignment opt;
		match_cohort(pool, me.p, n, &opt);
		bad += opt.total != rt || (long)opt.n_pairs != rp;
		bad_valid += !valid(&opt, me.p, n, mo.p, m, sc);
		match_assignment_free(&opt);
		free(cap);
		free(sc);
		match_pool_free(pool);
		inst_free(&me);
		inst_free(&mo);
	}
	CHECK(bad == 0);
	CHECK(bad_valid == 0);
}

static void
test_cohort_beats_greedy_and_prefers_placing_more(void)
{
	struct match_weights w = {1, 0, 0, 0, 0, 0}; /* score = shared topics */
	struct match_profile mo[2], me[3];
	mo[0] = person(100, L("a", "b", "c", "d"), 4, NULL, 0, NULL, NULL, 0, 1, 0); /* x */
	mo[1] = person(101, L("a"), 1, NULL, 0, NULL, NULL, 0, 1, 0);                /* y */
	me[0] = person(1, L("a", "b"), 2, NULL, 0, NULL, NULL, 0, 0, 0);             /* x 2, y 1 */
	me[1] = person(2, L("c", "d"), 2, NULL, 0, NULL, NULL, 0, 0, 0);             /* x 2 */
	me[2] = person(3, L("zzz"), 1, NULL, 0, NULL, NULL, 0, 0, 0);                /* nobody */
	struct match_pool *pool = match_pool_new(&w, mo, 2);
	struct match_assignment opt, gr;
	match_cohort(pool, me, 3, &opt);
	match_greedy(pool, me, 3, &gr);
	CHECK(opt.total == 3 && opt.n_pairs == 2);
	CHECK(opt.pairs[0].mentee_id == 1 && opt.pairs[0].mentor_id == 101 && opt.pairs[0].score == 1);
	CHECK(opt.pairs[1].mentee_id == 2 && opt.pairs[1].mentor_id == 100 && opt.pairs[1].score == 2);
	CHECK(opt.n_unmatched == 1 && opt.unmatched[0].mentee_id == 3);
	CHECK(opt.unmatched[0].reason == MATCH_UNMATCHED_NO_ELIGIBLE);
	CHECK(gr.total == 2 && gr.n_pairs == 1);
	CHECK(gr.n_unmatched == 2 && gr.unmatched[0].mentee_id == 2);
	CHECK(gr.unmatched[0].reason == MATCH_UNMATCHED_CAPACITY);
	match_assignment_free(&opt);
	match_assignment_free(&gr);
	match_pool_free(pool);

	/* equal totals: the assignment placing more mentees wins */
	mo[0] = person(100, L("a", "b", "c"), 3, NULL, 0, NULL, NULL, 0, 1, 0);
	me[1] = person(2, L("c"), 1, NULL, 0, NULL, NULL, 0, 0, 0); /* x 1 */
	pool = match_pool_new(&w, mo, 2);
	match_cohort(pool, me, 2, &opt);
	CHECK(opt.total == 2 && opt.n_pairs == 2);
	match_assignment_free(&opt);
	/* no mentees, and a pool without mentors */
	match_cohort(pool, me, 0, &opt);
	CHECK(opt.n_pairs == 0 && opt.n_unmatched == 0 && opt.total == 0);
	match_assignment_free(&opt);
	match_pool_free(pool);
	pool = match_pool_new(NULL, NULL, 0);
	match_cohort(pool, me, 3, &opt);
	CHECK(opt.n_pairs == 0 && opt.n_unmatched == 3 && opt.unmatched[0].reason == MATCH_UNMATCHED_NO_ELIGIBLE);
	match_assignment_free(&opt);
	match_pool_free(pool);
}

/* A mentor on the mentee's exclude list is never assigned: the next best one is, or none. */
static void
test_cohort_respects_excluded_mentors(void)
{
	struct match_profile mentors[2] = {
		person(10, L("rust", "go"), 2, NULL, 0, NULL, NULL, 0, 1, 0),
		person(11, L("rust"), 1, NULL, 0, NULL, NULL, 0, 1, 0),
	};
	struct match_profile mentees[2] = {
		person(1, L("rust", "go"), 2, NULL, 0, NULL, NULL, 0, 0, 0),
		person(2, L("go"), 1, NULL, 0, NULL, NULL, 0, 0, 0),
	};
	struct match_pool *pool = match_pool_new(NULL, mentors, 2);
	struct match_assignment a;
	/* without exclusions: 1 -> 11 (rust), 2 -> 10 (go) beats 1 -> 10 alone */
	match_cohort(pool, mentees, 2, &a);
	CHECK(a.n_pairs == 2 && a.pairs[0].mentor_id == 11 && a.pairs[1].mentor_id == 10);
	match_assignment_free(&a);
	/* mentee 2 refused mentor 10 earlier: it has nobody else, mentee 1 gets the better mentor */
	const int64_t no10[] = {10};
	mentees[1].exclude = no10;
	mentees[1].n_exclude = 1;
	match_cohort(pool, mentees, 2, &a);
	CHECK(a.n_pairs == 1 && a.pairs[0].mentee_id == 1 && a.pairs[0].mentor_id == 10);
	CHECK(a.n_unmatched == 1 && a.unmatched[0].mentee_id == 2 &&
	      a.unmatched[0].reason == MATCH_UNMATCHED_NO_ELIGIBLE);
	match_assignment_free(&a);
	/* the greedy baseline honours it too */
	match_greedy(pool, mentees, 2, &a);
	for (size_t i = 0; i < a.n_pairs; i++)
		CHECK(!(a.pairs[i].mentee_id == 2 && a.pairs[i].mentor_id == 10));
	match_assignment_free(&a);
	match_pool_free(pool);
}

int
main(void)
{
	RUN(test_score_lists_shared_topics_language_field_and_slots);
	RUN(test_no_shared_language_is_ineligible_unless_weights_allow);
	RUN(test_weights_change_the_score);
	RUN(test_availability_slots_from_codes_and_free_text);
	RUN(test_language_names_and_codes_normalise);
	RUN(test_top_k_sorted_by_score_then_id_with_free_capacity_only);
	RUN(test_cohort_optimal_against_brute_force);
	RUN(test_cohort_optimal_against_reference_flow_on_medium_instances);
	RUN(test_cohort_beats_greedy_and_prefers_placing_more);
	RUN(test_cohort_respects_excluded_mentors);
	return t_done();
}
