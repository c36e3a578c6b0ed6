#!/usr/bin/env bash
# Installs every Debian 12 package that Gregor's build, tests, benchmarks and quickstart need.
# Idempotent: packages already present are skipped quickly by apt-get.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config python3 clang libclang-rt-14-dev
  # libraries Gregor links against
  libboost1.81-dev libzookeeper-mt-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
  nlohmann-json3-dev libcli11-dev
  libzstd-dev liblz4-dev libsnappy-dev zlib1g-dev libssl-dev
  libgtest-dev libgmock-dev
  # ZooKeeper server (Debian's package) and a Java runtime for it
  zookeeper default-jre-headless
  # real Kafka clients used by the integration tests and benchmarks
  kcat librdkafka-dev python3-kafka python3-confluent-kafka
  python3-snappy python3-lz4 python3-zstandard python3-xxhash
  # tools the test scripts use
  procps psmisc netcat-openbsd python3-pytest python3-pytest-timeout python3-kazoo strace
  linux-perf  # profiler for scripts/bench/run.sh --profile
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
