#include "meter/host_sim/csv_source.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace meter::host_sim {
namespace {

std::string WriteTemp(const std::string& name, const std::string& content) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(CsvSource, ColumnsInAnyOrderExtraColumnsIgnoredNeutralSubtracted) {
  const auto path = WriteTemp("order.csv",
                              "\xEF\xBB\xBFtime, IC ,ib,ia,vn,vc,vb,va,comment\r\n"
                              "0.0,6,5,4,1,31,21,11,x\r\n"
                              "\r\n"
                              "0.1,-6,-5,-4,0,-30,-20,-10,y\r\n");
  SourceError err;
  auto src = CsvSource::Open(path, Wiring::k3P4W, err);
  ASSERT_NE(src, nullptr) << err.ToString();
  SampleFrame f;
  ASSERT_EQ(src->Next(f), SampleSource::Read::kFrame);
  EXPECT_FLOAT_EQ(f.v[0], 10.0f);  // va - vn
  EXPECT_FLOAT_EQ(f.v[2], 30.0f);
  EXPECT_FLOAT_EQ(f.i[0], 4.0f);
  EXPECT_FLOAT_EQ(f.i[2], 6.0f);
  ASSERT_EQ(src->Next(f), SampleSource::Read::kFrame);  // blank line skipped
  EXPECT_FLOAT_EQ(f.v[1], -20.0f);
  EXPECT_EQ(src->Next(f), SampleSource::Read::kEnd);
  EXPECT_DOUBLE_EQ(src->progress(), 1.0);
}

TEST(CsvSource, MissingColumnNamesTheColumnAndWiring) {
  const auto path = WriteTemp("missing.csv", "va,vb,vc,ia,ib\n1,2,3,4,5\n");
  SourceError err;
  EXPECT_EQ(CsvSource::Open(path, Wiring::k3P4W, err), nullptr);
  EXPECT_NE(err.ToString().find("missing column 'ic'"), std::string::npos) << err.ToString();
  EXPECT_NE(err.ToString().find(":1: "), std::string::npos);
  // The same file is fine for a split-phase meter.
  EXPECT_NE(CsvSource::Open(path, Wiring::k2P3W, err), nullptr);
}

TEST(CsvSource, NonNumericFieldNamesLineAndColumn) {
  const auto path = WriteTemp("nan.csv", "va,ia\n1,2\n3,abc\n");
  SourceError err;
  auto src = CsvSource::Open(path, Wiring::k1P2W, err);
  ASSERT_NE(src, nullptr);
  SampleFrame f;
  EXPECT_EQ(src->Next(f), SampleSource::Read::kFrame);
  EXPECT_EQ(src->Next(f), SampleSource::Read::kError);
  EXPECT_EQ(src->error().line, 3);
  EXPECT_EQ(src->error().column, 2);
  EXPECT_NE(src->error().ToString().find("'ia': not a number: 'abc'"), std::string::npos) << src->error().ToString();
}

TEST(CsvSource, RaggedRowAndEmptyFileAndMissingFile) {
  SourceError err;
  auto src = CsvSource::Open(WriteTemp("ragged.csv", "va,ia\n1,2\n3\n"), Wiring::k1P2W, err);
  ASSERT_NE(src, nullptr);
  SampleFrame f;
  EXPECT_EQ(src->Next(f), SampleSource::Read::kFrame);
  EXPECT_EQ(src->Next(f), SampleSource::Read::kError);
  EXPECT_NE(src->error().ToString().find(":3: ragged row: 1 fields, the header has 2"), std::string::npos)
      << src->error().ToString();

  EXPECT_EQ(CsvSource::Open(WriteTemp("empty.csv", ""), Wiring::k1P2W, err), nullptr);
  EXPECT_NE(err.message.find("empty file"), std::string::npos);
  EXPECT_EQ(CsvSource::Open(::testing::TempDir() + "does-not-exist.csv", Wiring::k1P2W, err), nullptr);
  EXPECT_NE(err.message.find("cannot open"), std::string::npos);
  EXPECT_EQ(CsvSource::Open(WriteTemp("dup.csv", "va,ia,va\n"), Wiring::k1P2W, err), nullptr);
  EXPECT_NE(err.message.find("appears twice"), std::string::npos);
}

TEST(CsvSource, EmptyFieldAndTrailingGarbageAreErrors) {
  SourceError err;
  for (const char* row : {"1,\n", "1,2x\n", "1,2 3\n", "1,nan\n"}) {
    auto src = CsvSource::Open(WriteTemp("bad.csv", std::string("va,ia\n") + row), Wiring::k1P2W, err);
    ASSERT_NE(src, nullptr);
    SampleFrame f;
    // "nan" parses as a number: the meter flags it as non-finite instead.
    const auto r = src->Next(f);
    if (std::string(row) == "1,nan\n") {
      EXPECT_EQ(r, SampleSource::Read::kFrame);
    } else {
      EXPECT_EQ(r, SampleSource::Read::kError) << row;
    }
  }
}

}  // namespace
}  // namespace meter::host_sim
