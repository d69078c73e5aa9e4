// seqvi report: the analysis report of a sweep (learning curves, bound against each hyper-parameter,
// the leaderboard as Markdown) written to <sweep dir>/report/ by analysis/report.
#include "apps_common.hpp"
#include "commands.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <system_error>

namespace seqvi::cli {
namespace {

struct ReportArgs {
  std::string sweep;
  std::string table;
  std::string out;
  std::int64_t top = 5;
  bool force = false;
};

}  // namespace

void add_report_command(CLI::App& app) {
  static ReportArgs args;
  auto* cmd = app.add_subcommand(
      "report", "Write a sweep's report (figures, leaderboard) into <sweep dir>/report/ (runs analysis/report)");
  cmd->add_option("sweep", args.sweep, "The sweep folder")->required();
  cmd->add_option("--table", args.table, "Read the trial table from this JSON file instead of seqvi leaderboard");
  cmd->add_option("--out", args.out, "Write the report here instead of <sweep dir>/report");
  cmd->add_option("--top", args.top, "Learning curves of the best N trials per dataset")->check(PositiveNumber);
  add_force_flag(cmd, args.force);
  cmd->callback([] {
    // Before any work: the report folder can be written and holds no report (unless --force).
    const std::string out = args.out.empty() ? (std::filesystem::path(args.sweep) / "report").string() : args.out;
    check_output_folder("--out", out, args.force, {"README.md"});
    const std::filesystem::path tool = apps::find_analysis_tool("report");
    std::error_code ec;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    std::vector<std::string> tool_args{tool.string(), args.sweep, "--top", std::to_string(args.top)};
    if (!ec) tool_args.insert(tool_args.end(), {"--seqvi", self.string()});
    if (!args.table.empty()) tool_args.insert(tool_args.end(), {"--table", args.table});
    if (!args.out.empty()) tool_args.insert(tool_args.end(), {"--out", args.out});
    tool_args.insert(tool_args.end(), {"--data-dir", data_dir().string()});  // the baseline's dataset files
    const int code = apps::run_program("/usr/bin/python3", tool_args);
    if (code != 0) throw CommandExit(code == 2 ? kUsage : kError);
  });
}

}  // namespace seqvi::cli
