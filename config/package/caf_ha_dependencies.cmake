# The libraries caf-ha is built on, as targets. The build and the installed
# package (caf_haConfig.cmake) both include this file, so a consumer finds
# exactly what the library was built against.
include(CMakeFindDependencyMacro)

# CAF 0.17 ships no CMake config: wrap its libraries in imported targets.
if(NOT TARGET CAF::core)
  find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
  foreach(part core io openssl)
    find_library(CAF_${part}_LIBRARY caf_${part} REQUIRED)
    add_library(CAF::${part} UNKNOWN IMPORTED)
    set_target_properties(CAF::${part} PROPERTIES
      IMPORTED_LOCATION ${CAF_${part}_LIBRARY}
      INTERFACE_INCLUDE_DIRECTORIES ${CAF_INCLUDE_DIR})
  endforeach()
  set_property(TARGET CAF::io APPEND PROPERTY INTERFACE_LINK_LIBRARIES CAF::core)
  set_property(TARGET CAF::openssl APPEND PROPERTY
    INTERFACE_LINK_LIBRARIES CAF::io CAF::core)
endif()

# ZooKeeper's multi-threaded C client, linked statically (its symbols stay
# out of the consumer's dynamic namespace; no runtime package needed).
if(NOT TARGET caf_ha_deps::zookeeper)
  find_path(ZOOKEEPER_INCLUDE_DIR zookeeper/zookeeper.h REQUIRED)
  find_library(ZOOKEEPER_LIBRARY libzookeeper_mt.a REQUIRED)
  add_library(caf_ha_deps::zookeeper STATIC IMPORTED)
  set_target_properties(caf_ha_deps::zookeeper PROPERTIES
    IMPORTED_LOCATION ${ZOOKEEPER_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${ZOOKEEPER_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES m)
endif()

# cpp-httplib (the metrics and status endpoint), a shared library whose
# classes change with these definitions: every includer must use the ones
# Debian built it with.
if(NOT TARGET caf_ha_deps::httplib)
  find_path(HTTPLIB_INCLUDE_DIR httplib.h REQUIRED)
  find_library(HTTPLIB_LIBRARY cpp-httplib REQUIRED)
  add_library(caf_ha_deps::httplib UNKNOWN IMPORTED)
  set_target_properties(caf_ha_deps::httplib PROPERTIES
    IMPORTED_LOCATION ${HTTPLIB_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${HTTPLIB_INCLUDE_DIR}
    INTERFACE_COMPILE_DEFINITIONS
      "CPPHTTPLIB_OPENSSL_SUPPORT;CPPHTTPLIB_ZLIB_SUPPORT;CPPHTTPLIB_BROTLI_SUPPORT")
endif()

set(THREADS_PREFER_PTHREAD_FLAG ON)
find_dependency(Threads)
find_dependency(Boost 1.74)
find_dependency(spdlog)
find_dependency(yaml-cpp)
find_dependency(nlohmann_json)
find_dependency(SQLite3)
find_dependency(OpenSSL)
