/*
 * fuzz_directory.c - libFuzzer target for what certmap writes itself around
 * the LDAP directory: the RFC 4515 filter escaper, the RFC 4514 first-RDN
 * reader of group DNs, and the decision over a search's entries.
 *
 * The first input byte picks the part, the rest is its input (exact-size
 * heap copies, so that ASan catches reads past the end).  Invariants (abort
 * on violation):
 *  - escape: the output holds no unescaped '*', '(', ')' or NUL, every '\'
 *    starts a two-digit hex escape, and unescaping gives the input back; with
 *    "all" every byte is escaped; 3n+1 bytes always suffice;
 *  - first RDN: success gives a non-empty NUL-terminated value without
 *    control characters that fits the buffer;
 *  - decide: entries are '\n'-separated "dn\tuser\tmapping\tgroup..."
 *    lines; the status agrees with the entry count (userCertificate mode:
 *    with the entries holding the certificate's bytes), a found account's name
 *    is exactly its one user value, and no more groups come out than went in.
 *
 * fuzz-sources: src/lib/directory/filter.c src/lib/directory/result.c src/lib/cert/adstring.c
 * fuzz-sources: src/lib/error.c src/lib/codec.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_directory: invariant failed at line %d: %s\n", __LINE__, #cond); \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void
fuzz_escape(const uint8_t *in, size_t n, bool all)
{
    size_t cap = 3 * n + 1, k = 0;
    char *out = malloc(cap);
    long len;

    CHECK(out != NULL);
    len = dir_filter_escape(in, n, all, out, cap);
    CHECK(len >= 0 && (size_t)len < cap && out[len] == '\0');
    for (long i = 0; i < len; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c == '\\') {
            CHECK(i + 2 < len + 1 && hexval(out[i + 1]) >= 0 && hexval(out[i + 2]) >= 0);
            CHECK(k < n && (uint8_t)(hexval(out[i + 1]) << 4 | hexval(out[i + 2])) == in[k]);
            i += 2;
        } else {
            CHECK(!all);
            CHECK(c != '*' && c != '(' && c != ')' && c != '\0');
            CHECK(k < n && c == in[k]);
        }
        k++;
    }
    CHECK(k == n);
    /* one byte short never overflows: it fails or fits */
    if (cap > 1)
        CHECK(dir_filter_escape(in, n, all, out, (size_t)len) < 0);
    free(out);
}

static void
fuzz_rdn(const uint8_t *in, size_t n)
{
    char out[64];

    if (dir_dn_first_value((const char *)in, n, out, sizeof(out)) != 0)
        return;
    CHECK(out[0] != '\0');
    for (size_t i = 0; out[i] != '\0'; i++) {
        CHECK(i < sizeof(out) - 1);
        CHECK((unsigned char)out[i] >= 0x20 && out[i] != 0x7f);
    }
}

static void
fuzz_decide(char *text)
{
    struct certmap_directory_settings s = {
        .base_dn = "dc=example,dc=org", .user_attribute = "uid", .mapping_attribute = "m"};
    struct dir_entry ents[4];
    struct dir_value vals[4][3];
    struct dir_query q;
    struct dir_answer a;
    size_t n = 0;
    char *line, *save = NULL;

    memset(&q, 0, sizeof(q));
    memset(ents, 0, sizeof(ents));
    q.strings[0] = "X509:<SKI>0011";
    q.strong[0] = true;
    q.strings[1] = "X509:<S>CN=x";
    q.strong[1] = false;
    q.nstrings = 2;
    q.der = (const unsigned char *)"DER";
    q.der_len = 3;
    s.allow_weak_mappings = text[0] == 'w';
    s.mode = text[0] == 'c' ? CERTMAP_DIR_USER_CERTIFICATE : CERTMAP_DIR_ALT_SECURITY_IDENTITIES;
    for (line = strtok_r(text, "\n", &save); line != NULL && n < 4;
         line = strtok_r(NULL, "\n", &save)) {
        char *f[4] = {line, NULL, NULL, NULL};
        for (int i = 1; i < 4; i++) {
            f[i] = f[i - 1] != NULL ? strchr(f[i - 1], '\t') : NULL;
            if (f[i] != NULL)
                *f[i]++ = '\0';
        }
        ents[n].dn = f[0];
        for (int i = 0; i < 3; i++) {
            vals[n][i].data = f[i + 1] != NULL ? f[i + 1] : "";
            vals[n][i].len = strlen(vals[n][i].data);
        }
        ents[n].user = &vals[n][0];
        ents[n].nuser = f[1] != NULL;
        ents[n].mapping = &vals[n][1];
        ents[n].nmapping = f[2] != NULL;
        ents[n].groups = &vals[n][2];
        ents[n].ngroups = f[3] != NULL;
        n++;
    }
    CHECK(dir_result_decide(ents, n, &q, &s, &a) == 0);
    CHECK(a.why[0] != '\0');
    if (n == 0)
        CHECK(a.status == DIR_NOT_FOUND);
    else if (n > 1 && s.mode == CERTMAP_DIR_ALT_SECURITY_IDENTITIES)
        CHECK(a.status == DIR_AMBIGUOUS);
    if (a.status == DIR_FOUND) {
        /* an entry (DNs may repeat here) whose one user value is the name */
        size_t k = 0;
        while (k < n && !(strcmp(ents[k].dn, a.dn) == 0 && ents[k].nuser == 1 &&
                          strlen(a.user) == vals[k][0].len &&
                          memcmp(a.user, vals[k][0].data, vals[k][0].len) == 0))
            k++;
        CHECK(k < n);
        CHECK(a.ngroups <= ents[k].ngroups);
    }
    dir_answer_clear(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy;
    char *text;

    if (size < 1)
        return 0;
    copy = malloc(size - 1 ? size - 1 : 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data + 1, size - 1);
    switch (data[0] % 4) {
    case 0:
        fuzz_escape(copy, size - 1, false);
        break;
    case 1:
        fuzz_escape(copy, size - 1, true);
        break;
    case 2:
        fuzz_rdn(copy, size - 1);
        break;
    default:
        text = malloc(size);
        if (text != NULL) {
            memcpy(text, data + 1, size - 1);
            text[size - 1] = '\0';
            fuzz_decide(text);
            free(text);
        }
        break;
    }
    free(copy);
    return 0;
}
