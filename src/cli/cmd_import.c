/*
 * cmd_import.c - `certmap import mappings` and `certmap export mappings`:
 * many one-to-one mappings at once.  An import reads every certificate and
 * password first and changes the file only when all of them are good, in one
 * commit (one history copy, however many mappings); an export prints what an
 * import reads back (certificates as PEM, users, states; never passwords).
 */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certmap/cert.h"
#include "fileio.h"

static const char help_import[] =
    "Usage: certmap import mappings --site SITE [--path /APP]\n"
    "           (--csv FILE | --dir DIR --user-from cn|email|file-name | --json FILE)\n"
    "           [--password-file FILE] [--dry-run]\n"
    "\n"
    "Adds one one-to-one mapping per certificate, all in one commit: when any\n"
    "certificate, user or password is bad, or a certificate is already mapped at\n"
    "the location (or twice in the input), nothing is written and the error names\n"
    "the file (exit 2).\n"
    "\n"
    "  --csv FILE      one mapping per line: CERTFILE,USER[,PASSWORDFILE]\n"
    "                  (paths relative to FILE's directory; empty lines, lines\n"
    "                  starting with '#' and a first line 'certificate,user...'\n"
    "                  are skipped; a field may be quoted with \"...\").  The third\n"
    "                  column names the file holding that user's password;\n"
    "                  without it, --password-file is used.\n"
    "  --dir DIR       every file in DIR (not starting with '.') is a certificate;\n"
    "                  the user is its subject's CN (--user-from cn), its e-mail\n"
    "                  address (email: subject emailAddress, else the first\n"
    "                  rfc822Name of subjectAltName) or the file name without its\n"
    "                  extension (file-name)\n"
    "  --json FILE     what 'certmap export mappings --json' prints: an array of\n"
    "                  objects with certificate (PEM), user and enabled; other\n"
    "                  members are ignored\n"
    "  --password-file FILE  the password of every mapping without its own (--dir\n"
    "                  and --json: all of them; exports carry no passwords)\n"
    "  --dry-run       print what would be added; write nothing\n";

static const char help_export[] =
    "Usage: certmap export mappings --site SITE [--path /APP] --json\n"
    "\n"
    "Prints the one-to-one mappings written at the location as a JSON array of\n"
    "objects: certificate (PEM), user, enabled, and for reading sha256, subject,\n"
    "notAfter.  Passwords are never exported: 'certmap import mappings --json\n"
    "FILE --password-file PW' reads the array back.\n";

/* One mapping to add. */
struct row {
    char *source; /* "FILE" or "FILE:LINE" for messages (owned) */
    unsigned char *der;
    size_t der_len;
    char *iis;  /* IIS's single-line base64 (owned) */
    char *user; /* owned */
    bool enabled;
    char *pw_file;  /* its own password file, or NULL (owned) */
    char *password; /* owned, wiped */
    unsigned char fp[32];
};

struct rows {
    struct row *v; /* owned */
    size_t n, cap;
};

static void
rows_free(struct rows *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].source);
        free(r->v[i].der);
        free(r->v[i].iis);
        free(r->v[i].user);
        free(r->v[i].pw_file);
        cli_free_secret(r->v[i].password);
    }
    free(r->v);
}

/* A new zeroed row with its source; NULL on allocation failure. */
static struct row *
rows_new(struct rows *r, const char *source)
{
    struct row *t;

    if (r->n == r->cap) {
        size_t cap = r->cap == 0 ? 64 : r->cap * 2;

        t = realloc(r->v, cap * sizeof(*t));
        if (t == NULL)
            return NULL;
        r->v = t;
        r->cap = cap;
    }
    t = &r->v[r->n];
    memset(t, 0, sizeof(*t));
    t->enabled = true;
    t->source = strdup(source);
    if (t->source == NULL)
        return NULL;
    r->n++;
    return t;
}

/* Decodes cert (text or a file's content) into row; an exit code after printing why. */
static int
row_cert(const struct cli_ctx *ctx, struct row *row, const char *path, const char *text)
{
    struct certmap_error err = {0};
    char buf[2048];
    int rc;

    rc = path != NULL ? certmap_cert_decode_file(path, &row->der, &row->der_len, &err)
                      : certmap_cert_decode(text, strlen(text), &row->der, &row->der_len, &err);
    if (rc != 0) {
        /* the library's message names the file already: the source adds the CSV line */
        if (path != NULL && strcmp(path, row->source) == 0)
            return cli_fail(ctx, &err);
        cli_err(ctx, "%s: %s", row->source, certmap_error_format(&err, buf, sizeof(buf)));
        return cli_exit_code(&err);
    }
    row->iis = certmap_cert_to_iis_string(row->der, row->der_len);
    if (row->iis == NULL) {
        cli_err(ctx, "out of memory");
        return CLI_IO;
    }
    certmap_cert_sha256(row->der, row->der_len, row->fp);
    return CLI_OK;
}

/* Splits a CSV line (modified in place) into at most max fields; -1 on a bad quote. */
static int
csv_split(char *s, char **f, size_t max, size_t *n)
{
    char *w;

    *n = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (*n == max)
            return -1;
        if (*s == '"') {
            /* "" inside quotes is one quote, as spreadsheets write it */
            f[(*n)++] = w = ++s;
            for (;;) {
                if (*s == '\0')
                    return -1;
                if (*s == '"' && s[1] == '"') {
                    *w++ = '"';
                    s += 2;
                    continue;
                }
                if (*s == '"')
                    break;
                *w++ = *s++;
            }
            *w = '\0';
            s++;
            while (*s == ' ' || *s == '\t')
                s++;
            if (*s != ',' && *s != '\0')
                return -1;
        } else {
            f[(*n)++] = s;
            s += strcspn(s, ",");
            for (w = s; w > f[*n - 1] && (w[-1] == ' ' || w[-1] == '\t'); w--)
                ;
            if (*s == ',') {
                *w = '\0';
                s++;
                continue;
            }
            *w = '\0';
            return 0;
        }
        if (*s == '\0')
            return 0;
        s++;
    }
}

/* path as given when absolute, else relative to dir; malloc'd or NULL. */
static char *
relative_to(const char *dir, const char *path)
{
    char *out = NULL;

    if (path[0] == '/')
        return strdup(path);
    if (asprintf(&out, "%s/%s", dir, path) < 0)
        return NULL;
    return out;
}

static int
read_csv(const struct cli_ctx *ctx, const char *file, struct rows *rows)
{
    struct certmap_error err = {0};
    char *data = NULL, *dir = NULL, *line, *next, *f[4], *path = NULL, src[4096];
    size_t len, nf;
    unsigned lineno = 0;
    struct row *row;
    int rc = CLI_INVALID;

    if (fileio_read(file, &data, &len, 0, &err) != 0)
        return cli_fail(ctx, &err);
    dir = fileio_dirname(file);
    if (dir == NULL)
        goto nomem;
    for (line = data; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        lineno++;
        line[strcspn(line, "\r")] = '\0';
        while (*line == ' ' || *line == '\t')
            line++;
        if (line[0] == '\0' || line[0] == '#')
            continue;
        snprintf(src, sizeof(src), "%s:%u", file, lineno);
        if (csv_split(line, f, 4, &nf) != 0 || nf < 2 || nf > 3 || f[0][0] == '\0' ||
            f[1][0] == '\0') {
            cli_err(ctx, "%s: expected CERTFILE,USER[,PASSWORDFILE]", src);
            goto out;
        }
        if (rows->n == 0 && strcasecmp(f[0], "certificate") == 0)
            continue; /* a header line */
        row = rows_new(rows, src);
        free(path);
        path = relative_to(dir, f[0]);
        if (row == NULL || path == NULL || (row->user = strdup(f[1])) == NULL ||
            (nf == 3 && f[2][0] != '\0' && (row->pw_file = relative_to(dir, f[2])) == NULL))
            goto nomem;
        rc = row_cert(ctx, row, path, NULL);
        if (rc != CLI_OK)
            goto out;
        rc = CLI_INVALID;
    }
    rc = CLI_OK;
    goto out;
nomem:
    cli_err(ctx, "out of memory");
    rc = CLI_IO;
out:
    free(path);
    free(dir);
    free(data);
    return rc;
}

/* The UTF-8 text of the last nid entry of name, malloc'd, or NULL. */
static char *
name_entry(const X509_NAME *name, int nid)
{
    int i = -1, last = -1;
    unsigned char *utf8 = NULL;
    char *out = NULL;
    int len;

    while ((i = X509_NAME_get_index_by_NID(name, nid, i)) >= 0)
        last = i;
    if (last < 0)
        return NULL;
    len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last)));
    if (len > 0 && memchr(utf8, '\0', (size_t)len) == NULL)
        out = strndup((const char *)utf8, (size_t)len);
    OPENSSL_free(utf8);
    return out;
}

/* The first rfc822Name of the subjectAltName, malloc'd, or NULL. */
static char *
san_email(X509 *x)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    char *out = NULL;

    for (int i = 0; names != NULL && i < sk_GENERAL_NAME_num(names) && out == NULL; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        const ASN1_IA5STRING *s;

        if (g->type != GEN_EMAIL)
            continue;
        s = g->d.rfc822Name;
        if (memchr(ASN1_STRING_get0_data(s), '\0', (size_t)ASN1_STRING_length(s)) == NULL)
            out = strndup((const char *)ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
    }
    GENERAL_NAMES_free(names);
    return out;
}

/* The user of a --dir certificate; an exit code after printing why. */
static int
dir_user(const struct cli_ctx *ctx, struct row *row, const char *name, const char *from)
{
    const unsigned char *p = row->der;
    X509 *x = NULL;
    const char *dot;

    if (strcmp(from, "file-name") == 0) {
        dot = strrchr(name, '.');
        row->user = strndup(name, dot != NULL && dot != name ? (size_t)(dot - name) : strlen(name));
        if (row->user == NULL) {
            cli_err(ctx, "out of memory");
            return CLI_IO;
        }
        return CLI_OK;
    }
    x = d2i_X509(NULL, &p, (long)row->der_len);
    if (x != NULL && strcmp(from, "cn") == 0) {
        row->user = name_entry(X509_get_subject_name(x), NID_commonName);
    } else if (x != NULL) {
        row->user = name_entry(X509_get_subject_name(x), NID_pkcs9_emailAddress);
        if (row->user == NULL)
            row->user = san_email(x);
    }
    X509_free(x);
    if (row->user == NULL || row->user[0] == '\0') {
        cli_err(ctx, "%s: the certificate has no %s to take the user name from", row->source,
                strcmp(from, "cn") == 0 ? "subject CN" : "e-mail address (subject or SAN)");
        return CLI_INVALID;
    }
    return CLI_OK;
}

static int
cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
read_dir(const struct cli_ctx *ctx, const char *dir, const char *from, struct rows *rows)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    struct stat st;
    char **names = NULL, **t, *path = NULL;
    size_t n = 0, cap = 0, i;
    struct row *row;
    int rc = CLI_IO;

    if (d == NULL) {
        cli_err(ctx, "--dir %s: %s", dir, strerror(errno));
        return CLI_IO;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap == 0 ? 256 : cap * 2;
            t = realloc(names, cap * sizeof(*t));
            if (t == NULL)
                goto nomem;
            names = t;
        }
        names[n] = strdup(de->d_name);
        if (names[n++] == NULL)
            goto nomem;
    }
    /* sorted, so that the file and the messages do not depend on the directory's order */
    qsort(names, n, sizeof(*names), cmp_name);
    for (i = 0; i < n; i++) {
        free(path);
        path = relative_to(dir, names[i]);
        if (path == NULL)
            goto nomem;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        row = rows_new(rows, path);
        if (row == NULL)
            goto nomem;
        rc = row_cert(ctx, row, path, NULL);
        if (rc == CLI_OK)
            rc = dir_user(ctx, row, names[i], from);
        if (rc != CLI_OK)
            goto out;
    }
    if (rows->n == 0) {
        cli_err(ctx, "--dir %s: no certificate file", dir);
        rc = CLI_INVALID;
        goto out;
    }
    rc = CLI_OK;
    goto out;
nomem:
    cli_err(ctx, "out of memory");
    rc = CLI_IO;
out:
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(path);
    closedir(d);
    return rc;
}

static int
read_json(const struct cli_ctx *ctx, const char *file, struct rows *rows)
{
    struct certmap_error err = {0};
    struct cli_json_obj *objs = NULL;
    const char *cert, *user, *enabled, *why = NULL;
    char *data = NULL, src[4096];
    size_t len, n = 0, i;
    unsigned line = 0;
    bool str_c = false, str_u = false, str_e = false;
    struct row *row;
    int rc = CLI_INVALID;

    if (fileio_read(file, &data, &len, 0, &err) != 0)
        return cli_fail(ctx, &err);
    if (cli_json_read_objects(data, &objs, &n, &line, &why) != 0) {
        cli_err(ctx, "%s:%u: %s", file, line, why != NULL ? why : "not JSON");
        goto out;
    }
    for (i = 0; i < n; i++) {
        snprintf(src, sizeof(src), "%s:%u", file, objs[i].line);
        cert = cli_json_get(&objs[i], "certificate", &str_c);
        user = cli_json_get(&objs[i], "user", &str_u);
        enabled = cli_json_get(&objs[i], "enabled", &str_e);
        if (cert == NULL || !str_c || user == NULL || !str_u || user[0] == '\0' ||
            (enabled != NULL &&
             (str_e || (strcmp(enabled, "true") != 0 && strcmp(enabled, "false") != 0)))) {
            cli_err(ctx,
                    "%s: expected \"certificate\" and \"user\" strings and an optional "
                    "\"enabled\" true or false",
                    src);
            goto out;
        }
        row = rows_new(rows, src);
        if (row == NULL || (row->user = strdup(user)) == NULL) {
            cli_err(ctx, "out of memory");
            rc = CLI_IO;
            goto out;
        }
        row->enabled = enabled == NULL || strcmp(enabled, "true") == 0;
        rc = row_cert(ctx, row, NULL, cert);
        if (rc != CLI_OK)
            goto out;
        rc = CLI_INVALID;
    }
    rc = CLI_OK;
out:
    cli_json_objs_free(objs, n);
    free(data);
    return rc;
}

static int
cmp_fp(const void *a, const void *b)
{
    return memcmp((*(const struct row *const *)a)->fp, (*(const struct row *const *)b)->fp, 32);
}

/* Refuses a certificate given twice; O(n log n).  An exit code. */
static int
check_duplicates(const struct cli_ctx *ctx, const struct rows *rows)
{
    const struct row **v = malloc((rows->n + 1) * sizeof(*v));
    size_t i;
    int rc = CLI_OK;

    if (v == NULL) {
        cli_err(ctx, "out of memory");
        return CLI_IO;
    }
    for (i = 0; i < rows->n; i++)
        v[i] = &rows->v[i];
    qsort(v, rows->n, sizeof(*v), cmp_fp);
    for (i = 1; i < rows->n && rc == CLI_OK; i++)
        if (memcmp(v[i - 1]->fp, v[i]->fp, 32) == 0) {
            cli_err(ctx, "%s: the same certificate as %s", v[i]->source, v[i - 1]->source);
            rc = CLI_INVALID;
        }
    free(v);
    return rc;
}

/* Reads each row's password (its own file, else the common one); an exit code. */
static int
read_passwords(const struct cli_ctx *ctx, struct rows *rows, const char *common)
{
    int rc;

    for (size_t i = 0; i < rows->n; i++) {
        struct row *r = &rows->v[i];

        if (r->pw_file == NULL && common == NULL) {
            cli_err(ctx,
                    "%s: no password for '%s': give --password-file FILE or a third CSV "
                    "column naming the user's password file",
                    r->source, r->user);
            return CLI_USAGE;
        }
        rc = cli_read_password(ctx, false, r->pw_file != NULL ? r->pw_file : common, &r->password);
        if (rc != CLI_OK) {
            cli_err(ctx, "%s: the password of '%s' cannot be read", r->source, r->user);
            return rc;
        }
    }
    return CLI_OK;
}

/* Adds every row to coll (after checking none is mapped there yet); an exit code. */
static int
add_rows(const struct cli_ctx *ctx, struct certmap_collection *coll, const struct rows *rows,
         const char *loc)
{
    struct certmap_error err = {0};
    struct certmap_element *item;
    const char *file = NULL;
    unsigned line = 0;
    char buf[2048];
    size_t i;

    /* every check before the first add: the messages name the file as it is */
    for (i = 0; i < rows->n; i++) {
        item = certmap_collection_find(coll, rows->v[i].iis);
        if (item == NULL)
            continue;
        certmap_element_source(item, NULL, &file, &line);
        cli_err(ctx, "%s: certificate already mapped at '%s' by %s:%u (user '%s')%s",
                rows->v[i].source, loc, file != NULL ? file : "?", line,
                certmap_element_get(item, "userName"),
                certmap_element_is_inherited(item) ? ", inherited" : "");
        return CLI_INVALID;
    }
    for (i = 0; i < rows->n; i++) {
        const struct row *r = &rows->v[i];

        item = certmap_collection_create_element(coll, NULL, &err);
        if (item == NULL || certmap_element_set(item, "certificate", r->iis, &err) != 0 ||
            certmap_element_set(item, "userName", r->user, &err) != 0 ||
            certmap_element_set(item, "password", r->password, &err) != 0 ||
            (!r->enabled && certmap_element_set_bool(item, "enabled", false, &err) != 0) ||
            certmap_collection_add(coll, item, &err) != 0) {
            cli_err(ctx, "%s: %s", r->source, certmap_error_format(&err, buf, sizeof(buf)));
            return cli_exit_code(&err);
        }
    }
    return CLI_OK;
}

/* The oneToOneMappings at loc; NULL after printing why. */
static struct certmap_collection *
collection_at(const struct cli_ctx *ctx, struct certmap_config *cfg, const char *loc)
{
    struct certmap_error err = {0};
    struct certmap_element *sec;
    struct certmap_collection *c = NULL;

    sec = certmap_config_get_section(cfg, CERTMAP_SECTION_CERTMAPPING, loc, &err);
    if (sec != NULL)
        c = certmap_element_collection(sec, "oneToOneMappings", &err);
    if (c == NULL)
        cli_fail(ctx, &err);
    return c;
}

int
cmd_import_mappings(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *site = NULL, *path = NULL, *csv = NULL, *dir = NULL, *json = NULL, *from = NULL;
    const char *pw_file = NULL, *pos[1];
    bool dry = false;
    const struct cli_opt opts[] = {
        {.name = "site", .value = &site},
        {.name = "path", .value = &path},
        {.name = "csv", .value = &csv},
        {.name = "dir", .value = &dir},
        {.name = "json", .value = &json},
        {.name = "user-from", .value = &from},
        {.name = "password-file", .value = &pw_file},
        {.name = "dry-run", .flag = &dry},
        {.name = NULL},
    };
    struct certmap_config *cfg = NULL;
    struct certmap_collection *coll;
    struct rows rows = {0};
    char *loc = NULL, hex[65];
    size_t npos, i;
    int rc;

    rc = cli_parse(ctx, argc, argv, opts, pos, 0, &npos);
    if (rc == CLI_HELP) {
        fputs(help_import, stdout);
        return CLI_OK;
    }
    if (rc != CLI_OK)
        return rc;
    if (site == NULL)
        return cli_usage(ctx, "--site is required");
    if ((csv != NULL) + (dir != NULL) + (json != NULL) != 1)
        return cli_usage(ctx, "give exactly one of --csv FILE, --dir DIR or --json FILE");
    if ((dir != NULL) != (from != NULL))
        return cli_usage(ctx, "--user-from goes with --dir (and --dir needs it)");
    if (from != NULL && strcmp(from, "cn") != 0 && strcmp(from, "email") != 0 &&
        strcmp(from, "file-name") != 0)
        return cli_usage(ctx, "--user-from '%s': expected cn, email or file-name", from);
    rc = csv != NULL   ? read_csv(ctx, csv, &rows)
         : dir != NULL ? read_dir(ctx, dir, from, &rows)
                       : read_json(ctx, json, &rows);
    if (rc == CLI_OK)
        rc = check_duplicates(ctx, &rows);
    if (rc == CLI_OK)
        rc = read_passwords(ctx, &rows, pw_file);
    if (rc != CLI_OK)
        goto out;
    cfg = cli_open_config(ctx, !dry, &rc);
    if (cfg == NULL)
        goto out;
    loc = cli_location(ctx, cfg, site, path, &rc);
    if (loc == NULL)
        goto out;
    coll = collection_at(ctx, cfg, loc);
    rc = coll != NULL ? add_rows(ctx, coll, &rows, loc) : CLI_INVALID;
    if (rc != CLI_OK)
        goto out;
    if (dry) {
        for (i = 0; i < rows.n; i++)
            printf("would add at '%s': sha256 %s -> %s%s (%s)\n", loc,
                   certmap_hex(rows.v[i].fp, 32, hex), rows.v[i].user,
                   rows.v[i].enabled ? "" : " (disabled)", rows.v[i].source);
        printf("dry run: %zu mapping%s would be added at '%s'; nothing written\n", rows.n,
               rows.n == 1 ? "" : "s", loc);
        goto out;
    }
    rc = cli_commit(ctx, cfg);
    if (rc == CLI_OK)
        printf("imported %zu mapping%s at '%s'\n", rows.n, rows.n == 1 ? "" : "s", loc);
out:
    certmap_config_close(cfg);
    rows_free(&rows);
    free(loc);
    return rc;
}

/* The PEM text of der, malloc'd, or NULL. */
static char *
to_pem(const unsigned char *der, size_t len)
{
    size_t b64len = 4 * ((len + 2) / 3), cap = b64len + b64len / 64 + 64, n = 0;
    unsigned char *b64 = malloc(b64len + 1);
    char *out = malloc(cap);

    if (b64 == NULL || out == NULL || len > 0x7fffffff) {
        free(b64);
        free(out);
        return NULL;
    }
    EVP_EncodeBlock(b64, der, (int)len);
    n += (size_t)snprintf(out, cap, "-----BEGIN CERTIFICATE-----\n");
    for (size_t i = 0; i < b64len; i += 64) {
        size_t k = b64len - i < 64 ? b64len - i : 64;

        memcpy(out + n, b64 + i, k);
        n += k;
        out[n++] = '\n';
    }
    snprintf(out + n, cap - n, "-----END CERTIFICATE-----\n");
    free(b64);
    return out;
}

/* Writes item as one JSON object to f; an exit code (a certificate that does not decode is an
 * error). */
static int
export_item(const struct cli_ctx *ctx, FILE *f, const struct certmap_element *item, bool first)
{
    const char *cert = certmap_element_get(item, "certificate"), *file = NULL;
    struct certmap_cert_info info;
    unsigned char *der = NULL;
    size_t len = 0;
    unsigned line = 0;
    bool enabled = true;
    char *pem = NULL;
    int rc = CLI_INVALID;

    if (cert == NULL || certmap_cert_decode(cert, strlen(cert), &der, &len, NULL) != 0 ||
        certmap_cert_info(der, len, &info, NULL) != 0) {
        certmap_element_source(item, NULL, &file, &line);
        cli_err(ctx,
                "%s:%u: the certificate of this mapping does not decode; repair or remove it "
                "before exporting ('certmap validate')",
                file != NULL ? file : "?", line);
        goto out;
    }
    pem = to_pem(der, len);
    if (pem == NULL) {
        cli_err(ctx, "out of memory");
        rc = CLI_IO;
        goto out;
    }
    certmap_element_get_bool(item, "enabled", &enabled, NULL);
    fprintf(f, "%s\n  {\"certificate\":", first ? "" : ",");
    cli_json_string(f, pem);
    fputs(",\"user\":", f);
    cli_json_string(f, certmap_element_get(item, "userName"));
    fprintf(f, ",\"enabled\":%s,\"sha256\":\"%s\",\"subject\":", enabled ? "true" : "false",
            info.sha256);
    cli_json_string(f, info.subject);
    fprintf(f, ",\"notAfter\":\"%s\"}", info.not_after);
    rc = CLI_OK;
out:
    free(pem);
    free(der);
    return rc;
}

int
cmd_export_mappings(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *site = NULL, *path = NULL, *pos[1];
    bool json = false, first = true;
    const struct cli_opt opts[] = {
        {.name = "site", .value = &site},
        {.name = "path", .value = &path},
        {.name = "json", .flag = &json},
        {.name = NULL},
    };
    struct certmap_config *cfg = NULL;
    struct certmap_collection *coll;
    struct certmap_element *item;
    char *loc = NULL, *buf = NULL;
    size_t npos, i, n, size = 0;
    FILE *mem;
    int rc;

    rc = cli_parse(ctx, argc, argv, opts, pos, 0, &npos);
    if (rc == CLI_HELP) {
        fputs(help_export, stdout);
        return CLI_OK;
    }
    if (rc != CLI_OK)
        return rc;
    if (site == NULL || !json)
        return cli_usage(ctx, "--site and --json are required (JSON is the one export format)");
    cfg = cli_open_location(ctx, false, site, path, &loc, &rc);
    if (cfg == NULL)
        goto out;
    coll = collection_at(ctx, cfg, loc);
    if (coll == NULL) {
        rc = CLI_INVALID;
        goto out;
    }
    /* written to memory first: an error must not leave half an array on stdout */
    mem = open_memstream(&buf, &size);
    if (mem == NULL) {
        cli_err(ctx, "out of memory");
        rc = CLI_IO;
        goto out;
    }
    n = certmap_collection_count(coll);
    fputc('[', mem);
    for (i = 0; i < n && rc == CLI_OK; i++) {
        item = certmap_collection_item(coll, i);
        if (certmap_element_is_inherited(item))
            continue;
        rc = export_item(ctx, mem, item, first);
        first = false;
    }
    fprintf(mem, "%s]\n", first ? "" : "\n");
    if (fclose(mem) != 0 && rc == CLI_OK) {
        cli_err(ctx, "out of memory");
        rc = CLI_IO;
    }
    if (rc != CLI_OK)
        goto out;
    if (fwrite(buf, 1, size, stdout) != size || fflush(stdout) != 0) {
        cli_err(ctx, "standard output: write failed");
        rc = CLI_IO;
    }
out:
    certmap_config_close(cfg);
    free(buf);
    free(loc);
    return rc;
}
