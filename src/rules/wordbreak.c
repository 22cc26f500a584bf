/* wordbreak.c: UAX #29's word boundary rules for the classes ASCII has:
 * WB3 to WB3d (line breaks, runs of spaces), WB5 to WB13b (letters,
 * digits, '.' and '\'' inside words and numbers, ',' and ';' inside
 * numbers, '_' joining), Hangul jamo as letters, and ICU's runs of
 * Hangul syllables. Rules for characters these texts lack (Extend,
 * Format, Katakana, Hebrew, emoji, regional indicators) cannot apply. */
#include "src/rules/wordbreak.h"

enum wb {
    WB_OTHER,
    WB_LETTER,       /* ALetter: ASCII letters, '@', Hangul jamo */
    WB_NUMERIC,
    WB_EXTEND,       /* ExtendNumLet: '_' */
    WB_MID_NUM_LET,  /* MidNumLet '.' and Single_Quote '\'' */
    WB_MID_NUM,      /* ',' ';' */
    WB_SPACE,        /* WSegSpace */
    WB_CR,
    WB_LF,
    WB_NEWLINE,      /* vertical tab, form feed */
    WB_HANGUL,       /* a Hangul syllable */
};

#define LETTERS(from) \
    [from] = WB_LETTER, [from + 1] = WB_LETTER, [from + 2] = WB_LETTER, \
    [from + 3] = WB_LETTER, [from + 4] = WB_LETTER, [from + 5] = WB_LETTER, \
    [from + 6] = WB_LETTER, [from + 7] = WB_LETTER, [from + 8] = WB_LETTER, \
    [from + 9] = WB_LETTER, [from + 10] = WB_LETTER, [from + 11] = WB_LETTER, \
    [from + 12] = WB_LETTER, [from + 13] = WB_LETTER, [from + 14] = WB_LETTER, \
    [from + 15] = WB_LETTER, [from + 16] = WB_LETTER, [from + 17] = WB_LETTER, \
    [from + 18] = WB_LETTER, [from + 19] = WB_LETTER, [from + 20] = WB_LETTER, \
    [from + 21] = WB_LETTER, [from + 22] = WB_LETTER, [from + 23] = WB_LETTER, \
    [from + 24] = WB_LETTER, [from + 25] = WB_LETTER

/* Every ASCII character's class; the rest are WB_OTHER (0). ICU's root
 * rules count '@' as a letter, so "x@y.com" is one word. */
static const uint8_t CLASS[128] = {
    LETTERS('a'), LETTERS('A'), ['@'] = WB_LETTER,
    ['0'] = WB_NUMERIC, ['1'] = WB_NUMERIC, ['2'] = WB_NUMERIC, ['3'] = WB_NUMERIC,
    ['4'] = WB_NUMERIC, ['5'] = WB_NUMERIC, ['6'] = WB_NUMERIC, ['7'] = WB_NUMERIC,
    ['8'] = WB_NUMERIC, ['9'] = WB_NUMERIC,
    ['_'] = WB_EXTEND, ['.'] = WB_MID_NUM_LET, ['\''] = WB_MID_NUM_LET,
    [','] = WB_MID_NUM, [';'] = WB_MID_NUM, [' '] = WB_SPACE,
    ['\r'] = WB_CR, ['\n'] = WB_LF, [0x0B] = WB_NEWLINE, [0x0C] = WB_NEWLINE,
};

static bool is_syllable(uint16_t c)
{
    return c >= 0xAC00 && c <= 0xD7A3;
}

/* Compatibility jamo (ㅋ), and conjoining jamo (ᄏ, which NFKC makes of
 * ㅋ) but for the two fillers: ALetter, unlike the syllables. */
static bool is_jamo(uint16_t c)
{
    return (c >= 0x3131 && c <= 0x318E) || (c >= 0x1100 && c <= 0x11FF && c != 0x115F &&
                                            c != 0x1160);
}

static enum wb wb_of(uint16_t c)
{
    if (c < 0x80)
        return (enum wb)CLASS[c];
    /* jamo (ㅋ, ㅏ, ᄏ) are ALetter: "ㅋa" is one word */
    return is_syllable(c) ? WB_HANGUL : WB_LETTER; /* mg__simple_only */
}

static bool is_line_break(enum wb k)
{
    return k == WB_CR || k == WB_LF || k == WB_NEWLINE;
}

/* Whether u[i - 1] and u[i] (0 < i < n) stay in one segment. */
static bool joins(const uint16_t *u, size_t n, size_t i)
{
    enum wb a = wb_of(u[i - 1]), b = wb_of(u[i]);
    enum wb before = i >= 2 ? wb_of(u[i - 2]) : WB_OTHER;
    enum wb after = i + 1 < n ? wb_of(u[i + 1]) : WB_OTHER;
    if (a == WB_CR && b == WB_LF)
        return true; /* WB3 */
    if (is_line_break(a) || is_line_break(b))
        return false; /* WB3a, WB3b */
    if (a == WB_SPACE && b == WB_SPACE)
        return true; /* WB3d */
    if ((a == WB_LETTER || a == WB_NUMERIC) && (b == WB_LETTER || b == WB_NUMERIC))
        return true; /* WB5, WB8, WB9, WB10 */
    /* ICU keeps a run of syllables together and apart from anything else
     * ("한국a1" is 한국 and a1, "ㅋㅋ진짜" is ㅋㅋ and 진짜) */
    if (a == WB_HANGUL && b == WB_HANGUL)
        return true;
    if (a == WB_LETTER && b == WB_MID_NUM_LET && after == WB_LETTER)
        return true; /* WB6 */
    if (before == WB_LETTER && a == WB_MID_NUM_LET && b == WB_LETTER)
        return true; /* WB7 */
    if (before == WB_NUMERIC && (a == WB_MID_NUM || a == WB_MID_NUM_LET) && b == WB_NUMERIC)
        return true; /* WB11 */
    if (a == WB_NUMERIC && (b == WB_MID_NUM || b == WB_MID_NUM_LET) && after == WB_NUMERIC)
        return true; /* WB12 */
    if ((a == WB_LETTER || a == WB_NUMERIC || a == WB_EXTEND) && b == WB_EXTEND)
        return true; /* WB13a */
    if (a == WB_EXTEND && (b == WB_LETTER || b == WB_NUMERIC))
        return true; /* WB13b */
    return false;    /* WB999 */
}

bool mg__simple_only(const uint16_t *u, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (u[i] >= 0x80 && !is_syllable(u[i]) && !is_jamo(u[i]))
            return false;
    return true;
}

size_t mg__simple_next_break(const uint16_t *u, size_t n, size_t from, bool *word)
{
    size_t end = from + 1;
    while (end < n && joins(u, n, end))
        end++;
    /* Segments of one character other than a letter or a digit get no
     * word status; longer ones are words unless made of spaces or CR LF
     * (the only other rules that join). */
    enum wb first = wb_of(u[from]);
    *word = first == WB_LETTER || first == WB_NUMERIC || first == WB_HANGUL ||
            (first == WB_EXTEND && end - from > 1);
    return end;
}
