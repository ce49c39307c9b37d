/*
 * test_metrics.c - certmapd's counters and their Prometheus text
 * (src/server/metrics.c, included as source).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "server_modules.h"

#include "../../src/server/metrics.c"

static const char *
names(const void *arg, unsigned long id)
{
    (void)arg;
    if (id == 1)
        return "Default Web Site";
    if (id == 2)
        return "odd \"name\\\n";
    return NULL;
}

/* Renders workers a and b with the other inputs fixed; the caller frees the text. */
static char *
render2(struct metrics_worker *a, struct metrics_worker *b, const struct metrics_crl *crls,
        size_t ncrls)
{
    const struct metrics_worker *ws[2] = {a, b};
    static struct metrics_global g;
    struct logon_stats ls = {.hits = 7, .misses = 2};
    struct metrics_state st = {.workers = ws,
                               .nworkers = 2,
                               .global = &g,
                               .open_conns = 3,
                               .logon = &ls,
                               .site_name = names,
                               .crls = crls,
                               .ncrls = ncrls};
    size_t len = 0;
    char *text;

    metrics_loaded(&g, 4, 1700000000);
    text = metrics_render(&st, &len);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    return text;
}

static struct metrics_worker *
new_worker(void)
{
    struct metrics_worker *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    return m;
}

static void
test_requests_summed_over_workers(void **state)
{
    struct metrics_worker *a = new_worker(), *b = new_worker();
    char *t;

    (void)state;
    metrics_request(a, 1, 200, 0);
    metrics_request(a, 1, 200, 0);
    metrics_request(b, 1, 200, 0);
    metrics_request(b, 1, 403, 7);
    metrics_request(a, 3, 401, 2); /* a site gone since */
    metrics_request(b, 0, 400, 0); /* no site matched */
    metrics_request(a, 2, 404, 0);
    t = render2(a, b, NULL, 0);
    assert_non_null(strstr(
        t,
        "certmapd_requests_total{site=\"Default Web Site\",status=\"200\",substatus=\"0\"} 3\n"));
    assert_non_null(strstr(
        t,
        "certmapd_requests_total{site=\"Default Web Site\",status=\"403\",substatus=\"7\"} 1\n"));
    assert_non_null(
        strstr(t, "certmapd_requests_total{site=\"#3\",status=\"401\",substatus=\"2\"} 1\n"));
    assert_non_null(
        strstr(t, "certmapd_requests_total{site=\"\",status=\"400\",substatus=\"0\"} 1\n"));
    /* a label value escapes quote, backslash and line feed */
    assert_non_null(strstr(t, "{site=\"odd \\\"name\\\\\\n\",status=\"404\",substatus=\"0\"} 1\n"));
    /* one sample per triple, in order of site id */
    assert_true(strstr(t, "site=\"\"") < strstr(t, "site=\"Default Web Site\""));
    assert_null(strstr(strstr(t, "status=\"200\"") + 1, "status=\"200\""));
    assert_non_null(strstr(t, "certmapd_requests_unlabelled_total 0\n"));
    assert_non_null(strstr(t, "certmapd_open_connections 3\n"));
    assert_non_null(strstr(t, "certmapd_config_generation 4\n"));
    assert_non_null(strstr(t, "certmapd_config_load_timestamp_seconds 1700000000\n"));
    assert_non_null(strstr(t, "certmapd_logon_cache_hits_total 7\n"));
    free(t);
    free(a);
    free(b);
}

static void
test_full_table_overflows(void **state)
{
    struct metrics_worker *a = new_worker(), *b = new_worker();
    char *t;

    (void)state;
    for (int i = 0; i < METRICS_REQ_SLOTS + 5; i++)
        metrics_request(a, 1, 200, i);
    metrics_request(a, 1, 200, 0); /* a triple already there still counts */
    t = render2(a, b, NULL, 0);
    assert_non_null(strstr(t, "certmapd_requests_unlabelled_total 5\n"));
    assert_non_null(strstr(t, "status=\"200\",substatus=\"0\"} 2\n"));
    free(t);
    free(a);
    free(b);
}

static void
test_handshakes_and_verify_failures(void **state)
{
    struct metrics_worker *a = new_worker(), *b = new_worker();
    char *t;

    (void)state;
    metrics_handshake(a, false, true, X509_V_OK);
    metrics_handshake(a, false, false, X509_V_ERR_CERT_HAS_EXPIRED); /* no certificate */
    metrics_handshake(a, false, true, X509_V_ERR_CERT_HAS_EXPIRED);
    metrics_handshake(b, false, true, X509_V_ERR_CERT_NOT_YET_VALID);
    metrics_handshake(b, false, true, X509_V_ERR_CERT_REVOKED);
    metrics_handshake(b, false, true, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    metrics_handshake(b, true, true, X509_V_ERR_CERT_REVOKED); /* counted at its full handshake */
    t = render2(a, b, NULL, 0);
    assert_non_null(strstr(t, "certmapd_tls_handshakes_total{kind=\"full\"} 6\n"));
    assert_non_null(strstr(t, "certmapd_tls_handshakes_total{kind=\"resumed\"} 1\n"));
    assert_non_null(strstr(
        t, "certmapd_client_cert_verify_failures_total{reason=\"expired\",substatus=\"17\"} 2\n"));
    assert_non_null(strstr(
        t, "certmapd_client_cert_verify_failures_total{reason=\"revoked\",substatus=\"13\"} 1\n"));
    assert_non_null(strstr(
        t,
        "certmapd_client_cert_verify_failures_total{reason=\"untrusted\",substatus=\"16\"} 1\n"));
    free(t);
    free(a);
    free(b);
}

static void
test_logon_histogram_is_cumulative(void **state)
{
    struct metrics_worker *a = new_worker(), *b = new_worker();
    char *t;

    (void)state;
    metrics_logon(a, LOGON_OK, 500);        /* 0.0005 s */
    metrics_logon(b, LOGON_OK, 1000);       /* exactly 0.001 s: le="0.001" */
    metrics_logon(a, LOGON_REFUSED, 30000); /* 0.03 s */
    metrics_logon(b, LOGON_ERROR, 5000000); /* 5 s: only +Inf */
    t = render2(a, b, NULL, 0);
    assert_non_null(strstr(t, "certmapd_logons_total{result=\"ok\"} 2\n"));
    assert_non_null(strstr(t, "certmapd_logons_total{result=\"refused\"} 1\n"));
    assert_non_null(strstr(t, "certmapd_logons_total{result=\"error\"} 1\n"));
    assert_non_null(strstr(t, "certmapd_logon_duration_seconds_bucket{le=\"0.001\"} 2\n"));
    assert_non_null(strstr(t, "certmapd_logon_duration_seconds_bucket{le=\"0.025\"} 2\n"));
    assert_non_null(strstr(t, "certmapd_logon_duration_seconds_bucket{le=\"0.05\"} 3\n"));
    assert_non_null(strstr(t, "certmapd_logon_duration_seconds_bucket{le=\"2.5\"} 3\n"));
    assert_non_null(strstr(t, "certmapd_logon_duration_seconds_bucket{le=\"+Inf\"} 4\n"));
    assert_non_null(strstr(t, "certmapd_logon_duration_seconds_sum 5.031500\n"));
    assert_non_null(strstr(t, "certmapd_logon_duration_seconds_count 4\n"));
    free(t);
    free(a);
    free(b);
}

static void
test_reloads_and_crls(void **state)
{
    struct metrics_worker *a = new_worker(), *b = new_worker();
    struct metrics_crl crls[2] = {{"/etc/certmap/ca.crl", 1800000000},
                                  {"/etc/certmap/none.crl", 0}};
    static struct metrics_global g;
    const struct metrics_worker *ws[2] = {a, b};
    struct metrics_state st = {
        .workers = ws, .nworkers = 2, .global = &g, .crls = crls, .ncrls = 2};
    size_t len;
    char *t;

    (void)state;
    metrics_loaded(&g, 1, 100);
    metrics_reload(&g, true, 2, 200);
    metrics_reload(&g, false, 3, 300);
    t = metrics_render(&st, &len);
    assert_non_null(t);
    assert_non_null(strstr(t, "certmapd_reloads_total{result=\"ok\"} 1\n"));
    assert_non_null(strstr(t, "certmapd_reloads_total{result=\"failed\"} 1\n"));
    assert_non_null(strstr(t, "certmapd_config_generation 2\n"));
    assert_non_null(strstr(t, "certmapd_config_load_timestamp_seconds 200\n"));
    assert_non_null(strstr(
        t,
        "certmapd_crl_next_update_timestamp_seconds{file=\"/etc/certmap/ca.crl\"} 1800000000\n"));
    assert_null(strstr(t, "none.crl")); /* no nextUpdate: no sample */
    /* without a logon service the cache counters are zero, not missing */
    assert_non_null(strstr(t, "certmapd_logon_cache_hits_total 0\n"));
    /* HELP, then TYPE, then the samples of the family */
    {
        const char *h = strstr(t, "# HELP certmapd_requests_total ");
        const char *ty = "# TYPE certmapd_requests_total counter\n";
        assert_non_null(h);
        assert_int_equal(strncmp(strchr(h, '\n') + 1, ty, strlen(ty)), 0);
        assert_null(strstr(h + 1, "# HELP certmapd_requests_total "));
    }
    free(t);
    free(a);
    free(b);
}

/* The directory's counters as directory_stats_get() gives them; no families without a directory. */
static void
test_directory_families(void **state)
{
    static struct metrics_global g;
    struct dir_stats ds = {.hits = 10,
                           .stale_hits = 2,
                           .misses = 4,
                           .coalesced = 3,
                           .lookups = 3,
                           .failures = 1,
                           .latency_usec = 1500 + 7000 + 2000000,
                           .latency_buckets = {0, 1, 1, 0, 0, 0, 0, 1},
                           .cached = 5};
    struct metrics_state st = {.global = &g, .site_name = names};
    size_t len = 0;
    char *t;

    (void)state;
    t = metrics_render(&st, &len);
    assert_non_null(t);
    assert_null(strstr(t, "certmapd_directory_"));
    free(t);
    st.dir = &ds;
    t = metrics_render(&st, &len);
    assert_non_null(t);
    assert_non_null(strstr(t, "certmapd_directory_requests_total{result=\"hit\"} 10\n"));
    assert_non_null(strstr(t, "certmapd_directory_requests_total{result=\"stale\"} 2\n"));
    assert_non_null(strstr(t, "certmapd_directory_requests_total{result=\"miss\"} 4\n"));
    assert_non_null(strstr(t, "certmapd_directory_requests_total{result=\"coalesced\"} 3\n"));
    assert_non_null(strstr(t, "certmapd_directory_lookups_total{result=\"answered\"} 3\n"));
    assert_non_null(strstr(t, "certmapd_directory_lookups_total{result=\"failed\"} 1\n"));
    /* cumulative buckets, in seconds */
    assert_non_null(
        strstr(t, "certmapd_directory_lookup_duration_seconds_bucket{le=\"0.001\"} 0\n"));
    assert_non_null(
        strstr(t, "certmapd_directory_lookup_duration_seconds_bucket{le=\"0.005\"} 1\n"));
    assert_non_null(
        strstr(t, "certmapd_directory_lookup_duration_seconds_bucket{le=\"0.01\"} 2\n"));
    assert_non_null(strstr(t, "certmapd_directory_lookup_duration_seconds_bucket{le=\"1\"} 2\n"));
    assert_non_null(
        strstr(t, "certmapd_directory_lookup_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
    assert_non_null(strstr(t, "certmapd_directory_lookup_duration_seconds_sum 2.008500\n"));
    assert_non_null(strstr(t, "certmapd_directory_lookup_duration_seconds_count 3\n"));
    assert_non_null(strstr(t, "certmapd_directory_cache_entries 5\n"));
    assert_non_null(strstr(t, "# TYPE certmapd_directory_lookup_duration_seconds histogram\n"));
    free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests_summed_over_workers),
        cmocka_unit_test(test_full_table_overflows),
        cmocka_unit_test(test_handshakes_and_verify_failures),
        cmocka_unit_test(test_logon_histogram_is_cumulative),
        cmocka_unit_test(test_reloads_and_crls),
        cmocka_unit_test(test_directory_families),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
