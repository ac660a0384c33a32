/*
 * when.h - session dates, times and durations as people write them, in
 * English and German, relative to a given "now" and in the Europe/Berlin
 * time zone (offsets from the system zoneinfo via libical; the process TZ
 * is never touched, so any thread may call these).
 *
 * Accepted (case-insensitive; an optional "um"/"at" may stand before the time):
 *   dates  3.12.2026  03.12.26  03.12.  3.12   2026-12-03   12/3/2026  12/3
 *          heute/today  morgen/tomorrow  übermorgen
 *   times  15:00  15.30  15 Uhr  15:30 Uhr  3pm  3 pm  3:00 PM  3 p.m.
 *          a range "15:00-16:30" / "15-16 Uhr" sets the duration
 *   durations (optional; default 60 min)  60  60min  90 Minuten  1h  1,5h
 *          1.5 h  2 Std  2 Stunden  2 hours  1h30
 * Slashes mean US order (month/day) and are only accepted with AM/PM.
 * Without a year the next such date that is still in the future is meant.
 * A wall time that does not exist (skipped at the March switch) is an
 * error; one that exists twice (October) means the first, summer-time one.
 */
#ifndef MB_WHEN_H
#define MB_WHEN_H

#include <stddef.h>
#include <stdint.h>

enum when_err {
	WHEN_OK = 0,
	WHEN_ERR_EMPTY = -1,        /* nothing given */
	WHEN_ERR_DATE = -2,         /* no date recognised */
	WHEN_ERR_BAD_DATE = -3,     /* recognised but impossible (31.2., month 13, year out of range) */
	WHEN_ERR_TIME = -4,         /* no time, or an impossible one (25:00, 13pm) */
	WHEN_ERR_AMBIGUOUS = -5,    /* 12/3/2026 15:00: slash date without AM/PM */
	WHEN_ERR_PAST = -6,         /* the moment is before now */
	WHEN_ERR_NO_SUCH_TIME = -7, /* falls in the hour skipped at the switch to summer time */
	WHEN_ERR_DURATION = -8,     /* a duration that is zero, over 24 h, or an end before the start */
	WHEN_ERR_TZ = -9,           /* Europe/Berlin missing from the system zoneinfo */
};

#define WHEN_DEFAULT_MINUTES 60
#define WHEN_MAX_MINUTES (24 * 60)

struct when {
	int64_t start;     /* epoch seconds */
	int minutes;       /* duration; WHEN_DEFAULT_MINUTES when none was given */
	int minutes_given; /* 1 if the text stated a duration or an end time */
	size_t rest;       /* byte index in the input where the rest (the place) starts;
			      leading blanks, ',' and ';' skipped; == strlen(s) when nothing follows */
};

/*
 * Parse the start of s (UTF-8, NUL-terminated) as date, time and optional
 * duration relative to now (epoch seconds).  Returns 0 and fills *out, or a
 * negative when_err (then *out is zeroed).  Nothing is allocated.
 */
int when_parse(const char *s, int64_t now, struct when *out);

/* Short English description of a when_err (static string). */
const char *when_strerror(int err);

/* Broken-down Europe/Berlin local time. */
struct when_tm {
	int year, mon, day; /* mon 1..12, day 1..31 */
	int hour, min, sec;
	int wday;       /* 0 = Sunday */
	int utc_offset; /* seconds east of UTC (3600 or 7200) */
};

/* Europe/Berlin wall time → epoch seconds in *out.  Returns 0,
 * WHEN_ERR_BAD_DATE / WHEN_ERR_TIME for impossible fields,
 * WHEN_ERR_NO_SUCH_TIME in the spring gap (the autumn double hour gives the
 * earlier instant), or WHEN_ERR_TZ. */
int when_local_to_epoch(int year, int mon, int day, int hour, int min, int64_t *out);

/* Epoch seconds → Europe/Berlin wall time.  Returns 0 or WHEN_ERR_TZ. */
int when_epoch_to_local(int64_t t, struct when_tm *out);

#endif
