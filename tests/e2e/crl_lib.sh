# tests/e2e/crl_lib.sh - CRLs and CA chains for the revocation tests, over
# harness.sh (source harness.sh first, then this file, then call h_init).
#
#   crl_ca NAME CERT KEY          a CA database $T/crl-NAME for CERT/KEY
#   crl_revoke NAME CERT          marks CERT revoked in NAME's database
#   crl_gen NAME OUT [ARGS...]    writes NAME's CRL to OUT (ARGS: more
#                                 `openssl ca -gencrl` options, e.g.
#                                 -crl_lastupdate/-crl_nextupdate YYYYMMDDHHMMSSZ)
#   crl_intermediate NAME SUBJECT an intermediate CA $PKI/NAME.crt/.key issued
#                                 by the demo CA, with its own database

crl_ca() {
    local d=$T/crl-$1
    mkdir -p "$d"
    : >"$d/index.txt"
    echo 1000 >"$d/crlnumber"
    cat >"$d/ca.cnf" <<CNF
[ ca ]
default_ca = this
[ this ]
database = $d/index.txt
crlnumber = $d/crlnumber
certificate = $2
private_key = $3
default_md = sha256
default_crl_days = 30
CNF
}

crl_revoke() {
    openssl ca -batch -config "$T/crl-$1/ca.cnf" -revoke "$2" >/dev/null 2>&1 ||
        h_fail "crl_revoke $1 $2 failed"
}

crl_gen() {
    local name=$1 out=$2
    shift 2
    openssl ca -batch -config "$T/crl-$name/ca.cnf" -gencrl "$@" -out "$out" >/dev/null 2>&1 ||
        h_fail "crl_gen $name failed"
}

crl_intermediate() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$1.key" 2>/dev/null ||
        h_fail "crl_intermediate: key"
    printf 'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n' >"$T/$1.ext"
    openssl req -new -key "$PKI/$1.key" -subj "$2" -out "$T/$1.csr" 2>/dev/null ||
        h_fail "crl_intermediate: request"
    openssl x509 -req -in "$T/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -set_serial 0x5000 \
        -days 365 -sha256 -extfile "$T/$1.ext" -out "$PKI/$1.crt" 2>/dev/null ||
        h_fail "crl_intermediate: signing"
    crl_ca "$1" "$PKI/$1.crt" "$PKI/$1.key"
}
