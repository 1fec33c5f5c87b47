/*
** dob.c: dates of birth.
**
** Records keep dates of birth as ISO text of the precision the source
** gives: "1966", "1966-07" or "1966-07-14", or an interval of two such
** dates, "1960/1962", which is how sanctions lists give "born between
** 1960 and 1962".  This file validates those forms and turns the English
** dates of the OFAC remarks ("DOB 14 Jul 1966", "DOB circa 1960",
** "DOB 1960 to 1962") into them.
*/
#include <stdio.h>
#include <string.h>

#include "formats/fmt_int.h"

static int digits(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    size_t i;
    for (i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

/* Years are four digits from 1000 to 2999: a wider range is a typo. */
int fmt_date_valid(const char *s, size_t len)
{
    int y, m, d;
    if (len != 4 && len != 7 && len != 10)
        return 0;
    if (!digits(s, 4))
        return 0;
    y = num(s, 4);
    if (y < 1000 || y > 2999)
        return 0;
    if (len == 4)
        return 1;
    if (s[4] != '-' || !digits(s + 5, 2))
        return 0;
    m = num(s + 5, 2);
    if (m < 1 || m > 12)
        return 0;
    if (len == 7)
        return 1;
    if (s[7] != '-' || !digits(s + 8, 2))
        return 0;
    d = num(s + 8, 2);
    return d >= 1 && d <= days_in_month(y, m);
}

/* An interval must not run backwards; dates of different precision are
** compared on their common prefix ("1960-05" is within "1960"). */
int fmt_dob_valid(const char *s)
{
    const char *slash;
    size_t n, a, b;
    if (!s)
        return LIAISON_EINVAL;
    n = strlen(s);
    slash = memchr(s, '/', n);
    if (!slash)
        return fmt_date_valid(s, n) ? LIAISON_OK : LIAISON_EINVAL;
    a = (size_t)(slash - s);
    b = n - a - 1;
    if (!fmt_date_valid(s, a) || !fmt_date_valid(slash + 1, b))
        return LIAISON_EINVAL;
    if (memcmp(s, slash + 1, UTIL_MIN(a, b)) > 0)
        return LIAISON_EINVAL;
    return LIAISON_OK;
}

/* ---------------------------------------------------------------- English */

static const char *const months[12] = {
    "jan", "feb", "mar", "apr", "may", "jun",
    "jul", "aug", "sep", "oct", "nov", "dec"
};

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Month number for "Jul", "July", "Sept" (any case); 0 if none. */
static int month_of(const char *s, size_t n)
{
    static const char *const full[12] = {
        "january", "february", "march", "april", "may", "june", "july",
        "august", "september", "october", "november", "december"
    };
    char w[16];
    size_t i;
    int m;
    if (n < 3 || n >= sizeof(w))
        return 0;
    for (i = 0; i < n; i++)
        w[i] = (char)lower((unsigned char)s[i]);
    w[n] = '\0';
    for (m = 0; m < 12; m++) {
        if (!strcmp(w, months[m]) || !strcmp(w, full[m]))
            return m + 1;
        if (m == 8 && !strcmp(w, "sept"))
            return 9;
    }
    return 0;
}

/* Split s into at most 8 blank-separated words. */
static size_t words(const char *s, size_t len, const char **w, size_t *wl)
{
    size_t n = 0, i = 0;
    while (i < len) {
        size_t j;
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i >= len)
            break;
        j = i;
        while (j < len && s[j] != ' ' && s[j] != '\t')
            j++;
        if (n == 8)
            return 9;
        w[n] = s + i;
        wl[n] = j - i;
        n++;
        i = j;
    }
    return n;
}

/* One date of 1 to 3 words: "1966", "Jul 1966", "14 Jul 1966". */
static int one_date(const char **w, const size_t *wl, size_t n, char *out,
                    size_t size)
{
    int y, m = 0, d = 0, k;
    if (n < 1 || n > 3 || wl[n - 1] != 4 || !digits(w[n - 1], 4))
        return LIAISON_EINVAL;
    y = num(w[n - 1], 4);
    if (n >= 2 && !(m = month_of(w[n - 2], wl[n - 2])))
        return LIAISON_EINVAL;
    if (n == 3) {
        if (wl[0] < 1 || wl[0] > 2 || !digits(w[0], wl[0]))
            return LIAISON_EINVAL;
        d = num(w[0], wl[0]);
    }
    if (n == 1)
        k = snprintf(out, size, "%04d", y);
    else if (n == 2)
        k = snprintf(out, size, "%04d-%02d", y, m);
    else
        k = snprintf(out, size, "%04d-%02d-%02d", y, m, d);
    if (k < 0 || (size_t)k >= size || !fmt_date_valid(out, (size_t)k))
        return LIAISON_EINVAL;
    return LIAISON_OK;
}

int fmt_dob_from_english(const char *s, size_t len, char *out, size_t size)
{
    const char *w[9];
    size_t wl[9], n, i, to = 0;
    char a[16], b[16];
    int k;
    if (size)
        out[0] = '\0';
    n = words(s, len, w, wl);
    if (n > 8 || n == 0)
        return LIAISON_EINVAL;
    /* "circa" and "approximately" qualify the date; the matcher already
    ** allows for a year either way. */
    if (wl[0] == 5 && !memcmp(w[0], "circa", 5)) {
        memmove(w, w + 1, (n - 1) * sizeof(w[0]));
        memmove(wl, wl + 1, (n - 1) * sizeof(wl[0]));
        n--;
    }
    if (n == 0)
        return LIAISON_EINVAL;
    for (i = 0; i < n; i++)
        if (wl[i] == 2 && !memcmp(w[i], "to", 2))
            to = i;
    if (to) {
        if (one_date(w, wl, to, a, sizeof(a)) ||
            one_date(w + to + 1, wl + to + 1, n - to - 1, b, sizeof(b)))
            return LIAISON_EINVAL;
    } else if (n == 1 && wl[0] == 9 && w[0][4] == '-') {
        /* "1960-1962" */
        if (!digits(w[0], 4) || !digits(w[0] + 5, 4))
            return LIAISON_EINVAL;
        snprintf(a, sizeof(a), "%.4s", w[0]);
        snprintf(b, sizeof(b), "%.4s", w[0] + 5);
    } else {
        return one_date(w, wl, n, out, size);
    }
    k = snprintf(out, size, "%s/%s", a, b);
    if (k < 0 || (size_t)k >= size || fmt_dob_valid(out) != LIAISON_OK) {
        if (size)
            out[0] = '\0';
        return LIAISON_EINVAL;
    }
    return LIAISON_OK;
}
