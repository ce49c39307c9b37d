/*
 * account.c - `certmap account add|passwd|remove`: edits one line of the
 * accounts file under an exclusive lock and replaces the file atomically.
 * Every other byte (comments, blank lines, other accounts, line endings)
 * is kept as it was.
 */
#include "logon/logon_int.h"

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "fileio.h"

enum account_op {
    ACCOUNT_ADD,
    ACCOUNT_PASSWD,
    ACCOUNT_REMOVE,
};

/* Growable output buffer for the new file. */
struct outbuf {
    char *p;
    size_t len;
    size_t cap;
};

static int
out_put(struct outbuf *o, const char *data, size_t len)
{
    size_t ncap;
    char *np;

    if (o->len + len + 1 > o->cap) {
        ncap = o->len + len + 1 + 256;
        np = malloc(ncap);
        if (np == NULL)
            return -1;
        /* realloc would leave a copy of the old hashes behind unwiped. */
        if (o->p != NULL) {
            memcpy(np, o->p, o->len);
            OPENSSL_cleanse(o->p, o->len);
            free(o->p);
        }
        o->p = np;
        o->cap = ncap;
    }
    memcpy(o->p + o->len, data, len);
    o->len += len;
    o->p[o->len] = '\0';
    return 0;
}

static void
out_free(struct outbuf *o)
{
    if (o->p != NULL) {
        OPENSSL_cleanse(o->p, o->len);
        free(o->p);
    }
    memset(o, 0, sizeof(*o));
}

static int
check_input(const char *file, const char *user, const char *password, enum account_op op,
            struct certmap_error *err)
{
    const char *problem;

    if (file == NULL || file[0] == '\0')
        return certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, NULL, NULL,
                                 "no accounts file given");
    if (user == NULL)
        return certmap_error_set(err, CERTMAP_ERR_USAGE, file, 0, NULL, NULL,
                                 "no account name given");
    problem = logon_name_problem(user, strlen(user));
    if (problem != NULL)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, file, 0, NULL, NULL, "%s", problem);
    if (op == ACCOUNT_REMOVE)
        return 0;
    if (password == NULL || password[0] == '\0')
        return certmap_error_set(err, CERTMAP_ERR_INVALID, file, 0, NULL, NULL,
                                 "empty password for account \"%s\"", user);
    return 0;
}

/* Reads the file into a; a missing file reads as empty (*exists false). */
static int
load_current(const char *file, struct logon_accounts *a, int *exists, struct certmap_error *err)
{
    struct stat st;
    char *data = NULL;
    size_t len = 0;

    *exists = stat(file, &st) == 0;
    if (!*exists && errno != ENOENT)
        return certmap_error_set(err, CERTMAP_ERR_IO, file, 0, NULL, NULL, "cannot stat: %s",
                                 strerror(errno));
    if (*exists) {
        if (fileio_read(file, &data, &len, 0, err) != 0)
            return -1;
    } else {
        data = strdup("");
        if (data == NULL)
            return certmap_error_set(err, CERTMAP_ERR_NOMEM, file, 0, NULL, NULL, "out of memory");
    }
    return logon_accounts_parse(a, file, data, len, err);
}

/* Builds the new file from a, with the account line added, changed or removed. */
static int
build(const struct logon_accounts *a, const struct logon_account *acc, const char *user,
      const char *hash, const char *groups, enum account_op op, struct outbuf *o)
{
    size_t cut_from, cut_to;

    if (op == ACCOUNT_ADD) {
        if (out_put(o, a->data, a->len) != 0)
            return -1;
        /* A last line without its newline gets one, so the new line stands alone. */
        if (a->len > 0 && a->data[a->len - 1] != '\n' && out_put(o, "\n", 1) != 0)
            return -1;
        if (out_put(o, user, strlen(user)) != 0 || out_put(o, ":", 1) != 0 ||
            out_put(o, hash, strlen(hash)) != 0)
            return -1;
        /* old readers stop at the hash; "name:hash:groups" only when there are groups */
        if (groups != NULL && groups[0] != '\0' &&
            (out_put(o, ":", 1) != 0 || out_put(o, groups, strlen(groups)) != 0))
            return -1;
        return out_put(o, "\n", 1);
    }
    if (op == ACCOUNT_PASSWD) {
        /* Only the hash changes; a CR or blanks after it stay. */
        cut_from = (size_t)(acc->hash - a->data);
        cut_to = cut_from + acc->hash_len;
    } else {
        cut_from = acc->line_start;
        cut_to = acc->line_end;
    }
    if (out_put(o, a->data, cut_from) != 0)
        return -1;
    if (op == ACCOUNT_PASSWD && out_put(o, hash, strlen(hash)) != 0)
        return -1;
    return out_put(o, a->data + cut_to, a->len - cut_to);
}

static int
account_edit(const char *file, const char *user, const char *password, const char *groups,
             enum account_op op, struct certmap_error *err)
{
    struct logon_accounts a = {0};
    const struct logon_account *acc;
    struct outbuf o = {0};
    char hash[CRYPT_OUTPUT_SIZE] = "";
    char *lock_path = NULL;
    int lock_fd = -1, exists = 0, ret = -1;
    const char *problem;

    certmap_error_clear(err);
    if (check_input(file, user, password, op, err) != 0)
        return -1;
    if (groups != NULL && groups[0] != '\0' &&
        (problem = logon_groups_problem(groups, strlen(groups))) != NULL)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, file, 0, NULL, NULL, "groups \"%s\": %s",
                                 groups, problem);
    /* Hash before taking the lock: yescrypt is slow on purpose; the lock need not wait for it. */
    if (op != ACCOUNT_REMOVE && logon_hash_password(password, hash, sizeof(hash), err) != 0)
        goto out;
    if (asprintf(&lock_path, "%s.lock", file) < 0) {
        lock_path = NULL;
        certmap_error_set(err, CERTMAP_ERR_NOMEM, file, 0, NULL, NULL, "out of memory");
        goto out;
    }
    lock_fd = fileio_lock(lock_path, err);
    if (lock_fd < 0)
        goto out;
    if (load_current(file, &a, &exists, err) != 0)
        goto out;
    acc = logon_accounts_find(&a, user);
    if (op == ACCOUNT_ADD && acc != NULL) {
        certmap_error_set(err, CERTMAP_ERR_INVALID, file, acc->line, NULL, NULL,
                          "account \"%s\" already exists", user);
        goto out;
    }
    if (op != ACCOUNT_ADD && acc == NULL) {
        certmap_error_set(
            err, CERTMAP_ERR_INVALID, file, 0, NULL, NULL,
            exists ? "no account \"%s\"" : "no account \"%s\" (the file does not exist)", user);
        goto out;
    }
    if (build(&a, acc, user, hash, groups, op, &o) != 0) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, file, 0, NULL, NULL, "out of memory");
        goto out;
    }
    if (fileio_write_atomic(file, o.p != NULL ? o.p : "", o.len, LOGON_ACCOUNTS_MODE, err) != 0)
        goto out;
    ret = 0;
out:
    fileio_unlock(lock_fd);
    free(lock_path);
    out_free(&o);
    logon_accounts_free(&a);
    OPENSSL_cleanse(hash, sizeof(hash));
    return ret;
}

int
logon_account_add(const char *accounts_file, const char *user, const char *password,
                  struct certmap_error *err)
{
    return account_edit(accounts_file, user, password, NULL, ACCOUNT_ADD, err);
}

int
logon_account_add_groups(const char *accounts_file, const char *user, const char *password,
                         const char *groups, struct certmap_error *err)
{
    return account_edit(accounts_file, user, password, groups, ACCOUNT_ADD, err);
}

int
logon_account_passwd(const char *accounts_file, const char *user, const char *password,
                     struct certmap_error *err)
{
    return account_edit(accounts_file, user, password, NULL, ACCOUNT_PASSWD, err);
}

int
logon_account_remove(const char *accounts_file, const char *user, struct certmap_error *err)
{
    return account_edit(accounts_file, user, NULL, NULL, ACCOUNT_REMOVE, err);
}
