// Checks every command makes before any work (checks.hpp).
#include "checks.hpp"

#include "seqvi/store/file_system.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <system_error>
#include <vector>

namespace seqvi::cli {
namespace {

namespace fs = std::filesystem;

std::atomic<unsigned> probe_counter{0};

[[noreturn]] void refuse(const std::string& option, const std::string& path, const std::string& what) {
  throw CommandError(fmt::format("{} '{}' {}", option, path, what), kUsage);
}

/// Creates and removes a file in `folder`; "" if that worked, else why not (strerror).
std::string probe(const fs::path& folder) {
  const fs::path file = folder / fmt::format(".seqvi-probe-{}-{}", ::getpid(), probe_counter.fetch_add(1));
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return std::strerror(errno);
  ::close(fd);
  ::unlink(file.c_str());
  return "";
}

/// A number with nothing after it ("1e3", "0.5"; not "5x"), or nullopt.
std::optional<double> parse_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return v;
}

/// "0.5", "1", "1e+300": the shortest text that reads back as `v`.
std::string number_text(double v) { return fmt::format("{}", v); }

CLI::Validator number_validator(const std::string& rule, const std::string& description,
                                std::function<bool(double)> ok) {
  return CLI::Validator(
      [rule, ok = std::move(ok)](std::string& text) -> std::string {
        const auto v = parse_number(text);
        if (!v || !std::isfinite(*v) || !ok(*v)) return fmt::format("{} is not a number {}", text, rule);
        return "";
      },
      description);
}

}  // namespace

CLI::Option* add_force_flag(CLI::App* cmd, bool& force) {
  return cmd->add_flag("--force", force, "Replace output files that exist (without it they are refused, exit code 2)");
}

void check_output_file(const std::string& option, const std::string& path, bool force, const std::string& hint) {
  if (path.empty()) return;
  std::error_code ec;
  const fs::path target(path);
  if (fs::is_directory(target, ec)) refuse(option, path, "is a folder; name a file");
  if (target.filename().empty() || target.filename() == "." || target.filename() == "..")
    refuse(option, path, "names no file");
  const fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  if (!fs::exists(folder, ec))
    refuse(option, path, fmt::format("is in the folder '{}', which does not exist", folder.string()));
  if (!fs::is_directory(folder, ec))
    refuse(option, path, fmt::format("is in '{}', which is not a folder", folder.string()));
  if (fs::exists(fs::symlink_status(target, ec)) && !force)
    refuse(option, path, "exists; " + (hint.empty() ? std::string("pass --force to replace it") : hint));
  if (const std::string why = probe(folder); !why.empty())
    refuse(option, path, fmt::format("cannot be written: cannot create a file in '{}' ({})", folder.string(), why));
}

void check_input_file(const std::string& option, const std::string& path) {
  if (path.empty()) return;
  std::error_code ec;
  if (fs::is_directory(path, ec)) refuse(option, path, "is a folder; name a file");
  if (!fs::exists(path, ec)) refuse(option, path, "does not exist");
}

void check_output_folder(const std::string& option, const std::string& path, bool force,
                         const std::vector<std::string>& files) {
  if (path.empty()) return;
  std::error_code ec;
  fs::path existing(path);
  if (fs::exists(existing, ec)) {
    if (!fs::is_directory(existing, ec)) refuse(option, path, "is a file, not a folder");
    if (!force)
      for (const std::string& name : files)
        if (fs::exists(fs::symlink_status(existing / name, ec)))
          refuse(option, path, fmt::format("already holds {}; pass --force to replace it", name));
  } else {
    // Created by the command (with its parents): the nearest existing ancestor must take files.
    existing = fs::absolute(existing, ec).lexically_normal();
    while (!existing.empty() && !fs::exists(existing, ec) && existing.has_parent_path() &&
           existing.parent_path() != existing)
      existing = existing.parent_path();
    if (!fs::is_directory(existing, ec))
      refuse(option, path, fmt::format("cannot be created: '{}' is not a folder", existing.string()));
  }
  if (const std::string why = probe(existing); !why.empty())
    refuse(option, path, fmt::format("cannot be written: cannot create a file in '{}' ({})", existing.string(), why));
}

const CLI::Validator PositiveNumber = number_validator("> 0", "POSITIVE", [](double v) { return v > 0; });
const CLI::Validator NonNegativeNumber = number_validator(">= 0", "NONNEGATIVE", [](double v) { return v >= 0; });

CLI::Validator Range(double lo, double hi) {
  return number_validator(fmt::format("in [{}, {}]", number_text(lo), number_text(hi)),
                          fmt::format("in [{}, {}]", number_text(lo), number_text(hi)),
                          [lo, hi](double v) { return v >= lo && v <= hi; });
}

const CLI::Validator Seed(
    [](std::string& text) -> std::string {
      std::uint64_t v = 0;
      const char* end = text.data() + text.size();
      const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
      const auto parsed = digits ? std::from_chars(text.data(), end, v) : std::from_chars_result{};
      if (!digits || parsed.ec != std::errc() || parsed.ptr != end)
        return fmt::format("{} is not a seed: a whole number from 0 to {}", text, UINT64_MAX);
      return "";
    },
    "SEED");

double minimum_training_bytes(const train::TrainConfig& config) {
  const auto H = static_cast<double>(config.model.hidden);
  const auto K = static_cast<double>(config.model.latent);
  const auto D = static_cast<double>(config.model.inputs);
  const double params = H * H + (D + K) * H;
  const double batch =
      static_cast<double>(config.batching.batch_size) * static_cast<double>(config.batching.max_frames);
  return sizeof(float) * (5.0 * params + 2.0 * batch * H);
}

void check_training_memory(const train::TrainConfig& config) {
  const double needed = minimum_training_bytes(config);
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return;  // unknown: let the allocation decide
  const double available = static_cast<double>(pages) * static_cast<double>(page);
  if (needed > available)
    throw CommandError(
        fmt::format("hidden {}, latent {}, batch size {} × {} frames needs at least {} of memory (the parameters, "
                    "their gradient and optimiser state, one batch's activations); this machine has {}",
                    config.model.hidden, config.model.latent, config.batching.batch_size, config.batching.max_frames,
                    store::human_bytes(needed), store::human_bytes(available)),
        kUsage);
}

}  // namespace seqvi::cli
