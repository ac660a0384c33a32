/*
 * status_pub.c - the daemon publishes its state (status_pub.h): systemd
 * notifications, the runtime status file, the metrics file.
 *
 * READY=1 goes out once every started transport reports connected (or
 * cannot tell), or STATUS_READY_WAIT_MS after the start, whichever comes
 * first: a transport that has not connected by then is retrying with its
 * back-off, and systemd should not hold the start for a server that is down.
 * The STATUS= line names each configured transport's state and last error
 * (scrubbed of addresses); it is sent when it changes.  WATCHDOG=1 goes out
 * at half the interval systemd asked for.
 */
#include "status_pub.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"
#include "util.h"

void
status_pub_start(struct status_pub *p, const char *db_path, const char *metrics_path, const char *version)
{
	memset(p, 0, sizeof *p);
	p->db_path = xstrdup(db_path);
	p->status_path = status_path(db_path);
	p->metrics_path = metrics_path && *metrics_path ? xstrdup(metrics_path) : NULL;
	p->version = xstrdup(version);
	p->start_ms = mono_ms();
	p->metrics_ms = p->start_ms - (int64_t)STATUS_METRICS_S * 1000; /* the first tick writes it */
	p->d.present = 1;
	p->d.pid = (int64_t)getpid();
	p->d.started = (int64_t)time(NULL);
	uint64_t wd = notify_watchdog_usec();
	p->wd_interval_ms = wd ? (int64_t)(wd / 2000) : 0;
	if (wd && p->wd_interval_ms < 1)
		p->wd_interval_ms = 1;
	p->wd_ms = p->start_ms;
	if (wd)
		log_info("systemd watchdog: a ping every %lld ms", (long long)p->wd_interval_ms);
}

/* The STATUS= text: each configured transport's state. */
static void
status_text(const struct status_pub *p, char *out, size_t size)
{
	struct buf b = BUF_INIT;
	if (!p->ready)
		buf_adds(&b, "starting: ");
	for (size_t i = 0; i < STATUS_NTRANSPORTS; i++) {
		const struct status_transport *t = &p->d.tr[i];
		if (!t->configured)
			continue;
		const char *state = !t->running        ? "not running"
				    : t->connected > 0 ? "connected"
				    : t->connected < 0 ? "running"
				    : p->ready         ? "retrying"
						       : "connecting";
		buf_addf(&b, "%s%s %s", b.len && b.p[b.len - 1] != ' ' ? ", " : "", status_transport_names[i], state);
		if (t->connected <= 0 && t->last_error[0])
			buf_addf(&b, " (last error: %s)", t->last_error);
	}
	snprintf(out, size, "%s", b.p ? b.p : "");
	buf_free(&b);
}

/* Take snap into p->d; 1 when something an observer cares about changed. */
static int
merge(struct status_pub *p, const struct status_transport snap[STATUS_NTRANSPORTS], int64_t wall)
{
	int changed = 0;
	for (size_t i = 0; i < STATUS_NTRANSPORTS; i++) {
		struct status_transport *t = &p->d.tr[i];
		struct status_transport s = snap[i];
		status_scrub(s.last_error, sizeof s.last_error);
		if (t->configured != s.configured || t->running != s.running || t->connected != s.connected ||
		    strcmp(t->last_error, s.last_error) != 0)
			changed = 1;
		int64_t last = t->last_success;
		if (s.last_success > last)
			last = s.last_success;
		if (s.running && s.connected > 0)
			last = wall;
		*t = s;
		t->last_success = last;
	}
	return changed;
}

/* Every started transport connected (or unable to tell)? */
static int
all_connected(const struct status_pub *p)
{
	for (size_t i = 0; i < STATUS_NTRANSPORTS; i++)
		if (p->d.tr[i].configured && p->d.tr[i].running && p->d.tr[i].connected == 0)
			return 0;
	return 1;
}

static void
write_status(struct status_pub *p, int64_t now_ms, int64_t wall)
{
	p->d.updated = wall;
	p->d.ready = p->ready;
	if (status_file_write(p->status_path, &p->d, p->version) < 0) {
		if (!p->write_failed)
			log_warn("cannot write the status file %s: %s", p->status_path, strerror(errno));
		p->write_failed = 1;
	} else {
		p->write_failed = 0;
	}
	p->written_ms = now_ms;
}

static void
write_metrics(struct status_pub *p, int64_t now_ms)
{
	struct status_figures f;
	status_gather(p->db_path, &f);
	if (status_metrics_write(p->metrics_path, &f, p->version) < 0) {
		if (!p->metrics_failed)
			log_warn("cannot write the metrics file %s: %s", p->metrics_path, strerror(errno));
		p->metrics_failed = 1;
	} else {
		p->metrics_failed = 0;
	}
	p->metrics_ms = now_ms;
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

int
status_pub_tick(struct status_pub *p, const struct status_transport snap[STATUS_NTRANSPORTS])
{
	int64_t now = mono_ms(), wall = (int64_t)time(NULL);
	int changed = merge(p, snap, wall);
	const char *ready_now = "";
	if (!p->ready && (all_connected(p) || now - p->start_ms >= STATUS_READY_WAIT_MS)) {
		p->ready = 1;
		changed = 1;
		ready_now = "READY=1\n";
		log_info("ready%s", all_connected(p) ? "" : " (some transports are still connecting)");
	}
	char line[sizeof p->line];
	status_text(p, line, sizeof line);
	if (*ready_now || strcmp(line, p->line) != 0) {
		notify_sendf("%sSTATUS=%s", ready_now, line);
		snprintf(p->line, sizeof p->line, "%s", line);
	}
	if (changed || p->written_ms == 0 || now - p->written_ms >= (int64_t)STATUS_REWRITE_S * 1000)
		write_status(p, now, wall);
	if (p->metrics_path && now - p->metrics_ms >= (int64_t)STATUS_METRICS_S * 1000)
		write_metrics(p, now);
	if (p->wd_interval_ms && now - p->wd_ms >= p->wd_interval_ms) {
		notify_send("WATCHDOG=1");
		p->wd_ms = now;
	}
	/* the next tick: the transports' state, the files, the watchdog, whichever is first */
	int64_t next = p->ready ? STATUS_POLL_MS : 200;
	next = min64(next, p->written_ms + (int64_t)STATUS_REWRITE_S * 1000 - now);
	if (p->metrics_path)
		next = min64(next, p->metrics_ms + (int64_t)STATUS_METRICS_S * 1000 - now);
	if (p->wd_interval_ms)
		next = min64(next, p->wd_ms + p->wd_interval_ms - now);
	return next < 1 ? 1 : (int)next;
}

void
status_pub_reloading(struct status_pub *p)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	notify_sendf("RELOADING=1\nSTATUS=reloading the configuration\nMONOTONIC_USEC=%llu",
		     (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
	p->line[0] = '\0';
}

void
status_pub_reloaded(struct status_pub *p)
{
	char line[sizeof p->line];
	status_text(p, line, sizeof line);
	notify_sendf("%sSTATUS=%s", p->ready ? "READY=1\n" : "", line);
	snprintf(p->line, sizeof p->line, "%s", line);
}

void
status_pub_stopping(struct status_pub *p)
{
	notify_send("STOPPING=1\nSTATUS=stopping");
	snprintf(p->line, sizeof p->line, "stopping");
}

void
status_pub_end(struct status_pub *p)
{
	if (p->status_path && unlink(p->status_path) < 0 && errno != ENOENT)
		log_warn("cannot remove the status file %s: %s", p->status_path, strerror(errno));
	if (p->metrics_path)
		write_metrics(p, mono_ms()); /* mentorbot_up 0 */
	free(p->db_path);
	free(p->status_path);
	free(p->metrics_path);
	free(p->version);
	memset(p, 0, sizeof *p);
}
