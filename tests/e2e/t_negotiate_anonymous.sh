# sslFlags "Ssl, SslNegotiateCert" with anonymous authentication: without a
# certificate the request is anonymous (200, cs-username "-"); a mapped
# certificate still authenticates its user; an unmapped one falls back to
# anonymous.
. "$(dirname "$0")/harness.sh"
h_init
printf 'certmap e2e negotiate\n' >"$WWW/index.html"
h_account alice alice-pw
cfg_site "Default Web Site" 1
cfg_https "127.0.0.1:$PORT:"
cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert" anon=true certmap=true
cfg_map alice alice alice-pw
h_start

req - /
expect_status 200
expect_body_contains "certmap e2e negotiate"
expect_log 1 - 200 0 /

req alice /
expect_status 200
expect_log 1 alice 200 0 /

req carol /
expect_status 200
expect_log 1 - 200 0 /

h_stop
h_pass
