/*
 * cli.h - the staff command line beyond main.c: reports, exports, events,
 * the public feed.  Each function gets the configuration path and the
 * positional arguments after the sub-command (-c/-v already taken out),
 * prints its result or its error and returns the process exit status
 * (0 ok, 1 failed, 2 usage).
 */
#ifndef MB_CLI_H
#define MB_CLI_H

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
/* A struct core for a CLI process (no senders to wake): bot address and domain from [smtp] from. */
void cli_core(struct core *core, const struct config *cfg, const struct templates *t);

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

#endif
