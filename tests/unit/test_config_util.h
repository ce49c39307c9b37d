/*
 * test_config_util.h - shared helpers of the configuration tests
 * (test_config*.c): run-time certificates, fixtures with placeholders,
 * loading from strings and checking diagnostics.
 */
#ifndef CERTMAP_TEST_CONFIG_UTIL_H
#define CERTMAP_TEST_CONFIG_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certmap/cert.h"
#include "certmap/config.h"
#include "certmap/view.h"
#include "fixture.h"
#include "testcert.h"

/* Certificates made once per test program: base64 single-line (IIS form) and PEM. */
#define TC_NCERTS 4
static char *tc_iis[TC_NCERTS];
static char *tc_pem[TC_NCERTS];
static char *tc_wrapped[TC_NCERTS]; /* base64 with CRLF every 64 characters */

static inline int
tc_make_certs(void)
{
    EVP_PKEY *key = testcert_key();
    char cn[32];

    if (key == NULL)
        return -1;
    for (int i = 0; i < TC_NCERTS; i++) {
        size_t len = 0;
        unsigned char *der;
        snprintf(cn, sizeof(cn), "user%d", i + 1);
        der = testcert_der(key, cn, (uint64_t)(1000 + i), &len);
        if (der == NULL)
            return -1;
        tc_iis[i] = certmap_cert_to_iis_string(der, len);
        tc_pem[i] = testcert_pem(der, len);
        tc_wrapped[i] = testcert_b64(der, len, 64, "\r\n");
        free(der);
        if (tc_iis[i] == NULL || tc_pem[i] == NULL || tc_wrapped[i] == NULL)
            return -1;
    }
    EVP_PKEY_free(key);
    return 0;
}

static inline void
tc_free_certs(void)
{
    for (int i = 0; i < TC_NCERTS; i++) {
        free(tc_iis[i]);
        free(tc_pem[i]);
        free(tc_wrapped[i]);
        tc_iis[i] = tc_pem[i] = tc_wrapped[i] = NULL;
    }
}

/* Replaces every "@CERTn@" (n = 1..TC_NCERTS) with the IIS string of certificate n. malloc'd. */
static inline char *
tc_subst(const char *tmpl)
{
    size_t cap = strlen(tmpl) * 2 + 4096, n = 0;
    char *out = malloc(cap);

    if (out == NULL)
        return NULL;
    for (const char *p = tmpl; *p != '\0';) {
        if (strncmp(p, "@CERT", 5) == 0 && p[5] >= '1' && p[5] <= '0' + TC_NCERTS && p[6] == '@') {
            const char *c = tc_iis[p[5] - '1'];
            size_t cl = strlen(c);
            if (n + cl + 1 > cap) {
                cap = (n + cl + 1) * 2;
                out = realloc(out, cap);
                if (out == NULL)
                    return NULL;
            }
            memcpy(out + n, c, cl);
            n += cl;
            p += 7;
            continue;
        }
        if (n + 2 > cap) {
            cap *= 2;
            out = realloc(out, cap);
            if (out == NULL)
                return NULL;
        }
        out[n++] = *p++;
    }
    out[n] = '\0';
    return out;
}

/* printf into a malloc'd string. */
static inline char *tc_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *
tc_fmt(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

/* Reads tests/data/config/<name> with placeholders substituted. malloc'd. */
static inline char *
tc_fixture(const char *name)
{
    char path[1024], *raw, *out;

    snprintf(path, sizeof(path), "%s/tests/data/config/%s", TEST_SRCDIR, name);
    raw = fixture_read(path, NULL);
    if (raw == NULL)
        return NULL;
    out = tc_subst(raw);
    free(raw);
    return out;
}

/* LF -> CRLF, optionally with a UTF-8 byte order mark. malloc'd. */
static inline char *
tc_crlf(const char *s, int bom)
{
    size_t n = 0;
    char *out = malloc(strlen(s) * 2 + 4);

    if (out == NULL)
        return NULL;
    if (bom) {
        memcpy(out, "\xEF\xBB\xBF", 3);
        n = 3;
    }
    for (; *s != '\0'; s++) {
        if (*s == '\n')
            out[n++] = '\r';
        out[n++] = *s;
    }
    out[n] = '\0';
    return out;
}

/* Index of the first diagnostic whose formatted text contains needle (and severity), or -1. */
static inline int
tc_find_diag(const struct certmap_diags *d, int sev, const char *needle)
{
    char buf[2048];

    for (size_t i = 0; i < d->count; i++) {
        if (sev >= 0 && (int)d->items[i].severity != sev)
            continue;
        certmap_error_format(&d->items[i].err, buf, sizeof(buf));
        if (strstr(buf, needle) != NULL)
            return (int)i;
    }
    return -1;
}

static inline size_t
tc_count_sev(const struct certmap_diags *d, int sev)
{
    size_t n = 0;

    for (size_t i = 0; i < d->count; i++)
        n += (int)d->items[i].severity == sev;
    return n;
}

/* Prints the diagnostics (for failing tests). */
static inline void
tc_dump(const struct certmap_diags *d)
{
    static const char *const sev[] = {"error", "warning", "note"};
    char buf[2048];

    for (size_t i = 0; i < d->count; i++)
        fprintf(stderr, "  %s: %s\n", sev[d->items[i].severity],
                certmap_error_format(&d->items[i].err, buf, sizeof(buf)));
}

/*
 * The resolved view of the configuration head + body + "</configuration>",
 * parsed as file name (secrets decrypted unless skip_secrets); the parse must
 * succeed, the view may be refused (NULL, diags in d).  Prints the
 * diagnostics when either fails.
 */
static inline struct certmap_view *
tc_view_of(const char *name, const char *head, const char *body, bool skip_secrets,
           struct certmap_diags *d)
{
    char *text = tc_fmt("%s%s</configuration>\n", head, body);
    struct certmap_open_options oo = {.skip_secrets = skip_secrets};
    struct certmap_error err = {0};
    struct certmap_config *cfg;
    struct certmap_view *v;

    memset(d, 0, sizeof(*d));
    assert_non_null(text);
    cfg = certmap_config_parse(name, text, strlen(text), &oo, d, &err);
    if (cfg == NULL)
        tc_dump(d);
    assert_non_null(cfg);
    v = certmap_view_build(cfg, NULL, d, &err);
    if (v == NULL)
        tc_dump(d);
    certmap_config_close(cfg);
    free(text);
    return v;
}

/* cmocka group setup and teardown of a test program that uses the certificates above. */
static inline int
tc_group_setup(void **state)
{
    (void)state;
    return tc_make_certs();
}

static inline int
tc_group_teardown(void **state)
{
    (void)state;
    tc_free_certs();
    return 0;
}

#endif
