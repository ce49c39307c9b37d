/*
 * ipsec.c - IIS IP restrictions: the entry parser and the evaluator.
 */
#include "ipsec.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* IIS's default subnetMask: the single address, for IPv4 and IPv6 entries alike. */
#define IPSEC_DEFAULT_MASK "255.255.255.255"

static const unsigned char v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* A decimal prefix length 0..max written with 1 to 3 digits and nothing else; -1 otherwise. */
static int
prefix_len(const char *s, int max)
{
    int n = 0;
    size_t i;

    for (i = 0; s[i] != '\0'; i++) {
        if (i >= 3 || s[i] < '0' || s[i] > '9')
            return -1;
        n = n * 10 + (s[i] - '0');
    }
    return i > 0 && n <= max ? n : -1;
}

static void
prefix_mask(unsigned char mask[16], int bits)
{
    memset(mask, 0, 16);
    for (int i = 0; i < 16 && bits > 0; i++, bits -= 8)
        mask[i] = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
}

/* The 128-bit mask of an IPv4 entry: the mapped prefix, then the IPv4 mask. */
static int
parse_mask_v4(const char *mask, unsigned char out[16])
{
    struct in_addr m;
    int bits = prefix_len(mask, 32);

    if (bits >= 0) {
        prefix_mask(out, 96 + bits);
        return 0;
    }
    if (inet_pton(AF_INET, mask, &m) != 1)
        return -1;
    memset(out, 0xff, 12);
    memcpy(out + 12, &m, 4);
    return 0;
}

static int
parse_mask_v6(const char *mask, unsigned char out[16])
{
    int bits = prefix_len(mask, 128);

    if (bits >= 0) {
        prefix_mask(out, bits);
        return 0;
    }
    if (strcmp(mask, IPSEC_DEFAULT_MASK) == 0) {
        /* the schema default, written or not: the single address */
        memset(out, 0xff, 16);
        return 0;
    }
    return inet_pton(AF_INET6, mask, out) == 1 ? 0 : -1;
}

int
ipsec_entry_parse(const char *ip, const char *mask, const char *domain, struct ipsec_entry *e,
                  char *msg, size_t msgsize)
{
    struct in_addr a4;
    int ret = -1;

    if (domain != NULL && domain[0] != '\0') {
        snprintf(msg, msgsize,
                 "domainName \"%.100s\": domain-name restrictions need a reverse DNS lookup for "
                 "every request, which certmap does not do; write the addresses (ipAddress, "
                 "subnetMask) instead",
                 domain);
        goto out;
    }
    if (ip == NULL || ip[0] == '\0') {
        snprintf(msg, msgsize, "ipAddress is missing: an entry needs an IPv4 or IPv6 address");
        goto out;
    }
    if (mask == NULL || mask[0] == '\0')
        mask = IPSEC_DEFAULT_MASK;
    if (strlen(ip) > IPSEC_TEXT_MAX || strlen(mask) > IPSEC_TEXT_MAX) {
        snprintf(msg, msgsize, "ipAddress or subnetMask longer than %d characters", IPSEC_TEXT_MAX);
        goto out;
    }
    memset(e->addr, 0, sizeof(e->addr));
    if (inet_pton(AF_INET, ip, &a4) == 1) {
        memcpy(e->addr, v4_mapped_prefix, 12);
        memcpy(e->addr + 12, &a4, 4);
        if (parse_mask_v4(mask, e->mask) != 0) {
            snprintf(msg, msgsize,
                     "subnetMask \"%.64s\" of IPv4 address \"%s\": not a dotted mask "
                     "(255.255.255.0) or a prefix length 0..32",
                     mask, ip);
            goto out;
        }
    } else if (inet_pton(AF_INET6, ip, e->addr) == 1) {
        if (parse_mask_v6(mask, e->mask) != 0) {
            snprintf(msg, msgsize,
                     "subnetMask \"%.64s\" of IPv6 address \"%s\": not a prefix length 0..128 or "
                     "an IPv6 mask (ffff:ffff:ffff:ffff::)",
                     mask, ip);
            goto out;
        }
    } else {
        snprintf(msg, msgsize,
                 "ipAddress \"%.64s\": not an IPv4 address (192.0.2.1) or an IPv6 address "
                 "(2001:db8::1)",
                 ip);
        goto out;
    }
    for (int i = 0; i < 16; i++)
        e->addr[i] &= e->mask[i];
    /* an IPv4 address, or one written as IPv4-mapped IPv6 with the whole prefix kept */
    e->v4 = memcmp(e->mask, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 12) == 0 &&
            memcmp(e->addr, v4_mapped_prefix, 12) == 0;
    ret = 0;
out:
    return ret;
}

/* The client as 16 bytes (IPv4 mapped); -1 for other families. */
static int
peer_bytes(const struct sockaddr *peer, unsigned char out[16], bool *v4)
{
    if (peer == NULL)
        return -1;
    if (peer->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)peer;
        memcpy(out, v4_mapped_prefix, 12);
        memcpy(out + 12, &in->sin_addr, 4);
        *v4 = true;
        return 0;
    }
    if (peer->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)peer;
        memcpy(out, &in6->sin6_addr, 16);
        *v4 = memcmp(out, v4_mapped_prefix, 12) == 0;
        return 0;
    }
    return -1;
}

static bool
entry_matches(const struct ipsec_entry *e, const unsigned char a[16], bool v4)
{
    if (e->v4 != v4)
        return false;
    for (int i = 0; i < 16; i++)
        if ((a[i] & e->mask[i]) != e->addr[i])
            return false;
    return true;
}

bool
ipsec_allowed(const struct ipsec_rules *r, const struct sockaddr *peer,
              const struct ipsec_entry **decided)
{
    unsigned char a[16];
    bool v4 = false;

    if (decided != NULL)
        *decided = NULL;
    if (r == NULL)
        return true;
    if (peer_bytes(peer, a, &v4) == 0)
        for (size_t i = 0; i < r->nentries; i++)
            if (entry_matches(&r->entries[i], a, v4)) {
                if (decided != NULL)
                    *decided = &r->entries[i];
                return r->entries[i].allowed;
            }
    return r->allow_unlisted;
}

/*
 * Sub-statuses: Forbidden is 403.6 "IP address rejected" (Microsoft KB 248043,
 * "HTTP 403.6 - Forbidden: IP address rejected", IIS's status code list).
 * IIS has no IP sub-status among its 401 and 404 codes; IIS 8 and later log
 * 401.503 and 404.503 for the Unauthorized and NotFound deny actions (as
 * reported from IIS logs, e.g. "What is the meaning of an IIS http status code
 * 404.503?", answered by Peter Hahndorf).
 */
void
ipsec_deny_status(const struct ipsec_rules *r, int *status, int *substatus)
{
    enum ipsec_deny_action a = r != NULL ? r->deny_action : IPSEC_DENY_FORBIDDEN;

    switch (a) {
    case IPSEC_DENY_ABORT:
        *status = 0;
        *substatus = 0;
        break;
    case IPSEC_DENY_UNAUTHORIZED:
        *status = 401;
        *substatus = 503;
        break;
    case IPSEC_DENY_NOT_FOUND:
        *status = 404;
        *substatus = 503;
        break;
    case IPSEC_DENY_FORBIDDEN:
    default:
        *status = 403;
        *substatus = 6;
        break;
    }
}
