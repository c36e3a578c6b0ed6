// gregor-dump-log (kafka-dump-log.sh): dumps segment files (.log, .index, .timeindex, .txnindex)
// read straight from disk; no broker needed. Kafka's flags and output (see dump_log.h).
// Exit code 0, or 1 after a usage error or a fatal error in one of the files (the files after it
// are not dumped, as with Kafka's tool).

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "dump_log.h"

int main(int argc, char** argv) {
  CLI::App app{"This tool helps to parse a log file and dump its contents to the console, useful for debugging a "
               "seemingly corrupt log segment.",
               "kafka-dump-log.sh"};
  gregor::tools::dump_options opt;
  std::string files;
  std::string value_decoder, key_decoder;
  bool offsets_decoder = false, transaction_decoder = false;
  app.add_option("--files", files, "REQUIRED: The comma separated list of data and index log files to be dumped.")
      ->required();
  app.add_flag("--print-data-log", opt.print_data_log,
               "If set, printing the messages content when dumping data logs. Automatically set if any decoder "
               "option is specified.");
  app.add_flag("--deep-iteration", opt.deep_iteration,
               "If set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled.");
  app.add_flag("--verify-index-only", opt.verify_index_only, "If set, just verify the index log without printing its content.");
  app.add_flag("--index-sanity-check", opt.index_sanity_check,
               "If set, just checks the index sanity without printing its content.");
  app.add_flag("--skip-record-metadata", opt.skip_record_metadata, "Whether to skip printing metadata for each record.");
  app.add_option("--max-message-size", opt.max_message_size, "Size of largest message (default 5242880).");
  app.add_option("--max-bytes", opt.max_bytes,
                 "Limit the amount of total batches read in bytes avoiding reading the whole .log file(s).");
  auto* value_opt = app.add_option("--value-decoder-class", value_decoder,
                                   "Accepted for compatibility; values are always printed as UTF-8 text.")
                        ->expected(0, 1);
  auto* key_opt = app.add_option("--key-decoder-class", key_decoder,
                                 "Accepted for compatibility; keys are always printed as UTF-8 text.")
                      ->expected(0, 1);
  app.add_flag("--offsets-decoder", offsets_decoder, "Accepted for compatibility; implies --print-data-log.");
  app.add_flag("--transaction-log-decoder", transaction_decoder, "Accepted for compatibility; implies --print-data-log.");
  app.set_version_flag("--version", "gregor 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  if (value_opt->count() > 0 || key_opt->count() > 0 || offsets_decoder || transaction_decoder) {
    opt.print_data_log = true;
  }
  if (opt.print_data_log) opt.deep_iteration = true;

  std::vector<std::string> paths;
  std::stringstream ss(files);
  for (std::string p; std::getline(ss, p, ',');) paths.push_back(p);

  gregor::tools::dump_state state;
  int exit_code = 0;
  for (const auto& p : paths) {
    if (!gregor::tools::dump_file(p, opt, state, std::cout, std::cerr)) {
      exit_code = 1;
      break;
    }
  }
  std::cout.flush();
  if (exit_code == 0) gregor::tools::print_dump_problems(state, std::cerr);
  return exit_code;
}
