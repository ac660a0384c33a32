/*
 * The core pipeline without servers: journal row → dispatch → outbox rows.
 * (The same paths run against real Dovecot and OpenSMTPD in tests/integration.)
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/config.h"
#include "bot/dispatch.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "state/state.h"
#include "t.h"

static char dbpath[64], cfgpath[64];
static struct config cfg;
static struct templates *tmpl;
static struct core core;
static struct db *db;
static int seq;

/* Journal one mail and dispatch it; returns the dispatch result. */
static int
deliver(const char *from, const char *subject, const char *extra_headers, const char *body, char *msgid_out)
{
	char msgid[64];
	snprintf(msgid, sizeof msgid, "t%d.%d@example.test", (int)getpid(), ++seq);
	if (msgid_out)
		strcpy(msgid_out, msgid);
	char *raw = xasprintf("From: %s\r\nTo: bot@example.test\r\nSubject: %s\r\nMessage-ID: <%s>\r\n%s"
			      "Content-Type: text/plain; charset=utf-8\r\n\r\n%s",
			      from, subject, msgid, extra_headers ? extra_headers : "", body);
	int64_t id = 0;
	char *key = mail_dedupe_key(raw, strlen(raw));
	db_begin(db);
	int rc = state_inbound_add(db, "mail", key, raw, strlen(raw), 1, (uint32_t)seq, NULL, &id);
	db_commit(db);
	free(key);
	free(raw);
	if (rc != DB_OK)
		return -100;
	return dispatch(db, &core, &id, 1, 0);
}

/* Take all pending outbox rows (marking them sent); returns how many; copies the last payload. */
static int
take_outbox(char **last)
{
	struct outbox_item it[64];
	size_t n;
	int total = 0;
	if (last)
		*last = NULL;
	while (state_outbox_due(db, "mail", now_s() + 1000000, it, 64, &n) == 0 && n) {
		for (size_t i = 0; i < n; i++) {
			state_outbox_sent(db, it[i].id);
			if (last) {
				free(*last);
				*last = xstrdup(it[i].payload);
			}
			outbox_item_free(&it[i]);
			total++;
		}
	}
	return total;
}

static void
help_in_english_is_answered_with_threading_headers(void)
{
	char id[64], *out;
	CHECK(deliver("Ann <ann@example.test>", "help", NULL, "", id) == DISP_DONE);
	CHECK(take_outbox(&out) == 1);
	char *irt = xasprintf("In-Reply-To: <%s>", id);
	CHECK(out && strstr(out, irt));
	CHECK(out && strstr(out, "X-Mentorbot-Reply: help"));
	CHECK(out && strstr(out, "Content-Language: en"));
	CHECK(out && strstr(out, "Auto-Submitted: auto-replied"));
	/* a stranger's own Subject is not sent back (no reflected text: backscatter) */
	CHECK(out && strstr(out, "Subject: Re: your mail to the mentoring office"));
	free(irt);
	free(out);
}

static void
hilfe_is_answered_in_german(void)
{
	char *out;
	CHECK(deliver("bea@example.test", "hilfe", NULL, "Hallo, ich brauche bitte die Liste.", NULL) == DISP_DONE);
	CHECK(take_outbox(&out) == 1);
	CHECK(out && strstr(out, "Content-Language: de"));
	free(out);
}

/* The token in a join_confirm mail (QP body; tokens are plain ASCII). */
static char *
token_in(const char *mail)
{
	const char *p = strstr(mail, "confirm ");
	if (!p)
		p = strstr(mail, "=C3=A4tigen "); /* bestätigen */
	if (!p)
		return NULL;
	p = strchr(p, ' ') + 1;
	return xstrndup(p, 26);
}

static char *
msgid_of(const char *mail)
{
	const char *p = strstr(mail, "Message-ID: <");
	if (!p)
		return NULL;
	p += 13;
	return xstrndup(p, strcspn(p, ">"));
}

static void
join_then_plain_reply_confirms_and_whoami_shows_it(void)
{
	char *out;
	CHECK(deliver("cem@example.test", "join mentoring", NULL, "", NULL) == DISP_DONE);
	CHECK(take_outbox(&out) == 1);
	CHECK(out && strstr(out, "X-Mentorbot-Reply: join_confirm"));
	char *tok = out ? token_in(out) : NULL;
	CHECK(tok && strlen(tok) == 26);
	char *mid = out ? msgid_of(out) : NULL;
	free(out);
	/* whoami before confirming: still a guest */
	CHECK(deliver("cem@example.test", "whoami", NULL, "", NULL) == DISP_DONE);
	CHECK(take_outbox(&out) == 1 && strstr(out, "X-Mentorbot-Reply: whoami_guest"));
	free(out);
	/* someone else replying with the token gets nothing */
	char *hdr = xasprintf("In-Reply-To: <%s>\r\n", mid ? mid : "x");
	CHECK(deliver("eve@example.test", "Re: please confirm", hdr, "ok", NULL) == DISP_DONE);
	CHECK(take_outbox(&out) == 1 && !strstr(out, "join_done"));
	free(out);
	/* the owner's plain reply confirms */
	CHECK(deliver("cem@example.test", "Re: please confirm", hdr, "ok\r\n\r\nOn Mon, bot wrote:\r\n> confirm",
		      NULL) == DISP_DONE);
	CHECK(take_outbox(&out) == 1 && strstr(out, "X-Mentorbot-Reply: join_done"));
	free(out);
	/* the token is single use */
	char *body = xasprintf("confirm %s", tok ? tok : "x");
	CHECK(deliver("cem@example.test", "x", NULL, body, NULL) == DISP_DONE);
	CHECK(take_outbox(&out) == 1 && strstr(out, "X-Mentorbot-Reply: confirm_bad_token"));
	free(out);
	CHECK(deliver("cem@example.test", "whoami", NULL, "", NULL) == DISP_DONE);
	CHECK(take_outbox(&out) == 1 && strstr(out, "X-Mentorbot-Reply: whoami") && strstr(out, "Mentoring"));
	free(out);
	free(body);
	free(hdr);
	free(mid);
	free(tok);
}

static void
commands_in_quoted_text_are_never_run(void)
{
	char *out;
	CHECK(deliver("dan@example.test", "Re: hello", NULL,
		      "whoami\r\n\r\nOn Tue, 1 Dec 2026 at 10:00, Bot <bot@example.test> wrote:\r\n> leave all\r\n> "
		      "join "
		      "alumni\r\n",
		      NULL) == DISP_DONE);
	CHECK(take_outbox(&out) == 1 && strstr(out, "X-Mentorbot-Reply: whoami_guest"));
	free(out);
}

static void
automatic_mail_and_bounces_get_no_answer(void)
{
	CHECK(deliver("away@example.test", "Out of office", "Auto-Submitted: auto-replied\r\n", "help", NULL) ==
	      DISP_IGNORED);
	CHECK(deliver("list@example.test", "help", "Precedence: bulk\r\n", "help", NULL) == DISP_IGNORED);
	CHECK(deliver("bot@example.test", "help", NULL, "help", NULL) == DISP_IGNORED);
	CHECK(take_outbox(NULL) == 0);
}

static void
reply_limit_sends_one_notice_then_silence(void)
{
	char *out = NULL;
	int replies = 0, notices = 0;
	for (int i = 0; i < 9; i++) {
		deliver("flo@example.test", "help", NULL, "", NULL);
		if (take_outbox(&out) == 1) {
			if (strstr(out, "X-Mentorbot-Reply: reply_limit"))
				notices++;
			else
				replies++;
		}
		free(out);
	}
	CHECK(replies == 6);
	CHECK(notices == 1);
	deliver("other@example.test", "help", NULL, "", NULL);
	CHECK(take_outbox(NULL) == 1);
}

static void
unknown_word_gets_did_you_mean(void)
{
	char *out;
	CHECK(deliver("gus@example.test", "hepl", NULL, "", NULL) == DISP_DONE);
	CHECK(take_outbox(&out) == 1 && strstr(out, "X-Mentorbot-Reply: unknown_command") && strstr(out, "\"help\""));
	free(out);
}

static void
a_typo_of_a_staff_command_points_no_member_at_it(void)
{
	char *out;
	CHECK(deliver("gil@example.test", "anounce", NULL, "", NULL) == DISP_DONE);
	CHECK(take_outbox(&out) == 1 && strstr(out, "X-Mentorbot-Reply: unknown_command"));
	/* neither suggested nor in the list of commands */
	CHECK(out && !strstr(out, "announce"));
	free(out);
}

static void
help_on_a_staff_command_is_for_staff_only(void)
{
	char *out;
	CHECK(deliver("hil@example.test", "help approve", NULL, "", NULL) == DISP_DONE);
	CHECK(take_outbox(&out) == 1 && strstr(out, "X-Mentorbot-Reply: help.unknown_topic"));
	free(out);
	CHECK(deliver("hil@example.test", "hilfe freigeben", NULL, "", NULL) == DISP_DONE);
	CHECK(take_outbox(&out) == 1 && strstr(out, "X-Mentorbot-Reply: help.unknown_topic"));
	free(out);
	/* a member command's help as before */
	CHECK(deliver("hil@example.test", "help join", NULL, "", NULL) == DISP_DONE);
	CHECK(take_outbox(&out) == 1 && strstr(out, "X-Mentorbot-Reply: cmd.join"));
	free(out);
}

static void
mail_over_the_size_cap_is_quarantined_and_sender_told(void)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < 3000; i++)
		buf_adds(&b, "0123456789012345678901234567890123456789012345678901234567890123456789\r\n");
	char *out;
	CHECK(deliver("hal@example.test", "help", NULL, b.p, NULL) == DISP_QUARANTINED);
	CHECK(take_outbox(&out) == 1 && strstr(out, "X-Mentorbot-Reply: quarantined"));
	free(out);
	buf_free(&b);
}

static void
a_mail_that_keeps_failing_is_quarantined(void)
{
	char *raw = xstrdup("From: ivy@example.test\r\nSubject: help\r\nMessage-ID: <crash@x>\r\n\r\nhelp\r\n");
	int64_t id;
	db_begin(db);
	CHECK(state_inbound_add(db, "mail", "mid:crash@x", raw, strlen(raw), 1, 999, NULL, &id) == DB_OK);
	db_commit(db);
	CHECK(dispatch(db, &core, &id, 1, 1) == DISP_QUARANTINED);
	char *out;
	CHECK(take_outbox(&out) == 1 && strstr(out, "X-Mentorbot-Reply: quarantined"));
	free(out);
	free(raw);
}

int
main(void)
{
	snprintf(dbpath, sizeof dbpath, "/tmp/mb-disp-%d.db", (int)getpid());
	snprintf(cfgpath, sizeof cfgpath, "/tmp/mb-disp-%d.ini", (int)getpid());
	FILE *f = fopen(cfgpath, "w");
	fprintf(f,
		"[bot]\ndatabase = %s\nlanguage = en\ntemplates = templates\nreply_limit = 6\nmax_mail_size = 100K\n"
		"[imap]\nurl = imap://127.0.0.1:10143/INBOX\nuser = bot@example.test\npassword = pass\n"
		"[smtp]\nurl = smtp://127.0.0.1:10025\nfrom = MentorBot <bot@example.test>\n",
		dbpath);
	fclose(f);
	struct buf err = BUF_INIT;
	if (config_load(cfgpath, &cfg, &err) || templates_load("templates", &tmpl, &err) || db_open(&db, dbpath) ||
	    core_key_load(&core, db)) {
		printf("FAIL setup: %s\n", err.p ? err.p : "database");
		return 1;
	}
	core.cfg = &cfg;
	core.tmpl = tmpl;
	core.caps.max_size = (size_t)cfg.bot.max_mail_size;
	core.caps.max_depth = 20;
	core.caps.max_parts = 500;
	core.bot_addr = cfg.smtp.from_addr;
	core.bot_domain = "example.test";
	RUN(help_in_english_is_answered_with_threading_headers);
	RUN(hilfe_is_answered_in_german);
	RUN(join_then_plain_reply_confirms_and_whoami_shows_it);
	RUN(commands_in_quoted_text_are_never_run);
	RUN(automatic_mail_and_bounces_get_no_answer);
	RUN(reply_limit_sends_one_notice_then_silence);
	RUN(unknown_word_gets_did_you_mean);
	RUN(a_typo_of_a_staff_command_points_no_member_at_it);
	RUN(help_on_a_staff_command_is_for_staff_only);
	RUN(mail_over_the_size_cap_is_quarantined_and_sender_told);
	RUN(a_mail_that_keeps_failing_is_quarantined);
	db_close(db);
	templates_free(tmpl);
	config_free(&cfg);
	buf_free(&err);
	unlink(cfgpath);
	char *cmd = xasprintf("rm -f %s %s-wal %s-shm", dbpath, dbpath, dbpath);
	if (system(cmd) != 0)
		printf("# cleanup failed\n");
	free(cmd);
	return t_done();
}
