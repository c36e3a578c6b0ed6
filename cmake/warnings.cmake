# Warnings are errors in our own code. Third-party headers come in as SYSTEM includes.
add_library(gregor_warnings INTERFACE)
target_compile_options(gregor_warnings INTERFACE -Wall -Wextra -Werror -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 reports false positives inside libstdc++ (coroutine frames, std::optional, std::string
  # at -O3: GCC bugs 105329, 105651; Asio coroutine frames under ASan: mismatched-new-delete), so
  # these few are warnings we cannot act on.
  target_compile_options(gregor_warnings INTERFACE -Wno-maybe-uninitialized -Wno-restrict -Wno-stringop-overflow -Wno-array-bounds
    -Wno-mismatched-new-delete -Wno-stringop-overread)
endif()

# gregor_module(<name> SOURCES ... DEPS ...): a static library gregor_<name> whose public
# headers live in include/gregor/<name>/ and whose private headers sit beside its sources.
function(gregor_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(gregor_${name} STATIC ${ARG_SOURCES})
  target_include_directories(gregor_${name}
    PUBLIC ${PROJECT_SOURCE_DIR}/include
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(gregor_${name} PUBLIC ${ARG_DEPS} PRIVATE gregor_warnings ${ARG_PRIVATE_DEPS})
endfunction()

# gregor_program(<target>): an executable users run (the daemon, operator and perf tools). It goes
# to bin/ and joins the `gregor-programs` target, which builds every program and nothing else
# (what the integration tests and the quickstart need).
function(gregor_program target)
  set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
  add_dependencies(gregor-programs ${target})
endfunction()

# gregor_test(<name> SOURCES ... DEPS ...): one GoogleTest binary registered with ctest.
function(gregor_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock gregor_warnings)
  target_compile_definitions(${name} PRIVATE GREGOR_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  # Test files are not batched (GREGOR_UNITY_BUILD): their file-local fixtures and helpers share
  # names (tp, parse, batch, ...) across files of one test binary.
  set_target_properties(${name} PROPERTIES UNITY_BUILD OFF)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "unit;${ARG_LABELS}")
endfunction()
