/*
 * ical.c - iTIP objects with libical: REQUEST/CANCEL invitations, the PUBLISH
 * feed, and parsing of attendees' REPLYs.  Runs in whichever thread calls
 * it; the shared Europe/Berlin VTIMEZONE template is built once under
 * pthread_once and only read (cloned) afterwards.
 *
 * Why the VTIMEZONE is trimmed: libical turns the system zoneinfo into a
 * VTIMEZONE with every rule since 1893 (about 25 observances).  Clients
 * only need the rules in force for the event, so observances without a
 * transition since 1997 are dropped; what remains is exact for any date
 * from 1997 on.
 *
 * Why parse input is pre-scanned: libical frees and serialises components
 * recursively, so a hostile object with thousands of nested BEGIN lines
 * could exhaust the stack; nesting deeper than ICAL_MAX_DEPTH is refused
 * before libical sees it (as is an END outside any BEGIN, for which libical
 * writes a line to stderr each time).  Embedded VTIMEZONEs are used to resolve TZIDs
 * only when their rules are YEARLY (a FREQ=SECONDLY observance would make
 * libical expand millions of transitions).
 */
#include "ical.h"
#include "mime.h"
#include "util.h"
#include "when.h"

#include <libical/ical.h>
#define ICAL_DL_NAMES
#include "ical_dl.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef MENTORBOT_VERSION
#define MENTORBOT_VERSION "0"
#endif
#define ICAL_PRODID "-//mentorbot//mentorbot " MENTORBOT_VERSION "//EN"
#define ICAL_MAX_DEPTH 8
#define TZ_CUTOFF_YEAR 1997

static pthread_once_t ical_once = PTHREAD_ONCE_INIT;
static icaltimezone *g_berlin;     /* owned by libical's builtin cache */
static icalcomponent *g_vtimezone; /* trimmed template, TZID:Europe/Berlin; never freed */

const char *
ical_strerror(int err)
{
	switch (err) {
	case ICAL_OK:
		return "ok";
	case ICAL_ERR_ARG:
		return "invalid event data";
	case ICAL_ERR_TZ:
		return "time zone " ICAL_TZID " not available (tzdata missing?)";
	case ICAL_ERR_TOO_LARGE:
		return "calendar object too large";
	case ICAL_ERR_NOT_ICAL:
		return "not an iCalendar object";
	case ICAL_ERR_NO_VEVENT:
		return "calendar holds no event";
	case ICAL_ERR_NOT_REPLY:
		return "calendar object is not a REPLY";
	}
	return "unknown calendar error";
}

/* Does this STANDARD/DAYLIGHT observance have a transition in or after TZ_CUTOFF_YEAR? */
static int
observance_is_recent(icalcomponent *obs)
{
	icalproperty *p;
	struct icaltimetype dt = icalcomponent_get_dtstart(obs);
	if (!icaltime_is_null_time(dt) && dt.year >= TZ_CUTOFF_YEAR)
		return 1;
	for (p = icalcomponent_get_first_property(obs, ICAL_RRULE_PROPERTY); p;
	     p = icalcomponent_get_next_property(obs, ICAL_RRULE_PROPERTY)) {
		struct icalrecurrencetype r = icalproperty_get_rrule(p);
		if (icaltime_is_null_time(r.until) || r.until.year >= TZ_CUTOFF_YEAR)
			return 1;
	}
	for (p = icalcomponent_get_first_property(obs, ICAL_RDATE_PROPERTY); p;
	     p = icalcomponent_get_next_property(obs, ICAL_RDATE_PROPERTY)) {
		struct icaldatetimeperiodtype d = icalproperty_get_rdate(p);
		if (d.time.year >= TZ_CUTOFF_YEAR)
			return 1;
	}
	return 0;
}

static void
ical_init(void)
{
	icalcomponent *src, *obs, *drop[64];
	icalproperty *tzid;
	size_t ndrop = 0, i;

	if (ical_dl_open() < 0)
		return; /* logged; g_berlin stays NULL: every entry point answers ICAL_ERR_TZ */
	icalerror_set_errors_are_fatal(0);
	g_berlin = icaltimezone_get_builtin_timezone(ICAL_TZID);
	if (!g_berlin || !(src = icaltimezone_get_component(g_berlin))) {
		log_err("ical: no time zone %s in the system zoneinfo", ICAL_TZID);
		g_berlin = NULL;
		return;
	}
	g_vtimezone = icalcomponent_new_clone(src);
	/* libical names system zones "/freeassociation.sourceforge.net/Europe/Berlin". */
	if ((tzid = icalcomponent_get_first_property(g_vtimezone, ICAL_TZID_PROPERTY)))
		icalproperty_set_tzid(tzid, ICAL_TZID);
	else
		icalcomponent_add_property(g_vtimezone, icalproperty_new_tzid(ICAL_TZID));
	for (obs = icalcomponent_get_first_component(g_vtimezone, ICAL_ANY_COMPONENT); obs;
	     obs = icalcomponent_get_next_component(g_vtimezone, ICAL_ANY_COMPONENT))
		if (!observance_is_recent(obs) && ndrop < ARRAY_LEN(drop))
			drop[ndrop++] = obs;
	for (i = 0; i < ndrop; i++) {
		icalcomponent_remove_component(g_vtimezone, drop[i]);
		icalcomponent_free(drop[i]);
	}
}

/* The Europe/Berlin zone, or NULL when tzdata is missing. */
static icaltimezone *
berlin(void)
{
	pthread_once(&ical_once, ical_init);
	return g_berlin;
}

/* ---------------------------------------------------------------- building */

/* Copy of s as valid UTF-8 with CRLF/CR turned into LF and other control
 * characters (except TAB and, if keep_nl, LF) into spaces.  Caller frees. */
static char *
clean_text(const char *s, int keep_nl)
{
	char *u = utf8_sanitize(s, strlen(s)), *r = u, *w = u;
	for (; *r; r++) {
		unsigned char c = (unsigned char)*r;
		if (c == '\r') {
			if (r[1] == '\n')
				continue;
			c = '\n';
		}
		if (c == '\n' && !keep_nl)
			c = ' ';
		else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
			c = ' ';
		*w++ = (char)c;
	}
	*w = '\0';
	return u;
}

/* A plain addr-spec we are willing to write after "mailto:". */
static int
addr_ok(const char *a)
{
	const char *at;
	size_t n;
	if (!a || !(n = strlen(a)) || n > 254 || !(at = strchr(a, '@')) || at == a || !at[1])
		return 0;
	for (; *a; a++) {
		unsigned char c = (unsigned char)*a;
		if (c <= 0x20 || c == 0x7f || strchr("<>\"(),;:\\[]", c))
			return 0;
	}
	return 1;
}

/* "mailto:addr" property value with CN; NULL when addr is unusable.  Caller owns the property. */
static icalproperty *
person_prop(icalproperty *p, const struct ical_person *who)
{
	char *v;
	if (!addr_ok(who->addr)) {
		icalproperty_free(p);
		return NULL;
	}
	v = xasprintf("mailto:%s", who->addr);
	icalproperty_set_value(p, icalvalue_new_caladdress(v));
	free(v);
	if (who->name && *who->name) {
		char *cn = clean_text(who->name, 0), *q;
		/* libical would write '"' as RFC 6868 ^', which few clients decode. */
		for (q = cn; *q; q++)
			if (*q == '"')
				*q = '\'';
		icalproperty_add_parameter(p, icalparameter_new_cn(cn));
		free(cn);
	}
	return p;
}

/* Does the Berlin wall time of t occur twice (the hour repeated in October)? */
static int
wall_time_repeats(int64_t t)
{
	struct when_tm a, b;
	int d;
	if (when_epoch_to_local(t, &a))
		return 0;
	for (d = -3600; d <= 3600; d += 7200)
		if (!when_epoch_to_local(t + d, &b) && a.day == b.day && a.hour == b.hour && a.min == b.min)
			return 1;
	return 0;
}

/* Local Europe/Berlin wall time of t as a floating time (the TZID goes in a
 * parameter).  A wall time that happens twice is written in UTC instead:
 * RFC 5545 means the first one, but pytz-based and other clients pick the
 * second, and UTC leaves no doubt. */
static icalproperty *
local_time_prop(icalproperty_kind kind, int64_t t, icaltimezone *z)
{
	struct icaltimetype tt = icaltime_from_timet_with_zone((time_t)t, 0, z);
	icalproperty *p = icalproperty_new(kind);
	if (wall_time_repeats(t)) {
		icalproperty_set_value(p, icalvalue_new_datetime(icaltime_from_timet_with_zone(
						  (time_t)t, 0, icaltimezone_get_utc_timezone())));
		return p;
	}
	tt.zone = NULL;
	tt.is_date = 0;
	icalproperty_set_value(p, icalvalue_new_datetime(tt));
	icalproperty_add_parameter(p, icalparameter_new_tzid(ICAL_TZID));
	return p;
}

static void
add_text(icalcomponent *c, icalproperty *(*ctor)(const char *), const char *s, int keep_nl)
{
	char *t;
	if (!s || !*s)
		return;
	t = clean_text(s, keep_nl);
	icalcomponent_add_property(c, ctor(t));
	free(t);
}

enum build_kind { BUILD_REQUEST, BUILD_CANCEL, BUILD_PUBLISH };

/* One VEVENT for ev, or NULL if ev is invalid for kind.  Caller owns the component. */
static icalcomponent *
build_vevent(const struct ical_event *ev, enum build_kind kind, icaltimezone *z)
{
	icalcomponent *ve = NULL;
	icalproperty *p;
	size_t i;
	int cancelled = kind == BUILD_CANCEL || (kind == BUILD_PUBLISH && ev->cancelled);

	if (!ev->uid || !*ev->uid || ev->end < ev->start || ev->start <= 0 || ev->sequence < 0)
		return NULL;
	if (kind != BUILD_PUBLISH && (!ev->attendees || !ev->nattendees || !addr_ok(ev->organizer.addr)))
		return NULL;

	ve = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	add_text(ve, icalproperty_new_uid, ev->uid, 0);
	icalcomponent_add_property(ve, icalproperty_new_sequence(ev->sequence));
	icalcomponent_add_property(
		ve, icalproperty_new_dtstamp(icaltime_from_timet_with_zone(
			    (time_t)(ev->dtstamp ? ev->dtstamp : now_s()), 0, icaltimezone_get_utc_timezone())));
	icalcomponent_add_property(ve, local_time_prop(ICAL_DTSTART_PROPERTY, ev->start, z));
	icalcomponent_add_property(ve, local_time_prop(ICAL_DTEND_PROPERTY, ev->end, z));
	add_text(ve, icalproperty_new_summary, ev->summary, 0);
	add_text(ve, icalproperty_new_location, ev->location && *ev->location ? ev->location : ev->url, 0);
	if (ev->url && *ev->url) {
		char *u = clean_text(ev->url, 0);
		icalcomponent_add_property(ve, icalproperty_new_url(u));
		free(u);
	}
	add_text(ve, icalproperty_new_description, ev->description, 1);
	if (addr_ok(ev->organizer.addr)) {
		if ((p = person_prop(icalproperty_new(ICAL_ORGANIZER_PROPERTY), &ev->organizer)))
			icalcomponent_add_property(ve, p);
	}
	if (kind != BUILD_PUBLISH) {
		for (i = 0; i < ev->nattendees; i++) {
			if (!(p = person_prop(icalproperty_new(ICAL_ATTENDEE_PROPERTY), &ev->attendees[i]))) {
				icalcomponent_free(ve);
				return NULL;
			}
			icalproperty_add_parameter(p, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
			if (kind == BUILD_REQUEST) {
				icalproperty_add_parameter(p, icalparameter_new_partstat(ICAL_PARTSTAT_NEEDSACTION));
				icalproperty_add_parameter(p, icalparameter_new_rsvp(ICAL_RSVP_TRUE));
			}
			icalcomponent_add_property(ve, p);
		}
	}
	icalcomponent_add_property(ve,
				   icalproperty_new_status(cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
	if (kind == BUILD_PUBLISH)
		icalcomponent_add_property(ve, icalproperty_new_class(ICAL_CLASS_PUBLIC));
	icalcomponent_add_property(ve,
				   icalproperty_new_transp(cancelled ? ICAL_TRANSP_TRANSPARENT : ICAL_TRANSP_OPAQUE));
	return ve;
}

/* VCALENDAR with the common head; caller owns it. */
static icalcomponent *
new_calendar(icalproperty_method method)
{
	icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	icalcomponent_add_property(cal, icalproperty_new_prodid(ICAL_PRODID));
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(method));
	icalcomponent_add_component(cal, icalcomponent_new_clone(g_vtimezone));
	return cal;
}

/* Serialise cal into *out (xmalloc'd copy); consumes cal. */
static int
finish(icalcomponent *cal, char **out)
{
	char *s = icalcomponent_as_ical_string_r(cal);
	icalcomponent_free(cal);
	if (!s)
		return ICAL_ERR_ARG;
	*out = xstrdup(s);
	icalmemory_free_buffer(s);
	return 0;
}

static int
build_one(const struct ical_event *ev, enum build_kind kind, char **out)
{
	icaltimezone *z = berlin();
	icalcomponent *cal, *ve;
	*out = NULL;
	if (!z)
		return ICAL_ERR_TZ;
	if (!ev || !(ve = build_vevent(ev, kind, z)))
		return ICAL_ERR_ARG;
	cal = new_calendar(kind == BUILD_CANCEL ? ICAL_METHOD_CANCEL : ICAL_METHOD_REQUEST);
	icalcomponent_add_component(cal, ve);
	return finish(cal, out);
}

int
ical_request(const struct ical_event *ev, char **out)
{
	return build_one(ev, BUILD_REQUEST, out);
}

int
ical_cancel(const struct ical_event *ev, char **out)
{
	return build_one(ev, BUILD_CANCEL, out);
}

int
ical_publish_feed(const struct ical_event *evs, size_t n, const char *calname, char **out)
{
	icaltimezone *z = berlin();
	icalcomponent *cal, *ve;
	size_t i;
	*out = NULL;
	if (!z)
		return ICAL_ERR_TZ;
	if (n && !evs)
		return ICAL_ERR_ARG;
	cal = new_calendar(ICAL_METHOD_PUBLISH);
	if (calname && *calname) {
		char *t = clean_text(calname, 0);
		icalproperty *p = icalproperty_new_x(t);
		icalproperty_set_x_name(p, "X-WR-CALNAME");
		icalcomponent_add_property(cal, p);
		p = icalproperty_new_x(ICAL_TZID);
		icalproperty_set_x_name(p, "X-WR-TIMEZONE");
		icalcomponent_add_property(cal, p);
		free(t);
	}
	for (i = 0; i < n; i++) {
		if (!(ve = build_vevent(&evs[i], BUILD_PUBLISH, z))) {
			icalcomponent_free(cal);
			return ICAL_ERR_ARG;
		}
		icalcomponent_add_component(cal, ve);
	}
	return finish(cal, out);
}

/* ----------------------------------------------------------------- parsing */

/* Nesting depth of BEGIN/END lines, or -1 above the cap or for an END
 * outside any BEGIN.  Folded continuation lines are skipped; text after the
 * last END is checked too, so trailing garbage counts as broken. */
static int
max_depth(const char *s)
{
	int depth = 0, max = 0;
	while (*s) {
		const char *eol = s + strcspn(s, "\r\n");
		if (*s != ' ' && *s != '\t') {
			if (!strncasecmp(s, "BEGIN:", 6) || !strncasecmp(s, "BEGIN;", 6)) {
				if (++depth > ICAL_MAX_DEPTH)
					return -1;
				if (depth > max)
					max = depth;
			} else if (!strncasecmp(s, "END:", 4)) {
				/* libical prints "END before BEGIN" to stderr for each: refuse. */
				if (depth == 0)
					return -1;
				depth--;
			}
		}
		s = eol;
		while (*s == '\r' || *s == '\n')
			s++;
	}
	return max;
}

/* Copy of a property text as valid UTF-8, or NULL.  Caller frees. */
static char *
utf8_dup(const char *s)
{
	return s ? utf8_sanitize(s, strlen(s)) : NULL;
}

/* Lower-cased addr-spec from a CAL-ADDRESS ("mailto:A@B.de"), or NULL.  Caller frees. */
static char *
cal_addr(const char *v)
{
	char *a, *t;
	if (!v)
		return NULL;
	while (*v == ' ' || *v == '\t')
		v++;
	if (!strncasecmp(v, "mailto:", 7))
		v += 7;
	else if (strchr(v, ':'))
		return NULL; /* "invalid:nomail", urn:, http: … */
	a = utf8_dup(v);
	t = str_trim(a);
	memmove(a, t, strlen(t) + 1);
	t = a + strlen(a);
	while (t > a && (t[-1] == ' ' || t[-1] == '\t'))
		*--t = '\0';
	str_lower_ascii(a);
	if (!addr_ok(a)) {
		free(a);
		return NULL;
	}
	return a;
}

/* Is every observance rule of this VTIMEZONE cheap for libical to expand? */
static int
vtimezone_is_tame(icalcomponent *vtz)
{
	icalcomponent *obs;
	icalproperty *p;
	for (obs = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT); obs;
	     obs = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT)) {
		for (p = icalcomponent_get_first_property(obs, ICAL_RRULE_PROPERTY); p;
		     p = icalcomponent_get_next_property(obs, ICAL_RRULE_PROPERTY)) {
			struct icalrecurrencetype r = icalproperty_get_rrule(p);
			if (r.freq != ICAL_YEARLY_RECURRENCE || r.interval > 1000)
				return 0;
		}
		struct icaltimetype dt = icalcomponent_get_dtstart(obs);
		if (!icaltime_is_null_time(dt) && (dt.year < 1 || dt.year > 3000))
			return 0;
	}
	return 1;
}

/*
 * Zones of embedded VTIMEZONEs, kept for the life of the process and keyed by
 * their text: libical expands a zone's rules from its first DTSTART (1601 in
 * Exchange's) the first time a time is converted, which costs milliseconds;
 * calendar clients send the same VTIMEZONE in every reply, so each is
 * expanded once.  Bounded; the mutex also serialises the conversions, which
 * extend a zone's expansion in place.
 */
#define ZONE_CACHE_MAX 32
static struct {
	char *text;
	icaltimezone *zone;
} zone_cache[ZONE_CACHE_MAX];
static size_t zone_cache_n;
static pthread_mutex_t zone_lock = PTHREAD_MUTEX_INITIALIZER;

/* The zone of vtz, from the cache or built and cached; NULL if libical cannot build it.
 * Call with zone_lock held. */
static icaltimezone *
zone_cached(icalcomponent *vtz)
{
	char *text = icalcomponent_as_ical_string_r(vtz);
	if (!text)
		return NULL;
	for (size_t i = 0; i < zone_cache_n; i++)
		if (strcmp(zone_cache[i].text, text) == 0) {
			free(text);
			return zone_cache[i].zone;
		}
	icaltimezone *z = icaltimezone_new();
	if (!z || !icaltimezone_set_component(z, icalcomponent_new_clone(vtz))) {
		if (z)
			icaltimezone_free(z, 1);
		free(text);
		return NULL;
	}
	if (zone_cache_n == ZONE_CACHE_MAX) { /* full: forget the oldest */
		free(zone_cache[0].text);
		icaltimezone_free(zone_cache[0].zone, 1);
		memmove(&zone_cache[0], &zone_cache[1], (ZONE_CACHE_MAX - 1) * sizeof zone_cache[0]);
		zone_cache_n--;
	}
	zone_cache[zone_cache_n].text = text;
	zone_cache[zone_cache_n].zone = z;
	zone_cache_n++;
	return z;
}

/* The time zone named tzid: the object's own VTIMEZONE when sane, else the
 * system zone of that name, else Europe/Berlin. */
static icaltimezone *
resolve_zone(icalcomponent *cal, const char *tzid)
{
	icaltimezone *z = NULL;
	icalcomponent *vtz;
	if (!tzid || !*tzid)
		return berlin();
	if (cal && icalcomponent_isa(cal) == ICAL_VCALENDAR_COMPONENT) {
		for (vtz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT); vtz;
		     vtz = icalcomponent_get_next_component(cal, ICAL_VTIMEZONE_COMPONENT)) {
			icalproperty *p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
			const char *id = p ? icalproperty_get_tzid(p) : NULL;
			if (id && !strcmp(id, tzid)) {
				if (vtimezone_is_tame(vtz))
					z = zone_cached(vtz);
				break;
			}
		}
	}
	if (!z && strlen(tzid) < 64 && !strchr(tzid, '.'))
		z = icaltimezone_get_builtin_timezone(tzid);
	return z ? z : berlin();
}

/* Epoch seconds of a DATE/DATE-TIME property; 0 (and *ok = 0) when unusable. */
static int64_t
prop_epoch(icalproperty *p, icalcomponent *cal, int *ok)
{
	icalvalue *v = p ? icalproperty_get_value(p) : NULL;
	icalparameter *tzp;
	struct icaltimetype t;
	icaltimezone *z;
	*ok = 0;
	if (!v || (icalvalue_isa(v) != ICAL_DATETIME_VALUE && icalvalue_isa(v) != ICAL_DATE_VALUE))
		return 0;
	t = icalvalue_get_datetime(v);
	if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t) || t.year < 1900 || t.year > 2200)
		return 0;
	pthread_mutex_lock(&zone_lock);
	if (icaltime_is_utc(t)) {
		z = icaltimezone_get_utc_timezone();
	} else {
		tzp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
		z = resolve_zone(cal, tzp ? icalparameter_get_tzid(tzp) : NULL);
	}
	int64_t r = z ? (int64_t)icaltime_as_timet_with_zone(t, z) : 0;
	pthread_mutex_unlock(&zone_lock);
	*ok = z != NULL;
	return r;
}

static void
upper_ascii(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

static enum ical_partstat
map_partstat(icalparameter_partstat ps)
{
	switch (ps) {
	case ICAL_PARTSTAT_NEEDSACTION:
		return ICAL_PS_NEEDS_ACTION;
	case ICAL_PARTSTAT_ACCEPTED:
		return ICAL_PS_ACCEPTED;
	case ICAL_PARTSTAT_DECLINED:
		return ICAL_PS_DECLINED;
	case ICAL_PARTSTAT_TENTATIVE:
		return ICAL_PS_TENTATIVE;
	case ICAL_PARTSTAT_DELEGATED:
		return ICAL_PS_DELEGATED;
	default:
		return ICAL_PS_OTHER;
	}
}

static void
parse_attendee(icalproperty *p, struct ical_attendee *a)
{
	icalparameter *q;
	memset(a, 0, sizeof(*a));
	a->addr = cal_addr(icalproperty_get_attendee(p));
	if ((q = icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER)))
		a->name = utf8_dup(icalparameter_get_cn(q));
	if ((q = icalproperty_get_first_parameter(p, ICAL_PARTSTAT_PARAMETER))) {
		icalparameter_partstat ps = icalparameter_get_partstat(q);
		const char *txt =
			ps == ICAL_PARTSTAT_X ? icalparameter_get_xvalue(q) : icalparameter_enum_to_string((int)ps);
		a->partstat = map_partstat(ps);
		if (txt) {
			a->partstat_text = utf8_dup(txt);
			upper_ascii(a->partstat_text);
		}
	}
	if ((q = icalproperty_get_first_parameter(p, ICAL_RSVP_PARAMETER)))
		a->rsvp = icalparameter_get_rsvp(q) == ICAL_RSVP_TRUE;
}

static void
parse_vevent(icalcomponent *ve, icalcomponent *cal, struct ical_vevent *e)
{
	icalproperty *p;
	struct buf comment = BUF_INIT;
	size_t n = 0;
	int ok;

	memset(e, 0, sizeof(*e));
	e->uid = utf8_dup(icalcomponent_get_uid(ve));
	if ((p = icalcomponent_get_first_property(ve, ICAL_SEQUENCE_PROPERTY)))
		e->sequence = icalproperty_get_sequence(p);
	if (e->sequence < 0)
		e->sequence = 0;
	if ((p = icalcomponent_get_first_property(ve, ICAL_RECURRENCEID_PROPERTY))) {
		e->has_recurrence_id = 1;
		e->recurrence_id = prop_epoch(p, cal, &ok);
	}
	if ((p = icalcomponent_get_first_property(ve, ICAL_DTSTART_PROPERTY))) {
		e->dtstart = prop_epoch(p, cal, &ok);
		e->has_dtstart = ok;
	}
	if ((p = icalcomponent_get_first_property(ve, ICAL_ORGANIZER_PROPERTY)))
		e->organizer = cal_addr(icalproperty_get_organizer(p));
	for (p = icalcomponent_get_first_property(ve, ICAL_COMMENT_PROPERTY); p;
	     p = icalcomponent_get_next_property(ve, ICAL_COMMENT_PROPERTY)) {
		const char *c = icalproperty_get_comment(p);
		if (!c || !*c || comment.len > 16384)
			continue;
		if (comment.len)
			buf_addc(&comment, '\n');
		buf_adds(&comment, c);
	}
	if (comment.len) {
		e->comment = utf8_sanitize(comment.p, comment.len);
		buf_free(&comment);
	}
	for (p = icalcomponent_get_first_property(ve, ICAL_ATTENDEE_PROPERTY); p && n < ICAL_MAX_ATTENDEES;
	     p = icalcomponent_get_next_property(ve, ICAL_ATTENDEE_PROPERTY))
		n++;
	if (!n)
		return;
	e->attendees = xcalloc(n, sizeof(*e->attendees));
	for (p = icalcomponent_get_first_property(ve, ICAL_ATTENDEE_PROPERTY); p && e->nattendees < n;
	     p = icalcomponent_get_next_property(ve, ICAL_ATTENDEE_PROPERTY))
		parse_attendee(p, &e->attendees[e->nattendees++]);
}

static size_t
count_vevents(icalcomponent *c)
{
	return c ? (size_t)icalcomponent_count_components(c, ICAL_VEVENT_COMPONENT) : 0;
}

int
ical_parse_reply(const char *text, size_t len, const char *method_hint, struct ical_itip *out)
{
	char *copy = NULL;
	const char *start;
	icalcomponent *root = NULL, *cal = NULL, *c, *ve;
	icalproperty *mp;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!text)
		return ICAL_ERR_NOT_ICAL;
	if (len > ICAL_MAX_INPUT)
		return ICAL_ERR_TOO_LARGE;
	if (!berlin())
		return ICAL_ERR_TZ;
	copy = xstrndup(text, len); /* NUL-terminated; an embedded NUL ends the text */
	start = copy;
	if (!strncmp(start, "\xEF\xBB\xBF", 3))
		start += 3;
	start += strspn(start, " \t\r\n");
	if (strncasecmp(start, "BEGIN:", 6) || max_depth(start) < 0) {
		rc = ICAL_ERR_NOT_ICAL;
		goto out;
	}
	if (!(root = icalparser_parse_string(start))) {
		rc = ICAL_ERR_NOT_ICAL;
		goto out;
	}
	switch (icalcomponent_isa(root)) {
	case ICAL_VCALENDAR_COMPONENT:
	case ICAL_VEVENT_COMPONENT:
		cal = root;
		break;
	case ICAL_XROOT_COMPONENT: /* several top-level components */
		for (c = icalcomponent_get_first_component(root, ICAL_VCALENDAR_COMPONENT); c;
		     c = icalcomponent_get_next_component(root, ICAL_VCALENDAR_COMPONENT)) {
			if (!cal)
				cal = c;
			if (count_vevents(c)) {
				cal = c;
				break;
			}
		}
		break;
	default:
		break;
	}
	if (!cal) {
		rc = ICAL_ERR_NOT_ICAL;
		goto out;
	}
	if ((mp = icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY))) {
		const char *m = icalproperty_get_value_as_string(mp);
		if (m && *m)
			out->method = utf8_dup(m);
	}
	if (!out->method && method_hint && *method_hint)
		out->method = utf8_dup(method_hint);
	if (out->method)
		upper_ascii(out->method);

	if (icalcomponent_isa(cal) == ICAL_VEVENT_COMPONENT) {
		out->events = xcalloc(1, sizeof(*out->events));
		parse_vevent(cal, NULL, &out->events[0]);
		out->nevents = 1;
	} else if ((n = count_vevents(cal))) {
		if (n > ICAL_MAX_EVENTS)
			n = ICAL_MAX_EVENTS;
		out->events = xcalloc(n, sizeof(*out->events));
		for (ve = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ve && out->nevents < n;
		     ve = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
			parse_vevent(ve, cal, &out->events[out->nevents++]);
	}
	if (!out->nevents)
		rc = ICAL_ERR_NO_VEVENT;
	else if (!out->method || strcmp(out->method, "REPLY"))
		rc = ICAL_ERR_NOT_REPLY;
	else
		rc = 0;
out:
	if (root)
		icalcomponent_free(root);
	free(copy);
	return rc;
}

void
ical_itip_free(struct ical_itip *it)
{
	size_t i, j;
	if (!it)
		return;
	for (i = 0; i < it->nevents; i++) {
		struct ical_vevent *e = &it->events[i];
		for (j = 0; j < e->nattendees; j++) {
			free(e->attendees[j].addr);
			free(e->attendees[j].name);
			free(e->attendees[j].partstat_text);
		}
		free(e->attendees);
		free(e->uid);
		free(e->organizer);
		free(e->comment);
	}
	free(it->events);
	free(it->method);
	memset(it, 0, sizeof(*it));
}

const struct ical_attendee *
ical_find_attendee(const struct ical_vevent *ev, const char *addr)
{
	size_t i;
	if (!ev || !addr)
		return NULL;
	for (i = 0; i < ev->nattendees; i++)
		if (ev->attendees[i].addr && !strcasecmp(ev->attendees[i].addr, addr))
			return &ev->attendees[i];
	return NULL;
}
