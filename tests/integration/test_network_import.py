"""The alumni network (issue 13): `mentorbot import` of an office's list.

For each style a spreadsheet exports (UTF-8 with BOM and ';' with CRLF, UTF-8 without BOM
and ',' with LF, Windows-1252 and ';'), with umlauts, quoted cells (a ';' and a line break
inside quotes), duplicates and bad rows:
  * a 500-row list, --dry-run: the report names every rejected row by its line in the file
    (counted through the line break inside quotes) and why (no address, bad address, no name,
    duplicate of line N), the totals are right, and nothing is written (no invitation, no
    outbox row);
  * the 500-row Windows-1252 list for real too: every valid row's invitation queued, paced and
    delivered, and a second run queues nothing;
  * a small list of the same style, for real: one invitation mail per valid row, in the
    bot's language, paced by [bot] announce_rate (sent_at spread in the outbox), with a code;
    nobody is a member yet;
  * a plain reply to an invitation confirms it (and "confirm <code>" in the English run; a
    reply "nein" declines and creates nothing):
    membership alumni/alumnus, the list's data stored as hidden profile fields, the consent
    row's source naming the file and date, the invitation 'confirmed'; whoami shows the
    programme;
  * the same list again: every row "invited before" (or "already a member"), no new mail;
  * mentorbot report and "stats" by mail show the invitations and the alumni by year;
    `mentorbot export alumni --csv` lists the confirmed alumni with the import as source.
German (bot language de) and English (bot language en).
"""
import datetime
import re
import time

import event_lib as E
import lib

ROWS = 500


def cell(v, sep):
    if sep in v or '"' in v or "\n" in v:
        return '"' + v.replace('"', '""') + '"'
    return v


def big_list(style, tag, domain="example.org"):
    """(bytes, {line: (reason, detail)}, valid rows) of a ROWS-row list in style."""
    sep = "," if style == "comma" else ";"
    eol = "\n" if style == "comma" else "\r\n"
    if style == "comma":
        header = ["Name", "Email", "Graduation year", "Field of study", "Company", "City", "Hobby"]
    elif style == "bom":
        header = ["Name", "E-Mail", "Abschluss", "Studiengang", "Firma", "Stadt", "Notiz"]
    else:
        header = ["Vorname", "Nachname", "E-Mail-Adresse", "Abschlussjahr", "Studiengang", "Ort"]
    lines = [sep.join(header)]
    line = 2
    expected = {}
    first = {}
    valid = 0
    for i in range(1, ROWS + 1):
        address = "person%d-%s@%s" % (i, tag, domain)
        name = "Jürgen Müller-Lüdenscheid %d" % i
        if i % 60 == 0:
            address = "person%d-%s@%s" % (i - 1, tag, domain)   # duplicate of the row before
        if i % 50 == 0:
            address = "kaputt%d-%s.%s" % (i, tag, domain)
        if i % 70 == 0:
            address = ""
        if i % 90 == 0:
            name = ""
        topics = "Cloud; KI\nund Daten" if i == 7 else "Köln"    # a line break inside quotes
        if style == "cp1252":
            first_name, last = (name.split(" ", 1) + [""])[:2] if name else ("", "")
            cells = [first_name, last, address, str(1990 + i % 30), "Maschinenbau", topics]
        else:
            cells = [name, address, str(1990 + i % 30), "Informatik", "Bäcker & Söhne GmbH", topics, "x"]
        lines.append(sep.join(cell(c, sep) for c in cells))
        if not address:
            expected[line] = ("missing_address", None)
        elif "@" not in address:
            expected[line] = ("bad_address", None)
        elif not name:
            expected[line] = ("missing_name", None)
        elif address in first:
            expected[line] = ("duplicate", first[address])
        else:
            first[address] = line
            valid += 1
        line += 1 + topics.count("\n")
    text = eol.join(lines) + eol
    if style == "cp1252":
        data = text.encode("cp1252")
    else:
        data = (b"\xef\xbb\xbf" if style == "bom" else b"") + text.encode("utf-8")
    return data, expected, valid


REASONS = {
    "en": {"missing_address": r"rejected, no mail address", "bad_address": r"rejected, not a valid mail address",
           "missing_name": r"rejected, no name", "duplicate": r"rejected, duplicate of line (\d+)",
           "invited_before": r"skipped, invited before", "member": r"skipped, already a member"},
    "de": {"missing_address": r"abgelehnt, keine Mailadresse", "bad_address": r"abgelehnt, keine gültige Mailadresse",
           "missing_name": r"abgelehnt, kein Name", "duplicate": r"abgelehnt, doppelt \(wie Zeile (\d+)\)",
           "invited_before": r"übersprungen, schon früher eingeladen", "member": r"übersprungen, schon Mitglied"},
}
LINE_WORD = {"en": "line", "de": "Zeile"}


def report_rows(out, lang):
    """{line: text} of the report's row lines."""
    got = {}
    for m in re.finditer(r"(?m)^%s (\d+): (.*)$" % LINE_WORD[lang], out):
        n = int(m.group(1))
        lib.ensure(n not in got, "line %d reported twice: %r" % (n, out[:400]))
        got[n] = m.group(2)
    return got


def check_report(out, expected, lang):
    got = report_rows(out, lang)
    problems = []
    for line, (reason, dup_of) in sorted(expected.items()):
        text = got.get(line)
        m = text and re.match(REASONS[lang][reason], text)
        if not m:
            problems.append("line %d: %r, expected %s" % (line, text, reason))
        elif dup_of and int(m.group(1)) != dup_of:
            problems.append("line %d: duplicate of %s, expected %d" % (line, m.group(1), dup_of))
    extra = sorted(set(got) - set(expected))
    if extra:
        problems.append("rows reported that are fine: %r" % [(n, got[n]) for n in extra[:5]])
    lib.ensure(not problems, "report: %d problems: %s" % (len(problems), "; ".join(problems[:6])))


def totals(out, lang):
    pat = (r"(\d+) rows: (\d+) (?:would be )?invited, (\d+) rejected, (\d+) skipped" if lang == "en" else
           r"(\d+) Zeilen: (\d+) (?:würden )?eingeladen, (\d+) abgelehnt, (\d+) übersprungen")
    m = re.search(pat, out)
    lib.ensure(m, "no totals in the report: %r" % out[-600:])
    return tuple(int(x) for x in m.groups())


def write(bot, name, data):
    path = "%s/%s" % (bot.dir, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def small_list(style, people, bad):
    """A list of style with people [(name, address, year, field, city)] and a bad row and a
    duplicate at the end."""
    sep = "," if style == "comma" else ";"
    eol = "\n" if style == "comma" else "\r\n"
    head = ("Name,Email,Graduation year,Field of study,City" if style == "comma" else
            "Name;E-Mail;Abschluss;Studiengang;Stadt")
    rows = [head] + [sep.join(cell(c, sep) for c in p) for p in people]
    rows.append(sep.join(["Kaputt Adresse", bad, "2001", "x", "y"]))
    rows.append(sep.join(cell(c, sep) for c in people[0]))        # a duplicate
    text = eol.join(rows) + eol
    if style == "cp1252":
        return text.encode("cp1252")
    return (b"\xef\xbb\xbf" if style == "bom" else b"") + text.encode("utf-8")


def invitations(who):
    return [m for m in E.md_messages(who) if m.key == "import.invite"]


def reply_to(who, bot, inv, body):
    refs = " ".join(inv.references + [inv.message_id])
    return lib.send(who, bot.address, lib.expected_subject(inv.subject), body,
                    headers={"In-Reply-To": inv.message_id, "References": refs})


def run_language(lang, styles):
    staff = lib.addr("staff")
    bot = E.event_bot([staff], bot_extra={"language": lang, "announce_rate": "1"})
    outbox = lambda: E.db_query(bot, "SELECT count(*) FROM outbox")[0][0]  # noqa: E731
    # 1. the big lists, --dry-run: the report, and nothing written
    for style in styles:
        data, expected, valid = big_list(style, "%s-%s" % (style, lib.RUN_ID))
        path = write(bot, "liste-%s.csv" % style, data)
        before = outbox()
        out = E.cli(bot, "import", path, "--programme", "alumni", "--dry-run")
        check_report(out, expected, lang)
        lib.ensure(totals(out, lang) == (ROWS, valid, len(expected), 0),
                   "%s totals %r, expected %r" % (style, totals(out, lang), (ROWS, valid, len(expected), 0)))
        lib.ensure(("Windows-1252" in out) == (style == "cp1252"), "%s: charset line: %r" % (style, out[:200]))
        sep = "," if style == "comma" else ";"
        lib.ensure('"%s"' % sep in out.splitlines()[0], "%s: separator line: %r" % (style, out.splitlines()[0]))
        lib.ensure(("Hobby" in out or "Notiz" in out) == (style != "cp1252"), "unknown column not reported")
        lib.ensure(E.db_query(bot, "SELECT count(*) FROM import_invite")[0][0] == 0, "--dry-run wrote invitations")
        lib.ensure(outbox() == before, "--dry-run queued mail")

    # 2. small lists for real: invitations, paced, with a code
    people = {}
    for style in styles:
        ps = []
        for k, (first, city) in enumerate([("Jürgen", "München"), ("Zoë", "Köln"), ("Ägidius", "Görlitz")]):
            who = lib.addr("alum-%s-%d" % (style, k))
            ps.append(("%s Weiß %s" % (first, style), who, str(2010 + k), "Maschinenbau", city))
        people[style] = ps
        path = write(bot, "klein-%s.csv" % style, small_list(style, ps, "kaputt-%s" % style))
        out = E.cli(bot, "import", path, "--programme", "alumni")
        lib.ensure(totals(out, lang) == (5, 3, 2, 0), "%s small list totals: %r" % (style, out))
    everyone = [p for s in styles for p in people[s]]
    for p in everyone:
        inv = E.md_wait(p[1], lambda m: m.key == "import.invite", timeout=60, what="invitation")[0]
        lib.ensure((inv.lang or "").lower() == lang, "invitation in %r, expected %s" % (inv.lang, lang))
        lib.ensure(p[0] in inv.text, "invitation does not greet %r: %r" % (p[0], inv.text[:300]))
        lib.ensure(lib.TOKEN_RE.search(inv.text), "invitation has no code: %r" % inv.text[:500])
    sent = [r[0] for r in E.db_query(bot, "SELECT sent_at FROM outbox WHERE message_id LIKE 'imp%' ORDER BY sent_at")]
    lib.ensure(len(sent) == len(everyone), "outbox: %d invitations sent, expected %d" % (len(sent), len(everyone)))
    lib.ensure(E.db_query(bot, "SELECT DISTINCT pacing FROM outbox WHERE message_id LIKE 'imp%'") == [("announce",)],
               "invitations are not paced as announcements")
    spread = sent[-1] - sent[0]
    want = len(everyone) - 2                     # announce_rate 1 (sent_at in whole seconds)
    lib.ensure(spread >= want, "%d invitations at 1/s sent within %d s" % (len(everyone), spread))
    lib.ensure(E.db_query(bot, "SELECT count(*) FROM membership WHERE programme = 'alumni'")[0][0] == 0,
               "somebody became a member before confirming")

    # 3. a plain reply confirms (and "confirm <code>" in English)
    name, who, year, field, city = people[styles[0]][0]
    inv = invitations(who)[0]
    mid = reply_to(who, bot, inv, "ja, gerne\n" if lang == "de" else "yes, happy to\n")
    done = E.wait_reply_md(who, mid)
    lib.ensure(done.key == "import.confirmed", "reply to the invitation: %r" % done.key)
    lib.ensure(("Abschlussjahr" if lang == "de" else "graduation year") in done.text,
               "confirmation does not name the fields taken over: %r" % done.text[:500])
    confirmed = [who]
    if lang == "en":
        who2 = people[styles[0]][1][1]
        code = lib.TOKEN_RE.search(invitations(who2)[0].text).group(0)
        r = lib.ask(bot, who2, "confirm %s" % code, "", key="import.confirmed", lang="en")
        confirmed.append(who2)
    for w in confirmed:
        pid = E.db_query(bot, "SELECT person_id FROM endpoint WHERE kind = 'mail' AND address = ? AND verified = 1",
                         (w,))
        lib.ensure(pid, "%s: no verified address after confirming" % w)
        pid = pid[0][0]
        ms = E.db_query(bot, "SELECT role, status FROM membership WHERE person_id = ? AND programme = 'alumni'",
                        (pid,))
        lib.ensure(ms == [("alumnus", "active")], "%s: membership %r" % (w, ms))
        src = E.db_query(bot, "SELECT source, action FROM consent WHERE person_id = ? AND purpose = 'alumni'", (pid,))
        today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
        lib.ensure(len(src) == 1 and src[0][1] == "given" and
                   src[0][0] == "import klein-%s.csv %s" % (styles[0], today), "%s: consent %r" % (w, src))
        prof = dict((f, (v, vis)) for f, v, vis in E.db_query(
            bot, "SELECT field, value, visible FROM profile WHERE person_id = ?", (pid,)))
        exp_city = city if w == who else people[styles[0]][1][4]
        lib.ensure(prof.get("city") == (exp_city, 0) and prof.get("field") == ("Maschinenbau", 0),
                   "%s: profile %r (the list's data, hidden)" % (w, prof))
        st = E.db_query(bot, "SELECT status FROM import_invite WHERE address = ?", (w,))
        lib.ensure(st == [("confirmed",)], "%s: invitation %r" % (w, st))
    if lang == "de":   # "nein" declines: nothing is created, and the invitation stays answered
        no = people[styles[-1]][2][1]
        mid = reply_to(no, bot, invitations(no)[0], "nein danke\n")
        lib.ensure(E.wait_reply_md(no, mid).key == "confirm_cancelled", "a 'nein' was not taken as declining")
        lib.ensure(not E.db_query(bot, "SELECT 1 FROM endpoint WHERE address = ?", (no,)),
                   "declining created the person")
    r = lib.ask(bot, who, "wer bin ich" if lang == "de" else "whoami", "", key="whoami", lang=lang)
    lib.ensure("Alumni" in r.text, "whoami does not show the alumni programme: %r" % r.text[:600])

    # 4. the same lists again: nothing new
    before = outbox()
    for style in styles:
        out = E.cli(bot, "import", "%s/klein-%s.csv" % (bot.dir, style), "--programme", "alumni")
        t = totals(out, lang)
        lib.ensure(t[1] == 0 and t[3] == 3, "second import of %s: %r" % (style, out))
        rows = report_rows(out, lang)
        lib.ensure(any(re.match(REASONS[lang]["member" if style == styles[0] else "invited_before"], v)
                       for v in rows.values()), "second import names no skipped row: %r" % out)
        lib.ensure(("Nichts Neues" if lang == "de" else "Nothing new") in out, "no 'nothing new': %r" % out)
    lib.ensure(outbox() == before, "a second import queued mail")
    time.sleep(lib.SETTLE)
    for p in everyone:
        lib.ensure(len(invitations(p[1])) == 1, "%s got %d invitations" % (p[1], len(invitations(p[1]))))

    # 5. the staff figures: report, stats by mail, the alumni export
    out = E.cli(bot, "report")
    label = "Einladungen verschickt" if lang == "de" else "Invitations sent"
    m = re.search(r"%s\s+(\d+)" % label, out)
    lib.ensure(m and int(m.group(1)) == len(everyone), "report: %r" % out[-900:])
    r = lib.ask(bot, staff, "statistik" if lang == "de" else "stats", "", key="staff.stats", lang=lang)
    by_year = "nach Abschlussjahr" if lang == "de" else "by graduation year"
    lib.ensure(re.search(r"%s\s+%d\b" % (label, len(everyone)), r.text) and by_year in r.text and
               re.search(r"(?m)^\s+2010\s+1\s*$", r.text), "stats lack the network figures: %r" % r.text[-900:])
    path = "%s/alumni-export.csv" % bot.dir
    E.cli(bot, "export", "alumni", "--csv", "--out", path)
    with open(path, "rb") as f:
        data = f.read()
    lib.ensure(data.startswith(b"\xef\xbb\xbf"), "alumni export without BOM")
    rows = data[3:].decode("utf-8").splitlines()
    lib.ensure(len(rows) == 1 + len(confirmed), "alumni export: %r" % rows)
    lib.ensure(who in rows[1] and ",klein-%s.csv " % styles[0] in rows[1] and ",2010," in rows[1],
               "alumni export row: %r" % rows[1])


@lib.timeout(120)
def test_import_german_lists_bom_semicolon_and_windows_1252():
    run_language("de", ["bom", "cp1252"])


@lib.timeout(120)
def test_import_english_list_comma_without_bom():
    run_language("en", ["comma"])


@lib.timeout(180)
def test_import_500_rows_for_real():
    bot = E.event_bot([lib.addr("staff")], bot_extra={"language": "de", "announce_rate": "100"})
    tag = "real-%s" % lib.RUN_ID
    data, expected, valid = big_list("cp1252", tag, domain=lib.DOMAIN)
    path = write(bot, "liste-echt.csv", data)
    out = E.cli(bot, "import", path, "--programme", "alumni")
    check_report(out, expected, "de")
    lib.ensure(totals(out, "de") == (ROWS, valid, len(expected), 0), "totals %r" % (totals(out, "de"),))
    query = "SELECT count(*) FROM outbox WHERE message_id LIKE 'imp%' AND status = 'sent'"
    deadline = time.monotonic() + 120
    while E.db_query(bot, query)[0][0] < valid and time.monotonic() < deadline:
        lib.check_bots_alive()
        time.sleep(0.5)
    lib.ensure(E.db_query(bot, query)[0][0] == valid, "%d of %d invitations sent" % (
        E.db_query(bot, query)[0][0], valid))
    first, last = E.db_query(bot, "SELECT min(sent_at), max(sent_at) FROM outbox WHERE message_id LIKE 'imp%'")[0]
    lib.ensure(last - first >= valid // 100 - 1, "%d invitations at 100/s sent within %d s" % (valid, last - first))
    for i in (1, 251, 499):   # valid rows of big_list: first, middle, last
        who = "person%d-%s@%s" % (i, tag, lib.DOMAIN)
        inv = E.md_wait(who, lambda m: m.key == "import.invite", timeout=60, what="invitation")[0]
        lib.ensure("Jürgen Müller-Lüdenscheid %d" % i in inv.text, "row %d: invitation %r" % (i, inv.text[:300]))
    before = E.db_query(bot, "SELECT count(*) FROM outbox")[0][0]
    out = E.cli(bot, "import", path, "--programme", "alumni")
    lib.ensure(totals(out, "de")[1] == 0 and "Nichts Neues" in out, "second run: %r" % out[-400:])
    lib.ensure(E.db_query(bot, "SELECT count(*) FROM outbox")[0][0] == before, "a second run queued mail")
