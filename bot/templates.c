/*
 * templates.c - load, check and render the reply templates.
 */
#include "templates.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "util.h"

struct tmpl {
	char *key;
	char *text;
};

struct lang_set {
	struct tmpl *v;
	size_t n;
};

struct templates {
	struct lang_set de, en;
};

static const char *const langs[] = {"de", "en"};

static struct lang_set *
set_for(struct templates *t, const char *lang)
{
	return strcmp(lang, "de") == 0 ? &t->de : &t->en;
}

static const struct lang_set *
cset_for(const struct templates *t, const char *lang)
{
	return (lang && strcmp(lang, "de") == 0) ? &t->de : &t->en;
}

static const char *
lookup(const struct lang_set *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].key, key) == 0)
			return s->v[i].text;
	return NULL;
}

static void
set_add(struct lang_set *s, const char *key, struct buf *text)
{
	while (text->len && (text->p[text->len - 1] == '\n' || text->p[text->len - 1] == ' '))
		text->p[--text->len] = '\0';
	s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
	s->v[s->n].key = xstrdup(key);
	s->v[s->n].text = buf_detach(text);
	s->n++;
}

static int
load_file(struct lang_set *s, const char *path, struct buf *errors)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		buf_addf(errors, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	char *key = NULL;
	struct buf text = BUF_INIT;
	int nerr = 0, lineno = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (strncmp(line, "##", 2) == 0)
			continue;
		if (strncmp(line, "== ", 3) == 0) {
			if (key)
				set_add(s, key, &text);
			free(key);
			key = xstrdup(str_trim(line + 3));
			if (lookup(s, key)) {
				buf_addf(errors, "%s:%d: template '%s' defined twice\n", path, lineno, key);
				nerr++;
			}
			continue;
		}
		if (!key)
			continue;
		buf_add(&text, line, (size_t)len);
		buf_addc(&text, '\n');
	}
	if (key)
		set_add(s, key, &text);
	free(key);
	buf_free(&text);
	free(line);
	fclose(f);
	return nerr;
}

/* Placeholders used by text, as a sorted comma list.  Caller frees. */
static char *
placeholders(const char *text)
{
	char *names[64];
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, "{{")) != NULL;) {
		const char *e = strstr(p + 2, "}}");
		if (!e)
			break;
		char *name = xstrndup(p + 2, (size_t)(e - p - 2));
		int dup = 0;
		for (size_t i = 0; i < n; i++)
			if (strcmp(names[i], name) == 0)
				dup = 1;
		if (dup || n == ARRAY_LEN(names))
			free(name);
		else
			names[n++] = name;
		p = e + 2;
	}
	/* insertion sort: n is tiny */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addc(&b, ',');
		buf_adds(&b, names[i]);
		free(names[i]);
	}
	return buf_detach(&b);
}

static int
var_allowed(const char *allowed, const char *name)
{
	size_t l = strlen(name);
	for (const char *p = allowed; *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == l && strncmp(p, name, l) == 0)
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

static const char *
required_vars(const char *key)
{
	for (size_t s = 0; s < tmpl_key_nsets; s++)
		for (const struct tmpl_key *k = tmpl_key_sets[s]; k->key; k++)
			if (strcmp(k->key, key) == 0)
				return k->vars;
	return NULL;
}

static int
check(struct templates *t, const char *dir, struct buf *errors)
{
	int nerr = 0;
	/* every required key in both languages */
	for (size_t ks = 0; ks < tmpl_key_nsets; ks++)
		for (const struct tmpl_key *k = tmpl_key_sets[ks]; k->key; k++)
			for (size_t l = 0; l < ARRAY_LEN(langs); l++)
				if (!lookup(set_for(t, langs[l]), k->key)) {
					buf_addf(errors, "%s/%s: template '%s' is missing\n", dir, langs[l], k->key);
					nerr++;
				}
	/* every present key in the other language, same placeholders, all provided */
	for (size_t l = 0; l < ARRAY_LEN(langs); l++) {
		struct lang_set *s = set_for(t, langs[l]);
		struct lang_set *o = set_for(t, langs[1 - l]);
		for (size_t i = 0; i < s->n; i++) {
			const char *other = lookup(o, s->v[i].key);
			if (!other) {
				buf_addf(errors, "%s/%s: template '%s' is missing (present in %s)\n", dir, langs[1 - l],
					 s->v[i].key, langs[l]);
				nerr++;
				continue;
			}
			char *a = placeholders(s->v[i].text), *b = placeholders(other);
			if (l == 0 && strcmp(a, b) != 0) {
				buf_addf(errors, "%s: template '%s' uses {{%s}} in de but {{%s}} in en\n", dir,
					 s->v[i].key, a, b);
				nerr++;
			}
			const char *allowed = required_vars(s->v[i].key);
			if (allowed && *a) {
				char *save = NULL, *copy = xstrdup(a);
				for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save))
					if (!var_allowed(allowed, name)) {
						buf_addf(errors,
							 "%s/%s: template '%s' uses unknown placeholder {{%s}}\n", dir,
							 langs[l], s->v[i].key, name);
						nerr++;
					}
				free(copy);
			}
			free(a);
			free(b);
		}
	}
	return nerr;
}

int
templates_load(const char *dir, struct templates **out, struct buf *errors)
{
	struct templates *t = xcalloc(1, sizeof *t);
	int nerr = 0;
	*out = NULL;
	for (size_t l = 0; l < ARRAY_LEN(langs); l++) {
		char *sub = xasprintf("%s/%s", dir, langs[l]);
		DIR *d = opendir(sub);
		if (!d) {
			buf_addf(errors, "%s: %s\n", sub, strerror(errno));
			nerr++;
			free(sub);
			continue;
		}
		/* sorted file order keeps "defined twice" messages stable */
		char *names[64];
		size_t n = 0;
		struct dirent *de;
		while ((de = readdir(d)) != NULL && n < ARRAY_LEN(names)) {
			size_t len = strlen(de->d_name);
			if (len > 4 && strcmp(de->d_name + len - 4, ".txt") == 0)
				names[n++] = xstrdup(de->d_name);
		}
		closedir(d);
		for (size_t i = 1; i < n; i++)
			for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
				char *x = names[j];
				names[j] = names[j - 1];
				names[j - 1] = x;
			}
		for (size_t i = 0; i < n; i++) {
			char *path = xasprintf("%s/%s", sub, names[i]);
			nerr += load_file(set_for(t, langs[l]), path, errors);
			free(path);
			free(names[i]);
		}
		free(sub);
	}
	if (!nerr)
		nerr = check(t, dir, errors);
	if (nerr) {
		templates_free(t);
		return nerr;
	}
	*out = t;
	return 0;
}

void
templates_free(struct templates *t)
{
	if (!t)
		return;
	struct lang_set *sets[] = {&t->de, &t->en};
	for (size_t s = 0; s < 2; s++) {
		for (size_t i = 0; i < sets[s]->n; i++) {
			free(sets[s]->v[i].key);
			free(sets[s]->v[i].text);
		}
		free(sets[s]->v);
	}
	free(t);
}

int
tmpl_has(const struct templates *t, const char *lang, const char *key)
{
	return lookup(cset_for(t, lang), key) != NULL;
}

char *
tmpl_render(const struct templates *t, const char *lang, const char *key, const char *const *vars)
{
	const char *text = lookup(cset_for(t, lang), key);
	struct buf b = BUF_INIT;
	if (!text) {
		buf_adds(&b, key);
		return buf_detach(&b);
	}
	for (const char *p = text; *p;) {
		const char *s = strstr(p, "{{");
		const char *e = s ? strstr(s + 2, "}}") : NULL;
		if (!s || !e) {
			buf_adds(&b, p);
			break;
		}
		buf_add(&b, p, (size_t)(s - p));
		size_t nl = (size_t)(e - s - 2);
		for (size_t i = 0; vars && vars[i] && vars[i + 1]; i += 2)
			if (strlen(vars[i]) == nl && strncmp(vars[i], s + 2, nl) == 0) {
				buf_adds(&b, vars[i + 1]);
				break;
			}
		p = e + 2;
	}
	return buf_detach(&b);
}
