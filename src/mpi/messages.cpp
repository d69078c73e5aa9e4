#include "seqvi/mpi/messages.hpp"

#include <cereal/archives/binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>

#include <sstream>

namespace seqvi::search {

// TrialSpec is search/'s plain data; its wire form lives here so that search/ never sees cereal:
// its fields in the field table's order (search::kTrialFields).
template <class Archive>
void serialize(Archive& ar, TrialSpec& spec, std::uint32_t /*version*/) {
  for_each_trial_field([&](const auto& field) {
    if (field.spec_member != nullptr) ar(spec.*field.spec_member);
  });
}

}  // namespace seqvi::search

namespace seqvi::mpi {

std::string encode(const Message& message) {
  std::ostringstream out(std::ios::binary);
  {
    cereal::BinaryOutputArchive archive(out);
    archive(kProtocolVersion, message);
  }
  return std::move(out).str();
}

Message decode(const std::string& bytes) {
  std::istringstream in(bytes, std::ios::binary);
  std::uint16_t version = 0;
  Message message;
  try {
    cereal::BinaryInputArchive archive(in);
    archive(version);
    if (version != kProtocolVersion)
      throw MessageError("message of " + std::to_string(bytes.size()) + " bytes has protocol version " +
                         std::to_string(version) + ", this binary speaks " + std::to_string(kProtocolVersion));
    archive(message);
  } catch (const cereal::Exception& e) {
    throw MessageError("message of " + std::to_string(bytes.size()) + " bytes cannot be decoded: " + e.what());
  }
  if (in.peek() != std::char_traits<char>::eof())
    throw MessageError("message of " + std::to_string(bytes.size()) + " bytes has " +
                       std::to_string(bytes.size() - static_cast<std::size_t>(in.tellg())) + " bytes left over");
  return message;
}

}  // namespace seqvi::mpi
