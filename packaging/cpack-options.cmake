# Per-generator CPack settings: the .deb installs into /usr; the .tar.gz stays
# relocatable (its tree is rooted at charnn-VERSION-Linux/, any prefix).
if(CPACK_GENERATOR STREQUAL "DEB")
  set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
endif()
