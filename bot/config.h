/*
 * config.h - the INI configuration file (product.md §6).
 *
 * Syntax: [section] headers, "key = value" lines, comments start with ';' or
 * '#' at the beginning of a line, or with " ;" / " # " after a value
 * (whitespace then the comment char; after a value '#' must also be followed
 * by whitespace, so "rooms = !a:x, #alias:x" keeps its Matrix alias).  A ';'
 * or '#' without whitespace before it is part of the value.  Keys are
 * case-insensitive.  A UTF-8 BOM and CRLF line ends are accepted.  A line
 * holds at most 65536 bytes; an indented line is a line of its own.
 * "*_file" keys (password_file, access_token_file) read the secret from the
 * first line of that file (a relative path is taken from the directory of
 * the configuration file).  Unknown sections/keys and bad values are errors
 * reported as "FILE:LINE: message".  Plain-text transports are refused
 * unless the host is a loopback address.
 *
 * All strings are owned by struct config and freed by config_free().
 */
#ifndef MB_CONFIG_H
#define MB_CONFIG_H

#include <stddef.h>

struct strlist {
	char **v;
	size_t n;
};

struct url_parts {
	char *scheme; /* lower case: imap, imaps, smtp, smtps, http, https */
	char *host;   /* without [] for IPv6 */
	int port;     /* 0 when not given */
	char *path;   /* without the leading '/', URL-decoded; "" when absent */
};

struct group_def {
	char *name;
	struct strlist members; /* "xmpp:room@…", "matrix:#alias:…", "members:<programme|alumni|all>", mail addresses */
};

struct config {
	char *path;
	struct {
		char *database;       /* required */
		char *language;       /* "de" (default) or "en" */
		char *templates;      /* directory holding de/ and en/; default $(PREFIX)/share/mentorbot/templates */
		struct strlist staff; /* "addr", "xmpp:jid", "matrix:@id" */
		char *authserv_id;    /* NULL when absent */
		int reply_limit;      /* default 10 */
		int unknown_reply_limit; /* answers per hour to addresses that are no known people, all together;
					    default 200 */
		long max_mail_size;      /* bytes; default 10485760 ("max_mail_size = 10M" accepts K/M suffix) */
		int flood_rate;          /* commands per minute per person (token bucket refill); default 20 */
		int flood_burst;         /* bucket size; default 10 */
		char *log;               /* "stderr" (default) or "syslog" */
		int post_interval;       /* seconds between two posts to the same room; default 2 */
		int announce_rate;       /* event invitation mails per second; default 20, 0 = unpaced */
		long parser_memory;      /* bytes of address space for the mail parser process; default 256M */
		int parser_timeout;      /* seconds one mail may take in the parser process; default 10 */
		char *metrics_file;      /* Prometheus text file rewritten every minute; NULL: none */
	} bot;
	struct {
		int present;
		char *url;          /* as written */
		struct url_parts u; /* parsed; u.path is the folder, default "INBOX" */
		char *user;
		char *password;
		char *processed;   /* NULL: flag \Seen only */
		char *quarantine;  /* default "Quarantine" */
		char *ca_file;     /* optional extra trust anchors */
		int poll_interval; /* seconds, when IDLE is not offered; default 60 */
	} imap;
	struct {
		int present;
		char *url;
		struct url_parts u;
		char *user; /* optional */
		char *password;
		char *from;      /* header form "Name <addr>"; required */
		char *from_addr; /* addr-spec of from, lower case */
		char *ca_file;
		int rate;              /* max mails per second, 0 = unlimited (default) */
		int starttls_required; /* 1: smtp:// to a non-loopback host, STARTTLS is
					* mandatory (CURLUSESSL_ALL); 0: smtps:// or loopback */
	} smtp;
	struct {
		int present;
		char *jid;
		char *password;
		char *server_host; /* NULL: DNS/SRV */
		int server_port;
		int tls_required; /* 1 (default) or 0 for "tls = off" (loopback only) */
		char *nick;       /* default "MentorBot" */
		struct strlist rooms;
		char *ca_file;
	} xmpp;
	struct {
		int present;
		char *homeserver; /* https://… (http:// only to loopback) */
		struct url_parts u;
		char *user;
		char *access_token;
		struct strlist rooms;
	} matrix;
	struct {
		struct strlist pairs; /* flattened: pairs.v[2i] = xmpp room, pairs.v[2i+1] = matrix room */
		char *relay_pattern; /* regex of the bridge's relayed form, group 1 = nick; default "^\\[([^]]+)\\] " */
		struct strlist
			relay_accounts; /* the bridge's own accounts (JIDs, Matrix ids): their plain text is relayed */
	} bridge;
	/* [retention]: how many days each kind of data is kept (state/retention.h purges it).
	 * [bot] retention_days is the old name of raw_mail_days. */
	struct {
		int raw_mail_days;     /* raw mails of finished journal rows; default 30 */
		int chat_journal_days; /* chat text of finished journal rows; default 30 */
		int outbox_body_days;  /* bodies of sent outbox rows (the row stays for threading); default 30 */
		int journal_days;      /* the sender details (meta) of finished journal rows; default 30 */
		int left_people_days;  /* people who left every programme, after a notice 14 days before;
					  default 365 */
		int bounce_days;       /* bounce records; default 365 */
	} retention;
	struct {
		struct group_def *v;
		size_t n;
	} groups;
	/* [network]: the alumni directory's contact requests and the import's invitations */
	struct {
		int contact_open; /* open contact requests a person may have at once; default 3 */
		int contact_week; /* contact requests a person may send in 7 days; default 10 */
		int contact_days; /* an unanswered contact request expires after; default 14 */
		int invite_days;  /* an imported person's invitation can be confirmed for; default 30 */
	} network;
	/* [bluesky]: the account social posts go out on (bot/bluesky.c) */
	struct {
		int present;
		char *url; /* the account's PDS: https://… (http:// only to loopback) */
		struct url_parts u;
		char *handle;
		char *password; /* an app password (never logged) */
		struct strlist hashtags;
	} bluesky;
	/* [mastodon], [linkedin], [facebook], [x]: the bearer-token networks (bot/social_net.c) */
	struct social_account_cfg {
		int present;
		char *url;        /* the API base, https://… (http:// only to loopback); the network's default */
		char *token;      /* the bearer token (never logged) */
		char *id;         /* [linkedin] organization URN, [facebook] page id; NULL otherwise */
		char *version;    /* [linkedin] LinkedIn-Version (YYYYMM), [facebook] Graph API version */
		char *visibility; /* [mastodon] public | unlisted | private */
		struct strlist hashtags;
	} mastodon, linkedin, facebook, x;
	/* [social]: which kinds of news go to which channels (names of the sections above, or
	 * "all": every configured one) */
	struct {
		struct strlist events, offers, calls;
	} social;
	/* [offers]: company offers (internships, jobs, theses, ...) */
	struct {
		char *post_to;   /* [groups] name an approved offer is posted to; NULL: not posted */
		int notice_days; /* the company is told this many days before the deadline; default 7 */
		int days;        /* an offer without a deadline runs this many days; default 90 */
	} offers;
	/* [site]: the public page (bot/site.h) */
	struct {
		char *dir; /* the daemon keeps the page here; NULL: no page */
		char *url; /* its public address (absolute links in the Atom feeds); NULL: relative links */
	} site;
};

/*
 * Load and check path.  Returns 0 on success; otherwise the number of errors,
 * each appended to *errors as "PATH:LINE: message\n" (LINE 0 for whole-file
 * problems such as a missing required key).  On error *cfg is still
 * initialised and must be freed with config_free().
 */
struct buf;
int config_load(const char *path, struct config *cfg, struct buf *errors);
void config_free(struct config *cfg);
/* The [mastodon], [linkedin], [facebook] or [x] section by name, or NULL (another name). */
const struct social_account_cfg *config_social_account(const struct config *cfg, const char *name);

/* Which transports a configuration can run with ("mentorbot check-config" and "run" say why
 * not): at least one inbound transport, [imap], [xmpp] or [matrix]; [imap] only with [smtp]
 * (mail that arrives is answered by mail).  [smtp] without [imap] only sends (e.g. a chat
 * office's confirmation codes and invitations by mail). */
enum config_transports {
	CONFIG_TRANSPORTS_OK,
	CONFIG_NO_INBOUND,        /* none of [imap], [xmpp], [matrix] */
	CONFIG_IMAP_WITHOUT_SMTP, /* mail would arrive but could not be answered */
};
enum config_transports config_transports_check(const struct config *cfg);

/* Parse a URL "scheme://host[:port][/path]" (no user info, query or
 * fragment; path %-decoded).  0 ok, -1 malformed.  Fills *u only on success
 * (caller frees with url_parts_free). */
int url_parse(const char *url, struct url_parts *u);
void url_parts_free(struct url_parts *u);

/* Split "a, b, c" into a list (trimmed, empty items dropped). */
void strlist_split(struct strlist *l, const char *s, char sep);
void strlist_free(struct strlist *l);

#endif
