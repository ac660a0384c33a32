/*
 * config_value.c - one value of the configuration file checked and stored
 * in struct config: the parser of each key type (integers, sizes, lists,
 * URLs, host:port, secrets read from files, bridge pairs, [groups]) and the
 * small public helpers they share with callers (strlist, url_parse).
 * config.c reads the file and finds the key; this file stores its value.
 * Runs once at start-up on the main thread.
 */
#include "config.h"
#include "config_int.h"

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
		config_perr(p, line, "malformed URL '%s' for '%s' (expected scheme://host[:port][/path])", v, key);
		return;
	}
	const char *s = u->scheme;
	int loop = is_loopback_host(u->host);
	switch (t) {
	case K_URL_IMAP:
		if (strcmp(s, "imaps") && strcmp(s, "imap"))
			config_perr(p, line, "URL '%s': scheme must be imaps:// (or imap:// to a loopback host)", v);
		else if (!strcmp(s, "imap") && !loop)
			config_perr(p, line, "plain-text imap:// refused for non-loopback host '%s': use imaps://",
				    u->host);
		if (!u->path[0]) {
			free(u->path);
			u->path = xstrdup("INBOX");
		}
		break;
	case K_URL_SMTP:
		if (strcmp(s, "smtps") && strcmp(s, "smtp"))
			config_perr(p, line, "URL '%s': scheme must be smtps:// or smtp://", v);
		/* smtp:// to a remote host is allowed only with STARTTLS enforced */
		p->cfg->smtp.starttls_required = !strcmp(s, "smtp") && !loop;
		break;
	case K_URL_MATRIX:
		if (strcmp(s, "https") && strcmp(s, "http"))
			config_perr(p, line, "homeserver '%s': scheme must be https:// (or http:// to a loopback host)",
				    v);
		else if (!strcmp(s, "http") && !loop)
			config_perr(p, line,
				    "plain-text http:// refused for non-loopback homeserver '%s': use https://",
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
	config_perr(p, line, "bad server '%s' (expected host[:port])", v);
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
			config_perr(p, line, "bridge pair '%s' must be \"xmppRoom matrixRoom\"", items.v[i]);
		} else if (!strchr(two.v[0], '@') || (two.v[1][0] != '!' && two.v[1][0] != '#')) {
			config_perr(p, line,
				    "bridge pair '%s': expected an XMPP room JID then a Matrix room id or alias",
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
		config_perr(p, line, "'pairs' is empty");
	strlist_free(&items);
}

/* v is the word a or b (any case): store it lower-cased in *sp; otherwise report it. */
static void
set_choice(struct parser *p, int line, char **sp, const char *what, const char *v, const char *a, const char *b)
{
	if (strcasecmp(v, a) && strcasecmp(v, b)) {
		config_perr(p, line, "%s must be '%s' or '%s', not '%s'", what, a, b, v);
		return;
	}
	set_str(sp, v);
	str_lower_ascii(*sp);
}

/* s is n or more ASCII digits and nothing else (n > 0). */
static int
digits(const char *s, size_t n)
{
	size_t i = 0;
	for (; s[i]; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return i >= n;
}

/* The checked values of the social accounts: [mastodon] visibility, [linkedin] organization
 * and version, [facebook] page and version. */
static void
set_social(struct parser *p, int line, const struct key_def *k, char **sp, const char *v)
{
	const char *want = NULL;
	if (strcmp(k->name, "visibility") == 0) {
		if (strcmp(v, "public") && strcmp(v, "unlisted") && strcmp(v, "private"))
			want = "public, unlisted or private";
	} else if (strcmp(k->name, "organization") == 0) {
		const char *pre = "urn:li:organization:";
		if (strncmp(v, pre, strlen(pre)) != 0 || !digits(v + strlen(pre), 1))
			want = "urn:li:organization:NUMBER";
	} else if (strcmp(k->name, "page") == 0) {
		if (!digits(v, 1))
			want = "the page's numeric id";
	} else if (k->sec == S_LINKEDIN) {
		if (strlen(v) != 6 || !digits(v, 6) || strncmp(v + 4, "01", 2) < 0 || strncmp(v + 4, "12", 2) > 0)
			want = "YYYYMM, like 202611";
	} else {
		const char *d = v[0] == 'v' ? strchr(v, '.') : NULL;
		char major[8];
		if (!d || d - v < 2 || d - v > 4 || !digits(d + 1, 1) || strlen(d + 1) > 2)
			want = "vN.N, like v24.0";
		else if (snprintf(major, sizeof major, "%.*s", (int)(d - v - 1), v + 1) < 0 || !digits(major, 1))
			want = "vN.N, like v24.0";
	}
	if (want)
		config_perr(p, line, "'%s' must be %s, not '%s'", k->name, want, v);
	else
		set_str(sp, v);
}

void
config_set_key(struct parser *p, int line, const struct key_def *k, const char *v)
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
			config_perr(p, line, "cannot read %s '%s': %s", k->name, v, why);
			break;
		}
		free(*sp);
		*sp = sec;
		break;
	}
	case K_INT:
		if (parse_long(v, &n) < 0 || n < k->min || n > k->max)
			config_perr(p, line, "'%s' must be a whole number from %ld to %ld, not '%s'", k->name, k->min,
				    k->max, v);
		else
			*(int *)dst = (int)n;
		break;
	case K_SIZE:
		if (parse_size(v, &n) < 0)
			config_perr(p, line, "'%s' must be a size like 10485760, 512K or 10M, not '%s'", k->name, v);
		else
			*(long *)dst = n;
		break;
	case K_LIST:
		strlist_free(dst);
		strlist_split(dst, v, ',');
		break;
	case K_LANG:
		set_choice(p, line, sp, "language", v, "de", "en");
		break;
	case K_LOG:
		set_choice(p, line, sp, "log", v, "stderr", "syslog");
		break;
	case K_TLS:
		if (!strcasecmp(v, "required") || !strcasecmp(v, "on"))
			*(int *)dst = 1;
		else if (!strcasecmp(v, "off"))
			*(int *)dst = 0;
		else
			config_perr(p, line, "tls must be 'required' or 'off', not '%s'", v);
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
	case K_URL_BLUESKY:
		set_str(sp, v);
		check_url(p, line, k->name, v, &p->cfg->bluesky.u, K_URL_MATRIX);
		break;
	case K_URL_SOCIAL: {
		struct url_parts u = {0};
		set_str(sp, v);
		check_url(p, line, k->name, v, &u, K_URL_MATRIX);
		url_parts_free(&u);
		size_t len = strlen(*sp);
		while (len > 0 && (*sp)[len - 1] == '/')
			(*sp)[--len] = '\0'; /* the base, without a trailing '/' */
		break;
	}
	case K_SOCIAL:
		set_social(p, line, k, sp, v);
		break;
	case K_FROM: {
		char *a = addr_spec(v);
		if (!a) {
			config_perr(p, line, "from '%s' has no valid mail address (expected \"Name <addr>\" or addr)",
				    v);
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

void
config_set_group(struct parser *p, int line, const char *name, const char *v)
{
	struct config *c = p->cfg;
	if (!group_name_ok(name)) {
		config_perr(p, line, "bad group name '%s' (letters, digits, '-', '_', '.')", name);
		return;
	}
	for (size_t i = 0; i < c->groups.n; i++)
		if (!strcmp(c->groups.v[i].name, name)) {
			config_perr(p, line, "duplicate group '%s' in [groups]", name);
			return;
		}
	struct group_def g = {xstrdup(name), {NULL, 0}};
	strlist_split(&g.members, v, ',');
	if (g.members.n == 0)
		config_perr(p, line, "group '%s' has no members", name);
	c->groups.v = xrealloc(c->groups.v, (c->groups.n + 1) * sizeof *c->groups.v);
	c->groups.v[c->groups.n++] = g;
}
