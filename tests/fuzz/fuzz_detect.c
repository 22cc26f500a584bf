/* fuzz_detect.c: the link, contact and statistics detectors on arbitrary
 * bytes. mg_detect must refuse exactly the invalid UTF-8, and what it finds
 * must hold together: spans inside the text, hosts non-empty, lowercase
 * and valid UTF-8, ratios in [0, 1], counts consistent. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "modgate/detect.h"
#include "modgate/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_span(struct mg_span s, uint32_t chars)
{
    if (s.start > s.end || s.end > chars)
        __builtin_trap();
}

static void check_ratio(double r)
{
    if (!(r >= 0.0 && r <= 1.0))
        __builtin_trap();
}

static void check_host(const char *host)
{
    size_t len = strlen(host);
    if (len == 0)
        __builtin_trap();
    const uint8_t *s = (const uint8_t *)host;
    for (size_t i = 0; i < len;) {
        size_t n = mg_utf8_seq_len(s + i, len - i);
        if (n == 0)
            __builtin_trap(); /* not valid UTF-8 */
        int32_t off = 0;
        UChar32 c;
        U8_NEXT(s + i, off, (int32_t)n, c);
        if (c < 0 || u_tolower(c) != c)
            __builtin_trap(); /* not lowercase */
        if (c == '.' && (i == 0 || i + 1 == len || s[i + 1] == '.'))
            __builtin_trap(); /* an empty label or a trailing dot */
        i += n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool valid = true;
    uint32_t chars = 0;
    for (size_t i = 0; i < size; chars++) {
        size_t n = mg_utf8_seq_len(data + i, size - i);
        if (n == 0) {
            valid = false;
            break;
        }
        i += n;
    }
    struct mg_detect d;
    int rc = mg_detect((const char *)data, size, &d);
    if (!valid) {
        if (rc != MG_EINVAL)
            __builtin_trap();
        return 0;
    }
    if (rc != MG_OK)
        __builtin_trap();

    const struct mg_charstats *st = &d.stats;
    if (st->chars != chars || st->letters > chars || st->upper > st->letters)
        __builtin_trap();
    check_ratio(st->caps_ratio);
    check_ratio(st->emoji_ratio);
    check_ratio(st->symbol_ratio);
    if (st->emoji_ratio + st->symbol_ratio > 1.0 + 1e-9)
        __builtin_trap(); /* an emoji is not also a symbol */
    check_span(st->run_span, chars);
    if (st->run_span.end - st->run_span.start != st->longest_run)
        __builtin_trap();
    check_span(st->marks_span, chars);
    if (!(st->marks_per_base >= 0.0) || st->marks_per_base > chars ||
        (st->marks_per_base > 0 &&
         st->marks_span.end - st->marks_span.start < st->marks_per_base))
        __builtin_trap();
    check_span(st->mixed_span, chars);
    if (st->mixed_script_words > chars ||
        (st->mixed_script_words > 0) !=
            (st->mixed_span.end > st->mixed_span.start))
        __builtin_trap();

    if ((d.nlinks == 0) != (d.links == NULL))
        __builtin_trap();
    uint32_t prev_end = 0;
    for (size_t i = 0; i < d.nlinks; i++) {
        const struct mg_link *l = &d.links[i];
        check_span(l->span, chars);
        if (l->span.start == l->span.end || l->span.start < prev_end)
            __builtin_trap(); /* empty, or overlapping the one before */
        prev_end = l->span.end;
        if (l->flags & ~(unsigned)(MG_LINK_SCHEME | MG_LINK_HIDDEN |
                                   MG_LINK_IP | MG_LINK_IDN))
            __builtin_trap();
        check_host(l->host);
    }
    if ((d.ncontacts == 0) != (d.contacts == NULL))
        __builtin_trap();
    for (size_t i = 0; i < d.ncontacts; i++) {
        const struct mg_contact *c = &d.contacts[i];
        check_span(c->span, chars);
        if (c->span.start == c->span.end)
            __builtin_trap();
        if (c->kind < MG_CONTACT_EMAIL || c->kind > MG_CONTACT_WALLET ||
            c->what[0] == '\0' || memchr(c->what, '\0', sizeof c->what) == NULL)
            __builtin_trap();
    }
    mg_detect_close(&d);
    return 0;
}
