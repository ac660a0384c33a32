"""Each transport says how it is doing in one log line: on SIGUSR1 while the
bot runs, and once more when it stops (the sender's counts, the connection,
the rows still pending)."""
import signal

from lib import Bot, Mailbox, addr, send, timeout


@timeout(90)
def test_sigusr1_and_shutdown_log_one_status_line_per_transport():
    bot = Bot()
    who = addr("status")
    mid = send(who, bot.address, "help", "")
    Mailbox(who).exactly_one_reply(mid)
    bot.proc.send_signal(signal.SIGUSR1)
    m = bot.wait_log(r"status mail: (connected|disconnected), (\d+) connections?, (\d+) sent, (\d+) failed, "
                     r"(\d+) pending, last sent (\d+s ago|never)", timeout=20)
    assert m.group(1) == "connected", m.group(0)
    assert int(m.group(2)) >= 1 and int(m.group(3)) >= 1 and m.group(4) == "0", m.group(0)
    assert m.group(6) != "never", m.group(0)
    bot.stop()
    lines = [ln for ln in bot.log().splitlines() if "status mail:" in ln]
    assert len(lines) == 2, lines   # SIGUSR1 and the shutdown
