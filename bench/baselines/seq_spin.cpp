// seq_spin: the sequential baseline of workload W1 (range → spin → null), one thread, no queue.
//
//     seq_spin N K        prints "items=N checksum=HEX"
// Per item: the range source's formatting, spin's parse + K rounds + hex, then the null sink
// (folded into a checksum so the work stays).
#include <cstdio>
#include <cstdlib>

#include "work.h"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: seq_spin N ROUNDS\n");
        return 2;
    }
    const long long n = std::atoll(argv[1]);
    const long long rounds = std::atoll(argv[2]);
    uint64_t sum = 0;
    long long bad = 0;
    for (long long i = 0; i < n; ++i) {
        char digits[24];
        size_t len = wprun::bench::format_range(i, digits);
        char hex[16];
        if (!wprun::bench::spin_item({digits, len}, rounds, hex)) {
            ++bad;
            continue;
        }
        sum = wprun::bench::fold(sum, hex);
    }
    std::printf("items=%lld failed=%lld checksum=%016llx\n", n, bad,
                static_cast<unsigned long long>(sum));
    return bad == 0 ? 0 : 1;
}
