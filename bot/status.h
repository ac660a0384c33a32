/*
 * status.h - the bot's health in figures: what `mentorbot status` prints,
 * what the metrics file ([bot] metrics_file) holds, and the runtime status
 * file the daemon publishes for both.
 *
 * The daemon writes "<database>.status" (status_file_write) at start, when
 * a transport's state changes and at least every STATUS_REWRITE_S seconds,
 * atomically (a temporary file beside it, then rename), and removes it when
 * it stops cleanly.  It is JSON:
 *
 *   {"format": 1, "pid": 1234, "version": "0.1.0", "started": T, "updated": T,
 *    "ready": true,
 *    "transports": {"mail": {"configured": true, "running": true, "connected": 1,
 *                            "last_success": T, "last_error": "…"}, "xmpp": …, "matrix": …}}
 *
 * (T: Unix time in seconds; connected 1 yes, 0 no, -1 cannot tell; last_success
 * the last moment the transport was seen connected or the server took a row, 0
 * never; last_error without addresses.)  status_gather() reads it back together
 * with the database's figures; status_classify() turns the figures into the
 * Nagios levels.  Pure but for status_gather and the file writers.
 */
#ifndef MB_STATUS_H
#define MB_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "templates.h"

struct buf;

/* The thresholds (seconds).  Documented in mentorbot(8). */
#define STATUS_STALE_S 180        /* status file not rewritten for longer: the daemon hangs or is gone (CRITICAL) */
#define STATUS_REWRITE_S 15       /* the daemon rewrites the status file at least this often */
#define STATUS_WARN_OUTBOX_S 900  /* the oldest unsent outbox row is older (WARNING) */
#define STATUS_WARN_JOURNAL_S 300 /* the oldest journalled, not yet handled message is older (WARNING) */
#define STATUS_WARN_SCHED_S 300   /* the oldest due scheduler job waits longer (WARNING) */
#define STATUS_METRICS_S 60       /* the daemon rewrites the metrics file this often */

#define STATUS_NTRANSPORTS 3
extern const char *const status_transport_names[STATUS_NTRANSPORTS]; /* "mail", "xmpp", "matrix" */

struct status_transport {
	int configured;       /* in the configuration */
	int running;          /* started and not stopped */
	int connected;        /* 1 yes, 0 no, -1 the transport cannot tell */
	int64_t last_success; /* Unix time, 0 never */
	char last_error[256]; /* "" none; never an address (status_scrub) */
};

/* What the daemon publishes about itself. */
struct status_daemon {
	int present; /* the status file was there and readable */
	int64_t pid, started, updated;
	int ready;
	struct status_transport tr[STATUS_NTRANSPORTS]; /* in status_transport_names order */
};

struct status_figures {
	int64_t now;  /* of the database's figures: now_s() */
	int64_t wall; /* of the status file's: time(NULL) */
	struct status_daemon d;
	int running;                                 /* the status file is fresh and its pid alive */
	int stale;                                   /* the status file is older than STATUS_STALE_S */
	int db_ok;                                   /* the database was opened and read */
	int64_t outbox_pending, outbox_oldest_age;   /* rows, seconds (0: none) */
	int64_t journal_pending, journal_oldest_age; /* inbound rows recorded, not handled yet */
	int64_t quarantine;                          /* inbound rows quarantined (kept until [retention]) */
	int64_t scheduler_due, scheduler_lag;        /* jobs due but not run; the oldest one's wait */
	int64_t db_bytes;                            /* page_count * page_size + the WAL file */
};

/* "<database>.status"; allocated. */
char *status_path(const char *database);

/* Fill *f from the database and its status file at database.  Never fails: what
 * cannot be read is marked (f->db_ok 0, f->d.present 0). */
void status_gather(const char *database, struct status_figures *f);
/* The daemon part only, from the status file path; 0 or -1 (absent or unreadable). */
int status_file_read(const char *path, struct status_daemon *d);
/* Write d to path atomically (path.tmp, rename).  0 or -1 (errno). */
int status_file_write(const char *path, const struct status_daemon *d, const char *version);

enum status_level {
	STATUS_OK = 0,
	STATUS_WARNING = 1,
	STATUS_CRITICAL = 2,
	STATUS_UNKNOWN = 3,
};
const char *status_level_name(enum status_level l); /* "OK", "WARNING", "CRITICAL", "UNKNOWN" */

/* Why the level is not OK: code (a stable word, e.g. "transport_disconnected"), the
 * transport it is about (or NULL), the figure compared (seconds, rows) and the threshold. */
struct status_reason {
	enum status_level level;
	const char *code;
	const char *transport;
	int64_t value, limit;
};
#define STATUS_MAX_REASONS 12
/* The level of f and its reasons (up to max into out, *n of them).  Pure. */
enum status_level status_classify(const struct status_figures *f, struct status_reason *out, size_t max, size_t *n);

/* Replace every word holding '@' (mail addresses, JIDs, Matrix ids) in s by "<address>". */
void status_scrub(char *s, size_t size);

/* The figures as Prometheus text exposition format (# HELP, # TYPE, samples). */
void status_metrics_text(struct buf *out, const struct status_figures *f, const char *version);
/* status_metrics_text() into path atomically, mode 0644 (no personal data: counts).  0 or -1. */
int status_metrics_write(const char *path, const struct status_figures *f, const char *version);

/* mentorbot status -c FILE [--json]   (bot/cli_status.c): exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN */
int cli_status(const char *conf, int argc, char **argv);
/* mentorbot backup -c FILE [--force] OUT.db   (bot/cli_backup.c): exit 0, 1 failed, 2 usage */
int cli_backup(const char *conf, int argc, char **argv);
/* The template keys of both (templates/<lang>/ops.txt). */
extern const struct tmpl_key tmpl_keys_ops[];

#endif
