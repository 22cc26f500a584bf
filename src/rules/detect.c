/* detect.c: links, contact details and character statistics of a comment,
 * found by hand-written scanners over its code points (ICU only for
 * character properties and for folding non-ASCII hosts). Every scanner is
 * linear: a failed attempt either reads a bounded window or moves a
 * watermark past what it read, so no text is read more than a few times. */
#include "modgate/detect.h"

#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "modgate/alloc.h"
#include "modgate/ipaddr.h"
#include "modgate/text.h"

#define MAX_LABELS 32  /* labels read per domain attempt */
#define MAX_LABEL  63  /* code points per label (RFC 1035) */
#define MAX_HOST   253 /* code points per host */
#define HOST_BUF   (4 * MAX_HOST + MAX_LABELS + 8)
#define STACK_CPS  512 /* code points decoded without allocating */

/* Top-level domains a bare "name.tld" must end in. `word` marks the ones
 * that are also common words ("me", "in", "shop"): they are not taken after
 * a separator written with spaces ("the end. me too"), only after a plain
 * or bracketed dot. File extensions that are also ccTLDs (.py, .sh, .md,
 * .rs) are left out on purpose. */
static const struct tld {
    const char *name;
    bool word;
} tlds[] = {
    {"com", false},
    {"net", false},
    {"org", false},
    {"info", false},
    {"biz", false},
    {"io", false},
    {"co", true},
    {"me", true},
    {"tv", false},
    {"ru", false},
    {"cn", false},
    {"uk", false},
    {"de", false},
    {"fr", false},
    {"jp", false},
    {"kr", false},
    {"kp", false},
    {"in", true},
    {"br", false},
    {"xyz", false},
    {"top", true},
    {"online", true},
    {"site", true},
    {"club", true},
    {"shop", true},
    {"app", true},
    {"dev", true},
    {"ly", false},
    {"gl", false},
    {"gg", false},
    {"to", true},
    {"cc", false},
    {"ws", false},
    {"su", false},
    {"us", true},
    {"eu", false},
    {"ca", false},
    {"au", false},
    {"nz", false},
    {"za", false},
    {"ai", true},
    {"es", true},
    {"it", true},
    {"nl", false},
    {"pl", false},
    {"pt", false},
    {"se", true},
    {"no", true},
    {"dk", false},
    {"fi", false},
    {"ch", false},
    {"at", true},
    {"be", true},
    {"cz", false},
    {"ua", false},
    {"by", true},
    {"kz", false},
    {"tr", false},
    {"ir", false},
    {"il", false},
    {"ie", false},
    {"vn", false},
    {"th", true},
    {"id", true},
    {"ph", false},
    {"my", true},
    {"sg", false},
    {"hk", false},
    {"tw", false},
    {"mx", false},
    {"ar", false},
    {"cl", false},
    {"la", true},
    {"tk", false},
    {"ml", false},
    {"ga", false},
    {"cf", false},
    {"gq", false},
    {"pw", false},
    {"icu", false},
    {"vip", false},
    {"win", true},
    {"bet", true},
    {"casino", true},
    {"live", true},
    {"store", true},
    {"website", true},
    {"space", true},
    {"fun", true},
    {"link", true},
    {"click", true},
    {"pro", true},
    {"cloud", true},
    {"tech", true},
    {"blog", true},
    {"news", true},
    {"life", true},
    {"world", true},
    {"today", true},
    {"mobi", false},
    {"name", true},
    {"buzz", true},
    {"cyou", false},
    {"sbs", false},
    {"cam", true},
    {"lol", true},
    {"one", true},
    {"porn", true},
    {"sex", true},
    {"xxx", true},
    {"gov", false},
    {"edu", false},
    {"\xd1\x80\xd1\x84", false}, /* рф */
};

/* Words before "dot com" that make it prose ("the dot com bubble"). */
static const char *const stopwords[] = {
    "the", "a",  "an", "this", "that", "of", "and", "or",   "to",
    "in",  "on", "at", "is",   "was",  "my", "our", "your", "no"};

enum kw_arg {
    KW_HANDLE,  /* @handle, or a handle after ':' or "id" */
    KW_AT_ONLY, /* only @handle ("tg" is too short a word for more) */
    KW_PHONE,   /* a phone number */
    KW_ID,      /* an id; without ':'/"id" it needs a digit or '_' */
    KW_ID_WORD, /* an id, only after "id"/"talk" ("kakao id abc") */
};

/* Messenger names written before a handle. Lowercase UTF-8; a longer
 * keyword comes before one it starts with. Non-ASCII keywords (Korean,
 * Russian) take any ASCII handle after them, since prose in those scripts
 * rarely puts a Latin word there. */
static const struct keyword {
    const char *word;
    const char *what;
    enum kw_arg arg;
} keywords[] = {
    {"telegram", "telegram", KW_HANDLE},
    {"tg", "telegram", KW_AT_ONLY},
    {"\xd1\x82\xd0\xb5\xd0\xbb\xd0\xb5\xd0\xb3\xd1\x80\xd0\xb0\xd0\xbc",
     "telegram", KW_HANDLE}, /* телеграм */
    {"\xed\x85\x94\xeb\xa0\x88\xea\xb7\xb8\xeb\x9e\xa8", "telegram",
     KW_HANDLE},                                         /* 텔레그램 */
    {"\xed\x85\x94\xeb\xa0\x88", "telegram", KW_HANDLE}, /* 텔레 */
    {"whatsapp", "whatsapp", KW_PHONE},
    {"\xd0\xb2\xd0\xb0\xd1\x82\xd1\x81\xd0\xb0\xd0\xbf", "whatsapp",
     KW_PHONE}, /* ватсап */
    {"\xec\x99\x93\xec\xb8\xa0\xec\x95\xb1", "whatsapp", KW_PHONE}, /* 왓츠앱 */
    {"kakaotalk", "kakaotalk", KW_ID},
    {"kakao", "kakaotalk", KW_ID_WORD},
    {"\xec\xb9\xb4\xec\xb9\xb4\xec\x98\xa4\xed\x86\xa1", "kakaotalk",
     KW_ID},                                              /* 카카오톡 */
    {"\xec\xb9\xb4\xed\x86\xa1", "kakaotalk", KW_ID},     /* 카톡 */
    {"\xec\xb9\xb4\xec\xb9\xb4\xec\x98\xa4", "kakaotalk", /* 카카오 */
     KW_ID_WORD},
    {"discord", "discord", KW_HANDLE},
    {"\xeb\x94\x94\xec\x8a\xa4\xec\xbd\x94\xeb\x93\x9c", "discord",
     KW_HANDLE}, /* 디스코드 */
};

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

/* ---- characters -------------------------------------------------------- */

static uint32_t at(const struct scan *sc, uint32_t i)
{
    return i < sc->n ? sc->cp[i] : 0;
}

static bool is_alpha_ascii(uint32_t c)
{
    return (c | 0x20) - 'a' < 26u;
}

static bool is_digit_ascii(uint32_t c)
{
    return c - '0' < 10u;
}

static bool is_alnum_ascii(uint32_t c)
{
    return is_alpha_ascii(c) || is_digit_ascii(c);
}

static bool is_upper_ascii(uint32_t c)
{
    return c - 'A' < 26u;
}

static uint32_t lower(uint32_t c)
{
    if (c < 0x80)
        return is_upper_ascii(c) ? c | 0x20 : c;
    return (uint32_t)u_tolower((UChar32)c);
}

static bool is_space(uint32_t c)
{
    if (c < 0x80)
        return c == ' ' || (c >= '\t' && c <= '\r');
    return u_isUWhiteSpace((UChar32)c);
}

/* Spaces within a line: what may stand around a disguised dot. */
static bool is_hspace(uint32_t c)
{
    return c == ' ' || c == '\t' || c == 0xa0 || c == 0x3000 ||
           (c >= 0x2000 && c <= 0x200a) || c == 0x202f || c == 0x205f;
}

static bool is_hangul(uint32_t c)
{
    return (c >= 0xac00 && c <= 0xd7a3) || (c >= 0x1100 && c <= 0x11ff) ||
           (c >= 0x3130 && c <= 0x318f);
}

/* Scripts written without spaces between words (or, for Korean, with
 * particles glued to them): where a Latin domain may touch prose. */
static bool is_cjk(uint32_t c)
{
    return is_hangul(c) || (c >= 0x3040 && c <= 0x30ff) ||
           (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
           (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x2ffff);
}

/* Invisible characters slipped into hosts to break them up: part of the
 * label they sit in, dropped from the host, and the link marked hidden. */
static bool is_host_filler(uint32_t c)
{
    return c == 0xad || c == 0x200b || c == 0x200c || c == 0x200d ||
           c == 0x2060 || c == 0xfeff;
}

static bool is_host_char(uint32_t c)
{
    if (c < 0x80)
        return is_alnum_ascii(c) || c == '-';
    if (c >= 0xac00 && c <= 0xd7a3)
        return true; /* Hangul syllables, without asking ICU */
    if (is_host_filler(c))
        return true;
    return (U_GET_GC_MASK((UChar32)c) &
            (U_GC_L_MASK | U_GC_M_MASK | U_GC_ND_MASK)) != 0;
}

static bool is_label_start(uint32_t c)
{
    return c != '-' && is_host_char(c);
}

static bool is_wide_dot(uint32_t c)
{
    return c == 0x3002 || c == 0xff0e || c == 0xff61;
}

/* Characters of an e-mail local part (the common ones, ASCII). */
static bool is_local_char(uint32_t c)
{
    return is_alnum_ascii(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
           c == '-';
}

/* A decimal digit of any script (fullwidth digits are a common dodge). */
static bool is_digit(uint32_t c)
{
    if (c < 0x660 || (c >= 0xac00 && c <= 0xd7a3)) /* no digits there */
        return is_digit_ascii(c);
    return u_charType((UChar32)c) == U_DECIMAL_DIGIT_NUMBER;
}

static uint32_t skip_hspace(const struct scan *sc, uint32_t i, uint32_t max)
{
    uint32_t k = i;
    while (k - i < max && is_hspace(at(sc, k)))
        k++;
    return k;
}

/* True when s (lowercase ASCII) is written at i, in any case. */
static bool match_ci(const struct scan *sc, uint32_t i, const char *s)
{
    for (uint32_t k = 0; s[k]; k++)
        if (lower(at(sc, i + k)) != (unsigned char)s[k])
            return false;
    return true;
}

/* As match_ci, and the word ends there (no ASCII letter or digit next). */
static bool match_word_ci(const struct scan *sc, uint32_t i, const char *s)
{
    return match_ci(sc, i, s) &&
           !is_alnum_ascii(at(sc, i + (uint32_t)strlen(s)));
}

/* The number of code points of the lowercase UTF-8 word w written at i (in
 * any case), or 0. */
static uint32_t match_utf8(const struct scan *sc, uint32_t i, const char *w)
{
    const uint8_t *s = (const uint8_t *)w;
    int32_t len = (int32_t)strlen(w), off = 0;
    uint32_t k = i;
    while (off < len) {
        UChar32 c;
        U8_NEXT(s, off, len, c);
        if (lower(at(sc, k)) != (uint32_t)c)
            return 0;
        k++;
    }
    return k - i;
}

/* ---- output ------------------------------------------------------------ */

static void push_link(struct scan *sc, char *host, unsigned flags,
                      uint32_t start, uint32_t end)
{
    struct mg_detect *d = sc->out;
    if (d->nlinks == sc->links_cap) {
        sc->links_cap = sc->links_cap ? 2 * sc->links_cap : 4;
        d->links = mg_realloc(d->links, sc->links_cap * sizeof *d->links);
    }
    d->links[d->nlinks++] =
        (struct mg_link){.host = host, .flags = flags, .span = {start, end}};
}

static void push_contact(struct scan *sc, enum mg_contact_kind kind,
                         const char *what, uint32_t start, uint32_t end)
{
    struct mg_detect *d = sc->out;
    if (d->ncontacts == sc->contacts_cap) {
        sc->contacts_cap = sc->contacts_cap ? 2 * sc->contacts_cap : 4;
        d->contacts =
            mg_realloc(d->contacts, sc->contacts_cap * sizeof *d->contacts);
    }
    struct mg_contact *c = &d->contacts[d->ncontacts++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    size_t n = strlen(what);
    memcpy(c->what, what, n < sizeof c->what ? n : sizeof c->what - 1);
    c->span = (struct mg_span){start, end};
}

/* ---- hosts ------------------------------------------------------------- */

/* -1 when [s, e) is not a TLD on the list, else its `word` mark. */
static int tld_kind(const struct scan *sc, uint32_t s, uint32_t e)
{
    char buf[24];
    size_t len = 0;
    if (e <= s || e - s > 8)
        return -1;
    for (uint32_t k = s; k < e; k++) {
        uint32_t c = lower(sc->cp[k]);
        if (c < 0x80) {
            if (!is_alpha_ascii(c))
                return -1;
            buf[len++] = (char)c;
        } else if (c >= 0x400 && c <= 0x4ff) {
            buf[len++] = (char)(0xc0 | (c >> 6));
            buf[len++] = (char)(0x80 | (c & 0x3f));
        } else {
            return -1;
        }
    }
    buf[len] = '\0';
    for (size_t i = 0; i < sizeof tlds / sizeof tlds[0]; i++)
        if (tlds[i].name[0] == buf[0] && strcmp(tlds[i].name, buf) == 0)
            return tlds[i].word;
    return -1;
}

/* True when the UTF-8 host is non-empty labels of host characters joined
 * by single dots. */
static bool host_is_clean(const char *h, size_t len)
{
    const uint8_t *s = (const uint8_t *)h;
    bool label_empty = true;
    for (size_t i = 0; i < len;) {
        size_t n = mg_utf8_seq_len(s + i, len - i);
        if (n == 0)
            return false;
        int32_t off = 0;
        UChar32 c;
        U8_NEXT(s + i, off, (int32_t)n, c);
        i += n;
        if (c == '.') {
            if (label_empty)
                return false;
            label_empty = true;
        } else if (c < 0 || !is_host_char((uint32_t)c) ||
                   is_host_filler((uint32_t)c)) {
            return false;
        } else {
            label_empty = false;
        }
    }
    return !label_empty;
}

/* NFKC, then lowercase: "ｅｘａｍｐｌｅ" is "example", "ÄBC" is "äbc".
 * NULL when the result is not a clean host. Caller owns the result. */
static char *fold_host(const char *utf8, size_t len)
{
    UErrorCode st = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&st);
    if (U_FAILURE(st))
        return NULL;
    UChar src[HOST_BUF], norm[4 * HOST_BUF], low[4 * HOST_BUF];
    int32_t slen = 0;
    u_strFromUTF8(src, HOST_BUF, &slen, utf8, (int32_t)len, &st);
    int32_t nlen = unorm2_normalize(
        nfkc, src, slen, norm, (int32_t)(sizeof norm / sizeof norm[0]), &st);
    int32_t llen = u_strToLower(low, (int32_t)(sizeof low / sizeof low[0]),
                                norm, nlen, "", &st);
    if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING)
        return NULL;
    int32_t cap = 3 * llen + 1, olen = 0;
    char *out = mg_malloc((size_t)cap);
    u_strToUTF8(out, cap, &olen, low, llen, &st);
    if (U_FAILURE(st) || !host_is_clean(out, (size_t)olen)) {
        mg_free(out);
        return NULL;
    }
    return out;
}

static bool has_punycode_label(const char *h)
{
    for (const char *p = h; *p;) {
        if (strncmp(p, "xn--", 4) == 0)
            return true;
        const char *dot = strchr(p, '.');
        if (!dot)
            break;
        p = dot + 1;
    }
    return false;
}

/* The host of labels [s[j], e[j]) for j < nl: lowercase, dot-joined,
 * fillers dropped (marking the link hidden), non-ASCII hosts folded (IDN).
 * NULL when that is not a host. Caller owns the result. */
static char *make_host(const struct scan *sc, const uint32_t *s,
                       const uint32_t *e, size_t nl, unsigned *flags)
{
    char buf[HOST_BUF];
    size_t len = 0, ncp = 0;
    bool ascii = true;
    for (size_t j = 0; j < nl; j++) {
        if (j)
            buf[len++] = '.';
        size_t label_start = len;
        for (uint32_t k = s[j]; k < e[j]; k++) {
            uint32_t c = sc->cp[k];
            if (is_host_filler(c)) {
                *flags |= MG_LINK_HIDDEN;
                continue;
            }
            if (++ncp > MAX_HOST)
                return NULL;
            if (c < 0x80) {
                buf[len++] = (char)lower(c);
            } else {
                ascii = false;
                U8_APPEND_UNSAFE(buf, len, (UChar32)c);
            }
        }
        if (len == label_start || len + 1 >= sizeof buf - 4)
            return NULL;
    }
    buf[len] = '\0';
    char *host;
    if (ascii) {
        host = mg_strdup(buf);
    } else {
        host = fold_host(buf, len);
        if (!host)
            return NULL;
        bool folded_ascii = true;
        for (const char *p = host; *p; p++)
            if ((unsigned char)*p >= 0x80)
                folded_ascii = false;
        /* Fullwidth or mathematical letters that fold to ASCII are a
         * disguise, not an international name. */
        *flags |= folded_ascii ? MG_LINK_HIDDEN : MG_LINK_IDN;
    }
    if (has_punycode_label(host))
        *flags |= MG_LINK_IDN;
    return host;
}

/* ---- links ------------------------------------------------------------- */

/* The separator at p (just after a label), and where the next label
 * starts; SEP_NONE when there is none. */
static enum sep parse_sep(const struct scan *sc, uint32_t p, uint32_t *next)
{
    uint32_t c = at(sc, p), r, t;
    if (c < 0x80 && c != '.' && !is_hspace(c) && c != '[' && c != '(' &&
        c != '{')
        return SEP_NONE;
    if (c == '.') {
        if (is_label_start(at(sc, p + 1))) {
            *next = p + 1;
            return SEP_DOT;
        }
        r = skip_hspace(sc, p + 1, 3);
        if (r > p + 1 && is_label_start(at(sc, r))) {
            *next = r;
            return SEP_SPACED;
        }
        return SEP_NONE;
    }
    if (is_wide_dot(c)) {
        r = skip_hspace(sc, p + 1, 3);
        if (is_label_start(at(sc, r))) {
            *next = r;
            return SEP_WIDE;
        }
        return SEP_NONE;
    }
    r = skip_hspace(sc, p, 3);
    c = at(sc, r);
    if (c != '.' && c != '[' && c != '(' && c != '{' && (c | 0x20) != 'd')
        return SEP_NONE;
    if (c == '.' && r > p) {
        t = skip_hspace(sc, r + 1, 3);
        if (is_label_start(at(sc, t))) {
            *next = t;
            return SEP_SPACED;
        }
        return SEP_NONE;
    }
    if (c == '[' || c == '(' || c == '{') {
        uint32_t close = c == '[' ? ']' : c == '(' ? ')' : '}';
        t = skip_hspace(sc, r + 1, 1);
        if (at(sc, t) == '.')
            t++;
        else if (match_ci(sc, t, "dot"))
            t += 3;
        else
            return SEP_NONE;
        t = skip_hspace(sc, t, 1);
        if (at(sc, t) != close)
            return SEP_NONE;
        t = skip_hspace(sc, t + 1, 3);
        if (is_label_start(at(sc, t))) {
            *next = t;
            return SEP_BRACKET;
        }
        return SEP_NONE;
    }
    if (r > p && match_ci(sc, r, "dot") && is_hspace(at(sc, r + 3))) {
        t = skip_hspace(sc, r + 3, 3);
        if (is_label_start(at(sc, t))) {
            *next = t;
            return SEP_WORD;
        }
    }
    return SEP_NONE;
}

/* The end of the label starting at i. With cut, *cut is where the label
 * starts once CJK prose glued to its front is dropped: after the last CJK
 * character followed by an ASCII letter or digit ("사이트example"). */
static uint32_t label_end(const struct scan *sc, uint32_t i, uint32_t *cut)
{
    if (cut)
        *cut = i;
    for (; i < sc->n; i++) {
        uint32_t c = sc->cp[i];
        if (c < 0x80) {
            if (!is_alnum_ascii(c) && c != '-')
                break;
        } else if (!is_host_char(c)) {
            break;
        } else if (cut && is_cjk(c) && is_alnum_ascii(at(sc, i + 1))) {
            *cut = i + 1;
        }
    }
    return i;
}

/* Reads the labels from i. A label whose ASCII letters are a TLD followed
 * by other letters ends the chain there ("com입니다"), and so does the last
 * one followed by digits ("www.x.com1win"). bare (no scheme or '@'
 * before): the first label loses any CJK prose glued to its front
 * ("사이트example" -> "example"), and a spaced dot followed by more than
 * one label was a sentence's end ("text. www.example.co.uk" starts at
 * "www"). */
static void parse_chain(const struct scan *sc, uint32_t i, bool bare,
                        struct chain *ch)
{
    uint32_t s, e = label_end(sc, i, bare ? &s : NULL);
    if (!bare)
        s = i;
    ch->n = 0;
    ch->end = e;
    if (e - s > MAX_LABEL)
        return;
    ch->s[0] = s;
    ch->e[0] = e;
    ch->sep[0] = SEP_NONE;
    ch->n = 1;
    while (ch->n < MAX_LABELS) {
        uint32_t next;
        enum sep sep = parse_sep(sc, e, &next);
        if (sep == SEP_NONE)
            break;
        if (bare && ch->n >= 2 && ch->sep[ch->n - 1] == SEP_SPACED) {
            ch->s[0] = ch->s[ch->n - 1];
            ch->e[0] = ch->e[ch->n - 1];
            ch->n = 1;
        }
        uint32_t e2 = label_end(sc, next, NULL), p = next, after;
        while (p < e2 && is_alpha_ascii(sc->cp[p]))
            p++;
        bool cut = p > next && p < e2 &&
                   ((sc->cp[p] >= 0x80 && !is_host_filler(sc->cp[p])) ||
                    (is_digit_ascii(sc->cp[p]) &&
                     parse_sep(sc, e2, &after) == SEP_NONE)) &&
                   tld_kind(sc, next, p) >= 0;
        if (cut)
            e2 = p;
        if (e2 - next > MAX_LABEL)
            break;
        ch->s[ch->n] = next;
        ch->e[ch->n] = e2;
        ch->sep[ch->n] = (uint8_t)sep;
        ch->n++;
        e = e2;
        if (ch->end < e)
            ch->end = e;
        if (cut)
            break;
    }
}

static bool label_is(const struct scan *sc, const struct chain *ch, size_t j,
                     const char *word)
{
    return ch->e[j] - ch->s[j] == strlen(word) && match_ci(sc, ch->s[j], word);
}

static bool is_stopword(const struct scan *sc, const struct chain *ch)
{
    for (size_t i = 0; i < sizeof stopwords / sizeof stopwords[0]; i++)
        if (label_is(sc, ch, 0, stopwords[i]))
            return true;
    return false;
}

static bool starts_path(const struct scan *sc, uint32_t p)
{
    uint32_t c = at(sc, p);
    return c == '/' || (c == ':' && is_digit_ascii(at(sc, p + 1)));
}

/* Whether labels 0..j make a domain ending in the TLD at j. bare: written
 * without a scheme or "www.", where sentence ends must not pass for
 * domains: "Kursk.Then", "in 2024.AI" ("Example.Com" with no path is lost
 * too; "EXAMPLE.COM" is kept). */
static bool domain_fits(const struct scan *sc, const struct chain *ch, size_t j,
                        bool bare)
{
    int kind = tld_kind(sc, ch->s[j], ch->e[j]);
    if (kind < 0)
        return false;
    enum sep sep = ch->sep[j];
    bool spaced = sep == SEP_SPACED || sep == SEP_WORD;
    if (spaced && kind == 1)
        return false;
    if (spaced && j == 1 && is_stopword(sc, ch))
        return false;
    uint32_t total = (uint32_t)j;
    for (size_t k = 0; k <= j; k++)
        total += ch->e[k] - ch->s[k];
    if (total > MAX_HOST)
        return false;
    if (!bare || starts_path(sc, ch->e[j]))
        return true;
    /* "message.it", "differ.be", "1.it is": words run together, unless
     * the name mixes letters with digits or hyphens ("bet365.me") or has
     * a subdomain */
    if (kind == 1 && sep == SEP_DOT && j == 1) {
        bool odd = false, letter = false;
        for (uint32_t k = ch->s[0]; k < ch->e[0]; k++) {
            odd |= is_digit_ascii(sc->cp[k]) || sc->cp[k] == '-';
            letter |= !is_digit_ascii(sc->cp[k]) && sc->cp[k] != '-';
        }
        if (!odd || !letter)
            return false;
    }
    bool tld_upper = false;
    for (uint32_t k = ch->s[j]; k < ch->e[j]; k++)
        tld_upper |= is_upper_ascii(sc->cp[k]) ||
                     (sc->cp[k] >= 0x80 && u_isupper((UChar32)sc->cp[k]));
    if (!tld_upper)
        return true;
    for (size_t l = 0; l <= j; l++) {
        bool upper = false;
        for (uint32_t k = ch->s[l]; k < ch->e[l]; k++) {
            uint32_t c = sc->cp[k];
            if (c < 0x80 ? c - 'a' < 26u : u_islower((UChar32)c))
                return false;
            upper |= c < 0x80 ? is_upper_ascii(c) : u_isupper((UChar32)c);
        }
        if (!upper)
            return false; /* "알았어요. TV에서는", "in 2024.AI" */
    }
    return true;
}

/* After a host: its trailing dot if a port or path follows
 * ("example.com./x"), then ":port" (1 to 5 digits). */
static uint32_t port_end(const struct scan *sc, uint32_t p)
{
    if (at(sc, p) == '.' && (at(sc, p + 1) == '/' || at(sc, p + 1) == ':'))
        p++;
    if (at(sc, p) != ':' || !is_digit_ascii(at(sc, p + 1)))
        return p;
    uint32_t k = p + 1;
    while (k - p <= 6 && is_digit_ascii(at(sc, k)))
        k++;
    if (k - p > 6 || is_alpha_ascii(at(sc, k)))
        return p;
    return k;
}

/* After a host (and port): a path, query or fragment, up to a space, a
 * quote, an invisible format character (BOM, bidi controls) or CJK prose,
 * without the sentence's closing punctuation. */
static uint32_t path_end(const struct scan *sc, uint32_t p)
{
    uint32_t c = at(sc, p);
    if (c != '/' && c != '?' && c != '#')
        return p;
    uint32_t k = p;
    size_t open[3] = {0, 0, 0}, shut[3] = {0, 0, 0};
    static const char opens[] = "([{", shuts[] = ")]}";
    for (; k < sc->n; k++) {
        c = sc->cp[k];
        if (is_space(c) || c < 0x20 || c == '<' || c == '>' || c == '"' ||
            c == '`' || c == 0x7f ||
            (c >= 0x80 &&
             (is_cjk(c) || u_charType((UChar32)c) == U_FORMAT_CHAR)))
            break;
        for (int b = 0; b < 3; b++) {
            open[b] += c == (uint32_t)opens[b];
            shut[b] += c == (uint32_t)shuts[b];
        }
    }
    while (k > p) {
        c = sc->cp[k - 1];
        if (c < 0x80 && c && strchr(".,;:!?'*", (int)c)) {
            k--;
            continue;
        }
        if (c == 0x2026) { /* … */
            k--;
            continue;
        }
        const char *b = c < 0x80 && c ? strchr(shuts, (int)c) : NULL;
        if (b && shut[b - shuts] > open[b - shuts]) {
            shut[b - shuts]--;
            k--;
            continue;
        }
        break;
    }
    return k;
}

static bool host_under_any(const char *host, const char *const *domains)
{
    for (size_t i = 0; domains[i]; i++)
        if (mg_host_under(host, domains[i]))
            return true;
    return false;
}

/* Path segment number `which` (0-based) of the path at [p, e): its extent
 * in *s, *t; false when there is none or it is empty. */
static bool path_segment(const struct scan *sc, uint32_t p, uint32_t e,
                         int which, uint32_t *s, uint32_t *t)
{
    if (p >= e || sc->cp[p] != '/')
        return false;
    uint32_t k = p + 1;
    for (int i = 0;; i++) {
        uint32_t b = k;
        while (k < e && sc->cp[k] != '/' && sc->cp[k] != '?' &&
               sc->cp[k] != '#')
            k++;
        if (i == which) {
            *s = b;
            *t = k;
            return k > b;
        }
        if (k >= e || sc->cp[k] != '/')
            return false;
        k++;
    }
}

/* The messenger a link invites to (t.me/x, wa.me/1..., open.kakao.com/o/x,
 * discord.gg/x, discord.com/invite/x), or NULL. [p, e) is its path. */
static const char *link_messenger(const struct scan *sc, const char *host,
                                  uint32_t p, uint32_t e)
{
    static const char *const telegram[] = {"t.me", "telegram.me",
                                           "telegram.dog", NULL};
    static const char *const discord_invite[] = {"discord.com",
                                                 "discordapp.com", NULL};
    uint32_t s = 0, t = 0;
    bool seg0 = path_segment(sc, p, e, 0, &s, &t);
    if (host_under_any(host, telegram))
        return seg0 ? "telegram" : NULL;
    if (mg_host_under(host, "wa.me"))
        return seg0 ? "whatsapp" : NULL;
    if (mg_host_under(host, "whatsapp.com") && strcmp(host, "whatsapp.com"))
        return p < e && e - p > 1 ? "whatsapp" : NULL;
    if (strcmp(host, "open.kakao.com") == 0)
        return seg0 && t - s == 1 && sc->cp[s] == 'o' &&
                       path_segment(sc, p, e, 1, &s, &t)
                   ? "kakaotalk"
                   : NULL;
    if (strcmp(host, "pf.kakao.com") == 0)
        return seg0 ? "kakaotalk" : NULL;
    if (mg_host_under(host, "discord.gg"))
        return seg0 ? "discord" : NULL;
    if (host_under_any(host, discord_invite))
        return seg0 && t - s == 6 && match_ci(sc, s, "invite") &&
                       path_segment(sc, p, e, 1, &s, &t)
                   ? "discord"
                   : NULL;
    return NULL;
}

/* Records the link [start, end) whose host part ends at host_end, with the
 * messenger contact it may be. Takes ownership of host. */
static void emit_link(struct scan *sc, char *host, unsigned flags,
                      uint32_t start, uint32_t host_end, uint32_t end)
{
    uint32_t p = port_end(sc, host_end);
    const char *what = link_messenger(sc, host, p, end);
    push_link(sc, host, flags, start, end);
    if (what)
        push_contact(sc, MG_CONTACT_MESSENGER, what, start, end);
}

/* An IP literal host as text (canonical), or NULL. */
static char *ip_host(const struct scan *sc, uint32_t s, uint32_t e)
{
    char buf[MG_IP_TEXT_LEN];
    if (e <= s || e - s >= sizeof buf)
        return NULL;
    for (uint32_t k = s; k < e; k++) {
        uint32_t c = sc->cp[k];
        if (c >= 0x80)
            return NULL;
        buf[k - s] = (char)c;
    }
    buf[e - s] = '\0';
    struct mg_ip ip;
    if (mg_ip_parse(buf, &ip) != MG_OK)
        return NULL;
    mg_ip_format(&ip, buf);
    return mg_strdup(buf);
}

/* The host a chain of labels names: its labels 0..*last, lowercase, its
 * flags added to *flags; NULL when it names none. bare: written without a
 * scheme, where the domain must end in a listed TLD (or start with
 * "www.") and an IPv4 literal needs a path or port after it. */
static char *chain_host(const struct scan *sc, const struct chain *ch,
                        bool bare, size_t *last, unsigned *flags)
{
    if (ch->n >= 4) {
        bool ip = true;
        for (size_t j = 0; j < 4 && ip; j++) {
            ip = (j == 0 || ch->sep[j] == SEP_DOT) && ch->e[j] - ch->s[j] <= 3;
            for (uint32_t k = ch->s[j]; k < ch->e[j] && ip; k++)
                ip = is_digit_ascii(sc->cp[k]);
        }
        if (ip && (bare ? starts_path(sc, ch->e[3]) : ch->n == 4)) {
            char *host = ip_host(sc, ch->s[0], ch->e[3]);
            if (host) {
                *last = 3;
                *flags |= MG_LINK_IP;
                return host;
            }
        }
    }
    bool www = bare && ch->n >= 2 && label_is(sc, ch, 0, "www") &&
               ch->sep[1] == SEP_DOT;
    size_t j = 0;
    for (size_t k = ch->n; k-- > 1;) {
        if (domain_fits(sc, ch, k, bare && !www)) {
            j = k;
            break;
        }
    }
    /* "www.example", "http://localhost": the scheme says it is a host */
    if (j == 0 && (www || !bare))
        while (j + 1 < ch->n && ch->sep[j + 1] == SEP_DOT)
            j++;
    if (j == 0 && bare)
        return NULL;
    unsigned f = www ? MG_LINK_SCHEME : 0;
    for (size_t k = 1; k <= j; k++)
        if (ch->sep[k] != SEP_DOT)
            f |= MG_LINK_HIDDEN;
    char *host = make_host(sc, ch->s, ch->e, j + 1, &f);
    if (host) {
        *last = j;
        *flags |= f;
    }
    return host;
}

static const struct scheme {
    const char *prefix;
    unsigned flags;
} schemes[] = {
    {"https://", 0},
    {"http://", 0},
    {"hxxps://", MG_LINK_HIDDEN},
    {"hxxp://", MG_LINK_HIDDEN},
    {"ftp://", 0},
};

/* "http://host..." at i. */
static bool try_scheme(struct scan *sc, uint32_t i, uint32_t *end)
{
    const struct scheme *m = NULL;
    uint32_t c0 = lower(sc->cp[i]);
    if ((c0 != 'h' && c0 != 'f') || at(sc, i + 1) > 0x7f)
        return false;
    for (size_t k = 0; k < sizeof schemes / sizeof schemes[0] && !m; k++)
        if (match_ci(sc, i, schemes[k].prefix))
            m = &schemes[k];
    if (!m)
        return false;
    uint32_t a = i + (uint32_t)strlen(m->prefix), hs = a;
    /* userinfo: up to the last '@' of the authority (bounded, so that
     * "http://http://..." cannot make this quadratic) */
    for (uint32_t k = a; k < sc->n && k - a < 256; k++) {
        uint32_t c = sc->cp[k];
        if (c == '/' || c == '?' || c == '#' || is_space(c) || c == '<' ||
            c == '>' || c == '"')
            break;
        if (c == '@')
            hs = k + 1;
    }
    unsigned flags = m->flags | MG_LINK_SCHEME;
    char *host;
    uint32_t he;
    if (at(sc, hs) == '[') {
        uint32_t rb = hs + 1;
        while (rb < sc->n && rb - hs < 64 && sc->cp[rb] != ']')
            rb++;
        if (at(sc, rb) != ']')
            return false;
        host = ip_host(sc, hs + 1, rb);
        if (!host)
            return false;
        flags |= MG_LINK_IP;
        he = rb + 1;
    } else {
        if (!is_label_start(at(sc, hs)))
            return false;
        struct chain ch;
        size_t last;
        parse_chain(sc, hs, false, &ch);
        if (ch.n == 0)
            return false;
        host = chain_host(sc, &ch, false, &last, &flags);
        if (!host)
            return false;
        he = ch.e[last];
    }
    *end = path_end(sc, port_end(sc, he));
    emit_link(sc, host, flags, i, he, *end);
    return true;
}

/* A bare domain ("example.com/abc", "www.example.com", "example[.]com")
 * or IPv4 literal followed by a path or port, starting at i. *wm: how far
 * this read, so that no attempt starts inside what it read. */
static bool try_domain(struct scan *sc, uint32_t i, uint32_t *end, uint32_t *wm)
{
    struct chain ch;
    parse_chain(sc, i, true, &ch);
    *wm = ch.end;
    if (ch.n < 2)
        return false;
    unsigned flags = 0;
    size_t last;
    char *host = chain_host(sc, &ch, true, &last, &flags);
    if (!host)
        return false;
    *end = path_end(sc, port_end(sc, ch.e[last]));
    emit_link(sc, host, flags, ch.s[0], ch.e[last], *end);
    return true;
}

/* ---- contacts ---------------------------------------------------------- */

/* "name@example.com", "name [at] example [dot] com", "name(at)example.com"
 * with the local part starting at i. */
static bool try_email(struct scan *sc, uint32_t i, uint32_t *end)
{
    uint32_t k = i;
    while (k < sc->n && k - i <= 64 && is_local_char(sc->cp[k]))
        k++;
    if (k - i > 64 || sc->cp[k - 1] == '.')
        return false;
    uint32_t c = at(sc, k), d;
    bool plain = false;
    if (c == '@' || c == 0xff20) {
        d = k + 1;
        plain = true;
    } else {
        uint32_t r = skip_hspace(sc, k, 1);
        c = at(sc, r);
        if (c == '[' || c == '(' || c == '{') {
            uint32_t close = c == '[' ? ']' : c == '(' ? ')' : '}';
            uint32_t t = skip_hspace(sc, r + 1, 1);
            if (match_ci(sc, t, "at"))
                t += 2;
            else if (at(sc, t) == '@')
                t++;
            else
                return false;
            t = skip_hspace(sc, t, 1);
            if (at(sc, t) != close)
                return false;
            d = skip_hspace(sc, t + 1, 1);
        } else if (r > k && c == '@') {
            d = skip_hspace(sc, r + 1, 1);
        } else {
            return false;
        }
    }
    if (!is_label_start(at(sc, d)))
        return false;
    struct chain ch;
    parse_chain(sc, d, false, &ch);
    if (ch.n < 2 || ch.s[0] != d)
        return false;
    size_t j = 0;
    for (size_t l = ch.n; l-- > 1 && !j;)
        if (domain_fits(sc, &ch, l, false))
            j = l;
    /* Plain addresses may end in any TLD-shaped label: "a@b.museum". */
    for (size_t l = ch.n; plain && l-- > 1 && !j;) {
        bool alpha = ch.e[l] - ch.s[l] >= 2 && ch.e[l] - ch.s[l] <= 24;
        for (size_t m = 1; m <= l && alpha; m++)
            alpha = ch.sep[m] == SEP_DOT;
        for (uint32_t m = ch.s[l]; m < ch.e[l] && alpha; m++)
            alpha = sc->cp[m] - 'a' < 26u; /* not "ticket@kiosk.Valid" */
        if (alpha)
            j = l;
    }
    if (!j)
        return false;
    *end = ch.e[j];
    push_contact(sc, MG_CONTACT_EMAIL, "email", i, *end);
    return true;
}

static bool is_phone_sep(uint32_t c)
{
    return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' ||
           c == '/' || c == 0xa0 || (c >= 0x2010 && c <= 0x2015) ||
           c == 0x2212 || c == 0xff0d;
}

static uint32_t group_value(const struct scan *sc, uint32_t s, uint32_t len)
{
    uint32_t v = 0;
    for (uint32_t k = 0; k < len && k < 9; k++)
        v = v * 10 + (uint32_t)u_charDigitValue((UChar32)sc->cp[s + k]);
    return v;
}

static bool is_year(uint32_t v)
{
    return v >= 1800 && v <= 2099;
}

static bool is_unit_after_number(uint32_t c)
{
    /* 원 만 억 천 조 명 개 년 월 일 달(러) 엔 위(안) 유(로) 불 배 세 시 분 초
     * 회 차 번 */
    static const uint32_t units[] = {
        0xc6d0, 0xb9cc, 0xc5b5, 0xcc9c, 0xc870, 0xba85, 0xac1c, 0xb144,
        0xc6d4, 0xc77c, 0xb2ec, 0xc5d4, 0xc704, 0xc720, 0xbd88, 0xbc30,
        0xc138, 0xc2dc, 0xbd84, 0xcd08, 0xd68c, 0xcc28, 0xbc88};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (c == units[i])
            return true;
    return false;
}

/* A phone number starting at i ('+', '(' or a digit): 8 to 15 digits in
 * groups, with the shapes of dates, year ranges, thousands and prices
 * refused. in_context: after "whatsapp", where what precedes is known. */
static bool try_phone(const struct scan *sc, uint32_t i, bool in_context,
                      uint32_t *end)
{
    uint32_t k = i, glen[16], gstart[16], digits = 0, last = i;
    size_t ng = 0, unclosed = 0; /* groups before an unclosed '(' */
    bool plus = false, paren = false, only_spaces = true, all_dots = true;
    if (at(sc, k) == '+' || at(sc, k) == 0xff0b) {
        plus = true;
        k = skip_hspace(sc, k + 1, 1);
    }
    if (at(sc, k) == '(') {
        paren = true;
        k = skip_hspace(sc, k + 1, 1);
    }
    if (!is_digit(at(sc, k)))
        return false;
    for (;;) {
        uint32_t g = k;
        while (is_digit(at(sc, k))) {
            if (++digits > 15)
                return false;
            k++;
        }
        gstart[ng] = g;
        glen[ng++] = k - g;
        last = k;
        /* a separator: at most 3 characters, at most one dash, dot or
         * slash, one '(' and one ')' */
        uint32_t t = k, mark = 0;
        int marks = 0, opens = 0, closes = 0;
        while (t - k < 3 && is_phone_sep(at(sc, t))) {
            uint32_t s = at(sc, t++);
            if (s == '(')
                opens++;
            else if (s == ')')
                closes++;
            else if (s != ' ' && s != 0xa0)
                mark = s, marks++;
        }
        bool spaced = t - k > (uint32_t)(marks + opens + closes);
        if (t == k || marks > 1 || opens > 1 || closes > 1 ||
            (marks && spaced && !opens && !closes) || !is_digit(at(sc, t)) ||
            ng == 16)
            break;
        paren |= opens || closes;
        if (closes)
            unclosed = 0;
        if (opens && !closes)
            unclosed = ng;
        only_spaces &= !marks && !opens && !closes;
        all_dots &= mark == '.' && !opens && !closes;
        k = t;
    }
    if (unclosed) { /* "08000407165 (18+)": the number ends before '(' */
        for (size_t g = unclosed; g < ng; g++)
            digits -= glen[g];
        ng = unclosed;
        last = gstart[ng - 1] + glen[ng - 1];
    }
    if (digits < 8)
        return false;
    if (ng == 1)
        all_dots = only_spaces = false;
    /* one solid group: +..., or a national number with its leading 0 */
    if (ng == 1 && !plus &&
        !(sc->cp[gstart[0]] == '0' && digits >= 9 && digits <= 12))
        return false;
    for (size_t g = 1; g < ng; g++)
        if (glen[g] < 2)
            return false;
    if (!plus && !paren) {
        /* dates: 2024-11-29, 29.11.2024, 11/29/2024 */
        if (ng == 3 && !only_spaces &&
            ((glen[0] == 4 && glen[1] == 2 && glen[2] == 2 &&
              is_year(group_value(sc, gstart[0], 4))) ||
             (glen[0] <= 2 && glen[1] <= 2 && glen[2] == 4 &&
              is_year(group_value(sc, gstart[2], 4)))))
            return false;
        /* years: 1950-1953, 2019 2020 2021 */
        bool years = ng >= 2;
        for (size_t g = 0; g < ng && years; g++)
            years = glen[g] == 4 && is_year(group_value(sc, gstart[g], 4));
        if (years && (ng > 2 || group_value(sc, gstart[1], 4) >=
                                    group_value(sc, gstart[0], 4)))
            return false;
        /* thousands: 1.000.000.000, 35 000 000 */
        bool thousands = glen[0] <= 3 && (only_spaces || all_dots);
        for (size_t g = 1; g < ng && thousands; g++)
            thousands = glen[g] == 3;
        if (thousands)
            return false;
        /* grouped by spaces only: 555 123 4567, 010 1234 5678 */
        if (only_spaces && glen[ng - 1] < 4 && sc->cp[gstart[0]] != '0')
            return false;
        /* by dots: 555.123.4567, not 3.14159265 or 24.77.205.229 */
        bool ip = all_dots && ng == 4;
        for (size_t g = 0; g < ng && ip; g++)
            ip = glen[g] <= 3;
        if ((all_dots && ng < 3) || ip)
            return false;
    }
    /* context: prices ($, ₩), units (%, km, 원), a number going on */
    if (!in_context) {
        uint32_t b = i;
        if (b > 0 && is_hspace(sc->cp[b - 1]))
            b--;
        if (b > 0 && u_charType((UChar32)sc->cp[b - 1]) == U_CURRENCY_SYMBOL)
            return false;
    }
    uint32_t n1 = at(sc, last), n2 = at(sc, last + 1);
    if (n1 == '%' || is_alpha_ascii(n1) || is_unit_after_number(n1) ||
        u_charType((UChar32)n1) == U_CURRENCY_SYMBOL)
        return false;
    if ((n1 == '.' || n1 == ',' || n1 == ':') && is_digit(n2))
        return false;
    *end = last;
    return true;
}

static bool is_handle_char(uint32_t c, bool dotted)
{
    return is_alnum_ascii(c) || c == '_' || (dotted && (c == '.' || c == '-'));
}

/* A messenger keyword at i and the handle, id or number after it. */
static bool try_keyword(struct scan *sc, uint32_t i, uint32_t *end)
{
    uint32_t c = sc->cp[i];
    bool ascii = c < 0x80;
    if (!is_hangul(c))
        c = lower(c);
    uint32_t c2 = ascii ? lower(at(sc, i + 1)) : 0;
    /* the first letters of the keywords: te tg wh ka di 텔 왓 카 디 т в */
    if (!(ascii ? (c == 't' && (c2 == 'e' || c2 == 'g')) ||
                      (c == 'w' && c2 == 'h') || (c == 'k' && c2 == 'a') ||
                      (c == 'd' && c2 == 'i')
                : c == 0xd154 || c == 0xc653 || c == 0xce74 || c == 0xb514 ||
                      c == 0x442 || c == 0x432))
        return false;
    const struct keyword *kw = NULL;
    uint32_t klen = 0;
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++) {
        if ((keywords[k].word[0] & 0x80) == (ascii ? 0x80 : 0))
            continue;
        klen = match_utf8(sc, i, keywords[k].word);
        if (klen && !(ascii && is_alnum_ascii(at(sc, i + klen)))) {
            kw = &keywords[k];
            break;
        }
    }
    if (!kw)
        return false;
    /* separators and label words: "telegram: @x", "kakao id abc",
     * "카톡 아이디 abc" */
    uint32_t k = i + klen, lim = k + 24;
    bool colon = false, label = false;
    while (k < sc->n && k < lim) {
        c = sc->cp[k];
        if (is_hspace(c) || c == '-' || c == '=' || c == '>' || c == '~' ||
            c == 0x2192) {
            k++;
        } else if (c == ':' || c == 0xff1a) {
            colon = true;
            k++;
        } else if (match_word_ci(sc, k, "id")) {
            label = true;
            k += 2;
        } else if (match_word_ci(sc, k, "talk")) {
            label = true;
            k += 4;
        } else if (match_utf8(sc, k, "\xec\x95\x84\xec\x9d\xb4\xeb\x94\x94")) {
            label = true; /* 아이디 */
            k += 3;
        } else {
            break;
        }
    }
    if (kw->arg == KW_PHONE) {
        uint32_t pe;
        if (!try_phone(sc, k, true, &pe))
            return false;
        *end = pe;
        push_contact(sc, MG_CONTACT_MESSENGER, kw->what, i, pe);
        return true;
    }
    bool dotted = kw->arg == KW_ID || kw->arg == KW_ID_WORD;
    bool has_at = at(sc, k) == '@' || at(sc, k) == 0xff20;
    uint32_t h = k + has_at, e = h;
    bool digit = false;
    while (e < sc->n && e - h <= 32 && is_handle_char(sc->cp[e], dotted)) {
        digit |= is_digit_ascii(sc->cp[e]) || sc->cp[e] == '_';
        e++;
    }
    while (dotted && e > h && (sc->cp[e - 1] == '.' || sc->cp[e - 1] == '-'))
        e--;
    if (e - h < 3 || e - h > 32 || !is_alnum_ascii(sc->cp[h]) ||
        is_handle_char(at(sc, e), true))
        return false;
    /* "discord name#1234" */
    bool tag = false;
    if (at(sc, e) == '#' && !strcmp(kw->what, "discord")) {
        uint32_t t = e + 1;
        while (t - e <= 4 && is_digit_ascii(at(sc, t)))
            t++;
        if (t - e == 5 && !is_alnum_ascii(at(sc, t))) {
            tag = true;
            e = t;
        }
    }
    /* a domain or an address is someone else's business */
    uint32_t n1 = at(sc, e);
    if (!tag && ((n1 == '.' && is_alnum_ascii(at(sc, e + 1))) || n1 == '/' ||
                 n1 == '@'))
        return false;
    bool ok;
    switch (kw->arg) {
    case KW_AT_ONLY: ok = has_at; break;
    case KW_HANDLE: ok = has_at || colon || label || tag || !ascii; break;
    case KW_ID: ok = has_at || colon || label || digit || !ascii; break;
    default: ok = label; break;
    }
    if (!ok)
        return false;
    *end = e;
    push_contact(sc, MG_CONTACT_MESSENGER, kw->what, i, e);
    return true;
}

static bool is_base58(uint32_t c)
{
    return is_alnum_ascii(c) && c != '0' && c != 'O' && c != 'I' && c != 'l';
}

static bool is_hex(uint32_t c)
{
    return is_digit_ascii(c) || (c | 0x20) - 'a' < 6u;
}

/* The chain of a wallet address written as the ASCII word [s, e), or
 * NULL. */
static const char *wallet_kind(const struct scan *sc, uint32_t s, uint32_t e)
{
    const uint32_t *w = sc->cp + s;
    uint32_t len = e - s;
    bool letter = false, digit = false, b58 = true;
    for (uint32_t k = 0; k < len; k++) {
        letter |= is_alpha_ascii(w[k]);
        digit |= is_digit_ascii(w[k]);
        b58 &= is_base58(w[k]);
    }
    if (len == 42 && w[0] == '0' && (w[1] | 0x20) == 'x') {
        bool hex = true;
        for (uint32_t k = 2; k < len && hex; k++)
            hex = is_hex(w[k]);
        if (hex)
            return "ethereum";
    }
    if (len >= 28 && len <= 90 && match_ci(sc, s, "bc1")) {
        static const char bech32[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
        bool up = w[0] == 'B', ok = true;
        for (uint32_t k = 0; k < len && ok; k++)
            ok = (up ? !(w[k] >= 'a' && w[k] <= 'z') : !is_upper_ascii(w[k])) &&
                 (k < 3 || strchr(bech32, (int)lower(w[k])));
        if (ok)
            return "bitcoin";
    }
    if (len == 34 && w[0] == 'T' && b58 && digit)
        return "tron";
    if (len >= 26 && len <= 35 && (w[0] == '1' || w[0] == '3') && b58 &&
        letter && digit)
        return "bitcoin";
    return NULL;
}

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
    UChar32 u = (UChar32)c;
    if (u_isUWhiteSpace(u))
        return C_SPACE;
    uint32_t gc = U_GET_GC_MASK(u);
    if (gc & (U_GC_CC_MASK | U_GC_CF_MASK | U_GC_CS_MASK))
        return 0;
    if ((gc & (U_GC_MN_MASK | U_GC_LO_MASK | U_GC_CN_MASK)) &&
        u_hasBinaryProperty(u, UCHAR_DEFAULT_IGNORABLE_CODE_POINT))
        return gc & U_GC_MN_MASK ? C_TRANSPARENT : 0; /* variation selectors,
                                                        Hangul fillers */
    if (gc & U_GC_L_MASK) {
        unsigned f = C_VISIBLE | C_LETTER | C_WORD;
        if (gc & U_GC_LU_MASK)
            f |= C_UPPER | C_CASED;
        else if (gc & (U_GC_LL_MASK | U_GC_LT_MASK))
            f |= C_CASED;
        if (c < 0x250) {
            f |= C_LATIN;
        } else if (!(c >= 0x4e00 && c <= 0x9fff)) {
            UErrorCode st = U_ZERO_ERROR;
            UScriptCode script = uscript_getScript(u, &st);
            if (script == USCRIPT_LATIN)
                f |= C_LATIN;
            else if (script == USCRIPT_CYRILLIC || script == USCRIPT_GREEK)
                f |= C_CYRGREEK;
        }
        return f;
    }
    if (gc & (U_GC_MN_MASK | U_GC_ME_MASK))
        return C_VISIBLE | C_MARK | C_WORD;
    if (gc & U_GC_ND_MASK)
        return C_VISIBLE | C_WORD | C_DIGIT;
    if (gc & U_GC_MC_MASK)
        return C_VISIBLE | C_WORD;
    if (is_wide_dot(c))
        return C_VISIBLE | C_SYMBOL | C_DOT;
    if (c == 0xff20)
        return C_VISIBLE | C_SYMBOL | C_AT;
    if (u_hasBinaryProperty(u, UCHAR_EMOJI_PRESENTATION) ||
        u_hasBinaryProperty(u, UCHAR_EXTENDED_PICTOGRAPHIC))
        return C_VISIBLE | C_EMOJI;
    if (gc & (U_GC_S_MASK | U_GC_P_MASK))
        return C_VISIBLE | C_SYMBOL;
    return C_VISIBLE;
}

/* Fills *st; returns the C_* classes seen (for scan_text). */
static unsigned compute_stats(const uint32_t *cp, uint32_t n,
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

/* ---- the scan ---------------------------------------------------------- */

/* Finds links and contacts; seen: the classes compute_stats saw, so that
 * scanners whose trigger is absent (no dot: no domain) are not run. */
static void scan_text(struct scan *sc, unsigned seen)
{
    uint32_t chain_wm = 0, word_wm = 0;
    bool urls = seen & C_COLON, dots = seen & (C_DOT | C_DOTWORD);
    bool emails = dots && (seen & (C_AT | C_OPEN)), digits = seen & C_DIGIT;
    for (uint32_t i = 0; i < sc->n;) {
        uint32_t c = sc->cp[i], prev = i ? sc->cp[i - 1] : ' ', end;
        /* Inside an ASCII word, or on ASCII punctuation that starts
         * nothing, there is nothing to try: the common case. */
        if (c < 0x80 && (is_alnum_ascii(c) ? is_alnum_ascii(prev)
                                           : c != '+' && c != '(' && c != '_' &&
                                                 c != '%' && c != '-')) {
            i++;
            continue;
        }
        if (urls && is_alpha_ascii(c) && !is_alpha_ascii(prev) &&
            try_scheme(sc, i, &end)) {
            i = end;
            continue;
        }
        if (emails && is_local_char(c) && c != '.' && !is_local_char(prev) &&
            try_email(sc, i, &end)) {
            i = end;
            continue;
        }
        if (dots && i >= chain_wm && is_label_start(c) &&
            (!is_host_char(prev) || prev == '-' || is_host_filler(prev)) &&
            try_domain(sc, i, &end, &chain_wm)) {
            i = end;
            continue;
        }
        if (digits && i >= word_wm && is_alnum_ascii(c) &&
            !is_alnum_ascii(prev)) {
            uint32_t e = i;
            while (e < sc->n && is_alnum_ascii(sc->cp[e]))
                e++;
            word_wm = e;
            const char *what = e - i >= 26 ? wallet_kind(sc, i, e) : NULL;
            if (what && at(sc, e) != '_') {
                push_contact(sc, MG_CONTACT_WALLET, what, i, e);
                i = e;
                continue;
            }
        }
        if ((c >= 0x80 || (is_alpha_ascii(c) && !is_alnum_ascii(prev))) &&
            try_keyword(sc, i, &end)) {
            i = end;
            continue;
        }
        if (digits && (c == '+' || c == 0xff0b || c == '(' || is_digit(c)) &&
            !is_alnum_ascii(prev) && !is_digit(prev) && prev != '+' &&
            prev != '(' && prev != '.' && prev != ',' && prev != '_' &&
            prev != '/' && prev != '#' && prev != '@' && prev != '-' &&
            try_phone(sc, i, false, &end)) {
            push_contact(sc, MG_CONTACT_PHONE, "phone", i, end);
            i = end;
            continue;
        }
        i++;
    }
}

static uint32_t decode(const unsigned char *s, size_t k)
{
    switch (k) {
    case 2: return ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu);
    case 3:
        return ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
    default:
        return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) |
               ((s[2] & 0x3fu) << 6) | (s[3] & 0x3fu);
    }
}

int mg_detect(const char *utf8, size_t len, struct mg_detect *out)
{
    if (len > UINT32_MAX / 2)
        return MG_ETOOBIG;
    uint32_t stack[STACK_CPS];
    uint32_t *cp = len <= STACK_CPS ? stack : mg_malloc(len * sizeof *cp);
    const unsigned char *s = (const unsigned char *)utf8;
    uint32_t n = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] < 0x80) {
            cp[n++] = s[i++];
            continue;
        }
        size_t k = mg_utf8_seq_len(s + i, len - i);
        if (k == 0) {
            if (cp != stack)
                mg_free(cp);
            return MG_EINVAL;
        }
        cp[n++] = decode(s + i, k);
        i += k;
    }
    memset(out, 0, sizeof *out);
    unsigned seen = compute_stats(cp, n, &out->stats);
    struct scan sc = {.cp = cp, .n = n, .out = out};
    scan_text(&sc, seen);
    if (cp != stack)
        mg_free(cp);
    return MG_OK;
}

void mg_detect_close(struct mg_detect *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nlinks; i++)
        mg_free(d->links[i].host);
    mg_free(d->links);
    mg_free(d->contacts);
    memset(d, 0, sizeof *d);
}

bool mg_host_under(const char *host, const char *domain)
{
    if (!host || !domain || !*domain)
        return false;
    size_t h = strlen(host), d = strlen(domain);
    if (h == d)
        return memcmp(host, domain, d) == 0;
    return h > d && host[h - d - 1] == '.' &&
           memcmp(host + h - d, domain, d) == 0;
}
