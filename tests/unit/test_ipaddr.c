/* test_ipaddr.c: parsing, IPv4-mapped addresses, masking, key forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "modgate/ipaddr.h"

static void test_parse_and_forms(void **state)
{
    const struct {
        const char *text;
        int family;
        const char *canonical;
        const char *hex;
    } cases[] = {
        {"203.0.113.7", 4, "203.0.113.7", "cb007107"},
        {"::ffff:203.0.113.7", 4, "203.0.113.7", "cb007107"},
        {"2001:DB8::1", 6, "2001:db8::1", "20010db8000000000000000000000001"},
        {"2001:0db8:0000:0000:0000:0000:0000:0001", 6, "2001:db8::1",
         "20010db8000000000000000000000001"},
        {"::1", 6, "::1", "00000000000000000000000000000001"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mg_ip ip;
        assert_int_equal(mg_ip_parse(cases[i].text, &ip), MG_OK);
        assert_int_equal(ip.family, cases[i].family);
        char text[MG_IP_TEXT_LEN], hex[MG_IP_HEX_LEN];
        mg_ip_format(&ip, text);
        mg_ip_hex(&ip, hex);
        assert_string_equal(text, cases[i].canonical);
        assert_string_equal(hex, cases[i].hex);
    }
    const char *bad[] = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4",
                         "fe80::1%eth0", "2001:db8::g", "1.2.3.4/24", " 1.2.3.4"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mg_ip ip;
        if (mg_ip_parse(bad[i], &ip) == MG_OK)
            fail_msg("accepted %s", bad[i]);
    }
}

static void test_subnets(void **state)
{
    const struct {
        const char *text;
        const char *network;
        int prefix;
    } cases[] = {
        {"203.0.113.7/24", "203.0.113.0", 24},
        {"203.0.113.0/24", "203.0.113.0", 24},
        {"10.1.2.3/8", "10.0.0.0", 8},
        {"10.255.2.3/12", "10.240.0.0", 12},
        {"1.2.3.4/32", "1.2.3.4", 32},
        {"1.2.3.4/0", "0.0.0.0", 0},
        {"2001:db8:abcd:12ff::1/56", "2001:db8:abcd:1200::", 56},
        {"2001:db8::1/127", "2001:db8::", 127},
        {"::ffff:203.0.113.7/120", "203.0.113.0", 24},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mg_ip ip;
        int prefix;
        if (mg_subnet_parse(cases[i].text, &ip, &prefix) != MG_OK)
            fail_msg("refused %s", cases[i].text);
        char text[MG_IP_TEXT_LEN];
        mg_ip_format(&ip, text);
        assert_string_equal(text, cases[i].network);
        assert_int_equal(prefix, cases[i].prefix);
    }
    const char *bad[] = {"203.0.113.0", "203.0.113.0/", "/24", "203.0.113.0/33",
                         "2001:db8::/129", "203.0.113.0/-1", "203.0.113.0/2x",
                         "::ffff:1.2.3.4/64", "x/24", "1.2.3.4/0024",
                         "1.2.3.0/024", "1.2.3.0/00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mg_ip ip;
        int prefix;
        if (mg_subnet_parse(bad[i], &ip, &prefix) == MG_OK)
            fail_msg("accepted %s", bad[i]);
    }
}

static void test_mask_partial_bytes(void **state)
{
    struct mg_ip ip;
    assert_int_equal(mg_ip_parse("255.255.255.255", &ip), MG_OK);
    mg_ip_mask(&ip, 20);
    char hex[MG_IP_HEX_LEN];
    mg_ip_hex(&ip, hex);
    assert_string_equal(hex, "fffff000");
    mg_ip_mask(&ip, 1);
    mg_ip_hex(&ip, hex);
    assert_string_equal(hex, "80000000");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_forms),
        cmocka_unit_test(test_subnets),
        cmocka_unit_test(test_mask_partial_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
