# `cmake --install build --prefix DIR` and `cpack` (docs/install.md). The installed tree:
#   bin/charnn
#   share/charnn/configs/*.yaml              example configs and sweep specs
#   share/charnn/slurm/                      train.sbatch, the sweep job-array template
#   share/man/man1/charnn.1, charnn-CMD.1    help2man over each subcommand's --help
#   share/bash-completion/completions/charnn subcommands and options, from the same --help
#   share/modulefiles/charnn/VERSION.lua     the Lmod module (relative to its own location)
#   share/doc/charnn/                        README and docs/
# Nothing in it names the build or source tree: the binary's RPATH is relative to
# itself plus the directories of libraries outside the build (a pip LibTorch), and
# it finds share/charnn from /proc/self/exe (util/resources.h), so the tree can be
# copied anywhere.
include(GNUInstallDirs)

set_target_properties(charnn PROPERTIES
  INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}"
  INSTALL_RPATH_USE_LINK_PATH ON)

# The build tree's share/charnn: links to the source tree's files, so build/charnn
# finds the same examples as an installed one (util/resources.h: <bin>/share/charnn).
file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/share/charnn)
file(CREATE_LINK ${PROJECT_SOURCE_DIR}/configs ${PROJECT_BINARY_DIR}/share/charnn/configs SYMBOLIC)
file(CREATE_LINK ${PROJECT_SOURCE_DIR}/scripts/slurm ${PROJECT_BINARY_DIR}/share/charnn/slurm SYMBOLIC)

install(TARGETS charnn RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY configs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/charnn/configs FILES_MATCHING PATTERN "*.yaml")
install(FILES scripts/slurm/train.sbatch scripts/slurm/sweep.sbatch.in DESTINATION ${CMAKE_INSTALL_DATADIR}/charnn/slurm)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md" PATTERN img EXCLUDE)

configure_file(packaging/charnn.lua.in ${PROJECT_BINARY_DIR}/packaging/${PROJECT_VERSION}.lua @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/packaging/${PROJECT_VERSION}.lua
        DESTINATION ${CMAKE_INSTALL_DATADIR}/modulefiles/charnn)

# Man pages and completion are made at install time from the binary's own
# `--list-commands` and each `--help` (packaging/gen-docs.sh), so a new subcommand
# or option is covered without an edit here. They are made once per build of the
# binary (or of gen-docs.sh) into build/packaging/generated (about 20 s of LibTorch start-ups: at build
# time that would be on every relink of charnn; cpack installs twice, once per package).
set(CHARNN_GENERATED ${PROJECT_BINARY_DIR}/packaging/generated)
install(CODE "
  if(\"$<TARGET_FILE:charnn>\" IS_NEWER_THAN \"${CHARNN_GENERATED}/stamp\" OR
     \"${PROJECT_SOURCE_DIR}/packaging/gen-docs.sh\" IS_NEWER_THAN \"${CHARNN_GENERATED}/stamp\")
    file(REMOVE_RECURSE \"${CHARNN_GENERATED}\")
    execute_process(COMMAND bash ${PROJECT_SOURCE_DIR}/packaging/gen-docs.sh \"$<TARGET_FILE:charnn>\"
                            ${PROJECT_VERSION} \"${CHARNN_GENERATED}\" RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      file(REMOVE_RECURSE \"${CHARNN_GENERATED}\")
      message(FATAL_ERROR \"packaging/gen-docs.sh failed (\${rc})\")
    endif()
    file(TOUCH \"${CHARNN_GENERATED}/stamp\")
  endif()")
install(DIRECTORY ${CHARNN_GENERATED}/man ${CHARNN_GENERATED}/bash-completion DESTINATION ${CMAKE_INSTALL_DATADIR})

# --- CPack: a relocatable .tar.gz (the tree above under charnn-VERSION-Linux/) and a
# .deb for /usr whose Depends dpkg-shlibdeps takes from the libraries charnn links.
set(CPACK_PACKAGE_NAME charnn)
set(CPACK_PACKAGE_VENDOR charnn)
set(CPACK_PACKAGE_CONTACT "charnn maintainers <charnn@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "character-level RNN language models (LSTM, GRU, RNN), data-parallel over MPI")
set(CPACK_GENERATOR "TGZ;DEB")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Not linked, but used: mpirun for data parallelism, gnuplot for `charnn plot`, the
# threaded OpenBLAS (LibTorch falls back to reference BLAS without it: ~12x slower).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "openmpi-bin, gnuplot-nox, libopenblas0-pthread")
set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_SOURCE_DIR}/packaging/cpack-options.cmake)
include(CPack)
