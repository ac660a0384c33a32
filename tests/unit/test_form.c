/*
 * test_form.c - the one "Field: value" reader (bot/form.h): labels from the
 * caller's table in either language, case and umlauts folded, white space
 * around a label ignored, ">"-quoted lines read and marked when asked,
 * a far colon or an unknown label no form line, a trailing "*" ignored
 * when asked, the value as written after the colon.
 */
#include "form.h"
#include "t.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

enum { TITLE, PLACE, TOPICS };
static const struct form_label labels[] = {
	{"title", TITLE}, {"titel", TITLE}, {"place", PLACE}, {"ort", PLACE}, {"plätze", PLACE}, {"topics", TOPICS},
};

static void
reads_labelled_lines(void)
{
	struct form_spec spec = {labels, ARRAY_LEN(labels), 0, 0, 0};
	const char *p = "Titel: Sommerfest\nnothing here\n  PLÄTZE : 20\r\nUnknown: x\nOrt:Aula";
	struct form_line l;
	CHECK(form_next(&p, &spec, &l) == 1);
	CHECK(l.field == TITLE && !l.quoted && l.len == 11 && memcmp(l.value, " Sommerfest", 11) == 0);
	CHECK(form_next(&p, &spec, &l) == 0);
	CHECK(form_next(&p, &spec, &l) == 1);
	CHECK(l.field == PLACE && l.len == 4 && memcmp(l.value, " 20\r", 4) == 0);
	CHECK(form_next(&p, &spec, &l) == 0);
	CHECK(form_next(&p, &spec, &l) == 1);
	CHECK(l.field == PLACE && l.len == 4 && memcmp(l.value, "Aula", 4) == 0);
	CHECK(form_next(&p, &spec, &l) == -1);
	CHECK(form_next(&p, &spec, &l) == -1);
	/* without unquoting a quoted line is none */
	p = "> Title: x\n";
	CHECK(form_next(&p, &spec, &l) == 0);
	p = NULL;
	CHECK(form_next(&p, &spec, &l) == -1);
}

static void
quoted_lines_far_colons_and_stars(void)
{
	struct form_spec spec = {labels, ARRAY_LEN(labels), 1, 10, 1};
	const char *p = "> > Topics*: chips\nThe topics we discussed at length: many\n\tTitle :\n";
	struct form_line l;
	CHECK(form_next(&p, &spec, &l) == 1);
	CHECK(l.field == TOPICS && l.quoted && l.len == 6);
	CHECK(form_next(&p, &spec, &l) == 0);
	CHECK(form_next(&p, &spec, &l) == 1);
	CHECK(l.field == TITLE && !l.quoted && l.len == 0);
	CHECK(form_next(&p, &spec, &l) == -1);
}

static void
label_lookup(void)
{
	struct form_spec plain = {labels, ARRAY_LEN(labels), 0, 0, 0};
	struct form_spec star = {labels, ARRAY_LEN(labels), 0, 0, 1};
	CHECK(form_label_find(&plain, " Topics ", 8) == TOPICS);
	CHECK(form_label_find(&plain, "Topics*", 7) == -1);
	CHECK(form_label_find(&star, "Topics * ", 9) == TOPICS);
	CHECK(form_label_find(&plain, "Ortschaft", 3) == PLACE); /* len bytes only */
	CHECK(form_label_find(&plain, "", 0) == -1);
	CHECK(form_label_find(&plain, NULL, 0) == -1);
}

int
main(void)
{
	RUN(reads_labelled_lines);
	RUN(quoted_lines_far_colons_and_stars);
	RUN(label_lookup);
	return t_done();
}
