/*
 * who.c - helpers the mentoring and session handlers share: a person with
 * endpoints and profile, its name, reply ordering, id parsing, the yes/no word of a reply.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "bot/util.h"
#include "bot/words.h"
#include "handlers/handlers.h"

void
who_free(struct who *w)
{
	person_free(&w->p);
	endpoints_free(w->eps, w->neps);
	profile_free(w->pf, w->npf);
	memset(w, 0, sizeof *w);
}

int
who_load(struct hctx *h, int64_t id, struct who *w)
{
	memset(w, 0, sizeof *w);
	int rc = state_person_get(h->db, id, &w->p);
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? DB_ERR : rc;
	w->mail_off = !hctx_transport_on(h, "mail");
	w->lang = w->p.lang ? (strcmp(w->p.lang, "de") == 0 ? "de" : "en") : hctx_default_lang(h);
	if ((rc = state_endpoints(h->db, id, &w->eps, &w->neps)) != DB_OK ||
	    (rc = state_profile(h->db, id, &w->pf, &w->npf)) != DB_OK)
		return rc;
	return DB_OK;
}

void
hctx_reply_last_to_front(struct hctx *h)
{
	if (h->nreplies < 2)
		return;
	struct reply r = h->replies[h->nreplies - 1];
	memmove(&h->replies[1], &h->replies[0], (h->nreplies - 1) * sizeof *h->replies);
	h->replies[0] = r;
}

int
hctx_parse_id(const char *s, int64_t *out)
{
	if (*s == '#')
		s++;
	if (!*s)
		return -1;
	int64_t v = 0;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s) || v > 100000000000LL)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return v > 0 ? 0 : -1;
}

const char *
who_value(const struct who *w, const char *field, int visible_only)
{
	for (size_t i = 0; i < w->npf; i++)
		if (strcmp(w->pf[i].field, field) == 0 && w->pf[i].value && *w->pf[i].value)
			return (!visible_only || w->pf[i].visible) ? w->pf[i].value : NULL;
	return NULL;
}

const char *
who_mail(const struct who *w)
{
	if (w->mail_off)
		return NULL;
	for (size_t i = 0; i < w->neps; i++)
		if (w->eps[i].verified && strcmp(w->eps[i].kind, "mail") == 0)
			return w->eps[i].addr;
	return NULL;
}

char *
who_name(const struct hctx *h, const struct who *w, const char *lang)
{
	const char *n = who_value(w, "name", 1);
	if (n)
		return xstrdup(n);
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)w->p.id);
	return hctx_text_in(h, lang, "mentoring.anonymous", "id", id, NULL);
}

int
hctx_yes_no(const char *text, unsigned sets, const char **rest)
{
	enum words_answer a = words_first(text, sets, rest);
	return a == WORDS_YES ? 1 : a == WORDS_NO ? 0 : -1;
}
