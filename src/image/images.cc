#include "image/images.h"

#include "common/status_macros.h"
#include "image/reference.h"

namespace crio::image {
namespace {

bool MatchesPattern(const std::string& name, const std::string& pattern) {
  if (pattern.size() > 1 && pattern.front() == '*' && pattern.back() == '*') {
    return name.find(pattern.substr(1, pattern.size() - 2)) != std::string::npos;
  }
  if (!pattern.empty() && pattern.back() == '*') {
    return name.starts_with(pattern.substr(0, pattern.size() - 1));
  }
  return name == pattern;
}

}  // namespace

std::vector<std::string> Images::StoredNames(const std::string& reference) const {
  std::vector<std::string> names;
  if (IsShortName(reference)) {
    // Every name a pull might have stored it under, whatever the short-name mode.
    auto candidates = registries_.Snapshot()->ShortNameCandidates(reference, "disabled");
    if (candidates.ok()) {
      for (const Reference& candidate : *candidates) names.push_back(candidate.String());
    }
  } else if (auto parsed = ParseQualified(reference); parsed.ok()) {
    names.push_back(parsed->String());
    // "name:tag@digest" is stored as "name@digest".
    if (!parsed->digest.empty() && !parsed->tag.empty()) {
      names.push_back(parsed->Name() + "@" + parsed->digest);
    }
  }
  return names;
}

absl::StatusOr<std::optional<storage::ImageRecord>> Images::Find(const std::string& reference) {
  ASSIGN_OR_RETURN(auto by_key, store_.Find(reference));  // ID, ID prefix or exact name
  if (by_key) return by_key;
  for (const std::string& name : StoredNames(reference)) {
    ASSIGN_OR_RETURN(auto by_name, store_.Find(name));
    if (by_name) return by_name;
  }
  return std::optional<storage::ImageRecord>();
}

absl::Status Images::Remove(const std::string& reference) {
  if (reference.empty()) return absl::InvalidArgumentError("no image to remove");
  ASSIGN_OR_RETURN(auto image, Find(reference));
  if (!image) return absl::OkStatus();
  const std::string hex = reference.starts_with("sha256:") ? reference.substr(7) : reference;
  if (image->id.starts_with(hex)) return store_.RemoveImage(image->id);  // by ID: all names go
  for (const std::string& name : StoredNames(reference)) {
    auto removed = store_.RemoveName(name);
    if (removed.ok()) return absl::OkStatus();
    if (removed.status().code() != absl::StatusCode::kNotFound) return removed.status();
  }
  return store_.RemoveName(reference).status();
}

Pins::Pins(const std::vector<std::string>& patterns, const std::string& pause_image)
    : patterns_(patterns) {
  if (!pause_image.empty()) {
    auto pause = ParseWithDefaultDomain(pause_image, "docker.io");
    patterns_.push_back(pause.ok() ? pause->String() : pause_image);
  }
}

bool Pins::Match(const storage::ImageRecord& image) const {
  for (const std::vector<std::string>* names : {&image.repo_tags, &image.repo_digests}) {
    for (const std::string& name : *names) {
      for (const std::string& pattern : patterns_) {
        if (MatchesPattern(name, pattern)) return true;
      }
    }
  }
  return false;
}

}  // namespace crio::image
