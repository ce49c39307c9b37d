# Top-level wrapper around CMake.
#   make            release build into build/ (binaries in build/bin/)
#   make run        install missing packages, build, start the demo
#   make test       install test packages, build with ASan+UBSan into build-asan/, run CTest,
#                   then make test-valgrind and each fuzz target for FUZZ_SECONDS
#   make test-valgrind  unit tests and an e2e subset under valgrind memcheck
#   make fuzz       build the libFuzzer targets into build-fuzz/
#   make install    build (make all) and install: PREFIX (/usr/local) for the programs,
#                   man pages and completion; /etc/certmap, /var/log/certmap and the
#                   systemd unit whatever the prefix; DESTDIR to stage.  INSTALL_FROM=DIR
#                   installs from another configured build directory without building.
#   make deb        the Debian package in build/deb/ (built from a copy; lintian must pass)
#   make test-trixie  build, test and package inside a Debian 13 root (mmdebstrap, cached
#                   in build/trixie/); make test-bookworm: the same in a Debian 12 root
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# Seconds each libFuzzer target runs in make test (CI); long runs: tests/fuzz/run 900
FUZZ_SECONDS ?= 30
PREFIX ?= /usr/local

.PHONY: all deps run test test-long test-valgrind fuzz bench clean format install deb test-trixie test-bookworm

all:
	@./scripts/install-deps build >/dev/null 2>&1 || ./scripts/install-deps build
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCERTMAP_TESTS=OFF
	cmake --build build -j $(JOBS)

run:
	./scripts/install-deps run
	$(MAKE) all
	./scripts/demo

# The proxy's 1 GiB upload and download (make test streams 256 MiB each way).
test-long:
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCERTMAP_SANITIZE=ON
	cmake --build build-asan -j $(JOBS)
	cd build-asan && PX_MIB=1024 ctest --output-on-failure -R e2e_t_proxy_stream

test:
	./scripts/install-deps test
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCERTMAP_SANITIZE=ON
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)
	$(MAKE) test-valgrind
	./tests/fuzz/run $(FUZZ_SECONDS)

test-valgrind:
	./scripts/install-deps test
	JOBS=$(JOBS) ./scripts/test-valgrind

fuzz:
	./scripts/install-deps fuzz
	./tests/fuzz/build.sh

install:
	@if [ -z "$(INSTALL_FROM)" ]; then $(MAKE) all; fi
	DESTDIR="$(DESTDIR)" cmake --install "$(or $(INSTALL_FROM),build)" --prefix "$(PREFIX)"

deb:
	./scripts/install-deps deb
	./scripts/build-deb

test-trixie:
	./scripts/install-deps debroot
	./scripts/test-debian-root trixie

test-bookworm:
	./scripts/install-deps debroot
	./scripts/test-debian-root bookworm

clean:
	rm -rf build build-asan build-fuzz build-valgrind

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
