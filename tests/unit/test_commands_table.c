/*
 * The command table walked entry by entry: every command is complete (name,
 * words in both languages, a check, a proceed, its help in both languages),
 * and no word names two commands for the same role; a word shared by a
 * member command and a staff command ("ablehnen") is resolved by role.
 */
#include <stdlib.h>
#include <string.h>

#include "bot/commands.h"
#include "bot/templates.h"
#include "bot/util.h"
#include "handlers/handlers.h"
#include "t.h"

static enum cmd_role
role_of(const struct command *c)
{
	return c->perm == PERM_STAFF ? CMD_ROLE_STAFF : CMD_ROLE_MEMBER;
}

static int
alias_count(const char *const *al)
{
	int n = 0;
	while (n < CMD_MAX_ALIASES && al[n])
		n++;
	return n;
}

static void
every_entry_has_name_words_check_proceed_and_help_key(void)
{
	CHECK(command_count >= 28);
	for (size_t i = 0; i < command_count; i++) {
		const struct command *c = &command_table[i];
		if (!c->name || !c->help_key || !c->check || !c->proceed) {
			printf("# entry %zu (%s) is incomplete\n", i, c->name ? c->name : "?");
			CHECK(0);
			continue;
		}
		CHECK(alias_count(c->aliases_en) > 0);
		CHECK(alias_count(c->aliases_de) > 0);
		/* the canonical name is the first English word */
		CHECK(c->aliases_en[0] && strcmp(c->aliases_en[0], c->name) == 0);
		CHECK(c->min_args >= 0);
		CHECK(c->max_args == -1 || c->max_args >= c->min_args);
		for (int l = 0; l < 2; l++) {
			const char *const *al = l ? c->aliases_de : c->aliases_en;
			for (int k = 0; k < alias_count(al); k++) {
				CHECK(*al[k] != '\0');
				char *f = cmd_fold(al[k]);
				CHECK(strcmp(f, al[k]) == 0); /* stored folded, or it never matches */
				free(f);
			}
		}
	}
}

/* No word resolves to two commands for the same role: two entries may share a word only
 * when one is a staff command and the other is not, and then each role gets its own. */
static void
aliases_are_unique_per_role(void)
{
	for (size_t i = 0; i < command_count; i++) {
		const struct command *c = &command_table[i];
		for (int l = 0; l < 2; l++) {
			const char *const *al = l ? c->aliases_de : c->aliases_en;
			for (int k = 0; k < alias_count(al); k++) {
				/* the word, for its command's role, is that command */
				const struct command *got = cmd_by_name_role(al[k], role_of(c));
				if (got != c)
					printf("# \"%s\" of %s resolves to %s\n", al[k], c->name,
					       got ? got->name : "nothing");
				CHECK(got == c);
				for (size_t j = i + 1; j < command_count; j++) {
					const struct command *d = &command_table[j];
					for (int m = 0; m < 2; m++) {
						const char *const *bl = m ? d->aliases_de : d->aliases_en;
						for (int n = 0; n < alias_count(bl); n++) {
							if (strcmp(al[k], bl[n]) != 0)
								continue;
							if (role_of(c) == role_of(d))
								printf("# \"%s\" names %s and %s\n", al[k], c->name,
								       d->name);
							CHECK(role_of(c) != role_of(d));
						}
					}
				}
			}
		}
	}
}

static int
key_registered(const char *key)
{
	for (size_t s = 0; s < tmpl_key_nsets; s++)
		for (const struct tmpl_key *k = tmpl_key_sets[s]; k->key; k++)
			if (strcmp(k->key, key) == 0)
				return 1;
	return 0;
}

static void
every_help_key_exists_in_both_languages_and_is_registered(void)
{
	struct templates *t = NULL;
	struct buf err = BUF_INIT;
	CHECK(templates_load("templates", &t, &err) == 0);
	if (err.len)
		printf("# %s", err.p);
	for (size_t i = 0; t && i < command_count; i++) {
		const char *key = command_table[i].help_key;
		char *s = xasprintf("%s.short", key);
		CHECK(tmpl_has(t, "de", key));
		CHECK(tmpl_has(t, "en", key));
		CHECK(tmpl_has(t, "de", s));
		CHECK(tmpl_has(t, "en", s));
		CHECK(key_registered(key));
		CHECK(key_registered(s));
		free(s);
	}
	templates_free(t);
	buf_free(&err);
}

static void
ablehnen_is_decline_for_members_and_reject_for_staff(void)
{
	const char *rest = NULL, *lang = NULL;
	const struct command *c = cmd_lookup_role("Ablehnen 3 Unterlagen fehlen", CMD_ROLE_STAFF, &rest, &lang);
	CHECK(c && strcmp(c->name, "reject") == 0);
	CHECK_STR(rest, "3 Unterlagen fehlen");
	CHECK_STR(lang, "de");
	c = cmd_lookup_role("ablehnen 3", CMD_ROLE_MEMBER, &rest, &lang);
	CHECK(c && strcmp(c->name, "decline") == 0);
	/* a caller that does not know the role gets the member's command, as before */
	c = cmd_lookup("ablehnen 3", &rest, &lang);
	CHECK(c && strcmp(c->name, "decline") == 0);
	CHECK(cmd_by_name("ablehnen") == cmd_by_name("decline"));
	CHECK(cmd_by_name_role("ablehnen", CMD_ROLE_STAFF) == cmd_by_name("reject"));
	/* the other words of each are the same command for everyone */
	CHECK(cmd_lookup_role("zurückweisen 3", CMD_ROLE_MEMBER, NULL, NULL) == cmd_by_name("reject"));
	CHECK(cmd_lookup_role("decline 3", CMD_ROLE_STAFF, NULL, NULL) == cmd_by_name("decline"));
	/* all candidates at once */
	struct cmd_match m;
	CHECK(cmd_lookup_all("  ABLEHNEN #7", &m) == 1);
	CHECK(m.by_role[CMD_ROLE_MEMBER] == cmd_by_name("decline"));
	CHECK(m.by_role[CMD_ROLE_STAFF] == cmd_by_name("reject"));
	CHECK_STR(m.rest, "#7");
	CHECK(cmd_lookup_all("hello there", &m) == 0 && !m.by_role[0] && !m.by_role[1]);
	/* the longest words still win over a shorter shared one: "annehmen bewerbung" is approve */
	c = cmd_lookup_role("annehmen bewerbung 4", CMD_ROLE_MEMBER, &rest, NULL);
	CHECK(c && strcmp(c->name, "approve") == 0);
	CHECK_STR(rest, "4");
}

/* Help and "did you mean" show each command by a word that means it to the reader. */
static void
the_word_shown_for_a_command_means_it_to_the_reader(void)
{
	struct hctx h;
	memset(&h, 0, sizeof h);
	h.lang = "de";
	CHECK_STR(hctx_cmd_word(&h, cmd_by_name("decline")), "ablehnen");
	CHECK_STR(hctx_cmd_word(&h, cmd_by_name("reject")), "zurückweisen");
	h.staff = 1;
	CHECK_STR(hctx_cmd_word(&h, cmd_by_name("decline")), "decline");
	CHECK_STR(hctx_cmd_word(&h, cmd_by_name("reject")), "zurückweisen");
	CHECK_STR(hctx_cmd_word(&h, cmd_by_name("help")), "hilfe");
	h.lang = "en";
	CHECK_STR(hctx_cmd_word(&h, cmd_by_name("decline")), "decline");
	/* every command, in either language and role, is shown by a word that names it */
	for (int staff = 0; staff < 2; staff++)
		for (int de = 0; de < 2; de++)
			for (size_t i = 0; i < command_count; i++) {
				h.staff = staff;
				h.lang = de ? "de" : "en";
				const struct command *c = &command_table[i];
				enum cmd_role role = staff ? CMD_ROLE_STAFF : CMD_ROLE_MEMBER;
				CHECK(cmd_by_name_role(hctx_cmd_word(&h, c), role) == c);
			}
}

int
main(void)
{
	RUN(every_entry_has_name_words_check_proceed_and_help_key);
	RUN(aliases_are_unique_per_role);
	RUN(every_help_key_exists_in_both_languages_and_is_registered);
	RUN(ablehnen_is_decline_for_members_and_reject_for_staff);
	RUN(the_word_shown_for_a_command_means_it_to_the_reader);
	return t_done();
}
