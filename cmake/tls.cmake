# TLS backend of the connection layer, chosen by the build:
#   Windows: Schannel (secur32, crypt32; part of the OS);
#   elsewhere: OpenSSL 3 when CMake finds it, else none (TLS options then
#   say that TLS is not compiled in).
# Sets SOCKECHO_TLS_SOURCES (the conn layer's TLS engine, relative to src/),
# SOCKECHO_TLS_LIBS (what links with it), SOCKECHO_TLS_LINK_NAMES and
# SOCKECHO_TLS_BACKEND.
option(SOCKECHO_WITH_TLS "Build TLS support when a TLS library is found" ON)
set(SOCKECHO_TLS_LIBS "")
set(SOCKECHO_TLS_LINK_NAMES "") # the same, as plain library names (pkg-config, static users)
if(NOT SOCKECHO_WITH_TLS)
  set(SOCKECHO_TLS_BACKEND none)
elseif(WIN32)
  set(SOCKECHO_TLS_BACKEND schannel)
  set(SOCKECHO_TLS_LIBS secur32 crypt32)
  set(SOCKECHO_TLS_LINK_NAMES secur32 crypt32)
else()
  find_package(OpenSSL 3.0)
  if(OPENSSL_FOUND)
    set(SOCKECHO_TLS_BACKEND openssl)
    set(SOCKECHO_TLS_LIBS OpenSSL::SSL OpenSSL::Crypto)
    set(SOCKECHO_TLS_LINK_NAMES ssl crypto)
  else()
    set(SOCKECHO_TLS_BACKEND none)
    message(STATUS "OpenSSL 3 not found: building without TLS (scripts/deps.sh installs libssl-dev)")
  endif()
endif()
# Windows-only sources live in conn/win/, beside the portable ones.
if(SOCKECHO_TLS_BACKEND STREQUAL "schannel")
  set(SOCKECHO_TLS_SOURCES conn/win/tls_schannel.c conn/win/tls_schannel_cert.c)
else()
  set(SOCKECHO_TLS_SOURCES conn/tls_${SOCKECHO_TLS_BACKEND}.c)
endif()
list(APPEND SOCKECHO_TLS_SOURCES conn/tls_text.c conn/tls_selftest.c)
