/*
 * mailcmd.h - find the command in a mail: the Subject (reply and forward
 * prefixes stripped) and the first lines of the new text, never quoted text.
 */
#ifndef MB_MAILCMD_H
#define MB_MAILCMD_H

struct command;

#define MAILCMD_MAX_LINES 10

struct mail_cmd {
	const struct command *cmd;       /* NULL when none found; what a sender who is not staff means */
	const struct command *cmd_staff; /* what a staff sender means by the same words (bot/commands.h,
					    struct cmd_match); == cmd unless a word names both */
	char *argline;                   /* rest of the command line (trimmed), or NULL */
	const char *cmd_lang;            /* "de" when a German alias matched, "en", or NULL */
	char *first_word;     /* when no command: the first word of the first new line (for "did you mean") */
	int from_subject;     /* 1 if taken from the Subject */
	int subject_is_reply; /* Subject carried Re:/AW:/… */
	char *subject_clean;  /* Subject without prefixes */
};

/* Strip "Re:", "AW:", "Fwd:", "WG:", "Antw:", "Fw:", "[tag]" prefixes (repeated). Caller frees. */
char *subject_strip(const char *subject, int *was_reply);
/*
 * Decide the command.  A fresh mail's Subject wins over the body; in a reply
 * (Re:/AW:) the new body text wins, since the old subject is just the thread.
 * Only the first MAILCMD_MAX_LINES non-empty lines of new_text are read;
 * "end"/"ende" stops reading.  Fills *out; free with mail_cmd_free().
 */
void mail_find_command(const char *subject, const char *new_text, struct mail_cmd *out);

/*
 * A mail's text part (NULL: none) read as the daemon reads it (quote_strip): *own gets the
 * sender's own new text, where a command is looked for.  A mail that is only a forward
 * (someone else wrote that body: a command in it is never run) gives *own = "" and *body the
 * forwarded text, which handlers read; otherwise *body is NULL.  Both are the caller's to
 * free.  Returns 1 for such a forward, else 0.
 */
int mail_own_text(const char *text, char **own, char **body);
void mail_cmd_free(struct mail_cmd *m);
/* Split a line into at most max words (allocated, NUL-terminated array). Returns count. Free with words_free. */
int words_split(const char *line, char ***out, int max);
void words_free(char **w, int n);

#endif
