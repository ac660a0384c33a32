/*
 * logaddr.h - who a log line is about, without naming them.
 *
 * At the default level a log line names a person by id or by "a:" and 8
 * base32 characters of keyed_tag(installation key, "log", the lower-case
 * address): the same address gives the same tag all through the logs of one
 * installation, and nobody without the key can tell whose it is.  With -v
 * (the debug level) the address itself is logged.  Never log bodies,
 * subjects, names, command text or secrets at any level.
 */
#ifndef MB_LOGADDR_H
#define MB_LOGADDR_H

#include "keyed.h"

#define LOG_WHO_LEN 16
#define LOG_WHO_TAG 8

/* The installation key (state_install_key); set once at start-up, before the
 * threads, by the daemon and the CLI.  Until then log_who gives "(address)". */
void log_who_key(const unsigned char key[KEYED_KEY_LEN]);

/* addr itself at the debug level, else "a:<tag>" written into buf ("-" for
 * NULL or "").  The result lives as long as buf and addr. */
const char *log_who(const char *addr, char buf[static LOG_WHO_LEN]);

/* log_who with a buffer that lives until the end of the enclosing statement's
 * block: log_info("mail from %s", LOG_WHO(addr)). */
#define LOG_WHO(addr) log_who((addr), (char[LOG_WHO_LEN]){0})

#endif
