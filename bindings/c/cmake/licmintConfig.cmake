# CMake package config for the licmint C verifier, installed into
# PREFIX/lib/cmake/licmint by bindings/c/Makefile. A product uses it as
#
#   find_package(licmint 1.1 REQUIRED)
#   target_link_libraries(app PRIVATE licmint::licmint)
#
# licmint::licmint is the shared library; licmint::static the static one,
# which also links libsodium (found through pkg-config).
#
# On Windows (the mingw-w64 build, installed by make windows-install) there
# is licmint::licmint only: bin/licmint.dll and its import library
# lib/liblicmint.dll.a. The product ships licmint.dll and libsodium-26.dll.
get_filename_component(_licmint_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)

if(NOT TARGET licmint::licmint)
  add_library(licmint::licmint SHARED IMPORTED)
  set_target_properties(licmint::licmint PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${_licmint_prefix}/include")
  if(WIN32)
    set_target_properties(licmint::licmint PROPERTIES
      IMPORTED_LOCATION "${_licmint_prefix}/bin/licmint.dll"
      IMPORTED_IMPLIB "${_licmint_prefix}/lib/liblicmint.dll.a")
  else()
    set_target_properties(licmint::licmint PROPERTIES
      IMPORTED_LOCATION "${_licmint_prefix}/lib/liblicmint.so")
  endif()
endif()

if(NOT TARGET licmint::static AND NOT WIN32)
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    pkg_check_modules(_licmint_sodium QUIET IMPORTED_TARGET libsodium)
  endif()
  find_package(Threads QUIET)
  add_library(licmint::static STATIC IMPORTED)
  set_target_properties(licmint::static PROPERTIES
    IMPORTED_LOCATION "${_licmint_prefix}/lib/liblicmint.a"
    INTERFACE_INCLUDE_DIRECTORIES "${_licmint_prefix}/include")
  if(TARGET PkgConfig::_licmint_sodium)
    set_property(TARGET licmint::static APPEND PROPERTY INTERFACE_LINK_LIBRARIES PkgConfig::_licmint_sodium)
  else()
    set_property(TARGET licmint::static APPEND PROPERTY INTERFACE_LINK_LIBRARIES sodium)
  endif()
  if(TARGET Threads::Threads)
    set_property(TARGET licmint::static APPEND PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads)
  endif()
endif()

set(licmint_FOUND TRUE)
