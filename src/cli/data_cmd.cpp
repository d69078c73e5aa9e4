// PLACEHOLDER until the data import is written (issue 2): registers `seqvi data` only.
#include "commands.hpp"

namespace seqvi::cli {
void add_data_command(CLI::App& app) {
  auto* data = app.add_subcommand("data", "Import and inspect piano-roll datasets");
  data->require_subcommand(1);
}
}  // namespace seqvi::cli
