#!/usr/bin/env bash
# cert-string prints the same single line for PEM, DER and base64 with line
# breaks, and refuses anything but one certificate with the reason.
. "$(dirname "$0")/cli_lib.sh"
cli_init
new_cert alice
want=$(openssl x509 -in "$T/alice.pem" -outform DER | base64 -w0)

run_ok cert-string "$T/alice.pem"
[ "$(cat "$OUT")" = "$want" ] || cli_fail "PEM: wrong line"
[ "$(wc -l <"$OUT")" = 1 ] || cli_fail "PEM: not a single line"
run_ok cert-string "$T/alice.der"
[ "$(cat "$OUT")" = "$want" ] || cli_fail "DER: wrong line"
# base64 with line breaks (64 and 76 columns, CRLF) and spaces, no armour.
base64 -w64 "$T/alice.der" >"$T/b64-64"
base64 -w76 "$T/alice.der" | sed 's/$/\r/' >"$T/b64-crlf"
base64 -w40 "$T/alice.der" | sed 's/^/  /' >"$T/b64-spaces"
for f in b64-64 b64-crlf b64-spaces; do
    run_ok cert-string "$T/$f"
    [ "$(cat "$OUT")" = "$want" ] || cli_fail "$f: wrong line"
done
CLI_STDIN=$T/alice.pem run_ok cert-string -
[ "$(cat "$OUT")" = "$want" ] || cli_fail "stdin: wrong line"

# Refusals: garbage, truncated, two certificates, a private key (exit 2); missing file (exit 3).
printf 'hello world\n' >"$T/garbage"
head -c 200 "$T/alice.der" >"$T/truncated.der"
new_cert bob
cat "$T/alice.pem" "$T/bob.pem" >"$T/two.pem"
for f in garbage truncated.der two.pem alice.key; do
    run_rc 2 cert-string "$T/$f"
    [ -s "$OUT" ] && cli_fail "$f: printed something on stdout"
    expect_err "cert-string: .*$f"
done
run_rc 3 cert-string "$T/missing.pem"
expect_err 'missing.pem'
run_rc 1 cert-string
run_rc 1 cert-string a b
cli_pass
