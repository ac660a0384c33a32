/*
 * cli_status.c - mentorbot status -c FILE [--json]: the bot's health for an
 * operator or a monitoring system (Icinga/Nagios plugin conventions).
 *
 * The figures come from status_gather() (the database and the daemon's
 * status file, status.h) and status_classify().  The human form starts with
 * the plugin line "MENTORBOT <LEVEL> - <summary> | <perfdata>" and then one
 * line per figure, in [bot] language; --json prints the same figures with
 * stable keys for scripts.  Exit status: 0 OK, 1 WARNING, 2 CRITICAL,
 * 3 UNKNOWN (the configuration or the templates do not load).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "config.h"
#include "status.h"
#include "transport.h"
#include "util.h"

/* "45 s", "12 min 5 s", "3 h 20 min", "2 d 4 h": units every language reads */
static void
fmt_age(char *out, size_t size, int64_t s)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(out, size, "%lld s", (long long)s);
	else if (s < 3600)
		snprintf(out, size, "%lld min %lld s", (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400)
		snprintf(out, size, "%lld h %lld min", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(out, size, "%lld d %lld h", (long long)(s / 86400), (long long)(s % 86400 / 3600));
}

static void
fmt_time(char *out, size_t size, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (t <= 0 || !localtime_r(&tt, &tm) || !strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, size, "-");
}

static void
fmt_size(char *out, size_t size, int64_t b)
{
	if (b >= 1024 * 1024)
		snprintf(out, size, "%.1f MiB", (double)b / (1024.0 * 1024.0));
	else
		snprintf(out, size, "%.1f KiB", (double)b / 1024.0);
}

/* The transports' configuration, when the daemon does not say (it is not running). */
static void
configured_from(const struct config *cfg, struct status_figures *f)
{
	const struct transport_ops *ops[] = {&mail_transport_ops, &xmpp_transport_ops, &matrix_transport_ops};
	for (size_t i = 0; i < ARRAY_LEN(ops); i++)
		for (size_t j = 0; j < STATUS_NTRANSPORTS; j++)
			if (strcmp(ops[i]->name, status_transport_names[j]) == 0) {
				f->d.tr[j].configured = ops[i]->configured(cfg);
				f->d.tr[j].connected = -1;
			}
}

/* ---- the human form ---- */

static void
say_reason(struct buf *b, const struct templates *t, const char *lang, const struct status_reason *r)
{
	char key[64], age[48], limit[48];
	snprintf(key, sizeof key, "ops.reason.%s", r->code);
	fmt_age(age, sizeof age, r->value);
	fmt_age(limit, sizeof limit, r->limit);
	const char *vars[] = {"transport", r->transport, "age", age, "limit", limit, NULL};
	char *s = cli_text(t, lang, key, vars);
	buf_addf(b, "%s%s", b->len ? "; " : "", s);
	free(s);
}

static void
print_transports(const struct templates *t, const char *lang, const struct status_figures *f)
{
	for (size_t i = 0; i < STATUS_NTRANSPORTS; i++) {
		const struct status_transport *s = &f->d.tr[i];
		if (!s->configured)
			continue;
		const char *state = !f->running         ? "ops.status.unknown"
				    : !s->running       ? "ops.state.not_running"
				    : s->connected > 0  ? "ops.state.connected"
				    : s->connected == 0 ? "ops.state.disconnected"
							: "ops.state.unknown";
		char *st = cli_text(t, lang, state, NULL);
		char last[32];
		fmt_time(last, sizeof last, s->last_success);
		char *never = s->last_success ? NULL : cli_text(t, lang, "ops.status.never", NULL);
		const char *vars[] = {"transport", status_transport_names[i], "state", st,
				      "last",      never ? never : last,      "error", s->last_error,
				      NULL};
		cli_say(stdout, t, lang, s->last_error[0] ? "ops.status.transport.error" : "ops.status.transport",
			vars);
		free(never);
		free(st);
	}
}

static void
print_figures(const struct templates *t, const char *lang, const struct status_figures *f, const char *database)
{
	char n[32], age[48];
	if (!f->db_ok) {
		const char *vars[] = {"path", database, NULL};
		cli_say(stdout, t, lang, "ops.status.database.unavailable", vars);
		return;
	}
	snprintf(n, sizeof n, "%lld", (long long)f->outbox_pending);
	fmt_age(age, sizeof age, f->outbox_oldest_age);
	const char *ov[] = {"count", n, "age", age, NULL};
	cli_say(stdout, t, lang, "ops.status.outbox", ov);
	snprintf(n, sizeof n, "%lld", (long long)f->journal_pending);
	fmt_age(age, sizeof age, f->journal_oldest_age);
	const char *jv[] = {"count", n, "age", age, NULL};
	cli_say(stdout, t, lang, "ops.status.journal", jv);
	snprintf(n, sizeof n, "%lld", (long long)f->quarantine);
	const char *qv[] = {"count", n, NULL};
	cli_say(stdout, t, lang, "ops.status.quarantine", qv);
	snprintf(n, sizeof n, "%lld", (long long)f->scheduler_due);
	fmt_age(age, sizeof age, f->scheduler_lag);
	const char *sv[] = {"count", n, "age", age, NULL};
	cli_say(stdout, t, lang, "ops.status.scheduler", sv);
	char size[48];
	fmt_size(size, sizeof size, f->db_bytes);
	const char *dv[] = {"path", database, "size", size, NULL};
	cli_say(stdout, t, lang, "ops.status.database", dv);
}

static void
print_human(const struct templates *t, const char *lang, const struct status_figures *f, const char *database,
	    enum status_level level, const struct status_reason *r, size_t nr)
{
	struct buf sum = BUF_INIT;
	for (size_t i = 0; i < nr; i++)
		say_reason(&sum, t, lang, &r[i]);
	if (!nr) {
		char *s = cli_text(t, lang, "ops.status.all_well", NULL);
		buf_adds(&sum, s);
		free(s);
	}
	/* the plugin line: the level, the summary, then performance data for graphs */
	printf("MENTORBOT %s - %s | outbox_pending=%lld outbox_oldest_age=%llds journal_pending=%lld "
	       "journal_oldest_age=%llds quarantine=%lld scheduler_lag=%llds database_size=%lldB\n",
	       status_level_name(level), sum.p, (long long)f->outbox_pending, (long long)f->outbox_oldest_age,
	       (long long)f->journal_pending, (long long)f->journal_oldest_age, (long long)f->quarantine,
	       (long long)f->scheduler_lag, (long long)f->db_bytes);
	buf_free(&sum);
	char pid[24], started[32], updated[32];
	snprintf(pid, sizeof pid, "%lld", (long long)f->d.pid);
	fmt_time(started, sizeof started, f->d.started);
	fmt_time(updated, sizeof updated, f->d.updated);
	const char *vars[] = {"pid", pid, "started", started, "updated", updated, NULL};
	cli_say(stdout, t, lang,
		f->running ? "ops.status.daemon.running"
		: f->stale ? "ops.status.daemon.stale"
			   : "ops.status.daemon.stopped",
		vars);
	print_transports(t, lang, f);
	print_figures(t, lang, f, database);
}

/* ---- --json ---- */

static json_t *
json_transports(const struct status_figures *f)
{
	json_t *o = json_object();
	for (size_t i = 0; i < STATUS_NTRANSPORTS; i++) {
		const struct status_transport *s = &f->d.tr[i];
		json_t *t = json_object();
		json_object_set_new(t, "configured", json_boolean(s->configured));
		json_object_set_new(t, "running", json_boolean(f->running && s->running));
		json_object_set_new(t, "connected",
				    !f->running || s->connected < 0 ? json_null() : json_boolean(s->connected > 0));
		json_object_set_new(t, "last_success", s->last_success ? json_integer(s->last_success) : json_null());
		json_object_set_new(t, "last_error", s->last_error[0] ? json_string(s->last_error) : json_null());
		json_object_set_new(o, status_transport_names[i], t);
	}
	return o;
}

static json_t *
pair(const char *k1, int64_t v1, const char *k2, int64_t v2)
{
	json_t *o = json_object();
	json_object_set_new(o, k1, json_integer(v1));
	json_object_set_new(o, k2, json_integer(v2));
	return o;
}

static void
print_json(const struct status_figures *f, const char *database, enum status_level level, const struct status_reason *r,
	   size_t nr)
{
	json_t *o = json_object();
	json_object_set_new(o, "level", json_string(status_level_name(level)));
	json_object_set_new(o, "exit", json_integer(level));
	json_t *rs = json_array();
	for (size_t i = 0; i < nr; i++) {
		json_t *x = json_object();
		json_object_set_new(x, "level", json_string(status_level_name(r[i].level)));
		json_object_set_new(x, "code", json_string(r[i].code));
		json_object_set_new(x, "transport", r[i].transport ? json_string(r[i].transport) : json_null());
		json_object_set_new(x, "value", json_integer(r[i].value));
		json_object_set_new(x, "limit", json_integer(r[i].limit));
		json_array_append_new(rs, x);
	}
	json_object_set_new(o, "reasons", rs);
	json_t *d = json_object();
	json_object_set_new(d, "running", json_boolean(f->running));
	json_object_set_new(d, "stale", json_boolean(f->stale));
	json_object_set_new(d, "pid", f->d.present ? json_integer(f->d.pid) : json_null());
	json_object_set_new(d, "started", f->d.present ? json_integer(f->d.started) : json_null());
	json_object_set_new(d, "updated", f->d.present ? json_integer(f->d.updated) : json_null());
	json_object_set_new(d, "ready", json_boolean(f->running && f->d.ready));
	json_object_set_new(o, "daemon", d);
	json_object_set_new(o, "transports", json_transports(f));
	json_object_set_new(o, "outbox",
			    pair("pending", f->outbox_pending, "oldest_age_seconds", f->outbox_oldest_age));
	json_object_set_new(o, "journal",
			    pair("pending", f->journal_pending, "oldest_age_seconds", f->journal_oldest_age));
	json_object_set_new(o, "quarantine", json_integer(f->quarantine));
	json_object_set_new(o, "scheduler", pair("due", f->scheduler_due, "lag_seconds", f->scheduler_lag));
	json_t *db = json_object();
	json_object_set_new(db, "ok", json_boolean(f->db_ok));
	json_object_set_new(db, "path", json_string(database));
	json_object_set_new(db, "bytes", json_integer(f->db_bytes));
	json_object_set_new(o, "database", db);
	json_t *th = json_object();
	json_object_set_new(th, "status_stale_seconds", json_integer(STATUS_STALE_S));
	json_object_set_new(th, "outbox_oldest_age_seconds", json_integer(STATUS_WARN_OUTBOX_S));
	json_object_set_new(th, "journal_oldest_age_seconds", json_integer(STATUS_WARN_JOURNAL_S));
	json_object_set_new(th, "scheduler_lag_seconds", json_integer(STATUS_WARN_SCHED_S));
	json_object_set_new(o, "thresholds", th);
	char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	puts(s ? s : "{}");
	free(s);
	json_decref(o);
}

int
cli_status(const char *conf, int argc, char **argv)
{
	int json = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") != 0)
			return -2;
		json = 1;
	}
	struct config cfg;
	struct templates *t = NULL;
	if (cli_load_config(conf, &cfg) || cli_load_templates(cfg.bot.templates, &t)) {
		/* nothing to measure with: the plugin's UNKNOWN (the errors went to stderr) */
		if (json)
			printf("{\n  \"level\": \"UNKNOWN\",\n  \"exit\": 3,\n  \"reasons\": [{\"level\": \"UNKNOWN\", "
			       "\"code\": \"configuration_error\", \"transport\": null, \"value\": 0, \"limit\": "
			       "0}]\n}\n");
		else
			printf("MENTORBOT UNKNOWN - %s\n", conf);
		config_free(&cfg);
		return STATUS_UNKNOWN;
	}
	struct status_figures f;
	status_gather(cfg.bot.database, &f);
	if (!f.d.present)
		configured_from(&cfg, &f);
	struct status_reason r[STATUS_MAX_REASONS];
	size_t nr;
	enum status_level level = status_classify(&f, r, ARRAY_LEN(r), &nr);
	if (json)
		print_json(&f, cfg.bot.database, level, r, nr);
	else
		print_human(t, cli_lang(&cfg), &f, cfg.bot.database, level, r, nr);
	templates_free(t);
	config_free(&cfg);
	return (int)level;
}

/* The keys of templates/<lang>/ops.txt (status and backup), with the placeholders they get. */
const struct tmpl_key tmpl_keys_ops[] = {
	{"ops.status.all_well", ""},
	{"ops.reason.database_unavailable", "transport,age,limit"},
	{"ops.reason.daemon_not_running", "transport,age,limit"},
	{"ops.reason.status_stale", "transport,age,limit"},
	{"ops.reason.transport_disconnected", "transport,age,limit"},
	{"ops.reason.outbox_backlog", "transport,age,limit"},
	{"ops.reason.journal_backlog", "transport,age,limit"},
	{"ops.reason.scheduler_lag", "transport,age,limit"},
	{"ops.status.daemon.running", "pid,started,updated"},
	{"ops.status.daemon.stale", "pid,started,updated"},
	{"ops.status.daemon.stopped", "pid,started,updated"},
	{"ops.status.transport", "transport,state,last,error"},
	{"ops.status.transport.error", "transport,state,last,error"},
	{"ops.state.connected", ""},
	{"ops.state.disconnected", ""},
	{"ops.state.not_running", ""},
	{"ops.state.unknown", ""},
	{"ops.status.never", ""},
	{"ops.status.unknown", ""},
	{"ops.status.outbox", "count,age"},
	{"ops.status.journal", "count,age"},
	{"ops.status.quarantine", "count"},
	{"ops.status.scheduler", "count,age"},
	{"ops.status.database", "path,size"},
	{"ops.status.database.unavailable", "path"},
	{"ops.backup.done", "file,pages,bytes"},
	{"ops.backup.exists", "file"},
	{"ops.backup.same", "file"},
	{"ops.backup.failed", "file,error"},
	{"ops.backup.integrity", "file,result"},
	{NULL, NULL},
};
