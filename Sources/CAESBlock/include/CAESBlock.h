#ifndef SCENIC_CAES_BLOCK_H
#define SCENIC_CAES_BLOCK_H

#include <stdint.h>

/// An AES-128 key expanded once: the eleven round keys of FIPS-197, in the byte order
/// the AES-NI instructions read them.
typedef struct {
    uint8_t roundKeys[11 * 16];
} scenic_aes128_schedule;

/// 1 when this CPU has the AES instructions the functions below use, else 0: callers
/// then encrypt some other way (the functions must not be called).
int scenic_aes128_available(void);

/// Expands a 16-byte `key` into `schedule`.
void scenic_aes128_expand(const uint8_t key[16], scenic_aes128_schedule *schedule);

/// Encrypts one 16-byte block in place: AES-128 of FIPS-197, with the key `schedule`
/// was expanded from.
void scenic_aes128_encrypt(const scenic_aes128_schedule *schedule, uint8_t block[16]);

#endif
