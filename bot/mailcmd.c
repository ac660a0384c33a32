/*
 * mailcmd.c - command extraction from a mail's subject and new text.
 */
#include "mailcmd.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "quote.h"
#include "util.h"

static const char *const reply_prefixes[] = {"re", "aw", "antw", "antwort", "sv", "vs", "r"};
static const char *const fwd_prefixes[] = {"fwd", "fw", "wg", "weitergeleitet", "tr", "rv", "i", "enc", "doorst"};

char *
subject_strip(const char *subject, int *was_reply)
{
	const char *p = subject ? subject : "";
	int reply = 0;
	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (*p == '[') { /* list tags like "[mentoring]" */
			const char *e = strchr(p, ']');
			if (e && e - p < 40) {
				p = e + 1;
				continue;
			}
		}
		size_t n = 0;
		while (isalpha((unsigned char)p[n]))
			n++;
		size_t m = n;
		if (p[m] == '[') /* "Re[2]:" */
			while (p[m] && p[m] != ']')
				m++, (void)0;
		if (p[m] == ']')
			m++;
		if (n == 0 || p[m] != ':')
			break;
		int hit = 0;
		for (size_t i = 0; i < ARRAY_LEN(reply_prefixes); i++)
			if (strlen(reply_prefixes[i]) == n && strncasecmp(p, reply_prefixes[i], n) == 0)
				hit = reply = 1;
		for (size_t i = 0; i < ARRAY_LEN(fwd_prefixes); i++)
			if (strlen(fwd_prefixes[i]) == n && strncasecmp(p, fwd_prefixes[i], n) == 0)
				hit = 1;
		if (!hit)
			break;
		p += m + 1;
	}
	if (was_reply)
		*was_reply = reply;
	char *s = xstrdup(p);
	char *t = str_trim(s);
	char *r = xstrdup(t);
	free(s);
	return r;
}

static int
is_end_line(const char *line)
{
	char *f = cmd_fold(line);
	char *t = str_trim(f);
	int r = strcmp(t, "end") == 0 || strcmp(t, "ende") == 0;
	free(f);
	return r;
}

/* The command the subject names (subj_cmd, matched as subj) goes into out. */
static void
from_subject(struct mail_cmd *out, const struct command *subj_cmd, const struct cmd_match *subj)
{
	out->cmd = subj_cmd;
	out->cmd_staff = subj->by_role[CMD_ROLE_STAFF];
	out->argline = xstrdup(subj->rest);
	out->cmd_lang = subj->lang;
	out->from_subject = 1;
}

/* The first word of s (at most 40 bytes), for "did you mean".  Allocated. */
static char *
first_word_of(const char *s)
{
	size_t w = 0;
	while (s[w] && !isspace((unsigned char)s[w]) && w < 40)
		w++;
	return xstrndup(s, w);
}

void
mail_find_command(const char *subject, const char *new_text, struct mail_cmd *out)
{
	memset(out, 0, sizeof *out);
	out->subject_clean = subject_strip(subject, &out->subject_is_reply);
	struct cmd_match subj, body;
	const struct command *subj_cmd =
		cmd_lookup_all(out->subject_clean, &subj) ? subj.by_role[CMD_ROLE_MEMBER] : NULL;
	if (subj_cmd && !out->subject_is_reply) {
		from_subject(out, subj_cmd, &subj);
		return;
	}
	/* the body: first non-empty lines of the new text */
	int seen = 0;
	const char *p = new_text ? new_text : "";
	while (*p && seen < MAILCMD_MAX_LINES) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *line = xstrndup(p, n);
		char *t = str_trim(line);
		p = e ? e + 1 : p + n;
		if (!*t) {
			free(line);
			continue;
		}
		if (is_end_line(t)) {
			free(line);
			break;
		}
		seen++;
		if (cmd_lookup_all(t, &body)) {
			out->cmd = body.by_role[CMD_ROLE_MEMBER];
			out->cmd_staff = body.by_role[CMD_ROLE_STAFF];
			char *a = xstrdup(body.rest);
			out->argline = xstrdup(str_trim(a));
			free(a);
			out->cmd_lang = body.lang;
			free(line);
			return;
		}
		if (!out->first_word)
			out->first_word = first_word_of(t);
		free(line);
	}
	if (subj_cmd) { /* a reply whose body has no command: the subject still says what is meant */
		from_subject(out, subj_cmd, &subj);
		return;
	}
	if (!out->first_word && *out->subject_clean && !out->subject_is_reply)
		out->first_word = first_word_of(out->subject_clean);
}

void
mail_cmd_free(struct mail_cmd *m)
{
	free(m->argline);
	free(m->first_word);
	free(m->subject_clean);
	memset(m, 0, sizeof *m);
}

int
words_split(const char *line, char ***out, int max)
{
	char **w = xcalloc((size_t)max + 1, sizeof *w);
	int n = 0;
	const char *p = line ? line : "";
	while (*p && n < max) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		const char *s = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		w[n++] = xstrndup(s, (size_t)(p - s));
	}
	*out = w;
	return n;
}

void
words_free(char **w, int n)
{
	for (int i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

int
mail_own_text(const char *text, char **own, char **body)
{
	unsigned qf = 0;
	char *t = quote_strip_flags(text ? text : "", &qf);
	if (qf & QUOTE_FORWARDED) {
		*own = xstrdup("");
		*body = t;
		return 1;
	}
	*own = t;
	*body = NULL;
	return 0;
}
