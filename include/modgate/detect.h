/* detect.h: what a comment holds besides words, for the rules' link,
 * contact and character conditions: links and their hosts, contact details,
 * and character statistics. Pure: text in, findings out, no I/O.
 *
 * Links and contact details are read as a reader sees them: fullwidth
 * forms as ASCII and zero-width characters skipped. Offsets are in code
 * points of the text given (what docs/api.md's `span` counts), [start, end). Links and contacts are listed in text order; a
 * messenger invite that is a link (t.me/x) is in both lists. */
#ifndef MODGATE_DETECT_H
#define MODGATE_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modgate/error.h"

struct mg_span {
    uint32_t start, end;
};

enum mg_link_flag {
    MG_LINK_SCHEME = 1 << 0, /* written with a scheme: http://, https://, www. */
    MG_LINK_HIDDEN = 1 << 1, /* written to dodge link detection: "example .com",
                                "example[.]com", "example(dot)com",
                                "example dot com", fullwidth forms or
                                zero-width characters inside */
    MG_LINK_IP = 1 << 2,     /* the host is an IPv4 or IPv6 literal */
    MG_LINK_IDN = 1 << 3,    /* the host has a punycode label (xn--) or
                                non-ASCII letters */
};

struct mg_link {
    char *host;     /* lowercase, no port, no trailing dot; IDN hosts as
                       written (UTF-8, after NFKC); IP literals in canonical
                       form ("2001:db8::1"). A bare domain counts only when
                       it ends in a TLD on detect.c's list */
    unsigned flags; /* mg_link_flag */
    struct mg_span span;
};

enum mg_contact_kind {
    MG_CONTACT_EMAIL,
    MG_CONTACT_PHONE,     /* 8+ digits in a phone-like shape, any common
                             grouping: +1 (555) 123-4567, 010-1234-5678 */
    MG_CONTACT_MESSENGER, /* handles and invites: t.me/x, telegram @x,
                             wa.me/123, whatsapp +..., open.kakao.com/o/...,
                             kakaotalk/카톡 id, discord.gg/x, discord user */
    MG_CONTACT_WALLET,    /* bitcoin (1.., 3.., bc1..), ethereum (0x + 40 hex),
                             tron (T + 33) addresses */
};

struct mg_contact {
    enum mg_contact_kind kind;
    char what[16]; /* "email", "phone", "telegram", "whatsapp", "kakaotalk",
                      "discord", "bitcoin", "ethereum", "tron" */
    struct mg_span span;
};

struct mg_charstats {
    uint32_t chars;          /* code points */
    uint32_t letters;        /* of which letters */
    uint32_t upper;          /* of the letters, uppercase */
    double caps_ratio;       /* upper / letters that have case; 0 when none */
    uint32_t longest_run;    /* most times one character repeats in a row,
                                spaces excluded */
    struct mg_span run_span; /* where that run is */
    double emoji_ratio;      /* emoji and pictographs (Emoji_Presentation or
                                Extended_Pictographic) / visible characters
                                (not space, control, format or
                                default-ignorable) */
    double symbol_ratio;     /* symbols and punctuation (not emoji) / visible */
    double marks_per_base;   /* most combining marks (Mn, Me) on one base
                                character (zalgo: 3+); variation selectors
                                are neither marks nor bases */
    struct mg_span marks_span; /* the base and its marks */
    uint32_t mixed_script_words; /* words mixing Latin with Cyrillic or Greek
                                    letters ("рayрal") */
    struct mg_span mixed_span;   /* the first such word */
};

struct mg_detect {
    struct mg_link *links;
    size_t nlinks;
    struct mg_contact *contacts;
    size_t ncontacts;
    struct mg_charstats stats;
};

/* Finds links, contacts and statistics in len bytes of UTF-8 (a NUL is a
 * character). MG_EINVAL for invalid UTF-8, MG_ETOOBIG past 2 GiB (nothing
 * to close then); else MG_OK and *out, whose arrays and hosts it owns, to
 * be closed with mg_detect_close. Linear in len. */
int mg_detect(const char *utf8, size_t len, struct mg_detect *out) MG_MUST_CHECK;

/* Frees what mg_detect put in *d and zeroes it; accepts NULL. */
void mg_detect_close(struct mg_detect *d);

/* True when host is domain or one of its subdomains ("a.b.example.com"
 * is under "example.com"; "notexample.com" is not). Both lowercase. */
bool mg_host_under(const char *host, const char *domain);

#endif
