/* The health figures (bot/status.c, bot/status_metrics.c): the Nagios classification, the
 * figures read from a test database and a status file, the status file's round trip, the
 * address scrubbing, and the metrics file in Prometheus text format. */
#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bot/status.h"
#include "bot/util.h"
#include "state/state.h"
#include "t.h"

/* Figures of a healthy running daemon with mail and xmpp. */
static struct status_figures
healthy(void)
{
	struct status_figures f;
	memset(&f, 0, sizeof f);
	f.now = f.wall = 1800000000;
	f.d.present = 1;
	f.d.pid = 42;
	f.d.started = f.wall - 3600;
	f.d.updated = f.wall - 5;
	f.d.ready = 1;
	f.running = 1;
	f.db_ok = 1;
	for (int i = 0; i < 2; i++) {
		f.d.tr[i].configured = f.d.tr[i].running = f.d.tr[i].connected = 1;
		f.d.tr[i].last_success = f.wall - 2;
	}
	return f;
}

static enum status_level
classify(const struct status_figures *f, struct status_reason *r, size_t *n)
{
	return status_classify(f, r, STATUS_MAX_REASONS, n);
}

static void
classification(void)
{
	struct status_reason r[STATUS_MAX_REASONS];
	size_t n;
	struct status_figures f = healthy();
	CHECK(classify(&f, r, &n) == STATUS_OK && n == 0);
	/* backlogs: WARNING only past their thresholds */
	f.outbox_pending = 3;
	f.outbox_oldest_age = STATUS_WARN_OUTBOX_S;
	f.journal_oldest_age = STATUS_WARN_JOURNAL_S;
	f.scheduler_lag = STATUS_WARN_SCHED_S;
	CHECK(classify(&f, r, &n) == STATUS_OK);
	f.outbox_oldest_age++;
	CHECK(classify(&f, r, &n) == STATUS_WARNING && n == 1);
	CHECK_STR(r[0].code, "outbox_backlog");
	CHECK(r[0].value == STATUS_WARN_OUTBOX_S + 1 && r[0].limit == STATUS_WARN_OUTBOX_S);
	f.journal_oldest_age++;
	f.scheduler_lag++;
	CHECK(classify(&f, r, &n) == STATUS_WARNING && n == 3);
	CHECK_STR(r[1].code, "journal_backlog");
	CHECK_STR(r[2].code, "scheduler_lag");
	/* a configured transport down: WARNING naming it; an unconfigured one does not count */
	f = healthy();
	f.d.tr[1].connected = 0;
	f.d.tr[2].connected = 0;
	CHECK(classify(&f, r, &n) == STATUS_WARNING && n == 1);
	CHECK_STR(r[0].code, "transport_disconnected");
	CHECK_STR(r[0].transport, "xmpp");
	f.d.tr[1].connected = -1; /* cannot tell: not a finding */
	CHECK(classify(&f, r, &n) == STATUS_OK);
	f.d.tr[1].running = 0; /* configured, not running */
	CHECK(classify(&f, r, &n) == STATUS_WARNING);
	/* the daemon: gone, stale, dead pid; the database unreadable: CRITICAL */
	f = healthy();
	f.d.present = 0;
	f.running = 0;
	CHECK(classify(&f, r, &n) == STATUS_CRITICAL && n == 1);
	CHECK_STR(r[0].code, "daemon_not_running");
	f = healthy();
	f.stale = 1;
	f.running = 0;
	CHECK(classify(&f, r, &n) == STATUS_CRITICAL);
	CHECK_STR(r[0].code, "status_stale");
	f = healthy();
	f.running = 0;
	CHECK(classify(&f, r, &n) == STATUS_CRITICAL);
	CHECK_STR(r[0].code, "daemon_not_running");
	f = healthy();
	f.db_ok = 0;
	f.outbox_oldest_age = 99999; /* not read: not judged */
	CHECK(classify(&f, r, &n) == STATUS_CRITICAL && n == 1);
	CHECK_STR(r[0].code, "database_unavailable");
	/* CRITICAL wins over WARNING, every reason is listed */
	f = healthy();
	f.running = 0;
	f.d.present = 0;
	f.scheduler_lag = STATUS_WARN_SCHED_S + 1;
	CHECK(classify(&f, r, &n) == STATUS_CRITICAL && n == 2);
	CHECK_STR(status_level_name(STATUS_WARNING), "WARNING");
	CHECK_STR(status_level_name(STATUS_UNKNOWN), "UNKNOWN");
}

static void
scrub_removes_addresses(void)
{
	char s[256] = "550 5.1.1 <anna@example.org>: no such user; room@muc.example.test/Bot and @bob:hs.test left";
	status_scrub(s, sizeof s);
	CHECK_STR(s, "550 5.1.1 <address> no such user; <address> and <address> left");
	char t[64] = "cannot connect to 127.0.0.1:1: connection failed";
	status_scrub(t, sizeof t);
	CHECK_STR(t, "cannot connect to 127.0.0.1:1: connection failed");
}

static char dbpath[64];

static void
exec(sqlite3 *h, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(h, sql, NULL, NULL, &err) != SQLITE_OK)
		printf("# %s: %s\n", sql, err);
	sqlite3_free(err);
}

/* A migrated database with a known backlog: 2 pending outbox rows (the oldest 1000 s old),
 * 1 sent; 3 journal rows not handled (the oldest 400 s), 2 quarantined, 1 done; 2 scheduler
 * jobs due (the oldest 700 s late), 1 in the future, 1 done. */
static void
make_db(void)
{
	snprintf(dbpath, sizeof dbpath, "/tmp/mb-status-%d.db", (int)getpid());
	unlink(dbpath);
	struct db *db = NULL;
	CHECK(db_open(&db, dbpath) == DB_OK);
	db_close(db);
	sqlite3 *h = NULL;
	CHECK(sqlite3_open(dbpath, &h) == SQLITE_OK);
	long long now = (long long)now_s();
	char *sql =
		xasprintf("INSERT INTO outbox(transport, rcpt, message_id, created, status) VALUES"
			  " ('mail', 'a', 'm1', %lld, 'pending'), ('xmpp', 'b', 'm2', %lld, 'pending'),"
			  " ('mail', 'c', 'm3', %lld, 'sent');"
			  "INSERT INTO inbound(transport, dedupe, received, status) VALUES"
			  " ('mail', 'd1', %lld, 'new'), ('mail', 'd2', %lld, 'new'), ('xmpp', 'd3', %lld, 'new'),"
			  " ('mail', 'd4', %lld, 'quarantined'), ('mail', 'd5', %lld, 'quarantined'), ('mail', 'd6', "
			  "%lld, 'done');"
			  "INSERT INTO job(due, kind, ref, created, done) VALUES"
			  " (%lld, 'k', 1, 0, 0), (%lld, 'k', 2, 0, 0), (%lld, 'k', 3, 0, 0), (%lld, 'k', 4, 0, 1);",
			  now - 1000, now - 10, now - 5000, now - 400, now - 5, now - 1, now - 9000, now - 9000,
			  now - 9000, now - 700, now - 20, now + 3600, now - 99999);
	exec(h, sql);
	free(sql);
	sqlite3_close(h);
}

static void
figures_from_a_database(void)
{
	make_db();
	struct status_figures f;
	status_gather(dbpath, &f);
	CHECK(f.db_ok);
	CHECK(f.outbox_pending == 2);
	CHECK(f.outbox_oldest_age >= 1000 && f.outbox_oldest_age < 1100);
	CHECK(f.journal_pending == 3);
	CHECK(f.journal_oldest_age >= 400 && f.journal_oldest_age < 500);
	CHECK(f.quarantine == 2);
	CHECK(f.scheduler_due == 2);
	CHECK(f.scheduler_lag >= 700 && f.scheduler_lag < 800);
	CHECK(f.db_bytes > 4096);
	/* no status file: the daemon is not running */
	CHECK(!f.d.present && !f.running);
	struct status_reason r[STATUS_MAX_REASONS];
	size_t n;
	CHECK(status_classify(&f, r, STATUS_MAX_REASONS, &n) == STATUS_CRITICAL);
	/* a missing database is reported, not created */
	char *missing = xasprintf("%s.missing", dbpath);
	status_gather(missing, &f);
	CHECK(!f.db_ok);
	struct stat sb;
	CHECK(stat(missing, &sb) < 0);
	free(missing);
}

static void
status_file_round_trip_and_liveness(void)
{
	char *sp = status_path(dbpath);
	struct status_daemon d;
	memset(&d, 0, sizeof d);
	d.pid = (int64_t)getpid();
	d.started = (int64_t)time(NULL) - 60;
	d.updated = (int64_t)time(NULL);
	d.ready = 1;
	d.tr[0] = (struct status_transport){1, 1, 1, d.updated - 3, ""};
	d.tr[2] = (struct status_transport){1, 1, 0, 0, "M_FORBIDDEN for @bot:hs.test"};
	CHECK(status_file_write(sp, &d, "9.9") == 0);
	struct stat sb;
	CHECK(stat(sp, &sb) == 0 && (sb.st_mode & 077) == 0); /* the test runs under umask 077 */
	struct status_figures f;
	status_gather(dbpath, &f);
	CHECK(f.d.present && f.running && !f.stale);
	CHECK(f.d.pid == d.pid && f.d.started == d.started && f.d.ready == 1);
	CHECK(f.d.tr[0].configured && f.d.tr[0].connected == 1 && f.d.tr[0].last_success == d.updated - 3);
	CHECK(!f.d.tr[1].configured);
	CHECK(f.d.tr[2].configured && f.d.tr[2].connected == 0);
	CHECK_STR(f.d.tr[2].last_error, "M_FORBIDDEN for <address>");
	struct status_reason r[STATUS_MAX_REASONS];
	size_t n;
	CHECK(status_classify(&f, r, STATUS_MAX_REASONS, &n) == STATUS_WARNING); /* matrix, and the backlogs */
	/* stale: not rewritten for longer than STATUS_STALE_S */
	d.updated = (int64_t)time(NULL) - STATUS_STALE_S - 5;
	CHECK(status_file_write(sp, &d, "9.9") == 0);
	status_gather(dbpath, &f);
	CHECK(f.d.present && f.stale && !f.running);
	/* a pid that is gone */
	d.updated = (int64_t)time(NULL);
	d.pid = 0x7ffffff0;
	CHECK(status_file_write(sp, &d, "9.9") == 0);
	status_gather(dbpath, &f);
	CHECK(f.d.present && !f.stale && !f.running);
	unlink(sp);
	free(sp);
}

/* Every line is a comment (# HELP/# TYPE name …) or "name[{labels}] value"; every sample's
 * metric had its HELP and TYPE first.  The number of samples, or -1. */
static int
prometheus_lines(const char *text)
{
	char typed[64][80];
	size_t ntyped = 0;
	int samples = 0;
	char *copy = xstrdup(text), *save = NULL;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char name[80];
		if (strncmp(l, "# HELP ", 7) == 0)
			continue;
		if (sscanf(l, "# TYPE %79s", name) == 1) {
			if (ntyped < 64)
				snprintf(typed[ntyped++], 80, "%s", name);
			continue;
		}
		size_t k = 0;
		while (l[k] && (isalnum((unsigned char)l[k]) || l[k] == '_'))
			k++;
		if (k == 0 || k >= sizeof name)
			return free(copy), -1;
		memcpy(name, l, k);
		name[k] = '\0';
		const char *rest = l + k;
		if (*rest == '{') {
			rest = strchr(rest, '}');
			if (!rest)
				return free(copy), -1;
			rest++;
		}
		char *end;
		if (*rest != ' ' || (strtod(rest + 1, &end), *end != '\0'))
			return free(copy), -1;
		int known = 0;
		for (size_t i = 0; i < ntyped; i++)
			known |= strcmp(typed[i], name) == 0;
		if (!known)
			return free(copy), -1;
		samples++;
	}
	free(copy);
	return samples;
}

static void
metrics_text_format(void)
{
	struct status_figures f = healthy();
	f.outbox_pending = 7;
	f.db_bytes = 123456;
	struct buf b = BUF_INIT;
	status_metrics_text(&b, &f, "1.2.3");
	CHECK(b.len > 0 && b.p[b.len - 1] == '\n');
	CHECK(prometheus_lines(b.p) > 15);
	CHECK(strstr(b.p, "\nmentorbot_up 1\n") != NULL);
	CHECK(strstr(b.p, "mentorbot_info{version=\"1.2.3\"} 1\n") != NULL);
	CHECK(strstr(b.p, "\nmentorbot_transport_connected{transport=\"mail\"} 1\n") != NULL);
	CHECK(strstr(b.p, "\nmentorbot_transport_configured{transport=\"matrix\"} 0\n") != NULL);
	CHECK(strstr(b.p, "mentorbot_transport_last_success_timestamp_seconds{transport=\"xmpp\"} 1799999998\n"));
	CHECK(strstr(b.p, "\nmentorbot_outbox_pending 7\n") != NULL);
	CHECK(strstr(b.p, "\nmentorbot_database_bytes 123456\n") != NULL);
	CHECK(strstr(b.p, "\nmentorbot_status_level 0\n") != NULL);
	CHECK(strstr(b.p, "# TYPE mentorbot_scheduler_lag_seconds gauge\n") != NULL);
	buf_free(&b);
	/* into a file, atomically, readable by a collector */
	char *path = xasprintf("%s.prom", dbpath);
	f.running = 0;
	CHECK(status_metrics_write(path, &f, "1.2.3") == 0);
	struct stat sb;
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0644);
	FILE *in = fopen(path, "r");
	char text[8192];
	size_t n = in ? fread(text, 1, sizeof text - 1, in) : 0;
	text[n] = '\0';
	if (in)
		fclose(in);
	CHECK(strstr(text, "\nmentorbot_up 0\n") != NULL);
	CHECK(prometheus_lines(text) > 15);
	unlink(path);
	free(path);
}

int
main(void)
{
	umask(077);
	RUN(classification);
	RUN(scrub_removes_addresses);
	RUN(figures_from_a_database);
	RUN(status_file_round_trip_and_liveness);
	RUN(metrics_text_format);
	char *side[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		char *p = xasprintf("%s%s", dbpath, side[i]);
		unlink(p);
		free(p);
	}
	return t_done();
}
