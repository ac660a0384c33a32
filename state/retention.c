/*
 * retention.c - count or purge what is past its age (see retention.h).
 */
#include "state/retention.h"

#include "bot/config.h"
#include "state/db_internal.h"

#include <stdlib.h>
#include <string.h>

#define DAY 86400
#define REPLY_COUNT_DAYS 2 /* fixed: the counters of today and yesterday */
#define TOKEN_DAYS 7       /* fixed: a week after a token expired or was used */

/* One category: its table, the rows past the cutoff ?1, and how they go (batch size ?2). */
struct cat_def {
	const char *name;
	const char *count_sql;
	const char *purge_sql;
};

#define FINISHED_MAIL "transport = 'mail' AND raw IS NOT NULL AND status != 'new' AND received < ?1"
#define FINISHED_CHAT "transport != 'mail' AND raw IS NOT NULL AND status != 'new' AND received < ?1"
#define FINISHED_META "meta IS NOT NULL AND status != 'new' AND received < ?1"
#define OLD_TOKEN "(expires < ?1 OR (used != 0 AND created < ?1))"
#define DONE_CONTACT "message IS NOT NULL AND status != 'open' AND coalesce(answered, created) < ?1"
#define DONE_IMPORT "(name IS NOT NULL OR data IS NOT NULL) AND (status != 'invited' OR created < ?1)"
#define DONE_OUTBOX "payload IS NOT NULL AND status != 'pending' AND created < ?1"

static const struct cat_def cats[RET_NCAT] = {
	[RET_RAW_MAIL] = {"raw_mail", "SELECT count(*) FROM inbound WHERE " FINISHED_MAIL,
			  "UPDATE inbound SET raw = NULL WHERE id IN (SELECT id FROM inbound WHERE " FINISHED_MAIL
			  " AND id > ?3 ORDER BY id LIMIT ?2) RETURNING id"},
	[RET_CHAT_JOURNAL] = {"chat_journal", "SELECT count(*) FROM inbound WHERE " FINISHED_CHAT,
			      "UPDATE inbound SET raw = NULL WHERE id IN (SELECT id FROM inbound WHERE " FINISHED_CHAT
			      " AND id > ?3 ORDER BY id LIMIT ?2) RETURNING id"},
	[RET_JOURNAL_META] = {"journal_meta", "SELECT count(*) FROM inbound WHERE " FINISHED_META,
			      "UPDATE inbound SET meta = NULL WHERE id IN (SELECT id FROM inbound WHERE " FINISHED_META
			      " AND id > ?3 ORDER BY id LIMIT ?2) RETURNING id"},
	[RET_OUTBOX_BODY] = {"outbox_body", "SELECT count(*) FROM outbox WHERE " DONE_OUTBOX,
			     "UPDATE outbox SET payload = NULL WHERE id IN (SELECT id FROM outbox WHERE " DONE_OUTBOX
			     " AND id > ?3 ORDER BY id LIMIT ?2) RETURNING id"},
	[RET_BOUNCE] = {"bounce", "SELECT count(*) FROM bounce WHERE last_at < ?1",
			"DELETE FROM bounce WHERE rowid IN (SELECT rowid FROM bounce WHERE last_at < ?1 AND rowid > ?3"
			" ORDER BY rowid LIMIT ?2) RETURNING rowid"},
	[RET_BOUNCE_EVENT] =
		{"bounce_event", "SELECT count(*) FROM bounce_event WHERE at < ?1",
		 "DELETE FROM bounce_event WHERE id IN (SELECT id FROM bounce_event WHERE at < ?1 AND id > ?3"
		 " ORDER BY id LIMIT ?2) RETURNING id"},
	/* the per-address reply counters serve today's reply_limit only (day: now / 86400) */
	[RET_REPLY_COUNT] = {"reply_count", "SELECT count(*) FROM reply_count WHERE day < ?1 / 86400",
			     "DELETE FROM reply_count WHERE rowid IN (SELECT rowid FROM reply_count"
			     " WHERE day < ?1 / 86400 AND rowid > ?3 ORDER BY rowid LIMIT ?2) RETURNING rowid"},
	/* a token (and the address it went to) is of no use once expired or used */
	[RET_TOKEN] = {"token", "SELECT count(*) FROM token WHERE " OLD_TOKEN,
		       "DELETE FROM token WHERE id IN (SELECT id FROM token WHERE " OLD_TOKEN
		       " AND id > ?3 ORDER BY id LIMIT ?2) RETURNING id"},
	[RET_CONTACT_TEXT] = {"contact_text", "SELECT count(*) FROM contact_request WHERE " DONE_CONTACT,
			      "UPDATE contact_request SET message = NULL WHERE id IN (SELECT id FROM contact_request"
			      " WHERE " DONE_CONTACT " AND id > ?3 ORDER BY id LIMIT ?2) RETURNING id"},
	[RET_IMPORT_DATA] =
		{"import_data", "SELECT count(*) FROM import_invite WHERE " DONE_IMPORT,
		 "UPDATE import_invite SET name = NULL, data = NULL WHERE id IN (SELECT id FROM import_invite"
		 " WHERE " DONE_IMPORT " AND id > ?3 ORDER BY id LIMIT ?2) RETURNING id"},
};

const char *
retention_cat_name(enum retention_cat cat)
{
	return cat < RET_NCAT ? cats[cat].name : "?";
}

int
retention_days(const struct config *cfg, enum retention_cat cat)
{
	switch (cat) {
	case RET_RAW_MAIL:
		return cfg->retention.raw_mail_days;
	case RET_CHAT_JOURNAL:
		return cfg->retention.chat_journal_days;
	case RET_JOURNAL_META:
		return cfg->retention.journal_days;
	case RET_OUTBOX_BODY:
		return cfg->retention.outbox_body_days;
	case RET_REPLY_COUNT:
		return REPLY_COUNT_DAYS;
	case RET_TOKEN:
		return TOKEN_DAYS;
	case RET_CONTACT_TEXT:
		return cfg->retention.journal_days;
	case RET_IMPORT_DATA:
		return cfg->network.invite_days;
	case RET_BOUNCE:
	case RET_BOUNCE_EVENT:
	default:
		return cfg->retention.bounce_days;
	}
}

static int64_t
cutoff(const struct config *cfg, enum retention_cat cat, int64_t now)
{
	return now - (int64_t)retention_days(cfg, cat) * DAY;
}

int
retention_count(struct db *db, const struct config *cfg, enum retention_cat cat, int64_t now, int64_t *n)
{
	*n = 0;
	sqlite3_stmt *st = cat < RET_NCAT ? db_stmt_int64(db, cats[cat].count_sql, cutoff(cfg, cat, now)) : NULL;
	if (!st)
		return DB_ERR;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	return db_row_status(st, rc) == DB_ERR ? DB_ERR : DB_OK;
}

int
retention_purge(struct db *db, const struct config *cfg, enum retention_cat cat, int64_t now, int max, int64_t *after,
		int64_t *n)
{
	*n = 0;
	sqlite3_stmt *st = cat < RET_NCAT ? db_stmt_int64(db, cats[cat].purge_sql, cutoff(cfg, cat, now)) : NULL;
	if (!st)
		return DB_ERR;
	sqlite3_bind_int(st, 2, max);
	sqlite3_bind_int64(st, 3, *after);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		if (id > *after)
			*after = id;
		(*n)++;
	}
	return db_rows_status(st, rc);
}

/* ---- people who left every programme ---- */

/* Who may be told and erased: not erased yet, every membership 'left', no open match. */
#define LEAVERS                                                                                                        \
	"leavers AS (SELECT m.person_id AS id, max(m.since) AS left_at FROM membership m"                              \
	"  JOIN person p ON p.id = m.person_id WHERE p.erased IS NULL GROUP BY m.person_id"                            \
	"  HAVING sum(m.status != 'left') = 0 AND NOT EXISTS (SELECT 1 FROM match x WHERE x.status = 'active'"         \
	"  AND (x.mentee_id = m.person_id OR x.mentor_id = m.person_id)))"
#define NOTICES                                                                                                        \
	"notices AS (SELECT key, CAST(substr(key, 18) AS INTEGER) AS id, CAST(value AS INTEGER) AS day,"               \
	"  CAST(substr(value, instr(value, ' ') + 1) AS INTEGER) AS left_at FROM kv"                                   \
	"  WHERE key GLOB 'retention.notice.*')"

static void
person_row(sqlite3_stmt *st, void *out)
{
	struct retention_person *p = out;
	p->id = sqlite3_column_int64(st, 0);
	p->left = sqlite3_column_int64(st, 1);
}

int
retention_notice_due(struct db *db, const struct config *cfg, int64_t now, size_t max, struct retention_person **out,
		     size_t *n)
{
	static const char sql[] = "WITH " LEAVERS ", " NOTICES " SELECT l.id, l.left_at FROM leavers l"
				  " WHERE l.left_at < ?1 AND NOT EXISTS (SELECT 1 FROM notices n"
				  "  WHERE n.id = l.id AND n.left_at = l.left_at) ORDER BY l.id LIMIT ?2";
	int days = cfg->retention.left_people_days - RETENTION_NOTICE_DAYS;
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = db_stmt_int64(db, sql, now - (int64_t)(days > 0 ? days : 0) * DAY);
	if (st)
		sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	return DB_ROWS(st, person_row, out, n);
}

int
retention_notice_mark(struct db *db, const struct retention_person *p, int64_t now)
{
	char key[48], value[48];
	snprintf(key, sizeof key, "retention.notice.%lld", (long long)p->id);
	snprintf(value, sizeof value, "%lld %lld", (long long)(now / DAY), (long long)p->left);
	return state_kv_set(db, key, value);
}

int64_t
retention_erase_day(int64_t now)
{
	return now / DAY + RETENTION_NOTICE_DAYS;
}

int
retention_erase_due(struct db *db, int64_t now, size_t max, struct retention_person **out, size_t *n)
{
	static const char sql[] = "WITH " LEAVERS ", " NOTICES " SELECT l.id, l.left_at FROM leavers l"
				  " JOIN notices n ON n.id = l.id AND n.left_at = l.left_at"
				  " WHERE n.day + ?1 <= ?2 ORDER BY l.id LIMIT ?3";
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = db_stmt_int64(db, sql, RETENTION_NOTICE_DAYS);
	if (st) {
		sqlite3_bind_int64(st, 2, now / DAY);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
	}
	return DB_ROWS(st, person_row, out, n);
}

int
retention_notice_forget(struct db *db, int64_t person)
{
	char key[48];
	snprintf(key, sizeof key, "retention.notice.%lld", (long long)person);
	return state_kv_del(db, key);
}

int
retention_notices_prune(struct db *db, int64_t *n)
{
	static const char sql[] = "DELETE FROM kv WHERE key IN (WITH " LEAVERS ", " NOTICES
				  " SELECT n.key FROM notices n WHERE NOT EXISTS (SELECT 1 FROM leavers l"
				  "  WHERE l.id = n.id AND l.left_at = n.left_at))";
	*n = 0;
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	int rc = db_step_done(db, st);
	if (rc == DB_OK)
		*n = sqlite3_changes(db->h);
	return rc == DB_OK ? DB_OK : DB_ERR;
}

int
retention_arm(struct db *db, int64_t now)
{
	/* a ref above every earlier one: a day's refs may all be taken when the daemon restarts */
	static const char sql[] =
		"INSERT INTO job(due, kind, ref, created) SELECT ?1, '" RETENTION_JOB "',"
		" max(?2, coalesce((SELECT max(ref) FROM job WHERE kind = '" RETENTION_JOB "'), -1) + 1), ?1"
		" WHERE NOT EXISTS (SELECT 1 FROM job WHERE kind = '" RETENTION_JOB "' AND done = 0)";
	sqlite3_stmt *st = db_stmt_int64(db, sql, now);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 2, now / DAY * RETENTION_PASSES);
	return db_step_done(db, st) == DB_OK ? DB_OK : DB_ERR;
}
