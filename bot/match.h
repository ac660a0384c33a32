/*
 * match.h - mentee/mentor fit within one programme: a score with its
 * reasons, the best k mentors for `find mentor`, and the optimal
 * whole-cohort assignment for `match <programme>` (plus a greedy baseline
 * for comparison).
 *
 * Pure functions over in-memory structs: no SQL, no I/O, no user-visible
 * text.  Reasons are codes plus the matched items (normalised topics,
 * language codes, the field, availability slots); the caller renders them
 * in the person's language.
 *
 * A pool is immutable once built, so any number of threads may score
 * against one pool at the same time.
 *
 * Complexity (n mentees, m mentors, T topics a person, k results):
 *   match_pool_new    O(m T) expected (hashing)
 *   match_score       O(T log T)
 *   match_top         O(m (T + k)) - a linear scan over bitsets of interned
 *                     topic ids; about 0.1 ms for 5,000 mentors here
 *   match_cohort      O(n m) to score the pairs, then one bounded Dijkstra
 *                     per mentee (Hungarian method over mentor capacity,
 *                     exact); measured 2,000 x 1,000 in tens of ms
 *   match_greedy      O(n m log(n m))
 */
#ifndef MB_MATCH_H
#define MB_MATCH_H

#include <stddef.h>
#include <stdint.h>

/* Weights of one programme.  Scores are integers:
 *   topics       x number of topics both listed
 *   query        x number of the mentor's topics hit by `find mentor` words
 *   language     if they share a language
 *   field        if field of study/work is the same
 *   availability if their availability slots overlap
 * language_required: no shared language makes the pair ineligible (when both
 * named at least one language; an empty list means "unknown", never a
 * mismatch). */
struct match_weights {
	int topics;
	int language;
	int field;
	int availability;
	int query;
	int language_required;
};
#define MATCH_WEIGHTS_DEFAULT                                                                                          \
	{                                                                                                              \
		3, 2, 1, 1, 3, 1                                                                                       \
	}

/* One person as the caller read them.  Borrowed: match.c copies what it
 * keeps, so the strings need only live for the duration of the call.
 * Strings are UTF-8; case (ASCII and German umlauts) and spacing are
 * normalised.  languages may be codes ("de", "en-GB") or names in English or
 * German ("German", "Deutsch").  availability items are slots such as
 * "mon-pm", "Di abends", "weekends" or free text ("Tuesday and Thursday
 * evenings"); each item is the cross product of the days and day parts it
 * names (no day: every day; no part: every part). */
struct match_profile {
	int64_t id;
	const char *const *topics;
	size_t n_topics;
	const char *const *languages;
	size_t n_languages;
	const char *field; /* NULL or "" when unknown */
	const char *const *availability;
	size_t n_availability;
	int capacity; /* mentors: max mentees */
	int load;     /* mentors: current mentees; free capacity = capacity - load */
	/* mentees, cohort assignment only: ids of mentors this mentee must not get
	 * (e.g. one side declined an earlier offer); NULL/0 for none */
	const int64_t *exclude;
	size_t n_exclude;
};

/* Availability slots: bit MATCH_SLOT(day, part) of a uint32_t,
 * day 0 = Monday .. 6 = Sunday, part 0 = morning, 1 = afternoon, 2 = evening. */
enum { MATCH_DAYS = 7, MATCH_PARTS = 3 };
#define MATCH_SLOT(day, part) (1u << ((day)*MATCH_PARTS + (part)))

/* Why a pair may not be matched at all. */
enum match_ineligible {
	MATCH_ELIGIBLE = 0,
	MATCH_INELIGIBLE_LANGUAGE, /* both named languages, none shared */
	MATCH_INELIGIBLE_SELF,     /* the same person on both sides */
};

/* Reason flags in match_reasons.flags. */
enum {
	MATCH_R_TOPICS = 1 << 0,       /* topics[] lists shared topics */
	MATCH_R_QUERY = 1 << 1,        /* query_topics[] lists mentor topics hit by the query */
	MATCH_R_LANGUAGE = 1 << 2,     /* languages[] lists shared language codes */
	MATCH_R_FIELD = 1 << 3,        /* field is the shared field */
	MATCH_R_AVAILABILITY = 1 << 4, /* slots holds the overlapping slots */
};

#define MATCH_REASON_ITEMS 8
/* A score and why.  The strings point into the pool (normalised forms) and
 * are valid until match_pool_free(); lists are sorted and cut at
 * MATCH_REASON_ITEMS, n_* holds the full count. */
struct match_reasons {
	int score; /* -1 when ineligible */
	enum match_ineligible ineligible;
	unsigned flags;
	size_t n_topics;
	const char *topics[MATCH_REASON_ITEMS];
	size_t n_query_topics;
	const char *query_topics[MATCH_REASON_ITEMS];
	size_t n_languages;
	const char *languages[MATCH_REASON_ITEMS];
	const char *field;
	uint32_t slots;
};

/* The mentors of one programme, compiled: topics and languages interned to
 * small integer ids and held as bitsets.  Opaque. */
struct match_pool;

/*
 * Build a pool from n mentors (copied; the caller keeps ownership of
 * mentors[]).  Mentor i of the pool is mentors[i].  w NULL means defaults.
 * Never fails (allocation failure aborts).  Free with match_pool_free().
 */
struct match_pool *match_pool_new(const struct match_weights *w, const struct match_profile *mentors, size_t n);
void match_pool_free(struct match_pool *pool);
size_t match_pool_size(const struct match_pool *pool);

/*
 * Score mentee against mentor number `mentor` of the pool, with optional
 * query words (NULL/0 for none; each item a word or phrase).  Returns the
 * score (>= 0), or -1 when the pair is ineligible.  Fills *out when out is
 * not NULL.  Capacity is not looked at here.
 */
int match_score(const struct match_pool *pool, const struct match_profile *mentee, size_t mentor,
		const char *const *query, size_t n_query, struct match_reasons *out);

/* One result of match_top(). */
struct match_hit {
	size_t mentor; /* index in the pool */
	int64_t id;
	int score;
	struct match_reasons reasons;
};

/*
 * The best k mentors for a mentee: eligible, with free capacity and a score
 * above 0, sorted by score (highest first) then mentor id (lowest first).
 * Writes up to k hits into out[] (caller-allocated, k entries) and returns
 * how many.
 */
size_t match_top(const struct match_pool *pool, const struct match_profile *mentee, const char *const *query,
		 size_t n_query, size_t k, struct match_hit *out);

/* Why a mentee got no mentor in a cohort assignment. */
enum match_unmatched_reason {
	MATCH_UNMATCHED_NO_ELIGIBLE = 1, /* no mentor is eligible with a score above 0 */
	MATCH_UNMATCHED_CAPACITY,        /* some were, but their free places went to others */
};

struct match_pair {
	size_t mentee; /* index into the mentees[] passed in */
	size_t mentor; /* index in the pool */
	int64_t mentee_id;
	int64_t mentor_id;
	int score;
};

struct match_unmatched {
	size_t mentee;
	int64_t mentee_id;
	enum match_unmatched_reason reason;
};

/* Result of match_cohort()/match_greedy(); release with
 * match_assignment_free().  pairs and unmatched are sorted by mentee index. */
struct match_assignment {
	struct match_pair *pairs;
	size_t n_pairs;
	struct match_unmatched *unmatched;
	size_t n_unmatched;
	int64_t total; /* sum of the pairs' scores */
};

/*
 * Optimal assignment of the n mentees (the programme's unmatched ones) to
 * the pool's mentors: each mentee at most once, at most capacity - load
 * mentees a mentor, only eligible pairs with a score above 0 (a mentor in
 * the mentee's exclude list counts as ineligible).  Maximises the
 * total score and, among assignments with that total, the number of
 * mentees placed.  Exact: Hungarian method (successive shortest augmenting
 * paths with dual potentials) over mentor capacities, one Dijkstra a mentee
 * that stops at the first free place and never looks past the mentee's
 * own best score.  Deterministic for the same input.  Fills *out; the
 * caller frees it with match_assignment_free().
 */
void match_cohort(const struct match_pool *pool, const struct match_profile *mentees, size_t n,
		  struct match_assignment *out);

/* Greedy baseline, for comparison only: pairs taken by score (highest
 * first, then mentee index, then mentor index) while both sides are free.
 * Same constraints and output as match_cohort(); never a better total. */
void match_greedy(const struct match_pool *pool, const struct match_profile *mentees, size_t n,
		  struct match_assignment *out);

void match_assignment_free(struct match_assignment *a);

/*
 * Scores of every mentee against every mentor, row-major: out[i * m + j]
 * with m = match_pool_size(pool); -1 for ineligible pairs.  Capacity is not
 * looked at.  Returns a new array; caller frees.  (Previews, benchmarks,
 * tests.)
 */
int *match_score_matrix(const struct match_pool *pool, const struct match_profile *mentees, size_t n);

/* Availability items -> slot bits (see struct match_profile); 0 when
 * nothing was recognised. */
uint32_t match_availability_parse(const char *const *items, size_t n);

/* Normalise a language code or name into out ("Deutsch" -> "de", "en_GB" ->
 * "en"; an unknown name is lower-cased).  Returns 1 for a known language, 0
 * otherwise. */
int match_language_normalize(const char *in, char *out, size_t outsz);

#endif
