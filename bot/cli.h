/*
 * cli.h - the staff command line beyond main.c: reports, exports, events,
 * the public feed.  Each function gets the configuration path and the
 * positional arguments after the sub-command (-c/-v already taken out),
 * prints its result or its error and returns the process exit status
 * (0 ok, 1 failed, 2 usage).
 */
#ifndef MB_CLI_H
#define MB_CLI_H

#include <stdio.h>

#include "templates.h"

struct config;
struct templates;
struct db;
struct core;

/* Load the configuration / the templates, printing every error.  0 on success. */
int cli_load_config(const char *path, struct config *cfg);
int cli_load_templates(const char *dir, struct templates **out);
/* Open config, templates and database.  0, or 1 after printing why. */
int cli_open(const char *path, struct config *cfg, struct templates **t, struct db **db);
void cli_close(struct config *cfg, struct templates *t, struct db *db);
/* A struct core for a CLI process (no senders to wake): bot address and domain from [smtp] from,
 * the installation key from db.  0, or -1 when the database failed. */
int cli_core(struct core *core, const struct config *cfg, const struct templates *t, struct db *db);

struct hctx;
/* A handler context for a staff step run from the terminal (cli_staff_txn): staff, transport
 * "cli", no sender, answers in lang; the installation key from core. */
void cli_hctx(struct hctx *h, struct db *db, const struct config *cfg, const struct templates *t,
	      const struct core *core, const char *lang);
/* What became of a staff command run from the terminal (cli_staff_txn). */
enum cli_txn {
	CLI_TXN_DONE = 0,    /* the step succeeded and everything was committed */
	CLI_TXN_REFUSED = 1, /* the handler refused (DB_NOTFOUND or positive) and answered why in h */
	CLI_TXN_FAILED = -1, /* a database failure, in the step, in queueing or in the commit */
};
/*
 * A staff command run from the terminal, in one transaction as dispatch runs one
 * from a message: step(h, ud), then the replies it addressed to people queued as
 * outbox rows in the same transaction (db_txn; nothing else in the CLI opens one).
 * Committed only when step returns DB_OK; otherwise undone.  The answers meant for
 * the staff member stay in h for the caller to print, but only a refusal's are the
 * whole story: on CLI_TXN_FAILED they may describe a change that was undone.
 */
enum cli_txn cli_staff_txn(struct db *db, const struct core *core, struct hctx *h,
			   int (*step)(struct hctx *h, void *ud), void *ud);

/* The language of what the CLI prints: [bot] language ("de" unless it is "en"). */
const char *cli_lang(const struct config *cfg);
/* Render key in lang; vars = name, value, …, NULL (or NULL for none); a NULL
 * value renders as "".  Allocated; the caller frees. */
char *cli_text(const struct templates *t, const char *lang, const char *key, const char *const *vars);
/* cli_text() and a newline to f. */
void cli_say(FILE *f, const struct templates *t, const char *lang, const char *key, const char *const *vars);
/* A CSV header row from a template holding the column names, comma-separated. */
/* The transports of cfg cannot run (config_transports_check): 1, said to stderr about path
 * ("cli.run.no_inbound", "cli.run.imap_needs_smtp"); else 0. */
int cli_check_transports(const struct templates *t, const struct config *cfg, const char *path);
void cli_csv_header(FILE *f, const struct templates *t, const char *lang, const char *key);
/* The keys the CLI renders itself (bot/cli.c, bot/cli_event.c, the CLI part of bot/main.c). */
extern const struct tmpl_key tmpl_keys_cli[];

/* mentorbot report [PROGRAMME]                           (bot/cli_report.c) */
int cli_report(const char *conf, int argc, char **argv);
/* mentorbot export matches|sessions|attendees ID --csv [--out FILE]   (bot/cli_report.c) */
int cli_export(const char *conf, int argc, char **argv);
/* mentorbot event add|list|show|send|change|cancel …     (bot/cli_event.c) */
int cli_event(const char *conf, int argc, char **argv);
/* mentorbot export attendees ID --csv [--out FILE]   (bot/cli_event.c; cli_export hands it over) */
int cli_export_attendees(const char *conf, int argc, char **argv);
/* mentorbot feed [--out FILE]                            (bot/cli_event.c) */
int cli_feed(const char *conf, int argc, char **argv);
/* mentorbot purge [--dry-run]   what [retention] lets go, now   (bot/cli_purge.c) */
int cli_purge(const char *conf, int argc, char **argv);

/* mentorbot import -c FILE LIST.csv --programme P [--role R] [--dry-run]   (bot/cli_import.c) */
int cli_import(const char *conf, int argc, char **argv);

/* The actor of the command line's audit rows: "cli:<unix user name>" (bot/cli_audit.c). */
const char *cli_actor(void);
/* An audit row of a CLI command (actor cli_actor(), channel "cli"), in the caller's transaction. */
int cli_audit(struct db *db, const char *action, const char *subject, const char *detail);
/* mentorbot audit -c FILE [--since YYYY-MM-DD] [--json]   (bot/cli_audit.c); -2: bad arguments */
int cli_audit_cmd(const char *conf, int argc, char **argv);
extern const struct tmpl_key tmpl_keys_cli_audit[];

#endif
