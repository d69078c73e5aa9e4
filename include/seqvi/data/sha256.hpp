// SHA-256 digests, as lower-case hex, for identifying source files.
#ifndef SEQVI_DATA_SHA256_HPP
#define SEQVI_DATA_SHA256_HPP

#include <cstddef>
#include <span>
#include <string>

namespace seqvi::data {

/// The SHA-256 digest (FIPS 180-4) of some bytes, via OpenSSL's EVP interface.
/// @param bytes  the input
/// @return 64 lower-case hex characters
/// @throws std::runtime_error if OpenSSL fails (it does not for in-memory input in practice)
std::string sha256_hex(std::span<const std::byte> bytes);

}  // namespace seqvi::data

#endif  // SEQVI_DATA_SHA256_HPP
