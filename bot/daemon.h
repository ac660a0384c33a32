/*
 * daemon.h - the daemon ("mentorbot run", bot/daemon.c).
 */
#ifndef MB_DAEMON_H
#define MB_DAEMON_H

/* Run the daemon with the configuration at path until SIGTERM or SIGINT;
 * verbose logs debug lines too.  Returns the process exit status (0 after
 * a clean stop, 1 when it could not start); fatal() on a broken start. */
int daemon_run(const char *path, int verbose);

#endif
