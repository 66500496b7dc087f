#include "storage/record_file.h"

#include <time.h>

#include <algorithm>
#include <chrono>

#include "common/atomic_file.h"
#include "common/base64.h"
#include "common/read_file.h"
#include "common/rfc3339.h"
#include "common/status_macros.h"
#include "fmt/format.h"

namespace crio::storage {
namespace {

// Record files grow with the store: a layer's record is about 500 bytes.
constexpr uint64_t kMaxRecordFileBytes = uint64_t{256} << 20;

absl::StatusOr<nlohmann::json> Load(const std::string& path) {
  auto content = ReadFileToString(path, kMaxRecordFileBytes);
  if (absl::IsNotFound(content.status())) return nlohmann::json::array();
  RETURN_IF_ERROR(content.status());
  if (content->empty()) return nlohmann::json::array();
  nlohmann::json records = nlohmann::json::parse(*content, nullptr, /*allow_exceptions=*/false);
  if (!records.is_array()) {
    return absl::DataLossError(fmt::format("{} is not a JSON array of records", path));
  }
  for (const nlohmann::json& record : records) {
    if (!record.is_object() || !record.contains("id") || !record["id"].is_string()) {
      return absl::DataLossError(fmt::format("{} holds a record without an id", path));
    }
  }
  return records;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RecordFile>> RecordFile::Open(std::string json_path,
                                                             const std::string& lock_path,
                                                             LockFile::Mode mode) {
  ASSIGN_OR_RETURN(std::unique_ptr<LockFile> lock, LockFile::Open(lock_path, mode));
  return std::unique_ptr<RecordFile>(new RecordFile(std::move(json_path), std::move(lock)));
}

absl::Status RecordFile::Refresh(LockFile::Held& held) {
  ASSIGN_OR_RETURN(const bool modified, held.Modified());
  if (!modified && records_ != nullptr) return absl::OkStatus();
  ASSIGN_OR_RETURN(nlohmann::json records, Load(json_path_));
  records_ = std::make_shared<const nlohmann::json>(std::move(records));
  ++generation_;
  return absl::OkStatus();
}

absl::StatusOr<RecordFile::Snapshot> RecordFile::Read() {
  ASSIGN_OR_RETURN(LockFile::Held held, lock_->Lock(/*write=*/false));
  RETURN_IF_ERROR(Refresh(held));
  return Snapshot{.records = records_, .generation = generation_};
}

absl::StatusOr<RecordFile::Writing> RecordFile::Write() {
  ASSIGN_OR_RETURN(LockFile::Held held, lock_->Lock(/*write=*/true));
  RETURN_IF_ERROR(Refresh(held));
  nlohmann::json copy = *records_;
  return Writing(*this, std::move(held), std::move(copy));
}

absl::Status RecordFile::Writing::Save() {
  RETURN_IF_ERROR(WriteFileAtomically(file_.json_path_, records_.dump(), 0600));
  RETURN_IF_ERROR(held_.Touch());
  file_.records_ = std::make_shared<const nlohmann::json>(records_);
  ++file_.generation_;
  return absl::OkStatus();
}

nlohmann::json* FindRecord(nlohmann::json& records, const std::string& id) {
  for (nlohmann::json& record : records) {
    if (StringField(record, "id") == id) return &record;
  }
  return nullptr;
}

const nlohmann::json* FindRecord(const nlohmann::json& records, const std::string& id) {
  for (const nlohmann::json& record : records) {
    if (StringField(record, "id") == id) return &record;
  }
  return nullptr;
}

void EraseRecord(nlohmann::json& records, const std::string& id) {
  auto& array = records.get_ref<nlohmann::json::array_t&>();
  std::erase_if(array, [&](const nlohmann::json& record) { return StringField(record, "id") == id; });
}

std::string StringField(const nlohmann::json& record, const char* key) {
  auto it = record.find(key);
  return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> StringListField(const nlohmann::json& record, const char* key) {
  std::vector<std::string> out;
  if (auto it = record.find(key); it != record.end() && it->is_array()) {
    for (const nlohmann::json& value : *it) {
      if (value.is_string()) out.push_back(value.get<std::string>());
    }
  }
  return out;
}

bool IsIncomplete(const nlohmann::json& layer) {
  auto flags = layer.find("flags");
  return flags != layer.end() && flags->is_object() && flags->value("incomplete", false);
}

void MarkIncomplete(nlohmann::json& layer) {
  if (!layer.contains("flags") || !layer["flags"].is_object()) layer["flags"] = nlohmann::json::object();
  layer["flags"]["incomplete"] = true;
}

bool HasCompleteLayer(const nlohmann::json& layers, const std::string& id) {
  const nlohmann::json* layer = FindRecord(layers, id);
  return layer != nullptr && !IsIncomplete(*layer);
}

std::string Rfc3339Now() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return Rfc3339Nano(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
}

std::string BigDataFileName(const std::string& key) {
  const bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
  });
  return plain ? key : "=" + Base64Encode(key);
}

}  // namespace crio::storage
