# Location paths match case-insensitively, as on IIS, but Linux file names do
# not: "/PUBLIC/x.txt" matches the anonymous location "/public" and is then
# read under that location's own spelling (public/x.txt), as IIS on NTFS
# would read it.  The on-disk directory PUBLIC/ (other content, under the
# root's certificate requirement) is never served under /public's rules.
. "$(dirname "$0")/harness.sh"
h_init
h_std
mkdir -p "$WWW/public" "$WWW/PUBLIC/sub"
printf 'lower public\n' >"$WWW/public/x.txt"
printf 'UPPER secret\n' >"$WWW/PUBLIC/x.txt"
printf 'UPPER secret only\n' >"$WWW/PUBLIC/only.txt"
printf 'UPPER secret sub\n' >"$WWW/PUBLIC/sub/y.txt"
cfg_location "Default Web Site/public" ssl="Ssl, SslNegotiateCert" anon=true
h_start

# Every spelling of /public/x.txt is public/x.txt, anonymously, logged as requested.
for p in /PUBLIC/x.txt /public/x.txt /Public/x.txt /pUbLiC/x.txt /%50UBLIC/x.txt; do
    req - "$p"
    expect_status 200
    expect_body_contains "lower public"
    expect_body_lacks "UPPER"
    expect_log 1 - 200 0
done
# With a mapped certificate too (the mappings are inherited from the root).
req alice /PUBLIC/x.txt
expect_status 200
expect_body_contains "lower public"
expect_body_lacks "UPPER"
expect_log 1 alice 200 0 /PUBLIC/x.txt

# What only PUBLIC/ holds does not exist under /public.
for p in /PUBLIC/only.txt /PUBLIC/sub/y.txt /public/only.txt; do
    req - "$p"
    expect_status 404 0
    expect_body_lacks "UPPER"
    expect_log 1 - 404 0
    req alice "$p"
    expect_status 404 0
    expect_body_lacks "UPPER"
done

# The trailing-slash redirect names the directory certmapd would serve.
req - /PUBLIC
expect_status 301
loc=$(resp_header Location)
[ "${loc,,}" = /public/ ] || h_fail "GET /PUBLIC: Location '$loc', expected /public/ (any case)"
# The directory listing or default document of /PUBLIC/ is public/'s: no index there, 403 or 404.
req - /PUBLIC/
expect_body_lacks "UPPER"

# Control: outside /public the root still requires a certificate.
req - /index.html
expect_status 403 7

h_stop
h_pass
