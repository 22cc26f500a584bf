/* detect_stats.c: character statistics of a comment in one pass: capitals,
 * runs of one character, emoji and symbols, combining marks per base
 * (zalgo), words that mix Latin with Cyrillic or Greek; and which
 * characters the scanners need are present at all. */
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/ipaddr.h"
#include "modgate/text.h"
#include "src/rules/scan.h"

/* ASCII classes, computed by the compiler. */
#define ACL(c) (ACL_BASE(c) | ACL_TRIGGER(c))
#define ACL_TRIGGER(c)                                                         \
    ((c) == '.'                               ? C_DOT                          \
     : (c) == '@'                             ? C_AT                           \
     : (c) == '[' || (c) == '(' || (c) == '{' ? C_OPEN                         \
     : (c) >= '0' && (c) <= '9'               ? C_DIGIT                        \
     : (c) == 't' || (c) == 'T'               ? C_T                            \
     : (c) == ':'                             ? C_COLON                        \
                                              : 0)
#define ACL_BASE(c)                                                            \
    ((c) >= 'A' && (c) <= 'Z'                                                  \
         ? C_VISIBLE | C_LETTER | C_UPPER | C_CASED | C_WORD | C_LATIN         \
     : (c) >= 'a' && (c) <= 'z'                                                \
         ? C_VISIBLE | C_LETTER | C_CASED | C_WORD | C_LATIN                   \
     : (c) >= '0' && (c) <= '9'                   ? C_VISIBLE | C_WORD         \
     : (c) == ' ' || ((c) >= '\t' && (c) <= '\r') ? C_SPACE                    \
     : (c) < 0x20 || (c) == 0x7f                  ? 0                          \
                                                  : C_VISIBLE | C_SYMBOL)
#define ACL4(c)  ACL(c), ACL((c) + 1), ACL((c) + 2), ACL((c) + 3)
#define ACL16(c) ACL4(c), ACL4((c) + 4), ACL4((c) + 8), ACL4((c) + 12)
static const uint32_t ascii_class[128] = {
    ACL16(0),  ACL16(16), ACL16(32), ACL16(48),
    ACL16(64), ACL16(80), ACL16(96), ACL16(112),
};

static unsigned classify(uint32_t c)
{
    if (c < 0x80)
        return ascii_class[c];
    if (c >= 0xac00 && c <= 0xd7a3) /* Hangul syllables: the common case */
        return C_VISIBLE | C_LETTER | C_WORD;
    /* White_Space is only ever Zs, Zl, Zp or a control (unicode.h): the
     * category first spares most characters a second call */
    uint32_t gc = mg_unicode_category(c);
    if ((gc & (MG_GC_Z | MG_GC_CC)) && mg_unicode_is_white_space(c))
        return C_SPACE;
    if (gc & (MG_GC_CC | MG_GC_CF | MG_GC_CS))
        return 0;
    if ((gc & (MG_GC_MN | MG_GC_LO | MG_GC_CN)) &&
        mg_unicode_is_default_ignorable(c))
        return gc & MG_GC_MN ? C_TRANSPARENT : 0; /* variation selectors,
                                                    Hangul fillers */
    if (gc & MG_GC_L) {
        unsigned f = C_VISIBLE | C_LETTER | C_WORD;
        if (gc & MG_GC_LU)
            f |= C_UPPER | C_CASED;
        else if (gc & (MG_GC_LL | MG_GC_LT))
            f |= C_CASED;
        if (c < 0x250) {
            f |= C_LATIN;
        } else if (!(c >= 0x4e00 && c <= 0x9fff)) {
            enum mg_script script = mg_unicode_script(c);
            if (script == MG_SCRIPT_LATIN)
                f |= C_LATIN;
            else if (script == MG_SCRIPT_CYRILLIC || script == MG_SCRIPT_GREEK)
                f |= C_CYRGREEK;
        }
        return f;
    }
    if (gc & (MG_GC_MN | MG_GC_ME))
        return C_VISIBLE | C_MARK | C_WORD;
    if (gc & MG_GC_ND)
        return C_VISIBLE | C_WORD | C_DIGIT;
    if (gc & MG_GC_MC)
        return C_VISIBLE | C_WORD;
    if (is_wide_dot(c))
        return C_VISIBLE | C_SYMBOL | C_DOT;
    if (c == 0xff20)
        return C_VISIBLE | C_SYMBOL | C_AT;
    if (mg_unicode_is_pictographic(c))
        return C_VISIBLE | C_EMOJI;
    if (gc & (MG_GC_S | MG_GC_P))
        return C_VISIBLE | C_SYMBOL;
    return C_VISIBLE;
}

/* Fills *st; returns the C_* classes seen (for scan_text). */
unsigned mg__detect_compute_stats(const uint32_t *cp, uint32_t n,
                                  struct mg_charstats *st)
{
    unsigned seen = 0;
    uint32_t cased = 0, visible = 0, emoji = 0, symbols = 0;
    uint32_t run = 0, run_start = 0, marks = 0, base = 0, best_marks = 0;
    uint32_t word_start = 0;
    unsigned word = 0; /* C_WORD | script bits of the current word */
    memset(st, 0, sizeof *st);
    st->chars = n;
    for (uint32_t i = 0; i <= n; i++) {
        unsigned f = i < n ? classify(cp[i]) : C_SPACE;
        if (f & C_WORD) {
            if (!word)
                word_start = i;
            word |= f & (C_WORD | C_LATIN | C_CYRGREEK);
        } else if (word) {
            if ((word & C_LATIN) && (word & C_CYRGREEK)) {
                if (st->mixed_script_words++ == 0)
                    st->mixed_span = (struct mg_span){word_start, i};
            }
            word = 0;
        }
        if (i == n)
            break;
        seen |= f;
        if ((f & C_T) && i >= 2 && (cp[i - 1] | 0x20) == 'o' &&
            (cp[i - 2] | 0x20) == 'd')
            seen |= C_DOTWORD;
        if (f & C_SPACE) {
            run = 0;
        } else {
            if (run && cp[i] == cp[i - 1]) {
                run++;
            } else {
                run = 1;
                run_start = i;
            }
            if (run > st->longest_run) {
                st->longest_run = run;
                st->run_span = (struct mg_span){run_start, i + 1};
            }
        }
        if (f & C_TRANSPARENT) {
            /* "1\ufe0f\u20e3": the keycap still sits on the 1 */
        } else if (f & C_MARK) {
            if (++marks > best_marks) {
                best_marks = marks;
                st->marks_span = (struct mg_span){base, i + 1};
            }
        } else {
            marks = 0;
            base = i;
        }
        st->letters += (f & C_LETTER) != 0;
        st->upper += (f & C_UPPER) != 0;
        cased += (f & C_CASED) != 0;
        visible += (f & C_VISIBLE) != 0;
        emoji += (f & C_EMOJI) != 0;
        symbols += (f & C_SYMBOL) != 0;
    }
    st->caps_ratio = cased ? (double)st->upper / cased : 0.0;
    st->emoji_ratio = visible ? (double)emoji / visible : 0.0;
    st->symbol_ratio = visible ? (double)symbols / visible : 0.0;
    st->marks_per_base = best_marks;
    return seen;
}
