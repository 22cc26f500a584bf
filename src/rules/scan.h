/* scan.h: what the files of the detectors share (private to src/rules):
 * the text as code points, the character classes and helpers every scanner
 * uses, and the scanners each file offers the others. detect.c runs the
 * scan; detect_links.c finds links and hosts, detect_contacts.c contact
 * details and wallets, detect_stats.c the character statistics. What they
 * need to know of Unicode beyond ASCII and Hangul they ask unicode.h: the
 * helpers answer those two from their own ranges first, without a call. */
#ifndef MODGATE_RULES_SCAN_H
#define MODGATE_RULES_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "modgate/detect.h"
#include "modgate/text.h"
#include "modgate/unicode.h"

#define MAX_LABELS 32  /* labels read per domain attempt */
#define MAX_LABEL  63  /* code points per label (RFC 1035) */
#define MAX_HOST   253 /* code points per host */
#define HOST_BUF   (4 * MAX_HOST + MAX_LABELS + 8)
#define STACK_CPS  512 /* code points decoded without allocating */

/* Separators between the labels of a domain. */
enum sep {
    SEP_NONE,
    SEP_DOT,     /* "." */
    SEP_SPACED,  /* " .", ". ", " . " */
    SEP_WORD,    /* " dot " */
    SEP_BRACKET, /* "[.]", "(.)", "{.}", "[dot]", "(dot)", "{dot}" */
    SEP_WIDE,    /* an ideographic or fullwidth full stop */
};

struct chain {
    uint32_t s[MAX_LABELS], e[MAX_LABELS]; /* label j is [s[j], e[j]) */
    uint8_t sep[MAX_LABELS];               /* sep[j]: before label j */
    size_t n;
    uint32_t end; /* how far the attempt read (the watermark) */
};

struct scan {
    const uint32_t *cp;
    uint32_t n;
    struct mg_detect *out;
    size_t links_cap, contacts_cap;
};

/* ---- statistics -------------------------------------------------------- */

enum {
    C_SPACE = 1 << 0,
    C_VISIBLE = 1 << 1,
    C_LETTER = 1 << 2,
    C_UPPER = 1 << 3,
    C_CASED = 1 << 4,
    C_MARK = 1 << 5,
    C_EMOJI = 1 << 6,
    C_SYMBOL = 1 << 7,
    C_WORD = 1 << 8,
    C_LATIN = 1 << 9,
    C_CYRGREEK = 1 << 10,
    C_TRANSPARENT = 1 << 11, /* a variation selector: neither mark nor base */
    /* what the scanners need to be worth running */
    C_DOT = 1 << 12,     /* '.' or a wide full stop */
    C_AT = 1 << 13,      /* '@' */
    C_OPEN = 1 << 14,    /* '[', '(', '{' */
    C_DIGIT = 1 << 15,   /* a decimal digit */
    C_T = 1 << 16,       /* 't': the end of "dot" */
    C_COLON = 1 << 17,   /* ':' */
    C_DOTWORD = 1 << 18, /* "dot" (set by compute_stats) */
};

/* ---- characters -------------------------------------------------------- */

static inline uint32_t at(const struct scan *sc, uint32_t i)
{
    return i < sc->n ? sc->cp[i] : 0;
}

static inline bool is_alpha_ascii(uint32_t c)
{
    return (c | 0x20) - 'a' < 26u;
}

static inline bool is_digit_ascii(uint32_t c)
{
    return c - '0' < 10u;
}

static inline bool is_alnum_ascii(uint32_t c)
{
    return is_alpha_ascii(c) || is_digit_ascii(c);
}

static inline bool is_upper_ascii(uint32_t c)
{
    return c - 'A' < 26u;
}

static inline uint32_t lower(uint32_t c)
{
    if (c < 0x80)
        return is_upper_ascii(c) ? c | 0x20 : c;
    return mg_unicode_to_lower(c);
}

static inline bool is_space(uint32_t c)
{
    if (c < 0x80)
        return c == ' ' || (c >= '\t' && c <= '\r');
    return mg_unicode_is_white_space(c);
}

/* Spaces within a line: what may stand around a disguised dot. */
static inline bool is_hspace(uint32_t c)
{
    return c == ' ' || c == '\t' || c == 0xa0 || c == 0x3000 ||
           (c >= 0x2000 && c <= 0x200a) || c == 0x202f || c == 0x205f;
}

static inline bool is_hangul(uint32_t c)
{
    return (c >= 0xac00 && c <= 0xd7a3) || (c >= 0x1100 && c <= 0x11ff) ||
           (c >= 0x3130 && c <= 0x318f);
}

/* Scripts written without spaces between words (or, for Korean, with
 * particles glued to them): where a Latin domain may touch prose. */
static inline bool is_cjk(uint32_t c)
{
    return is_hangul(c) || (c >= 0x3040 && c <= 0x30ff) ||
           (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
           (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x2ffff);
}

/* Invisible characters slipped into links and numbers to break them up.
 * mg_detect removes them before the scan (as_read in detect.c) and marks a
 * link that had one hidden; host_is_clean still refuses them in a host. */
static inline bool is_host_filler(uint32_t c)
{
    return c == 0xad || c == 0x200b || c == 0x200c || c == 0x200d ||
           c == 0x2060 || c == 0xfeff;
}

static inline bool is_host_char(uint32_t c)
{
    if (c < 0x80)
        return is_alnum_ascii(c) || c == '-';
    if (c >= 0xac00 && c <= 0xd7a3)
        return true; /* Hangul syllables, without asking ICU */
    return (mg_unicode_category(c) & (MG_GC_L | MG_GC_M | MG_GC_ND)) != 0;
}

static inline bool is_label_start(uint32_t c)
{
    return c != '-' && is_host_char(c);
}

static inline bool is_wide_dot(uint32_t c)
{
    return c == 0x3002 || c == 0xff0e || c == 0xff61;
}

/* Characters of an e-mail local part (the common ones, ASCII). */
static inline bool is_local_char(uint32_t c)
{
    return is_alnum_ascii(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
           c == '-';
}

/* A decimal digit of any script (fullwidth digits are a common dodge). */
static inline bool is_digit(uint32_t c)
{
    if (c < 0x660 || (c >= 0xac00 && c <= 0xd7a3)) /* no digits there */
        return is_digit_ascii(c);
    return mg_unicode_category(c) == MG_GC_ND;
}

static inline uint32_t skip_hspace(const struct scan *sc, uint32_t i,
                                   uint32_t max)
{
    uint32_t k = i;
    while (k - i < max && is_hspace(at(sc, k)))
        k++;
    return k;
}

/* True when s (lowercase ASCII) is written at i, in any case. */
static inline bool match_ci(const struct scan *sc, uint32_t i, const char *s)
{
    for (uint32_t k = 0; s[k]; k++)
        if (lower(at(sc, i + k)) != (unsigned char)s[k])
            return false;
    return true;
}

/* As match_ci, and the word ends there (no ASCII letter or digit next). */
static inline bool match_word_ci(const struct scan *sc, uint32_t i,
                                 const char *s)
{
    return match_ci(sc, i, s) &&
           !is_alnum_ascii(at(sc, i + (uint32_t)strlen(s)));
}

/* The number of code points of the lowercase UTF-8 word w written at i (in
 * any case), or 0. */
static inline uint32_t match_utf8(const struct scan *sc, uint32_t i,
                                  const char *w)
{
    const unsigned char *s = (const unsigned char *)w;
    size_t len = strlen(w);
    uint32_t k = i;
    for (size_t off = 0; off < len; k++) {
        size_t n = s[off] < 0x80 ? 1 : mg_utf8_seq_len(s + off, len - off);
        if (n == 0 || lower(at(sc, k)) != mg_utf8_decode(s + off, n))
            return 0;
        off += n;
    }
    return k - i;
}

/* ---- output (detect.c) ----------------------------------------------- */

void mg__detect_push_link(struct scan *sc, char *host, unsigned flags,
                          uint32_t start, uint32_t end);
void mg__detect_push_contact(struct scan *sc, enum mg_contact_kind kind,
                             const char *what, uint32_t start, uint32_t end);

/* ---- links and hosts (detect_links.c) -------------------------------- */

bool mg__detect_try_scheme(struct scan *sc, uint32_t i, uint32_t *end);
bool mg__detect_try_domain(struct scan *sc, uint32_t i, uint32_t *end,
                           uint32_t *wm);
void mg__detect_parse_chain(const struct scan *sc, uint32_t i, bool bare,
                            struct chain *ch);
bool mg__detect_domain_fits(const struct scan *sc, const struct chain *ch,
                            size_t j, bool bare);

/* ---- contacts (detect_contacts.c) ------------------------------------ */

bool mg__detect_try_email(struct scan *sc, uint32_t i, uint32_t *end);
bool mg__detect_try_phone(const struct scan *sc, uint32_t i, bool in_context,
                          uint32_t *end);
bool mg__detect_try_keyword(struct scan *sc, uint32_t i, uint32_t *end);
const char *mg__detect_wallet_kind(const struct scan *sc, uint32_t s,
                                   uint32_t e);

/* ---- statistics (detect_stats.c) ------------------------------------- */

/* Fills stats for the n code points cp; returns the classes seen (the C_
 * bits), which tell the scan which scanners can find anything. */
unsigned mg__detect_compute_stats(const uint32_t *cp, uint32_t n,
                                  struct mg_charstats *st);

#endif
