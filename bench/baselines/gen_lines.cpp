// gen_lines: the input of workload W2. Line j (0-based) is the decimal text of splitmix64(j)
// (one step from state j: the spin plugin's splitmix64 with rounds 1), repeated and cut to
// WIDTH characters.
//
//     gen_lines OUTPUT [LINES=1000000] [WIDTH=100]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "work.h"

int main(int argc, char** argv) {
    if (argc < 2 || argc > 4) {
        std::fprintf(stderr, "usage: gen_lines OUTPUT [LINES] [WIDTH]\n");
        return 2;
    }
    const long long lines = argc > 2 ? std::atoll(argv[2]) : 1'000'000;
    const long long width = argc > 3 ? std::atoll(argv[3]) : 100;
    std::FILE* f = std::fopen(argv[1], "wb");
    if (f == nullptr || width <= 0) {
        std::perror("gen_lines");
        return 1;
    }
    std::string line;
    for (long long j = 0; j < lines; ++j) {
        std::string digits = std::to_string(wprun::bench::spin_rounds(static_cast<uint64_t>(j), 1));
        line.clear();
        while (line.size() < static_cast<size_t>(width)) line += digits;
        line.resize(static_cast<size_t>(width));
        line += '\n';
        std::fwrite(line.data(), 1, line.size(), f);
    }
    return std::fclose(f) == 0 ? 0 : 1;
}
