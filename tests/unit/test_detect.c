/* test_detect.c: links, contacts and character statistics. Every expected
 * span is counted by hand in code points (Korean and emoji count one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "modgate/alloc.h"
#include "modgate/detect.h"
#include "testutil.h"

#define SCHEME MG_LINK_SCHEME
#define HIDDEN MG_LINK_HIDDEN
#define IP     MG_LINK_IP
#define IDN    MG_LINK_IDN

static void detect_ok(const char *text, struct mg_detect *d)
{
    int rc = mg_detect(text, strlen(text), d);
    if (rc != MG_OK)
        fail_msg("\"%s\": rc %d", text, rc);
}

/* Each text holds exactly one link. */
static void test_links(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *host;
        unsigned flags;
        uint32_t start, end;
    } cases[] = {
        {"buy at bit.ly/abc now", "bit.ly", 0, 7, 17},
        {"example.com/abc", "example.com", 0, 0, 15},
        {"go to Example.com.", "example.com", 0, 6, 17},
        {"EXAMPLE.COM", "example.com", 0, 0, 11},
        {"bet365.me", "bet365.me", 0, 0, 9},
        {"see it.me/x", "it.me", 0, 4, 11},
        {"https://x.example.com/path", "x.example.com", SCHEME, 0, 26},
        {"see https://x.example.com/path?q=1).", "x.example.com", SCHEME, 4,
         34},
        {"(see https://en.wikipedia.org/wiki/A_(b))", "en.wikipedia.org",
         SCHEME, 5, 40},
        {"https://user:pass@Example.COM:8080/a", "example.com", SCHEME, 0, 36},
        {"http://example.com./x", "example.com", SCHEME, 0, 21},
        {"http://localhost/", "localhost", SCHEME, 0, 17},
        {"http://wap. example.com/x", "wap.example.com", SCHEME | HIDDEN, 0,
         25},
        {"datpiff.com/x?id=6\xef\xbb\xbf", "datpiff.com", 0, 0, 18}, /* BOM */
        {"hxxp://evil.example/x", "evil.example", SCHEME | HIDDEN, 0, 21},
        {"www.example.com", "www.example.com", SCHEME, 0, 15},
        {"WWW.EXAMPLE.COM", "www.example.com", SCHEME, 0, 15},
        {"www.example", "www.example", SCHEME, 0, 11},
        {"this text. www.ringtones.co.uk", "www.ringtones.co.uk", SCHEME, 11,
         30},
        {"http://203.0.113.9/x", "203.0.113.9", SCHEME | IP, 0, 20},
        {"bare 203.0.113.5/path", "203.0.113.5", IP, 5, 21},
        {"at 203.0.113.5:8080 now", "203.0.113.5", IP, 3, 19},
        {"http://[2001:DB8::1]:80/x", "2001:db8::1", SCHEME | IP, 0, 25},
        {"xn--80ak6aa92e.com", "xn--80ak6aa92e.com", IDN, 0, 18},
        {"b\xc3\xbc"
         "cher.de",
         "b\xc3\xbc"
         "cher.de",
         IDN, 0, 9},
        {"\xeb\x84\xa4\xec\x9d\xb4\xeb\xb2\x84.com", /* 네이버.com */
         "\xeb\x84\xa4\xec\x9d\xb4\xeb\xb2\x84.com", IDN, 0, 7},
        {"\xd0\x9f\xd0\xa0\xd0\x98\xd0\x9c\xd0\x95\xd0\xa0.\xd1\x80\xd1\x84",
         /* ПРИМЕР.рф */
         "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84",
         IDN, 0, 9},
        /* 사이트는example.com입니다: the Korean around it is prose */
        {"\xec\x82\xac\xec\x9d\xb4\xed\x8a\xb8\xeb\x8a\x94"
         "example.com\xec\x9e\x85\xeb\x8b\x88\xeb\x8b\xa4",
         "example.com", 0, 4, 15},
        /* fullwidth letters fold to ASCII: a disguise */
        {"\xef\xbd\x85\xef\xbd\x98\xef\xbd\x81\xef\xbd\x8d\xef\xbd\x90\xef"
         "\xbd\x8c\xef\xbd\x85.com",
         "example.com", HIDDEN, 0, 11},
        {"exa\xe2\x80\x8bmple.com", "example.com", HIDDEN, 0, 12},
        /* a fullwidth scheme reads as one; the span is the text's own */
        {"see \xef\xbd\x88\xef\xbd\x94\xef\xbd\x94\xef\xbd\x90://ex.com/a",
         "ex.com", SCHEME | HIDDEN, 4, 19},
        /* a zero-width space inside the path */
        {"http://ex.com/sp\xe2\x80\x8b" "am", "ex.com", SCHEME | HIDDEN, 0, 19},
        {"visit example[.]com", "example.com", HIDDEN, 6, 19},
        {"visit example(.)com", "example.com", HIDDEN, 6, 19},
        {"visit example{.}com", "example.com", HIDDEN, 6, 19},
        {"visit example[dot]com", "example.com", HIDDEN, 6, 21},
        {"see casino dot com", "casino.com", HIDDEN, 4, 18},
        {"see casino DOT com", "casino.com", HIDDEN, 4, 18},
        {"see casino (dot) com", "casino.com", HIDDEN, 4, 20},
        {"see casino [dot] net", "casino.net", HIDDEN, 4, 20},
        {"example .com", "example.com", HIDDEN, 0, 12},
        {"example. com", "example.com", HIDDEN, 0, 12},
        {"example . org", "example.org", HIDDEN, 0, 13},
        {"example\xe3\x80\x82"
         "com",
         "example.com", HIDDEN, 0, 11},
        {"visit example[.]me", "example.me", HIDDEN, 6, 18},
        {"Join at Rand Paul dot com.", "paul.com", HIDDEN, 13, 25},
        {"W W W. THE FARRELL REPORT. NET", "report.net", HIDDEN, 19, 30},
        /* the domains reserved for examples, and two spam TLDs */
        {"order at rx-direct.example today", "rx-direct.example", 0, 9, 26},
        {"order at rxdirect.example", "rxdirect.example", 0, 9, 25},
        {"see shop.test/x", "shop.test", 0, 4, 15},
        {"fast cash at quick-cash.loan", "quick-cash.loan", 0, 13, 28},
        {"pills at best-rx.pharmacy", "best-rx.pharmacy", 0, 9, 25},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mg_detect d;
        detect_ok(cases[i].text, &d);
        if (d.nlinks != 1)
            fail_msg("\"%s\": %zu links, want 1", cases[i].text, d.nlinks);
        const struct mg_link *l = &d.links[0];
        if (strcmp(l->host, cases[i].host) != 0 || l->flags != cases[i].flags ||
            l->span.start != cases[i].start || l->span.end != cases[i].end)
            fail_msg("\"%s\": %s flags %u [%u,%u), want %s flags %u [%u,%u)",
                     cases[i].text, l->host, l->flags, l->span.start,
                     l->span.end, cases[i].host, cases[i].flags, cases[i].start,
                     cases[i].end);
        mg_detect_close(&d);
    }
}

static void test_not_links(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "North Korean troops fought in Kursk.Then 12,000 soldiers arrived in "
        "2024.",
        "U.S. officials said so",
        "e.g. this, i.e. that, a.m. and p.m.",
        "Mr.Smith and St.Louis",
        "they fought in Kursk.In the end",
        "in 2024.AI will",
        "Example.Com",
        "I love it.me too",
        "for example. test it",
        "took a loan.Test it",
        "saw your message.it k da",
        "charges also differ.be sure",
        "two reasons: 1.it is about",
        "the dot com bubble",
        "the end. Me too",
        "he said no. me neither",
        "Node.js and file.txt and photo.jpg and main.py",
        "version 1.2.3.4 is out",
        "203.0.113.5 alone",
        "pi is 3.14",
        "wait...com",
        "a.b.c.d.e.f",
        "www",
        "http://",
        "http:// example.com", /* no link: the scheme has no host */
        "hello@world",
        /* 알았어요. TV에서는: a Korean sentence ends, an acronym follows */
        "\xec\x95\x8c\xec\x95\x98\xec\x96\xb4\xec\x9a\x94. "
        "TV\xec\x97\x90\xec\x84\x9c\xeb\x8a\x94",
        "",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct mg_detect d;
        detect_ok(texts[i], &d);
        if (strcmp(texts[i], "http:// example.com") == 0) {
            /* the bare domain after it is still one */
            assert_int_equal(d.nlinks, 1);
            assert_string_equal(d.links[0].host, "example.com");
            assert_int_equal(d.links[0].flags, 0);
        } else if (d.nlinks != 0) {
            fail_msg("\"%s\": link %s", texts[i], d.links[0].host);
        }
        mg_detect_close(&d);
    }
}

static void test_several_links(void **state)
{
    (void)state;
    struct mg_detect d;
    detect_ok("a.com b.org, see http://c.net/x and d[.]io", &d);
    assert_int_equal(d.nlinks, 4);
    static const char *const hosts[] = {"a.com", "b.org", "c.net", "d.io"};
    static const uint32_t spans[][2] = {{0, 5}, {6, 11}, {17, 31}, {36, 42}};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(d.links[i].host, hosts[i]);
        assert_int_equal(d.links[i].span.start, spans[i][0]);
        assert_int_equal(d.links[i].span.end, spans[i][1]);
    }
    assert_int_equal(d.ncontacts, 0);
    mg_detect_close(&d);
}

/* Each text holds exactly one contact. */
static void test_contacts(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        enum mg_contact_kind kind;
        const char *what;
        uint32_t start, end;
    } cases[] = {
        {"mail me: john.doe@example.com", MG_CONTACT_EMAIL, "email", 9, 29},
        {"john [at] example [dot] com", MG_CONTACT_EMAIL, "email", 0, 27},
        {"name(at)example.com", MG_CONTACT_EMAIL, "email", 0, 19},
        {"JOHN @ EXAMPLE.COM", MG_CONTACT_EMAIL, "email", 0, 18},
        {"write to info@txt82228.co.uk now", MG_CONTACT_EMAIL, "email", 9, 28},
        {"12345@qq.com", MG_CONTACT_EMAIL, "email", 0, 12},
        {"a@b.museum", MG_CONTACT_EMAIL, "email", 0, 10},
        {"+1 (555) 123-4567", MG_CONTACT_PHONE, "phone", 0, 17},
        {"010-1234-5678", MG_CONTACT_PHONE, "phone", 0, 13},
        {"call 010 1234 5678 now", MG_CONTACT_PHONE, "phone", 5, 18},
        {"call 555 123 4567", MG_CONTACT_PHONE, "phone", 5, 17},
        {"01012345678\xeb\xa1\x9c", MG_CONTACT_PHONE, "phone", 0, 11},
        {"+447797706009", MG_CONTACT_PHONE, "phone", 0, 13},
        /* zero-width spaces between the digits, fullwidth digits */
        {"call 0\xe2\x80\x8b" "8712\xe2\x80\x8b" "404000 now", MG_CONTACT_PHONE, "phone", 5, 18},
        {"\xef\xbc\x90\xef\xbc\x98\xef\xbc\x97\xef\xbc\x91\xef\xbc\x92\xef\xbc\x94"
         "\xef\xbc\x90\xef\xbc\x94\xef\xbc\x90\xef\xbc\x90\xef\xbc\x90",
         MG_CONTACT_PHONE, "phone", 0, 11},
        {"555.123.4567", MG_CONTACT_PHONE, "phone", 0, 12},
        {"(02) 1234 5678", MG_CONTACT_PHONE, "phone", 0, 14},
        {"1588-1234", MG_CONTACT_PHONE, "phone", 0, 9},
        {"call 08000407165 (18+)", MG_CONTACT_PHONE, "phone", 5, 16},
        {"tel: +7 495 123-45-67.", MG_CONTACT_PHONE, "phone", 5, 21},
        {"\xef\xbc\x90\xef\xbc\x91\xef\xbc\x90-1234-5678", /* fullwidth 010 */
         MG_CONTACT_PHONE, "phone", 0, 13},
        {"t.me/freemoney", MG_CONTACT_MESSENGER, "telegram", 0, 14},
        {"telegram.me/joinchat", MG_CONTACT_MESSENGER, "telegram", 0, 20},
        {"telegram @cryptoking", MG_CONTACT_MESSENGER, "telegram", 0, 20},
        {"Telegram: cryptoking", MG_CONTACT_MESSENGER, "telegram", 0, 20},
        {"tg @handle", MG_CONTACT_MESSENGER, "telegram", 0, 10},
        {"\xed\x85\x94\xeb\xa0\x88\xea\xb7\xb8\xeb\x9e\xa8 abc123", /* 텔레그램
                                                                     */
         MG_CONTACT_MESSENGER, "telegram", 0, 11},
        {"wa.me/15551234567", MG_CONTACT_MESSENGER, "whatsapp", 0, 17},
        {"whatsapp +1 555 123 4567", MG_CONTACT_MESSENGER, "whatsapp", 0, 24},
        {"\xec\x99\x93\xec\xb8\xa0\xec\x95\xb1 010-1234-5678", /* 왓츠앱 */
         MG_CONTACT_MESSENGER, "whatsapp", 0, 17},
        {"open.kakao.com/o/sAbCdEf", MG_CONTACT_MESSENGER, "kakaotalk", 0, 24},
        {"\xec\xb9\xb4\xed\x86\xa1 abc123", /* 카톡 */
         MG_CONTACT_MESSENGER, "kakaotalk", 0, 9},
        {"\xec\xb9\xb4\xec\xb9\xb4\xec\x98\xa4\xed\x86\xa1 " /* 카카오톡 */
         "\xec\x95\x84\xec\x9d\xb4\xeb\x94\x94: abc_12",     /* 아이디 */
         MG_CONTACT_MESSENGER, "kakaotalk", 0, 16},
        {"kakao id abc", MG_CONTACT_MESSENGER, "kakaotalk", 0, 12},
        {"kakaotalk: abc", MG_CONTACT_MESSENGER, "kakaotalk", 0, 14},
        {"discord.gg/xyz", MG_CONTACT_MESSENGER, "discord", 0, 14},
        {"discord.com/invite/abc", MG_CONTACT_MESSENGER, "discord", 0, 22},
        {"discord: name#1234", MG_CONTACT_MESSENGER, "discord", 0, 18},
        {"add me on discord name#1234", MG_CONTACT_MESSENGER, "discord", 10,
         27},
        {"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", MG_CONTACT_WALLET, "bitcoin", 0,
         34},
        {"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", MG_CONTACT_WALLET, "bitcoin", 0,
         34},
        {"send to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
         MG_CONTACT_WALLET, "bitcoin", 8, 50},
        {"0x52908400098527886E0F7030069857D2E4169EE7", MG_CONTACT_WALLET,
         "ethereum", 0, 42},
        {"TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC", MG_CONTACT_WALLET, "tron", 0,
         34},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mg_detect d;
        detect_ok(cases[i].text, &d);
        if (d.ncontacts != 1)
            fail_msg("\"%s\": %zu contacts, want 1", cases[i].text,
                     d.ncontacts);
        const struct mg_contact *c = &d.contacts[0];
        if (c->kind != cases[i].kind || strcmp(c->what, cases[i].what) != 0 ||
            c->span.start != cases[i].start || c->span.end != cases[i].end)
            fail_msg("\"%s\": %d %s [%u,%u), want %d %s [%u,%u)", cases[i].text,
                     c->kind, c->what, c->span.start, c->span.end,
                     cases[i].kind, cases[i].what, cases[i].start,
                     cases[i].end);
        mg_detect_close(&d);
    }
}

/* A messenger link is a link too; an e-mail address is not. */
static void test_contact_and_link(void **state)
{
    (void)state;
    struct mg_detect d;
    detect_ok("join t.me/freemoney", &d);
    assert_int_equal(d.nlinks, 1);
    assert_string_equal(d.links[0].host, "t.me");
    assert_int_equal(d.links[0].span.start, 5);
    assert_int_equal(d.links[0].span.end, 19);
    assert_int_equal(d.ncontacts, 1);
    mg_detect_close(&d);

    detect_ok("t.me/", &d); /* no invite without a name */
    assert_int_equal(d.nlinks, 1);
    assert_string_equal(d.links[0].host, "t.me");
    assert_int_equal(d.ncontacts, 0);
    mg_detect_close(&d);

    detect_ok("mail me: john.doe@example.com", &d);
    assert_int_equal(d.nlinks, 0);
    mg_detect_close(&d);
}

static void test_not_contacts(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "North Korean troops fought in Kursk.Then 12,000 soldiers arrived in "
        "2024.",
        "1950-1953",
        "2024-11-29",
        "on 11/29/2024 or 29.11.2024 or 2024.11.29",
        "$1,000,000",
        "$0101234567",
        "35,000 troops",
        "it was 35 000 000 people",
        "1.000.000.000",
        "pi 3.14159265",
        "at 10:30:45",
        "2019 2020 2021 and 1990-2000",
        "Call 12345678 now", /* 8 digits in one piece: not a shape */
        "score 95 87 92 88",
        "ids 100 200 300",
        "from 24.77.205.229",
        "10000000\xec\x9b\x90",     /* 10000000원 */
        "100000000000\xec\x9b\x90", /* 100000000000원 */
        "up 12345678%",
        "telegram channel is great",
        "whatsapp is fine",
        "kakao friends and kakaotalk user",
        "discord server",
        "tg handle",
        "hello@world",
        "see @elonmusk",
        "\xec\xb9\xb4\xed\x86\xa1\xec\x9c\xbc\xeb\xa1\x9c " /* 카톡으로 연락 */
        "\xec\x97\xb0\xeb\x9d\xbd",
        "1111111111111111111111111111",
        "0x1234",
        "TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT",
        "10A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", /* 35 chars, a '0' in it */
        "msg+ticket@kiosk.Valid",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct mg_detect d;
        detect_ok(texts[i], &d);
        if (d.ncontacts != 0)
            fail_msg("\"%s\": contact %s [%u,%u)", texts[i], d.contacts[0].what,
                     d.contacts[0].span.start, d.contacts[0].span.end);
        mg_detect_close(&d);
    }
}

static void test_the_kursk_sentence(void **state)
{
    (void)state;
    struct mg_detect d;
    detect_ok("North Korean troops fought in Kursk.Then 12,000 soldiers "
              "arrived in 2024.",
              &d);
    assert_int_equal(d.nlinks, 0);
    assert_int_equal(d.ncontacts, 0);
    assert_null(d.links);
    assert_null(d.contacts);
    mg_detect_close(&d);
}

/* Korean and an emoji before the finding: one code point each. */
static void test_spans_in_code_points(void **state)
{
    (void)state;
    struct mg_detect d;
    /* 안녕하세요 😀 bit.ly/x 입니다 */
    detect_ok("\xec\x95\x88\xeb\x85\x95\xed\x95\x98\xec\x84\xb8\xec\x9a\x94 "
              "\xf0\x9f\x98\x80 bit.ly/x \xec\x9e\x85\xeb\x8b\x88\xeb\x8b\xa4",
              &d);
    assert_int_equal(d.nlinks, 1);
    assert_string_equal(d.links[0].host, "bit.ly");
    assert_int_equal(d.links[0].span.start, 8);
    assert_int_equal(d.links[0].span.end, 16);
    assert_int_equal(d.stats.chars, 20);
    mg_detect_close(&d);

    /* 한국 😀 010-1234-5678 */
    detect_ok("\xed\x95\x9c\xea\xb5\xad \xf0\x9f\x98\x80 010-1234-5678", &d);
    assert_int_equal(d.ncontacts, 1);
    assert_int_equal(d.contacts[0].span.start, 5);
    assert_int_equal(d.contacts[0].span.end, 18);
    mg_detect_close(&d);
}

static void test_stats(void **state)
{
    (void)state;
    struct mg_detect d;

    detect_ok("STOP THIS NOW", &d);
    assert_int_equal(d.stats.chars, 13);
    assert_int_equal(d.stats.letters, 11);
    assert_int_equal(d.stats.upper, 11);
    assert_true(d.stats.caps_ratio == 1.0);
    mg_detect_close(&d);

    detect_ok("Kim Jong Un", &d);
    assert_int_equal(d.stats.letters, 9);
    assert_int_equal(d.stats.upper, 3);
    assert_true(d.stats.caps_ratio == 3.0 / 9.0);
    mg_detect_close(&d);

    /* Korean letters have no case: only TEST counts */
    detect_ok("\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4 TEST", &d);
    assert_int_equal(d.stats.letters, 7);
    assert_true(d.stats.caps_ratio == 1.0);
    mg_detect_close(&d);

    detect_ok("123 !!", &d);
    assert_true(d.stats.caps_ratio == 0.0);
    mg_detect_close(&d);

    detect_ok("nooooooo", &d);
    assert_int_equal(d.stats.longest_run, 7);
    assert_int_equal(d.stats.run_span.start, 1);
    assert_int_equal(d.stats.run_span.end, 8);
    mg_detect_close(&d);

    detect_ok("aa  bbb", &d);
    assert_int_equal(d.stats.longest_run, 3);
    assert_int_equal(d.stats.run_span.start, 4);
    assert_int_equal(d.stats.run_span.end, 7);
    mg_detect_close(&d);

    detect_ok("a      b", &d); /* spaces do not make a run */
    assert_int_equal(d.stats.longest_run, 1);
    assert_int_equal(d.stats.run_span.start, 0);
    assert_int_equal(d.stats.run_span.end, 1);
    mg_detect_close(&d);

    /* z̸̢͓a̵l̷g̶o̴: z with three marks, the others with one */
    detect_ok("z\xcc\xb8\xcc\xa2\xcd\x93"
              "a\xcc\xb5l\xcc\xb7g\xcc\xb6o\xcc\xb4",
              &d);
    assert_true(d.stats.marks_per_base >= 2);
    assert_true(d.stats.marks_per_base == 3);
    assert_int_equal(d.stats.marks_span.start, 0);
    assert_int_equal(d.stats.marks_span.end, 4);
    mg_detect_close(&d);

    detect_ok("e\xcc\x81t\xc3\xa9", &d); /* one combining acute, then é */
    assert_true(d.stats.marks_per_base == 1);
    assert_int_equal(d.stats.marks_span.start, 0);
    assert_int_equal(d.stats.marks_span.end, 2);
    mg_detect_close(&d);

    /* keycap 1️⃣: the variation selector is no mark and no base */
    detect_ok("1\xef\xb8\x8f\xe2\x83\xa3", &d);
    assert_true(d.stats.marks_per_base == 1);
    assert_int_equal(d.stats.marks_span.start, 0);
    assert_int_equal(d.stats.marks_span.end, 3);
    mg_detect_close(&d);

    /* 😀😀😀 ok: 3 emoji of 5 visible */
    detect_ok("\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80 ok", &d);
    assert_int_equal(d.stats.chars, 6);
    assert_true(d.stats.emoji_ratio == 3.0 / 5.0);
    assert_true(d.stats.symbol_ratio == 0.0);
    assert_int_equal(d.stats.longest_run, 3);
    mg_detect_close(&d);

    detect_ok("Hello, world!", &d); /* 2 symbols of 12 visible */
    assert_true(d.stats.symbol_ratio == 2.0 / 12.0);
    assert_true(d.stats.emoji_ratio == 0.0);
    mg_detect_close(&d);

    detect_ok("\xe2\x9d\xa4\xef\xb8\x8f $",
              &d); /* ❤️ $: ❤ emoji, $ symbol */
    assert_true(d.stats.emoji_ratio == 0.5);
    assert_true(d.stats.symbol_ratio == 0.5);
    mg_detect_close(&d);

    detect_ok(" \t\n", &d); /* nothing visible: ratios 0 */
    assert_true(d.stats.emoji_ratio == 0.0);
    assert_true(d.stats.symbol_ratio == 0.0);
    assert_int_equal(d.stats.longest_run, 0);
    mg_detect_close(&d);
}

static void test_mixed_script(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint32_t words, start, end;
    } cases[] = {
        {"\xd1\x80"
         "ay\xd1\x80"
         "al",
         1, 0, 6}, /* рayрal, Cyrillic р */
        {"\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 0, 0,
         0}, /* привет */
        {"hello", 0, 0, 0},
        {"hello \xd1\x80"
         "ay\xd1\x80"
         "al \xd0\xbf\xd1\x80\xd0\xb8",
         1, 6, 12},
        {"\xce\xb1pple and \xd1\x80"
         "ay",
         2, 0, 5},                             /* αpple */
        {"\xce\xb1\xce\xb2\xd0\xb6", 0, 0, 0}, /* Greek with Cyrillic only */
        {"caf\xc3\xa9 na\xc3\xafve", 0, 0, 0}, /* Latin-1 letters are Latin */
        {"abc-\xd0\xb6", 0, 0, 0},             /* two words */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mg_detect d;
        detect_ok(cases[i].text, &d);
        const struct mg_charstats *s = &d.stats;
        if (s->mixed_script_words != cases[i].words ||
            (cases[i].words && (s->mixed_span.start != cases[i].start ||
                                s->mixed_span.end != cases[i].end)))
            fail_msg("\"%s\": %u words [%u,%u), want %u [%u,%u)", cases[i].text,
                     s->mixed_script_words, s->mixed_span.start,
                     s->mixed_span.end, cases[i].words, cases[i].start,
                     cases[i].end);
        mg_detect_close(&d);
    }
}

#define S(lit) lit, sizeof(lit) - 1

static void test_invalid_utf8(void **state)
{
    (void)state;
    const struct mg_test_bad_utf8 *bad = mg_test_bad_utf8;
    for (size_t i = 0; i < ARRAY_LEN(mg_test_bad_utf8); i++) {
        struct mg_detect d;
        assert_int_equal(mg_detect(bad[i].text, bad[i].len, &d), MG_EINVAL);
    }
    struct mg_detect d;
    assert_int_equal(mg_detect(S("a\0b"), &d), MG_OK); /* NUL is valid */
    assert_int_equal(d.stats.chars, 3);
    mg_detect_close(&d);
    assert_int_equal(mg_detect(NULL, 0, &d), MG_OK);
    assert_int_equal(d.stats.chars, 0);
    mg_detect_close(&d);
    mg_detect_close(NULL);
}

static void test_host_under(void **state)
{
    (void)state;
    static const struct {
        const char *host, *domain;
        bool want;
    } cases[] = {
        {"example.com", "example.com", true},
        {"a.b.example.com", "example.com", true},
        {"notexample.com", "example.com", false},
        {"xample.com", "example.com", false},
        {"example.com", "a.example.com", false},
        {"example.com.evil.net", "example.com", false},
        {"com", "com", true},
        {"t.me", "me", true},
        {"", "example.com", false},
        {"example.com", "", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (mg_host_under(cases[i].host, cases[i].domain) != cases[i].want)
            fail_msg("mg_host_under(%s, %s) != %d", cases[i].host,
                     cases[i].domain, cases[i].want);
}

/* Many findings: the arrays grow, everything is kept in order. */
static void test_many(void **state)
{
    (void)state;
    size_t cap = 300 * 40, len = 0;
    char *text = mg_malloc(cap);
    for (int i = 0; i < 300; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "bit.ly/a%d 010-1234-%04d ", i, i);
    struct mg_detect d;
    assert_int_equal(mg_detect(text, len, &d), MG_OK);
    assert_int_equal(d.nlinks, 300);
    assert_int_equal(d.ncontacts, 300);
    for (size_t i = 1; i < 300; i++) {
        assert_true(d.links[i].span.start > d.links[i - 1].span.end);
        assert_true(d.contacts[i].span.start > d.contacts[i - 1].span.end);
    }
    mg_detect_close(&d);
    mg_free(text);
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Inputs built to make a careless scanner quadratic: 200,000 characters
 * each. Linear work is milliseconds (a second or so under valgrind);
 * quadratic work would be minutes. */
static void test_linear_time(void **state)
{
    (void)state;
    static const char *const units[] = {
        "a.",
        "http://",
        "1 ",
        "a [.] ",
        "x dot ",
        "telegram ",
        "a-",
        "a@",
        "1.",
        "www.",
        "0x",
        "(",
        "\xea\xb0\x80.", /* 가. */
        "z\xcc\x81",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.",
    };
    size_t len = 200000;
    char *text = mg_malloc(len + 64);
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        size_t n = 0, ul = strlen(units[u]);
        while (n + ul <= len) {
            memcpy(text + n, units[u], ul);
            n += ul;
        }
        double t0 = seconds();
        struct mg_detect d;
        assert_int_equal(mg_detect(text, n, &d), MG_OK);
        mg_detect_close(&d);
        double t = seconds() - t0;
        if (t > 5.0)
            fail_msg("\"%s\" x %zu: %.1f s", units[u], n / ul, t);
    }
    mg_free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_links),
        cmocka_unit_test(test_not_links),
        cmocka_unit_test(test_several_links),
        cmocka_unit_test(test_contacts),
        cmocka_unit_test(test_contact_and_link),
        cmocka_unit_test(test_not_contacts),
        cmocka_unit_test(test_the_kursk_sentence),
        cmocka_unit_test(test_spans_in_code_points),
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_mixed_script),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_host_under),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_linear_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
