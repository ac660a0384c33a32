/*
 * commands.h - the one command table: canonical name, English and German
 * aliases, argument counts, permission, check and proceed functions, help key.
 * Help texts, "did you mean" and dispatch all come from it.
 */
#ifndef MB_COMMANDS_H
#define MB_COMMANDS_H

#include <stddef.h>

struct hctx;

enum perm {
	PERM_ANYONE, /* guests too (help, join, confirm, whoami) */
	PERM_MEMBER, /* a person with a confirmed endpoint */
	PERM_STAFF,  /* listed in [bot] staff, with proven ownership */
};

/* What a command does to the state, for proof of address by mail (bot/dispatch.c). */
enum cmd_writes {
	CMD_READS = 0,         /* answers only: the answer goes to the From address anyway */
	CMD_WRITES = 1,        /* changes something: the sender must prove the From address first */
	CMD_PROVES_ITSELF = 2, /* mails a code to the From address and acts only on its confirmation (join, link) */
};

#define CMD_MAX_ALIASES 8

/*
 * Who asks, for the words that name a member command and a staff command at
 * once ("ablehnen": a mentor declines a request, staff reject an
 * application).  The table resolves such a word by role, never by order.
 */
enum cmd_role {
	CMD_ROLE_MEMBER = 0, /* anyone who is not staff: guests and members */
	CMD_ROLE_STAFF = 1,  /* a configured staff address (dispatch proves it before a staff command proceeds) */
};
#define CMD_NROLES 2

/*
 * One entry per command.  Dispatch runs them the same way for every one:
 * look-up -> permission -> arity -> check -> (proof of address) -> proceed.
 */
struct command {
	const char *name;                        /* canonical, English; also aliases_en[0] */
	const char *aliases_en[CMD_MAX_ALIASES]; /* lower case; may contain spaces */
	const char *aliases_de[CMD_MAX_ALIASES]; /* a word may also name one command of the other role */
	int min_args, max_args;                  /* max -1: rest of line */
	enum perm perm;
	enum cmd_writes writes;
	/* check: side-effect free validation (it may read the state); 0 to go on, or queue a
	 * reply and return 1; <0 internal error.  Never NULL: h_check_nothing when there is
	 * nothing beyond arity and permission. */
	int (*check)(struct hctx *h);
	/* proceed: the state change and the replies, inside the command's transaction, after a
	 * passed check; <0 = internal error */
	int (*proceed)(struct hctx *h);
	const char *help_key; /* template with the long help; "<help_key>.short" the one-liner */
};

extern const struct command command_table[];
extern const size_t command_count;

/* What a line's command words name, for each role. */
struct cmd_match {
	/* by_role[r]: the command for a sender of role r.  When the words belong to one command
	 * only, it is in both (dispatch then says why a member may not use a staff command). */
	const struct command *by_role[CMD_NROLES];
	const char *rest; /* into the line, just past the command words (leading spaces skipped) */
	const char *lang; /* "de" if a German alias matched, else "en" */
};

/*
 * Find the command words a line starts with (case-insensitive, German
 * umlauts folded, a leading '!' or '/' ignored, longest alias wins) and
 * fill *m with the command each role means by them.  1 when found, 0 when
 * the line names no command (*m zeroed).  m->rest points into line.
 */
int cmd_lookup_all(const char *line, struct cmd_match *m);
/* The command a sender of role means by line (cmd_lookup_all), or NULL; rest/lang as there (may be NULL). */
const struct command *cmd_lookup_role(const char *line, enum cmd_role role, const char **rest, const char **lang);
/* For callers that do not know the role: cmd_lookup_role with CMD_ROLE_MEMBER. */
const struct command *cmd_lookup(const char *line, const char **rest, const char **lang);
/* The command among those a sender of role may use whose name or alias is nearest to word
 * (edit distance <= 2), or NULL: nobody but staff is pointed at a staff command. */
const struct command *cmd_suggest(const char *word, enum cmd_role role, const char **alias_out);
/* 1 when a sender of role may see c in help and suggestions (staff commands: staff only). */
int cmd_visible(const struct command *c, enum cmd_role role);
/* Canonical name or alias -> the command a sender of role means (exact, folded), or NULL. */
const struct command *cmd_by_name_role(const char *name, enum cmd_role role);
/* Canonical name or alias -> command (exact, folded); the member's command for a shared word. */
const struct command *cmd_by_name(const char *name);
/* Fold for matching: lower-case ASCII and German capitals (Ä→ä …). Caller frees. */
char *cmd_fold(const char *s);

#endif
