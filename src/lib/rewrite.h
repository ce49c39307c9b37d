/*
 * rewrite.h - IIS URL Rewrite inbound rules (system.webServer/rewrite/rules
 * and globalRules): compiled rules and the one evaluator certmapd uses.
 *
 * Semantics reproduced from the URL Rewrite Module Configuration Reference
 * (https://learn.microsoft.com/en-us/iis/extensions/url-rewrite-module/url-rewrite-module-configuration-reference):
 *
 *   - Global rules run first and match the URL path without its leading '/'.
 *     Distributed rules match the path relative to the scope they are
 *     written for ("rule base"): a rule written for "/app" sees "x/y" for
 *     "/app/x/y" and is skipped for paths outside "/app".  A scope's list
 *     holds the inherited rules before its own (parent first), as IIS
 *     evaluates them.
 *   - ECMAScript patterns (PCRE2, partial match: "blog" matches
 *     "my/blog/x"); Wildcard patterns match the whole input, '*' matches
 *     any run of characters and captures it, '?' any one character without
 *     capturing; ExactMatch compares the whole input.  ignoreCase is ASCII
 *     case folding for Wildcard and ExactMatch, PCRE2_CASELESS for
 *     ECMAScript.  A negated pattern or condition captures nothing.
 *   - {R:n} is group n of the rule's match ({R:0}: the whole match, which
 *     for ECMAScript is the matched part, not the whole input); {C:n} is
 *     group n of the last matched condition, or with trackAllCaptures the
 *     groups of every matched condition numbered on from 1 in order
 *     ({C:0}: the whole match of the last one).  A reference to a group
 *     that did not capture is "".
 *   - {NAME} is a server variable (the caller's get_var(), after the
 *     variables rules set earlier in this request; QUERY_STRING is the
 *     current query, rewritten or not).  Unknown variables are "".  The
 *     functions {ToLower:...}, {UrlEncode:...}, {UrlDecode:...} and
 *     {EscapeDataString:...} apply to the expanded text inside.  Any other
 *     {Name:...} would be a rewrite map, which certmap does not support: the rule
 *     does not compile (never "" at run time).
 *   - Conditions: MatchAll needs every condition, MatchAny the first that
 *     holds (its captures are the {C:n}); no condition always holds.
 *     IsFile/IsDirectory ask the caller's file_kind().
 *   - serverVariables/set runs when the rule matched, before its action;
 *     a distributed rule may set only names in allowedServerVariables (the
 *     caller's list), otherwise the request fails with 500.50 as IIS
 *     answers; global rules may set any name.  replace="false" keeps a
 *     value that is already there (set earlier or present in the request).
 *   - Actions: None and Rewrite to a local path go on with the next rule
 *     (with the rewritten path) unless stopProcessing; Rewrite to an
 *     absolute http(s) URL, Redirect, CustomResponse and AbortRequest end
 *     the evaluation.  appendQueryString adds the current query ('&' after
 *     a query the url already has).  A relative url is relative to the
 *     rule's base.
 *
 * Re-entry (certmap's choice, documented in docs/rewrite.md): a local
 * rewrite sends the request through routing, access, authentication and
 * authorization again with the new path, then rewrite_run() again with the
 * new scope's lists.  Every rule runs at most once per request (the state
 * remembers which ran), so IIS's single pass is kept for rules a scope
 * shares with its parent, and a loop between scopes ends; passes are
 * bounded by REWRITE_MAX_PASSES on top (500.50 past it).
 *
 * Ownership: rules and lists are created in a rewrite_store, immutable once
 * created, freed with the store (the view owns one).  Evaluating is
 * thread-safe; a rewrite_state belongs to one request.
 */
#ifndef CERTMAP_REWRITE_H
#define CERTMAP_REWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* patternSyntax, IIS values */
enum rewrite_syntax {
    REWRITE_ECMASCRIPT = 0,
    REWRITE_WILDCARD = 1,
    REWRITE_EXACT_MATCH = 2,
};

/* conditions/add/@matchType, IIS values */
enum rewrite_match_type {
    REWRITE_MATCH_PATTERN = 0,
    REWRITE_MATCH_IS_FILE = 1,
    REWRITE_MATCH_IS_DIRECTORY = 2,
};

/* action/@type, IIS values */
enum rewrite_action {
    REWRITE_ACTION_NONE = 0,
    REWRITE_ACTION_REWRITE = 1,
    REWRITE_ACTION_REDIRECT = 2,
    REWRITE_ACTION_CUSTOM_RESPONSE = 3,
    REWRITE_ACTION_ABORT_REQUEST = 4,
};

/* Bounds of one request's evaluation. */
#define REWRITE_MAX_PASSES 10     /* rewrite_run() calls (the first + re-entries) */
#define REWRITE_MAX_CAPTURES 100  /* groups of one pattern, {R:0}..{R:99} */
#define REWRITE_MAX_EXPANDED 8192 /* bytes of one expanded url, input or value */
/* PCRE2 limits per match (backtracking steps, depth): a pattern past them fails the request */
#define REWRITE_MATCH_LIMIT 1000000u
#define REWRITE_DEPTH_LIMIT 10000u

/* One conditions/add as written (strings borrowed for the call). */
struct rewrite_cond_def {
    const char *input;
    enum rewrite_match_type match_type;
    const char *pattern;
    bool ignore_case;
    bool negate;
    unsigned line; /* where the <add> is written */
};

/* One serverVariables/set as written. */
struct rewrite_set_def {
    const char *name;
    const char *value;
    bool replace;
    unsigned line;
};

/* One rule as written (strings borrowed for the call). */
struct rewrite_rule_def {
    const char *name;
    bool enabled;
    bool stop_processing;
    enum rewrite_syntax syntax;
    const char *url; /* match/@url */
    bool ignore_case;
    bool negate;
    bool match_any; /* conditions/@logicalGrouping="MatchAny" */
    bool track_all; /* conditions/@trackAllCaptures */
    const struct rewrite_cond_def *conds;
    size_t nconds;
    const struct rewrite_set_def *sets;
    size_t nsets;
    enum rewrite_action action;
    const char *action_url; /* "" when unset */
    bool append_query;
    bool log_rewritten;
    unsigned redirect_status; /* redirectType as its status: 301, 302, 303, 307 */
    unsigned status;          /* CustomResponse statusCode */
    unsigned substatus;
    const char *reason;      /* statusReason, "" when unset */
    const char *description; /* statusDescription, "" when unset */
    bool global;             /* a globalRules rule (matches the whole path, sets any variable) */
    const char *base;        /* distributed rules: the scope path they are written for, "" for a
                                site root, "/app" (no trailing '/'); ignored when global */
    const char *file;        /* where the rule is written (borrowed: must outlive the store) */
    unsigned line;           /* the <rule> */
    unsigned match_line;     /* the <match> */
};

struct rewrite_rule; /* opaque, immutable */

/* An effective rule list, in evaluation order. */
struct rewrite_rules {
    const struct rewrite_rule *const *rules;
    size_t n;
};

struct rewrite_store;

/* A new empty store, or NULL when memory runs out. */
struct rewrite_store *rewrite_store_new(void);

/* Frees the store with every rule and list created in it.  NULL is ignored. */
void rewrite_store_free(struct rewrite_store *s);

/*
 * Compiles one rule into s.  Returns the rule, or NULL with msg filled
 * ("pattern \"(a\" of the rule \"x\": missing closing parenthesis at offset 2")
 * and *err_line set to the line of the element at fault (the <match>, the
 * condition's <add>, the <set>, or the <rule>), or with *oom set when memory
 * runs out.  Checked here: every pattern compiles, back-references and
 * functions in url, inputs and values are well formed ({Name:...} that is
 * not a function is a rewrite map: refused), a Rewrite or Redirect has a
 * url, a set has a name.
 */
const struct rewrite_rule *rewrite_rule_new(struct rewrite_store *s,
                                            const struct rewrite_rule_def *d, bool *oom, char *msg,
                                            size_t msgsize, unsigned *err_line);

/* A list of n rules (the array is copied) in s; NULL when memory runs out. */
const struct rewrite_rules *rewrite_rules_new(struct rewrite_store *s,
                                              const struct rewrite_rule *const *rules, size_t n);

/* The rule's name, file and line (for logs and `certmap test-cert`). */
const char *rewrite_rule_name(const struct rewrite_rule *r);
const char *rewrite_rule_file(const struct rewrite_rule *r);
unsigned rewrite_rule_line(const struct rewrite_rule *r);

/* file_kind() answers */
#define REWRITE_KIND_NONE 0
#define REWRITE_KIND_FILE 1
#define REWRITE_KIND_DIRECTORY 2

/* What the evaluator asks its caller. */
struct rewrite_env {
    /*
     * The value of server variable name (IIS spelling, NUL-terminated, as
     * written in the rule: compare case-insensitively), *len its length;
     * NULL when the request has no such variable ("" is used).  The value
     * must stay valid until the next call.
     */
    const char *(*get_var)(void *ctx, const char *name, size_t *len);
    /*
     * Whether path (len bytes, an expanded condition input, usually
     * {REQUEST_FILENAME}) names a file or directory: REWRITE_KIND_*.
     * NULL: nothing is a file or directory.
     */
    int (*file_kind)(void *ctx, const char *path, size_t len);
    void *ctx;
    /* allowedServerVariables effective for the request's scope (case-insensitive) */
    const char *const *allowed;
    size_t nallowed;
};

enum rewrite_outcome {
    REWRITE_NONE,     /* no rule changed the request: serve it as it is */
    REWRITE_LOCAL,    /* url (and query) is the new local path: enter the pipeline again */
    REWRITE_ABSOLUTE, /* url is an absolute http(s) URL (query included): the proxy's job */
    REWRITE_REDIRECT, /* answer status with Location: url */
    REWRITE_CUSTOM,   /* answer status.substatus, reason and description */
    REWRITE_ABORT,    /* close the connection without an answer */
    REWRITE_ERROR,    /* the rules could not be evaluated: answer status.substatus (500.50) */
};

/* A server variable a rule set. */
struct rewrite_var {
    char *name;  /* as the rule spells it (owned) */
    char *value; /* owned */
};

/*
 * One request's evaluation: what rewrite_run() decided, and what it keeps
 * across passes.  Zeroed by rewrite_state_init(), freed by
 * rewrite_state_free(); fields below are read-only for the caller.
 */
struct rewrite_state {
    enum rewrite_outcome outcome;
    char *url;   /* LOCAL: the new path ('/' first, percent-encoded as the rule wrote it);
                    ABSOLUTE: the URL with its query; REDIRECT: the Location (owned) */
    char *query; /* LOCAL: the new query without '?', NULL when none (owned) */
    unsigned status;
    unsigned substatus;
    char *reason;                    /* CUSTOM: statusReason expanded, "" when none (owned) */
    char *description;               /* CUSTOM: statusDescription expanded (owned) */
    const struct rewrite_rule *rule; /* the rule that decided the outcome (NULL for NONE) */
    bool log_rewritten;              /* logRewrittenUrl of a rewrite that applied */
    bool rewritten;                  /* some pass rewrote the path */
    struct rewrite_var *vars;        /* server variables set, in order (owned) */
    size_t nvars;
    unsigned passes;  /* rewrite_run() calls so far */
    char error[256];  /* ERROR: why, with the rule's file:line (for the error log) */
    uint64_t *ran;    /* bit per rule id: the rule ran in this request (owned) */
    size_t nran;      /* words in ran */
    void *match_data; /* PCRE2 match data, reused (owned) */
    size_t cap_vars;  /* allocated vars */
};

void rewrite_state_init(struct rewrite_state *st);
void rewrite_state_free(struct rewrite_state *st);

/*
 * Evaluates global (may be NULL) then rules (may be NULL) on the decoded,
 * normalised path (path_len bytes, starting with '/') and the query
 * (query_len bytes without '?', NULL when the request has none).  Rules
 * that ran in an earlier pass of st are skipped.  Returns st->outcome.
 * REWRITE_ERROR also when memory runs out, a pattern exceeds the PCRE2
 * limits, a distributed rule sets a variable not allowed, an expansion
 * passes REWRITE_MAX_EXPANDED, or this is pass REWRITE_MAX_PASSES + 1.
 */
enum rewrite_outcome rewrite_run(struct rewrite_state *st, const struct rewrite_rules *global,
                                 const struct rewrite_rules *rules, const char *path,
                                 size_t path_len, const char *query, size_t query_len,
                                 const struct rewrite_env *env);

/* The value a rule set for name (case-insensitive), or NULL. */
const char *rewrite_state_var(const struct rewrite_state *st, const char *name);

#endif
