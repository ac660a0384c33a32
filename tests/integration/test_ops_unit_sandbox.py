"""The sandbox of dist/mentorbot.service does not break the daemon.

There is no systemd to run the unit here, so the test applies what of it the kernel
enforces by seccomp, read from the unit file itself, the way systemd builds it:
SystemCallFilter= (the allow-list expanded by `systemd-analyze syscall-filter`, minus the
~ entries, other calls failing with SystemCallErrorNumber=), MemoryDenyWriteExecute=
(no writable+executable mapping, no mprotect to executable) and RestrictAddressFamilies=;
NoNewPrivileges; and it runs the bot as an unprivileged user (nobody) with no capabilities.
Then the bot must:
  * answer `help` by mail: every mail goes through the parser process, which the daemon
    starts from /proc/self/exe and which installs a seccomp filter of its own (the unit
    must allow the seccomp() call for that);
  * answer a staff `announce:` with its preview: the date conversion dlopen()s libical,
    which must load under MemoryDenyWriteExecute;
and a control process under the same filters is refused a writable+executable mapping
and a netlink socket, so the filters really were in force.
"""
import ctypes
import errno
import os
import pwd
import re
import subprocess
import sys
import tempfile
import time

import lib
from lib import Bot, addr, ask, ensure

UNIT = os.path.join(lib.REPO, "dist", "mentorbot.service")

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_EQ, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ = 4, 6, 7
PROT_WRITE, PROT_EXEC, SHM_EXEC = 0x2, 0x4, 0o100000
FAMILIES = {"AF_UNIX": 1, "AF_INET": 2, "AF_INET6": 10}
AF_MAX = 46


def scmp_errno(e):
    return 0x00050000 | (e & 0xFFFF)


class ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


def unit_settings():
    d = {}
    with open(UNIT) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith(("#", ";", "[")) and "=" in line:
                k, _, v = line.partition("=")
                d.setdefault(k, []).append(v)
    return d


def syscall_group(name, seen):
    out = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager", name],
                         capture_output=True, text=True, check=True).stdout
    calls = set()
    for line in out.splitlines():
        if not line.startswith("    ") or line.startswith("    #"):
            continue
        n = line.strip()
        if n.startswith("@"):
            if n not in seen:
                seen.add(n)
                calls |= syscall_group(n, seen)
        else:
            calls.add(n)
    return calls


def syscall_names(words):
    calls = set()
    for w in words:
        if w.startswith("@"):
            calls |= syscall_group(w, {w})
        else:
            calls.add(w)
    return calls


class Sandbox:
    """The unit's seccomp filters, built in the test process and loaded in the child."""

    def __init__(self):
        u = unit_settings()
        allow, deny = set(), set()
        for v in u.get("SystemCallFilter", []):
            if v.startswith("~"):
                deny |= syscall_names(v[1:].split())
            else:
                allow |= syscall_names(v.split())
        ensure(allow, "the unit has no SystemCallFilter allow-list")
        self.allowed = allow - deny
        err = u.get("SystemCallErrorNumber", ["EPERM"])[-1]
        self.errno = getattr(errno, err)
        self.mdwe = u.get("MemoryDenyWriteExecute", ["no"])[-1] == "yes"
        self.families = {FAMILIES[f] for v in u.get("RestrictAddressFamilies", []) for f in v.split()}
        self.ls = ctypes.CDLL("libseccomp.so.2", use_errno=True)
        self.ls.seccomp_init.restype = ctypes.c_void_p
        self.ls.seccomp_init.argtypes = [ctypes.c_uint32]
        self.ls.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
        self.ls.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                                   ctypes.c_uint, ctypes.c_void_p]
        self.ls.seccomp_load.argtypes = [ctypes.c_void_p]
        # the system call filter last: loading a filter is a system call it may forbid
        self.filters = []
        if self.mdwe:
            self.filters.append(self._mdwe_filter())
        if self.families:
            self.filters.append(self._family_filter())
        self.filters.append(self._syscall_filter())
        user = pwd.getpwnam("nobody")
        self.uid, self.gid = user.pw_uid, user.pw_gid

    def _nr(self, name):
        return self.ls.seccomp_syscall_resolve_name(name.encode())

    def _rule(self, ctx, action, name, *cmps):
        nr = self._nr(name)
        if nr == -1:  # __NR_SCMP_ERROR: unknown to libseccomp
            return
        arr = (ArgCmp * max(1, len(cmps)))(*cmps)
        self.ls.seccomp_rule_add_array(ctx, action, nr, len(cmps), arr)

    def _syscall_filter(self):
        ctx = self.ls.seccomp_init(scmp_errno(self.errno))
        for name in sorted(self.allowed):
            self._rule(ctx, SCMP_ACT_ALLOW, name)
        return ctx

    def _mdwe_filter(self):
        ctx = self.ls.seccomp_init(SCMP_ACT_ALLOW)
        deny = scmp_errno(errno.EPERM)
        both = PROT_WRITE | PROT_EXEC
        self._rule(ctx, deny, "mmap", ArgCmp(2, SCMP_CMP_MASKED_EQ, both, both))
        self._rule(ctx, deny, "mprotect", ArgCmp(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC))
        self._rule(ctx, deny, "pkey_mprotect", ArgCmp(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC))
        self._rule(ctx, deny, "shmat", ArgCmp(2, SCMP_CMP_MASKED_EQ, SHM_EXEC, SHM_EXEC))
        return ctx

    def _family_filter(self):
        ctx = self.ls.seccomp_init(SCMP_ACT_ALLOW)
        deny = scmp_errno(errno.EAFNOSUPPORT)
        for fam in range(AF_MAX):
            if fam not in self.families:
                self._rule(ctx, deny, "socket", ArgCmp(0, SCMP_CMP_EQ, fam, 0))
        self._rule(ctx, deny, "socket", ArgCmp(0, SCMP_CMP_GT, AF_MAX - 1, 0))
        return ctx

    def enter(self):
        """In the child, before exec: an unprivileged user, then the filters (libseccomp sets
        no_new_privs first)."""
        os.setgroups([])
        os.setgid(self.gid)
        os.setuid(self.uid)
        for ctx in self.filters:
            if self.ls.seccomp_load(ctx) != 0:
                os._exit(126)


CONTROL = r"""
import errno, mmap, socket, sys
bad = []
try:
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    bad.append("a writable+executable mapping was allowed")
except OSError:
    pass
try:
    socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)
    bad.append("a netlink socket was allowed")
except OSError as e:
    if e.errno != errno.EAFNOSUPPORT:
        bad.append("netlink socket: %s" % e)
socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
print("; ".join(bad) or "refused")
"""


@lib.timeout(180)
def test_daemon_parses_mail_and_loads_libical_under_the_units_sandbox():
    exe = lib.mentorbot_path()
    if "/asan/" in exe:
        # AddressSanitizer maps its shadow memory in ways the filter was not made for
        # and relaxes the parser's own filter; the optimised binary is the one the unit runs
        exe = os.path.join(lib.REPO, "mentorbot")
    ensure(os.access(exe, os.X_OK), "%s not built" % exe)
    box = Sandbox()
    ensure("seccomp" in box.allowed, "the unit's SystemCallFilter does not allow seccomp(): the parser needs it")

    r = subprocess.run([sys.executable, "-c", CONTROL], preexec_fn=box.enter, capture_output=True, text=True,
                       timeout=30)
    ensure(r.returncode == 0 and r.stdout.strip() == "refused",
           "control process under the filters: status %d, %r %r" % (r.returncode, r.stdout, r.stderr[-300:]))

    staff = addr("staff")
    bot = Bot(config={"bot": {"staff": staff}}, start=False)
    # a state directory the unprivileged user may write (the unit's StateDirectory=)
    state = tempfile.mkdtemp(prefix="mentorbot-sandbox.")
    os.chown(state, box.uid, box.gid)
    os.chmod(state, 0o750)
    bot.database = os.path.join(state, "mentorbot.db")
    bot.configure({"bot": {"database": bot.database}})
    os.chmod(bot.config_path, 0o644)
    log = open(bot.log_path, "ab")
    log.write(("=== %s start in the unit's sandbox: %s run -c %s\n" % (
        time.strftime("%H:%M:%S"), exe, bot.config_path)).encode())
    log.flush()
    bot.proc = subprocess.Popen([exe, "run", "-c", bot.config_path], cwd="/", stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, preexec_fn=box.enter)
    log.close()
    try:
        st = os.stat("/proc/%d" % bot.proc.pid)
        ensure(st.st_uid == box.uid, "the bot does not run as nobody")

        who = addr("alice")
        ask(bot, who, "help", "", key="help", lang="en")

        form = "Date: 24.12.2030\nStart: 18:00\nEnd: 20:00\nPlace: Aula\nCapacity: 2\nAudience: mentoring\n"
        ask(bot, staff, "announce: Sandbox evening", form, key="event.preview", lang="en")
        with open("/proc/%d/maps" % bot.proc.pid) as f:
            ensure("libical.so.3" in f.read(), "libical was not loaded by the announcement")

        text = bot.log()
        for pat in (r"ical: cannot load", r"parser: .*(sandbox|cannot start)", r"seccomp"):
            m = re.search(pat, text, re.I)
            ensure(not m, "the bot's log under the sandbox says: %s" % (m.group(0) if m else ""))
        ensure(bot.stop() == 0, "the bot did not stop cleanly under the sandbox (status %s)" % bot.returncode)
    finally:
        bot.stop()
        subprocess.run(["rm", "-rf", state])
