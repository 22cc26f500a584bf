/* detect_contacts.c: contact details: e-mail addresses (also written
 * "name [at] example [dot] com"), phone numbers (not dates, years, prices),
 * messenger handles after their names (Telegram, WhatsApp, KakaoTalk,
 * Discord; in English, Korean and Russian), and wallet addresses. */
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/ipaddr.h"
#include "modgate/text.h"
#include "src/rules/scan.h"

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

/* ---- contacts ---------------------------------------------------------- */

/* "name@example.com", "name [at] example [dot] com", "name(at)example.com"
 * with the local part starting at i. */
bool mg__detect_try_email(struct scan *sc, uint32_t i, uint32_t *end)
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
    mg__detect_parse_chain(sc, d, false, &ch);
    if (ch.n < 2 || ch.s[0] != d)
        return false;
    size_t j = 0;
    for (size_t l = ch.n; l-- > 1 && !j;)
        if (mg__detect_domain_fits(sc, &ch, l, false))
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
    mg__detect_push_contact(sc, MG_CONTACT_EMAIL, "email", i, *end);
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
        v = v * 10 + (uint32_t)mg_unicode_digit_value(sc->cp[s + k]);
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
bool mg__detect_try_phone(const struct scan *sc, uint32_t i, bool in_context,
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
        if (b > 0 && mg_unicode_category(sc->cp[b - 1]) == MG_GC_SC)
            return false;
    }
    uint32_t n1 = at(sc, last), n2 = at(sc, last + 1);
    if (n1 == '%' || is_alpha_ascii(n1) || is_unit_after_number(n1) ||
        mg_unicode_category(n1) == MG_GC_SC)
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
bool mg__detect_try_keyword(struct scan *sc, uint32_t i, uint32_t *end)
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
        if (!mg__detect_try_phone(sc, k, true, &pe))
            return false;
        *end = pe;
        mg__detect_push_contact(sc, MG_CONTACT_MESSENGER, kw->what, i, pe);
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
    mg__detect_push_contact(sc, MG_CONTACT_MESSENGER, kw->what, i, e);
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
const char *mg__detect_wallet_kind(const struct scan *sc, uint32_t s,
                                   uint32_t e)
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
