#!/usr/bin/python3
"""authres_filter.py - the test MTA's DKIM/DMARC verifier: an OpenSMTPD proc-exec filter.

    filter "authres" proc-exec "/usr/bin/python3 .../authres_filter.py AUTHSERV_ID TABLE LOG"
    listen on 127.0.0.1 port 10025 hostname AUTHSERV_ID filter "authres"

What a receiving MTA does before it delivers a mail (RFC 8601, RFC 6376, RFC 7489),
so that mentorbot's tests see the same Authentication-Results header a real site's
MTA stamps - no test adds that header itself:

* every incoming Authentication-Results header whose authserv-id is ours
  (AUTHSERV_ID, the listener's hostname) is removed (RFC 8601 section 5); A-R
  headers of other authserv-ids are kept;
* every DKIM-Signature is verified with dkimpy; the public keys come from TABLE,
  a file of "<name> <TXT record>" lines (test._domainkey.example.test v=DKIM1; ...,
  _dmarc.example.test v=DMARC1; p=reject) that tests/servers/lib.sh writes - no
  DNS is ever asked;
* DMARC: pass when a dkim=pass signature's d= is aligned (relaxed: the same
  organizational domain, here the last two labels) with the single From domain
  and that domain (or its organizational domain) has a DMARC record; fail when it
  has a record and no aligned pass; none without a record; permerror unless the
  header has exactly one From mailbox;
* ONE header is prepended at the top:
      Authentication-Results: mx.example.test;
          dkim=pass header.d=example.test header.s=test header.b=AbCdEfGh;
          dmarc=pass header.from=example.test
  (dkim=none for an unsigned mail, one dkim result per signature).

It never loses or holds a mail: any error while looking at one mail passes it
through unchanged (except for our forged A-R headers, still removed when that
works) with "Authentication-Results: AUTHSERV_ID; dkim=temperror" on top, and the
error is written to LOG.

Protocol (smtpd-filters(7); OpenSMTPD 6.8.0p2 sends protocol version 0.6 in its
requests - its handshake has config|smtpd-version and config|smtp-session-timeout
but no config|protocol - and the session id before the token):
    <- config|...  config|ready
    -> register|filter|smtp-in|data-line  register|report|smtp-in|link-disconnect  register|ready
    <- filter|0.6|<time>|smtp-in|data-line|<session>|<token>|<line>
    -> filter-dataline|<session>|<token>|<line>  ...  filter-dataline|<session>|<token>|.
Lines come dot-escaped and without CRLF, starting with OpenSMTPD's own Received
header; they are buffered per session (sessions interleave; one DATA at a time per
session) until the single "." and then answered all at once, dot-escaped again.
A session that disconnects in the middle of DATA (report link-disconnect) has its
buffer dropped.  Before protocol 0.5 the token came before the session id: the
two ids are echoed back in the order they came.
"""
import email.utils
import os
import re
import sys
import time
import traceback

try:
    import dkim
except ImportError:     # still a working filter (every signature is temperror), and says why
    dkim = None

AR_NAME = b"authentication-results"
SIG_NAME = b"dkim-signature"
HEADER_RE = re.compile(rb"([\x21-\x39\x3b-\x7e]+)[ \t]*:")
COMMENT_RE = re.compile(rb"\((?:[^()\\]|\\.)*\)")


class Log:
    def __init__(self, path):
        self.path = path
        self.f = None
        if path:
            try:
                self.f = open(path, "a", buffering=1, encoding="utf-8", errors="replace")
            except OSError as e:
                sys.stderr.write("authres: cannot open log %s: %s\n" % (path, e))

    def __call__(self, text):
        line = "%s authres[%d]: %s\n" % (time.strftime("%Y-%m-%d %H:%M:%S"), os.getpid(), text)
        if self.f:
            try:
                self.f.write(line)
                return
            except OSError:
                pass
        sys.stderr.write(line)
        sys.stderr.flush()


class Table:
    """The "DNS" of the test world: TXT records by name, read from a file
    (re-read when the file changes)."""

    def __init__(self, path, log):
        self.path, self.log = path, log
        self.records, self.mtime, self.checked = {}, None, 0.0
        self.missed = []
        self.refresh()

    def refresh(self):
        now = time.monotonic()
        if self.mtime is not None and now - self.checked < 1.0:
            return
        self.checked = now
        try:
            mtime = os.stat(self.path).st_mtime_ns
        except OSError as e:
            if self.mtime is not False:
                self.log("no key table %s: %s" % (self.path, e))
            self.records, self.mtime = {}, False
            return
        if mtime == self.mtime:
            return
        recs = {}
        with open(self.path, "rb") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith(b"#"):
                    continue
                name, _, txt = line.partition(b" ")
                recs[name.strip().rstrip(b".").lower()] = txt.strip()
        self.records, self.mtime = recs, mtime
        self.log("key table %s: %d records" % (self.path, len(recs)))

    def txt(self, name):
        if isinstance(name, str):
            name = name.encode("ascii", "replace")
        return self.records.get(name.rstrip(b".").lower())

    def dnsfunc(self, name, timeout=5):
        """dkimpy's TXT lookup: the record or None (remembered as a missing key)."""
        r = self.txt(name)
        if r is None:
            self.missed.append(name)
        return r


# --------------------------------------------------------------------------
# one message

def split_header(lines):
    """([(lowercase name, first line index, end index)], index of the empty line or len)."""
    fields = []
    i, n = 0, len(lines)
    while i < n and lines[i] != b"":
        line = lines[i]
        if line[:1] in (b" ", b"\t") and fields:
            name, start, _ = fields[-1]
            fields[-1] = (name, start, i + 1)
        else:
            m = HEADER_RE.match(line)
            fields.append((m.group(1).lower() if m else b"", i, i + 1))
        i += 1
    return fields, i


def field_value(lines, f):
    """The unfolded value of header field f (bytes)."""
    _, start, end = f
    first = lines[start]
    raw = first[first.index(b":") + 1:] if b":" in first else first
    for k in range(start + 1, end):
        raw += b" " + lines[k].strip()
    return raw.strip()


def authserv_id(value):
    """The authserv-id of an Authentication-Results value (lowercase), or b""."""
    v = value
    for _ in range(3):                      # nested comments, a few levels
        v = COMMENT_RE.sub(b" ", v)
    v = v.split(b";", 1)[0].strip()
    return v.split()[0].lower() if v.split() else b""


def org_domain(domain):
    """The organizational domain: the last two labels (no public suffix list in the test world)."""
    labels = [l for l in domain.lower().strip(".").split(".") if l]
    return ".".join(labels[-2:])


def pvalue(v):
    """An RFC 8601 property value: a token, or a quoted-string when it has tspecials."""
    if v and re.fullmatch(r"[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+", v):
        return v
    return '"%s"' % v.replace("\\", "\\\\").replace('"', '\\"')


def tag_value(value):
    """DKIM tag=value list -> {tag: value} (str), tolerant."""
    out = {}
    for part in value.decode("ascii", "replace").split(";"):
        if "=" in part:
            k, _, v = part.partition("=")
            out.setdefault(k.strip(), re.sub(r"\s+", "", v))
    return out


class Verifier:
    def __init__(self, me, table, log):
        self.me = me                        # our authserv-id (str)
        self.me_b = me.lower().encode()
        self.table = table
        self.log = log

    def dkim_results(self, lines, sig_fields):
        """[(result, tags, comment)] for each DKIM-Signature, topmost first."""
        res = []
        if dkim is None:
            return [("temperror", tag_value(field_value(lines, f)), "dkimpy missing") for f in sig_fields]
        data = b"\r\n".join(lines) + b"\r\n"
        d = None
        for idx, f in enumerate(sig_fields):
            tags = tag_value(field_value(lines, f))
            self.table.missed = []
            try:
                if d is None:
                    d = dkim.DKIM(data)
                ok = d.verify(idx=idx, dnsfunc=self.table.dnsfunc)
                if ok:
                    res.append(("pass", tags, None))
                elif self.table.missed:
                    res.append(("permerror", tags, "no key for signature"))
                else:
                    res.append(("fail", tags, "bad signature"))
            except dkim.ValidationError as e:
                msg = str(e)
                if "body hash" in msg or "expired" in msg or "future" in msg:
                    res.append(("fail", tags, msg.split(" (")[0]))
                else:
                    res.append(("permerror", tags, msg.split(" (")[0]))
            except dkim.DKIMException as e:
                res.append(("permerror", tags, str(e).split(" (")[0][:60]))
        return res

    def dmarc(self, lines, fields, dkims):
        """(result, header.from domain or None, comment)."""
        froms = [f for f in fields if f[0] == b"from"]
        mailboxes = []
        for f in froms:
            v = field_value(lines, f).decode("utf-8", "replace")
            mailboxes += [a for _, a in email.utils.getaddresses([v]) if a]
        if len(froms) != 1 or len(mailboxes) != 1 or "@" not in mailboxes[0]:
            why = "no From" if not froms else "%d From fields, %d mailboxes" % (len(froms), len(mailboxes))
            return "permerror", None, why
        dom = mailboxes[0].rpartition("@")[2].strip().strip(".").lower()
        if not dom or not re.fullmatch(r"[a-z0-9.-]+", dom):
            return "permerror", None, "bad From domain"
        rec = self.table.txt("_dmarc." + dom)
        if rec is None and org_domain(dom) != dom:
            rec = self.table.txt("_dmarc." + org_domain(dom))
        if rec is None or not rec.replace(b" ", b"").upper().startswith(b"V=DMARC1"):
            return "none", dom, None
        policy = tag_value(rec).get("p", "none")
        for result, tags, _ in dkims:
            if result == "pass" and org_domain(tags.get("d", "")) == org_domain(dom):
                return "pass", dom, "p=%s" % policy
        return "fail", dom, "p=%s" % policy

    def header(self, lines):
        """The Authentication-Results lines (without CRLF) for this message."""
        fields, _ = split_header(lines)
        sigs = [f for f in fields if f[0] == SIG_NAME]
        dkims = self.dkim_results(lines, sigs) if sigs else []
        parts = []
        for result, tags, comment in dkims:
            p = "dkim=%s" % result
            if comment:
                p += " (%s)" % re.sub(r"[()\\\r\n]", "", comment)
            if tags.get("d"):
                p += " header.d=%s" % pvalue(tags["d"].lower())
            if tags.get("s"):
                p += " header.s=%s" % pvalue(tags["s"])
            if tags.get("b"):
                p += " header.b=%s" % pvalue(tags["b"][:8])
            parts.append(p)
        if not dkims:
            parts.append("dkim=none")
        result, dom, comment = self.dmarc(lines, fields, dkims)
        p = "dmarc=%s" % result
        if comment:
            p += " (%s)" % re.sub(r"[()\\\r\n]", "", comment)
        if dom:
            p += " header.from=%s" % pvalue(dom)
        parts.append(p)
        return self.fold(parts), dkims, result

    def fold(self, parts):
        """'Authentication-Results: me; a; b' folded before each resinfo when long."""
        one = "Authentication-Results: %s; %s" % (self.me, "; ".join(parts))
        if len(one) <= 78:
            return [one.encode()]
        out = ["Authentication-Results: %s;" % self.me]
        for i, p in enumerate(parts):
            out.append("\t" + p + (";" if i < len(parts) - 1 else ""))
        return [x.encode() for x in out]

    def strip_ours(self, lines):
        """lines without the A-R header fields naming our authserv-id; (lines, how many)."""
        fields, _ = split_header(lines)
        drop = [f for f in fields if f[0] == AR_NAME and authserv_id(field_value(lines, f)) == self.me_b]
        if not drop:
            return lines, 0
        gone = set()
        for _, s, e in drop:
            gone.update(range(s, e))
        return [l for i, l in enumerate(lines) if i not in gone], len(drop)

    def process(self, lines):
        """The message to deliver (list of unescaped lines) and a log line."""
        self.table.refresh()
        ar, dkims, dmarc = self.header(lines)
        kept, dropped = self.strip_ours(lines)
        what = "dkim=%s dmarc=%s" % (",".join(r for r, _, _ in dkims) or "none", dmarc)
        if dropped:
            what += "; removed %d forged A-R" % dropped
        return ar + kept, what

    def fallback(self, lines):
        ar = [("Authentication-Results: %s; dkim=temperror (filter error)" % self.me).encode()]
        try:
            kept, _ = self.strip_ours(lines)
        except Exception:  # noqa: BLE001 - unchanged then
            kept = lines
        return ar + kept


# --------------------------------------------------------------------------
# the protocol

def version_tuple(v):
    try:
        return tuple(int(x) for x in v.split(b"."))
    except ValueError:
        return (99,)

def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: authres_filter.py AUTHSERV_ID TABLE [LOG]\n")
        return 2
    log = Log(argv[3] if len(argv) > 3 else None)
    table = Table(argv[2], log)
    v = Verifier(argv[1], table, log)
    if dkim is None:
        log("python3-dkim (dkimpy) is not installed: every signature is temperror")
    rd, wr = sys.stdin.buffer, sys.stdout.buffer

    config = {}
    while True:
        line = rd.readline()
        if not line:
            log("stdin closed during the handshake")
            return 0
        line = line.rstrip(b"\n")
        if line == b"config|ready":
            break
        if line.startswith(b"config|"):
            k, _, val = line[7:].partition(b"|")
            config[k.decode("utf-8", "replace")] = val.decode("utf-8", "replace")
    wr.write(b"register|filter|smtp-in|data-line\n"
             b"register|report|smtp-in|link-disconnect\n"
             b"register|ready\n")
    wr.flush()
    log("ready: authserv-id %s; handshake: %s" % (
        argv[1], ", ".join("%s=%s" % kv for kv in sorted(config.items())) or "no config keys"))

    bufs = {}           # session id -> [b"<id>|<id>" as to echo, [lines]]
    seen_version = None
    n = 0
    while True:
        line = rd.readline()
        if not line:
            log("stdin closed: %d mails stamped; %d unfinished dropped" % (n, len(bufs)))
            return 0
        if line.endswith(b"\n"):
            line = line[:-1]
        try:
            if line.startswith(b"filter|"):
                p = line.split(b"|", 7)
                if len(p) < 8:
                    log("short filter line: %r" % line[:200])
                    continue
                version, phase, a, b, payload = p[1], p[4], p[5], p[6], p[7]
                if version != seen_version:
                    seen_version = version
                    log("protocol version %s in requests; first: %r" % (
                        version.decode("ascii", "replace"), line[:120]))
                ids = a + b"|" + b
                if phase != b"data-line":      # not registered; never leave smtpd waiting
                    wr.write(b"filter-result|" + ids + b"|proceed\n")
                    wr.flush()
                    continue
                sess = b if version_tuple(version) < (0, 5) else a
                buf = bufs.get(sess)
                if buf is None:
                    buf = bufs[sess] = [ids, []]
                if payload != b".":
                    buf[1].append(payload[1:] if payload.startswith(b".") else payload)
                    continue
                del bufs[sess]
                lines = buf[1]
                t0 = time.monotonic()
                try:
                    out, what = v.process(lines)
                except Exception as e:  # noqa: BLE001 - the mail must go on
                    out, what = v.fallback(lines), "ERROR %s: %s" % (type(e).__name__, e)
                    log("session %s: %s\n%s" % (sess.decode("ascii", "replace"), what, traceback.format_exc()))
                pre = b"filter-dataline|" + buf[0] + b"|"
                chunks = [pre + (b"." + l if l.startswith(b".") else l) for l in out]
                chunks.append(pre + b".")
                wr.write(b"\n".join(chunks) + b"\n")
                wr.flush()
                n += 1
                if n <= 3 or what.startswith("ERROR") or "forged" in what or n % 1000 == 0:
                    log("session %s: %d lines, %s (%.1f ms) [mail %d]" % (
                        sess.decode("ascii", "replace"), len(lines), what, (time.monotonic() - t0) * 1000, n))
            elif line.startswith(b"report|"):
                p = line.split(b"|", 6)
                if len(p) >= 6 and p[4] == b"link-disconnect":
                    sess = p[5]
                    if bufs.pop(sess, None) is not None:
                        log("session %s closed in the middle of DATA: buffer dropped" % sess.decode("ascii", "replace"))
            else:
                log("unexpected line: %r" % line[:200])
        except BrokenPipeError:
            return 0
        except Exception as e:  # noqa: BLE001 - a filter must not terminate
            log("protocol error on %r: %s\n%s" % (line[:200], e, traceback.format_exc()))


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except KeyboardInterrupt:
        sys.exit(0)
