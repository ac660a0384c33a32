/*
 * db.c - the SQLite connection: open, pragmas, migrations keyed on
 * PRAGMA user_version, transactions, and a cache of prepared statements.
 * Each thread owns its own struct db.  Also the daemon's WAL checkpointer
 * thread (checkpoint.h), which runs on a connection of its own.
 */
#include "state/db_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "state/checkpoint.h"

static void ckpt_attach(struct db *db);

/*
 * Migrations: migrations[i] brings the schema from version i to i+1.  Never
 * edit a released step; append a new one.
 */
/* The profile fields "find alumni" searches (only the visible ones), and a value with the German
 * umlauts written out (Müller -> Mueller), for the index of schema 12. */
#define SEARCHED "('name', 'year', 'field', 'company', 'position', 'city', 'topics', 'languages', 'open_to')"
#define FOLD                                                                                                           \
	"replace(replace(replace(replace(replace(replace(replace(value, 'ä', 'ae'), 'ö', 'oe'), 'ü', 'ue'), 'ß', " \
	"'ss'),"                                                                                                       \
	" 'Ä', 'Ae'), 'Ö', 'Oe'), 'Ü', 'Ue')"

static const char *const migrations[] = {
	/* 0 -> 1: people, endpoints, programmes, memberships, profile, tokens,
	 * inbound journal, outbox, IMAP checkpoint, reply counts, bounces */
	"CREATE TABLE person ("
	"  id INTEGER PRIMARY KEY, lang TEXT, name TEXT, consent_version TEXT, consent_at INTEGER,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE endpoint ("
	"  id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL, address TEXT NOT NULL, verified INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL, UNIQUE(kind, address));"
	"CREATE INDEX endpoint_person ON endpoint(person_id);"
	"CREATE TABLE programme ("
	"  id INTEGER PRIMARY KEY, slug TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
	"  policy TEXT NOT NULL DEFAULT 'open', created INTEGER NOT NULL);"
	"INSERT INTO programme(slug, name, policy, created) VALUES"
	"  ('mentoring', 'Mentoring', 'open', strftime('%s','now')),"
	"  ('alumni', 'Alumni network', 'open', strftime('%s','now'));"
	"CREATE TABLE membership ("
	"  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
	"  programme TEXT NOT NULL, role TEXT NOT NULL, status TEXT NOT NULL,"
	"  since INTEGER NOT NULL, PRIMARY KEY(person_id, programme, role));"
	"CREATE TABLE profile ("
	"  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
	"  field TEXT NOT NULL, value TEXT, visible INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY(person_id, field));"
	"CREATE TABLE token ("
	"  id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, person_id INTEGER,"
	"  ep_kind TEXT, ep_addr TEXT, payload TEXT, lang TEXT, mail_msgid TEXT,"
	"  created INTEGER NOT NULL, expires INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX token_msgid ON token(mail_msgid);"
	"CREATE TABLE inbound ("
	"  id INTEGER PRIMARY KEY, transport TEXT NOT NULL, dedupe TEXT NOT NULL UNIQUE,"
	"  received INTEGER NOT NULL, raw BLOB, status TEXT NOT NULL DEFAULT 'new', reason TEXT,"
	"  attempts INTEGER NOT NULL DEFAULT 0, uidvalidity INTEGER, uid INTEGER,"
	"  moved INTEGER NOT NULL DEFAULT 0, meta TEXT, finished INTEGER);"
	"CREATE INDEX inbound_new ON inbound(status) WHERE status = 'new';"
	"CREATE INDEX inbound_unmoved ON inbound(uidvalidity, uid) WHERE moved = 0;"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY, inbound_id INTEGER, transport TEXT NOT NULL, env_from TEXT,"
	"  rcpt TEXT NOT NULL, message_id TEXT NOT NULL UNIQUE, payload BLOB,"
	"  status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_try INTEGER NOT NULL DEFAULT 0, last_error TEXT, created INTEGER NOT NULL,"
	"  sent_at INTEGER);"
	"CREATE INDEX outbox_due ON outbox(transport, next_try) WHERE status = 'pending';"
	"CREATE TABLE imap_checkpoint ("
	"  folder TEXT PRIMARY KEY, uidvalidity INTEGER NOT NULL, last_uid INTEGER NOT NULL);"
	"CREATE TABLE reply_count ("
	"  address TEXT NOT NULL, day INTEGER NOT NULL, count INTEGER NOT NULL,"
	"  noticed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(address, day));"
	"CREATE TABLE bounce ("
	"  address TEXT PRIMARY KEY, count INTEGER NOT NULL, last_at INTEGER NOT NULL, last_reason TEXT);",
	/* 1 -> 2: small named values of the transports (Matrix next_batch, direct rooms, …) */
	"CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
	/* 2 -> 3: programme settings, and the scheduler's jobs (reminders, deadlines, cascades) */
	"ALTER TABLE programme ADD COLUMN request_days INTEGER NOT NULL DEFAULT 3;"
	"ALTER TABLE programme ADD COLUMN consent_version TEXT NOT NULL DEFAULT '2026-11-1';"
	"ALTER TABLE programme ADD COLUMN questions TEXT NOT NULL"
	"  DEFAULT 'field,topics,languages,goals,availability';"
	"ALTER TABLE programme ADD COLUMN weights TEXT NOT NULL"
	"  DEFAULT 'topics=3,language=2,field=1,availability=1';"
	"CREATE TABLE job ("
	"  id INTEGER PRIMARY KEY, due INTEGER NOT NULL, kind TEXT NOT NULL, ref INTEGER NOT NULL,"
	"  payload TEXT, done INTEGER NOT NULL DEFAULT 0, result TEXT, created INTEGER NOT NULL,"
	"  UNIQUE(kind, ref));"
	"CREATE INDEX job_due ON job(due) WHERE done = 0;",
	/* 3 -> 4: mentoring: the numbered suggestions of "find mentor", requests, matches */
	"CREATE TABLE suggestion ("
	"  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE, n INTEGER NOT NULL,"
	"  mentor_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE, programme TEXT NOT NULL,"
	"  score REAL NOT NULL, created INTEGER NOT NULL, PRIMARY KEY(person_id, n));"
	"CREATE TABLE request ("
	"  id INTEGER PRIMARY KEY, programme TEXT NOT NULL,"
	"  mentee_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
	"  mentor_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
	"  status TEXT NOT NULL DEFAULT 'open', reason TEXT, created INTEGER NOT NULL,"
	"  deadline INTEGER NOT NULL, answered INTEGER, mail_msgid TEXT);"
	"CREATE INDEX request_mentee ON request(mentee_id, status);"
	"CREATE INDEX request_mentor ON request(mentor_id, status);"
	"CREATE INDEX request_msgid ON request(mail_msgid);"
	"CREATE TABLE match ("
	"  id INTEGER PRIMARY KEY, programme TEXT NOT NULL,"
	"  mentee_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
	"  mentor_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
	"  request_id INTEGER, status TEXT NOT NULL DEFAULT 'active', created INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX match_pair ON match(programme, mentee_id) WHERE status = 'active';"
	"CREATE INDEX match_mentor ON match(mentor_id, status);",
	/* 4 -> 5: mentoring sessions (proposed, confirmed with calendar invitations, held, cancelled) */
	"CREATE TABLE session ("
	"  id INTEGER PRIMARY KEY, match_id INTEGER NOT NULL REFERENCES match(id) ON DELETE CASCADE,"
	"  proposer_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
	"  start INTEGER NOT NULL, minutes INTEGER NOT NULL, place TEXT,"
	"  status TEXT NOT NULL DEFAULT 'proposed', uid TEXT NOT NULL UNIQUE, sequence INTEGER NOT NULL DEFAULT 0,"
	"  logged_minutes INTEGER, note TEXT, mail_msgid TEXT, prompt_msgid TEXT,"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL);"
	"CREATE INDEX session_match ON session(match_id, status);"
	"CREATE INDEX session_msgid ON session(mail_msgid);",
	/* 5 -> 6: applications (the fill-in form, approval), offers of the whole-cohort matching */
	"CREATE TABLE application ("
	"  id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
	"  programme TEXT NOT NULL, role TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'incomplete',"
	"  form_msgid TEXT, form_sent TEXT, created INTEGER NOT NULL, completed INTEGER,"
	"  decided INTEGER, decided_by TEXT, reason TEXT, UNIQUE(person_id, programme, role));"
	"CREATE INDEX application_msgid ON application(form_msgid);"
	"CREATE INDEX application_status ON application(status);"
	"ALTER TABLE request ADD COLUMN origin TEXT NOT NULL DEFAULT 'mentee';"
	"ALTER TABLE request ADD COLUMN mentee_ok INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE request ADD COLUMN mentor_ok INTEGER NOT NULL DEFAULT 0;",
	/* 6 -> 7: events, their invitations (one mail per person) and the answers (one per person) */
	"CREATE TABLE event ("
	"  id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, sequence INTEGER NOT NULL DEFAULT 0,"
	"  title TEXT NOT NULL, description TEXT, start INTEGER NOT NULL, end INTEGER NOT NULL,"
	"  place TEXT, url TEXT, capacity INTEGER NOT NULL DEFAULT 0, guests INTEGER NOT NULL DEFAULT 0,"
	"  audience TEXT NOT NULL DEFAULT 'all', public INTEGER NOT NULL DEFAULT 0,"
	"  claim_hours INTEGER NOT NULL DEFAULT 0, remind_hours INTEGER NOT NULL DEFAULT 24,"
	"  status TEXT NOT NULL DEFAULT 'draft', token TEXT NOT NULL UNIQUE, created_by TEXT,"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL, announced INTEGER);"
	"CREATE INDEX event_status ON event(status, start);"
	"CREATE TABLE invitation ("
	"  event_id INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,"
	"  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
	"  address TEXT NOT NULL, msgid TEXT, sequence INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL,"
	"  PRIMARY KEY(event_id, person_id));"
	"CREATE INDEX invitation_msgid ON invitation(msgid);"
	"CREATE TABLE rsvp ("
	"  event_id INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,"
	"  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
	"  answer TEXT NOT NULL, status TEXT NOT NULL, guests INTEGER NOT NULL DEFAULT 0, comment TEXT,"
	"  via TEXT NOT NULL, itip_seq INTEGER, queued INTEGER, claim_until INTEGER, attended INTEGER,"
	"  updated INTEGER NOT NULL, PRIMARY KEY(event_id, person_id));"
	"CREATE INDEX rsvp_status ON rsvp(event_id, status, queued);",
	/* 7 -> 8: the sender takes due rows in id order from an index of the pending ones, without
	 * sorting their payloads (a 1,000-mail announcement sorted 10 MB per batch) */
	"CREATE INDEX outbox_pending ON outbox(transport, id, next_try) WHERE status = 'pending';",
	/* 8 -> 9: each outbox row says what it is and how it is paced (state.h), instead of the
	 * senders reading that from Message-ID prefixes.  Existing rows are classified once by the
	 * rule the senders used: "ev<digit>" mail was paced by announce_rate, "post." room messages
	 * by post_interval.  Other rows without a journal entry were queued by jobs or the CLI. */
	"ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'reply';"
	"ALTER TABLE outbox ADD COLUMN pacing TEXT;"
	"UPDATE outbox SET kind = 'invite', pacing = CASE WHEN transport = 'mail' THEN 'announce' END"
	"  WHERE message_id GLOB 'ev[0-9]*';"
	"UPDATE outbox SET kind = 'post', pacing = CASE WHEN transport IN ('xmpp', 'matrix') THEN 'room' END"
	"  WHERE message_id GLOB 'post.*';"
	"UPDATE outbox SET kind = 'notice' WHERE kind = 'reply' AND inbound_id IS NULL;",
	/* 9 -> 10: a chat row stores its message type as a column and its text as the payload,
	 * instead of the JSON {"to", "type", "body"} the senders parsed again ("to" was always the
	 * rcpt column).  Existing chat rows are converted once (JSON1 is built into SQLite >= 3.38);
	 * the payload is a BLOB, read as text because SQLite >= 3.45 takes a BLOB for binary JSONB. */
	"ALTER TABLE outbox ADD COLUMN chat_type TEXT;"
	"UPDATE outbox SET chat_type = json_extract(CAST(payload AS TEXT), '$.type'),"
	"  payload = json_extract(CAST(payload AS TEXT), '$.body')"
	"  WHERE transport IN ('xmpp', 'matrix') AND json_valid(CAST(payload AS TEXT));",
	/* 10 -> 11: privacy (DSGVO/GDPR).  Consent events, never changed (an erasure deletes them
	 * and counts them in tally); the staff audit log, never deleted and only redacted (actor,
	 * person, detail) by an erasure; anonymous counters that outlive erased people; the
	 * stand-in person an erasure leaves behind (erased = when); the sender of each journal row
	 * once known, so that export and erasure find a person's messages; bounces one by one (VERP),
	 * and the addresses marked undeliverable by a hard bounce or repeated soft ones. */
	"CREATE TABLE consent ("
	"  id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
	"  purpose TEXT NOT NULL, version TEXT NOT NULL, channel TEXT NOT NULL,"
	"  action TEXT NOT NULL CHECK (action IN ('given', 'withdrawn')), at INTEGER NOT NULL, source TEXT);"
	"CREATE INDEX consent_person ON consent(person_id, purpose, id);"
	"CREATE TRIGGER consent_never_changed BEFORE UPDATE ON consent"
	"  BEGIN SELECT RAISE(ABORT, 'consent records are never changed'); END;"
	/* members from before the record: their consent as person.consent_version says, for every
	 * programme they are in, so that a later version asks them too (channel unknown) */
	"INSERT INTO consent(person_id, purpose, version, channel, action, at, source)"
	"  SELECT m.person_id, m.programme, p.consent_version, 'unknown', 'given', coalesce(p.consent_at, m.since),"
	"  'schema 11' FROM membership m JOIN person p ON p.id = m.person_id"
	"  WHERE m.status != 'left' AND p.consent_version IS NOT NULL GROUP BY m.person_id, m.programme;"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT, actor_id INTEGER, channel TEXT NOT NULL,"
	"  action TEXT NOT NULL, subject TEXT, person_id INTEGER, detail TEXT);"
	"CREATE INDEX audit_at ON audit(at);"
	"CREATE INDEX audit_actor ON audit(actor_id) WHERE actor_id IS NOT NULL;"
	"CREATE INDEX audit_person ON audit(person_id) WHERE person_id IS NOT NULL;"
	"CREATE TRIGGER audit_never_deleted BEFORE DELETE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	"CREATE TRIGGER audit_fact_kept BEFORE UPDATE OF id, at, channel, action, subject ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	"CREATE TABLE tally (name TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0);"
	"ALTER TABLE person ADD COLUMN erased INTEGER;"
	"ALTER TABLE inbound ADD COLUMN person_id INTEGER;"
	"CREATE INDEX inbound_person ON inbound(person_id) WHERE person_id IS NOT NULL;"
	"CREATE TABLE bounce_event ("
	"  id INTEGER PRIMARY KEY, address TEXT NOT NULL, at INTEGER NOT NULL, status TEXT,"
	"  hard INTEGER NOT NULL DEFAULT 0, outbox_id INTEGER, reason TEXT);"
	"CREATE INDEX bounce_event_address ON bounce_event(address, at);"
	"CREATE TABLE undeliverable ("
	"  address TEXT PRIMARY KEY, since INTEGER NOT NULL, status TEXT, reason TEXT);",
	/* 11 -> 12: the alumni and company network.  Invitations of an import (one per address,
	 * programme and role: a second run of the same list changes nothing; the profile data of
	 * the row waits in data until its person confirms); the numbered hits of "find alumni";
	 * contact requests (to an alumnus, or to a company contact about an offer: addresses are
	 * exchanged only when the receiver says yes); companies, their contacts (approved by staff)
	 * and their offers (approved by staff, then posted, expired at the deadline).  alumni_fts
	 * holds each person's visible, searchable profile values, kept by triggers on profile, in
	 * both spellings of the German umlauts (ä and ae) so that either finds them. */
	"CREATE TABLE import_invite ("
	"  id INTEGER PRIMARY KEY, programme TEXT NOT NULL, role TEXT NOT NULL, address TEXT NOT NULL,"
	"  name TEXT, data TEXT, source TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'invited',"
	"  person_id INTEGER REFERENCES person(id) ON DELETE SET NULL, mail_msgid TEXT,"
	"  created INTEGER NOT NULL, answered INTEGER, UNIQUE(programme, role, address));"
	"CREATE INDEX import_invite_person ON import_invite(person_id) WHERE person_id IS NOT NULL;"
	"CREATE TABLE alumni_hit ("
	"  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE, n INTEGER NOT NULL,"
	"  alumnus_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE, created INTEGER NOT NULL,"
	"  PRIMARY KEY(person_id, n));"
	"CREATE TABLE company ("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL, folded TEXT NOT NULL UNIQUE,"
	"  status TEXT NOT NULL DEFAULT 'pending', created INTEGER NOT NULL);"
	"CREATE TABLE company_contact ("
	"  company_id INTEGER NOT NULL REFERENCES company(id) ON DELETE CASCADE,"
	"  person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
	"  status TEXT NOT NULL DEFAULT 'pending', notice_msgid TEXT, created INTEGER NOT NULL,"
	"  decided INTEGER, decided_by TEXT, PRIMARY KEY(company_id, person_id));"
	"CREATE INDEX company_contact_person ON company_contact(person_id);"
	"CREATE INDEX company_contact_msgid ON company_contact(notice_msgid);"
	"CREATE TABLE offer ("
	"  id INTEGER PRIMARY KEY, company_id INTEGER NOT NULL REFERENCES company(id),"
	"  person_id INTEGER REFERENCES person(id) ON DELETE SET NULL,"
	"  kind TEXT NOT NULL, title TEXT NOT NULL, description TEXT, location TEXT, remote TEXT,"
	"  start TEXT, deadline INTEGER, link TEXT, contact TEXT, lang TEXT,"
	"  status TEXT NOT NULL DEFAULT 'pending', notice_msgid TEXT, created INTEGER NOT NULL,"
	"  decided INTEGER, decided_by TEXT, reason TEXT, posted INTEGER, closed INTEGER);"
	"CREATE INDEX offer_status ON offer(status, deadline);"
	"CREATE INDEX offer_person ON offer(person_id);"
	"CREATE INDEX offer_msgid ON offer(notice_msgid);"
	"CREATE TABLE contact_request ("
	"  id INTEGER PRIMARY KEY, asker_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
	"  to_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,"
	"  offer_id INTEGER REFERENCES offer(id) ON DELETE CASCADE, message TEXT,"
	"  status TEXT NOT NULL DEFAULT 'open', created INTEGER NOT NULL, answered INTEGER, mail_msgid TEXT);"
	"CREATE INDEX contact_request_asker ON contact_request(asker_id, created);"
	"CREATE INDEX contact_request_to ON contact_request(to_id, status);"
	"CREATE INDEX contact_request_msgid ON contact_request(mail_msgid);"
	"CREATE VIRTUAL TABLE alumni_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');"
	"CREATE TRIGGER alumni_fts_insert AFTER INSERT ON profile BEGIN"
	"  DELETE FROM alumni_fts WHERE rowid = NEW.person_id;"
	"  INSERT INTO alumni_fts(rowid, body) SELECT NEW.person_id, group_concat(value || ' ' || " FOLD ", ' ')"
	"  FROM profile WHERE person_id = NEW.person_id AND visible = 1 AND value != '' AND field IN " SEARCHED
	"  HAVING count(*) > 0;"
	"  END;"
	"CREATE TRIGGER alumni_fts_update AFTER UPDATE ON profile BEGIN"
	"  DELETE FROM alumni_fts WHERE rowid = NEW.person_id;"
	"  INSERT INTO alumni_fts(rowid, body) SELECT NEW.person_id, group_concat(value || ' ' || " FOLD ", ' ')"
	"  FROM profile WHERE person_id = NEW.person_id AND visible = 1 AND value != '' AND field IN " SEARCHED
	"  HAVING count(*) > 0;"
	"  END;"
	"CREATE TRIGGER alumni_fts_delete AFTER DELETE ON profile BEGIN"
	"  DELETE FROM alumni_fts WHERE rowid = OLD.person_id;"
	"  INSERT INTO alumni_fts(rowid, body) SELECT OLD.person_id, group_concat(value || ' ' || " FOLD ", ' ')"
	"  FROM profile WHERE person_id = OLD.person_id AND visible = 1 AND value != '' AND field IN " SEARCHED
	"  HAVING count(*) > 0;"
	"  END;"
	"INSERT INTO alumni_fts(rowid, body) SELECT person_id, group_concat(value || ' ' || " FOLD ", ' ')"
	"  FROM profile WHERE visible = 1 AND value != '' AND field IN " SEARCHED " GROUP BY person_id;",
	/* 12 -> 13: social posts (state/social.h): one row per item and channel, queued with its
	 * outbox row in the same transaction; the post's record key is fixed then (a retry after a
	 * crash cannot post twice), its address and URL written when the network took it. */
	"CREATE TABLE social_post ("
	"  id INTEGER PRIMARY KEY, channel TEXT NOT NULL, item_kind TEXT NOT NULL, item_id INTEGER NOT NULL,"
	"  outbox_id INTEGER, rkey TEXT NOT NULL, uri TEXT, cid TEXT, url TEXT,"
	"  status TEXT NOT NULL DEFAULT 'queued', error TEXT, created INTEGER NOT NULL, posted_at INTEGER,"
	"  UNIQUE(channel, item_kind, item_id));",
	/* 13 -> 14: programme calls (one row per opening: the item posted on the social channels),
	 * hashtags of a programme's and an event's posts, and the changes of a social post (an edit
	 * or reply, a delete), each its own outbox row with a key fixed at queue time. */
	"CREATE TABLE programme_call ("
	"  id INTEGER PRIMARY KEY, programme_id INTEGER NOT NULL REFERENCES programme(id) ON DELETE CASCADE,"
	"  until INTEGER, opened INTEGER NOT NULL, closed INTEGER, opened_by TEXT);"
	"CREATE INDEX programme_call_open ON programme_call(programme_id) WHERE closed IS NULL;"
	"ALTER TABLE programme ADD COLUMN hashtags TEXT;"
	"ALTER TABLE event ADD COLUMN hashtags TEXT;"
	"ALTER TABLE social_post ADD COLUMN changed INTEGER;"
	"CREATE TABLE social_change ("
	"  id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL REFERENCES social_post(id) ON DELETE CASCADE,"
	"  op TEXT NOT NULL, n INTEGER NOT NULL, rkey TEXT NOT NULL, outbox_id INTEGER,"
	"  status TEXT NOT NULL DEFAULT 'queued', uri TEXT, url TEXT, error TEXT, created INTEGER NOT NULL,"
	"  done_at INTEGER, UNIQUE(post_id, n));"
	"CREATE INDEX social_change_outbox ON social_change(outbox_id);",
};

int
db_schema_version(struct db *db)
{
	sqlite3_stmt *st;
	int v = -1;
	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int
db_exec(struct db *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_err("database: %s", msg ? msg : sqlite3_errmsg(db->h));
		sqlite3_free(msg);
		return DB_ERR;
	}
	return DB_OK;
}

static int
db_migrate(struct db *db)
{
	int v = db_schema_version(db);
	int target = (int)ARRAY_LEN(migrations);
	if (v < 0)
		return DB_ERR;
	if (v > target) {
		log_err("database schema version %d is newer than this mentorbot (%d)", v, target);
		return DB_ERR;
	}
	while (v < target) {
		if (db_exec(db, "BEGIN IMMEDIATE") < 0)
			return DB_ERR;
		/* another process (the daemon and a CLI command started at once) may have migrated
		 * while this one waited for the write lock: read the version again under it */
		if ((v = db_schema_version(db)) < 0 || v >= target) {
			if (db_exec(db, v < 0 ? "ROLLBACK" : "COMMIT") < 0 || v < 0)
				return DB_ERR;
			break;
		}
		char pragma[64];
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
		if (db_exec(db, migrations[v]) < 0 || db_exec(db, pragma) < 0) {
			db_exec(db, "ROLLBACK");
			return DB_ERR;
		}
		if (db_exec(db, "COMMIT") < 0)
			return DB_ERR;
		log_info("database migrated to schema version %d", ++v);
	}
	return DB_OK;
}

static int64_t
db_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Wait for a lock another thread holds, for up to 10 s.  SQLite's own busy_timeout sleeps 1, 2,
 * 5, 10, ... ms between tries, so a commit that meets another thread's commit (held for a
 * fraction of a millisecond, or one fsync) waited at least a millisecond and often 3 or 8.
 * Short naps first, longer ones once the wait is long.
 */
static int
db_busy(void *ud, int tries)
{
	struct db *db = ud;
	int64_t now = db_mono_us();
	if (tries == 0)
		db->busy_since_us = now;
	int64_t waited = now - db->busy_since_us;
	if (waited >= 10 * 1000000)
		return 0;
	long nap_us = waited < 2000 ? 50 : waited < 50000 ? 500 : 5000;
	struct timespec ts = {0, nap_us * 1000};
	nanosleep(&ts, NULL);
	return 1;
}

/* Switch to WAL.  On a new file another process (the daemon and a CLI command started at once) may
 * hold the lock the switch needs, and SQLite answers "locked" without asking the busy handler:
 * wait for it as the busy handler would (up to 10 s). */
static int
db_wal_mode(struct db *db)
{
	for (int tries = 0;; tries++) {
		int rc = sqlite3_exec(db->h, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return DB_OK;
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			break;
		if (!db_busy(db, tries))
			break;
	}
	log_err("database: %s", sqlite3_errmsg(db->h));
	return DB_ERR;
}

int
db_open(struct db **out, const char *path)
{
	struct db *db = xcalloc(1, sizeof *db);
	*out = NULL;
	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		log_err("cannot open database %s: %s", path, db->h ? sqlite3_errmsg(db->h) : "out of memory");
		goto fail;
	}
	sqlite3_busy_handler(db->h, db_busy, db);
	/* WAL + FULL: a commit is on disk when db_commit returns; readers never block the writer. */
	if (db_wal_mode(db) < 0 || db_exec(db, "PRAGMA synchronous = FULL") < 0 ||
	    db_exec(db, "PRAGMA foreign_keys = ON") < 0 ||
	    /* freed pages are zeroed: an erased person's rows do not live on in the file (privacy.h) */
	    db_exec(db, "PRAGMA secure_delete = ON") < 0 ||
	    /* 512 KiB of page cache per connection (one per thread): the kernel caches the file anyway */
	    db_exec(db, "PRAGMA cache_size = -512") < 0)
		goto fail;
	if (db_migrate(db) < 0)
		goto fail;
	ckpt_attach(db);
	*out = db;
	return DB_OK;
fail:
	db_close(db);
	return DB_ERR;
}

void
db_close(struct db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->nstmts; i++)
		sqlite3_finalize(db->stmts[i].st);
	free(db->stmts);
	sqlite3_close(db->h);
	free(db);
}

int
db_sync_normal(struct db *db)
{
	return db_exec(db, "PRAGMA synchronous = NORMAL");
}

int
db_savepoint(struct db *db)
{
	return db_exec(db, "SAVEPOINT cmd");
}

int
db_release(struct db *db)
{
	return db_exec(db, "RELEASE cmd");
}

void
db_rollback_savepoint(struct db *db)
{
	db_exec(db, "ROLLBACK TO cmd");
	db_exec(db, "RELEASE cmd");
}

int
db_begin(struct db *db)
{
	return db_exec(db, "BEGIN IMMEDIATE");
}

int
db_commit(struct db *db)
{
	return db_exec(db, "COMMIT");
}

void
db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		db_exec(db, "ROLLBACK");
}

int
db_txn(struct db *db, int (*fn)(struct db *db, void *ud), void *ud)
{
	int rc = db_begin(db);
	if (rc != DB_OK)
		return DB_ERR;
	rc = fn(db, ud);
	if (db_failed(rc) || db_commit(db) != DB_OK) {
		db_rollback(db);
		return db_failed(rc) ? rc : DB_ERR;
	}
	return rc;
}

int64_t
db_total_changes(struct db *db)
{
	return (int64_t)sqlite3_total_changes64(db->h);
}

sqlite3_stmt *
db_stmt(struct db *db, const char *sql)
{
	/* Statements are keyed by the address of their (static) SQL text. */
	for (size_t i = 0; i < db->nstmts; i++)
		if (db->stmts[i].sql == sql) {
			sqlite3_reset(db->stmts[i].st);
			sqlite3_clear_bindings(db->stmts[i].st);
			return db->stmts[i].st;
		}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		log_err("database: cannot prepare statement: %s", sqlite3_errmsg(db->h));
		return NULL;
	}
	db->stmts = xrealloc(db->stmts, (db->nstmts + 1) * sizeof *db->stmts);
	db->stmts[db->nstmts].sql = sql;
	db->stmts[db->nstmts].st = st;
	db->nstmts++;
	return st;
}

int
db_step_done(struct db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	int ext = sqlite3_extended_errcode(db->h);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return DB_OK;
	if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
		log_debug("database: %s", sqlite3_errmsg(db->h));
		return DB_EXISTS; /* "already there": the statement changed nothing */
	}
	log_err("database: %s", sqlite3_errmsg(db->h));
	return DB_ERR;
}

char *
db_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? xstrdup((const char *)t) : NULL;
}

/* ---- the WAL checkpointer (checkpoint.h) ---- */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	int running; /* connections opened now hand their checkpoints to the thread */
	int stop;
	struct db *db; /* the thread's own connection */
	struct db_checkpoint_limits lim;
	int frames;       /* WAL pages after the latest commit seen by the hook */
	int backfilled;   /* of those, already copied by the last complete checkpoint */
	uint64_t commits; /* commits seen by the hook */
	int64_t last_commit_ms;
	int64_t restart_retry_ms; /* no RESTART in a commit before then (one just failed) */
	struct db_checkpoint_stats stats;
} ck = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

/*
 * Runs in the committing thread right after its commit (write lock released): only note the
 * WAL's length and wake the checkpointer when it is long.  Installing it switches the
 * connection's automatic checkpoint off (SQLite's is a wal hook too).
 */
static int
ckpt_wal_hook(void *ud, sqlite3 *h, const char *name, int frames)
{
	(void)ud;
	(void)name;
	int64_t now = mono_ms();
	pthread_mutex_lock(&ck.lock);
	int was = ck.frames - ck.backfilled;
	if (frames < ck.frames)
		ck.backfilled = 0; /* the WAL restarted from its beginning */
	ck.frames = frames;
	ck.commits++;
	ck.last_commit_ms = now;
	/* the first commit after a quiet spell starts the idle timer; a long WAL is due at once */
	if (was <= 0 || frames - ck.backfilled >= ck.lim.busy_frames)
		pthread_cond_signal(&ck.cond);
	int overdue = frames > ck.lim.max_frames && now >= ck.restart_retry_ms;
	if (overdue)
		ck.stats.restart++;
	pthread_mutex_unlock(&ck.lock);
	/*
	 * The bound.  A WAL starts anew only when a writer finds every page of it copied, which
	 * commits during each passive checkpoint (or a reader) can keep from happening.  This
	 * connection copies the rest (the thread has copied most) and waits for readers (its
	 * busy handler); its next commit writes the WAL from the beginning.  The thread stays
	 * out meanwhile; if it was still copying (the checkpoint lock), the next commit tries
	 * again.  After a long failure (a reader for 10 s) the commits go on without for a second.
	 */
	if (overdue && sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL) != SQLITE_OK &&
	    mono_ms() - now > 100) {
		pthread_mutex_lock(&ck.lock);
		ck.restart_retry_ms = mono_ms() + 1000;
		pthread_mutex_unlock(&ck.lock);
	}
	return SQLITE_OK;
}

static void
ckpt_attach(struct db *db)
{
	pthread_mutex_lock(&ck.lock);
	if (ck.running) {
		sqlite3_wal_hook(db->h, ckpt_wal_hook, NULL);
		char pragma[64];
		snprintf(pragma, sizeof pragma, "PRAGMA journal_size_limit = %lld",
			 (long long)ck.lim.max_frames * 4096);
		db_exec(db, pragma);
	}
	pthread_mutex_unlock(&ck.lock);
}

static void
ckpt_wait_until(int64_t deadline_ms)
{
	/* ck.lock held */
	int64_t left = deadline_ms - mono_ms();
	if (left <= 0)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += left / 1000;
	ts.tv_nsec += (left % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&ck.cond, &ck.lock, &ts);
}

/* One checkpoint; ck.lock not held.  Returns 1 when every page of the WAL was copied. */
static int
ckpt_run(void)
{
	int log = 0, done = 0;
	pthread_mutex_lock(&ck.lock);
	uint64_t seen = ck.commits;
	pthread_mutex_unlock(&ck.lock);
	int rc = sqlite3_wal_checkpoint_v2(ck.db->h, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		log_warn("database: checkpoint: %s", sqlite3_errmsg(ck.db->h));
	pthread_mutex_lock(&ck.lock);
	ck.stats.passive++;
	if (log > ck.stats.max_wal_frames)
		ck.stats.max_wal_frames = log;
	int complete = rc == SQLITE_OK && done >= log;
	if (!complete)
		ck.stats.incomplete++;
	else if (ck.commits == seen)
		ck.backfilled = ck.frames; /* all we know of is copied (other processes' frames too) */
	else if (ck.frames >= log)
		ck.backfilled = log; /* commits since, on the same WAL; else it restarted (hook) */
	pthread_mutex_unlock(&ck.lock);
	return complete;
}

static void *
ckpt_main(void *arg)
{
	(void)arg;
	int catch_up = 0;
	pthread_mutex_lock(&ck.lock);
	while (!ck.stop) {
		int pending = ck.frames - ck.backfilled;
		if (pending <= 0) {
			catch_up = 0;
			pthread_cond_wait(&ck.cond, &ck.lock);
			continue;
		}
		if (ck.frames > ck.lim.max_frames) {
			/* the commits restart it themselves (hook): leave them the checkpoint lock */
			ckpt_wait_until(mono_ms() + 100);
			continue;
		}
		int64_t quiet_at = ck.last_commit_ms + ck.lim.idle_ms;
		if (pending < ck.lim.busy_frames && mono_ms() < quiet_at && !catch_up) {
			ckpt_wait_until(quiet_at);
			continue;
		}
		int was_catching_up = catch_up > 0;
		pthread_mutex_unlock(&ck.lock);
		int complete = ckpt_run();
		pthread_mutex_lock(&ck.lock);
		if (!complete && !ck.stop) {
			catch_up = 0;
			ckpt_wait_until(mono_ms() + 100); /* a reader still uses the old pages: not in a loop */
		} else if (was_catching_up) {
			catch_up--;
		} else if (ck.frames - ck.backfilled > 0 && ck.frames - ck.backfilled < ck.lim.busy_frames / 4) {
			/* Commits came in while it copied.  The WAL starts anew (and stays short) only
			 * if a writer finds all of it copied: copy those few pages at once, a few
			 * times, to find a gap between the commits. */
			catch_up = 3;
		}
	}
	pthread_mutex_unlock(&ck.lock);
	return NULL;
}

int
db_checkpointer_start(const char *path, const struct db_checkpoint_limits *limits)
{
	struct db *db;
	if (ck.running)
		return 0;
	if (db_open(&db, path) < 0)
		return -1;
	pthread_mutex_lock(&ck.lock);
	ck.db = db;
	ck.lim.busy_frames = limits && limits->busy_frames > 0 ? limits->busy_frames : 1000;
	ck.lim.idle_ms = limits && limits->idle_ms > 0 ? limits->idle_ms : 50;
	ck.lim.max_frames = limits && limits->max_frames > 0 ? limits->max_frames : 16384;
	ck.stop = 0;
	ck.frames = ck.backfilled = 0;
	ck.commits = 0;
	ck.restart_retry_ms = 0;
	memset(&ck.stats, 0, sizeof ck.stats);
	int err = pthread_create(&ck.thread, NULL, ckpt_main, NULL);
	if (err == 0)
		ck.running = 1;
	pthread_mutex_unlock(&ck.lock);
	if (err != 0) {
		log_err("database: cannot start the checkpointer: %s", strerror(err));
		db_close(db);
		ck.db = NULL;
		return -1;
	}
	return 0;
}

void
db_checkpointer_stop(void)
{
	pthread_mutex_lock(&ck.lock);
	if (!ck.running) {
		pthread_mutex_unlock(&ck.lock);
		return;
	}
	ck.stop = 1;
	ck.running = 0;
	pthread_cond_signal(&ck.cond);
	pthread_mutex_unlock(&ck.lock);
	pthread_join(ck.thread, NULL);
	ckpt_run();
	log_info("database: %llu checkpoints off the command path (%llu incomplete), %llu in a commit past the bound, "
		 "longest WAL %d pages",
		 (unsigned long long)ck.stats.passive, (unsigned long long)ck.stats.incomplete,
		 (unsigned long long)ck.stats.restart, ck.stats.max_wal_frames);
	db_close(ck.db);
	ck.db = NULL;
}

void
db_checkpointer_stats(struct db_checkpoint_stats *out)
{
	pthread_mutex_lock(&ck.lock);
	*out = ck.stats;
	pthread_mutex_unlock(&ck.lock);
}
