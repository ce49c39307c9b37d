/*
 * certmap/view.h - the resolved view: every effective setting, decided once.
 *
 * A view is built from an opened configuration (applicationHost.config and,
 * when asked, the web.config files under the sites' physical paths).  It
 * holds the sites with their bindings (parsed once, here), applications and
 * virtual directories, and per site the sorted list of scopes: the site
 * root, every <location path>, every application root, every virtual
 * directory root and every directory holding a web.config.  Each scope
 * carries the typed effective settings of the sections certmap implements,
 * each value with the file:line it came from.  certmapd, `certmap get
 * config`, `validate` and `list mappings` all read the same view: inheritance
 * (<location>, inheritInChildApplications, web.config layers and locks) is
 * decided here and nowhere else.
 *
 * Ownership: a view is immutable and reference counted.  certmap_view_build()
 * returns one reference; certmap_view_ref()/certmap_view_unref() add and drop
 * references, the last unref frees everything.  Every pointer read from a
 * view (sites, scopes, strings, mapping indexes) is borrowed and valid while
 * the caller holds a reference.  A view does not refer to the configuration
 * it was built from: the configuration may be closed right after the build.
 * Views are safe to read from many threads at once.
 */
#ifndef CERTMAP_VIEW_H
#define CERTMAP_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "certmap/config.h"
#include "certmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct certmap_view;
struct mapping_index; /* the one-to-one index (libcertmap internal: src/lib/mapping.h) */
struct ipsec_rules;   /* compiled ipSecurity (libcertmap internal: src/lib/ipsec.h) */
struct m2o_set;       /* many-to-one mappings (libcertmap internal: src/lib/mapping_many.h) */
struct authz_rules;   /* URL Authorization rules (libcertmap internal: src/lib/authz.h) */
struct rewrite_rules; /* URL Rewrite rules (libcertmap internal: src/lib/rewrite.h) */

struct certmap_handlers; /* handler mappings of a scope (below) */

/* Where a value was written: file NULL (and line 0) when it is the schema default. */
struct certmap_source {
    const char *file;
    unsigned line;
};

/* The effective settings of a scope that the request pipeline reads. */
enum certmap_setting {
    CERTMAP_SET_SSL_FLAGS,       /* access/@sslFlags */
    CERTMAP_SET_ANON_ENABLED,    /* anonymousAuthentication/@enabled */
    CERTMAP_SET_ANON_USER,       /* anonymousAuthentication/@userName */
    CERTMAP_SET_BASIC_ENABLED,   /* basicAuthentication/@enabled */
    CERTMAP_SET_BASIC_REALM,     /* basicAuthentication/@realm */
    CERTMAP_SET_BASIC_DOMAIN,    /* basicAuthentication/@defaultLogonDomain */
    CERTMAP_SET_CM_ENABLED,      /* iisClientCertificateMappingAuthentication/@enabled */
    CERTMAP_SET_CM_ONE_TO_ONE,   /* ...@oneToOneCertificateMappingsEnabled */
    CERTMAP_SET_CM_MANY_TO_ONE,  /* ...@manyToOneCertificateMappingsEnabled */
    CERTMAP_SET_CM_DOMAIN,       /* ...@defaultLogonDomain */
    CERTMAP_SET_CM_LOGON_METHOD, /* ...@logonMethod */
    CERTMAP_SET_DIR_ENABLED,     /* clientCertificateMappingAuthentication/@enabled */
    CERTMAP_SET_COUNT
};

struct certmap_settings {
    unsigned ssl_flags;       /* CERTMAP_SSL_* bits */
    bool anon_enabled;        /* anonymous requests admitted */
    const char *anon_user;    /* anonymous user name ("IUSR" by default) */
    bool basic_enabled;       /* Basic authentication offered */
    const char *basic_realm;  /* "" when unset */
    const char *basic_domain; /* "" when unset */
    bool cm_enabled;          /* client certificate mapping authentication */
    bool cm_one_to_one;       /* one-to-one mappings consulted */
    bool cm_many_to_one;      /* ...@manyToOneCertificateMappingsEnabled */
    const char *cm_domain;    /* defaultLogonDomain of mapped users, "" when unset */
    unsigned cm_logon_method; /* logonMethod enum value */
    /*
     * The site's effective one-to-one mappings (IIS reads them at server and
     * site level only); NULL when cm_enabled or cm_one_to_one is false.
     * Scopes with the same effective collection share one index.
     */
    const struct mapping_index *mappings;
    struct certmap_source src[CERTMAP_SET_COUNT]; /* where each value above was written */
    /*
     * The effective ipSecurity (allowUnlisted, denyAction and the entries in
     * evaluation order, each with its file:line); NULL when nothing can be
     * refused (no entry and allowUnlisted true).  Scopes that change nothing
     * share their parent's.
     */
    const struct ipsec_rules *ipsec;
    /*
     * The site's effective manyToOneMappings in document order (read at the
     * server and site level only, as the one-to-one index); NULL when
     * cm_enabled or cm_many_to_one is false or the site has none.
     */
    const struct m2o_set *many_to_one;
    /*
     * The effective URL Authorization rules (system.webServer/security/
     * authorization): inherited rules first, then this scope's, after
     * <clear/> and <remove>; each rule keeps its file:line.  NULL when the
     * list is empty, which refuses every request as IIS does.  A
     * configuration whose server level does not write the section gets IIS's
     * shipped server-level rule <add accessType="Allow" users="*" /> (file
     * NULL), so that files without the section admit as before.  Scopes with
     * the same effective list share it.
     */
    const struct authz_rules *authz;
    /*
     * serverRuntime/@uploadReadAheadSize: the largest request body (bytes)
     * accepted by a request that makes certmapd ask for a client certificate
     * after the handshake (413 when larger), and where it was written.
     */
    unsigned upload_read_ahead;
    struct certmap_source upload_read_ahead_src;
    /*
     * The URL Rewrite distributed rules (system.webServer/rewrite/rules):
     * inherited rules first, each matching the path relative to the scope
     * it is written for; NULL when there is none.  The server's globalRules
     * come from certmap_view_global_rules().
     */
    const struct rewrite_rules *rewrite;
    /* allowedServerVariables: the names distributed rules may set */
    const char *const *rewrite_allowed;
    size_t rewrite_nallowed;
    /*
     * The effective handler mappings (system.webServer/handlers), in IIS's
     * order of evaluation, and accessPolicy; never NULL.  A configuration
     * whose server level does not write the section gets IIS's shipped
     * StaticFile handler (path="*" verb="*", file NULL), so that files
     * without the section serve as before.
     */
    const struct certmap_handlers *handlers;
    /*
     * clientCertificateMappingAuthentication/@enabled: a verified certificate
     * that no one-to-one or many-to-one mapping maps is looked up in the
     * directory (certmap_server_settings.directory, never NULL when this is
     * true: the build refuses the configuration otherwise).
     */
    bool dir_enabled;
};

/* certmap_scope.kind bits: why the scope exists (several may hold). */
#define CERTMAP_SCOPE_SITE 0x01      /* the site root */
#define CERTMAP_SCOPE_LOCATION 0x02  /* a <location path> names it */
#define CERTMAP_SCOPE_APP 0x04       /* an application root */
#define CERTMAP_SCOPE_VDIR 0x08      /* a virtual directory root */
#define CERTMAP_SCOPE_WEBCONFIG 0x10 /* its directory holds a web.config */

struct certmap_vdir {
    const char *url;       /* application path + vdir path, "" for the site root, no trailing '/' */
    size_t url_len;        /* strlen(url) */
    const char *physical;  /* expanded absolute physicalPath; NULL when unusable (see problem) */
    const char *problem;   /* why physical is NULL (Windows path, bad variable), else NULL */
    bool sub_dir_config;   /* allowSubDirConfig: web.config files below the root are read */
    const char *user_name; /* userName (IIS "connect as"): the Linux account its files are read
                              as, "" for the request's own account; its password is not used */
    struct certmap_source src; /* the <virtualDirectory> */
};

struct certmap_scope {
    const char *path; /* URL path below the site, spelled as the configuration or the disk spells
                         it ("/public"); "" for the site root; never a trailing '/' */
    size_t path_len;  /* strlen(path) */
    unsigned kind;    /* CERTMAP_SCOPE_* bits */
    const struct certmap_scope *parent; /* the nearest enclosing scope; NULL for the site root */
    const struct certmap_vdir *vdir;    /* the virtual directory serving this path, or NULL */
    struct certmap_settings settings;   /* effective settings */
    int error_status;    /* 0, or the status every request here gets (500 for a locked or broken
                            web.config at or above this scope) */
    int error_substatus; /* e.g. 19 */
    const char *error;   /* why, with file:line (for the error log), when error_status != 0 */
};

enum certmap_binding_proto {
    CERTMAP_BINDING_HTTP,
    CERTMAP_BINDING_HTTPS,
};

/* binding/@clientCertificate (extension). */
enum certmap_client_cert {
    CERTMAP_CC_AUTO, /* some scope negotiates or requires one: ask in the handshake when the
                        site root does, or when the client can be asked later by no other means
                        (TLS 1.3 without post-handshake authentication); else when a request
                        reaches such a scope */
    CERTMAP_CC_ON,   /* always ask in the handshake */
    CERTMAP_CC_OFF,  /* never ask */
    CERTMAP_CC_LATE, /* ask only when a request reaches a scope that needs one (TLS 1.3
                        post-handshake authentication, TLS 1.2 renegotiation) */
};

struct certmap_binding {
    enum certmap_binding_proto proto;
    const char *ip;   /* address of bindingInformation ("*" for any) */
    unsigned port;    /* 1..65535 */
    const char *host; /* host name, "" for any */
    enum certmap_client_cert client_cert;
    /* https only, expanded to absolute paths; NULL when unset */
    const char *cert_file;  /* certificateFile */
    const char *key_file;   /* certificateKeyFile */
    const char *cert_hash;  /* certificateHash, "" when unset */
    const char *store_dir;  /* certificateStoreName as a directory (NULL when cert_file is set) */
    const char *store_name; /* certificateStoreName as written ("MY" by default) */
    const char *client_ca_file; /* clientCaFile */
    const char *crl_file;       /* crlFile */
    struct certmap_source src;  /* the <binding> */
};

/* logFile/@logExtFileFlags bits, IIS's values. */
#define CERTMAP_LOG_DATE 0x1
#define CERTMAP_LOG_TIME 0x2
#define CERTMAP_LOG_CLIENT_IP 0x4
#define CERTMAP_LOG_USER_NAME 0x8
#define CERTMAP_LOG_SITE_NAME 0x10
#define CERTMAP_LOG_COMPUTER_NAME 0x20
#define CERTMAP_LOG_SERVER_IP 0x40
#define CERTMAP_LOG_METHOD 0x80
#define CERTMAP_LOG_URI_STEM 0x100
#define CERTMAP_LOG_URI_QUERY 0x200
#define CERTMAP_LOG_HTTP_STATUS 0x400
#define CERTMAP_LOG_WIN32_STATUS 0x800
#define CERTMAP_LOG_BYTES_SENT 0x1000
#define CERTMAP_LOG_BYTES_RECV 0x2000
#define CERTMAP_LOG_TIME_TAKEN 0x4000
#define CERTMAP_LOG_SERVER_PORT 0x8000
#define CERTMAP_LOG_USER_AGENT 0x10000
#define CERTMAP_LOG_COOKIE 0x20000
#define CERTMAP_LOG_REFERER 0x40000
#define CERTMAP_LOG_PROTOCOL_VERSION 0x80000
#define CERTMAP_LOG_HOST 0x100000
#define CERTMAP_LOG_HTTP_SUB_STATUS 0x200000

struct certmap_site {
    const char *name;    /* site/@name */
    unsigned long id;    /* site/@id */
    bool auto_start;     /* serverAutoStart */
    const char *log_dir; /* directory holding W3SVC<id>/ (absolute); NULL: logFile/@enabled false */
    unsigned log_fields; /* logFile/@logExtFileFlags (the site's, else siteDefaults'): bits
                            CERTMAP_LOG_* */
    const struct certmap_binding
        *bindings; /* usable bindings (problems are in the build's diags) */
    size_t nbindings;
    const struct certmap_vdir *vdirs; /* every virtual directory of every application */
    size_t nvdirs;
    const struct certmap_scope *const *scopes; /* sorted by path, case-insensitively */
    size_t nscopes;
    bool wants_cert;           /* some scope negotiates or requires a client certificate */
    size_t mapping_count;      /* one-to-one mappings of the site's index */
    struct certmap_source src; /* the <site> */
};

/* certmap/directory/@mode */
enum certmap_directory_mode {
    CERTMAP_DIR_ALT_SECURITY_IDENTITIES, /* mappingAttribute holds the mapping strings */
    CERTMAP_DIR_USER_CERTIFICATE,        /* userCertificate;binary holds the certificate */
};

/* <certmap><directory>: the LDAP directory that maps certificates (docs/directory.md). */
struct certmap_directory_settings {
    const char *uri;                    /* ldap://host:port or ldaps://host:port (one URI) */
    const char *base_dn;                /* where accounts are searched (subtree) */
    const char *bind_dn;                /* "" for an anonymous bind */
    const char *bind_password_file;     /* absolute; NULL when bind_dn is "" */
    const char *user_attribute;         /* its value is LOGON_USER */
    const char *mapping_attribute;      /* altSecurityIdentities mode: the strings' attribute */
    enum certmap_directory_mode mode;   /* what identifies the account */
    const char *group_attribute;        /* "" for none: each value's first RDN is a role */
    const char *group_base_dn;          /* "" for none, else groups are searched there too */
    const char *group_member_attribute; /* group search: attribute holding members' DNs */
    unsigned cache_seconds;             /* a found account is reused this long */
    unsigned negative_cache_seconds;    /* "no account" is reused this long */
    unsigned max_stale_seconds;   /* a cached result serves this long after it expired while the
                                     directory cannot be reached */
    unsigned retry_after_seconds; /* Retry-After of a 503 when the directory is unreachable */
    unsigned timeout_seconds;     /* network timeout of each LDAP operation */
    unsigned connections;         /* lookup threads, each with its own connection */
    const char *ca_file;          /* absolute, NULL for the system store */
    bool start_tls;               /* ldap:// URIs: StartTLS before the bind (required) */
    bool allow_weak_mappings;     /* weak strings (X509:<S>, <I><S>, <RFC822>) count too */
    struct certmap_source src;    /* the <directory> element (its uri attribute) */
};

/* Server-level settings (sections certmap/limits, certmap/server, certmap/logon). */
struct certmap_server_settings {
    unsigned long max_connections;
    unsigned header_timeout;  /* seconds, at least 1 */
    unsigned request_timeout; /* seconds, at least 1 */
    unsigned idle_timeout;    /* seconds, at least 1 */
    unsigned long max_request_line;
    unsigned long max_header_bytes;
    unsigned max_header_count;
    unsigned long long max_body;
    unsigned long max_client_chain;
    unsigned shutdown_grace; /* seconds */
    unsigned workers;        /* 0: one per core */
    const char *error_log;   /* absolute path of the error log */
    const char *log_dir;     /* default W3C log directory (absolute) */
    bool basic_without_ssl;
    unsigned ticket_seconds;
    unsigned ticket_count;      /* TLS 1.3 tickets sent after a full handshake (0: none) */
    unsigned crl_warning_hours; /* warn this long before a CRL's nextUpdate; 0: never */
    const char *logon_provider; /* "file" or "pam" */
    const char *accounts_file;  /* absolute */
    const char *pam_service;
    unsigned logon_cache_seconds;
    unsigned logon_negative_cache_seconds;
    unsigned logon_threads;
    const char *user;   /* server/@user: account certmapd drops to when started as root, "" none */
    const char *group;  /* server/@group: its group, "" for the user's primary group */
    bool allow_root;    /* server/@allowRoot: serving requests as root is allowed */
    unsigned log_level; /* server/@logLevel: 0 error, 1 warn, 2 notice, 3 info, 4 debug */
    bool read_files_as_user; /* server/@readFilesAsUser: static files are opened as the
                                request's account when certmapd has CAP_SETUID/CAP_SETGID */
    /* certificateExpiryWarningDays: warn this many days before a mapped or server
       certificate's notAfter (0: never) */
    unsigned expiry_warning_days;
    /* <certmap><status listen="ADDR:PORT">: the Prometheus metrics listener.  status_ip is
       the numeric address ("127.0.0.1", "::1"), "" when the element is absent or listen is
       empty (no listener); a listen value that does not parse, or that collides with a
       site binding's address and port, is an error of the build at status_src. */
    const char *status_ip;
    unsigned status_port;             /* 1..65535 when status_ip is not "" */
    struct certmap_source status_src; /* the listen attribute */
    /* system.webServer/proxy (ARR): a rewrite to an absolute http(s) URL proxies only when
       proxy_enabled; 404.4 otherwise, as IIS answers without ARR */
    bool proxy_enabled;
    bool proxy_preserve_host;           /* preserveHostHeader: the client's Host goes upstream */
    bool proxy_reverse_rewrite_host;    /* reverseRewriteHostInResponseHeaders */
    bool proxy_keep_alive;              /* keepAlive: upstream connections are reused */
    const char *proxy_xff_name;         /* xForwardedForHeaderName; "" sends none */
    bool proxy_xff_port;                /* includePortInXForwardedFor */
    unsigned proxy_http_version;        /* httpVersion: 0 PassThrough, 1 Http10, 2 Http11 */
    unsigned proxy_timeout_ms;          /* timeout (timespan) in ms, at least 1000 */
    unsigned proxy_max_response_header; /* maxResponseHeaderSize in bytes (ARR counts KB) */
    /* <certmap><upstream>: caFile (absolute; "" for the system store), keepUnderscoreHeaders,
       maxIdlePerUpstream */
    const char *proxy_ca_file;
    bool proxy_keep_underscore;
    unsigned proxy_max_idle;
    /* <server ticketKeyFile>: the shared session-ticket key file (absolute), NULL when
       unset (keys per process); ticket_key_src is the attribute, for messages. */
    const char *ticket_key_file;
    struct certmap_source ticket_key_src;
    /* <certmap><directory>: NULL when the element is absent or its uri is "" */
    const struct certmap_directory_settings *directory;
};

struct certmap_view_options {
    bool web_config; /* read web.config files under the virtual directories' physical paths */
    /* keep no certificate DER in the one-to-one indexes: a lookup matches on SHA-256 and
       certmap_view_site_mappings() entries have der NULL (certmapd; the CLI lists DER details) */
    bool compact_mappings;
};

/*
 * Builds the view of cfg.  Every finding is appended to diags (may be NULL):
 * errors that make the configuration unusable, errors that disable one item
 * (a mapping whose password does not decrypt is left out and named with its
 * file:line), warnings and notes.  Returns a view with one reference, or NULL
 * and err filled when the configuration cannot be served at all.
 */
struct certmap_view *certmap_view_build(struct certmap_config *cfg,
                                        const struct certmap_view_options *opts,
                                        struct certmap_diags *diags, struct certmap_error *err);

/* Takes one more reference; returns v. */
struct certmap_view *certmap_view_ref(struct certmap_view *v);

/* Drops one reference; the last frees the view (wiping passwords). NULL is ignored. */
void certmap_view_unref(struct certmap_view *v);

/*
 * The directories searched for web.config files (with web_config): a
 * web.config created, changed or removed in one of them, or a directory
 * created there, changes the view; certmapd watches them.
 */
size_t certmap_view_dir_count(const struct certmap_view *v);
const char *certmap_view_dir(const struct certmap_view *v, size_t i);

/* Path of the configuration file the view was built from. */
const char *certmap_view_config_path(const struct certmap_view *v);

/* Server-level settings. */
const struct certmap_server_settings *certmap_view_server(const struct certmap_view *v);

/* The sites, in configuration order. */
size_t certmap_view_site_count(const struct certmap_view *v);
const struct certmap_site *certmap_view_site(const struct certmap_view *v, size_t i);

/* The site named name (case-insensitive), or NULL. */
const struct certmap_site *certmap_view_find_site(const struct certmap_view *v, const char *name);

/*
 * The scope of site that applies to path (decoded and normalised, starting
 * with '/'; len bytes): the deepest scope whose path equals path or is
 * followed in it by '/', compared case-insensitively as IIS does.  Never NULL
 * (the site root matches everything).  The caller serves files under the
 * scope's own spelling of the prefix (certmap_view_respell()), so that a
 * request never reaches another directory than the one its scope names.
 */
const struct certmap_scope *certmap_view_match(const struct certmap_site *site, const char *path,
                                               size_t len);

/*
 * Rewrites the first scope->path_len bytes of path (which matched scope) to
 * the scope's spelling: "/PUBLIC/x.txt" under scope "/public" becomes
 * "/public/x.txt".  The length does not change.
 */
void certmap_view_respell(const struct certmap_scope *scope, char *path);

/*
 * The effective value of attribute attr of section (an IIS section path such
 * as CERTMAP_SECTION_ACCESS) at scope (NULL: the server level), as text in
 * IIS's canonical spelling (schema default when unset); *src (may be NULL)
 * says where it was written.  NULL when the section or attribute is unknown
 * or not a section certmap reads at that level.
 */
const char *certmap_view_get(const struct certmap_view *v, const struct certmap_scope *scope,
                             const char *section, const char *attr, struct certmap_source *src);

/*
 * The URL Rewrite globalRules of the server level (evaluated before every
 * scope's distributed rules), or NULL when there is none.
 */
const struct rewrite_rules *certmap_view_global_rules(const struct certmap_view *v);

/*
 * The one-to-one mappings of site (its index, also when disabled by the
 * section's settings at every scope), or NULL when the site has none.
 */
const struct mapping_index *certmap_view_site_mappings(const struct certmap_site *site);

/*
 * The many-to-one mappings of site (also when disabled by the section's
 * settings at every scope), or NULL when the site has none.
 */
const struct m2o_set *certmap_view_site_many_to_one(const struct certmap_site *site);

/* ---- handler mappings and FastCGI applications ---- */

/* What serves a request that a handler mapping selects. */
enum certmap_handler_module {
    CERTMAP_HMOD_STATIC,  /* StaticFileModule, DefaultDocumentModule, DirectoryListingModule,
                             ProtocolSupportModule: certmapd's static handler */
    CERTMAP_HMOD_FASTCGI, /* FastCgiModule: app (below) */
    CERTMAP_HMOD_MISSING, /* a module certmap does not have (IsapiModule, CgiModule,
                             ManagedPipelineHandler, none): 500.21 as IIS answers */
};

/* fastCgi/application/@fullPath, as certmap reads it on Linux. */
enum certmap_fcgi_kind {
    CERTMAP_FCGI_PROGRAM, /* an absolute program path certmapd starts (php-cgi) */
    CERTMAP_FCGI_UNIX,    /* "unix:/path": an external FastCGI server's Unix socket */
    CERTMAP_FCGI_TCP,     /* "host:port", "[v6]:port": an external server over TCP */
};

struct certmap_fcgi_env {
    const char *name;
    const char *value;
};

/* A FastCGI application (system.webServer/fastCgi, server level). */
struct certmap_fcgi_app {
    const char *full_path;              /* as written */
    const char *arguments;              /* as written, "" when none */
    enum certmap_fcgi_kind kind;        /* how full_path reads */
    const char *address;                /* UNIX: socket path; TCP: host; PROGRAM: full_path */
    unsigned port;                      /* TCP: 1..65535 */
    unsigned max_instances;             /* processes (PROGRAM) or connections per worker; 0: 4 */
    unsigned instance_max_requests;     /* requests a process serves before it is replaced */
    unsigned activity_timeout;          /* seconds without a byte from the application */
    unsigned request_timeout;           /* seconds a request may take */
    unsigned idle_timeout;              /* seconds an idle process lives */
    const struct certmap_fcgi_env *env; /* environmentVariables, in order */
    size_t nenv;
    struct certmap_source src; /* the <application> */
};

/* One handler mapping (handlers/add). */
struct certmap_handler {
    const char *name;
    const char *path; /* "*.php", "*", "x.axd"; with a '/', matched against the whole path */
    const char *verb; /* "*" or a comma-separated list of methods */
    const char *modules;
    const char *script_processor;
    enum certmap_handler_module module;
    unsigned resource_type;             /* 0 File, 1 Directory, 2 Either, 3 Unspecified */
    unsigned require_access;            /* 0 None, 1 Read, 2 Write, 3 Script, 4 Execute */
    const struct certmap_fcgi_app *app; /* CERTMAP_HMOD_FASTCGI: the scriptProcessor's */
    struct certmap_source src;          /* the <add>; file NULL for the shipped StaticFile */
};

/* handlers/@accessPolicy bits (IIS's values). */
#define CERTMAP_ACCESS_READ 0x1
#define CERTMAP_ACCESS_WRITE 0x2
#define CERTMAP_ACCESS_EXECUTE 0x4
#define CERTMAP_ACCESS_SOURCE 0x10
#define CERTMAP_ACCESS_SCRIPT 0x200
#define CERTMAP_ACCESS_NO_REMOTE_WRITE 0x400
#define CERTMAP_ACCESS_NO_REMOTE_READ 0x1000
#define CERTMAP_ACCESS_NO_REMOTE_EXECUTE 0x2000
#define CERTMAP_ACCESS_NO_REMOTE_SCRIPT 0x4000

struct certmap_handlers {
    const struct certmap_handler *const *items; /* in evaluation order */
    size_t n;
    unsigned access_policy; /* CERTMAP_ACCESS_* bits */
    struct certmap_source access_policy_src;
};

/*
 * The handler for a request to path[0..len) (decoded, normalised) with
 * method[0..mlen), as IIS picks it: the first mapping whose path pattern
 * ('*' wildcards, case-insensitive; against the last segment, or the whole
 * path when the pattern holds a '/') and verb list match, skipping the
 * mappings accessPolicy disables (requireAccess Read needs Read, Write
 * needs Write, Script needs Script or Execute, Execute needs Execute; the
 * NoRemote* flags take theirs away, every request being remote here).
 * NULL when none matches: IIS answers 404.4.
 */
const struct certmap_handler *certmap_handlers_match(const struct certmap_handlers *h,
                                                     const char *path, size_t len,
                                                     const char *method, size_t mlen);

/* The FastCGI applications (server level), in configuration order. */
size_t certmap_view_fcgi_app_count(const struct certmap_view *v);
const struct certmap_fcgi_app *certmap_view_fcgi_app(const struct certmap_view *v, size_t i);

#ifdef __cplusplus
}
#endif

#endif
