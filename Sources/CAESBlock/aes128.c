// AES-128 with the AES-NI instructions, the key expanded once. Swift's cryptography
// packages expand the key at every block, which for a single block costs more than the
// encryption itself; the voucher codes' and public numbers' permutations encrypt four
// blocks a number with one key for the life of the store.
#include "CAESBlock.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

int scenic_aes128_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("aes") && __builtin_cpu_supports("sse2");
}

// One step of the key schedule: `assist` is AESKEYGENASSIST of the previous round key
// with the round constant, whose fourth word is RotWord(SubWord(w3)) ^ rcon.
__attribute__((target("aes,sse2"))) static __m128i expand_step(__m128i key, __m128i assist) {
    assist = _mm_shuffle_epi32(assist, 0xff);
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    return _mm_xor_si128(key, assist);
}

__attribute__((target("aes,sse2"))) void scenic_aes128_expand(const uint8_t key[16], scenic_aes128_schedule *schedule) {
    __m128i round[11];
    round[0] = _mm_loadu_si128((const __m128i *)key);
    // The immediate operand must be a constant: the ten round constants written out.
    round[1] = expand_step(round[0], _mm_aeskeygenassist_si128(round[0], 0x01));
    round[2] = expand_step(round[1], _mm_aeskeygenassist_si128(round[1], 0x02));
    round[3] = expand_step(round[2], _mm_aeskeygenassist_si128(round[2], 0x04));
    round[4] = expand_step(round[3], _mm_aeskeygenassist_si128(round[3], 0x08));
    round[5] = expand_step(round[4], _mm_aeskeygenassist_si128(round[4], 0x10));
    round[6] = expand_step(round[5], _mm_aeskeygenassist_si128(round[5], 0x20));
    round[7] = expand_step(round[6], _mm_aeskeygenassist_si128(round[6], 0x40));
    round[8] = expand_step(round[7], _mm_aeskeygenassist_si128(round[7], 0x80));
    round[9] = expand_step(round[8], _mm_aeskeygenassist_si128(round[8], 0x1b));
    round[10] = expand_step(round[9], _mm_aeskeygenassist_si128(round[9], 0x36));
    for (int index = 0; index < 11; index++) {
        _mm_storeu_si128((__m128i *)(schedule->roundKeys + 16 * index), round[index]);
    }
}

__attribute__((target("aes,sse2"))) void scenic_aes128_encrypt(const scenic_aes128_schedule *schedule, uint8_t block[16]) {
    const __m128i *keys = (const __m128i *)schedule->roundKeys;
    __m128i state = _mm_xor_si128(_mm_loadu_si128((const __m128i *)block), _mm_loadu_si128(keys));
    for (int index = 1; index < 10; index++) {
        state = _mm_aesenc_si128(state, _mm_loadu_si128(keys + index));
    }
    state = _mm_aesenclast_si128(state, _mm_loadu_si128(keys + 10));
    _mm_storeu_si128((__m128i *)block, state);
}

#else

int scenic_aes128_available(void) { return 0; }

void scenic_aes128_expand(const uint8_t key[16], scenic_aes128_schedule *schedule) {
    (void)key;
    memset(schedule, 0, sizeof *schedule);
}

void scenic_aes128_encrypt(const scenic_aes128_schedule *schedule, uint8_t block[16]) {
    (void)schedule;
    (void)block;
}

#endif
