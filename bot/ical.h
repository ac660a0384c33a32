/*
 * ical.h - iTIP (RFC 5546) calendar objects for sessions and events, built
 * and parsed with libical: invitations (METHOD:REQUEST), cancellations
 * (METHOD:CANCEL), the public feed (METHOD:PUBLISH), and the attendees'
 * answers (METHOD:REPLY) from Outlook/Exchange, Thunderbird, Apple and
 * Google.
 *
 * Output is UTF-8 text with CRLF line ends, lines folded at 75 octets
 * (never inside a UTF-8 sequence), text values escaped (\, ; , newline).
 * Times are given as epoch seconds and written as Europe/Berlin local time
 * with TZID=Europe/Berlin (except a wall time that occurs twice, in the
 * October night's repeated hour: that one is written in UTC so no client
 * can misread it); the matching VTIMEZONE (from the system's
 * zoneinfo via libical, trimmed to the rules in force since 1997) is
 * embedded once per object.
 *
 * No SQL, no network.  Thread safety: every function may be called from any
 * thread; libical's time-zone cache is loaded once under pthread_once.
 */
#ifndef MB_ICAL_H
#define MB_ICAL_H

#include <stddef.h>
#include <stdint.h>

/* Error codes (all negative; 0 is success). */
enum ical_err {
	ICAL_OK = 0,
	ICAL_ERR_ARG = -1,       /* build: missing UID/organizer/attendee, end < start, bad address */
	ICAL_ERR_TZ = -2,        /* Europe/Berlin not found in the system zoneinfo (tzdata missing) */
	ICAL_ERR_TOO_LARGE = -3, /* parse: input above ICAL_MAX_INPUT */
	ICAL_ERR_NOT_ICAL = -4,  /* parse: not iCalendar at all (no BEGIN:VCALENDAR/VEVENT libical accepts) */
	ICAL_ERR_NO_VEVENT = -5, /* parse: a calendar, but without any VEVENT */
	ICAL_ERR_NOT_REPLY = -6, /* parse: METHOD is not REPLY (out is still filled: see ical_parse_reply) */
};

/* Largest calendar text ical_parse_reply() accepts (bytes). */
#define ICAL_MAX_INPUT (1024u * 1024u)
/* At most this many VEVENTs and ATTENDEEs per VEVENT are reported; more are ignored. */
#define ICAL_MAX_EVENTS 64
#define ICAL_MAX_ATTENDEES 256

/* The bot's fixed time zone. */
#define ICAL_TZID "Europe/Berlin"

/* Short human-readable text for an ical_err (static string). */
const char *ical_strerror(int err);

/* ---------------------------------------------------------------- building */

struct ical_person {
	const char *addr; /* plain addr-spec ("a@b.de", no "mailto:"); required */
	const char *name; /* display name (CN), UTF-8, may be NULL */
};

/*
 * One event or mentoring session.  Every pointer is borrowed (only read
 * during the call).  Text fields are plain UTF-8 (escaping is done here);
 * NULL or "" omits the property.
 */
struct ical_event {
	const char *uid;    /* stable UID, e.g. "session-12@mentorbot.example"; required */
	int sequence;       /* SEQUENCE: 0 first, +1 on every change and on cancel */
	int64_t dtstamp;    /* DTSTAMP (epoch s, written in UTC); 0 = now_s() */
	int64_t start, end; /* epoch s; end > start (end == start allowed) */
	const char *summary;
	const char *location; /* a place; when NULL and url is set, LOCATION carries the url */
	const char *url;      /* online link (URL property) */
	const char *description;
	struct ical_person organizer;        /* the bot; required for REQUEST/CANCEL */
	const struct ical_person *attendees; /* REQUEST/CANCEL: at least one; ignored by the feed */
	size_t nattendees;
	int cancelled; /* feed only: STATUS:CANCELLED instead of CONFIRMED */
};

/*
 * Build a METHOD:REQUEST invitation: VCALENDAR with PRODID, VERSION,
 * METHOD, the Europe/Berlin VTIMEZONE and one VEVENT with UID, SEQUENCE,
 * DTSTAMP, DTSTART/DTEND (TZID=Europe/Berlin), SUMMARY, LOCATION/URL,
 * DESCRIPTION, ORGANIZER (mailto:, CN), one ATTENDEE per person (mailto:,
 * CN, ROLE=REQ-PARTICIPANT, PARTSTAT=NEEDS-ACTION, RSVP=TRUE) and
 * STATUS:CONFIRMED.  On success *out is a NUL-terminated CRLF text the
 * caller frees with free(); on error *out is NULL and a negative ical_err
 * is returned.
 */
int ical_request(const struct ical_event *ev, char **out);

/*
 * Same as ical_request() but METHOD:CANCEL and STATUS:CANCELLED (attendees
 * without RSVP).  RFC 5546 wants the SEQUENCE of a cancel higher than the
 * last request's: the caller passes it.  Ownership as ical_request().
 */
int ical_cancel(const struct ical_event *ev, char **out);

/*
 * Build a METHOD:PUBLISH feed of n events (n may be 0) with one VTIMEZONE;
 * calname (may be NULL) becomes X-WR-CALNAME/NAME.  ATTENDEEs are never
 * written (the feed is public); ORGANIZER only when given.  Ownership as
 * ical_request().
 */
int ical_publish_feed(const struct ical_event *evs, size_t n, const char *calname, char **out);

/* ----------------------------------------------------------------- parsing */

enum ical_partstat {
	ICAL_PS_OTHER = 0, /* absent or an X-/unknown value */
	ICAL_PS_NEEDS_ACTION,
	ICAL_PS_ACCEPTED,
	ICAL_PS_DECLINED,
	ICAL_PS_TENTATIVE,
	ICAL_PS_DELEGATED,
};

struct ical_attendee {
	char *addr; /* lower-cased addr-spec without "mailto:"; NULL when the value is no usable mail address */
	char *name; /* CN or NULL */
	enum ical_partstat partstat;
	char *partstat_text; /* PARTSTAT as written, upper case, or NULL if absent */
	int rsvp;            /* 1 if RSVP=TRUE */
};

struct ical_vevent {
	char *uid;             /* NULL if absent */
	int sequence;          /* 0 if absent */
	int has_recurrence_id; /* 1 if RECURRENCE-ID present (a reply to one instance) */
	int64_t recurrence_id; /* its epoch value when present */
	char *organizer;       /* lower-cased addr without "mailto:", or NULL */
	int has_dtstart;
	int64_t dtstart; /* epoch s (TZID resolved against the object's VTIMEZONEs; floating = Europe/Berlin) */
	char *comment;   /* COMMENT text (several joined by "\n"), or NULL */
	struct ical_attendee *attendees;
	size_t nattendees;
};

struct ical_itip {
	char *method; /* upper-cased METHOD, or NULL if absent */
	struct ical_vevent *events;
	size_t nevents;
};

/*
 * Parse len bytes of iCalendar text (need not be NUL-terminated; CRLF or
 * LF; may hold several VCALENDARs, of which the first with a VEVENT is used)
 * with libical.  method_hint (may be NULL) is the METHOD parameter of the
 * MIME text/calendar part, used when the object itself has no METHOD.
 *
 * *out is always zeroed first and must be released with ical_itip_free().
 * Returns 0 for a REPLY with at least one VEVENT; ICAL_ERR_TOO_LARGE,
 * ICAL_ERR_NOT_ICAL, ICAL_ERR_NO_VEVENT (out empty but method set); or
 * ICAL_ERR_NOT_REPLY when the object is well formed but another METHOD —
 * then *out is filled as for a REPLY, so a caller can still look at a
 * bounced REQUEST.  Every string in *out is valid UTF-8 (invalid bytes
 * become U+FFFD).  Never crashes on hostile input; time and memory are
 * bounded by the size cap.
 */
int ical_parse_reply(const char *text, size_t len, const char *method_hint, struct ical_itip *out);
void ical_itip_free(struct ical_itip *it);

/* The attendee of ev whose addr equals addr (ASCII case-insensitive), or NULL. */
const struct ical_attendee *ical_find_attendee(const struct ical_vevent *ev, const char *addr);

#endif
