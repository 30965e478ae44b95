# npm-ci.cmake — run by the build (CMakeLists.txt): `npm ci` in web/ when
# web/node_modules is missing or older than web/package-lock.json. A file lock
# keeps two build directories configured at once from running npm ci together.
#   cmake -DNPM=/usr/bin/npm -DWEB=/path/to/web -P web/npm-ci.cmake
file(LOCK "${WEB}/.npm-ci.lock" GUARD PROCESS TIMEOUT 900)
set(marker "${WEB}/node_modules/.package-lock.json")
if(NOT EXISTS "${marker}" OR "${WEB}/package-lock.json" IS_NEWER_THAN "${marker}")
  message(STATUS "web: npm ci in ${WEB}")
  execute_process(COMMAND "${NPM}" ci --no-audit --no-fund
    WORKING_DIRECTORY "${WEB}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "web: npm ci failed (${rc}); configure with -DTINHSO_WEB=OFF to embed the placeholder page instead")
  endif()
  file(TOUCH "${marker}")
endif()

