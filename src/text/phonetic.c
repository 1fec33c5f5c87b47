/*
** phonetic.c: phonetic forms and consonant skeletons of folded name parts.
**
** Transliterations of the same name differ mostly in vowels, in doubled
** consonants and in how one sound is spelled (sh/ch/sch/s, kh/h, dj/j,
** q/k/g, th/t/d, ph/f).  Both keys below fold those differences away:
**
**   phonetic form   consonant classes (upper case) and vowel groups
**                   (lower case a, i, u, classed by their first letter),
**                   doubled letters collapsed:
**                   mohammed, muhammad -> MuHaMaT; mehmet -> MaHMaT
**   skeleton        the phonetic form without its vowels and w/v:
**                   saddam -> STM, and Arabic script صدام (sdam) -> STM,
**                   which is how unvowelled Arabic meets Latin spellings.
**
** The classes are deliberately coarse (t/d/th/dh one class, k/q/c/g one
** class): the keys find candidates and support scoring; the full forms
** still separate names that merely share a skeleton.  Input is a-z only.
*/
#include "text/text.h"

/* Classify the sound starting at s[i]; return its class letter and set
** *adv to the number of input letters consumed.  Vowel letters return
** 'a', 'i' or 'u'; w and v return 'W', a consonant of the phonetic form
** that the skeleton drops (Arabic و is written w, v, ou, u or o). */
static char sound_at(const char *s, size_t len, size_t i, size_t *adv)
{
    char c = s[i];
    char n1 = i + 1 < len ? s[i + 1] : '\0';
    char n2 = i + 2 < len ? s[i + 2] : '\0';
    char n3 = i + 3 < len ? s[i + 3] : '\0';

    *adv = 1;
    switch (c) {
    case 'a': case 'e': return 'a';
    case 'i': case 'y': return 'i';
    case 'o': case 'u': return 'u';
    case 'w': case 'v': return 'W';
    case 'b': case 'p':
        if (c == 'p' && n1 == 'h') { *adv = 2; return 'F'; }
        return 'B';
    case 'f': return 'F';
    case 't':
        if (n1 == 's' && n2 == 'c' && n3 == 'h') { *adv = 4; return 'S'; }
        if (n1 == 'c' && n2 == 'h') { *adv = 3; return 'S'; }
        if (n1 == 'h') { *adv = 2; return 'T'; }
        return 'T';
    case 'd':
        if (n1 == 'j' || n1 == 'z') { *adv = 2; return 'J'; }
        if (n1 == 'h') { *adv = 2; return 'T'; }
        return 'T';
    case 's':
        if (n1 == 'c' && n2 == 'h') { *adv = 3; return 'S'; }
        if (n1 == 'h') { *adv = 2; return 'S'; }
        return 'S';
    case 'c':
        if (n1 == 'h') { *adv = 2; return 'S'; }
        if (n1 == 'k') { *adv = 2; return 'K'; }
        return 'K';
    case 'k':
        if (n1 == 'h') { *adv = 2; return 'H'; }
        return 'K';
    case 'g':
        if (n1 == 'h') { *adv = 2; return 'K'; }
        return 'K';
    case 'q': return 'K';
    case 'j': return 'J';
    case 'z':
        if (n1 == 'h') { *adv = 2; return 'J'; }
        return 'Z';
    case 'x': return 'X';       /* expanded to K S by the caller */
    case 'h': return 'H';
    case 'l': return 'L';
    case 'm': return 'M';
    case 'n': return 'N';
    case 'r': return 'R';
    default: return '\0';
    }
}

static int is_vowel_class(char k)
{
    return k == 'a' || k == 'i' || k == 'u';
}

/* Phonetic form: see the file comment.  A vowel group is classed by its
** first letter (ou -> u, ei -> a, ee -> a).  A final h after a vowel
** (fatimah, zadeh) is dropped. */
size_t text_phonetic(const char *s, size_t len, char *out, size_t cap)
{
    size_t i = 0, o = 0;
    char last = '\0';
    int in_vowels = 0;
    if (cap == 0)
        return 0;
    while (i < len && o + 2 < cap) {
        size_t adv;
        char k = sound_at(s, len, i, &adv);
        if (k == '\0') {
            i += adv;
            continue;
        }
        if (k == 'H' && adv == 1 && i + 1 == len && in_vowels)
            break;              /* final h after a vowel */
        if (is_vowel_class(k)) {
            if (!in_vowels) {
                out[o++] = k;
                last = k;
                in_vowels = 1;
            }
        } else if (k == 'X') {
            if (last != 'K')
                out[o++] = 'K';
            out[o++] = 'S';
            last = 'S';
            in_vowels = 0;
        } else {
            if (k != last)
                out[o++] = k;
            last = k;
            in_vowels = 0;
        }
        i += adv;
    }
    out[o] = '\0';
    return o;
}

/* Skeleton: the consonant classes of the phonetic form, vowels dropped
** and runs of one class collapsed. */
size_t text_skeleton(const char *s, size_t len, char *out, size_t cap)
{
    char tmp[256];
    size_t n = text_phonetic(s, len, tmp, sizeof(tmp)), i, o = 0;
    char last = '\0';
    if (cap == 0)
        return 0;
    for (i = 0; i < n && o + 1 < cap; i++) {
        char k = tmp[i];
        if ((k >= 'a' && k <= 'z') || k == 'W')
            continue;
        if (k != last)
            out[o++] = k;
        last = k;
    }
    out[o] = '\0';
    return o;
}
