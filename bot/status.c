/*
 * status.c - the health figures (status.h): the runtime status file the
 * daemon publishes, the database's backlog figures, and their Nagios
 * classification.  The database is read on a connection of its own that
 * never creates the file and writes nothing (a reader in WAL mode never
 * blocks the daemon's writers).
 */
#include "status.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

const char *const status_transport_names[STATUS_NTRANSPORTS] = {"mail", "xmpp", "matrix"};

char *
status_path(const char *database)
{
	return xasprintf("%s.status", database);
}

void
status_scrub(char *s, size_t size)
{
	struct buf b = BUF_INIT;
	const char *p = s;
	while (*p) {
		if (isspace((unsigned char)*p)) {
			buf_addc(&b, *p++);
			continue;
		}
		const char *e = p;
		while (*e && !isspace((unsigned char)*e))
			e++;
		if (memchr(p, '@', (size_t)(e - p)))
			buf_adds(&b, "<address>");
		else
			buf_add(&b, p, (size_t)(e - p));
		p = e;
	}
	snprintf(s, size, "%s", b.p ? b.p : "");
	buf_free(&b);
}

/* ---- the status file ---- */

static int64_t
jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_true(v))
		return 1;
	return 0;
}

int
status_file_read(const char *path, struct status_daemon *d)
{
	memset(d, 0, sizeof *d);
	json_error_t err;
	json_t *o = json_load_file(path, 0, &err);
	if (!json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	d->present = 1;
	d->pid = jint(o, "pid");
	d->started = jint(o, "started");
	d->updated = jint(o, "updated");
	d->ready = jint(o, "ready") != 0;
	json_t *tr = json_object_get(o, "transports");
	for (size_t i = 0; i < STATUS_NTRANSPORTS; i++) {
		json_t *t = json_object_get(tr, status_transport_names[i]);
		struct status_transport *s = &d->tr[i];
		s->connected = -1;
		if (!json_is_object(t))
			continue;
		s->configured = jint(t, "configured") != 0;
		s->running = jint(t, "running") != 0;
		json_t *c = json_object_get(t, "connected");
		s->connected = json_is_integer(c) ? (int)json_integer_value(c) : -1;
		s->last_success = jint(t, "last_success");
		const char *e = json_string_value(json_object_get(t, "last_error"));
		snprintf(s->last_error, sizeof s->last_error, "%s", e ? e : "");
	}
	json_decref(o);
	return 0;
}

int
status_file_write(const char *path, const struct status_daemon *d, const char *version)
{
	json_t *o = json_object();
	json_object_set_new(o, "format", json_integer(1));
	json_object_set_new(o, "pid", json_integer(d->pid));
	json_object_set_new(o, "version", json_string(version));
	json_object_set_new(o, "started", json_integer(d->started));
	json_object_set_new(o, "updated", json_integer(d->updated));
	json_object_set_new(o, "ready", json_boolean(d->ready));
	json_t *tr = json_object();
	for (size_t i = 0; i < STATUS_NTRANSPORTS; i++) {
		const struct status_transport *s = &d->tr[i];
		json_t *t = json_object();
		json_object_set_new(t, "configured", json_boolean(s->configured));
		json_object_set_new(t, "running", json_boolean(s->running));
		json_object_set_new(t, "connected", json_integer(s->connected));
		json_object_set_new(t, "last_success", json_integer(s->last_success));
		char e[sizeof s->last_error];
		snprintf(e, sizeof e, "%s", s->last_error);
		status_scrub(e, sizeof e);
		json_object_set_new(t, "last_error", json_string(e));
		json_object_set_new(tr, status_transport_names[i], t);
	}
	json_object_set_new(o, "transports", tr);
	char *text = json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(o);
	/* like the database: pids and transport states are the bot's own business */
	int rc = text ? write_file_atomic(path, text, strlen(text), 0600) : -1;
	free(text);
	return rc;
}

/* ---- the database ---- */

/* The first row's two integers of sql (bound ?1 = now); 0 ok, -1 failed. */
static int
query2(sqlite3 *h, const char *sql, int64_t now, int64_t *a, int64_t *b)
{
	sqlite3_stmt *st = NULL;
	*a = 0;
	if (b)
		*b = 0;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, now);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*a = sqlite3_column_int64(st, 0);
		if (b)
			*b = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* now - oldest when there are rows and oldest is in the past, else 0 */
static int64_t
age(int64_t count, int64_t oldest, int64_t now)
{
	return count > 0 && oldest > 0 && oldest < now ? now - oldest : 0;
}

static int
gather_db(const char *database, struct status_figures *f)
{
	struct stat sb;
	if (stat(database, &sb) < 0)
		return -1; /* never create it: a wrong path is a finding, not a new database */
	sqlite3 *h = NULL;
	if (sqlite3_open_v2(database, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		return -1;
	}
	sqlite3_busy_timeout(h, 5000);
	int64_t n, oldest, pages, size;
	int rc = 0;
	/* one snapshot for every figure */
	rc |= sqlite3_exec(h, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ? -1 : 0;
	rc |= query2(h, "SELECT count(*), min(created) FROM outbox WHERE status = 'pending'", 0, &n, &oldest);
	f->outbox_pending = n;
	f->outbox_oldest_age = age(n, oldest, f->now);
	rc |= query2(h, "SELECT count(*), min(received) FROM inbound WHERE status = 'new'", 0, &n, &oldest);
	f->journal_pending = n;
	f->journal_oldest_age = age(n, oldest, f->now);
	rc |= query2(h, "SELECT count(*) FROM inbound WHERE status = 'quarantined'", 0, &f->quarantine, NULL);
	rc |= query2(h, "SELECT count(*), min(due) FROM job WHERE done = 0 AND due <= ?1", f->now, &n, &oldest);
	f->scheduler_due = n;
	f->scheduler_lag = age(n, oldest, f->now);
	rc |= query2(h, "PRAGMA page_count", 0, &pages, NULL);
	rc |= query2(h, "PRAGMA page_size", 0, &size, NULL);
	sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(h);
	f->db_bytes = pages * size;
	char *wal = xasprintf("%s-wal", database);
	if (stat(wal, &sb) == 0)
		f->db_bytes += (int64_t)sb.st_size;
	free(wal);
	return rc ? -1 : 0;
}

void
status_gather(const char *database, struct status_figures *f)
{
	memset(f, 0, sizeof *f);
	f->now = now_s();
	f->wall = (int64_t)time(NULL);
	char *sp = status_path(database);
	if (status_file_read(sp, &f->d) == 0) {
		f->stale = f->wall - f->d.updated > STATUS_STALE_S;
		int alive = f->d.pid > 0 && (kill((pid_t)f->d.pid, 0) == 0 || errno == EPERM);
		f->running = alive && !f->stale;
	}
	free(sp);
	f->db_ok = gather_db(database, f) == 0;
}

/* ---- the classification ---- */

const char *
status_level_name(enum status_level l)
{
	static const char *const names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
	return (unsigned)l < ARRAY_LEN(names) ? names[l] : "UNKNOWN";
}

static void
add_reason(struct status_reason *out, size_t max, size_t *n, enum status_level *level, enum status_level l,
	   const char *code, const char *transport, int64_t value, int64_t limit)
{
	if (l > *level)
		*level = l;
	if (*n < max)
		out[*n] = (struct status_reason){l, code, transport, value, limit};
	(*n)++;
}

enum status_level
status_classify(const struct status_figures *f, struct status_reason *out, size_t max, size_t *n)
{
	enum status_level level = STATUS_OK;
	size_t k = 0;
	if (!f->db_ok)
		add_reason(out, max, &k, &level, STATUS_CRITICAL, "database_unavailable", NULL, 0, 0);
	if (!f->d.present)
		add_reason(out, max, &k, &level, STATUS_CRITICAL, "daemon_not_running", NULL, 0, 0);
	else if (f->stale)
		add_reason(out, max, &k, &level, STATUS_CRITICAL, "status_stale", NULL, f->wall - f->d.updated,
			   STATUS_STALE_S);
	else if (!f->running)
		add_reason(out, max, &k, &level, STATUS_CRITICAL, "daemon_not_running", NULL, 0, 0);
	if (f->running)
		for (size_t i = 0; i < STATUS_NTRANSPORTS; i++) {
			const struct status_transport *t = &f->d.tr[i];
			if (t->configured && (!t->running || t->connected == 0))
				add_reason(out, max, &k, &level, STATUS_WARNING, "transport_disconnected",
					   status_transport_names[i], t->last_success ? f->wall - t->last_success : -1,
					   0);
		}
	if (f->db_ok) {
		if (f->outbox_oldest_age > STATUS_WARN_OUTBOX_S)
			add_reason(out, max, &k, &level, STATUS_WARNING, "outbox_backlog", NULL, f->outbox_oldest_age,
				   STATUS_WARN_OUTBOX_S);
		if (f->journal_oldest_age > STATUS_WARN_JOURNAL_S)
			add_reason(out, max, &k, &level, STATUS_WARNING, "journal_backlog", NULL, f->journal_oldest_age,
				   STATUS_WARN_JOURNAL_S);
		if (f->scheduler_lag > STATUS_WARN_SCHED_S)
			add_reason(out, max, &k, &level, STATUS_WARNING, "scheduler_lag", NULL, f->scheduler_lag,
				   STATUS_WARN_SCHED_S);
	}
	*n = k < max ? k : max;
	return level;
}
