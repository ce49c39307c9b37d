#!/usr/bin/env python3
"""idle-heap.py BEFORE.ms AFTER.ms N

Reads two xtree memory reports of certmapd in massif format (valgrind
memcheck --xtree-memory=full, dumped with `vgdb xtmemory FILE.ms`), taken
before and after N idle connections were opened, and prints what each idle
connection keeps allocated: bytes and blocks per connection, by what holds
them.  OpenSSL's static functions have no symbols in Debian's libraries, so
the categories are decided from the exported functions on each stack (the
rules below); what no rule names is listed as "other" with its stack."""
import collections
import re
import sys

NODE = re.compile(r'^( *)n(\d+): (\d+) (.*)$')


def frame(desc):
    desc = re.sub(r'^0x[0-9A-Fa-f]+: ', '', desc)
    return re.sub(r' \(in \S*/([^/ ]+)\)$', r' [\1]', desc)


def parse(path, which):
    """Self cost of every stack (allocating function first, as the report nests them)
    in tree number `which` (0 bytes, 1 blocks)."""
    out = collections.Counter()
    with open(path) as f:
        lines = f.read().split('\n')
    seen, i = -1, 0
    while i < len(lines):
        if lines[i].startswith('snapshot='):
            seen += 1
        elif seen == which and lines[i].startswith('n'):
            i += 1  # the root: the total, not a frame
            break
        i += 1
    stack = []  # [depth, frame, cost, children's cost]

    def close(depth):
        while stack and stack[-1][0] >= depth:
            d, fr, cost, kids = stack.pop()
            if cost != kids:
                out[tuple(s[1] for s in stack) + (fr,)] += cost - kids

    while i < len(lines):
        m = NODE.match(lines[i])
        if not m:
            break
        depth, cost = len(m.group(1)), int(m.group(3))
        close(depth)
        if stack:
            stack[-1][3] += cost
        stack.append([depth, frame(m.group(4)), cost, 0])
        i += 1
    close(0)
    return out


# (function names anywhere on the stack, category).  First match wins.
RULES = [
    ('d2i_EC_PUBKEY|OSSL_DECODER_from|d2i_PUBKEY|d2i_RSA', "peer certificate: its public key (EVP_PKEY, EC_KEY with its own EC_GROUP copy)"),
    ('X509_VERIFY_PARAM_new', 'SSL: X509_VERIFY_PARAM'),
    ('BIO_new_ex|BIO_new', 'SSL: socket BIO'),
    ('CRYPTO_set_ex_data', 'SSL: ex_data slots (certmapd endpoint, conn, chain DER)'),
    ('tls_chain_compact|chain_encode', "certmapd: client's intermediates as DER (tls_chain.c)"),
    ('EVP_CipherInit_ex', 'record layer: cipher contexts (read + write keys)'),
    ('EVP_PKEY_generate', 'handshake leftover: server key share (s3.tmp.pkey)'),
    ('SSL_SESSION_new', 'SSL_SESSION'),
    ('on_ticket_gen', 'SSL_SESSION: ticket app data (certmapd trust stamp)'),
    ('X509_new_ex', 'peer certificate: X509 structure'),
    ('ASN1_item_d2i_ex|ASN1_item_ex_d2i', 'peer certificate: parsed fields (names, extensions, signature)'),
    ('EVP_MD_CTX_copy_ex', 'handshake digest (kept for post-handshake auth)'),
]


def category(stack):
    for pat, name in RULES:
        if any(re.match('(' + pat + ') ', f) for f in stack):
            return name
    if any(f.startswith('SSL_new ') for f in stack):
        inner = [f for f in stack if 'libcrypto' not in f]
        return 'SSL_new: the SSL structure (one block of 7.6 KB in OpenSSL 3.0) and its lock' if inner[0].startswith('SSL_new ') else "SSL_new: the copy of the context's CERT, stacks, locks"
    if stack[0].startswith('conn_accept '):
        return 'certmapd: struct conn'
    if any('libssl' in f for f in stack):
        return 'other OpenSSL handshake state kept in the SSL (client cipher list, extensions, key share, EVP_CIPHER_CTX)'
    return 'other: ' + ' < '.join(stack[:6])


def main():
    n = float(sys.argv[3])
    per = {}
    for which in (0, 1):
        a, b = parse(sys.argv[1], which), parse(sys.argv[2], which)
        cats = collections.Counter()
        for k in set(a) | set(b):
            cats[category(k)] += b.get(k, 0) - a.get(k, 0)
        per[which] = cats
    total_b = sum(per[0].values()) / n
    total_k = sum(per[1].values()) / n
    print(f'| what an idle connection holds | bytes per connection | blocks per connection |')
    print('|---|---:|---:|')
    for c, v in per[0].most_common():
        if abs(v / n) >= 4:
            print(f'| {c} | {v / n:.0f} | {per[1][c] / n:.1f} |')
    print(f'| **total requested** | **{total_b:.0f}** ({total_b / 1024:.2f} KiB) | **{total_k:.1f}** |')


if __name__ == '__main__':
    main()
