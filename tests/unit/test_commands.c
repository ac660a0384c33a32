/* The command table checks itself: unique aliases, help in both languages, look-up rules. */
#include <stdlib.h>
#include <string.h>

#include "bot/commands.h"
#include "bot/mailcmd.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "t.h"

static void
aliases_are_unique_after_case_folding(void)
{
	const char *seen[256];
	size_t n = 0;
	for (size_t i = 0; i < command_count; i++) {
		const struct command *c = &command_table[i];
		for (int l = 0; l < 2; l++) {
			const char *const *al = l ? c->aliases_de : c->aliases_en;
			for (int k = 0; k < CMD_MAX_ALIASES && al[k]; k++) {
				char *f = cmd_fold(al[k]);
				CHECK(strcmp(f, al[k]) == 0); /* stored folded */
				for (size_t j = 0; j < n; j++)
					CHECK(strcmp(seen[j], al[k]) != 0);
				seen[n++] = al[k];
				free(f);
			}
		}
		/* the canonical name is one of its English aliases */
		CHECK(strcmp(c->aliases_en[0], c->name) == 0);
	}
}

static void
every_help_key_exists_in_both_languages(void)
{
	struct templates *t = NULL;
	struct buf err = BUF_INIT;
	CHECK(templates_load("templates", &t, &err) == 0);
	if (err.len)
		printf("# %s", err.p);
	for (size_t i = 0; t && i < command_count; i++) {
		char *s = xasprintf("%s.short", command_table[i].help_key);
		CHECK(tmpl_has(t, "de", command_table[i].help_key));
		CHECK(tmpl_has(t, "en", command_table[i].help_key));
		CHECK(tmpl_has(t, "de", s));
		CHECK(tmpl_has(t, "en", s));
		free(s);
	}
	templates_free(t);
	buf_free(&err);
}

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
	const struct command *c = cmd_suggest("hepl", &alias);
	CHECK(c && strcmp(c->name, "help") == 0);
	c = cmd_suggest("beitretn", &alias);
	CHECK(c && strcmp(c->name, "join") == 0);
	CHECK_STR(alias, "beitreten");
	CHECK(cmd_suggest("xylophone", &alias) == NULL);
	CHECK(cmd_suggest("hi", &alias) == NULL);
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

int
main(void)
{
	RUN(aliases_are_unique_after_case_folding);
	RUN(every_help_key_exists_in_both_languages);
	RUN(lookup_finds_german_and_english_forms);
	RUN(unknown_words_get_a_suggestion);
	RUN(subject_prefixes_are_stripped);
	RUN(fresh_subject_wins_reply_body_wins);
	RUN(only_ten_lines_and_end_stop_reading);
	return t_done();
}
