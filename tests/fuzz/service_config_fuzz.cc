// meter-linux's configuration file parser (TOML and JSON), the address
// parsers of its interfaces (listeners, serial lines, MQTT brokers and
// presets) and the --inputs-file levels, on any text: an entry or a message,
// never a crash or an exception escaping.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "meter/hal/linux/file_inputs.h"
#include "meter/interfaces/modbus_rtu_server.h"
#include "meter/interfaces/mqtt_publisher.h"
#include "meter/interfaces/tcp_listener.h"
#include "service_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (const bool json : {false, true}) {
    std::vector<meter_linux::ConfigEntry> entries;
    std::string why;
    if (!meter_linux::ParseConfigText(text, json, "fuzz", entries, why) && why.empty()) __builtin_trap();
  }
  meter::interfaces::Endpoint at;
  std::string why;
  meter::interfaces::ParseEndpoint(text, at, why);
  meter::interfaces::ModbusRtuOptions rtu;
  meter::interfaces::ParseRtuSpec(text, rtu, why);
  meter::interfaces::MqttOptions mqtt;
  if (meter::interfaces::ParseMqttUrl(text, mqtt, why)) {
    mqtt.naming.serial = text.substr(0, 16);
    meter::interfaces::ApplyMqttPreset(size % 2 ? "azure-iot-hub" : "aws-iot-core", mqtt, why);
  }
  std::uint8_t levels = 0;
  if (meter::hal::linux_board::ParseInputLevels(text, levels) && (levels & ~7u) != 0) __builtin_trap();
  return 0;
}
