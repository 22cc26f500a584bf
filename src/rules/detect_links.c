/* detect_links.c: links and their hosts: with a scheme, "www.", bare
 * "name.tld" with a known TLD, and hidden ("example dot com",
 * "example[.]com"); IP-literal and internationalized hosts; messenger
 * invites found as links are also contacts. Linear: a failed attempt moves
 * a watermark past what it read. */
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/ipaddr.h"
#include "modgate/text.h"
#include "src/rules/scan.h"

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
    {"loan", true},
    {"pharmacy", true},
    /* Reserved for examples (RFC 2606, RFC 6761): never a real site, but
     * what documentation, tests and hand-written spam samples link to. */
    {"example", false},
    {"test", true},
    {"\xd1\x80\xd1\x84", false}, /* рф */
};

/* Words before "dot com" that make it prose ("the dot com bubble"). */
static const char *const stopwords[] = {
    "the", "a",  "an", "this", "that", "of", "and", "or",   "to",
    "in",  "on", "at", "is",   "was",  "my", "our", "your", "no"};

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
        uint32_t c = mg_utf8_decode(s + i, n);
        i += n;
        if (c == '.') {
            if (label_empty)
                return false;
            label_empty = true;
        } else if (!is_host_char(c) || is_host_filler(c)) {
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
    char *out;
    size_t out_len;
    if (mg_unicode_nfkc_lower(utf8, len, &out, &out_len) != MG_OK)
        return NULL;
    if (!host_is_clean(out, out_len)) {
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
            if (++ncp > MAX_HOST)
                return NULL;
            if (c < 0x80) {
                buf[len++] = (char)lower(c);
            } else {
                ascii = false;
                len += mg_utf8_encode(c, buf + len);
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
void mg__detect_parse_chain(const struct scan *sc, uint32_t i, bool bare,
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
                   (sc->cp[p] >= 0x80 ||
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

enum letter_case { CASE_NONE, CASE_UPPER, CASE_LOWER };

/* Whether c is an uppercase or a lowercase letter: beyond ASCII, of
 * General_Category Lu or Ll (a titlecase or caseless letter is neither). */
static enum letter_case case_of(uint32_t c)
{
    if (c < 0x80)
        return is_upper_ascii(c) ? CASE_UPPER
               : c - 'a' < 26u   ? CASE_LOWER
                                 : CASE_NONE;
    uint32_t gc = mg_unicode_category(c);
    return gc == MG_GC_LU   ? CASE_UPPER
           : gc == MG_GC_LL ? CASE_LOWER
                            : CASE_NONE;
}

/* Whether labels 0..j make a domain ending in the TLD at j. bare: written
 * without a scheme or "www.", where sentence ends must not pass for
 * domains: "Kursk.Then", "in 2024.AI" ("Example.Com" with no path is lost
 * too; "EXAMPLE.COM" is kept). */
bool mg__detect_domain_fits(const struct scan *sc, const struct chain *ch,
                            size_t j, bool bare)
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
        tld_upper |= case_of(sc->cp[k]) == CASE_UPPER;
    if (!tld_upper)
        return true;
    for (size_t l = 0; l <= j; l++) {
        bool upper = false;
        for (uint32_t k = ch->s[l]; k < ch->e[l]; k++) {
            enum letter_case lc = case_of(sc->cp[k]);
            if (lc == CASE_LOWER)
                return false;
            upper |= lc == CASE_UPPER;
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
            (c >= 0x80 && (is_cjk(c) || mg_unicode_category(c) == MG_GC_CF)))
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
    mg__detect_push_link(sc, host, flags, start, end);
    if (what)
        mg__detect_push_contact(sc, MG_CONTACT_MESSENGER, what, start, end);
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
        if (mg__detect_domain_fits(sc, ch, k, bare && !www)) {
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
bool mg__detect_try_scheme(struct scan *sc, uint32_t i, uint32_t *end)
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
        mg__detect_parse_chain(sc, hs, false, &ch);
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
bool mg__detect_try_domain(struct scan *sc, uint32_t i, uint32_t *end,
                           uint32_t *wm)
{
    struct chain ch;
    mg__detect_parse_chain(sc, i, true, &ch);
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
