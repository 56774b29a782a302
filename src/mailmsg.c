/* mailmsg.c: an email notification's RFC 5322 message: the header fields,
 * an RFC 2047 subject when it is not ASCII, folded recipients, a body of
 * CRLF lines within the SMTP line limit; and the checks that keep each
 * value inside its own field. libcurl dot-stuffs the body on the wire, so
 * a line of one '.' cannot end the message early. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "clock.h"
#include "crypto.h"
#include "mailmsg.h"
#include "strbuf.h"
#include "xmalloc.h"

/* SMTP lines may not pass 998 bytes without their CRLF (RFC 5322 2.1.1). */
#define MAILMSG_LINE_MAX	998

/* Never in an address; a display name may hold them only quoted. */
#define ADDR_SPECIALS	" \t<>()[]\\,;:\"\r\n"

/* A value with a line break would end its header field and start another. */
int
mailmsg_one_line(const char *what, const char *s, char **cause)
{
	if (strpbrk(s, "\r\n") != NULL) {
		*cause = xprintf("the email %s must be one line", what);
		return -1;
	}
	return 0;
}

static int
plain_addr(const char *a, size_t n)
{
	const char	*at = memchr(a, '@', n);

	return n > 0 && at != NULL && at != a && at != a + n - 1 &&
	    memchr(at + 1, '@', (size_t)(a + n - at - 1)) == NULL &&
	    strcspn(a, ADDR_SPECIALS) >= n;
}

/* A display name: words without specials, or one "quoted string". */
static int
plain_name(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		for (size_t i = 1; i < n - 1; i++)
			if (s[i] == '"' || s[i] == '\\')
				return 0;
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && strchr(ADDR_SPECIALS "@",
		    s[i]) != NULL)
			return 0;
	return 1;
}

/* The address of one mailbox, or NULL. */
char *
mailmsg_addr(const char *s)
{
	const char	*lt, *gt, *end;

	s += strspn(s, " \t");
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end > s && end[-1] == '>' && (lt = strrchr(s, '<')) != NULL) {
		gt = end - 1;
		if (lt > gt || !plain_name(s, (size_t)(lt - s)) ||
		    !plain_addr(lt + 1, (size_t)(gt - lt - 1)))
			return NULL;
		return xstrndup(lt + 1, (size_t)(gt - lt - 1));
	}
	if (!plain_addr(s, (size_t)(end - s)))
		return NULL;
	return xstrndup(s, (size_t)(end - s));
}

/* One mailbox on one line. */
int
mailmsg_check_mailbox(const char *what, const char *s, char **cause)
{
	char	*a;

	if (s == NULL || *s == '\0') {
		*cause = xprintf("the email has no %s", what);
		return -1;
	}
	if (mailmsg_one_line(what, s, cause) != 0)
		return -1;
	if ((a = mailmsg_addr(s)) == NULL) {
		*cause = xprintf("email %s '%s' is not one address (addr or "
		    "Name <addr>)", what, s);
		return -1;
	}
	free(a);
	return 0;
}

/* RFC 5322 date in English whatever the locale: "Tue, 24 Nov 2026 ...". */
static void
mailmsg_date(int64_t wall_ms, char *buf, size_t len)
{
	static const char *const days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec"
	};
	time_t		t = (time_t)(wall_ms / 1000);
	struct tm	tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* A subject with non-ASCII bytes becomes RFC 2047 encoded words of at most
 * 45 bytes each (75 characters encoded), cut between characters. */
static void
mailmsg_add_subject(struct strbuf *b, const char *s)
{
	unsigned char	 out[64];
	size_t		 len = strlen(s), n;
	int		 ascii = 1;

	for (size_t i = 0; i < len; i++)
		ascii &= (unsigned char)s[i] < 0x80;
	if (ascii) {
		strbuf_adds(b, s);
		return;
	}
	while (len > 0) {
		n = len < 45 ? len : 45;
		while (n < len && n > 1 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		EVP_EncodeBlock(out, (const unsigned char *)s, (int)n);
		strbuf_addf(b, "=?UTF-8?B?%s?=%s", out, n < len ? "\r\n " : "");
		s += n;
		len -= n;
	}
}

/* Folds the recipients so that no header line grows past 78 characters. */
static void
mailmsg_add_to(struct strbuf *b, const struct mailmsg *m)
{
	size_t	col = 4, n;

	strbuf_adds(b, "To: ");
	for (int i = 0; i < m->nto; i++) {
		n = strlen(m->to[i]);
		if (i > 0 && col + n + 2 > 78) {
			strbuf_adds(b, ",\r\n ");
			col = 1;
		} else if (i > 0) {
			strbuf_adds(b, ", ");
			col += 2;
		}
		strbuf_adds(b, m->to[i]);
		col += n;
	}
	strbuf_adds(b, "\r\n");
}

/* The body with CRLF line ends and no line over MAILMSG_LINE_MAX bytes. */
static void
mailmsg_add_body(struct strbuf *b, const char *text)
{
	size_t	len, n;

	while (*text != '\0') {
		len = strcspn(text, "\n");
		n = len;
		if (n > MAILMSG_LINE_MAX) {
			for (n = MAILMSG_LINE_MAX; n > 0 &&
			    ((unsigned char)text[n] & 0xc0) == 0x80; n--)
				/* back to a character boundary */;
			if (n == 0)	/* not UTF-8 after all: cut anywhere */
				n = MAILMSG_LINE_MAX;
		}
		strbuf_add(b, text, n > 0 && n == len && text[n - 1] == '\r' ?
		    n - 1 : n);
		strbuf_adds(b, "\r\n");
		text += n;
		if (n == len && *text == '\n')
			text++;
	}
}

/* A new Message-ID in the domain of from. */
char *
mailmsg_message_id(const char *from)
{
	char	 stamp[CLOCK_RFC3339_LEN], *addr, *rnd, *id;
	char	*at;

	clock_format_stamp(clock_wall_ms(), stamp);
	rnd = crypto_random_string(16);
	addr = mailmsg_addr(from);
	at = addr != NULL ? strchr(addr, '@') : NULL;
	id = xprintf("<%s.%s@%s>", stamp, rnd, at != NULL ? at + 1 :
	    "drconsole.invalid");
	free(rnd);
	free(addr);
	return id;
}

/* The whole message. */
char *
mailmsg_build(const struct mailmsg *m, size_t *len)
{
	struct strbuf	b;
	char		date[64];

	strbuf_init(&b);
	mailmsg_date(m->date_ms, date, sizeof date);
	strbuf_addf(&b, "Date: %s\r\n", date);
	strbuf_addf(&b, "From: %s\r\n", m->from);
	mailmsg_add_to(&b, m);
	strbuf_adds(&b, "Subject: ");
	mailmsg_add_subject(&b, m->subject);
	strbuf_addf(&b, "\r\nMessage-ID: %s\r\n", m->message_id);
	strbuf_adds(&b, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n");
	if (m->incident_id != NULL)
		strbuf_addf(&b, "X-Drconsole-Incident: %s\r\n", m->incident_id);
	strbuf_adds(&b, "\r\n");
	mailmsg_add_body(&b, m->text);
	*len = b.len;
	return strbuf_detach(&b);
}
