/*
 * schema.c - the sections, elements and attributes certmap implements, with
 * IIS's types and defaults (IIS_schema.xml and the IIS configuration
 * reference), and the names of the IIS sections it knows but ignores.
 */
#include "config/schema.h"

#include "config/document.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- enumerations ---- */

static const struct schema_enum e_logon_method[] = {
    {"Interactive", 0}, {"Batch", 1}, {"Network", 2}, {"ClearText", 3}, {NULL, 0}};

static const struct schema_enum e_access_ssl[] = {{"None", CERTMAP_SSL_NONE},
                                                  {"Ssl", CERTMAP_SSL},
                                                  {"SslNegotiateCert", CERTMAP_SSL_NEGOTIATE_CERT},
                                                  {"SslRequireCert", CERTMAP_SSL_REQUIRE_CERT},
                                                  {"SslMapCert", CERTMAP_SSL_MAP_CERT},
                                                  {"Ssl128", CERTMAP_SSL_128},
                                                  {NULL, 0}};

static const struct schema_enum e_log_format[] = {
    {"IIS", 0}, {"NCSA", 1}, {"W3C", 2}, {"Custom", 3}, {NULL, 0}};

static const struct schema_enum e_log_period[] = {{"MaxSize", 0}, {"Daily", 1},  {"Weekly", 2},
                                                  {"Monthly", 3}, {"Hourly", 4}, {NULL, 0}};

static const struct schema_enum e_log_target[] = {{"File", 1}, {"ETW", 2}, {NULL, 0}};

static const struct schema_enum e_log_fields[] = {{"Date", 1},
                                                  {"Time", 2},
                                                  {"ClientIP", 4},
                                                  {"UserName", 8},
                                                  {"SiteName", 16},
                                                  {"ComputerName", 32},
                                                  {"ServerIP", 64},
                                                  {"Method", 128},
                                                  {"UriStem", 256},
                                                  {"UriQuery", 512},
                                                  {"HttpStatus", 1024},
                                                  {"Win32Status", 2048},
                                                  {"BytesSent", 4096},
                                                  {"BytesRecv", 8192},
                                                  {"TimeTaken", 16384},
                                                  {"ServerPort", 32768},
                                                  {"UserAgent", 65536},
                                                  {"Cookie", 131072},
                                                  {"Referer", 262144},
                                                  {"ProtocolVersion", 524288},
                                                  {"Host", 1048576},
                                                  {"HttpSubStatus", 2097152},
                                                  {NULL, 0}};

static const struct schema_enum e_override[] = {
    {"Inherit", 0}, {"Allow", 1}, {"Deny", 2}, {NULL, 0}};

static const struct schema_enum e_provider[] = {{"file", 0}, {"pam", 1}, {NULL, 0}};

/* The error log's levels, in errlog.h's order (certmapd's enum errlog_level). */
static const struct schema_enum e_log_level[] = {{"error", 0}, {"warn", 1},  {"notice", 2},
                                                 {"info", 3},  {"debug", 4}, {NULL, 0}};

static const struct schema_enum e_client_cert[] = {
    {"auto", 0}, {"on", 1}, {"off", 2}, {"late", 3}, {NULL, 0}};

static const struct schema_enum e_user_override[] = {
    {"UseAnonymousUser", 0}, {"UseAuthenticatedUser", 1}, {NULL, 0}};

#define U32MAX 4294967295ULL

/* ---- system.applicationHost/sites ---- */

#define LOGFILE_FIELDS_DEFAULT                                                                     \
    "Date, Time, ClientIP, UserName, ServerIP, Method, UriStem, UriQuery, HttpStatus, "            \
    "Win32Status, TimeTaken, ServerPort, UserAgent, Referer, HttpSubStatus"

static const struct schema_attr a_logfile[] = {
    {"logExtFileFlags", ST_FLAGS, LOGFILE_FIELDS_DEFAULT, e_log_fields, 0, 0, 0},
    {"customLogPluginClsid", ST_STRING, "", NULL, SA_NOEFFECT, 0, 0},
    {"logFormat", ST_ENUM, "W3C", e_log_format, 0, 0, 0},
    {"logTargetW3C", ST_FLAGS, "File", e_log_target, 0, 0, 0},
    {"directory", ST_STRING, "%SystemDrive%\\inetpub\\logs\\LogFiles", NULL, 0, 0, 0},
    {"period", ST_ENUM, "Daily", e_log_period, 0, 0, 0},
    {"truncateSize", ST_INT64, "20971520", NULL, 0, 4294967295ULL, 1048576},
    {"localTimeRollover", ST_BOOL, "false", NULL, 0, 0, 0},
    {"enabled", ST_BOOL, "true", NULL, 0, 0, 0},
    {"logSiteId", ST_BOOL, "true", NULL, SA_NOEFFECT, 0, 0},
    {"flushByEntryCountW3CLog", ST_UINT, "0", NULL, SA_NOEFFECT, 0, 0},
    {"maxLogLineLength", ST_UINT, "65536", NULL, 0, 65536, 2},
    {NULL, 0, NULL, NULL, 0, 0, 0}};

static const char *const k_logfile[] = {"customFields", NULL};
static const struct schema_elem el_logfile = {"logFile", a_logfile, NULL, NULL, k_logfile};

static const struct schema_attr a_binding[] = {
    {"protocol", ST_STRING, NULL, NULL, SA_REQUIRED | SA_KEY | SA_NONEMPTY, 0, 0},
    {"bindingInformation", ST_STRING, NULL, NULL, SA_REQUIRED | SA_KEY, 0, 0},
    /* 1 SNI (always on here), 2 central certificate store, then IIS 10's Disable* bits */
    {"sslFlags", ST_UINT, "0", NULL, 0, 127, 0},
    {"certificateHash", ST_STRING, "", NULL, 0, 0, 0},
    {"certificateStoreName", ST_STRING, "", NULL, 0, 0, 0},
    /* Linux extensions */
    {"certificateFile", ST_STRING, "", NULL, SA_HTTPS, 0, 0},
    {"certificateKeyFile", ST_STRING, "", NULL, SA_HTTPS, 0, 0},
    {"clientCaFile", ST_STRING, "", NULL, SA_HTTPS, 0, 0},
    {"crlFile", ST_STRING, "", NULL, SA_HTTPS, 0, 0},
    {"clientCertificate", ST_ENUM, "auto", e_client_cert, SA_HTTPS, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_binding = {"binding", a_binding, NULL, NULL, NULL};
static const struct schema_coll c_bindings = {"binding", NULL, "clear", &el_binding, NULL};
static const struct schema_elem el_bindings = {"bindings", NULL, NULL, &c_bindings, NULL};

#define VDIR_ATTRS(pathflags)                                                                      \
    {"path", ST_STRING, NULL, NULL, pathflags, 0, 0},                                              \
        {"physicalPath", ST_STRING, "", NULL, 0, 0, 0},                                            \
        {"userName", ST_STRING, "", NULL, 0, 0, 0},                                                \
        {"password", ST_STRING, "", NULL, SA_ENCRYPTED | SA_NOEFFECT, 0, 0},                       \
        {"logonMethod", ST_ENUM, "ClearText", e_logon_method, SA_NOEFFECT, 0, 0},                  \
        {"allowSubDirConfig", ST_BOOL, "true", NULL, SA_NOEFFECT, 0, 0},                           \
    {                                                                                              \
        NULL, 0, NULL, NULL, 0, 0, 0                                                               \
    }

static const struct schema_attr a_vdir[] = {VDIR_ATTRS(SA_REQUIRED | SA_KEY | SA_NONEMPTY)};
static const struct schema_attr a_vdir_defaults[] = {VDIR_ATTRS(0)};
static const struct schema_elem el_vdir = {"virtualDirectory", a_vdir, NULL, NULL, NULL};
static const struct schema_elem el_vdir_defaults = {"virtualDirectoryDefaults", a_vdir_defaults,
                                                    NULL, NULL, NULL};
static const struct schema_coll c_vdirs = {"virtualDirectory", NULL, "clear", &el_vdir,
                                           "virtualDirectoryDefaults"};

#define APP_ATTRS(pathflags)                                                                       \
    {"path", ST_STRING, NULL, NULL, pathflags, 0, 0},                                              \
        {"applicationPool", ST_STRING, "", NULL, SA_NOEFFECT, 0, 0},                               \
        {"enabledProtocols", ST_STRING, "http", NULL, 0, 0, 0},                                    \
        {"serviceAutoStartEnabled", ST_BOOL, "false", NULL, SA_NOEFFECT, 0, 0},                    \
        {"serviceAutoStartProvider", ST_STRING, "", NULL, SA_NOEFFECT, 0, 0},                      \
        {"preloadEnabled", ST_BOOL, "false", NULL, SA_NOEFFECT, 0, 0},                             \
    {                                                                                              \
        NULL, 0, NULL, NULL, 0, 0, 0                                                               \
    }

static const struct schema_attr a_app[] = {APP_ATTRS(SA_REQUIRED | SA_KEY | SA_NONEMPTY)};
static const struct schema_attr a_app_defaults[] = {APP_ATTRS(0)};
static const struct schema_child ch_app[] = {{"virtualDirectoryDefaults", &el_vdir_defaults},
                                             {NULL, NULL}};
static const struct schema_elem el_app = {"application", a_app, ch_app, &c_vdirs, NULL};
static const struct schema_elem el_app_defaults = {"applicationDefaults", a_app_defaults, NULL,
                                                   NULL, NULL};
static const struct schema_coll c_apps = {"application", NULL, "clear", &el_app,
                                          "applicationDefaults"};

static const char *const k_site[] = {"limits", "traceFailedRequestsLogging", "ftpServer", "hsts",
                                     NULL};

static const struct schema_attr a_site[] = {
    {"name", ST_STRING, NULL, NULL, SA_REQUIRED | SA_KEY | SA_NONEMPTY, 0, 0},
    {"id", ST_UINT, NULL, NULL, SA_REQUIRED, U32MAX, 1},
    {"serverAutoStart", ST_BOOL, "true", NULL, SA_NOEFFECT, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_child ch_site[] = {{"bindings", &el_bindings},
                                              {"logFile", &el_logfile},
                                              {"applicationDefaults", &el_app_defaults},
                                              {"virtualDirectoryDefaults", &el_vdir_defaults},
                                              {NULL, NULL}};
static const struct schema_elem el_site = {"site", a_site, ch_site, &c_apps, k_site};

static const struct schema_attr a_site_defaults[] = {
    {"serverAutoStart", ST_BOOL, "true", NULL, SA_NOEFFECT, 0, 0}, {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_child ch_site_defaults[] = {{"logFile", &el_logfile}, {NULL, NULL}};
static const struct schema_elem el_site_defaults = {"siteDefaults", a_site_defaults,
                                                    ch_site_defaults, NULL, k_site};

static const struct schema_coll c_sites = {"site", NULL, "clear", &el_site, "siteDefaults"};
static const struct schema_child ch_sites[] = {{"siteDefaults", &el_site_defaults},
                                               {"applicationDefaults", &el_app_defaults},
                                               {"virtualDirectoryDefaults", &el_vdir_defaults},
                                               {NULL, NULL}};
static const struct schema_attr a_none[] = {{NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_sites = {"sites", a_none, ch_sites, &c_sites, NULL};

/* ---- system.webServer/security ---- */

static const struct schema_attr a_access[] = {{"sslFlags", ST_FLAGS, "None", e_access_ssl, 0, 0, 0},
                                              {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_access = {"access", a_access, NULL, NULL, NULL};

static const struct schema_attr a_anonymous[] = {
    {"enabled", ST_BOOL, "false", NULL, 0, 0, 0},
    {"userName", ST_STRING, "IUSR", NULL, 0, 0, 0},
    {"password", ST_STRING, "", NULL, SA_ENCRYPTED, 0, 0},
    {"logonMethod", ST_ENUM, "ClearText", e_logon_method, 0, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_anonymous = {"anonymousAuthentication", a_anonymous, NULL, NULL,
                                                NULL};

static const struct schema_attr a_basic[] = {
    {"enabled", ST_BOOL, "false", NULL, 0, 0, 0},
    {"realm", ST_STRING, "", NULL, 0, 0, 0},
    {"defaultLogonDomain", ST_STRING, "", NULL, 0, 0, 0},
    {"logonMethod", ST_ENUM, "ClearText", e_logon_method, 0, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_basic = {"basicAuthentication", a_basic, NULL, NULL, NULL};

static const struct schema_attr a_mapping[] = {
    {"enabled", ST_BOOL, "true", NULL, 0, 0, 0},
    {"userName", ST_STRING, "", NULL, 0, 0, 0},
    {"password", ST_STRING, "", NULL, SA_ENCRYPTED, 0, 0},
    {"certificate", ST_STRING, NULL, NULL, SA_REQUIRED | SA_KEY | SA_CERT, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_mapping = {"add", a_mapping, NULL, NULL, NULL};
static const struct schema_coll c_mappings = {"add", "remove", "clear", &el_mapping, NULL};
static const struct schema_elem el_mappings = {"oneToOneMappings", a_none, NULL, &c_mappings, NULL};

static const struct schema_enum e_cert_field[] = {{"Subject", 1}, {"Issuer", 2}, {NULL, 0}};
static const struct schema_enum e_permission[] = {{"Allow", 1}, {"Deny", 2}, {NULL, 0}};

/*
 * manyToOneMappings/add/rules/add.  IIS's WMI provider marks all four
 * attributes as the key; compareCaseSensitive is optional (default true)
 * and a key attribute must be written here, so the key is the other three:
 * two rules that differ only in case sensitivity are one rule twice.
 */
static const struct schema_attr a_m2o_rule[] = {
    {"certificateField", ST_ENUM, NULL, e_cert_field, SA_REQUIRED | SA_KEY, 0, 0},
    {"certificateSubField", ST_STRING, NULL, NULL, SA_REQUIRED | SA_KEY | SA_RDN, 0, 0},
    {"matchCriteria", ST_STRING, NULL, NULL, SA_REQUIRED | SA_KEY | SA_NONEMPTY, 0, 0},
    {"compareCaseSensitive", ST_BOOL, "true", NULL, 0, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_m2o_rule = {"add", a_m2o_rule, NULL, NULL, NULL};
static const struct schema_coll c_m2o_rules = {"add", "remove", "clear", &el_m2o_rule, NULL};
static const struct schema_elem el_m2o_rules = {"rules", a_none, NULL, &c_m2o_rules, NULL};

static const struct schema_attr a_m2o_mapping[] = {
    {"name", ST_STRING, NULL, NULL, SA_REQUIRED | SA_KEY | SA_NONEMPTY, 0, 0},
    {"description", ST_STRING, "", NULL, 0, 0, 0},
    {"enabled", ST_BOOL, "true", NULL, 0, 0, 0},
    {"permissionMode", ST_ENUM, "Allow", e_permission, 0, 0, 0},
    {"userName", ST_STRING, "", NULL, 0, 0, 0},
    {"password", ST_STRING, "", NULL, SA_ENCRYPTED, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_child ch_m2o_mapping[] = {{"rules", &el_m2o_rules}, {NULL, NULL}};
static const struct schema_elem el_m2o_mapping = {"add", a_m2o_mapping, ch_m2o_mapping, NULL, NULL};
static const struct schema_coll c_m2o_mappings = {"add", "remove", "clear", &el_m2o_mapping, NULL};
static const struct schema_elem el_m2o_mappings = {"manyToOneMappings", a_none, NULL,
                                                   &c_m2o_mappings, NULL};

static const struct schema_attr a_certmapping[] = {
    {"enabled", ST_BOOL, "false", NULL, 0, 0, 0},
    {"oneToOneCertificateMappingsEnabled", ST_BOOL, "true", NULL, 0, 0, 0},
    {"manyToOneCertificateMappingsEnabled", ST_BOOL, "true", NULL, 0, 0, 0},
    {"defaultLogonDomain", ST_STRING, "", NULL, 0, 0, 0},
    {"logonMethod", ST_ENUM, "ClearText", e_logon_method, 0, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_child ch_certmapping[] = {
    {"oneToOneMappings", &el_mappings}, {"manyToOneMappings", &el_m2o_mappings}, {NULL, NULL}};
static const struct schema_elem el_certmapping = {"iisClientCertificateMappingAuthentication",
                                                  a_certmapping, ch_certmapping, NULL, NULL};

/*
 * IIS's Active Directory client certificate mapping: one attribute.  certmap
 * enforces it with the LDAP directory of <certmap><directory> (directory.h);
 * enabled without a directory is an error of the view, never ignored.
 */
static const struct schema_attr a_dirmapping[] = {{"enabled", ST_BOOL, "false", NULL, 0, 0, 0},
                                                  {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_dirmapping = {"clientCertificateMappingAuthentication",
                                                 a_dirmapping, NULL, NULL, NULL};

static const struct schema_attr a_windows[] = {
    {"enabled", ST_BOOL, "false", NULL, SA_WARN_TRUE, 0, 0},
    {"authPersistNonNTLM", ST_BOOL, "true", NULL, SA_NOEFFECT, 0, 0},
    {"authPersistSingleRequest", ST_BOOL, "false", NULL, SA_NOEFFECT, 0, 0},
    {"useKernelMode", ST_BOOL, "true", NULL, SA_NOEFFECT, 0, 0},
    {"useAppPoolCredentials", ST_BOOL, "false", NULL, SA_NOEFFECT, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const char *const k_windows[] = {"providers", "extendedProtection", NULL};
static const struct schema_elem el_windows = {"windowsAuthentication", a_windows, NULL, NULL,
                                              k_windows};

static const struct schema_attr a_digest[] = {
    {"enabled", ST_BOOL, "false", NULL, SA_WARN_TRUE, 0, 0},
    {"realm", ST_STRING, "", NULL, SA_NOEFFECT, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_digest = {"digestAuthentication", a_digest, NULL, NULL, NULL};

/*
 * ipSecurity as IIS_schema.xml defines it: the three entry attributes form
 * the key together; denyAction's values are the status IIS answers (0: the
 * connection is reset).  Entries are parsed by ipsec.c when the view is built.
 */
static const struct schema_enum e_deny_action[] = {
    {"AbortRequest", 0}, {"Unauthorized", 401}, {"Forbidden", 403}, {"NotFound", 404}, {NULL, 0}};

static const struct schema_attr a_ipsec_entry[] = {
    {"ipAddress", ST_STRING, "", NULL, SA_KEY, 0, 0},
    {"subnetMask", ST_STRING, "255.255.255.255", NULL, SA_KEY, 0, 0},
    {"domainName", ST_STRING, "", NULL, SA_KEY, 0, 0},
    {"allowed", ST_BOOL, "false", NULL, 0, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_ipsec_entry = {"add", a_ipsec_entry, NULL, NULL, NULL};
static const struct schema_coll c_ipsec = {"add", "remove", "clear", &el_ipsec_entry, NULL};

static const struct schema_attr a_ipsec[] = {
    {"allowUnlisted", ST_BOOL, "true", NULL, 0, 0, 0},
    {"denyAction", ST_ENUM, "Forbidden", e_deny_action, 0, 0, 0},
    {"enableProxyMode", ST_BOOL, "false", NULL, 0, 0, 0},
    {"enableReverseDns", ST_BOOL, "false", NULL, 0, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_ipsec = {"ipSecurity", a_ipsec, NULL, &c_ipsec, NULL};

/*
 * URL Authorization.  The rules' key is users + roles + verbs (AppCmd removes
 * IIS's shipped rule with /-"[users='*',roles='',verbs='']"); each key part
 * defaults to "" and may be left out.  bypassLoginPages concerns ASP.NET's
 * login pages, which certmap does not have.
 */
static const struct schema_enum e_access_type[] = {{"Allow", 0}, {"Deny", 1}, {NULL, 0}};
static const struct schema_attr a_authz_rule[] = {
    {"accessType", ST_ENUM, NULL, e_access_type, SA_REQUIRED, 0, 0},
    {"users", ST_STRING, "", NULL, SA_KEY, 0, 0},
    {"roles", ST_STRING, "", NULL, SA_KEY, 0, 0},
    {"verbs", ST_STRING, "", NULL, SA_KEY, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_authz_rule = {"add", a_authz_rule, NULL, NULL, NULL};
static const struct schema_coll c_authz = {"add", "remove", "clear", &el_authz_rule, NULL};
static const struct schema_attr a_authz[] = {
    {"bypassLoginPages", ST_BOOL, "true", NULL, SA_NOEFFECT, 0, 0}, {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_authz = {"authorization", a_authz, NULL, &c_authz, NULL};

/* ---- system.webServer/serverRuntime ---- */

/*
 * certmap reads uploadReadAheadSize: the most a request body may hold when
 * a client certificate is asked for after the request arrived (IIS buffers
 * that much before it renegotiates, and answers 413 to a larger body).
 */
static const struct schema_attr a_server_runtime[] = {
    {"enabled", ST_BOOL, "true", NULL, SA_NOEFFECT, 0, 0},
    {"appConcurrentRequestLimit", ST_UINT, "5000", NULL, SA_NOEFFECT, 0, 0},
    {"maxRequestEntityAllowed", ST_UINT, "4294967295", NULL, SA_NOEFFECT, 0, 0},
    {"uploadReadAheadSize", ST_UINT, "49152", NULL, 0, 2147483647ULL, 0},
    {"alternateHostName", ST_STRING, "", NULL, SA_NOEFFECT, 0, 0},
    {"enableNagling", ST_BOOL, "false", NULL, SA_NOEFFECT, 0, 0},
    {"frequentHitThreshold", ST_UINT, "2", NULL, SA_NOEFFECT, 2147483647ULL, 1},
    {"frequentHitTimePeriod", ST_STRING, "00:00:10", NULL, SA_NOEFFECT, 0, 0},
    {"authenticatedUserOverride", ST_ENUM, "UseAnonymousUser", e_user_override, SA_NOEFFECT, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_server_runtime = {"serverRuntime", a_server_runtime, NULL, NULL,
                                                     NULL};

/* ---- system.webServer/rewrite (IIS URL Rewrite Module 2.x, rewrite_schema.xml) ---- */

/*
 * Inbound rules, as rewrite_schema.xml declares them for both rules and
 * globalRules.  The values of the enumerations are IIS's (redirectType's
 * are the statuses).  The view compiles the rules (view/rewrite.c,
 * src/lib/rewrite.h); useOriginalURLEncoding (URL Rewrite 2.1) is kept
 * without effect: rules always see the decoded, normalised path.
 */
static const struct schema_enum e_pattern_syntax[] = {
    {"ECMAScript", 0}, {"Wildcard", 1}, {"ExactMatch", 2}, {NULL, 0}};
static const struct schema_enum e_logical_grouping[] = {
    {"MatchAll", 0}, {"MatchAny", 1}, {NULL, 0}};
static const struct schema_enum e_match_type[] = {
    {"Pattern", 0}, {"IsFile", 1}, {"IsDirectory", 2}, {NULL, 0}};
static const struct schema_enum e_action_type[] = {{"None", 0},         {"Rewrite", 1},
                                                   {"Redirect", 2},     {"CustomResponse", 3},
                                                   {"AbortRequest", 4}, {NULL, 0}};
static const struct schema_enum e_redirect_type[] = {
    {"Permanent", 301}, {"Found", 302}, {"SeeOther", 303}, {"Temporary", 307}, {NULL, 0}};

static const struct schema_attr a_rw_match[] = {{"url", ST_STRING, NULL, NULL, SA_REQUIRED, 0, 0},
                                                {"ignoreCase", ST_BOOL, "true", NULL, 0, 0, 0},
                                                {"negate", ST_BOOL, "false", NULL, 0, 0, 0},
                                                {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_rw_match = {"match", a_rw_match, NULL, NULL, NULL};

static const struct schema_attr a_rw_cond[] = {
    {"input", ST_STRING, NULL, NULL, SA_REQUIRED | SA_KEY, 0, 0},
    {"matchType", ST_ENUM, "Pattern", e_match_type, SA_KEY, 0, 0},
    {"pattern", ST_STRING, "", NULL, SA_KEY, 0, 0},
    {"ignoreCase", ST_BOOL, "true", NULL, SA_KEY, 0, 0},
    {"negate", ST_BOOL, "false", NULL, SA_KEY, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_rw_cond = {"add", a_rw_cond, NULL, NULL, NULL};
static const struct schema_coll c_rw_conds = {"add", "remove", "clear", &el_rw_cond, NULL};
static const struct schema_attr a_rw_conds[] = {
    {"logicalGrouping", ST_ENUM, "MatchAll", e_logical_grouping, 0, 0, 0},
    {"trackAllCaptures", ST_BOOL, "false", NULL, 0, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_rw_conds = {"conditions", a_rw_conds, NULL, &c_rw_conds, NULL};

static const struct schema_attr a_rw_set[] = {
    {"name", ST_STRING, NULL, NULL, SA_REQUIRED | SA_KEY | SA_NONEMPTY, 0, 0},
    {"value", ST_STRING, NULL, NULL, SA_REQUIRED, 0, 0},
    {"replace", ST_BOOL, "true", NULL, 0, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_rw_set = {"set", a_rw_set, NULL, NULL, NULL};
static const struct schema_coll c_rw_sets = {"set", "remove", "clear", &el_rw_set, NULL};
static const struct schema_elem el_rw_sets = {"serverVariables", a_none, NULL, &c_rw_sets, NULL};

static const struct schema_attr a_rw_action[] = {
    {"type", ST_ENUM, "None", e_action_type, 0, 0, 0},
    {"url", ST_STRING, "", NULL, 0, 0, 0},
    {"appendQueryString", ST_BOOL, "true", NULL, 0, 0, 0},
    {"logRewrittenUrl", ST_BOOL, "false", NULL, 0, 0, 0},
    {"redirectType", ST_ENUM, "Permanent", e_redirect_type, 0, 0, 0},
    {"statusCode", ST_UINT, "0", NULL, 0, 999, 0},
    {"subStatusCode", ST_UINT, "0", NULL, 0, 999, 0},
    {"statusReason", ST_STRING, "", NULL, 0, 0, 0},
    {"statusDescription", ST_STRING, "", NULL, 0, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_rw_action = {"action", a_rw_action, NULL, NULL, NULL};

static const struct schema_attr a_rw_rule[] = {
    {"name", ST_STRING, NULL, NULL, SA_REQUIRED | SA_KEY | SA_NONEMPTY, 0, 0},
    {"enabled", ST_BOOL, "true", NULL, 0, 0, 0},
    {"patternSyntax", ST_ENUM, "ECMAScript", e_pattern_syntax, 0, 0, 0},
    {"stopProcessing", ST_BOOL, "false", NULL, 0, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_child ch_rw_rule[] = {{"match", &el_rw_match},
                                                 {"conditions", &el_rw_conds},
                                                 {"serverVariables", &el_rw_sets},
                                                 {"action", &el_rw_action},
                                                 {NULL, NULL}};
static const struct schema_elem el_rw_rule = {"rule", a_rw_rule, ch_rw_rule, NULL, NULL};
static const struct schema_coll c_rw_rules = {"rule", "remove", "clear", &el_rw_rule, NULL};
static const struct schema_attr a_rw_rules[] = {
    {"useOriginalURLEncoding", ST_BOOL, "true", NULL, SA_NOEFFECT, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_rw_rules = {"rules", a_rw_rules, NULL, &c_rw_rules, NULL};
static const struct schema_elem el_rw_global = {"globalRules", a_rw_rules, NULL, &c_rw_rules, NULL};

static const struct schema_attr a_rw_allowed[] = {
    {"name", ST_STRING, NULL, NULL, SA_REQUIRED | SA_KEY | SA_NONEMPTY, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_rw_allowed_item = {"add", a_rw_allowed, NULL, NULL, NULL};
static const struct schema_coll c_rw_allowed = {"add", "remove", "clear", &el_rw_allowed_item,
                                                NULL};
static const struct schema_elem el_rw_allowed = {"allowedServerVariables", a_none, NULL,
                                                 &c_rw_allowed, NULL};

/* ---- <certmap> extensions ---- */

static const struct schema_attr a_logon[] = {
    {"provider", ST_ENUM, "file", e_provider, 0, 0, 0},
    {"accountsFile", ST_STRING, "accounts", NULL, 0, 0, 0},
    {"pamService", ST_STRING, "certmap", NULL, SA_NONEMPTY, 0, 0},
    {"cacheSeconds", ST_UINT, "300", NULL, 0, 0, 0},
    {"negativeCacheSeconds", ST_UINT, "5", NULL, 0, 0, 0},
    {"threads", ST_UINT, "4", NULL, 0, 256, 1},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_logon = {"logon", a_logon, NULL, NULL, NULL};

static const struct schema_attr a_limits[] = {
    {"maxConnections", ST_UINT, "10000", NULL, 0, 0, 1},
    {"headerTimeoutSeconds", ST_UINT, "10", NULL, 0, 0, 1},
    {"requestTimeoutSeconds", ST_UINT, "60", NULL, 0, 0, 1},
    {"idleTimeoutSeconds", ST_UINT, "120", NULL, 0, 0, 1},
    {"maxRequestLineBytes", ST_UINT, "8192", NULL, 0, 0, 64},
    {"maxHeaderBytes", ST_UINT, "16384", NULL, 0, 0, 256},
    {"maxHeaderCount", ST_UINT, "100", NULL, 0, 0, 1},
    {"maxBodyBytes", ST_INT64, "30000000", NULL, 0, 0, 0},
    {"shutdownGraceSeconds", ST_UINT, "30", NULL, 0, 0, 0},
    /*
     * The TLS Certificate message a client may send (SSL_CTX_set_max_cert_list()),
     * over which the handshake fails.  OpenSSL's own 100 KiB lets one handshake hold
     * about 210 KB of parsed certificates.  32 KiB admits the deepest chain that can
     * verify here (the leaf and 10 CAs, verify depth 10) of RSA-4096 certificates
     * with the usual extensions (2 to 2.5 KB each); at least one certificate fits.
     */
    {"maxClientCertChainBytes", ST_UINT, "32768", NULL, 0, 1048576, 2048},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_limits = {"limits", a_limits, NULL, NULL, NULL};

static const struct schema_attr a_server[] = {
    {"workers", ST_UINT, "0", NULL, 0, 1024, 0},
    {"errorLog", ST_STRING, "certmapd.log", NULL, 0, 0, 0},
    {"logDirectory", ST_STRING, "logs", NULL, 0, 0, 0},
    {"allowBasicWithoutSsl", ST_BOOL, "false", NULL, 0, 0, 0},
    {"sessionTicketSeconds", ST_UINT, "7200", NULL, 0, 0, 0},
    /* TLS 1.3 tickets after a full handshake: each costs about as much as parsing the client
       certificate again (docs/configuration.md) */
    {"sessionTicketCount", ST_UINT, "1", NULL, 0, 16, 0},
    /* days before a mapped or server certificate's notAfter that certmapd warns (0: never) */
    {"certificateExpiryWarningDays", ST_UINT, "30", NULL, 0, 36500, 0},
    /* lead time of the warning about a CRL whose nextUpdate draws near; 0: none */
    {"crlWarningHours", ST_UINT, "24", NULL, 0, 8760, 0},
    {"unenforcedSections", ST_STRING, "", NULL, SA_SECTIONS, 0, 0},
    {"user", ST_STRING, "", NULL, 0, 0, 0},
    {"group", ST_STRING, "", NULL, 0, 0, 0},
    {"allowRoot", ST_BOOL, "false", NULL, 0, 0, 0},
    {"logLevel", ST_ENUM, "info", e_log_level, 0, 0, 0},
    /* static files opened as the request's account when certmapd holds CAP_SETUID/CAP_SETGID */
    {"readFilesAsUser", ST_BOOL, "true", NULL, 0, 0, 0},
    /* shared session-ticket key file (docs/ticket-keys.md); "": keys per process */
    {"ticketKeyFile", ST_STRING, "", NULL, 0, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_server = {"server", a_server, NULL, NULL, NULL};

/*
 * The LDAP directory that maps certificates (docs/directory.md).  uri "" means
 * no directory.  mode altSecurityIdentities searches mappingAttribute for the
 * certificate's mapping strings; userCertificate compares userCertificate;binary
 * byte for byte.  Groups (roles): the first RDN value of each groupAttribute
 * value (memberOf), and with groupBaseDn of each group entry found there whose
 * groupMemberAttribute holds the account's DN.
 */
static const struct schema_enum e_dir_mode[] = {
    {"altSecurityIdentities", 0}, {"userCertificate", 1}, {NULL, 0}};
static const struct schema_attr a_directory[] = {
    {"uri", ST_STRING, "", NULL, 0, 0, 0},
    {"baseDn", ST_STRING, "", NULL, 0, 0, 0},
    {"bindDn", ST_STRING, "", NULL, 0, 0, 0},
    {"bindPasswordFile", ST_STRING, "", NULL, 0, 0, 0},
    {"userAttribute", ST_STRING, "uid", NULL, SA_NONEMPTY, 0, 0},
    {"mappingAttribute", ST_STRING, "altSecurityIdentities", NULL, SA_NONEMPTY, 0, 0},
    {"mode", ST_ENUM, "altSecurityIdentities", e_dir_mode, 0, 0, 0},
    {"groupAttribute", ST_STRING, "memberOf", NULL, 0, 0, 0},
    {"groupBaseDn", ST_STRING, "", NULL, 0, 0, 0},
    {"groupMemberAttribute", ST_STRING, "member", NULL, SA_NONEMPTY, 0, 0},
    {"cacheSeconds", ST_UINT, "60", NULL, 0, 86400, 0},
    {"negativeCacheSeconds", ST_UINT, "10", NULL, 0, 86400, 0},
    {"maxStaleSeconds", ST_UINT, "300", NULL, 0, 604800, 0},
    {"retryAfterSeconds", ST_UINT, "10", NULL, 0, 3600, 1},
    {"timeoutSeconds", ST_UINT, "5", NULL, 0, 300, 1},
    {"connections", ST_UINT, "4", NULL, 0, 64, 1},
    {"caFile", ST_STRING, "", NULL, 0, 0, 0},
    {"startTls", ST_BOOL, "true", NULL, 0, 0, 0},
    {"allowWeakMappings", ST_BOOL, "false", NULL, 0, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_directory = {"directory", a_directory, NULL, NULL, NULL};

/* the metrics listener: "ADDR:PORT" ("[v6]:PORT"), "" for none (checked by the view) */
static const struct schema_attr a_status[] = {{"listen", ST_STRING, "", NULL, 0, 0, 0},
                                              {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_status = {"status", a_status, NULL, NULL, NULL};

/* ---- system.webServer/proxy (Application Request Routing) ---- */

/*
 * ARR's proxy section, server level as ARR installs it (applicationHost.config
 * only).  certmap reads enabled, preserveHostHeader,
 * reverseRewriteHostInResponseHeaders, xForwardedForHeaderName,
 * includePortInXForwardedFor, timeout, httpVersion and maxResponseHeaderSize
 * (KB, as ARR counts it); the response-buffering and caching knobs shape
 * ARR's own buffering, which certmapd does not have (it streams), so they
 * are kept and noted.  timeout is a timespan ("hh:mm:ss" or "d.hh:mm:ss"),
 * checked by the view.
 */
static const struct schema_enum e_proxy_http_version[] = {
    {"PassThrough", 0}, {"Http10", 1}, {"Http11", 2}, {NULL, 0}};
static const struct schema_attr a_proxy[] = {
    {"enabled", ST_BOOL, "false", NULL, 0, 0, 0},
    {"httpVersion", ST_ENUM, "PassThrough", e_proxy_http_version, 0, 0, 0},
    {"keepAlive", ST_BOOL, "true", NULL, 0, 0, 0},
    {"timeout", ST_STRING, "00:00:30", NULL, 0, 0, 0},
    {"reverseRewriteHostInResponseHeaders", ST_BOOL, "true", NULL, 0, 0, 0},
    {"preserveHostHeader", ST_BOOL, "false", NULL, 0, 0, 0},
    {"xForwardedForHeaderName", ST_STRING, "X-Forwarded-For", NULL, 0, 0, 0},
    {"includePortInXForwardedFor", ST_BOOL, "true", NULL, 0, 0, 0},
    {"maxResponseHeaderSize", ST_UINT, "128", NULL, 0, 65536, 1},
    {"minResponseBuffer", ST_UINT, "1024", NULL, SA_NOEFFECT, 0, 0},
    {"responseBufferLimit", ST_UINT, "4096", NULL, SA_NOEFFECT, 0, 0},
    {"arrResponseHeader", ST_BOOL, "true", NULL, SA_NOEFFECT, 0, 0},
    {"logGuidName", ST_STRING, "X-ARR-LOG-ID", NULL, SA_NOEFFECT, 0, 0},
    {"proxy", ST_STRING, "", NULL, SA_NOEFFECT, 0, 0},
    {"proxyBypass", ST_STRING, "", NULL, SA_NOEFFECT, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const char *const k_proxy[] = {"cache", NULL};
static const struct schema_elem el_proxy = {"proxy", a_proxy, NULL, NULL, k_proxy};

/*
 * <certmap><upstream>: Linux extensions of the proxy.  caFile: PEM file of
 * the CAs an https upstream's certificate must chain to ("": the system
 * store); keepUnderscoreHeaders: forward client header names holding '_'
 * (dropped by default: CGI and WSGI back ends read X_User and X-User as one
 * variable); maxIdlePerUpstream: idle keep-alive connections each worker
 * keeps per upstream.  64 by default: below the number of requests a worker
 * proxies to one upstream at once, every connection past the cap is closed
 * when its request ends and opened again for the next (a connect and a
 * close per request under steady load: the proxy benchmark with 64 clients
 * per worker reconnected all the time at 8).  A higher cap costs nothing
 * until a peak opens that many connections, and the upstream's own
 * keep-alive timeout closes them again (the pool closes a connection at
 * that event); nginx's documentation uses "keepalive 16" to "32" per
 * worker, HAProxy keeps every idle connection.
 */
static const struct schema_attr a_upstream[] = {
    {"caFile", ST_STRING, "", NULL, 0, 0, 0},
    {"keepUnderscoreHeaders", ST_BOOL, "false", NULL, 0, 0, 0},
    {"maxIdlePerUpstream", ST_UINT, "64", NULL, 0, 1024, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_upstream = {"upstream", a_upstream, NULL, NULL, NULL};

/* ---- system.webServer/handlers and system.webServer/fastCgi ---- */

/*
 * Handler mappings as IIS_schema.xml defines them.  certmap serves a
 * handler whose modules are StaticFileModule, DefaultDocumentModule,
 * DirectoryListingModule or ProtocolSupportModule as its static handler,
 * and FastCgiModule through a system.webServer/fastCgi application; a
 * request whose handler names another module (IsapiModule, CgiModule,
 * ManagedPipelineHandler...) is refused with 500.21, as IIS answers a
 * handler with a module it does not have (view/handlers.c).  allowPathInfo,
 * preCondition, responseBufferLimit and type are kept as IIS defines them.
 */
static const struct schema_enum e_handler_access[] = {{"None", 0},
                                                      {"Read", 1},
                                                      {"Write", 2},
                                                      {"Execute", 4},
                                                      {"Source", 16},
                                                      {"Script", 512},
                                                      {"NoRemoteWrite", 1024},
                                                      {"NoRemoteRead", 4096},
                                                      {"NoRemoteExecute", 8192},
                                                      {"NoRemoteScript", 16384},
                                                      {NULL, 0}};
static const struct schema_enum e_require_access[] = {{"None", 0},   {"Read", 1},    {"Write", 2},
                                                      {"Script", 3}, {"Execute", 4}, {NULL, 0}};
static const struct schema_enum e_resource_type[] = {
    {"File", 0}, {"Directory", 1}, {"Either", 2}, {"Unspecified", 3}, {NULL, 0}};

static const struct schema_attr a_handler[] = {
    {"name", ST_STRING, NULL, NULL, SA_REQUIRED | SA_KEY | SA_NONEMPTY, 0, 0},
    {"path", ST_STRING, NULL, NULL, SA_REQUIRED | SA_NONEMPTY, 0, 0},
    {"verb", ST_STRING, NULL, NULL, SA_REQUIRED | SA_NONEMPTY, 0, 0},
    {"type", ST_STRING, "", NULL, 0, 0, 0},
    {"modules", ST_STRING, "", NULL, 0, 0, 0},
    {"scriptProcessor", ST_STRING, "", NULL, 0, 0, 0},
    {"resourceType", ST_ENUM, "Unspecified", e_resource_type, 0, 0, 0},
    {"requireAccess", ST_ENUM, "Script", e_require_access, 0, 0, 0},
    {"allowPathInfo", ST_BOOL, "false", NULL, SA_NOEFFECT, 0, 0},
    {"preCondition", ST_STRING, "", NULL, SA_NOEFFECT, 0, 0},
    {"responseBufferLimit", ST_UINT, "4194304", NULL, SA_NOEFFECT, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_handler = {"add", a_handler, NULL, NULL, NULL};
static const struct schema_coll c_handlers = {"add", "remove", "clear", &el_handler, NULL};
static const struct schema_attr a_handlers[] = {
    {"accessPolicy", ST_FLAGS, "Read", e_handler_access, 0, 0, 0}, {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_handlers = {"handlers", a_handlers, NULL, &c_handlers, NULL};

/*
 * fastCgi/application, keyed by fullPath and arguments as in IIS (a
 * handler's scriptProcessor "fullPath|arguments" names one).  On Linux
 * fullPath is a program certmapd starts (php-cgi), or, as an extension,
 * "unix:/path/to.sock" or "host:port" naming a FastCGI server run
 * elsewhere (php-fpm).  protocol chooses between Windows named pipes and
 * TCP: certmapd always gives a program a Unix socket, so it is kept and
 * noted.  Timeouts are seconds, as IIS counts them.
 */
static const struct schema_enum e_fcgi_protocol[] = {{"NamedPipe", 0}, {"Tcp", 1}, {NULL, 0}};
static const struct schema_enum e_fcgi_stderr[] = {{"ReturnStdErrIn500", 0},
                                                   {"ReturnGeneric500", 1},
                                                   {"IgnoreAndReturn200", 2},
                                                   {"TerminateProcess", 3},
                                                   {NULL, 0}};
static const struct schema_attr a_fcgi_env[] = {
    {"name", ST_STRING, NULL, NULL, SA_REQUIRED | SA_KEY | SA_NONEMPTY, 0, 0},
    {"value", ST_STRING, "", NULL, 0, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_elem el_fcgi_env = {"environmentVariable", a_fcgi_env, NULL, NULL, NULL};
static const struct schema_coll c_fcgi_env = {"environmentVariable", "remove", "clear",
                                              &el_fcgi_env, NULL};
static const struct schema_elem el_fcgi_envs = {"environmentVariables", a_none, NULL, &c_fcgi_env,
                                                NULL};
static const struct schema_attr a_fcgi_app[] = {
    {"fullPath", ST_STRING, NULL, NULL, SA_REQUIRED | SA_KEY | SA_NONEMPTY, 0, 0},
    {"arguments", ST_STRING, "", NULL, SA_KEY, 0, 0},
    {"maxInstances", ST_UINT, "4", NULL, 0, 10000, 0},
    {"idleTimeout", ST_UINT, "300", NULL, 0, 604800, 10},
    {"activityTimeout", ST_UINT, "30", NULL, 0, 3600, 10},
    {"requestTimeout", ST_UINT, "90", NULL, 0, 604800, 10},
    {"instanceMaxRequests", ST_UINT, "200", NULL, 0, 10000000, 1},
    {"protocol", ST_ENUM, "NamedPipe", e_fcgi_protocol, SA_NOEFFECT, 0, 0},
    {"queueLength", ST_UINT, "1000", NULL, SA_NOEFFECT, 10000000, 1},
    {"flushNamedPipe", ST_BOOL, "false", NULL, SA_NOEFFECT, 0, 0},
    {"rapidFailsPerMinute", ST_UINT, "10", NULL, SA_NOEFFECT, 2147483647ULL, 1},
    {"signalBeforeTerminateSeconds", ST_UINT, "0", NULL, SA_NOEFFECT, 60, 0},
    {"stderrMode", ST_ENUM, "ReturnStdErrIn500", e_fcgi_stderr, SA_NOEFFECT, 0, 0},
    {"monitorChangesTo", ST_STRING, "", NULL, SA_NOEFFECT, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
static const struct schema_child ch_fcgi_app[] = {{"environmentVariables", &el_fcgi_envs},
                                                  {NULL, NULL}};
static const struct schema_elem el_fcgi_app = {"application", a_fcgi_app, ch_fcgi_app, NULL, NULL};
static const struct schema_coll c_fcgi_apps = {"application", "remove", "clear", &el_fcgi_app,
                                               NULL};
static const struct schema_elem el_fastcgi = {"fastCgi", a_none, NULL, &c_fcgi_apps, NULL};

/* ---- <location> ---- */

static const struct schema_attr a_location[] = {
    {"path", ST_STRING, "", NULL, 0, 0, 0},
    {"overrideMode", ST_ENUM, "Inherit", e_override, 0, 0, 0},
    {"allowOverride", ST_BOOL, "true", NULL, 0, 0, 0},
    {"inheritInChildApplications", ST_BOOL, "true", NULL, 0, 0, 0},
    {NULL, 0, NULL, NULL, 0, 0, 0}};
const struct schema_elem cfg_schema_location = {"location", a_location, NULL, NULL, NULL};

/* ---- sections ---- */

const struct schema_section cfg_schema_sections[] = {
    {CERTMAP_SECTION_SITES, &el_sites, SS_SERVER_ONLY},
    {CERTMAP_SECTION_ACCESS, &el_access, 0},
    {CERTMAP_SECTION_ANONYMOUS, &el_anonymous, 0},
    {CERTMAP_SECTION_BASIC, &el_basic, 0},
    {CERTMAP_SECTION_CERTMAPPING, &el_certmapping, 0},
    {CERTMAP_SECTION_DIRMAPPING, &el_dirmapping, 0},
    {CERTMAP_SECTION_AUTHORIZATION, &el_authz, 0},
    {"system.webServer/security/authentication/windowsAuthentication", &el_windows, 0},
    {"system.webServer/security/authentication/digestAuthentication", &el_digest, 0},
    {CERTMAP_SECTION_IPSECURITY, &el_ipsec, 0},
    {CERTMAP_SECTION_SERVER_RUNTIME, &el_server_runtime, 0},
    {CERTMAP_SECTION_REWRITE_RULES, &el_rw_rules, 0},
    {CERTMAP_SECTION_REWRITE_ALLOWED, &el_rw_allowed, 0},
    {CERTMAP_SECTION_REWRITE_GLOBAL, &el_rw_global, SS_SERVER_ONLY},
    {CERTMAP_SECTION_LOGON, &el_logon, SS_SERVER_ONLY},
    {CERTMAP_SECTION_LIMITS, &el_limits, SS_SERVER_ONLY},
    {CERTMAP_SECTION_SERVER, &el_server, SS_SERVER_ONLY},
    {CERTMAP_SECTION_STATUS, &el_status, SS_SERVER_ONLY},
    {CERTMAP_SECTION_PROXY, &el_proxy, SS_SERVER_ONLY},
    {CERTMAP_SECTION_UPSTREAM, &el_upstream, SS_SERVER_ONLY},
    {CERTMAP_SECTION_HANDLERS, &el_handlers, 0},
    {CERTMAP_SECTION_FASTCGI, &el_fastcgi, SS_SERVER_ONLY},
    {CERTMAP_SECTION_DIRECTORY, &el_directory, SS_SERVER_ONLY},
    {NULL, NULL, 0}};

static const char *const implemented_groups[] = {"system.applicationHost",
                                                 "system.webServer",
                                                 "system.webServer/security",
                                                 "system.webServer/security/authentication",
                                                 "system.webServer/rewrite",
                                                 "certmap",
                                                 NULL};

/*
 * Sections and groups IIS defines (IIS_schema.xml and the optional modules
 * that ship with IIS 10).  Inside a group certmap descends into, a name not
 * listed here is an error unless the file's <configSections> declares it.
 */
static const char *const iis_known[] = {
    "configSections",
    "configProtectedData",
    "configPaths",
    "system.applicationHost/applicationPools",
    "system.applicationHost/configHistory",
    "system.applicationHost/customMetadata",
    "system.applicationHost/listenerAdapters",
    "system.applicationHost/log",
    "system.applicationHost/serviceAutoStartProviders",
    "system.applicationHost/webLimits",
    "system.webServer/asp",
    "system.webServer/caching",
    "system.webServer/cgi",
    "system.webServer/defaultDocument",
    "system.webServer/directoryBrowse",
    "system.webServer/globalModules",
    "system.webServer/httpCompression",
    "system.webServer/httpErrors",
    "system.webServer/httpLogging",
    "system.webServer/httpProtocol",
    "system.webServer/httpRedirect",
    "system.webServer/httpTracing",
    "system.webServer/isapiFilters",
    "system.webServer/modules",
    "system.webServer/odbcLogging",
    "system.webServer/serverSideInclude",
    "system.webServer/staticContent",
    "system.webServer/urlCompression",
    "system.webServer/validation",
    "system.webServer/management",
    "system.webServer/webSocket",
    "system.webServer/applicationInitialization",
    "system.webServer/tracing",
    "system.webServer/webdav",
    "system.webServer/rewrite",
    "system.webServer/rewrite/outboundRules",
    "system.webServer/rewrite/providers",
    "system.webServer/rewrite/rewriteMaps",
    "system.webServer/aspNetCore",
    "system.webServer/httpPlatform",
    "system.webServer/iisnode",
    "system.webServer/security/applicationDependencies",
    "system.webServer/security/authorization",
    "system.webServer/security/dynamicIpSecurity",
    "system.webServer/security/ipSecurity",
    "system.webServer/security/isapiCgiRestriction",
    "system.webServer/security/requestFiltering",
    "system.ftpServer",
    "system.net",
    "system.web",
    "system.webServer/security/access",
    "system.webServer/security/authentication/anonymousAuthentication",
    "system.webServer/security/authentication/basicAuthentication",
    "system.webServer/security/authentication/digestAuthentication",
    "system.webServer/security/authentication/iisClientCertificateMappingAuthentication",
    "system.webServer/security/authentication/windowsAuthentication",
    "system.applicationHost/sites",
    NULL};

/*
 * Sections and groups the .NET Framework's machine.config declares, which
 * ASP.NET applications' web.config files commonly hold.  IIS accepts them in
 * a web.config; certmap keeps them as notes.
 */
static const char *const dotnet_known[] = {"appSettings",
                                           "connectionStrings",
                                           "configProtectedData",
                                           "mscorlib",
                                           "runtime",
                                           "startup",
                                           "satelliteassemblies",
                                           "system.codedom",
                                           "system.data",
                                           "system.diagnostics",
                                           "system.identityModel",
                                           "system.identityModel.services",
                                           "system.net",
                                           "system.runtime.caching",
                                           "system.runtime.remoting",
                                           "system.serviceModel",
                                           "system.transactions",
                                           "system.web",
                                           "system.web.extensions",
                                           "system.webServer/aspNetCore",
                                           "system.xml.serialization",
                                           "uri",
                                           NULL};

bool
cfg_schema_dotnet_known(const char *path)
{
    for (const char *const *k = dotnet_known; *k != NULL; k++)
        if (strcmp(*k, path) == 0)
            return true;
    return false;
}

const struct schema_section *
cfg_schema_section_find(const char *path)
{
    for (const struct schema_section *s = cfg_schema_sections; s->path != NULL; s++)
        if (strcmp(s->path, path) == 0)
            return s;
    return NULL;
}

bool
cfg_schema_group_implemented(const char *path)
{
    for (const char *const *g = implemented_groups; *g != NULL; g++)
        if (strcmp(*g, path) == 0)
            return true;
    return false;
}

bool
cfg_schema_iis_known(const char *path)
{
    for (const char *const *k = iis_known; *k != NULL; k++)
        if (strcmp(*k, path) == 0)
            return true;
    return false;
}

/* Levenshtein distance, case-insensitive, bounded to short names. */
static size_t
distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), prev[65], cur[65];

    if (la > 64 || lb > 64)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (tolower_ascii(a[i - 1]) != tolower_ascii(b[j - 1]));
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof(prev));
    }
    return prev[lb];
}

const char *
cfg_schema_suggest(const char *name, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1, limit;

    limit = strlen(name) / 3;
    if (limit < 1)
        limit = 1;
    if (limit > 4)
        limit = 4;
    for (size_t i = 0; i < n; i++) {
        size_t d = distance(name, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    return best_d <= limit ? best : NULL;
}

const char *
cfg_schema_suggest_section(const char *prefix, const char *name)
{
    const char *cands[64], *best;
    size_t n = 0, plen = strlen(prefix);
    static const char *const roots[] = {
        "system.applicationHost", "system.webServer",   "location", "certmap",
        "configSections",         "configProtectedData"};

    if (plen == 0) {
        best = cfg_schema_suggest(name, roots, sizeof(roots) / sizeof(roots[0]));
        return best;
    }
    for (const char *const *k = iis_known; *k != NULL && n < 64; k++) {
        const char *p = *k;
        if (strncmp(p, prefix, plen) == 0 && p[plen] == '/' && strchr(p + plen + 1, '/') == NULL)
            cands[n++] = p + plen + 1;
    }
    for (const char *const *g = implemented_groups; *g != NULL && n < 64; g++) {
        const char *p = *g;
        if (strncmp(p, prefix, plen) == 0 && p[plen] == '/' && strchr(p + plen + 1, '/') == NULL)
            cands[n++] = p + plen + 1;
    }
    for (const struct schema_section *s = cfg_schema_sections; s->path != NULL && n < 64; s++) {
        const char *p = s->path;
        if (strncmp(p, prefix, plen) == 0 && p[plen] == '/' && strchr(p + plen + 1, '/') == NULL)
            cands[n++] = p + plen + 1;
    }
    return cfg_schema_suggest(name, cands, n);
}

const struct schema_attr *
cfg_schema_attr_findn(const struct schema_elem *e, const char *name, size_t len)
{
    if (e == NULL || e->attrs == NULL)
        return NULL;
    for (const struct schema_attr *a = e->attrs; a->name != NULL; a++)
        if (strncmp(a->name, name, len) == 0 && a->name[len] == '\0')
            return a;
    return NULL;
}

const struct schema_attr *
cfg_schema_attr_find(const struct schema_elem *e, const char *name)
{
    return cfg_schema_attr_findn(e, name, strlen(name));
}

const struct schema_elem *
cfg_schema_child_find(const struct schema_elem *e, const char *name)
{
    if (e == NULL || e->children == NULL)
        return NULL;
    for (const struct schema_child *c = e->children; c->name != NULL; c++)
        if (strcmp(c->name, name) == 0)
            return c->elem;
    return NULL;
}

bool
cfg_schema_known_child(const struct schema_elem *e, const char *name)
{
    if (e == NULL || e->known == NULL)
        return false;
    for (const char *const *k = e->known; *k != NULL; k++)
        if (strcmp(*k, name) == 0)
            return true;
    return false;
}

const char *
cfg_schema_suggest_attr(const struct schema_elem *e, const char *name)
{
    const char *names[32];
    size_t n = 0;

    if (e->attrs != NULL)
        for (const struct schema_attr *a = e->attrs; a->name != NULL && n < 32; a++)
            names[n++] = a->name;
    return cfg_schema_suggest(name, names, n);
}

const char *
cfg_schema_suggest_child(const struct schema_elem *e, const char *name)
{
    const char *names[32];
    size_t n = 0;

    if (e->children != NULL)
        for (const struct schema_child *c = e->children; c->name != NULL && n < 28; c++)
            names[n++] = c->name;
    if (e->known != NULL)
        for (const char *const *k = e->known; *k != NULL && n < 28; k++)
            names[n++] = *k;
    if (e->coll != NULL) {
        names[n++] = e->coll->add;
        if (e->coll->remove != NULL)
            names[n++] = e->coll->remove;
        if (e->coll->clear != NULL)
            names[n++] = e->coll->clear;
    }
    return cfg_schema_suggest(name, names, n);
}

const char *
cfg_schema_allowed(const struct schema_attr *a, char *buf, size_t size)
{
    size_t n = 0;

    buf[0] = '\0';
    if (a->values == NULL)
        return buf;
    for (const struct schema_enum *v = a->values; v->name != NULL && n < size; v++) {
        int w = snprintf(buf + n, size - n, "%s%s", n > 0 ? ", " : "", v->name);
        if (w < 0)
            break;
        n += (size_t)w;
    }
    return buf;
}

bool
cfg_schema_is_lock_attr(const char *name)
{
    static const char *const names[] = {LOCK_ATTRIBUTES, LOCK_ALL_ATTRIBUTES_EXCEPT, LOCK_ELEMENTS,
                                        LOCK_ALL_ELEMENTS_EXCEPT, LOCK_ITEM};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

bool
cfg_schema_child_name(const struct schema_elem *e, const char *name)
{
    if (cfg_schema_child_find(e, name) != NULL || cfg_schema_known_child(e, name))
        return true;
    if (e->coll == NULL)
        return false;
    return strcmp(e->coll->add, name) == 0 ||
           (e->coll->remove != NULL && strcmp(e->coll->remove, name) == 0) ||
           (e->coll->clear != NULL && strcmp(e->coll->clear, name) == 0);
}
