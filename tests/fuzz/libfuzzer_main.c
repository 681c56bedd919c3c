/* libFuzzer entry of one fuzz target: CMake builds this file once per
 * tests/fuzz/fuzz_<target>.c with SM_FUZZ_ENTRY=sm_fuzz_<target> (option
 * SM_LIBFUZZER, clang only); see tests/README.md. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return SM_FUZZ_ENTRY(data, size);
}
