/*
 * h_import.h - the handler half of "mentorbot import" (handlers/h_import.c): the invitation
 * mail of one imported person, its confirmation (a reply to it, or "confirm <code>"), and the
 * network figures of "stats" and "mentorbot report".
 */
#ifndef MB_H_IMPORT_H
#define MB_H_IMPORT_H

#include <stdint.h>

#include "bot/templates.h"

struct hctx;
struct token;
struct db;
struct templates;

/* What one invitation needs besides the handler context. */
struct import_person {
	const char *programme, *role; /* slug and role of the membership offered */
	const char *address;          /* lower case, valid */
	const char *name;
	const char *data;   /* JSON object of profile fields, or NULL */
	const char *source; /* "people.csv 2026-12-03" */
	int64_t not_before; /* epoch s: the mail is not sent earlier (0: now) */
};
/* Record the invitation of p (table import_invite) with its token (kind "import", valid for
 * [network] invite_days) and queue its mail to p->address as a reply of h in the default
 * language, kind "invite" (paced by [bot] announce_rate).  DB_OK, DB_EXISTS when p was
 * invited before (nothing changed), or DB_ERR. */
int h_import_invite(struct hctx *h, const struct import_person *p);
/* The confirmation of an invitation (token kind "import", payload the import_invite id) by its
 * address: the person, their verified address, the membership (as join makes it), the data
 * of the list as hidden profile fields, the consent with the import as its source.  Answers
 * in h.  DB_OK or an error. */
int h_import_confirm(struct hctx *h, const struct token *t);

/* The network figures for staff (alumni by year and field, invitations, companies, offers,
 * contact requests), rendered in lang: full (mail, the report) a block of lines, else one
 * line for chat.  *out allocated, without a trailing newline.  DB_OK or DB_ERR. */
int h_import_network_text(struct db *db, const struct templates *t, const char *lang, int full, char **out);

extern const struct tmpl_key tmpl_keys_import[];

#endif
