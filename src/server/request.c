/*
 * request.c - routes, checks, authenticates and answers one request.
 */
#include "request.h"

#include "codec.h"
#include "dirsvc.h"
#include "respond.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "authz.h"
#include "errlog.h"
#include "fileacct.h"
#include "fsid.h"
#include "http_chunked.h"
#include "fastcgi.h"
#include "identity.h"
#include "proxy.h"
#include "rewrite.h"
#include "svars.h"
#include "ssi.h"
#include "static.h"
#include "tls.h"
#include "urlrewrite.h"
#include "w3clog.h"

static struct http_request *
cur(struct conn *c)
{
    return &c->w->req;
}

/* Room kept for the head of a 200/206 whose body comes from the file cache (heads are < 600 B). */
#define RESPONSE_HEAD_ROOM 1024

static void
header_value(const struct http_request *req, const char *name, const char **v, size_t *len)
{
    const struct http_header *h = http_find_header(req, name);

    *v = h != NULL ? h->value : NULL;
    *len = h != NULL ? h->value_len : 0;
}

/*
 * Answers from a static_resolve() result; takes res->fd.  path is the
 * decoded, normalised request path: a 301 to the directory's slash is built
 * from it, never from the raw target, where "//host" would make the Location
 * a protocol-relative URL naming another host.
 */
static void
respond_static(struct conn *c, const char *path, size_t path_len, struct static_result *res)
{
    struct http_request *req = cur(c);
    struct response r;
    size_t room, loc_len;
    bool head = respond_is_head(c);
    uint32_t start = c->wlen;

    if (res->status >= 400 && res->status != 416) {
        if (res->fd >= 0)
            close(res->fd);
        respond_error(c, res->status, res->substatus, NULL);
        return;
    }
    memset(&r, 0, sizeof(r));
    r.status = res->status;
    r.substatus = res->substatus;
    r.file_fd = -1;
    r.etag = res->etag;
    r.last_modified = res->last_modified;
    r.content_range = res->content_range;
    r.accept_ranges = res->status == 200 || res->status == 206 || res->status == 304;
    c->log.status = res->status;
    c->log.substatus = res->substatus;
    if (res->status == 301) {
        /* built from the normalised path, never the raw target ("//host" would leave the site) */
        if (codec_url_path_encode(path, path_len, c->w->location, sizeof(c->w->location),
                                  &loc_len) != 0) {
            respond_error(c, 414, 0, NULL);
            return;
        }
        r.location = c->w->location;
        r.location_len = loc_len;
        r.location_query = req->query;
        r.location_query_len = req->query_len;
        r.content_length = 0;
    } else if (res->status == 304) {
        r.content_length = -1;
    } else if (res->status == 416) {
        r.content_length = 0;
    } else {
        r.content_type = res->content_type;
        r.content_length = res->length;
    }
    if (respond_queue(c, &r, true) != 0) {
        if (res->fd >= 0)
            close(res->fd);
        c->close_after = true;
        return;
    }
    if (res->body != NULL && !head && res->length > 0) {
        /* From the cache: sized to fit after the head, checked again. */
        if ((off_t)(c->wcap - c->wlen) < res->length) {
            c->close_after = true;
            c->wlen = start;
            return;
        }
        memcpy(c->wbuf + c->wlen, res->body + res->offset, (size_t)res->length);
        c->wlen += (uint32_t)res->length;
        return;
    }
    if (head || res->fd < 0 || res->length == 0) {
        if (res->fd >= 0)
            close(res->fd);
        return;
    }
    /* The file: what fits goes with the head (one write), the rest streams. */
    room = c->wcap - c->wlen;
    if ((off_t)room >= res->length) {
        ssize_t n = pread(res->fd, c->wbuf + c->wlen, (size_t)res->length, res->offset);
        if (n == (ssize_t)res->length) {
            c->wlen += (uint32_t)n;
            close(res->fd);
            return;
        }
    }
    c->file_fd = res->fd;
    c->file_off = res->offset;
    c->file_left = res->length;
}

/* The enabled mapping of the connection's certificate in idx, computed once per connection. */
static const struct mapping *
lookup_mapping(struct conn *c, X509 *cert, const struct mapping_index *idx)
{
    unsigned char *p = c->w->der;
    int len;

    if (c->mc_valid && c->mc_index == idx)
        return c->mc_mapping;
    len = i2d_X509(cert, NULL);
    c->mc_mapping = NULL;
    if (len > 0 && (size_t)len <= sizeof(c->w->der) && i2d_X509(cert, &p) == len)
        c->mc_mapping = mapping_index_lookup(idx, c->w->der, (size_t)len);
    c->mc_index = idx;
    c->mc_valid = true;
    c->mc_logon = DECIDE_LOGON_UNKNOWN;
    return c->mc_mapping;
}

/* Remembers the logon result of the connection's mapping under loc's logon settings. */
static void
cache_cert_logon(struct conn *c, int result, const struct certmap_settings *loc)
{
    const struct logon_settings *ls = &c->snap->logon_settings;
    unsigned secs = result == LOGON_OK ? ls->cache_seconds : ls->negative_cache_seconds;

    if (secs == 0)
        return;
    c->mc_logon = result;
    c->mc_logon_exp = c->w->now_ms + (uint64_t)secs * 1000;
    c->mc_logon_domain = loc->cm_domain;
}

/* The logon result of the mapping for this request: pending, per-connection cache, shared cache. */
static int
cert_logon_result(struct conn *c, const struct mapping *m, const struct certmap_settings *loc)
{
    char name[PIPELINE_LOGON_NAME_MAX];
    enum logon_result r;

    if (c->pending_kind == DECIDE_AUTH_CERTIFICATE && c->pending_result != DECIDE_LOGON_UNKNOWN)
        return c->pending_result;
    if (c->mc_logon != DECIDE_LOGON_UNKNOWN && c->w->now_ms < c->mc_logon_exp &&
        strcmp(c->mc_logon_domain, loc->cm_domain) == 0)
        return c->mc_logon;
    if (c->snap->logon == NULL)
        return LOGON_ERROR;
    if (logon_names(m->user, loc->cm_domain, name, sizeof(name), NULL, 0) != 0)
        return DECIDE_LOGON_UNKNOWN; /* decide_auth() refuses the name */
    if (logon_cached(c->snap->logon, name, m->password, &r)) {
        cache_cert_logon(c, (int)r, loc);
        return (int)r;
    }
    return DECIDE_LOGON_UNKNOWN;
}

/*
 * decide_many_to_one() for the connection's certificate, matched once per
 * connection and rule set (the rules are walked for every mapping, so a
 * keep-alive connection does not repeat it).  true when a mapping matched.
 */
static bool
lookup_many_to_one(struct conn *c, X509 *cert, struct decide_auth_in *in)
{
    const struct m2o_set *set = in->loc->many_to_one;

    if (in->mapping != NULL || set == NULL)
        return false;
    if (!c->m2o_valid || c->m2o_set != set) {
        c->m2o_found = decide_many_to_one(in, cert, NULL) ? in->many_to_one : NULL;
        c->m2o_set = set;
        c->m2o_valid = true;
        return c->m2o_found != NULL;
    }
    if (c->m2o_found == NULL)
        return false;
    in->many_to_one = c->m2o_found;
    in->mapping = &c->m2o_found->base;
    return true;
}

/*
 * The logon result of a many-to-one mapping: pending or the shared cache
 * only.  The per-connection cache (mc_logon) belongs to the one-to-one
 * lookup of the connection, so it is neither read nor written here.
 */
static int
m2o_logon_result(struct conn *c, const struct mapping *m, const struct certmap_settings *loc)
{
    char name[PIPELINE_LOGON_NAME_MAX];
    enum logon_result r;

    if (c->pending_kind == DECIDE_AUTH_CERTIFICATE && c->pending_result != DECIDE_LOGON_UNKNOWN)
        return c->pending_result;
    if (c->snap->logon == NULL)
        return LOGON_ERROR;
    if (logon_names(m->user, loc->cm_domain, name, sizeof(name), NULL, 0) != 0)
        return DECIDE_LOGON_UNKNOWN; /* decide_auth() refuses the name */
    if (logon_cached(c->snap->logon, name, m->password, &r))
        return (int)r;
    return DECIDE_LOGON_UNKNOWN;
}

static int
basic_logon_result(struct conn *c, const char *user, const char *password)
{
    enum logon_result r;

    if (c->pending_kind == DECIDE_AUTH_BASIC && c->pending_result != DECIDE_LOGON_UNKNOWN)
        return c->pending_result;
    if (c->snap->logon == NULL)
        return LOGON_ERROR;
    if (logon_cached(c->snap->logon, user, password, &r))
        return (int)r;
    return DECIDE_LOGON_UNKNOWN;
}

/* A job of c's worker for a logon of kind, listed in w->jobs; NULL when out of memory. */
static struct logon_job *
job_new(struct conn *c, int kind, bool timed)
{
    struct worker *w = c->w;
    struct logon_job *job = calloc(1, sizeof(*job));

    if (job == NULL)
        return NULL;
    job->w = w;
    job->cl = &c->wc;
    job->kind = kind;
    job->result = LOGON_ERROR;
    job->start_usec = timed ? metrics_now_usec() : 0;
    job->cred_state = -1;
    job->all_next = w->jobs;
    if (w->jobs != NULL)
        w->jobs->all_prev = job;
    w->jobs = job;
    return job;
}

/* Takes back a job_new() the pool refused (it is first in w->jobs). */
static void
job_refused(struct worker *w, struct logon_job *job)
{
    w->jobs = job->all_next;
    if (w->jobs != NULL)
        w->jobs->all_prev = NULL;
    free(job);
}

/*
 * Queues a logon on the pool (a group lookup of user when password is NULL);
 * the request resumes when its result arrives. 0 or -1.
 */
static int
start_logon(struct conn *c, int kind, const char *user, const char *password)
{
    struct logon_job *job;

    if (c->snap->logon == NULL)
        return -1;
    job = job_new(c, kind, password != NULL); /* group lookups: no logon to time */
    if (job == NULL)
        return -1;
    if ((password != NULL
             ? logon_submit(c->snap->logon, user, password, worker_logon_done, job)
             : logon_submit_groups(c->snap->logon, user, worker_logon_done, job)) != 0) {
        job_refused(c->w, job);
        return -1;
    }
    c->job = job;
    return 0;
}

/*
 * Queues a lookup of the credentials of name on the pool (NSS may block
 * there, never here); the request resumes when its answer is handed over
 * (on_logon() keeps it in c->cred_*, file_account() reads it).  0 or -1.
 */
static int
start_cred_lookup(struct conn *c, const char *name)
{
    struct logon_job *job;
    char *copy;

    if (c->snap->logon == NULL)
        return -1;
    copy = strdup(name);
    if (copy == NULL)
        return -1;
    job = job_new(c, DECIDE_AUTH_NONE, false);
    if (job == NULL) {
        free(copy);
        return -1;
    }
    if (logon_submit_cred(c->snap->logon, name, worker_cred_done, job) != 0) {
        job_refused(c->w, job);
        free(copy);
        return -1;
    }
    free(c->cred_user);
    free(c->cred);
    c->cred_user = copy;
    c->cred_state = LOGON_CRED_MISS;
    c->cred = NULL;
    c->job = job;
    return 0;
}

struct auth_ctx {
    X509 *cert;
    long verify;
    char basic_user[PIPELINE_CRED_MAX];
    char basic_pass[PIPELINE_CRED_MAX];
};

/* What admission found out, for the handler. */
struct req_ctx {
    const struct snap_site *site;
    const struct certmap_scope *scope;  /* the scope of the path (view) */
    const struct certmap_settings *loc; /* scope->settings */
    const char *path;                   /* decoded, normalised */
    size_t path_len;
    const char *host; /* Host name without port, NULL when none */
    size_t host_len;
    enum decide_auth_kind auth;
    char user[PIPELINE_LOGON_NAME_MAX];    /* logon name when authenticated ("user@DOMAIN") */
    char display[PIPELINE_LOGON_NAME_MAX]; /* the same as IIS shows it ("DOMAIN\\user") */
    X509 *cert;                            /* certificate the location uses, NULL if none */
    long verify;
    bool logon;     /* a logon was started: the request waits for its result */
    bool abort;     /* ipSecurity AbortRequest: close without a response (nothing queued) */
    bool need_cert; /* the scope needs a certificate the connection can still be asked for */
    const struct snap_binding *binding; /* the binding the request was routed to */
    const char *query;                  /* query of the path served (rewritten or the request's),
                                           NULL when none */
    size_t query_len;
    /* URL Rewrite: the outcome, and the server variables the rules set (HTTP_* ones are request
       headers for the handler, as IIS passes them on); freed when the request is done */
    struct rewrite_state rw;
    struct dir_answer dir; /* the directory's answer for the certificate (owned; cleared after) */
};

/* The pool thread's answer goes to the worker as a logon result (its int is an enum dir_status). */
static void
on_directory_done(void *arg, int status)
{
    worker_logon_done(arg, (enum logon_result)status);
}

/* Queues the directory lookup of q; the request resumes when it is answered.  0 or -1. */
static int
start_directory(struct conn *c, const struct dir_query *q)
{
    struct worker *w = c->w;
    struct logon_job *job = calloc(1, sizeof(*job));

    if (job == NULL)
        return -1;
    job->w = w;
    job->cl = &c->wc;
    job->kind = DECIDE_AUTH_DIRECTORY;
    job->result = DIR_UNAVAILABLE;
    job->all_next = w->jobs;
    if (w->jobs != NULL)
        w->jobs->all_prev = job;
    w->jobs = job;
    if (directory_submit(dirsvc_dir(c->snap->dir), q, on_directory_done, job) != 0) {
        w->jobs = job->all_next;
        if (w->jobs != NULL)
            w->jobs->all_prev = NULL;
        free(job);
        return -1;
    }
    c->job = job;
    return 0;
}

/* Says once per interval that the directory cannot be reached, and what it means. */
static void
report_directory_down(struct conn *c)
{
    char why[512];

    if (directory_should_report(dirsvc_dir(c->snap->dir), 60, why, sizeof(why)))
        errlog_printf(ERRLOG_ERROR,
                      "directory unreachable: %s; cached mappings serve for up to "
                      "maxStaleSeconds=%u, other certificates get 503",
                      why, dirsvc_settings(c->snap->dir)->max_stale_seconds);
}

/*
 * c->dc_key for cert: its DER encoded and hashed once per certificate of the
 * connection, not for every keep-alive request.  0, or -1 when it does not
 * encode.
 */
static int
dir_key(struct conn *c, X509 *cert)
{
    unsigned char *p = c->w->der;
    int len;

    if (c->dc_cert == cert)
        return 0;
    c->dc_cert = NULL;
    len = i2d_X509(cert, NULL);
    if (len <= 0 || (size_t)len > sizeof(c->w->der) || i2d_X509(cert, &p) != len)
        return -1;
    if (EVP_Digest(c->w->der, (size_t)len, c->dc_key, NULL, EVP_sha256(), NULL) != 1)
        return -1;
    c->dc_cert = cert;
    return 0;
}

/*
 * true when c holds the directory's answer for cert from its current
 * directory service and the directory's own cache would still answer it as
 * fresh; an answer past that is dropped here, so that a change in the
 * directory takes effect within cacheSeconds on a keep-alive connection too.
 */
static bool
dir_kept(struct conn *c, X509 *cert)
{
    if (c->dc_ans == NULL)
        return false;
    if (c->dc_cert == cert && c->dc_svc == c->snap->dir && worker_now_ms() < c->dc_until)
        return true;
    dir_answer_clear(c->dc_ans);
    free(c->dc_ans);
    c->dc_ans = NULL;
    return false;
}

/*
 * Keeps a copy of a on c until fresh_until (directory_cached()'s: 0 for a
 * stale answer or a 503 verdict, which are asked for again every request so
 * that the directory's staleness rules and probes keep applying).  Out of
 * memory: nothing is kept, the next request asks the directory's cache.
 */
static void
dir_keep(struct conn *c, const struct dir_answer *a, uint64_t fresh_until)
{
    struct dir_answer *k;

    if (fresh_until == 0 || a->stale || a->status == DIR_UNAVAILABLE)
        return;
    k = malloc(sizeof(*k));
    if (k == NULL)
        return;
    if (dir_answer_copy(k, a) != 0) {
        free(k);
        return;
    }
    dir_answer_clear(c->dc_ans);
    free(c->dc_ans);
    c->dc_ans = k;
    c->dc_svc = c->snap->dir;
    c->dc_until = fresh_until;
}

/*
 * The directory's answer for cert into rc->dir: the connection's copy, the
 * cache (or the lookup just delivered for this request), else a lookup is
 * queued.  1 when answered, 0 when a lookup was queued (stop here), -1 when
 * none could be (answer 503).
 */
static int
directory_answer(struct conn *c, X509 *cert, struct req_ctx *rc)
{
    struct directory *d = dirsvc_dir(c->snap->dir);
    const struct certmap_directory_settings *s = dirsvc_settings(c->snap->dir);
    /*
     * Its lookup just delivered, or this request ran again after another wait
     * (the file account's lookup): the answer it already had, not counted as a
     * second cache hit nor looked up again when cacheSeconds is 0.
     */
    bool just_done = c->pending_kind == DECIDE_AUTH_DIRECTORY || c->dir_answered;
    struct certmap_error err = {0};
    unsigned char *p = c->w->der;
    struct dir_query q;
    uint64_t fresh_until;
    int len, ret = -1;

    if (dir_kept(c, cert)) {
        if (dir_answer_copy(&rc->dir, c->dc_ans) != 0)
            return -1;
        if (!just_done)
            directory_count_hit(d);
        c->dir_answered = true;
        return 1;
    }
    if (dir_key(c, cert) != 0)
        return -1;
    if (directory_cached(d, c->dc_key, just_done, &rc->dir, &fresh_until) == 1) {
        if (rc->dir.stale || rc->dir.status == DIR_UNAVAILABLE)
            report_directory_down(c);
        else
            dir_keep(c, &rc->dir, fresh_until);
        c->dir_answered = true;
        return 1;
    }
    if (just_done) {
        /* answered, but gone from the cache already (evicted): a server-side failure */
        rc->dir.status = DIR_UNAVAILABLE;
        snprintf(rc->dir.why, sizeof(rc->dir.why), "the directory's answer was lost");
        return 1;
    }
    /* a miss: the query needs the DER itself (the key alone was kept) */
    len = i2d_X509(cert, NULL);
    if (len <= 0 || (size_t)len > sizeof(c->w->der) || i2d_X509(cert, &p) != len)
        return -1;
    if (dir_query_init(&q, cert, c->w->der, (size_t)len, s, &err) != 0) {
        errlog_printf(ERRLOG_ERROR, "directory lookup: %s", err.message);
        return -1;
    }
    if (start_directory(c, &q) == 0) {
        rc->logon = true;
        ret = 0;
    } else {
        errlog_printf(ERRLOG_ERROR, "directory lookup could not be queued");
    }
    dir_query_clear(&q);
    return ret;
}

/*
 * The error log's explanation of a refusal, one line at level info: who
 * (certificate subject, issuer, SHA-256), why (the step that refused, from
 * the decisions' own trace), where (the scope) and by which setting.
 */
static void
explain_refusal(const struct req_ctx *rc, X509 *cert, int status, int substatus,
                const struct decide_trace *t)
{
    const struct decide_step *last = t->n > 0 ? &t->step[t->n - 1] : NULL;
    char subject[256] = "-", issuer[256] = "-", fp[65] = "-", rule[300] = "-", why[1024];
    char what[64];
    unsigned char md[32];
    unsigned int mdlen = 0;
    size_t i, n = 0;

    if (cert != NULL) {
        X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof(subject));
        X509_NAME_oneline(X509_get_issuer_name(cert), issuer, sizeof(issuer));
        if (X509_digest(cert, EVP_sha256(), md, &mdlen) == 1 && mdlen == sizeof(md))
            codec_hex_encode(md, sizeof(md), fp, CODEC_LOWER);
    }
    why[0] = '\0';
    for (i = 0; i < t->n && n < sizeof(why); i++)
        n += (size_t)snprintf(why + n, sizeof(why) - n, "%s%s: %s", i > 0 ? "; " : "",
                              t->step[i].step, t->step[i].result);
    if (last != NULL && last->src.file != NULL)
        snprintf(rule, sizeof(rule), "%s:%u", last->src.file, last->src.line);
    if (status != 0)
        snprintf(what, sizeof(what), "refused %d.%d", status, substatus);
    else
        snprintf(what, sizeof(what), "aborted (no answer)");
    errlog_printf(ERRLOG_INFO,
                  "%s: site \"%s\" path %s scope \"%s\"; subject \"%s\" issuer \"%s\" "
                  "sha256 %s; %s; rule %s",
                  what, rc->site->name, rc->path, rc->scope->path_len > 0 ? rc->scope->path : "/",
                  subject, issuer, fp, t->n > 0 ? why : "-", rule);
}

/*
 * Authentication.  Returns 1 when authenticated, 0 when a response or a
 * logon was queued (stop here).
 */
static int
authenticate(struct conn *c, struct req_ctx *rc, struct auth_ctx *a)
{
    const struct certmap_settings *loc = rc->loc;
    const char *host = rc->host;
    size_t host_len = rc->host_len;
    const struct snap_site *site = rc->site;
    struct http_request *req = cur(c);
    struct decide_auth_in in;
    struct decide_auth_out out;
    enum decide_auth_result r;
    const struct http_header *h;
    char realm_buf[256];
    int prc;

    memset(&in, 0, sizeof(in));
    in.loc = loc;
    in.tls = c->ssl != NULL;
    in.basic_without_ssl = c->snap->sv->basic_without_ssl;
    in.cert_logon = DECIDE_LOGON_UNKNOWN;
    in.basic_logon = DECIDE_LOGON_UNKNOWN;
    if (loc->cm_enabled && loc->cm_one_to_one && loc->mappings != NULL && a->cert != NULL &&
        a->verify == X509_V_OK) {
        in.mapping = lookup_mapping(c, a->cert, loc->mappings);
        if (in.mapping != NULL)
            in.cert_logon = cert_logon_result(c, in.mapping, loc);
    }
    if (a->cert != NULL && a->verify == X509_V_OK && lookup_many_to_one(c, a->cert, &in) &&
        !in.many_to_one->deny)
        in.cert_logon = m2o_logon_result(c, in.mapping, loc);
    if (in.mapping == NULL && loc->basic_enabled) {
        h = http_find_header(req, "Authorization");
        if (h != NULL) {
            prc = pipeline_parse_basic(h->value, h->value_len, a->basic_user, sizeof(a->basic_user),
                                       a->basic_pass, sizeof(a->basic_pass));
            if (prc == 0) {
                in.basic_user = a->basic_user;
                in.basic_password = a->basic_pass;
            } else if (prc < 0) {
                in.basic_malformed = true;
            }
        }
    }
    in.cert = a->cert != NULL && a->verify == X509_V_OK;
    in.dir_status = DECIDE_DIR_UNKNOWN;
    if (loc->dir_enabled && in.cert && in.mapping == NULL) {
        int dr = c->snap->dir != NULL ? directory_answer(c, a->cert, rc) : -1;
        if (dr == 0)
            return 0;
        if (dr < 0) {
            rc->dir.status = DIR_UNAVAILABLE;
            snprintf(rc->dir.why, sizeof(rc->dir.why), "no directory lookup could be made");
        }
        in.dir_status = (int)rc->dir.status;
        in.dir_user = rc->dir.user;
        in.dir_why = rc->dir.why;
        in.dir_retry =
            c->snap->dir != NULL ? dirsvc_settings(c->snap->dir)->retry_after_seconds : 10;
    }
    r = decide_auth(&in, &out, NULL);
    if (r == DECIDE_AUTH_NEED_LOGON && out.kind == DECIDE_AUTH_BASIC) {
        in.basic_logon = basic_logon_result(c, out.user, out.password);
        if (in.basic_logon != DECIDE_LOGON_UNKNOWN)
            r = decide_auth(&in, &out, NULL);
    }
    if (r == DECIDE_AUTH_NEED_LOGON) {
        if (start_logon(c, (int)out.kind, out.user, out.password) == 0) {
            rc->logon = true;
            return 0;
        }
        errlog_printf(ERRLOG_ERROR, "logon of %s could not be queued", out.user);
        respond_error(c, 500, 0, NULL);
        return 0;
    }
    if (out.kind == DECIDE_AUTH_CERTIFICATE && c->pending_kind == DECIDE_AUTH_CERTIFICATE &&
        in.many_to_one == NULL)
        cache_cert_logon(c, c->pending_result, loc);
    if (r == DECIDE_AUTH_DENY) {
        /* the decisions are pure: run them again with a trace to explain the refusal */
        c->w->trace.n = 0;
        if (in.mapping == NULL && in.cert) {
            /* the many-to-one lookup found nothing: say which rule failed */
            struct decide_auth_in again = in;
            decide_many_to_one(&again, a->cert, &c->w->trace);
        }
        decide_auth(&in, &out, &c->w->trace);
        explain_refusal(rc, a->cert, out.status, out.substatus, &c->w->trace);
        /* Not authenticated: cs-username stays "-", as IIS logs a failed logon. */
        if (out.status == 503) {
            respond_error_retry(c, 503, 0, out.retry_after);
            return 0;
        }
        respond_error(c, out.status, out.substatus,
                      out.challenge
                          ? pipeline_realm(loc, host, host_len, site, realm_buf, sizeof(realm_buf))
                          : NULL);
        return 0;
    }
    if (out.kind == DECIDE_AUTH_CERTIFICATE) {
        c->log.user = in.mapping->user;
        c->log.domain = loc->cm_domain;
    } else if (out.kind == DECIDE_AUTH_DIRECTORY) {
        c->log.user_owned = strdup(out.user);
    } else if (out.kind == DECIDE_AUTH_BASIC) {
        c->log.user_owned = strdup(a->basic_user);
        c->log.domain = loc->basic_domain;
    }
    rc->auth = out.kind;
    memcpy(rc->user, out.user, sizeof(rc->user));
    memcpy(rc->display, out.display, sizeof(rc->display));
    return 1;
}

/*
 * The account the request was logged on as (one-to-one or many-to-one
 * mapping, the directory, Basic), NULL when anonymous: whose roles URL
 * Authorization checks and whose rights open the request's files.
 */
static const char *
logged_on_user(const struct req_ctx *rc)
{
    return rc->auth == DECIDE_AUTH_CERTIFICATE || rc->auth == DECIDE_AUTH_BASIC ||
                   rc->auth == DECIDE_AUTH_DIRECTORY
               ? rc->user
               : NULL;
}

/*
 * URL Authorization (system.webServer/security/authorization) of an admitted
 * request, with the scope's rules (src/lib/authz.h: Deny rules first, parent
 * before child).  Roles are the account's groups, cached by the logon that
 * authenticated it; when they are not cached any more, a lookup is queued on
 * the logon pool and the request resumes (authenticated again from its
 * pending result) when it is done.  A refusal is 401.2, as IIS 7 and later
 * answer for URL Authorization (IIS 6's 401.7 is gone: "The HTTP status code
 * in IIS 7.0 and later versions",
 * https://learn.microsoft.com/en-us/troubleshoot/developer/webapps/iis/health-diagnostic-performance/http-status-code),
 * logged at info level with the rule that decided.  Returns 1 when allowed,
 * 0 when a response or a lookup was queued.
 */
static int
authorize(struct conn *c, struct req_ctx *rc)
{
    const struct authz_rules *rules = rc->loc->authz;
    const struct http_request *req = cur(c);
    const char *user = logged_on_user(rc);
    char **groups = NULL, verb[32], realm_buf[256];
    size_t ngroups = 0;
    int g, status, sub, ret = 0;

    if (rc->auth == DECIDE_AUTH_DIRECTORY) {
        /* the directory's groups, found with the account (borrowed from rc->dir) */
        groups = rc->dir.groups;
        ngroups = rc->dir.ngroups;
    } else if (user != NULL && authz_rules_need_roles(rules)) {
        g = c->snap->logon != NULL ? logon_groups_cached(c->snap->logon, user, &groups, &ngroups)
                                   : -1;
        if (g == 0 && start_logon(c, (int)rc->auth, user, NULL) == 0) {
            rc->logon = true;
            return 0;
        }
        if (g <= 0) {
            errlog_printf(ERRLOG_ERROR,
                          "the groups of %s are unknown (%s): URL authorization of "
                          "%.*s cannot decide",
                          user, g == 0 ? "lookup could not be queued" : "lookup failed",
                          (int)rc->path_len, rc->path);
            respond_error(c, 500, 0, NULL);
            return 0;
        }
    }
    snprintf(verb, sizeof(verb), "%.*s", (int)req->method_len, req->method_str);
    if (decide_authorize(rc->loc, user, (const char *const *)groups, ngroups, verb, &status, &sub,
                         NULL)) {
        ret = 1;
        goto out;
    }
    c->w->trace.n = 0;
    decide_authorize(rc->loc, user, (const char *const *)groups, ngroups, verb, &status, &sub,
                     &c->w->trace);
    explain_refusal(rc, rc->cert, status, sub, &c->w->trace);
    respond_error(c, status, sub,
                  rc->loc->basic_enabled ? pipeline_realm(rc->loc, rc->host, rc->host_len, rc->site,
                                                          realm_buf, sizeof(realm_buf))
                                         : NULL);
out:
    if (groups != rc->dir.groups)
        free(groups);
    return ret;
}

/* Reads a whole (small) file; malloc'd, or NULL. */
static char *
read_all(int fd, off_t size)
{
    char *buf = malloc((size_t)size + 1);
    off_t got = 0;
    ssize_t n;

    if (buf == NULL)
        return NULL;
    while (got < size) {
        n = pread(fd, buf + got, (size_t)(size - got), got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(buf);
            return NULL;
        }
        got += n;
    }
    return buf;
}

/* The identity of an admitted request; the strings go to the caller's buffers. */
static void
fill_identity(const struct conn *c, const struct req_ctx *rc, struct identity *id,
              char remote[INET6_ADDRSTRLEN], char local[INET6_ADDRSTRLEN], char *server_name,
              size_t server_name_size)
{
    memset(id, 0, sizeof(*id));
    id->auth = rc->auth == DECIDE_AUTH_CERTIFICATE || rc->auth == DECIDE_AUTH_DIRECTORY
                   ? IDENTITY_CERTIFICATE
               : rc->auth == DECIDE_AUTH_BASIC     ? IDENTITY_BASIC
               : rc->auth == DECIDE_AUTH_ANONYMOUS ? IDENTITY_ANONYMOUS
                                                   : IDENTITY_NONE;
    id->user = id->auth == IDENTITY_CERTIFICATE || id->auth == IDENTITY_BASIC ? rc->display : "";
    id->auth_type = id->auth == IDENTITY_CERTIFICATE ? "SSL/PCT"
                    : id->auth == IDENTITY_BASIC     ? "Basic"
                                                     : "";
    id->anon_user = id->auth == IDENTITY_ANONYMOUS ? rc->loc->anon_user : "";
    id->https = c->ssl != NULL;
    respond_addr_text(&c->peer, remote, INET6_ADDRSTRLEN, &id->remote_port);
    respond_addr_text(&c->local, local, INET6_ADDRSTRLEN, &id->local_port);
    id->remote_addr = remote;
    id->local_addr = local;
    snprintf(server_name, server_name_size, "%.*s", (int)rc->host_len,
             rc->host != NULL ? rc->host : "");
    id->server_name = server_name;
    id->cert = rc->cert;
    id->cert_verify = rc->verify;
}

/* The server variables of an admitted request (svars.h): its identity in id, strings as above. */
static void
fill_svars(struct conn *c, const struct req_ctx *rc, struct svar_ctx *sv, struct identity *id,
           char remote[INET6_ADDRSTRLEN], char local[INET6_ADDRSTRLEN], char *server_name,
           size_t server_name_size)
{
    fill_identity(c, rc, id, remote, local, server_name, server_name_size);
    memset(sv, 0, sizeof(*sv));
    sv->id = id;
    sv->req = cur(c);
    sv->site = rc->site;
    sv->scope = rc->scope;
    sv->path = rc->path;
    sv->path_len = rc->path_len;
    sv->ssl = c->ssl;
    sv->rw = &rc->rw;
}

/* Renders a server-side include page for the request's identity; takes res->fd. */
static void
respond_ssi(struct conn *c, const struct req_ctx *rc, struct static_result *res)
{
    char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN], server_name[256];
    struct identity id;
    struct svar_ctx sv;
    struct response r;
    char *src = NULL, *out = NULL;
    size_t out_len = 0, room;

    if (res->size > SSI_MAX_FILE) {
        close(res->fd);
        respond_error(c, 500, 0, NULL);
        return;
    }
    src = read_all(res->fd, res->size);
    close(res->fd);
    fill_svars(c, rc, &sv, &id, remote, local, server_name, sizeof(server_name));
    if (src == NULL || ssi_render(src, (size_t)res->size, &sv, &out, &out_len) != 0) {
        free(src);
        respond_error(c, 500, 0, NULL);
        return;
    }
    free(src);
    memset(&r, 0, sizeof(r));
    r.status = 200;
    r.content_type = res->content_type;
    r.content_length = (off_t)out_len;
    r.file_fd = -1;
    c->log.status = 200;
    c->log.substatus = 0;
    if (respond_queue(c, &r, true) != 0) {
        free(out);
        c->close_after = true;
        return;
    }
    room = c->wcap - c->wlen;
    if (respond_is_head(c) || out_len == 0) {
        free(out);
    } else if (out_len <= room) {
        memcpy(c->wbuf + c->wlen, out, out_len);
        c->wlen += (uint32_t)out_len;
        free(out);
    } else {
        /* A page larger than the buffer streams from memory like a file. */
        c->mbody = out;
        c->mbody_off = 0;
        c->mbody_len = out_len;
    }
}

/*
 * ARR's proxy is on (system.webServer/proxy enabled): request bodies are
 * neither read ahead nor dropped before the request runs, since a rule may
 * forward the request and its body streams to the upstream then.  A request
 * answered here instead has its body discarded after the answer (CS_BODY).
 */
static bool
gateway_mode(const struct conn *c)
{
    /* FastCGI handlers stream bodies too; any configured application turns it on (the scope's
       handler is known only after routing, when the body must already be in place) */
    return certmap_view_server(c->snap->view)->proxy_enabled ||
           certmap_view_fcgi_app_count(c->snap->view) > 0;
}

/* Gateway mode: the framing of the body, left in rbuf after the head. */
static void
keep_body(struct conn *c)
{
    struct http_request *req = cur(c);

    c->body_chunked = req->chunked;
    c->body_left = req->content_length > 0 ? (uint64_t)req->content_length : 0;
    if (req->chunked)
        http_chunked_init(&c->chunk, c->snap->sv->max_body);
}

/*
 * The rules rewrote the request to the absolute http(s) URL url[0..len):
 * with ARR's proxy enabled, forward it with the identity of rc (the
 * client's certificate when it authenticated the request) and the headers
 * set[0..nset) the rules set.  true when the request is in the proxy's
 * hands (its error answered too: 502.3); false when the proxy is off and
 * nothing was queued (the caller answers 404.4, as IIS without ARR).
 */
static bool
request_proxy(struct conn *c, const struct req_ctx *rc, const char *url, size_t len,
              const struct proxy_set_header *set, size_t nset)
{
    struct proxy_request_in in;

    if (!gateway_mode(c))
        return false;
    memset(&in, 0, sizeof(in));
    in.url = url;
    in.url_len = len;
    in.cert = rc->auth == DECIDE_AUTH_CERTIFICATE ? rc->cert : NULL;
    in.set = set;
    in.nset = nset;
    proxy_start(c, &in);
    return true;
}

/*
 * The account the request's files are opened as (fileacct.h), when
 * readFilesAsUser is on and the workers can switch their file credentials.
 * Returns 1 with *fa filled (a zeroed *fa: certmapd's own identity), or 0
 * when a response (401.3, 500) or a credential lookup on the logon pool was
 * queued (rc->logon: the request runs again when it is done).
 */
static int
file_account(struct conn *c, struct req_ctx *rc, const struct snap_vdir *vd, struct fileacct *fa)
{
    const char *logon_user = logged_on_user(rc);
    /* the answer of this request's own lookup, which the cache need not hold any more */
    struct fileacct_handed handed = {c->cred_user, (enum logon_cred_state)c->cred_state, c->cred};
    enum fileacct_source src;
    const char *name;
    char why[512], realm_buf[256];

    memset(fa, 0, sizeof(*fa));
    if (!c->snap->sv->read_files_as_user || !c->w->srv->can_switch_fsid)
        return 1;
    name = fileacct_name(vd->v->user_name, logon_user, rc->loc->anon_user, &src);
    switch (fileacct_resolve(c->snap->logon, name, src, c->cred_user != NULL ? &handed : NULL, fa,
                             why, sizeof(why))) {
    case FILEACCT_READY:
        return 1;
    case FILEACCT_LOOKUP:
        if (start_cred_lookup(c, name) == 0) {
            rc->logon = true;
            return 0;
        }
        errlog_printf(ERRLOG_ERROR,
                      "the credentials of \"%s\" could not be looked up: the "
                      "logon queue is full or stopping",
                      name);
        respond_error(c, 500, 0, NULL);
        return 0;
    case FILEACCT_DENY:
        errlog_printf(ERRLOG_INFO, "refused 401.3: site \"%s\" path %.*s: %s", rc->site->name,
                      (int)rc->path_len, rc->path, why);
        respond_error(c, 401, 3,
                      rc->loc->basic_enabled
                          ? pipeline_realm(rc->loc, rc->host, rc->host_len, rc->site, realm_buf,
                                           sizeof(realm_buf))
                          : NULL);
        return 0;
    case FILEACCT_ERROR:
        errlog_printf(ERRLOG_ERROR, "site \"%s\" path %.*s: %s", rc->site->name, (int)rc->path_len,
                      rc->path, why);
        respond_error(c, 500, 0, NULL);
        return 0;
    }
    return 0;
}

/*
 * static_resolve() or static_resolve_cached() with the calling worker
 * opening files as fa's account, and itself again before it returns.  A
 * switch that fails answers 500 (res->status): never a read as another
 * identity than the one decided.
 */
static void
resolve_as(struct conn *c, const struct fileacct *fa, bool cached, int root_fd, const char *rel,
           size_t rel_len, const struct static_cond *cond, struct static_result *res)
{
    struct fsid_saved saved = {0};

    if (fa->cred != NULL && fsid_enter(&fa->fs, &saved) != 0) {
        errlog_printf(ERRLOG_ERROR, "cannot open files as uid %ld: %s", (long)fa->fs.uid,
                      strerror(errno));
        memset(res, 0, sizeof(*res));
        res->fd = -1;
        res->status = 500;
        return;
    }
    if (!cached)
        static_resolve(root_fd, rel, rel_len, cond, res);
    else
        static_resolve_cached(
            c->w->fcache, c->w->now_s, root_fd, fa->key, rel, rel_len,
            c->wcap - c->wlen > RESPONSE_HEAD_ROOM ? c->wcap - c->wlen - RESPONSE_HEAD_ROOM : 0,
            cond, res);
    fsid_leave(&saved);
}

/*
 * The script of a FastCGI mapping inside the path, as IIS splits PATH_INFO:
 * the shortest prefix ending before a '/' whose handler is a FastCgiModule
 * one ("/app/index.php/extra": "/app/index.php").  Its length, or 0.
 */
static size_t
fastcgi_split(const struct req_ctx *rc, const struct http_request *req,
              const struct certmap_handler **hp)
{
    for (size_t k = 1; k < rc->path_len; k++) {
        const struct certmap_handler *h;
        if (rc->path[k] != '/')
            continue;
        h = certmap_handlers_match(rc->loc->handlers, rc->path, k, req->method_str,
                                   req->method_len);
        if (h != NULL && h->module == CERTMAP_HMOD_FASTCGI) {
            *hp = h;
            return k;
        }
    }
    return 0;
}

static void request_fastcgi(struct conn *c, struct req_ctx *rc, const struct certmap_handler *h,
                            size_t script_len);

/*
 * The handler mapping of the request (system.webServer/handlers), as IIS
 * picks it.  true when the static handler serves the request; false when an
 * answer was queued or the request went to a FastCGI application: 404.4
 * when no mapping matches, 500.21 when the mapping names a module certmapd
 * does not have (IIS: "Handler X has a bad module Y in its module list").
 */
static bool
select_handler(struct conn *c, struct req_ctx *rc)
{
    struct http_request *req = cur(c);
    const struct certmap_handler *h, *fh = NULL;
    size_t script_len = rc->path_len;

    h = certmap_handlers_match(rc->loc->handlers, rc->path, rc->path_len, req->method_str,
                               req->method_len);
    if ((h == NULL || h->module != CERTMAP_HMOD_FASTCGI) &&
        (script_len = fastcgi_split(rc, req, &fh)) > 0)
        h = fh;
    else
        script_len = rc->path_len;
    if (h == NULL) {
        respond_error(c, 404, 4, NULL);
        return false;
    }
    if (h->module == CERTMAP_HMOD_STATIC)
        return true;
    if (h->module == CERTMAP_HMOD_FASTCGI && h->app != NULL) {
        request_fastcgi(c, rc, h, script_len);
        return false;
    }
    errlog_printf(ERRLOG_ERROR,
                  "handler \"%s\" (%s:%u) names modules \"%s\", which certmapd "
                  "does not have: 500.21",
                  h->name, h->src.file != NULL ? h->src.file : "-", h->src.line, h->modules);
    respond_error(c, 500, 21, NULL);
    return false;
}

/* The script's file exists as the handler's resourceType wants: 0, or an answer was queued. */
static int
fastcgi_check_file(struct conn *c, struct req_ctx *rc, const struct certmap_handler *h,
                   const struct snap_vdir *vd, const char *rel, size_t rel_len)
{
    struct fsid_saved saved = {0};
    struct fileacct fa;
    struct stat st;
    char *name;
    int r, e;

    if (h->resource_type != 0 && h->resource_type != 1)
        return 0; /* Either, Unspecified: the application decides */
    if (!file_account(c, rc, vd, &fa))
        return -1;
    name = strndup(rel_len > 0 && rel[0] == '/' ? rel + 1 : rel,
                   rel_len > 0 && rel[0] == '/' ? rel_len - 1 : rel_len);
    if (name == NULL) {
        fileacct_release(&fa);
        respond_error(c, 500, 0, NULL);
        return -1;
    }
    /* as the request's account when files are read as it: a file it cannot see is not served */
    if (fa.cred != NULL && fsid_enter(&fa.fs, &saved) != 0) {
        r = -1;
        e = EPERM;
    } else {
        r = fstatat(vd->root_fd, name[0] != '\0' ? name : ".", &st, 0);
        e = errno;
        fsid_leave(&saved);
    }
    fileacct_release(&fa);
    free(name);
    if (r == 0 && (h->resource_type == 0 ? S_ISREG(st.st_mode) : S_ISDIR(st.st_mode)))
        return 0;
    if (r != 0 && (e == EACCES || e == EPERM)) {
        errlog_printf(ERRLOG_INFO, "refused 401.3: site \"%s\" script %.*s: permission denied",
                      rc->site->name, (int)rel_len, rel);
        respond_error(c, 401, 3, NULL);
        return -1;
    }
    respond_error(c, 404, 0, NULL); /* IIS: 404.0 for a script that does not exist */
    return -1;
}

/* The request goes to the FastCGI application of h; the script is rc->path[0..script_len). */
static void
request_fastcgi(struct conn *c, struct req_ctx *rc, const struct certmap_handler *h,
                size_t script_len)
{
    const struct snap_vdir *vd = snapshot_scope_vdir(rc->site, rc->scope);
    const struct snap_vdir *root = NULL;
    char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN], server_name[256];
    struct fastcgi_request_in in;
    struct identity id;
    struct svar_ctx sv;
    const char *rel;
    size_t rel_len;
    char *file = NULL;

    if (vd == NULL || vd->v->physical == NULL || vd->root_fd < 0 || script_len < vd->v->url_len) {
        respond_error(c, 404, 0, NULL);
        return;
    }
    for (size_t i = 0; i < rc->site->nvdirs && root == NULL; i++)
        if (rc->site->vdirs[i].v->url_len == 0)
            root = &rc->site->vdirs[i]; /* DOCUMENT_ROOT: the site root's physical path */
    rel = rc->path + vd->v->url_len;
    rel_len = script_len - vd->v->url_len;
    if (fastcgi_check_file(c, rc, h, vd, rel, rel_len) != 0)
        return;
    if (cur(c)->chunked) {
        /* CGI gives the application the body's size in CONTENT_LENGTH and PHP reads no further:
           a chunked body would reach it empty.  Refused, never lost. */
        errlog_printf(ERRLOG_INFO,
                      "411: site \"%s\" path %.*s: a chunked request body cannot be handed to "
                      "the FastCGI application (CONTENT_LENGTH unknown)",
                      rc->site->name, (int)rc->path_len, rc->path);
        respond_error(c, 411, 0, NULL);
        return;
    }
    if (asprintf(&file, "%s%.*s", vd->v->physical, (int)rel_len, rel) < 0) {
        respond_error(c, 500, 0, NULL);
        return;
    }
    fill_svars(c, rc, &sv, &id, remote, local, server_name, sizeof(server_name));
    memset(&in, 0, sizeof(in));
    in.app = h->app;
    in.sv = &sv;
    in.script_name = rc->path;
    in.script_name_len = script_len;
    in.path_info = rc->path + script_len;
    in.path_info_len = rc->path_len - script_len;
    in.script_filename = file;
    in.document_root =
        root != NULL && root->v->physical != NULL ? root->v->physical : vd->v->physical;
    fastcgi_start(c, &in);
    free(file);
}

/* The handler: static files of the virtual directory, server-side include pages. */
static void
serve(struct conn *c, struct req_ctx *rc)
{
    struct http_request *req = cur(c);
    const char *path = rc->path;
    size_t path_len = rc->path_len;
    const struct snap_vdir *vd = snapshot_scope_vdir(rc->site, rc->scope);
    bool ssi = ssi_is_ssi_path(path, path_len);
    struct static_cond cond;
    struct static_result res;
    struct fileacct fa;
    const char *rel;
    size_t rel_len;
    char realm_buf[256];
    long fa_uid;

    if (!select_handler(c, rc))
        return;
    if (vd == NULL) {
        respond_error(c, 404, 0, NULL);
        return;
    }
    if (vd->root_fd < 0) {
        respond_error(c, 500, 0, NULL);
        return;
    }
    if (!file_account(c, rc, vd, &fa))
        return;
    /* Decoded once, by pipeline_normalize_path(); the handler checks it again as it is. */
    rel = path + vd->v->url_len;
    rel_len = path_len - vd->v->url_len;
    memset(&cond, 0, sizeof(cond));
    cond.method = req->method_str;
    cond.method_len = req->method_len;
    if (ssi) {
        /* Rendered per request: no validators, no ranges; HEAD renders to know the length. */
        if (req->method == HTTP_M_HEAD) {
            cond.method = "GET";
            cond.method_len = 3;
        }
    } else {
        header_value(req, "If-None-Match", &cond.if_none_match, &cond.if_none_match_len);
        header_value(req, "If-Modified-Since", &cond.if_modified_since,
                     &cond.if_modified_since_len);
        header_value(req, "Range", &cond.range, &cond.range_len);
        header_value(req, "If-Range", &cond.if_range, &cond.if_range_len);
    }
    /* SSI pages are rendered from their descriptor; other files may come from the cache, when
       they fit in the buffer after the head (RESPONSE_HEAD_ROOM). */
    resolve_as(c, &fa, !ssi, vd->root_fd, rel, rel_len, &cond, &res);
    fa_uid = fa.cred != NULL ? (long)fa.cred->uid : -1;
    fileacct_release(&fa);
    if (res.status == 401) {
        /* 401.3: the file's permissions refuse the account; the challenge as for 401.2 */
        if (res.fd >= 0)
            close(res.fd);
        errlog_printf(ERRLOG_INFO,
                      "refused 401.3: site \"%s\" path %.*s: permission denied to uid %ld",
                      rc->site->name, (int)path_len, path, fa_uid >= 0 ? fa_uid : (long)geteuid());
        respond_error(c, 401, res.substatus,
                      rc->loc->basic_enabled
                          ? pipeline_realm(rc->loc, rc->host, rc->host_len, rc->site, realm_buf,
                                           sizeof(realm_buf))
                          : NULL);
        return;
    }
    if (ssi && res.status == 200 && res.fd >= 0) {
        respond_ssi(c, rc, &res);
        return;
    }
    if (res.status == 405) {
        /* 405 needs its Allow header: an error page plus the header. */
        struct response r;
        size_t n = errpage_render(c->w->page, sizeof(c->w->page), 405, res.substatus);
        if (res.fd >= 0)
            close(res.fd);
        if (n >= sizeof(c->w->page))
            n = sizeof(c->w->page) - 1;
        memset(&r, 0, sizeof(r));
        r.status = 405;
        r.substatus = res.substatus;
        r.content_type = "text/html; charset=utf-8";
        r.content_length = (off_t)n;
        r.body = c->w->page;
        r.body_len = n;
        r.file_fd = -1;
        r.allow = res.allow != NULL ? res.allow : "GET, HEAD";
        c->log.status = 405;
        c->log.substatus = res.substatus;
        if (respond_queue(c, &r, respond_is_head(c)) != 0)
            c->close_after = true;
        return;
    }
    respond_static(c, path, path_len, &res);
}

/*
 * IP restrictions, which IIS applies at the start of the request, before
 * any authentication.  Returns 1 when the peer may go on; 0 when refused:
 * an error response per denyAction is queued, or for AbortRequest the
 * connection is closed without one and, as IIS, nothing is written to the
 * W3C log (the error log says why, at level info).
 */
static int
ip_admitted(struct conn *c, struct req_ctx *rc)
{
    int status, sub;

    if (decide_ip(rc->loc, &c->peer.sa, &status, &sub, NULL))
        return 1;
    c->w->trace.n = 0;
    decide_ip(rc->loc, &c->peer.sa, &status, &sub, &c->w->trace);
    explain_refusal(rc, NULL, status, sub, &c->w->trace);
    if (status == 0) {
        /* denyAction="AbortRequest": no answer and, as IIS, no W3C line */
        rc->abort = true;
        c->close_after = true;
        c->log.status = 0;
        c->log_site = NULL;
        return 0;
    }
    respond_error(c, status, sub, NULL);
    return 0;
}

static int admit_path(struct conn *c, struct req_ctx *rc, const char *raw, size_t raw_len);

/* Routing, access and authentication; 1 when the handler may run. */
static int
admit(struct conn *c, struct req_ctx *rc)
{
    struct http_request *req = cur(c);
    const struct snap_binding *b = NULL;
    int status;

    if (req->host != NULL)
        pipeline_host_name(req->host, req->host_len, &rc->host, &rc->host_len);
    status = pipeline_route(c->ep, c->tls_binding, rc->host, rc->host_len, &b);
    if (status != 0) {
        c->close_after = true;
        respond_error(c, status, 0, NULL);
        return 0;
    }
    rc->site = b->site;
    c->log_site = b->site;
    if (req->method == HTTP_M_OTHER || req->method == HTTP_M_CONNECT) {
        respond_error(c, 501, 0, NULL);
        return 0;
    }
    if (req->form != HTTP_T_ORIGIN && req->form != HTTP_T_ABSOLUTE) {
        respond_error(c, 400, 0, NULL);
        return 0;
    }
    rc->binding = b;
    rc->query = req->query;
    rc->query_len = req->query_len;
    return admit_path(c, rc, req->path, req->path_len);
}

/*
 * The path raw[0..raw_len) (the request's, or what a rewrite rule made of it)
 * through scope, IP restrictions, access, authentication and authorization;
 * 1 when the handler may run.
 */
static int
admit_path(struct conn *c, struct req_ctx *rc, const char *raw, size_t raw_len)
{
    const struct snap_binding *b = rc->binding;
    const struct certmap_settings *loc;
    const struct certmap_scope *scope;
    struct decide_conn ci;
    struct auth_ctx a;
    int status, sub, ret;

    status = pipeline_normalize_path(raw, raw_len, c->w->path, sizeof(c->w->path), &rc->path_len);
    if (status != 0) {
        respond_error(c, status, 0, NULL);
        return 0;
    }
    rc->path = c->w->path;
    scope = snapshot_find_scope(b->site, rc->path, rc->path_len);
    /* files are read under the scope's own spelling: /PUBLIC/x is /public/x, never /PUBLIC */
    certmap_view_respell(scope, c->w->path);
    rc->scope = scope;
    loc = &scope->settings;
    rc->loc = loc;
    if (scope->error_status != 0) {
        /* a locked or broken web.config at or above this path: IIS answers 500.19 here */
        respond_error(c, scope->error_status, scope->error_substatus, NULL);
        return 0;
    }
    if (!ip_admitted(c, rc))
        return 0;

    memset(&ci, 0, sizeof(ci));
    a.cert = NULL;
    a.verify = X509_V_OK;
    ci.tls = c->ssl != NULL;
    if (c->ssl != NULL) {
        ci.cipher_bits = SSL_get_cipher_bits(c->ssl, NULL);
        if (decide_uses_cert(loc) && !c->cert_ignored) {
            a.cert = SSL_get0_peer_certificate(c->ssl);
            a.verify = a.cert != NULL ? c->cert_verify : X509_V_OK;
            if (a.cert == NULL && tls_late_possible(c->ssl)) {
                rc->need_cert = true;
                return 0;
            }
        }
    }
    ci.has_cert = a.cert != NULL;
    ci.cert_verify = a.verify;
    ci.crl = b->crl_note;
    status = decide_access(loc, &ci, &sub, NULL);
    if (status != 0) {
        c->w->trace.n = 0;
        decide_access(loc, &ci, &sub, &c->w->trace);
        explain_refusal(rc, a.cert, status, sub, &c->w->trace);
        respond_error(c, status, sub, NULL);
        return 0;
    }
    rc->cert = a.cert;
    rc->verify = a.verify;
    ret = authenticate(c, rc, &a);
    OPENSSL_cleanse(a.basic_pass, sizeof(a.basic_pass));
    if (ret == 1)
        ret = authorize(c, rc);
    return ret;
}

/* Longest header name a rule's HTTP_<NAME> variable gives the proxied request. */
#define REWRITE_HEADER_NAME_MAX 256

/*
 * A Rewrite to an absolute http:// or https:// URL: ARR's reverse proxy,
 * when system.webServer/proxy is enabled, with the request headers the
 * rules set (a variable HTTP_X_REMOTE_USER is the header X-Remote-User, as
 * URL Rewrite turns HTTP_ variables into request headers).  Without the
 * proxy IIS answers 404.4 (no handler for the request).
 */
static void
request_rewrite_absolute(struct conn *c, struct req_ctx *rc)
{
    struct proxy_set_header *set = NULL;
    char *names = NULL;
    size_t nset = 0, nv = rc->rw.nvars;

    if (nv > 0) {
        set = calloc(nv, sizeof(*set));
        names = malloc(nv * REWRITE_HEADER_NAME_MAX);
        if (set == NULL || names == NULL) {
            respond_error(c, 500, 0, NULL);
            goto out;
        }
    }
    for (size_t i = 0; i < nv; i++) {
        const struct rewrite_var *v = &rc->rw.vars[i];
        size_t n = strlen(v->name);
        char *out = names + nset * REWRITE_HEADER_NAME_MAX;
        bool up = true, later = false;

        if (n <= 5 || strncasecmp(v->name, "HTTP_", 5) != 0)
            continue;
        /* set twice: the last value is the variable's */
        for (size_t k = i + 1; k < nv && !later; k++)
            later = strcasecmp(rc->rw.vars[k].name, v->name) == 0;
        if (later)
            continue;
        if (n - 5 >= REWRITE_HEADER_NAME_MAX) {
            errlog_printf(ERRLOG_ERROR,
                          "URL Rewrite: server variable %.64s...: the header name is "
                          "longer than %d bytes",
                          v->name, REWRITE_HEADER_NAME_MAX - 1);
            respond_error(c, 500, 50, NULL);
            goto out;
        }
        for (size_t k = 5; k < n; k++) {
            char ch = v->name[k] == '_' ? '-' : v->name[k];
            out[k - 5] = up ? (char)toupper((unsigned char)ch) : (char)tolower((unsigned char)ch);
            up = ch == '-';
        }
        set[nset].name = out;
        set[nset].name_len = n - 5;
        set[nset].value = v->value;
        set[nset].value_len = strlen(v->value);
        nset++;
    }
    if (request_proxy(c, rc, rc->rw.url, strlen(rc->rw.url), set, nset))
        goto out;
    errlog_printf(ERRLOG_INFO, "rewrite of %.*s to %s: ARR's proxy is not enabled: 404.4",
                  (int)rc->path_len, rc->path, rc->rw.url);
    respond_error(c, 404, 4, NULL);
out:
    free(set);
    free(names);
}

/*
 * logRewrittenUrl: cs-uri-stem is the rewritten path (as the rule wrote it,
 * percent-encoded), as IIS logs it; the last such rewrite of the request
 * wins.  Out of memory: the client's path stays in the log.
 */
static void
log_rewritten(struct conn *c, const char *path)
{
    free(c->log.stem_owned);
    c->log.stem_owned = strdup(path);
}

/* A Redirect action: the status of redirectType and Location (encoded by the engine). */
static void
rewrite_redirect(struct conn *c, const struct req_ctx *rc)
{
    struct response r;

    memset(&r, 0, sizeof(r));
    r.status = (int)rc->rw.status;
    r.content_length = 0;
    r.file_fd = -1;
    r.redirect = rc->rw.url;
    c->log.status = r.status;
    c->log.substatus = 0;
    if (respond_queue(c, &r, true) != 0) {
        c->close_after = true;
        respond_error(c, 500, 50, NULL);
    }
}

/*
 * The URL Rewrite rules of an admitted request (global rules, then the
 * scope's).  Returns 1 when the handler serves rc->path, 2 when a local
 * rewrite sends the request through admission again (the new path is in
 * rc->rw.url), 0 when the rules answered (or closed) the request.
 */
static int
rewrite_step(struct conn *c, struct req_ctx *rc)
{
    const struct rewrite_rules *global = certmap_view_global_rules(c->snap->view);
    char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN], server_name[256];
    char file[PIPELINE_PATH_MAX + 4096];
    struct urlrewrite_ctx ctx, *x = &ctx;
    struct rewrite_env env;
    enum rewrite_outcome outcome;
    struct identity id;
    const struct snap_vdir *vd;

    if (global == NULL && rc->loc->rewrite == NULL)
        return 1;
    memset(x, 0, offsetof(struct urlrewrite_ctx, buf));
    fill_svars(c, rc, &x->sv, &id, remote, local, server_name, sizeof(server_name));
    vd = snapshot_scope_vdir(rc->site, rc->scope);
    x->physical = "";
    if (vd != NULL && vd->v->physical != NULL &&
        snprintf(file, sizeof(file), "%s%.*s", vd->v->physical,
                 (int)(rc->path_len - vd->v->url_len),
                 rc->path + vd->v->url_len) < (int)sizeof(file))
        x->physical = file;
    env.get_var = urlrewrite_var;
    env.file_kind = urlrewrite_file_kind;
    env.ctx = x;
    env.allowed = rc->loc->rewrite_allowed;
    env.nallowed = rc->loc->rewrite_nallowed;
    outcome = rewrite_run(&rc->rw, global, rc->loc->rewrite, rc->path, rc->path_len, rc->query,
                          rc->query_len, &env);
    if (x->too_long) {
        /* a variable did not fit: a cut value could have matched where the whole would not */
        errlog_printf(ERRLOG_ERROR,
                      "URL Rewrite: a server variable the rules read is longer "
                      "than %d bytes (path %.*s)",
                      URLREWRITE_VAR_MAX, (int)rc->path_len, rc->path);
        respond_error(c, 500, 50, NULL);
        return 0;
    }
    switch (outcome) {
    case REWRITE_NONE:
        return 1;
    case REWRITE_LOCAL:
        if (rc->rw.log_rewritten)
            log_rewritten(c, rc->rw.url);
        rc->query = rc->rw.query;
        rc->query_len = rc->rw.query != NULL ? strlen(rc->rw.query) : 0;
        return 2;
    case REWRITE_ABSOLUTE:
        request_rewrite_absolute(c, rc);
        return 0;
    case REWRITE_REDIRECT:
        rewrite_redirect(c, rc);
        return 0;
    case REWRITE_CUSTOM:
        if (respond_custom(c, (int)rc->rw.status, (int)rc->rw.substatus, rc->rw.reason,
                           rc->rw.description) != 0) {
            errlog_printf(ERRLOG_ERROR,
                          "URL Rewrite: rule \"%s\" at %s:%u: the CustomResponse page does "
                          "not fit the response buffer (statusDescription too long)",
                          rewrite_rule_name(rc->rw.rule), rewrite_rule_file(rc->rw.rule),
                          rewrite_rule_line(rc->rw.rule));
            respond_error(c, 500, 50, NULL);
        }
        return 0;
    case REWRITE_ABORT:
        /* AbortRequest: the connection closes without an answer (nothing logged, as ipSecurity's)
         */
        errlog_printf(ERRLOG_INFO, "aborted (no answer): rewrite rule \"%s\" at %s:%u, path %.*s",
                      rewrite_rule_name(rc->rw.rule), rewrite_rule_file(rc->rw.rule),
                      rewrite_rule_line(rc->rw.rule), (int)rc->path_len, rc->path);
        rc->abort = true;
        c->close_after = true;
        c->log.status = 0;
        c->log_site = NULL;
        return 0;
    case REWRITE_ERROR:
        errlog_printf(ERRLOG_ERROR, "URL Rewrite: %s", rc->rw.error);
        respond_error(c, (int)rc->rw.status, (int)rc->rw.substatus, NULL);
        return 0;
    }
    return 0;
}

/* Admission, URL Rewrite (a local rewrite is admitted again), then the handler. */
static void
admit_and_serve(struct conn *c, struct req_ctx *rc)
{
    int r;

    if (!admit(c, rc))
        return;
    for (;;) {
        r = rewrite_step(c, rc);
        if (r == 1) {
            serve(c, rc);
            return;
        }
        if (r == 0 || !admit_path(c, rc, rc->rw.url, strlen(rc->rw.url)))
            return;
    }
}

/* Drops n body bytes that follow the head in rbuf. */
static void
drop_after_head(struct conn *c, size_t n)
{
    size_t at = c->head_len;

    memmove(c->rbuf + at, c->rbuf + at + n, c->rlen - at - n);
    c->rlen -= (uint32_t)n;
}

/*
 * Checks and drops the body bytes received with the head, so that a broken
 * chunked framing is answered 400/413 before anything else, and a body that
 * is already complete does not cost the connection.  Returns 0, or the
 * status of a framing error.
 */
static int
scan_body(struct conn *c)
{
    struct http_request *req = cur(c);
    size_t avail = c->rlen - c->head_len, len, used = 0;
    int r;

    c->body_chunked = false;
    c->body_left = 0;
    if (req->chunked) {
        http_chunked_init(&c->chunk, c->snap->sv->max_body);
        len = avail;
        r = http_chunked_decode(&c->chunk, c->rbuf + c->head_len, &len, &used);
        drop_after_head(c, used);
        if (r == HTTP_CHUNK_ERROR)
            return c->chunk.status;
        c->body_chunked = r != HTTP_CHUNK_DONE;
    } else if (req->content_length > 0) {
        used = (uint64_t)req->content_length < avail ? (size_t)req->content_length : avail;
        drop_after_head(c, used);
        c->body_left = (uint64_t)req->content_length - used;
    }
    return 0;
}

/* After the response is queued: a refused request's unread body ends the connection. */
static void
plan_body(struct conn *c)
{
    if ((c->body_left > 0 || c->body_chunked) && c->log.status >= 400)
        c->close_after = true;
}

/*
 * The scope needs a client certificate the handshake did not ask for.  As
 * IIS does before it renegotiates, the body is read first, up to
 * serverRuntime/@uploadReadAheadSize: a larger one is answered 413 and the
 * connection closed.  mark: where this request's output (a 100 Continue)
 * starts in wbuf.
 */
static enum request_verdict
late_cert(struct conn *c, const struct req_ctx *rc, size_t mark)
{
    const struct http_request *req = cur(c);
    uint64_t body = req->chunked              ? c->chunk.body
                    : req->content_length > 0 ? (uint64_t)req->content_length
                                              : 0;

    /* Gateway mode keeps bodies for the upstream: none can be read ahead to ask for a
       certificate (bindings of proxied paths that take bodies use clientCertificate="on") */
    if (body > rc->loc->upload_read_ahead || (gateway_mode(c) && body > 0)) {
        c->wlen = (uint32_t)mark;
        c->close_after = true;
        respond_error(c, 413, 0, NULL);
        plan_body(c);
        return request_finish(c);
    }
    /* Expect: 100-continue: the 100 stays queued and the body is read, then this runs again;
       a chunked body is cut at the bound (the decoder answers 413 past it). */
    if (c->body_left > 0 || c->body_chunked) {
        if (c->body_chunked && c->chunk.max_body > rc->loc->upload_read_ahead)
            c->chunk.max_body = rc->loc->upload_read_ahead;
        return REQUEST_READ_BODY;
    }
    c->wlen = (uint32_t)mark;
    return REQUEST_NEED_CERT;
}

enum request_verdict
request_begin(struct conn *c)
{
    struct http_request *req = cur(c);
    struct req_ctx rc;
    size_t mark;
    bool continued;

    c->head_len = (uint32_t)req->head_len;
    if (!c->body_scanned) {
        /* First time for this head (not a return after a logon or the body). */
        int st;
        memset(&c->log, 0, sizeof(c->log));
        c->log.start_ms = c->w->now_ms;
        c->dir_answered = false;
        c->log_site = NULL;
        if (!req->keep_alive || c->retired)
            c->close_after = true;
        c->body_scanned = true;
        if (gateway_mode(c)) {
            keep_body(c);
            goto run;
        }
        st = scan_body(c);
        if (st != 0) {
            c->close_after = true;
            respond_error(c, st, 0, NULL);
            return request_finish(c);
        }
        /*
         * Without Expect: 100-continue the client sends the body anyway:
         * read (and drop) it first, so that its framing is known to be
         * sound whatever the answer, and the connection can go on.
         */
        if ((c->body_left > 0 || c->body_chunked) && !req->expect_continue)
            return REQUEST_READ_BODY;
    }
run:
    free(c->log.user_owned);
    c->log.user_owned = NULL;
    free(c->log.stem_owned);
    c->log.stem_owned = NULL;
    c->log.user = NULL;
    c->log.domain = NULL;
    respond_log_fields(c, req);
    /* 100 Continue goes before the final response, which is queued right after it. */
    mark = c->wlen;
    /* not when the body was read already (before a late client certificate) */
    continued = req->expect_continue && (c->body_chunked || c->body_left > 0);
    if (continued) {
        memcpy(c->wbuf + c->wlen, "HTTP/1.1 100 Continue\r\n\r\n", 25);
        c->wlen += 25;
    }
    memset(&rc, 0, sizeof(rc));
    rewrite_state_init(&rc.rw);
    admit_and_serve(c, &rc);
    rewrite_state_free(&rc.rw);
    dir_answer_clear(&rc.dir);
    c->pending_kind = DECIDE_AUTH_NONE;
    c->pending_result = DECIDE_LOGON_UNKNOWN;
    if (rc.logon) {
        c->wlen = (uint32_t)mark; /* the 100 Continue waits for the decision */
        return REQUEST_LOGON;
    }
    if (rc.abort)
        c->wlen = (uint32_t)mark; /* not even the 100 Continue */
    if (rc.need_cert)
        return late_cert(c, &rc, mark);
    if (c->gw != NULL)
        return REQUEST_GATEWAY;
    if (c->log.status >= 400 && continued) {
        /* Refused: no 100 Continue, and the unread body forces a close (plan_body). */
        memmove(c->wbuf + mark, c->wbuf + mark + 25, c->wlen - mark - 25);
        c->wlen -= 25;
    }
    plan_body(c);
    if (c->file_fd >= 0 || c->mbody != NULL)
        return REQUEST_SEND;
    return request_finish(c);
}

int
request_body_more(struct conn *c)
{
    size_t avail = c->rlen - c->head_len, len = avail, used = 0;
    int r;

    if (c->body_chunked) {
        r = http_chunked_decode(&c->chunk, c->rbuf + c->head_len, &len, &used);
        drop_after_head(c, used);
        if (r == HTTP_CHUNK_ERROR)
            return c->chunk.status;
        if (r == HTTP_CHUNK_DONE) {
            c->body_chunked = false;
            return 0;
        }
        return 1;
    }
    used = c->body_left < avail ? (size_t)c->body_left : avail;
    drop_after_head(c, used);
    c->body_left -= used;
    return c->body_left > 0 ? 1 : 0;
}

void
request_fail(struct conn *c, int status)
{
    memset(&c->log, 0, sizeof(c->log));
    c->log_site = NULL;
    c->close_after = true;
    c->w->req.method = HTTP_M_GET;
    c->w->req.minor_version = 1;
    respond_error(c, status, 0, NULL);
}

enum request_verdict
request_finish(struct conn *c)
{
    size_t head = c->head_len;

    if (c->log.status != 0)
        metrics_request(&c->w->metrics, c->log_site != NULL ? c->log_site->id : 0, c->log.status,
                        c->log.substatus);
    if (c->log_site != NULL && c->log.status != 0)
        respond_log(c, c->log_site);
    c->w->requests++;
    free(c->log.user_owned);
    c->log.user_owned = NULL;
    free(c->log.stem_owned);
    c->log.stem_owned = NULL;
    if (head > c->rlen)
        head = c->rlen;
    memmove(c->rbuf, c->rbuf + head, c->rlen - head);
    c->rlen -= (uint32_t)head;
    c->log_site = NULL;
    c->served = true;
    c->body_scanned = false;
    if (!c->close_after && (c->body_left > 0 || c->body_chunked))
        return REQUEST_DISCARD;
    return REQUEST_NEXT;
}
