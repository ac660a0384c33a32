/*
 * privacy.c - see privacy.h: the export and the erasure of one person.
 */
#include "state/privacy.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "state/db_internal.h"

const char *const privacy_tables[] = {
	"person",     "endpoint", "profile",       "consent",    "membership",      "application",
	"suggestion", "request",  "match",         "session",    "invitation",      "rsvp",
	"inbound",    "outbox",   "reply_count",   "bounce",     "bounce_event",    "undeliverable",
	"audit",      "token",    "import_invite", "alumni_hit", "contact_request", "company_contact",
	"offer",      NULL,
};

/* The person's addresses and chat ids, for the queries below (?1: the person). */
#define ADDRS "(SELECT address FROM endpoint WHERE person_id = ?1)"
/* A person's display name as others see it: the profile name they made visible, else NULL. */
#define SHOWN_NAME(col)                                                                                                \
	"(SELECT NULLIF(value, '') FROM profile WHERE person_id = " col " AND field = 'name' AND visible = 1)"
/* The template key of a mail the bot queued (its X-Mentorbot-Reply header), or NULL. */
#define REPLY_KEY                                                                                                      \
	"CASE WHEN instr(CAST(payload AS TEXT), 'X-Mentorbot-Reply: ') > 0 THEN rtrim(substr("                         \
	"  substr(CAST(payload AS TEXT), instr(CAST(payload AS TEXT), 'X-Mentorbot-Reply: ') + 19), 1,"                \
	"  instr(substr(CAST(payload AS TEXT), instr(CAST(payload AS TEXT), 'X-Mentorbot-Reply: ') + 19),"             \
	"  char(13)) - 1)) END"

struct section {
	const char *name; /* the key in the export */
	int one;          /* a single object instead of an array */
	const char *sql;  /* ?1: the person */
};

static const struct section sections[] = {
	{"person", 1, "SELECT id, lang, name, consent_version, consent_at, created FROM person WHERE id = ?1"},
	{"endpoints", 0, "SELECT kind, address, verified, created FROM endpoint WHERE person_id = ?1 ORDER BY id"},
	{"profile", 0, "SELECT field, value, visible FROM profile WHERE person_id = ?1 ORDER BY field"},
	{"consents", 0,
	 "SELECT purpose, version, channel, action, at, source FROM consent WHERE person_id = ?1 ORDER BY id"},
	{"memberships", 0, "SELECT programme, role, status, since FROM membership WHERE person_id = ?1"},
	{"applications", 0,
	 "SELECT id, programme, role, status, form_sent, created, completed, decided, reason FROM application"
	 " WHERE person_id = ?1 ORDER BY id"},
	{"suggestions", 0, "SELECT n, programme, score, created FROM suggestion WHERE person_id = ?1 ORDER BY n"},
	{"requests", 0,
	 "SELECT id, programme, CASE WHEN mentee_id = ?1 THEN 'mentee' ELSE 'mentor' END AS role, origin, status,"
	 " reason, created, deadline, answered FROM request WHERE mentee_id = ?1 OR mentor_id = ?1 ORDER BY id"},
	{"matches", 0,
	 "SELECT id, programme, CASE WHEN mentee_id = ?1 THEN 'mentee' ELSE 'mentor' END AS role, status, created,"
	 " CASE WHEN mentee_id = ?1 THEN " SHOWN_NAME("mentor_id") " ELSE " SHOWN_NAME(
		 "mentee_id") " END AS partner"
			      " FROM match WHERE mentee_id = ?1 OR mentor_id = ?1 ORDER BY id"},
	{"sessions", 0,
	 "SELECT s.id, s.match_id, s.start, s.minutes, s.place, s.status, s.logged_minutes, s.note,"
	 " s.proposer_id = ?1 AS proposed_by_you, s.created, s.updated FROM session s JOIN match m ON m.id = s.match_id"
	 " WHERE m.mentee_id = ?1 OR m.mentor_id = ?1 ORDER BY s.id"},
	{"invitations", 0,
	 "SELECT i.event_id, e.title, i.address, i.sequence, i.created FROM invitation i JOIN event e ON e.id ="
	 " i.event_id WHERE i.person_id = ?1 ORDER BY i.event_id"},
	{"rsvps", 0,
	 "SELECT r.event_id, e.title, r.answer, r.status, r.guests, r.comment, r.via, r.attended, r.updated"
	 " FROM rsvp r JOIN event e ON e.id = r.event_id WHERE r.person_id = ?1 ORDER BY r.event_id"},
	{"messages_in", 0,
	 "SELECT id, transport AS channel, received, status, finished, substr(CAST(raw AS TEXT), 1, 8192) AS head"
	 " FROM inbound WHERE person_id = ?1 OR (person_id IS NULL AND EXISTS (SELECT 1 FROM endpoint e"
	 " WHERE e.person_id = ?1 AND (instr(meta, '\"' || e.address || '\"') > 0"
	 " OR instr(lower(substr(CAST(raw AS TEXT), 1, 8192)), e.address) > 0))) ORDER BY id"},
	{"messages_out", 0,
	 "SELECT id, transport AS channel, kind, status, created, sent_at, " REPLY_KEY " AS template"
	 " FROM outbox WHERE rcpt IN " ADDRS " ORDER BY id"},
	{"reply_counts", 0, "SELECT address, day, count FROM reply_count WHERE address IN " ADDRS},
	{"bounces", 0, "SELECT address, count, last_at, last_reason FROM bounce WHERE address IN " ADDRS},
	{"bounce_events", 0, "SELECT address, at, status, hard, reason FROM bounce_event WHERE address IN " ADDRS},
	{"undeliverable", 0, "SELECT address, since, status, reason FROM undeliverable WHERE address IN " ADDRS},
	{"audit", 0,
	 "SELECT at, channel, action, subject, detail, actor_id = ?1 AS by_you FROM audit"
	 " WHERE person_id = ?1 OR actor_id = ?1 ORDER BY id"},
	{"tokens", 0,
	 "SELECT kind, created, expires, used FROM token WHERE person_id = ?1"
	 " OR (ep_kind, ep_addr) IN (SELECT kind, address FROM endpoint WHERE person_id = ?1) ORDER BY id"},
	{"imported", 0,
	 "SELECT programme, role, address, name, data, source, status, created, answered FROM import_invite"
	 " WHERE person_id = ?1 OR address IN " ADDRS " ORDER BY id"},
	{"directory_hits", 0, "SELECT n, created FROM alumni_hit WHERE person_id = ?1 ORDER BY n"},
	{"contact_requests", 0,
	 "SELECT id, CASE WHEN asker_id = ?1 THEN 'sent' ELSE 'received' END AS direction, offer_id, message,"
	 " status, created, answered FROM contact_request WHERE asker_id = ?1 OR to_id = ?1 ORDER BY id"},
	{"companies", 0,
	 "SELECT c.name, cc.status, cc.created, cc.decided FROM company_contact cc JOIN company c ON c.id ="
	 " cc.company_id WHERE cc.person_id = ?1 ORDER BY c.id"},
	{"offers", 0,
	 "SELECT id, kind, title, description, location, remote, start, deadline, link, contact, status, created,"
	 " decided, reason FROM offer WHERE person_id = ?1 ORDER BY id"},
};

/* Column i of the current row of st as JSON. */
static json_t *
col_json(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, i));
	case SQLITE_NULL:
		return json_null();
	default: {
		const char *s = (const char *)sqlite3_column_text(st, i);
		size_t n = (size_t)sqlite3_column_bytes(st, i);
		json_t *j = json_stringn(s ? s : "", n);
		if (!j) { /* not UTF-8: the bytes as Latin-1 would mislead; say so instead */
			j = json_string("(not UTF-8)");
		}
		return j;
	}
	}
}

/* Every row of section s for person into out[s->name]: DB_OK or DB_ERR. */
static int
section_add(struct db *db, const struct section *s, int64_t person, json_t *out)
{
	sqlite3_stmt *st = db_stmt_int64(db, s->sql, person);
	if (!st)
		return DB_ERR;
	json_t *arr = json_array();
	int rc, ncol = sqlite3_column_count(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = json_object();
		for (int i = 0; i < ncol; i++)
			json_object_set_new(row, sqlite3_column_name(st, i), col_json(st, i));
		json_array_append_new(arr, row);
	}
	rc = db_rows_status(st, rc);
	if (rc == DB_OK && s->one)
		json_object_set(out, s->name, json_array_size(arr) ? json_array_get(arr, 0) : json_null());
	else if (rc == DB_OK)
		json_object_set(out, s->name, arr);
	json_decref(arr);
	return rc;
}

int
state_privacy_export(struct db *db, int64_t person, json_t **json_out)
{
	json_t *out = json_object();
	int rc = DB_OK;
	for (size_t i = 0; i < ARRAY_LEN(sections) && rc == DB_OK; i++)
		rc = section_add(db, &sections[i], person, out);
	if (rc == DB_OK && json_is_null(json_object_get(out, "person")))
		rc = DB_NOTFOUND;
	if (rc != DB_OK) {
		json_decref(out);
		out = NULL;
	}
	*json_out = out;
	return rc;
}

/* ---- erasure ---- */

void
privacy_erased_free(struct privacy_erased *e)
{
	free(e->partners);
	free(e->seats);
	memset(e, 0, sizeof *e);
}

static _Thread_local int erased_since_commit;

/* Run sql with ?1 person, ?2 stand-in, ?3 now, ?4 channel, ?5 why (unused ones ignored). */
static int
erase_step(struct db *db, const char *sql, int64_t person, int64_t standin, const char *channel, const char *why)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	int n = sqlite3_bind_parameter_count(st);
	sqlite3_bind_int64(st, 1, person);
	if (n >= 2)
		sqlite3_bind_int64(st, 2, standin);
	if (n >= 3)
		sqlite3_bind_int64(st, 3, now_s());
	if (n >= 4)
		BIND_TEXT(st, 4, channel);
	if (n >= 5)
		BIND_TEXT(st, 5, why);
	return db_step_done(db, st);
}

/*
 * In this order: what is found by the person's addresses and name goes while the endpoints
 * and the profile still exist; the lasting rows move to the stand-in before the person row
 * is deleted (its ON DELETE CASCADE would take them otherwise).
 */
static const char *const erase_sql[] = {
	/* the consent history becomes counters */
	"INSERT INTO tally(name, n) SELECT 'consent.' || action, count(*) FROM consent WHERE person_id = ?1"
	" GROUP BY action ON CONFLICT(name) DO UPDATE SET n = n + excluded.n",
	"INSERT INTO tally(name, n) VALUES ('erased', 1) ON CONFLICT(name) DO UPDATE SET n = n + 1",
	/* other people's mails and messages that name the person: bodies cleared, pending ones dropped */
	"DELETE FROM outbox WHERE status = 'pending' AND rcpt NOT IN " ADDRS " AND EXISTS (SELECT 1 FROM privacy_mark k"
	" WHERE instr(lower(CAST(outbox.payload AS TEXT)), k.text) > 0)",
	"UPDATE outbox SET payload = NULL WHERE payload IS NOT NULL AND rcpt NOT IN " ADDRS
	" AND EXISTS (SELECT 1 FROM privacy_mark k WHERE instr(lower(CAST(outbox.payload AS TEXT)), k.text) > 0)",
	/* the journal: the person's own rows and every row naming them keep no body */
	"UPDATE inbound SET raw = NULL, meta = NULL, person_id = NULL WHERE person_id = ?1"
	" OR EXISTS (SELECT 1 FROM privacy_mark k WHERE instr(lower(CAST(inbound.raw AS TEXT)), k.text) > 0"
	" OR instr(lower(inbound.meta), k.text) > 0)",
	/* what was sent to them, and what the mail transport kept about their addresses */
	"DELETE FROM outbox WHERE rcpt IN " ADDRS,
	"DELETE FROM reply_count WHERE address IN " ADDRS,
	"DELETE FROM bounce WHERE address IN " ADDRS,
	"DELETE FROM bounce_event WHERE address IN " ADDRS,
	"DELETE FROM undeliverable WHERE address IN " ADDRS,
	"DELETE FROM kv WHERE EXISTS (SELECT 1 FROM endpoint e WHERE e.person_id = ?1 AND e.kind <> 'mail'"
	" AND (instr(kv.key, e.address) > 0 OR instr(kv.value, e.address) > 0))",
	"DELETE FROM token WHERE person_id = ?1 OR (ep_kind, ep_addr) IN (SELECT kind, address FROM endpoint"
	" WHERE person_id = ?1)",
	/* the audit log keeps its facts, not who they were about */
	"UPDATE audit SET actor = NULL, actor_id = ?2 WHERE actor_id = ?1",
	"UPDATE audit SET person_id = ?2, detail = NULL WHERE person_id = ?1",
	"UPDATE audit SET actor = NULL WHERE actor IN (SELECT text FROM privacy_mark)",
	"UPDATE audit SET detail = NULL WHERE detail IS NOT NULL AND EXISTS (SELECT 1 FROM privacy_mark k"
	" WHERE instr(lower(audit.detail), k.text) > 0)",
	"INSERT INTO audit(at, actor, actor_id, channel, action, subject, person_id, detail)"
	" VALUES (?3, NULL, ?2, ?4, 'erase', ?5, ?2, NULL)",
	/* what stays for the figures, anonymous: matches (open ones end), their sessions, requests,
	 * applications, RSVPs */
	"UPDATE match SET status = 'ended' WHERE status = 'active' AND (mentee_id = ?1 OR mentor_id = ?1)",
	"UPDATE match SET mentee_id = ?2 WHERE mentee_id = ?1",
	"UPDATE match SET mentor_id = ?2 WHERE mentor_id = ?1",
	"UPDATE session SET proposer_id = ?2 WHERE proposer_id = ?1",
	"UPDATE session SET note = NULL, place = NULL, status = CASE WHEN status IN ('proposed', 'confirmed')"
	" THEN 'cancelled' ELSE status END WHERE match_id IN (SELECT id FROM match WHERE mentee_id = ?2"
	" OR mentor_id = ?2)",
	"UPDATE request SET status = CASE WHEN status = 'open' THEN 'withdrawn' ELSE status END, reason = NULL,"
	" mail_msgid = NULL WHERE mentee_id = ?1 OR mentor_id = ?1",
	"UPDATE request SET mentee_id = ?2 WHERE mentee_id = ?1",
	"UPDATE request SET mentor_id = ?2 WHERE mentor_id = ?1",
	"UPDATE application SET person_id = ?2, form_sent = NULL, form_msgid = NULL, reason = NULL,"
	" decided_by = NULL, status = CASE WHEN status IN ('incomplete', 'pending') THEN 'withdrawn' ELSE status"
	" END WHERE person_id = ?1",
	/* an answer to an event not yet started takes no seat any more (the caller moves the waiting
	 * list up); those of past events stay as counts */
	"DELETE FROM rsvp WHERE person_id = ?1 AND event_id IN (SELECT id FROM event WHERE start > ?3)",
	"UPDATE rsvp SET person_id = ?2, comment = NULL WHERE person_id = ?1",
	/* the network: contact requests and offers stay as counts (an open request is withdrawn,
	 * its message cleared); the company keeps its other contacts */
	"UPDATE contact_request SET status = CASE WHEN status = 'open' THEN 'withdrawn' ELSE status END,"
	" message = NULL, mail_msgid = NULL WHERE asker_id = ?1 OR to_id = ?1",
	"UPDATE contact_request SET asker_id = ?2 WHERE asker_id = ?1",
	"UPDATE contact_request SET to_id = ?2 WHERE to_id = ?1",
	"UPDATE offer SET person_id = ?2, contact = NULL WHERE person_id = ?1",
	/* the rest goes */
	"DELETE FROM import_invite WHERE person_id = ?1 OR address IN " ADDRS,
	"DELETE FROM alumni_hit WHERE person_id = ?1 OR alumnus_id = ?1",
	"DELETE FROM company_contact WHERE person_id = ?1",
	"DELETE FROM invitation WHERE person_id = ?1",
	"DELETE FROM suggestion WHERE person_id = ?1 OR mentor_id = ?1",
	"DELETE FROM consent WHERE person_id = ?1",
	"DELETE FROM membership WHERE person_id = ?1",
	"DELETE FROM profile WHERE person_id = ?1",
	"DELETE FROM endpoint WHERE person_id = ?1",
	"DELETE FROM person WHERE id = ?1",
};

static int
privacy_exec(struct db *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_err("database: erasure: %s", msg ? msg : sqlite3_errmsg(db->h));
		sqlite3_free(msg);
		return DB_ERR;
	}
	return DB_OK;
}

/* The texts that identify the person (lower case): addresses, chat ids, names of 3 characters or more. */
static const char fill_marks[] =
	"INSERT OR IGNORE INTO temp.privacy_mark(text) SELECT lower(address) FROM endpoint WHERE person_id = ?1"
	" UNION SELECT lower(name) FROM person WHERE id = ?1 AND length(name) >= 3"
	" UNION SELECT lower(value) FROM profile WHERE person_id = ?1 AND field = 'name' AND length(value) >= 3";

/* The ids the query sql (?1 person, ?2 now) returns, appended to *v, *n. */
static int
erase_ids(struct db *db, const char *sql, int64_t person, int64_t **v, size_t *n)
{
	sqlite3_stmt *st = db_stmt_int64(db, sql, person);
	if (!st)
		return DB_ERR;
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, now_s());
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*DB_APPEND(v, n) = sqlite3_column_int64(st, 0);
	return db_rows_status(st, rc);
}

/* The other side of each active match of person. */
static const char partners_sql[] = "SELECT CASE WHEN mentee_id = ?1 THEN mentor_id ELSE mentee_id END FROM match"
				   " WHERE status = 'active' AND (mentee_id = ?1 OR mentor_id = ?1) ORDER BY id";
/* The events not yet started at which person takes a seat (going; their answer is deleted). */
static const char seats_sql[] = "SELECT r.event_id FROM rsvp r JOIN event e ON e.id = r.event_id"
				" WHERE r.person_id = ?1 AND r.status = 'going' AND e.start > ?2 ORDER BY r.event_id";

/* The stand-in: a person row with no name, language or address, created when the person was. */
static int
erase_standin(struct db *db, int64_t person, int64_t *standin)
{
	static const char sql[] = "INSERT INTO person(created, erased) SELECT created, ?2 FROM person"
				  " WHERE id = ?1 AND erased IS NULL";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 1, person);
	sqlite3_bind_int64(st, 2, now_s());
	int rc = db_step_done(db, st);
	if (rc != DB_OK)
		return rc;
	if (sqlite3_changes(db->h) == 0)
		return DB_NOTFOUND;
	*standin = sqlite3_last_insert_rowid(db->h);
	return DB_OK;
}

int
state_privacy_erase(struct db *db, int64_t person, const char *channel, const char *why, struct privacy_erased *out)
{
	memset(out, 0, sizeof *out);
	int rc = erase_standin(db, person, &out->standin);
	if (rc != DB_OK)
		return rc;
	if ((rc = erase_ids(db, partners_sql, person, &out->partners, &out->npartners)) != DB_OK ||
	    (rc = erase_ids(db, seats_sql, person, &out->seats, &out->nseats)) != DB_OK)
		return rc;
	if (privacy_exec(db, "CREATE TEMP TABLE IF NOT EXISTS privacy_mark(text TEXT PRIMARY KEY);"
			     "DELETE FROM temp.privacy_mark") != DB_OK)
		return DB_ERR;
	if ((rc = erase_step(db, fill_marks, person, 0, NULL, NULL)) != DB_OK)
		return rc;
	for (size_t i = 0; i < ARRAY_LEN(erase_sql) && rc == DB_OK; i++)
		rc = erase_step(db, erase_sql[i], person, out->standin, channel ? channel : "", why ? why : "");
	if (rc == DB_OK)
		rc = privacy_exec(db, "DELETE FROM temp.privacy_mark");
	if (rc == DB_OK)
		erased_since_commit = 1;
	return rc;
}

int
state_privacy_after_commit(struct db *db)
{
	if (!erased_since_commit)
		return DB_OK;
	erased_since_commit = 0;
	int log = 0, done = 0;
	/* the directory's full-text index keeps deleted words in older segments until they are
	 * merged: merge them all, so the erased profile's words are gone from the file */
	if (privacy_exec(db, "INSERT INTO alumni_fts(alumni_fts) VALUES ('optimize')") != DB_OK)
		log_warn("database: could not merge the directory index after an erasure");
	int rc = sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
	if (rc != SQLITE_OK) {
		log_warn("database: checkpoint after an erasure: %s", sqlite3_errmsg(db->h));
		return DB_ERR;
	}
	return DB_OK;
}

int
state_inbound_set_person(struct db *db, int64_t id, int64_t person)
{
	static const char sql[] = "UPDATE inbound SET person_id = ?2 WHERE id = ?1";
	sqlite3_stmt *st = db_stmt_int64(db, sql, id);
	if (!st)
		return DB_ERR;
	sqlite3_bind_int64(st, 2, person);
	return db_step_done(db, st);
}
