"""systemd's notify protocol, daemon side: the test binds its own AF_UNIX
datagram socket and starts the bot with NOTIFY_SOCKET pointing at it and
WATCHDOG_USEC=2000000 (no WATCHDOG_PID).  READY=1 comes only after the IMAP
connection is up, from the bot's own pid (MAINPID is implicit); STATUS= lines
name the transports; WATCHDOG=1 arrives every second; SIGHUP is wrapped in
RELOADING=1 ... READY=1; SIGTERM sends STOPPING=1 before the bot stops."""
import os
import signal
import socket
import struct
import time

from lib import Bot, TestFailure, check_bots_alive, runtime_dir, timeout


class Notify:
    """The receiving end: every datagram with the sender's pid and the time it came."""

    def __init__(self):
        self.path = os.path.join(runtime_dir(), "notify-%d.sock" % os.getpid())
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(self.path)
        self.got = []   # (monotonic time, pid, text)

    def recv(self, seconds):
        self.sock.settimeout(seconds)
        try:
            data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
        except socket.timeout:
            return None
        pid = None
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("iII", payload[:12])[0]
        item = (time.monotonic(), pid, data.decode())
        self.got.append(item)
        return item

    def wait_for(self, field, bot, seconds=60):
        """The first datagram (from now on) holding the line `field`, e.g. "READY=1"."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            check_bots_alive() if bot.proc is not None and field != "STOPPING=1" else None
            item = self.recv(min(1.0, max(0.05, deadline - time.monotonic())))
            if item and field in item[2].split("\n"):
                return item
        raise TestFailure("no %s from the bot after %d s; got %r" % (field, seconds, [g[2] for g in self.got]))

    def close(self):
        self.sock.close()
        os.unlink(self.path)


@timeout(150)
def test_ready_status_watchdog_reload_stopping():
    n = Notify()
    try:
        bot = Bot(start=False)
        bot.env = {"NOTIFY_SOCKET": n.path, "WATCHDOG_USEC": "2000000", "WATCHDOG_PID": ""}
        bot.start()
        _, pid, text = n.wait_for("READY=1", bot)
        # READY only once the transports connected: the IMAP session is logged in by now
        assert "event=connected transport=imap" in bot.log(), "READY=1 before the IMAP connection: %r" % bot.log()[-500:]
        assert pid == bot.proc.pid, "READY=1 from pid %s, the bot is %s" % (pid, bot.proc.pid)
        assert all("READY=1" not in g[2] for g in n.got[:-1]), "READY=1 twice: %r" % n.got
        status = [line for g in n.got for line in g[2].split("\n") if line.startswith("STATUS=")]
        assert status and "mail connected" in status[-1], status
        assert "@" not in "".join(status), status   # no addresses in STATUS=
        # the watchdog: WATCHDOG_USEC 2 s, a ping every second
        first, _, _ = n.wait_for("WATCHDOG=1", bot, seconds=10)
        second, _, _ = n.wait_for("WATCHDOG=1", bot, seconds=10)
        third, _, _ = n.wait_for("WATCHDOG=1", bot, seconds=10)
        assert third - first < 5, "three pings took %.1f s" % (third - first)
        # SIGHUP: RELOADING=1, then READY=1 again
        bot.proc.send_signal(signal.SIGHUP)
        n.wait_for("RELOADING=1", bot, seconds=20)
        n.wait_for("READY=1", bot, seconds=20)
        # SIGTERM: STOPPING=1 before the transports stop
        bot.proc.send_signal(signal.SIGTERM)
        n.wait_for("STOPPING=1", bot, seconds=20)
        assert bot.stop() == 0
        log = bot.log()
        assert log.rfind("status mail:") > log.rfind("event=connected transport=imap")
    finally:
        n.close()


@timeout(60)
def test_without_notify_socket_nothing_changes():
    bot = Bot(start=False)
    bot.env = {"NOTIFY_SOCKET": "", "WATCHDOG_USEC": ""}
    bot.start()
    bot.wait_log(r"event=connected transport=imap")
    bot.wait_log(r"info: ready")
    assert "watchdog" not in bot.log()
    assert bot.stop() == 0
