/*
 * daemon.c - "mentorbot run": the daemon's start, its threads and its stop.
 * bot/main.c explains the design (a thread per transport, one core) and
 * calls daemon_run from its sub-command table.
 *
 * The main thread loads the configuration and templates, opens the
 * database, starts the WAL checkpointer, every configured transport (in
 * transports[] order; each runs on threads of its own, mail's IMAP half
 * too) and the scheduler.  Then it only waits for signals: SIGHUP reopens
 * the log and reads the configuration and templates again (bot/reload.h:
 * a bad file changes nothing; the live keys take effect, the chat
 * transports join and leave rooms), SIGUSR1 logs the transports' status,
 * SIGTERM/SIGINT stop.  Stopping goes in the reverse order.  Between
 * signals it publishes its state (status_pub.h): systemd's READY=1,
 * STATUS= and watchdog pings, the status file beside the database and the
 * metrics file, and rewrites the public page of [site] dir when its items
 * changed.
 */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bluesky.h"
#include "cli.h"
#include "config.h"
#include "dispatch.h"
#include "flood.h"
#include "parsebox.h"
#include "reload.h"
#include "scheduler.h"
#include "sender.h"
#include "site.h"
#include "social.h"
#include "social_net.h"
#include "state/checkpoint.h"
#include "state/retention.h"
#include "state/state.h"
#include "status_pub.h"
#include "templates.h"
#include "transport.h"
#include "util.h"

static volatile sig_atomic_t stop_flag, reload_flag, status_flag;
static int wake_pipe[2] = {-1, -1};

static void
on_signal(int sig)
{
	int saved = errno;
	if (sig == SIGHUP)
		reload_flag = 1;
	else if (sig == SIGUSR1)
		status_flag = 1;
	else
		stop_flag = 1;
	if (wake_pipe[1] >= 0) {
		ssize_t r = write(wake_pipe[1], "x", 1);
		(void)r;
	}
	errno = saved;
}

/* The transports, in start order; they stop in the reverse order. */
static const struct transport_ops *const transports[] = {
	&mail_transport_ops,     &xmpp_transport_ops,     &matrix_transport_ops,   &bluesky_transport_ops,
	&mastodon_transport_ops, &linkedin_transport_ops, &facebook_transport_ops, &x_transport_ops};

struct runtime {
	struct config *cfg; /* the current one: daemon_run's, then the last good SIGHUP's */
	/* the configurations SIGHUP replaced: threads may still point into them, so they are
	 * freed at stop (one per reload, see bot/reload.h) */
	struct config **old_cfg;
	size_t nold_cfg;
	struct config *first_cfg; /* daemon_run's (on its stack, freed there) */
	struct core core;
	struct templates *tmpl;
	pthread_rwlock_t tmpl_lock;
	void *transport[ARRAY_LEN(transports)]; /* NULL: not configured, did not start or stopped */
	pthread_rwlock_t transport_lock;        /* written: a slot set (start) or cleared (stop) */
	struct db *db;                          /* the main thread's connection */
	struct scheduler *sched;                /* reminders, deadlines, cascades */
};

static void
rt_reload(void *ud)
{
	struct runtime *rt = ud;
	reload_flag = 0;
	log_reopen();
	struct config *n = reload_load(rt->cfg->path, rt->cfg);
	if (!n) {
		log_err("SIGHUP: the configuration has errors; nothing changed");
		return;
	}
	struct templates *t = NULL;
	if (cli_load_templates(n->bot.templates, &t) != 0) {
		log_err("SIGHUP: templates have errors; keeping the old configuration and templates");
		config_free(n);
		free(n);
		return;
	}
	templates_free(reload_swap(&rt->core, &rt->tmpl_lock, n, t));
	rt->tmpl = t;
	if (rt->cfg != rt->first_cfg) {
		rt->old_cfg = xrealloc(rt->old_cfg, (rt->nold_cfg + 1) * sizeof *rt->old_cfg);
		rt->old_cfg[rt->nold_cfg++] = rt->cfg;
	}
	rt->cfg = n;
	pthread_rwlock_rdlock(&rt->transport_lock);
	for (size_t i = 0; i < ARRAY_LEN(transports); i++)
		if (rt->transport[i] && transports[i]->reconfigure)
			transports[i]->reconfigure(rt->transport[i], n);
	pthread_rwlock_unlock(&rt->transport_lock);
	log_info("SIGHUP: configuration and templates reloaded");
}

/* At stop, after every thread: the configurations SIGHUP read. */
static void
rt_free_configs(struct runtime *rt)
{
	for (size_t i = 0; i < rt->nold_cfg; i++) {
		config_free(rt->old_cfg[i]);
		free(rt->old_cfg[i]);
	}
	free(rt->old_cfg);
	if (rt->cfg != rt->first_cfg) {
		config_free(rt->cfg);
		free(rt->cfg);
	}
	rt->cfg = rt->first_cfg;
}

static void
rt_notify(void *ud, const char *transport)
{
	struct runtime *rt = ud;
	/* any thread: a handle is never freed while a notify on it runs (rt_stop_transports) */
	pthread_rwlock_rdlock(&rt->transport_lock);
	for (size_t i = 0; i < ARRAY_LEN(transports); i++)
		if (strcmp(transport, transports[i]->name) == 0) {
			transports[i]->notify(rt->transport[i]);
			break;
		}
	pthread_rwlock_unlock(&rt->transport_lock);
}

/* One status line per configured transport (SIGUSR1, and when stopping). */
static void
rt_status(void *ud)
{
	struct runtime *rt = ud;
	for (size_t i = 0; i < ARRAY_LEN(transports); i++)
		if (transports[i]->configured(rt->cfg))
			transport_log_status(transports[i], rt->transport[i], rt->db);
}

/* Start every configured transport.  Under the write lock: a thread a transport
 * starts may notify another at once, and waits until the slots are written. */
static void
rt_start_transports(struct runtime *rt, volatile sig_atomic_t *stop)
{
	pthread_rwlock_wrlock(&rt->transport_lock);
	for (size_t i = 0; i < ARRAY_LEN(transports); i++) {
		const struct transport_ops *t = transports[i];
		struct transport_ctx tc = {rt->cfg, &rt->core, rt->cfg->bot.database, stop};
		if (!t->configured(rt->cfg))
			continue;
		if (t->start(&rt->transport[i], &tc) == 0)
			continue;
		if (!t->optional)
			fatal("cannot start the %s", t->what);
		log_err("event=start_failed transport=%s action=continue", t->name);
	}
	/* a chat-only office whose chat transports all failed to start would hear nothing */
	int inbound = rt->transport[0] && rt->cfg->imap.present;
	for (size_t i = 1; i < ARRAY_LEN(transports); i++)
		inbound |= rt->transport[i] != NULL && !social_channel(transports[i]->name); /* posts only */
	pthread_rwlock_unlock(&rt->transport_lock);
	if (!inbound)
		fatal("no transport that receives commands could start");
}

/* Stop them in the reverse order.  Each slot is cleared first, so that no thread
 * notifies a transport while it is freed (the others may still dispatch). */
static void
rt_stop_transports(struct runtime *rt)
{
	for (size_t i = ARRAY_LEN(transports); i-- > 0;) {
		pthread_rwlock_wrlock(&rt->transport_lock);
		void *h = rt->transport[i];
		rt->transport[i] = NULL;
		pthread_rwlock_unlock(&rt->transport_lock);
		transports[i]->stop(h);
	}
}

/* What the daemon publishes about itself: systemd notifications, status and metrics files. */
static struct status_pub pub;
/* The public page in [site] dir, rewritten when what it shows changed (bot/site.h). */
static struct site_watch site;

/* Each transport's state now, in status_transport_names order, for status_pub_tick. */
static void
rt_snapshot(struct runtime *rt, struct status_transport snap[STATUS_NTRANSPORTS])
{
	memset(snap, 0, STATUS_NTRANSPORTS * sizeof *snap);
	pthread_rwlock_rdlock(&rt->transport_lock);
	for (size_t i = 0; i < ARRAY_LEN(transports); i++)
		for (size_t j = 0; j < STATUS_NTRANSPORTS; j++) {
			if (strcmp(transports[i]->name, status_transport_names[j]) != 0)
				continue;
			struct status_transport *s = &snap[j];
			s->configured = transports[i]->configured(rt->cfg);
			s->running = rt->transport[i] != NULL;
			if (s->running) {
				struct transport_status st = {0};
				st.connected = -1;
				transports[i]->status(rt->transport[i], &st);
				s->connected = st.connected;
				s->last_success = st.last_send;
				snprintf(s->last_error, sizeof s->last_error, "%s", st.last_error);
			}
		}
	pthread_rwlock_unlock(&rt->transport_lock);
}

/* Publish the state; the poll timeout until the next time. */
static int
rt_publish(struct runtime *rt)
{
	struct status_transport snap[STATUS_NTRANSPORTS];
	rt_snapshot(rt, snap);
	return status_pub_tick(&pub, snap);
}

/* The main thread after the start: wait for signals and act on them; publish the state. */
static void
rt_wait_signals(struct runtime *rt)
{
	int timeout = rt_publish(rt);
	site_tick(&site, rt->db, rt->cfg, rt->tmpl);
	while (!stop_flag) {
		struct pollfd p = {wake_pipe[0], POLLIN, 0};
		if (poll(&p, 1, timeout) > 0) {
			char buf[64];
			while (read(wake_pipe[0], buf, sizeof buf) > 0)
				;
		}
		if (reload_flag) {
			status_pub_reloading(&pub);
			rt_reload(rt);
			status_pub_reloaded(&pub);
		}
		if (status_flag) {
			status_flag = 0;
			rt_status(rt);
		}
		if (!stop_flag) {
			timeout = rt_publish(rt);
			site_tick(&site, rt->db, rt->cfg, rt->tmpl);
		}
	}
	status_pub_stopping(&pub); /* before anything stops */
}

int
daemon_run(const char *path, int verbose)
{
	struct config cfg;
	struct runtime rt;
	memset(&rt, 0, sizeof rt);
	if (cli_load_config(path, &cfg)) {
		config_free(&cfg);
		return 1;
	}
	log_open(cfg.bot.log && strcmp(cfg.bot.log, "syslog") == 0, verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if (cli_load_templates(cfg.bot.templates, &rt.tmpl)) {
		config_free(&cfg);
		return 1;
	}
	if (cli_check_transports(rt.tmpl, &cfg, path)) {
		templates_free(rt.tmpl);
		config_free(&cfg);
		return 1;
	}
	/* one malloc arena for all threads: each thread's own arena costs resident
	 * memory, and the threads spend their time waiting, not allocating */
	mallopt(M_ARENA_MAX, 1);
	struct db *db = NULL;
	/* first: every connection opened after it leaves its WAL checkpoints to this thread */
	if (db_checkpointer_start(cfg.bot.database, NULL) < 0)
		log_warn("database: checkpoints stay in the commits");
	if (db_open(&db, cfg.bot.database) < 0 || core_key_load(&rt.core, db) < 0) {
		db_close(db);
		db_checkpointer_stop();
		templates_free(rt.tmpl);
		config_free(&cfg);
		return 1;
	}
	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		fatal("pipe: %s", strerror(errno));
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rt.cfg = rt.first_cfg = &cfg;
	rt.db = db;
	rt.core.cfg = &cfg;
	rt.core.tmpl = rt.tmpl;
	rt.core.caps.max_size = (size_t)cfg.bot.max_mail_size;
	rt.core.caps.max_depth = 20;
	rt.core.caps.max_parts = 500;
	rt.core.bot_addr = cfg.smtp.from_addr;
	{
		struct parsebox_limits pl = {(size_t)cfg.bot.parser_memory, cfg.bot.parser_timeout * 1000};
		rt.core.parser = parsebox_new(NULL, &pl);
	}
	pthread_rwlock_init(&rt.tmpl_lock, NULL);
	pthread_rwlock_init(&rt.transport_lock, NULL);
	rt.core.tmpl_lock = &rt.tmpl_lock;
	rt.core.flood = flood_new(cfg.bot.flood_rate, cfg.bot.flood_burst);
	rt.core.notify = rt_notify;
	rt.core.notify_ud = &rt;
	const char *at = cfg.smtp.from_addr ? strrchr(cfg.smtp.from_addr, '@') : NULL;
	rt.core.bot_domain = at ? at + 1 : "mentorbot.invalid";

	rt_start_transports(&rt, &stop_flag);

	/* the daily purge re-arms itself; this starts the chain (or finds it pending) */
	if (retention_arm(db, now_s()) != DB_OK)
		log_warn("retention: cannot schedule the daily purge");
	{
		struct transport_ctx sc = {&cfg, &rt.core, cfg.bot.database, &stop_flag};
		if (scheduler_start(&rt.sched, &sc, sched_kinds, sched_nkinds) < 0)
			fatal("cannot start the scheduler thread");
	}

	log_info("mentorbot %s started (database %s, schema %d)", MENTORBOT_VERSION, cfg.bot.database,
		 db_schema_version(db));
	status_pub_start(&pub, cfg.bot.database, cfg.bot.metrics_file, MENTORBOT_VERSION);
	rt_wait_signals(&rt);

	log_info("stopping");
	rt_status(&rt);
	scheduler_join(rt.sched);
	rt.sched = NULL;
	rt_stop_transports(&rt);
	status_pub_end(&pub);
	site_watch_free(&site);
	db_close(db);
	db_checkpointer_stop();
	templates_free(rt.tmpl);
	flood_free(rt.core.flood);
	parsebox_free(rt.core.parser);
	pthread_rwlock_destroy(&rt.tmpl_lock);
	pthread_rwlock_destroy(&rt.transport_lock);
	rt_free_configs(&rt);
	config_free(&cfg);
	close(wake_pipe[0]);
	close(wake_pipe[1]);
	log_info("stopped");
	return 0;
}
