#!/usr/bin/python3
"""runner.py - run mentorbot's integration tests.

usage: /usr/bin/python3 tests/integration/runner.py [-k SUBSTR] [FILE...]
       (no FILE: every tests/integration/test_*.py)

Imports each file and runs its test_* functions in file order, each with a
timeout (default 120 s; a test sets its own with @lib.timeout(N) or
`fn.timeout = N`).  Prints "PASS file::name" or "FAIL file::name: reason"
(plus the traceback and the tail of the bot logs) per test and ends with
"N passed, N failed"; exits 1 when anything failed.

Servers: reuses the set named by $T when it runs, else starts one for the
whole run and stops it at the end - also on failure, Ctrl-C or SIGTERM.
Env: MENTORBOT (bot binary, default ./mentorbot), MB_TEST_TAG (suffix for
the PASS/FAIL names, e.g. "asan"), IMAP_PORT/SMTP_PORT/... (see lib.py).
"""
import glob
import importlib.util
import os
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lib  # noqa: E402

DEFAULT_TIMEOUT = 120
LOG_TAIL = 25


class TestTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise TestTimeout()


def _term(signum, frame):
    raise KeyboardInterrupt()


def say(text):
    """print that survives a closed stdout (tee killed by Ctrl-C)."""
    try:
        print(text, flush=True)
    except (OSError, ValueError):
        pass


def load(path):
    name = "mbtest_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    tests = [(n, f) for n, f in vars(mod).items()
             if n.startswith("test_") and callable(f) and getattr(f, "__module__", None) == name]
    tests.sort(key=lambda nf: getattr(getattr(nf[1], "__code__", None), "co_firstlineno", 0))
    return tests


def one_line(e):
    s = str(e).strip().replace("\n", " | ")
    return "%s: %s" % (type(e).__name__, s) if not isinstance(e, AssertionError) or not s else s


def main(argv):
    only = None
    if len(argv) >= 2 and argv[0] == "-k":
        only, argv = argv[1], argv[2:]
    files = argv or sorted(glob.glob(os.path.join(HERE, "test_*.py")))
    tag = os.environ.get("MB_TEST_TAG", "")
    suffix = " [%s]" % tag if tag else ""
    passed = failed = 0
    signal.signal(signal.SIGTERM, _term)
    signal.signal(signal.SIGALRM, _alarm)

    def report(ok, label, reason=None, detail=None):
        nonlocal passed, failed
        if ok:
            passed += 1
            say("PASS %s%s%s" % (label, suffix, reason or ""))
        else:
            failed += 1
            say("FAIL %s%s: %s" % (label, suffix, reason))
            if detail:
                say(detail.rstrip("\n"))

    exe = lib.mentorbot_path()
    print("integration: bot %s%s" % (exe, "" if os.access(exe, os.X_OK) else " (MISSING: tests will fail)"),
          flush=True)
    try:
        try:
            t = lib.start_servers()
        except Exception as e:  # noqa: BLE001
            report(False, "servers::start", one_line(e))
            return 1
        say("integration: servers in T=%s" % t)
        for path in files:
            fname = os.path.basename(path)
            try:
                tests = load(path)
            except Exception as e:  # noqa: BLE001
                report(False, "%s::import" % fname, one_line(e), traceback.format_exc())
                continue
            for name, fn in tests:
                if only and only not in "%s::%s" % (fname, name):
                    continue
                label = "%s::%s" % (fname, name)
                limit = int(getattr(fn, "timeout", DEFAULT_TIMEOUT))
                lib.begin_test(fname, name)
                t0 = time.monotonic()
                err = detail = None
                try:
                    signal.alarm(limit)
                    try:
                        fn()
                    finally:
                        signal.alarm(0)
                except TestTimeout:
                    err = "timed out after %d s" % limit
                    detail = "".join(traceback.format_exc(limit=-4))
                except KeyboardInterrupt:
                    raise
                except Exception as e:  # noqa: BLE001 (AssertionError included)
                    err = one_line(e)
                    detail = traceback.format_exc()
                problems = lib.end_test()
                if problems and not err:
                    err = "; ".join(problems)
                dt = time.monotonic() - t0
                if err:
                    logs = []
                    for b in lib.test_bots():
                        tail = b.log().rstrip("\n").splitlines()[-LOG_TAIL:]
                        logs.append("    --- %s (last %d lines)\n%s" % (
                            b.log_path, len(tail), "\n".join("    | " + l for l in tail) or "    | (empty)"))
                    text = "".join("    " + l + "\n" for l in (detail or "").rstrip("\n").splitlines()[-12:])
                    report(False, label, "%s (%.1f s)" % (err, dt), text + "\n".join(logs))
                else:
                    report(True, label, " (%.1f s)" % dt)
        leaks = lib.check_logs()
        label = "logs_hold_no_address_or_body"
        if leaks:
            report(False, label, "%d log line%s name a test address or hold text of a test" % (
                len(leaks), "" if len(leaks) == 1 else "s"), "\n".join("    | " + l for l in leaks[:40]))
        else:
            report(True, label, " (%d bot logs)" % len(lib.run_bots()))
    except KeyboardInterrupt:
        signal.alarm(0)
        signal.signal(signal.SIGINT, signal.SIG_IGN)    # a second Ctrl-C must not stop the cleanup
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            lib.end_test()
        finally:
            lib.stop_servers()
        say("integration: interrupted")
        say("%d passed, %d failed" % (passed, failed + 1))
        return 130
    finally:
        signal.alarm(0)
        lib.stop_servers(remove=(failed == 0))
    say("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
