/*
 * h_alumni.c - the alumni directory: "find alumni <words>" (ranked matches
 * over the profile fields each alumnus made visible, state/directory.c) and
 * "contact <n> <message>" to a hit of the asker's last search (a contact
 * request, h_contact.c).  Never shows an address.  Runs inside the
 * dispatcher's transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/config.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "handlers/h_alumni.h"
#include "handlers/h_network.h"
#include "handlers/handlers.h"
#include "state/directory.h"

/* The fields shown about an alumnus, in this order (the name is shown apart). */
static const char *const shown_fields[] = {"year",   "field",     "company", "position", "city",
					   "topics", "languages", "open_to", "link"};

/* open_to as a reader of lang reads it: each canonical word translated. */
static char *
open_to_text(const struct hctx *h, const char *value, const char *lang)
{
	struct buf b = BUF_INIT;
	char *copy = xstrdup(value), *save = NULL;
	for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		char *key = xasprintf("alumni.open.%s", t);
		char *w = tmpl_has(h->tmpl, lang, key) ? hctx_text_in(h, lang, key, NULL) : xstrdup(t);
		buf_addf(&b, "%s%s", b.len ? ", " : "", w);
		free(w);
		free(key);
	}
	free(copy);
	return buf_detach(&b);
}

char *
h_alumni_details(const struct hctx *h, const struct who *w, const char *lang)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < ARRAY_LEN(shown_fields); i++) {
		const char *v = who_value(w, shown_fields[i], 1);
		if (!v)
			continue;
		char *value = strcmp(shown_fields[i], "open_to") == 0 ? open_to_text(h, v, lang) : xstrdup(v);
		char *lkey = xasprintf("alumni.label.%s", shown_fields[i]);
		char *label = hctx_text_in(h, lang, lkey, NULL);
		char *line = hctx_text_in(h, lang, "alumni.detail", "field", label, "value", value, NULL);
		buf_addf(&b, "%s%s", b.len ? "\n" : "", line);
		free(line);
		free(label);
		free(lkey);
		free(value);
	}
	return buf_detach(&b);
}

/* Every template key of the directory (templates/<lang>/alumni.txt) with its placeholders. */
const struct tmpl_key tmpl_keys_alumni[] = {
	{"cmd.find_alumni", ""},
	{"cmd.find_alumni.short", ""},
	{"cmd.contact", ""},
	{"cmd.contact.short", ""},
	{"alumni.mail", "text"},
	{"alumni.mail.subject", "subject"},
	{"alumni.chat", "text"},
	{"alumni.detail", "field,value"},
	{"alumni.label.year", ""},
	{"alumni.label.field", ""},
	{"alumni.label.company", ""},
	{"alumni.label.position", ""},
	{"alumni.label.city", ""},
	{"alumni.label.topics", ""},
	{"alumni.label.languages", ""},
	{"alumni.label.open_to", ""},
	{"alumni.label.link", ""},
	{"alumni.open.mentoring", ""},
	{"alumni.open.talks", ""},
	{"alumni.open.internships", ""},
	{"alumni.open.contact", ""},
	{"alumni.open.none", ""},
	{"alumni.contact_line", "kind,address"},
	{"alumni.kind.internship", ""},
	{"alumni.kind.job", ""},
	{"alumni.kind.thesis", ""},
	{"alumni.kind.working_student", ""},
	{"alumni.kind.project", ""},
	{"alumni.find.usage", ""},
	{"alumni.find.results", "query,results"},
	{"alumni.find.hit", "n,name,details"},
	{"alumni.find.none", "query"},
	{"alumni.contact.bad_number", "n"},
	{"alumni.contact.no_message", "n"},
	{"alumni.contact.closed", "name"},
	{"alumni.contact.gone", "name"},
	{"alumni.contact.sent", "ref,name,days"},
	{"alumni.contact.already", "ref,name"},
	{"alumni.limit.open", "limit"},
	{"alumni.limit.week", "limit"},
	{"alumni.contact.offer_line", "offer,title,kind"},
	{"alumni.contact.to", "name,offer,message,details,accept,ref,decline,deadline"},
	{"alumni.contact.to.subject", "name"},
	{"alumni.contact.to_offer", "name,offer,message,details,accept,ref,decline,deadline"},
	{"alumni.contact.to_offer.subject", "offer"},
	{"alumni.contact.to.chat", "ref,name,message,offer,accept,decline"},
	{"alumni.answer.unknown", "ref"},
	{"alumni.answer.closed", "ref,status"},
	{"alumni.status.accepted", ""},
	{"alumni.status.declined", ""},
	{"alumni.status.expired", ""},
	{"alumni.status.withdrawn", ""},
	{"alumni.contact.accepted", "name,contact"},
	{"alumni.contact.accepted.asker", "name,offer,contact"},
	{"alumni.contact.accepted.asker.subject", "name"},
	{"alumni.contact.declined", "name"},
	{"alumni.contact.declined.asker", "name,offer"},
	{"alumni.contact.declined.asker.subject", "name"},
	{"alumni.contact.expired.asker", "name,days,offer"},
	{"alumni.contact.expired.asker.subject", "name"},
	{"alumni.profile.bad_year", "field,value"},
	{"alumni.profile.bad_open_to", "field,value"},
	{"alumni.profile.bad_link", "field,value"},
	{NULL, NULL},
};

/* ---- find alumni ---- */

int
h_find_alumni_check(struct hctx *h)
{
	char *expr = dir_match_expr(h->argline);
	if (!expr) {
		hctx_reply(h, "alumni.find.usage", NULL);
		return 1;
	}
	free(expr);
	return 0;
}

/* One numbered hit: the name and the visible fields, never an address. */
static int
hit_text(struct hctx *h, size_t n, int64_t id, struct buf *b)
{
	struct who w;
	int rc = who_load(h, id, &w);
	if (rc != DB_OK)
		return rc;
	char num[24];
	snprintf(num, sizeof num, "%zu", n);
	char *name = who_name(h, &w, h->lang), *details = h_alumni_details(h, &w, h->lang);
	char *line = hctx_text(h, "alumni.find.hit", "n", num, "name", name, "details", details, NULL);
	buf_addf(b, "%s%s", b->len ? "\n\n" : "", line);
	free(line);
	free(details);
	free(name);
	who_free(&w);
	return DB_OK;
}

int
h_find_alumni_run(struct hctx *h)
{
	char *expr = dir_match_expr(h->argline);
	int64_t *ids = NULL;
	size_t n = 0;
	int rc = dir_alumni_find(h->db, expr, h->person.id, DIR_HITS_MAX, &ids, &n);
	if (rc == DB_OK)
		rc = dir_hits_set(h->db, h->person.id, ids, n);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n && rc == DB_OK; i++)
		rc = hit_text(h, i + 1, ids[i], &b);
	char *query = xstrdup(h->argline);
	if (rc == DB_OK && n == 0)
		hctx_reply(h, "alumni.find.none", "query", str_trim(query), NULL);
	else if (rc == DB_OK)
		hctx_reply(h, "alumni.find.results", "query", str_trim(query), "results", b.len ? b.p : "", NULL);
	free(query);
	buf_free(&b);
	free(ids);
	free(expr);
	return db_failed(rc) ? rc : 0;
}

/* ---- contact ---- */

/* The message of "contact <n> <message>": after the number, to the end of the text (a mail's
 * following lines too).  Caller frees. */
static char *
contact_message(const struct hctx *h)
{
	const char *line = h->argline ? h->argline : "";
	const char *at = h->body && *line ? strstr(h->body, line) : NULL;
	const char *p = at ? at : line;
	while (*p == ' ' || *p == '\t')
		p++;
	while (*p && !strchr(" \t\r\n", *p))
		p++;
	char *m = xstrdup(p);
	char *t = str_trim(m);
	if (strlen(t) > 2000)
		t[2000] = '\0';
	char *r = xstrdup(t);
	free(m);
	return r;
}

int
h_contact_check(struct hctx *h)
{
	int64_t n;
	if (hctx_parse_id(h->argv[0], &n) < 0 || n > DIR_HITS_MAX) {
		hctx_reply(h, "alumni.contact.bad_number", "n", h->argv[0], NULL);
		return 1;
	}
	char *m = contact_message(h);
	int empty = !*m;
	free(m);
	if (empty) {
		hctx_reply(h, "alumni.contact.no_message", "n", h->argv[0], NULL);
		return 1;
	}
	return 0;
}

/* 1 when w set "open to" to none: listed, never contacted. */
static int
not_contactable(const struct who *w)
{
	const char *v = who_value(w, "open_to", 0);
	return v && strstr(v, "none") != NULL;
}

int
h_contact_run(struct hctx *h)
{
	int64_t n = 0, to = 0, rid = 0;
	hctx_parse_id(h->argv[0], &n);
	int rc = dir_hit_get(h->db, h->person.id, n, &to);
	if (rc == DB_NOTFOUND) {
		hctx_reply(h, "alumni.contact.bad_number", "n", h->argv[0], NULL);
		return 0;
	}
	struct who w = {0};
	int alum = 0;
	if (rc != DB_OK || (rc = dir_is_alumnus(h->db, to, &alum)) != DB_OK || (rc = who_load(h, to, &w)) != DB_OK)
		goto out;
	char *name = who_name(h, &w, h->lang), *msg = contact_message(h);
	if (!alum)
		hctx_reply(h, "alumni.contact.gone", "name", name, NULL);
	else if (not_contactable(&w))
		hctx_reply(h, "alumni.contact.closed", "name", name, NULL);
	else if ((rc = h_contact_limit_check(h, h->person.id)) == 0 &&
		 (rc = h_contact_open(h, h->person.id, to, 0, msg, &rid)) >= 0) {
		char ref[24], days[16];
		h_contact_ref(rid, h->lang, ref);
		snprintf(days, sizeof days, "%d", h_contact_days(h));
		hctx_reply(h, rc == 1 ? "alumni.contact.already" : "alumni.contact.sent", "ref", ref, "name", name,
			   "days", days, NULL);
		rc = DB_OK;
	}
	free(msg);
	free(name);
out:
	who_free(&w);
	return db_failed(rc) ? rc : 0;
}
