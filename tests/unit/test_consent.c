/*
 * test_consent.c - consent events are appended and never changed; a person's current consent
 * is the latest event per purpose; a given consent of an older version than the programme's
 * is outdated for an active member only, and a new "given" row settles it.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/util.h"
#include "state/consent.h"
#include "state/state.h"
#include "t.h"

static char path[64];

static struct db *
fresh(void)
{
	snprintf(path, sizeof path, "/tmp/mentorbot-test-consent-%d.db", (int)getpid());
	unlink(path);
	struct db *db = NULL;
	CHECK(db_open(&db, path) == DB_OK);
	return db;
}

static int
raw_sql(const char *q)
{
	sqlite3 *h;
	if (sqlite3_open(path, &h) != SQLITE_OK)
		return -1;
	int rc = sqlite3_exec(h, q, NULL, NULL, NULL);
	sqlite3_close(h);
	return rc == SQLITE_OK ? 0 : -1;
}

static void
set_version(struct db *db, const char *slug, const char *v)
{
	struct programme p = {0};
	p.slug = (char *)slug;
	p.consent_version = (char *)v;
	CHECK(db_begin(db) == DB_OK);
	CHECK(state_programme_put(db, &p) == DB_OK);
	CHECK(db_commit(db) == DB_OK);
}

static void
latest_event_per_purpose_is_current(void)
{
	struct db *db = fresh();
	int64_t pid;
	CHECK(db_begin(db) == DB_OK);
	CHECK(state_person_create(db, "de", &pid) == DB_OK);
	CHECK(consent_add(db, pid, "mentoring", "v1", "mail", "given", "join") == DB_OK);
	CHECK(consent_add(db, pid, "alumni", "v1", "xmpp", "given", "join") == DB_OK);
	CHECK(consent_add(db, pid, "mentoring", "v1", "mail", "withdrawn", "leave") == DB_OK);
	CHECK(consent_add(db, pid, "alumni", "v2", "matrix", "given", "agree") == DB_OK);
	CHECK(db_commit(db) == DB_OK);
	struct consent *cs;
	size_t n;
	CHECK(consent_current(db, pid, &cs, &n) == DB_OK);
	CHECK(n == 2);
	if (n == 2) {
		CHECK_STR(cs[0].purpose, "alumni");
		CHECK_STR(cs[0].version, "v2");
		CHECK_STR(cs[0].channel, "matrix");
		CHECK_STR(cs[0].action, "given");
		CHECK_STR(cs[1].purpose, "mentoring");
		CHECK_STR(cs[1].action, "withdrawn");
		CHECK(cs[1].at > 0);
	}
	consents_free(cs, n);
	/* someone else has none */
	CHECK(consent_current(db, pid + 1, &cs, &n) == DB_OK);
	CHECK(n == 0);
	consents_free(cs, n);
	db_close(db);
	unlink(path);
}

static void
consent_rows_are_never_changed(void)
{
	struct db *db = fresh();
	int64_t pid;
	CHECK(db_begin(db) == DB_OK);
	CHECK(state_person_create(db, "en", &pid) == DB_OK);
	CHECK(consent_add(db, pid, "mentoring", "v1", "mail", "given", NULL) == DB_OK);
	CHECK(db_commit(db) == DB_OK);
	CHECK(raw_sql("UPDATE consent SET version = 'v9'") != 0);
	CHECK(raw_sql("UPDATE consent SET action = 'withdrawn'") != 0);
	/* a bad action is refused too */
	CHECK(db_begin(db) == DB_OK);
	CHECK(db_failed(consent_add(db, pid, "mentoring", "v1", "mail", "maybe", NULL)));
	db_rollback(db);
	struct consent *cs;
	size_t n;
	CHECK(consent_current(db, pid, &cs, &n) == DB_OK);
	CHECK(n == 1 && strcmp(cs[0].version, "v1") == 0 && strcmp(cs[0].action, "given") == 0);
	consents_free(cs, n);
	db_close(db);
	unlink(path);
}

static void
an_older_version_is_outdated_for_members_until_given_again(void)
{
	struct db *db = fresh();
	int64_t pid;
	set_version(db, "mentoring", "v1");
	CHECK(db_begin(db) == DB_OK);
	CHECK(state_person_create(db, "de", &pid) == DB_OK);
	CHECK(state_membership_set(db, pid, "mentoring", "mentee", "active") == DB_OK);
	CHECK(consent_add(db, pid, "mentoring", "v1", "mail", "given", NULL) == DB_OK);
	CHECK(db_commit(db) == DB_OK);
	struct consent *cs;
	size_t n;
	CHECK(consent_outdated(db, pid, &cs, &n) == DB_OK);
	CHECK(n == 0);
	consents_free(cs, n);
	set_version(db, "mentoring", "v2");
	CHECK(consent_outdated(db, pid, &cs, &n) == DB_OK);
	CHECK(n == 1 && strcmp(cs[0].purpose, "mentoring") == 0 && strcmp(cs[0].version, "v2") == 0);
	consents_free(cs, n);
	/* agreeing appends a given row of the new version */
	CHECK(db_begin(db) == DB_OK);
	CHECK(consent_add(db, pid, "mentoring", "v2", "xmpp", "given", "agree") == DB_OK);
	CHECK(db_commit(db) == DB_OK);
	CHECK(consent_outdated(db, pid, &cs, &n) == DB_OK);
	CHECK(n == 0);
	consents_free(cs, n);
	/* a member who left is not asked */
	set_version(db, "mentoring", "v3");
	int changed = 0;
	CHECK(db_begin(db) == DB_OK);
	CHECK(state_membership_leave(db, pid, "mentoring", &changed) == DB_OK);
	CHECK(db_commit(db) == DB_OK);
	CHECK(consent_outdated(db, pid, &cs, &n) == DB_OK);
	CHECK(n == 0);
	consents_free(cs, n);
	db_close(db);
	unlink(path);
}

int
main(void)
{
	RUN(latest_event_per_purpose_is_current);
	RUN(consent_rows_are_never_changed);
	RUN(an_older_version_is_outdated_for_members_until_given_again);
	return t_done();
}
