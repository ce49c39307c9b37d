/*
 * ipsec.h - IIS IP restrictions (system.webServer/security/ipSecurity):
 * the entry parser and the pure evaluator (ipsec.c).
 *
 * The view (view/ipsec.c) parses every <add> once, when it is built, and
 * keeps per scope an immutable struct ipsec_rules in its arena; the server
 * (and later `certmap test-cert`) only calls ipsec_allowed().  Nothing here
 * allocates, prints or touches the network: no DNS, so domainName entries
 * are refused by the parser.
 *
 * Addresses are kept as 16 bytes: an IPv4 address as its IPv4-mapped IPv6
 * form (::ffff:a.b.c.d), so that a client reaching an IPv6 socket from IPv4
 * (::ffff:127.0.0.1) matches the IPv4 entries, as it would on IIS, which
 * sees such a client as IPv4.
 */
#ifndef CERTMAP_IPSEC_H
#define CERTMAP_IPSEC_H

#include <stdbool.h>
#include <stddef.h>

struct sockaddr;

/* ipSecurity/@denyAction: the IIS enum values (IIS_schema.xml), the status sent. */
enum ipsec_deny_action {
    IPSEC_DENY_ABORT = 0,          /* AbortRequest: the connection is closed, nothing is sent */
    IPSEC_DENY_UNAUTHORIZED = 401, /* Unauthorized */
    IPSEC_DENY_FORBIDDEN = 403,    /* Forbidden (IIS's default) */
    IPSEC_DENY_NOT_FOUND = 404,    /* NotFound */
};

/* One <add> of the effective collection, parsed. */
struct ipsec_entry {
    unsigned char addr[16]; /* ipAddress & mask (IPv4 mapped into ::ffff:0:0/96) */
    unsigned char mask[16]; /* subnetMask as 128 bits (IPv4: 96 one bits, then the mask) */
    bool v4;                /* an IPv4 entry: matches IPv4 clients only (IPv6 ones: IPv6 only) */
    bool allowed;           /* allowed: an allow entry, else a deny entry */
    const char *ip_text;    /* ipAddress as written (owner: the rules' owner) */
    const char *mask_text;  /* subnetMask as written, or IIS's default "255.255.255.255" */
    const char *file;       /* where the <add> is written (owner: the rules' owner) */
    unsigned line;
};

/* The effective ipSecurity of a scope; immutable once built. */
struct ipsec_rules {
    bool allow_unlisted;                /* allowUnlisted: the answer when no entry matches */
    enum ipsec_deny_action deny_action; /* denyAction */
    const struct ipsec_entry *entries;  /* in evaluation order (see ipsec_allowed) */
    size_t nentries;
    const char *allow_unlisted_file; /* where allowUnlisted was written, NULL: default */
    unsigned allow_unlisted_line;
    const char *deny_action_file; /* where denyAction was written, NULL: default */
    unsigned deny_action_line;
};

/* Upper bound of the texts ipsec_entry_parse() reads (longest IPv6 text, with margin). */
#define IPSEC_TEXT_MAX 64

/*
 * Parses one entry: ip (ipAddress: an IPv4 dotted quad or an IPv6 address),
 * mask (subnetMask: for IPv4 a dotted mask or a prefix length 0..32; for
 * IPv6 a prefix length 0..128 or a mask written as an IPv6 address; IIS's
 * default "255.255.255.255" means the single address for both families),
 * domain (domainName: must be empty, certmap does no DNS).  Fills e's
 * addresses, v4 and nothing else (the caller sets allowed, texts, file:line).
 * Returns 0, or -1 with a message in msg naming the value and what is allowed.
 */
int ipsec_entry_parse(const char *ip, const char *mask, const char *domain, struct ipsec_entry *e,
                      char *msg, size_t msgsize);

/*
 * Decides whether peer (AF_INET or AF_INET6; any other family matches no
 * entry) may reach a scope with rules r (NULL: nothing configured, allowed).
 * The entries are tried in order and the first that matches decides, as IIS
 * evaluates its ordered list (the effective collection: the parent's entries,
 * then the scope's own, <clear/> and <remove> applied); allowUnlisted decides
 * when none matches ("processed last in ordering", IIS's IPSecuritySection
 * reference).  *decided (may be NULL) is the entry that decided, or NULL.
 */
bool ipsec_allowed(const struct ipsec_rules *r, const struct sockaddr *peer,
                   const struct ipsec_entry **decided);

/*
 * The answer to a refused request: status 0 for AbortRequest (close the
 * connection without a response), else the status and IIS's sub-status.
 */
void ipsec_deny_status(const struct ipsec_rules *r, int *status, int *substatus);

#endif
