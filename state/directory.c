/*
 * directory.c - the alumni directory's state: the search over alumni_fts
 * (schema 12: each person's visible profile values, kept by triggers on
 * profile), the numbered hits of "find alumni" and contact requests.  See
 * directory.h.  The MATCH expression is built here from the user's words and
 * is the only text ever passed to MATCH: user text never reaches it unquoted.
 */
#include "state/directory.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "state/db_internal.h"

/* ---- the MATCH expression (pure) ---- */

/*
 * Words that mean the same in German and English: a query word (or two
 * words) equal to one member, folded (ASCII lower case, umlauts without
 * their dots, ß as ss), searches for every member of its group.
 */
static const char *const synonyms[][5] = {
	{"informatik", "computer science", "computing"},
	{"wirtschaftsinformatik", "business informatics", "information systems"},
	{"maschinenbau", "mechanical engineering"},
	{"elektrotechnik", "electrical engineering"},
	{"bauingenieurwesen", "civil engineering"},
	{"betriebswirtschaft", "betriebswirtschaftslehre", "bwl", "business administration"},
	{"volkswirtschaft", "vwl", "economics"},
	{"mathematik", "mathematics", "maths"},
	{"physik", "physics"},
	{"chemie", "chemistry"},
	{"biologie", "biology"},
	{"medizin", "medicine"},
	{"psychologie", "psychology"},
	{"architektur", "architecture"},
	{"rechtswissenschaft", "jura", "law"},
	{"praktikum", "praktika", "internship", "internships"},
	{"vortrag", "vortrage", "vortraege", "talk", "talks"},
	{"abschlussarbeit", "thesis"},
	{"werkstudent", "working student"},
	{"kontakt", "contact"},
	{"forschung", "research"},
	{"softwareentwicklung", "software development", "software engineering"},
	{"entwickler", "entwicklerin", "developer"},
	{"ingenieur", "ingenieurin", "engineer"},
	{"berater", "beraterin", "beratung", "consultant", "consulting"},
	{"englisch", "english"},
	{"deutsch", "german"},
	{"franzosisch", "franzoesisch", "french"},
	{"spanisch", "spanish"},
	{"munchen", "muenchen", "munich"},
	{"koln", "koeln", "cologne"},
	{"nurnberg", "nuernberg", "nuremberg"},
	{"wien", "vienna"},
};

/* The code point at s (valid UTF-8 of up to 3 bytes) into *cp: its length, 0 if invalid. */
static size_t
utf8_at(const unsigned char *s, unsigned *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf && (s[1] & 0xc0) == 0x80) {
		*cp = ((unsigned)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
		return 2;
	}
	if (s[0] >= 0xe0 && s[0] <= 0xef && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
		*cp = ((unsigned)(s[0] & 0x0f) << 12) | ((unsigned)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
		return *cp >= 0x800 && (*cp < 0xd800 || *cp > 0xdfff) ? 3 : 0;
	}
	return 0;
}

/* Letters and digits a word is made of: ASCII ones, the Latin letters with accents and the
 * Greek and Cyrillic alphabets (all of which the index's tokenizer reads as letters). */
static int
is_word_cp(unsigned c)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
	return (c >= 0xc0 && c <= 0x24f && c != 0xd7 && c != 0xf7) || (c >= 0x386 && c <= 0x52f && c != 0x387);
}

/* Fold one code point for the synonym table: ASCII lower case, German (and a few other)
 * letters without their accents, ß as "ss".  Appends to out. */
static void
fold_cp(unsigned c, struct buf *out)
{
	static const char lat1[] = "aaaaaaaceeeeiiiidnooooo ouuuuyts"; /* U+00C0..U+00DF, lower case */
	if (c < 0x80)
		buf_addf(out, "%c", (c >= 'A' && c <= 'Z') ? (char)(c + 32) : (char)c);
	else if (c == 0xdf)
		buf_addf(out, "ss");
	else if (c >= 0xc0 && c <= 0xff)
		buf_addf(out, "%c", lat1[(c - 0xc0) & 0x1f]);
	else
		buf_addf(out, "~"); /* never in the table */
}

struct qword {
	char text[DIR_WORD_MAX * 3 + 1]; /* as written (valid UTF-8 letters and digits) */
	char fold[DIR_WORD_MAX * 2 + 1]; /* folded for the synonym table */
	size_t ncp;                      /* its code points */
};

/* Split query into at most max words of letters and digits. */
static size_t
split_words(const char *query, struct qword *w, size_t max)
{
	const unsigned char *s = (const unsigned char *)query;
	size_t n = 0;
	while (*s && n < max) {
		unsigned cp = 0;
		size_t len = utf8_at(s, &cp);
		if (!len || !is_word_cp(cp)) {
			s += len ? len : 1;
			continue;
		}
		struct buf t = BUF_INIT, f = BUF_INIT;
		size_t ncp = 0;
		while (*s && (len = utf8_at(s, &cp)) && is_word_cp(cp)) {
			if (ncp < DIR_WORD_MAX) {
				buf_addf(&t, "%.*s", (int)len, (const char *)s);
				fold_cp(cp, &f);
				ncp++;
			}
			s += len;
		}
		char *ts = buf_detach(&t), *fs = buf_detach(&f);
		snprintf(w[n].text, sizeof w[n].text, "%s", ts);
		snprintf(w[n].fold, sizeof w[n].fold, "%s", fs);
		w[n].ncp = ncp;
		n++;
		free(ts);
		free(fs);
	}
	return n;
}

/* The synonym group whose member is key, or -1. */
static int
synonym_group(const char *key)
{
	for (size_t g = 0; g < ARRAY_LEN(synonyms); g++)
		for (size_t i = 0; i < ARRAY_LEN(synonyms[g]) && synonyms[g][i]; i++)
			if (strcmp(synonyms[g][i], key) == 0)
				return (int)g;
	return -1;
}

/* One term: a quoted string (its text has no '"'), a prefix query when it is one word of 4+ letters. */
static void
add_term(struct buf *b, const char *text, size_t ncp, int one_word)
{
	buf_addf(b, "\"%s\"%s", text, one_word && ncp >= 4 ? " *" : "");
}

char *
dir_match_expr(const char *query)
{
	struct qword w[DIR_QUERY_WORDS];
	size_t n = split_words(query ? query : "", w, DIR_QUERY_WORDS);
	if (n == 0)
		return NULL;
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		char pair[sizeof w[i].fold * 2 + 2];
		int g = -1, two = 0;
		if (i + 1 < n) {
			snprintf(pair, sizeof pair, "%s %s", w[i].fold, w[i + 1].fold);
			if ((g = synonym_group(pair)) >= 0)
				two = 1;
		}
		if (g < 0)
			g = synonym_group(w[i].fold);
		buf_addf(&b, "%s(", i ? " AND " : "");
		if (two)
			buf_addf(&b, "\"%s %s\"", w[i].text, w[i + 1].text);
		else
			add_term(&b, w[i].text, w[i].ncp, 1);
		for (size_t k = 0; g >= 0 && k < ARRAY_LEN(synonyms[g]) && synonyms[g][k]; k++) {
			const char *m = synonyms[g][k];
			if (strcmp(m, two ? pair : w[i].fold) == 0)
				continue;
			buf_addf(&b, " OR ");
			add_term(&b, m, strlen(m), strchr(m, ' ') == NULL);
		}
		buf_addf(&b, ")");
		i += (size_t)two;
	}
	return buf_detach(&b);
}

/* ---- profile values of the directory (pure) ---- */

static const char *const open_words[][8] = {
	{"mentoring", "mentor", "mentorin", "mentoren"},
	{"talks", "talk", "vortrag", "vortrage", "vortraege", "vortraegen", "vortragen", "lectures"},
	{"internships", "internship", "praktika", "praktikum", "praktikumsplatze", "praktikumsplaetze"},
	{"contact", "contacts", "kontakt", "kontakte", "kontaktanfragen"},
	{"none", "nichts", "keine", "kein", "nothing", "niemand"},
};
#define OPEN_NONE 4

int
dir_open_to_parse(const char *in, char **out)
{
	struct qword w[17];
	size_t n = split_words(in ? in : "", w, 17);
	int seen[ARRAY_LEN(open_words)] = {0}, any = 0;
	*out = NULL;
	if (n == 0 || n > 16)
		return -1;
	for (size_t i = 0; i < n; i++) {
		static const char *const fill[] = {"und", "and", "oder", "or", "to", "fur", "fuer"};
		int skip = 0;
		for (size_t k = 0; k < ARRAY_LEN(fill); k++)
			skip |= strcmp(w[i].fold, fill[k]) == 0;
		if (skip)
			continue;
		int g = -1;
		for (size_t k = 0; k < ARRAY_LEN(open_words) && g < 0; k++)
			for (size_t j = 0; j < ARRAY_LEN(open_words[k]) && open_words[k][j]; j++)
				if (strcmp(open_words[k][j], w[i].fold) == 0)
					g = (int)k;
		if (g < 0)
			return -1;
		seen[g] = any = 1;
	}
	int others = seen[0] || seen[1] || seen[2] || seen[3];
	if (!any || (seen[OPEN_NONE] && others))
		return -1;
	struct buf b = BUF_INIT;
	for (size_t k = 0; k < ARRAY_LEN(open_words); k++)
		if (seen[k])
			buf_addf(&b, "%s%s", b.len ? ", " : "", open_words[k][0]);
	*out = buf_detach(&b);
	return 0;
}

/* 1 when host (lower case, n bytes) is domain or a subdomain of it. */
static int
host_is(const char *host, size_t n, const char *domain)
{
	size_t d = strlen(domain);
	return (n == d && memcmp(host, domain, d) == 0) ||
	       (n > d + 1 && memcmp(host + n - d, domain, d) == 0 && host[n - d - 1] == '.');
}

int
dir_link_ok(const char *s)
{
	if (!s || strlen(s) > 300 || strncasecmp(s, "https://", 8) != 0)
		return 0;
	const char *host = s + 8;
	size_t n = strcspn(host, "/");
	char h[256];
	if (n == 0 || n >= sizeof h || host[n] != '/' || !host[n + 1])
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = host[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '-'))
			return 0; /* no port, no user, no odd host */
		h[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
	}
	if (!host_is(h, n, "linkedin.com") && !host_is(h, n, "xing.com"))
		return 0;
	for (const char *p = host + n; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || strchr("<>\"\\`{}|^", *p))
			return 0;
	return 1;
}

int
dir_year_ok(const char *s, int this_year)
{
	if (!s || strlen(s) != 4)
		return 0;
	for (int i = 0; i < 4; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	int y = atoi(s);
	return y >= 1950 && y <= this_year + 5;
}

/* ---- the search and its numbered hits ---- */

/*
 * The ranking.  bm25 reads every match's length (a look-up each) and the
 * frequency of every term in the whole index: over the few hundred matches of
 * a selective query that costs little, but a common word ("Informatik", a
 * city) matches thousands, where bm25 took 20 ms and more for 50,000 alumni.
 * Beyond DIR_BM25_MAX matches dir_rank orders them instead: the same
 * saturating term frequency as bm25 (k1 = 1.2) summed over the query's
 * phrases, without the length normalisation and the inverse document
 * frequency; every match contains every query word anyway.
 */
#define DIR_BM25_MAX 400

static void
rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nv, sqlite3_value **v)
{
	(void)nv;
	(void)v;
	double s = 0;
	int np = api->xPhraseCount(fts);
	for (int i = 0; i < np; i++) {
		Fts5PhraseIter it;
		int c = -1, o = 0, tf = 0;
		if (api->xPhraseFirst(fts, i, &it, &c, &o) != SQLITE_OK)
			continue;
		for (; c >= 0; api->xPhraseNext(fts, &it, &c, &o))
			tf++;
		s += tf / (tf + 1.2);
	}
	sqlite3_result_double(ctx, -s);
}

/* dir_rank() on this connection: registered with FTS5 the first time. */
static int
rank_ready(struct db *db)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->h, "SELECT dir_rank(alumni_fts) FROM alumni_fts LIMIT 0", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_finalize(st);
		return DB_OK;
	}
	fts5_api *api = NULL;
	if (sqlite3_prepare_v2(db->h, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return DB_ERR;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (!api || api->xCreateFunction(api, "dir_rank", NULL, rank_fn, NULL) != SQLITE_OK) {
		log_err("database: cannot register the directory's rank function");
		return DB_ERR;
	}
	return DB_OK;
}

/* The best `inner` matches of expr (all when inner is 0) by bm25 or dir_rank, then those of them
 * who are active alumni and not the asker, at most max.  Ranking first and filtering the few
 * after keeps a common word from costing a membership look-up per match. */
static int
alumni_query(struct db *db, const char *expr, int bm25, int64_t asker, size_t inner, size_t max, int64_t **ids,
	     size_t *n)
{
#define ALUMNI_SQL(RANK)                                                                                               \
	"SELECT id FROM (SELECT rowid AS id, " RANK " AS r FROM alumni_fts WHERE alumni_fts MATCH ?1"                  \
	" ORDER BY r LIMIT ?4) WHERE id != ?2 AND EXISTS (SELECT 1 FROM membership m WHERE"                            \
	" m.person_id = id AND m.programme = 'alumni' AND m.status = 'active') ORDER BY r, id LIMIT ?3"
	static const char by_bm25[] = ALUMNI_SQL("bm25(alumni_fts)"), by_tf[] = ALUMNI_SQL("dir_rank(alumni_fts)");
	free(*ids);
	*ids = NULL;
	*n = 0;
	sqlite3_stmt *st = db_stmt(db, bm25 ? by_bm25 : by_tf);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 1, expr);
	sqlite3_bind_int64(st, 2, asker);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
	sqlite3_bind_int64(st, 4, inner ? (sqlite3_int64)inner : -1);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*DB_APPEND(ids, n) = sqlite3_column_int64(st, 0);
	return db_rows_status(st, rc);
}

int
dir_alumni_find(struct db *db, const char *expr, int64_t asker, size_t max, int64_t **ids, size_t *n)
{
	*ids = NULL;
	*n = 0;
	/* how many match, counted up to DIR_BM25_MAX + 1 */
	sqlite3_stmt *st = db_stmt_text(db,
					"SELECT count(*) FROM (SELECT 1 FROM alumni_fts WHERE alumni_fts MATCH ?1"
					" LIMIT ?2)",
					expr);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int(st, 2, DIR_BM25_MAX + 1);
	int rc = sqlite3_step(st);
	int matches = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	if ((rc = db_row_status(st, rc)) != DB_OK || matches == 0)
		return rc == DB_NOTFOUND ? DB_OK : rc;
	int bm25 = matches <= DIR_BM25_MAX;
	if (!bm25 && (rc = rank_ready(db)) != DB_OK)
		return rc;
	/* most of the best matches are alumni; when too few of the first 4 * max are, all are ranked */
	rc = alumni_query(db, expr, bm25, asker, 4 * max, max, ids, n);
	if (rc == DB_OK && *n < max && (size_t)matches > 4 * max)
		rc = alumni_query(db, expr, bm25, asker, 0, max, ids, n);
	return rc;
}

int
dir_is_alumnus(struct db *db, int64_t person, int *yes)
{
	static const char sql[] =
		"SELECT 1 FROM membership WHERE person_id = ?1 AND programme = 'alumni' AND status = 'active' LIMIT 1";
	sqlite3_stmt *st = db_stmt_int64(db, sql, person);
	if (!st)
		return DB_ERR;
	int rc = sqlite3_step(st);
	*yes = rc == SQLITE_ROW;
	rc = db_row_status(st, rc);
	return rc == DB_NOTFOUND ? DB_OK : rc;
}

int
dir_hits_set(struct db *db, int64_t person, const int64_t *ids, size_t n)
{
	sqlite3_stmt *st = db_stmt_int64(db, "DELETE FROM alumni_hit WHERE person_id = ?1", person);
	int rc = st ? db_step_done(db, st) : DB_ERR;
	int64_t now = now_s();
	for (size_t i = 0; i < n && rc == DB_OK; i++) {
		st = db_stmt(db, "INSERT INTO alumni_hit(person_id, n, alumnus_id, created) VALUES (?, ?, ?, ?)");
		if (!st)
			return DB_ERR;
		sqlite3_bind_int64(st, 1, person);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i + 1);
		sqlite3_bind_int64(st, 3, ids[i]);
		sqlite3_bind_int64(st, 4, now);
		rc = db_step_done(db, st);
	}
	return rc;
}

int
dir_hit_get(struct db *db, int64_t person, int64_t n, int64_t *alumnus)
{
	sqlite3_stmt *st =
		db_stmt_int64(db, "SELECT alumnus_id FROM alumni_hit WHERE person_id = ?1 AND n = ?2", person);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 2, n);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*alumnus = sqlite3_column_int64(st, 0);
	return db_row_status(st, rc);
}

int
dir_mentoring_closed(struct db *db, int64_t person, int *closed)
{
	static const char sql[] = "SELECT value FROM profile WHERE person_id = ?1 AND field = 'open_to'"
				  " AND coalesce(value, '') != ''";
	sqlite3_stmt *st = db_stmt_int64(db, sql, person);
	if (!st)
		return DB_ERR;
	int rc = sqlite3_step(st);
	const char *v = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	*closed = v && !strstr(v, "mentoring");
	rc = db_row_status(st, rc);
	return rc == DB_NOTFOUND ? DB_OK : rc;
}

/* ---- contact requests ---- */

#define CR_COLS "id, asker_id, to_id, offer_id, message, status, created, answered, mail_msgid"

static void
contact_row(sqlite3_stmt *st, void *out)
{
	struct contact_req *r = out;
	r->id = sqlite3_column_int64(st, 0);
	r->asker = sqlite3_column_int64(st, 1);
	r->to = sqlite3_column_int64(st, 2);
	r->offer = sqlite3_column_int64(st, 3);
	r->message = db_col_text(st, 4);
	r->status = db_col_text(st, 5);
	r->created = sqlite3_column_int64(st, 6);
	r->answered = sqlite3_column_int64(st, 7);
	r->mail_msgid = db_col_text(st, 8);
}

void
contact_req_free(struct contact_req *r)
{
	free(r->message);
	free(r->status);
	free(r->mail_msgid);
	memset(r, 0, sizeof *r);
}

int
dir_contact_add(struct db *db, int64_t asker, int64_t to, int64_t offer, const char *message, int64_t *id)
{
	static const char sql[] = "INSERT INTO contact_request(asker_id, to_id, offer_id, message, status, created)"
				  " VALUES (?, ?, ?, ?, 'open', ?)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, asker);
	sqlite3_bind_int64(st, 2, to);
	if (offer > 0)
		sqlite3_bind_int64(st, 3, offer);
	else
		sqlite3_bind_null(st, 3);
	BIND_TEXT(st, 4, message);
	sqlite3_bind_int64(st, 5, now_s());
	int rc = db_step_done(db, st);
	if (rc == DB_OK && id)
		*id = sqlite3_last_insert_rowid(db->h);
	return rc;
}

int
dir_contact_set_msgid(struct db *db, int64_t id, const char *msgid)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE contact_request SET mail_msgid = ?2 WHERE id = ?1");
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, id);
	char *key = msgid ? db_msgid_key(msgid) : NULL;
	BIND_TEXT(st, 2, key);
	free(key);
	return db_step_done(db, st);
}

int
dir_contact_get(struct db *db, int64_t id, struct contact_req *out)
{
	return DB_ROW(db_stmt_int64(db, "SELECT " CR_COLS " FROM contact_request WHERE id = ?1", id), contact_row, out);
}

int
dir_contact_by_msgid(struct db *db, const char *msgid, struct contact_req *out)
{
	static const char sql[] = "SELECT " CR_COLS " FROM contact_request WHERE mail_msgid = ?1 AND ?1 != ''"
				  " ORDER BY id DESC LIMIT 1";
	memset(out, 0, sizeof *out);
	if (!msgid)
		return DB_NOTFOUND;
	char *key = db_msgid_key(msgid);
	int rc = DB_ROW(db_stmt_text(db, sql, key), contact_row, out);
	free(key);
	return rc;
}

int
dir_contact_open_between(struct db *db, int64_t asker, int64_t to, int64_t offer, int64_t *id)
{
	static const char sql[] = "SELECT id FROM contact_request WHERE asker_id = ?1 AND to_id = ?2"
				  " AND coalesce(offer_id, 0) = ?3 AND status = 'open' LIMIT 1";
	sqlite3_stmt *st = db_stmt_int64(db, sql, asker);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 2, to);
	sqlite3_bind_int64(st, 3, offer);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && id)
		*id = sqlite3_column_int64(st, 0);
	return db_row_status(st, rc);
}

int
dir_contact_close(struct db *db, int64_t id, const char *status)
{
	static const char sql[] =
		"UPDATE contact_request SET status = ?2, answered = ?3 WHERE id = ?1 AND status = 'open'";
	sqlite3_stmt *st = db_stmt_int64(db, sql, id);
	if (!st)
		return DB_ERR;
	BIND_TEXT(st, 2, status);
	sqlite3_bind_int64(st, 3, now_s());
	int rc = db_step_done(db, st);
	if (rc == DB_OK && sqlite3_changes(db->h) == 0)
		return DB_NOTFOUND;
	return rc;
}

int
dir_contact_counts(struct db *db, int64_t asker, int64_t since, int *open, int *recent)
{
	static const char sql[] = "SELECT coalesce(sum(status = 'open'), 0), coalesce(sum(created >= ?2), 0)"
				  " FROM contact_request WHERE asker_id = ?1";
	sqlite3_stmt *st = db_stmt_int64(db, sql, asker);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 2, since);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*open = sqlite3_column_int(st, 0);
		*recent = sqlite3_column_int(st, 1);
	}
	return db_row_status(st, rc);
}

int
dir_offer_brief(struct db *db, int64_t offer, char **title, char **kind)
{
	sqlite3_stmt *st = db_stmt_int64(db, "SELECT title, kind FROM offer WHERE id = ?1", offer);
	if (!st)
		return DB_ERR;
	int rc = sqlite3_step(st);
	*title = rc == SQLITE_ROW ? db_col_text(st, 0) : NULL;
	*kind = rc == SQLITE_ROW ? db_col_text(st, 1) : NULL;
	return db_row_status(st, rc);
}
