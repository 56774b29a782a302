/* dismiss.h: closing an unfinished incident nobody will resume (a stale
 * drill, an abandoned practice run) so it stops being offered: its journal
 * gets a run.end with status "dismissed" and the operator's reason. */
#ifndef DRC_DISMISS_H
#define DRC_DISMISS_H

#define DISMISS_STATUS "dismissed"

/* Journals the dismissal of the incident in dir by operator. Refused (-1,
 * *cause) when dir holds no journal, when a console drives it (the lock),
 * or when the reason is empty. */
int incident_dismiss(const char *dir, const char *operator, const char *reason, char **cause);

#endif
