/*
 * m2o_match.c - time of one many-to-one lookup (m2o_match) over 1 000
 * mappings of two rules each (Subject O, Issuer CN with a wildcard), for a
 * certificate matched by the last mapping (every mapping tried) and one
 * matched by none.  Not a test: `bench/m2o_match [MAPPINGS] [ITERATIONS]`
 * prints nanoseconds per lookup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509.h>

#include "mapping/many.h"

static X509 *
cert_with(const char *org, const char *issuer_cn)
{
    X509 *x = X509_new();

    if (x == NULL ||
        !X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                                    (const unsigned char *)"client", -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "O", MBSTRING_UTF8,
                                    (const unsigned char *)org, -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(X509_get_issuer_name(x), "CN", MBSTRING_UTF8,
                                    (const unsigned char *)issuer_cn, -1, -1, 0)) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double
per_lookup(const struct m2o_set *set, X509 *cert, long iters, const struct m2o_mapping **hit)
{
    double t0 = now_ns();

    for (long i = 0; i < iters; i++)
        *hit = m2o_match(set, cert, NULL);
    return (now_ns() - t0) / (double)iters;
}

int
main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000, iters = argc > 2 ? atol(argv[2]) : 2000;
    struct m2o_set *set = m2o_set_new();
    struct certmap_error err = {0};
    const struct m2o_mapping *hit = NULL;
    X509 *last = NULL, *none = NULL;
    char org[64], name[64];
    double t_last, t_none;
    int ret = 1;

    if (set == NULL || n < 1 || iters < 1)
        goto out;
    for (long i = 0; i < n; i++) {
        struct m2o_mapping m = {0};
        struct m2o_rule r1 = {M2O_SUBJECT, 0, "O", org, true, "bench", 1};
        struct m2o_rule r2 = {M2O_ISSUER, 0, "CN", "Partner CA *", false, "bench", 2};

        snprintf(name, sizeof(name), "mapping %ld", i);
        snprintf(org, sizeof(org), "Partner Organisation %ld", i);
        m.name = name;
        m.base.user = "partner";
        m.base.password = "pw";
        m.base.enabled = true;
        m.base.file = "bench";
        if (m2o_set_add(set, &m) != 0 || m2o_set_add_rule(set, &r1, &err) != 0 ||
            m2o_set_add_rule(set, &r2, &err) != 0) {
            fprintf(stderr, "m2o_match: building the set: %s\n", err.message);
            goto out;
        }
    }
    snprintf(org, sizeof(org), "Partner Organisation %ld", n - 1);
    last = cert_with(org, "partner ca 7");
    none = cert_with("Somebody Else", "partner ca 7");
    if (last == NULL || none == NULL)
        goto out;
    t_last = per_lookup(set, last, iters, &hit);
    if (hit != m2o_set_entry(set, (size_t)n - 1)) {
        fprintf(stderr, "m2o_match: the last mapping did not match\n");
        goto out;
    }
    t_none = per_lookup(set, none, iters, &hit);
    if (hit != NULL) {
        fprintf(stderr, "m2o_match: a mapping matched a certificate it should not\n");
        goto out;
    }
    printf("m2o_match over %ld mappings (2 rules each): %.0f ns when the last matches, "
           "%.0f ns when none does (%ld lookups each)\n",
           n, t_last, t_none, iters);
    ret = 0;
out:
    X509_free(last);
    X509_free(none);
    m2o_set_free(set);
    return ret;
}
