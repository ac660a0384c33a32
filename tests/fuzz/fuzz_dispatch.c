/*
 * fuzz_dispatch.c - libFuzzer target for a whole mail through the core:
 * parse, loop rules, the answer hooks (an RSVP by words or by iTIP to an
 * event announcement, the filled-in application form, a reply to a
 * mentoring request or session) and the commands, against a database that
 * holds a member with an open application form, staff, and an announced
 * event.  Each input is one raw mail; the database is a temporary file.
 * Seeds: tests/fixtures/mail and tests/fixtures/dispatch (replies that hit
 * the hooks: their In-Reply-To names the seeded form and invitation).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "dispatch.h"
#include "state/applications.h"
#include "state/state.h"
#include "templates.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config cfg;
static struct templates *tmpl;
static struct core core;
static struct db *db;
static long counter;

#define AUTH "Authentication-Results: mx.example.test; dkim=pass header.d=example.test\r\n"

/* Journal raw[0..len) under a fresh dedupe key and dispatch it. */
static int
feed(const char *raw, size_t len)
{
	char key[48];
	snprintf(key, sizeof key, "fuzz:%ld", ++counter);
	int64_t id = 0;
	if (db_begin(db) < 0)
		abort();
	int rc = state_inbound_add(db, "mail", key, raw, len, 1, (uint32_t)counter, NULL, &id);
	if (rc != DB_OK || db_commit(db) < 0)
		abort();
	return dispatch(db, &core, &id, 1, 0);
}

static void
seed_mail(const char *from, const char *subject, const char *headers, const char *body)
{
	char *raw = xasprintf("From: %s\r\nTo: bot@example.test\r\nSubject: %s\r\nMessage-ID: <seed%ld@example.test>\r\n%s"
			      "Content-Type: text/plain; charset=utf-8\r\n\r\n%s",
			      from, subject, counter + 1, headers, body);
	if (feed(raw, strlen(raw)) < 0)
		abort();
	free(raw);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char dir[] = "/tmp/mb-fuzz-dispatch.XXXXXX";
	if (!mkdtemp(dir))
		abort();
	char *cfgpath = xasprintf("%s/mentorbot.ini", dir);
	FILE *f = fopen(cfgpath, "w");
	fprintf(f,
		"[bot]\ndatabase = %s/state.db\nlanguage = en\ntemplates = templates\nreply_limit = 0\n"
		"staff = boss@example.test\nauthserv_id = mx.example.test\nannounce_rate = 0\n"
		"[imap]\nurl = imap://127.0.0.1:10143/INBOX\nuser = bot@example.test\npassword = pass\n"
		"[smtp]\nurl = smtp://127.0.0.1:10025\nfrom = MentorBot <bot@example.test>\n",
		dir);
	fclose(f);
	struct buf err = BUF_INIT;
	char *dbpath = xasprintf("%s/state.db", dir);
	if (config_load(cfgpath, &cfg, &err) || templates_load("templates", &tmpl, &err) || db_open(&db, dbpath) ||
	    core_key_load(&core, db)) {
		fprintf(stderr, "fuzz_dispatch: setup failed (run from the repository root): %s\n", err.p ? err.p : "");
		abort();
	}
	db_sync_normal(db);
	buf_free(&err);
	free(cfgpath);
	free(dbpath);
	core.cfg = &cfg;
	core.tmpl = tmpl;
	core.caps.max_size = 1 << 20;
	core.caps.max_depth = 20;
	core.caps.max_parts = 500;
	core.bot_addr = cfg.smtp.from_addr;
	core.bot_domain = "example.test";

	/* a member (person 1, m1@example.test) whose application form has Message-ID form1@example.test */
	int64_t p;
	struct application a;
	if (db_begin(db) < 0 || state_person_create(db, "en", &p) || state_endpoint_add(db, p, "mail", "m1@example.test", 1) ||
	    state_membership_set(db, p, "mentoring", "mentee", "active") ||
	    state_application_open(db, p, "mentoring", "mentee", &a) ||
	    state_application_set_form(db, a.id, "form1@example.test", "field=\ntopics=\n") || db_commit(db) < 0)
		abort();
	application_free(&a);
	/* an event announced to everyone: m1's invitation is ev1.1.0@example.test */
	seed_mail("boss@example.test", "announce: Fuzz evening", AUTH,
		  "Date: 10.12.2030\nStart: 18:00\nEnd: 20:00\nPlace: Aula\nCapacity: 2\nAudience: all\nGuests: 1\n");
	seed_mail("boss@example.test", "announce 1 send", AUTH, "");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int r = feed((const char *)data, size);
	if (r < 0)
		abort(); /* the database failed: never from an input */
	return 0;
}
