/*
 * bench_privacy.c - figures for "my data" and "delete me" (issue 12, Benchmark):
 * a 10,000-person database (each with a mail address, a membership and a
 * profile), one person with 100 sessions (over 10 matches) and 50 RSVPs.
 *
 *   bench.privacy.my_data_ms   "my data" by mail, from the journal row to the export's
 *                              outbox row (one dispatch, committed), median of 5
 *   bench.privacy.delete_ms    the confirmation of "delete me", from the journal row to
 *                              the committed erasure with its messages, median of 5
 *                              (a fresh person each time)
 *
 * Built by make (build/bench/bench_privacy) and run by make bench.
 */
#define T_MAXOUT 64
#include "../unit/t_bot.h"

#include <sqlite3.h>
#include <time.h>

#define PEOPLE 10000
#define RUNS 5

static double
ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The people, and for each of RUNS subjects (persons 1..RUNS) 10 matches with 10 sessions each
 * and 50 RSVPs, in one transaction of plain SQL. */
static int
populate(void)
{
	sqlite3 *h;
	if (sqlite3_open(dbpath, &h) != SQLITE_OK)
		return -1;
	struct buf q = BUF_INIT;
	buf_adds(&q, "BEGIN;"
		     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)"
		     " INSERT INTO person(id, lang, created) SELECT i, 'en', 1 FROM n;"
		     "INSERT INTO endpoint(person_id, kind, address, verified, created)"
		     " SELECT id, 'mail', 'p' || id || '@example.test', 1, 1 FROM person;"
		     "INSERT INTO membership(person_id, programme, role, status, since)"
		     " SELECT id, 'mentoring', CASE WHEN id % 2 THEN 'mentee' ELSE 'mentor' END, 'active', 1 FROM person;"
		     "INSERT INTO profile(person_id, field, value, visible) SELECT id, 'name', 'Person Number ' || id, 1"
		     " FROM person;"
		     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)"
		     " INSERT INTO event(id, uid, title, start, end, status, token, created, updated)"
		     " SELECT i, 'e' || i || '@x', 'Event ' || i, 1900500000, 1900510000, 'announced', 't' || i, 1, 1 FROM n;");
	for (int s = 1; s <= RUNS; s++) {
		buf_addf(&q,
			 "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9)"
			 " INSERT INTO match(id, programme, mentee_id, mentor_id, status, created)"
			 " SELECT %d * 100 + i, 'm' || i, %d, 1000 + %d * 20 + i * 2, 'active', 1 FROM n;"
			 "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99)"
			 " INSERT INTO session(match_id, proposer_id, start, minutes, place, status, uid, logged_minutes,"
			 " note, created, updated) SELECT %d * 100 + i / 10, %d, 1800000000 + i * 86400, 60, 'Room',"
			 " 'done', 's%d.' || i, 50, 'note', 1, 1 FROM n;"
			 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)"
			 " INSERT INTO rsvp(event_id, person_id, answer, status, via, updated)"
			 " SELECT i, %d, 'yes', 'going', 'mail', 1 FROM n;",
			 s, s, s, s, s, s, s);
	}
	buf_adds(&q, "COMMIT;");
	char *err = NULL;
	int rc = sqlite3_exec(h, q.p, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fprintf(stderr, "populate: %s\n", err ? err : "?");
	sqlite3_free(err);
	buf_free(&q);
	sqlite3_close(h);
	return rc == SQLITE_OK ? 0 : -1;
}

/* Time one dispatch of a mail from `from`. */
static double
timed(const char *from, const char *subject, const char *body)
{
	double t0 = ms_now();
	int rc = deliver(from, subject, NULL, body);
	double t = ms_now() - t0;
	if (rc != DISP_DONE)
		fprintf(stderr, "%s: dispatch result %d\n", subject, rc);
	return t;
}

int
main(void)
{
	double exp_ms[RUNS], del_ms[RUNS];
	if (t_bot_open("bench-privacy", "staff = boss@example.test\n", NULL) || populate() < 0)
		return 1;
	struct out o;
	for (int s = 1; s <= RUNS; s++) {
		char from[64];
		snprintf(from, sizeof from, "p%d@example.test", s);
		exp_ms[s - 1] = timed(from, "my data", "");
		take("mail", &o);
		if (find(&o, from, "privacy.export") < 0)
			fprintf(stderr, "my data: no export for %s\n", from);
		out_free(&o);
		deliver(from, "delete me", NULL, "");
		take("mail", &o);
		int i = find(&o, from, "  confirm ");
		char cmd[64] = "confirm ?";
		if (i >= 0)
			snprintf(cmd, sizeof cmd, "confirm %.26s", strstr(o.text[i], "  confirm ") + 10);
		out_free(&o);
		del_ms[s - 1] = timed(from, cmd, "");
		take("mail", &o);
		if (find(&o, from, "privacy.erased") < 0)
			fprintf(stderr, "delete me: no erasure for %s\n", from);
		out_free(&o);
	}
	qsort(exp_ms, RUNS, sizeof *exp_ms, cmp_d);
	qsort(del_ms, RUNS, sizeof *del_ms, cmp_d);
	printf("bench.privacy.my_data_ms: %.1f\n", exp_ms[RUNS / 2]);
	printf("bench.privacy.delete_ms: %.1f\n", del_ms[RUNS / 2]);
	printf("# %d people, the subject with 100 sessions in 10 matches and 50 RSVPs; median of %d (targets 200, 200)\n",
	       PEOPLE, RUNS);
	t_bot_close();
	return 0;
}
