#include "meter/interfaces/modbus_rtu_server.h"

#include <modbus/modbus.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "meter/interfaces/modbus_reply.h"

namespace meter::interfaces {

bool ParseRtuSpec(const std::string& text, ModbusRtuOptions& out, std::string& why) {
  const auto first = text.find(':');
  out.device = text.substr(0, first);
  if (out.device.empty()) {
    why = "'" + text + "' names no device";
    return false;
  }
  if (first == std::string::npos) return true;
  const auto second = text.find(':', first + 1);
  const std::string baud = text.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
  char* end = nullptr;
  const long b = std::strtol(baud.c_str(), &end, 10);
  static constexpr long kRates[] = {2400, 4800, 9600, 19200, 38400, 57600, 115200};
  bool known = false;
  for (long r : kRates) known = known || (b == r);
  if (baud.empty() || *end != '\0' || !known) {
    why = "baud rate '" + baud + "' is not one of 2400 4800 9600 19200 38400 57600 115200";
    return false;
  }
  out.baud = static_cast<int>(b);
  if (second == std::string::npos) return true;
  const std::string frame = text.substr(second + 1);
  if (frame == "8N1") {
    out.parity = 'N', out.stop_bits = 1;
  } else if (frame == "8E1") {
    out.parity = 'E', out.stop_bits = 1;
  } else if (frame == "8O1") {
    out.parity = 'O', out.stop_bits = 1;
  } else if (frame == "8N2") {
    out.parity = 'N', out.stop_bits = 2;
  } else {
    why = "character format '" + frame + "' is not 8N1, 8E1, 8O1 or 8N2";
    return false;
  }
  return true;
}

bool ModbusRtuServer::Start(const ModbusRtuOptions& options, std::string& why) {
  options_ = options;
  identity_.unit_id = options.unit_id;
  modbus_t* ctx = modbus_new_rtu(options.device.c_str(), options.baud, options.parity, 8, options.stop_bits);
  if (ctx == nullptr) {
    why = options.device + ": " + modbus_strerror(errno);
    return false;
  }
  if (modbus_set_slave(ctx, options.unit_id) != 0 || modbus_connect(ctx) != 0) {
    why = options.device + ": " + modbus_strerror(errno);
    modbus_free(ctx);
    return false;
  }
  // Wake up now and then to see a stop request.
  modbus_set_indication_timeout(ctx, 0, 200000);
  context_ = ctx;
  stop_ = false;
  thread_ = std::thread([this] { Serve(); });
  return true;
}

void ModbusRtuServer::Stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  thread_.join();
  auto* ctx = static_cast<modbus_t*>(context_);
  modbus_close(ctx);
  modbus_free(ctx);
  context_ = nullptr;
}

void ModbusRtuServer::Serve() {
  auto* ctx = static_cast<modbus_t*>(context_);
  std::uint8_t request[MODBUS_RTU_MAX_ADU_LENGTH];
  std::uint8_t reply[kMaxPdu];
  const int header = modbus_get_header_length(ctx);  // the unit id
  while (!stop_) {
    const int length = modbus_receive(ctx, request);
    if (length <= 0) continue;  // timeout, another unit's frame, or a bad CRC (flushed)
    requests_.fetch_add(1, std::memory_order_relaxed);
    // A broadcast gets no reply on a serial line, and this server changes
    // nothing, so it is simply ignored.
    if (request[0] == 0) continue;
    const std::size_t pdu_length = static_cast<std::size_t>(length - header - 2);  // minus the CRC
    const std::size_t r = ReplyToPdu(request + header, pdu_length, channel_.Read(), identity_, reply);
    if (reply[0] & 0x80) {
      modbus_reply_exception(ctx, request, reply[1]);
      continue;
    }
    // A read: hand libmodbus the words through a mapping that covers exactly
    // the registers asked for.
    const int address = (request[header + 1] << 8) | request[header + 2];
    const int count = static_cast<int>((r - 2) / 2);
    modbus_mapping_t* mapping =
        modbus_mapping_new_start_address(0, 0, 0, 0, static_cast<unsigned>(address), static_cast<unsigned>(count),
                                         static_cast<unsigned>(address), static_cast<unsigned>(count));
    if (mapping == nullptr) continue;
    for (int k = 0; k < count; ++k) {
      const auto word = static_cast<std::uint16_t>((reply[2 + 2 * k] << 8) | reply[3 + 2 * k]);
      mapping->tab_registers[k] = word;
      mapping->tab_input_registers[k] = word;
    }
    modbus_reply(ctx, request, length, mapping);
    modbus_mapping_free(mapping);
  }
}

}  // namespace meter::interfaces
