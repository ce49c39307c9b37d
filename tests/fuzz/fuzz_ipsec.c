/*
 * fuzz_ipsec.c - libFuzzer target for the ipSecurity entry parser.
 *
 * The input, cut at its first NUL, is "ipAddress\nsubnetMask\ndomainName"
 * (missing fields are empty), each an exact-size heap copy so that ASan
 * catches reads past its end.  Invariants (abort on violation):
 *  - failure leaves a non-empty message; success only without a domainName
 *    and with an ipAddress;
 *  - the parsed address has no bit outside its mask;
 *  - an IPv4 entry keeps the whole ::ffff:0:0/96 prefix;
 *  - the entry matches its own address, as the first entry decides: an
 *    allow entry admits it under allowUnlisted="false", a deny entry refuses
 *    it under allowUnlisted="true" (unless that address is IPv4-mapped and
 *    the entry an IPv6 one, e.g. mask 0:0:0:0:0:ffff::, which by design
 *    never matches an IPv4 client).
 *
 * fuzz-sources: src/lib/ipsec.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "ipsec.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_ipsec: invariant failed at line %d: %s\n", __LINE__, #cond);     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next '\n'-separated field of [*p, end) as a malloc'd string. */
static char *
field(const char **p, const char *end)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = nl != NULL ? (size_t)(nl - *p) : (size_t)(end - *p);
    char *s = malloc(n + 1);

    if (s != NULL) {
        memcpy(s, *p, n);
        s[n] = '\0';
    }
    *p += nl != NULL ? n + 1 : n;
    return s;
}

/* The entry's own address as a socket address of its family. */
static void
own_addr(const struct ipsec_entry *e, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (e->v4) {
        struct sockaddr_in *in = (struct sockaddr_in *)ss;
        in->sin_family = AF_INET;
        memcpy(&in->sin_addr, e->addr + 12, 4);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
        in6->sin6_family = AF_INET6;
        memcpy(&in6->sin6_addr, e->addr, 16);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + strnlen(p, size);
    char *ip = field(&p, end), *mask = field(&p, end), *domain = field(&p, end);
    struct ipsec_entry e;
    struct ipsec_rules r;
    struct sockaddr_storage ss;
    const struct ipsec_entry *d = NULL;
    char msg[512];

    if (ip == NULL || mask == NULL || domain == NULL)
        goto out;
    memset(&e, 0, sizeof(e));
    msg[0] = '\0';
    if (ipsec_entry_parse(ip, mask, domain, &e, msg, sizeof(msg)) != 0) {
        CHECK(msg[0] != '\0');
        goto out;
    }
    CHECK(domain[0] == '\0' && ip[0] != '\0');
    for (int i = 0; i < 16; i++)
        CHECK((e.addr[i] & ~e.mask[i]) == 0);
    if (e.v4)
        for (int i = 0; i < 12; i++)
            CHECK(e.mask[i] == 0xff && e.addr[i] == (i < 10 ? 0 : 0xff));
    if (!e.v4 && memcmp(e.addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
        goto out;
    own_addr(&e, &ss);
    memset(&r, 0, sizeof(r));
    r.entries = &e;
    r.nentries = 1;
    e.allowed = true;
    r.allow_unlisted = false;
    CHECK(ipsec_allowed(&r, (struct sockaddr *)&ss, &d) && d == &e);
    e.allowed = false;
    r.allow_unlisted = true;
    CHECK(!ipsec_allowed(&r, (struct sockaddr *)&ss, &d) && d == &e);
out:
    free(ip);
    free(mask);
    free(domain);
    return 0;
}
