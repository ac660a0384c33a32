/*
 * match_int.h - what the matching files share and nobody else needs:
 * match.c (interning, scoring, find mentor, the candidate graph),
 * match_text.c (normal form, languages, availability) and match_cohort.c
 * (the assignment solvers).
 */
#ifndef MB_MATCH_INT_H
#define MB_MATCH_INT_H

#include "match.h"

/* Normalised copy of in: ASCII and Ä Ö Ü lower-cased, trimmed, white space
 * runs collapsed to one space.  Allocated; the caller frees. */
char *match_norm_dup(const char *in);

/* The candidate graph: for each mentee, eligible mentors with free places
 * and a score above 0, in CSR form; columns are those mentors only. */
struct match_graph {
	size_t n, ncol;
	size_t *col_mentor; /* column -> pool index */
	int *cap;           /* column -> free places */
	size_t *eofs;       /* n + 1 */
	uint32_t *ecol;
	int *escore;
	unsigned char *any_eligible; /* mentee had an eligible mentor (full or not) */
};

/* Build g for mentees against the pool's mentors with free places; free
 * with match_graph_free(). */
void match_graph_build(const struct match_pool *p, const struct match_profile *mentees, size_t n,
		       struct match_graph *g);
void match_graph_free(struct match_graph *g);
/* Fill out (allocated; match_assignment_free) from col_of[] (a column per
 * mentee, negative = unmatched) and score_of[]. */
void match_assignment_from(const struct match_pool *p, const struct match_profile *mentees, const struct match_graph *g,
			   const long *col_of, const int *score_of, struct match_assignment *out);

#endif
