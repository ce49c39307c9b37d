# Two sites on one port, chosen by SNI, each with its own server certificate
# and its own mappings; a Host header naming another site than the SNI gets
# 421 (never the other site's content).
. "$(dirname "$0")/harness.sh"
h_init
h_two_sites
h_start

req alice /
expect_status 200
expect_body_contains "certmap e2e site A"
expect_log 1 alice 200 0 /

# curl checks that B's certificate (SAN b.localhost) is served for that name.
req bob "https://b.localhost:$PORT/"
expect_status 200
expect_body_contains "certmap e2e site B"
expect_log 2 bob 200 0 /

req alice "https://b.localhost:$PORT/"
expect_status 401 2
expect_body_lacks "certmap e2e site B"
expect_log 2 - 401 2 /

req bob /
expect_status 401 2
expect_body_lacks "certmap e2e site A"
expect_log 1 - 401 2 /

# SNI localhost, Host b.localhost.
req alice / -H "Host: b.localhost:$PORT"
expect_status 421
expect_body_lacks "certmap e2e site B"
expect_body_lacks "certmap e2e site A"

# SNI b.localhost, Host localhost.
req bob "https://b.localhost:$PORT/" -H "Host: localhost:$PORT"
expect_status 421
expect_body_lacks "certmap e2e site A"

h_stop
h_pass
