/* duration.c: parsing and printing durations. Units must descend (1h30m, not
 * 30m1h) and each appears once, so a typo cannot mean something unexpected. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"

static int
unit_ms(char u, int64_t *ms, int *rank)
{
	static const char units[] = "dhms";
	static const int64_t scale[] = { 86400000, 3600000, 60000, 1000 };
	const char *p = u != '\0' ? strchr(units, u) : NULL;

	if (p == NULL)
		return -1;
	*rank = (int)(p - units);
	*ms = scale[*rank];
	return 0;
}

int
duration_parse(const char *s, int64_t *ms)
{
	int64_t total = 0, scale, n;
	int last_rank = -1, rank, digits;

	if (s == NULL || *s == '\0')
		return -1;
	while (*s != '\0') {
		n = 0;
		digits = 0;
		for (; isdigit((unsigned char)*s); s++, digits++) {
			if (n > 100000000)
				return -1;
			n = n * 10 + (*s - '0');
		}
		if (digits == 0)
			return -1;
		if (strncmp(s, "ms", 2) == 0) {
			scale = 1;
			rank = 4;
			s++;
		} else if (unit_ms(*s, &scale, &rank) != 0)
			return -1;
		if (rank <= last_rank)
			return -1;
		last_rank = rank;
		total += n * scale;
		s++;
	}
	if (total > (int64_t)366 * 86400000)
		return -1;
	*ms = total;
	return 0;
}

void
duration_format(int64_t ms, char *buf, size_t len)
{
	int64_t s, h, m, sec;

	if (ms < 0)
		ms = 0;
	s = ms / 1000;
	h = s / 3600;
	m = (s % 3600) / 60;
	sec = s % 60;
	if (ms < 1000)
		snprintf(buf, len, "%lldms", (long long)ms);
	else if (h > 0 && m == 0 && sec == 0)
		snprintf(buf, len, "%lldh", (long long)h);
	else if (h > 0)
		snprintf(buf, len, "%lldh%02lldm", (long long)h, (long long)m);
	else if (m > 0 && sec == 0)
		snprintf(buf, len, "%lldm", (long long)m);
	else if (m > 0)
		snprintf(buf, len, "%lldm%02llds", (long long)m, (long long)sec);
	else
		snprintf(buf, len, "%llds", (long long)sec);
}

void
duration_format_clock(int64_t ms, char *buf, size_t len)
{
	int64_t s = (ms < 0 ? 0 : ms) / 1000;

	snprintf(buf, len, "%lld:%02lld:%02lld", (long long)(s / 3600),
	    (long long)((s % 3600) / 60), (long long)(s % 60));
}

void
duration_format_abs(int64_t ms, char *buf, size_t len)
{
	if (ms == 0)
		snprintf(buf, len, "0s");
	else
		duration_format(ms < 0 ? -ms : ms, buf, len);
}
