# Certificates outside their validity dates get 403.17, expired or not yet
# valid, even when mapped.
. "$(dirname "$0")/harness.sh"
h_init
h_std
cfg_map expired alice alice-pw
cfg_map notyet alice alice-pw
h_start

req expired /
expect_status 403 17
expect_body_lacks "certmap e2e site A"
expect_log 1 - 403 17 /

req notyet /
expect_status 403 17
expect_log 1 - 403 17 /

h_stop
h_pass
