#include <gtest/gtest.h>

#include "hw_models/units.h"
#include "workloads/errors.h"

namespace nmsim {
namespace {

std::string error_of(std::string_view text, Dim dim, std::string_view where = {}) {
  try {
    parse_quantity(text, dim, where);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Units, ParsesTime) {
  EXPECT_DOUBLE_EQ(parse_quantity("2.1ns", Dim::Time), 2.1e-9);
  EXPECT_DOUBLE_EQ(parse_quantity("3.5 ns", Dim::Time), 3.5e-9);
  EXPECT_DOUBLE_EQ(parse_quantity("113ns", Dim::Time), 113e-9);
  EXPECT_DOUBLE_EQ(parse_quantity("1s", Dim::Time), 1.0);
  EXPECT_DOUBLE_EQ(parse_quantity("5ms", Dim::Time), 5e-3);
  EXPECT_DOUBLE_EQ(parse_quantity("5us", Dim::Time), 5e-6);
  EXPECT_DOUBLE_EQ(parse_quantity("5\xC2\xB5s", Dim::Time), 5e-6);
  EXPECT_DOUBLE_EQ(parse_quantity("7ps", Dim::Time), 7e-12);
}

TEST(Units, ParsesEnergyPowerFrequency) {
  EXPECT_DOUBLE_EQ(parse_quantity("23.6pJ", Dim::Energy), 23.6e-12);
  EXPECT_DOUBLE_EQ(parse_quantity("1.3nJ", Dim::Energy), 1.3e-9);
  EXPECT_DOUBLE_EQ(parse_quantity("0pJ", Dim::Energy), 0.0);
  EXPECT_DOUBLE_EQ(parse_quantity("0.5W", Dim::Power), 0.5);
  EXPECT_DOUBLE_EQ(parse_quantity("45mW", Dim::Power), 0.045);
  EXPECT_DOUBLE_EQ(parse_quantity("500MHz", Dim::Frequency), 5e8);
  EXPECT_DOUBLE_EQ(parse_quantity("1GHz", Dim::Frequency), 1e9);
}

TEST(Units, ParsesBytesBandwidthBits) {
  EXPECT_EQ(parse_quantity("128KiB", Dim::Bytes), 131072.0);
  EXPECT_EQ(parse_quantity("128kB", Dim::Bytes), 128000.0);
  EXPECT_EQ(parse_quantity("1MiB", Dim::Bytes), 1048576.0);
  EXPECT_EQ(parse_quantity("64B", Dim::Bytes), 64.0);
  EXPECT_DOUBLE_EQ(parse_quantity("1GB/s", Dim::Bandwidth), 1e9);
  EXPECT_DOUBLE_EQ(parse_quantity("12.8GB/s", Dim::Bandwidth), 12.8e9);
  EXPECT_DOUBLE_EQ(parse_quantity("8Gbit/s", Dim::Bandwidth), 1e9);
  EXPECT_DOUBLE_EQ(parse_quantity("1GiB/s", Dim::Bandwidth), 1073741824.0);
  EXPECT_EQ(parse_quantity("8", Dim::Bits), 8.0);
  EXPECT_EQ(parse_quantity("8bit", Dim::Bits), 8.0);
  EXPECT_EQ(parse_quantity("64 bits", Dim::Bits), 64.0);
}

TEST(Units, WrongDimensionNamesPathValueAndRule) {
  EXPECT_EQ(error_of("2.1 parsecs", Dim::Time, "loihi.yaml: chip.core.pipeline.synop_latency"),
            "loihi.yaml: chip.core.pipeline.synop_latency: '2.1 parsecs' is not a time "
            "(expected e.g. \"2.1ns\")");
  EXPECT_EQ(error_of("23.6pJ", Dim::Time), "'23.6pJ' is not a time (expected e.g. \"2.1ns\")");
  EXPECT_EQ(error_of("3.5ns", Dim::Energy), "'3.5ns' is not an energy (expected e.g. \"23.6pJ\")");
  EXPECT_NE(error_of("1KiHz", Dim::Frequency).find("is not a frequency"), std::string::npos);
  EXPECT_NE(error_of("500MHz", Dim::Bytes).find("is not a size in bytes"), std::string::npos);
}

TEST(Units, RejectsBareNumbersNegativesGarbageAndAmbiguity) {
  EXPECT_EQ(error_of("2.1e-9", Dim::Time),
            "'2.1e-9' has no unit (expected a time, e.g. \"2.1ns\")");
  EXPECT_EQ(error_of("-3ns", Dim::Time), "'-3ns' must be non-negative");
  EXPECT_NE(error_of("fast", Dim::Time).find("is not a time"), std::string::npos);
  EXPECT_NE(error_of("", Dim::Energy).find("is not an energy"), std::string::npos);
  EXPECT_NE(error_of("128KB", Dim::Bytes).find("ambiguous"), std::string::npos);
  EXPECT_NE(error_of("0.5B", Dim::Bytes).find("whole number of bytes"), std::string::npos);
  EXPECT_NE(error_of("8.5", Dim::Bits).find("whole number of bits"), std::string::npos);
  EXPECT_NE(error_of("infns", Dim::Time).find("finite"), std::string::npos);
}

TEST(Units, FormatsForMessages) {
  EXPECT_EQ(format_quantity(2.1e-9, Dim::Time), "2.1ns");
  EXPECT_EQ(format_quantity(23.6e-12, Dim::Energy), "23.6pJ");
  EXPECT_EQ(format_quantity(5e8, Dim::Frequency), "500MHz");
}

}  // namespace
}  // namespace nmsim
