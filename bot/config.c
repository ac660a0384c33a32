/*
 * config.c - load and check the INI configuration file (product.md §6).
 *
 * One pass reads the file line by line and stores every known key through a
 * declarative key table; a second pass checks what needs more than one key
 * (required keys, password vs password_file, xmpp tls/server, bridge needs
 * both chat transports).  Every problem is reported as "PATH:LINE: message"
 * and parsing goes on, so one run shows all mistakes.  Runs once at start-up
 * on the main thread.
 */
#include "config.h"

#include "mailout.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_MAX_SIZE (1024 * 1024)
/* the parser process maps the daemon's binary and libraries before it reads a byte */
#define PARSER_MEMORY_MIN (64L * 1024 * 1024)

enum key_type {
	K_STR,    /* plain string */
	K_SECRET, /* secret string given inline */
	K_FILE,   /* secret read from the first line of a file */
	K_INT,    /* integer in [min, max] */
	K_SIZE,   /* long with optional K/M/G suffix */
	K_LIST,   /* comma list */
	K_LANG,   /* de | en */
	K_LOG,    /* stderr | syslog */
	K_TLS,    /* required | off */
	K_SERVER, /* host[:port] */
	K_URL_IMAP,
	K_URL_SMTP,
	K_URL_MATRIX,
	K_FROM,  /* header-form address */
	K_PAIRS, /* bridge pairs */
};

enum section { S_NONE = -1, S_BOT, S_IMAP, S_SMTP, S_XMPP, S_MATRIX, S_BRIDGE, S_GROUPS, S_COUNT };

static const char *const section_names[S_COUNT] = {"bot", "imap", "smtp", "xmpp", "matrix", "bridge", "groups"};

struct key_def {
	enum section sec;
	const char *name;
	enum key_type type;
	size_t off;        /* offset of the destination in struct config */
	long min, max;     /* K_INT range */
	const char *other; /* the alternative key (password <-> password_file) */
};

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
	{S_BOT, "retention_days", K_INT, OFF(bot.retention_days), 0, 36500, NULL},
	{S_BOT, "max_mail_size", K_SIZE, OFF(bot.max_mail_size), 0, 0, NULL},
	{S_BOT, "flood_rate", K_INT, OFF(bot.flood_rate), 1, 100000, NULL},
	{S_BOT, "flood_burst", K_INT, OFF(bot.flood_burst), 1, 100000, NULL},
	{S_BOT, "log", K_LOG, OFF(bot.log), 0, 0, NULL},
	{S_BOT, "post_interval", K_INT, OFF(bot.post_interval), 0, 3600, NULL},
	{S_BOT, "announce_rate", K_INT, OFF(bot.announce_rate), 0, 100000, NULL},
	{S_BOT, "parser_memory", K_SIZE, OFF(bot.parser_memory), 0, 0, NULL},
	{S_BOT, "parser_timeout", K_INT, OFF(bot.parser_timeout), 1, 3600, NULL},

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
};

#define NKEYS ARRAY_LEN(keys)

struct parser {
	const char *path;
	char *dir; /* directory of path, for relative *_file paths */
	struct config *cfg;
	struct buf *errors;
	int nerr;
	int sec_line[S_COUNT]; /* line of the first [section] header, 0 = absent */
	int key_line[NKEYS];   /* line where each key was set, 0 = not set */
};

static void perr(struct parser *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
perr(struct parser *p, int line, const char *fmt, ...)
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

/* ---- small public helpers ---- */

void
strlist_split(struct strlist *l, const char *s, char sep)
{
	if (!s)
		return;
	while (*s) {
		const char *e = strchr(s, sep);
		size_t n = e ? (size_t)(e - s) : strlen(s);
		char *item = xstrndup(s, n);
		char *t = str_trim(item);
		if (*t) {
			l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
			l->v[l->n++] = xstrdup(t);
		}
		free(item);
		if (!e)
			break;
		s = e + 1;
	}
}

void
strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
url_parts_free(struct url_parts *u)
{
	free(u->scheme);
	free(u->host);
	free(u->path);
	memset(u, 0, sizeof *u);
}

static int
host_char_ok(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_';
}

/* Parse "scheme://host[:port][/path]".  No user info, query or fragment:
 * credentials belong in their own keys.  Fills *u only on success. */
int
url_parse(const char *url, struct url_parts *u)
{
	struct url_parts r = {0};
	const char *p = url, *hs, *he;
	int ret = -1;

	memset(u, 0, sizeof *u);
	if (!url || !isalpha((unsigned char)*p))
		return -1;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (strncmp(p, "://", 3) != 0)
		return -1;
	r.scheme = xstrndup(url, (size_t)(p - url));
	str_lower_ascii(r.scheme);
	p += 3;
	if (*p == '[') {
		hs = ++p;
		while (*p && *p != ']') {
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				goto out;
			p++;
		}
		if (*p != ']')
			goto out;
		he = p++;
	} else {
		hs = p;
		while (*p && host_char_ok((unsigned char)*p))
			p++;
		he = p;
	}
	if (he == hs)
		goto out;
	r.host = xstrndup(hs, (size_t)(he - hs));
	if (*p == ':') {
		long port = 0;
		p++;
		if (!isdigit((unsigned char)*p))
			goto out;
		while (isdigit((unsigned char)*p)) {
			port = port * 10 + (*p - '0');
			if (port > 65535)
				goto out;
			p++;
		}
		if (port == 0)
			goto out;
		r.port = (int)port;
	}
	if (*p && *p != '/')
		goto out;
	if (*p == '/')
		p++;
	{
		struct buf b = BUF_INIT;
		for (; *p; p++) {
			unsigned char c = (unsigned char)*p;
			if (c <= 0x20 || c == 0x7f || c == '?' || c == '#') {
				buf_free(&b);
				goto out;
			}
			if (c == '%') {
				int h = hex_value(p[1]), l = h < 0 ? -1 : hex_value(p[2]);
				if (h < 0 || l < 0 || (h == 0 && l == 0)) {
					buf_free(&b);
					goto out;
				}
				buf_addc(&b, (char)(h * 16 + l));
				p += 2;
				continue;
			}
			buf_addc(&b, (char)c);
		}
		r.path = buf_detach(&b);
	}
	*u = r;
	memset(&r, 0, sizeof r);
	ret = 0;
out:
	url_parts_free(&r);
	return ret;
}

/* ---- value parsers ---- */

static int
parse_long(const char *s, long *out)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static int
parse_size(const char *s, long *out)
{
	char *end;
	long mult = 1;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno)
		return -1;
	if (*end) {
		switch (toupper((unsigned char)*end)) {
		case 'K':
			mult = 1024L;
			break;
		case 'M':
			mult = 1024L * 1024;
			break;
		case 'G':
			mult = 1024L * 1024 * 1024;
			break;
		default:
			return -1;
		}
		if (end[1] && !(toupper((unsigned char)end[1]) == 'B' && !end[2]))
			return -1;
	}
	if (v <= 0 || v > LONG_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

/* Read the first line of a secret file.  Relative paths are taken from the
 * config file's directory, so the daemon's working directory does not matter.
 * Returns the secret (caller frees) or NULL with *why set. */
static char *
read_secret_file(const struct parser *p, const char *file, const char **why)
{
	char *full = file[0] == '/' ? xstrdup(file) : xasprintf("%s/%s", p->dir, file);
	char *line = NULL;
	size_t cap = 0;
	char *ret = NULL;
	FILE *fp = fopen(full, "r");

	if (!fp) {
		*why = strerror(errno);
		goto out;
	}
	/* as OpenSSH does with a private key: a secret others may read is no secret */
	struct stat st;
	if (fstat(fileno(fp), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		static char msg[96];
		snprintf(msg, sizeof msg, "it is open to %s (mode %04o); chmod 600 it",
			 (st.st_mode & S_IRWXO) ? "everyone" : "its group", (unsigned)(st.st_mode & 07777));
		*why = msg;
		goto out;
	}
	ssize_t n = getline(&line, &cap, fp);
	if (n < 0) {
		*why = ferror(fp) ? strerror(errno) : "file is empty";
		goto out;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n == 0) {
		*why = "first line is empty";
		goto out;
	}
	ret = xstrdup(line);
out:
	if (fp)
		fclose(fp);
	free(line);
	free(full);
	return ret;
}

/* ---- storing a key ---- */

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static void
check_url(struct parser *p, int line, const char *key, const char *v, struct url_parts *u, enum key_type t)
{
	url_parts_free(u);
	if (url_parse(v, u) < 0) {
		perr(p, line, "malformed URL '%s' for '%s' (expected scheme://host[:port][/path])", v, key);
		return;
	}
	const char *s = u->scheme;
	int loop = is_loopback_host(u->host);
	switch (t) {
	case K_URL_IMAP:
		if (strcmp(s, "imaps") && strcmp(s, "imap"))
			perr(p, line, "URL '%s': scheme must be imaps:// (or imap:// to a loopback host)", v);
		else if (!strcmp(s, "imap") && !loop)
			perr(p, line, "plain-text imap:// refused for non-loopback host '%s': use imaps://", u->host);
		if (!u->path[0]) {
			free(u->path);
			u->path = xstrdup("INBOX");
		}
		break;
	case K_URL_SMTP:
		if (strcmp(s, "smtps") && strcmp(s, "smtp"))
			perr(p, line, "URL '%s': scheme must be smtps:// or smtp://", v);
		/* smtp:// to a remote host is allowed only with STARTTLS enforced */
		p->cfg->smtp.starttls_required = !strcmp(s, "smtp") && !loop;
		break;
	case K_URL_MATRIX:
		if (strcmp(s, "https") && strcmp(s, "http"))
			perr(p, line, "homeserver '%s': scheme must be https:// (or http:// to a loopback host)", v);
		else if (!strcmp(s, "http") && !loop)
			perr(p, line, "plain-text http:// refused for non-loopback homeserver '%s': use https://",
			     u->host);
		break;
	default:
		break;
	}
}

static void
set_server(struct parser *p, int line, const char *v)
{
	struct config *c = p->cfg;
	const char *hs = v, *he, *port = NULL;

	free(c->xmpp.server_host);
	c->xmpp.server_host = NULL;
	c->xmpp.server_port = 0;
	if (*v == '[') {
		hs = v + 1;
		he = strchr(hs, ']');
		if (!he || (he[1] && he[1] != ':'))
			goto bad;
		if (he[1] == ':')
			port = he + 2;
	} else {
		he = strchr(v, ':');
		if (he) {
			if (strchr(he + 1, ':'))
				goto bad; /* bare IPv6 needs [] */
			port = he + 1;
		} else {
			he = v + strlen(v);
		}
	}
	if (he == hs)
		goto bad;
	for (const char *q = hs; q < he; q++)
		if (!host_char_ok((unsigned char)*q) && !(*v == '[' && (*q == ':' || isxdigit((unsigned char)*q))))
			goto bad;
	long pn = 5222;
	if (port && (parse_long(port, &pn) < 0 || pn < 1 || pn > 65535))
		goto bad;
	c->xmpp.server_host = xstrndup(hs, (size_t)(he - hs));
	c->xmpp.server_port = (int)pn;
	return;
bad:
	perr(p, line, "bad server '%s' (expected host[:port])", v);
}

static void
set_pairs(struct parser *p, int line, struct strlist *pairs, const char *v)
{
	struct strlist items = {0};
	strlist_free(pairs);
	strlist_split(&items, v, ',');
	for (size_t i = 0; i < items.n; i++) {
		struct strlist two = {0};
		strlist_split(&two, items.v[i], ' ');
		if (two.n != 2) {
			perr(p, line, "bridge pair '%s' must be \"xmppRoom matrixRoom\"", items.v[i]);
		} else if (!strchr(two.v[0], '@') || (two.v[1][0] != '!' && two.v[1][0] != '#')) {
			perr(p, line, "bridge pair '%s': expected an XMPP room JID then a Matrix room id or alias",
			     items.v[i]);
		} else {
			pairs->v = xrealloc(pairs->v, (pairs->n + 2) * sizeof *pairs->v);
			pairs->v[pairs->n++] = two.v[0];
			pairs->v[pairs->n++] = two.v[1];
			free(two.v);
			continue;
		}
		strlist_free(&two);
	}
	if (items.n == 0)
		perr(p, line, "'pairs' is empty");
	strlist_free(&items);
}

static void
set_key(struct parser *p, int line, const struct key_def *k, const char *v)
{
	void *dst = (char *)p->cfg + k->off;
	char **sp = dst;
	long n;
	const char *why = NULL;

	switch (k->type) {
	case K_STR:
	case K_SECRET:
		set_str(sp, v);
		break;
	case K_FILE: {
		char *sec = read_secret_file(p, v, &why);
		if (!sec) {
			perr(p, line, "cannot read %s '%s': %s", k->name, v, why);
			break;
		}
		free(*sp);
		*sp = sec;
		break;
	}
	case K_INT:
		if (parse_long(v, &n) < 0 || n < k->min || n > k->max)
			perr(p, line, "'%s' must be a whole number from %ld to %ld, not '%s'", k->name, k->min, k->max,
			     v);
		else
			*(int *)dst = (int)n;
		break;
	case K_SIZE:
		if (parse_size(v, &n) < 0)
			perr(p, line, "'%s' must be a size like 10485760, 512K or 10M, not '%s'", k->name, v);
		else
			*(long *)dst = n;
		break;
	case K_LIST:
		strlist_free(dst);
		strlist_split(dst, v, ',');
		break;
	case K_LANG:
		if (strcasecmp(v, "de") && strcasecmp(v, "en")) {
			perr(p, line, "language must be 'de' or 'en', not '%s'", v);
			break;
		}
		set_str(sp, v);
		str_lower_ascii(*sp);
		break;
	case K_LOG:
		if (strcasecmp(v, "stderr") && strcasecmp(v, "syslog")) {
			perr(p, line, "log must be 'stderr' or 'syslog', not '%s'", v);
			break;
		}
		set_str(sp, v);
		str_lower_ascii(*sp);
		break;
	case K_TLS:
		if (!strcasecmp(v, "required") || !strcasecmp(v, "on"))
			*(int *)dst = 1;
		else if (!strcasecmp(v, "off"))
			*(int *)dst = 0;
		else
			perr(p, line, "tls must be 'required' or 'off', not '%s'", v);
		break;
	case K_SERVER:
		set_server(p, line, v);
		break;
	case K_URL_IMAP:
		set_str(sp, v);
		check_url(p, line, k->name, v, &p->cfg->imap.u, k->type);
		break;
	case K_URL_SMTP:
		set_str(sp, v);
		check_url(p, line, k->name, v, &p->cfg->smtp.u, k->type);
		break;
	case K_URL_MATRIX:
		set_str(sp, v);
		check_url(p, line, k->name, v, &p->cfg->matrix.u, k->type);
		break;
	case K_FROM: {
		char *a = addr_spec(v);
		if (!a) {
			perr(p, line, "from '%s' has no valid mail address (expected \"Name <addr>\" or addr)", v);
			break;
		}
		set_str(sp, v);
		free(p->cfg->smtp.from_addr);
		p->cfg->smtp.from_addr = a;
		break;
	}
	case K_PAIRS:
		set_pairs(p, line, dst, v);
		break;
	}
}

static int
group_name_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return 0;
	return 1;
}

static void
set_group(struct parser *p, int line, const char *name, const char *v)
{
	struct config *c = p->cfg;
	if (!group_name_ok(name)) {
		perr(p, line, "bad group name '%s' (letters, digits, '-', '_', '.')", name);
		return;
	}
	for (size_t i = 0; i < c->groups.n; i++)
		if (!strcmp(c->groups.v[i].name, name)) {
			perr(p, line, "duplicate group '%s' in [groups]", name);
			return;
		}
	struct group_def g = {xstrdup(name), {NULL, 0}};
	strlist_split(&g.members, v, ',');
	if (g.members.n == 0)
		perr(p, line, "group '%s' has no members", name);
	c->groups.v = xrealloc(c->groups.v, (c->groups.n + 1) * sizeof *c->groups.v);
	c->groups.v[c->groups.n++] = g;
}

/* ---- the line parser ---- */

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

static void
parse_line(struct parser *p, int line, char *s, enum section *sec)
{
	s = str_trim(s);
	if (!*s || *s == ';' || *s == '#')
		return;
	if (*s == '[') {
		char *e = strchr(s, ']');
		if (!e) {
			perr(p, line, "section header without ']'");
			*sec = S_COUNT; /* skip its keys silently */
			return;
		}
		*e = '\0';
		char *rest = e + 1;
		cut_comment(rest);
		if (*str_trim(rest))
			perr(p, line, "unexpected text after [%s]", s + 1);
		char *name = str_trim(s + 1);
		str_lower_ascii(name);
		for (int i = 0; i < S_COUNT; i++)
			if (!strcmp(name, section_names[i])) {
				*sec = (enum section)i;
				if (!p->sec_line[i])
					p->sec_line[i] = line;
				return;
			}
		perr(p, line, "unknown section [%s]", name);
		*sec = S_COUNT;
		return;
	}
	char *eq = strchr(s, '=');
	if (!eq) {
		perr(p, line, "expected 'key = value'");
		return;
	}
	*eq = '\0';
	char *key = str_trim(s);
	char *val = eq + 1;
	cut_comment(val);
	val = str_trim(val);
	str_lower_ascii(key);
	if (*sec == S_COUNT)
		return; /* inside an unknown section: already reported */
	if (*sec == S_NONE) {
		perr(p, line, "key '%s' outside of any [section]", key);
		return;
	}
	if (!*key) {
		perr(p, line, "missing key before '='");
		return;
	}
	if (*sec == S_GROUPS) {
		set_group(p, line, key, val);
		return;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key_def *k = &keys[i];
		if (k->sec != *sec || strcmp(k->name, key))
			continue;
		if (p->key_line[i]) {
			perr(p, line, "duplicate key '%s' in [%s] (first set at line %d)", key, section_names[*sec],
			     p->key_line[i]);
			return;
		}
		p->key_line[i] = line;
		if (k->other) {
			for (size_t j = 0; j < NKEYS; j++)
				if (keys[j].sec == k->sec && !strcmp(keys[j].name, k->other) && p->key_line[j]) {
					perr(p, line, "both '%s' and '%s' given in [%s]", k->other, key,
					     section_names[*sec]);
					return;
				}
		}
		if (!*val) {
			perr(p, line, "empty value for '%s' in [%s]", key, section_names[*sec]);
			return;
		}
		set_key(p, line, k, val);
		return;
	}
	perr(p, line, "unknown key '%s' in [%s]", key, section_names[*sec]);
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

static void
require(struct parser *p, enum section sec, const char *name, const char *alt)
{
	if (key_set(p, sec, name) || (alt && key_set(p, sec, alt)))
		return;
	if (alt)
		perr(p, p->sec_line[sec], "missing required key '%s' (or '%s') in [%s]", name, alt, section_names[sec]);
	else
		perr(p, p->sec_line[sec], "missing required key '%s' in [%s]", name, section_names[sec]);
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
			perr(p, tl, "tls = off needs 'server' set to a loopback address");
		else if (!c->xmpp.tls_required && !is_loopback_host(c->xmpp.server_host))
			perr(p, tl, "tls = off refused for non-loopback server '%s'", c->xmpp.server_host);
	}
	if (c->matrix.present) {
		require(p, S_MATRIX, "homeserver", NULL);
		require(p, S_MATRIX, "user", NULL);
		require(p, S_MATRIX, "access_token", "access_token_file");
	}
	if (c->bot.parser_memory < PARSER_MEMORY_MIN)
		perr(p, key_set(p, S_BOT, "parser_memory"),
		     "parser_memory must be at least %ldM: the parser process's code alone needs that much",
		     PARSER_MEMORY_MIN / (1024 * 1024));
	if (c->bridge.pairs.n && (!c->xmpp.present || !c->matrix.present))
		perr(p, key_set(p, S_BRIDGE, "pairs"), "[bridge] pairs need both [xmpp] and [matrix]");
	const char *cafiles[][2] = {{"imap", c->imap.ca_file}, {"smtp", c->smtp.ca_file}, {"xmpp", c->xmpp.ca_file}};
	const enum section casec[] = {S_IMAP, S_SMTP, S_XMPP};
	for (size_t i = 0; i < ARRAY_LEN(cafiles); i++)
		if (cafiles[i][1] && access(cafiles[i][1], R_OK) < 0)
			perr(p, key_set(p, casec[i], "ca_file"), "cannot read ca_file '%s': %s", cafiles[i][1],
			     strerror(errno));
}

static void
set_defaults(struct config *c)
{
	c->bot.language = xstrdup("de");
	c->bot.templates = xstrdup("templates");
	c->bot.reply_limit = 10;
	c->bot.unknown_reply_limit = 200;
	c->bot.retention_days = 30;
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
	enum section sec = S_NONE;

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
		perr(&p, 0, "cannot read configuration: %s", why);
		goto out;
	}
	char *s = text;
	if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	if (memchr(text, '\0', len)) {
		perr(&p, 0, "file contains a NUL byte");
		goto out;
	}
	for (int line = 1; s && *s; line++) {
		char *nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		/* CRLF: str_trim() drops the trailing '\r' */
		parse_line(&p, line, s, &sec);
		s = nl ? nl + 1 : NULL;
	}
	cfg->imap.present = p.sec_line[S_IMAP] != 0;
	cfg->smtp.present = p.sec_line[S_SMTP] != 0;
	cfg->xmpp.present = p.sec_line[S_XMPP] != 0;
	cfg->matrix.present = p.sec_line[S_MATRIX] != 0;
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
	free(c->bot.log);
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
