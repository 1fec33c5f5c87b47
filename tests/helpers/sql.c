/*
** sql.c: running SQL on a store file behind the store's back (sql.h).
*/
#include <stdio.h>

#include <sqlite3.h>

#include "sql.h"

int th_raw_sql(const char *path, const char *sql)
{
    sqlite3 *h = NULL;
    char *msg = NULL;
    int rc = sqlite3_open(path, &h);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "raw sql on %s: %s\n", path,
                msg ? msg : sqlite3_errmsg(h));
    sqlite3_free(msg);
    sqlite3_close(h);
    return rc;
}
