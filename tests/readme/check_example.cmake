# ctest readme.example_master: one ```cpp block of README.md is
# app/example_master/main.cpp, byte for byte, so the master the README shows
# is the one the tests build and run.
include(${CMAKE_CURRENT_LIST_DIR}/extract_snippets.cmake)
file(MAKE_DIRECTORY ${WORK_DIR})
caf_ha_extract_readme_snippets(${SOURCE_DIR}/README.md ${WORK_DIR} snippets)
file(READ ${SOURCE_DIR}/app/example_master/main.cpp example)
foreach(snippet IN LISTS snippets)
  file(READ ${snippet} text)
  if(text STREQUAL example)
    return()
  endif()
endforeach()
message(FATAL_ERROR "README.md shows no copy of app/example_master/main.cpp: "
  "paste the file into its ```cpp block again")
