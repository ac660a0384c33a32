/*
 * notify.h - the daemon's side of systemd's notification protocol
 * (sd_notify(3), "Type=notify"), written out without libsystemd: one
 * datagram per message to the AF_UNIX socket named by $NOTIFY_SOCKET
 * (a path, or an abstract socket when it starts with '@').  Without
 * $NOTIFY_SOCKET every call is a no-op, so a daemon started by hand or by
 * a test behaves exactly as before.  Also the watchdog interval systemd
 * hands over in $WATCHDOG_USEC / $WATCHDOG_PID.
 */
#ifndef MB_NOTIFY_H
#define MB_NOTIFY_H

#include <stdint.h>

/* Send msg ("READY=1", "STATUS=…", several lines joined by '\n') as one datagram.
 * 1: sent; 0: no $NOTIFY_SOCKET (nothing done); -1: the socket is unusable (errno set). */
int notify_send(const char *msg);
/* notify_send() of a formatted message. */
int notify_sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The watchdog interval in microseconds systemd expects "WATCHDOG=1" within:
 * $WATCHDOG_USEC when it is a positive number and $WATCHDOG_PID is absent or this
 * process's pid; 0 otherwise (no watchdog: send no pings). */
uint64_t notify_watchdog_usec(void);

#endif
