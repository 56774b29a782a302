/*
 * termsafe.h: text written by others (a step's output, a note, an inject,
 * a title, a journal read back) made safe for a terminal. What a terminal
 * would act on instead of showing (OSC 52 clipboard writes, title changes,
 * cursor-position and other queries, mouse modes, DCS strings, raw C1
 * bytes) never reaches it: escape sequences are dropped, other control
 * characters show as spaces, bytes that are not valid UTF-8 (a C1 control
 * among them) or that encode a C1 control show as '?'. Plain text and
 * UTF-8 pass, and so do colour SGR sequences (ESC [ digits m) when the
 * caller asks for them. One definition, used by the console, watch, line
 * mode and replay; no curses here.
 */
#ifndef DRCONSOLE_TERMSAFE_H
#define DRCONSOLE_TERMSAFE_H

#include <stddef.h>
#include <stdio.h>

/* Bytes of the UTF-8 character at p (a stray byte counts as one). */
size_t termsafe_utf8_len(const char *p, size_t avail);

/* Bytes p[0..avail) start a valid UTF-8 character of this length, or 0. */
size_t termsafe_utf8_valid(const unsigned char *p, size_t avail);

/* Screen columns of len bytes of UTF-8 text: a wide (CJK) character takes
 * two, a combining one none (as the locale's wcwidth says; a character it
 * cannot read, one). */
size_t termsafe_columns(const char *s, size_t len);

/* Bytes of the longest prefix of s (whole characters) in cols columns. */
size_t termsafe_fit(const char *s, size_t cols);

/* An escape sequence read by termsafe_escape. */
struct termsafe_esc {
	int	 csi;		/* ESC [ params final, complete */
	const char *params;	/* the CSI's parameter and intermediate bytes */
	size_t	 plen;
	char	 final;
};

/* Reads the escape sequence at s (s[0] is ESC); returns its length. Cut
 * off or malformed, only what was read of it counts: nothing is guessed. */
size_t termsafe_escape(const char *s, size_t len, struct termsafe_esc *e);

/* The sequence only sets colours and attributes (SGR, ESC [ 0-9;: m). */
int termsafe_is_sgr(const struct termsafe_esc *e);

/*
 * Renders s into out (cap bytes, NUL included) as a terminal would leave
 * the line: CR goes back to its start, BS one character back, erase and
 * cursor left/right edit it, a tab moves to the next 8th column, every
 * other escape sequence is dropped, other control characters become
 * spaces and a byte that is not UTF-8 shows as U+FFFD. Returns the cursor's byte
 * offset in out. What does not fit in out is cut.
 */
size_t termsafe_render(const char *s, size_t len, char *out, size_t cap);

/*
 * One line (no '\n' in it) made safe into out, which holds len + 1 bytes;
 * returns the length written (at most len; out is NUL-terminated). Colour
 * SGR passes when keep_sgr is set. A line that moves its cursor back (CR,
 * BS) is rendered as a terminal would leave it, without colour, so a
 * progress bar shows its last state and nothing is overwritten.
 */
size_t termsafe_line(const char *s, size_t len, char *out, int keep_sgr);

/* A NUL-terminated string, each of its lines made safe; newlines stay. */
char *termsafe_dup(const char *s, int keep_sgr);

/* printf to fp; when safe is set (fp is a terminal), each line of what is
 * printed is made safe first, colour kept when keep_sgr is set. */
void termsafe_printf(FILE *fp, int safe, int keep_sgr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Control characters (each would take two columns) as spaces into buf
 * (cap bytes, NUL included); escapes are not interpreted. */
void termsafe_clean(const char *s, size_t len, char *buf, size_t cap);

#endif
