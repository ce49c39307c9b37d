/*
 * snapshot.h - the immutable runtime view of one configuration.
 *
 * A snapshot is built from a certmap_config (snapshot_build.h; on the main
 * thread at startup, on the reload thread later) and then only read, by
 * every worker at once, without locks.  It holds the sites with their
 * bindings, virtual directories and effective <location> settings, one
 * mapping index per location scope, the TLS contexts of the https bindings,
 * the limits and the logon settings.  Workers and connections hold
 * references; the last snapshot_unref() frees it.  Requests in flight keep
 * the snapshot they started with, so a reload never changes a request
 * halfway.
 */
#ifndef CERTMAP_SERVER_SNAPSHOT_H
#define CERTMAP_SERVER_SNAPSHOT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "certmap/config.h"
#include "certmap/error.h"
#include "certmap/view.h"
#include "dirsvc.h"
#include "logon.h"
#include "mapping.h"
#include "tickets.h"

struct logonsvc;
struct dirsvc;
struct w3clog;
struct w3clog_set;

enum snap_proto {
    SNAP_HTTP,
    SNAP_HTTPS,
};

/* binding/@clientCertificate (extension). */
enum snap_client_cert {
    SNAP_CC_AUTO, /* request one when the site has a location that negotiates or requires one */
    SNAP_CC_ON,
    SNAP_CC_OFF,
    SNAP_CC_LATE, /* request one only when a request needs it */
};

/* When a binding that uses client certificates asks for one (snap_binding.cert_defer). */
enum snap_cert_defer {
    SNAP_DEFER_NO,      /* in the handshake */
    SNAP_DEFER_CAPABLE, /* after the handshake when the client can be asked then (TLS 1.2
                           renegotiation, TLS 1.3 with post-handshake authentication), else in
                           the handshake: "auto" on a site whose root does not need one */
    SNAP_DEFER_ALWAYS,  /* after the handshake, or never when the client cannot be asked: "late" */
};

/* Runtime resources of one virtual directory of the view (same index as certmap_site.vdirs). */
struct snap_vdir {
    const struct certmap_vdir *v; /* the view's virtual directory */
    int root_fd; /* static_open_root() of v->physical, -1 when it could not be opened */
};

struct snap_site {
    const struct certmap_site *vs; /* the view's site: scopes, settings, vdirs */
    unsigned long id;              /* site/@id */
    const char *name;              /* site/@name (borrowed from the view) */
    struct snap_vdir *vdirs;       /* parallel to vs->vdirs (owned array) */
    size_t nvdirs;
    const char *log_dir; /* directory holding W3SVC<id>/ (borrowed from the view) */
    struct w3clog *log;  /* W3C log of the site (reference from the w3clog_set), NULL if none */
    bool wants_cert;     /* some scope negotiates or requires a client certificate */
    struct tickets_site tickets; /* session-ticket keys: derived from the server's own keys or
                                    from <server ticketKeyFile> (tickets.h) */
};

struct snap_endpoint;

struct snap_binding {
    enum snap_proto proto;
    struct snap_site *site;
    struct snap_endpoint *ep; /* where it listens */
    char *host;               /* host name of bindingInformation, "" for any */
    bool wildcard_ip;         /* bindingInformation ip was "*" */
    enum snap_client_cert client_cert;
    bool request_cert; /* ask for a client certificate in the handshake */
    SSL_CTX *ssl_ctx;  /* https: owned (one reference) */
    char *file;        /* source of the <binding>, for messages */
    unsigned line;
    enum snap_cert_defer cert_defer; /* with request_cert: when the certificate is asked for */
    char *crl_note; /* what its crlFile's CRLs say (cert_crl_describe()), for the explanation
                       of a refusal; NULL without crlFile */
};

/* One listening address: every binding that accepts connections on it. */
struct snap_endpoint {
    enum snap_proto proto;
    struct sockaddr_storage addr; /* address to bind */
    socklen_t addrlen;
    char key[80];  /* "https/[::]:443": identity of the listener across reloads */
    char ip[48];   /* address as text, for the W3C log's s-ip when bound to one address */
    unsigned port; /* port number */
    struct snap_binding **bindings; /* bindings on exactly this address first, then those on
                                       '*' with the same port and protocol */
    size_t nbindings;
    SSL_CTX *default_ctx; /* https: context of the first binding, used until SNI picks one */
};

struct snapshot {
    atomic_long refs;              /* the server's current pointer + workers + connections */
    struct certmap_view *view;     /* the resolved configuration (one reference) */
    unsigned long generation;      /* increases with each build */
    struct timespec build_started; /* CLOCK_REALTIME when the build began reading files */
    char *config_path;             /* absolute path of the configuration file */
    struct snap_site *sites;
    size_t nsites;
    struct snap_binding *bindings;
    size_t nbindings;
    struct snap_endpoint *endpoints;
    size_t nendpoints;
    /* the server-level settings (limits, logs, workers, privileges), read from the view */
    const struct certmap_server_settings *sv;
    struct logon_settings logon_settings; /* the logon service's settings (strings in view) */
    struct logon *logon;        /* the logon service requests use (of logon_svc), or NULL */
    struct logonsvc *logon_svc; /* owned reference to the shared service, or NULL */
    struct w3clog_set *logs;    /* borrowed */
    struct dirsvc *dir;         /* owned reference to the directory service, NULL without one */
    size_t mapping_count;       /* mappings over all indexes built (shared ones once) */
};

/*
 * Attaches the logon service requests use (before snap is shared); the
 * snapshot takes over the reference svc, and its last snapshot_unref() drops it.
 */
void snapshot_set_logon(struct snapshot *snap, struct logonsvc *svc);

/*
 * Attaches the directory service (before snap is shared), taking over the
 * reference svc (may be NULL); the last snapshot_unref() drops it.
 */
void snapshot_set_directory(struct snapshot *snap, struct dirsvc *svc);

/*
 * The directory service snap needs: the current one when its settings are
 * snap's (cur may be NULL), else a new one retired through retire(arg)
 * (dirsvc.h); NULL without a directory.  0, or -1 and err.
 */
int snapshot_directory_for(const struct snapshot *snap, const struct snapshot *cur,
                           dirsvc_retire_fn retire, void *arg, struct dirsvc **out,
                           struct certmap_error *err);

/* Takes one more reference; returns snap. */
struct snapshot *snapshot_ref(struct snapshot *snap);

/* Drops one reference; the last frees everything (closing roots, SSL contexts, indexes). NULL ok.
 */
void snapshot_unref(struct snapshot *snap);

/*
 * The scope of site that applies to path (decoded and normalised, starting
 * with '/'), see certmap_view_match(); never NULL.
 */
const struct certmap_scope *snapshot_find_scope(const struct snap_site *site, const char *path,
                                                size_t len);

/* The runtime virtual directory of scope (its view vdir), or NULL when no vdir serves it. */
const struct snap_vdir *snapshot_scope_vdir(const struct snap_site *site,
                                            const struct certmap_scope *scope);

/*
 * The binding of ep for host name host (len bytes, no port, may be empty):
 * an exact host match (case-insensitive) first, then a binding without a host
 * name.  NULL when no binding accepts this host.
 */
const struct snap_binding *snapshot_find_binding(const struct snap_endpoint *ep, const char *host,
                                                 size_t len);

/* The endpoint of snap with this key (snap_endpoint.key), or NULL. */
const struct snap_endpoint *snapshot_find_endpoint(const struct snapshot *snap, const char *key);

/*
 * Helpers of the two builders (snapshot_build.c, snapshot_bind.c), here so
 * that both reach them without reaching each other.
 */

/* Appends one diagnostic with its location (file/element/attr may be NULL); diags may be NULL. */
void snap_diag(struct certmap_diags *diags, enum certmap_severity sev, const char *file,
               unsigned line, const char *element, const char *attr, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Appends a library error as is; diags may be NULL. */
void snap_diag_err(struct certmap_diags *diags, enum certmap_severity sev,
                   const struct certmap_error *e);

/* strdup() of s, "" for NULL; NULL when out of memory. */
char *snap_strdup(const char *s);

#endif
