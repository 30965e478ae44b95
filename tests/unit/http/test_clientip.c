/*
 * test_clientip — who the client is behind reverse proxies: trusted_proxies
 * entries (addresses and CIDR networks, IPv4 and IPv6) and the walk over
 * X-Forwarded-For from the right. A client must never be able to pick its
 * own address; a malformed header must never hide the proxy's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "testmain.h"

#include "http/server.h"
#include "lib/arena.h"

static arena *A;

static void trust(http_config *c, const char *const *nets)
{
    http_config_defaults(c);
    for (; *nets; nets++)
        assert_int_equal(http_net_parse(*nets, &c->proxies[c->nproxies++]), 0);
}

static const char *who(const http_config *c, const char *peer, const char *xff)
{
    return http_client_resolve(A, c, peer, xff);
}

static void test_net_parse(void **state)
{
    (void)state;
    http_net n;
    static const char *const good[] = {
        "127.0.0.1",     "10.0.0.0/8", "0.0.0.0/0",   "::1",     "fd00::/8",
        "2001:db8::/32", "::/0",       "10.1.2.3/32", "::1/128", NULL};
    for (const char *const *g = good; *g; g++)
        assert_int_equal(http_net_parse(*g, &n), 0);
    static const char *const bad[] = {"",           "abc",      "10.0.0.0/33", "::1/129",
                                      "1.2.3.4/",   "/8",       "1.2.3.4/-1",  "1.2.3.4/1234",
                                      "1.2.3.4/8x", "1.2.3",    "1.2.3.4.5",   "localhost",
                                      " 1.2.3.4",   "1.2.3.4 ", "10.0.0.0/ 8", NULL};
    for (const char *const *b = bad; *b; b++) {
        if (http_net_parse(*b, &n) == 0) fail_msg("accepted \"%s\"", *b);
    }
    assert_int_equal(http_net_parse("10.128.0.0/9", &n), 0);
    assert_int_equal(n.family, AF_INET);
    assert_int_equal(n.prefix, 9);
}

static void test_no_proxies_ignores_header(void **state)
{
    (void)state;
    http_config c;
    http_config_defaults(&c);
    assert_string_equal(who(&c, "127.0.0.1", "203.0.113.7"), "127.0.0.1");
    assert_string_equal(who(&c, "127.0.0.1", NULL), "127.0.0.1");
    assert_string_equal(who(&c, "::ffff:192.0.2.1", NULL), "192.0.2.1");
    assert_string_equal(who(&c, "2001:DB8:0:0::1", NULL), "2001:db8::1");
    assert_string_equal(who(&c, "nonsense", NULL), "unknown");
}

static void test_walk(void **state)
{
    (void)state;
    http_config c;
    static const char *const nets[] = {"127.0.0.1", "10.0.0.0/8", "fd00::/8", NULL};
    trust(&c, nets);
    /* the proxy's own view */
    assert_string_equal(who(&c, "127.0.0.1", "203.0.113.7"), "203.0.113.7");
    assert_string_equal(who(&c, "127.0.0.1", " \t203.0.113.7 \t"), "203.0.113.7");
    /* what the client wrote on the left is never believed */
    assert_string_equal(who(&c, "127.0.0.1", "1.2.3.4, 203.0.113.7"), "203.0.113.7");
    assert_string_equal(who(&c, "127.0.0.1", "127.0.0.1, 203.0.113.7"), "203.0.113.7");
    /* trusted hops are skipped */
    assert_string_equal(who(&c, "127.0.0.1", "203.0.113.7, 10.1.2.3,10.9.9.9"), "203.0.113.7");
    assert_string_equal(who(&c, "127.0.0.1", "2001:db8::7, fd12::1"), "2001:db8::7");
    assert_string_equal(who(&c, "127.0.0.1", "::ffff:203.0.113.9"), "203.0.113.9");
    /* all hops trusted: the leftmost is the best we know */
    assert_string_equal(who(&c, "127.0.0.1", "10.0.0.1, 10.0.0.2"), "10.0.0.1");
    /* malformed: the walk stops at the last vouched-for hop */
    assert_string_equal(who(&c, "127.0.0.1", "203.0.113.7; drop"), "127.0.0.1");
    assert_string_equal(who(&c, "127.0.0.1", "garbage, 203.0.113.7"), "203.0.113.7");
    assert_string_equal(who(&c, "127.0.0.1", "203.0.113.5, garbage, 10.0.0.3"), "10.0.0.3");
    assert_string_equal(who(&c, "127.0.0.1", ""), "127.0.0.1");
    assert_string_equal(who(&c, "127.0.0.1", ",,"), "127.0.0.1");
    assert_string_equal(who(&c, "127.0.0.1", "203.0.113.7,"), "127.0.0.1");
    char longer[300];
    memset(longer, '1', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    assert_string_equal(who(&c, "127.0.0.1", longer), "127.0.0.1");
    /* from a peer that is not a proxy the header means nothing */
    assert_string_equal(who(&c, "198.51.100.1", "203.0.113.7"), "198.51.100.1");
    assert_string_equal(who(&c, "11.0.0.1", "203.0.113.7"), "11.0.0.1");
}

static void test_prefix_bits(void **state)
{
    (void)state;
    http_config c;
    static const char *const nets[] = {"10.128.0.0/9", NULL};
    trust(&c, nets);
    assert_string_equal(who(&c, "10.200.1.1", "203.0.113.7"), "203.0.113.7");
    assert_string_equal(who(&c, "10.127.255.255", "203.0.113.7"), "10.127.255.255");
    static const char *const all[] = {"0.0.0.0/0", NULL};
    trust(&c, all);
    assert_string_equal(who(&c, "192.0.2.1", "203.0.113.7, 198.51.100.2"), "203.0.113.7");
    /* an IPv4 network never matches an IPv6 peer */
    assert_string_equal(who(&c, "2001:db8::1", "203.0.113.7"), "2001:db8::1");
}

static int setup(void **state)
{
    (void)state;
    A = arena_new(4096);
    return A ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    arena_free(A);
    return 0;
}

TS_TEST_MAIN(setup, teardown, cmocka_unit_test(test_net_parse),
             cmocka_unit_test(test_no_proxies_ignores_header), cmocka_unit_test(test_walk),
             cmocka_unit_test(test_prefix_bits))
