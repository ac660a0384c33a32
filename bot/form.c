/*
 * form.c - read "Field: value" lines against a caller's label table (see
 * form.h).  One pass over each line; a label is folded once and compared
 * with a bounded table.  No state; any thread may call it.
 */
#include "form.h"
#include "commands.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int
form_label_find(const struct form_spec *spec, const char *text, size_t len)
{
	char *raw = xstrndup(text ? text : "", text ? len : 0);
	char *f = cmd_fold(raw), *s = str_trim(f);
	size_t l = strlen(s);
	while (spec->strip_star && l && (s[l - 1] == '*' || isspace((unsigned char)s[l - 1])))
		s[--l] = '\0';
	int found = -1;
	for (size_t i = 0; i < spec->nlabels && found < 0; i++)
		if (spec->labels[i].label && strcmp(s, spec->labels[i].label) == 0)
			found = spec->labels[i].field;
	free(f);
	free(raw);
	return found;
}

/* The line without its quote marks ("> > "); *quoted set when it had any. */
static const char *
unquote(const char *line, const char *end, int *quoted)
{
	*quoted = 0;
	for (;;) {
		while (line < end && (*line == ' ' || *line == '\t'))
			line++;
		if (line == end || *line != '>')
			return line;
		*quoted = 1;
		line++;
	}
}

int
form_next(const char **pos, const struct form_spec *spec, struct form_line *out)
{
	const char *p = *pos ? *pos : "";
	if (!*p)
		return -1;
	size_t n = strcspn(p, "\n");
	const char *end = p + n;
	*pos = *end ? end + 1 : end;
	int quoted = 0;
	const char *s = spec->unquote ? unquote(p, end, &quoted) : p;
	const char *colon = memchr(s, ':', (size_t)(end - s));
	if (!colon || (spec->label_max && (size_t)(colon - s) > spec->label_max))
		return 0;
	int k = form_label_find(spec, s, (size_t)(colon - s));
	if (k < 0)
		return 0;
	out->field = k;
	out->quoted = quoted;
	out->value = colon + 1;
	out->len = (size_t)(end - colon - 1);
	return 1;
}
