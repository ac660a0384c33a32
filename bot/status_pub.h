/*
 * status_pub.h - what the daemon's main thread tells the world about
 * itself (bot/daemon.c calls it from its signal loop): systemd's
 * notifications (READY=1, STATUS=, WATCHDOG=1, RELOADING=1, STOPPING=1;
 * notify.h), the runtime status file (status.h) and the metrics file
 * ([bot] metrics_file).  Main thread only.
 */
#ifndef MB_STATUS_PUB_H
#define MB_STATUS_PUB_H

#include <stdint.h>

#include "status.h"

/* How long READY=1 waits for every started transport to connect; after that
 * the daemon is ready anyway: the transports that did not connect are retrying. */
#define STATUS_READY_WAIT_MS 10000
/* How often the main loop looks at the transports' state (STATUS= and the status file). */
#define STATUS_POLL_MS 2000

struct status_pub {
	char *db_path, *status_path, *metrics_path, *version; /* copies */
	struct status_daemon d;                               /* as last seen */
	char line[768];                                       /* the last STATUS= sent */
	int64_t start_ms, written_ms, metrics_ms, wd_ms;      /* mono_ms() */
	int64_t wd_interval_ms;                               /* half of $WATCHDOG_USEC; 0: no pings */
	int ready, write_failed, metrics_failed;
};

/* At the start, after the transports were started.  metrics_path may be NULL. */
void status_pub_start(struct status_pub *p, const char *db_path, const char *metrics_path, const char *version);
/* The transports' state now (configured, running, connected, last_error; last_success: the
 * server's last accepted row, 0 none), in status_transport_names order.  Sends what changed,
 * rewrites the files when due, pings the watchdog.  Returns the poll timeout (ms) until the
 * next call is due. */
int status_pub_tick(struct status_pub *p, const struct status_transport snap[STATUS_NTRANSPORTS]);
/* Around a SIGHUP reload: RELOADING=1 before, READY=1 after. */
void status_pub_reloading(struct status_pub *p);
void status_pub_reloaded(struct status_pub *p);
/* SIGTERM/SIGINT: STOPPING=1, before the transports stop. */
void status_pub_stopping(struct status_pub *p);
/* After everything stopped: remove the status file (a clean stop), free p. */
void status_pub_end(struct status_pub *p);

#endif
