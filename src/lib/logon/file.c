/*
 * file.c - the file provider: accounts from a file of "name:crypt-hash"
 * lines, checked with crypt_rn() from libcrypt (libxcrypt).
 *
 * The file is parsed once and parsed again only when its identity (device,
 * inode, size, mtime, ctime) changes, so that `certmap account passwd` takes
 * effect at the next logon without a reload and without a read per logon.
 * A file that stops parsing fails closed: every logon is LOGON_ERROR naming
 * file:line until it is fixed, rather than running on a stale table that may
 * still hold a removed account.
 */
#include "logon/logon_int.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* An accounts file larger than this is a mistake, not a list of accounts. */
#define ACCOUNTS_FILE_MAX ((size_t)64 << 20)

/* What identifies one version of the file. */
struct file_id {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtim;
    struct timespec ctim;
};

struct file_state {
    pthread_mutex_t lock;      /* guards everything below; never held during crypt() */
    char *path;                /* owned */
    struct logon_accounts acc; /* current table (empty when the file is missing or broken) */
    int have_id;               /* id describes the version acc (or load_err) came from */
    struct file_id id;         /* identity of that version */
    int broken;                /* that version did not parse: load_err says why */
    struct certmap_error load_err;
    char dummy[CRYPT_OUTPUT_SIZE];            /* setting spent on unknown users (see pick_dummy) */
    char fallback[CRYPT_GENSALT_OUTPUT_SIZE]; /* yescrypt setting when no account has a hash */
};

static void
id_from_stat(struct file_id *id, const struct stat *st)
{
    id->dev = st->st_dev;
    id->ino = st->st_ino;
    id->size = st->st_size;
    id->mtim = st->st_mtim;
    id->ctim = st->st_ctim;
}

static int
id_equal(const struct file_id *a, const struct file_id *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtim.tv_sec == b->mtim.tv_sec && a->mtim.tv_nsec == b->mtim.tv_nsec &&
           a->ctim.tv_sec == b->ctim.tv_sec && a->ctim.tv_nsec == b->ctim.tv_nsec;
}

/*
 * An unknown user must cost what a known one costs, or response time tells
 * which names exist.  Hashing the offered password against a real account's
 * hash spends exactly that method and cost; with no usable account, a
 * yescrypt setting made at open stands in.
 */
static void
pick_dummy(struct file_state *fs)
{
    size_t i;
    const struct logon_account *acc;

    for (i = 0; i < fs->acc.n; i++) {
        acc = &fs->acc.v[i];
        if (acc->hash[0] != '!' && acc->hash[0] != '*') {
            memcpy(fs->dummy, acc->hash, acc->hash_len);
            fs->dummy[acc->hash_len] = '\0';
            return;
        }
    }
    memcpy(fs->dummy, fs->fallback, sizeof(fs->fallback));
}

/* Reads and parses the open file fd; on success the new table replaces the old one. */
static int
load_fd(struct file_state *fs, int fd, const struct stat *st, struct certmap_error *err)
{
    struct logon_accounts next;
    char *data;
    size_t got = 0, size = (size_t)st->st_size;
    ssize_t n;

    if (!S_ISREG(st->st_mode))
        return certmap_error_set(err, CERTMAP_ERR_IO, fs->path, 0, NULL, NULL,
                                 "not a regular file");
    if (size > ACCOUNTS_FILE_MAX)
        return certmap_error_set(err, CERTMAP_ERR_INVALID, fs->path, 0, NULL, NULL,
                                 "accounts file larger than %zu bytes", ACCOUNTS_FILE_MAX);
    data = malloc(size + 1);
    if (data == NULL)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, fs->path, 0, NULL, NULL, "out of memory");
    while (got < size) {
        n = read(fd, data + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got != size) {
        free(data);
        return certmap_error_set(err, CERTMAP_ERR_IO, fs->path, 0, NULL, NULL, "cannot read: %s",
                                 n < 0 ? strerror(errno) : "short read");
    }
    data[got] = '\0';
    if (logon_accounts_parse(&next, fs->path, data, got, err) != 0)
        return -1;
    logon_accounts_free(&fs->acc);
    fs->acc = next;
    pick_dummy(fs);
    return 0;
}

/*
 * Brings the table up to date with the file.  Called with fs->lock held.
 * 0, or -1 and err when the file is missing, unreadable or broken.
 */
static int
refresh(struct file_state *fs, struct certmap_error *err)
{
    struct stat st;
    struct file_id id;
    int fd, rc;

    if (stat(fs->path, &st) != 0) {
        /* Fail closed: a deleted accounts file admits nobody. */
        logon_accounts_free(&fs->acc);
        fs->have_id = 0;
        return certmap_error_set(err, CERTMAP_ERR_IO, fs->path, 0, NULL, NULL, "cannot stat: %s",
                                 strerror(errno));
    }
    id_from_stat(&id, &st);
    if (fs->have_id && id_equal(&id, &fs->id)) {
        if (fs->broken && err != NULL)
            *err = fs->load_err;
        return fs->broken ? -1 : 0;
    }
    fd = open(fs->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        certmap_error_set(err, CERTMAP_ERR_IO, fs->path, 0, NULL, NULL, "cannot open: %s",
                          strerror(errno));
        if (fd >= 0)
            close(fd);
        logon_accounts_free(&fs->acc);
        fs->have_id = 0;
        return -1;
    }
    /* The identity of what was read, not of what was stat'ed a moment before. */
    id_from_stat(&fs->id, &st);
    fs->have_id = 1;
    rc = load_fd(fs, fd, &st, &fs->load_err);
    close(fd);
    fs->broken = rc != 0;
    if (fs->broken) {
        logon_accounts_free(&fs->acc);
        if (err != NULL)
            *err = fs->load_err;
    }
    return rc;
}

static void file_close(void *state);

static int
file_open(const struct logon_settings *s, void **state, struct certmap_error *err)
{
    struct file_state *fs;
    struct stat st;

    if (s->accounts_file == NULL || s->accounts_file[0] == '\0')
        return certmap_error_set(err, CERTMAP_ERR_USAGE, NULL, 0, "logon", "accountsFile",
                                 "the file provider needs an accounts file");
    fs = calloc(1, sizeof(*fs));
    if (fs == NULL)
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
    if (pthread_mutex_init(&fs->lock, NULL) != 0) {
        free(fs);
        return certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL,
                                 "cannot create a mutex");
    }
    fs->path = strdup(s->accounts_file);
    if (fs->path == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        goto fail;
    }
    if (crypt_gensalt_rn("$y$", 0, NULL, 0, fs->fallback, (int)sizeof(fs->fallback)) == NULL &&
        crypt_gensalt_rn("$6$", 0, NULL, 0, fs->fallback, (int)sizeof(fs->fallback)) == NULL) {
        certmap_error_set(err, CERTMAP_ERR_CRYPTO, NULL, 0, NULL, NULL,
                          "libcrypt offers neither yescrypt nor SHA-512 crypt");
        goto fail;
    }
    pick_dummy(fs);
    /*
     * A broken file is reported at startup.  A missing one is not: the
     * server may use no mapping at all, and logons report it until the
     * file appears.
     */
    if (!(stat(fs->path, &st) != 0 && errno == ENOENT) && refresh(fs, err) != 0)
        goto fail;
    *state = fs;
    return 0;
fail:
    file_close(fs);
    return -1;
}

static enum logon_result
file_check(void *state, const char *user, const char *password, struct certmap_error *err)
{
    struct file_state *fs = state;
    char setting[CRYPT_OUTPUT_SIZE];
    const struct logon_account *acc;
    struct crypt_data *cd;
    const char *out;
    size_t hash_len = 0;
    int known = 0, locked = 0, match = 0;

    pthread_mutex_lock(&fs->lock);
    if (refresh(fs, err) != 0) {
        pthread_mutex_unlock(&fs->lock);
        return LOGON_ERROR;
    }
    acc = logon_accounts_find(&fs->acc, user);
    if (acc != NULL) {
        known = 1;
        locked = acc->hash[0] == '!' || acc->hash[0] == '*';
    }
    if (known && !locked) {
        hash_len = acc->hash_len;
        memcpy(setting, acc->hash, hash_len);
        setting[hash_len] = '\0';
    } else {
        memcpy(setting, fs->dummy, sizeof(setting));
    }
    pthread_mutex_unlock(&fs->lock);

    cd = calloc(1, sizeof(*cd));
    if (cd == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return LOGON_ERROR;
    }
    out = crypt_rn(password, setting, cd, (int)sizeof(*cd));
    /* Constant time: the comparison must not tell how much of the hash matched. */
    if (known && !locked && out != NULL && strlen(out) == hash_len)
        match = CRYPTO_memcmp(out, setting, hash_len) == 0;
    OPENSSL_cleanse(cd, sizeof(*cd));
    free(cd);
    OPENSSL_cleanse(setting, sizeof(setting));
    if (match)
        return LOGON_OK;
    if (!known)
        certmap_error_set(err, CERTMAP_ERR_AUTH, fs->path, 0, NULL, NULL, "no account \"%s\"",
                          user);
    else if (locked)
        certmap_error_set(err, CERTMAP_ERR_AUTH, fs->path, 0, NULL, NULL,
                          "account \"%s\" is locked", user);
    else
        certmap_error_set(err, CERTMAP_ERR_AUTH, fs->path, 0, NULL, NULL,
                          "wrong password for \"%s\"", user);
    return LOGON_REFUSED;
}

/* The groups written after the account's hash ("name:hash:g1,g2"); none when not written. */
static int
file_groups(void *state, const char *user, char ***names, size_t *n, struct certmap_error *err)
{
    struct file_state *fs = state;
    const struct logon_account *acc;
    int ret = -1;

    *names = NULL;
    *n = 0;
    pthread_mutex_lock(&fs->lock);
    if (refresh(fs, err) != 0)
        goto out;
    acc = logon_accounts_find(&fs->acc, user);
    if (acc == NULL) {
        certmap_error_set(err, CERTMAP_ERR_AUTH, fs->path, 0, NULL, NULL, "no account \"%s\"",
                          user);
        goto out;
    }
    *names = logon_account_groups(acc, n);
    if (*names == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        goto out;
    }
    ret = 0;
out:
    pthread_mutex_unlock(&fs->lock);
    return ret;
}

static void
file_close(void *state)
{
    struct file_state *fs = state;

    if (fs == NULL)
        return;
    logon_accounts_free(&fs->acc);
    pthread_mutex_destroy(&fs->lock);
    free(fs->path);
    OPENSSL_cleanse(fs->dummy, sizeof(fs->dummy));
    free(fs);
}

const struct logon_provider_ops logon_file_provider = {
    .name = "file",
    .open = file_open,
    .check = file_check,
    .close = file_close,
    .groups = file_groups,
};
