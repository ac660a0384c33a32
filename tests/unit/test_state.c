/* State: migrations from empty and re-run, journal dedupe, outbox idempotence, tokens. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/util.h"
#include "state/state.h"
#include "t.h"

static char path[64];

static void
migrations_run_from_empty_and_rerun_is_a_no_op(void)
{
	unlink(path);
	struct db *db;
	CHECK(db_open(&db, path) == 0);
	int v = db_schema_version(db);
	CHECK(v >= 1);
	db_close(db);
	CHECK(db_open(&db, path) == 0);
	CHECK(db_schema_version(db) == v);
	char *list = state_programme_list(db);
	CHECK(strstr(list, "mentoring") != NULL);
	free(list);
	db_close(db);
}

static void
journal_records_each_dedupe_key_once(void)
{
	struct db *db;
	CHECK(db_open(&db, path) == 0);
	int64_t id1 = 0, id2 = 0;
	CHECK(db_begin(db) == 0);
	CHECK(state_inbound_add(db, "mail", "mid:a@b", "raw", 3, 7, 1, NULL, &id1) == DB_OK);
	CHECK(state_inbound_add(db, "mail", "mid:a@b", "raw", 3, 8, 1, NULL, &id2) == DB_NOTFOUND);
	CHECK(db_commit(db) == 0);
	int64_t ids[4];
	int att[4];
	size_t n;
	CHECK(state_inbound_pending(db, "mail", ids, att, 4, &n) == 0);
	CHECK(n == 1 && ids[0] == id1 && att[0] == 0);
	CHECK(state_inbound_attempt(db, ids, 1) == 0);
	CHECK(state_inbound_finish(db, id1, "done", NULL) == 0);
	CHECK(state_inbound_pending(db, "mail", ids, att, 4, &n) == 0 && n == 0);
	uint32_t uids[4];
	int q[4];
	CHECK(state_inbound_unmoved(db, 7, uids, q, 4, &n) == 0 && n == 1 && uids[0] == 1 && q[0] == 0);
	CHECK(state_inbound_mark_moved(db, 7, uids, 1) == 0);
	CHECK(state_inbound_unmoved(db, 7, uids, q, 4, &n) == 0 && n == 0);
	db_close(db);
}

static void
outbox_message_id_is_queued_once(void)
{
	struct db *db;
	CHECK(db_open(&db, path) == 0);
	CHECK(state_outbox_add(db, 0, "mail", "bot@x", "a@x", "m1@x", "data", 4) == DB_OK);
	CHECK(state_outbox_add(db, 0, "mail", "bot@x", "a@x", "m1@x", "data", 4) == DB_NOTFOUND);
	struct outbox_item it[4];
	size_t n;
	CHECK(state_outbox_due(db, "mail", now_s(), it, 4, &n) == 0 && n == 1);
	CHECK(n == 1 && it[0].len == 4 && memcmp(it[0].payload, "data", 4) == 0);
	CHECK(state_outbox_retry(db, it[0].id, now_s() + 100, "421 busy") == 0);
	outbox_item_free(&it[0]);
	CHECK(state_outbox_due(db, "mail", now_s(), it, 4, &n) == 0 && n == 0);
	CHECK(state_outbox_next_due(db, "mail", now_s()) >= 99);
	db_close(db);
}

/* Two sending lanes: bulk rows (invitations) are shared out, each row has exactly one lane,
 * and every other row is lane 0's. */
static void
outbox_lanes_share_bulk_rows_only(void)
{
	struct db *db;
	CHECK(db_open(&db, path) == 0);
	char mid[32];
	for (int i = 0; i < 6; i++) {
		snprintf(mid, sizeof mid, "inv%d@x", i);
		CHECK(state_outbox_put(db, 0, "mail", "invite", "bot@x", "a@x", mid, "i", 1, 0) == DB_OK);
	}
	CHECK(state_outbox_add(db, 0, "mail", "bot@x", "b@x", "r1@x", "r", 1) == DB_OK);
	struct outbox_item it[16];
	size_t n0, n1, nall;
	int64_t ids[16], nids = 0;
	CHECK(state_outbox_due(db, "mail", now_s(), it, 16, &nall) == 0 && nall >= 7);
	for (size_t i = 0; i < nall; i++)
		outbox_item_free(&it[i]);
	CHECK(state_outbox_due_lane(db, "mail", 2, 0, now_s(), it, 16, &n0) == 0);
	int reply_in_0 = 0, bulk_in_0 = 0;
	for (size_t i = 0; i < n0; i++) {
		ids[nids++] = it[i].id;
		reply_in_0 |= strcmp(it[i].rcpt, "b@x") == 0;
		bulk_in_0 += it[i].pacing && strcmp(it[i].pacing, "announce") == 0;
		outbox_item_free(&it[i]);
	}
	CHECK(state_outbox_due_lane(db, "mail", 2, 1, now_s(), it, 16, &n1) == 0);
	int only_bulk_in_1 = n1 > 0;
	for (size_t i = 0; i < n1; i++) {
		only_bulk_in_1 &= it[i].pacing && strcmp(it[i].pacing, "announce") == 0;
		for (int64_t j = 0; j < nids; j++)
			CHECK(ids[j] != it[i].id);
		outbox_item_free(&it[i]);
	}
	CHECK(n0 + n1 == nall);
	CHECK(reply_in_0 && bulk_in_0 >= 1 && only_bulk_in_1);
	CHECK(state_outbox_next_due_lane(db, "mail", 2, 1, now_s()) == 0);
	db_close(db);
}

static void
checkpoint_and_reply_counts_persist(void)
{
	struct db *db;
	CHECK(db_open(&db, path) == 0);
	uint32_t v, l;
	CHECK(state_imap_checkpoint(db, "INBOX", &v, &l) == DB_NOTFOUND);
	CHECK(state_imap_set_checkpoint(db, "INBOX", 42, 17) == 0);
	CHECK(state_imap_checkpoint(db, "INBOX", &v, &l) == DB_OK && v == 42 && l == 17);
	int c, noticed;
	CHECK(state_reply_bump(db, "a@x", 100, 0) == 0);
	CHECK(state_reply_bump(db, "a@x", 100, 0) == 0);
	CHECK(state_reply_bump(db, "a@x", 100, 1) == 0);
	CHECK(state_reply_count(db, "a@x", 100, &c, &noticed) == 0 && c == 2 && noticed == 1);
	CHECK(state_reply_count(db, "a@x", 101, &c, &noticed) == 0 && c == 0 && noticed == 0);
	db_close(db);
}

int
main(void)
{
	snprintf(path, sizeof path, "/tmp/mb-state-%d.db", (int)getpid());
	RUN(migrations_run_from_empty_and_rerun_is_a_no_op);
	RUN(journal_records_each_dedupe_key_once);
	RUN(outbox_message_id_is_queued_once);
	RUN(outbox_lanes_share_bulk_rows_only);
	RUN(checkpoint_and_reply_counts_persist);
	char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);
	unlink(path);
	unlink(wal);
	unlink(shm);
	free(wal);
	free(shm);
	return t_done();
}
