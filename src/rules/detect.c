/* detect.c: the scan behind mg_detect. It decodes the comment into code
 * points, takes its character statistics (detect_stats.c), then walks it
 * once and at each place where a link or a contact can start tries the
 * scanners of detect_links.c and detect_contacts.c. Every scanner is
 * linear: a failed attempt either reads a bounded window or moves a
 * watermark past what it read, so no text is read more than a few times. */
#include "modgate/detect.h"

#include <string.h>

#include "modgate/alloc.h"
#include "modgate/ipaddr.h"
#include "modgate/text.h"
#include "src/rules/scan.h"

/* ---- output ------------------------------------------------------------ */

void mg__detect_push_link(struct scan *sc, char *host, unsigned flags,
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

void mg__detect_push_contact(struct scan *sc, enum mg_contact_kind kind,
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

/* ---- the scan ---------------------------------------------------------- */

/* Finds links and contacts; seen: the classes mg__detect_compute_stats saw, so
 * that scanners whose trigger is absent (no dot: no domain) are not run. */
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
            mg__detect_try_scheme(sc, i, &end)) {
            i = end;
            continue;
        }
        if (emails && is_local_char(c) && c != '.' && !is_local_char(prev) &&
            mg__detect_try_email(sc, i, &end)) {
            i = end;
            continue;
        }
        if (dots && i >= chain_wm && is_label_start(c) &&
            (!is_host_char(prev) || prev == '-') &&
            mg__detect_try_domain(sc, i, &end, &chain_wm)) {
            i = end;
            continue;
        }
        if (digits && i >= word_wm && is_alnum_ascii(c) &&
            !is_alnum_ascii(prev)) {
            uint32_t e = i;
            while (e < sc->n && is_alnum_ascii(sc->cp[e]))
                e++;
            word_wm = e;
            const char *what =
                e - i >= 26 ? mg__detect_wallet_kind(sc, i, e) : NULL;
            if (what && at(sc, e) != '_') {
                mg__detect_push_contact(sc, MG_CONTACT_WALLET, what, i, e);
                i = e;
                continue;
            }
        }
        if ((c >= 0x80 || (is_alpha_ascii(c) && !is_alnum_ascii(prev))) &&
            mg__detect_try_keyword(sc, i, &end)) {
            i = end;
            continue;
        }
        if (digits && (c == '+' || c == 0xff0b || c == '(' || is_digit(c)) &&
            !is_alnum_ascii(prev) && !is_digit(prev) && prev != '+' &&
            prev != '(' && prev != '.' && prev != ',' && prev != '_' &&
            prev != '/' && prev != '#' && prev != '@' && prev != '-' &&
            mg__detect_try_phone(sc, i, false, &end)) {
            mg__detect_push_contact(sc, MG_CONTACT_PHONE, "phone", i, end);
            i = end;
            continue;
        }
        i++;
    }
}

/* at[] entries of a code point as_read changed (a fullwidth form); n is at
 * most UINT32_MAX / 2, so the bit is free. */
#define FOLDED 0x80000000u

/* Rewrites cp[0..n) in place as a reader sees it, so that neither trick
 * hides a link or a number: fullwidth forms as ASCII ("ｈｔｔｐ://" is
 * "http://", the ideographic space a space) and zero-width characters left
 * out ("ex\u200bample.com"). at[i] is the index in the text as given of
 * what is now cp[i], with FOLDED set when it was a fullwidth form; at[m] is
 * n. Returns m, the code points kept. */
static uint32_t as_read(uint32_t *cp, uint32_t n, uint32_t *at)
{
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t c = cp[i], folded = 0;
        if (is_host_filler(c))
            continue;
        if (c >= 0xff01 && c <= 0xff5e) {
            c -= 0xfee0;
            folded = FOLDED;
        } else if (c == 0x3000) {
            c = ' ';
        }
        at[m] = i | folded;
        cp[m++] = c;
    }
    at[m] = n;
    return m;
}

/* A span of what the scan found, from code points as read (as_read) back
 * to the text as given (it ends after its last code point). Returns whether
 * the text as given disguised it: a fullwidth form or a zero-width
 * character inside. */
static bool span_back(struct mg_span *sp, const uint32_t *at)
{
    bool disguised = false;
    for (uint32_t k = sp->start; k < sp->end && !disguised; k++)
        disguised = (at[k] & FOLDED) ||
                    (k + 1 < sp->end && (at[k + 1] & ~FOLDED) != (at[k] & ~FOLDED) + 1);
    uint32_t start = at[sp->start] & ~FOLDED;
    sp->end = sp->end > sp->start ? (at[sp->end - 1] & ~FOLDED) + 1 : start;
    sp->start = start;
    return disguised;
}

int mg_detect(const char *utf8, size_t len, struct mg_detect *out)
{
    if (len > UINT32_MAX / 2)
        return MG_ETOOBIG;
    /* zeroed: GCC 12 cannot see that only decoded code points are read */
    uint32_t stack[STACK_CPS] = {0};
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
        cp[n++] = mg_utf8_decode(s + i, k);
        i += k;
    }
    memset(out, 0, sizeof *out);
    unsigned seen = mg__detect_compute_stats(cp, n, &out->stats);
    uint32_t at_stack[STACK_CPS + 1];
    uint32_t *at = n < STACK_CPS ? at_stack : mg_malloc(((size_t)n + 1) * sizeof *at);
    struct scan sc = {.cp = cp, .n = as_read(cp, n, at), .out = out};
    scan_text(&sc, seen);
    /* a link written in fullwidth forms or with zero-width characters in
     * it was written to dodge detection */
    for (size_t i = 0; i < out->nlinks; i++)
        if (span_back(&out->links[i].span, at))
            out->links[i].flags |= MG_LINK_HIDDEN;
    for (size_t i = 0; i < out->ncontacts; i++)
        (void)span_back(&out->contacts[i].span, at);
    if (at != at_stack)
        mg_free(at);
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
