/*
 * test_audit.c - the audit log is append-only (no DELETE, the fact never changes; only the
 * person's data may be blanked), a row written in a rolled-back transaction is gone with it,
 * the CLI's state changes write one row each as "cli:<user>", and "mentorbot audit" shows a
 * redacted row as "(erased)" (text and JSON).  Runs main() of bot/main.c in-process.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int mentorbot_main(int argc, char **argv);
#define main mentorbot_main
#include "bot/main.c"
#undef main

#include "state/audit.h"
#include "t.h"

static char dbpath[64], confpath[64];

static int
raw_sql(const char *q)
{
	sqlite3 *h;
	if (sqlite3_open(dbpath, &h) != SQLITE_OK)
		return -1;
	int rc = sqlite3_exec(h, q, NULL, NULL, NULL);
	sqlite3_close(h);
	return rc == SQLITE_OK ? 0 : -1;
}

static struct db *
fresh(void)
{
	snprintf(dbpath, sizeof dbpath, "/tmp/mentorbot-test-audit-%d.db", (int)getpid());
	unlink(dbpath);
	struct db *db = NULL;
	CHECK(db_open(&db, dbpath) == DB_OK);
	return db;
}

/* main() with argv (NULL-ended) and its stdout caught into *out (caller frees); the exit status. */
static int
run_main(char **argv, char **out)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	FILE *o = tmpfile();
	fflush(stdout);
	int so = dup(1);
	dup2(fileno(o), 1);
	int rc = mentorbot_main(argc, argv);
	fflush(stdout);
	dup2(so, 1);
	close(so);
	long n = ftell(o);
	*out = xcalloc((size_t)n + 1, 1);
	rewind(o);
	if (n > 0 && fread(*out, 1, (size_t)n, o) != (size_t)n)
		(*out)[0] = '\0';
	fclose(o);
	return rc;
}

static void
write_config(const char *lang)
{
	snprintf(confpath, sizeof confpath, "/tmp/mentorbot-test-audit-%d.ini", (int)getpid());
	FILE *f = fopen(confpath, "w");
	CHECK(f != NULL);
	if (f) {
		fprintf(f, "[bot]\nlanguage = %s\ndatabase = %s\ntemplates = templates\n", lang, dbpath);
		fclose(f);
	}
}

static void
the_log_is_append_only_and_only_redacted(void)
{
	struct db *db = fresh();
	CHECK(db_begin(db) == DB_OK);
	CHECK(audit_add(db, "staff@uni.example", 3, "mail", "approve", "12", 7, "mentoring") == DB_OK);
	CHECK(db_commit(db) == DB_OK);
	CHECK(raw_sql("DELETE FROM audit") != 0);
	CHECK(raw_sql("UPDATE audit SET action = 'reject'") != 0);
	CHECK(raw_sql("UPDATE audit SET at = 0") != 0);
	CHECK(raw_sql("UPDATE audit SET channel = 'cli'") != 0);
	CHECK(raw_sql("UPDATE audit SET subject = 'x'") != 0);
	/* the erasure's redaction */
	CHECK(raw_sql("UPDATE audit SET actor = NULL, actor_id = NULL, person_id = NULL, detail = NULL") == 0);
	struct audit_row *v;
	size_t n;
	CHECK(audit_list(db, 0, &v, &n) == DB_OK);
	CHECK(n == 1);
	if (n == 1) {
		CHECK(v[0].redacted);
		CHECK(v[0].actor == NULL && v[0].detail == NULL && v[0].person_id == 0);
		CHECK_STR(v[0].action, "approve");
		CHECK_STR(v[0].channel, "mail");
		CHECK_STR(v[0].subject, "12");
	}
	audit_rows_free(v, n);
	db_close(db);
	unlink(dbpath);
}

static void
a_rolled_back_action_leaves_no_row(void)
{
	struct db *db = fresh();
	CHECK(db_begin(db) == DB_OK);
	CHECK(audit_add(db, "staff@uni.example", 0, "xmpp", "attended", "ev3", 0, NULL) == DB_OK);
	db_rollback(db);
	int n = -1;
	CHECK(audit_count(db, "attended", NULL, &n) == DB_OK);
	CHECK(n == 0);
	struct audit_row *v;
	size_t nv;
	CHECK(audit_list(db, 0, &v, &nv) == DB_OK);
	CHECK(nv == 0);
	audit_rows_free(v, nv);
	db_close(db);
	unlink(dbpath);
}

static void
cli_changes_are_audited_and_listed(void)
{
	struct db *db = fresh();
	db_close(db);
	write_config("en");
	char *out;
	char *add[] = {"mentorbot", "programme", "add", "-c", confpath, "demo", "--consent", "v7", NULL};
	CHECK(run_main(add, &out) == 0);
	free(out);
	char *set[] = {"mentorbot", "programme", "set", "-c", confpath, "demo", "--consent", "v8", NULL};
	CHECK(run_main(set, &out) == 0);
	free(out);
	char *group[] = {"mentorbot", "group", "-c", confpath, "set", "team", "a@x.example", NULL};
	CHECK(run_main(group, &out) == 0);
	free(out);
	CHECK(db_open(&db, dbpath) == DB_OK);
	int n = 0;
	CHECK(audit_count(db, "programme.add", "demo", &n) == DB_OK && n == 1);
	CHECK(audit_count(db, "programme.set", "demo", &n) == DB_OK && n == 1);
	CHECK(audit_count(db, "group.set", "team", &n) == DB_OK && n == 1);
	struct audit_row *v;
	size_t nv;
	CHECK(audit_list(db, 0, &v, &nv) == DB_OK);
	CHECK(nv == 3);
	for (size_t i = 0; i < nv; i++) {
		CHECK(strncmp(v[i].actor, "cli:", 4) == 0);
		CHECK_STR(v[i].channel, "cli");
	}
	audit_rows_free(v, nv);
	db_close(db);
	char *list[] = {"mentorbot", "audit", "-c", confpath, NULL};
	CHECK(run_main(list, &out) == 0);
	CHECK(strstr(out, "programme.add demo") != NULL);
	CHECK(strstr(out, cli_actor()) != NULL);
	free(out);
	char *bad[] = {"mentorbot", "audit", "-c", confpath, "--since", "2026-02-31", NULL};
	CHECK(run_main(bad, &out) == 2);
	free(out);
	char *later[] = {"mentorbot", "audit", "-c", confpath, "--since", "2999-01-01", NULL};
	CHECK(run_main(later, &out) == 0);
	CHECK(strstr(out, "no entries") != NULL);
	free(out);
	unlink(dbpath);
	unlink(confpath);
}

static void
a_redacted_row_shows_erased(void)
{
	const char *want[][2] = {{"en", "(erased)"}, {"de", "(gelöscht)"}};
	for (size_t i = 0; i < 2; i++) {
		struct db *db = fresh();
		CHECK(db_begin(db) == DB_OK);
		CHECK(audit_add(db, "anna@uni.example", 4, "mail", "approve", "5", 9, "Anna Muster") == DB_OK);
		CHECK(audit_add(db, "staff@uni.example", 3, "mail", "reject", "6", 8, "Bert") == DB_OK);
		CHECK(db_commit(db) == DB_OK);
		db_close(db);
		CHECK(raw_sql("UPDATE audit SET actor = NULL, actor_id = NULL, person_id = NULL, detail = NULL"
			      " WHERE id = 1") == 0);
		write_config(want[i][0]);
		char *out;
		char *list[] = {"mentorbot", "audit", "-c", confpath, NULL};
		CHECK(run_main(list, &out) == 0);
		CHECK(strstr(out, want[i][1]) != NULL);
		CHECK(strstr(out, "anna@") == NULL && strstr(out, "Anna") == NULL);
		CHECK(strstr(out, "staff@uni.example") != NULL && strstr(out, "Bert") != NULL);
		free(out);
		char *json[] = {"mentorbot", "audit", "-c", confpath, "--json", NULL};
		CHECK(run_main(json, &out) == 0);
		json_error_t err;
		json_t *a = json_loads(out, 0, &err);
		CHECK(json_is_array(a) && json_array_size(a) == 2);
		json_t *r0 = json_array_get(a, 0);
		CHECK(json_is_true(json_object_get(r0, "redacted")));
		CHECK(json_is_null(json_object_get(r0, "actor")));
		CHECK_STR(json_string_value(json_object_get(r0, "action")), "approve");
		CHECK(json_is_false(json_object_get(json_array_get(a, 1), "redacted")));
		json_decref(a);
		free(out);
		unlink(dbpath);
		unlink(confpath);
	}
}

int
main(void)
{
	RUN(the_log_is_append_only_and_only_redacted);
	RUN(a_rolled_back_action_leaves_no_row);
	RUN(cli_changes_are_audited_and_listed);
	RUN(a_redacted_row_shows_erased);
	return t_done();
}
