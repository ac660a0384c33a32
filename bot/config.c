/*
 * config.c - load and check the INI configuration file (product.md §6).
 *
 * One pass reads the file and stores every known key through a declarative
 * key table (each value checked and stored by config_value.c); a second pass
 * checks what needs more than one key (required keys, password vs
 * password_file, xmpp tls/server, bridge needs both chat transports).  Every
 * problem is reported as "PATH:LINE: message" and parsing goes on, so one
 * run shows all mistakes.  Runs on the main thread only (start-up, SIGHUP,
 * the CLI).
 *
 * The lines are read by libinih (Debian's libinih-dev, version 55): it
 * splits "name = value" and trims both.  What it would read otherwise than
 * config.h documents was measured against the Debian build and is done by
 * our reader callback (feed_line), which hands libinih one trimmed line at a
 * time and counts the lines:
 *   - section headers: libinih calls the handler only for keys
 *     (INI_CALL_HANDLER_ON_NEW_SECTION is 0 and compiled in), so an empty
 *     "[xmpp]" would go unseen; it ignores text after ']' and keeps the
 *     previous section after a header without ']'.  The reader reads
 *     headers itself and hands libinih an empty line.
 *   - bad lines: libinih returns only the first bad line's number and never
 *     says why; the reader reports each line without '=' with its line.
 *   - ':' before '=': libinih takes "name: value" as a pair; such a line
 *     goes straight to the key check, so "a:b = c" is still an unknown key.
 *   - line length: the build's INI_MAX_LINE is 200; a longer line is cut
 *     into 199-byte pieces read as lines of their own (measured: a value of
 *     1000 bytes became five more "lines" and shifted every later line
 *     number by five).  Debian's build reads the line buffer size from the
 *     global ini_max_line (a stack array of that size: measured up to 64 KiB);
 *     we set CONFIG_MAX_LINE and the reader reports a longer line as an error.
 *   - multi-line values (INI_ALLOW_MULTILINE is 1: an indented line continues
 *     the value) and inline comments (only ';', and also at the start of a
 *     value) are switched off through Debian's run-time globals; cut_comment
 *     applies our rule, which libinih cannot express ('#' only before
 *     whitespace, for Matrix aliases).
 *   - line numbers: the handler's lineno argument depends on the build's
 *     INI_HANDLER_LINENO (the header says 0); the reader's count is used.
 * A UTF-8 BOM is dropped before the first line; the reader's trim drops the
 * '\r' of CRLF.
 */
#include "config.h"
#include "config_int.h"

#include "mailout.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* the compiled-in default of [bot] templates: $(PREFIX)/share/mentorbot/templates (Makefile) */
#ifndef MENTORBOT_TEMPLATES
#define MENTORBOT_TEMPLATES "templates"
#endif

#define CONFIG_MAX_SIZE (1024 * 1024)
/* bytes of one line (without its end): libinih's line buffer holds this much */
#define CONFIG_MAX_LINE 65536
/* the parser process maps the daemon's binary and libraries before it reads a byte */
#define PARSER_MEMORY_MIN (64L * 1024 * 1024)

static const char *const section_names[S_COUNT] = {"bot",       "imap",     "smtp",     "xmpp",     "matrix", "bridge",
						   "retention", "groups",   "network",  "offers",   "site",   "bluesky",
						   "social",    "mastodon", "linkedin", "facebook", "x"};

#define OFF(m) offsetof(struct config, m)

/* The single list of known keys: adding a key to struct config means adding it here. */
static const struct key_def keys[] = {
	{S_BOT, "database", K_STR, OFF(bot.database), 0, 0, NULL},
	{S_BOT, "language", K_LANG, OFF(bot.language), 0, 0, NULL},
	{S_BOT, "templates", K_STR, OFF(bot.templates), 0, 0, NULL},
	{S_BOT, "staff", K_LIST, OFF(bot.staff), 0, 0, NULL},
	{S_BOT, "authserv_id", K_STR, OFF(bot.authserv_id), 0, 0, NULL},
	{S_BOT, "reply_limit", K_INT, OFF(bot.reply_limit), 0, 100000, NULL},
	{S_BOT, "unknown_reply_limit", K_INT, OFF(bot.unknown_reply_limit), 0, 10000000, NULL},
	/* the old name of [retention] raw_mail_days, still accepted */
	{S_BOT, "retention_days", K_INT, OFF(retention.raw_mail_days), 0, 36500, NULL},
	{S_BOT, "max_mail_size", K_SIZE, OFF(bot.max_mail_size), 0, 0, NULL},
	{S_BOT, "flood_rate", K_INT, OFF(bot.flood_rate), 1, 100000, NULL},
	{S_BOT, "flood_burst", K_INT, OFF(bot.flood_burst), 1, 100000, NULL},
	{S_BOT, "log", K_LOG, OFF(bot.log), 0, 0, NULL},
	{S_BOT, "post_interval", K_INT, OFF(bot.post_interval), 0, 3600, NULL},
	{S_BOT, "announce_rate", K_INT, OFF(bot.announce_rate), 0, 100000, NULL},
	{S_BOT, "parser_memory", K_SIZE, OFF(bot.parser_memory), 0, 0, NULL},
	{S_BOT, "parser_timeout", K_INT, OFF(bot.parser_timeout), 1, 3600, NULL},
	{S_BOT, "metrics_file", K_STR, OFF(bot.metrics_file), 0, 0, NULL},

	{S_IMAP, "url", K_URL_IMAP, OFF(imap.url), 0, 0, NULL},
	{S_IMAP, "user", K_STR, OFF(imap.user), 0, 0, NULL},
	{S_IMAP, "password", K_SECRET, OFF(imap.password), 0, 0, "password_file"},
	{S_IMAP, "password_file", K_FILE, OFF(imap.password), 0, 0, "password"},
	{S_IMAP, "processed", K_STR, OFF(imap.processed), 0, 0, NULL},
	{S_IMAP, "quarantine", K_STR, OFF(imap.quarantine), 0, 0, NULL},
	{S_IMAP, "ca_file", K_STR, OFF(imap.ca_file), 0, 0, NULL},
	{S_IMAP, "poll_interval", K_INT, OFF(imap.poll_interval), 1, 86400, NULL},

	{S_SMTP, "url", K_URL_SMTP, OFF(smtp.url), 0, 0, NULL},
	{S_SMTP, "user", K_STR, OFF(smtp.user), 0, 0, NULL},
	{S_SMTP, "password", K_SECRET, OFF(smtp.password), 0, 0, "password_file"},
	{S_SMTP, "password_file", K_FILE, OFF(smtp.password), 0, 0, "password"},
	{S_SMTP, "from", K_FROM, OFF(smtp.from), 0, 0, NULL},
	{S_SMTP, "ca_file", K_STR, OFF(smtp.ca_file), 0, 0, NULL},
	{S_SMTP, "rate", K_INT, OFF(smtp.rate), 0, 100000, NULL},

	{S_XMPP, "jid", K_STR, OFF(xmpp.jid), 0, 0, NULL},
	{S_XMPP, "password", K_SECRET, OFF(xmpp.password), 0, 0, "password_file"},
	{S_XMPP, "password_file", K_FILE, OFF(xmpp.password), 0, 0, "password"},
	{S_XMPP, "server", K_SERVER, OFF(xmpp.server_host), 0, 0, NULL},
	{S_XMPP, "tls", K_TLS, OFF(xmpp.tls_required), 0, 0, NULL},
	{S_XMPP, "nick", K_STR, OFF(xmpp.nick), 0, 0, NULL},
	{S_XMPP, "rooms", K_LIST, OFF(xmpp.rooms), 0, 0, NULL},
	{S_XMPP, "ca_file", K_STR, OFF(xmpp.ca_file), 0, 0, NULL},

	{S_MATRIX, "homeserver", K_URL_MATRIX, OFF(matrix.homeserver), 0, 0, NULL},
	{S_MATRIX, "user", K_STR, OFF(matrix.user), 0, 0, NULL},
	{S_MATRIX, "access_token", K_SECRET, OFF(matrix.access_token), 0, 0, "access_token_file"},
	{S_MATRIX, "access_token_file", K_FILE, OFF(matrix.access_token), 0, 0, "access_token"},
	{S_MATRIX, "rooms", K_LIST, OFF(matrix.rooms), 0, 0, NULL},

	{S_BRIDGE, "pairs", K_PAIRS, OFF(bridge.pairs), 0, 0, NULL},
	{S_BRIDGE, "relay_pattern", K_STR, OFF(bridge.relay_pattern), 0, 0, NULL},
	{S_BRIDGE, "relay_accounts", K_LIST, OFF(bridge.relay_accounts), 0, 0, NULL},

	{S_RETENTION, "raw_mail_days", K_INT, OFF(retention.raw_mail_days), 0, 36500, NULL},
	{S_RETENTION, "chat_journal_days", K_INT, OFF(retention.chat_journal_days), 0, 36500, NULL},
	{S_RETENTION, "outbox_body_days", K_INT, OFF(retention.outbox_body_days), 0, 36500, NULL},
	{S_RETENTION, "journal_days", K_INT, OFF(retention.journal_days), 0, 36500, NULL},
	{S_RETENTION, "left_people_days", K_INT, OFF(retention.left_people_days), 0, 36500, NULL},
	{S_RETENTION, "bounce_days", K_INT, OFF(retention.bounce_days), 0, 36500, NULL},

	{S_NETWORK, "contact_open", K_INT, OFF(network.contact_open), 1, 1000, NULL},
	{S_NETWORK, "contact_week", K_INT, OFF(network.contact_week), 1, 10000, NULL},
	{S_NETWORK, "contact_days", K_INT, OFF(network.contact_days), 1, 365, NULL},
	{S_NETWORK, "invite_days", K_INT, OFF(network.invite_days), 1, 365, NULL},

	{S_OFFERS, "post_to", K_STR, OFF(offers.post_to), 0, 0, NULL},
	{S_OFFERS, "notice_days", K_INT, OFF(offers.notice_days), 1, 365, NULL},
	{S_OFFERS, "days", K_INT, OFF(offers.days), 1, 3650, NULL},

	{S_SITE, "dir", K_STR, OFF(site.dir), 0, 0, NULL},
	{S_SITE, "url", K_STR, OFF(site.url), 0, 0, NULL},
	{S_BLUESKY, "url", K_URL_BLUESKY, OFF(bluesky.url), 0, 0, NULL},
	{S_BLUESKY, "handle", K_STR, OFF(bluesky.handle), 0, 0, NULL},
	{S_BLUESKY, "password", K_SECRET, OFF(bluesky.password), 0, 0, "password_file"},
	{S_BLUESKY, "password_file", K_FILE, OFF(bluesky.password), 0, 0, "password"},
	{S_BLUESKY, "hashtags", K_LIST, OFF(bluesky.hashtags), 0, 0, NULL},

	{S_SOCIAL, "events", K_LIST, OFF(social.events), 0, 0, NULL},
	{S_SOCIAL, "offers", K_LIST, OFF(social.offers), 0, 0, NULL},
	{S_SOCIAL, "calls", K_LIST, OFF(social.calls), 0, 0, NULL},
	{S_MASTODON, "url", K_URL_SOCIAL, OFF(mastodon.url), 0, 0, NULL},
	{S_MASTODON, "token", K_SECRET, OFF(mastodon.token), 0, 0, "token_file"},
	{S_MASTODON, "token_file", K_FILE, OFF(mastodon.token), 0, 0, "token"},
	{S_MASTODON, "hashtags", K_LIST, OFF(mastodon.hashtags), 0, 0, NULL},
	{S_MASTODON, "visibility", K_SOCIAL, OFF(mastodon.visibility), 0, 0, NULL},
	{S_LINKEDIN, "url", K_URL_SOCIAL, OFF(linkedin.url), 0, 0, NULL},
	{S_LINKEDIN, "token", K_SECRET, OFF(linkedin.token), 0, 0, "token_file"},
	{S_LINKEDIN, "token_file", K_FILE, OFF(linkedin.token), 0, 0, "token"},
	{S_LINKEDIN, "hashtags", K_LIST, OFF(linkedin.hashtags), 0, 0, NULL},
	{S_LINKEDIN, "organization", K_SOCIAL, OFF(linkedin.id), 0, 0, NULL},
	{S_LINKEDIN, "version", K_SOCIAL, OFF(linkedin.version), 0, 0, NULL},
	{S_FACEBOOK, "url", K_URL_SOCIAL, OFF(facebook.url), 0, 0, NULL},
	{S_FACEBOOK, "token", K_SECRET, OFF(facebook.token), 0, 0, "token_file"},
	{S_FACEBOOK, "token_file", K_FILE, OFF(facebook.token), 0, 0, "token"},
	{S_FACEBOOK, "hashtags", K_LIST, OFF(facebook.hashtags), 0, 0, NULL},
	{S_FACEBOOK, "page", K_SOCIAL, OFF(facebook.id), 0, 0, NULL},
	{S_FACEBOOK, "version", K_SOCIAL, OFF(facebook.version), 0, 0, NULL},
	{S_X, "url", K_URL_SOCIAL, OFF(x.url), 0, 0, NULL},
	{S_X, "token", K_SECRET, OFF(x.token), 0, 0, "token_file"},
	{S_X, "token_file", K_FILE, OFF(x.token), 0, 0, "token"},
	{S_X, "hashtags", K_LIST, OFF(x.hashtags), 0, 0, NULL},
};

#define NKEYS ARRAY_LEN(keys)
_Static_assert(NKEYS <= CONFIG_KEYS_MAX, "raise CONFIG_KEYS_MAX in config_int.h");

void
config_perr(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;
	p->nerr++;
	if (!p->errors)
		return;
	buf_addf(p->errors, "%s:%d: ", p->path, line);
	va_start(ap, fmt);
	buf_vaddf(p->errors, fmt, ap);
	va_end(ap);
	buf_addc(p->errors, '\n');
}

/* ---- the lines, read by libinih ---- */

/* Cut an inline comment: ';' at the start of the value or after
 * whitespace; '#' likewise but only when followed by whitespace or the end,
 * because Matrix aliases ("rooms = !a:x, #alumni:x") start with '#'.
 * "a;b" keeps its ';'. */
static void
cut_comment(char *v)
{
	for (char *q = v; *q; q++) {
		if (*q != ';' && *q != '#')
			continue;
		if (q != v && q[-1] != ' ' && q[-1] != '\t')
			continue;
		if (*q == '#' && q[1] && q[1] != ' ' && q[1] != '\t')
			continue;
		*q = '\0';
		return;
	}
}

/* What the reader hands libinih, and where it is. */
struct feed {
	struct parser *p;
	const char *s, *end; /* the rest of the file */
	int line;            /* number of the line last handed over */
	enum section sec;    /* its section: S_NONE before any, S_COUNT in an unknown or broken one */
};

/* One "key = value" of section f->sec at line f->line: checked and stored. */
static void
set_pair(struct feed *f, const char *rawkey, const char *rawval)
{
	struct parser *p = f->p;
	int line = f->line;
	enum section sec = f->sec;
	char *kbuf = xstrdup(rawkey), *vbuf = xstrdup(rawval);
	char *key = str_trim(kbuf), *val = vbuf;
	cut_comment(val);
	val = str_trim(val);
	str_lower_ascii(key);
	if (sec == S_COUNT)
		goto out; /* inside an unknown section: already reported */
	if (sec == S_NONE) {
		config_perr(p, line, "key '%s' outside of any [section]", key);
		goto out;
	}
	if (!*key) {
		config_perr(p, line, "missing key before '='");
		goto out;
	}
	if (sec == S_GROUPS) {
		config_set_group(p, line, key, val);
		goto out;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key_def *k = &keys[i];
		if (k->sec != sec || strcmp(k->name, key))
			continue;
		if (p->key_line[i]) {
			config_perr(p, line, "duplicate key '%s' in [%s] (first set at line %d)", key,
				    section_names[sec], p->key_line[i]);
			goto out;
		}
		p->key_line[i] = line;
		if (k->other) {
			for (size_t j = 0; j < NKEYS; j++)
				if (keys[j].sec == k->sec && !strcmp(keys[j].name, k->other) && p->key_line[j]) {
					config_perr(p, line, "both '%s' and '%s' given in [%s]", k->other, key,
						    section_names[sec]);
					goto out;
				}
		}
		if (!*val)
			config_perr(p, line, "empty value for '%s' in [%s]", key, section_names[sec]);
		else
			config_set_key(p, line, k, val);
		goto out;
	}
	config_perr(p, line, "unknown key '%s' in [%s]", key, section_names[sec]);
out:
	free(kbuf);
	free(vbuf);
}

/* A "[name]" line (s trimmed): the section the following keys belong to. */
static void
section_line(struct feed *f, char *s)
{
	struct parser *p = f->p;
	char *e = strchr(s, ']');
	if (!e) {
		config_perr(p, f->line, "section header without ']'");
		f->sec = S_COUNT; /* skip its keys silently */
		return;
	}
	*e = '\0';
	char *rest = e + 1;
	cut_comment(rest);
	if (*str_trim(rest))
		config_perr(p, f->line, "unexpected text after [%s]", s + 1);
	char *name = str_trim(s + 1);
	str_lower_ascii(name);
	for (int i = 0; i < S_COUNT; i++)
		if (!strcmp(name, section_names[i])) {
			f->sec = (enum section)i;
			if (!p->sec_line[i])
				p->sec_line[i] = f->line;
			return;
		}
	config_perr(p, f->line, "unknown section [%s]", name);
	f->sec = S_COUNT;
}

/*
 * libinih's reader (fgets-like): the next line of the file into str, trimmed.
 * Counts the lines, and keeps from libinih what it would read otherwise than
 * config.h says (see the top of this file): section headers and lines it
 * would refuse or split at ':' are handled here and handed over as empty
 * lines; so are lines too long for its buffer.
 */
static char *
feed_line(char *str, int num, void *stream)
{
	struct feed *f = stream;
	if (f->s >= f->end)
		return NULL;
	const char *nl = memchr(f->s, '\n', (size_t)(f->end - f->s));
	size_t len = nl ? (size_t)(nl - f->s) : (size_t)(f->end - f->s);
	const char *src = f->s;
	f->s = nl ? nl + 1 : f->end;
	f->line++;
	if (num < 3 || len > (size_t)num - 2 || len > CONFIG_MAX_LINE) {
		int max = num - 2 < CONFIG_MAX_LINE ? num - 2 : CONFIG_MAX_LINE;
		config_perr(f->p, f->line, "line longer than %d bytes", max);
		goto blank;
	}
	memcpy(str, src, len);
	str[len] = '\0';
	char *t = str_trim(str); /* also the '\r' of CRLF */
	memmove(str, t, strlen(t) + 1);
	if (!*str || *str == ';' || *str == '#')
		goto blank;
	if (*str == '[') {
		section_line(f, str);
		goto blank;
	}
	char *eq = strchr(str, '=');
	if (!eq) {
		config_perr(f->p, f->line, "expected 'key = value'");
		goto blank;
	}
	char *colon = strchr(str, ':');
	if (colon && colon < eq) {
		/* libinih would take the ':' for the separator ("name: value") */
		*eq = '\0';
		set_pair(f, str, eq + 1);
		goto blank;
	}
	len = strlen(str);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
blank:
	str[0] = '\n';
	str[1] = '\0';
	return str;
}

/* libinih's handler: one "name = value" of the line the reader handed over last. */
static int
on_pair(void *user, const char *section, const char *name, const char *value)
{
	(void)section; /* the reader follows the sections (libinih never sees a header) */
	set_pair(user, name, value ? value : "");
	return 1;
}

/* Read the lines of text (NUL-terminated, without its BOM) into p. */
static void
parse_text(struct parser *p, const char *text, size_t len)
{
	struct feed f = {p, text, text + len, 0, S_NONE};
	/* libinih's run-time options (Debian's build exports them; the main thread alone reads
	 * configurations): the reader does the comments, one line is one line */
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
	ini_allow_no_value = false;
	ini_stop_on_first_error = false;
	ini_use_stack = true;
	ini_max_line = CONFIG_MAX_LINE + 3;
	int rc = ini_parse_stream(feed_line, &f, on_pair, &f);
	if (rc > 0)
		config_perr(p, rc, "cannot read this line");
	else if (rc < 0)
		config_perr(p, 0, "cannot read the configuration (libinih: %d)", rc);
}

/* ---- whole-config checks ---- */

static int
key_set(const struct parser *p, enum section sec, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].sec == sec && !strcmp(keys[i].name, name))
			return p->key_line[i];
	return 0;
}

/* The channels [social] lists may name, and whether each one's section is there. */
static const char *const social_names[] = {"bluesky", "mastodon", "linkedin", "facebook", "x"};

const struct social_account_cfg *
config_social_account(const struct config *c, const char *name)
{
	const struct social_account_cfg *v[] = {&c->mastodon, &c->linkedin, &c->facebook, &c->x};
	for (size_t i = 1; i < ARRAY_LEN(social_names); i++)
		if (strcmp(name, social_names[i]) == 0)
			return v[i - 1];
	return NULL;
}

/* [social] lists: each item "all" or the name of a configured channel section. */
static void
check_social(struct parser *p, const struct config *c)
{
	static const char *const lists[] = {"events", "offers", "calls"};
	const struct strlist *v[] = {&c->social.events, &c->social.offers, &c->social.calls};
	for (size_t i = 0; i < ARRAY_LEN(lists); i++)
		for (size_t j = 0; j < v[i]->n; j++) {
			const char *ch = v[i]->v[j];
			int known = 0, present = 0;
			for (size_t k = 0; k < ARRAY_LEN(social_names); k++)
				if (strcmp(ch, social_names[k]) == 0) {
					const struct social_account_cfg *a = config_social_account(c, ch);
					known = 1;
					present = a ? a->present : c->bluesky.present;
				}
			if (strcmp(ch, "all") == 0 || present)
				continue;
			int line = key_set(p, S_SOCIAL, lists[i]);
			if (known)
				config_perr(p, line, "[social] %s names '%s', but there is no [%s] section", lists[i],
					    ch, ch);
			else
				config_perr(p, line,
					    "[social] %s: unknown channel '%s' (known: bluesky, mastodon, linkedin, "
					    "facebook, x, all)",
					    lists[i], ch);
		}
}

static void
require(struct parser *p, enum section sec, const char *name, const char *alt)
{
	if (key_set(p, sec, name) || (alt && key_set(p, sec, alt)))
		return;
	if (alt)
		config_perr(p, p->sec_line[sec], "missing required key '%s' (or '%s') in [%s]", name, alt,
			    section_names[sec]);
	else
		config_perr(p, p->sec_line[sec], "missing required key '%s' in [%s]", name, section_names[sec]);
}

static void
check_all(struct parser *p)
{
	struct config *c = p->cfg;

	require(p, S_BOT, "database", NULL);
	if (c->imap.present) {
		require(p, S_IMAP, "url", NULL);
		require(p, S_IMAP, "user", NULL);
		require(p, S_IMAP, "password", "password_file");
	}
	if (c->smtp.present) {
		require(p, S_SMTP, "url", NULL);
		require(p, S_SMTP, "from", NULL);
		if (c->smtp.user)
			require(p, S_SMTP, "password", "password_file");
	}
	if (c->xmpp.present) {
		require(p, S_XMPP, "jid", NULL);
		require(p, S_XMPP, "password", "password_file");
		int tl = key_set(p, S_XMPP, "tls");
		if (!c->xmpp.tls_required && !c->xmpp.server_host)
			config_perr(p, tl, "tls = off needs 'server' set to a loopback address");
		else if (!c->xmpp.tls_required && !is_loopback_host(c->xmpp.server_host))
			config_perr(p, tl, "tls = off refused for non-loopback server '%s'", c->xmpp.server_host);
	}
	if (c->matrix.present) {
		require(p, S_MATRIX, "homeserver", NULL);
		require(p, S_MATRIX, "user", NULL);
		require(p, S_MATRIX, "access_token", "access_token_file");
	}
	if (c->bluesky.present) {
		require(p, S_BLUESKY, "url", NULL);
		require(p, S_BLUESKY, "handle", NULL);
		require(p, S_BLUESKY, "password", "password_file");
	}
	if (c->mastodon.present)
		require(p, S_MASTODON, "url", NULL);
	if (c->linkedin.present)
		require(p, S_LINKEDIN, "organization", NULL);
	if (c->facebook.present)
		require(p, S_FACEBOOK, "page", NULL);
	for (enum section s = S_MASTODON; s <= S_X; s++)
		if (p->sec_line[s])
			require(p, s, "token", "token_file");
	check_social(p, c);
	if (c->bot.parser_memory < PARSER_MEMORY_MIN)
		config_perr(p, key_set(p, S_BOT, "parser_memory"),
			    "parser_memory must be at least %ldM: the parser process's code alone needs that much",
			    PARSER_MEMORY_MIN / (1024 * 1024));
	int old_raw = key_set(p, S_BOT, "retention_days");
	if (old_raw && key_set(p, S_RETENTION, "raw_mail_days"))
		config_perr(p, old_raw,
			    "both [bot] retention_days (the old name) and [retention] raw_mail_days given; keep only "
			    "raw_mail_days");
	if (c->bridge.pairs.n && (!c->xmpp.present || !c->matrix.present))
		config_perr(p, key_set(p, S_BRIDGE, "pairs"), "[bridge] pairs need both [xmpp] and [matrix]");
	if (c->offers.post_to) {
		int found = 0;
		for (size_t i = 0; i < c->groups.n && !found; i++)
			found = strcmp(c->groups.v[i].name, c->offers.post_to) == 0;
		if (!found)
			config_perr(p, key_set(p, S_OFFERS, "post_to"),
				    "[offers] post_to names no group of [groups]: '%s'", c->offers.post_to);
	}
	if (c->site.url) {
		struct url_parts u = {0};
		int ok = url_parse(c->site.url, &u) == 0;
		ok = ok && (strcmp(u.scheme, "https") == 0 || strcmp(u.scheme, "http") == 0);
		if (!ok)
			config_perr(p, key_set(p, S_SITE, "url"), "[site] url must be an http:// or https:// URL: '%s'",
				    c->site.url);
		url_parts_free(&u);
	}
	const char *cafiles[][2] = {{"imap", c->imap.ca_file}, {"smtp", c->smtp.ca_file}, {"xmpp", c->xmpp.ca_file}};
	const enum section casec[] = {S_IMAP, S_SMTP, S_XMPP};
	for (size_t i = 0; i < ARRAY_LEN(cafiles); i++)
		if (cafiles[i][1] && access(cafiles[i][1], R_OK) < 0)
			config_perr(p, key_set(p, casec[i], "ca_file"), "cannot read ca_file '%s': %s", cafiles[i][1],
				    strerror(errno));
}

enum config_transports
config_transports_check(const struct config *c)
{
	if (!c->imap.present && !c->xmpp.present && !c->matrix.present)
		return CONFIG_NO_INBOUND;
	if (c->imap.present && !c->smtp.present)
		return CONFIG_IMAP_WITHOUT_SMTP;
	return CONFIG_TRANSPORTS_OK;
}

static void
set_defaults(struct config *c)
{
	c->bot.language = xstrdup("de");
	c->bot.templates = xstrdup(MENTORBOT_TEMPLATES);
	c->bot.reply_limit = 10;
	c->bot.unknown_reply_limit = 200;
	c->bot.max_mail_size = 10485760;
	c->bot.flood_rate = 20;
	c->bot.flood_burst = 10;
	c->bot.post_interval = 2;
	c->bot.announce_rate = 20;
	c->bot.parser_memory = 256L * 1024 * 1024;
	c->bot.parser_timeout = 10;
	c->bot.log = xstrdup("stderr");
	c->imap.quarantine = xstrdup("Quarantine");
	c->imap.poll_interval = 60;
	c->xmpp.tls_required = 1;
	c->xmpp.nick = xstrdup("MentorBot");
	c->bridge.relay_pattern = xstrdup("^\\[([^]]+)\\] ");
	c->retention.raw_mail_days = 30;
	c->retention.chat_journal_days = 30;
	c->retention.outbox_body_days = 30;
	c->retention.journal_days = 30;
	c->retention.left_people_days = 365;
	c->retention.bounce_days = 365;
	c->network.contact_open = 3;
	c->network.contact_week = 10;
	c->network.contact_days = 14;
	c->network.invite_days = 30;
	c->offers.notice_days = 7;
	c->offers.days = 90;
	c->mastodon.visibility = xstrdup("public");
	c->linkedin.url = xstrdup("https://api.linkedin.com");
	c->facebook.url = xstrdup("https://graph.facebook.com");
	c->x.url = xstrdup("https://api.x.com");
}

static char *
read_file(const char *path, size_t *len, const char **why)
{
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (!fp) {
		*why = strerror(errno);
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
		buf_add(&b, chunk, n);
		if (b.len > CONFIG_MAX_SIZE) {
			*why = "file larger than 1 MiB";
			goto fail;
		}
	}
	if (ferror(fp)) {
		*why = strerror(errno);
		goto fail;
	}
	fclose(fp);
	*len = b.len;
	return buf_detach(&b);
fail:
	fclose(fp);
	buf_free(&b);
	return NULL;
}

int
config_load(const char *path, struct config *cfg, struct buf *errors)
{
	struct parser p;
	size_t len = 0;
	const char *why = NULL;

	memset(cfg, 0, sizeof *cfg);
	memset(&p, 0, sizeof p);
	set_defaults(cfg);
	cfg->path = xstrdup(path);
	p.path = path;
	p.cfg = cfg;
	p.errors = errors;
	const char *slash = strrchr(path, '/');
	p.dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");

	char *text = read_file(path, &len, &why);
	if (!text) {
		config_perr(&p, 0, "cannot read configuration: %s", why);
		goto out;
	}
	char *s = text;
	if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	if (memchr(text, '\0', len)) {
		config_perr(&p, 0, "file contains a NUL byte");
		goto out;
	}
	parse_text(&p, s, len - (size_t)(s - text));
	cfg->imap.present = p.sec_line[S_IMAP] != 0;
	cfg->smtp.present = p.sec_line[S_SMTP] != 0;
	cfg->xmpp.present = p.sec_line[S_XMPP] != 0;
	cfg->matrix.present = p.sec_line[S_MATRIX] != 0;
	cfg->bluesky.present = p.sec_line[S_BLUESKY] != 0;
	cfg->mastodon.present = p.sec_line[S_MASTODON] != 0;
	cfg->linkedin.present = p.sec_line[S_LINKEDIN] != 0;
	cfg->facebook.present = p.sec_line[S_FACEBOOK] != 0;
	cfg->x.present = p.sec_line[S_X] != 0;
	check_all(&p);
out:
	free(text);
	free(p.dir);
	return p.nerr;
}

/* Secrets do not linger in freed heap memory. */
static void
free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void
config_free(struct config *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->bot.database);
	free(c->bot.language);
	free(c->bot.templates);
	strlist_free(&c->bot.staff);
	free(c->bot.authserv_id);
	free(c->bot.metrics_file);
	free(c->bot.log);
	free(c->offers.post_to);
	free(c->site.dir);
	free(c->site.url);
	free(c->imap.url);
	url_parts_free(&c->imap.u);
	free(c->imap.user);
	free_secret(c->imap.password);
	free(c->imap.processed);
	free(c->imap.quarantine);
	free(c->imap.ca_file);
	free(c->smtp.url);
	url_parts_free(&c->smtp.u);
	free(c->smtp.user);
	free_secret(c->smtp.password);
	free(c->smtp.from);
	free(c->smtp.from_addr);
	free(c->smtp.ca_file);
	free(c->xmpp.jid);
	free_secret(c->xmpp.password);
	free(c->xmpp.server_host);
	free(c->xmpp.nick);
	strlist_free(&c->xmpp.rooms);
	free(c->xmpp.ca_file);
	free(c->bluesky.url);
	url_parts_free(&c->bluesky.u);
	free(c->bluesky.handle);
	free_secret(c->bluesky.password);
	strlist_free(&c->bluesky.hashtags);
	struct social_account_cfg *sa[] = {&c->mastodon, &c->linkedin, &c->facebook, &c->x};
	for (size_t i = 0; i < ARRAY_LEN(sa); i++) {
		free(sa[i]->url);
		free_secret(sa[i]->token);
		free(sa[i]->id);
		free(sa[i]->version);
		free(sa[i]->visibility);
		strlist_free(&sa[i]->hashtags);
	}
	strlist_free(&c->social.events);
	strlist_free(&c->social.offers);
	strlist_free(&c->social.calls);
	free(c->matrix.homeserver);
	url_parts_free(&c->matrix.u);
	free(c->matrix.user);
	free_secret(c->matrix.access_token);
	strlist_free(&c->matrix.rooms);
	strlist_free(&c->bridge.pairs);
	free(c->bridge.relay_pattern);
	strlist_free(&c->bridge.relay_accounts);
	for (size_t i = 0; i < c->groups.n; i++) {
		free(c->groups.v[i].name);
		strlist_free(&c->groups.v[i].members);
	}
	free(c->groups.v);
	memset(c, 0, sizeof *c);
}
