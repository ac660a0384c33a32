/*
 * test_bounces.c - state/bounces.h: a hard bounce marks its address at once;
 * soft ones count, and the third within 14 days marks it (older ones do not
 * count); every event also counts in the older bounce table; the list names
 * the owner of the address; a clear removes the mark; pending mail rows to a
 * marked address fail with a clear error and other rows stay.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/util.h"
#include "state/bounces.h"
#include "state/state.h"
#include "t.h"

static char path[64];
static struct db *db;

#define DAY (24 * 3600)

static void
hard_marks_at_once_soft_counts_three_in_14_days(void)
{
	int marked = -1, n = 0;
	int64_t t0 = 1700000000;
	CHECK(state_bounce_event(db, "hard@example.test", t0, "5.1.1", 1, 7, "postfix: 550 5.1.1", &marked) == DB_OK);
	CHECK(marked == 1);
	char *st = NULL, *why = NULL;
	CHECK(state_undeliverable_get(db, "HARD@example.test", &st, &why) == DB_OK);
	CHECK_STR(st, "5.1.1");
	CHECK_STR(why, "postfix: 550 5.1.1");
	free(st);
	free(why);
	CHECK(state_bounce_count(db, "hard@example.test", &n) == DB_OK && n == 1);

	/* an old soft bounce, then two within the window: not yet */
	CHECK(state_bounce_event(db, "soft@example.test", t0 - 20 * DAY, "4.2.2", 0, 0, NULL, &marked) == DB_OK);
	CHECK(state_bounce_event(db, "soft@example.test", t0 - 10 * DAY, "4.2.2", 0, 0, NULL, &marked) == DB_OK);
	CHECK(state_bounce_event(db, "soft@example.test", t0 - 1 * DAY, "4.2.2", 0, 0, NULL, &marked) == DB_OK);
	CHECK(marked == 0);
	CHECK(state_undeliverable_get(db, "soft@example.test", NULL, NULL) == DB_NOTFOUND);
	/* the third within 14 days */
	CHECK(state_bounce_event(db, "soft@example.test", t0, "4.2.2", 0, 0, NULL, &marked) == DB_OK);
	CHECK(marked == 1);
	CHECK(state_undeliverable_get(db, "soft@example.test", NULL, &why) == DB_OK);
	CHECK_STR(why, "repeated temporary failures");
	free(why);
	CHECK(state_bounce_count(db, "soft@example.test", &n) == DB_OK && n == 4);
}

static void
list_names_the_owner_and_clear_removes(void)
{
	int64_t pid = 0;
	CHECK(state_person_create(db, "en", &pid) == DB_OK);
	CHECK(state_endpoint_add(db, pid, "mail", "hard@example.test", 1) == DB_OK);
	struct undeliverable *u = NULL;
	size_t n = 0;
	CHECK(state_undeliverable_list(db, &u, &n) == DB_OK && n == 2);
	int owner = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(u[i].address, "hard@example.test") == 0)
			owner = u[i].person_id == pid;
	CHECK(owner);
	undeliverable_free(u, n);
	CHECK(state_undeliverable_clear(db, "Soft@Example.test") == DB_OK);
	CHECK(state_undeliverable_clear(db, "soft@example.test") == DB_NOTFOUND);
	CHECK(state_undeliverable_get(db, "soft@example.test", NULL, NULL) == DB_NOTFOUND);
}

static void
pending_rows_to_a_marked_address_fail(void)
{
	CHECK(state_outbox_add(db, 0, "mail", "bot@example.test", "hard@example.test", "<a1@x>", "m", 1) == DB_OK);
	CHECK(state_outbox_add(db, 0, "mail", "bot@example.test", "ok@example.test", "<a2@x>", "m", 1) == DB_OK);
	CHECK(state_outbox_put_chat(db, 0, "xmpp", "reply", "hard@example.test", "chat", "<a3@x>", "hi", 0) == DB_OK);
	int64_t n = -1;
	CHECK(state_outbox_fail_pending_to(db, "hard@example.test", "address undeliverable", &n) == DB_OK && n == 1);
	char *rcpt = NULL;
	CHECK(state_outbox_mail_row_rcpt(db, 999999, &rcpt) == DB_NOTFOUND && rcpt == NULL);
	int64_t pending = 0;
	CHECK(state_outbox_pending(db, "mail", &pending) == DB_OK && pending == 1);
	CHECK(state_outbox_pending(db, "xmpp", &pending) == DB_OK && pending == 1);
}

int
main(void)
{
	snprintf(path, sizeof path, "/tmp/mb_test_bounces_%d.db", (int)getpid());
	unlink(path);
	if (db_open(&db, path) != 0)
		return 1;
	RUN(hard_marks_at_once_soft_counts_three_in_14_days);
	RUN(list_names_the_owner_and_clear_removes);
	RUN(pending_rows_to_a_marked_address_fail);
	db_close(db);
	unlink(path);
	char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);
	unlink(wal);
	unlink(shm);
	free(wal);
	free(shm);
	return t_done();
}
