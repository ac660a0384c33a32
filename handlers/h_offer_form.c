/*
 * h_offer_form.c - the pure readers of the company side: the "offer:" form
 * (read by bot/form.h against the label table here, validated all at once),
 * a staff decision word, the action word of "offer <id> ...", and the folded
 * text "offers <words>" filters by.  No state, no network.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bot/commands.h"
#include "bot/form.h"
#include "bot/util.h"
#include "bot/when.h"
#include "handlers/h_offer.h"

#define VALUE_MAX 2000

static const struct {
	const char *en, *de;
} names[OF_N] = {
	[OF_KIND] = {"Kind", "Art"},
	[OF_TITLE] = {"Title", "Titel"},
	[OF_DESC] = {"Description", "Beschreibung"},
	[OF_LOCATION] = {"Location", "Ort"},
	[OF_REMOTE] = {"Remote", "Remote"},
	[OF_START] = {"Start", "Beginn"},
	[OF_DEADLINE] = {"Deadline", "Frist"},
	[OF_LINK] = {"Link", "Link"},
	[OF_CONTACT] = {"Contact", "Kontakt"},
};

static const struct form_label labels[] = {
	{"kind", OF_KIND},
	{"type", OF_KIND},
	{"art", OF_KIND},
	{"typ", OF_KIND},
	{"title", OF_TITLE},
	{"titel", OF_TITLE},
	{"description", OF_DESC},
	{"beschreibung", OF_DESC},
	{"location", OF_LOCATION},
	{"ort", OF_LOCATION},
	{"place", OF_LOCATION},
	{"standort", OF_LOCATION},
	{"remote", OF_REMOTE},
	{"homeoffice", OF_REMOTE},
	{"start", OF_START},
	{"beginn", OF_START},
	{"deadline", OF_DEADLINE},
	{"frist", OF_DEADLINE},
	{"bewerbungsfrist", OF_DEADLINE},
	{"link", OF_LINK},
	{"url", OF_LINK},
	{"contact", OF_CONTACT},
	{"kontakt", OF_CONTACT},
	{"ansprechpartner", OF_CONTACT},
	{"ansprechpartnerin", OF_CONTACT},
};

static const struct form_spec offer_spec = {labels, ARRAY_LEN(labels), 0, 0, 1};

/* Folded words -> the normalised kind. */
static const struct {
	const char *word, *kind;
} kinds[] = {
	{"internship", "internship"},
	{"praktikum", "internship"},
	{"job", "job"},
	{"stelle", "job"},
	{"festanstellung", "job"},
	{"thesis", "thesis"},
	{"abschlussarbeit", "thesis"},
	{"bachelorarbeit", "thesis"},
	{"masterarbeit", "thesis"},
	{"working student", "working_student"},
	{"working-student", "working_student"},
	{"werkstudent", "working_student"},
	{"werkstudentin", "working_student"},
	{"werkstudierende", "working_student"},
	{"project", "project"},
	{"projekt", "project"},
};

static const struct {
	const char *word, *value;
} remotes[] = {
	{"yes", "yes"}, {"ja", "yes"},     {"remote", "yes"},    {"no", "no"},
	{"nein", "no"}, {"vor ort", "no"}, {"hybrid", "hybrid"}, {"teilweise", "hybrid"},
};

const char *
offer_field_name(int field, const char *lang)
{
	if (field < 0 || field >= OF_N)
		return "";
	return lang && strcmp(lang, "de") == 0 ? names[field].de : names[field].en;
}

void
offer_form_free(struct offer_form *f)
{
	for (int i = 0; i < OF_N; i++)
		free(f->v[i]);
	memset(f, 0, sizeof *f);
}

void
offer_form_read(struct offer_form *f, const char *text)
{
	const char *p = text ? text : "";
	struct form_line l;
	int r;
	while ((r = form_next(&p, &offer_spec, &l)) >= 0) {
		if (r == 0)
			continue;
		char *raw = xstrndup(l.value, l.len);
		char *one = str_one_line(raw, VALUE_MAX);
		free(raw);
		free(f->v[l.field]);
		f->v[l.field] = NULL;
		char *t = str_trim(one);
		if (*t && strcmp(t, "-") != 0)
			f->v[l.field] = xstrdup(t);
		free(one);
		f->n++;
	}
}

int
offer_parse_date(const char *s, int64_t now, int64_t *out)
{
	struct when w;
	char *at = xasprintf("%s 23:59", s);
	int rc = when_parse(at, now, &w);
	free(at);
	if (rc != WHEN_OK || w.rest != strlen(s) + 6)
		return -1;
	*out = w.start;
	return 0;
}

/* An https URL with a host and no blanks. */
static int
link_ok(const char *s)
{
	if (strncasecmp(s, "https://", 8) != 0 || !s[8] || s[8] == '/' || strlen(s) > 500)
		return 0;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' || *p == '>')
			return 0;
	return 1;
}

int
offer_form_check(struct offer_form *f, int64_t now)
{
	static const int required[] = {OF_KIND, OF_TITLE, OF_DESC, OF_LOCATION};
	int n = 0;
	f->kind = f->remote = NULL;
	f->deadline = 0;
	memset(f->problem, 0, sizeof f->problem);
	for (size_t i = 0; i < ARRAY_LEN(required); i++)
		if (!f->v[required[i]])
			f->problem[required[i]] = OP_MISSING;
	if (f->v[OF_KIND]) {
		char *k = cmd_fold(f->v[OF_KIND]);
		for (size_t i = 0; i < ARRAY_LEN(kinds) && !f->kind; i++)
			if (strcmp(k, kinds[i].word) == 0)
				f->kind = kinds[i].kind;
		free(k);
		if (!f->kind)
			f->problem[OF_KIND] = OP_INVALID;
	}
	if (f->v[OF_REMOTE]) {
		char *k = cmd_fold(f->v[OF_REMOTE]);
		for (size_t i = 0; i < ARRAY_LEN(remotes) && !f->remote; i++)
			if (strcmp(k, remotes[i].word) == 0)
				f->remote = remotes[i].value;
		free(k);
		if (!f->remote)
			f->problem[OF_REMOTE] = OP_INVALID;
	}
	if (f->v[OF_DEADLINE] && offer_parse_date(f->v[OF_DEADLINE], now, &f->deadline) != 0) {
		f->deadline = 0;
		f->problem[OF_DEADLINE] = OP_INVALID;
	}
	if (f->v[OF_LINK] && !link_ok(f->v[OF_LINK]))
		f->problem[OF_LINK] = OP_INVALID;
	if (f->v[OF_TITLE] && strlen(f->v[OF_TITLE]) > 200)
		f->problem[OF_TITLE] = OP_INVALID;
	for (int i = 0; i < OF_N; i++)
		n += f->problem[i] != OP_NONE;
	return n;
}

/* The first word of text, folded, into w (at most n-1 bytes); *rest past it and the blanks. */
static void
first_word(const char *text, char *w, size_t n, const char **rest)
{
	const char *p = text ? text : "";
	while (*p && isspace((unsigned char)*p))
		p++;
	size_t len = 0;
	while (p[len] && !isspace((unsigned char)p[len]) && !strchr(".,!:;", p[len]))
		len++;
	char *raw = xstrndup(p, len < n - 1 ? len : n - 1);
	char *f = cmd_fold(raw);
	snprintf(w, n, "%s", f);
	free(f);
	free(raw);
	p += len;
	while (*p && (isspace((unsigned char)*p) || strchr(".,!:;-", *p)))
		p++;
	if (rest)
		*rest = p;
}

int
offer_decision(const char *text, const char **rest)
{
	static const char *const yes[] = {"ok", "okay", "ja", "yes", "freigeben", "approve", "approved", "genehmigt"};
	static const char *const no[] = {"nein", "no", "ablehnen", "reject", "rejected", "abgelehnt"};
	char w[32];
	first_word(text, w, sizeof w, rest);
	for (size_t i = 0; i < ARRAY_LEN(yes); i++)
		if (strcmp(w, yes[i]) == 0)
			return 1;
	for (size_t i = 0; i < ARRAY_LEN(no); i++)
		if (strcmp(w, no[i]) == 0)
			return 0;
	return -1;
}

const char *
offer_action(const char *word)
{
	static const struct {
		const char *w, *action;
	} acts[] = {
		{"approve", "approve"}, {"ok", "approve"},  {"freigeben", "approve"}, {"reject", "reject"},
		{"ablehnen", "reject"}, {"renew", "renew"}, {"verlängern", "renew"},  {"verlaengern", "renew"},
		{"extend", "renew"},    {"close", "close"}, {"schließen", "close"},   {"schliessen", "close"},
		{"beenden", "close"},
	};
	if (!word)
		return NULL;
	char *f = cmd_fold(word);
	const char *r = NULL;
	for (size_t i = 0; i < ARRAY_LEN(acts) && !r; i++)
		if (strcmp(f, acts[i].w) == 0)
			r = acts[i].action;
	free(f);
	return r;
}

char *
offer_fold(const char *s)
{
	static const struct {
		const char *from, *to;
	} map[] = {{"ä", "ae"}, {"ö", "oe"}, {"ü", "ue"}, {"ß", "ss"}};
	char *f = cmd_fold(s ? s : "");
	struct buf b = {0};
	for (const char *p = f; *p;) {
		size_t i;
		for (i = 0; i < ARRAY_LEN(map); i++)
			if (strncmp(p, map[i].from, strlen(map[i].from)) == 0)
				break;
		if (i < ARRAY_LEN(map)) {
			buf_adds(&b, map[i].to);
			p += strlen(map[i].from);
		} else {
			buf_addc(&b, *p++);
		}
	}
	free(f);
	return buf_detach(&b);
}

/* "ue" -> "u" (and ae, oe): the spelling without umlauts ("Munchen"). */
static char *
drop_e(const char *s)
{
	struct buf b = {0};
	for (const char *p = s; *p; p++) {
		buf_addc(&b, *p);
		if ((*p == 'a' || *p == 'o' || *p == 'u') && p[1] == 'e')
			p++;
	}
	return buf_detach(&b);
}

int
offer_text_matches(const char *text, const char *query)
{
	char *t = offer_fold(text), *q = offer_fold(query);
	char *t2 = drop_e(t);
	int all = 1;
	for (char *save = NULL, *w = strtok_r(q, " \t\r\n,;", &save); w && all;
	     w = strtok_r(NULL, " \t\r\n,;", &save)) {
		char *w2 = drop_e(w);
		all = strstr(t, w) || strstr(t2, w2);
		free(w2);
	}
	free(t2);
	free(t);
	free(q);
	return all;
}

const char *
offer_after_words(const char *line, int k)
{
	const char *p = line ? line : "";
	for (int i = 0; i < k; i++) {
		p += strspn(p, " \t");
		p += strcspn(p, " \t");
	}
	return p + strspn(p, " \t");
}
