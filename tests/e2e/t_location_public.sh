# <location> inheritance: "/" requires a mapped certificate, while the child
# location "/public" allows anonymous requests with sslFlags
# "Ssl, SslNegotiateCert" (it inherits the certificate mapping section).
. "$(dirname "$0")/harness.sh"
h_init
h_std
mkdir -p "$WWW/public"
printf 'certmap e2e public\n' >"$WWW/public/index.html"
cfg_location "Default Web Site/public" ssl="Ssl, SslNegotiateCert" anon=true
h_start

req - /
expect_status 403 7
expect_log 1 - 403 7 /

req - /public/
expect_status 200
expect_body_contains "certmap e2e public"
expect_log 1 - 200 0 /public/

# A mapped certificate is still mapped under /public (inherited mappings).
req alice /public/index.html
expect_status 200
expect_body_contains "certmap e2e public"
expect_log 1 alice 200 0 /public/index.html

# An unmapped certificate is anonymous there, refused at the root.
req carol /public/
expect_status 200
expect_log 1 - 200 0 /public/
req carol /
expect_status 401 2

# "/publicity" is not inside "/public": path segments, not string prefixes.
printf 'not public\n' >"$WWW/publicity.html"
req - /publicity.html
expect_status 403 7

h_stop
h_pass
