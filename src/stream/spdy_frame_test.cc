#include "stream/spdy_frame.h"

#include <zlib.h>

#include "gtest/gtest.h"

namespace crio::stream::spdy {
namespace {

std::string Bytes(std::initializer_list<int> values) {
  std::string out;
  for (int value : values) out.push_back(static_cast<char>(value));
  return out;
}

// A header block compressed as the spec says, with zlib directly (not with our codec).
std::string CompressedBlock(const std::string& plain) {
  z_stream z{};
  deflateInit(&z, Z_DEFAULT_COMPRESSION);
  const std::string& dictionary = HeaderDictionary();
  deflateSetDictionary(&z, reinterpret_cast<const Bytef*>(dictionary.data()),
                       static_cast<uInt>(dictionary.size()));
  std::string out(plain.size() + 256, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  z.avail_in = static_cast<uInt>(plain.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_SYNC_FLUSH);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

TEST(SpdyFrameTest, DictionaryIsTheSpecs) {
  const std::string& dictionary = HeaderDictionary();
  EXPECT_EQ(dictionary.size(), 1423u);
  EXPECT_EQ(dictionary.substr(0, 11), Bytes({0, 0, 0, 7, 'o', 'p', 't', 'i', 'o', 'n', 's'}));
  EXPECT_EQ(dictionary.substr(dictionary.size() - 7), ",enq=0.");
}

TEST(SpdyFrameTest, DecodesDataFrameFromSpecBytes) {
  FrameCodec codec;
  std::string wire = Bytes({0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x02, 'h', 'i'});
  auto frame = codec.Decode(wire);
  ASSERT_TRUE(frame.ok());
  ASSERT_TRUE(frame->has_value());
  const auto& data = std::get<DataFrame>(**frame);
  EXPECT_EQ(data.stream_id, 1u);
  EXPECT_TRUE(data.fin);
  EXPECT_EQ(data.data, "hi");
  EXPECT_TRUE(wire.empty());
  EXPECT_EQ(codec.Encode(data), Bytes({0, 0, 0, 1, 1, 0, 0, 2, 'h', 'i'}));
}

TEST(SpdyFrameTest, ControlFramesMatchSpecBytes) {
  FrameCodec codec;
  EXPECT_EQ(codec.Encode(Ping{7}),
            Bytes({0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 7}));
  EXPECT_EQ(codec.Encode(RstStream{5, kCancel}),
            Bytes({0x80, 3, 0, 3, 0, 0, 0, 8, 0, 0, 0, 5, 0, 0, 0, 5}));
  EXPECT_EQ(codec.Encode(GoAway{3, 0}), Bytes({0x80, 3, 0, 7, 0, 0, 0, 8, 0, 0, 0, 3, 0, 0, 0, 0}));
  EXPECT_EQ(codec.Encode(WindowUpdate{1, 4096}),
            Bytes({0x80, 3, 0, 9, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0x10, 0}));
  std::string settings = Bytes({0x80, 3, 0, 4, 0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 100});
  auto frame = codec.Decode(settings);
  ASSERT_TRUE(frame.ok() && frame->has_value());
  const auto& decoded = std::get<Settings>(**frame);
  ASSERT_EQ(decoded.entries.size(), 1u);
  EXPECT_EQ(decoded.entries[0], std::make_pair(7u, 100u));
}

TEST(SpdyFrameTest, DecodesSynStreamWithSpecCompressedHeaders) {
  std::string plain = Bytes({0, 0, 0, 2});
  for (auto [name, value] :
       {std::pair<std::string, std::string>{"streamtype", "stdout"}, {"port", "80"}}) {
    plain += Bytes({0, 0, 0, static_cast<int>(name.size())}) + name;
    plain += Bytes({0, 0, 0, static_cast<int>(value.size())}) + value;
  }
  const std::string block = CompressedBlock(plain);
  std::string payload = Bytes({0, 0, 0, 3, 0, 0, 0, 0, 0x20, 0}) + block;
  std::string wire =
      Bytes({0x80, 3, 0, 1, kFlagFin, 0, 0, static_cast<int>(payload.size())}) + payload;
  FrameCodec codec;
  auto frame = codec.Decode(wire);
  ASSERT_TRUE(frame.ok()) << frame.status();
  ASSERT_TRUE(frame->has_value());
  const auto& syn = std::get<SynStream>(**frame);
  EXPECT_EQ(syn.stream_id, 3u);
  EXPECT_EQ(syn.priority, 1);
  EXPECT_EQ(syn.flags, kFlagFin);
  EXPECT_EQ(HeaderValue(syn.headers, "streamType"), "stdout");
  EXPECT_EQ(HeaderValue(syn.headers, "port"), "80");
}

TEST(SpdyFrameTest, HeaderContextCarriesAcrossFrames) {
  FrameCodec writer;
  FrameCodec reader;
  std::string wire;
  for (uint32_t id : {1u, 3u, 5u}) {
    wire += writer.Encode(SynStream{
        .stream_id = id, .headers = {{"streamType", "data"}, {"requestID", std::to_string(id)}}});
  }
  wire += writer.Encode(SynReply{.stream_id = 2, .fin = false, .headers = {}});
  for (uint32_t id : {1u, 3u, 5u}) {
    auto frame = reader.Decode(wire);
    ASSERT_TRUE(frame.ok() && frame->has_value()) << frame.status();
    const auto& syn = std::get<SynStream>(**frame);
    EXPECT_EQ(syn.stream_id, id);
    EXPECT_EQ(HeaderValue(syn.headers, "streamtype"), "data");
    EXPECT_EQ(HeaderValue(syn.headers, "requestid"), std::to_string(id));
  }
  auto reply = reader.Decode(wire);
  ASSERT_TRUE(reply.ok() && reply->has_value());
  EXPECT_EQ(std::get<SynReply>(**reply).stream_id, 2u);
}

TEST(SpdyFrameTest, WaitsForWholeFrames) {
  FrameCodec codec;
  std::string wire = codec.Encode(DataFrame{.stream_id = 1, .fin = false, .data = "hello"});
  std::string partial = wire.substr(0, wire.size() - 1);
  auto frame = codec.Decode(partial);
  ASSERT_TRUE(frame.ok());
  EXPECT_FALSE(frame->has_value());
  EXPECT_EQ(partial.size(), wire.size() - 1);  // nothing consumed
}

TEST(SpdyFrameTest, RefusesMalformedFrames) {
  FrameCodec codec;
  std::string huge = Bytes({0, 0, 0, 1, 0, 0x10, 0, 1});  // 1 MiB + 1
  EXPECT_FALSE(codec.Decode(huge).ok());
  std::string version2 = Bytes({0x80, 2, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1});
  EXPECT_FALSE(FrameCodec().Decode(version2).ok());
  std::string short_rst = Bytes({0x80, 3, 0, 3, 0, 0, 0, 4, 0, 0, 0, 1});
  EXPECT_FALSE(FrameCodec().Decode(short_rst).ok());
  std::string garbage_headers = Bytes({0x80, 3, 0, 2, 0, 0, 0, 8, 0, 0, 0, 1, 1, 2, 3, 4});
  EXPECT_FALSE(FrameCodec().Decode(garbage_headers).ok());
}

TEST(SpdyFrameTest, RefusesAHeaderBomb) {
  std::string plain =
      Bytes({0, 0, 0, 1, 0, 0, 0, 1}) + "a" + Bytes({0, 0x10, 0, 0}) + std::string(1 << 20, 'x');
  const std::string block = CompressedBlock(plain);
  std::string payload = Bytes({0, 0, 0, 1}) + block;
  std::string wire = Bytes({0x80, 3, 0, 2, 0, static_cast<int>(payload.size() >> 16),
                            static_cast<int>((payload.size() >> 8) & 0xff),
                            static_cast<int>(payload.size() & 0xff)}) +
                     payload;
  auto frame = FrameCodec().Decode(wire);
  ASSERT_FALSE(frame.ok());
  EXPECT_NE(frame.status().message().find("too large"), std::string::npos);
}

}  // namespace
}  // namespace crio::stream::spdy
