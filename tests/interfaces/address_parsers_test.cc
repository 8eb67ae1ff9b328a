// The interfaces' address options: listeners, serial lines, brokers, presets.
#include <gtest/gtest.h>

#include "meter/interfaces/modbus_rtu_server.h"
#include "meter/interfaces/mqtt_publisher.h"
#include "meter/interfaces/tcp_listener.h"

namespace meter::interfaces {
namespace {

TEST(AddressParsers, Endpoints) {
  Endpoint e;
  std::string why;
  ASSERT_TRUE(ParseEndpoint("127.0.0.1:502", e, why));
  EXPECT_EQ(e.host, "127.0.0.1");
  EXPECT_EQ(e.port, 502);
  ASSERT_TRUE(ParseEndpoint("[::1]:1502", e, why));
  EXPECT_EQ(e.host, "::1");
  EXPECT_FALSE(ParseEndpoint("localhost:502", e, why));  // a name, not an address
  EXPECT_NE(why.find("numeric"), std::string::npos);
  EXPECT_FALSE(ParseEndpoint("::1:502", e, why));  // IPv6 needs brackets
  EXPECT_FALSE(ParseEndpoint("0.0.0.0:65536", e, why));
  EXPECT_FALSE(ParseEndpoint("0.0.0.0:", e, why));
  EXPECT_FALSE(ParseEndpoint("0.0.0.0:5x", e, why));
}

TEST(AddressParsers, SerialLines) {
  ModbusRtuOptions o;
  std::string why;
  ASSERT_TRUE(ParseRtuSpec("/dev/ttyS1", o, why));
  EXPECT_EQ(o.baud, 9600);
  EXPECT_EQ(o.parity, 'N');
  ASSERT_TRUE(ParseRtuSpec("/dev/ttyS1:19200:8E1", o, why));
  EXPECT_EQ(o.baud, 19200);
  EXPECT_EQ(o.parity, 'E');
  EXPECT_EQ(o.stop_bits, 1);
  ASSERT_TRUE(ParseRtuSpec("/dev/ttyUSB0:115200:8N2", o, why));
  EXPECT_EQ(o.stop_bits, 2);
  ASSERT_TRUE(ParseRtuSpec("/dev/ttyUSB0:2400:8O1", o, why));
  EXPECT_EQ(o.parity, 'O');
  EXPECT_FALSE(ParseRtuSpec("/dev/ttyS1:1200", o, why));
  EXPECT_FALSE(ParseRtuSpec("/dev/ttyS1:9600:7E1", o, why));
  EXPECT_FALSE(ParseRtuSpec(":9600", o, why));
}

TEST(AddressParsers, BrokersAndPresets) {
  MqttOptions o;
  std::string why;
  ASSERT_TRUE(ParseMqttUrl("mqtts://broker.example.net", o, why));
  EXPECT_TRUE(o.tls);
  EXPECT_EQ(o.port, 8883);
  ASSERT_TRUE(ParseMqttUrl("mqtt://10.0.0.2:1884/", o, why));
  EXPECT_FALSE(o.tls);
  EXPECT_EQ(o.port, 1884);
  EXPECT_FALSE(ParseMqttUrl("http://x", o, why));
  EXPECT_FALSE(ParseMqttUrl("mqtts://:8883", o, why));
  EXPECT_FALSE(ParseMqttUrl("mqtts://host:0", o, why));

  MqttOptions azure;
  ASSERT_TRUE(ParseMqttUrl("mqtts://myhub.azure-devices.net", azure, why));
  azure.naming.serial = "SN9";
  azure.password = "SharedAccessSignature sr=...";
  azure.state_qos = 1;
  ASSERT_TRUE(ApplyMqttPreset("azure-iot-hub", azure, why)) << why;
  EXPECT_EQ(azure.client_id, "meter-core-SN9");
  EXPECT_EQ(azure.username, "myhub.azure-devices.net/meter-core-SN9/?api-version=2021-04-12");
  EXPECT_EQ(azure.telemetry_topic, "devices/meter-core-SN9/messages/events/");
  EXPECT_FALSE(azure.retain);
  EXPECT_FALSE(azure.discovery);

  MqttOptions aws;
  ASSERT_TRUE(ParseMqttUrl("mqtts://abc-ats.iot.eu-west-1.amazonaws.com", aws, why));
  aws.naming.serial = "SN9";
  EXPECT_FALSE(ApplyMqttPreset("aws-iot-core", aws, why));  // no client certificate
  aws.cert_file = "c.pem";
  aws.key_file = "c.key";
  ASSERT_TRUE(ApplyMqttPreset("aws-iot-core", aws, why)) << why;
  EXPECT_LE(MostSlashes(aws), 7);
  aws.naming.prefix = "a/b/c/d/e/f/g";
  EXPECT_FALSE(ApplyMqttPreset("aws-iot-core", aws, why));
  EXPECT_FALSE(ApplyMqttPreset("gcp", aws, why));
}

}  // namespace
}  // namespace meter::interfaces
