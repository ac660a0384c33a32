"""lib.py - helpers for mentorbot's integration tests (Python stdlib, and
python3-dkim for signing).

Run with Debian's /usr/bin/python3 through tests/integration/runner.py.

    from lib import Bot, Mailbox, send, addr, assert_reply, ...

* Servers: private Dovecot (IMAP/IMAPS/LMTP) + OpenSMTPD from tests/servers/,
  started once per run by the runner, or reused when $T names a running set.
  Every user@example.test is an account with password "pass".
* Bot: writes a config for the real ./mentorbot (env MENTORBOT) with a fresh
  bot account and SQLite file per test, runs `mentorbot run -c FILE`.
* Mailbox: read a user's mail over IMAP; wait for replies.
* send(): submit a mail through OpenSMTPD; write_maildir(): put a backlog
  straight into a Maildir.
* DKIM: send()/send_many()/ask() sign every mail as the sender's provider would
  (d= the From domain, selector "test", keys made by tests/servers/start.sh in
  $T/dkim/), and the test MTA (tests/servers/authres_filter.py) verifies it and
  stamps "Authentication-Results: mx.example.test; dkim=pass ...; dmarc=pass".
  dkim=False sends unsigned; dkim_domain="evil.example" signs with that domain's
  key (valid, not aligned).  No test writes an Authentication-Results header of
  AUTHSERV_ID itself: the MTA removes such headers.
"""
import email
import email.policy
import email.utils
import grp
import imaplib
import os
import pwd
import random
import re
import signal
import smtplib
import socket
import string
import subprocess
import time
from email.message import EmailMessage

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
SERVERS = os.path.join(REPO, "tests", "servers")
DOMAIN = "example.test"
PASSWORD = "pass"
HOST = "127.0.0.1"
IMAP_PORT = int(os.environ.get("IMAP_PORT", "10143"))
IMAPS_PORT = int(os.environ.get("IMAPS_PORT", "10993"))
LMTP_PORT = int(os.environ.get("LMTP_PORT", "10024"))
SMTP_PORT = int(os.environ.get("SMTP_PORT", "10025"))
# The test MTA's hostname and authserv-id (tests/servers/smtpd.conf.in), and so
# every test bot's [bot] authserv_id.
AUTHSERV_ID = "mx.example.test"
DKIM_SELECTOR = "test"
# what the senders' providers sign (those of them that the mail has)
DKIM_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References")
POLL = 0.1            # seconds between polls
REPLY_TIMEOUT = float(os.environ.get("MB_REPLY_TIMEOUT", "30"))
SETTLE = 3.0          # how long "nothing more arrives" is watched
TOKEN_RE = re.compile(r"\b[a-z2-7]{26}\b")

# A short id per run, so that a reused server set ($T) never mixes runs.
RUN_ID = "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(5))


class TestFailure(AssertionError):
    """A test expectation was not met."""


class BotDied(TestFailure):
    """The bot process exited while the test still needed it."""


def timeout(seconds):
    """Decorator: the runner's time limit for this test (default 120 s)."""
    def deco(fn):
        fn.timeout = seconds
        return fn
    return deco


def ensure(cond, msg):
    if not cond:
        raise TestFailure(msg)


# --------------------------------------------------------------------------
# servers

_T = None
_own_servers = False


def _pid_alive(pidfile):
    try:
        with open(pidfile) as f:
            os.kill(int(f.read().strip()), 0)
        return True
    except (OSError, ValueError):
        return False


def servers_alive(t):
    return bool(t) and _pid_alive(os.path.join(t, "dovecot.pid")) and _pid_alive(os.path.join(t, "smtpd.pid"))


def runtime_dir():
    """The servers' runtime dir $T (starts nothing)."""
    ensure(_T, "servers not started (lib.start_servers())")
    return _T


def start_servers():
    """Reuse the servers named by $T if they run, else start a fresh set."""
    global _T, _own_servers
    t = os.environ.get("T")
    if servers_alive(t):
        _T, _own_servers = t, False
        return _T
    env = dict(os.environ)
    if t and not os.path.isdir(t):
        env.pop("T")
    elif t:
        env["T"] = t
    p = subprocess.run([os.path.join(SERVERS, "start.sh")], env=env, stdout=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, text=True, timeout=120)
    m = re.search(r"^T=(.*)$", p.stdout, re.M)
    if p.returncode != 0 or not m:
        raise RuntimeError("tests/servers/start.sh failed (exit %d)" % p.returncode)
    _T, _own_servers = m.group(1), True
    os.environ["T"] = _T
    return _T


def mta_filtered():
    """True when the running OpenSMTPD stamps Authentication-Results (filter "authres";
    start.sh leaves it out with MB_AUTHRES=0, only to measure what it costs)."""
    try:
        with open(os.path.join(runtime_dir(), "smtpd", "smtpd.conf")) as f:
            return 'filter "authres"' in f.read()
    except OSError:
        return False


def stop_servers(remove=False):
    """Stop the servers if this process started them."""
    global _T, _own_servers
    if _T and _own_servers:
        args = [os.path.join(SERVERS, "stop.sh"), _T] + (["--rm"] if remove else [])
        subprocess.run(args, stdin=subprocess.DEVNULL, timeout=120)
        _own_servers = False


def dovecot_stop():
    subprocess.run([os.path.join(SERVERS, "dovecot.sh"), "stop"], env=dict(os.environ, T=runtime_dir()),
                   check=True, timeout=60, stdin=subprocess.DEVNULL)


def dovecot_start():
    subprocess.run([os.path.join(SERVERS, "dovecot.sh"), "start"], env=dict(os.environ, T=runtime_dir()),
                   check=True, timeout=60, stdin=subprocess.DEVNULL)


def dovecot_running():
    return _pid_alive(os.path.join(runtime_dir(), "dovecot.pid"))


# --------------------------------------------------------------------------
# per-test context (the runner calls begin_test / end_test)

_test = {"file": "", "name": "", "bots": []}


def begin_test(file, name):
    _test.update(file=file, name=name, bots=[])


def test_slug():
    n = _test["name"] or "adhoc"
    n = re.sub(r"^test_", "", n)
    n = re.sub(r"[^a-z0-9]+", "-", n.lower()).strip("-")
    return n[:32]


def test_bots():
    return list(_test["bots"])


SANITIZER_RE = re.compile(r"ERROR: (Address|Leak|Thread|Memory|UndefinedBehavior)Sanitizer|runtime error:")


def end_test():
    """Stop this test's bots, restart Dovecot if a test left it down.
    Returns a list of problems found afterwards (sanitizer reports)."""
    problems = []
    for b in _test["bots"]:
        try:
            b.stop()
        except Exception as e:  # noqa: BLE001 - cleanup must go on
            problems.append("could not stop bot %s: %s" % (b.name, e))
    for b in _test["bots"]:
        m = SANITIZER_RE.search(b.log())
        if m:
            problems.append("sanitizer report in %s: %s" % (b.log_path, m.group(0)))
    if _T and not dovecot_running():
        try:
            dovecot_start()
        except Exception as e:  # noqa: BLE001
            problems.append("could not restart dovecot: %s" % e)
    return problems


def check_bots_alive():
    for b in _test["bots"]:
        b.check_alive()


def addr(label="user"):
    """A fresh address for this test and run: <label>-<test>-<run>@example.test."""
    label = re.sub(r"[^a-z0-9.-]+", "-", label.lower())
    return note_secret("%s-%s-%s@%s" % (label, test_slug(), RUN_ID, DOMAIN))


# --------------------------------------------------------------------------
# the bot

def mentorbot_path():
    p = os.environ.get("MENTORBOT", "./mentorbot")
    return p if os.path.isabs(p) else os.path.normpath(os.path.join(REPO, p))


class Bot:
    """One mentorbot process with its own account, config, database and log.

    config: {"section": {"key": "value" or None to delete}} merged over the
    defaults, e.g. {"bot": {"max_mail_size": "100K"}}; {"section": None}
    drops a whole section (e.g. {"imap": None, "smtp": None}: chat only).
    """

    def __init__(self, name=None, config=None, start=True):
        self.name = "%s-%s" % (name or test_slug(), RUN_ID)
        self.address = "bot-%s@%s" % (self.name, DOMAIN)
        self.dir = os.path.join(runtime_dir(), "bots", self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.config_path = os.path.join(self.dir, "mentorbot.ini")
        self.log_path = os.path.join(self.dir, "mentorbot.log")
        self.database = os.path.join(self.dir, "state.db")
        self.sections = {
            "bot": {"database": self.database, "language": "en",
                    "templates": os.path.join(REPO, "templates"),
                    "staff": "staff@" + DOMAIN, "reply_limit": "10",
                    "authserv_id": AUTHSERV_ID},
            "imap": {"url": "imap://%s:%d/INBOX" % (HOST, IMAP_PORT), "user": self.address,
                     "password": PASSWORD, "processed": "Processed", "quarantine": "Quarantine"},
            "smtp": {"url": "smtp://%s:%d" % (HOST, SMTP_PORT),
                     "from": "MentorBot <%s>" % self.address},
        }
        self.configure(config or {})
        self.proc = None
        self.env = {}          # extra environment for the bot process (e.g. a test hook)
        self.exit_ok = False   # set True when the test expects the bot may exit by itself
        self.returncode = None
        _test["bots"].append(self)
        _log_check["bots"].append(self)
        if start:
            self.start()

    def configure(self, config):
        for sec, kv in config.items():
            if kv is None:
                self.sections.pop(sec, None)
                continue
            d = self.sections.setdefault(sec, {})
            for k, v in kv.items():
                if v is None:
                    d.pop(k, None)
                else:
                    d[k] = str(v)
        with open(self.config_path, "w") as f:
            for sec, kv in self.sections.items():
                f.write("[%s]\n" % sec)
                for k, v in kv.items():
                    f.write("%s = %s\n" % (k, v))
                f.write("\n")

    def mailbox(self, folder="INBOX"):
        return Mailbox(self.address, folder)

    def start(self):
        exe = mentorbot_path()
        if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
            raise TestFailure("mentorbot binary not found or not executable: %s (build it: make; or set MENTORBOT)" % exe)
        ensure(not self.alive(), "bot %s is already running" % self.name)
        log = open(self.log_path, "ab")
        log.write(("=== %s start: %s run -c %s\n" % (time.strftime("%H:%M:%S"), exe, self.config_path)).encode())
        log.flush()
        self.proc = subprocess.Popen([exe, "run", "-c", self.config_path], cwd=REPO, stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, **self.env))
        log.close()
        self.returncode = None
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self):
        if self.proc is None or self.exit_ok:
            return
        rc = self.proc.poll()
        if rc is not None:
            self.returncode = rc
            tail = " | ".join(self.log().strip().splitlines()[-3:])
            raise BotDied("bot %s exited with status %s; log: %s" % (self.name, rc, tail[-300:]))

    def stop(self, timeout=10):
        """SIGTERM, wait (SIGKILL after `timeout` s). Returns the exit status."""
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                self._note("ignored SIGTERM for %d s: SIGKILL" % timeout)
        self.returncode = self.proc.returncode
        self.proc = None
        return self.returncode

    def kill9(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait(10)
            self.returncode = self.proc.returncode
            self.proc = None
            self._note("killed with SIGKILL by the test")

    def restart(self):
        self.stop()
        return self.start()

    def _note(self, text):
        with open(self.log_path, "a") as f:
            f.write("=== %s %s\n" % (time.strftime("%H:%M:%S"), text))

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_log(self, pattern, timeout=REPLY_TIMEOUT, flags=re.I, since=0):
        """Wait until the log matches `pattern` (regex); returns the match.  since: look only
        past that many characters of the log (len(bot.log()) before a restart: this run's lines)."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.log()[since:], flags)
            if m:
                return m
            if time.monotonic() > deadline:
                raise TestFailure("bot log has no /%s/ after %.0f s" % (pattern, timeout))
            if self.proc is not None and self.proc.poll() is not None:
                m = re.search(pattern, self.log()[since:], flags)
                if m:
                    return m
                tail = " | ".join(self.log().strip().splitlines()[-3:])
                raise BotDied("bot %s exited with status %s and its log has no /%s/: %s" % (
                    self.name, self.proc.returncode, pattern, tail[-300:]))
            time.sleep(POLL)


# --------------------------------------------------------------------------
# reading mail over IMAP

def norm_id(mid):
    """'<x@y>' for 'x@y', ' <x@y> ' ... (Message-IDs compared with brackets)."""
    if mid is None:
        return None
    mid = str(mid).strip()
    m = re.search(r"<[^>]*>", mid)
    if m:
        return m.group(0)
    return "<%s>" % mid if mid else None


class Msg:
    """A fetched message: .uid .raw .msg (email.message.EmailMessage) and shortcuts."""

    def __init__(self, uid, raw):
        self.uid = uid
        self.raw = raw
        self.msg = email.message_from_bytes(raw, policy=email.policy.default)

    def header(self, name):
        try:
            v = self.msg.get(name)
        except Exception:  # noqa: BLE001 - a malformed header must not crash a test
            v = None
        return None if v is None else str(v)

    @property
    def subject(self):
        return self.header("Subject") or ""

    @property
    def message_id(self):
        return norm_id(self.header("Message-ID"))

    @property
    def in_reply_to(self):
        return norm_id(self.header("In-Reply-To"))

    @property
    def references(self):
        return re.findall(r"<[^>]*>", self.header("References") or "")

    @property
    def key(self):
        """X-Mentorbot-Reply: the name of the reply template."""
        v = self.header("X-Mentorbot-Reply")
        return v.strip() if v else None

    @property
    def lang(self):
        v = self.header("Content-Language")
        return v.strip() if v else None

    @property
    def to(self):
        return [a.lower() for _, a in email.utils.getaddresses([self.header("To") or ""])]

    @property
    def from_addr(self):
        return email.utils.parseaddr(self.header("From") or "")[1].lower()

    @property
    def text(self):
        """Decoded body text (text/plain preferred, else HTML source)."""
        try:
            part = self.msg.get_body(preferencelist=("plain", "html"))
            if part is not None:
                return part.get_content()
        except Exception:  # noqa: BLE001
            pass
        try:
            return self.msg.get_payload(decode=True).decode("utf-8", "replace")
        except Exception:  # noqa: BLE001
            return self.raw.decode("utf-8", "replace")

    def describe(self):
        return "uid %s from %s key=%s lang=%s subject=%r in-reply-to=%s" % (
            self.uid, self.from_addr, self.key, self.lang, self.subject, self.in_reply_to)


class Mailbox:
    """A user's folder over IMAP (password "pass"). Read-only (EXAMINE, BODY.PEEK)."""

    def __init__(self, user, folder="INBOX"):
        self.user = user if "@" in user else "%s@%s" % (user, DOMAIN)
        self.folder = folder
        self._cache = {}
        self._validity = None

    def _connect(self):
        c = imaplib.IMAP4(HOST, IMAP_PORT, timeout=10)
        c.login(self.user, PASSWORD)
        return c

    def messages(self):
        """All messages in the folder (oldest first); [] if the folder does not exist."""
        c = self._connect()
        try:
            typ, _ = c.select('"%s"' % self.folder, readonly=True)
            if typ != "OK":
                return []
            validity = c.response("UIDVALIDITY")[1]
            if validity != self._validity:
                self._cache, self._validity = {}, validity
            typ, data = c.uid("SEARCH", None, "ALL")
            uids = [int(u) for u in (data[0] or b"").split()]
            new = [u for u in uids if u not in self._cache]
            for i in range(0, len(new), 200):
                chunk = ",".join(str(u) for u in new[i:i + 200])
                typ, data = c.uid("FETCH", chunk, "(UID BODY.PEEK[])")
                for item in data:
                    if isinstance(item, tuple):
                        m = re.search(rb"UID (\d+)", item[0])
                        if m:
                            self._cache[int(m.group(1))] = Msg(int(m.group(1)), item[1])
            return [self._cache[u] for u in uids if u in self._cache]
        finally:
            try:
                c.logout()
            except Exception:  # noqa: BLE001
                pass

    def replies_to(self, message_id):
        mid = norm_id(message_id)
        return [m for m in self.messages() if m.in_reply_to == mid]

    def wait_for(self, pred, timeout=REPLY_TIMEOUT, count=1, what="matching message"):
        """Poll until at least `count` messages satisfy pred; returns them.
        Fails at once when one of the test's bots has died."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.messages() if pred(m)]
            if len(found) >= count:
                return found
            check_bots_alive()
            if time.monotonic() > deadline:
                have = self.messages()
                desc = "; ".join(m.describe() for m in have[-5:]) or "empty"
                raise TestFailure("%s/%s: %d of %d %s after %.0f s (folder has %d: %s)" % (
                    self.user, self.folder, len(found), count, what, timeout, len(have), desc))
            time.sleep(POLL)

    def wait_reply(self, message_id, timeout=REPLY_TIMEOUT, count=1):
        mid = norm_id(message_id)
        return self.wait_for(lambda m: m.in_reply_to == mid, timeout, count,
                             what="reply(s) to %s" % mid)

    def expect_no_more(self, pred, expected, seconds=SETTLE, what="messages"):
        """Watch for `seconds` that the number of pred-matching messages stays `expected`."""
        deadline = time.monotonic() + seconds
        while True:
            found = [m for m in self.messages() if pred(m)]
            if len(found) != expected:
                raise TestFailure("%s: expected exactly %d %s, got %d: %s" % (
                    self.user, expected, what, len(found), "; ".join(m.describe() for m in found[:12])))
            if time.monotonic() > deadline:
                return found
            time.sleep(max(POLL, 0.25))

    def exactly_one_reply(self, message_id, timeout=REPLY_TIMEOUT, settle=1.5):
        """Wait for the reply to message_id, then make sure no second one follows."""
        mid = norm_id(message_id)
        self.wait_reply(mid, timeout)
        return self.expect_no_more(lambda m: m.in_reply_to == mid, 1, settle, "reply to %s" % mid)[0]


def maildir_path(user, folder=None):
    local, _, dom = user.lower().partition("@")
    p = os.path.join(runtime_dir(), "mail", dom or DOMAIN, local, "Maildir")
    return p if not folder else os.path.join(p, "." + folder)


def maildir_count(user, all_folders=False):
    """Number of messages in the user's INBOX (or all folders) read from the
    file system - cheap enough to poll hundreds of mailboxes."""
    root = maildir_path(user)
    dirs = [root]
    if all_folders and os.path.isdir(root):
        dirs += [os.path.join(root, d) for d in os.listdir(root) if d.startswith(".") and d not in (".", "..")]
    n = 0
    for d in dirs:
        for sub in ("new", "cur"):
            try:
                n += len(os.listdir(os.path.join(d, sub)))
            except OSError:
                pass
    return n


# --------------------------------------------------------------------------
# sending

def make_msgid():
    return "<%d.%s.%s@%s>" % (time.time_ns(), RUN_ID,
                              "".join(random.choice(string.ascii_lowercase) for _ in range(8)), DOMAIN)


def make_mail(frm, to, subject, body="", headers=None, html=None, charset="utf-8", message_id=None):
    """Build a mail (EmailMessage). html without body gives an HTML-only mail."""
    m = EmailMessage()
    m["From"] = frm
    m["To"] = to
    if subject is not None:
        m["Subject"] = subject
    m["Date"] = email.utils.formatdate(localtime=True)
    m["Message-ID"] = message_id or make_msgid()
    for k, v in (headers or {}).items():
        del m[k]
        m[k] = v
    cte = None if charset.lower() in ("utf-8", "us-ascii") else "quoted-printable"
    if html is not None and not body:
        m.set_content(html, subtype="html", charset=charset, cte=cte)
    else:
        m.set_content(body, charset=charset, cte=cte)
        if html is not None:
            m.add_alternative(html, subtype="html", charset=charset)
    return m


def _raw_bytes(raw):
    if isinstance(raw, EmailMessage) or isinstance(raw, email.message.Message):
        return raw.as_bytes(policy=email.policy.SMTP)
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return raw


def _raw_msgid(raw_bytes):
    head = raw_bytes.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    m = re.search(r"(?im)^Message-ID:\s*(<[^>]+>)", head)
    return m.group(1) if m else None


# --------------------------------------------------------------------------
# DKIM: the senders' providers sign

_dkim_keys = {}


def dkim_dir():
    """$T/dkim of the running servers (keys and the filter's table), or None."""
    t = _T or os.environ.get("T")
    if not t:
        for owner in ("/run/mentorbot-test-smtpd.T", "/tmp/mentorbot-test-smtpd.T"):
            try:
                with open(owner) as f:
                    t = f.read().strip()
                break
            except OSError:
                pass
    return os.path.join(t, "dkim") if t else None


def dkim_key(domain):
    """The PEM private key of selector "test" for domain (bytes), or None."""
    domain = (domain or "").lower()
    if domain not in _dkim_keys:
        d = dkim_dir()
        try:
            with open(os.path.join(d, "%s.%s.key" % (DKIM_SELECTOR, domain)), "rb") as f:
                _dkim_keys[domain] = f.read()
        except (OSError, TypeError):
            return None     # not cached: the servers may make it later
    return _dkim_keys[domain]


def _header_block(data):
    head = data.split(b"\r\n\r\n", 1)[0]
    return re.sub(rb"\r\n[ \t]", b" ", head).decode("utf-8", "replace")


def from_domain(data):
    """The domain of the (first) From address of a raw mail, lowercase, or None."""
    m = re.search(r"(?im)^From:[ \t]*(.*)$", _header_block(data))
    if not m:
        return None
    addrs = [a for _, a in email.utils.getaddresses([m.group(1)]) if "@" in a]
    return addrs[0].rpartition("@")[2].lower().strip(".>") if addrs else None


def dkim_sign(data, domain=None):
    """data (CRLF bytes) with a DKIM-Signature on top, as a sender's provider adds it:
    d=domain (default: the From domain), s=test, c=relaxed/relaxed, over those of
    DKIM_HEADERS the mail has.  Without a key for the domain, or when the mail does
    not parse as RFC 5322 (deliberately broken mail), it is returned unchanged -
    unless `domain` was asked for explicitly (then TestFailure)."""
    dom = (domain or from_domain(data) or "").lower()
    key = dkim_key(dom) if dom else None
    if key is None:
        if domain:
            raise TestFailure("no DKIM key for %s in %s" % (domain, dkim_dir()))
        return data
    import dkim   # python3-dkim (scripts/install-deps.sh)
    names = set(n.lower() for n in re.findall(r"(?m)^([!-9;-~]+)[ \t]*:", _header_block(data)))
    include = [h.lower().encode() for h in DKIM_HEADERS if h.lower() in names]
    if b"from" not in include:
        if domain:
            raise TestFailure("cannot DKIM-sign a mail without From")
        return data
    try:
        sig = dkim.sign(data, DKIM_SELECTOR.encode(), dom.encode(), key, include_headers=include,
                        canonicalize=(b"relaxed", b"relaxed"))
    except dkim.DKIMException as e:
        if domain:
            raise TestFailure("cannot DKIM-sign the mail: %s" % e)
        return data
    return sig + data


def _signed(data, dkim, dkim_domain):
    if dkim_domain and not dkim:
        raise TestFailure("dkim_domain=%r with dkim=False" % dkim_domain)
    return dkim_sign(data, dkim_domain) if dkim else data


def send(frm, to, subject=None, body="", headers=None, raw=None, html=None, charset="utf-8",
         envelope_from=None, dkim=True, dkim_domain=None):
    """Send one mail through OpenSMTPD; returns its Message-ID ('<…>').
    raw (bytes/str/EmailMessage) is sent as it is (a Message-ID is added if missing);
    envelope_from "" gives the null sender (MAIL FROM:<>, Return-Path: <>).
    The mail is DKIM-signed for its From domain (see dkim_sign); dkim=False sends it
    unsigned, dkim_domain="evil.example" signs with another domain's key."""
    if raw is None:
        note_text(subject)
        body = marked_body(body) if html is None else body
        data = _raw_bytes(make_mail(frm, to, subject, body, headers, html, charset))
    else:
        data = _raw_bytes(raw)
        if not _raw_msgid(data):
            data = ("Message-ID: %s\r\n" % make_msgid()).encode() + data
    data = _signed(data, dkim, dkim_domain)
    mid = _raw_msgid(data)
    env_from = frm if envelope_from is None else envelope_from
    if env_from:
        env_from = email.utils.parseaddr(env_from)[1]
    rcpt = [a for _, a in email.utils.getaddresses([to])] if isinstance(to, str) else list(to)
    with smtplib.SMTP(HOST, SMTP_PORT, timeout=30) as s:
        s.sendmail(env_from, rcpt, data)
    return mid


def send_many(mails, dkim=True, dkim_domain=None):
    """Send [(envelope_from, [rcpt], raw)] over one SMTP connection; returns Message-IDs.
    Signed as send() signs (dkim, dkim_domain)."""
    ids = []
    with smtplib.SMTP(HOST, SMTP_PORT, timeout=60) as s:
        for env_from, rcpt, raw in mails:
            data = _signed(_raw_bytes(raw), dkim, dkim_domain)
            ids.append(_raw_msgid(data))
            s.sendmail(env_from, rcpt, data)
    return ids


def write_maildir(user, raw_messages):
    """Write raw messages straight into the user's Maildir/new (as Dovecot's run
    user), fast; returns their Message-IDs. Do it before the bot first logs in,
    or at any time - Dovecot picks up new/ on the next sync."""
    md = maildir_path(user)
    pw = pwd.getpwnam("nobody") if os.geteuid() == 0 else None
    gid = grp.getgrnam("nogroup").gr_gid if pw else -1
    dom_dir = os.path.dirname(os.path.dirname(md))
    for d in (dom_dir, os.path.dirname(md), md, md + "/cur", md + "/new", md + "/tmp"):
        if not os.path.isdir(d):
            os.makedirs(d, mode=0o700, exist_ok=True)
            if pw:
                os.chown(d, pw.pw_uid, gid)
    host = socket.gethostname().replace("/", "_").replace(":", "_")
    now, pid, ids = int(time.time()), os.getpid(), []
    for i, raw in enumerate(raw_messages):
        data = _raw_bytes(raw)
        if not _raw_msgid(data):
            data = ("Message-ID: %s\r\n" % make_msgid()).encode() + data
        ids.append(_raw_msgid(data))
        name = "%d.M%dP%dQ%d_%s.%s,S=%d" % (now, i, pid, random.randrange(1 << 30), RUN_ID, host, len(data))
        tmp = os.path.join(md, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(data)
        if pw:
            os.chown(tmp, pw.pw_uid, gid)
        os.rename(tmp, os.path.join(md, "new", name))
    return ids


# --------------------------------------------------------------------------
# checks shared by the tests

def expected_subject(original):
    original = (original or "").strip()
    if re.match(r"(?i)re:\s*", original):
        return original
    return ("Re: " + original).strip()


# The Subject of an answer to someone the bot does not know yet: their own Subject is never
# sent back (templates/*/messages.txt "reply.subject").
STRANGER_SUBJECTS = ("re: your mail to the mentoring office", "re: ihre mail an das mentoring-büro")


def assert_reply(reply, original_id, original_subject, key=None, lang=None, to=None, stranger=None):
    """The reply CONTRACT: threading, subject, Auto-Submitted, language, template key.
    The subject is "Re: <original>", or for a sender the bot does not know (stranger=True;
    None: either) the fixed STRANGER_SUBJECTS."""
    problems = []
    oid = norm_id(original_id)
    if reply.in_reply_to != oid:
        problems.append("In-Reply-To %s, expected %s" % (reply.in_reply_to, oid))
    if oid not in reply.references:
        problems.append("References %r lacks %s" % (reply.header("References"), oid))
    exp = expected_subject(original_subject)
    got = (reply.subject or "").strip()
    if got.lower() in STRANGER_SUBJECTS:
        if stranger is False:
            problems.append("Subject %r: a known sender's own subject %r was expected" % (got, exp))
    elif stranger:
        problems.append("Subject %r: a stranger's subject must not be sent back" % got)
    elif not (original_subject or "").strip():
        if not got.lower().startswith("re:"):   # no subject: any "Re: ..." will do
            problems.append("Subject %r, expected 'Re: ...'" % got)
    elif got.lower() != exp.lower():
        problems.append("Subject %r, expected %r" % (got, exp))
    auto = (reply.header("Auto-Submitted") or "").strip().lower()
    if not auto.startswith("auto-replied"):
        problems.append("Auto-Submitted %r, expected auto-replied" % auto)
    if lang is not None and (reply.lang or "").lower() != lang:
        problems.append("Content-Language %r, expected %r" % (reply.lang, lang))
    if key is not None and reply.key != key:
        problems.append("X-Mentorbot-Reply %r, expected %r" % (reply.key, key))
    if to is not None and to.lower() not in reply.to:
        problems.append("To %r, expected %s" % (reply.header("To"), to))
    if problems:
        raise TestFailure("reply %s: %s" % (reply.message_id, "; ".join(problems)))
    return reply


def ask(bot, who, subject, body="", key=None, lang="en", headers=None, **kw):
    """Send one mail from `who` to the bot and check its single reply; returns it.
    kw go to send() (dkim=False, dkim_domain=..., raw=...)."""
    mid = send(who, bot.address, subject, body, headers=headers, **kw)
    r = Mailbox(who).exactly_one_reply(mid)
    return assert_reply(r, mid, subject, key=key, lang=lang, to=who)


def join_programme(bot, who, programme="mentoring"):
    """join <programme> -> join_confirm (with token) -> plain reply "ok" -> join_done.
    Returns (confirm_reply, done_reply)."""
    mb = Mailbox(who)
    subject = "join " + programme
    mid = send(who, bot.address, subject, "")
    confirm = assert_reply(mb.exactly_one_reply(mid), mid, subject, key="join_confirm", to=who)
    ensure(TOKEN_RE.search(confirm.text), "join_confirm body has no token [a-z2-7]{26}: %r" % confirm.text[:500])
    resubj = expected_subject(confirm.subject)
    refs = " ".join(confirm.references + [confirm.message_id])
    mid2 = send(who, bot.address, resubj, "ok\n",
                headers={"In-Reply-To": confirm.message_id, "References": refs})
    done = assert_reply(mb.exactly_one_reply(mid2), mid2, resubj, key="join_done", to=who)
    return confirm, done


# --------------------------------------------------------------------------
# log hygiene: at the default level the bot logs people as ids or keyed tags
# ("a:3f9k2m7q"), never their addresses, names, subjects, commands or bodies.
# Every test address (addr()), every Subject and chat text of two words or more
# (note_text) and a marker word in the signature of every mail body
# (marked_body) is remembered; after the run check_logs() looks for them, and
# for any address of the test domains but the bots' own, in every bot log.

_log_check = {"bots": [], "secrets": set(), "texts": set(), "cli": [], "n": 0}
# mail addresses and JIDs of the test domains (a room JID without /nick is not a person),
# Matrix user ids of the test homeserver
_ADDR_RE = re.compile(r"[A-Za-z0-9._%+=-]+@(?:[a-z0-9-]+\.)*(?:example\.test|example\.com|evil\.example|localhost)"
                      r"\b(?:/[^\s)]+)?")
_MXID_RE = re.compile(r"(?<![\w!#])@[a-z0-9._=/-]+:localhost\b")
_LOG_LINE_RE = re.compile(r"^\S+Z mentorbot\[\d+\] (?:error|warning|info|debug): ")


def note_secret(text):
    """Remember an address or marker that no bot log may hold; returns it."""
    if text:
        _log_check["secrets"].add(text.lower())
    return text


def note_text(text):
    """Remember a Subject or chat text (two words or more, 12 characters or more):
    no bot log may hold it."""
    t = (text or "").strip()
    if len(t) >= 12 and len(t.split()) >= 2:
        _log_check["texts"].add(t.lower())
    return text


def body_marker():
    """A word of its own for one body (remembered by note_secret)."""
    _log_check["n"] += 1
    return note_secret("mbmark%s%dz" % (RUN_ID, _log_check["n"]))


def marked_body(body):
    """body with a signature ("-- " and a marker word), which the bot cuts off as it
    cuts every signature: a log line holding the marker logged the body."""
    if not isinstance(body, str) or os.environ.get("MB_NO_BODY_MARKER") == "1":
        return body
    return (body.rstrip("\n") + "\n\n" if body.strip() else "") + "-- \n%s\n" % body_marker()


def note_cli_log(bot, stderr):
    """The stderr of a CLI run for bot: its log lines are checked like the daemon's."""
    _log_check["cli"].append(("%s (cli)" % getattr(bot, "log_path", "?"), stderr or ""))


def _bot_ids(b):
    ids = {b.address.lower()}
    for sec, key in (("xmpp", "jid"), ("matrix", "user")):
        v = b.sections.get(sec, {}).get(key)
        if v:
            ids.add(v.lower())
    return ids


def run_bots():
    return list(_log_check["bots"])


def _leaks(line, allowed):
    low = line.lower()
    found = []
    for m in _ADDR_RE.finditer(line):
        a = m.group(0).lower().rstrip(".")
        if line[m.start() - 1:m.start()] in ("", " ") and re.match(r"[a-z_]+=", a):
            a = a.split("=", 1)[1]  # a key=value field ("jid=bot-…@localhost"): the value
        bare = a.split("/")[0]
        local, _, dom = bare.partition("@")
        if a in allowed or (bare in allowed and "/" not in a) or (dom.startswith("muc.") and "/" not in a):
            continue
        if local.startswith("bot-") and dom == DOMAIN and "/" not in a:
            continue    # a bot's own (plus-)address
        found.append(a)
    for m in _MXID_RE.finditer(line):
        if m.group(0).lower() not in allowed:
            found.append(m.group(0))
    found += [s for s in _log_check["secrets"] if s in low and s not in found]
    found += [t for t in _log_check["texts"] if t in low]
    return found


def check_logs():
    """Every log line of the run's bots (but those run with -v) and of their CLI runs
    that names a test address or holds a body marker or a test's text, as
    ["path: line (found: ...)"]."""
    problems = []
    allowed = set()
    for b in _log_check["bots"]:
        allowed |= _bot_ids(b)
    # a bot run with -v may log addresses (Bot.verbose; no test does that yet)
    sources = [(b.log_path, b.log(), False) for b in _log_check["bots"] if not getattr(b, "verbose", False)]
    sources += [(path, text, True) for path, text in _log_check["cli"]]
    for path, text, only_log_lines in sources:
        for line in text.splitlines():
            if line.startswith("===") or (only_log_lines and not _LOG_LINE_RE.match(line)):
                continue
            found = _leaks(line, allowed)
            if found:
                problems.append("%s: %s (found: %s)" % (path, line.strip()[:300], ", ".join(sorted(set(found)))))
    return problems


# --------------------------------------------------------------------------
# the test clock (MENTORBOT_TEST_CLOCK): now_s() of the bot reads this file
def set_clock(path, t):
    with open(path + ".tmp", "w") as f:
        f.write("%d\n" % t)
    os.replace(path + ".tmp", path)


def with_test_clock(story):
    """Run story(clock, t0) with the bot's clock file set to now (t0): every bot started
    meanwhile (and its restarts) reads its time from it; the environment is restored after."""
    clock = os.path.join(runtime_dir(), "clock-%s-%s" % (test_slug(), RUN_ID))
    t0 = int(time.time())
    set_clock(clock, t0)
    old = os.environ.get("MENTORBOT_TEST_CLOCK")
    os.environ["MENTORBOT_TEST_CLOCK"] = clock
    try:
        return story(clock, t0)
    finally:
        if old is None:
            os.environ.pop("MENTORBOT_TEST_CLOCK", None)
        else:
            os.environ["MENTORBOT_TEST_CLOCK"] = old
