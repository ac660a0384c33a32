/*
 * test_import.c - the import's invitations (state/imports.c): one per programme, role and
 * address (a second add changes nothing), read back, confirmed; who counts as a member
 * already; and the network figures and exports (state/reports.c) over them.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/util.h"
#include "state/imports.h"
#include "state/reports.h"
#include "state/state.h"
#include "t.h"

static char path[64];

static struct db *
fresh(void)
{
	snprintf(path, sizeof path, "/tmp/mentorbot-test-import-%d.db", (int)getpid());
	unlink(path);
	struct db *db = NULL;
	CHECK(db_open(&db, path) == DB_OK);
	return db;
}

static void
invite_once_per_programme_role_address(void)
{
	struct db *db = fresh();
	int64_t a = 0, b = 0;
	CHECK(db_begin(db) == DB_OK);
	CHECK(import_invite_add(db, "alumni", "alumnus", "a@x.de", "Anna", "{\"year\":\"2015\"}", "l.csv 2026-12-03",
				&a) == DB_OK);
	CHECK(import_invite_add(db, "alumni", "alumnus", "a@x.de", "Anna B", NULL, "m.csv", &b) == DB_EXISTS);
	CHECK(import_invite_add(db, "alumni", "mentor", "a@x.de", "Anna", NULL, "m.csv", &b) == DB_OK);
	CHECK(a > 0 && b > a);
	CHECK(import_invite_exists(db, "alumni", "alumnus", "a@x.de") == DB_OK);
	CHECK(import_invite_exists(db, "alumni", "alumnus", "b@x.de") == DB_NOTFOUND);
	CHECK(import_invite_exists(db, "mentoring", "alumnus", "a@x.de") == DB_NOTFOUND);
	CHECK(db_commit(db) == DB_OK);
	struct import_invite v;
	CHECK(import_invite_get(db, a, &v) == DB_OK);
	CHECK_STR(v.name, "Anna");
	CHECK_STR(v.source, "l.csv 2026-12-03");
	CHECK_STR(v.status, "invited");
	CHECK(v.person_id == 0);
	import_invite_free(&v);
	CHECK(import_invite_get(db, 999, &v) == DB_NOTFOUND);
	import_invite_free(&v);
	db_close(db);
	unlink(path);
}

static void
confirmed_names_its_person(void)
{
	struct db *db = fresh();
	int64_t id = 0, pid = 0;
	CHECK(db_begin(db) == DB_OK);
	CHECK(import_invite_add(db, "alumni", "alumnus", "a@x.de", "Anna", NULL, "l.csv", &id) == DB_OK);
	CHECK(import_invite_set_msgid(db, id, "imp1.abc@bot.test") == DB_OK);
	CHECK(state_person_create(db, "de", &pid) == DB_OK);
	CHECK(import_invite_confirm(db, id, pid) == DB_OK);
	CHECK(db_commit(db) == DB_OK);
	struct import_invite v;
	CHECK(import_invite_get(db, id, &v) == DB_OK);
	CHECK_STR(v.status, "confirmed");
	CHECK(v.person_id == pid && v.answered > 0);
	import_invite_free(&v);
	db_close(db);
	unlink(path);
}

static void
member_means_verified_address_and_live_membership(void)
{
	struct db *db = fresh();
	int64_t p = 0, q = 0;
	CHECK(db_begin(db) == DB_OK);
	CHECK(state_person_create(db, "de", &p) == DB_OK);
	CHECK(state_endpoint_add(db, p, "mail", "m@x.de", 1) == DB_OK);
	CHECK(state_membership_set(db, p, "alumni", "alumnus", "active") == DB_OK);
	CHECK(state_person_create(db, "de", &q) == DB_OK);
	CHECK(state_endpoint_add(db, q, "mail", "u@x.de", 0) == DB_OK); /* not verified */
	CHECK(state_membership_set(db, q, "alumni", "alumnus", "active") == DB_OK);
	CHECK(db_commit(db) == DB_OK);
	CHECK(import_is_member(db, "alumni", "m@x.de") == DB_OK);
	CHECK(import_is_member(db, "mentoring", "m@x.de") == DB_NOTFOUND);
	CHECK(import_is_member(db, "alumni", "u@x.de") == DB_NOTFOUND);
	CHECK(db_begin(db) == DB_OK);
	CHECK(state_membership_set(db, p, "alumni", "alumnus", "left") == DB_OK);
	CHECK(db_commit(db) == DB_OK);
	CHECK(import_is_member(db, "alumni", "m@x.de") == DB_NOTFOUND);
	db_close(db);
	unlink(path);
}

static void
network_figures_and_alumni_export(void)
{
	struct db *db = fresh();
	int64_t p[3], id;
	const char *years[] = {"2015", "2019", "2015"};
	CHECK(db_begin(db) == DB_OK);
	for (int i = 0; i < 3; i++) {
		CHECK(state_person_create(db, "de", &p[i]) == DB_OK);
		CHECK(state_membership_set(db, p[i], "alumni", "alumnus", "active") == DB_OK);
		CHECK(state_profile_set(db, p[i], "year", years[i]) == DB_OK);
	}
	CHECK(state_profile_set(db, p[0], "city", "K\xc3\xb6ln") == DB_OK);
	CHECK(state_profile_set_visible(db, p[0], "city", 1) == DB_OK);
	CHECK(import_invite_add(db, "alumni", "alumnus", "a@x.de", "A", NULL, "l.csv 2026-12-03", &id) == DB_OK);
	CHECK(import_invite_confirm(db, id, p[0]) == DB_OK);
	CHECK(import_invite_add(db, "alumni", "alumnus", "b@x.de", "B", NULL, "l.csv 2026-12-03", &id) == DB_OK);
	CHECK(db_commit(db) == DB_OK);
	struct report_network f;
	CHECK(state_report_network(db, &f) == DB_OK);
	CHECK(f.alumni == 3 && f.invited == 2 && f.confirmed == 1 && f.offers_pending == 0);
	struct report_table tb;
	CHECK(state_report_alumni_by(db, "year", &tb) == DB_OK);
	CHECK(tb.nrows == 2);
	CHECK_STR(report_cell(&tb, 0, 0), "2019"); /* newest first */
	CHECK_STR(report_cell(&tb, 1, 1), "2");
	report_table_free(&tb);
	CHECK(state_report_alumni_by(db, "field", &tb) == DB_OK);
	CHECK(tb.nrows == 1 && report_cell(&tb, 0, 0) == NULL); /* not given */
	report_table_free(&tb);
	CHECK(state_report_alumni(db, &tb) == DB_OK);
	CHECK(tb.nrows == 3 && tb.ncols == 13);
	CHECK_STR(report_cell(&tb, 0, 8), "K\xc3\xb6ln");
	CHECK_STR(report_cell(&tb, 0, 11), "city"); /* only the visible field */
	CHECK_STR(report_cell(&tb, 0, 12), "l.csv 2026-12-03");
	CHECK(report_cell(&tb, 1, 11) == NULL);
	report_table_free(&tb);
	db_close(db);
	unlink(path);
}

int
main(void)
{
	RUN(invite_once_per_programme_role_address);
	RUN(confirmed_names_its_person);
	RUN(member_means_verified_address_and_live_membership);
	RUN(network_figures_and_alumni_export);
	return t_done();
}
