/*
 * check.c - the checks of `certmapd -t` and `certmap validate` (see check.h).
 */
#include "check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>

#include "cert/server.h"
#include "directory.h"
#include "cert/verify.h"
#include "secret/ticketkeys.h"

/* State of one check_view() run. */
struct run {
    const struct certmap_view *v;
    const struct check_options *o;
    time_t now;
    struct certmap_diags *diags;
    const struct check_account *acct; /* the service account; NULL: the current user */
    int failed;                       /* diags could not grow */
    bool each; /* add every finding, also several at one place (the CRLs of one crlFile) */
};

static bool
same_place(const struct certmap_error *a, const struct certmap_error *b)
{
    return a->line == b->line && strcmp(a->file, b->file) == 0 &&
           strcmp(a->element, b->element) == 0 && strcmp(a->attribute, b->attribute) == 0;
}

/* Adds e once per place, at its worst severity (check.h). 0 or -1. */
static int
add_once(struct certmap_diags *diags, enum certmap_severity sev, const struct certmap_error *e)
{
    for (size_t i = 0; i < diags->count; i++) {
        struct certmap_diag *d = &diags->items[i];

        if (!same_place(&d->err, e))
            continue;
        /* a lower enum value is more severe; the first message, often the more precise, stays */
        if (sev < d->severity) {
            if (sev == CERTMAP_SEV_ERROR)
                diags->errors++;
            d->severity = sev;
            d->item = false;
        }
        return 0;
    }
    return certmap_diags_add(diags, sev, e);
}

static void __attribute__((format(printf, 7, 8)))
finding(struct run *r, enum certmap_severity sev, const char *file, unsigned line,
        const char *element, const char *attr, const char *fmt, ...)
{
    struct certmap_error e;
    va_list ap;

    memset(&e, 0, sizeof(e));
    e.kind = CERTMAP_ERR_INVALID;
    snprintf(e.file, sizeof(e.file), "%s", file != NULL ? file : "");
    e.line = line;
    snprintf(e.element, sizeof(e.element), "%s", element != NULL ? element : "");
    snprintf(e.attribute, sizeof(e.attribute), "%s", attr != NULL ? attr : "");
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof(e.message), fmt, ap);
    va_end(ap);
    if ((r->each ? certmap_diags_add(r->diags, sev, &e) : add_once(r->diags, sev, &e)) != 0)
        r->failed = 1;
}

static void
finding_err(struct run *r, enum certmap_severity sev, const struct certmap_error *e)
{
    if (add_once(r->diags, sev, e) != 0)
        r->failed = 1;
}

static const char *
subject_of(X509 *x, char *buf, size_t size)
{
    X509_NAME_oneline(X509_get_subject_name(x), buf, (int)size);
    return buf;
}

/* ---- server certificates ---- */

/* The certificate after which issued, and the file's last one is known to a client. */
static void
check_chain(struct run *r, const struct certmap_binding *b, const struct cert_server *s)
{
    char who[256], by[256];
    X509 *prev = s->cert, *last, *issuer = NULL;
    X509_STORE *sys = NULL;
    X509_STORE_CTX *xs = NULL;
    int i;

    for (i = 0; i < sk_X509_num(s->chain); i++) {
        X509 *x = sk_X509_value(s->chain, i);

        if (X509_check_issued(x, prev) != X509_V_OK) {
            finding(r, CERTMAP_SEV_ERROR, b->src.file, b->src.line, "binding",
                    b->cert_file != NULL ? "certificateFile" : "certificateHash",
                    "%s: certificate %d of the chain (%s) did not issue %s: clients cannot build "
                    "the chain (the file holds the server certificate first, then each issuer "
                    "in turn)",
                    s->path, i + 2, subject_of(x, who, sizeof(who)),
                    subject_of(prev, by, sizeof(by)));
            return;
        }
        prev = x;
    }
    last = prev;
    if (X509_check_issued(last, last) == X509_V_OK)
        return; /* the file ends at a root */
    sys = X509_STORE_new();
    xs = X509_STORE_CTX_new();
    if (sys == NULL || xs == NULL || X509_STORE_set_default_paths(sys) != 1 ||
        X509_STORE_CTX_init(xs, sys, last, NULL) != 1)
        goto out;
    if (X509_STORE_CTX_get1_issuer(&issuer, xs, last) != 1) {
        X509_NAME_oneline(X509_get_issuer_name(last), by, sizeof(by));
        finding(r, CERTMAP_SEV_NOTE, b->src.file, b->src.line, "binding",
                b->cert_file != NULL ? "certificateFile" : "certificateHash",
                "%s: the chain ends at a certificate issued by %s, which the system trust store "
                "does not hold: clients must trust that CA themselves, or the file lacks an "
                "intermediate certificate",
                s->path, by);
    }
out:
    X509_free(issuer);
    X509_STORE_CTX_free(xs);
    X509_STORE_free(sys);
    ERR_clear_error();
}

static void
check_server_dates(struct run *r, const struct certmap_binding *b, const struct cert_server *s)
{
    char who[256];
    time_t now = r->now;

    if (X509_cmp_time(X509_get0_notAfter(s->cert), &now) < 0)
        finding(r, CERTMAP_SEV_WARNING, b->src.file, b->src.line, "binding",
                b->cert_file != NULL ? "certificateFile" : "certificateHash",
                "%s: the server certificate %s has expired: clients refuse the connection", s->path,
                subject_of(s->cert, who, sizeof(who)));
    else if (X509_cmp_time(X509_get0_notBefore(s->cert), &now) > 0)
        finding(r, CERTMAP_SEV_WARNING, b->src.file, b->src.line, "binding",
                b->cert_file != NULL ? "certificateFile" : "certificateHash",
                "%s: the server certificate %s is not valid yet: clients refuse the connection",
                s->path, subject_of(s->cert, who, sizeof(who)));
}

/* ---- files the service account reads ---- */

static bool in_groups(const struct check_account *a, gid_t g);

/* true when the mode bits of st let account a use the permission bits want (4 read, 1 search). */
static bool
may(const struct stat *st, const struct check_account *a, unsigned want)
{
    unsigned bits;

    if (a->uid == 0)
        return true;
    if (st->st_uid == a->uid)
        bits = (st->st_mode >> 6) & 7;
    else if (in_groups(a, st->st_gid))
        bits = (st->st_mode >> 3) & 7;
    else
        bits = st->st_mode & 7;
    return (bits & want) == want;
}

/*
 * A file certmapd reads again at every reload, after the privilege drop:
 * the service account must be able to search every directory above it and
 * read it (mode bits; ACLs are not read).  Only when the configuration
 * names the account: otherwise the loaders above read it as the current
 * user, which is the account certmapd runs as.
 */
static void
check_readable(struct run *r, const char *path, const char *file, unsigned line,
               const char *element, const char *attr)
{
    char dir[PATH_MAX], *slash;
    struct stat st;

    if (r->acct == NULL || path == NULL || path[0] != '/' || strlen(path) >= sizeof(dir))
        return;
    if (stat(path, &st) != 0)
        return; /* the loaders report what does not exist */
    snprintf(dir, sizeof(dir), "%s", path);
    while ((slash = strrchr(dir, '/')) != NULL) {
        struct stat ds;

        if (slash == dir)
            slash[1] = '\0';
        else
            *slash = '\0';
        if (stat(dir, &ds) == 0 && !may(&ds, r->acct, 1)) {
            finding(r, CERTMAP_SEV_ERROR, file, line, element, attr,
                    "%s: the service account %s cannot enter %s (%ld:%ld %03o): certmapd cannot "
                    "read the file after it drops its privileges, and fails at the next reload",
                    path, r->acct->name, dir, (long)ds.st_uid, (long)ds.st_gid,
                    (unsigned)(ds.st_mode & 07777));
            return;
        }
        if (slash == dir)
            break;
    }
    if (!may(&st, r->acct, 4))
        finding(r, CERTMAP_SEV_ERROR, file, line, element, attr,
                "%s: the service account %s cannot read it (%ld:%ld %03o): give the file a group "
                "the account is in (Debian: group ssl-cert for keys, adduser %s ssl-cert)",
                path, r->acct->name, (long)st.st_uid, (long)st.st_gid,
                (unsigned)(st.st_mode & 07777), r->acct->name);
}

static void
check_server_cert(struct run *r, const struct certmap_binding *b)
{
    struct cert_server_conf conf = {
        .cert_file = b->cert_file,
        .key_file = b->key_file,
        .cert_hash = b->cert_hash,
        .store_dir = b->store_dir,
        .src_file = b->src.file,
        .src_line = b->src.line,
    };
    struct certmap_error err = {0};
    struct cert_server s;

    if (cert_server_load(&conf, &s, &err) != 0) {
        finding_err(r, CERTMAP_SEV_ERROR, &err);
        return;
    }
    check_chain(r, b, &s);
    check_server_dates(r, b, &s);
    cert_server_clear(&s);
    check_readable(r, b->cert_file, b->src.file, b->src.line, "binding", "certificateFile");
    check_readable(r, b->key_file, b->src.file, b->src.line, "binding", "certificateKeyFile");
}

/* ---- client certificate trust ---- */

/* The system's default CA file and directory, as OpenSSL finds them (SSL_CERT_FILE/DIR too). */
static void
system_store(char *buf, size_t size)
{
    const char *file = getenv(X509_get_default_cert_file_env());
    const char *dir = getenv(X509_get_default_cert_dir_env());

    snprintf(buf, size, "%s and %s", file != NULL ? file : X509_get_default_cert_file(),
             dir != NULL ? dir : X509_get_default_cert_dir());
}

static bool
requests_cert(const struct certmap_site *site, const struct certmap_binding *b)
{
    return b->client_cert == CERTMAP_CC_ON ||
           (b->client_cert == CERTMAP_CC_AUTO && site->wants_cert);
}

static void
check_trust(struct run *r, const struct certmap_site *site, const struct certmap_binding *b)
{
    struct certmap_error err = {0};
    X509_STORE *store;
    char sys[512];

    if (b->client_ca_file == NULL && requests_cert(site, b)) {
        system_store(sys, sizeof(sys));
        finding(r, CERTMAP_SEV_WARNING, b->src.file, b->src.line, "binding", "clientCaFile",
                "site \"%s\" requests client certificates but names no clientCaFile: every CA of "
                "the system trust store (%s) may issue certificates it accepts",
                site->name, sys);
    }
    if (b->client_ca_file == NULL && b->crl_file == NULL)
        return;
    store = X509_STORE_new();
    if (store == NULL) {
        r->failed = 1;
        return;
    }
    /* the client CA file and the CRLs exactly as the handshake loads them */
    if (cert_load_trust(store, b->client_ca_file, b->crl_file, b->src.file, b->src.line, &err) !=
        0) {
        finding_err(r, CERTMAP_SEV_ERROR, &err);
    } else {
        check_readable(r, b->client_ca_file, b->src.file, b->src.line, "binding", "clientCaFile");
        check_readable(r, b->crl_file, b->src.file, b->src.line, "binding", "crlFile");
        if (b->crl_file != NULL &&
            check_crl(b->crl_file, r->now, certmap_view_server(r->v)->crl_warning_hours,
                      b->src.file, b->src.line, r->diags) != 0)
            r->failed = 1;
    }
    X509_STORE_free(store);
    ERR_clear_error();
}

int
check_crl(const char *crl_file, time_t now, unsigned warn_hours, const char *src_file,
          unsigned src_line, struct certmap_diags *diags)
{
    struct run r = {.diags = diags, .now = now, .each = true};
    struct certmap_error err = {0};
    struct cert_crl_info *list = NULL;
    size_t n = 0, i;
    char when[40];

    if (cert_crl_read(crl_file, &list, &n, src_file, src_line, &err) != 0) {
        finding_err(&r, CERTMAP_SEV_ERROR, &err);
        return r.failed ? -1 : 0;
    }
    for (i = 0; i < n; i++) {
        const struct cert_crl_info *c = &list[i];

        /* one finding per CRL, all at the binding's place */
        if (c->next_update != 0 && c->next_update <= now)
            finding(&r, CERTMAP_SEV_ERROR, src_file, src_line, "binding", "crlFile",
                    "%s: the CRL of %s is past its nextUpdate (%s): every client certificate "
                    "that CA issued is refused with 403.13 until a current CRL is installed",
                    crl_file, c->issuer, cert_time_text(c->next_update, when, sizeof(when)));
        else if (c->next_update != 0 && warn_hours > 0 &&
                 c->next_update - now <= (time_t)warn_hours * 3600)
            finding(&r, CERTMAP_SEV_WARNING, src_file, src_line, "binding", "crlFile",
                    "%s: the CRL of %s reaches its nextUpdate at %s (less than %u hours from "
                    "now; crlWarningHours): install its successor before then, or every client "
                    "certificate that CA issued gets 403.13",
                    crl_file, c->issuer, cert_time_text(c->next_update, when, sizeof(when)),
                    warn_hours);
        else if (c->last_update > now)
            finding(&r, CERTMAP_SEV_WARNING, src_file, src_line, "binding", "crlFile",
                    "%s: the CRL of %s is not valid before %s: client certificates that CA "
                    "issued get 403.13 until then (is the clock right?)",
                    crl_file, c->issuer, cert_time_text(c->last_update, when, sizeof(when)));
    }
    free(list);
    return r.failed ? -1 : 0;
}

/* ---- directories ---- */

static bool
in_groups(const struct check_account *a, gid_t g)
{
    if (a->gid == g)
        return true;
    for (size_t i = 0; i < a->ngroups; i++)
        if (a->groups[i] == g)
            return true;
    return false;
}

/* true when the account (NULL: this process) may create files in the directory st describes. */
static bool
may_write_dir(const char *path, const struct stat *st, const struct check_account *a)
{
    if (a == NULL)
        return faccessat(AT_FDCWD, path, W_OK | X_OK, AT_EACCESS) == 0;
    if (a->uid == 0)
        return true;
    if (st->st_uid == a->uid)
        return (st->st_mode & (S_IWUSR | S_IXUSR)) == (S_IWUSR | S_IXUSR);
    if (in_groups(a, st->st_gid))
        return (st->st_mode & (S_IWGRP | S_IXGRP)) == (S_IWGRP | S_IXGRP);
    return (st->st_mode & (S_IWOTH | S_IXOTH)) == (S_IWOTH | S_IXOTH);
}

/*
 * A log directory: certmapd creates what is missing (mkdir -p), so the
 * nearest existing ancestor must be a directory the service account can
 * write in.
 */
static void
check_log_dir(struct run *r, const char *dir, const struct certmap_source *src, const char *element,
              const char *attr, const char *what)
{
    char path[PATH_MAX], *slash;
    const char *who = r->acct != NULL ? r->acct->name : "the current user";
    struct stat st;

    snprintf(path, sizeof(path), "%s", dir);
    while (stat(path, &st) != 0) {
        if (errno != ENOENT && errno != ENOTDIR) {
            finding(r, CERTMAP_SEV_ERROR, src->file, src->line, element, attr, "%s %s: %s: %s",
                    what, dir, path, strerror(errno));
            return;
        }
        slash = strrchr(path, '/');
        if (slash == NULL || slash == path) {
            snprintf(path, sizeof(path), "/");
            if (stat(path, &st) != 0)
                return;
            break;
        }
        *slash = '\0';
    }
    if (!S_ISDIR(st.st_mode))
        finding(r, CERTMAP_SEV_ERROR, src->file, src->line, element, attr,
                "%s %s: %s is not a directory", what, dir, path);
    else if (!may_write_dir(path, &st, r->acct))
        finding(r, CERTMAP_SEV_ERROR, src->file, src->line, element, attr,
                "%s %s: %s cannot create files in %s%s", what, dir, who, path,
                strcmp(path, dir) != 0 ? " (certmapd creates the missing directories there)" : "");
}

static void
check_logs(struct run *r)
{
    const struct certmap_server_settings *sv = certmap_view_server(r->v);
    struct certmap_source src = {0}, esrc = {0};
    char dir[PATH_MAX], *slash;
    size_t i;

    certmap_view_get(r->v, NULL, CERTMAP_SECTION_SERVER, "logDirectory", &src);
    certmap_view_get(r->v, NULL, CERTMAP_SECTION_SERVER, "errorLog", &esrc);
    if (src.file == NULL)
        src.file = certmap_view_config_path(r->v);
    if (esrc.file == NULL)
        esrc = src;
    if (sv->error_log != NULL) {
        snprintf(dir, sizeof(dir), "%s", sv->error_log);
        slash = strrchr(dir, '/');
        if (slash != NULL && slash != dir)
            *slash = '\0';
        check_log_dir(r, dir, &esrc, "server", "errorLog", "error log directory");
    }
    for (i = 0; i < certmap_view_site_count(r->v); i++) {
        const struct certmap_site *s = certmap_view_site(r->v, i);

        if (s->log_dir == NULL)
            continue;
        snprintf(dir, sizeof(dir), "%s/W3SVC%lu", s->log_dir, s->id);
        /* named where the directory is written: the server's logDirectory unless the site says */
        if (sv->log_dir != NULL && strcmp(s->log_dir, sv->log_dir) == 0)
            check_log_dir(r, dir, &src, "server", "logDirectory", "W3C log directory");
        else
            check_log_dir(r, dir, &s->src, "logFile", "directory", "W3C log directory");
    }
}

static void
check_vdirs(struct run *r, const struct certmap_site *s)
{
    struct stat st;

    for (size_t i = 0; i < s->nvdirs; i++) {
        const struct certmap_vdir *d = &s->vdirs[i];

        if (d->physical == NULL) {
            finding(r, CERTMAP_SEV_ERROR, d->src.file, d->src.line, "virtualDirectory",
                    "physicalPath", "%s: certmapd answers 500 under %s/",
                    d->problem != NULL ? d->problem : "no usable path", d->url);
            continue;
        }
        if (stat(d->physical, &st) != 0)
            finding(r, CERTMAP_SEV_ERROR, d->src.file, d->src.line, "virtualDirectory",
                    "physicalPath", "%s: %s; certmapd answers 500 under %s/", d->physical,
                    strerror(errno), d->url);
        else if (!S_ISDIR(st.st_mode))
            finding(r, CERTMAP_SEV_ERROR, d->src.file, d->src.line, "virtualDirectory",
                    "physicalPath", "%s is not a directory; certmapd answers 500 under %s/",
                    d->physical, d->url);
    }
}

/* ---- listeners ---- */

/* The binding's address in canonical text ("*" for any). */
static void
canon_ip(const char *ip, char *out, size_t size)
{
    unsigned char a[16];

    if (ip[0] == '\0' || strcmp(ip, "*") == 0)
        snprintf(out, size, "*");
    else if (inet_pton(AF_INET, ip, a) == 1)
        inet_ntop(AF_INET, a, out, (socklen_t)size);
    else if (inet_pton(AF_INET6, ip, a) == 1)
        inet_ntop(AF_INET6, a, out, (socklen_t)size);
    else
        snprintf(out, size, "%s", ip);
}

/* b conflicts with an earlier binding o (of site os): one port, two protocols, or the same binding
 * twice. */
static bool
conflict(struct run *r, const struct certmap_binding *b, const struct certmap_binding *o,
         const struct certmap_site *os)
{
    char ib[64], io[64];

    if (b->port != o->port)
        return false;
    if (b->proto != o->proto) {
        /* certmapd opens one listener per port and protocol and refuses to start */
        finding(r, CERTMAP_SEV_ERROR, b->src.file, b->src.line, "binding", "bindingInformation",
                "port %u is bound as %s here and as %s at %s:%u (site \"%s\"): one port speaks "
                "one protocol",
                b->port, b->proto == CERTMAP_BINDING_HTTPS ? "https" : "http",
                o->proto == CERTMAP_BINDING_HTTPS ? "https" : "http", o->src.file, o->src.line,
                os->name);
        return true;
    }
    canon_ip(b->ip, ib, sizeof(ib));
    canon_ip(o->ip, io, sizeof(io));
    if (strcmp(ib, io) == 0 && strcasecmp(b->host, o->host) == 0) {
        finding(r, CERTMAP_SEV_ERROR, b->src.file, b->src.line, "binding", "bindingInformation",
                "%s:%u:%s is already bound at %s:%u (site \"%s\"): requests would all go there",
                b->ip, b->port, b->host, o->src.file, o->src.line, os->name);
        return true;
    }
    return false;
}

static void
check_listeners(struct run *r)
{
    size_t ns = certmap_view_site_count(r->v);

    for (size_t i = 0; i < ns; i++) {
        const struct certmap_site *s = certmap_view_site(r->v, i);

        if (!s->auto_start)
            continue;
        for (size_t j = 0; j < s->nbindings; j++) {
            const struct certmap_binding *b = &s->bindings[j];
            bool found = false;

            /* every earlier binding of every started site, this one's included */
            for (size_t k = 0; k <= i && !found; k++) {
                const struct certmap_site *o = certmap_view_site(r->v, k);
                size_t end = k == i ? j : o->nbindings;

                if (!o->auto_start)
                    continue;
                for (size_t m = 0; m < end && !found; m++)
                    found = conflict(r, b, &o->bindings[m], o);
            }
        }
    }
}

/* The account <certmap><server user group> names, looked up as certmapd's privilege drop does. */
struct named_account {
    struct check_account a;
    char name[256];
    gid_t *groups; /* malloc'd, free()d by the caller */
};

/* 1: acct filled; 0: no user named, or one that does not exist (a finding then). */
static int
named_account(struct run *r, struct named_account *acct)
{
    const struct certmap_server_settings *sv = certmap_view_server(r->v);
    struct certmap_source src = {0};
    struct passwd pw, *pwr = NULL;
    struct group gr, *grr = NULL;
    char buf[16384];
    int n = 64;

    if (sv->user == NULL || sv->user[0] == '\0')
        return 0;
    certmap_view_get(r->v, NULL, CERTMAP_SECTION_SERVER, "user", &src);
    if (src.file == NULL)
        src.file = certmap_view_config_path(r->v);
    if (getpwnam_r(sv->user, &pw, buf, sizeof(buf), &pwr) != 0 || pwr == NULL) {
        finding(r, CERTMAP_SEV_ERROR, src.file, src.line, "server", "user",
                "no user \"%s\": certmapd started as root cannot drop its privileges to it",
                sv->user);
        return 0;
    }
    snprintf(acct->name, sizeof(acct->name), "%s", sv->user);
    acct->a.name = acct->name;
    acct->a.uid = pw.pw_uid;
    acct->a.gid = pw.pw_gid;
    if (sv->group != NULL && sv->group[0] != '\0') {
        if (getgrnam_r(sv->group, &gr, buf, sizeof(buf), &grr) != 0 || grr == NULL) {
            finding(r, CERTMAP_SEV_ERROR, src.file, src.line, "server", "group",
                    "no group \"%s\": certmapd started as root cannot drop its privileges to it",
                    sv->group);
            return 0;
        }
        acct->a.gid = gr.gr_gid;
    }
    /* the supplementary groups of the user, as initgroups(3) gives them at the drop */
    for (;;) {
        int want = n;
        gid_t *g = realloc(acct->groups, (size_t)want * sizeof(*g));

        if (g == NULL) {
            r->failed = 1;
            return 0;
        }
        acct->groups = g;
        if (getgrouplist(sv->user, acct->a.gid, g, &n) >= 0)
            break;
        /* -1: n is now the count needed (glibc); grow to it, within the kernel's limit */
        if (n <= want)
            n = want * 2;
        if (n > 65536) {
            n = 0; /* judge by the primary group alone */
            break;
        }
    }
    acct->a.groups = acct->groups;
    acct->a.ngroups = (size_t)n;
    return 1;
}

/* <server ticketKeyFile>: read as certmapd reads it, so a bad line or mode stops -t too. */
static void
check_ticket_keys(struct run *r)
{
    const struct certmap_server_settings *sv = certmap_view_server(r->v);
    struct ticketkeys keys;
    struct certmap_error e = {0};

    if (sv->ticket_key_file == NULL)
        return;
    if (ticketkeys_load(sv->ticket_key_file, &keys, &e) != 0) {
        snprintf(e.element, sizeof(e.element), "%s", "server");
        snprintf(e.attribute, sizeof(e.attribute), "%s", "ticketKeyFile");
        finding_err(r, CERTMAP_SEV_ERROR, &e);
    } else {
        /* certmapd reads it again at every change, after the privilege drop */
        check_readable(r, sv->ticket_key_file, sv->ticket_key_src.file, sv->ticket_key_src.line,
                       "server", "ticketKeyFile");
    }
    ticketkeys_clear(&keys);
}

/* ---- <certmap><directory> ---- */

/* Where attribute attr of <certmap><directory> is written (the element's line when it is not). */
static void
dir_src(struct run *r, const char *attr, struct certmap_source *src)
{
    const struct certmap_directory_settings *d = certmap_view_server(r->v)->directory;

    memset(src, 0, sizeof(*src));
    if (certmap_view_get(r->v, NULL, CERTMAP_SECTION_DIRECTORY, attr, src) == NULL ||
        src->file == NULL)
        *src = d->src;
    if (src->file == NULL)
        src->file = certmap_view_config_path(r->v);
}

static bool
loopback_host(const char *h)
{
    return strcmp(h, "localhost") == 0 || strncmp(h, "127.", 4) == 0 || strcmp(h, "::1") == 0 ||
           strcmp(h, "[::1]") == 0;
}

static void
check_dir_uri(struct run *r, const struct certmap_directory_settings *d)
{
    struct certmap_source src;
    char host[256], why[512];

    dir_src(r, "uri", &src);
    if (dir_uri_check(d->uri, host, sizeof(host), why, sizeof(why)) != 0) {
        finding(r, CERTMAP_SEV_ERROR, src.file, src.line, "directory", "uri", "%s", why);
        return;
    }
    /* the bind password would cross the network in clear */
    if (strncasecmp(d->uri, "ldap://", 7) == 0 && !d->start_tls && !loopback_host(host))
        finding(r, CERTMAP_SEV_WARNING, src.file, src.line, "directory", "startTls",
                "startTls=\"false\" on %s, which is not loopback: the bind and every answer "
                "travel in clear; use ldaps:// or StartTLS",
                host);
    dir_src(r, "baseDn", &src);
    if (d->base_dn[0] != '\0' && dir_dn_check(d->base_dn) != 0)
        finding(r, CERTMAP_SEV_ERROR, src.file, src.line, "directory", "baseDn",
                "\"%s\" is not a distinguished name (RFC 4514)", d->base_dn);
}

/*
 * bindPasswordFile: a secret the service account reads at every new
 * connection.  Group or other write access, or any other access, exposes or
 * lets someone replace it: an error, as for certmap.key.
 */
static void
check_dir_password(struct run *r, const struct certmap_directory_settings *d)
{
    const char *path = d->bind_password_file;
    struct certmap_error e = {0};
    struct certmap_source src;
    struct stat st;
    char *pw;

    if (path == NULL)
        return;
    dir_src(r, "bindPasswordFile", &src);
    if (stat(path, &st) != 0) {
        finding(r, CERTMAP_SEV_ERROR, src.file, src.line, "directory", "bindPasswordFile",
                "%s: %s: certmapd cannot bind to the directory", path, strerror(errno));
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        finding(r, CERTMAP_SEV_ERROR, src.file, src.line, "directory", "bindPasswordFile",
                "%s is not a regular file", path);
        return;
    }
    if ((st.st_mode & 027) != 0) {
        finding(r, CERTMAP_SEV_ERROR, src.file, src.line, "directory", "bindPasswordFile",
                "%s: mode %04o: the bind password is open to %s; it must be 0600 or 0640 "
                "(chmod 600 '%s')",
                path, (unsigned)(st.st_mode & 07777),
                (st.st_mode & 07) != 0 ? "every user" : "writes by its group", path);
        return;
    }
    if (r->acct != NULL) {
        check_readable(r, path, src.file, src.line, "directory", "bindPasswordFile");
    } else if (access(path, R_OK) != 0) {
        finding(r, CERTMAP_SEV_ERROR, src.file, src.line, "directory", "bindPasswordFile",
                "%s: %s (certmapd reads it as the user running this check)", path, strerror(errno));
        return;
    }
    /* what dir_conn_open() sends, read the same way */
    pw = access(path, R_OK) == 0 ? dir_password_read(path, &e) : NULL;
    if (pw != NULL) {
        OPENSSL_cleanse(pw, strlen(pw));
        free(pw);
    } else if (e.message[0] != '\0') {
        finding(r, CERTMAP_SEV_ERROR, src.file, src.line, "directory", "bindPasswordFile", "%s: %s",
                path, e.message);
    }
}

static void
check_dir_ca(struct run *r, const struct certmap_directory_settings *d)
{
    struct certmap_error e = {0};
    struct certmap_source src;
    X509_STORE *store;

    if (d->ca_file == NULL)
        return;
    dir_src(r, "caFile", &src);
    store = X509_STORE_new();
    if (store == NULL) {
        r->failed = 1;
        return;
    }
    if (cert_load_trust(store, d->ca_file, NULL, src.file, src.line, &e) != 0) {
        snprintf(e.element, sizeof(e.element), "%s", "directory");
        snprintf(e.attribute, sizeof(e.attribute), "%s", "caFile");
        finding_err(r, CERTMAP_SEV_ERROR, &e);
    } else {
        check_readable(r, d->ca_file, src.file, src.line, "directory", "caFile");
    }
    X509_STORE_free(store);
    ERR_clear_error();
}

/* check_options.directory: bind and search once. */
static void
check_dir_live(struct run *r, const struct certmap_directory_settings *d)
{
    struct certmap_error e = {0};
    struct certmap_source src;
    bool holders = false;

    dir_src(r, "uri", &src);
    switch (dir_check_live(d, &holders, &e)) {
    case DIR_CHECK_OK:
        if (!holders)
            finding(r, CERTMAP_SEV_NOTE, src.file, src.line, "directory", "uri",
                    "bound to %s; no entry under %s holds %s (or the bind DN may not read it): "
                    "nobody is mapped yet",
                    d->uri, d->base_dn,
                    d->mode == CERTMAP_DIR_USER_CERTIFICATE ? "userCertificate"
                                                            : d->mapping_attribute);
        break;
    case DIR_CHECK_UNREACHABLE:
        finding(r, CERTMAP_SEV_WARNING, src.file, src.line, "directory", "uri",
                "directory unreachable: %s; certmapd starts and answers 503 (Retry-After) for "
                "certificates it has no cached answer for until the directory answers",
                e.message);
        break;
    case DIR_CHECK_REFUSED:
        finding(r, CERTMAP_SEV_ERROR, src.file, src.line, "directory", "uri",
                "the directory refuses: %s", e.message);
        break;
    }
}

static void
check_directory(struct run *r)
{
    const struct certmap_directory_settings *d = certmap_view_server(r->v)->directory;

    if (d == NULL)
        return;
    check_dir_uri(r, d);
    check_dir_password(r, d);
    check_dir_ca(r, d);
    if (r->o->directory)
        check_dir_live(r, d);
}

int
check_view(const struct certmap_view *v, const struct check_options *opts,
           struct certmap_diags *diags)
{
    struct named_account named = {.groups = NULL};
    const struct check_options none = {0};
    struct run r = {.v = v, .o = opts != NULL ? opts : &none, .diags = diags};
    size_t i, j;

    r.now = r.o->now != 0 ? r.o->now : time(NULL);
    r.acct = r.o->service;
    if (r.acct == NULL && named_account(&r, &named) == 1)
        r.acct = &named.a;
    for (i = 0; i < certmap_view_site_count(v); i++) {
        const struct certmap_site *s = certmap_view_site(v, i);

        check_vdirs(&r, s);
        if (!s->auto_start)
            continue;
        for (j = 0; j < s->nbindings; j++) {
            if (s->bindings[j].proto != CERTMAP_BINDING_HTTPS)
                continue;
            check_server_cert(&r, &s->bindings[j]);
            check_trust(&r, s, &s->bindings[j]);
        }
    }
    check_logs(&r);
    check_listeners(&r);
    /* both read the service account's groups: named.groups is freed after them */
    check_ticket_keys(&r);
    check_directory(&r);
    free(named.groups);
    return r.failed ? -1 : 0;
}
