/*
 * match_cohort.c - the whole-cohort assignment over the candidate graph
 * that match.c builds (match_graph_build): the optimal one (match_cohort)
 * and the greedy baseline (match_greedy).
 *
 * The optimum is the Hungarian method for a rectangular problem: rows are
 * mentees, columns are mentors with a capacity, plus a private "stay
 * unmatched" column of score 0 for every mentee.  Rows are added one at a
 * time; each takes one Dijkstra over reduced costs (duals u, v) that stops
 * at the first free place.  Scores are scaled to s * (n + 1) + 1 so that
 * the optimum maximises the total score first and the number of mentees
 * placed second.  No global state; any thread may call it.
 */
#include "match.h"
#include "match_int.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct heap_item {
	int64_t d;
	uint32_t x; /* < n: mentee row; >= n: column x - n */
};

struct heap {
	struct heap_item *a;
	size_t n, cap;
};

static void
heap_push(struct heap *h, int64_t d, uint32_t x)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 1024;
		h->a = xrealloc(h->a, h->cap * sizeof(*h->a));
	}
	size_t i = h->n++;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (h->a[up].d <= d)
			break;
		h->a[i] = h->a[up];
		i = up;
	}
	h->a[i].d = d;
	h->a[i].x = x;
}

static struct heap_item
heap_pop(struct heap *h)
{
	struct heap_item top = h->a[0], last = h->a[--h->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->a[c + 1].d < h->a[c].d)
			c++;
		if (last.d <= h->a[c].d)
			break;
		h->a[i] = h->a[c];
		i = c;
	}
	if (h->n)
		h->a[i] = last;
	return top;
}

#define END_DUMMY 0
#define END_COLUMN 1

/* The state of the assignment search (successive shortest paths with duals). */
struct solver {
	struct match_graph g;
	struct heap h;
	size_t n, nc;
	int64_t K;      /* scaled weight of an edge: score * K + 1, K = n + 1: the total score
			 * decides, the number placed breaks ties */
	int64_t *u, *v; /* duals of rows and columns */
	int64_t *dist;
	uint32_t *stamp; /* the search that last reached a node */
	uint32_t *pred;  /* column -> row it was reached from */
	uint32_t *settled;
	long *col_of;       /* row -> column, -1 none yet, -2 stays unmatched */
	size_t *sofs;       /* column -> its first slot in slot_row */
	int *load;          /* column -> rows assigned */
	uint32_t *slot_row; /* the rows in each column's places */
	/* the end of the path the current search found */
	int64_t best;
	int end_kind;
	size_t end_node;
};

static void
solver_init(struct solver *s, const struct match_pool *p, const struct match_profile *mentees, size_t n)
{
	memset(s, 0, sizeof *s);
	match_graph_build(p, mentees, n, &s->g);
	size_t nc = s->g.ncol, nodes = n + nc;
	s->n = n;
	s->nc = nc;
	s->K = (int64_t)n + 1;
	s->u = xmalloc((n ? n : 1) * sizeof(int64_t));
	s->v = xcalloc(nc ? nc : 1, sizeof(int64_t));
	s->dist = xmalloc((nodes ? nodes : 1) * sizeof(int64_t));
	s->stamp = xcalloc(nodes ? nodes : 1, sizeof(uint32_t));
	s->pred = xmalloc((nodes ? nodes : 1) * sizeof(uint32_t));
	s->settled = xmalloc((nodes ? nodes : 1) * sizeof(uint32_t));
	s->col_of = xmalloc((n ? n : 1) * sizeof(long));
	s->sofs = xmalloc((nc + 1) * sizeof(size_t));
	s->load = xcalloc(nc ? nc : 1, sizeof(int));
	s->sofs[0] = 0;
	for (size_t c = 0; c < nc; c++)
		s->sofs[c + 1] = s->sofs[c] + (size_t)s->g.cap[c];
	s->slot_row = xmalloc((s->sofs[nc] ? s->sofs[nc] : 1) * sizeof(uint32_t));
	/* duals: u_i = best scaled weight of row i (>= 0: the stay-unmatched
	 * column), v_c = 0; reduced cost u_i + v_c - w_ic >= 0 throughout */
	for (size_t i = 0; i < n; i++) {
		int64_t best = 0;
		for (size_t e = s->g.eofs[i]; e < s->g.eofs[i + 1]; e++)
			if (s->g.escore[e] * s->K + 1 > best)
				best = s->g.escore[e] * s->K + 1;
		s->u[i] = best;
		s->col_of[i] = -1;
	}
}

static void
solver_free(struct solver *s)
{
	free(s->u);
	free(s->v);
	free(s->dist);
	free(s->stamp);
	free(s->pred);
	free(s->settled);
	free(s->col_of);
	free(s->sofs);
	free(s->load);
	free(s->slot_row);
	free(s->h.a);
	match_graph_free(&s->g);
}

/* Relax the edges of row i, settled at distance d. */
static void
relax_row(struct solver *s, size_t i, int64_t d, uint32_t cur)
{
	const struct match_graph *g = &s->g;
	/* this row gives up its place and stays unmatched */
	if (d + s->u[i] < s->best) {
		s->best = d + s->u[i];
		s->end_kind = END_DUMMY;
		s->end_node = i;
	}
	for (size_t e = g->eofs[i]; e < g->eofs[i + 1]; e++) {
		uint32_t c = g->ecol[e];
		if ((long)c == s->col_of[i])
			continue;
		int64_t nd = d + s->u[i] + s->v[c] - (g->escore[e] * s->K + 1);
		size_t node = s->n + c;
		if (nd >= s->best || (s->stamp[node] == cur && nd >= s->dist[node]))
			continue;
		s->stamp[node] = cur;
		s->dist[node] = nd;
		s->pred[node] = (uint32_t)i;
		if (s->load[c] < g->cap[c]) {
			/* a free place: an end; free columns keep v = 0 */
			s->best = nd;
			s->end_kind = END_COLUMN;
			s->end_node = c;
		} else {
			heap_push(&s->h, nd, (uint32_t)node);
		}
	}
}

/* The cheapest way to place row i0 (Dijkstra over reduced costs); then the duals of the
 * settled nodes move, so every reduced cost stays >= 0 and the path found is tight. */
static void
shortest_path(struct solver *s, size_t i0)
{
	size_t n = s->n;
	uint32_t cur = (uint32_t)i0 + 1; /* stamp of this search */
	size_t ns = 0;
	/* the cheapest way found so far to end: i0 stays unmatched */
	s->best = s->u[i0];
	s->end_kind = END_DUMMY;
	s->end_node = i0;
	s->h.n = 0;
	s->dist[i0] = 0;
	s->stamp[i0] = cur;
	heap_push(&s->h, 0, (uint32_t)i0);
	while (s->h.n) {
		struct heap_item it = heap_pop(&s->h);
		if (it.d >= s->best)
			break;
		if (it.d > s->dist[it.x])
			continue;
		s->settled[ns++] = it.x;
		if (it.x < n) {
			relax_row(s, it.x, it.d, cur);
			continue;
		}
		size_t c = it.x - n;
		/* assigned edges are tight: moving on to their rows costs 0 */
		for (size_t k = s->sofs[c]; k < s->sofs[c] + (size_t)s->load[c]; k++) {
			uint32_t r = s->slot_row[k];
			if (s->stamp[r] == cur && s->dist[r] <= it.d)
				continue;
			s->stamp[r] = cur;
			s->dist[r] = it.d;
			heap_push(&s->h, it.d, r);
		}
	}
	for (size_t k = 0; k < ns; k++) {
		uint32_t x = s->settled[k];
		if (x < n)
			s->u[x] -= s->best - s->dist[x];
		else
			s->v[x - n] += s->best - s->dist[x];
	}
}

/* Flip the path the search found: walk back from its end to i0. */
static void
augment(struct solver *s, size_t i0)
{
	size_t n = s->n, r;
	long newc;
	uint32_t leaver = UINT32_MAX;
	if (s->end_kind == END_COLUMN) {
		newc = (long)s->end_node;
		r = s->pred[n + s->end_node];
	} else {
		newc = -2;
		r = s->end_node;
	}
	for (;;) {
		long oldc = s->col_of[r];
		s->col_of[r] = newc;
		if (newc >= 0) {
			size_t first = s->sofs[newc];
			if (leaver == UINT32_MAX) {
				s->slot_row[first + (size_t)s->load[newc]++] = (uint32_t)r;
			} else {
				for (size_t k = first; k < first + (size_t)s->load[newc]; k++)
					if (s->slot_row[k] == leaver) {
						s->slot_row[k] = (uint32_t)r;
						break;
					}
			}
		}
		if (r == i0)
			break;
		leaver = (uint32_t)r;
		newc = oldc;
		r = s->pred[n + (size_t)oldc];
	}
}

void
match_cohort(const struct match_pool *p, const struct match_profile *mentees, size_t n, struct match_assignment *out)
{
	struct solver s;
	solver_init(&s, p, mentees, n);
	for (size_t i0 = 0; i0 < n; i0++) {
		shortest_path(&s, i0);
		augment(&s, i0);
	}
	int *score_of = xcalloc(n ? n : 1, sizeof(int));
	for (size_t i = 0; i < n; i++) {
		if (s.col_of[i] < 0)
			continue;
		for (size_t e = s.g.eofs[i]; e < s.g.eofs[i + 1]; e++)
			if ((long)s.g.ecol[e] == s.col_of[i]) {
				score_of[i] = s.g.escore[e];
				break;
			}
	}
	match_assignment_from(p, mentees, &s.g, s.col_of, score_of, out);
	free(score_of);
	solver_free(&s);
}

struct gedge {
	int score;
	uint32_t row, col;
};

static int
cmp_gedge(const void *a, const void *b)
{
	const struct gedge *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

void
match_greedy(const struct match_pool *p, const struct match_profile *mentees, size_t n, struct match_assignment *out)
{
	struct match_graph g;
	match_graph_build(p, mentees, n, &g);
	size_t ne = g.eofs[n];
	struct gedge *e = xmalloc((ne ? ne : 1) * sizeof(*e));
	long *col_of = xmalloc((n ? n : 1) * sizeof(long));
	int *score_of = xcalloc(n ? n : 1, sizeof(int));
	int *left = xmalloc((g.ncol ? g.ncol : 1) * sizeof(int));
	for (size_t i = 0; i < n; i++) {
		col_of[i] = -1;
		for (size_t k = g.eofs[i]; k < g.eofs[i + 1]; k++) {
			e[k].score = g.escore[k];
			e[k].row = (uint32_t)i;
			e[k].col = g.ecol[k]; /* columns are in pool order */
		}
	}
	memcpy(left, g.cap, g.ncol * sizeof(int));
	qsort(e, ne, sizeof(*e), cmp_gedge);
	for (size_t k = 0; k < ne; k++) {
		if (col_of[e[k].row] >= 0 || left[e[k].col] <= 0)
			continue;
		col_of[e[k].row] = e[k].col;
		score_of[e[k].row] = e[k].score;
		left[e[k].col]--;
	}
	match_assignment_from(p, mentees, &g, col_of, score_of, out);
	free(e);
	free(col_of);
	free(score_of);
	free(left);
	match_graph_free(&g);
}

void
match_assignment_free(struct match_assignment *a)
{
	if (!a)
		return;
	free(a->pairs);
	free(a->unmatched);
	memset(a, 0, sizeof(*a));
}
