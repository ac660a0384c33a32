"""The Debian package's bot: /usr/sbin/mentorbot, installed by dpkg, answers `help` by mail
against the test servers with a configuration that names no templates (it reads the
installed /usr/share/mentorbot/templates); then `dpkg -r mentorbot` removes it and leaves
the state directory /var/lib/mentorbot.

tests/run.sh builds and installs the package before the integration tests
(tests/ops/test_deb.sh); run alone, this test does that itself when the package is not
installed (a clean clone of the committed tree, about a minute).
"""
import os
import subprocess
import time

import lib
from lib import Bot, addr, ask, ensure

INSTALLED = "/usr/sbin/mentorbot"


def _installed():
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "mentorbot"], capture_output=True, text=True)
    return r.returncode == 0 and r.stdout.strip() == "install ok installed" and os.access(INSTALLED, os.X_OK)


def _build_and_install():
    r = subprocess.run(["bash", os.path.join(lib.REPO, "tests", "ops", "test_deb.sh")],
                       capture_output=True, text=True, timeout=1500)
    out = r.stdout + r.stderr
    ensure(r.returncode == 0 and "\nFAIL " not in "\n" + out and _installed(),
           "tests/ops/test_deb.sh could not build and install the package: %s" % out[-1500:])


@lib.timeout(1500)
def test_installed_package_answers_help_and_remove_keeps_state():
    if not _installed():
        _build_and_install()
    bot = Bot(config={"bot": {"templates": None}}, start=False)
    old = os.environ.get("MENTORBOT")
    os.environ["MENTORBOT"] = INSTALLED
    try:
        bot.start()
    finally:
        if old is None:
            os.environ.pop("MENTORBOT", None)
        else:
            os.environ["MENTORBOT"] = old
    ensure(os.readlink("/proc/%d/exe" % bot.proc.pid) == INSTALLED,
           "the bot runs %s, not %s" % (os.readlink("/proc/%d/exe" % bot.proc.pid), INSTALLED))
    with open(bot.config_path) as f:
        ensure("templates" not in f.read(), "the test configuration names templates")
    who = addr("alice")
    r = ask(bot, who, "help", "", key="help", lang="en")
    ensure(r.text.strip(), "help reply has an empty body")
    ensure(bot.stop() == 0, "the installed bot did not stop cleanly on SIGTERM (status %s)" % bot.returncode)

    for _ in range(60):     # another package manager's lock makes dpkg fail at once: wait for it
        r = subprocess.run(["dpkg", "-r", "mentorbot"], capture_output=True, text=True)
        if r.returncode == 0 or "lock" not in r.stdout + r.stderr:
            break
        time.sleep(5)
    ensure(r.returncode == 0, "dpkg -r mentorbot failed: %s" % (r.stdout + r.stderr)[-800:])
    ensure(not os.path.exists(INSTALLED), "%s is still there after dpkg -r" % INSTALLED)
    ensure(os.path.isdir("/var/lib/mentorbot"), "dpkg -r removed the state directory /var/lib/mentorbot")
    ensure(subprocess.run(["getent", "passwd", "mentorbot"], capture_output=True).returncode == 0,
           "dpkg -r removed the user mentorbot")
