#include "cmd/crio/documentation.h"

#include <vector>

#include "CLI/CLI.hpp"
#include "fmt/format.h"

namespace crio {
namespace {

// The subcommands a user types, with their aliases, as the completions list them.
std::vector<const CLI::App*> Subcommands(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App* sub) { return !sub->get_name().empty(); });
}

std::vector<std::string> Names(const CLI::App& sub) {
  std::vector<std::string> names = {sub.get_name()};
  for (const std::string& alias : sub.get_aliases()) names.push_back(alias);
  return names;
}

// Global flags by their first long name (those without one are left out, as CRI-O's
// completions leave out everything but "--name").
std::vector<const CLI::Option*> LongFlags(const CLI::App& app) {
  return app.get_options([](const CLI::Option* option) { return !option->get_lnames().empty(); });
}

// Whether the flag is given a value (a boolean flag is not).
bool TakesValue(const CLI::Option& flag) { return flag.get_expected_max() > 0; }

// The first line of a description: completions show one line per candidate.
std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string Bash(const CLI::App& app) {
  std::vector<std::string> words;
  for (const CLI::App* sub : Subcommands(app)) {
    for (const std::string& name : Names(*sub)) words.push_back(name);
  }
  for (const CLI::Option* flag : LongFlags(app)) words.push_back("--" + flag->get_lnames()[0]);
  return fmt::format(
      "_cli_bash_autocomplete() {{\n"
      "    local cur opts base\n"
      "    COMPREPLY=()\n"
      "    cur=\"${{COMP_WORDS[COMP_CWORD]}}\"\n"
      "    opts=\"{}\"\n"
      "    COMPREPLY=( $(compgen -W \"${{opts}}\" -- ${{cur}}) )\n"
      "    return 0\n"
      "}}\n\n"
      "complete -F _cli_bash_autocomplete {}\n",
      Join(words, "\n"), app.get_name());
}

// 'name:usage', or double-quoted when the usage has a single quote.
std::string ZshQuote(const std::string& name, const std::string& usage) {
  if (usage.find('\'') == std::string::npos) return "'" + name + ":" + usage + "'";
  std::string escaped;
  for (const char c : usage) {
    if (c == '$' || c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return "\"" + name + ":" + escaped + "\"";
}

std::string Zsh(const CLI::App& app) {
  std::vector<std::string> commands;
  for (const CLI::App* sub : Subcommands(app)) {
    for (const std::string& name : Names(*sub)) {
      commands.push_back(ZshQuote(name, FirstLine(sub->get_description())));
    }
  }
  std::vector<std::string> options;
  for (const CLI::Option* flag : LongFlags(app)) {
    options.push_back("'--" + flag->get_lnames()[0] + "'");
  }
  return fmt::format(
      "#compdef {2}\n\n"
      "_cli_zsh_autocomplete() {{\n\n"
      "  local -a cmds\n"
      "  cmds=(\n"
      "        {0}\n"
      "  )\n"
      "  _describe 'commands' cmds\n\n"
      "  local -a opts\n"
      "  opts=(\n"
      "        {1}\n"
      "  )\n"
      "  _describe 'global options' opts\n\n"
      "  return\n"
      "}}\n\n"
      "compdef _cli_zsh_autocomplete {2}\n",
      Join(commands, "\n        "), Join(options, "\n        "), app.get_name());
}

// A fish single-quoted string.
std::string FishQuote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

std::string Fish(const CLI::App& app) {
  const std::string& name = app.get_name();
  std::vector<std::string> all_names;
  for (const CLI::App* sub : Subcommands(app)) {
    for (const std::string& sub_name : Names(*sub)) all_names.push_back(sub_name);
  }
  const std::string condition = fmt::format("__fish_{}_no_subcommand", name);
  std::string out = fmt::format(
      "# {0} fish shell completion\n\n"
      "function {1} --description 'Test if there has been any subcommand yet'\n"
      "    for i in (commandline -opc)\n"
      "        if contains -- $i {2}\n"
      "            return 1\n"
      "        end\n"
      "    end\n"
      "    return 0\n"
      "end\n\n",
      name, condition, Join(all_names, " "));
  for (const CLI::Option* flag : LongFlags(app)) {
    std::string line = fmt::format("complete -c {} -n '{}' -f -l {}", name, condition,
                                   flag->get_lnames()[0]);
    for (const std::string& short_name : flag->get_snames()) line += " -s " + short_name;
    if (TakesValue(*flag)) line += " -r";  // it takes a value
    line += " -d " + FishQuote(FirstLine(flag->get_description()));
    out += line + "\n";
  }
  for (const CLI::App* sub : Subcommands(app)) {
    out += fmt::format("complete -c {} -n '{}' -f -a {} -d {}\n", name, condition,
                       FishQuote(Join(Names(*sub), " ")),
                       FishQuote(FirstLine(sub->get_description())));
  }
  return out;
}

// "--name, -n" for a flag, as CRI-O's page names it.
std::string FlagNames(const CLI::Option& flag) {
  std::vector<std::string> names;
  for (const std::string& long_name : flag.get_lnames()) names.push_back("--" + long_name);
  for (const std::string& short_name : flag.get_snames()) names.push_back("-" + short_name);
  return Join(names, ", ");
}

std::string FlagLine(const CLI::Option& flag) {
  std::string line = "**" + FlagNames(flag) + "**";
  if (TakesValue(flag)) line += "=\"\"";
  line += ": " + flag.get_description();
  if (!flag.get_envname().empty()) line += fmt::format(" (env: {})", flag.get_envname());
  return line;
}

}  // namespace

absl::StatusOr<std::string> CompletionScript(const CLI::App& app, std::string_view shell) {
  if (shell.empty() || shell == "bash") return Bash(app);
  if (shell == "zsh") return Zsh(app);
  if (shell == "fish") return Fish(app);
  return absl::InvalidArgumentError("only bash, fish or zsh are supported");
}

std::string MarkdownPage(const CLI::App& app) {
  const std::string& name = app.get_name();
  // The description starts "crio: what it is"; the NAME section says "crio - what it is".
  std::string what = FirstLine(app.get_description());
  if (what.starts_with(name + ": ")) what.erase(0, name.size() + 2);
  std::string out = fmt::format("% {0} 8\n\n# NAME\n\n{0} - {1}\n\n# SYNOPSIS\n\n{0}\n\n```\n",
                                name, what);
  for (const CLI::Option* flag : LongFlags(app)) {
    out += fmt::format("[--{}]{}\n", flag->get_lnames()[0],
                       TakesValue(*flag) ? "=[value]" : "");
  }
  out += fmt::format(
      "```\n\n# DESCRIPTION\n\n{}\n\n**Usage**:\n\n```\n{} [GLOBAL OPTIONS] command [COMMAND "
      "OPTIONS] [ARGUMENTS...]\n```\n\n# GLOBAL OPTIONS\n\n",
      app.get_description(), name);
  for (const CLI::Option* flag : LongFlags(app)) out += FlagLine(*flag) + "\n\n";
  out += "\n# COMMANDS\n\n";
  for (const CLI::App* sub : Subcommands(app)) {
    out += fmt::format("## {}\n\n{}\n\n", Join(Names(*sub), ", "), sub->get_description());
    for (const CLI::Option* flag : LongFlags(*sub)) out += FlagLine(*flag) + "\n\n";
    for (const CLI::App* inner : Subcommands(*sub)) {
      out += fmt::format("### {}\n\n{}\n\n", Join(Names(*inner), ", "), inner->get_description());
      for (const CLI::Option* flag : LongFlags(*inner)) out += FlagLine(*flag) + "\n\n";
    }
  }
  return out;
}

}  // namespace crio
