/* test_rl_keys.c: what the limiter keys a submission on (mg_rl_keys_of):
 * the hex forms and subnets worked out by hand from the addresses, with
 * the default prefixes (/24 for IPv4, /56 for IPv6). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "modgate/alloc.h"
#include "modgate/ratelimit.h"
#include "testutil.h"

/* "dim=value dim=value ..." for out, in order. */
static void assert_keys(const struct mg_rl_keys *k, const char *want)
{
    char got[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < k->n; i++)
        used += (size_t)snprintf(got + used, sizeof got - used, "%s%s=%s", i ? " " : "",
                                 mg_rl_dim_name(k->keys[i].dim), k->keys[i].value);
    assert_string_equal(got, want);
}

static void test_keys(void **state)
{
    (void)state;
    struct mg_rl_config rl;
    mg_rl_config_defaults(&rl);
    struct mg_rl_keys k;

    mg_rl_keys_of(&rl, "u-1", "203.0.113.7", "art-9", &k);
    assert_keys(&k, "author=u-1 ip=cb007107 subnet=cb007100/24 article=art-9 global=all");
    assert_string_equal(k.ip_hex, "cb007107");

    /* one client, one key: the mapped form is the same address */
    mg_rl_keys_of(&rl, "u-1", "::ffff:203.0.113.7", "art-9", &k);
    assert_keys(&k, "author=u-1 ip=cb007107 subnet=cb007100/24 article=art-9 global=all");

    /* 2001:db8:1234:5678::1 masked to /56: the first 14 hex digits stay */
    mg_rl_keys_of(&rl, "u-1", "2001:db8:1234:5678::1", "art-9", &k);
    assert_keys(&k, "author=u-1 ip=20010db8123456780000000000000001 "
                    "subnet=20010db8123456000000000000000000/56 article=art-9 global=all");

    /* no address, or one that does not parse: no ip, no subnet */
    mg_rl_keys_of(&rl, "u-1", NULL, "art-9", &k);
    assert_keys(&k, "author=u-1 article=art-9 global=all");
    assert_string_equal(k.ip_hex, "");
    mg_rl_keys_of(&rl, "u-1", "10.0.0.300", "art-9", &k);
    assert_keys(&k, "author=u-1 article=art-9 global=all");

    /* a trusted author is not limited as an author; a dimension without
     * limits is not keyed */
    rl.trusted_authors = mg_calloc(1, sizeof *rl.trusted_authors);
    rl.trusted_authors[0] = mg_strdup("editor-1");
    rl.ntrusted = 1;
    rl.nlimits[MG_RL_GLOBAL] = 0;
    mg_rl_keys_of(&rl, "editor-1", "10.1.2.3", "art-9", &k);
    assert_keys(&k, "ip=0a010203 subnet=0a010200/24 article=art-9");
    mg_rl_config_close(&rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
