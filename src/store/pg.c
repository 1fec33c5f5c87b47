/*
** pg.c: the PostgreSQL backend of the store (libpq).  Not written yet:
** opening a PostgreSQL store fails with a clear message.
*/
#include "store/store_be.h"
#include "util/util.h"

int store_pg_open(const char *conninfo, int create, const char *agency,
                  store **out, struct liaison_err *err)
{
    (void)conninfo;
    (void)create;
    (void)agency;
    *out = NULL;
    return util_err(err, LIAISON_ESTATE, 0, 0,
                    "the PostgreSQL backend is not built yet");
}
