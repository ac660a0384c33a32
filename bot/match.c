/*
 * match.c - mentee/mentor scoring, `find mentor` top-k and the optimal
 * whole-cohort assignment.  Pure computation over in-memory structs: no
 * SQL, no I/O, no user-visible strings (reasons are codes and items).
 *
 * Speed comes from compiling once: every topic, language and field string is
 * normalised and interned; topics and languages get small dense ids, and a
 * person's set is a sorted id array plus a 64-bit mask (exact while the pool
 * has at most 64 distinct topics/languages, a quick reject otherwise).
 *
 * For the cohort assignment this file builds the candidate graph (who may
 * be placed with whom, at what score) and turns a solution back into a
 * struct match_assignment; the solvers are in match_cohort.c.  Normal form,
 * languages and availability: match_text.c.
 *
 * No global state: a pool is read-only after match_pool_new(), so any
 * thread may use it.
 */
#include "match.h"
#include "match_int.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Interning strings (their normal form: match_text.c)                 */

static uint32_t
hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct vocab_entry {
	char *s;
	uint32_t hash;
	int32_t topic; /* dense topic id, -1 when no mentor lists it as a topic */
	int32_t lang;  /* dense language id, -1 when not a mentor language */
};

struct vocab {
	struct vocab_entry *e;
	size_t n, cap;
	uint32_t *tab; /* open addressing; entry index + 1, 0 = empty */
	size_t tabcap; /* power of two */
};

static long
vocab_find(const struct vocab *v, const char *s)
{
	uint32_t h = hash_str(s);
	size_t mask = v->tabcap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		uint32_t k = v->tab[i];
		if (!k)
			return -1;
		if (v->e[k - 1].hash == h && !strcmp(v->e[k - 1].s, s))
			return (long)(k - 1);
	}
}

/* Index of s (already normalised), adding a copy when new. */
static size_t
vocab_intern(struct vocab *v, const char *s)
{
	long f = vocab_find(v, s);
	if (f >= 0)
		return (size_t)f;
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		v->e = xrealloc(v->e, v->cap * sizeof(*v->e));
	}
	if ((v->n + 1) * 2 > v->tabcap) {
		size_t nc = v->tabcap * 2;
		uint32_t *nt = xcalloc(nc, sizeof(*nt));
		for (size_t i = 0; i < v->n; i++) {
			size_t j = v->e[i].hash & (nc - 1);
			while (nt[j])
				j = (j + 1) & (nc - 1);
			nt[j] = (uint32_t)(i + 1);
		}
		free(v->tab);
		v->tab = nt;
		v->tabcap = nc;
	}
	struct vocab_entry *e = &v->e[v->n];
	e->s = xstrdup(s);
	e->hash = hash_str(s);
	e->topic = -1;
	e->lang = -1;
	size_t j = e->hash & (v->tabcap - 1);
	while (v->tab[j])
		j = (j + 1) & (v->tabcap - 1);
	v->tab[j] = (uint32_t)(v->n + 1);
	return v->n++;
}

static const char *const stopwords[] = {"a",  "an",  "and", "the",  "of",  "in",  "for", "to",   "with",
					"on", "or",  "und", "oder", "der", "die", "das", "für",  "mit",
					"im", "von", "zu",  "den",  "dem", "des", "ein", "eine", "&"};

static int
is_stopword(const char *w, size_t n)
{
	for (size_t i = 0; i < ARRAY_LEN(stopwords); i++)
		if (strlen(stopwords[i]) == n && !memcmp(stopwords[i], w, n))
			return 1;
	return 0;
}

static int
is_word_sep(char c)
{
	return c == ' ' || c == '-' || c == '/' || c == ',' || c == '(' || c == ')' || c == '.' || c == ';' ||
	       c == ':' || c == '+' || c == '&';
}

/* Calls fn(word, len, arg) for each non-stopword word of a normalised phrase. */
static void
each_word(const char *s, void (*fn)(const char *, size_t, void *), void *arg)
{
	while (*s) {
		while (*s && is_word_sep(*s))
			s++;
		const char *b = s;
		while (*s && !is_word_sep(*s))
			s++;
		if (s > b && !is_stopword(b, (size_t)(s - b)))
			fn(b, (size_t)(s - b), arg);
	}
}

/* ------------------------------------------------------------------ */
/* Compiled people                                                      */

/* A set of dense ids: ids[ofs .. ofs+n) of some array, sorted, unique. */
struct idset {
	uint32_t ofs, n;
	uint64_t mask; /* bit (id & 63) */
};

struct cperson {
	int64_t id;
	struct idset topics;
	struct idset langs;
	struct idset query; /* mentees: pool topics the query words hit */
	int lang_given;
	uint32_t field; /* vocab index + 1; 0 = none; UINT32_MAX = not in the pool */
	uint32_t slots;
	int free;
};

struct idarr {
	uint32_t *v;
	size_t n, cap;
};

static void
idarr_push(struct idarr *a, uint32_t x)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 256;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = x;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Turn ids pushed since ofs into a sorted unique set. */
static struct idset
idset_close(struct idarr *a, size_t ofs)
{
	struct idset s = {(uint32_t)ofs, 0, 0};
	size_t n = a->n - ofs;
	if (n > 1)
		qsort(a->v + ofs, n, sizeof(uint32_t), cmp_u32);
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (!w || a->v[ofs + w - 1] != a->v[ofs + i])
			a->v[ofs + w++] = a->v[ofs + i];
	a->n = ofs + w;
	s.n = (uint32_t)w;
	for (size_t i = 0; i < w; i++)
		s.mask |= 1ull << (a->v[ofs + i] & 63);
	return s;
}

static uint32_t
idset_shared(const uint32_t *av, struct idset a, const uint32_t *bv, struct idset b, int exact)
{
	uint64_t m = a.mask & b.mask;
	if (exact || !m)
		return (uint32_t)__builtin_popcountll(m);
	const uint32_t *x = av + a.ofs, *y = bv + b.ofs;
	uint32_t i = 0, j = 0, c = 0;
	while (i < a.n && j < b.n) {
		if (x[i] < y[j])
			i++;
		else if (x[i] > y[j])
			j++;
		else {
			c++;
			i++;
			j++;
		}
	}
	return c;
}

static int
idset_has(const uint32_t *v, struct idset s, uint32_t id)
{
	if (!(s.mask & (1ull << (id & 63))))
		return 0;
	const uint32_t *p = v + s.ofs;
	size_t lo = 0, hi = s.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (p[mid] < id)
			lo = mid + 1;
		else if (p[mid] > id)
			hi = mid;
		else
			return 1;
	}
	return 0;
}

struct match_pool {
	struct match_weights w;
	struct vocab voc;
	struct idarr ids; /* the mentors' sets */
	struct cperson *m;
	size_t n;
	uint32_t n_topics, n_langs;
	uint32_t *topic_voc; /* dense topic id -> vocab index */
	uint32_t *lang_voc;  /* dense language id -> vocab index */
	struct idarr words;  /* vocab indices of each topic's words */
	uint32_t *tw_ofs;    /* n_topics + 1 offsets into words */
	int exact_topics, exact_langs;
};

struct word_ctx {
	struct vocab *voc;
	struct idarr *out;
};

static void
intern_word(const char *w, size_t n, void *arg)
{
	struct word_ctx *c = arg;
	char *s = xstrndup(w, n);
	idarr_push(c->out, (uint32_t)vocab_intern(c->voc, s));
	free(s);
}

struct match_pool *
match_pool_new(const struct match_weights *w, const struct match_profile *mentors, size_t n)
{
	static const struct match_weights def = MATCH_WEIGHTS_DEFAULT;
	struct match_pool *p = xcalloc(1, sizeof(*p));
	size_t topic_cap = 0, lang_cap = 0;
	char lbuf[64];
	p->w = w ? *w : def;
	p->voc.tabcap = 256;
	p->voc.tab = xcalloc(p->voc.tabcap, sizeof(uint32_t));
	p->m = xcalloc(n ? n : 1, sizeof(*p->m));
	p->n = n;
	p->tw_ofs = xmalloc(sizeof(uint32_t));
	p->tw_ofs[0] = 0;
	for (size_t i = 0; i < n; i++) {
		const struct match_profile *src = &mentors[i];
		struct cperson *c = &p->m[i];
		size_t ofs = p->ids.n;
		c->id = src->id;
		for (size_t t = 0; t < src->n_topics; t++) {
			if (!src->topics[t])
				continue;
			char *s = match_norm_dup(src->topics[t]);
			if (*s) {
				size_t vi = vocab_intern(&p->voc, s);
				if (p->voc.e[vi].topic < 0) {
					if (p->n_topics == topic_cap) {
						topic_cap = topic_cap ? topic_cap * 2 : 64;
						p->topic_voc = xrealloc(p->topic_voc, topic_cap * sizeof(uint32_t));
						p->tw_ofs = xrealloc(p->tw_ofs, (topic_cap + 1) * sizeof(uint32_t));
					}
					p->voc.e[vi].topic = (int32_t)p->n_topics;
					p->topic_voc[p->n_topics] = (uint32_t)vi;
					struct word_ctx wc = {&p->voc, &p->words};
					each_word(s, intern_word, &wc);
					p->n_topics++;
					p->tw_ofs[p->n_topics] = (uint32_t)p->words.n;
				}
				idarr_push(&p->ids, (uint32_t)p->voc.e[vi].topic);
			}
			free(s);
		}
		c->topics = idset_close(&p->ids, ofs);
		ofs = p->ids.n;
		for (size_t l = 0; l < src->n_languages; l++) {
			if (!src->languages[l])
				continue;
			match_language_normalize(src->languages[l], lbuf, sizeof(lbuf));
			if (!*lbuf)
				continue;
			c->lang_given = 1;
			size_t vi = vocab_intern(&p->voc, lbuf);
			if (p->voc.e[vi].lang < 0) {
				if (p->n_langs == lang_cap) {
					lang_cap = lang_cap ? lang_cap * 2 : 16;
					p->lang_voc = xrealloc(p->lang_voc, lang_cap * sizeof(uint32_t));
				}
				p->voc.e[vi].lang = (int32_t)p->n_langs;
				p->lang_voc[p->n_langs++] = (uint32_t)vi;
			}
			idarr_push(&p->ids, (uint32_t)p->voc.e[vi].lang);
		}
		c->langs = idset_close(&p->ids, ofs);
		c->field = 0;
		if (src->field) {
			char *s = match_norm_dup(src->field);
			if (*s)
				c->field = (uint32_t)vocab_intern(&p->voc, s) + 1;
			free(s);
		}
		c->slots = match_availability_parse(src->availability, src->n_availability);
		c->free = src->capacity - src->load;
	}
	p->exact_topics = p->n_topics <= 64;
	p->exact_langs = p->n_langs <= 64;
	return p;
}

void
match_pool_free(struct match_pool *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->voc.n; i++)
		free(p->voc.e[i].s);
	free(p->voc.e);
	free(p->voc.tab);
	free(p->ids.v);
	free(p->m);
	free(p->topic_voc);
	free(p->lang_voc);
	free(p->words.v);
	free(p->tw_ofs);
	free(p);
}

size_t
match_pool_size(const struct match_pool *p)
{
	return p->n;
}

/* A mentee compiled against a pool; its sets live in ids (owned). */
struct cmentee_set {
	struct idarr ids;
	struct cperson *c;
	size_t n;
};

struct qword_ctx {
	const struct vocab *voc;
	struct idarr *out;
};

static void
lookup_word(const char *w, size_t n, void *arg)
{
	struct qword_ctx *c = arg;
	char *s = xstrndup(w, n);
	long f = vocab_find(c->voc, s);
	if (f >= 0)
		idarr_push(c->out, (uint32_t)f);
	free(s);
}

static int
u32_in(const uint32_t *v, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

/* Compile one mentee (and query words) into c, sets appended to ids. */
static void
compile_mentee(const struct match_pool *p, const struct match_profile *src, const char *const *query, size_t n_query,
	       struct idarr *ids, struct cperson *c)
{
	char lbuf[64];
	size_t ofs = ids->n;
	memset(c, 0, sizeof(*c));
	c->id = src->id;
	for (size_t t = 0; t < src->n_topics; t++) {
		if (!src->topics[t])
			continue;
		char *s = match_norm_dup(src->topics[t]);
		long f = *s ? vocab_find(&p->voc, s) : -1;
		if (f >= 0 && p->voc.e[f].topic >= 0)
			idarr_push(ids, (uint32_t)p->voc.e[f].topic);
		free(s);
	}
	c->topics = idset_close(ids, ofs);
	ofs = ids->n;
	for (size_t l = 0; l < src->n_languages; l++) {
		if (!src->languages[l])
			continue;
		match_language_normalize(src->languages[l], lbuf, sizeof(lbuf));
		if (!*lbuf)
			continue;
		c->lang_given = 1;
		long f = vocab_find(&p->voc, lbuf);
		if (f >= 0 && p->voc.e[f].lang >= 0)
			idarr_push(ids, (uint32_t)p->voc.e[f].lang);
	}
	c->langs = idset_close(ids, ofs);
	if (src->field) {
		char *s = match_norm_dup(src->field);
		if (*s) {
			long f = vocab_find(&p->voc, s);
			c->field = f >= 0 ? (uint32_t)f + 1 : UINT32_MAX;
		}
		free(s);
	}
	c->slots = match_availability_parse(src->availability, src->n_availability);
	/* query: vocab indices of the terms and their words, then every pool
	 * topic that is one of them or has one of them as a word */
	ofs = ids->n;
	if (n_query) {
		struct idarr q = {0};
		struct qword_ctx qc = {&p->voc, &q};
		for (size_t i = 0; i < n_query; i++) {
			if (!query[i])
				continue;
			char *s = match_norm_dup(query[i]);
			long f = *s ? vocab_find(&p->voc, s) : -1;
			if (f >= 0)
				idarr_push(&q, (uint32_t)f);
			each_word(s, lookup_word, &qc);
			free(s);
		}
		if (q.n)
			for (uint32_t t = 0; t < p->n_topics; t++) {
				int hit = u32_in(q.v, q.n, p->topic_voc[t]);
				for (uint32_t k = p->tw_ofs[t]; k < p->tw_ofs[t + 1] && !hit; k++)
					hit = u32_in(q.v, q.n, p->words.v[k]);
				if (hit)
					idarr_push(ids, t);
			}
		free(q.v);
	}
	c->query = idset_close(ids, ofs);
}

/* Score of compiled mentee a (sets in av) against pool mentor b; -1 when
 * ineligible.  The hot loop of match_top() and match_cohort(). */
static inline int
score_fast(const struct match_pool *p, const uint32_t *av, const struct cperson *a, const struct cperson *b)
{
	const uint32_t *bv = p->ids.v;
	int s = 0;
	if (a->id == b->id)
		return -1;
	if (a->lang_given && b->lang_given) {
		int shared = a->langs.n && idset_shared(av, a->langs, bv, b->langs, p->exact_langs) > 0;
		if (shared)
			s += p->w.language;
		else if (p->w.language_required)
			return -1;
	}
	if (a->topics.n && b->topics.n)
		s += p->w.topics * (int)idset_shared(av, a->topics, bv, b->topics, p->exact_topics);
	if (a->query.n && b->topics.n)
		s += p->w.query * (int)idset_shared(av, a->query, bv, b->topics, p->exact_topics);
	if (a->field && a->field == b->field)
		s += p->w.field;
	if (a->slots & b->slots)
		s += p->w.availability;
	return s;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Strings of the ids of `from` (dense topic/language ids) that are in
 * `in`, sorted, cut at MATCH_REASON_ITEMS; returns the full count. */
static size_t
list_shared(const struct match_pool *p, const uint32_t *fromv, struct idset from, const uint32_t *inv, struct idset in,
	    const uint32_t *dense_voc, const char **out)
{
	const char **tmp = xmalloc((from.n ? from.n : 1) * sizeof(*tmp));
	size_t k = 0;
	for (uint32_t i = 0; i < from.n; i++) {
		uint32_t id = fromv[from.ofs + i];
		if (idset_has(inv, in, id))
			tmp[k++] = p->voc.e[dense_voc[id]].s;
	}
	qsort(tmp, k, sizeof(*tmp), cmp_str);
	for (size_t i = 0; i < k && i < MATCH_REASON_ITEMS; i++)
		out[i] = tmp[i];
	free(tmp);
	return k;
}

static void
fill_reasons(const struct match_pool *p, const uint32_t *av, const struct cperson *a, size_t mentor,
	     struct match_reasons *r)
{
	const struct cperson *b = &p->m[mentor];
	const uint32_t *bv = p->ids.v;
	memset(r, 0, sizeof(*r));
	r->score = score_fast(p, av, a, b);
	if (r->score < 0) {
		r->ineligible = a->id == b->id ? MATCH_INELIGIBLE_SELF : MATCH_INELIGIBLE_LANGUAGE;
		return;
	}
	r->n_topics = list_shared(p, bv, b->topics, av, a->topics, p->topic_voc, r->topics);
	if (r->n_topics)
		r->flags |= MATCH_R_TOPICS;
	r->n_query_topics = list_shared(p, bv, b->topics, av, a->query, p->topic_voc, r->query_topics);
	if (r->n_query_topics)
		r->flags |= MATCH_R_QUERY;
	if (a->lang_given && b->lang_given) {
		r->n_languages = list_shared(p, bv, b->langs, av, a->langs, p->lang_voc, r->languages);
		if (r->n_languages)
			r->flags |= MATCH_R_LANGUAGE;
	}
	if (a->field && a->field == b->field) {
		r->flags |= MATCH_R_FIELD;
		r->field = p->voc.e[b->field - 1].s;
	}
	r->slots = a->slots & b->slots;
	if (r->slots)
		r->flags |= MATCH_R_AVAILABILITY;
}

int
match_score(const struct match_pool *p, const struct match_profile *mentee, size_t mentor, const char *const *query,
	    size_t n_query, struct match_reasons *out)
{
	struct idarr ids = {0};
	struct cperson a;
	struct match_reasons r;
	if (mentor >= p->n) {
		if (out)
			memset(out, 0, sizeof(*out));
		return -1;
	}
	compile_mentee(p, mentee, query, n_query, &ids, &a);
	fill_reasons(p, ids.v, &a, mentor, out ? out : &r);
	free(ids.v);
	return out ? out->score : r.score;
}

/* Does hit x rank before hit y: higher score, then lower id. */
static int
ranks_before(int sx, int64_t idx, int sy, int64_t idy)
{
	return sx > sy || (sx == sy && idx < idy);
}

size_t
match_top(const struct match_pool *p, const struct match_profile *mentee, const char *const *query, size_t n_query,
	  size_t k, struct match_hit *out)
{
	struct idarr ids = {0};
	struct cperson a;
	size_t got = 0;
	if (!k)
		return 0;
	compile_mentee(p, mentee, query, n_query, &ids, &a);
	for (size_t j = 0; j < p->n; j++) {
		const struct cperson *b = &p->m[j];
		if (b->free <= 0)
			continue;
		int s = score_fast(p, ids.v, &a, b);
		if (s <= 0)
			continue;
		if (got == k && !ranks_before(s, b->id, out[k - 1].score, out[k - 1].id))
			continue;
		size_t pos = got < k ? got++ : k - 1;
		while (pos > 0 && ranks_before(s, b->id, out[pos - 1].score, out[pos - 1].id)) {
			out[pos].mentor = out[pos - 1].mentor;
			out[pos].id = out[pos - 1].id;
			out[pos].score = out[pos - 1].score;
			pos--;
		}
		out[pos].mentor = j;
		out[pos].id = b->id;
		out[pos].score = s;
	}
	for (size_t i = 0; i < got; i++)
		fill_reasons(p, ids.v, &a, out[i].mentor, &out[i].reasons);
	free(ids.v);
	return got;
}

static void
compile_all(const struct match_pool *p, const struct match_profile *mentees, size_t n, struct cmentee_set *cs)
{
	memset(cs, 0, sizeof(*cs));
	cs->c = xmalloc((n ? n : 1) * sizeof(*cs->c));
	cs->n = n;
	for (size_t i = 0; i < n; i++)
		compile_mentee(p, &mentees[i], NULL, 0, &cs->ids, &cs->c[i]);
}

int *
match_score_matrix(const struct match_pool *p, const struct match_profile *mentees, size_t n)
{
	struct cmentee_set cs;
	size_t cells = n * p->n;
	int *out = xmalloc((cells ? cells : 1) * sizeof(int));
	compile_all(p, mentees, n, &cs);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < p->n; j++)
			out[i * p->n + j] = score_fast(p, cs.ids.v, &cs.c[i], &p->m[j]);
	free(cs.ids.v);
	free(cs.c);
	return out;
}

/* ------------------------------------------------------------------ */
/* The candidate graph (the solvers over it: match_cohort.c)           */

/* Is mentor id on the mentee's exclude list? */
static int
excluded(const struct match_profile *mentee, int64_t id)
{
	for (size_t k = 0; k < mentee->n_exclude; k++)
		if (mentee->exclude[k] == id)
			return 1;
	return 0;
}

void
match_graph_build(const struct match_pool *p, const struct match_profile *mentees, size_t n, struct match_graph *g)
{
	struct cmentee_set cs;
	size_t cap = 0, ne = 0;
	uint32_t *colof = xmalloc((p->n ? p->n : 1) * sizeof(uint32_t));
	memset(g, 0, sizeof(*g));
	g->n = n;
	g->col_mentor = xmalloc((p->n ? p->n : 1) * sizeof(size_t));
	g->cap = xmalloc((p->n ? p->n : 1) * sizeof(int));
	for (size_t j = 0; j < p->n; j++) {
		colof[j] = UINT32_MAX;
		if (p->m[j].free > 0) {
			colof[j] = (uint32_t)g->ncol;
			g->col_mentor[g->ncol] = j;
			g->cap[g->ncol++] = p->m[j].free;
		}
	}
	g->eofs = xmalloc((n + 1) * sizeof(size_t));
	g->any_eligible = xcalloc(n ? n : 1, 1);
	compile_all(p, mentees, n, &cs);
	for (size_t i = 0; i < n; i++) {
		g->eofs[i] = ne;
		for (size_t j = 0; j < p->n; j++) {
			int s = score_fast(p, cs.ids.v, &cs.c[i], &p->m[j]);
			if (s <= 0 || excluded(&mentees[i], p->m[j].id))
				continue;
			g->any_eligible[i] = 1;
			if (colof[j] == UINT32_MAX)
				continue;
			if (ne == cap) {
				cap = cap ? cap * 2 : 4096;
				g->ecol = xrealloc(g->ecol, cap * sizeof(uint32_t));
				g->escore = xrealloc(g->escore, cap * sizeof(int));
			}
			g->ecol[ne] = colof[j];
			g->escore[ne++] = s;
		}
	}
	g->eofs[n] = ne;
	free(cs.ids.v);
	free(cs.c);
	free(colof);
}

void
match_graph_free(struct match_graph *g)
{
	free(g->col_mentor);
	free(g->cap);
	free(g->eofs);
	free(g->ecol);
	free(g->escore);
	free(g->any_eligible);
}

/* Fill out from col_of[] (column per mentee, negative = unmatched). */
void
match_assignment_from(const struct match_pool *p, const struct match_profile *mentees, const struct match_graph *g,
		      const long *col_of, const int *score_of, struct match_assignment *out)
{
	size_t n = g->n;
	memset(out, 0, sizeof(*out));
	out->pairs = xmalloc((n ? n : 1) * sizeof(*out->pairs));
	out->unmatched = xmalloc((n ? n : 1) * sizeof(*out->unmatched));
	for (size_t i = 0; i < n; i++) {
		if (col_of[i] >= 0) {
			struct match_pair *pr = &out->pairs[out->n_pairs++];
			pr->mentee = i;
			pr->mentor = g->col_mentor[col_of[i]];
			pr->mentee_id = mentees[i].id;
			pr->mentor_id = p->m[pr->mentor].id;
			pr->score = score_of[i];
			out->total += pr->score;
		} else {
			struct match_unmatched *u = &out->unmatched[out->n_unmatched++];
			u->mentee = i;
			u->mentee_id = mentees[i].id;
			u->reason = g->any_eligible[i] ? MATCH_UNMATCHED_CAPACITY : MATCH_UNMATCHED_NO_ELIGIBLE;
		}
	}
}
