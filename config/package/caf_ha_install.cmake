# What `cmake --install` puts in place: the library, its public headers under
# include/caf_ha/, the CMake package and a pkg-config file.
include(CMakePackageConfigHelpers)

install(TARGETS caf_ha EXPORT caf_haTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
foreach(folder messages actors backends config)
  # Concrete backends and journal replay are internals: only the mode
  # factory and the tools reach them.
  install(DIRECTORY ${folder}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/caf_ha/${folder}
    FILES_MATCHING PATTERN "*.hpp"
    PATTERN "memory" EXCLUDE PATTERN "sqlite" EXCLUDE
    PATTERN "zookeeper" EXCLUDE PATTERN "file" EXCLUDE
    PATTERN "package" EXCLUDE PATTERN "replay*" EXCLUDE)
endforeach()

set(CAF_HA_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/caf_ha)
install(EXPORT caf_haTargets NAMESPACE caf_ha:: DESTINATION ${CAF_HA_CMAKE_DIR})
configure_package_config_file(config/package/caf_haConfig.cmake.in
  ${PROJECT_BINARY_DIR}/caf_haConfig.cmake INSTALL_DESTINATION ${CAF_HA_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/caf_haConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/caf_haConfig.cmake
  ${PROJECT_BINARY_DIR}/caf_haConfigVersion.cmake
  config/package/caf_ha_dependencies.cmake
  DESTINATION ${CAF_HA_CMAKE_DIR})

# Relative to the .pc file, so the installed tree can move (--prefix).
file(RELATIVE_PATH CAF_HA_PC_TO_PREFIX
  /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" CAF_HA_PC_TO_PREFIX "${CAF_HA_PC_TO_PREFIX}")
configure_file(config/package/caf_ha.pc.in ${PROJECT_BINARY_DIR}/caf_ha.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/caf_ha.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The programs, where they were built (a build of the library alone, as
# for a master's project, installs without them), and what running
# ha-node as a service needs: the systemd unit and its sample config.
if(CAF_HA_APPS)
  install(TARGETS ha-node hactl OPTIONAL RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES config/ha-node.service config/ha-node.production.yaml
    DESTINATION ${CMAKE_INSTALL_DATADIR}/caf-ha)
endif()
