/* Look-up rules of the command table and finding the command in a mail (the table itself
 * is walked in test_commands_table.c). */
#include <stdlib.h>
#include <string.h>

#include "bot/commands.h"
#include "bot/mailcmd.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "t.h"

static void
lookup_finds_german_and_english_forms(void)
{
	const char *rest, *lang;
	const struct command *c = cmd_lookup("Hilfe", &rest, &lang);
	CHECK(c && strcmp(c->name, "help") == 0);
	CHECK_STR(lang, "de");
	c = cmd_lookup("  JOIN mentoring please", &rest, &lang);
	CHECK(c && strcmp(c->name, "join") == 0);
	CHECK_STR(rest, "mentoring please");
	CHECK_STR(lang, "en");
	c = cmd_lookup("BESTÄTIGEN abcdefghijklmnopqrstuvwxyz", &rest, &lang);
	CHECK(c && strcmp(c->name, "confirm") == 0);
	CHECK_STR(rest, "abcdefghijklmnopqrstuvwxyz");
	c = cmd_lookup("wer bin ich?", &rest, &lang);
	CHECK(c && strcmp(c->name, "whoami") == 0);
	c = cmd_lookup("!help", &rest, &lang);
	CHECK(c && strcmp(c->name, "help") == 0);
	CHECK(cmd_lookup("helpful people", &rest, &lang) == NULL);
	CHECK(cmd_lookup("Hello there", &rest, &lang) == NULL);
	c = cmd_lookup("help!", &rest, &lang);
	CHECK(c && strcmp(c->name, "help") == 0);
}

static void
unknown_words_get_a_suggestion(void)
{
	const char *alias = NULL;
	const struct command *c = cmd_suggest("hepl", CMD_ROLE_MEMBER, &alias);
	CHECK(c && strcmp(c->name, "help") == 0);
	c = cmd_suggest("beitretn", CMD_ROLE_MEMBER, &alias);
	CHECK(c && strcmp(c->name, "join") == 0);
	CHECK_STR(alias, "beitreten");
	CHECK(cmd_suggest("xylophone", CMD_ROLE_MEMBER, &alias) == NULL);
	CHECK(cmd_suggest("hi", CMD_ROLE_MEMBER, &alias) == NULL);
}

static void
only_staff_are_pointed_at_staff_commands(void)
{
	const char *alias = NULL;
	const char *typos[] = {"anounce", "approv", "atendees", "ankündign"};
	for (size_t i = 0; i < sizeof typos / sizeof typos[0]; i++) {
		const struct command *s = cmd_suggest(typos[i], CMD_ROLE_STAFF, &alias);
		const struct command *m = cmd_suggest(typos[i], CMD_ROLE_MEMBER, &alias);
		CHECK(s && s->perm == PERM_STAFF);
		CHECK(!m || m->perm != PERM_STAFF);
	}
	CHECK(strcmp(cmd_suggest("anounce", CMD_ROLE_STAFF, &alias)->name, "announce") == 0);
	/* member commands are suggested to staff too */
	const struct command *c = cmd_suggest("hepl", CMD_ROLE_STAFF, &alias);
	CHECK(c && strcmp(c->name, "help") == 0);
	CHECK(cmd_visible(cmd_by_name("help"), CMD_ROLE_MEMBER) && cmd_visible(cmd_by_name("help"), CMD_ROLE_STAFF));
	CHECK(!cmd_visible(cmd_by_name("approve"), CMD_ROLE_MEMBER) &&
	      cmd_visible(cmd_by_name("approve"), CMD_ROLE_STAFF));
}

static void
subject_prefixes_are_stripped(void)
{
	int r;
	char *s = subject_strip("Re: AW: Fwd: WG: help", &r);
	CHECK_STR(s, "help");
	CHECK(r == 1);
	free(s);
	s = subject_strip("[mentoring] Fwd: join alumni", &r);
	CHECK_STR(s, "join alumni");
	CHECK(r == 0);
	free(s);
	s = subject_strip("RE[2]: whoami", &r);
	CHECK_STR(s, "whoami");
	free(s);
	s = subject_strip("Reminder: meeting", &r);
	CHECK_STR(s, "Reminder: meeting");
	free(s);
}

static void
fresh_subject_wins_reply_body_wins(void)
{
	struct mail_cmd m;
	mail_find_command("help", "leave all\n", &m);
	CHECK(m.cmd && strcmp(m.cmd->name, "help") == 0 && m.from_subject);
	mail_cmd_free(&m);
	mail_find_command("Re: help", "Hi,\n\nwhoami\n", &m);
	CHECK(m.cmd && strcmp(m.cmd->name, "whoami") == 0 && !m.from_subject);
	mail_cmd_free(&m);
	mail_find_command("Re: help", "thanks!\n", &m);
	CHECK(m.cmd && strcmp(m.cmd->name, "help") == 0);
	mail_cmd_free(&m);
	mail_find_command("question", "Hallo,\nich möchte\nbeitreten mentoring\n", &m);
	CHECK(m.cmd && strcmp(m.cmd->name, "join") == 0);
	CHECK_STR(m.argline, "mentoring");
	CHECK_STR(m.cmd_lang, "de");
	mail_cmd_free(&m);
}

/* The mail's words are kept for both roles: dispatch picks once it knows the sender. */
static void
a_mail_keeps_the_staff_meaning_of_a_shared_word(void)
{
	struct mail_cmd m;
	mail_find_command("Bewerbung", "Hallo,\nablehnen 12 Unterlagen fehlen\n", &m);
	CHECK(m.cmd && strcmp(m.cmd->name, "decline") == 0);
	CHECK(m.cmd_staff && strcmp(m.cmd_staff->name, "reject") == 0);
	CHECK_STR(m.argline, "12 Unterlagen fehlen");
	mail_cmd_free(&m);
	mail_find_command("ablehnen 12", "", &m);
	CHECK(m.cmd && strcmp(m.cmd->name, "decline") == 0 && m.from_subject);
	CHECK(m.cmd_staff && strcmp(m.cmd_staff->name, "reject") == 0);
	mail_cmd_free(&m);
	mail_find_command("help", "", &m);
	CHECK(m.cmd && m.cmd == m.cmd_staff);
	mail_cmd_free(&m);
}

static void
only_ten_lines_and_end_stop_reading(void)
{
	struct mail_cmd m;
	mail_find_command("", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nhelp\n", &m);
	CHECK(m.cmd == NULL);
	CHECK_STR(m.first_word, "a");
	mail_cmd_free(&m);
	mail_find_command("", "hi\nend\nhelp\n", &m);
	CHECK(m.cmd == NULL);
	mail_cmd_free(&m);
}

/* A mail that is only a forward: the forwarded body is for handlers, no command is read from it. */
static void
a_forward_gives_no_own_text(void)
{
	char *own, *body;
	const char *fwd = "---------- Forwarded message ---------\nFrom: Tim <tim@example.test>\n"
			  "Date: Mon, 1 Jun 2026\nSubject: Fest\nTo: Lena <lena@example.test>\n\n"
			  "beitreten mentoring\nViele Grüße\n";
	CHECK(mail_own_text(fwd, &own, &body) == 1);
	CHECK_STR(own, "");
	CHECK(body && strstr(body, "beitreten mentoring"));
	struct mail_cmd m;
	mail_find_command("WG: Fest", own, &m);
	CHECK(m.cmd == NULL);
	mail_cmd_free(&m);
	free(own);
	free(body);
	CHECK(mail_own_text("join mentoring\n\nOn Mon, Tim wrote:\n> help\n", &own, &body) == 0);
	CHECK(body == NULL && strncmp(own, "join mentoring", 14) == 0 && !strstr(own, "help"));
	free(own);
	CHECK(mail_own_text(NULL, &own, &body) == 0 && own && *own == '\0');
	free(own);
}

int
main(void)
{
	RUN(lookup_finds_german_and_english_forms);
	RUN(unknown_words_get_a_suggestion);
	RUN(only_staff_are_pointed_at_staff_commands);
	RUN(subject_prefixes_are_stripped);
	RUN(fresh_subject_wins_reply_body_wins);
	RUN(a_mail_keeps_the_staff_meaning_of_a_shared_word);
	RUN(only_ten_lines_and_end_stop_reading);
	RUN(a_forward_gives_no_own_text);
	return t_done();
}
