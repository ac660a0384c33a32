/*
 * h_consent.c - the consent record as members see it: the "given" row of a join, the
 * consents "whoami" lists, "agree <programme>" to a changed consent text, and the note that
 * asks for it on a member's next contact (the dispatcher calls h_consent_note once per
 * message, after the command ran).
 *
 * The consent text of a version is the template "consent.<version>" when there is one,
 * else "consent" with the version filled in.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bot/commands.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "handlers/handlers.h"
#include "state/consent.h"

/* Version of the consent text when a programme names none (programme add … --consent V). */
#define CONSENT_VERSION "2026-11-1"

char *
h_consent_version(struct hctx *h, const char *slug)
{
	struct programme p;
	char *v = NULL;
	if (state_programme_get(h->db, slug, &p) == DB_OK && p.consent_version && *p.consent_version)
		v = xstrdup(p.consent_version);
	programme_free(&p);
	return v ? v : xstrdup(CONSENT_VERSION);
}

char *
h_consent_text(struct hctx *h, const char *version)
{
	char *key = xasprintf("consent.%s", version);
	char *text = tmpl_has(h->tmpl, h->lang, key) ? hctx_text(h, key, "version", version, NULL)
						     : hctx_text(h, "consent", "version", version, NULL);
	free(key);
	return text;
}

int
h_consent_given(struct hctx *h, int64_t person, const char *slug)
{
	char *version = h_consent_version(h, slug);
	int rc = consent_add(h->db, person, slug, version, h->transport, "given", h->cmd ? h->cmd->name : NULL);
	free(version);
	return rc;
}

static void
day_text(int64_t t, char out[16])
{
	time_t c = (time_t)t;
	struct tm tm;
	gmtime_r(&c, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

char *
h_consent_lines(struct hctx *h)
{
	struct consent *cs;
	size_t n;
	struct buf b = BUF_INIT;
	if (consent_current(h->db, h->person.id, &cs, &n) == DB_OK) {
		for (size_t i = 0; i < n; i++) {
			if (strcmp(cs[i].action, "given") != 0)
				continue;
			char day[16], *name = NULL;
			day_text(cs[i].at, day);
			state_programme_exists(h->db, cs[i].purpose, &name);
			char *line = hctx_text(h, "whoami.consent", "programme", name ? name : cs[i].purpose, "version",
					       cs[i].version, "date", day, "channel", cs[i].channel, NULL);
			buf_addf(&b, "%s%s", b.len ? "\n" : "", line);
			free(line);
			free(name);
		}
		consents_free(cs, n);
	}
	if (!b.len)
		return hctx_text(h, "whoami.no_consent", NULL);
	return buf_detach(&b);
}

/* ---- agree <programme> ---- */

int
h_agree_check(struct hctx *h)
{
	return h->argc ? h_programme_arg_check(h, "join_unknown_programme", "programme") : 0;
}

int
h_agree_run(struct hctx *h)
{
	char *slug = h->argc ? cmd_fold(h->argv[0]) : NULL;
	struct consent *cs;
	size_t n;
	int rc = consent_outdated(h->db, h->person.id, &cs, &n);
	struct buf names = BUF_INIT;
	for (size_t i = 0; rc == DB_OK && i < n; i++) {
		if (slug && strcmp(slug, cs[i].purpose) != 0)
			continue;
		rc = consent_add(h->db, h->person.id, cs[i].purpose, cs[i].version, h->transport, "given", "agree");
		char *name = NULL;
		state_programme_exists(h->db, cs[i].purpose, &name);
		buf_addf(&names, "%s%s", names.len ? ", " : "", name ? name : cs[i].purpose);
		free(name);
	}
	if (rc == DB_OK && names.len)
		hctx_reply(h, "agree_done", "programmes", names.p, NULL);
	else if (rc == DB_OK)
		hctx_reply(h, "agree_nothing", NULL);
	buf_free(&names);
	consents_free(cs, n);
	free(slug);
	return db_failed(rc) ? rc : 0;
}

/* ---- the note on the next contact ---- */

/* The first reply to the sender, or NULL: the note goes with an answer, never alone. */
static struct reply *
first_to_sender(struct hctx *h)
{
	for (size_t i = 0; i < h->nreplies; i++)
		if (!h->replies[i].to_kind)
			return &h->replies[i];
	return NULL;
}

int
h_consent_note(struct hctx *h)
{
	struct reply *r = h->known ? first_to_sender(h) : NULL;
	if (!r)
		return DB_OK;
	struct consent *cs;
	size_t n;
	int rc = consent_outdated(h->db, h->person.id, &cs, &n);
	if (rc != DB_OK || n == 0)
		return db_failed(rc) ? rc : DB_OK;
	struct buf b = BUF_INIT;
	const char *word = hctx_cmd_word_in(h->lang, "agree");
	for (size_t i = 0; i < n; i++) {
		char *name = NULL;
		state_programme_exists(h->db, cs[i].purpose, &name);
		char *text = h_consent_text(h, cs[i].version);
		char *item = hctx_text(h, "consent_renew.item", "programme", name ? name : cs[i].purpose, "version",
				       cs[i].version, "consent", text, "command", word, "slug", cs[i].purpose, NULL);
		buf_addf(&b, "%s%s", b.len ? "\n\n" : "", item);
		free(item);
		free(text);
		free(name);
	}
	consents_free(cs, n);
	/* once per contact: appended to the first answer only */
	r->vars = xrealloc(r->vars, (r->nvars + 3) * sizeof *r->vars);
	r->vars[r->nvars++] = xstrdup(HCTX_NOTE_AFTER);
	r->vars[r->nvars++] = hctx_text(h, "consent_renew", "items", b.p, NULL);
	r->vars[r->nvars] = NULL;
	buf_free(&b);
	return DB_OK;
}

const struct tmpl_key tmpl_keys_consent[] = {
	{"cmd.agree", ""},
	{"cmd.agree.short", ""},
	{"agree_done", "programmes"},
	{"agree_nothing", ""},
	{"consent_renew", "items"},
	{"consent_renew.item", "programme,version,consent,command,slug"},
	{"whoami.consent", "programme,version,date,channel"},
	{"whoami.no_consent", ""},
	{NULL, NULL},
};
