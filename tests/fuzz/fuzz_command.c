/*
 * fuzz_command.c - libFuzzer target for what turns text into a command:
 * subject prefixes, the command look-up (with German folding and the
 * member/staff meaning of a shared word), "did you
 * mean", the bridge/room addressing check, and argument splitting.  The
 * first input line is the subject, the rest the new text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "commands.h"
#include "mailcmd.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size); /* stops at an embedded NUL, as C strings do */
	char *nl = strchr(s, '\n');
	const char *body = "";
	if (nl) {
		*nl = '\0';
		body = nl + 1;
	}
	struct mail_cmd mc;
	mail_find_command(s, body, &mc);
	if (mc.cmd && mc.argline) {
		char **w;
		int n = words_split(mc.argline, &w, 17);
		if (n < 0 || n > 17)
			abort();
		words_free(w, n);
	}
	/* a line names a command for every role or for none */
	if (!mc.cmd != !mc.cmd_staff)
		abort();
	mail_cmd_free(&mc);
	const char *alias = NULL, *cmd = NULL, *rest = NULL, *lang = NULL;
	cmd_suggest(s, CMD_ROLE_STAFF, &alias);
	cmd_lookup(body, &rest, &lang);
	struct cmd_match m;
	if (cmd_lookup_all(body, &m) && (!m.by_role[CMD_ROLE_MEMBER] || !m.by_role[CMD_ROLE_STAFF] || m.rest < body ||
	                                 m.rest > body + strlen(body)))
		abort();
	if (chat_addressed(body, "MentorBot", &cmd) && (cmd < body || cmd > body + strlen(body)))
		abort();
	free(s);
	return 0;
}
