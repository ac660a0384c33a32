/*
 * h_member.c - membership commands: join (with reply-to-confirm), confirm,
 * leave, whoami, profile.
 *
 * Ownership of an address is proven by a token mailed to it: a guest's
 * "join" (or a member's, by a mail that proves nothing about its sender)
 * creates nothing but the token; only "confirm <token>" from that address,
 * or a plain reply to the token mail, creates the person, the verified
 * endpoint, the membership and the consent record.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bot/commands.h"
#include "bot/logaddr.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "bot/words.h"
#include "handlers/h_import.h"
#include "handlers/h_offer.h"
#include "handlers/h_privacy.h"
#include "handlers/handlers.h"
#include "state/consent.h"
#include "state/directory.h"

#define TOKEN_TTL_S (3 * 24 * 3600)

/* ---- join ---- */

/* The welcome, with what comes next (the application form): the first reply,
 * so that it carries h->reply_msgid, under which the form was stored. */
static void
join_done_first(struct hctx *h, const char *programme, const char *role, const char *address, const char *next)
{
	hctx_reply(h, "join_done", "programme", programme, "role", role, "address", address, "next", next ? next : "",
		   NULL);
	hctx_reply_last_to_front(h);
}

/* Resolve "join [mentor] [programme]" / "join alumni" into programme slug and role. */
static void
join_target(const struct hctx *h, const char **programme, const char **role)
{
	*programme = "mentoring";
	*role = "mentee";
	if (h->argc == 0)
		return;
	char *a = cmd_fold(h->argv[0]);
	if (strcmp(a, "mentor") == 0 || strcmp(a, "mentorin") == 0) {
		*role = "mentor";
		if (h->argc > 1)
			*programme = h->argv[1];
	} else if (strcmp(a, "alumni") == 0 || strcmp(a, "alumnus") == 0 || strcmp(a, "alumna") == 0) {
		*programme = "alumni";
		*role = "alumnus";
	} else {
		*programme = h->argv[0];
	}
	free(a);
}

int
h_join_check(struct hctx *h)
{
	const char *programme, *role;
	join_target(h, &programme, &role);
	char *slug = cmd_fold(programme);
	int rc = state_programme_exists(h->db, slug, NULL);
	if (rc == DB_NOTFOUND) {
		char *list = state_programme_list(h->db);
		hctx_reply(h, "join_unknown_programme", "programme", programme, "programmes", list, NULL);
		free(list);
	}
	free(slug);
	return rc == DB_OK ? 0 : (db_failed(rc) ? rc : 1);
}

int
h_join_run(struct hctx *h)
{
	const char *programme_arg, *role;
	join_target(h, &programme_arg, &role);
	char *slug = cmd_fold(programme_arg);
	char *pname = NULL;
	int rc = state_programme_exists(h->db, slug, &pname);
	if (rc != DB_OK)
		goto out;
	char *role_text = xasprintf("role.%s", role);
	char *role_word = hctx_text(h, role_text, NULL);
	free(role_text);

	if (h->known && h->proven) {
		struct membership *ms;
		size_t n;
		int already = 0;
		if ((rc = state_memberships(h->db, h->person.id, &ms, &n)) == DB_OK) {
			for (size_t i = 0; i < n; i++)
				if (strcmp(ms[i].programme, slug) == 0 && strcmp(ms[i].role, role) == 0 &&
				    strcmp(ms[i].status, "active") == 0)
					already = 1;
			memberships_free(ms, n);
		}
		char *next = NULL;
		if (rc == DB_OK && already)
			hctx_reply(h, "join_already", "programme", pname, NULL);
		else if (rc == DB_OK && (rc = h_apply_join(h, h->person.id, slug, role, &next)) == DB_OK &&
			 (rc = h_consent_given(h, h->person.id, slug)) == DB_OK)
			join_done_first(h, pname, role_word, h->ep_addr, next);
		free(next);
	} else {
		char tok[27];
		char *payload = xasprintf("%s %s", slug, role);
		rc = hctx_sender_token(h, "join", payload, 0, TOKEN_TTL_S, tok);
		if (rc == DB_OK) {
			char *version = h_consent_version(h, slug);
			char *consent = h_consent_text(h, version);
			free(version);
			hctx_reply(h, strcmp(h->ep_kind, "mail") == 0 ? "join_confirm" : "join_confirm_chat",
				   "programme", pname, "token", tok, "address", h->ep_addr, "consent", consent, "hours",
				   "72", NULL);
			free(consent);
		}
		free(payload);
	}
	free(role_word);
out:
	free(pname);
	free(slug);
	return db_failed(rc) ? rc : 0;
}

/* ---- confirm ---- */

static int
token_shape_ok(const char *s)
{
	size_t n = strlen(s);
	if (n != 26)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '2' && s[i] <= '7')))
			return 0;
	return 1;
}

int
h_confirm_check(struct hctx *h)
{
	if (h_session_is_id(h->argv[0]))
		return 0; /* "confirm <number>": a mentoring session (h_session.c) */
	char *t = cmd_fold(h->argv[0]);
	int ok = token_shape_ok(t);
	free(t);
	if (!ok) {
		hctx_reply(h, "confirm_bad_token", NULL);
		return 1;
	}
	return 0;
}

/* The person a confirmed token makes (the sender when known, else the owner of its address or a new
 * person), with the address verified, the consent version of programme and the token used. */
int
h_confirm_person(struct hctx *h, const struct token *t, const char *programme, int64_t *pid)
{
	int rc = DB_OK;
	if (h->known) {
		*pid = h->person.id;
	} else {
		struct person p;
		rc = state_person_by_endpoint(h->db, t->ep_kind, t->ep_addr, &p);
		if (rc == DB_OK)
			*pid = p.id;
		person_free(&p);
		if (rc == DB_NOTFOUND)
			rc = state_person_create(h->db, t->lang ? t->lang : h->lang, pid);
		if (rc != DB_OK)
			return rc;
	}
	char *version = h_consent_version(h, programme);
	rc = state_person_set_consent(h->db, *pid, version, now_s());
	free(version);
	if (rc == DB_OK)
		rc = state_endpoint_add(h->db, *pid, t->ep_kind, t->ep_addr, 1);
	if (rc == DB_OK)
		rc = state_token_use(h->db, t->id);
	return rc;
}

int
h_confirm_apply(struct hctx *h, const struct token *t)
{
	int rc = DB_OK;
	char programme[128] = "", role[32] = "";
	if (strcmp(t->kind, "link") == 0)
		return h_link_apply(h, t);
	if (strcmp(t->kind, "erase") == 0)
		return h_privacy_erase_confirm(h, t);
	if (strcmp(t->kind, "import") == 0)
		return h_import_confirm(h, t);
	if (strcmp(t->kind, "company") == 0)
		return h_company_confirm(h, t);
	if (strcmp(t->kind, "join") != 0 || sscanf(t->payload ? t->payload : "", "%127s %31s", programme, role) != 2) {
		hctx_reply(h, "confirm_bad_token", NULL);
		return 0;
	}
	int64_t pid = 0;
	char *next = NULL;
	if ((rc = h_confirm_person(h, t, programme, &pid)) != DB_OK ||
	    (rc = h_apply_join(h, pid, programme, role, &next)) != DB_OK ||
	    (rc = h_consent_given(h, pid, programme)) != DB_OK) {
		free(next);
		return rc;
	}
	char *pname = NULL;
	state_programme_exists(h->db, programme, &pname);
	char *role_key = xasprintf("role.%s", role);
	char *role_word = hctx_text(h, role_key, NULL);
	join_done_first(h, pname ? pname : programme, role_word, t->ep_addr, next);
	free(next);
	free(role_word);
	free(role_key);
	free(pname);
	log_info("confirmed %s:%s for %s (%s)", t->ep_kind, LOG_WHO(t->ep_addr), programme, role);
	return DB_OK;
}

int
h_confirm_run(struct hctx *h)
{
	if (h_session_is_id(h->argv[0]))
		return h_session_confirm_run(h);
	char *tok = cmd_fold(h->argv[0]);
	char hash[65];
	struct token t;
	token_hash(tok, hash);
	free(tok);
	int rc = state_token_by_hash(h->db, hash, &t);
	if (db_failed(rc))
		return rc;
	/* A token is bound to the endpoint it was sent to: another sender learns nothing. */
	if (rc == DB_NOTFOUND || t.used || t.expires < now_s() || strcmp(t.ep_kind, h->ep_kind) != 0 ||
	    strcmp(t.ep_addr, h->ep_addr) != 0) {
		hctx_reply(h, "confirm_bad_token", NULL);
		token_free(&t);
		return 0;
	}
	if (strcmp(t.kind, "cmd") == 0) {
		/* a mail that waited for its sender to confirm the address: the dispatcher runs it */
		rc = state_token_use(h->db, t.id);
		if (rc == DB_OK)
			h->confirmed_inbound = strtoll(t.payload ? t.payload : "0", NULL, 10);
	} else {
		rc = h_confirm_apply(h, &t);
	}
	token_free(&t);
	return db_failed(rc) ? rc : 0;
}

/* ---- leave ---- */

int
h_leave_check(struct hctx *h)
{
	if (h->argc == 0)
		return 0;
	char *a = cmd_fold(h->argv[0]);
	int rc = 0;
	if (strcmp(a, "all") != 0 && strcmp(a, "alle") != 0 && strcmp(a, "alles") != 0) {
		int e = state_programme_exists(h->db, a, NULL);
		if (e == DB_NOTFOUND) {
			char *list = state_programme_list(h->db);
			hctx_reply(h, "join_unknown_programme", "programme", h->argv[0], "programmes", list, NULL);
			free(list);
			rc = 1;
		} else if (db_failed(e)) {
			rc = e;
		}
	}
	free(a);
	return rc;
}

/* A "withdrawn" consent row per programme left (once, whatever the roles in it). */
static int
leave_withdraw(struct hctx *h, const struct membership *before, size_t n, const char *programme)
{
	int rc = DB_OK;
	for (size_t i = 0; rc == DB_OK && i < n; i++) {
		if (strcmp(before[i].status, "left") == 0 || (programme && strcmp(before[i].programme, programme)))
			continue;
		int seen = 0;
		for (size_t j = 0; j < i; j++)
			seen |= strcmp(before[j].programme, before[i].programme) == 0 &&
				strcmp(before[j].status, "left") != 0;
		if (seen)
			continue;
		char *version = h_consent_version(h, before[i].programme);
		rc = consent_add(h->db, h->person.id, before[i].programme, version, h->transport, "withdrawn",
				 h->cmd ? h->cmd->name : NULL);
		free(version);
	}
	return rc;
}

int
h_leave_run(struct hctx *h)
{
	char *a = h->argc ? cmd_fold(h->argv[0]) : NULL;
	const char *programme = (a && strcmp(a, "all") && strcmp(a, "alle") && strcmp(a, "alles")) ? a : NULL;
	struct membership *before;
	size_t n;
	int changed = 0;
	int rc = state_memberships(h->db, h->person.id, &before, &n);
	if (rc != DB_OK)
		goto out;
	if ((rc = state_membership_leave(h->db, h->person.id, programme, &changed)) != DB_OK) {
		memberships_free(before, n);
		goto out;
	}
	if (changed)
		rc = leave_withdraw(h, before, n, programme);
	if (rc != DB_OK) {
		memberships_free(before, n);
		goto out;
	}
	if (!changed) {
		hctx_reply(h, "leave_nothing", NULL);
	} else {
		struct buf b = BUF_INIT;
		for (size_t i = 0; i < n; i++) {
			if (strcmp(before[i].status, "left") == 0 ||
			    (programme && strcmp(before[i].programme, programme)))
				continue;
			if (b.len && !strstr(b.p, before[i].name))
				buf_adds(&b, ", ");
			if (!b.len || !strstr(b.p, before[i].name))
				buf_adds(&b, before[i].name);
		}
		char *list = buf_detach(&b);
		hctx_reply(h, "leave_done", "programmes", list, NULL);
		free(list);
	}
	memberships_free(before, n);
out:
	free(a);
	return db_failed(rc) ? rc : 0;
}

/* ---- whoami ---- */

int
h_whoami_run(struct hctx *h)
{
	if (!h->known) {
		hctx_reply(h, "whoami_guest", "address", h->ep_addr, NULL);
		return 0;
	}
	struct membership *ms = NULL;
	struct endpoint *eps = NULL;
	size_t nm = 0, ne = 0;
	int rc;
	if ((rc = state_memberships(h->db, h->person.id, &ms, &nm)) != DB_OK ||
	    (rc = state_endpoints(h->db, h->person.id, &eps, &ne)) != DB_OK)
		goto out;
	struct buf mb = BUF_INIT, eb = BUF_INIT;
	for (size_t i = 0; i < nm; i++) {
		char *rk = xasprintf("role.%s", ms[i].role), *sk = xasprintf("status.%s", ms[i].status);
		char *r = hctx_text(h, rk, NULL), *s = hctx_text(h, sk, NULL);
		char *line = hctx_text(h, "whoami.membership", "programme", ms[i].name, "role", r, "status", s, NULL);
		buf_addf(&mb, "%s%s", mb.len ? "\n" : "", line);
		free(line);
		free(r);
		free(s);
		free(rk);
		free(sk);
	}
	for (size_t i = 0; i < ne; i++) {
		if (!eps[i].verified)
			continue;
		char *line = hctx_text(h, "whoami.endpoint", "kind", eps[i].kind, "address", eps[i].addr, NULL);
		buf_addf(&eb, "%s%s", eb.len ? "\n" : "", line);
		free(line);
	}
	char since[32];
	time_t c = (time_t)h->person.created;
	struct tm tm;
	gmtime_r(&c, &tm);
	strftime(since, sizeof since, "%Y-%m-%d", &tm);
	char *m = buf_detach(&mb), *e = buf_detach(&eb), *cons = h_consent_lines(h);
	hctx_reply(h, "whoami", "address", h->ep_addr, "language", h->person.lang ? h->person.lang : h->lang,
		   "memberships", m, "endpoints", e, "since", since, "consents", cons, NULL);
	free(cons);
	free(m);
	free(e);
out:
	memberships_free(ms, nm);
	endpoints_free(eps, ne);
	return rc < 0 ? rc : 0;
}

/* ---- profile ---- */

struct profile_def {
	const char *name; /* canonical, stored */
	const char *de;   /* German word */
};

static const struct profile_def profile_fields[] = {
	{"name", "name"},
	{"language", "sprache"},
	{"field", "fach"},
	{"topics", "themen"},
	{"languages", "sprachen"},
	{"goals", "ziele"},
	{"availability", "verfügbarkeit"},
	{"city", "stadt"},
	{"company", "firma"},
	{"capacity", "kapazität"}, /* mentors: how many mentees at once */
	/* the alumni directory (state/directory.h checks the values) */
	{"year", "abschluss"},
	{"position", "position"},
	{"open_to", "offen_für"},
	{"link", "link"},
};
/* Other words read for a field: {the word, the field it names}. */
static const struct profile_def profile_alts[] = {
	{"abschlussjahr", "year"},
	{"graduation", "year"},
	{"offen", "open_to"},
	{"open", "open_to"},
};

static const struct profile_def *
profile_field(const char *word)
{
	char *f = cmd_fold(word);
	const struct profile_def *r = NULL;
	const char *alt = "";
	for (size_t i = 0; i < ARRAY_LEN(profile_alts); i++)
		if (strcmp(f, profile_alts[i].name) == 0)
			alt = profile_alts[i].de;
	for (size_t i = 0; i < ARRAY_LEN(profile_fields); i++)
		if (strcmp(f, profile_fields[i].name) == 0 || strcmp(f, profile_fields[i].de) == 0 ||
		    strcmp(alt, profile_fields[i].name) == 0)
			r = &profile_fields[i];
	free(f);
	return r;
}

static const char *
field_word(const struct hctx *h, const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(profile_fields); i++)
		if (strcmp(profile_fields[i].name, name) == 0)
			return strcmp(h->lang, "de") == 0 ? profile_fields[i].de : profile_fields[i].name;
	return name;
}

char *
h_profile_field_list(const struct hctx *h)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < ARRAY_LEN(profile_fields); i++)
		buf_addf(&b, "%s%s", i ? ", " : "", field_word(h, profile_fields[i].name));
	return buf_detach(&b);
}

static int
is_visibility_word(const char *w)
{
	char *f = cmd_fold(w);
	int r = strcmp(f, "visible") == 0 || strcmp(f, "sichtbar") == 0;
	free(f);
	return r;
}

/* yes/no (on/off) in either language (bot/words.h, the WORDS_SWITCH set): 1, 0, or -1 */
static int
yes_no(const char *w)
{
	enum words_answer a = words_is(w, WORDS_SWITCH);
	return a == WORDS_YES ? 1 : a == WORDS_NO ? 0 : -1;
}

/* The value as written: argline minus the first word. */
static const char *
value_text(const struct hctx *h)
{
	const char *p = h->argline;
	while (*p && !isspace((unsigned char)*p))
		p++;
	while (*p && isspace((unsigned char)*p))
		p++;
	return p;
}

/* The value of field to store (canonical: "open to" as English words), or NULL when it is not
 * valid for the directory's fields ("-" clears any field).  Caller frees. */
static char *
profile_value(const char *field, const char *value)
{
	char *o = NULL;
	time_t now = (time_t)now_s();
	struct tm tm;
	gmtime_r(&now, &tm);
	if (strcmp(value, "-") == 0)
		return xstrdup(value);
	if (strcmp(field, "year") == 0)
		return dir_year_ok(value, tm.tm_year + 1900) ? xstrdup(value) : NULL;
	if (strcmp(field, "open_to") == 0)
		return dir_open_to_parse(value, &o) == 0 ? o : NULL;
	if (strcmp(field, "link") == 0)
		return dir_link_ok(value) ? xstrdup(value) : NULL;
	return xstrdup(value);
}

/* The answer to a value profile_value() refused: what the field takes. */
static void
reply_bad_value(struct hctx *h, const char *field, const char *value)
{
	char *key = xasprintf("alumni.profile.bad_%s", field);
	if (tmpl_has(h->tmpl, h->lang, key))
		hctx_reply(h, key, "field", h->argv[0], "value", value, NULL);
	else
		hctx_reply(h, "profile_bad_value", "field", h->argv[0], "value", value, NULL);
	free(key);
}

int
h_profile_check(struct hctx *h)
{
	if (h->argc == 0)
		return 0;
	char *fields = h_profile_field_list(h), *norm = NULL;
	int rc = 0;
	if (is_visibility_word(h->argv[0])) {
		if (h->argc != 3 || !profile_field(h->argv[1]) || yes_no(h->argv[2]) < 0) {
			hctx_reply(h, "usage", "command", hctx_cmd_word(h, h->cmd), "help",
				   strcmp(h->lang, "de") == 0 ? "profil sichtbar <feld> ja|nein"
							      : "profile visible <field> yes|no",
				   NULL);
			rc = 1;
		}
	} else if (!profile_field(h->argv[0])) {
		hctx_reply(h, "profile_bad_field", "field", h->argv[0], "fields", fields, NULL);
		rc = 1;
	} else if (h->argc < 2) {
		hctx_reply(h, "profile_bad_value", "field", h->argv[0], "value", "", NULL);
		rc = 1;
	} else if (!(norm = profile_value(profile_field(h->argv[0])->name, value_text(h)))) {
		reply_bad_value(h, profile_field(h->argv[0])->name, value_text(h));
		rc = 1;
	} else if (strcmp(profile_field(h->argv[0])->name, "language") == 0) {
		char *v = cmd_fold(h->argv[1]);
		if (strcmp(v, "de") && strcmp(v, "en") && strcmp(v, "deutsch") && strcmp(v, "english") &&
		    strcmp(v, "englisch") && strcmp(v, "german")) {
			hctx_reply(h, "profile_bad_value", "field", h->argv[0], "value", h->argv[1], NULL);
			rc = 1;
		}
		free(v);
	}
	free(norm);
	free(fields);
	return rc;
}

int
h_profile_run(struct hctx *h)
{
	int rc = DB_OK;
	if (h->argc == 0) {
		struct profile_field *pf;
		size_t n;
		if ((rc = state_profile(h->db, h->person.id, &pf, &n)) != DB_OK)
			return rc;
		struct buf b = BUF_INIT;
		for (size_t i = 0; i < n; i++) {
			if (!pf[i].value)
				continue;
			char *vis = hctx_text(h, pf[i].visible ? "profile.visible" : "profile.hidden", NULL);
			char *line = hctx_text(h, "profile.field", "field", field_word(h, pf[i].field), "value",
					       pf[i].value, "visible", vis, NULL);
			buf_addf(&b, "%s%s", b.len ? "\n" : "", line);
			free(line);
			free(vis);
		}
		profile_free(pf, n);
		char *list = b.len ? buf_detach(&b) : hctx_text(h, "profile.empty", NULL);
		buf_free(&b);
		hctx_reply(h, "profile", "fields", list, NULL);
		free(list);
		return 0;
	}
	if (is_visibility_word(h->argv[0])) {
		const struct profile_def *d = profile_field(h->argv[1]);
		int v = yes_no(h->argv[2]);
		if ((rc = state_profile_set_visible(h->db, h->person.id, d->name, v)) != DB_OK)
			return rc;
		char *vis = hctx_text(h, v ? "profile.visible" : "profile.hidden", NULL);
		hctx_reply(h, "profile_visibility_set", "field", field_word(h, d->name), "visible", vis, NULL);
		free(vis);
		return 0;
	}
	const struct profile_def *d = profile_field(h->argv[0]);
	char *norm = profile_value(d->name, value_text(h)); /* the check passed: never NULL */
	const char *value = norm;
	if (strcmp(d->name, "language") == 0) {
		char *v = cmd_fold(value);
		const char *lang = (!strcmp(v, "de") || !strcmp(v, "deutsch") || !strcmp(v, "german")) ? "de" : "en";
		free(v);
		if ((rc = state_person_set_lang(h->db, h->person.id, lang)) != DB_OK) {
			free(norm);
			return rc;
		}
		h->lang = lang; /* answer in the language just chosen */
		value = lang;
	}
	int clear = strcmp(value, "-") == 0;
	char *note = NULL;
	if ((rc = state_profile_set(h->db, h->person.id, d->name, clear ? NULL : value)) == DB_OK &&
	    !db_failed(rc = h_apply_recheck(h, &note))) {
		hctx_reply(h, "profile_set", "field", field_word(h, d->name), "value", clear ? "" : value, "note", note,
			   NULL);
		hctx_reply_last_to_front(h); /* the answer first: it carries h->reply_msgid */
		rc = 0;
	}
	free(note);
	free(norm);
	return rc;
}
