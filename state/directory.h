/*
 * directory.h - the state of the alumni directory (state/directory.c): the
 * search over the visible profile values (FTS5 table alumni_fts), the
 * numbered hits of "find alumni", and contact requests (asker -> alumnus, or
 * student -> the company contact of an offer).  Also the pure builder of the
 * FTS5 MATCH expression from a user's words (no database).
 */
#ifndef MB_DIRECTORY_H
#define MB_DIRECTORY_H

#include <stddef.h>
#include <stdint.h>

#include "state/state.h"

#define DIR_HITS_MAX 10   /* results of one "find alumni" */
#define DIR_QUERY_WORDS 8 /* query words read; the rest are ignored */
#define DIR_WORD_MAX 48   /* bytes of one query word kept */

/*
 * The FTS5 MATCH expression for the words of query (untrusted, any bytes):
 * every word reduced to its letters and digits (anything FTS5 could read as
 * syntax is a separator), lower-cased, each a quoted string; a word of 4 or
 * more letters also as a prefix ("word" *); a word with a known translation
 * (Informatik / computer science, Praktikum / internship, ...) an OR group of
 * both; the groups joined by AND.  At most DIR_QUERY_WORDS words.  NULL when
 * no word is left.  Pure; the caller frees.
 */
char *dir_match_expr(const char *query);

/*
 * "open to" as written (untrusted): a list of mentoring, talks, internships,
 * contact (German Mentoring, Vorträge, Praktika, Kontakt and singulars also
 * read; any case, separated by commas, blanks, "und"/"and"), or none / nichts
 * alone.  0 with *out the canonical value ("mentoring, contact" in this
 * order, or "none"; caller frees), -1 when a word is unknown or nothing is
 * given.  Pure.
 */
int dir_open_to_parse(const char *in, char **out);
/* 1 when s is a LinkedIn or Xing profile address: https only, the host linkedin.com, xing.com or
 * a subdomain of them (www., de.), a path, no port, user or blanks, at most 300 bytes.  Pure. */
int dir_link_ok(const char *s);
/* 1 when s is a graduation year: four digits from 1950 to this_year + 5.  Pure. */
int dir_year_ok(const char *s, int this_year);

/* Up to max people matching expr (a dir_match_expr result) best first (bm25), each with an
 * active membership in programme "alumni", never the asker.  *ids: caller frees. */
int dir_alumni_find(struct db *db, const char *expr, int64_t asker, size_t max, int64_t **ids, size_t *n);
/* 1 in *yes when person has an active membership in programme "alumni". */
int dir_is_alumnus(struct db *db, int64_t person, int *yes);
/* Replace person's numbered hits by ids[0..n-1] (numbered 1..n). */
int dir_hits_set(struct db *db, int64_t person, const int64_t *ids, size_t n);
/* The alumnus of person's hit number n into *alumnus; DB_NOTFOUND if none. */
int dir_hit_get(struct db *db, int64_t person, int64_t n, int64_t *alumnus);

/* 1 in *closed when person set "open to" (open_to, seen or not) without mentoring: then they are
 * not offered as a mentor by "find mentor", even as an active mentor. */
int dir_mentoring_closed(struct db *db, int64_t person, int *closed);

/* ---- contact requests ---- */
struct contact_req {
	int64_t id, asker, to, offer; /* offer 0: a contact to an alumnus */
	char *message;
	char *status; /* open, accepted, declined, expired, withdrawn */
	int64_t created, answered;
	char *mail_msgid;
};
void contact_req_free(struct contact_req *r);
/* A new open request; *id its id. */
int dir_contact_add(struct db *db, int64_t asker, int64_t to, int64_t offer, const char *message, int64_t *id);
/* The Message-ID of the request's mail to its receiver (a reply to it answers). */
int dir_contact_set_msgid(struct db *db, int64_t id, const char *msgid);
int dir_contact_get(struct db *db, int64_t id, struct contact_req *out);
/* The request whose mail has Message-ID msgid (with or without <>); DB_NOTFOUND if none. */
int dir_contact_by_msgid(struct db *db, const char *msgid, struct contact_req *out);
/* The open request asker -> to about offer (0: none) into *id; DB_NOTFOUND if none. */
int dir_contact_open_between(struct db *db, int64_t asker, int64_t to, int64_t offer, int64_t *id);
/* Close an open request with status; DB_NOTFOUND if it was not open. */
int dir_contact_close(struct db *db, int64_t id, const char *status);
/* asker's open requests, and requests made since since. */
int dir_contact_counts(struct db *db, int64_t asker, int64_t since, int *open, int *recent);
/* Title and kind of offer (caller frees both). */
int dir_offer_brief(struct db *db, int64_t offer, char **title, char **kind);

#endif
