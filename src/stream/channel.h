// Channel: one byte stream of a streaming session, whatever carries it (a SPDY stream or
// a WebSocket channel). Thread-safe: one reader and any writers at a time.
#pragma once

#include <cstddef>
#include <string_view>

namespace crio::stream {

class Channel {
 public:
  virtual ~Channel() = default;
  // Blocks for data from the client; 0 once it finished or went away, or after StopReading.
  virtual size_t Read(char* data, size_t size) = 0;
  // Sends to the client; false once the channel or its connection is gone.
  virtual bool Write(std::string_view data) = 0;
  // Our side is done sending (the client sees the end of the stream).
  virtual void CloseWrite() = 0;
  // Nothing more will be read: later data is dropped and a blocked Read returns 0.
  virtual void StopReading() = 0;
};

}  // namespace crio::stream
