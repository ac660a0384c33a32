/*
 * form.h - the one reader of "Field: value" lines (the event form staff send,
 * the application form people fill in by replying).  The labels are data: the
 * caller passes a table of accepted labels (German and English, folded as
 * cmd_fold() folds) and gets back, line by line, which field a line names and
 * its value.  Pure: no state, no network; linear in the input.  Any thread.
 */
#ifndef MB_FORM_H
#define MB_FORM_H

#include <stddef.h>

struct form_label {
	const char *label; /* folded (cmd_fold), no white space around it */
	int field;         /* the caller's field number, >= 0 */
};

struct form_spec {
	const struct form_label *labels; /* the first that matches wins */
	size_t nlabels;
	int unquote;      /* ">"-quoted lines ("> > Topics: x") are form lines too, marked quoted */
	size_t label_max; /* a colon further than this from the (unquoted) line start: no form line; 0: any */
	int strip_star;   /* a trailing "*" (the mark of a required field) on a label is ignored */
};

struct form_line {
	int field;         /* labels[i].field of the label */
	int quoted;        /* the line had ">" quote marks (only with spec->unquote) */
	const char *value; /* after the colon up to the line end (without "\n"), not trimmed; points into the text */
	size_t len;
};

/*
 * Read the line at *pos (a NUL-terminated text; lines end in "\n") and
 * advance *pos past it.  Returns 1 with *out set when the line is
 * "Label: value" with a label of spec (the label is what comes before the
 * line's first colon, folded, white space around it ignored); 0 when the line
 * is none; -1 when *pos is at the end of the text.
 */
int form_next(const char **pos, const struct form_spec *spec, struct form_line *out);

/* The field that label text (unfolded, len bytes; white space around it
 * ignored, and a trailing "*" with spec->strip_star) names; -1 if none. */
int form_label_find(const struct form_spec *spec, const char *text, size_t len);

#endif
