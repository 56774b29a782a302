/* clock.c: time sources and the UTC formats the journal uses. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"

int64_t
clock_wall_ms(void)
{
	const char *fake = getenv("DRCONSOLE_FAKE_NOW");
	struct timespec ts;

	if (fake != NULL && *fake != '\0')
		return strtoll(fake, NULL, 10);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
split_utc(int64_t wall_ms, struct tm *tm, int *ms)
{
	time_t secs = (time_t)(wall_ms / 1000);

	*ms = (int)(wall_ms % 1000);
	if (*ms < 0) {
		*ms += 1000;
		secs--;
	}
	gmtime_r(&secs, tm);
}

void
clock_format_rfc3339(int64_t wall_ms, char *buf)
{
	struct tm tm;
	int ms;

	split_utc(wall_ms, &tm, &ms);
	snprintf(buf, CLOCK_RFC3339_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ms);
}

void
clock_format_stamp(int64_t wall_ms, char *buf)
{
	struct tm tm;
	int ms;

	split_utc(wall_ms, &tm, &ms);
	snprintf(buf, CLOCK_RFC3339_LEN, "%04d%02d%02dT%02d%02d%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
}

/* Reads exactly n digits; returns -1 when they are not there. */
static int
read_digits(const char **sp, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)**sp))
			return -1;
		v = v * 10 + (**sp - '0');
		(*sp)++;
	}
	return v;
}

static int
parse_offset(const char *s, int *offset_min)
{
	int sign, hh, mm;

	*offset_min = 0;
	if (*s == '\0' || ((*s == 'Z' || *s == 'z') && s[1] == '\0'))
		return 0;
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s++ == '-' ? -1 : 1;
	if ((hh = read_digits(&s, 2)) < 0)
		return -1;
	if (*s == ':')
		s++;
	if ((mm = read_digits(&s, 2)) < 0 || *s != '\0' || hh > 23 || mm > 59)
		return -1;
	*offset_min = sign * (hh * 60 + mm);
	return 0;
}

int
clock_parse_timestamp(const char *s, int64_t *wall_ms)
{
	struct tm tm = { 0 }, check;
	time_t secs;
	int y, mo, d, h, mi, sec = 0, ms = 0, off;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (s == NULL)
		return -1;	/* a journal's "ts" that is not a string */
	if ((y = read_digits(&s, 4)) < 0 || *s++ != '-' ||
	    (mo = read_digits(&s, 2)) < 0 || *s++ != '-' ||
	    (d = read_digits(&s, 2)) < 0 || (*s != 'T' && *s != 't' && *s != ' '))
		return -1;
	s++;
	if ((h = read_digits(&s, 2)) < 0 || *s++ != ':' || (mi = read_digits(&s, 2)) < 0)
		return -1;
	if (*s == ':') {
		s++;
		if ((sec = read_digits(&s, 2)) < 0)
			return -1;
		if (*s == '.') {
			int scale = 100;

			s++;
			if (!isdigit((unsigned char)*s))
				return -1;
			for (; isdigit((unsigned char)*s); s++, scale /= 10)
				ms += (*s - '0') * scale;
		}
	}
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
		return -1;
	if (parse_offset(s, &off) != 0)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	secs = timegm(&tm);
	/* timegm normalises Feb 29 of a common year into Mar 1: refuse it. */
	if (gmtime_r(&secs, &check) == NULL || check.tm_mday != d)
		return -1;
	*wall_ms = ((int64_t)secs - (int64_t)off * 60) * 1000 + ms;
	return 0;
}
