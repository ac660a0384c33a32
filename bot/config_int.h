/*
 * config_int.h - what config.c (reading the file, the key table, the
 * whole-config checks) and config_value.c (checking and storing one value)
 * share; nobody else needs it.
 */
#ifndef MB_CONFIG_INT_H
#define MB_CONFIG_INT_H

#include "config.h"
#include "util.h"

#include <stddef.h>

/* Room for the key table's entries in struct parser (config.c checks it). */
#define CONFIG_KEYS_MAX 128

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
	K_URL_BLUESKY,
	K_URL_SOCIAL, /* https:// (http:// to loopback), no parts kept */
	K_SOCIAL,     /* [mastodon] visibility, [linkedin] organization/version, [facebook] page/version */
	K_FROM,       /* header-form address */
	K_PAIRS,      /* bridge pairs */
};

enum section {
	S_NONE = -1,
	S_BOT,
	S_IMAP,
	S_SMTP,
	S_XMPP,
	S_MATRIX,
	S_BRIDGE,
	S_RETENTION,
	S_GROUPS,
	S_NETWORK,
	S_OFFERS,
	S_SITE,
	S_BLUESKY,
	S_SOCIAL,
	S_MASTODON,
	S_LINKEDIN,
	S_FACEBOOK,
	S_X,
	S_COUNT
};

struct key_def {
	enum section sec;
	const char *name;
	enum key_type type;
	size_t off;        /* offset of the destination in struct config */
	long min, max;     /* K_INT range */
	const char *other; /* the alternative key (password <-> password_file) */
};

/* One run over one file. */
struct parser {
	const char *path;
	char *dir; /* directory of path, for relative *_file paths */
	struct config *cfg;
	struct buf *errors;
	int nerr;
	int sec_line[S_COUNT];         /* line of the first [section] header, 0 = absent */
	int key_line[CONFIG_KEYS_MAX]; /* line where each key of keys[] was set, 0 = not set */
};

/* Report "PATH:LINE: message" into p->errors and count it. */
void config_perr(struct parser *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Check v for key k (set at line) and store it in p->cfg. */
void config_set_key(struct parser *p, int line, const struct key_def *k, const char *v);
/* Store group name = v (comma-separated members) of [groups]. */
void config_set_group(struct parser *p, int line, const char *name, const char *v);

#endif
