/*
 * cli_audit.c - who the command line is (the actor of its audit rows) and
 * "mentorbot audit -c FILE [--since YYYY-MM-DD] [--json]": the audit log, oldest first.
 * A row an erasure redacted (state/audit.h) shows "(erased)" where the person was.
 */
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "state/audit.h"
#include "state/state.h"
#include "templates.h"
#include "util.h"

const char *
cli_actor(void)
{
	static char actor[96];
	if (!actor[0]) {
		struct passwd *pw = getpwuid(getuid());
		if (pw && pw->pw_name)
			snprintf(actor, sizeof actor, "cli:%s", pw->pw_name);
		else
			snprintf(actor, sizeof actor, "cli:%ld", (long)getuid());
	}
	return actor;
}

int
cli_audit(struct db *db, const char *action, const char *subject, const char *detail)
{
	return audit_add(db, cli_actor(), 0, "cli", action, subject, 0, detail);
}

/* "YYYY-MM-DD" as the UTC midnight starting it; -1 when it is no such date. */
static int64_t
day_start(const char *s)
{
	int y, m, d;
	char end;
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3 || m < 1 || m > 12 || d < 1 ||
	    d > 31 || y < 1970)
		return -1;
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	time_t t = timegm(&tm);
	gmtime_r(&t, &tm);
	return tm.tm_mday == d ? (int64_t)t : -1; /* 2026-02-31 is no date */
}

static void
at_text(int64_t at, char out[32])
{
	time_t t = (time_t)at;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *
json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
row_json(const struct audit_row *r)
{
	char at[32];
	at_text(r->at, at);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "at", json_string(at));
	json_object_set_new(o, "actor", json_str_or_null(r->actor));
	json_object_set_new(o, "actor_id", r->actor_id ? json_integer(r->actor_id) : json_null());
	json_object_set_new(o, "channel", json_str_or_null(r->channel));
	json_object_set_new(o, "action", json_str_or_null(r->action));
	json_object_set_new(o, "subject", json_str_or_null(r->subject));
	json_object_set_new(o, "person_id", r->person_id ? json_integer(r->person_id) : json_null());
	json_object_set_new(o, "detail", json_str_or_null(r->detail));
	json_object_set_new(o, "redacted", json_boolean(r->redacted));
	return o;
}

static void
row_print(const struct templates *t, const char *lang, const struct audit_row *r)
{
	char at[32], id[24], person[24] = "";
	at_text(r->at, at);
	snprintf(id, sizeof id, "%lld", (long long)r->id);
	char *erased = cli_text(t, lang, "cli.audit.erased", NULL);
	if (r->person_id)
		snprintf(person, sizeof person, "#%lld", (long long)r->person_id);
	const char *actor = r->actor ? r->actor : erased;
	const char *vars[] = {"id",      id,
			      "at",      at,
			      "actor",   actor,
			      "channel", r->channel,
			      "action",  r->action,
			      "subject", r->subject ? r->subject : "",
			      "person",  r->redacted ? erased : person,
			      "detail",  r->detail ? r->detail : (r->redacted ? erased : ""),
			      NULL};
	cli_say(stdout, t, lang, "cli.audit.item", vars);
	free(erased);
}

int
cli_audit_cmd(const char *conf, int argc, char **argv)
{
	int64_t since = 0;
	int as_json = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			as_json = 1;
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc && (since = day_start(argv[++i])) >= 0)
			continue;
		else
			return -2; /* the usage */
	}
	struct config cfg;
	struct templates *t;
	struct db *db;
	if (cli_open(conf, &cfg, &t, &db))
		return 1;
	const char *lang = cli_lang(&cfg);
	struct audit_row *v;
	size_t n;
	int rc = audit_list(db, since, &v, &n);
	if (rc != DB_OK) {
		cli_say(stderr, t, lang, "cli.db_error", NULL);
	} else if (as_json) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, row_json(&v[i]));
		char *s = json_dumps(a, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", s ? s : "[]");
		free(s);
		json_decref(a);
	} else if (n == 0) {
		cli_say(stdout, t, lang, "cli.audit.none", NULL);
	} else {
		for (size_t i = 0; i < n; i++)
			row_print(t, lang, &v[i]);
	}
	audit_rows_free(v, n);
	cli_close(&cfg, t, db);
	return rc == DB_OK ? 0 : 1;
}

const struct tmpl_key tmpl_keys_cli_audit[] = {
	{"cli.audit.item", "id,at,actor,channel,action,subject,person,detail"},
	{"cli.audit.erased", ""},
	{"cli.audit.none", ""},
	{NULL, NULL},
};
