#!/usr/bin/env bash
# tests/fuzz/make-corpus.sh [OUTDIR] - generates the seed corpora that are
# better made than committed, into OUTDIR/<name>/ (default build-fuzz/seeds):
#   cert/      certificates made now with the openssl CLI (throwaway keys, never
#              kept) in every form the decoder takes, plus the classic
#              rejections: two certificates, trailing bytes, truncation;
#   envelope/  envelopes sealed with fuzz_envelope's fixed key (needs
#              build-fuzz/fuzz_envelope, see fuzz_envelope.c), plus malformed ones.
# Committed text seeds, if any, live in tests/fuzz/corpus/<name>/.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-${FUZZ_OUT:-$root/build-fuzz}/seeds}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make_cert() { # NAME KEYALG SUBJECT EXTRA...
    local name=$1 alg=$2 subj=$3
    shift 3
    if ! openssl req -x509 -newkey "$alg" -nodes -keyout "$tmp/$name.key" -subj "$subj" \
        -days 30 -addext "basicConstraints=critical,CA:FALSE" \
        -addext "extendedKeyUsage=clientAuth" "$@" -out "$tmp/$name.pem" 2>"$tmp/log"; then
        cat "$tmp/log" >&2
        exit 1
    fi
    openssl x509 -in "$tmp/$name.pem" -outform DER -out "$tmp/$name.der"
}

mkdir -p "$out/cert" "$out/envelope"
make_cert ec ec '/O=Example/CN=alice' -pkeyopt ec_paramgen_curve:P-256 \
    -addext "keyUsage=critical,digitalSignature" -addext "subjectAltName=email:alice@example.com"
make_cert rsa rsa:2048 $'/C=DE/O=Beispiel GmbH/CN=J\xc3\xb6rg/emailAddress=j@example.de' -utf8 \
    -addext "subjectKeyIdentifier=hash"
make_cert ed ed25519 '/CN=device-0001' -set_serial 0x0a1b2c3d4e5f
# A multi-valued RDN (a SET of two) and a notAfter past 2049 (GeneralizedTime).
make_cert multi ec '/O=Example/CN=bob+UID=1042' -multivalue-rdn -days 40000 \
    -pkeyopt ec_paramgen_curve:P-384 -addext "subjectAltName=DNS:bob.example,IP:192.0.2.1"

c=$out/cert
for k in ec rsa ed multi; do
    cp "$tmp/$k.der" "$c/$k.der"
    cp "$tmp/$k.pem" "$c/$k.pem"
    base64 -w 0 "$tmp/$k.der" >"$c/$k.b64"
    base64 -w 64 "$tmp/$k.der" | sed 's/$/\r/' >"$c/$k.b64crlf"
    base64 -w 0 "$tmp/$k.der" | sed 's/..../& /g; s/ $//' >"$c/$k.b64spaces"
done
{ echo "subject=CN = alice"; cat "$tmp/ec.pem"; } >"$c/ec-with-text.pem"
cat "$tmp/ec.pem" "$tmp/rsa.pem" >"$c/two.pem"
cat "$tmp/ec.der" "$tmp/ed.der" >"$c/two.der"
{ cat "$tmp/ec.der"; printf 'garbage!!!!!'; } >"$c/trailing.der"
head -c 200 "$tmp/ec.der" >"$c/truncated.der"
sed 's/CERTIFICATE/X509 CERTIFICATE/' "$tmp/ed.pem" >"$c/label.pem"
openssl pkey -in "$tmp/ec.key" -pubout -outform DER -out "$c/pubkey.der"

e=$out/envelope
fuzzer=${FUZZ_OUT:-$root/build-fuzz}/fuzz_envelope
if [ -x "$fuzzer" ]; then
    printf '%s\n' 'p@ssw0rd' '' 'a longer password with spaces and "quotes"' \
        "$(printf 'p\xc3\xa4ssw\xc3\xb6rd')" |
        FUZZ_ENVELOPE_SEAL=1 "$fuzzer" >"$tmp/sealed" 2>/dev/null
    i=0
    while IFS= read -r line; do
        printf '%s' "$line" >"$e/sealed$i"
        i=$((i + 1))
    done <"$tmp/sealed"
else
    echo "make-corpus.sh: $fuzzer not built; envelope seeds without sealed envelopes" >&2
fi
printf '%s' '[enc:AesProvider:AAAA:enc]' >"$e/short"
printf '%s' '[enc:RsaProvider:AQIDBA==:enc]' >"$e/provider"
printf '%s' 'plain-text password' >"$e/plain"
printf '%s' "[enc:AesProvider:$(head -c 60 /dev/urandom | base64 -w 0):enc]" >"$e/random"
echo "make-corpus.sh: $(ls "$c" | wc -l) cert seeds, $(ls "$e" | wc -l) envelope seeds in $out"
