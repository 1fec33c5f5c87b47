/*
** sql.h: test helper: run SQL on a SQLite store file directly, as someone
** with access to the file would (to damage it, or to make its writes fail),
** outside the store interface.
*/
#ifndef LIAISON_TEST_SQL_H
#define LIAISON_TEST_SQL_H

/* Run sql (one or more statements) on the database file at path.  Returns
** the SQLite result code; on failure the message goes to stderr. */
int th_raw_sql(const char *path, const char *sql);

#endif /* LIAISON_TEST_SQL_H */
