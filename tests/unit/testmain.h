/*
 * testmain — the main() of a cmocka test file: its tests run as one group,
 * with the group's setup and teardown (NULL when none).
 *   TS_TEST_MAIN(NULL, NULL, cmocka_unit_test(test_a), cmocka_unit_test(test_b))
 */
#ifndef TS_TESTMAIN_H
#define TS_TESTMAIN_H

#define TS_TEST_MAIN(setup, teardown, ...)                                                         \
    int main(void)                                                                                 \
    {                                                                                              \
        const struct CMUnitTest tests_[] = {__VA_ARGS__};                                          \
        return cmocka_run_group_tests(tests_, setup, teardown);                                    \
    }

#endif
