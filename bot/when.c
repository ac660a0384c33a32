/*
 * when.c - dates, times and durations of session proposals ("3.12. 15 Uhr
 * 90min Raum 2"), English and German, in Europe/Berlin.  A hand-written
 * scanner over the bytes (no regex, no locale): each step either consumes a
 * form it recognises or leaves the cursor alone.  Pure functions; any
 * thread.
 *
 * Why not mktime(): it reads the process-global TZ, which a daemon with
 * several threads cannot switch safely.  Offsets come from libical's copy of
 * the system zoneinfo instead, and local → UTC is done by trying the offsets
 * in force a day before and a day after and keeping the one that maps back.
 */
#include "when.h"

#include <libical/ical.h>
#define ICAL_DL_NAMES
#include "ical_dl.h"
#include <pthread.h>
#include <string.h>
#include <strings.h>

static pthread_once_t when_once = PTHREAD_ONCE_INIT;
static icaltimezone *w_berlin; /* owned by libical's builtin cache */

static void
when_init(void)
{
	if (ical_dl_open() == 0) /* else logged; w_berlin stays NULL */
		w_berlin = icaltimezone_get_builtin_timezone("Europe/Berlin");
}

static icaltimezone *
zone(void)
{
	pthread_once(&when_once, when_init);
	return w_berlin;
}

const char *
when_strerror(int err)
{
	switch (err) {
	case WHEN_OK:
		return "ok";
	case WHEN_ERR_EMPTY:
		return "no date given";
	case WHEN_ERR_DATE:
		return "date not understood";
	case WHEN_ERR_BAD_DATE:
		return "no such date";
	case WHEN_ERR_TIME:
		return "time missing or not understood";
	case WHEN_ERR_AMBIGUOUS:
		return "month/day dates need am or pm";
	case WHEN_ERR_PAST:
		return "that time is in the past";
	case WHEN_ERR_NO_SUCH_TIME:
		return "that time does not exist (clocks go forward)";
	case WHEN_ERR_DURATION:
		return "duration not understood (1 minute to 24 hours)";
	case WHEN_ERR_TZ:
		return "time zone data missing";
	}
	return "unknown date error";
}

/* ------------------------------------------------------------ calendar math */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int
days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

/* UTC offset (seconds east) of Europe/Berlin at instant t. */
static int
offset_at(icaltimezone *z, int64_t t)
{
	struct icaltimetype u = icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
	int dst = 0;
	return icaltimezone_get_utc_offset_of_utc_time(z, &u, &dst);
}

int
when_local_to_epoch(int year, int mon, int day, int hour, int min, int64_t *out)
{
	icaltimezone *z = zone();
	int64_t wall, c1, c2;
	int o1, o2, ok1, ok2;

	*out = 0;
	if (!z)
		return WHEN_ERR_TZ;
	if (year < 1970 || year > 2200 || mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon))
		return WHEN_ERR_BAD_DATE;
	if (hour < 0 || hour > 23 || min < 0 || min > 59)
		return WHEN_ERR_TIME;
	wall = days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60;
	o1 = offset_at(z, wall - 86400);
	o2 = offset_at(z, wall + 86400);
	c1 = wall - o1;
	c2 = wall - o2;
	ok1 = offset_at(z, c1) == o1;
	ok2 = offset_at(z, c2) == o2;
	if (ok1 && ok2)
		*out = c1 < c2 ? c1 : c2; /* autumn: the hour happens twice, take the first */
	else if (ok1)
		*out = c1;
	else if (ok2)
		*out = c2;
	else
		return WHEN_ERR_NO_SUCH_TIME;
	return 0;
}

int
when_epoch_to_local(int64_t t, struct when_tm *out)
{
	icaltimezone *z = zone();
	int64_t wall, days, secs;
	memset(out, 0, sizeof(*out));
	if (!z)
		return WHEN_ERR_TZ;
	out->utc_offset = offset_at(z, t);
	wall = t + out->utc_offset;
	days = wall >= 0 ? wall / 86400 : -((-wall + 86399) / 86400);
	secs = wall - days * 86400;
	civil_from_days(days, &out->year, &out->mon, &out->day);
	out->hour = (int)(secs / 3600);
	out->min = (int)(secs % 3600 / 60);
	out->sec = (int)(secs % 60);
	out->wday = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
	return 0;
}

/* ------------------------------------------------------------------ scanner */

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* End of a word: not a letter, digit or UTF-8 byte. */
static int
is_boundary(char c)
{
	unsigned char u = (unsigned char)c;
	return !(is_digit(c) || (unsigned)((u | 0x20) - 'a') < 26u || u >= 0x80);
}

static const char *
skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\t' || (p[0] == '\xC2' && p[1] == '\xA0'))
		p += *p == '\xC2' ? 2 : 1;
	return p;
}

/* If p starts with one of the words (ASCII case-insensitive, NULL-terminated
 * list) followed by a boundary, return the position after it, else NULL. */
static const char *
match_word(const char *p, const char *const *words)
{
	for (; *words; words++) {
		size_t n = strlen(*words);
		if (!strncasecmp(p, *words, n) && is_boundary(p[n]))
			return p + n;
	}
	return NULL;
}

/* Read 1..maxd digits; returns the position after them or NULL. */
static const char *
read_num(const char *p, int maxd, int *val, int *ndigits)
{
	int n = 0, v = 0;
	while (is_digit(p[n]) && n < maxd)
		v = v * 10 + (p[n++] - '0');
	if (!n || is_digit(p[n]))
		return NULL;
	*val = v;
	if (ndigits)
		*ndigits = n;
	return p + n;
}

struct date {
	int y, m, d; /* y == 0: no year written */
	int us;      /* written with slashes: needs AM/PM */
};

static const char *const w_today[] = {"heute", "today", NULL};
static const char *const w_tomorrow[] = {"morgen", "tomorrow", NULL};
static const char *const w_after[] = {"übermorgen", "Übermorgen", "uebermorgen", NULL};

/* Parse a date at p; returns the position after it, or NULL with *err set. */
static const char *
parse_date(const char *p, int64_t now, struct date *dt, int *err)
{
	const char *q;
	int a, b, c, na, nc, rel = -1;
	struct when_tm tm;

	memset(dt, 0, sizeof(*dt));
	*err = WHEN_ERR_DATE;
	if ((q = match_word(p, w_today)))
		rel = 0;
	else if ((q = match_word(p, w_tomorrow)))
		rel = 1;
	else if ((q = match_word(p, w_after)))
		rel = 2;
	if (rel >= 0) {
		if (when_epoch_to_local(now, &tm)) {
			*err = WHEN_ERR_TZ;
			return NULL;
		}
		civil_from_days(days_from_civil(tm.year, tm.mon, tm.day) + rel, &dt->y, &dt->m, &dt->d);
		return q;
	}
	if (!(q = read_num(p, 4, &a, &na)))
		return NULL;
	if (na == 4 && *q == '-') { /* 2026-12-03 */
		if (!(q = read_num(q + 1, 2, &b, NULL)) || *q != '-' || !(q = read_num(q + 1, 2, &c, NULL)))
			return NULL;
		dt->y = a, dt->m = b, dt->d = c;
	} else if (na <= 2 && *q == '.') { /* 3.12.2026, 03.12.26, 03.12., 3.12 */
		if (!(q = read_num(q + 1, 2, &b, NULL)))
			return NULL;
		dt->d = a, dt->m = b;
		if (*q == '.') {
			q++;
			if (is_digit(*q)) {
				if (!(q = read_num(q, 4, &c, &nc)) || (nc != 2 && nc != 4))
					return NULL;
				dt->y = nc == 2 ? 2000 + c : c;
			}
		}
	} else if (na <= 2 && *q == '/') { /* 12/3/2026, 12/3 */
		if (!(q = read_num(q + 1, 2, &b, NULL)))
			return NULL;
		dt->m = a, dt->d = b, dt->us = 1;
		if (*q == '/') {
			if (!(q = read_num(q + 1, 4, &c, &nc)) || (nc != 2 && nc != 4))
				return NULL;
			dt->y = nc == 2 ? 2000 + c : c;
		}
	} else {
		return NULL;
	}
	if (!is_boundary(*q) || *q == '.' || *q == '/' || *q == '-' || *q == ':')
		return NULL;
	*err = WHEN_ERR_BAD_DATE;
	if (dt->m < 1 || dt->m > 12 || dt->d < 1 || dt->d > 31 || (dt->y && (dt->y < 1970 || dt->y > 2200)))
		return NULL;
	if (dt->d > days_in_month(dt->y ? dt->y : 2000, dt->m)) /* 2000: leap, so 29.2. passes without a year */
		return NULL;
	*err = 0;
	return q;
}

enum clock_suffix { SUF_NONE, SUF_UHR, SUF_AM, SUF_PM };

static const char *const w_uhr[] = {"Uhr", "h", NULL};
static const char *const w_am[] = {"am", "a.m.", "a.m", NULL};
static const char *const w_pm[] = {"pm", "p.m.", "p.m", NULL};

/* A clock time "15", "15:30", "15.30", optionally followed by Uhr/am/pm.
 * Returns the position after it or NULL.  *has_min tells whether minutes were written. */
static const char *
parse_clock(const char *p, int *h, int *m, int *has_min, enum clock_suffix *suf)
{
	const char *q, *r;
	*m = 0;
	*has_min = 0;
	*suf = SUF_NONE;
	if (!(q = read_num(p, 2, h, NULL)))
		return NULL;
	if ((*q == ':' || *q == '.') && is_digit(q[1]) && is_digit(q[2]) && !is_digit(q[3])) {
		*m = (q[1] - '0') * 10 + (q[2] - '0');
		*has_min = 1;
		q += 3;
	}
	r = skip_blank(q);
	/* "h" only when minutes were written ("15:30 h"), so "1h" stays a duration. */
	if ((p = match_word(r, w_uhr)) && (*has_min || strncasecmp(r, "h", 1)))
		*suf = SUF_UHR, q = p;
	else if ((p = match_word(r, w_am)))
		*suf = SUF_AM, q = p;
	else if ((p = match_word(r, w_pm)))
		*suf = SUF_PM, q = p;
	else if (!is_boundary(*q) || *q == '.' || *q == ':')
		return NULL;
	return q;
}

/* Apply am/pm; -1 for an impossible hour. */
static int
hour24(int h, enum clock_suffix suf)
{
	if (suf == SUF_AM || suf == SUF_PM) {
		if (h < 1 || h > 12)
			return -1;
		return h % 12 + (suf == SUF_PM ? 12 : 0);
	}
	return h <= 23 ? h : -1;
}

static const char *const w_at[] = {"um", "at", "ab", NULL};
static const char *const w_min[] = {"minuten", "minutes", "minute", "mins", "min.", "min", "m", NULL};
static const char *const w_hour[] = {"stunden", "stunde", "std.", "std", "hours", "hour", "hrs", "hr", "h", NULL};

/* A duration at p in minutes; returns the position after it, or NULL if
 * there is none (then p is the place).  *bad set when one is there but wrong. */
static const char *
parse_duration(const char *p, int *minutes, int *bad)
{
	const char *q = p, *r, *u;
	long whole = 0, frac = 0, scale = 1;
	int digits = 0, has_frac = 0;

	*bad = 0;
	while (is_digit(*q)) {
		if (whole < 1000000) /* saturate: huge numbers are rejected as too long below */
			whole = whole * 10 + (*q - '0');
		q++, digits++;
	}
	if (!digits)
		return NULL;
	if ((*q == ',' || *q == '.') && is_digit(q[1])) {
		has_frac = 1;
		q++;
		while (is_digit(*q) && scale < 1000)
			frac = frac * 10 + (*q++ - '0'), scale *= 10;
		if (is_digit(*q))
			return NULL;
	}
	r = skip_blank(q);
	if ((u = match_word(r, w_hour)) || (!strncasecmp(r, "h", 1) && is_digit(r[1]))) {
		long mins = whole * 60 + (frac * 60 + scale / 2) / scale;
		if (!u) { /* 1h30 */
			int extra;
			if (!(u = read_num(r + 1, 2, &extra, NULL)))
				return NULL;
			mins += extra;
			r = skip_blank(u);
			if ((q = match_word(r, w_min)))
				u = q;
			else if (!is_boundary(*u))
				return NULL;
		}
		*minutes = (int)(mins > WHEN_MAX_MINUTES + 1 ? WHEN_MAX_MINUTES + 1 : mins);
	} else if ((u = match_word(r, w_min))) {
		*minutes = (int)(whole > WHEN_MAX_MINUTES + 1 ? WHEN_MAX_MINUTES + 1 : whole);
		if (frac)
			*minutes += (int)((frac * 2 >= scale) ? 1 : 0);
	} else if (!has_frac && is_boundary(*q) && *q != '.' && *q != ':') {
		u = q; /* a bare number is minutes */
		*minutes = (int)(whole > WHEN_MAX_MINUTES + 1 ? WHEN_MAX_MINUTES + 1 : whole);
	} else {
		return NULL;
	}
	if (*minutes < 1 || *minutes > WHEN_MAX_MINUTES)
		*bad = 1;
	return u;
}

int
when_parse(const char *s, int64_t now, struct when *out)
{
	const char *p, *q;
	struct date dt;
	struct when_tm tm;
	int err, h, m, has_min, h2 = -1, m2 = 0, has_min2 = 0, minutes, bad, year, tries;
	enum clock_suffix suf, suf2 = SUF_NONE;
	int64_t start = 0;

	memset(out, 0, sizeof(*out));
	if (!s)
		return WHEN_ERR_EMPTY;
	p = skip_blank(s);
	if (!*p)
		return WHEN_ERR_EMPTY;
	if (!(p = parse_date(p, now, &dt, &err)))
		return err;
	p = skip_blank(p);
	if (*p == ',')
		p = skip_blank(p + 1);
	if ((q = match_word(p, w_at)))
		p = skip_blank(q);

	if (!(q = parse_clock(p, &h, &m, &has_min, &suf)))
		return WHEN_ERR_TIME;
	p = q;
	/* A range: "15:00-16:30", "15 - 16 Uhr", "15:00–16:30" (en dash), "15 bis 16 Uhr". */
	q = skip_blank(p);
	if (*q == '-' || !strncmp(q, "\xE2\x80\x93", 3) || !strncasecmp(q, "bis ", 4) || !strncasecmp(q, "to ", 3)) {
		const char *r = q + (*q == '-' ? 1 : *q == '\xE2' ? 3 : (q[0] == 'b' || q[0] == 'B') ? 4 : 3);
		r = skip_blank(r);
		if ((r = parse_clock(r, &h2, &m2, &has_min2, &suf2)) && (has_min2 || suf2 != SUF_NONE)) {
			if (suf == SUF_NONE && suf2 != SUF_NONE)
				/* "11-1pm" starts in the morning, "3-4pm" in the afternoon */
				suf = suf2 == SUF_PM && h % 12 > h2 % 12 ? SUF_AM : suf2;
			p = r;
		} else {
			h2 = -1;
		}
	}
	if (!has_min && suf == SUF_NONE)
		return WHEN_ERR_TIME; /* a bare "15" could be a duration */
	if (dt.us && suf != SUF_AM && suf != SUF_PM)
		return WHEN_ERR_AMBIGUOUS;
	if ((h = hour24(h, suf)) < 0 || m > 59)
		return WHEN_ERR_TIME;
	if (h2 >= 0 && ((h2 = hour24(h2, suf2 == SUF_NONE ? suf : suf2)) < 0 || m2 > 59))
		return WHEN_ERR_TIME;

	/* Resolve the date: a missing year means the next such date still ahead. */
	if (dt.y) {
		if ((err = when_local_to_epoch(dt.y, dt.m, dt.d, h, m, &start)))
			return err;
	} else {
		if ((err = when_epoch_to_local(now, &tm)))
			return err;
		for (year = tm.year, tries = 0; tries < 9; year++, tries++) {
			if (dt.d > days_in_month(year, dt.m))
				continue; /* 29.2. waits for a leap year */
			err = when_local_to_epoch(year, dt.m, dt.d, h, m, &start);
			if (err == WHEN_ERR_NO_SUCH_TIME && year == tm.year)
				continue; /* this year's gap: next year's date is still "that date" */
			if (err)
				return err;
			if (start >= now)
				break;
		}
		if (tries == 9)
			return WHEN_ERR_BAD_DATE;
	}
	if (start < now)
		return WHEN_ERR_PAST;

	out->minutes = WHEN_DEFAULT_MINUTES;
	if (h2 >= 0) {
		int len = (h2 * 60 + m2) - (h * 60 + m);
		if (len <= 0)
			return memset(out, 0, sizeof(*out)), WHEN_ERR_DURATION;
		out->minutes = len;
		out->minutes_given = 1;
	}
	p = skip_blank(p);
	if (!out->minutes_given && (q = parse_duration(p, &minutes, &bad))) {
		if (bad)
			return memset(out, 0, sizeof(*out)), WHEN_ERR_DURATION;
		out->minutes = minutes;
		out->minutes_given = 1;
		p = q;
	}
	while (*p == ' ' || *p == '\t' || *p == ',' || *p == ';' || (p[0] == '\xC2' && p[1] == '\xA0'))
		p += *p == '\xC2' ? 2 : 1;
	out->start = start;
	out->rest = (size_t)(p - s);
	return 0;
}
