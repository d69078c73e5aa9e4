# Writes the build's provenance (seqvi version, git commit, build type) as a C++ source file, run at
# every build (CMakeLists.txt: target seqvi_build_info) so the commit is that of the tree being built.
# The file is rewritten only when its text changes (configure_file), so an unchanged tree recompiles
# nothing.
#
#   cmake -DSOURCE_DIR=<repo> -DOUTPUT=<file.cpp> -DVERSION=<x.y.z> -DBUILD_TYPE=<type> [-DGIT=<git>] -P build_info.cmake
#
# Commit: `git rev-parse HEAD`, with "+dirty" appended when tracked files differ from it; "unknown"
# when the tree is not a git checkout (a release tarball) or git is missing.
set(commit "unknown")
if(GIT AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT}" -C "${SOURCE_DIR}" rev-parse HEAD
                  OUTPUT_VARIABLE head RESULT_VARIABLE head_rc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(head_rc EQUAL 0 AND head)
    set(commit "${head}")
    execute_process(COMMAND "${GIT}" -C "${SOURCE_DIR}" status --porcelain --untracked-files=no
                    OUTPUT_VARIABLE changes RESULT_VARIABLE status_rc ERROR_QUIET)
    if(NOT status_rc EQUAL 0)
      set(commit "${commit}+unknown-state")
    elseif(changes)
      set(commit "${commit}+dirty")
    endif()
  endif()
endif()
if(NOT BUILD_TYPE)
  set(BUILD_TYPE "unspecified")
endif()
set(SEQVI_BUILD_VERSION "${VERSION}")
set(SEQVI_BUILD_COMMIT "${commit}")
set(SEQVI_BUILD_TYPE "${BUILD_TYPE}")
configure_file("${CMAKE_CURRENT_LIST_DIR}/build_info.cpp.in" "${OUTPUT}" @ONLY)
