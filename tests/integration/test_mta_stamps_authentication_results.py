"""The test MTA stamps Authentication-Results as a real receiving MTA does.

tests/servers/authres_filter.py runs inside OpenSMTPD (filter "authres"): it
verifies DKIM (keys from $T/dkim/, made by start.sh), evaluates DMARC, removes
incoming Authentication-Results headers that claim our authserv-id
(mx.example.test, RFC 8601 section 5) and prepends its own.  Each mail goes
through OpenSMTPD to a plain mailbox and is read back over IMAP:

- signed by example.test (lib.send's default): the topmost A-R is ours, with
  dkim=pass header.d=example.test header.s=test header.b=<8 chars of b=> and
  dmarc=pass header.from=example.test;
- unsigned: dkim=none, dmarc=fail;
- signed by evil.example with From example.test: dkim=pass header.d=evil.example,
  dmarc=fail; signed, then the body changed: dkim=fail;
- forged "Authentication-Results: mx.example.test; dkim=pass" headers at the top,
  in the middle and at the end of the header (other case, comments, folded): all
  gone, only ours names mx.example.test; an A-R of other.mx is kept, below ours;
- two From mailboxes, or two From fields: dmarc=permerror;
- a 5 MB mail (lines starting with dots, 8-bit text, long lines) and 200 mails in
  one SMTP session: all delivered, every body byte-for-byte as sent, all dkim=pass.
"""
import email.utils
import re
import time

import lib

ME = lib.AUTHSERV_ID


def head_fields(raw):
    """[(lowercase name, unfolded value)] of the header, top first."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    out = []
    for line in head.split("\r\n"):
        if line[:1] in (" ", "\t") and out:
            out[-1][1] += " " + line.strip()
        elif ":" in line:
            n, _, v = line.partition(":")
            out.append([n.strip().lower(), v.strip()])
    return [tuple(f) for f in out]


def body_of(raw):
    return raw.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in raw else b""


def ar_list(raw):
    return [v for n, v in head_fields(raw) if n == "authentication-results"]


def authserv(v):
    v = re.sub(r"\([^()]*\)", " ", v)
    return v.split(";", 1)[0].strip().split()[0].lower() if v.split(";", 1)[0].strip() else ""


def ours(raw):
    """The one A-R of our MTA, checked to be the topmost A-R and the only one naming ME."""
    ars = ar_list(raw)
    lib.ensure(ars, "no Authentication-Results header at all:\n%s" % raw[:1500].decode("utf-8", "replace"))
    mine = [v for v in ars if authserv(v) == ME]
    lib.ensure(len(mine) == 1, "%d A-R headers name %s (expected exactly ours): %r" % (len(mine), ME, ars))
    lib.ensure(authserv(ars[0]) == ME, "the topmost A-R is not ours: %r" % ars)
    return ars[0]


def result(ar, method):
    """[(result, {prop: value})] of every `method=` resinfo in an A-R value."""
    out = []
    for part in ar.split(";")[1:]:
        part = re.sub(r"\([^()]*\)", " ", part).strip()
        m = re.match(r"%s=(\w+)(.*)$" % method, part)
        if m:
            props = dict((k, v.strip('"')) for k, v in re.findall(r'([\w.]+)=("[^"]*"|\S+)', m.group(2)))
            out.append((m.group(1), props))
    return out


def deliver(rcpt, mids, timeout=60):
    """The delivered raw mails for the Message-IDs (IMAP), in the order of mids."""
    want = set(lib.norm_id(m) for m in mids)
    got = lib.Mailbox(rcpt).wait_for(lambda m: m.message_id in want, timeout=timeout, count=len(want),
                                     what="delivered test mail(s)")
    by = {m.message_id: m.raw for m in got}
    return [by[lib.norm_id(m)] for m in mids]


def mail(frm, to, subject, body=b"hello\r\n", extra=()):
    """Raw CRLF bytes, built by hand (no encoding chosen for us)."""
    h = ["From: %s" % frm, "To: %s" % to, "Subject: %s" % subject,
         "Date: %s" % email.utils.formatdate(localtime=True), "Message-ID: %s" % lib.make_msgid()]
    h += list(extra)
    return ("\r\n".join(h) + "\r\n\r\n").encode() + body


def mid_of(raw):
    return lib._raw_msgid(raw)


def test_signed_unsigned_and_foreign_signatures():
    rcpt = lib.addr("rcpt")
    frm = lib.addr("sender")
    signed = lib.dkim_sign(mail(frm, rcpt, "signed"))
    lib.ensure(signed.startswith(b"DKIM-Signature:"), "lib.dkim_sign did not sign: %r" % signed[:80])
    sig = dict((n, v) for n, v in head_fields(signed))["dkim-signature"]
    tags = dict(t.strip().partition("=")[::2] for t in sig.split(";"))
    b8 = re.sub(r"\s", "", tags["b"])[:8]
    unsigned = mail(frm, rcpt, "unsigned")
    evil = mail(frm, rcpt, "signed by evil.example")
    tampered = lib.dkim_sign(mail(frm, rcpt, "tampered", b"pay 10 EUR\r\n")).replace(b"pay 10 EUR", b"pay 99 EUR")
    m1 = lib.send(frm, rcpt, raw=signed, dkim=False)            # signed above, byte-exact
    m2 = lib.send(frm, rcpt, raw=unsigned, dkim=False)
    m3 = lib.send(frm, rcpt, raw=evil, dkim_domain="evil.example")
    m4 = lib.send(frm, rcpt, raw=tampered, dkim=False)
    r1, r2, r3, r4 = deliver(rcpt, [m1, m2, m3, m4])

    a = ours(r1)
    lib.ensure(result(a, "dkim") == [("pass", {"header.d": "example.test", "header.s": "test", "header.b": b8})],
               "signed mail: dkim results %r in %r (b= starts %s)" % (result(a, "dkim"), a, b8))
    lib.ensure(result(a, "dmarc") == [("pass", {"header.from": "example.test"})], "signed mail: %r" % a)
    lib.ensure([n for n, _ in head_fields(r1)].count("dkim-signature") == 1, "the DKIM-Signature is kept")

    a = ours(r2)
    lib.ensure([r for r, _ in result(a, "dkim")] == ["none"], "unsigned mail: %r" % a)
    lib.ensure(result(a, "dmarc") == [("fail", {"header.from": "example.test"})], "unsigned mail: %r" % a)

    a = ours(r3)
    lib.ensure([(r, p.get("header.d")) for r, p in result(a, "dkim")] == [("pass", "evil.example")],
               "evil.example's signature: %r" % a)
    lib.ensure(result(a, "dmarc") == [("fail", {"header.from": "example.test"})],
               "evil.example signing for example.test must fail DMARC: %r" % a)

    a = ours(r4)
    lib.ensure([(r, p.get("header.d")) for r, p in result(a, "dkim")] == [("fail", "example.test")],
               "changed body: %r" % a)
    lib.ensure([r for r, _ in result(a, "dmarc")] == ["fail"], "changed body: %r" % a)


def test_forged_results_of_our_authserv_id_are_removed_others_kept():
    rcpt = lib.addr("rcpt")
    frm = lib.addr("forger")
    forged = [
        "Authentication-Results: %s; dkim=pass header.d=example.test; dmarc=pass" % ME,
        "authentication-results:   (our MTA, honest) MX.Example.Test;\r\n\tdkim=pass\r\n\theader.d=example.test",
        "Authentication-Results: %s 1; dmarc=pass header.from=example.test" % ME,
    ]
    other = "Authentication-Results: other.mx; dkim=pass header.d=example.test"
    raw = (forged[0] + "\r\n").encode() + mail(frm, rcpt, "forged", extra=[forged[1], other, forged[2]])
    mid = lib.send(frm, rcpt, raw=raw, dkim=False)
    # signed by the sender's provider too: the forged headers go, the real result stays
    raw2 = (forged[0] + "\r\n").encode() + mail(frm, rcpt, "forged, signed", extra=[other])
    mid2 = lib.send(frm, rcpt, raw=raw2)
    r, r2 = deliver(rcpt, [mid, mid2])

    a = ours(r)
    lib.ensure([x for x, _ in result(a, "dkim")] == ["none"] and [x for x, _ in result(a, "dmarc")] == ["fail"],
               "our verdict on an unsigned mail with forged results: %r" % a)
    ars = ar_list(r)
    lib.ensure(len(ars) == 2 and ars[0] == a and authserv(ars[1]) == "other.mx",
               "expected ours, then other.mx's: %r" % ars)
    lib.ensure(not re.search(r"(?i)honest|header\.d=example\.test; dmarc=pass", r.split(b"\r\n\r\n")[0].decode()),
               "a forged header survived:\n%s" % r.split(b"\r\n\r\n")[0].decode())
    names = [n for n, _ in head_fields(r)]
    lib.ensure(names.index("authentication-results") < names.index("from") < names.index("subject")
               < len(names) - 1 - names[::-1].index("authentication-results"),
               "other.mx's A-R is not kept in its place below ours: %r" % names)

    a2 = ours(r2)
    lib.ensure([x for x, _ in result(a2, "dkim")] == ["pass"] and [x for x, _ in result(a2, "dmarc")] == ["pass"],
               "signed mail with a forged A-R: %r" % a2)
    lib.ensure(len(ar_list(r2)) == 2, "signed mail: %r" % ar_list(r2))


def test_two_from_mailboxes_is_dmarc_permerror():
    rcpt = lib.addr("rcpt")
    a, b = lib.addr("one"), lib.addr("two")
    m1 = lib.send(a, rcpt, raw=mail("%s, %s" % (a, b), rcpt, "two mailboxes"))
    m2 = lib.send(a, rcpt, raw=mail(a, rcpt, "two From fields", extra=["From: %s" % b]))
    r1, r2 = deliver(rcpt, [m1, m2])
    for r, what in ((r1, "one From with two mailboxes"), (r2, "two From fields")):
        ar = ours(r)
        lib.ensure([x for x, _ in result(ar, "dmarc")] == ["permerror"], "%s: %r" % (what, ar))


@lib.timeout(240)
def test_a_5mb_mail_and_200_mails_in_one_session_arrive_intact():
    rcpt = lib.addr("bulk")
    frm = lib.addr("bulksender")
    # 5 MB: dot-led lines (dot-stuffing both ways), 8-bit UTF-8, 998-octet lines, tabs, trailing blanks
    pieces = [b".", b"..", b". leading dot", b"Gr\xc3\xbc\xc3\x9fe aus M\xc3\xbcnchen \xe2\x82\xac", b"x" * 980,
              b"\ttab\t and trailing blanks   ", b"", b"From the start of a line", b"-- "]
    lines, size, i = [], 0, 0
    while size < 5 * 1024 * 1024:
        ln = pieces[i % len(pieces)] + (b" %d" % i if i % len(pieces) not in (0, 1, 6, 8) else b"")
        lines.append(ln)
        size += len(ln) + 2
        i += 1
    body = b"\r\n".join(lines) + b"\r\n.\r\n..\r\n"
    big = mail(frm, rcpt, "five megabytes", body, extra=["MIME-Version: 1.0",
                                                       "Content-Type: text/plain; charset=utf-8",
                                                       "Content-Transfer-Encoding: 8bit"])
    t0 = time.monotonic()
    mid = lib.send(frm, rcpt, raw=big)
    r = deliver(rcpt, [mid], timeout=120)[0]
    took = time.monotonic() - t0
    lib.ensure(body_of(r) == body, "the 5 MB body changed on the way (%d bytes sent, %d delivered)" % (
        len(body), len(body_of(r))))
    a = ours(r)
    lib.ensure([x for x, _ in result(a, "dkim")] == ["pass"] and [x for x, _ in result(a, "dmarc")] == ["pass"],
               "5 MB mail: %r" % a)
    print("# 5 MB mail: submitted and delivered in %.2f s" % took)

    # 200 mails over one SMTP connection, signed, some unsigned, odd bodies
    n = 200
    raws = []
    for k in range(n):
        b = [b"mail %d" % k, b".dot %d" % k, b"", b"\xc3\xa4\xc3\xb6\xc3\xbc %d" % k][: 1 + k % 4]
        body = b"\r\n".join(b) + b"\r\n" if k % 7 else b""
        raws.append(mail(frm, rcpt, "bulk %d" % k, body, extra=["Content-Type: text/plain; charset=utf-8"]))
    signed = [lib.dkim_sign(x) if k % 10 else x for k, x in enumerate(raws)]
    t0 = time.monotonic()
    mids = lib.send_many([(frm, [rcpt], x) for x in signed], dkim=False)
    got = deliver(rcpt, mids, timeout=180)
    took = time.monotonic() - t0
    bad = []
    for k, (sent, r) in enumerate(zip(signed, got)):
        if body_of(r) != body_of(sent):
            bad.append("mail %d: body %r != %r" % (k, body_of(r)[:60], body_of(sent)[:60]))
            continue
        a = ours(r)
        want = "pass" if k % 10 else "none"
        if [x for x, _ in result(a, "dkim")] != [want]:
            bad.append("mail %d: %r (expected dkim=%s)" % (k, a, want))
    lib.ensure(not bad, "%d of %d bulk mails wrong: %s" % (len(bad), n, "; ".join(bad[:5])))
    print("# 200 mails in one session: submitted and delivered in %.2f s" % took)
