/*
 * imports.h - the invitations of "mentorbot import" (table import_invite, schema 12): one
 * row per programme, role and address, so that a second run of the same list invites nobody
 * again.  The row keeps the person's name and the profile data of the list (JSON object of
 * profile field → value) until they confirm; only then do they become a person and a member
 * (double opt-in).  source names the import (file name and date) for the consent record.
 */
#ifndef MB_IMPORTS_H
#define MB_IMPORTS_H

#include <stddef.h>
#include <stdint.h>

struct db;

struct import_invite {
	int64_t id;
	char *programme, *role, *address;
	char *name;   /* or NULL */
	char *data;   /* JSON object of profile fields, or NULL */
	char *source; /* "people.csv 2026-12-03" */
	char *status; /* invited | confirmed */
	int64_t person_id;
	int64_t created, answered;
};
void import_invite_free(struct import_invite *v);

/* Add the invitation of address (lower case) to programme as role, status 'invited'.  *id
 * gets its id.  DB_OK, DB_EXISTS when that programme, role and address were invited
 * already (nothing changes), or DB_ERR. */
int import_invite_add(struct db *db, const char *programme, const char *role, const char *address, const char *name,
		      const char *data, const char *source, int64_t *id);
/* DB_OK when address was invited to programme as role (any status), DB_NOTFOUND, DB_ERR. */
int import_invite_exists(struct db *db, const char *programme, const char *role, const char *address);
/* The invitation id into *out (zeroed first; free with import_invite_free).  DB_OK, DB_NOTFOUND, DB_ERR. */
int import_invite_get(struct db *db, int64_t id, struct import_invite *out);
/* Remember the Message-ID of the invitation mail. */
int import_invite_set_msgid(struct db *db, int64_t id, const char *msgid);
/* Mark it confirmed by person at now_s(). */
int import_invite_confirm(struct db *db, int64_t id, int64_t person);
/* DB_OK when the verified mail address address belongs to a person with an active or pending
 * membership in programme (any role), DB_NOTFOUND when not, DB_ERR. */
int import_is_member(struct db *db, const char *programme, const char *address);

#endif
