/* runexport.h: what a finished run leaves for the systems around it (CI,
 * monitoring): the JUnit XML (junit.h) and the Prometheus textfile
 * (metrics.h), both from the fold of the incident's journal. Line mode
 * calls it once, at the run's end. */
#ifndef DRC_RUNEXPORT_H
#define DRC_RUNEXPORT_H

/* Writes the JUnit XML to junit and the textfile to metrics (either NULL:
 * not asked for) for the incident in dir. A file that cannot be written
 * is said on standard error; -1 then, else 0. */
int runexport_write(const char *dir, const char *junit, const char *metrics);

#endif
