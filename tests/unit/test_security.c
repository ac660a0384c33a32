/*
 * test_security.c - the security review's findings, each as the attacker
 * tried it, through the whole core (journal → dispatch → outbox) without
 * servers:
 *   1. staff proven only by an aligned DKIM/DMARC pass from our authserv-id
 *      (the real RFC 8601 parser), never by text search; several senders refused;
 *   3. a join confirmation cannot be completed blind: every Message-ID the
 *      bot issues is keyed by the installation key;
 *   4. a state-changing command needs proof of the From address: a keyed
 *      reply, our MTA's pass, or the owner's confirmation (Mailman's model);
 *   6. answers to strangers: capped per hour all together, no reflected
 *      Subject, and mail counts in the same flood bucket as chat;
 *   7. no outbox row for a sender address that is no mailbox.
 * Finding 2 (hostile MIME) is in test_mime.c and test_parsebox.c, finding 5
 * (file modes) in test_config.c and the integration tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bot/chat.h"
#include "bot/config.h"
#include "bot/dispatch.h"
#include "bot/flood.h"
#include "bot/keyed.h"
#include "bot/mailout.h"
#include "bot/util.h"
#include "state/events.h"
#include "state/state.h"
#include "t.h"
#include "t_bot.h"

#define BOT "bot@example.test"

static int64_t
member(const char *mail, const char *programme, const char *role)
{
	int64_t id;
	db_begin(db);
	state_person_create(db, "en", &id);
	state_endpoint_add(db, id, "mail", mail, 1);
	state_membership_set(db, id, programme, role, "active");
	db_commit(db);
	return id;
}

static int
is_member_of(const char *mail, const char *programme)
{
	struct person p;
	if (state_person_by_endpoint(db, "mail", mail, &p) != DB_OK) {
		person_free(&p);
		return 0;
	}
	struct membership *ms;
	size_t n;
	int r = 0;
	if (state_memberships(db, p.id, &ms, &n) == DB_OK) {
		for (size_t i = 0; i < n; i++)
			r |= strcmp(ms[i].programme, programme) == 0 && strcmp(ms[i].status, "active") == 0;
		memberships_free(ms, n);
	}
	person_free(&p);
	return r;
}

/* A raw mail with the given header lines (each ending in \r\n) and body. */
static int
deliver_headers(const char *headers, const char *body)
{
	char *raw =
		xasprintf("%sMessage-ID: <s%d.%d@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s",
			  headers, (int)getpid(), seq + 1, body);
	int rc = deliver_raw(raw);
	free(raw);
	return rc;
}

/* ---- the keyed values ---- */

static void
keyed_ids_are_stable_unguessable_and_bound_to_the_key(void)
{
	unsigned char k1[KEYED_KEY_LEN] = {1}, k2[KEYED_KEY_LEN] = {2};
	char *a = keyed_msgid(k1, "mid:x@y", 0, "example.test");
	char *b = keyed_msgid(k1, "mid:x@y", 0, "example.test");
	char *c = keyed_msgid(k2, "mid:x@y", 0, "example.test");
	char *d = keyed_msgid(k1, "mid:x@y", 1, "example.test");
	CHECK_STR(a, b);
	CHECK(strcmp(a, c) != 0);
	CHECK(strncmp(a, "mb.", 3) == 0 && strstr(d, ".1@example.test") &&
	      strlen(a) == strlen("mb..0@example.test") + 32);
	/* the old, keyless id (a SHA-256 of the dedupe key) is not what the bot issues */
	char hex[65];
	sha256_hex("mid:x@y", 7, hex);
	CHECK(strncmp(a + 3, hex, 32) != 0);
	free(a);
	free(b);
	free(c);
	free(d);
	char *n = keyed_msgid_named(k1, "ev7.12.0", "example.test");
	CHECK(strncmp(n, "ev7.12.0.", 9) == 0 && strlen(n) == 9 + 16 + strlen("@example.test"));
	free(n);
	/* plus-addresses: per person, per purpose, case-insensitive as mail systems treat them */
	char *p = keyed_plus_addr(k1, BOT, "ev7", "Ann@Example.TEST");
	char *q = keyed_plus_addr(k1, BOT, "ev7", "bob@example.test");
	CHECK(strncmp(p, "bot+ev7.", 8) == 0 && strcmp(p, q) != 0);
	CHECK(keyed_plus_ok(k1, BOT, p, "ann@example.test"));
	CHECK(!keyed_plus_ok(k1, BOT, p, "bob@example.test"));
	CHECK(!keyed_plus_ok(k2, BOT, p, "ann@example.test"));
	for (char *s = p; *s; s++)
		*s = (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
	CHECK(keyed_plus_ok(k1, BOT, p, "ann@example.test"));
	char purpose[16];
	CHECK(keyed_plus_parse(BOT, "bot+leave.abc@example.test", purpose, sizeof purpose) &&
	      strcmp(purpose, "leave") == 0);
	CHECK(!keyed_plus_parse(BOT, "other+leave.abc@example.test", purpose, sizeof purpose));
	CHECK(!keyed_plus_parse(BOT, "bot+leave.abc@evil.example", purpose, sizeof purpose));
	CHECK(!keyed_plus_parse(BOT, "bot+leave@example.test", purpose, sizeof purpose));
	free(p);
	free(q);
}

static void
installation_key_is_made_once_and_kept(void)
{
	unsigned char a[KEYED_KEY_LEN], b[KEYED_KEY_LEN], zero[KEYED_KEY_LEN] = {0};
	CHECK(state_install_key(db, a, sizeof a) == DB_OK);
	CHECK(state_install_key(db, b, sizeof b) == DB_OK);
	CHECK(memcmp(a, b, sizeof a) == 0 && memcmp(a, zero, sizeof a) != 0);
	CHECK(memcmp(a, core.key, sizeof a) == 0);
}

/* ---- 7: a sender that is no mailbox ---- */

static void
mailbox_syntax_of_rfc5321(void)
{
	static const char *const good[] = {
		"a@b",           "ann@example.test",          "a.b-c+d@sub.example.test", "\"a b\"@example.test",
		"x@[127.0.0.1]", "m\xc3\xbcller@example.test"};
	static const char *const bad[] = {"boss",     "boss@",   "@example.test", "a@b..c", ".a@b.c", "a.@b.c",
					  "a..b@c.d", "a b@c.d", "a@-b.c",        "a@b-.c", "a@b.c.", "a@b_c.d",
					  "a(x)@b.c", "a@b@c.d", "\"a@b.c",       ""};
	for (size_t i = 0; i < ARRAY_LEN(good); i++)
		CHECK(mail_addr_valid(good[i]));
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		CHECK(!mail_addr_valid(bad[i]));
	CHECK(!mail_addr_valid(NULL));
}

static void
a_from_that_is_no_mailbox_gets_no_outbox_row(void)
{
	struct out o;
	int64_t before;
	CHECK(state_outbox_count(db, "pending", &before) == DB_OK);
	CHECK(deliver_headers("From: boss(x)@example.test\r\nTo: " BOT "\r\nSubject: help\r\n", "help\r\n") ==
	      DISP_QUARANTINED);
	CHECK(deliver_headers("From: <boss>\r\nTo: " BOT "\r\nSubject: help\r\n", "help\r\n") == DISP_QUARANTINED);
	take("mail", &o);
	CHECK(o.n == 0);
	for (int i = 0; i < o.n; i++)
		CHECK(o.raw[i] && *o.raw[i]);
	out_free(&o);
}

/* ---- 1: staff ---- */

static void
forged_staff_mail_is_no_staff_mail(void)
{
	static const char *const forged[] = {
		"dkim=pass header.d=evil.example; dmarc=fail",   "dmarc=pass header.from=evil.example",
		"spf=fail smtp.mailfrom=dkim=pass@evil.example", "dkim=fail (dkim=pass) header.d=example.test",
		"dkim=neutral header.i=dkim=pass@example.test",  "none (dkim=pass header.d=example.test)",
	};
	t_signed = 0;
	for (size_t i = 0; i < ARRAY_LEN(forged); i++) {
		char *h = xasprintf("Authentication-Results: mx.example.test; %s\r\nFrom: boss@example.test\r\nTo: " BOT
				    "\r\nSubject: programme add forged%zu Forged\r\n",
				    forged[i], i);
		CHECK(deliver_headers(h, "") == DISP_DONE);
		free(h);
		struct out o;
		take("mail", &o);
		/* nothing done; only the owner of the staff address is asked */
		CHECK(o.n == 1 && strcmp(o.rcpt[0], "boss@example.test") == 0 &&
		      strstr(o.text[0], "X-Mentorbot-Reply: confirm_command"));
		out_free(&o);
		char slug[16];
		snprintf(slug, sizeof slug, "forged%zu", i);
		CHECK(state_programme_exists(db, slug, NULL) == DB_NOTFOUND);
	}
	/* a forged header placed below the MTA's own (which found no signature) */
	CHECK(deliver_headers("Authentication-Results: mx.example.test; dkim=none; dmarc=none\r\n"
			      "Received: from evil.example by mx.example.test\r\n"
			      "Authentication-Results: mx.example.test; dkim=pass header.d=example.test; dmarc=pass "
			      "header.from=example.test\r\n"
			      "From: boss@example.test\r\nTo: " BOT "\r\nSubject: programme add below Below\r\n",
			      "") == DISP_DONE);
	CHECK(state_programme_exists(db, "below", NULL) == DB_NOTFOUND);
	/* the genuine one: aligned DKIM from our MTA, even with Dovecot's Received above it */
	CHECK(deliver_headers("Received: from mx.example.test by imap.example.test with LMTP\r\n"
			      "Authentication-Results: mx.example.test; dkim=pass header.d=example.test header.s=s1\r\n"
			      "From: boss@example.test\r\nTo: " BOT "\r\nSubject: programme add genuine Genuine\r\n",
			      "") == DISP_DONE);
	CHECK(state_programme_exists(db, "genuine", NULL) == DB_OK);
	struct out o;
	take("mail", &o);
	out_free(&o);
	t_signed = 1;
}

static void
several_senders_are_refused(void)
{
	struct out o;
	/* two From fields, the first a staff address, with our MTA's pass for the domain */
	CHECK(deliver_headers("Authentication-Results: mx.example.test; dkim=pass header.d=example.test\r\n"
			      "From: boss@example.test\r\nFrom: mallory@example.test\r\nTo: " BOT
			      "\r\nSubject: programme add twofrom Two\r\n",
			      "") == DISP_QUARANTINED);
	CHECK(state_programme_exists(db, "twofrom", NULL) == DB_NOTFOUND);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "X-Mentorbot-Reply: quarantined") &&
	      strstr(o.text[0], "more than one sender address"));
	out_free(&o);
	/* one From field with two mailboxes */
	CHECK(deliver_headers("Authentication-Results: mx.example.test; dkim=pass header.d=example.test\r\n"
			      "From: boss@example.test, mallory@example.test\r\nTo: " BOT
			      "\r\nSubject: programme add twobox Two\r\n",
			      "") == DISP_QUARANTINED);
	CHECK(state_programme_exists(db, "twobox", NULL) == DB_NOTFOUND);
	take("mail", &o);
	out_free(&o);
}

/* ---- 3: a blind join confirmation ---- */

static void
join_confirmation_cannot_be_completed_blind(void)
{
	struct out o;
	t_signed = 0;
	/* the attacker forges the victim's From with "join", chosing the Message-ID */
	CHECK(deliver_headers("From: victim@example.test\r\nTo: " BOT "\r\nSubject: join mentoring\r\n"
			      "Message-ID: <chosen@evil.example>\r\n",
			      "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strcmp(o.rcpt[0], "victim@example.test") == 0 && strstr(o.text[0], "join_confirm"));
	char real[128];
	snprintf(real, sizeof real, "%s", o.n ? o.msgid[0] : "");
	out_free(&o);
	/* what the id used to be: "mb." + 32 hex of SHA-256 of the dedupe key (never chosen: the
	 * first Message-ID header counts, which deliver_headers() adds) */
	char hex[65], guess[160], hdr[400];
	int64_t n;
	CHECK(state_outbox_count(db, "sent", &n) == DB_OK);
	const char *dedupe = "mid:chosen@evil.example";
	sha256_hex(dedupe, strlen(dedupe), hex);
	hex[32] = '\0';
	snprintf(guess, sizeof guess, "mb.%s.0@example.test", hex);
	CHECK(strcmp(guess, real) != 0);
	/* the attacker's "ok" with the guessed id, and with an id of a mail the bot sent to the attacker */
	snprintf(hdr, sizeof hdr,
		 "From: victim@example.test\r\nTo: " BOT "\r\nSubject: Re: join\r\nIn-Reply-To: <%s>\r\n", guess);
	CHECK(deliver_headers(hdr, "ok\r\n") == DISP_DONE);
	CHECK(deliver_headers("From: mallory@example.test\r\nTo: " BOT "\r\nSubject: help\r\n", "") == DISP_DONE);
	take("mail", &o);
	int im = find(&o, "mallory@example.test", NULL);
	CHECK(im >= 0);
	snprintf(hdr, sizeof hdr,
		 "From: victim@example.test\r\nTo: " BOT "\r\nSubject: Re: join\r\nIn-Reply-To: <%s>\r\n",
		 im >= 0 ? o.msgid[im] : "x");
	out_free(&o);
	CHECK(deliver_headers(hdr, "ok\r\n") == DISP_DONE);
	take("mail", &o);
	out_free(&o);
	CHECK(!is_member_of("victim@example.test", "mentoring"));
	/* the victim's own reply to the mail they got does it */
	snprintf(hdr, sizeof hdr,
		 "From: victim@example.test\r\nTo: " BOT "\r\nSubject: Re: join\r\nIn-Reply-To: <%s>\r\n", real);
	CHECK(deliver_headers(hdr, "ok\r\n") == DISP_DONE);
	CHECK(is_member_of("victim@example.test", "mentoring"));
	take("mail", &o);
	CHECK(find(&o, "victim@example.test", "join_done") >= 0);
	out_free(&o);
	t_signed = 1;
}

/* ---- 4: proof of address for member commands ---- */

static void
forged_member_commands_change_nothing_until_the_owner_confirms(void)
{
	struct out o;
	member("alice@example.test", "alumni", "alumnus");
	t_signed = 0;
	/* "leave all" with Alice's From, no proof */
	CHECK(deliver_headers("From: alice@example.test\r\nTo: " BOT "\r\nSubject: leave all\r\n", "") == DISP_DONE);
	CHECK(is_member_of("alice@example.test", "alumni"));
	take("mail", &o);
	CHECK(o.n == 1 && strcmp(o.rcpt[0], "alice@example.test") == 0 &&
	      strstr(o.text[0], "X-Mentorbot-Reply: confirm_command") && strstr(o.text[0], "leave all"));
	char ask[128];
	snprintf(ask, sizeof ask, "%s", o.msgid[0]);
	out_free(&o);
	/* Alice says "no": dropped, still a member; a second answer finds nothing waiting */
	char hdr[300];
	snprintf(hdr, sizeof hdr, "From: alice@example.test\r\nTo: " BOT "\r\nSubject: Re: x\r\nIn-Reply-To: <%s>\r\n",
		 ask);
	CHECK(deliver_headers(hdr, "no\r\n") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "confirm_cancelled"));
	out_free(&o);
	CHECK(is_member_of("alice@example.test", "alumni"));
	/* again; this time Alice confirms with a plain reply: the command runs once */
	CHECK(deliver_headers("From: alice@example.test\r\nTo: " BOT "\r\nSubject: leave all\r\n", "") == DISP_DONE);
	take("mail", &o);
	snprintf(ask, sizeof ask, "%s", o.n ? o.msgid[0] : "");
	out_free(&o);
	snprintf(hdr, sizeof hdr, "From: alice@example.test\r\nTo: " BOT "\r\nSubject: Re: x\r\nIn-Reply-To: <%s>\r\n",
		 ask);
	CHECK(deliver_headers(hdr, "ok, that was me\r\n") == DISP_DONE);
	CHECK(!is_member_of("alice@example.test", "alumni"));
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "X-Mentorbot-Reply: leave_done"));
	out_free(&o);
	/* the same confirmation once more: the token is used up, nothing runs twice */
	CHECK(deliver_headers(hdr, "ok\r\n") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && !strstr(o.text[0], "leave_done"));
	out_free(&o);
	t_signed = 1;
}

static void
confirm_with_the_typed_token_runs_the_waiting_command(void)
{
	struct out o;
	member("carla@example.test", "alumni", "alumnus");
	t_signed = 0;
	CHECK(deliver_headers("From: carla@example.test\r\nTo: " BOT "\r\nSubject: profile city Bremen\r\n", "") ==
	      DISP_DONE);
	take("mail", &o);
	const char *t = o.n ? strstr(o.text[0], "confirm ") : NULL;
	char tok[27] = "";
	if (t)
		sscanf(t, "confirm %26[a-z2-7]", tok);
	CHECK(strlen(tok) == 26);
	out_free(&o);
	/* a forger who saw nothing cannot use it; typed from Carla's address it runs */
	char *body = xasprintf("confirm %s\r\n", tok);
	CHECK(deliver_headers("From: mallory@example.test\r\nTo: " BOT "\r\nSubject: x\r\n", body) == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "confirm_bad_token"));
	out_free(&o);
	CHECK(deliver_headers("From: carla@example.test\r\nTo: " BOT "\r\nSubject: x\r\n", body) == DISP_DONE);
	free(body);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "X-Mentorbot-Reply: profile_set") && strstr(o.text[0], "Bremen"));
	out_free(&o);
	t_signed = 1;
}

static int64_t
answer_of(int64_t event, int64_t p)
{
	struct rsvp r;
	if (state_rsvp_get(db, event, p, &r) != DB_OK)
		return -1;
	int64_t a = strcmp(r.answer, "yes") == 0 ? 1 : strcmp(r.answer, "no") == 0 ? 0 : 2;
	rsvp_free(&r);
	return a;
}

static void
forged_rsvp_changes_nothing_and_the_members_own_reply_does(void)
{
	struct out o;
	int64_t dora = member("dora@example.test", "mentoring", "mentee");
	int64_t emil = member("emil@example.test", "mentoring", "mentee");
	/* staff announce event 1 to the mentoring members */
	CHECK(deliver("boss@example.test", "announce: Security talk", NULL,
		      "Date: 10.12.2030\nStart: 18:00\nAudience: mentoring\n") == DISP_DONE);
	CHECK(deliver("boss@example.test", "announce 1 send", NULL, "") == DISP_DONE);
	take("mail", &o);
	int id = find(&o, "dora@example.test", "event.invite"), ie = find(&o, "emil@example.test", "event.invite");
	CHECK(id >= 0 && ie >= 0);
	char dora_mid[128] = "", emil_mid[128] = "";
	if (id >= 0 && ie >= 0) {
		snprintf(dora_mid, sizeof dora_mid, "%s", o.msgid[id]);
		snprintf(emil_mid, sizeof emil_mid, "%s", o.msgid[ie]);
	}
	out_free(&o);
	char *dora_plus = keyed_plus_addr(core.key, BOT, "ev1", "dora@example.test");
	t_signed = 0;
	char hdr[400];
	/* Mallory forges Dora's "no": by the command, as a reply to Emil's invitation (which
	 * names the event), and to Emil's plus-address: nothing changes for Dora */
	CHECK(deliver_headers("From: dora@example.test\r\nTo: " BOT "\r\nSubject: rsvp 1 no\r\n", "") == DISP_DONE);
	snprintf(hdr, sizeof hdr, "From: dora@example.test\r\nTo: " BOT "\r\nSubject: Re: x\r\nIn-Reply-To: <%s>\r\n",
		 emil_mid);
	CHECK(deliver_headers(hdr, "no\r\n") == DISP_DONE);
	char *emil_plus = keyed_plus_addr(core.key, BOT, "ev1", "emil@example.test");
	snprintf(hdr, sizeof hdr, "From: dora@example.test\r\nTo: %s\r\nSubject: Re: x\r\n", emil_plus);
	CHECK(deliver_headers(hdr, "no\r\n") == DISP_DONE);
	/* and as the calendar's Decline for Dora, from Dora's forged address */
	char *itip =
		xasprintf("From: dora@example.test\r\nTo: " BOT "\r\nSubject: Declined: Security talk\r\n"
			  "MIME-Version: 1.0\r\nContent-Type: text/calendar; method=REPLY; charset=utf-8\r\n\r\n"
			  "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n"
			  "UID:%s\r\nSEQUENCE:0\r\nDTSTAMP:20300317T120000Z\r\n"
			  "ATTENDEE;PARTSTAT=DECLINED:mailto:dora@example.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
			  "none");
	struct event ev;
	CHECK(state_event_get(db, 1, &ev) == DB_OK);
	char *uidp = strstr(itip, "UID:none");
	if (uidp && ev.uid) {
		char *fixed = xasprintf("%.*sUID:%s%s", (int)(uidp - itip), itip, ev.uid, uidp + 8);
		free(itip);
		itip = fixed;
	}
	event_free(&ev);
	CHECK(deliver_raw(itip) == DISP_DONE);
	free(itip);
	CHECK(answer_of(1, dora) == -1);
	take("mail", &o);
	/* the answers go to Dora's address, never to the forger: three times she is asked to
	 * confirm; Emil's plus-address names nothing for her (a plain "did you mean") */
	for (int i = 0; i < o.n; i++)
		CHECK(strcmp(o.rcpt[i], "dora@example.test") == 0);
	CHECK(o.n == 4 && count(&o, "X-Mentorbot-Reply: confirm_command") == 3);
	out_free(&o);
	/* Dora's own answers: to her invitation, and to her plus-address (a calendar's Accept goes to ORGANIZER) */
	snprintf(hdr, sizeof hdr, "From: dora@example.test\r\nTo: " BOT "\r\nSubject: Re: x\r\nIn-Reply-To: <%s>\r\n",
		 dora_mid);
	CHECK(deliver_headers(hdr, "Nein, leider nicht\r\n") == DISP_DONE);
	CHECK(answer_of(1, dora) == 0);
	snprintf(hdr, sizeof hdr, "From: dora@example.test\r\nTo: %s\r\nSubject: Re: x\r\n", dora_plus);
	CHECK(deliver_headers(hdr, "yes\r\n") == DISP_DONE);
	CHECK(answer_of(1, dora) == 1);
	CHECK(answer_of(1, emil) == -1);
	take("mail", &o);
	CHECK(o.n == 2 && strstr(o.text[0], "event.rsvp.no") && strstr(o.text[1], "event.rsvp.yes"));
	out_free(&o);
	free(dora_plus);
	free(emil_plus);
	t_signed = 1;
}

/* ---- 6: strangers and floods ---- */

static void
strangers_get_no_reflected_subject_and_a_shared_hourly_cap(void)
{
	struct out o;
	/* a fresh hour, and the cap of this test: 3 answers an hour to strangers, all together */
	set_clock(clock_now + 3600);
	cfg.bot.unknown_reply_limit = 3;
	/* the Subject of a stranger's mail is not sent back; a member's is */
	CHECK(deliver("stranger1@example.test", "BUY CHEAP PILLS http://spam.example/", NULL, "help\n") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && !strstr(o.raw[0], "PILLS") &&
	      strstr(o.text[0], "Subject: Re: your mail to the mentoring office"));
	out_free(&o);
	member("frank@example.test", "alumni", "alumnus");
	CHECK(deliver("frank@example.test", "help me please", NULL, "help\n") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1 && strstr(o.text[0], "Subject: Re: help me please"));
	out_free(&o);
	/* the 4th and 5th distinct strangers this hour get nothing */
	for (int i = 2; i <= 5; i++) {
		char from[64];
		snprintf(from, sizeof from, "stranger%d@example.test", i);
		int r = deliver(from, "help", NULL, "");
		CHECK(r == (i <= 3 ? DISP_DONE : DISP_QUARANTINED));
	}
	take("mail", &o);
	CHECK(o.n == 2);
	out_free(&o);
	/* people the bot knows are still answered */
	CHECK(deliver("frank@example.test", "help", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1);
	out_free(&o);
	/* the next hour, strangers are answered again */
	set_clock(clock_now + 3600);
	CHECK(deliver("stranger6@example.test", "help", NULL, "") == DISP_DONE);
	take("mail", &o);
	CHECK(o.n == 1);
	out_free(&o);
	cfg.bot.unknown_reply_limit = 1000;
}

static void
mail_counts_in_the_same_flood_bucket_as_chat(void)
{
	struct out o;
	int64_t g = member("gina@example.test", "alumni", "alumnus");
	db_begin(db);
	state_endpoint_add(db, g, "xmpp", "gina@chat.example.test", 1);
	db_commit(db);
	core.flood = flood_new(1, 3); /* 3 at once, then one a minute */
	/* two in chat (the transports' own entry, which takes from the bucket) and one by mail use
	 * it up; the next mail gets the notice, then silence */
	struct chat_msg m = {"xmpp", "gina@chat.example.test", NULL, NULL, "help", NULL, 0};
	CHECK(chat_handle(db, &core, &m) == 1);
	m.id = "second";
	CHECK(chat_handle(db, &core, &m) == 1);
	CHECK(deliver("gina@example.test", "help", NULL, "") == DISP_DONE);
	CHECK(deliver("gina@example.test", "help", NULL, "") == DISP_IGNORED);
	CHECK(deliver("gina@example.test", "help", NULL, "") == DISP_IGNORED);
	take("mail", &o);
	CHECK(o.n == 2 && strstr(o.text[1], "X-Mentorbot-Reply: flood_notice"));
	out_free(&o);
	take("xmpp", &o);
	out_free(&o);
	flood_free(core.flood);
	core.flood = NULL;
}

int
main(void)
{
	if (t_bot_open("sec", "staff = boss@example.test\nunknown_reply_limit = 1000\nannounce_rate = 0\n", NULL))
		return 1;
	RUN(keyed_ids_are_stable_unguessable_and_bound_to_the_key);
	RUN(installation_key_is_made_once_and_kept);
	RUN(mailbox_syntax_of_rfc5321);
	RUN(a_from_that_is_no_mailbox_gets_no_outbox_row);
	RUN(forged_staff_mail_is_no_staff_mail);
	RUN(several_senders_are_refused);
	RUN(join_confirmation_cannot_be_completed_blind);
	RUN(forged_member_commands_change_nothing_until_the_owner_confirms);
	RUN(confirm_with_the_typed_token_runs_the_waiting_command);
	RUN(forged_rsvp_changes_nothing_and_the_members_own_reply_does);
	RUN(strangers_get_no_reflected_subject_and_a_shared_hourly_cap);
	RUN(mail_counts_in_the_same_flood_bucket_as_chat);
	t_bot_close();
	return t_done();
}
