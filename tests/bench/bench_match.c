/*
 * bench_match.c - figures for the matching code (issue 4, Benchmark):
 * whole-cohort matching of 2,000 mentees to 1,000 mentors (capacity 1-3,
 * 20 topics, 3 languages), its total against the greedy baseline, and
 * `find mentor` (match_top) over 5,000 mentors.  Instances come from a
 * fixed seed, so every run measures the same problem.
 *
 *   bench_match                   print "name: value" lines
 *   bench_match --dump FILE       also write the slot-expanded score matrix
 *                                 (int32 rows, int32 cols, rows*cols int32,
 *                                 row-major, 0 where no pair is allowed) for
 *                                 tests/bench/bench_match.py
 *
 * Built by tests/bench/bench_match.py against build/obj/bot/match.o and
 * util.o.
 */
#include "match.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(uint32_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 33) % n;
}

static const char *const topics[20] = {
	"machine learning", "career planning", "phd applications", "python",         "data science",
	"entrepreneurship", "public speaking", "robotics",         "climate",        "finance",
	"ux design",        "biotech",         "work-life balance", "networking",    "leadership",
	"academic writing", "statistics",      "startups",         "software engineering", "research ethics"};
static const char *const langs[3] = {"de", "English", "fr"};
static const char *const fields[8] = {"computer science", "biology", "physics", "economics",
				      "mechanical engineering", "chemistry", "mathematics", "psychology"};
static const char *const slots[10] = {"mon-pm", "tue-am", "evenings", "weekends", "Di abends",
				      "thursday afternoons", "fri-am", "wed-eve", "Montag bis Freitag vormittags", "sat"};

struct person_store {
	struct match_profile *p;
	const char **strs; /* all the string arrays of all people, one block */
};

/* n random people; mentors get capacity 1-3. */
static void
gen(size_t n, int mentors, struct person_store *st)
{
	st->p = xcalloc(n, sizeof(*st->p));
	st->strs = xcalloc(n * 16, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		struct match_profile *p = &st->p[i];
		const char **s = st->strs + i * 16;
		size_t nt = 2 + rnd(4), k = 0;
		p->id = (int64_t)(mentors ? 100000 + i : i + 1);
		p->topics = s;
		while (k < nt) {
			const char *t = topics[rnd(20)];
			int dup = 0;
			for (size_t j = 0; j < k; j++)
				dup |= s[j] == t;
			if (!dup)
				s[k++] = t;
		}
		p->n_topics = nt;
		s += 6;
		p->languages = s;
		k = 0;
		if (rnd(100) < 70)
			s[k++] = langs[0];
		if (rnd(100) < 60)
			s[k++] = langs[1];
		if (rnd(100) < 15 || !k)
			s[k++] = langs[2];
		p->n_languages = k;
		s += 3;
		p->field = fields[rnd(8)];
		p->availability = s;
		p->n_availability = 1 + rnd(2);
		for (size_t j = 0; j < p->n_availability; j++)
			s[j] = slots[rnd(10)];
		p->capacity = mentors ? 1 + (int)rnd(3) : 0;
		p->load = 0;
	}
}

static void
store_free(struct person_store *st)
{
	free(st->p);
	free(st->strs);
}

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int
dump_matrix(const char *path, const struct match_pool *pool, const struct match_profile *mentees, size_t n,
	    const struct match_profile *mentors, size_t m)
{
	int *sc = match_score_matrix(pool, mentees, n);
	size_t cols = 0;
	for (size_t j = 0; j < m; j++)
		cols += (size_t)(mentors[j].capacity - mentors[j].load > 0 ? mentors[j].capacity - mentors[j].load : 0);
	int32_t *row = xmalloc(cols * sizeof(int32_t));
	int32_t hdr[2] = {(int32_t)n, (int32_t)cols};
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		free(sc);
		free(row);
		return -1;
	}
	fwrite(hdr, sizeof(hdr), 1, f);
	for (size_t i = 0; i < n; i++) {
		size_t c = 0;
		for (size_t j = 0; j < m; j++) {
			int s = sc[i * m + j];
			for (int k = 0; k < mentors[j].capacity - mentors[j].load; k++)
				row[c++] = s > 0 ? s : 0;
		}
		fwrite(row, sizeof(int32_t), cols, f);
	}
	fclose(f);
	free(sc);
	free(row);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *dump = NULL;
	struct person_store me, mo, big;
	struct match_assignment opt, gr;
	double t[3];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dump") && i + 1 < argc)
			dump = argv[++i];
		else {
			fprintf(stderr, "usage: %s [--dump FILE]\n", argv[0]);
			return 2;
		}
	}

	/* whole cohort: 2,000 mentees x 1,000 mentors */
	gen(2000, 0, &me);
	gen(1000, 1, &mo);
	struct match_pool *pool = match_pool_new(NULL, mo.p, 1000);
	for (int r = 0; r < 3; r++) {
		double t0 = now_ms();
		match_cohort(pool, me.p, 2000, &opt);
		t[r] = now_ms() - t0;
		if (r < 2)
			match_assignment_free(&opt);
	}
	double t0 = now_ms();
	match_greedy(pool, me.p, 2000, &gr);
	double tg = now_ms() - t0;
	printf("bench.match.n2000x1000_ms: %.1f\n", median(t, 3));
	printf("bench.match.score_vs_greedy: %.4f\n", gr.total ? (double)opt.total / (double)gr.total : 0.0);
	printf("# cohort: optimum total %lld, %zu placed, %zu unmatched; greedy total %lld, %zu placed (%.1f ms)\n",
	       (long long)opt.total, opt.n_pairs, opt.n_unmatched, (long long)gr.total, gr.n_pairs, tg);
	fflush(stdout);
	if (dump) {
		if (dump_matrix(dump, pool, me.p, 2000, mo.p, 1000) < 0)
			return 1;
		printf("# optimum total: %lld\n", (long long)opt.total);
	}
	match_assignment_free(&opt);
	match_assignment_free(&gr);
	match_pool_free(pool);
	store_free(&mo);

	/* find mentor: match_top over 5,000 mentors, 200 queries */
	gen(5000, 1, &big);
	pool = match_pool_new(NULL, big.p, 5000);
	double q[200];
	struct match_hit hits[5];
	size_t found = 0;
	for (int i = 0; i < 200; i++) {
		const char *words[2] = {topics[rnd(20)], "learning"};
		size_t nw = rnd(3); /* none, a topic phrase, or the phrase and a word */
		const struct match_profile *mentee = &me.p[(size_t)i * 7 % 2000];
		t0 = now_ms();
		found += match_top(pool, mentee, nw ? words : NULL, nw, 5, hits);
		q[i] = now_ms() - t0;
	}
	printf("bench.mentoring.find_mentor_ms_p50: %.3f\n", median(q, 200));
	printf("# find mentor: %zu hits over 200 queries\n", found);
	match_pool_free(pool);
	store_free(&big);
	store_free(&me);
	return 0;
}
