/*
 * accounts.c - the accounts file of the file provider: "name:crypt-hash"
 * lines, optionally followed by ":group1,group2" (the account's groups, the
 * roles of URL Authorization), blank lines and '#' comments.  Parsed into a table sorted by name
 * that keeps the file's bytes, so that `certmap account` can rewrite one line
 * and leave every other byte as it was.
 */
#include "logon/logon_int.h"

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

const char *
logon_name_problem(const char *name, size_t len)
{
    size_t i;
    unsigned char c;

    if (len == 0)
        return "empty account name";
    if (len > LOGON_NAME_MAX)
        return "account name longer than 256 bytes";
    /* A leading '#' would turn the line into a comment when read back. */
    if (name[0] == '#')
        return "account name starts with '#'";
    if (name[0] == ' ' || name[0] == '\t' || name[len - 1] == ' ' || name[len - 1] == '\t')
        return "account name starts or ends with a blank";
    for (i = 0; i < len; i++) {
        c = (unsigned char)name[i];
        if (c == ':')
            return "account name contains ':'";
        if (c < 0x20 || c == 0x7f)
            return "account name contains a control character";
    }
    return NULL;
}

const char *
logon_hash_problem(const char *hash, size_t len)
{
    char buf[CRYPT_OUTPUT_SIZE];
    size_t i;
    unsigned char c;
    int rc;

    if (len == 0)
        return "empty password hash";
    if (len >= sizeof(buf))
        return "password hash too long";
    for (i = 0; i < len; i++) {
        c = (unsigned char)hash[i];
        if (c == ':' || c <= 0x20 || c == 0x7f)
            return "password hash contains a blank, ':' or a control character";
    }
    /* "!..." and "*..." are locked accounts, as in /etc/shadow: valid, never match. */
    if (hash[0] == '!' || hash[0] == '*')
        return NULL;
    memcpy(buf, hash, len);
    buf[len] = '\0';
    rc = crypt_checksalt(buf);
    if (rc == CRYPT_SALT_INVALID)
        return "password hash of a method libcrypt does not know";
    if (rc == CRYPT_SALT_METHOD_DISABLED)
        return "password hash of a method disabled in libcrypt";
    return NULL;
}

const char *
logon_groups_problem(const char *groups, size_t len)
{
    size_t i = 0, count = 0;

    for (;; count++) {
        size_t b = i, e;
        if (count == LOGON_ACCOUNT_GROUPS_MAX)
            return "more than 256 groups";
        while (i < len && groups[i] != ',')
            i++;
        e = i;
        while (b < e && (groups[b] == ' ' || groups[b] == '\t'))
            b++;
        while (e > b && (groups[e - 1] == ' ' || groups[e - 1] == '\t'))
            e--;
        if (e == b)
            return "empty group name (groups are \"name:hash:group1,group2\")";
        for (size_t k = b; k < e; k++) {
            unsigned char c = (unsigned char)groups[k];
            if (c == ':')
                return "group name contains ':'";
            if (c < 0x20 || c == 0x7f)
                return "group name contains a control character";
        }
        if (i == len)
            return NULL;
        i++;
    }
}

char **
logon_account_groups(const struct logon_account *acc, size_t *n)
{
    const char *v[LOGON_ACCOUNT_GROUPS_MAX];
    size_t lens[LOGON_ACCOUNT_GROUPS_MAX], k = 0, i = 0;
    const char *g = acc->groups;

    *n = 0;
    if (g == NULL)
        return logon_names_pack(NULL, NULL, 0);
    while (i < acc->groups_len && k < sizeof(v) / sizeof(v[0])) {
        size_t b = i, e;
        while (i < acc->groups_len && g[i] != ',')
            i++;
        e = i;
        while (b < e && (g[b] == ' ' || g[b] == '\t'))
            b++;
        while (e > b && (g[e - 1] == ' ' || g[e - 1] == '\t'))
            e--;
        v[k] = g + b;
        lens[k++] = e - b;
        i++;
    }
    *n = k;
    return logon_names_pack(v, lens, k);
}

static int
account_cmp(const void *a, const void *b)
{
    const struct logon_account *x = a, *y = b;
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, n);

    if (c != 0)
        return c;
    if (x->name_len != y->name_len)
        return x->name_len < y->name_len ? -1 : 1;
    /* Equal names sort by line, so that a duplicate is reported at its second line. */
    return x->line < y->line ? -1 : (x->line > y->line);
}

static int
push_account(struct logon_accounts *a, size_t *cap, const struct logon_account *acc)
{
    struct logon_account *v;
    size_t ncap;

    if (a->n == *cap) {
        ncap = *cap ? *cap * 2 : 16;
        v = realloc(a->v, ncap * sizeof(*v));
        if (v == NULL)
            return -1;
        a->v = v;
        *cap = ncap;
    }
    a->v[a->n++] = *acc;
    return 0;
}

/* Parses the line [start, end) of a->data; appends an account, or skips a blank/comment. */
static int
parse_line(struct logon_accounts *a, size_t *cap, const char *path, unsigned line, size_t start,
           size_t end, size_t next, struct certmap_error *err)
{
    const char *p = a->data, *colon, *gcolon, *problem;
    struct logon_account acc;
    size_t s = start, e = end;

    if (memchr(p + start, '\0', end - start) != NULL)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, path, line, NULL, NULL,
                                 "NUL byte in the accounts file");
    /* Editors add CR or trailing blanks; crypt hashes never end with either. */
    while (e > start && (p[e - 1] == '\r' || p[e - 1] == ' ' || p[e - 1] == '\t'))
        e--;
    while (s < e && (p[s] == ' ' || p[s] == '\t'))
        s++;
    if (s == e || p[s] == '#')
        return 0;
    colon = memchr(p + start, ':', e - start);
    if (colon == NULL)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, path, line, NULL, NULL,
                                 "expected \"name:hash\"");
    acc.name = p + start;
    acc.name_len = (size_t)(colon - acc.name);
    acc.hash = colon + 1;
    acc.hash_len = (size_t)(p + e - acc.hash);
    acc.groups = NULL;
    acc.groups_len = 0;
    /* a hash never holds ':', so a second one starts the optional groups */
    gcolon = memchr(acc.hash, ':', acc.hash_len);
    if (gcolon != NULL) {
        acc.groups = gcolon + 1;
        acc.groups_len = (size_t)(p + e - acc.groups);
        acc.hash_len = (size_t)(gcolon - acc.hash);
    }
    acc.line = line;
    acc.line_start = start;
    acc.line_end = next;
    problem = logon_name_problem(acc.name, acc.name_len);
    if (problem == NULL)
        problem = logon_hash_problem(acc.hash, acc.hash_len);
    if (problem == NULL && acc.groups != NULL)
        problem = logon_groups_problem(acc.groups, acc.groups_len);
    if (problem != NULL)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, path, line, NULL, NULL, "%s", problem);
    if (push_account(a, cap, &acc) != 0)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, path, line, NULL, NULL, "out of memory");
    return 0;
}

int
logon_accounts_parse(struct logon_accounts *a, const char *path, char *data, size_t len,
                     struct certmap_error *err)
{
    size_t pos = 0, end, next, cap = 0, i;
    const char *nl;
    unsigned line = 0;
    const struct logon_account *prev, *cur;

    memset(a, 0, sizeof(*a));
    a->data = data;
    a->len = len;
    while (pos < len) {
        line++;
        nl = memchr(data + pos, '\n', len - pos);
        end = nl != NULL ? (size_t)(nl - data) : len;
        next = nl != NULL ? end + 1 : len;
        if (parse_line(a, &cap, path, line, pos, end, next, err) != 0)
            goto fail;
        pos = next;
    }
    if (a->n > 1)
        qsort(a->v, a->n, sizeof(*a->v), account_cmp);
    for (i = 1; i < a->n; i++) {
        prev = &a->v[i - 1];
        cur = &a->v[i];
        if (prev->name_len == cur->name_len && memcmp(prev->name, cur->name, cur->name_len) == 0) {
            certmap_error_set(err, CERTMAP_ERR_INVALID, path, cur->line, NULL, NULL,
                              "duplicate account \"%.*s\" (first at line %u)", (int)cur->name_len,
                              cur->name, prev->line);
            goto fail;
        }
    }
    return 0;
fail:
    logon_accounts_free(a);
    return -1;
}

void
logon_accounts_free(struct logon_accounts *a)
{
    if (a == NULL)
        return;
    if (a->data != NULL) {
        /* The hashes are not passwords, but they are what an attacker would crack. */
        OPENSSL_cleanse(a->data, a->len);
        free(a->data);
    }
    free(a->v);
    memset(a, 0, sizeof(*a));
}

/* Orders a name against an entry's name like account_cmp, without the line tie-break. */
static int
name_cmp(const char *name, size_t len, const struct logon_account *acc)
{
    size_t n = len < acc->name_len ? len : acc->name_len;
    int c = memcmp(name, acc->name, n);

    if (c != 0)
        return c;
    if (len != acc->name_len)
        return len < acc->name_len ? -1 : 1;
    return 0;
}

const struct logon_account *
logon_accounts_find(const struct logon_accounts *a, const char *user)
{
    size_t len = strlen(user), lo = 0, hi = a->n, mid;
    int c;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        c = name_cmp(user, len, &a->v[mid]);
        if (c == 0)
            return &a->v[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

int
logon_hash_password(const char *password, char *out, size_t size, struct certmap_error *err)
{
    /* Strongest first: yescrypt is Debian's default since 11; SHA-512 crypt everywhere else. */
    static const char *const prefixes[] = {"$y$", "$6$"};
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data *cd = NULL;
    const char *hash;
    size_t i, n;
    int ret = -1;

    if (strlen(password) >= CRYPT_MAX_PASSPHRASE_SIZE)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, NULL, 0, NULL, NULL,
                                 "password longer than %d bytes", CRYPT_MAX_PASSPHRASE_SIZE - 1);
    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        /* count 0 = the method's default cost; NULL rbytes = libcrypt reads the OS RNG. */
        if (crypt_gensalt_rn(prefixes[i], 0, NULL, 0, setting, (int)sizeof(setting)) != NULL)
            break;
    }
    if (i == sizeof(prefixes) / sizeof(prefixes[0]))
        return certmap_error_set(err, CERTMAP_ERR_CRYPTO, NULL, 0, NULL, NULL,
                                 "libcrypt offers neither yescrypt nor SHA-512 crypt");
    cd = calloc(1, sizeof(*cd));
    if (cd == NULL)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    hash = crypt_rn(password, setting, cd, (int)sizeof(*cd));
    if (hash == NULL || hash[0] == '*') {
        certmap_error_set(err, CERTMAP_ERR_CRYPTO, NULL, 0, NULL, NULL,
                          "crypt() failed for method %s", prefixes[i]);
        goto out;
    }
    n = strlen(hash);
    if (n >= size) {
        certmap_error_set(err, CERTMAP_ERR_CRYPTO, NULL, 0, NULL, NULL, "hash too long");
        goto out;
    }
    memcpy(out, hash, n + 1);
    ret = 0;
out:
    /* crypt's scratch space holds password-derived state. */
    OPENSSL_cleanse(cd, sizeof(*cd));
    free(cd);
    return ret;
}
