/*
 * metrics.c - the counters of certmapd and the status listener that serves
 * them (see metrics.h).
 */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/x509_vfy.h>

#include "cert/verify.h"
#include "dirsvc.h"
#include "errlog.h"
#include "snapshot.h"

/* A scrape request must arrive whole within this time; one scrape at a time is served. */
#define METRICS_IO_TIMEOUT_SEC 2
#define METRICS_REQUEST_MAX 4096

static const double logon_bounds[METRICS_LOGON_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                           0.1,   0.25,   0.5,   1,    2.5};

/* ---- counting (worker threads) ---- */

/* The only writer of m adds one: no read-modify-write needs to be atomic. */
static void
ctr_bump(_Atomic uint64_t *c)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

static uint64_t
ctr_load(const _Atomic uint64_t *c)
{
    return atomic_load_explicit((_Atomic uint64_t *)c, memory_order_relaxed);
}

void
metrics_request(struct metrics_worker *m, unsigned long site_id, int status, int substatus)
{
    uint64_t key = 1ULL << 63 | ((uint64_t)site_id & 0x7fffffffULL) << 32 |
                   ((uint64_t)status & 0xffff) << 16 | ((uint64_t)substatus & 0xffff);
    size_t i = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 40) % METRICS_REQ_SLOTS;
    uint64_t k;

    for (size_t probes = 0; probes < METRICS_REQ_SLOTS; probes++) {
        struct metrics_req_slot *s = &m->req[(i + probes) % METRICS_REQ_SLOTS];
        k = atomic_load_explicit(&s->key, memory_order_relaxed);
        if (k == key) {
            ctr_bump(&s->n);
            return;
        }
        if (k == 0) {
            /* the count first: a scrape that sees the key sees its count */
            atomic_store_explicit(&s->n, 1, memory_order_relaxed);
            atomic_store_explicit(&s->key, key, memory_order_release);
            return;
        }
    }
    ctr_bump(&m->req_overflow);
}

void
metrics_handshake(struct metrics_worker *m, bool resumed, bool has_cert, long verify_result)
{
    if (resumed) {
        ctr_bump(&m->handshakes_resumed);
        return;
    }
    ctr_bump(&m->handshakes_full);
    if (!has_cert || verify_result == X509_V_OK)
        return;
    switch (cert_verify_substatus(verify_result)) {
    case 17:
        ctr_bump(&m->verify_failed[METRICS_VERIFY_EXPIRED]);
        break;
    case 13:
        ctr_bump(&m->verify_failed[METRICS_VERIFY_REVOKED]);
        break;
    default:
        ctr_bump(&m->verify_failed[METRICS_VERIFY_UNTRUSTED]);
        break;
    }
}

void
metrics_logon(struct metrics_worker *m, int result, uint64_t usec)
{
    size_t b = 0;

    if (result >= 0 && result < 3)
        ctr_bump(&m->logons[result]);
    while (b < METRICS_LOGON_BUCKETS && (double)usec / 1e6 > logon_bounds[b])
        b++;
    ctr_bump(&m->logon_buckets[b]);
    atomic_store_explicit(&m->logon_usec, ctr_load(&m->logon_usec) + usec, memory_order_relaxed);
}

uint64_t
metrics_now_usec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000 + 1;
}

void
metrics_loaded(struct metrics_global *g, unsigned long generation, time_t when)
{
    atomic_store_explicit(&g->generation, generation, memory_order_relaxed);
    atomic_store_explicit(&g->loaded_at, (int64_t)when, memory_order_relaxed);
}

void
metrics_reload(struct metrics_global *g, bool ok, unsigned long generation, time_t when)
{
    if (!ok) {
        atomic_fetch_add_explicit(&g->reloads_failed, 1, memory_order_relaxed);
        return;
    }
    atomic_fetch_add_explicit(&g->reloads_ok, 1, memory_order_relaxed);
    metrics_loaded(g, generation, when);
}

/* ---- rendering ---- */

struct metrics_out {
    char *p;
    size_t len, cap;
    bool oom;
};

static void __attribute__((format(printf, 2, 3)))
out_printf(struct metrics_out *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->oom)
        return;
    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            o->oom = true;
            return;
        }
        if ((size_t)n < o->cap - o->len) {
            o->len += (size_t)n;
            return;
        }
        size_t cap = o->cap * 2 + (size_t)n + 1;
        char *p = realloc(o->p, cap);
        if (p == NULL) {
            o->oom = true;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
}

/* A label value: backslash, double quote and line feed escaped, as the format requires. */
static void
out_label(struct metrics_out *o, const char *v)
{
    for (; *v != '\0'; v++) {
        if (*v == '\\')
            out_printf(o, "\\\\");
        else if (*v == '"')
            out_printf(o, "\\\"");
        else if (*v == '\n')
            out_printf(o, "\\n");
        else
            out_printf(o, "%c", *v);
    }
}

static void
out_family(struct metrics_out *o, const char *name, const char *type, const char *help)
{
    out_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static uint64_t
ctr_sum(const struct metrics_state *st, size_t offset)
{
    uint64_t n = 0;

    for (size_t i = 0; i < st->nworkers; i++)
        n += ctr_load((const _Atomic uint64_t *)((const char *)st->workers[i] + offset));
    return n;
}

#define SUM(st, field) ctr_sum((st), offsetof(struct metrics_worker, field))

struct req_row {
    uint64_t key, n;
};

static int
req_row_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct req_row *)a)->key, y = ((const struct req_row *)b)->key;
    return x < y ? -1 : x > y;
}

static void
render_requests(struct metrics_out *o, const struct metrics_state *st)
{
    struct req_row *rows = calloc(st->nworkers * METRICS_REQ_SLOTS + 1, sizeof(*rows));
    size_t n = 0, i, j;
    char idname[32];

    if (rows == NULL) {
        o->oom = true;
        return;
    }
    for (i = 0; i < st->nworkers; i++) {
        for (j = 0; j < METRICS_REQ_SLOTS; j++) {
            const struct metrics_req_slot *s = &st->workers[i]->req[j];
            uint64_t key = atomic_load_explicit((_Atomic uint64_t *)&s->key, memory_order_acquire);
            if (key != 0)
                rows[n++] = (struct req_row){key, ctr_load(&s->n)};
        }
    }
    qsort(rows, n, sizeof(*rows), req_row_cmp);
    out_family(o, "certmapd_requests_total", "counter",
               "Requests answered, by site, HTTP status and IIS sub-status.");
    for (i = 0; i < n; i = j) {
        uint64_t total = 0, key = rows[i].key;
        unsigned long id = (unsigned long)(key >> 32 & 0x7fffffff);
        const char *name = "";
        for (j = i; j < n && rows[j].key == key; j++)
            total += rows[j].n;
        if (id != 0) {
            name = st->site_name != NULL ? st->site_name(st->site_arg, id) : NULL;
            if (name == NULL) {
                snprintf(idname, sizeof(idname), "#%lu", id);
                name = idname;
            }
        }
        out_printf(o, "certmapd_requests_total{site=\"");
        out_label(o, name);
        out_printf(o, "\",status=\"%u\",substatus=\"%u\"} %llu\n", (unsigned)(key >> 16 & 0xffff),
                   (unsigned)(key & 0xffff), (unsigned long long)total);
    }
    free(rows);
    out_family(o, "certmapd_requests_unlabelled_total", "counter",
               "Requests answered but not counted by site and status: a worker's table of "
               "those was full.");
    out_printf(o, "certmapd_requests_unlabelled_total %llu\n",
               (unsigned long long)SUM(st, req_overflow));
}

static void
render_tls(struct metrics_out *o, const struct metrics_state *st)
{
    static const char *const reason[METRICS_VERIFY_COUNT] = {"untrusted", "expired", "revoked"};
    static const char *const sub[METRICS_VERIFY_COUNT] = {"16", "17", "13"};

    out_family(o, "certmapd_tls_handshakes_total", "counter",
               "TLS handshakes completed, full or resuming a session.");
    out_printf(o, "certmapd_tls_handshakes_total{kind=\"full\"} %llu\n",
               (unsigned long long)SUM(st, handshakes_full));
    out_printf(o, "certmapd_tls_handshakes_total{kind=\"resumed\"} %llu\n",
               (unsigned long long)SUM(st, handshakes_resumed));
    out_family(o, "certmapd_client_cert_verify_failures_total", "counter",
               "Client certificates that failed verification in a full handshake, by reason "
               "(the 403 sub-status their requests get).");
    for (int r = 0; r < METRICS_VERIFY_COUNT; r++)
        out_printf(
            o, "certmapd_client_cert_verify_failures_total{reason=\"%s\",substatus=\"%s\"} %llu\n",
            reason[r], sub[r],
            (unsigned long long)ctr_sum(st, offsetof(struct metrics_worker, verify_failed) +
                                                (size_t)r * sizeof(_Atomic uint64_t)));
}

static void
render_logon(struct metrics_out *o, const struct metrics_state *st)
{
    static const char *const result[3] = {"ok", "refused", "error"};
    uint64_t cum = 0;

    out_family(o, "certmapd_logons_total", "counter",
               "Logons run on the logon pool (provider or its cache), by result.");
    for (int r = 0; r < 3; r++)
        out_printf(o, "certmapd_logons_total{result=\"%s\"} %llu\n", result[r],
                   (unsigned long long)ctr_sum(st, offsetof(struct metrics_worker, logons) +
                                                       (size_t)r * sizeof(_Atomic uint64_t)));
    out_family(o, "certmapd_logon_cache_hits_total", "counter",
               "Logons answered from the logon cache (restarts when a reload replaces the "
               "logon service).");
    out_printf(o, "certmapd_logon_cache_hits_total %llu\n",
               (unsigned long long)(st->logon != NULL ? st->logon->hits : 0));
    out_family(o, "certmapd_logon_cache_misses_total", "counter",
               "Logons the logon cache did not answer (restarts with the logon service).");
    out_printf(o, "certmapd_logon_cache_misses_total %llu\n",
               (unsigned long long)(st->logon != NULL ? st->logon->misses : 0));
    out_family(o, "certmapd_logon_duration_seconds", "histogram",
               "Time from queueing a logon on the pool to its result reaching the worker.");
    for (int b = 0; b <= METRICS_LOGON_BUCKETS; b++) {
        cum += ctr_sum(st, offsetof(struct metrics_worker, logon_buckets) +
                               (size_t)b * sizeof(_Atomic uint64_t));
        if (b < METRICS_LOGON_BUCKETS)
            out_printf(o, "certmapd_logon_duration_seconds_bucket{le=\"%g\"} %llu\n",
                       logon_bounds[b], (unsigned long long)cum);
        else
            out_printf(o, "certmapd_logon_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                       (unsigned long long)cum);
    }
    out_printf(o, "certmapd_logon_duration_seconds_sum %.6f\n", (double)SUM(st, logon_usec) / 1e6);
    out_printf(o, "certmapd_logon_duration_seconds_count %llu\n", (unsigned long long)cum);
}

/* The directory's lookups and cache (directory_stats_get()); nothing without a directory. */
static void
render_directory(struct metrics_out *o, const struct metrics_state *st)
{
    const struct dir_stats *d = st->dir;
    unsigned long long cum = 0;

    if (d == NULL)
        return;
    out_family(o, "certmapd_directory_requests_total", "counter",
               "Certificates asked of the directory service, by how they were answered: hit "
               "(cache, fresh), stale (cache past expiry, directory unreachable), miss (a lookup "
               "queued), coalesced (joined a lookup already queued or running).");
    out_printf(o, "certmapd_directory_requests_total{result=\"hit\"} %llu\n", d->hits);
    out_printf(o, "certmapd_directory_requests_total{result=\"stale\"} %llu\n", d->stale_hits);
    out_printf(o, "certmapd_directory_requests_total{result=\"miss\"} %llu\n", d->misses);
    out_printf(o, "certmapd_directory_requests_total{result=\"coalesced\"} %llu\n", d->coalesced);
    out_family(o, "certmapd_directory_lookups_total", "counter",
               "Lookups the pool made, by result: answered by the directory, or failed (no "
               "answer: unreachable, timed out, refused).");
    out_printf(o, "certmapd_directory_lookups_total{result=\"answered\"} %llu\n", d->lookups);
    out_printf(o, "certmapd_directory_lookups_total{result=\"failed\"} %llu\n", d->failures);
    out_family(o, "certmapd_directory_lookup_duration_seconds", "histogram",
               "Duration of the lookups the directory answered (connection, bind when needed, "
               "searches).");
    for (int b = 0; b <= 7; b++) {
        cum += d->latency_buckets[b];
        if (b < 7)
            out_printf(o, "certmapd_directory_lookup_duration_seconds_bucket{le=\"%g\"} %llu\n",
                       dir_latency_bounds_ms[b] / 1000.0, cum);
        else
            out_printf(o, "certmapd_directory_lookup_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                       cum);
    }
    out_printf(o, "certmapd_directory_lookup_duration_seconds_sum %.6f\n",
               (double)d->latency_usec / 1e6);
    out_printf(o, "certmapd_directory_lookup_duration_seconds_count %llu\n", cum);
    out_family(o, "certmapd_directory_cache_entries", "gauge",
               "Answers held in the directory cache now (found, not found, ambiguous).");
    out_printf(o, "certmapd_directory_cache_entries %zu\n", d->cached);
}

static void
render_server(struct metrics_out *o, const struct metrics_state *st)
{
    /* C11's atomic_load() takes no const object; the main thread is the writer */
    struct metrics_global *gw = (struct metrics_global *)st->global;

    out_family(o, "certmapd_open_connections", "gauge", "Client connections open now.");
    out_printf(o, "certmapd_open_connections %lu\n", st->open_conns);
    out_family(o, "certmapd_reloads_total", "counter",
               "Configuration reloads, by result (a failed one keeps the running configuration).");
    out_printf(o, "certmapd_reloads_total{result=\"ok\"} %llu\n",
               (unsigned long long)atomic_load_explicit(&gw->reloads_ok, memory_order_relaxed));
    out_printf(o, "certmapd_reloads_total{result=\"failed\"} %llu\n",
               (unsigned long long)atomic_load_explicit(&gw->reloads_failed, memory_order_relaxed));
    out_family(o, "certmapd_config_generation", "gauge",
               "Generation of the configuration being served (1 at start).");
    out_printf(o, "certmapd_config_generation %llu\n",
               (unsigned long long)atomic_load_explicit(&gw->generation, memory_order_relaxed));
    out_family(o, "certmapd_config_load_timestamp_seconds", "gauge",
               "When the configuration being served was loaded (Unix time).");
    out_printf(o, "certmapd_config_load_timestamp_seconds %lld\n",
               (long long)atomic_load_explicit(&gw->loaded_at, memory_order_relaxed));
    out_family(o, "certmapd_crl_next_update_timestamp_seconds", "gauge",
               "Earliest nextUpdate of the CRLs of each crlFile (Unix time).");
    for (size_t i = 0; i < st->ncrls; i++) {
        if (st->crls[i].next_update == 0)
            continue;
        out_printf(o, "certmapd_crl_next_update_timestamp_seconds{file=\"");
        out_label(o, st->crls[i].file);
        out_printf(o, "\"} %lld\n", (long long)st->crls[i].next_update);
    }
}

char *
metrics_render(const struct metrics_state *st, size_t *len)
{
    struct metrics_out o = {NULL, 0, 0, false};

    o.cap = 4096;
    o.p = malloc(o.cap);
    if (o.p == NULL)
        return NULL;
    render_requests(&o, st);
    render_tls(&o, st);
    render_logon(&o, st);
    render_directory(&o, st);
    render_server(&o, st);
    if (o.oom) {
        free(o.p);
        return NULL;
    }
    *len = o.len;
    return o.p;
}

/* ---- gathering (status thread) ---- */

static const char *
metrics_site_name(const void *arg, unsigned long id)
{
    const struct snapshot *snap = arg;

    for (size_t i = 0; i < snap->nsites; i++)
        if (snap->sites[i].id == id)
            return snap->sites[i].name;
    return NULL;
}

/* The crlFiles of snap's bindings, each once, with their earliest nextUpdate. */
static struct metrics_crl *
metrics_crls(const struct snapshot *snap, size_t *n)
{
    const struct certmap_view *v = snap->view;
    struct metrics_crl *crls = NULL, *grown;
    struct cert_crl_info *info;
    struct certmap_error err;
    size_t cap = 0, ninfo, i, j, k;

    *n = 0;
    for (i = 0; i < certmap_view_site_count(v); i++) {
        const struct certmap_site *s = certmap_view_site(v, i);
        for (j = 0; j < s->nbindings; j++) {
            const char *f = s->bindings[j].crl_file;
            bool seen = false;
            if (f == NULL)
                continue;
            for (k = 0; k < *n && !seen; k++)
                seen = strcmp(crls[k].file, f) == 0;
            if (seen)
                continue;
            if (*n == cap) {
                cap = cap ? cap * 2 : 8;
                grown = realloc(crls, cap * sizeof(*crls));
                if (grown == NULL)
                    return crls;
                crls = grown;
            }
            crls[*n] = (struct metrics_crl){f, 0};
            /* an unreadable file has no gauge; the error log and certmapd -t say why */
            certmap_error_clear(&err);
            if (cert_crl_read(f, &info, &ninfo, s->bindings[j].src.file, s->bindings[j].src.line,
                              &err) == 0) {
                for (k = 0; k < ninfo; k++)
                    if (info[k].next_update != 0 &&
                        (crls[*n].next_update == 0 || info[k].next_update < crls[*n].next_update))
                        crls[*n].next_update = info[k].next_update;
                free(info);
            }
            (*n)++;
        }
    }
    return crls;
}

static char *
metrics_scrape(struct metrics_server *ms, size_t *len)
{
    struct metrics_state st;
    struct logon_stats ls;
    struct dir_stats ds;
    struct metrics_crl *crls;
    struct snapshot *snap;
    char *text = NULL;

    memset(&st, 0, sizeof(st));
    snap = ms->collect(ms->collect_arg, &st);
    if (snap == NULL)
        return NULL;
    st.global = ms->global;
    if (snap->logon != NULL) {
        logon_stats_get(snap->logon, &ls);
        st.logon = &ls;
    }
    if (snap->dir != NULL) {
        directory_stats_get(dirsvc_dir(snap->dir), &ds);
        st.dir = &ds;
    }
    st.site_name = metrics_site_name;
    st.site_arg = snap;
    crls = metrics_crls(snap, &st.ncrls);
    st.crls = crls;
    text = metrics_render(&st, len);
    free(crls);
    free((void *)st.workers);
    snapshot_unref(snap);
    return text;
}

/* ---- the listener ---- */

int
metrics_server_listen(struct metrics_server *ms, const char *ip, unsigned port,
                      struct certmap_error *err)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int one = 1, fd = -1, ret = -1;

    memset(&ss, 0, sizeof(ss));
    ms->fd = -1;
    ms->stopfd = -1;
    if (strchr(ip, ':') != NULL) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, ip, &a->sin6_addr);
        len = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, ip, &a->sin_addr);
        len = sizeof(*a);
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ss.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 16) != 0)
        goto fail;
    ms->fd = fd;
    fd = -1;
    ret = 0;
    goto out;
fail:
    certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, "status", "listen",
                      "cannot listen on %s%s%s:%u: %s", strchr(ip, ':') ? "[" : "", ip,
                      strchr(ip, ':') ? "]" : "", port, strerror(errno));
out:
    if (fd >= 0)
        close(fd);
    return ret;
}

/* Reads the request head; true when it asks for GET /metrics. */
static bool
status_wants(int fd)
{
    char buf[METRICS_REQUEST_MAX + 1];
    size_t len = 0;
    ssize_t n;

    while (len < METRICS_REQUEST_MAX) {
        n = read(fd, buf + len, METRICS_REQUEST_MAX - len);
        if (n <= 0)
            return false;
        len += (size_t)n;
        buf[len] = '\0';
        if (strstr(buf, "\r\n\r\n") != NULL || strstr(buf, "\n\n") != NULL)
            break;
    }
    buf[len] = '\0';
    return strncmp(buf, "GET /metrics ", 13) == 0 || strncmp(buf, "GET /metrics?", 13) == 0;
}

static void
status_write(int fd, const char *p, size_t len)
{
    ssize_t n;

    while (len > 0) {
        n = write(fd, p, len);
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

static void
status_serve(struct metrics_server *ms, int fd)
{
    static const char not_found[] = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
                                    "Content-Length: 10\r\nConnection: close\r\n\r\nnot found\n";
    struct timeval tv = {METRICS_IO_TIMEOUT_SEC, 0};
    char head[256];
    char *body = NULL;
    size_t len = 0;
    int hl;

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (!status_wants(fd)) {
        status_write(fd, not_found, sizeof(not_found) - 1);
        return;
    }
    body = metrics_scrape(ms, &len);
    if (body == NULL) {
        static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                   "Connection: close\r\n\r\n";
        status_write(fd, busy, sizeof(busy) - 1);
        return;
    }
    hl = snprintf(head, sizeof(head),
                  "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                  "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                  len);
    status_write(fd, head, (size_t)hl);
    status_write(fd, body, len);
    free(body);
}

static void *
status_thread(void *arg)
{
    struct metrics_server *ms = arg;
    struct pollfd pfd[2];
    int fd;

    for (;;) {
        pfd[0] = (struct pollfd){.fd = ms->stopfd, .events = POLLIN};
        pfd[1] = (struct pollfd){.fd = ms->fd, .events = POLLIN};
        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
            break;
        if (pfd[0].revents & POLLIN)
            break;
        if (!(pfd[1].revents & POLLIN))
            continue;
        fd = accept4(ms->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        status_serve(ms, fd);
        shutdown(fd, SHUT_WR);
        close(fd);
    }
    return NULL;
}

int
metrics_server_start(struct metrics_server *ms, metrics_collect_fn collect, void *arg,
                     struct metrics_global *global, struct certmap_error *err)
{
    int e;

    ms->collect = collect;
    ms->collect_arg = arg;
    ms->global = global;
    ms->stopfd = eventfd(0, EFD_CLOEXEC);
    if (ms->stopfd < 0) {
        certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, "status", NULL, "eventfd: %s",
                          strerror(errno));
        return -1;
    }
    e = pthread_create(&ms->thread, NULL, status_thread, ms);
    if (e != 0) {
        certmap_error_set(err, CERTMAP_ERR_IO, NULL, 0, "status", NULL,
                          "cannot start the status thread: %s", strerror(e));
        return -1;
    }
    ms->started = true;
    return 0;
}

void
metrics_server_stop(struct metrics_server *ms)
{
    uint64_t one = 1;

    if (ms->started) {
        if (write(ms->stopfd, &one, sizeof(one)) != (ssize_t)sizeof(one))
            errlog_printf(ERRLOG_WARN, "cannot stop the status thread");
        else
            pthread_join(ms->thread, NULL);
        ms->started = false;
    }
    if (ms->stopfd >= 0)
        close(ms->stopfd);
    if (ms->fd >= 0)
        close(ms->fd);
    ms->stopfd = -1;
    ms->fd = -1;
}
