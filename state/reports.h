/*
 * reports.h - the read-only queries behind the staff figures: "stats" (by
 * mail and chat), "mentorbot report" and "mentorbot export … --csv".
 *
 * Nothing here writes.  The queries may run inside a command's transaction
 * (the dispatcher's) or on their own (the CLI).  The event figures read the
 * tables of schema 7 (event, rsvp) only when they exist, so these functions
 * work on a database with or without events.
 *
 * A person's name is their profile field "name" (when not empty), else
 * person.name; their address is their verified mail address (the smallest,
 * when there are several).  Both may be NULL.
 */
#ifndef MB_REPORTS_H
#define MB_REPORTS_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* The figures of one programme. */
struct report_figures {
	char *slug;
	char *name;
	int64_t applications;                      /* rows in application (any status) */
	int64_t applications_pending;              /* status 'pending' (waiting for staff) */
	int64_t mentees, mentors, alumni, members; /* active memberships by role */
	int64_t matched;                           /* active matches */
	int64_t requests_open;                     /* requests with status 'open' */
	int64_t sessions_held;                     /* sessions with status 'done' */
	int64_t minutes_logged;                    /* sum of their logged minutes */
};
/* Figures of programme (NULL: of every programme, in the order they were
 * created).  *out: an array the caller frees with report_figures_free.
 * DB_NOTFOUND when programme is given and does not exist. */
int state_report_figures(struct db *db, const char *programme, struct report_figures **out, size_t *n);
void report_figures_free(struct report_figures *v, size_t n);

/* The event figures (schema 7).  present = 0 when the database has no
 * event table (then the rest is 0).  Events count when their audience is
 * the programme or "all" (programme NULL: every event). */
struct report_events {
	int present;
	int64_t announced; /* status 'announced' (past and upcoming) */
	int64_t upcoming;  /* announced, starting after now */
	int64_t going;     /* RSVPs 'going' to upcoming announced events */
	int64_t waiting;   /* RSVPs 'waiting' to upcoming announced events */
	int64_t attended;  /* RSVPs marked attended (any event) */
};
int state_report_events(struct db *db, const char *programme, int64_t now, struct report_events *out);
/* 1 when the database has the event tables of schema 7, else 0. */
int state_report_has_events(struct db *db);

/*
 * A list for the report or an export: nrows rows of ncols text cells as
 * SQLite gives them (numbers as decimal text), NULL for SQL NULL.  Free
 * with report_table_free.
 */
struct report_table {
	size_t ncols, nrows;
	char **cells; /* row-major, nrows * ncols */
};
void report_table_free(struct report_table *t);
/* Cell (row, col) or NULL. */
const char *report_cell(const struct report_table *t, size_t row, size_t col);

/* Applications waiting for staff (status 'pending'), oldest first.
 * Columns: id, programme, role, name, address, since (epoch s: completed, else created), person id. */
int state_report_pending_applications(struct db *db, const char *programme, struct report_table *out);
/* Open requests older than half their deadline at now, oldest first.
 * Columns: id, programme, mentee name, mentee address, mentor name, mentor address, created, deadline. */
int state_report_stale_requests(struct db *db, const char *programme, int64_t now, struct report_table *out);
/* Active matches without a session (none proposed, confirmed or held), oldest first.
 * Columns: id, programme, mentee name, mentee address, mentor name, mentor address, created. */
int state_report_idle_matches(struct db *db, const char *programme, struct report_table *out);
/* Upcoming announced events with a capacity whose going RSVPs reach percent of it, soonest first.
 * Columns: id, title, start, capacity, going, waiting.  Empty without the event table. */
int state_report_filling_events(struct db *db, const char *programme, int64_t now, int percent,
				struct report_table *out);

/* Every match (any status), by id.  Columns: id, programme, mentee name, mentee address, mentor name,
 * mentor address, status, created (epoch s), sessions held, minutes logged (of the held ones). */
int state_report_matches(struct db *db, const char *programme, struct report_table *out);
/* Every session, by id.  Columns: id, match id, programme, mentee name, mentor name, start (epoch s),
 * minutes planned, status, minutes logged (NULL when not logged), note, place. */
int state_report_sessions(struct db *db, const char *programme, struct report_table *out);

/* ---- the alumni and company network (schema 12) ---- */
struct report_network {
	int64_t alumni;                                /* active members of programme alumni */
	int64_t invited, confirmed;                    /* import_invite rows, and those confirmed */
	int64_t companies_approved, companies_pending; /* company status */
	int64_t offers_pending, offers_approved, offers_expired, offers_closed, offers_rejected;
	int64_t contacts_made, contacts_accepted; /* contact_request rows, and those accepted */
};
int state_report_network(struct db *db, struct report_network *out);
/* The active members of programme alumni by their profile field field ("year" or "field"),
 * set or not (NULL value: not given).  Columns: value, count; years newest first, fields most
 * first. */
int state_report_alumni_by(struct db *db, const char *field, struct report_table *out);
/* The staff exports.  Alumni (active members of programme alumni), by person id.  Columns: id,
 * name, address, since (epoch s), year, field, company, position, city, topics, languages,
 * visible (the fields the person shows in the directory, space-separated), source (of the
 * import that invited them, or NULL). */
int state_report_alumni(struct db *db, struct report_table *out);
/* Companies by id.  Columns: id, name, status, created, contacts approved, contacts pending,
 * offers approved. */
int state_report_companies(struct db *db, struct report_table *out);
/* Offers by id.  Columns: id, company, kind, title, location, status, created, deadline,
 * posted, closed, contact requests. */
int state_report_offers(struct db *db, struct report_table *out);

#endif
