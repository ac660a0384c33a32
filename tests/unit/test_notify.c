/* The systemd notification protocol (bot/notify.c) against a datagram socket the test binds:
 * READY/STATUS/WATCHDOG arrive as one datagram each, to a path and to an abstract socket;
 * nothing happens without NOTIFY_SOCKET; the watchdog interval follows WATCHDOG_USEC/WATCHDOG_PID. */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bot/notify.h"
#include "t.h"

/* A datagram socket bound to name ("@…": abstract), or -1. */
static int
bind_dgram(const char *name)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	size_t n = strlen(name);
	memcpy(sa.sun_path, name, n);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (name[0] == '@' ? 0 : 1));
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len) < 0) {
		printf("# bind %s: %s\n", name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The next datagram within a second, or "" */
static const char *
recv_one(int fd)
{
	static char buf[1024];
	buf[0] = '\0';
	struct pollfd p = {fd, POLLIN, 0};
	if (poll(&p, 1, 1000) == 1) {
		ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
	}
	return buf;
}

static int
nothing_pending(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	return poll(&p, 1, 50) == 0;
}

static void
messages_reach_a_socket_path(void)
{
	char path[64];
	snprintf(path, sizeof path, "/tmp/mb-notify-%d.sock", (int)getpid());
	unlink(path);
	int fd = bind_dgram(path);
	CHECK(fd >= 0);
	setenv("NOTIFY_SOCKET", path, 1);
	CHECK(notify_send("READY=1") == 1);
	CHECK_STR(recv_one(fd), "READY=1");
	CHECK(notify_sendf("READY=1\nSTATUS=%s connected", "mail") == 1);
	CHECK_STR(recv_one(fd), "READY=1\nSTATUS=mail connected");
	CHECK(notify_send("WATCHDOG=1") == 1);
	CHECK_STR(recv_one(fd), "WATCHDOG=1");
	CHECK(notify_send("STOPPING=1") == 1);
	CHECK_STR(recv_one(fd), "STOPPING=1");
	CHECK(nothing_pending(fd));
	unsetenv("NOTIFY_SOCKET");
	close(fd);
	unlink(path);
}

static void
messages_reach_an_abstract_socket(void)
{
	char name[64];
	snprintf(name, sizeof name, "@mb-notify-test-%d", (int)getpid());
	int fd = bind_dgram(name);
	CHECK(fd >= 0);
	setenv("NOTIFY_SOCKET", name, 1);
	CHECK(notify_send("STATUS=abstract") == 1);
	CHECK_STR(recv_one(fd), "STATUS=abstract");
	unsetenv("NOTIFY_SOCKET");
	close(fd);
}

static void
without_notify_socket_nothing_happens(void)
{
	unsetenv("NOTIFY_SOCKET");
	CHECK(notify_send("READY=1") == 0);
	CHECK(notify_sendf("STATUS=%d", 1) == 0);
	setenv("NOTIFY_SOCKET", "", 1);
	CHECK(notify_send("READY=1") == 0);
	unsetenv("NOTIFY_SOCKET");
}

static void
an_unusable_socket_is_an_error_not_a_crash(void)
{
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	CHECK(notify_send("READY=1") == -1);
	setenv("NOTIFY_SOCKET", "/nonexistent/mb-notify.sock", 1);
	CHECK(notify_send("READY=1") == -1);
	unsetenv("NOTIFY_SOCKET");
}

static void
watchdog_interval_from_the_environment(void)
{
	char pid[24];
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	CHECK(notify_watchdog_usec() == 0);
	setenv("WATCHDOG_USEC", "2000000", 1);
	CHECK(notify_watchdog_usec() == 2000000);
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	CHECK(notify_watchdog_usec() == 2000000);
	snprintf(pid, sizeof pid, "%d", (int)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1); /* meant for another process */
	CHECK(notify_watchdog_usec() == 0);
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "0", 1);
	CHECK(notify_watchdog_usec() == 0);
	setenv("WATCHDOG_USEC", "12x", 1);
	CHECK(notify_watchdog_usec() == 0);
	setenv("WATCHDOG_USEC", "-5", 1);
	CHECK(notify_watchdog_usec() == 0);
	unsetenv("WATCHDOG_USEC");
}

int
main(void)
{
	RUN(messages_reach_a_socket_path);
	RUN(messages_reach_an_abstract_socket);
	RUN(without_notify_socket_nothing_happens);
	RUN(an_unusable_socket_is_an_error_not_a_crash);
	RUN(watchdog_interval_from_the_environment);
	return t_done();
}
