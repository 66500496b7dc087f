// `crio check`: CRI-O's (1.30 and later) storage check. It checks the store under `root`
// (storage.CheckEverything, or with --quick storage.CheckMost: storage/store_check.h), logs
// each problem and, with --repair, removes what is damaged (storage/store_repair.h): layers and
// the images on them, and with --force the containers on them too; --wipe removes the whole
// storage when that repair fails. Without --repair it changes nothing.
//
// Exit status, as CRI-O's: 0 when the store is sound (or was repaired), 1 when damage was
// found and not repaired (counted by kind in the last line), or something failed.
// Repairing refuses while crio runs (the socket's lock is held) and holds that lock itself,
// so no crio starts on the storage it changes.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "config/load.h"

namespace crio {

struct CheckFlags {
  std::string age = "24h";  // --age: how old an unreferenced or incomplete layer may be
  bool force = false;       // --force: repair removes damaged containers too
  bool quick = false;       // --quick: no comparison of layers' files with their tars
  bool repair = false;      // --repair: remove damaged images and layers
  bool wipe = false;        // --wipe: remove the storage when the repair fails
};

// --age as CRI-O reads it: whole seconds ("3600") or a Go duration ("24h", "1h30m"); a
// negative one counts as positive. nullopt when it is neither.
std::optional<std::chrono::seconds> ParseAge(std::string_view text);

// Runs `crio check`; returns the exit status.
int RunCheck(const config::Loaded& loaded, const CheckFlags& flags);

}  // namespace crio
