/*
 * fuzz_mapstrings.c - libFuzzer target for the two text formats certmap
 * reads that others write: the shared session-ticket key file
 * (secret/ticketkeys.c) and Active Directory's altSecurityIdentities mapping
 * strings (cert/adstring.c, as a directory returns them).
 *
 * The whole input is parsed as a key file, and each of its lines as a
 * mapping string.  Invariants (abort on violation):
 *  - key file: success gives 1..3 keys with distinct names whose lines are
 *    in order and within the input; written back with ticketkeys_format()
 *    and parsed again, the same keys; failure leaves no key and names a
 *    line no further than the input's last;
 *  - mapping string: success gives a known form whose parts lie inside the
 *    input, are non-empty (issuer only for the <I> forms) and hold no NUL;
 *    the hex forms hold an even number of hex digits; a string equals itself
 *    (cert_ad_equal) and, upper-cased, still parses to the same form.
 * Inputs are exact-size heap copies, so ASan catches reads past their end.
 *
 * fuzz-sources: src/lib/secret/ticketkeys.c src/lib/cert/adstring.c
 * fuzz-sources: src/lib/codec.c src/lib/error.c
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert/adstring.h"
#include "secret/ticketkeys.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_mapstrings: invariant failed at line %d: %s\n", __LINE__,        \
                    #cond);                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_keyfile(const char *text, size_t len)
{
    struct ticketkeys k, back;
    struct certmap_error err = {0};
    unsigned lines = 1;
    size_t flen = 0;
    char *formatted;

    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    if (ticketkeys_parse(text, len, "f", &k, &err) != 0) {
        CHECK(k.n == 0);
        CHECK(err.message[0] != '\0');
        CHECK(err.line <= lines);
        return;
    }
    CHECK(k.n >= 1 && k.n <= TICKETKEYS_MAX);
    for (size_t i = 0; i < k.n; i++) {
        CHECK(k.k[i].line >= 1 && k.k[i].line <= lines);
        CHECK(i == 0 || k.k[i].line > k.k[i - 1].line);
        for (size_t j = 0; j < i; j++)
            CHECK(memcmp(k.k[i].name, k.k[j].name, 16) != 0);
    }
    formatted = ticketkeys_format(&k, &flen);
    CHECK(formatted != NULL);
    CHECK(ticketkeys_parse(formatted, flen, "f", &back, &err) == 0);
    CHECK(back.n == k.n);
    for (size_t i = 0; i < k.n; i++) {
        CHECK(memcmp(back.k[i].name, k.k[i].name, 16) == 0);
        CHECK(memcmp(back.k[i].hmac, k.k[i].hmac, 32) == 0);
        CHECK(memcmp(back.k[i].aes, k.k[i].aes, 32) == 0);
    }
    ticketkeys_free_text(formatted, flen);
}

static int
is_hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void
check_mapping(const char *s, size_t len)
{
    struct cert_ad_parsed p, q;
    char *upper;

    if (cert_ad_parse(s, len, &p) != 0)
        return;
    CHECK((int)p.form >= 0 && (int)p.form < CERT_AD_NFORMS);
    CHECK(p.value != NULL && p.value_len > 0);
    CHECK(p.value >= s && p.value + p.value_len <= s + len);
    CHECK(memchr(p.value, '\0', p.value_len) == NULL);
    if (p.form == CERT_AD_ISSUER_SERIAL || p.form == CERT_AD_ISSUER_SUBJECT) {
        CHECK(p.issuer != NULL && p.issuer_len > 0);
        CHECK(p.issuer >= s && p.issuer + p.issuer_len <= p.value);
    } else {
        CHECK(p.issuer == NULL);
    }
    if (p.form == CERT_AD_ISSUER_SERIAL || p.form == CERT_AD_SKI || p.form == CERT_AD_SHA1_PUKEY) {
        CHECK(p.value_len % 2 == 0);
        for (size_t i = 0; i < p.value_len; i++)
            CHECK(is_hex_digit(p.value[i]));
    }
    CHECK(cert_ad_equal(s, len, s, len));
    upper = malloc(len ? len : 1);
    CHECK(upper != NULL);
    for (size_t i = 0; i < len; i++)
        upper[i] = (char)toupper((unsigned char)s[i]);
    CHECK(cert_ad_parse(upper, len, &q) == 0);
    CHECK(q.form == p.form);
    CHECK(cert_ad_equal(s, len, upper, len));
    free(upper);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1), *line;
    const char *p, *end, *eol;

    CHECK(text != NULL);
    memcpy(text, data, size);
    check_keyfile(text, size);
    for (p = text, end = text + size; p < end; p = eol + 1) {
        eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == NULL)
            eol = end;
        line = malloc((size_t)(eol - p) + 1);
        CHECK(line != NULL);
        memcpy(line, p, (size_t)(eol - p));
        check_mapping(line, (size_t)(eol - p));
        free(line);
    }
    free(text);
    return 0;
}
