// The one translation unit that provides Catch2's main and the symbols of
// CAF's test engine, which the deterministic test fixtures need.

#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#define CAF_TEST_NO_MAIN
#include <caf/test/unit_test_impl.hpp>
