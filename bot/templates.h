/*
 * templates.h - every sentence a user reads, from templates/LANG/NAME.txt.
 *
 * File format: "== key" starts a template; its text runs to the next "=="
 * line (trailing blank lines dropped).  Lines before the first key and lines
 * starting with "##" are comments.  Placeholders are {{name}}.
 *
 * templates_load() checks that every required key (and every key present in
 * one language) exists in both "de" and "en", and that both languages use
 * the same placeholders, and only ones the code provides; start-up fails
 * otherwise.
 */
#ifndef MB_TEMPLATES_H
#define MB_TEMPLATES_H

#include <stddef.h>

struct buf;
struct templates;

/* Load dir/de and dir/en.  Returns 0, or the number of problems, each
 * appended to *errors as one line.  *out is set only on success; the caller
 * frees it with templates_free(). */
int templates_load(const char *dir, struct templates **out, struct buf *errors);
void templates_free(struct templates *t);

/* 1 if lang has key. */
int tmpl_has(const struct templates *t, const char *lang, const char *key);
/*
 * Render key in lang ("de" or "en"; anything else falls back to "en"),
 * replacing {{name}} by the value of the matching pair in vars
 * (name, value, name, value, …, NULL).  Unknown names render as "".
 * Returns an allocated string (the caller frees); a missing key renders as
 * the key itself, which the load-time check makes impossible for known keys.
 */
char *tmpl_render(const struct templates *t, const char *lang, const char *key, const char *const *vars);

/* The keys the code uses, with the placeholders it provides for each; NULL-terminated. */
struct tmpl_key {
	const char *key;
	const char *vars; /* comma-separated */
};
extern const struct tmpl_key tmpl_required_keys[];
/* Every key list the code renders from: the core's, and one per feature
 * (each ends with {NULL, NULL}; defined next to the handlers that use them). */
extern const struct tmpl_key *const tmpl_key_sets[];
extern const size_t tmpl_key_nsets;

#endif
