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
 * One entry per command.  Dispatch runs them the same way for every one:
 * look-up -> permission -> arity -> check -> (proof of address) -> proceed.
 */
struct command {
	const char *name;                        /* canonical, English; also aliases_en[0] */
	const char *aliases_en[CMD_MAX_ALIASES]; /* lower case; may contain spaces */
	const char *aliases_de[CMD_MAX_ALIASES];
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

/*
 * Find the command a line starts with (case-insensitive, German umlauts
 * folded, a leading '!' or '/' ignored, longest alias wins).  *rest gets a
 * pointer into line just past the command words (leading spaces skipped),
 * *lang "de" if a German alias matched, else "en".  NULL if none.
 */
const struct command *cmd_lookup(const char *line, const char **rest, const char **lang);
/* The command whose name or alias is nearest to word (edit distance <= 2), or NULL. */
const struct command *cmd_suggest(const char *word, const char **alias_out);
/* Canonical name or alias → command (exact, folded). */
const struct command *cmd_by_name(const char *name);
/* Fold for matching: lower-case ASCII and German capitals (Ä→ä …). Caller frees. */
char *cmd_fold(const char *s);

#endif
