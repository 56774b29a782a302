/* mailmsg.h: the RFC 5322 message an email notification sends, and the
 * checks that keep every value in its own header field: a from, a
 * recipient or a subject is one line, and a mailbox is one mailbox, so no
 * value can add a header, a recipient or a second message. */
#ifndef DRC_MAILMSG_H
#define DRC_MAILMSG_H

#include <stddef.h>
#include <stdint.h>

struct mailmsg {
	int64_t			 date_ms;	/* wall clock */
	const char		*from;		/* checked by mailmsg_check_mailbox */
	const char *const	*to;
	int			 nto;
	const char		*subject;	/* as sent: prefixed and masked */
	const char		*message_id;	/* "<...@...>" */
	const char		*incident_id;	/* X-Drconsole-Incident; NULL: none */
	const char		*text;		/* the body, LF or CRLF line ends */
};

/* -1 with *cause when s holds a CR or LF ("the email subject must be one
 * line"). */
int mailmsg_one_line(const char *what, const char *s, char **cause);
/* -1 with *cause unless s is one mailbox on one line: "addr" or
 * "Display Name <addr>" (the name plain words, or a "quoted string"). */
int mailmsg_check_mailbox(const char *what, const char *s, char **cause);
/* The address of a checked mailbox, allocated; NULL if it is not one. */
char *mailmsg_addr(const char *s);
/* A new Message-ID in the domain of from. */
char *mailmsg_message_id(const char *from);
/* The message with CRLF line ends and no line over 998 bytes; *len its
 * length. */
char *mailmsg_build(const struct mailmsg *, size_t *len);

#endif
