/*
 * h_import.c - the invitations of "mentorbot import" and their confirmation, and the
 * network figures staff read in "stats" and "mentorbot report".
 *
 * Nobody becomes a member by being on a list: the import records an invitation and mails it
 * with a token (double opt-in, as "join" does for a guest).  The person, the verified address,
 * the membership and the consent record exist only once the address answered: a reply to the
 * invitation (bot/routes.c, route_token) or "confirm <code>", both ending in h_confirm_apply,
 * which hands a token of kind "import" to h_import_confirm.  The data of the list is stored
 * as profile fields that nobody sees until the person makes them visible with "profile".
 */
#include "handlers/h_import.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/config.h"
#include "bot/logaddr.h"
#include "bot/util.h"
#include "handlers/h_offer.h"
#include "handlers/handlers.h"
#include "state/consent.h"
#include "state/imports.h"
#include "state/offers.h"
#include "state/reports.h"

int
h_import_invite(struct hctx *h, const struct import_person *p)
{
	int64_t id;
	int rc = import_invite_add(h->db, p->programme, p->role, p->address, p->name, p->data, p->source, &id);
	if (rc != DB_OK)
		return rc;
	const char *lang = hctx_default_lang(h);
	int days = h->cfg && h->cfg->network.invite_days > 0 ? h->cfg->network.invite_days : 30;
	char base[40], tok[27], hash[65], idtext[24], daytext[16], nb[24] = "";
	snprintf(base, sizeof base, "imp%lld", (long long)id);
	snprintf(idtext, sizeof idtext, "%lld", (long long)id);
	snprintf(daytext, sizeof daytext, "%d", days);
	if (p->not_before > 0)
		snprintf(nb, sizeof nb, "%lld", (long long)p->not_before);
	char *msgid = hctx_msgid(h, base);
	token_new(tok);
	token_hash(tok, hash);
	struct token t = {0};
	t.kind = "import";
	t.ep_kind = "mail";
	t.ep_addr = (char *)p->address;
	t.payload = idtext;
	t.lang = (char *)lang;
	t.expires = now_s() + (int64_t)days * 86400;
	if ((rc = state_token_add(h->db, hash, &t, msgid)) == DB_OK &&
	    (rc = import_invite_set_msgid(h->db, id, msgid)) == DB_OK) {
		char *pname = NULL;
		state_programme_exists(h->db, p->programme, &pname);
		char *role_key = xasprintf("import.role.%s", p->role);
		char *role_word = hctx_text_in(h, lang, role_key, NULL);
		char *version = h_consent_version(h, p->programme);
		char *consent = h_consent_text(h, version);
		hctx_reply_to(h, "mail", p->address, "import.invite", "name", p->name, "programme",
			      pname ? pname : p->programme, "role", role_word, "token", tok, "days", daytext, "consent",
			      consent, "lang", lang, "message_id", msgid, "kind", "invite", /* paced (state.h) */
			      "auto_submitted", "auto-generated", "not_before", nb, NULL);
		free(consent);
		free(version);
		free(role_word);
		free(role_key);
		free(pname);
	}
	free(msgid);
	return rc;
}

/* The list's data as hidden profile fields of person, where the person has no value yet
 * (what they wrote themselves wins).  *fields gets the names stored, ", "-separated. */
static int
store_data(struct hctx *h, int64_t person, const struct import_invite *v, char **fields)
{
	struct buf names = BUF_INIT;
	struct profile_field *have;
	size_t n;
	*fields = NULL;
	int rc = state_profile(h->db, person, &have, &n);
	if (rc != DB_OK)
		return rc;
	json_t *o = v->data ? json_loads(v->data, 0, NULL) : NULL;
	if (v->name && *v->name) {
		if (!o)
			o = json_object();
		json_object_set_new(o, "name", json_string(v->name));
	}
	/* in the order of a profile, whatever the order of the stored object */
	static const char *const order[] = {"name",     "year", "field",  "company",
					    "position", "city", "topics", "languages"};
	for (size_t f = 0; o && f < ARRAY_LEN(order); f++) {
		const char *k = order[f];
		const char *s = json_string_value(json_object_get(o, k));
		int present = 0;
		for (size_t i = 0; i < n; i++)
			present |= strcmp(have[i].field, k) == 0 && have[i].value && *have[i].value;
		if (!s || !*s || present)
			continue;
		if ((rc = state_profile_set(h->db, person, k, s)) != DB_OK ||
		    (rc = state_profile_set_visible(h->db, person, k, 0)) != DB_OK)
			break;
		char *lkey = xasprintf("import.label.%s", k);
		char *label = hctx_text(h, lkey, NULL);
		buf_addf(&names, "%s%s", names.len ? ", " : "", label);
		free(label);
		free(lkey);
	}
	json_decref(o);
	profile_free(have, n);
	*fields = buf_detach(&names);
	return rc;
}

/* The person the confirming address belongs to, or a new one. */
/* An imported company contact (role "company") whose row names a company becomes its approved
 * contact: the office's own list stands for the staff approval "join company" waits for. */
static int
link_company(struct hctx *h, int64_t pid, const struct import_invite *v)
{
	if (strcmp(v->role, "company") != 0 || !v->data)
		return DB_OK;
	json_t *j = json_loads(v->data, 0, NULL);
	const char *name = json_string_value(json_object_get(j, "company"));
	int rc = DB_OK;
	if (name && *name) {
		char *folded = offer_fold(name);
		int64_t cid = 0;
		rc = state_company_get_or_add(h->db, name, folded, &cid);
		free(folded);
		if (rc == DB_OK && (rc = state_company_contact_add(h->db, cid, pid)) == DB_EXISTS)
			rc = DB_OK;
		if (rc == DB_OK &&
		    (rc = state_company_contact_decide(h->db, cid, pid, "approved", "import")) == DB_NOTFOUND)
			rc = DB_OK; /* decided before */
	}
	json_decref(j);
	return rc;
}

int
h_import_confirm(struct hctx *h, const struct token *t)
{
	struct import_invite v;
	int64_t id = strtoll(t->payload ? t->payload : "0", NULL, 10), pid = 0;
	int rc = import_invite_get(h->db, id, &v);
	if (rc != DB_OK || strcmp(v.status, "invited") != 0) {
		import_invite_free(&v);
		if (db_failed(rc))
			return rc;
		hctx_reply(h, "confirm_bad_token", NULL);
		return DB_OK;
	}
	char *next = NULL, *fields = NULL, *source = xasprintf("import %s", v.source);
	char *version = h_consent_version(h, v.programme);
	if ((rc = h_confirm_person(h, t, v.programme, &pid)) != DB_OK ||
	    (rc = h_apply_join(h, pid, v.programme, v.role, &next)) != DB_OK ||
	    (rc = consent_add(h->db, pid, v.programme, version, h->transport, "given", source)) != DB_OK ||
	    (rc = store_data(h, pid, &v, &fields)) != DB_OK || (rc = link_company(h, pid, &v)) != DB_OK ||
	    (rc = import_invite_confirm(h->db, id, pid)) != DB_OK)
		goto out;
	char *pname = NULL;
	state_programme_exists(h->db, v.programme, &pname);
	char *role_key = xasprintf("import.role.%s", v.role);
	char *role_word = hctx_text(h, role_key, NULL);
	hctx_reply(h, "import.confirmed", "programme", pname ? pname : v.programme, "role", role_word, "address",
		   t->ep_addr, "fields", fields, "next", next ? next : "", NULL);
	hctx_reply_last_to_front(h); /* the first reply: an application form travels under its id */
	free(role_word);
	free(role_key);
	free(pname);
	log_info("import invitation %lld confirmed by %s:%s for %s (%s)", (long long)id, t->ep_kind,
		 LOG_WHO(t->ep_addr), v.programme, v.role);
out:
	free(version);
	free(source);
	free(fields);
	free(next);
	import_invite_free(&v);
	return rc;
}

/* ---- the network figures ---- */

/* At most this many years or fields are listed; the rest are summed in one line. */
#define NETWORK_TOP 12

struct line {
	int indent;
	char *label; /* owned */
	char value[24];
};

struct lines {
	struct line v[3 * NETWORK_TOP + 24];
	size_t n;
};

static void
line_add(struct lines *l, int indent, char *label, int64_t value)
{
	if (l->n == ARRAY_LEN(l->v)) {
		free(label);
		return;
	}
	struct line *x = &l->v[l->n++];
	x->indent = indent;
	x->label = label;
	snprintf(x->value, sizeof x->value, "%lld", (long long)value);
}

static char *
say(const struct templates *t, const char *lang, const char *key)
{
	const char *none[] = {NULL};
	return tmpl_render(t, lang, key, none);
}

static void
line_key(struct lines *l, int indent, const struct templates *t, const char *lang, const char *key, int64_t value)
{
	line_add(l, indent, say(t, lang, key), value);
}

/* Code points of UTF-8 s: the width of a label. */
static size_t
width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* The alumni by year or field: a heading and the NETWORK_TOP largest, the rest summed. */
static int
lines_by(struct lines *l, struct db *db, const struct templates *t, const char *lang, const char *field,
	 const char *key)
{
	struct report_table tb;
	int rc = state_report_alumni_by(db, field, &tb);
	if (rc != DB_OK)
		return rc;
	if (tb.nrows)
		line_add(l, 1, say(t, lang, key), -1);
	int64_t rest = 0;
	for (size_t i = 0; i < tb.nrows; i++) {
		const char *v = report_cell(&tb, i, 0), *c = report_cell(&tb, i, 1);
		int64_t count = c ? strtoll(c, NULL, 10) : 0;
		if (i >= NETWORK_TOP && v)
			rest += count;
		else
			line_add(l, 2, v ? xstrdup(v) : say(t, lang, "import.stats.not_given"), count);
	}
	if (rest)
		line_add(l, 2, say(t, lang, "import.stats.others"), rest);
	report_table_free(&tb);
	return DB_OK;
}

static void
lines_out(struct lines *l, struct buf *b)
{
	size_t lw = 0, vw = 0;
	for (size_t i = 0; i < l->n; i++) {
		size_t w = 2 * (size_t)l->v[i].indent + width(l->v[i].label);
		lw = w > lw ? w : lw;
		vw = strlen(l->v[i].value) > vw ? strlen(l->v[i].value) : vw;
	}
	for (size_t i = 0; i < l->n; i++) {
		struct line *x = &l->v[i];
		size_t w = 2 * (size_t)x->indent + width(x->label);
		if (strcmp(x->value, "-1") == 0) /* a heading */
			buf_addf(b, "%*s%s\n", 2 * x->indent, "", x->label);
		else
			buf_addf(b, "%*s%s%*s%*s\n", 2 * x->indent, "", x->label, (int)(lw - w + 2), "", (int)vw,
				 x->value);
		free(x->label);
	}
}

static char *
chat_line(const struct templates *t, const char *lang, const struct report_network *f)
{
	char v[11][24];
	const int64_t n[] = {
		f->alumni,           f->invited,        f->confirmed,      f->companies_approved, f->companies_pending,
		f->offers_approved,  f->offers_pending, f->offers_expired, f->offers_closed,      f->contacts_made,
		f->contacts_accepted};
	for (size_t i = 0; i < ARRAY_LEN(n); i++)
		snprintf(v[i], sizeof v[i], "%lld", (long long)n[i]);
	const char *vars[] = {"alumni",  v[0], "invited",  v[1], "confirmed",      v[2],  "companies", v[3],
			      "waiting", v[4], "offers",   v[5], "offers_waiting", v[6],  "expired",   v[7],
			      "closed",  v[8], "contacts", v[9], "accepted",       v[10], NULL};
	return tmpl_render(t, lang, "import.stats.chat", vars);
}

int
h_import_network_text(struct db *db, const struct templates *t, const char *lang, int full, char **out)
{
	struct report_network f;
	*out = NULL;
	int rc = state_report_network(db, &f);
	if (rc != DB_OK)
		return rc;
	if (!full) {
		*out = chat_line(t, lang, &f);
		return DB_OK;
	}
	struct lines l = {.n = 0};
	line_key(&l, 1, t, lang, "import.stats.alumni", f.alumni);
	if ((rc = lines_by(&l, db, t, lang, "year", "import.stats.by_year")) != DB_OK ||
	    (rc = lines_by(&l, db, t, lang, "field", "import.stats.by_field")) != DB_OK) {
		for (size_t i = 0; i < l.n; i++)
			free(l.v[i].label);
		return rc;
	}
	line_key(&l, 1, t, lang, "import.stats.invited", f.invited);
	line_key(&l, 2, t, lang, "import.stats.confirmed", f.confirmed);
	line_key(&l, 1, t, lang, "import.stats.companies", f.companies_approved);
	line_key(&l, 2, t, lang, "import.stats.companies_pending", f.companies_pending);
	line_key(&l, 1, t, lang, "import.stats.offers_approved", f.offers_approved);
	line_key(&l, 2, t, lang, "import.stats.offers_pending", f.offers_pending);
	line_key(&l, 2, t, lang, "import.stats.offers_expired", f.offers_expired);
	line_key(&l, 2, t, lang, "import.stats.offers_closed", f.offers_closed);
	line_key(&l, 2, t, lang, "import.stats.offers_rejected", f.offers_rejected);
	line_key(&l, 1, t, lang, "import.stats.contacts", f.contacts_made);
	line_key(&l, 2, t, lang, "import.stats.contacts_accepted", f.contacts_accepted);
	struct buf b = BUF_INIT;
	char *title = say(t, lang, "import.stats.title");
	buf_addf(&b, "%s\n", title);
	free(title);
	lines_out(&l, &b);
	while (b.len && b.p[b.len - 1] == '\n')
		b.p[--b.len] = '\0';
	*out = buf_detach(&b);
	return DB_OK;
}

/* Every key of templates/<lang>/import.txt, with the placeholders the code provides. */
const struct tmpl_key tmpl_keys_import[] = {
	{"import.invite", "name,programme,role,token,days,consent"},
	{"import.invite.subject", "name,programme,role,token,days,consent"},
	{"import.confirmed", "programme,role,address,fields,next"},
	{"import.role.alumnus", ""},
	{"import.role.mentor", ""},
	{"import.role.company", ""},
	{"import.label.name", ""},
	{"import.label.year", ""},
	{"import.label.field", ""},
	{"import.label.company", ""},
	{"import.label.position", ""},
	{"import.label.city", ""},
	{"import.label.topics", ""},
	{"import.label.languages", ""},
	{"cli.import.usage", ""},
	{"cli.import.cannot_read", "file,error"},
	{"cli.import.csv_empty", "file,line,max"},
	{"cli.import.csv_too_many_rows", "file,line,max"},
	{"cli.import.csv_field_too_long", "file,line,max"},
	{"cli.import.csv_too_many_fields", "file,line,max"},
	{"cli.import.csv_open_quote", "file,line,max"},
	{"cli.import.no_programme", "programme,programmes"},
	{"cli.import.bad_role", "role"},
	{"cli.import.no_address_column", "file"},
	{"cli.import.read", "file,rows,sep,charset"},
	{"cli.import.charset.utf8", ""},
	{"cli.import.charset.cp1252", ""},
	{"cli.import.unknown_columns", "columns"},
	{"cli.import.row.missing_address", "line,address,first"},
	{"cli.import.row.bad_address", "line,address,first"},
	{"cli.import.row.missing_name", "line,address,first"},
	{"cli.import.row.duplicate", "line,address,first"},
	{"cli.import.row.invited_before", "line,address,first"},
	{"cli.import.row.member", "line,address,first"},
	{"cli.import.totals", "rows,invited,rejected,skipped"},
	{"cli.import.totals.dry", "rows,invited,rejected,skipped"},
	{"cli.import.nothing_new", ""},
	{"cli.import.paced", "rate,minutes"},
	{"cli.import.failed", ""},
	{"import.export_usage", ""},
	{"import.stats.title", ""},
	{"import.stats.alumni", ""},
	{"import.stats.by_year", ""},
	{"import.stats.by_field", ""},
	{"import.stats.not_given", ""},
	{"import.stats.others", ""},
	{"import.stats.invited", ""},
	{"import.stats.confirmed", ""},
	{"import.stats.companies", ""},
	{"import.stats.companies_pending", ""},
	{"import.stats.offers_approved", ""},
	{"import.stats.offers_pending", ""},
	{"import.stats.offers_expired", ""},
	{"import.stats.offers_closed", ""},
	{"import.stats.offers_rejected", ""},
	{"import.stats.contacts", ""},
	{"import.stats.contacts_accepted", ""},
	{"import.stats.chat",
	 "alumni,invited,confirmed,companies,waiting,offers,offers_waiting,expired,closed,contacts,accepted"},
	{"import.csv.alumni", ""},
	{"import.csv.companies", ""},
	{"import.csv.offers", ""},
	{NULL, NULL},
};
