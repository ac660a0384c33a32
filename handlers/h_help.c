/*
 * h_help.c - "help [command]": the command list for the asker, or one
 * command explained.  Everything comes from the command table and templates.
 */
#include <stdlib.h>
#include <string.h>

#include "bot/commands.h"
#include "bot/config.h"
#include "bot/util.h"
#include "handlers/handlers.h"

/* The role whose commands the asker sees in help and suggestions. */
static enum cmd_role
asker_role(const struct hctx *h)
{
	return h->staff ? CMD_ROLE_STAFF : CMD_ROLE_MEMBER;
}

char *
h_command_list(struct hctx *h)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < command_count; i++) {
		const struct command *c = &command_table[i];
		if (!cmd_visible(c, asker_role(h)))
			continue;
		char *key = xasprintf("%s.short", c->help_key);
		char *line = hctx_text(h, key, NULL);
		buf_addf(&b, "  %-12s %s\n", hctx_cmd_word(h, c), line);
		free(line);
		free(key);
	}
	if (b.len)
		b.p[--b.len] = '\0';
	return buf_detach(&b);
}

/* The command a help topic names, as the asker means the word (staff: "ablehnen" is reject);
 * NULL for a staff command asked by anyone else: hidden as if unknown, as in the list. */
static const struct command *
help_topic(const struct hctx *h)
{
	const struct command *c = cmd_by_name_role(h->argv[0], asker_role(h));
	return c && cmd_visible(c, asker_role(h)) ? c : NULL;
}

int
h_help_check(struct hctx *h)
{
	if (h->argc == 0 || help_topic(h))
		return 0;
	char *list = h_command_list(h);
	hctx_reply(h, "help.unknown_topic", "topic", h->argv[0], "commands", list, NULL);
	free(list);
	return 1;
}

int
h_help_run(struct hctx *h)
{
	char *programmes = state_programme_list(h->db);
	if (h->argc >= 1) {
		char *fields = h_profile_field_list(h);
		hctx_reply(h, help_topic(h)->help_key, "programmes", programmes, "fields", fields, NULL);
		free(fields);
	} else {
		char *list = h_command_list(h);
		hctx_reply(h, "help", "commands", list, "programmes", programmes, "bot",
			   h->cfg && h->cfg->smtp.from_addr ? h->cfg->smtp.from_addr : "", NULL);
		free(list);
	}
	free(programmes);
	return 0;
}
