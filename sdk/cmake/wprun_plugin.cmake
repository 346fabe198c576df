# wprun_add_plugin(<name> SOURCES <files...> [LIBRARIES <libs...>] [OUTPUT_DIRECTORY <dir>])
#
# Builds a wprun processor plugin: a MODULE library named libwprun_<name>.so that links the SDK,
# exports only the two wprun entry points (hidden visibility plus a version script) and refuses
# unresolved symbols at link time.
function(wprun_add_plugin name)
    cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
    add_library(${name} MODULE ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE wprun::sdk ${ARG_LIBRARIES})
    set_target_properties(${name} PROPERTIES
        OUTPUT_NAME "wprun_${name}"
        CXX_VISIBILITY_PRESET hidden
        C_VISIBILITY_PRESET hidden
        VISIBILITY_INLINES_HIDDEN ON
        LINK_DEPENDS "${WPRUN_PLUGIN_VERSION_SCRIPT}")
    target_link_options(${name} PRIVATE "LINKER:--no-undefined"
                        "LINKER:--version-script=${WPRUN_PLUGIN_VERSION_SCRIPT}")
    if(ARG_OUTPUT_DIRECTORY)
        set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
    endif()
endfunction()
