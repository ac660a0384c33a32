/*
 * reload.h - SIGHUP: the whole configuration read again (bot/reload.c).
 *
 * Each key is either live (the new value is used from the reload on) or
 * needs a restart (the running value stays until then, and the reload says
 * so).  reload_diff() is the pure comparison; reload_load() reads the file,
 * logs its errors or the changes, and returns the configuration to run with;
 * reload_swap() installs it.  daemon.c's rt_reload ties them together and
 * hands the new rooms to the chat transports (transport_ops.reconfigure).
 *
 * Lifetime: a configuration that was current is never freed while the
 * daemon runs - threads keep pointers into it (a handler's h->cfg, a chat
 * message's cfg, a transport's own start configuration) - so the daemon keeps
 * every superseded one and frees them all at stop.  That is one struct
 * config (a few KB) per reload that changed something.
 */
#ifndef MB_RELOAD_H
#define MB_RELOAD_H

#include <pthread.h>
#include <stddef.h>

#include "config.h"

struct core;
struct templates;

/* What changed between two configurations.  Key names as "[section] key", or "[xmpp]" for a
 * whole section added or removed.  Each name at most once. */
#define RELOAD_MAX_KEYS 96
struct reload_diff {
	const char *live[RELOAD_MAX_KEYS]; /* used from the reload on */
	size_t nlive;
	const char *restart[RELOAD_MAX_KEYS]; /* the running value stays until a restart */
	size_t nrestart;
	/* [xmpp] / [matrix] rooms (when the section is there before and after): as written in new
	 * (join) and old (leave); XMPP rooms compare without case, Matrix rooms exactly */
	struct strlist xmpp_join, xmpp_leave, matrix_join, matrix_leave;
};

/* Compare old and new.  Pure; free *d with reload_diff_free. */
void reload_diff(const struct config *old, const struct config *new, struct reload_diff *d);
void reload_diff_free(struct reload_diff *d);

/* 1 if key ("[imap] url", "[xmpp]") needs a restart to change, 0 if it is live, -1 if unknown. */
int reload_key_restart(const char *key);

/* Set every key of new that needs a restart (see reload_diff) to its value in old (copies). */
void reload_keep_restart(struct config *new, const struct config *old);

/*
 * Read path again for a running daemon whose configuration is cur.  Bad file: each error is
 * logged ("config: PATH:LINE: message") and NULL returned.  Good file: each changed key is
 * logged (those that need a restart as "config: KEY changed; takes effect after a restart"),
 * and the new configuration, with cur's values for those keys, is returned (caller owns it).
 */
struct config *reload_load(const char *path, const struct config *cur);

/*
 * Make cfg and tmpl the core's, under the write lock the dispatcher's transactions
 * read-hold (lock may be NULL), and set the flood limits.  Returns the templates they
 * replace (the caller frees them; nobody uses them any more).  The replaced configuration
 * is not freed: see the top of this file.
 */
struct templates *reload_swap(struct core *core, pthread_rwlock_t *lock, const struct config *cfg,
			      struct templates *tmpl);

#endif
