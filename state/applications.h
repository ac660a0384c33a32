/*
 * applications.h - an application to a programme: the fill-in form mailed
 * after "join" (what was sent, so a reply changes only what the person
 * changed), completion, and the staff decision under policy "approve".
 *
 * status: incomplete (form not yet complete) → pending (waits for staff) →
 * approved | rejected; open programmes go from incomplete to approved.
 */
#ifndef MB_STATE_APPLICATIONS_H
#define MB_STATE_APPLICATIONS_H

#include <stddef.h>
#include <stdint.h>

struct db;

struct application {
	int64_t id;
	int64_t person_id;
	char *programme; /* slug */
	char *role;      /* mentee | mentor */
	char *status;
	char *form_msgid; /* Message-ID of the last form mail, or NULL */
	char *form_sent;  /* "field=value\n" lines as sent in that form */
	int64_t created, completed, decided;
	char *decided_by;
	char *reason;
	char *person_name; /* filled by the listing: the person's name or NULL */
};
void application_free(struct application *a);
void applications_free(struct application *v, size_t n);

/* The application of (person, programme, role), created as "incomplete" if none.  *out filled. */
int state_application_open(struct db *db, int64_t person, const char *programme, const char *role,
			   struct application *out);
int state_application_get(struct db *db, int64_t id, struct application *out);
/* The application whose form mail has Message-ID msgid.  DB_NOTFOUND if none. */
int state_application_by_msgid(struct db *db, const char *msgid, struct application *out);
int state_application_set_form(struct db *db, int64_t id, const char *msgid, const char *sent);
/* Move to status; completed/decided times are set as fitting; by/reason may be NULL. */
int state_application_set_status(struct db *db, int64_t id, const char *status, const char *by, const char *reason);
/* Applications with status (NULL: all), of programme (NULL: all), oldest first. */
int state_applications(struct db *db, const char *status, const char *programme, struct application **out, size_t *n);

#endif
