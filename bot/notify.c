/*
 * notify.c - sd_notify's datagram protocol, by hand (notify.h).
 *
 * The protocol (sd_notify(3), systemd's "notify socket" documentation):
 * $NOTIFY_SOCKET names an AF_UNIX socket of type SOCK_DGRAM, either a file
 * system path ("/run/systemd/notify") or, when it starts with '@', a socket
 * in the abstract namespace (the '@' becomes a NUL byte and the address is
 * exactly as long as the name: no trailing NUL).  Each message is one
 * datagram of newline-separated "KEY=VALUE" assignments.  The sender's pid
 * comes with the datagram (SCM_CREDENTIALS are added by the kernel for the
 * receiver that asks), so MAINPID is implicit for the process systemd started.
 */
#include "notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

/* The address of $NOTIFY_SOCKET in *sa and its length; 0 when unset, -1 when unusable. */
static int
notify_addr(struct sockaddr_un *sa, socklen_t *len)
{
	const char *e = getenv("NOTIFY_SOCKET");
	if (!e || !*e)
		return 0;
	size_t n = strlen(e);
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if ((e[0] != '/' && e[0] != '@') || n >= sizeof sa->sun_path) {
		errno = EINVAL;
		return -1;
	}
	memcpy(sa->sun_path, e, n);
	if (e[0] == '@') {
		sa->sun_path[0] = '\0'; /* abstract: the length says where the name ends */
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	return 1;
}

int
notify_send(const char *msg)
{
	struct sockaddr_un sa;
	socklen_t len = 0;
	int r = notify_addr(&sa, &len);
	if (r <= 0)
		return r;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	ssize_t w;
	do
		w = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	while (w < 0 && errno == EINTR);
	int saved = errno;
	close(fd);
	errno = saved;
	return w < 0 ? -1 : 1;
}

int
notify_sendf(const char *fmt, ...)
{
	if (!getenv("NOTIFY_SOCKET"))
		return 0;
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	int r = notify_send(b.p ? b.p : "");
	buf_free(&b);
	return r;
}

uint64_t
notify_watchdog_usec(void)
{
	const char *u = getenv("WATCHDOG_USEC");
	if (!u || !*u)
		return 0;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(u, &end, 10);
	if (errno || *end || v == 0 || u[0] == '-')
		return 0;
	const char *p = getenv("WATCHDOG_PID");
	if (p && *p) {
		errno = 0;
		long long pid = strtoll(p, &end, 10);
		if (errno || *end || pid != (long long)getpid())
			return 0; /* meant for another process (e.g. a wrapper that started us) */
	}
	return (uint64_t)v;
}
