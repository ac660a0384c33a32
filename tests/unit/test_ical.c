/*
 * test_ical.c - the invitations we build (REQUEST, CANCEL, PUBLISH feed)
 * are valid iCalendar that libical reads back with the right time zone,
 * UID, SEQUENCE, attendees and escaping; the REPLYs of Outlook/Exchange,
 * Thunderbird, Apple and Google parse to the attendee's answer; hostile
 * input is refused with a clear code and never crashes.  When
 * ../shared/corpus exists (relative to the repository root), every file of
 * ccs_calendarserver and collective_icalendar is parsed too.
 */
#define _DEFAULT_SOURCE
#include "ical.h"
#include "mime.h"
#include "t.h"
#include "util.h"

#include <dirent.h>
#include <libical/ical.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

/* 2026-12-03 15:00 CET (14:00 UTC) */
#define START ((int64_t)1796392800 - 86400)
#define CORPUS "../shared/corpus"

static const struct ical_person people[] = {
	{"mentee@example.org", "Jörg Müller, M.Sc.; \"Jo\""},
	{"Mentor@Example.COM", "Ada Lovelace"},
};

static struct ical_event
sample_event(void)
{
	struct ical_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.uid = "session-12@mentorbot.example";
	ev.sequence = 3;
	ev.dtstamp = 1790000000;
	ev.start = START;
	ev.end = START + 90 * 60;
	ev.summary = "Mentoring: Jörg & Ada; Teil 1, \"Karriere\"";
	ev.location = "Raum 3.14, Gebäude B; Campus Süd";
	ev.description = "Zeile 1\nZeile 2, mit Komma; Semikolon \\ Backslash\r\nZeile 3: äöü ß € 😀 "
			 "und eine lange Zeile, die gefaltet werden muss, weil sie länger als 75 Oktette ist.";
	ev.organizer.addr = "bot@mentorbot.example";
	ev.organizer.name = "Mentoring-Büro";
	ev.attendees = people;
	ev.nattendees = 2;
	return ev;
}

/* Every line ends in CRLF, and no folded line splits a UTF-8 sequence. */
static int
lines_ok(const char *s)
{
	const char *p;
	for (p = s; *p; p++) {
		if (*p == '\n' && (p == s || p[-1] != '\r'))
			return 0;
		if (*p == '\r' && p[1] != '\n')
			return 0;
		if (*p == '\n' && p[1] == ' ' && ((unsigned char)p[2] & 0xC0) == 0x80)
			return 0;
	}
	return p > s && p[-1] == '\n';
}

/* s with RFC 5545 folding undone.  Caller frees. */
static char *
unfold(const char *s)
{
	struct buf b = BUF_INIT;
	for (; *s; s++) {
		if (s[0] == '\r' && s[1] == '\n' && (s[2] == ' ' || s[2] == '\t')) {
			s += 2;
			continue;
		}
		buf_addc(&b, *s);
	}
	return buf_detach(&b);
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void
test_request_reads_back_with_libical(void)
{
	struct ical_event ev = sample_event();
	char *s = NULL, *u;
	icalcomponent *cal, *ve, *vtz;
	icalproperty *p;
	int natt = 0;

	CHECK(ical_request(&ev, &s) == 0);
	if (!s)
		return;
	CHECK(lines_ok(s));
	CHECK(strstr(s, "METHOD:REQUEST\r\n") != NULL);
	CHECK(strstr(s, "DTSTART;TZID=Europe/Berlin:20261203T150000\r\n") != NULL);
	CHECK(strstr(s, "DTEND;TZID=Europe/Berlin:20261203T163000\r\n") != NULL);
	CHECK(strstr(s, "SUMMARY:Mentoring: Jörg & Ada\\; Teil 1\\, \"Karriere\"\r\n") != NULL);
	CHECK(strstr(s, "LOCATION:Raum 3.14\\, Gebäude B\\; Campus Süd\r\n") != NULL);
	u = unfold(s);
	CHECK(strstr(u, "DESCRIPTION:Zeile 1\\nZeile 2\\, mit Komma\\; Semikolon \\\\ Backslash\\nZeile 3") != NULL);
	CHECK(strstr(u, "lange Zeile\\, die gefaltet werden muss\\, weil sie länger als 75 Oktette ist.\r\n") != NULL);
	free(u);
	CHECK(count(s, "BEGIN:VTIMEZONE") == 1);
	CHECK(strstr(s, "freeassociation") == NULL);

	cal = icalparser_parse_string(s);
	CHECK(cal != NULL);
	if (!cal) {
		free(s);
		return;
	}
	CHECK(icalcomponent_get_method(cal) == ICAL_METHOD_REQUEST);
	vtz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
	CHECK(vtz && !strcmp(icalproperty_get_tzid(icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY)),
			     "Europe/Berlin"));
	ve = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	CHECK(ve != NULL);
	if (ve) {
		struct icaltimetype dt = icalcomponent_get_dtstart(ve);
		CHECK_STR(icalcomponent_get_uid(ve), "session-12@mentorbot.example");
		CHECK(icalcomponent_get_sequence(ve) == 3);
		CHECK(icalcomponent_get_status(ve) == ICAL_STATUS_CONFIRMED);
		CHECK_STR(icalcomponent_get_summary(ve), "Mentoring: Jörg & Ada; Teil 1, \"Karriere\"");
		CHECK_STR(icalcomponent_get_location(ve), "Raum 3.14, Gebäude B; Campus Süd");
		CHECK(strstr(icalcomponent_get_description(ve),
			     "Zeile 2, mit Komma; Semikolon \\ Backslash\nZeile 3: äöü ß € 😀") != NULL);
		CHECK(dt.zone && strstr(icaltimezone_get_tzid((icaltimezone *)dt.zone), "Europe/Berlin"));
		CHECK((int64_t)icaltime_as_timet_with_zone(dt, dt.zone) == START);
		p = icalcomponent_get_first_property(ve, ICAL_ORGANIZER_PROPERTY);
		CHECK(p && !strcmp(icalproperty_get_organizer(p), "mailto:bot@mentorbot.example"));
		CHECK(p && !strcmp(icalparameter_get_cn(icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER)),
				   "Mentoring-Büro"));
		for (p = icalcomponent_get_first_property(ve, ICAL_ATTENDEE_PROPERTY); p;
		     p = icalcomponent_get_next_property(ve, ICAL_ATTENDEE_PROPERTY), natt++) {
			CHECK(icalparameter_get_partstat(icalproperty_get_first_parameter(
				      p, ICAL_PARTSTAT_PARAMETER)) == ICAL_PARTSTAT_NEEDSACTION);
			CHECK(icalparameter_get_rsvp(icalproperty_get_first_parameter(p, ICAL_RSVP_PARAMETER)) ==
			      ICAL_RSVP_TRUE);
			CHECK(icalparameter_get_role(icalproperty_get_first_parameter(p, ICAL_ROLE_PARAMETER)) ==
			      ICAL_ROLE_REQPARTICIPANT);
			if (natt == 0) {
				CHECK_STR(icalproperty_get_attendee(p), "mailto:mentee@example.org");
				/* the double quotes of the name become single ones (RFC 6868 ^' is rarely decoded) */
				CHECK_STR(icalparameter_get_cn(icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER)),
					  "Jörg Müller, M.Sc.; 'Jo'");
			}
		}
		CHECK(natt == 2);
	}
	icalcomponent_free(cal);
	free(s);
}

static void
test_request_parses_as_not_reply_with_fields(void)
{
	struct ical_event ev = sample_event();
	struct ical_itip it;
	char *s = NULL;
	CHECK(ical_request(&ev, &s) == 0);
	CHECK(ical_parse_reply(s, strlen(s), NULL, &it) == ICAL_ERR_NOT_REPLY);
	CHECK_STR(it.method, "REQUEST");
	CHECK(it.nevents == 1);
	if (it.nevents == 1) {
		CHECK_STR(it.events[0].uid, "session-12@mentorbot.example");
		CHECK(it.events[0].sequence == 3);
		CHECK(it.events[0].has_dtstart && it.events[0].dtstart == START);
		CHECK_STR(it.events[0].organizer, "bot@mentorbot.example");
		CHECK(it.events[0].nattendees == 2);
		CHECK(ical_find_attendee(&it.events[0], "MENTOR@example.com") != NULL);
		CHECK(it.events[0].nattendees == 2 && it.events[0].attendees[1].partstat == ICAL_PS_NEEDS_ACTION);
		CHECK(it.events[0].nattendees == 2 && it.events[0].attendees[1].rsvp == 1);
	}
	ical_itip_free(&it);
	free(s);
}

static void
test_summer_time_event_uses_cest(void)
{
	struct ical_event ev = sample_event();
	char *s = NULL;
	ev.start = 1782918000; /* 2026-07-01 17:00 CEST */
	ev.end = ev.start + 3600;
	CHECK(ical_request(&ev, &s) == 0);
	CHECK(s && strstr(s, "DTSTART;TZID=Europe/Berlin:20260701T170000\r\n"));
	free(s);
}

static void
test_repeated_october_hour_written_in_utc(void)
{
	struct ical_event ev = sample_event();
	struct ical_itip it;
	char *s = NULL;
	ev.start = 1792888200;        /* 2026-10-25 02:30 CEST, the first of two 02:30s */
	ev.end = ev.start + 2 * 3600; /* 03:30 CET, unambiguous */
	CHECK(ical_request(&ev, &s) == 0);
	CHECK(s && strstr(s, "DTSTART:20261025T003000Z\r\n"));
	CHECK(s && strstr(s, "DTEND;TZID=Europe/Berlin:20261025T033000\r\n"));
	CHECK(s && ical_parse_reply(s, strlen(s), NULL, &it) == ICAL_ERR_NOT_REPLY);
	CHECK(it.nevents == 1 && it.events[0].dtstart == 1792888200);
	ical_itip_free(&it);
	free(s);
}

static void
test_cancel(void)
{
	struct ical_event ev = sample_event();
	struct ical_itip it;
	char *s = NULL;
	ev.sequence = 4;
	CHECK(ical_cancel(&ev, &s) == 0);
	if (!s)
		return;
	CHECK(lines_ok(s));
	CHECK(strstr(s, "METHOD:CANCEL\r\n") && strstr(s, "STATUS:CANCELLED\r\n") && strstr(s, "SEQUENCE:4\r\n"));
	CHECK(strstr(s, "UID:session-12@mentorbot.example\r\n") != NULL);
	CHECK(strstr(s, "RSVP=TRUE") == NULL);
	CHECK(ical_parse_reply(s, strlen(s), NULL, &it) == ICAL_ERR_NOT_REPLY);
	CHECK_STR(it.method, "CANCEL");
	CHECK(it.nevents == 1 && it.events[0].nattendees == 2);
	ical_itip_free(&it);
	free(s);
}

static void
test_publish_feed(void)
{
	struct ical_event evs[3];
	icalcomponent *cal;
	char *s = NULL;
	evs[0] = sample_event();
	evs[1] = sample_event();
	evs[1].uid = "event-7@mentorbot.example";
	evs[1].location = NULL;
	evs[1].url = "https://meet.example/abc?x=1,2;3";
	evs[1].cancelled = 1;
	evs[2] = sample_event();
	evs[2].uid = "event-8@mentorbot.example";
	evs[2].organizer.addr = NULL;
	CHECK(ical_publish_feed(evs, 3, "Mentoring-Büro: Veranstaltungen", &s) == 0);
	if (!s)
		return;
	CHECK(lines_ok(s));
	CHECK(strstr(s, "METHOD:PUBLISH\r\n") != NULL);
	CHECK(count(s, "BEGIN:VTIMEZONE") == 1);
	CHECK(count(s, "BEGIN:VEVENT") == 3);
	CHECK(count(s, "ATTENDEE") == 0);
	CHECK(count(s, "ORGANIZER") == 2);
	CHECK(count(s, "DTSTART;TZID=Europe/Berlin:") == 3);
	CHECK(strstr(s, "LOCATION:https://meet.example/abc?x=1\\,2\\;3\r\n") != NULL);
	CHECK(strstr(s, "URL:https://meet.example/abc?x=1,2;3\r\n") != NULL);
	CHECK(count(s, "STATUS:CANCELLED") == 1);
	CHECK(strstr(s, "X-WR-CALNAME:Mentoring-Büro: Veranstaltungen\r\n") != NULL);
	cal = icalparser_parse_string(s);
	CHECK(cal && icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT) == 3);
	if (cal)
		icalcomponent_free(cal);
	free(s);
	/* an empty feed is still a calendar */
	CHECK(ical_publish_feed(NULL, 0, NULL, &s) == 0);
	CHECK(s && strstr(s, "METHOD:PUBLISH") && !strstr(s, "VEVENT"));
	free(s);
}

static void
test_build_rejects_bad_input(void)
{
	struct ical_event ev;
	struct ical_person bad[] = {{"not an address", "X"}}, inj[] = {{"a@b.de\r\nATTENDEE:mailto:evil@x", NULL}};
	char *s = (char *)"untouched";
	ev = sample_event(), ev.uid = NULL;
	CHECK(ical_request(&ev, &s) == ICAL_ERR_ARG && s == NULL);
	ev = sample_event(), ev.nattendees = 0;
	CHECK(ical_request(&ev, &s) == ICAL_ERR_ARG && s == NULL);
	ev = sample_event(), ev.end = ev.start - 1;
	CHECK(ical_cancel(&ev, &s) == ICAL_ERR_ARG);
	ev = sample_event(), ev.attendees = bad, ev.nattendees = 1;
	CHECK(ical_request(&ev, &s) == ICAL_ERR_ARG);
	ev = sample_event(), ev.attendees = inj, ev.nattendees = 1;
	CHECK(ical_request(&ev, &s) == ICAL_ERR_ARG);
	ev = sample_event(), ev.organizer.addr = NULL;
	CHECK(ical_request(&ev, &s) == ICAL_ERR_ARG);
	CHECK(ical_request(NULL, &s) == ICAL_ERR_ARG);
	/* control characters in text never break a line open */
	ev = sample_event(), ev.summary = "a\r\nATTENDEE:mailto:evil@x\x01";
	ev.organizer.name = "Büro\r\nX-EVIL:1";
	CHECK(ical_request(&ev, &s) == 0);
	CHECK(s && !strstr(s, "\nATTENDEE:mailto:evil") && !strstr(s, "\nX-EVIL") && lines_ok(s));
	free(s);
}

/* Outlook / Exchange, German client ("Akzeptiert: …" is only the mail subject). */
static const char outlook_de[] = "BEGIN:VCALENDAR\r\n"
				 "METHOD:REPLY\r\n"
				 "PRODID:Microsoft Exchange Server 2010\r\n"
				 "VERSION:2.0\r\n"
				 "BEGIN:VTIMEZONE\r\n"
				 "TZID:W. Europe Standard Time\r\n"
				 "BEGIN:STANDARD\r\n"
				 "DTSTART:16010101T030000\r\n"
				 "TZOFFSETFROM:+0200\r\n"
				 "TZOFFSETTO:+0100\r\n"
				 "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r\n"
				 "END:STANDARD\r\n"
				 "BEGIN:DAYLIGHT\r\n"
				 "DTSTART:16010101T020000\r\n"
				 "TZOFFSETFROM:+0100\r\n"
				 "TZOFFSETTO:+0200\r\n"
				 "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r\n"
				 "END:DAYLIGHT\r\n"
				 "END:VTIMEZONE\r\n"
				 "BEGIN:VEVENT\r\n"
				 "ATTENDEE;PARTSTAT=ACCEPTED;CN=Müller, Jörg:MAILTO:Joerg.Mueller@Example.ORG\r\n"
				 "COMMENT;LANGUAGE=de-DE:Ich komme gerne\\, bringe Unterlagen mit.\r\n"
				 "SUMMARY;LANGUAGE=de-DE:Akzeptiert: Mentoring: Jörg & Ada\r\n"
				 "DTSTART;TZID=W. Europe Standard Time:20261203T150000\r\n"
				 "DTEND;TZID=W. Europe Standard Time:20261203T163000\r\n"
				 "UID:session-12@mentorbot.example\r\n"
				 "CLASS:PUBLIC\r\n"
				 "PRIORITY:5\r\n"
				 "DTSTAMP:20261121T101500Z\r\n"
				 "TRANSP:OPAQUE\r\n"
				 "STATUS:CONFIRMED\r\n"
				 "SEQUENCE:3\r\n"
				 "LOCATION;LANGUAGE=de-DE:Raum 3.14\r\n"
				 "X-MICROSOFT-CDO-APPT-SEQUENCE:3\r\n"
				 "X-MICROSOFT-CDO-OWNERAPPTID:2117813372\r\n"
				 "X-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\n"
				 "X-MICROSOFT-CDO-REPLYTIME:20261121T101500Z\r\n"
				 "END:VEVENT\r\n"
				 "END:VCALENDAR\r\n";

/* Thunderbird (Lightning), LF line ends, the whole event echoed back. */
static const char thunderbird[] = "BEGIN:VCALENDAR\n"
				  "PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN\n"
				  "VERSION:2.0\n"
				  "METHOD:REPLY\n"
				  "BEGIN:VTIMEZONE\n"
				  "TZID:Europe/Berlin\n"
				  "BEGIN:DAYLIGHT\n"
				  "TZOFFSETFROM:+0100\n"
				  "TZOFFSETTO:+0200\n"
				  "TZNAME:CEST\n"
				  "DTSTART:19700329T020000\n"
				  "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\n"
				  "END:DAYLIGHT\n"
				  "BEGIN:STANDARD\n"
				  "TZOFFSETFROM:+0200\n"
				  "TZOFFSETTO:+0100\n"
				  "TZNAME:CET\n"
				  "DTSTART:19701025T030000\n"
				  "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\n"
				  "END:STANDARD\n"
				  "END:VTIMEZONE\n"
				  "BEGIN:VEVENT\n"
				  "CREATED:20261120T090000Z\n"
				  "LAST-MODIFIED:20261121T080000Z\n"
				  "DTSTAMP:20261121T080000Z\n"
				  "UID:event-7@mentorbot.example\n"
				  "SUMMARY:Karriereabend\n"
				  "ORGANIZER;CN=Mentoring-Büro:mailto:bot+ev7@mentorbot.example\n"
				  "ATTENDEE;RSVP=TRUE;CN=Ada Lovelace;PARTSTAT=DECLINED;ROLE=REQ-PARTICIPANT:\n"
				  " mailto:ada@uni.example\n"
				  "DTSTART;TZID=Europe/Berlin:20260701T170000\n"
				  "DTEND;TZID=Europe/Berlin:20260701T180000\n"
				  "SEQUENCE:2\n"
				  "COMMENT:Leider verhindert.\n"
				  "END:VEVENT\n"
				  "END:VCALENDAR\n";

/* Apple Calendar: quoted CN, EMAIL parameter, one instance (RECURRENCE-ID). */
static const char apple[] = "BEGIN:VCALENDAR\r\n"
			    "VERSION:2.0\r\n"
			    "PRODID:-//Apple Inc.//macOS 14.0//EN\r\n"
			    "METHOD:REPLY\r\n"
			    "CALSCALE:GREGORIAN\r\n"
			    "BEGIN:VEVENT\r\n"
			    "DTSTART;TZID=Europe/Berlin:20261203T150000\r\n"
			    "DTEND;TZID=Europe/Berlin:20261203T160000\r\n"
			    "RECURRENCE-ID;TZID=Europe/Berlin:20261203T150000\r\n"
			    "DTSTAMP:20261121T111111Z\r\n"
			    "UID:8A1B2C3D-session-12@mentorbot.example\r\n"
			    "SEQUENCE:1\r\n"
			    "ORGANIZER;CN=\"Mentoring-Büro\":mailto:bot@mentorbot.example\r\n"
			    "ATTENDEE;CN=\"Ada L.\";CUTYPE=INDIVIDUAL;EMAIL=\"ada@icloud.example\";PARTSTAT=\r\n"
			    " TENTATIVE;ROLE=REQ-PARTICIPANT:mailto:ada@icloud.example\r\n"
			    "SUMMARY:Mentoring\r\n"
			    "END:VEVENT\r\n"
			    "END:VCALENDAR\r\n";

/* Google Calendar: UTC times, X-NUM-GUESTS. */
static const char google[] = "BEGIN:VCALENDAR\r\n"
			     "PRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
			     "VERSION:2.0\r\n"
			     "CALSCALE:GREGORIAN\r\n"
			     "METHOD:REPLY\r\n"
			     "BEGIN:VEVENT\r\n"
			     "DTSTART:20261203T140000Z\r\n"
			     "DTEND:20261203T150000Z\r\n"
			     "DTSTAMP:20261121T120000Z\r\n"
			     "ORGANIZER;CN=Mentoring-Büro:mailto:bot@mentorbot.example\r\n"
			     "UID:session-12@mentorbot.example\r\n"
			     "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=mentee@\r\n"
			     " gmail.example;X-NUM-GUESTS=0:mailto:mentee@gmail.example\r\n"
			     "CREATED:20261120T090000Z\r\n"
			     "LAST-MODIFIED:20261121T120000Z\r\n"
			     "LOCATION:Raum 3.14\r\n"
			     "SEQUENCE:3\r\n"
			     "STATUS:CONFIRMED\r\n"
			     "SUMMARY:Mentoring\r\n"
			     "TRANSP:OPAQUE\r\n"
			     "END:VEVENT\r\n"
			     "END:VCALENDAR\r\n";

static void
test_outlook_german_reply(void)
{
	struct ical_itip it;
	const struct ical_attendee *a;
	CHECK(ical_parse_reply(outlook_de, strlen(outlook_de), NULL, &it) == 0);
	CHECK_STR(it.method, "REPLY");
	CHECK(it.nevents == 1);
	if (it.nevents != 1)
		goto out;
	CHECK_STR(it.events[0].uid, "session-12@mentorbot.example");
	CHECK(it.events[0].sequence == 3);
	CHECK(!it.events[0].has_recurrence_id);
	CHECK(it.events[0].organizer == NULL);
	CHECK(it.events[0].has_dtstart &&
	      it.events[0].dtstart == START); /* Windows zone name resolved via its VTIMEZONE */
	CHECK_STR(it.events[0].comment, "Ich komme gerne, bringe Unterlagen mit.");
	a = ical_find_attendee(&it.events[0], "joerg.mueller@example.org");
	CHECK(a && a->partstat == ICAL_PS_ACCEPTED);
	if (a) {
		CHECK_STR(a->addr, "joerg.mueller@example.org");
		CHECK_STR(a->partstat_text, "ACCEPTED");
		CHECK_STR(a->name, "Müller, Jörg");
	}
out:
	ical_itip_free(&it);
}

static void
test_thunderbird_reply(void)
{
	struct ical_itip it;
	CHECK(ical_parse_reply(thunderbird, strlen(thunderbird), NULL, &it) == 0);
	CHECK(it.nevents == 1);
	if (it.nevents == 1) {
		CHECK_STR(it.events[0].uid, "event-7@mentorbot.example");
		CHECK(it.events[0].sequence == 2);
		CHECK_STR(it.events[0].organizer, "bot+ev7@mentorbot.example");
		CHECK(it.events[0].dtstart == 1782918000);
		CHECK(it.events[0].nattendees == 1 && it.events[0].attendees[0].partstat == ICAL_PS_DECLINED);
		CHECK_STR(it.events[0].nattendees ? it.events[0].attendees[0].addr : NULL, "ada@uni.example");
		CHECK_STR(it.events[0].comment, "Leider verhindert.");
	}
	ical_itip_free(&it);
}

static void
test_apple_reply_with_recurrence_id(void)
{
	struct ical_itip it;
	CHECK(ical_parse_reply(apple, strlen(apple), NULL, &it) == 0);
	CHECK(it.nevents == 1);
	if (it.nevents == 1) {
		CHECK(it.events[0].has_recurrence_id && it.events[0].recurrence_id == START);
		CHECK(it.events[0].dtstart == START); /* no VTIMEZONE: the system zone of that name */
		CHECK(it.events[0].nattendees == 1 && it.events[0].attendees[0].partstat == ICAL_PS_TENTATIVE);
		CHECK_STR(it.events[0].nattendees ? it.events[0].attendees[0].name : NULL, "Ada L.");
		CHECK(it.events[0].comment == NULL);
	}
	ical_itip_free(&it);
}

static void
test_google_reply_utc(void)
{
	struct ical_itip it;
	CHECK(ical_parse_reply(google, strlen(google), "reply", &it) == 0);
	CHECK(it.nevents == 1 && it.events[0].dtstart == START);
	CHECK(it.nevents == 1 && it.events[0].nattendees == 1 &&
	      it.events[0].attendees[0].partstat == ICAL_PS_ACCEPTED);
	CHECK_STR(it.nevents ? it.events[0].attendees[0].addr : NULL, "mentee@gmail.example");
	ical_itip_free(&it);
}

static void
test_method_from_mime_when_missing(void)
{
	struct buf b = BUF_INIT;
	struct ical_itip it;
	const char *m = strstr(google, "METHOD:REPLY\r\n");
	buf_add(&b, google, (size_t)(m - google));
	buf_adds(&b, m + strlen("METHOD:REPLY\r\n"));
	CHECK(ical_parse_reply(b.p, b.len, NULL, &it) == ICAL_ERR_NOT_REPLY);
	CHECK(it.method == NULL && it.nevents == 1);
	ical_itip_free(&it);
	CHECK(ical_parse_reply(b.p, b.len, "REPLY", &it) == 0);
	CHECK_STR(it.method, "REPLY");
	ical_itip_free(&it);
	buf_free(&b);
}

static void
test_hostile_inputs(void)
{
	/* whole calendars, so the error is about their content, not a cut-off last line */
	static const char no_vevent[] = "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n";
	static const char vtodo_only[] =
		"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VTODO\r\nUID:x\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
	struct ical_itip it;
	struct buf b = BUF_INIT;
	char *big;
	int i;

	CHECK(ical_parse_reply(NULL, 0, NULL, &it) == ICAL_ERR_NOT_ICAL);
	CHECK(ical_parse_reply("", 0, NULL, &it) == ICAL_ERR_NOT_ICAL);
	CHECK(ical_parse_reply("Hallo, ich komme!", 17, NULL, &it) == ICAL_ERR_NOT_ICAL);
	CHECK(ical_parse_reply("\x89PNG\r\n\x1a\n\0\0", 10, NULL, &it) == ICAL_ERR_NOT_ICAL);
	CHECK(ical_parse_reply(no_vevent, strlen(no_vevent), NULL, &it) == ICAL_ERR_NO_VEVENT);
	CHECK_STR(it.method, "REPLY");
	ical_itip_free(&it);
	CHECK(ical_parse_reply(vtodo_only, strlen(vtodo_only), NULL, &it) == ICAL_ERR_NO_VEVENT);
	ical_itip_free(&it);
	/* truncated */
	CHECK(ical_parse_reply(outlook_de, 900, NULL, &it) <= 0);
	ical_itip_free(&it);
	/* too large */
	big = xmalloc(ICAL_MAX_INPUT + 2);
	memset(big, 'A', ICAL_MAX_INPUT + 1);
	big[ICAL_MAX_INPUT + 1] = '\0';
	CHECK(ical_parse_reply(big, ICAL_MAX_INPUT + 1, NULL, &it) == ICAL_ERR_TOO_LARGE);
	free(big);
	/* deep nesting is refused before libical recurses */
	buf_adds(&b, "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\n");
	for (i = 0; i < 50000; i++)
		buf_adds(&b, "BEGIN:VEVENT\r\n");
	CHECK(ical_parse_reply(b.p, b.len, NULL, &it) == ICAL_ERR_NOT_ICAL);
	buf_free(&b);
	/* a VTIMEZONE with a SECONDLY rule is not expanded (it would take minutes) */
	buf_adds(&b, "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VTIMEZONE\r\nTZID:Evil\r\nBEGIN:STANDARD\r\n"
		     "DTSTART:16010101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nRRULE:FREQ=SECONDLY\r\n"
		     "END:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTART;TZID=Evil:20261203T150000\r\n"
		     "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
	CHECK(ical_parse_reply(b.p, b.len, NULL, &it) == 0);
	CHECK(it.nevents == 1 && it.events[0].dtstart == START); /* falls back to Europe/Berlin */
	ical_itip_free(&it);
	buf_free(&b);
	/* odd attendees: not mail, invalid UTF-8, many */
	buf_adds(&b, "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:\xff\xfe\r\nSEQUENCE:-5\r\n"
		     "DTSTART:99999999T999999\r\nATTENDEE;PARTSTAT=X-WHATEVER;CN=\xc3\x28:invalid:nomail\r\n");
	for (i = 0; i < 1000; i++)
		buf_addf(&b, "ATTENDEE;PARTSTAT=ACCEPTED:mailto:p%d@example.org\r\n", i);
	buf_adds(&b, "END:VEVENT\r\nEND:VCALENDAR\r\n");
	CHECK(ical_parse_reply(b.p, b.len, NULL, &it) == 0);
	if (it.nevents == 1) {
		CHECK(it.events[0].nattendees == ICAL_MAX_ATTENDEES);
		CHECK(it.events[0].attendees[0].addr == NULL);
		CHECK(it.events[0].attendees[0].partstat == ICAL_PS_OTHER);
		CHECK_STR(it.events[0].attendees[0].partstat_text, "X-WHATEVER");
		CHECK_STR(it.events[0].attendees[0].name, "\xef\xbf\xbd(");
		CHECK_STR(it.events[0].uid, "\xef\xbf\xbd\xef\xbf\xbd");
		CHECK(it.events[0].sequence == 0);
		CHECK(!it.events[0].has_dtstart);
	}
	ical_itip_free(&it);
	buf_free(&b);
}

/* Every prefix of a valid object, and a few thousand byte flips: no crash (run under ASan). */
static void
test_truncations_and_flips_never_crash(void)
{
	struct ical_itip it;
	size_t n = strlen(outlook_de), i;
	char *m = xstrdup(outlook_de);
	unsigned seed = 12345;
	for (i = 0; i <= n; i += 7) {
		ical_parse_reply(outlook_de, i, NULL, &it);
		ical_itip_free(&it);
	}
	for (i = 0; i < 3000; i++) {
		seed = seed * 1103515245u + 12345u;
		m[(seed >> 8) % n] = (char)(seed >> 20);
		ical_parse_reply(m, n, NULL, &it);
		ical_itip_free(&it);
		if (i % 50 == 0)
			memcpy(m, outlook_de, n);
	}
	free(m);
	CHECK(1);
}

/* ---------------------------------------------------------------- corpus */

static char *
slurp(const char *path, size_t *len)
{
	struct buf b = BUF_INIT;
	char tmp[8192];
	size_t n;
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	*len = b.len;
	return b.len ? buf_detach(&b) : (buf_free(&b), xstrdup(""));
}

/* Parse a file as iCalendar, or as a mail whose text/calendar part is parsed. */
static int
parse_file(const char *path, struct ical_itip *it)
{
	size_t len = 0;
	char *raw = slurp(path, &len);
	int rc = ICAL_ERR_NOT_ICAL;
	if (!raw)
		return -100;
	if (ical_parse_reply(raw, len, NULL, it) == ICAL_ERR_NOT_ICAL && !strstr(path, ".ics")) {
		struct parsed_mail m;
		ical_itip_free(it);
		if (mime_parse(raw, len, NULL, &m) == 0 && m.calendar)
			rc = ical_parse_reply(m.calendar, strlen(m.calendar), m.calendar_method, it);
		parsed_mail_free(&m);
	} else {
		ical_itip_free(it);
		rc = ical_parse_reply(raw, len, NULL, it);
	}
	free(raw);
	return rc;
}

static int corpus_files;

static void
walk(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		char *p;
		struct stat st;
		struct ical_itip it;
		if (e->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			walk(p);
		} else if (S_ISREG(st.st_mode) && st.st_size < 4 * 1024 * 1024) {
			int rc = parse_file(p, &it);
			CHECK(rc <= 0 && rc >= ICAL_ERR_NOT_REPLY);
			ical_itip_free(&it);
			corpus_files++;
		}
		free(p);
	}
	closedir(d);
}

static void
test_corpus_no_crash(void)
{
	struct stat st;
	if (stat(CORPUS "/ccs_calendarserver", &st) != 0 && stat(CORPUS "/collective_icalendar", &st) != 0) {
		printf("skipped test_corpus_no_crash: no %s\n", CORPUS);
		return;
	}
	walk(CORPUS "/ccs_calendarserver");
	walk(CORPUS "/collective_icalendar");
	printf("  parsed %d corpus files\n", corpus_files);
	CHECK(corpus_files > 0);
}

static void
test_ccs_good_reply_accepted(void)
{
	const char *path = CORPUS "/ccs_calendarserver/txdav/caldav/datastore/scheduling/imip/test/data/good_reply";
	struct ical_itip it;
	struct stat st;
	if (stat(path, &st) != 0) {
		printf("skipped test_ccs_good_reply_accepted: no %s\n", path);
		return;
	}
	CHECK(parse_file(path, &it) == 0);
	CHECK_STR(it.method, "REPLY");
	CHECK(it.nevents == 1);
	if (it.nevents == 1) {
		const struct ical_attendee *a = ical_find_attendee(&it.events[0], "xyzzy@example.com");
		CHECK_STR(it.events[0].uid, "1E71F9C8-AEDA-48EB-98D0-76E898F6BB5C");
		CHECK(it.events[0].sequence == 7);
		CHECK_STR(it.events[0].organizer, "ical-living-on+d7cdf68d-8b73-4df1-ad3b-f08002fb285f@example.com");
		CHECK(it.events[0].dtstart == 1218560400); /* 2008-08-12 10:00 US/Pacific */
		CHECK(a && a->partstat == ICAL_PS_ACCEPTED);
	}
	ical_itip_free(&it);
}

int
main(void)
{
	RUN(test_request_reads_back_with_libical);
	RUN(test_request_parses_as_not_reply_with_fields);
	RUN(test_summer_time_event_uses_cest);
	RUN(test_repeated_october_hour_written_in_utc);
	RUN(test_cancel);
	RUN(test_publish_feed);
	RUN(test_build_rejects_bad_input);
	RUN(test_outlook_german_reply);
	RUN(test_thunderbird_reply);
	RUN(test_apple_reply_with_recurrence_id);
	RUN(test_google_reply_utc);
	RUN(test_method_from_mime_when_missing);
	RUN(test_hostile_inputs);
	RUN(test_truncations_and_flips_never_crash);
	RUN(test_corpus_no_crash);
	RUN(test_ccs_good_reply_accepted);
	return t_done();
}
