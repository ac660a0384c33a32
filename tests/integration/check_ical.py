#!/usr/bin/python3
"""check_ical.py - the independent iCalendar parser of the integration tests.

Reads one iCalendar object (or a whole RFC 5322 mail holding a text/calendar
part) from the file named on the command line, or from stdin, parses it with
python3-icalendar (Debian's, not libical) and prints one JSON object:

  {"method", "uid", "sequence", "tzid", "dtstart", "dtend", "organizer",
   "attendees": [{"addr", "partstat", "rsvp", "cn"}],
   "summary", "location", "url", "description", "status",
   "vtimezones": [TZID, ...], "events": [<the same per VEVENT>]}

The top-level event fields are those of the first VEVENT (null when there is
none).  dtstart/dtend are ISO 8601 with the UTC offset the time zone gives
(e.g. "2026-12-03T15:00:00+01:00").  Addresses are lower-cased without
"mailto:".  Exit status 0 when parsed, 2 when the input is no iCalendar.

Must run with /usr/bin/python3 (python3-icalendar is a Debian package).
"""
import datetime
import email
import email.policy
import json
import sys

import icalendar


def read_input(argv):
    if len(argv) > 1 and argv[1] != "-":
        with open(argv[1], "rb") as f:
            return f.read()
    return sys.stdin.buffer.read()


def calendar_bytes(raw):
    """The iCalendar text: raw itself, or the first text/calendar part of a mail."""
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:15].upper().startswith(b"BEGIN:VCALENDAR"):
        return head
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for part in msg.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True) or b""
            return payload
    return None


def addr(v):
    if v is None:
        return None
    s = str(v).strip()
    if s.lower().startswith("mailto:"):
        s = s[7:]
    return s.strip().lower()


def text(v):
    return None if v is None else str(v)


def when(prop):
    if prop is None:
        return None
    dt = prop.dt
    if isinstance(dt, datetime.datetime) and dt.tzinfo is not None:
        # pytz zones must be normalised to get the offset of that instant.
        tz = dt.tzinfo
        if hasattr(tz, "normalize"):
            dt = tz.normalize(dt)
    return dt.isoformat()


def attendees(ev):
    raw = ev.get("ATTENDEE")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raw = [raw]
    out = []
    for a in raw:
        params = getattr(a, "params", {})
        rsvp = params.get("RSVP")
        out.append({
            "addr": addr(a),
            "partstat": text(params.get("PARTSTAT")),
            "rsvp": None if rsvp is None else str(rsvp).upper() == "TRUE",
            "cn": text(params.get("CN")),
        })
    return out


def event_json(ev):
    start = ev.get("DTSTART")
    tzid = None
    if start is not None:
        tzid = start.params.get("TZID")
    org = ev.get("ORGANIZER")
    seq = ev.get("SEQUENCE")
    return {
        "uid": text(ev.get("UID")),
        "sequence": None if seq is None else int(seq),
        "tzid": text(tzid),
        "dtstart": when(start),
        "dtend": when(ev.get("DTEND")),
        "organizer": addr(org),
        "organizer_cn": text(org.params.get("CN")) if org is not None else None,
        "attendees": attendees(ev),
        "summary": text(ev.get("SUMMARY")),
        "location": text(ev.get("LOCATION")),
        "url": text(ev.get("URL")),
        "description": text(ev.get("DESCRIPTION")),
        "status": text(ev.get("STATUS")),
        "comment": text(ev.get("COMMENT")),
        "recurrence_id": when(ev.get("RECURRENCE-ID")),
    }


def main(argv):
    data = calendar_bytes(read_input(argv))
    if not data:
        print(json.dumps({"error": "no iCalendar found"}))
        return 2
    try:
        cal = icalendar.Calendar.from_ical(data)
    except Exception as e:  # the parser raises ValueError and friends
        print(json.dumps({"error": "parse: %s" % e}))
        return 2
    events = [event_json(ev) for ev in cal.walk("VEVENT")]
    first = events[0] if events else {k: None for k in event_json(icalendar.Event())}
    result = {"method": text(cal.get("METHOD")),
              "prodid": text(cal.get("PRODID")),
              "version": text(cal.get("VERSION")),
              "vtimezones": [text(tz.get("TZID")) for tz in cal.walk("VTIMEZONE")]}
    result.update(first)
    if not events:
        result["attendees"] = []
    result["events"] = events
    print(json.dumps(result, ensure_ascii=False, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
