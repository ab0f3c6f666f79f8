# fpvpn: the two commands of the README.
#   make demo   install what is missing, build, run the built-in demo
#   make test   install what is missing, build, run every test, then again under ASan+UBSan
.PHONY: all build deps bench-deps test test-unit test-asan test-fuzz fuzz-build fuzz-long demo bench bench-e2e bench-ra bench-ike-live clean

BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
CC         ?= cc
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 15
FUZZ_LONG_RUNS ?= 10000000
FUZZ_LONG_SECONDS ?= 600

# Debian packages the build and the tests need.
DEB_PKGS := build-essential cmake pkg-config clang libssl-dev libpcap-dev libedit-dev \
            libcmocka-dev libipsec-mb-dev python3 python3-scapy tshark \
            python3-cryptography-vectors iproute2 tcpdump \
            iperf3 iputils-ping gdb strongswan-charon strongswan-swanctl \
            libcharon-extra-plugins libstrongswan-extra-plugins openssl openconnect

# Packages only a benchmark needs (make bench-ra): installed by bench-deps, not by deps.
BENCH_PKGS := ocserv ethtool

all: build

# the packages of the list $(1) that are not installed, installed (apt-get, as root)
define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "need root to install:$$missing" >&2; exit 1; fi; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi
endef

deps:
	$(call install_missing,$(DEB_PKGS))

bench-deps:
	$(call install_missing,$(BENCH_PKGS))

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_C_COMPILER=$(CC) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_C_COMPILER=clang -DFPVPN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 FPVPN_SANITIZED=1 \
	  ctest --output-on-failure -j $(JOBS) -LE slow

fuzz-build: deps
	cmake -S . -B $(BUILD_FUZZ) -DCMAKE_C_COMPILER=clang -DFPVPN_FUZZ=ON -DFPVPN_TESTS=ON >/dev/null
	cmake --build $(BUILD_FUZZ) -j $(JOBS) --target $$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$$//' | tr '\n' ' ')

# every libFuzzer target for FUZZ_SECONDS (make test), or FUZZ_RUNS executions,
# JOBS at a time (tests/fuzz/run_all.sh)
define fuzz_each
	@bash tests/fuzz/run_all.sh $(BUILD_FUZZ) $(JOBS) "$(1)" $(2)
endef

test-fuzz: fuzz-build
	$(call fuzz_each,$(FUZZ_SECONDS) s,-max_total_time=$(FUZZ_SECONDS))

# Not in make test (hours): 10 million executions or 10 minutes per target,
# whichever comes first (docs/testing.md); the corpus grows in $(BUILD_FUZZ)/corpus.
fuzz-long: fuzz-build
	$(call fuzz_each,$(FUZZ_LONG_RUNS) runs or $(FUZZ_LONG_SECONDS) s,-runs=$(FUZZ_LONG_RUNS) -max_total_time=$(FUZZ_LONG_SECONDS))

test: test-unit test-asan test-fuzz

bench: build
	$(BUILD)/bench/esp
	$(BUILD)/bench/ike
	$(BUILD)/bench/dtls 31 1420
	$(BUILD)/bench/dtls 31 64

# the two sites in network namespaces, live (tests/demo/offline.sh: without root)
demo: build
	bash tests/demo/demo.sh $(BUILD)

# iperf3 through two fpvpnd beside two strongSwan charons (docs/testing.md); root
bench-e2e: build
	bash tests/netns/bench_e2e.sh $(BUILD)

# iperf3 from openconnect through fpvpnd's headend beside ocserv, DTLS (docs/testing.md); root
bench-ra: build bench-deps
	bash tests/netns/bench_ra.sh $(BUILD)

# IKEv2 set-up time between two fpvpnd processes beside two charons (as root)
bench-ike-live: build
	bash tests/netns/bench_ike_live.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
