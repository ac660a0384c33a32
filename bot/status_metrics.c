/*
 * status_metrics.c - the health figures (status.h) as a Prometheus text
 * file ([bot] metrics_file), for node_exporter's textfile collector or any
 * scraper that reads the format: "# HELP" and "# TYPE" lines, then the
 * samples, one per line, ending with a newline.  Written atomically.
 */
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static void
head(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
gauge(struct buf *b, const char *name, const char *help, long long v)
{
	head(b, name, "gauge", help);
	buf_addf(b, "%s %lld\n", name, v);
}

/* One gauge per transport, labelled transport="…"; which: 0 configured, 1 connected, 2 last success. */
static void
per_transport(struct buf *b, const struct status_figures *f, const char *name, const char *help, int which)
{
	head(b, name, "gauge", help);
	for (size_t i = 0; i < STATUS_NTRANSPORTS; i++) {
		const struct status_transport *t = &f->d.tr[i];
		long long v = which == 0   ? t->configured
			      : which == 1 ? (f->running && t->running && t->connected > 0)
					   : (long long)t->last_success;
		if (which != 0 && !t->configured)
			continue;
		buf_addf(b, "%s{transport=\"%s\"} %lld\n", name, status_transport_names[i], v);
	}
}

void
status_metrics_text(struct buf *b, const struct status_figures *f, const char *version)
{
	struct status_reason r[STATUS_MAX_REASONS];
	size_t nr;
	enum status_level level = status_classify(f, r, ARRAY_LEN(r), &nr);
	head(b, "mentorbot_info", "gauge", "Always 1; the version in a label.");
	buf_addf(b, "mentorbot_info{version=\"%s\"} 1\n", version);
	gauge(b, "mentorbot_up", "1 while the daemon runs (its status file is fresh and its process alive).",
	      f->running);
	gauge(b, "mentorbot_start_time_seconds", "When the daemon started, Unix time.",
	      f->d.present ? (long long)f->d.started : 0);
	gauge(b, "mentorbot_status_level", "The level of mentorbot status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
	      (long long)level);
	per_transport(b, f, "mentorbot_transport_configured", "1 when the transport is configured.", 0);
	per_transport(b, f, "mentorbot_transport_connected", "1 when the transport is connected to its server.", 1);
	per_transport(b, f, "mentorbot_transport_last_success_timestamp_seconds",
		      "When the transport was last seen connected or its server last took a message, Unix time "
		      "(0: never).",
		      2);
	gauge(b, "mentorbot_database_up", "1 when the database could be opened and read.", f->db_ok);
	gauge(b, "mentorbot_outbox_pending", "Outbox rows not sent yet.", (long long)f->outbox_pending);
	gauge(b, "mentorbot_outbox_oldest_age_seconds", "Age of the oldest unsent outbox row (0: none).",
	      (long long)f->outbox_oldest_age);
	gauge(b, "mentorbot_journal_pending", "Inbound messages recorded but not handled yet.",
	      (long long)f->journal_pending);
	gauge(b, "mentorbot_journal_oldest_age_seconds", "Age of the oldest inbound message not handled yet (0: none).",
	      (long long)f->journal_oldest_age);
	gauge(b, "mentorbot_quarantine_total", "Inbound messages quarantined and still kept.",
	      (long long)f->quarantine);
	gauge(b, "mentorbot_scheduler_due_jobs", "Scheduler jobs due but not run yet.", (long long)f->scheduler_due);
	gauge(b, "mentorbot_scheduler_lag_seconds", "How long the oldest due scheduler job has waited (0: none).",
	      (long long)f->scheduler_lag);
	gauge(b, "mentorbot_database_bytes", "Size of the database: pages in use times page size, plus the WAL file.",
	      (long long)f->db_bytes);
}

int
status_metrics_write(const char *path, const struct status_figures *f, const char *version)
{
	struct buf b = BUF_INIT;
	status_metrics_text(&b, f, version);
	/* counts only, no personal data: readable by a metrics collector running as another user */
	int rc = write_file_atomic(path, b.p ? b.p : "", b.len, 0644);
	buf_free(&b);
	return rc;
}
