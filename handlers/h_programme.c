/*
 * h_programme.c - the staff command "programme": list the programmes, add
 * one ("programme add <slug> <name…> [open|approve]") and change its policy,
 * request deadline, profile questions or hashtags ("programme set <slug> …"), and
 * open or close its call for applications ("programme <slug> call [until <date>]",
 * h_programme_call.c).  The
 * command line's "mentorbot programme" is bot/cli.c.  Runs inside the
 * dispatcher's transaction.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/commands.h"
#include "bot/util.h"
#include "handlers/h_apply.h"
#include "handlers/h_offer.h"
#include "handlers/h_programme.h"
#include "handlers/handlers.h"
#include "state/applications.h"
#include "state/calls.h"

static int
slug_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
			return 0;
	return 1;
}

static int
programme_list_reply(struct hctx *h)
{
	struct programme *v;
	size_t n;
	int rc = state_programmes(h->db, &v, &n);
	if (rc != DB_OK)
		return rc;
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		char days[16];
		snprintf(days, sizeof days, "%d", v[i].request_days);
		char *item = hctx_text(h, "programme.item", "slug", v[i].slug, "name", v[i].name, "policy", v[i].policy,
				       "days", days, "questions", v[i].questions, NULL);
		buf_addf(&b, "%s%s", b.len ? "\n" : "", item);
		free(item);
	}
	hctx_reply(h, "programme.list", "list", b.p ? b.p : "", NULL);
	buf_free(&b);
	programmes_free(v, n);
	return DB_OK;
}

static int
programme_saved_reply(struct hctx *h, const char *slug)
{
	struct programme p;
	int rc = state_programme_get(h->db, slug, &p);
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? DB_ERR : rc;
	char days[16];
	snprintf(days, sizeof days, "%d", p.request_days);
	hctx_reply(h, "programme.added", "slug", p.slug, "name", p.name, "policy", p.policy, "days", days, NULL);
	programme_free(&p);
	return DB_OK;
}

static int
policy_word(const char *w)
{
	char *f = cmd_fold(w);
	int r = -1;
	if (!strcmp(f, "open") || !strcmp(f, "offen"))
		r = 0;
	else if (!strcmp(f, "approve") || !strcmp(f, "freigabe"))
		r = 1;
	free(f);
	return r;
}

enum programme_sub { SUB_LIST, SUB_ADD, SUB_SET, SUB_CALL, SUB_BAD };

/* Is w one of the words (folded)? */
static int
word_is(const char *w, const char *a, const char *b)
{
	char *f = cmd_fold(w);
	int r = !strcmp(f, a) || !strcmp(f, b);
	free(f);
	return r;
}

/* The sub-command of "programme …" with enough words for it, or SUB_BAD. */
static enum programme_sub
programme_sub(const struct hctx *h)
{
	if (h->argc == 0)
		return SUB_LIST;
	char *sub = cmd_fold(h->argv[0]);
	enum programme_sub r = SUB_BAD;
	if (!strcmp(sub, "list") || !strcmp(sub, "liste"))
		r = SUB_LIST;
	else if ((!strcmp(sub, "add") || !strcmp(sub, "neu")) && h->argc >= 2)
		r = SUB_ADD;
	else if ((!strcmp(sub, "set") || !strcmp(sub, "setzen")) && h->argc >= 4)
		r = SUB_SET;
	else if (h->argc >= 2 && h->argc <= 4 && word_is(h->argv[1], "call", "aufruf"))
		r = SUB_CALL;
	free(sub);
	return r;
}

/* "programme set <slug> <what> <value>": the change into *p (slug not touched).  1 when
 * what and value make sense, 0 otherwise.  p->questions points into h->argv. */
static int
programme_set_value(const struct hctx *h, struct programme *p)
{
	char *what = cmd_fold(h->argv[2]);
	int ok = 0;
	if (!strcmp(what, "policy") || !strcmp(what, "regel")) {
		int pol = policy_word(h->argv[3]);
		ok = pol >= 0;
		p->policy = pol ? "approve" : "open";
	} else if (!strcmp(what, "days") || !strcmp(what, "tage")) {
		char *end;
		long d = strtol(h->argv[3], &end, 10);
		ok = !*end && d >= 1 && d <= 60;
		p->request_days = (int)d;
	} else if (!strcmp(what, "hashtags")) {
		ok = 1; /* the words after it (programme_hashtags) */
		free(what);
		return ok;
	} else if (!strcmp(what, "questions") || !strcmp(what, "fragen")) {
		p->questions = (char *)h->argv[3];
		ok = 1;
		char *copy = xstrdup(h->argv[3]);
		for (char *sv = NULL, *t = strtok_r(copy, ",", &sv); t; t = strtok_r(NULL, ",", &sv))
			if (h_apply_field_index(t) < 0 || !strcmp(t, "visible") || !strcmp(t, "capacity"))
				ok = 0;
		free(copy);
	}
	free(what);
	return ok && (p->policy || p->request_days || p->questions);
}

static void
programme_usage_reply(struct hctx *h)
{
	char *u = hctx_text(h, "programme.usage", NULL);
	hctx_reply(h, "usage", "command", hctx_cmd_word(h, h->cmd), "help", u, NULL);
	free(u);
}

/* "programme set <slug> hashtags <tag…>": the words after "hashtags" (none: no hashtags). */
static int
programme_hashtags(struct hctx *h)
{
	char *slug = cmd_fold(h->argv[1]);
	struct buf tags = BUF_INIT;
	for (int i = 3; i < h->argc; i++) {
		const char *t = h->argv[i];
		while (*t == '#')
			t++;
		if (*t && strcmp(t, "-") != 0)
			buf_addf(&tags, "%s%s", tags.len ? " " : "", t);
	}
	int rc = state_programme_hashtags_set(h->db, slug, tags.p);
	if (rc == DB_OK)
		rc = h_audit(h, "programme.set", slug, 0, h->argline);
	if (rc == DB_OK)
		hctx_reply(h, "programme.hashtags", "slug", slug, "tags", tags.len ? tags.p : "-", NULL);
	buf_free(&tags);
	free(slug);
	return db_failed(rc) ? rc : 0;
}

/* A known sub-command, a valid new slug, an existing programme and a sensible change. */
int
h_programme_check(struct hctx *h)
{
	enum programme_sub sub = programme_sub(h);
	if (sub == SUB_LIST)
		return 0;
	if (sub == SUB_BAD) {
		programme_usage_reply(h);
		return 1;
	}
	if (sub == SUB_CALL && !h_programme_call_args(h, NULL)) {
		programme_usage_reply(h);
		return 1;
	}
	char *slug = cmd_fold(h->argv[sub == SUB_CALL ? 0 : 1]);
	int r = 0;
	if (sub == SUB_ADD) {
		if (!slug_ok(slug)) {
			hctx_reply(h, "programme.bad_slug", "slug", h->argv[1], NULL);
			r = 1;
		}
	} else {
		struct programme p = {0};
		int rc = state_programme_exists(h->db, slug, NULL);
		if (db_failed(rc)) {
			r = rc;
		} else if (rc == DB_NOTFOUND) {
			char *list = state_programme_list(h->db);
			hctx_reply(h, "programme.unknown", "slug", h->argv[1], "programmes", list, NULL);
			free(list);
			r = 1;
		} else if (sub == SUB_SET && !programme_set_value(h, &p)) {
			programme_usage_reply(h);
			r = 1;
		}
	}
	free(slug);
	return r;
}

int
h_programme_run(struct hctx *h)
{
	enum programme_sub sub = programme_sub(h);
	if (sub == SUB_LIST)
		return programme_list_reply(h);
	if (sub == SUB_BAD)
		return DB_ERR; /* h_programme_check answered it */
	if (sub == SUB_CALL)
		return h_programme_call(h);
	if (sub == SUB_SET && word_is(h->argv[2], "hashtags", "hashtags"))
		return programme_hashtags(h);
	char *slug = cmd_fold(h->argv[1]);
	struct programme p = {0};
	struct buf name = BUF_INIT;
	p.slug = slug;
	if (sub == SUB_ADD) {
		int last = h->argc - 1, pol = h->argc > 2 ? policy_word(h->argv[last]) : -1;
		for (int i = 2; i < (pol >= 0 ? last : h->argc); i++)
			buf_addf(&name, "%s%s", name.len ? " " : "", h->argv[i]);
		p.name = name.len ? name.p : slug;
		p.policy = pol < 0 ? NULL : (pol ? "approve" : "open");
	} else {
		programme_set_value(h, &p); /* the check found it sensible */
		p.name = NULL;
	}
	int rc = state_programme_put(h->db, &p);
	if (rc == DB_OK)
		rc = h_audit(h, sub == SUB_ADD ? "programme.add" : "programme.set", slug, 0, h->argline);
	if (rc == DB_OK)
		rc = programme_saved_reply(h, slug);
	buf_free(&name);
	free(slug);
	return db_failed(rc) ? rc : 0;
}
