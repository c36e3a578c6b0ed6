# Every dependency comes from Debian 12 packages (scripts/install-deps.sh).
set(Boost_NO_WARN_NEW_VERSIONS ON)
find_package(Boost 1.81 REQUIRED CONFIG)   # header-only use: Asio, CRC
find_package(Threads REQUIRED)
find_package(spdlog REQUIRED CONFIG)
find_package(fmt REQUIRED CONFIG)
find_package(yaml-cpp REQUIRED CONFIG)
find_package(nlohmann_json 3.10 REQUIRED CONFIG)
find_package(CLI11 REQUIRED CONFIG)
find_package(Snappy REQUIRED CONFIG)
find_package(ZLIB REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(LZ4 REQUIRED IMPORTED_TARGET liblz4)

# The ZooKeeper C client (libzookeeper-mt-dev) ships neither a CMake config nor a .pc file.
find_path(ZOOKEEPER_INCLUDE_DIR zookeeper/zookeeper.h REQUIRED)
find_library(ZOOKEEPER_MT_LIBRARY zookeeper_mt REQUIRED)
add_library(zookeeper_mt UNKNOWN IMPORTED)
set_target_properties(zookeeper_mt PROPERTIES
  IMPORTED_LOCATION ${ZOOKEEPER_MT_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${ZOOKEEPER_INCLUDE_DIR}
  INTERFACE_COMPILE_DEFINITIONS THREADED)

if(GREGOR_TESTS)
  find_package(GTest REQUIRED CONFIG)
endif()

# Python that runs the code generator: Debian's interpreter, not a pyenv shim.
find_program(GREGOR_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT GREGOR_PYTHON)
  find_program(GREGOR_PYTHON python3 REQUIRED)
endif()
