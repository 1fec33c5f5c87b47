/*
** fuzz_routes.c: libFuzzer target for the HTTP router (server/routes.c).
**
** The input is "METHOD PATH" (or just a path, tried with every method).
** Invariants: a match names a route of the table with that method, whose
** template has exactly the matched number of {parameters}; every
** parameter is a non-empty slice of the path without '/', never "." or
** "..", and the path rebuilt from the template and the parameters is the
** path; a 405 (method_mismatch) happens only when the same path matches
** with another method.  A failed invariant aborts.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/srv_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *method, const char *path, size_t len)
{
    srv_match m;
    int rc = srv_route_find(method, path, len, &m), i, k;
    if (rc == LIAISON_OK) {
        char rebuilt[4200];
        const char *t;
        size_t n = 0;
        if (!m.route || strcmp(m.route->method, method) || m.index < 0 ||
            (size_t)m.index >= srv_n_routes ||
            &srv_routes[m.index] != m.route)
            abort();
        for (i = 0; i < m.n_params; i++) {
            if (m.params[i].len == 0 || m.params[i].s < path ||
                m.params[i].s + m.params[i].len > path + len ||
                memchr(m.params[i].s, '/', m.params[i].len))
                abort();
            if ((m.params[i].len == 1 && m.params[i].s[0] == '.') ||
                (m.params[i].len == 2 && !memcmp(m.params[i].s, "..", 2)))
                abort();
        }
        /* Rebuild the path from the template and the parameters. */
        for (t = m.route->path, k = 0; *t && n < sizeof(rebuilt) - 1;) {
            if (*t == '{') {
                const char *e = strchr(t, '}');
                if (!e || k >= m.n_params ||
                    n + m.params[k].len >= sizeof(rebuilt))
                    abort();
                memcpy(rebuilt + n, m.params[k].s, m.params[k].len);
                n += m.params[k].len;
                k++;
                t = e + 1;
            } else {
                rebuilt[n++] = *t++;
            }
        }
        if (k != m.n_params || n != len || memcmp(rebuilt, path, len))
            abort();
    } else if (m.method_mismatch) {
        size_t j;
        int other = 0;
        for (j = 0; j < srv_n_routes; j++) {
            srv_match x;
            if (strcmp(srv_routes[j].method, method) &&
                srv_route_find(srv_routes[j].method, path, len, &x) ==
                    LIAISON_OK)
                other = 1;
        }
        if (!other)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = {"GET", "POST", "PUT", "DELETE",
                                          "HEAD", "PATCH"};
    const char *s = (const char *)data;
    const char *sp = memchr(s, ' ', size);
    char method[16];
    size_t i;
    if (size > 4096)
        return 0;
    if (sp && (size_t)(sp - s) < sizeof(method)) {
        size_t ml = (size_t)(sp - s);
        memcpy(method, s, ml);
        method[ml] = 0;
        if (!memchr(method, 0, ml))
            check(method, sp + 1, size - ml - 1);
    }
    for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        check(methods[i], s, size);
    return 0;
}
