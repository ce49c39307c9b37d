#!/usr/bin/env bash
# Bulk mappings: 200 certificates from a directory in one commit (one history
# copy), a bad file leaves the configuration byte-identical, CSV with per-user
# password files, --dry-run, and the export -> import round trip.
. "$(dirname "$0")/cli_lib.sh"
cli_init
hist() { find "$T/.history" -type f 2>/dev/null | wc -l; }
mkdir -p "$T/certs" "$T/bad"
# 200 certificates with one key (only the certificates differ; quick to make).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/k.key" \
    -out "$T/certs/u000.pem" -subj "/CN=u000/emailAddress=u000@example.org" -days 30 >/dev/null 2>&1 ||
    cli_fail "openssl req failed"
for i in $(seq 1 199); do
    n=$(printf 'u%03d' "$i")
    openssl req -x509 -new -key "$T/k.key" -out "$T/certs/$n.pem" -days 30 \
        -subj "/CN=$n/emailAddress=$n@example.org" >/dev/null 2>&1 || cli_fail "openssl req $n failed"
done

# A bad file in the set: nothing written, the error names it.
cp "$T/certs/u00"[0-4].pem "$T/bad/"
echo 'not a certificate' >"$T/bad/u002.pem"
before=$(hist)
run_fails 2 "$T/bad/u002.pem" import mappings --site "$SITE" --dir "$T/bad" --user-from cn \
    --password-file "$T/pw"
[ "$(hist)" = "$before" ] || cli_fail "failed import wrote history"
# No password: refused before anything is written.
run_fails 1 "no password for 'u000'" import mappings --site "$SITE" --dir "$T/certs" --user-from cn

# --dry-run prints, writes nothing.
sum=$(sha256sum "$CFG")
run_ok import mappings --site "$SITE" --dir "$T/certs" --user-from email \
    --password-file "$T/pw" --dry-run
[ "$sum" = "$(sha256sum "$CFG")" ] || cli_fail "--dry-run changed the file"
expect_out "would add at 'Default Web Site': sha256 [0-9a-f]{64} -> u007@example.org"
expect_out "dry run: 200 mappings would be added"

# 200 in one commit, quickly.
start=$(date +%s%N)
run_ok import mappings --site "$SITE" --dir "$T/certs" --user-from cn --password-file "$T/pw"
ms=$((($(date +%s%N) - start) / 1000000))
cli_log "imported 200 mappings in $ms ms"
expect_out "imported 200 mappings at 'Default Web Site'"
[ "$(hist)" = $((before + 1)) ] || cli_fail "import of 200 took $(($(hist) - before)) commits"
[ "$ms" -lt 20000 ] || cli_fail "import of 200 mappings took $ms ms"
[ "$(grep -c '<add ' "$CFG")" = 200 ] || cli_fail "expected 200 <add> in the file"
expect_valid
rm "$T/bad/u002.pem"
# Importing one of them again is refused, naming the existing line.
run_fails 2 "u000.pem: certificate already mapped at 'Default Web Site' by .*applicationHost.config:[0-9]+ \(user 'u000'\)" \
    import mappings --site "$SITE" --dir "$T/bad" --user-from file-name --password-file "$T/pw"

# Export -> import round trip (into Shop): same certificates, users, states.
run_ok disable mapping --site "$SITE" --cert "$T/certs/u005.pem"
run_ok export mappings --site "$SITE" --json
cp "$OUT" "$T/export.json"
grep -q 'password' "$T/export.json" && cli_fail "export carries passwords"
grep -q '"certificate":"-----BEGIN CERTIFICATE-----\\n' "$T/export.json" || cli_fail "no PEM in export"
if command -v jq >/dev/null; then
    [ "$(jq length "$T/export.json")" = 200 ] || cli_fail "export is not a 200-element JSON array"
fi
run_ok import mappings --site Shop --json "$T/export.json" --password-file "$T/pw"
expect_out "imported 200 mappings at 'Shop'"
run_ok export mappings --site Shop --json
diff "$T/export.json" "$OUT" >/dev/null || cli_fail "round trip differs: $(diff "$T/export.json" "$OUT" | head -5)"
run_ok list mappings --site Shop --json
grep -q '"user":"u005","enabled":false' "$OUT" || cli_fail "disabled state lost in the round trip"
expect_valid

# CSV: paths relative to the CSV, a header, a comment, per-user password files.
new_cert alice
new_cert bob
printf 'alice-pw\n' >"$T/alice.pw"
chmod 600 "$T/alice.pw"
mkdir -p "$T/csvdir"
cat >"$T/csvdir/m.csv" <<CSV
certificate,user,password file
# alice has her own password file
../alice.pem,"EXAMPLE\\alice",../alice.pw
$T/bob.der, bob
CSV
write_config
run_ok import mappings --site "$SITE" --csv "$T/csvdir/m.csv" --password-file "$T/pw"
expect_out "imported 2 mappings"
run_ok list mappings --json
json_row "$(cert_sha256 alice)" | grep -qF '"user":"EXAMPLE\\alice"' || cli_fail "alice's row: $(cat "$OUT")"
expect_valid
write_config
printf '../alice.pem,alice\n../nothere.pem,bob\n' >"$T/csvdir/bad.csv"
run_fails 3 "bad.csv:2: .*nothere.pem: cannot open" import mappings --site "$SITE" --csv "$T/csvdir/bad.csv" \
    --password-file "$T/pw"
printf '../alice.pem,alice\n../alice.der,bob\n' >"$T/csvdir/dup.csv"
run_fails 2 "dup.csv:2: the same certificate as .*dup.csv:1" import mappings --site "$SITE" \
    --csv "$T/csvdir/dup.csv" --password-file "$T/pw"
printf '[{"certificate":"x","user":"a"},]' >"$T/bad.json"
run_fails 2 "bad.json:1: " import mappings --site "$SITE" --json "$T/bad.json" --password-file "$T/pw"
cli_pass
