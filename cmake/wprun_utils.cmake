# Project-wide helpers: warnings (and -Werror in CI) for the project's own targets.

function(wprun_set_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                             -Wno-missing-field-initializers)
    if(WPRUN_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()
