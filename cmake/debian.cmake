# The Debian packages (make package), from the install components:
#
#   sockecho         runtime: the program, man pages, docs, contrib files,
#                    bash completion
#   libsockecho0     lib: the shared library (soname libsockecho.so.0)
#   libsockecho-dev  dev: header, static library, the .so link, pkg-config
#                    and CMake files, the example
#
# Each carries its machine-readable copyright file and a Debian changelog in
# /usr/share/doc/PACKAGE; lintian (tests/integration/test_package_deb.py)
# finds no error in them.

# The Maintainer field. Debian's tools read DEBFULLNAME and DEBEMAIL; set
# the variable (-DSOCKECHO_PACKAGE_MAINTAINER="Name <address>") to choose.
if(DEFINED ENV{DEBFULLNAME} AND DEFINED ENV{DEBEMAIL})
  set(maintainer_default "$ENV{DEBFULLNAME} <$ENV{DEBEMAIL}>")
else()
  set(maintainer_default "sockecho maintainers <maintainers@sockecho.invalid>")
endif()
set(SOCKECHO_PACKAGE_MAINTAINER "${maintainer_default}" CACHE STRING
    "Maintainer field of the Debian packages (\"Name <address>\")")
if(NOT SOCKECHO_PACKAGE_MAINTAINER MATCHES "^[^<>]+ <[^<>@ ]+@[^<>@ ]+>$")
  message(FATAL_ERROR "SOCKECHO_PACKAGE_MAINTAINER must read \"Name <address>\", "
                      "not \"${SOCKECHO_PACKAGE_MAINTAINER}\"")
endif()

set(CPACK_GENERATOR DEB)
# Each package's synopsis is the first line of its description below (the
# common summary would be prepended to each).
unset(CPACK_PACKAGE_DESCRIPTION_SUMMARY)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime lib dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${SOCKECHO_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SOURCE sockecho)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

set(shared_depends "libc6 (>= 2.34)")
if(SOCKECHO_TLS_BACKEND STREQUAL "openssl")
  string(APPEND shared_depends ", libssl3 (>= 3.0)")
endif()
if(HAVE_LIBURING)
  string(APPEND shared_depends ", liburing2 (>= 2.2)")
endif()
set(SOCKECHO_DEB_VERSION ${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE})

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME sockecho)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION net)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "${shared_depends}")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS bash-completion)
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
    "TCP echo client and server that verifies every byte
sockecho is a TCP echo client, server and load generator whose core promise
is a lossless graceful disconnect: the client verifies that every byte came
back and reports how the connection ended.")

set(CPACK_DEBIAN_LIB_PACKAGE_NAME libsockecho0)
set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_LIB_PACKAGE_DEPENDS "${shared_depends}")
# A shlibs file (and with it the ldconfig trigger) for the shared library.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
# The ldconfig trigger Debian requires of a shared library package (CPack's
# postinst and postrm also call ldconfig: a lintian warning, harmless).
set(CPACK_DEBIAN_LIB_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/packaging/debian/libsockecho0/triggers)
set(CPACK_DEBIAN_LIB_DESCRIPTION
    "verifying TCP echo sessions as a C library
libsockecho runs the verifying echo session of sockecho's client from a
program: connect, send a payload while checking every echoed byte,
half-close, wait for the server's FIN, and report one verdict.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libsockecho-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libsockecho0 (= ${SOCKECHO_DEB_VERSION})")
set(CPACK_DEBIAN_DEV_DESCRIPTION
    "verifying TCP echo sessions as a C library (development files)
libsockecho runs the verifying echo session of sockecho's client from a
program. This package holds its header, the static library, and the
pkg-config and CMake package files.")

# /usr/share/doc/PACKAGE/{copyright,changelog.Debian.gz} of each package,
# and CHANGELOG.md as sockecho's changelog.gz, where Debian looks for it,
# only in the packages (EXCLUDE_FROM_ALL: a component install, as CPack's,
# still gets them; `make install` does not).
find_program(GZIP gzip REQUIRED)
string(TIMESTAMP SOCKECHO_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(${PROJECT_SOURCE_DIR}/packaging/debian/changelog.in
               ${CMAKE_BINARY_DIR}/debian/changelog.Debian @ONLY)
execute_process(COMMAND ${GZIP} -9n -f -k ${CMAKE_BINARY_DIR}/debian/changelog.Debian
                RESULT_VARIABLE gzip_rc)
if(NOT gzip_rc EQUAL 0)
  message(FATAL_ERROR "gzip of debian/changelog.Debian failed")
endif()
execute_process(COMMAND ${GZIP} -9n -c ${PROJECT_SOURCE_DIR}/CHANGELOG.md
                OUTPUT_FILE ${CMAKE_BINARY_DIR}/debian/changelog.gz RESULT_VARIABLE gzip_rc)
if(NOT gzip_rc EQUAL 0)
  message(FATAL_ERROR "gzip of CHANGELOG.md failed")
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/CHANGELOG.md
                                                               ${PROJECT_SOURCE_DIR}/packaging/debian/copyright)
install(FILES ${CMAKE_BINARY_DIR}/debian/changelog.gz DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/sockecho
        COMPONENT runtime EXCLUDE_FROM_ALL)
foreach(component runtime lib dev)
  string(TOUPPER ${component} upper)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/debian/copyright
                ${CMAKE_BINARY_DIR}/debian/changelog.Debian.gz
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${CPACK_DEBIAN_${upper}_PACKAGE_NAME}
          COMPONENT ${component} EXCLUDE_FROM_ALL)
endforeach()
